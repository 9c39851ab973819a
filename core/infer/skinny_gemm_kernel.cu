// Decode-step weight product y [M, N] = x [M, K] W [N, K]^T (+ bias), M <= 32 (skinny_gemm_kernel.h says why).
//
// Grid (N / 16 tiles, S slices of K); the S slices of a tile form one thread-block cluster. A block of four
// warps owns 16 rows of W over its slice of K, cut into chunks of 64 columns (128 bytes of each row); warp w
// takes the slice's chunks w, w + 4, ... and multiplies them on tensor cores (mma.sync m16n8k16 with W's rows
// as A and x^T as B: M is the 8-wide side, so W needs no transpose and no shared memory):
//  - the sum over k does not care in which order the columns come, so lane (g, t) loads the 16 contiguous
//    bytes 16t .. 16t + 15 and 64 + 16t .. of a chunk of rows g and g + 8 and uses each as its A fragments
//    of two k-steps (columns 8t, 8t + 1 standing for fragment columns 2t, 2t + 1, 8t + 2, 8t + 3 for 2t + 8,
//    2t + 9, ...); x's columns are loaded in the same order as its B fragments. Every load is 16 bytes, a
//    warp's two loads of a row cover its 128-byte line, and U chunks' loads are in flight before any product;
//  - the weights are read before griddepcontrol.wait, x after it: launched as a programmatic dependent, the
//    block streams its weights while the kernel that writes x is still finishing. Nothing is written before
//    the wait either.
// The warps' float32 sums meet in shared memory, the cluster's slices in slice 0 through distributed shared
// memory, always in the same order (replays give the same bits); bias is added in float32 before the one
// rounding to bfloat16.
#include "core/infer/skinny_gemm_kernel.h"

#include "core/infer/mma_fragments.cuh"

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <type_traits>

namespace ll::infer::kernels {
namespace {

using bf16 = __nv_bfloat16;
constexpr int kTileRows = 16;   // rows of W per block: one mma tile
constexpr int kChunk = 64;      // columns of K per chunk: 128 bytes of a row
constexpr int kMaxSplits = 8;   // the portable cluster size

__device__ __forceinline__ uint4 zero4() { return make_uint4(0u, 0u, 0u, 0u); }

// Weights: read once per step, so not kept in L1; the L2 fetches 256-byte sectors around each line.
// volatile: issued in program order, all before the wait below.
__device__ __forceinline__ uint4 loadWeights(const uint4* p) {
  uint4 v;
  asm volatile("ld.global.nc.L1::no_allocate.L2::256B.v4.u32 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
               : "l"(p));
  return v;
}

// Programmatic dependent launch: let the stream's next kernel start, and wait for the previous one (a no-op
// when the launch was not programmatic).
__device__ __forceinline__ void allowDependents() { asm volatile("griddepcontrol.launch_dependents;\n" ::: "memory"); }
__device__ __forceinline__ void waitForPrimary() { asm volatile("griddepcontrol.wait;\n" ::: "memory"); }

__device__ __forceinline__ void clusterSync() {
  asm volatile("barrier.cluster.arrive.release.aligned;\nbarrier.cluster.wait.acquire.aligned;\n" ::: "memory");
}
// A float in block `rank`'s shared memory at the same offset as `local` in ours.
__device__ __forceinline__ float loadFromRank(const float* local, unsigned rank) {
  unsigned remote;
  asm volatile("mapa.shared::cluster.u32 %0, %1, %2;\n"
               : "=r"(remote)
               : "r"(static_cast<unsigned>(__cvta_generic_to_shared(local))), "r"(rank));
  float v;
  asm volatile("ld.shared::cluster.f32 %0, [%1];\n" : "=f"(v) : "r"(remote) : "memory");
  return v;
}

// Makes the warp wait for every load of `v` here: all of an iteration's loads are issued before the first
// product needs one (ptxas otherwise interleaves them with the products, one chunk's latency after another).
__device__ __forceinline__ void loaded(const uint4& v) {
  asm volatile("" ::"r"(v.x), "r"(v.y), "r"(v.z), "r"(v.w));
}

// MT: 8-row tiles of x (M <= 8 MT); U: chunks a warp has in flight at once; kWarps: warps of a block.
template <int MT, int U, int kWarps, bool kFence>
__global__ void __launch_bounds__(kWarps * 32) skinnyGemmKernel(SkinnyGemmArgs a, int splits) {
  __shared__ float partial[kWarps][MT * 128];  // [warp][mt][fragment element][lane]
  allowDependents();
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
  const int64_t n0 = static_cast<int64_t>(blockIdx.x) * kTileRows;
  const int chunks = static_cast<int>(a.k / kChunk);
  const int first = static_cast<int>(static_cast<int64_t>(chunks) * blockIdx.y / splits);
  const int last = static_cast<int>(static_cast<int64_t>(chunks) * (blockIdx.y + 1) / splits);

  const bf16* w = static_cast<const bf16*>(a.w);
  const bool lowIn = n0 + g < a.n, highIn = n0 + g + 8 < a.n;
  const uint4* wLow = reinterpret_cast<const uint4*>(w + (lowIn ? n0 + g : 0) * a.k) + t;
  const uint4* wHigh = reinterpret_cast<const uint4*>(w + (highIn ? n0 + g + 8 : 0) * a.k) + t;
  const uint4* xRow[MT];
  bool xIn[MT];
#pragma unroll
  for (int mt = 0; mt < MT; ++mt) {
    xIn[mt] = 8 * mt + g < a.m;
    xRow[mt] = reinterpret_cast<const uint4*>(static_cast<const bf16*>(a.x) + (xIn[mt] ? 8 * mt + g : 0) * a.xStride) + t;
  }

  float acc[MT][4];
#pragma unroll
  for (int mt = 0; mt < MT; ++mt) acc[mt][0] = acc[mt][1] = acc[mt][2] = acc[mt][3] = 0.f;

  for (int c0 = first + warp; c0 < last; c0 += kWarps * U) {
    uint4 wl[U][2], wh[U][2];
#pragma unroll
    for (int u = 0; u < U; ++u) {
      const int c = c0 + u * kWarps;
      const bool in = c < last;
      const int at = c * (kChunk / 8);  // 16-byte vectors before the chunk
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        wl[u][h] = in && lowIn ? loadWeights(wLow + at + 4 * h) : zero4();
        wh[u][h] = in && highIn ? loadWeights(wHigh + at + 4 * h) : zero4();
      }
    }
    waitForPrimary();  // x is the previous kernel's output
    uint4 xv[U][MT][2];
#pragma unroll
    for (int u = 0; u < U; ++u) {
      const int c = c0 + u * kWarps;
      const int at = c * (kChunk / 8);
#pragma unroll
      for (int mt = 0; mt < MT; ++mt)
#pragma unroll
        for (int h = 0; h < 2; ++h) xv[u][mt][h] = c < last && xIn[mt] ? __ldcg(xRow[mt] + at + 4 * h) : zero4();
    }
    if (kFence) {
#pragma unroll
      for (int u = 0; u < U; ++u)
#pragma unroll
        for (int h = 0; h < 2; ++h) {
          loaded(wl[u][h]);
          loaded(wh[u][h]);
#pragma unroll
          for (int mt = 0; mt < MT; ++mt) loaded(xv[u][mt][h]);
        }
    }
#pragma unroll
    for (int u = 0; u < U; ++u)
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const unsigned first4[4] = {wl[u][h].x, wh[u][h].x, wl[u][h].y, wh[u][h].y};   // columns 8t .. 8t + 3
        const unsigned second4[4] = {wl[u][h].z, wh[u][h].z, wl[u][h].w, wh[u][h].w};  // columns 8t + 4 .. 8t + 7
#pragma unroll
        for (int mt = 0; mt < MT; ++mt) {
          mma16x8x16(acc[mt], first4, xv[u][mt][h].x, xv[u][mt][h].y);
          mma16x8x16(acc[mt], second4, xv[u][mt][h].z, xv[u][mt][h].w);
        }
      }
  }
  waitForPrimary();  // warps without chunks too: nothing is written before the previous kernel is done

  // acc[mt][e]: W row g (e < 2) or g + 8, x row 8 mt + 2t + (e & 1).
#pragma unroll
  for (int mt = 0; mt < MT; ++mt)
#pragma unroll
    for (int e = 0; e < 4; ++e) partial[warp][(mt * 4 + e) * 32 + lane] = acc[mt][e];
  __syncthreads();
  for (int i = threadIdx.x; i < MT * 128; i += kWarps * 32) {
    float sum = partial[0][i];
#pragma unroll
    for (int v = 1; v < kWarps; ++v) sum += partial[v][i];
    partial[0][i] = sum;
  }
  // The cluster is the tile's slices, rank = blockIdx.y (cluster dims 1 x splits, grid.y = splits).
  if (splits > 1)
    clusterSync();  // every slice's sum is in its shared memory
  else
    __syncthreads();
  if (blockIdx.y == 0) {
    for (int i = threadIdx.x; i < MT * 128; i += kWarps * 32) {
      float sum = partial[0][i];
      for (int r = 1; r < splits; ++r) sum += loadFromRank(&partial[0][i], static_cast<unsigned>(r));
      const int l = i & 31, e = (i >> 5) & 3, mt = i >> 7;
      const int64_t row = n0 + (l >> 2) + (e >= 2 ? 8 : 0);
      const int64_t m = 8 * mt + 2 * (l & 3) + (e & 1);
      if (row < a.n && m < a.m) {
        if (a.bias) sum += __bfloat162float(static_cast<const bf16*>(a.bias)[row]);
        static_cast<bf16*>(a.y)[m * a.yStride + row] = __float2bfloat16_rn(sum);
      }
    }
  }
  if (splits > 1) clusterSync();  // the other slices' shared memory stays until slice 0 has read it
}

template <int MT, int U, int kWarps, bool kFence>
const char* launch(const SkinnyGemmArgs& a, int splits, cudaStream_t stream, bool programmatic) {
  cudaLaunchConfig_t config = {};
  config.gridDim = dim3(static_cast<unsigned>((a.n + kTileRows - 1) / kTileRows), static_cast<unsigned>(splits), 1);
  config.blockDim = dim3(kWarps * 32, 1, 1);
  config.dynamicSmemBytes = 0;
  config.stream = stream;
  cudaLaunchAttribute attrs[2];
  unsigned count = 0;
  if (splits > 1) {
    attrs[count].id = cudaLaunchAttributeClusterDimension;
    attrs[count].val.clusterDim.x = 1;
    attrs[count].val.clusterDim.y = static_cast<unsigned>(splits);
    attrs[count].val.clusterDim.z = 1;
    ++count;
  }
  if (programmatic) {
    attrs[count].id = cudaLaunchAttributeProgrammaticStreamSerialization;
    attrs[count].val.programmaticStreamSerializationAllowed = 1;
    ++count;
  }
  config.attrs = attrs;
  config.numAttrs = count;
  if (const cudaError_t e = cudaLaunchKernelEx(&config, skinnyGemmKernel<MT, U, kWarps, kFence>, a, splits); e != cudaSuccess)
    return cudaGetErrorString(e);
  return nullptr;
}

int multiprocessors(int device) {
  static std::atomic<int> cached[64] = {};
  if (device < 0 || device >= 64) return 132;
  int n = cached[device].load();
  if (n == 0) {
    if (cudaDeviceGetAttribute(&n, cudaDevAttrMultiProcessorCount, device) != cudaSuccess || n <= 0) n = 132;
    cached[device].store(n);
  }
  return n;
}

}  // namespace

bool skinnyGemmSupports(int64_t m, int64_t n, int64_t k) {
  return m >= 1 && m <= kSkinnyGemmMaxRows && n >= 1 && n < (int64_t{1} << 31) && k >= kChunk && k % kChunk == 0 &&
         k / kChunk < (int64_t{1} << 24);
}

// Measurement-only knobs (tools/gpu/skinny_gemm_probe.cu): LAYOUTLENS_SKINNY_VARIANT = WARPS,FENCE,WARPS_PER_SM,ROUND_UP.
struct Variant {
  int warps = 4, fence = 1, warpsPerSm = 16, roundUp = 0;
};
Variant variant() {
  static const Variant v = [] {
    Variant r;
    if (const char* e = std::getenv("LAYOUTLENS_SKINNY_VARIANT"))
      std::sscanf(e, "%d,%d,%d,%d", &r.warps, &r.fence, &r.warpsPerSm, &r.roundUp);
    return r;
  }();
  return v;
}

int skinnyGemmSplits(int64_t n, int64_t k, int device) {
  const Variant v = variant();
  const int64_t warps = (n + kTileRows - 1) / kTileRows * v.warps;
  const int64_t wanted = static_cast<int64_t>(multiprocessors(device)) * v.warpsPerSm;
  int64_t splits = v.roundUp ? (wanted + warps - 1) / warps : wanted / warps;
  splits = std::min<int64_t>(splits, kMaxSplits);
  splits = std::min<int64_t>(splits, std::max<int64_t>(1, k / kChunk / v.warps));  // every warp gets a chunk
  return static_cast<int>(std::max<int64_t>(splits, 1));
}

const char* skinnyGemm(const SkinnyGemmArgs& a, void* stream, bool programmatic) {
  if (!skinnyGemmSupports(a.m, a.n, a.k)) return "skinny GEMM: 1-32 rows and a multiple of 64 columns only";
  int device = 0;
  if (const cudaError_t e = cudaGetDevice(&device); e != cudaSuccess) return cudaGetErrorString(e);
  const int splits = skinnyGemmSplits(a.n, a.k, device);
  const auto st = static_cast<cudaStream_t>(stream);
  const Variant v = variant();
  const int mt = static_cast<int>((a.m + 7) / 8);
  auto pick = [&](auto warpsTag, auto fenceTag) -> const char* {
    constexpr int W = decltype(warpsTag)::value;
    constexpr bool F = decltype(fenceTag)::value;
    switch (mt) {
      case 1: return launch<1, 4, W, F>(a, splits, st, programmatic);
      case 2: return launch<2, 2, W, F>(a, splits, st, programmatic);
      case 3: return launch<3, 2, W, F>(a, splits, st, programmatic);
      default: return launch<4, 2, W, F>(a, splits, st, programmatic);
    }
  };
  using std::integral_constant;
  if (v.warps == 8)
    return v.fence ? pick(integral_constant<int, 8>{}, integral_constant<bool, true>{})
                   : pick(integral_constant<int, 8>{}, integral_constant<bool, false>{});
  return v.fence ? pick(integral_constant<int, 4>{}, integral_constant<bool, true>{})
                 : pick(integral_constant<int, 4>{}, integral_constant<bool, false>{});
}

}  // namespace ll::infer::kernels
