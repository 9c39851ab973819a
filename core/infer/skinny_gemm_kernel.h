#pragma once
// Launcher of the decode-step weight product y [M, N] = x [M, K] W [N, K]^T (+ bias) for M <= 32
// (skinny_gemm_kernel.cu, compiled only with LAYOUTLENS_CUDA_KERNELS). Raw pointers and a cudaStream_t as
// void*: neither libtorch nor CUDA headers here; skinny_gemm.cpp is the libtorch side.
//
// Why a kernel of our own: a decode step's products read every weight once for a handful of rows, so they
// are bound by HBM bandwidth and by each kernel's ramp. cuBLAS reaches 1.9-2.4 TB/s of the H100's 3.35 on
// the big ones and its launches cannot start reading weights before the previous kernel ends. This kernel
// fills every SM whatever the shape (the K range split across a thread-block cluster, merged through
// distributed shared memory in a fixed order), keeps ~64 KB of weights in flight per SM, and can start
// reading its weights while the previous kernel still runs (programmatic dependent launch): the weights do
// not depend on it, only x does, and x is read after griddepcontrol.wait.
#include <cstdint>

namespace ll::infer::kernels {

struct SkinnyGemmArgs {
  const void* x = nullptr;     // bf16 [m, k], row stride xStride (a multiple of 8 elements), 16-byte aligned
  int64_t xStride = 0;
  const void* w = nullptr;     // bf16 [n, k], contiguous, 16-byte aligned (the checkpoint layout)
  const void* bias = nullptr;  // bf16 [n] or nullptr
  void* y = nullptr;           // bf16 [m, n], row stride yStride
  int64_t yStride = 0;
  int64_t m = 0, n = 0, k = 0;
};

constexpr int64_t kSkinnyGemmMaxRows = 32;

// Whether the kernel takes this shape: 1-32 rows, K a positive multiple of 64, N below 2^31.
bool skinnyGemmSupports(int64_t m, int64_t n, int64_t k);

// `programmatic`: launched as a programmatic dependent of the stream's previous kernel (its weight reads
// overlap that kernel's tail). nullptr on success, else CUDA's message for the launch.
const char* skinnyGemm(const SkinnyGemmArgs& args, void* stream, bool programmatic);

// For tests and measurements: how many K slices (cluster size) the launcher picks for this shape.
int skinnyGemmSplits(int64_t n, int64_t k, int device);

}  // namespace ll::infer::kernels
