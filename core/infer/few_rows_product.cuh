#pragma once
// The body of a weight product for a decode step's few rows on tensor cores (y = x W^T, x [n <= 32, K], W
// [N, K] of a few MB), for kernels that put their own epilogue behind it: Gemma 3n's per-layer input gate
// (gelu x ple, fused_kernels.cu), whose 1 MB product cuBLAS takes ~5 us for on an H100 whatever algorithm it is
// given (tools/gpu/gemm_algo_probe.sh), the activation being another dependent kernel.
// A block takes 8 output columns (one n-tile of mma m16n8k16) and all rows (kMTiles tiles of 16, rows past n
// zero); warp w takes K / 8 of the inner dimension and multiplies in float32. Inside each 32-wide chunk of K
// the index is permuted the same way for x and W (a sum does not care), so that lane 4g + t loads both 16
// bytes at a time: elements 8t .. 8t + 7 of the chunk, the first four the fragments' k pairs (2t, 2t + 1) and
// (2t + 8, 2t + 9) of the chunk's first k-step, the last four those of its second. The block's weights
// (8 columns x K) are all loaded before awaitPreviousKernel: the step does not write them, so under
// programmatic launch they stream in while the previous kernel still runs. The warps' partial sums are added
// in a fixed order: the same bits on every call, for any n.
// Not a replacement for cuBLAS's plain products: as the decoders' q/k/v, o and per-layer projection (same
// call, H100) it moved the layout step by -0.05 ms at 1 and 18 slots and +0.07 ms at 8, and made Gemma 3n's
// step 0.1-0.3 ms slower; only the fused epilogue pays. Included by .cu files only.
#include <cuda_bf16.h>

#include <cstdint>

#include "core/infer/programmatic_launch.cuh"
#include "core/infer/tensor_core_mma.cuh"

namespace ll::infer::kernels {

constexpr int kFewRowsWarps = 8;      // a block: 8 warps ...
constexpr int kFewRowsColumns = 8;    // ... for 8 output columns
constexpr int kFewRowsMaxChunks = 8;  // 32-wide chunks of K a warp holds: K <= 8 warps x 8 x 32 = 2048

// n <= 32 rows, K a multiple of 256 up to 2048, N a multiple of 8.
inline bool fewRowsProductFits(int64_t n, int64_t K, int64_t N) {
  const int64_t perChunkRow = 32 * kFewRowsWarps;
  return n >= 0 && n <= 32 && K > 0 && K % perChunkRow == 0 && K / perChunkRow <= kFewRowsMaxChunks && N > 0 &&
         N % kFewRowsColumns == 0;
}

// Block of the product: kFewRowsWarps warps (32 each) for kFewRowsColumns columns; launch N / kFewRowsColumns
// blocks. Calls epilogue(row, column, y) for each of the block's n x 8 outputs, y the float32 sum.
template <int kMTiles, class Epilogue>
__device__ __forceinline__ void fewRowsProductBlock(const __nv_bfloat16* x, int64_t xStride, int n, int K,
                                                    const __nv_bfloat16* w, Epilogue&& epilogue) {
  __shared__ float partial[kFewRowsWarps][kMTiles * 16][kFewRowsColumns];
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, g = lane / 4, t = lane % 4;
  const int column0 = blockIdx.x * kFewRowsColumns;
  const int chunks = K / (32 * kFewRowsWarps);
  const int k0 = warp * chunks * 32 + 8 * t;
  uint4 wv[kFewRowsMaxChunks];
  const __nv_bfloat16* wRow = w + static_cast<int64_t>(column0 + g) * K + k0;
#pragma unroll
  for (int c = 0; c < kFewRowsMaxChunks; ++c)
    if (c < chunks) wv[c] = __ldg(reinterpret_cast<const uint4*>(wRow + 32 * c));
  awaitPreviousKernel();
  float acc[kMTiles][4] = {};
  const uint4 zero = make_uint4(0u, 0u, 0u, 0u);
#pragma unroll
  for (int c = 0; c < kFewRowsMaxChunks; ++c) {
    if (c >= chunks) break;
#pragma unroll
    for (int i = 0; i < kMTiles; ++i) {
      const int r0 = 16 * i + g, r1 = r0 + 8;
      const uint4 x0 = r0 < n ? *reinterpret_cast<const uint4*>(x + r0 * xStride + k0 + 32 * c) : zero;
      const uint4 x1 = r1 < n ? *reinterpret_cast<const uint4*>(x + r1 * xStride + k0 + 32 * c) : zero;
      const unsigned first[4] = {x0.x, x1.x, x0.y, x1.y}, second[4] = {x0.z, x1.z, x0.w, x1.w};
      mma16x8x16(acc[i], first, wv[c].x, wv[c].y);
      mma16x8x16(acc[i], second, wv[c].z, wv[c].w);
    }
  }
#pragma unroll
  for (int i = 0; i < kMTiles; ++i) {
    partial[warp][16 * i + g][2 * t] = acc[i][0];
    partial[warp][16 * i + g][2 * t + 1] = acc[i][1];
    partial[warp][16 * i + g + 8][2 * t] = acc[i][2];
    partial[warp][16 * i + g + 8][2 * t + 1] = acc[i][3];
  }
  __syncthreads();
  for (int e = threadIdx.x; e < n * kFewRowsColumns; e += 32 * kFewRowsWarps) {
    const int r = e / kFewRowsColumns, col = e % kFewRowsColumns;
    float y = 0.f;
#pragma unroll
    for (int v = 0; v < kFewRowsWarps; ++v) y += partial[v][r][col];
    epilogue(r, column0 + col, y);
  }
}

}  // namespace ll::infer::kernels
