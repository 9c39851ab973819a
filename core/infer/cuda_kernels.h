#pragma once
// Launchers of the inference layer's fused elementwise CUDA kernels (cuda_kernels.cu, compiled only with
// LAYOUTLENS_CUDA_KERNELS). Raw bfloat16 pointers and a cudaStream_t as void*: neither libtorch nor CUDA
// headers here; fused_elementwise.cpp and rotary.cpp are the libtorch side. Both kernels are pure
// elementwise chains, so they round exactly as the op chains they replace: bit-identical results.
// Each returns nullptr on success, else CUDA's message for the launch.
#include <cstdint>

namespace ll::infer::kernels {

// out = x * cos + swap_halves(x) * signedSin for x [n, heads, d] (element (r, h, i) at r * rowStride +
// h * headStride + i), cos / signedSin [n, d] contiguous; out [n, heads, d] contiguous.
const char* rotary(const void* x, int64_t rowStride, int64_t headStride, int64_t n, int64_t heads, int64_t d,
                   const void* cos, const void* signedSin, void* out, void* stream);

// out[r, k] = silu(gate[r, k]) * up[r, k] for n rows of K (rows gStride / uStride apart); out contiguous.
const char* siluMul(const void* gate, int64_t gStride, const void* up, int64_t uStride, int64_t n, int64_t K, void* out,
                    void* stream);

}  // namespace ll::infer::kernels
