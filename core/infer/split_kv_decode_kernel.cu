// Split-KV decode attention over the slot-major KV cache (see split_kv_decode_kernel.h for why).
//
// Block (slice, KV head h, slot s), 128 threads, walks its slice of the slot's keys in tiles of 128:
//  1. scores: thread t takes key t of the tile and dots it with the group's G query heads (queries in shared
//     memory, pre-scaled into the log2 domain, read as broadcasts);
//  2. softmax: the tile's maximum per head (warp shuffles, then the four warps), the running maximum and
//     the rescale of what was accumulated so far (online softmax), p = 2^(score - max) to shared memory;
//  3. values: thread (key group, 8-dim slice) accumulates p * V over its keys of the tile, for all G heads.
// The key groups' accumulators are merged in a fixed order (replays give the same bits). With one slice the
// block writes the normalised output; otherwise it writes its partial (sum p*V, max, sum p) and
// mergeSplitsKernel combines the slices. Scores, softmax and accumulation are float32 throughout.
#include "core/infer/split_kv_decode_kernel.h"

#include "core/infer/bf16_vectors.cuh"

#include <cuda_bf16.h>
#include <cuda_runtime.h>
#include <mma.h>

#include <algorithm>
#include <atomic>

namespace ll::infer::kernels {
namespace {

using bf16 = __nv_bfloat16;
constexpr int kThreads = 128;
constexpr int kTile = kThreads;  // keys per tile: one per thread in the score phase
constexpr float kLog2e = 1.4426950408889634f;
constexpr int kMaxSplits = 64;

template <int D, int G>
__global__ void __launch_bounds__(kThreads) splitKvDecodeKernel(SplitKvDecodeArgs a) {
  constexpr int kVec = D / 8;                 // 16-byte vectors per key row
  constexpr int kBatch = kVec < 16 ? kVec : 16;  // key loads issued together in the score phase
  constexpr int kSlices = kVec;                  // value phase: one thread per 8 dims ...
  constexpr int kGroups = kThreads / kSlices;    // ... and per key group
  constexpr int kKeysEach = kTile / kGroups;     // a thread's keys of a tile in the value phase
  constexpr int kVBatch = kKeysEach < 16 ? kKeysEach : 16;
  __shared__ __align__(16) float qs[G][D];
  __shared__ float ps[G][kTile];
  __shared__ float warpMax[kThreads / 32][G];
  __shared__ __align__(16) float red[G][D];
  __shared__ float redSum[G];

  const int split = blockIdx.x, h = blockIdx.y, tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int64_t s = blockIdx.z, Hq = a.kvHeads * G, headRow = s * Hq + h * G;
  const bf16* q = static_cast<const bf16*>(a.q) + headRow * D;
  const float qScale = a.scale * kLog2e;
  for (int i = tid; i < G * D; i += kThreads) qs[i / D][i % D] = __bfloat162float(q[i]) * qScale;

  const int64_t len = a.keyLengths[s];
  const int64_t first = a.window > 0 && len > a.window ? len - a.window : 0;
  const int64_t per = (len - first + a.splits - 1) / a.splits;
  const int64_t begin = first + split * per, end = begin + per < len ? begin + per : len;
  const int64_t rowStride = a.kvHeads * D;
  const bf16* kBase = static_cast<const bf16*>(a.keys) + (s * a.rows * a.kvHeads + h) * D;
  const bf16* vBase = static_cast<const bf16*>(a.values) + (s * a.rows * a.kvHeads + h) * D;

  const int slice = tid % kSlices, keyGroup = tid / kSlices;
  float acc[G][8], sum[G], runMax[G];
#pragma unroll
  for (int g = 0; g < G; ++g) {
    sum[g] = 0.f;
    runMax[g] = -INFINITY;
#pragma unroll
    for (int e = 0; e < 8; ++e) acc[g][e] = 0.f;
  }
  __syncthreads();

  for (int64_t t0 = begin; t0 < end; t0 += kTile) {
    const int64_t j = t0 + tid;
    float sc[G];
#pragma unroll
    for (int g = 0; g < G; ++g) sc[g] = 0.f;
    if (j < end) {
      const uint4* kr = reinterpret_cast<const uint4*>(kBase + j * rowStride);
#pragma unroll
      for (int b = 0; b < kVec; b += kBatch) {
        uint4 raw[kBatch];
#pragma unroll
        for (int i = 0; i < kBatch; ++i) raw[i] = __ldg(kr + b + i);
#pragma unroll
        for (int i = 0; i < kBatch; ++i) {
          float kf[8];
          unpack8(raw[i], kf);
#pragma unroll
          for (int g = 0; g < G; ++g) {
            const float4 q0 = *reinterpret_cast<const float4*>(&qs[g][(b + i) * 8]);
            const float4 q1 = *reinterpret_cast<const float4*>(&qs[g][(b + i) * 8 + 4]);
            float x = sc[g];
            x = fmaf(q0.x, kf[0], x);
            x = fmaf(q0.y, kf[1], x);
            x = fmaf(q0.z, kf[2], x);
            x = fmaf(q0.w, kf[3], x);
            x = fmaf(q1.x, kf[4], x);
            x = fmaf(q1.y, kf[5], x);
            x = fmaf(q1.z, kf[6], x);
            sc[g] = fmaf(q1.w, kf[7], x);
          }
        }
      }
    } else {
#pragma unroll
      for (int g = 0; g < G; ++g) sc[g] = -INFINITY;
    }
#pragma unroll
    for (int g = 0; g < G; ++g) {
      float m = sc[g];
#pragma unroll
      for (int off = 16; off > 0; off >>= 1) m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, off));
      if (lane == 0) warpMax[warp][g] = m;
    }
    __syncthreads();
    float rescale[G];
#pragma unroll
    for (int g = 0; g < G; ++g) {
      float m = warpMax[0][g];
#pragma unroll
      for (int w = 1; w < kThreads / 32; ++w) m = fmaxf(m, warpMax[w][g]);
      const float next = fmaxf(runMax[g], m);  // finite: the tile holds at least one key
      rescale[g] = exp2f(runMax[g] - next);    // 0 on the first tile (runMax = -inf)
      runMax[g] = next;
      ps[g][tid] = exp2f(sc[g] - next);  // 0 past the end of the slice
    }
    __syncthreads();
    const int tileKeys = end - t0 < kTile ? static_cast<int>(end - t0) : kTile;
#pragma unroll
    for (int g = 0; g < G; ++g) {
      sum[g] *= rescale[g];
#pragma unroll
      for (int e = 0; e < 8; ++e) acc[g][e] *= rescale[g];
    }
    // A thread's value rows are issued together (a loop of dependent load-then-use steps would wait out
    // the memory latency once per key: that made a first version slower than FlashAttention).
#pragma unroll
    for (int u0 = 0; u0 < kKeysEach; u0 += kVBatch) {
      uint4 raw[kVBatch];
#pragma unroll
      for (int u = 0; u < kVBatch; ++u) {
        const int jj = keyGroup + (u0 + u) * kGroups;
        raw[u] = jj < tileKeys ? __ldg(reinterpret_cast<const uint4*>(vBase + (t0 + jj) * rowStride) + slice)
                               : make_uint4(0, 0, 0, 0);
      }
#pragma unroll
      for (int u = 0; u < kVBatch; ++u) {
        const int jj = keyGroup + (u0 + u) * kGroups;
        if (jj >= tileKeys) break;
        float vf[8];
        unpack8(raw[u], vf);
#pragma unroll
        for (int g = 0; g < G; ++g) {
          const float p = ps[g][jj];
          sum[g] += p;
#pragma unroll
          for (int e = 0; e < 8; ++e) acc[g][e] = fmaf(p, vf[e], acc[g][e]);
        }
      }
    }
    __syncthreads();  // ps and warpMax are rewritten by the next tile
  }

  // Merge the key groups in a fixed order.
  for (int gr = 0; gr < kGroups; ++gr) {
    if (keyGroup == gr) {
#pragma unroll
      for (int g = 0; g < G; ++g) {
#pragma unroll
        for (int e = 0; e < 8; ++e) red[g][slice * 8 + e] = (gr == 0 ? 0.f : red[g][slice * 8 + e]) + acc[g][e];
        if (slice == 0) redSum[g] = (gr == 0 ? 0.f : redSum[g]) + sum[g];
      }
    }
    __syncthreads();
  }
  for (int i = tid; i < G * D; i += kThreads) {
    const int g = i / D, d = i % D;
    if (a.splits == 1) {
      const float l = redSum[g];
      static_cast<bf16*>(a.out)[(headRow + g) * D + d] = __float2bfloat16_rn(l > 0.f ? red[g][d] / l : 0.f);
    } else {
      const int64_t part = (headRow + g) * a.splits + split;
      a.partialOut[part * D + d] = red[g][d];
      if (d == 0) {
        a.partialMax[part] = runMax[g];
        a.partialSum[part] = redSum[g];
      }
    }
  }
}

// The tensor-core variant for long key ranges and heads of 128 (dots.ocr's layout decoder: 12 query heads over
// 2 KV heads, 5-8k keys a slot). Block (slice, KV head h, slot s), four warps; each warp walks its own
// chunks of 16 keys of the slice (chunk c of the slice goes to warp c % 4) with a running softmax of its own:
//  1. the chunk's K and V rows into shared memory (16-byte loads, all issued together; rows past the slice's
//     end as zeros, so nothing past a slot's length is read);
//  2. scores S [16, 16] = Q [16, 128] K^T on tensor cores (the group's query heads as rows, zero rows below the
//     group), float32 accumulation;
//  3. per query row: the running maximum, p = 2^(score - max) (masked keys 0), the rescale of the row's output
//     so far, p rounded to bfloat16 for the next product (as FlashAttention does);
//  4. P [16, 16] V [16, 128] on tensor cores, one 16-dim slice at a time through shared memory into the lane's
//     registers: lane l keeps row l / 2, dims 8 (l % 2) + 16 c .. +8 of the output.
// At the end the four warps merge in a fixed order (replays give the same bits) and the block writes the
// output or its slice's partial, merged by mergeSplitsKernel as for the CUDA-core kernel.
namespace tc {
constexpr int kD = 128;
constexpr int kWarps = 4;
constexpr int kChunk = 16;                    // keys per warp step (one tensor-core tile)
constexpr int kRows = 16;                     // query rows of a tile: the group, zero-padded
constexpr int kVecs = kChunk * kD / 8;        // 16-byte vectors of a chunk's K (or V) rows
constexpr int kVecsPerLane = kVecs / 32;
constexpr int kSlices = kD / 16;              // 16-dim slices of a head
// Shared-memory row strides, padded: with rows of exactly 256 (or 64, 32) bytes every row of a tile starts in
// the same bank and the tensor-core loads serialise.
constexpr int kLd = kD + 8;                   // Q, K, V rows (bf16)
constexpr int kSsLd = kChunk + 4;             // scores and P V slices (float)
constexpr int kPsLd = kChunk + 8;             // P (bf16)
}  // namespace tc

__global__ void __launch_bounds__(32 * tc::kWarps) splitKvDecodeTensorCoreKernel(SplitKvDecodeArgs a) {
  using namespace nvcuda;
  using namespace tc;
  __shared__ __align__(32) bf16 qs[kRows * kLd];
  __shared__ __align__(32) bf16 ks[kWarps][kChunk * kLd];  // after the loop: the warps' merged output (float)
  __shared__ __align__(32) bf16 vs[kWarps][kChunk * kLd];
  __shared__ __align__(32) float ss[kWarps][kRows * kSsLd];  // scores, then each slice of P V
  __shared__ __align__(32) bf16 ps[kWarps][kRows * kPsLd];
  __shared__ float warpMax[kWarps][kRows], warpSum[kWarps][kRows], rowTop[kRows], rowTotal[kRows];

  const int split = blockIdx.x, h = blockIdx.y, tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int G = static_cast<int>(a.group);
  const int64_t s = blockIdx.z, Hq = a.kvHeads * G, headRow = s * Hq + static_cast<int64_t>(h) * G;
  const bf16* q = static_cast<const bf16*>(a.q) + headRow * kD;
  for (int i = tid; i < kRows * kD; i += 32 * kWarps) qs[(i / kD) * kLd + i % kD] = i < G * kD ? q[i] : __float2bfloat16_rn(0.f);

  const int64_t len = a.keyLengths[s];
  const int64_t first = a.window > 0 && len > a.window ? len - a.window : 0;
  const int64_t per = (len - first + a.splits - 1) / a.splits;
  const int64_t begin = first + split * per, end = begin + per < len ? begin + per : len;
  const int64_t rowStride = a.kvHeads * kD;
  const bf16* kBase = static_cast<const bf16*>(a.keys) + (s * a.rows * a.kvHeads + h) * kD;
  const bf16* vBase = static_cast<const bf16*>(a.values) + (s * a.rows * a.kvHeads + h) * kD;
  const float qScale = a.scale * kLog2e;

  const int r = lane >> 1, half = lane & 1;  // this lane's row and half of a 16 x 16 tile
  float o[kSlices][8];
#pragma unroll
  for (int c = 0; c < kSlices; ++c)
#pragma unroll
    for (int e = 0; e < 8; ++e) o[c][e] = 0.f;
  float m = -INFINITY, l = 0.f;
  __syncthreads();  // qs complete

  wmma::fragment<wmma::matrix_a, 16, 16, 16, bf16, wmma::row_major> qa[kSlices];
#pragma unroll
  for (int c = 0; c < kSlices; ++c) wmma::load_matrix_sync(qa[c], qs + c * 16, kLd);

  uint4* kTile = reinterpret_cast<uint4*>(ks[warp]);
  uint4* vTile = reinterpret_cast<uint4*>(vs[warp]);
  for (int64_t c0 = begin + static_cast<int64_t>(warp) * kChunk; c0 < end; c0 += kWarps * kChunk) {
    uint4 kr[kVecsPerLane], vr[kVecsPerLane];
#pragma unroll
    for (int i = 0; i < kVecsPerLane; ++i) {
      const int idx = lane + 32 * i;
      const int64_t j = c0 + idx / (kD / 8);
      const int vec = idx % (kD / 8);
      kr[i] = j < end ? __ldg(reinterpret_cast<const uint4*>(kBase + j * rowStride) + vec) : make_uint4(0, 0, 0, 0);
      vr[i] = j < end ? __ldg(reinterpret_cast<const uint4*>(vBase + j * rowStride) + vec) : make_uint4(0, 0, 0, 0);
    }
#pragma unroll
    for (int i = 0; i < kVecsPerLane; ++i) {
      const int idx = lane + 32 * i, at = (idx / (kD / 8)) * (kLd / 8) + idx % (kD / 8);
      kTile[at] = kr[i];
      vTile[at] = vr[i];
    }
    __syncwarp();

    wmma::fragment<wmma::accumulator, 16, 16, 16, float> sc;
    wmma::fill_fragment(sc, 0.f);
#pragma unroll
    for (int c = 0; c < kSlices; ++c) {
      wmma::fragment<wmma::matrix_b, 16, 16, 16, bf16, wmma::col_major> kb;  // K^T: (dim, key) at key * kD + dim
      wmma::load_matrix_sync(kb, ks[warp] + c * 16, kLd);
      wmma::mma_sync(sc, qa[c], kb, sc);
    }
    wmma::store_matrix_sync(ss[warp], sc, kSsLd, wmma::mem_row_major);
    __syncwarp();

    float p[8], top = -INFINITY;
#pragma unroll
    for (int e = 0; e < 8; ++e) {
      const int col = half * 8 + e;
      p[e] = c0 + col < end ? ss[warp][r * kSsLd + col] * qScale : -INFINITY;
      top = fmaxf(top, p[e]);
    }
    top = fmaxf(top, __shfl_xor_sync(0xffffffffu, top, 1));
    const float next = fmaxf(m, top);       // finite: key c0 is in the slice
    const float rescale = exp2f(m - next);  // 0 on the warp's first chunk (m = -inf)
    float sum = 0.f;
#pragma unroll
    for (int e = 0; e < 8; ++e) {
      p[e] = exp2f(p[e] - next);  // 0 for masked keys
      sum += p[e];
      ps[warp][r * kPsLd + half * 8 + e] = __float2bfloat16_rn(p[e]);
    }
    sum += __shfl_xor_sync(0xffffffffu, sum, 1);
    l = l * rescale + sum;
    m = next;
#pragma unroll
    for (int c = 0; c < kSlices; ++c)
#pragma unroll
      for (int e = 0; e < 8; ++e) o[c][e] *= rescale;
    __syncwarp();

    wmma::fragment<wmma::matrix_a, 16, 16, 16, bf16, wmma::row_major> pa;
    wmma::load_matrix_sync(pa, ps[warp], kPsLd);
#pragma unroll
    for (int c = 0; c < kSlices; ++c) {
      wmma::fragment<wmma::matrix_b, 16, 16, 16, bf16, wmma::row_major> vb;  // V: (key, dim) at key * kD + dim
      wmma::load_matrix_sync(vb, vs[warp] + c * 16, kLd);
      wmma::fragment<wmma::accumulator, 16, 16, 16, float> pv;
      wmma::fill_fragment(pv, 0.f);
      wmma::mma_sync(pv, pa, vb, pv);
      wmma::store_matrix_sync(ss[warp], pv, kSsLd, wmma::mem_row_major);
      __syncwarp();
#pragma unroll
      for (int e = 0; e < 8; ++e) o[c][e] += ss[warp][r * kSsLd + half * 8 + e];
      __syncwarp();
    }
  }

  // Merge the warps: per row the largest maximum, each warp's output weighed by 2^(its max - that).
  if (half == 0) {
    warpMax[warp][r] = m;
    warpSum[warp][r] = l;
  }
  __syncthreads();
  if (tid < kRows) {
    float t = -INFINITY;
#pragma unroll
    for (int w = 0; w < kWarps; ++w) t = fmaxf(t, warpMax[w][tid]);
    float total = 0.f;
#pragma unroll
    for (int w = 0; w < kWarps; ++w)
      if (warpMax[w][tid] != -INFINITY) total += warpSum[w][tid] * exp2f(warpMax[w][tid] - t);
    rowTop[tid] = t;
    rowTotal[tid] = total;
  }
  __syncthreads();
  float* merged = reinterpret_cast<float*>(&ks[0][0]);  // [kRows, kD] float: 8 KB of the 17 KB K tiles
  const float weight = m == -INFINITY ? 0.f : exp2f(m - rowTop[r]);
  for (int w = 0; w < kWarps; ++w) {
    if (warp == w) {
#pragma unroll
      for (int c = 0; c < kSlices; ++c)
#pragma unroll
        for (int e = 0; e < 8; ++e) {
          const int i = r * kD + c * 16 + half * 8 + e;
          merged[i] = (w == 0 ? 0.f : merged[i]) + o[c][e] * weight;
        }
    }
    __syncthreads();
  }
  for (int i = tid; i < G * kD; i += 32 * kWarps) {
    const int row = i / kD, d = i % kD;
    if (a.splits == 1) {
      const float total = rowTotal[row];
      static_cast<bf16*>(a.out)[(headRow + row) * kD + d] = __float2bfloat16_rn(total > 0.f ? merged[i] / total : 0.f);
    } else {
      const int64_t part = (headRow + row) * a.splits + split;
      a.partialOut[part * kD + d] = merged[i];
      if (d == 0) {
        a.partialMax[part] = rowTop[row];
        a.partialSum[part] = rowTotal[row];
      }
    }
  }
}

// One block per (slot, query head), one thread per dimension: out = sum_i w_i acc_i / sum_i w_i l_i with
// w_i = 2^(max_i - max). Empty slices (max -inf) weigh nothing.
__global__ void mergeSplitsKernel(const float* partialOut, const float* partialMax, const float* partialSum, int splits,
                                  int D, bf16* out) {
  const int64_t row = blockIdx.x;
  const int d = threadIdx.x;
  const float* m = partialMax + row * splits;
  float top = -INFINITY;
  for (int i = 0; i < splits; ++i) top = fmaxf(top, m[i]);
  float num = 0.f, den = 0.f;
  if (top != -INFINITY) {
    for (int i = 0; i < splits; ++i) {
      const float w = exp2f(m[i] - top);
      num = fmaf(w, partialOut[(row * splits + i) * D + d], num);
      den = fmaf(w, partialSum[row * splits + i], den);
    }
  }
  out[row * D + d] = __float2bfloat16_rn(den > 0.f ? num / den : 0.f);
}

const char* launched() {
  const cudaError_t e = cudaGetLastError();
  return e == cudaSuccess ? nullptr : cudaGetErrorString(e);
}

template <int D, int G>
const char* launch(const SplitKvDecodeArgs& a, cudaStream_t stream) {
  const dim3 grid(static_cast<unsigned>(a.splits), static_cast<unsigned>(a.kvHeads), static_cast<unsigned>(a.slots));
  splitKvDecodeKernel<D, G><<<grid, kThreads, 0, stream>>>(a);
  if (const char* e = launched()) return e;
  if (a.splits > 1) {
    mergeSplitsKernel<<<static_cast<unsigned>(a.slots * a.kvHeads * G), D, 0, stream>>>(
        a.partialOut, a.partialMax, a.partialSum, a.splits, D, static_cast<bf16*>(a.out));
    return launched();
  }
  return nullptr;
}

template <int D>
const char* launchForGroup(const SplitKvDecodeArgs& a, cudaStream_t stream) {
  switch (a.group) {
    case 1: return launch<D, 1>(a, stream);
    case 2: return launch<D, 2>(a, stream);
    case 3: return launch<D, 3>(a, stream);
    case 4: return launch<D, 4>(a, stream);
    case 6: return launch<D, 6>(a, stream);
    case 8: return launch<D, 8>(a, stream);
    default: return "split-KV decode: no kernel for this number of query heads per KV head";
  }
}

const char* launchTensorCores(const SplitKvDecodeArgs& a, cudaStream_t stream) {
  const dim3 grid(static_cast<unsigned>(a.splits), static_cast<unsigned>(a.kvHeads), static_cast<unsigned>(a.slots));
  splitKvDecodeTensorCoreKernel<<<grid, 32 * tc::kWarps, 0, stream>>>(a);
  if (const char* e = launched()) return e;
  if (a.splits > 1) {
    mergeSplitsKernel<<<static_cast<unsigned>(a.slots * a.kvHeads * a.group), tc::kD, 0, stream>>>(
        a.partialOut, a.partialMax, a.partialSum, a.splits, tc::kD, static_cast<bf16*>(a.out));
    return launched();
  }
  return nullptr;
}

}  // namespace

bool splitKvDecodeSupports(int64_t headDim, int64_t group) {
  const bool head = headDim == 8 || headDim == 16 || headDim == 32 || headDim == 64 || headDim == 128 || headDim == 256;
  const bool grouped = group == 1 || group == 2 || group == 3 || group == 4 || group == 6 || group == 8;
  return head && grouped;
}

int splitKvDecodeSplits(int64_t slots, int64_t kvHeads, int64_t maxKeys, int device) {
  static std::atomic<int> smCount[16] = {};
  int sms = device >= 0 && device < 16 ? smCount[device].load() : 0;
  if (sms == 0) {
    if (cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device) != cudaSuccess || sms <= 0) sms = 132;
    if (device >= 0 && device < 16) smCount[device] = sms;
  }
  const int64_t blocks = std::max<int64_t>(1, slots * kvHeads);
  const int64_t wanted = (4 * sms + blocks - 1) / blocks;  // ~4 resident blocks per SM hide the memory latency
  const int64_t tiles = std::max<int64_t>(1, (maxKeys + kTile - 1) / kTile);
  return static_cast<int>(std::clamp<int64_t>(std::min(wanted, tiles), 1, kMaxSplits));
}

bool splitKvDecodeTensorCoresSupport(int64_t headDim, int64_t group) {
  return headDim == tc::kD && group >= 1 && group <= tc::kRows;
}

const char* splitKvDecodeTensorCores(const SplitKvDecodeArgs& a, void* stream) {
  if (!splitKvDecodeTensorCoresSupport(a.headDim, a.group))
    return "split-KV decode (tensor cores): heads of 128 and at most 16 query heads per KV head only";
  if (a.splits < 1 || a.splits > kMaxSplits || (a.splits > 1 && !(a.partialOut && a.partialMax && a.partialSum)))
    return "split-KV decode: bad split count or missing partial buffers";
  if (a.slots == 0) return nullptr;
  return launchTensorCores(a, static_cast<cudaStream_t>(stream));
}

const char* splitKvDecode(const SplitKvDecodeArgs& a, void* stream) {
  if (!splitKvDecodeSupports(a.headDim, a.group)) return "split-KV decode: unsupported head size or grouping";
  if (a.splits < 1 || a.splits > kMaxSplits || (a.splits > 1 && !(a.partialOut && a.partialMax && a.partialSum)))
    return "split-KV decode: bad split count or missing partial buffers";
  if (a.slots == 0) return nullptr;
  const auto st = static_cast<cudaStream_t>(stream);
  switch (a.headDim) {
    case 8: return launchForGroup<8>(a, st);
    case 16: return launchForGroup<16>(a, st);
    case 32: return launchForGroup<32>(a, st);
    case 64: return launchForGroup<64>(a, st);
    case 128: return launchForGroup<128>(a, st);
    default: return launchForGroup<256>(a, st);
  }
}

}  // namespace ll::infer::kernels
