// Skinny GEMM y [M, N] = x [M, K] W [N, K]^T (+ bias) for M <= 32 (see skinny_gemm_kernel.h for why).
//
// Block: 16 rows of W (one tensor-core tile of N), its warps splitting K between them; grid: N / 16 blocks.
// Each warp streams its part of the 16 rows in chunks of 32 columns straight from global memory into
// registers, several chunks' loads issued before any product, and multiplies them with x on tensor cores
// (mma.sync m16n8k16: W's rows as A, x^T as B, so M is the 8-wide side and W needs no transpose). The sum
// over k does not care in which order the columns come, so a lane loads 16 contiguous bytes of its W rows
// (columns 8t .. 8t + 7 of the chunk) and uses them as its A fragments of two k-steps -- columns 8t, 8t + 1
// standing for fragment columns 2t, 2t + 1, and so on -- and loads x's columns in the same order as its B
// fragments: no shared memory, no shuffles, every load 16 bytes wide. The warps' float32 partial sums meet
// in shared memory and are added in a fixed order (replays give the same bits); bias is added in float32
// before the one rounding to bfloat16.
#include "core/infer/skinny_gemm_kernel.h"

#include "core/infer/mma_fragments.cuh"

#include <cuda_bf16.h>
#include <cuda_runtime.h>

namespace ll::infer::kernels {
namespace {

using bf16 = __nv_bfloat16;
constexpr int kChunk = 32;   // columns of K per lane step: two k-steps
constexpr int kTileRows = 16;

__device__ __forceinline__ uint4 zero4() { return make_uint4(0u, 0u, 0u, 0u); }

template <int MT, int U>  // MT: 8-row tiles of x (M <= 8 MT); U: chunks whose loads are in flight together
__global__ void __launch_bounds__(512) skinnyGemmKernel(SkinnyGemmArgs a) {
  extern __shared__ float partial[];  // [warps][MT][4][32]
  const int warps = blockDim.x >> 5, warp = threadIdx.x >> 5, lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
  const int64_t n0 = static_cast<int64_t>(blockIdx.x) * kTileRows;
  const int chunks = static_cast<int>(a.k / kChunk);
  const int per = (chunks + warps - 1) / warps;
  const int first = warp * per, last = first + per < chunks ? first + per : chunks;

  const bool rowLow = n0 + g < a.n, rowHigh = n0 + g + 8 < a.n;
  const uint4* wLow = reinterpret_cast<const uint4*>(static_cast<const bf16*>(a.w) + (rowLow ? n0 + g : 0) * a.k) + t;
  const uint4* wHigh = reinterpret_cast<const uint4*>(static_cast<const bf16*>(a.w) + (rowHigh ? n0 + g + 8 : 0) * a.k) + t;
  const uint4* xRow[MT];
  bool xIn[MT];
#pragma unroll
  for (int mt = 0; mt < MT; ++mt) {
    xIn[mt] = g + 8 * mt < a.m;
    xRow[mt] = reinterpret_cast<const uint4*>(static_cast<const bf16*>(a.x) + (xIn[mt] ? g + 8 * mt : 0) * a.xStride) + t;
  }

  float acc[MT][4];
#pragma unroll
  for (int mt = 0; mt < MT; ++mt) acc[mt][0] = acc[mt][1] = acc[mt][2] = acc[mt][3] = 0.f;

  for (int c = first; c < last; c += U) {
    uint4 wl[U], wh[U], xv[U][MT];
#pragma unroll
    for (int u = 0; u < U; ++u) {  // all loads first: U chunks in flight per lane
      const bool in = c + u < last;
      const int at = (c + u) * (kChunk / 8);  // 16-byte vectors before the chunk
      wl[u] = in && rowLow ? __ldcs(wLow + at) : zero4();  // streamed: read once per step
      wh[u] = in && rowHigh ? __ldcs(wHigh + at) : zero4();
#pragma unroll
      for (int mt = 0; mt < MT; ++mt) xv[u][mt] = in && xIn[mt] ? __ldg(xRow[mt] + at) : zero4();
    }
#pragma unroll
    for (int u = 0; u < U; ++u) {
      const unsigned first4[4] = {wl[u].x, wh[u].x, wl[u].y, wh[u].y};   // columns 8t .. 8t + 3
      const unsigned second4[4] = {wl[u].z, wh[u].z, wl[u].w, wh[u].w};  // columns 8t + 4 .. 8t + 7
#pragma unroll
      for (int mt = 0; mt < MT; ++mt) {
        mma16x8x16(acc[mt], first4, xv[u][mt].x, xv[u][mt].y);
        mma16x8x16(acc[mt], second4, xv[u][mt].z, xv[u][mt].w);
      }
    }
  }

  // acc[mt][e]: W row g (e < 2) or g + 8, x row 8 mt + 2t + (e & 1).
#pragma unroll
  for (int mt = 0; mt < MT; ++mt)
#pragma unroll
    for (int e = 0; e < 4; ++e) partial[((warp * MT + mt) * 4 + e) * 32 + lane] = acc[mt][e];
  __syncthreads();
  for (int i = threadIdx.x; i < MT * 4 * 32; i += blockDim.x) {
    float sum = 0.f;
    for (int w = 0; w < warps; ++w) sum += partial[w * MT * 4 * 32 + i];
    const int l = i % 32, e = (i / 32) % 4, mt = i / 128;
    const int64_t row = n0 + (l >> 2) + (e >= 2 ? 8 : 0);
    const int64_t m = 8 * mt + 2 * (l & 3) + (e & 1);
    if (row < a.n && m < a.m) {
      if (a.bias) sum += __bfloat162float(static_cast<const bf16*>(a.bias)[row]);
      static_cast<bf16*>(a.y)[m * a.n + row] = __float2bfloat16_rn(sum);
    }
  }
}

const char* launched() {
  const cudaError_t e = cudaGetLastError();
  return e == cudaSuccess ? nullptr : cudaGetErrorString(e);
}

template <int MT, int U>
const char* launch(const SkinnyGemmArgs& a, int warps, cudaStream_t stream) {
  const auto blocks = static_cast<unsigned>((a.n + kTileRows - 1) / kTileRows);
  const size_t shared = static_cast<size_t>(warps) * MT * 4 * 32 * sizeof(float);
  skinnyGemmKernel<MT, U><<<blocks, 32 * warps, shared, stream>>>(a);
  return launched();
}

}  // namespace

bool skinnyGemmSupports(int64_t m, int64_t n, int64_t k) {
  return m >= 1 && m <= kSkinnyGemmMaxRows && n >= 1 && k >= kChunk && k % kChunk == 0 && n <= (int64_t{1} << 30);
}

const char* skinnyGemm(const SkinnyGemmArgs& a, void* stream) {
  if (!skinnyGemmSupports(a.m, a.n, a.k)) return "skinny GEMM: 1-32 rows and a multiple of 32 columns only";
  const auto st = static_cast<cudaStream_t>(stream);
  // Enough warps per SM to keep ~64 KB of W in flight: few tiles (a wide K, a narrow N) get more warps each.
  const int64_t tiles = (a.n + kTileRows - 1) / kTileRows;
  const int64_t chunks = a.k / kChunk;
  int warps = tiles >= 512 ? 4 : tiles >= 128 ? 8 : 16;
  while (warps > 1 && chunks < warps) warps /= 2;  // no warp without columns
  const int mt = static_cast<int>((a.m + 7) / 8);
  switch (mt) {
    case 1: return launch<1, 8>(a, warps, st);
    case 2: return launch<2, 8>(a, warps, st);
    case 3: return launch<3, 4>(a, warps, st);
    default: return launch<4, 4>(a, warps, st);
  }
}

}  // namespace ll::infer::kernels
