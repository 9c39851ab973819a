#pragma once
// Host-side work items side by side on plain std::threads. ATen's intra-op pool is no use for this: pip's and
// Debian's libtorch run at::parallel_for on ONE thread unless the process calls at::set_num_threads (an H100
// host's trace showed Gemma 3n's 24 crop resizes taking 382 ms one after another while the GPU idled).
#include <cstdint>
#include <functional>

namespace ll::infer {

// Calls fn(i) once for every i in [0, n), spread over up to `threads` threads (0: the machine's hardware
// threads; never more threads than items, and n <= 1 or one thread runs on the caller's thread). Returns when
// every call has returned. If calls throw, the other items still run and the first exception is rethrown here.
void parallelForEach(int64_t n, const std::function<void(int64_t)>& fn, int threads = 0);

// Calls perRow(i) for every i in [0, rows), in bands of consecutive rows spread over `threads` threads as
// parallelForEach does (0: every hardware thread; 1, or fewer than 8 rows: in order on the caller's thread).
// For image passes where each row writes only its own output, so the result does not depend on the thread
// count. (The row function comes last: it is usually a long lambda.)
void parallelForRows(int64_t rows, int threads, const std::function<void(int64_t)>& perRow);

}  // namespace ll::infer
