#pragma once
// Launchers of the inference layer's fused elementwise CUDA kernels (cuda_kernels.cu, compiled only with
// LAYOUTLENS_CUDA_KERNELS). Raw bfloat16 pointers and a cudaStream_t as void*: neither libtorch nor CUDA
// headers here; fused_elementwise.cpp and rotary.cpp are the libtorch side. Rotary and silu x up are pure
// elementwise chains, so they round exactly as the op chains they replace: bit-identical results.
// Each returns nullptr on success, else CUDA's message for the launch.
#include <cstdint>

namespace ll::infer::kernels {

// out = x * cos + swap_halves(x) * signedSin for x [n, heads, d] (element (r, h, i) at r * rowStride +
// h * headStride + i), cos / signedSin [n, d] contiguous; out [n, heads, d] contiguous.
const char* rotary(const void* x, int64_t rowStride, int64_t headStride, int64_t n, int64_t heads, int64_t d,
                   const void* cos, const void* signedSin, void* out, void* stream);

// A decode step's attention inputs from a fused projection qkv [n, (hq + 2 hkv) * d] (rows rowStride apart,
// heads contiguous): q heads rotated into q [n, hq, d]; k heads rotated and v heads copied into row rows[r]
// of keys / values ([R, hkv, d] contiguous; rows are not bounds-checked here). cos / signedSin [n, d].
const char* rotaryQkvIntoCache(const void* qkv, int64_t rowStride, int64_t n, int64_t hq, int64_t hkv, int64_t d,
                               const void* cos, const void* signedSin, const int64_t* rows, void* q, void* keys,
                               void* values, void* stream);

// out = bf16(x.float() * cos + cat(-x2, x1).float() * sin) for x [n, heads, d] (strided as in rotary), float32
// cos / sin [n, d] contiguous (each half the same angles); out [n, heads, d] contiguous. Bit-identical to the
// float32 chain of dots.ocr's vision rotary.
const char* rotaryFloatTables(const void* x, int64_t rowStride, int64_t headStride, int64_t n, int64_t heads, int64_t d,
                              const float* cos, const float* sin, void* out, void* stream);

// out[r, k] = silu(gate[r, k]) * up[r, k] for n rows of K (rows gStride / uStride apart); out contiguous.
const char* siluMul(const void* gate, int64_t gStride, const void* up, int64_t uStride, int64_t n, int64_t K, void* out,
                    void* stream);

// Residual add and RMSNorm in one pass over n rows of K (K a multiple of 8, 16-byte aligned rows):
// sum = bf16(residual + delta) (delta null: sum = residual, nothing written to sumOut), then
// normed = bf16(bf16(sum * rsqrt(mean(sum^2) + eps)) * weight) -- Qwen2's convention (rounded, then weighted),
// as at::rms_norm followed by a multiply; the float32 mean is summed in another order than ATen's, so a
// value can differ by one bfloat16 unit.
const char* addRmsNorm(const void* residual, const void* delta, const void* weight, int64_t n, int64_t K, float eps,
                       void* sumOut, void* normedOut, void* stream);

// Decode ahead (causal_lm.h): for each of n slots whose planned token is negative, tokens[s] = greedy[s] and,
// when limitedRows is not null, limitedRows[s] = tokens[s] < limit ? tokens[s] : 0. int64 arrays.
const char* feedBackTokens(int64_t* tokens, const int64_t* greedy, int64_t n, int64_t* limitedRows, int64_t limit,
                           void* stream);

// out[i] = table[ids[i]] * scale (each element rounded to bfloat16 as a bf16 tensor times a scalar rounds), or, for
// ids in [rangeStart, rangeStart + rangeCount), rangeRows[ids[i] - rangeStart] as it is. Rows of D bfloat16
// values (D a multiple of 8, rows 16-byte aligned); rangeRows may be null (rangeCount 0).
const char* scaledEmbedding(const void* table, const int64_t* ids, int64_t n, int64_t D, float scale,
                            const void* rangeRows, int64_t rangeStart, int64_t rangeCount, void* out, void* stream);

// out[i] = table[rows[i]] for n rows of rowBytes (a multiple of 16; table, out 16-byte aligned). The table may be
// page-locked host memory the device can read (a pointer from cudaPointerGetAttributes): rows come over the bus.
const char* gatherRows(const void* table, int64_t rowBytes, const int64_t* rows, int64_t n, void* out, void* stream);

}  // namespace ll::infer::kernels
