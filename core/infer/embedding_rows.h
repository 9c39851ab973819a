#pragma once
// Row gathers of a decode step's inputs. A token's embedding row times the model's scale in one kernel, with a
// range of ids taken from rows of their own (Gemma 3n: text ids scaled by sqrt(D), vision hard tokens through the
// vision embedder), so a token the step gets on the device (decodeAhead, causal_lm.h) is embedded right whatever
// it is. And rows of a table in page-locked host memory gathered by the device itself (Gemma 3n's 4.7 GB
// per-layer table, kept on the host on smaller GPUs): the rows' ids may exist on the device only.
#include <cstdint>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

namespace ll::infer {

// table[ids] * scale [n, D] in table's dtype, except ids in [rangeStart, rangeStart + rangeRows.size(0)), whose row
// is rangeRows[id - rangeStart] as it is. One kernel for bfloat16 on CUDA where this build has them (the product
// rounded as the op rounds it: the same values), the op chain elsewhere. ids: int64 [n] on table's device.
at::Tensor scaledEmbedding(const at::Tensor& table, const at::Tensor& ids, double scale, const at::Tensor& rangeRows = {},
                           int64_t rangeStart = 0);

// The pointer through which kernels on `device` read `hostTable` in place (page-locked host memory on a GPU with
// unified addressing; rows of a multiple of 16 bytes), or nullptr where they cannot: pageable memory, a CPU
// device, a build without the CUDA kernels.
const void* deviceReadablePointer(const at::Tensor& hostTable, const c10::Device& device);

// out[i] = hostTable[rows[i]], gathered by the device through `deviceView` (deviceReadablePointer's, not null);
// rows int64 [n] and out [n, row] contiguous on the device. No bounds checks: rows must be valid.
void gatherHostRows(const at::Tensor& hostTable, const void* deviceView, const at::Tensor& rows, const at::Tensor& out);

}  // namespace ll::infer
