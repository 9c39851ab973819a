#pragma once
// Launcher of the skinny GEMM kernel (skinny_gemm_kernel.cu, compiled only with LAYOUTLENS_CUDA_KERNELS): the
// weight products of a decode step, y [M, N] = x [M, K] W [N, K]^T (+ bias), M a few dozen rows at most. Raw
// pointers and a cudaStream_t as void*: neither libtorch nor CUDA headers here; skinny_gemm.cpp is the
// libtorch side.
//
// Why a kernel of our own: at decode batch sizes the product only streams W, so it should run at the memory
// bandwidth; cuBLAS's kernels for these shapes leave a third of it unused (dots.ocr's layout step on an H200:
// the MLP's gate/up product 17.7 us for 55 MB = 3.1 TB/s, the 5-6 MB attention projections ~1 TB/s).
#include <cstdint>

namespace ll::infer::kernels {

struct SkinnyGemmArgs {
  const void* x = nullptr;     // bf16 [M, K], rows xStride elements apart, 16-byte aligned
  int64_t xStride = 0;
  const void* w = nullptr;     // bf16 [N, K], contiguous, 16-byte aligned
  const void* bias = nullptr;  // bf16 [N] or nullptr
  void* y = nullptr;           // bf16 [M, N], contiguous
  int64_t m = 0, n = 0, k = 0;
};

constexpr int64_t kSkinnyGemmMaxRows = 32;

// M in 1..kSkinnyGemmMaxRows, K a multiple of 32, any N >= 1.
bool skinnyGemmSupports(int64_t m, int64_t n, int64_t k);

// nullptr on success, else what is wrong (or CUDA's message for the launch).
const char* skinnyGemm(const SkinnyGemmArgs& args, void* stream);

}  // namespace ll::infer::kernels
