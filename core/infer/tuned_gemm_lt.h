#pragma once
// cuBLASLt for the decode steps' small-M GEMMs, with the algorithm picked by timing (tuned_linear.h is the
// libtorch side and says why). Raw pointers and a cudaStream_t as void*: neither libtorch nor CUDA headers
// here. cuBLASLt's entry points are looked up at run time in the copy libtorch already loaded, so there is
// no second cuBLAS and nothing extra to link. Compiled only with LAYOUTLENS_CUDA_KERNELS.
#include <cstdint>

namespace ll::infer::kernels {

// y [m, n] = x [m, k] * w [n, k]^T (+ bias [n]); bfloat16 in and out, float32 accumulation. x's rows are
// xStride apart, w and y contiguous. The alignments (bytes, powers of two up to 256) of x, w and y are part
// of the shape: cuBLASLt's algorithms may assume them.
struct LtGemm {
  int64_t m = 0, n = 0, k = 0, xStride = 0;
  bool bias = false;
  int alignX = 16, alignW = 16, alignY = 16;
};

// Whether this process has cuBLASLt (loaded by libtorch's CUDA part).
bool ltAvailable();
// Asks cuBLASLt's heuristic for up to maxCandidates algorithms of the shape on the current device that fit
// workspaceBytes; *count gets how many. Once per shape (later calls return the same count).
const char* ltPrepare(const LtGemm& g, uint64_t workspaceBytes, int maxCandidates, int* count);
// Runs candidate `index` of a prepared shape, or with index -1 the one chosen by ltChoose.
const char* ltRun(const LtGemm& g, int index, const void* x, const void* w, const void* bias, void* y, void* workspace,
                  uint64_t workspaceBytes, void* stream);
const char* ltChoose(const LtGemm& g, int index);

}  // namespace ll::infer::kernels
