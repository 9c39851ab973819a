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

#include "core/infer/async_copy.cuh"
#include "core/infer/bf16_vectors.cuh"
#include "core/infer/environment_switch.h"
#include "core/infer/programmatic_launch.cuh"
#include "core/infer/tensor_core_mma.cuh"

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>

namespace ll::infer::kernels {
namespace {

using bf16 = __nv_bfloat16;
constexpr int kThreads = 128;
constexpr int kTile = kThreads;  // keys per tile: one per thread in the score phase
constexpr float kLog2e = 1.4426950408889634f;
constexpr int kMaxSplits = 64;

template <int D, int G>
__global__ void __launch_bounds__(kThreads) splitKvDecodeKernel(SplitKvDecodeArgs a) {
  awaitPreviousKernel();
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

// The tensor-core variant for heads of 128 (dots.ocr's layout decoder: 12 query heads over 2 KV heads, 5-8k
// keys a slot) and 256 (Gemma 3n: 8 over 2, 512-key windows and ~3k-key global layers), written as
// FlashAttention-2 does a query tile, with the group's query heads as the tile's rows (zero rows below the
// group). Block (slice, KV head h, slot s), four warps:
//  - the slice's keys stream through shared memory in stages of 64 keys (K and V rows, cp.async, 16 bytes a
//    copy, rows past the slice's end zero-filled without being read), kStages - 1 stages in flight while the
//    warps work on the oldest one: the memory latency is hidden behind the loads of the next stages;
//  - warp w takes keys 16w .. 16w + 15 of each stage: S [16, 16] = Q K^T with mma.sync m16n8k16 (Q's
//    fragments held in registers for the whole slice, K's read by ldmatrix), float32 accumulation; per query
//    row the running maximum and p = 2^(score - max) (keys past the end -inf), the row's output rescaled;
//    p rounded to bfloat16 is already the A fragment of P V (the accumulator and A layouts line up), and
//    O [16, 128] += P V with V's fragments read by ldmatrix.trans. Nothing goes through shared memory but K
//    and V themselves.
// At the end the four warps merge in a fixed order (replays give the same bits) and the block writes the
// output or its slice's partial, merged by mergeSplitsKernel as for the CUDA-core kernel.
// With a.qkv set (Qwen2's decode step) the kernel also does the step's rotary and K/V cache writes: the block
// holding a slot's last key first stores the new key (rotated) and value, and every block rotates its group's
// query heads once into shared memory before taking its fragments from there.
namespace tc {
constexpr int kWarps = 4;
constexpr int kBlockThreads = 32 * kWarps;
constexpr int kWarpKeys = 16;                   // keys a warp takes from each stage (one k-step of P V)
constexpr int kStageKeys = kWarps * kWarpKeys;  // 64
constexpr int kStages = 3;
constexpr int kRows = 16;                       // query rows of a tile: the group, zero-padded
// What depends on the head size D (128 or 256).
template <int D>
struct Shape {
  static constexpr int kKSteps = D / 16;    // k-steps of Q K^T
  static constexpr int kDimTiles = D / 8;   // 8-dim column tiles of the output
  // Shared-memory row stride (bf16), padded by 16 bytes: with rows of a multiple of 256 bytes the eight rows
  // an ldmatrix phase reads would all start in the same bank.
  static constexpr int kLd = D + 8;
  static constexpr int kStageElems = kStageKeys * kLd;
  static constexpr int kCopiesPerThread = kStageKeys * D / 8 / kBlockThreads;  // 16-byte copies of K (and V) per stage
  // 104,448 bytes for D = 128 (two blocks per SM), 202,752 for D = 256 (one).
  static constexpr size_t kSharedBytes = 2 * kStages * kStageElems * sizeof(bf16);
  static constexpr int kBlocksPerSm = D == 128 ? 2 : 1;
  static_assert(kWarps * kRows * D * sizeof(float) <= kSharedBytes, "the warps' merge reuses the stage buffers");
};

// Two floats as the bfloat16 pair of a fragment register (the lower column in the low half).
__device__ __forceinline__ unsigned packPair(float lo, float hi) {
  const __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
  return *reinterpret_cast<const unsigned*>(&v);
}
__device__ __forceinline__ unsigned loadPair(const bf16* p, bool inside) {
  return inside ? __ldg(reinterpret_cast<const unsigned*>(p)) : 0u;
}
// One query row's four scores of a warp's 16-key chunk (log2 domain, keys past the end -inf; the row's other
// twelve are in the quad's other lanes): the row's running maximum moved to the chunk's, the scores turned
// into p = 2^(score - max) in place, this lane's running sum of p. Returns the factor by which what was
// accumulated for the row before this chunk must be rescaled (0 on the first chunk: the maximum was -inf).
// The maximum is finite: the chunk's first key is in the slice.
__device__ __forceinline__ float softmaxChunkRow(float& a, float& b, float& c, float& d, float& runMax, float& runSum) {
  float top = fmaxf(fmaxf(a, b), fmaxf(c, d));
  top = fmaxf(top, __shfl_xor_sync(0xffffffffu, top, 1));
  top = fmaxf(top, __shfl_xor_sync(0xffffffffu, top, 2));
  const float next = fmaxf(runMax, top);
  const float rescale = exp2f(runMax - next);
  runMax = next;
  a = exp2f(a - next);
  b = exp2f(b - next);
  c = exp2f(c - next);
  d = exp2f(d - next);
  runSum = runSum * rescale + a + b + c + d;
  return rescale;
}
}  // namespace tc

// Elements col and col + 1 of a head after rotary, as rotaryQkvIntoCache computes them: element e and its
// partner e +- D/2, x_e * cos_e + x_partner * signedSin_e with each product rounded to bfloat16, the sum rounded
// by packPair.
template <int kD>
__device__ __forceinline__ unsigned rotatedPair(const bf16* x, const bf16* cos, const bf16* sin, int col, bool inside) {
  if (!inside) return 0u;
  float o[2];
#pragma unroll
  for (int i = 0; i < 2; ++i) {
    const int e = col + i, partner = e < kD / 2 ? e + kD / 2 : e - kD / 2;
    o[i] = rnd(__bfloat162float(x[e]) * __bfloat162float(cos[e])) +
           rnd(__bfloat162float(x[partner]) * __bfloat162float(sin[e]));
  }
  return tc::packPair(o[0], o[1]);
}

// kTall: more than 8 query heads per KV head, the tile's rows 8-15 in use (heads of 128 only).
template <int kD, bool kTall>
__global__ void __launch_bounds__(tc::kBlockThreads, tc::Shape<kD>::kBlocksPerSm)
    splitKvDecodeTensorCoreKernel(SplitKvDecodeArgs a) {
  awaitPreviousKernel();
  using namespace tc;
  using Sh = Shape<kD>;
  constexpr int kKSteps = Sh::kKSteps, kDimTiles = Sh::kDimTiles, kLd = Sh::kLd, kStageElems = Sh::kStageElems;
  constexpr int kCopiesPerThread = Sh::kCopiesPerThread;
  static_assert(!kTall || kD == 128, "a group over 8 only with heads of 128 (registers)");
  extern __shared__ __align__(16) unsigned char shared[];
  bf16* kStage = reinterpret_cast<bf16*>(shared);  // [kStages][kStageKeys][kLd]
  bf16* vStage = kStage + kStages * kStageElems;
  __shared__ float warpMax[kWarps][kRows], warpSum[kWarps][kRows], rowTop[kRows], rowTotal[kRows];
  // a.qkv set: the group's rotated query heads (rows padded by 16 bytes: the fragment reads hit distinct banks).
  __shared__ __align__(16) bf16 qRotated[kRows][kD + 8];

  const int split = blockIdx.x, h = blockIdx.y, tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int g = lane >> 2, t = lane & 3;         // fragment row (and row + 8) and column pair of this lane
  const int mat = lane >> 3, matRow = lane & 7;  // the matrix and row whose address this lane gives ldmatrix
  const int G = static_cast<int>(a.group);
  const int64_t s = blockIdx.z, Hq = a.kvHeads * G, headRow = s * Hq + static_cast<int64_t>(h) * G;
  const bf16* q = static_cast<const bf16*>(a.q) + headRow * kD;

  const int64_t len = a.keyLengths[s];
  const int64_t first = a.window > 0 && len > a.window ? len - a.window : 0;
  const int64_t per = (len - first + a.splits - 1) / a.splits;
  const int64_t begin = first + split * per;
  // Keys of this slice, counted from `begin` (int from here on: 64-bit division and modulo cost dozens of
  // instructions, and this loop is issue-bound).
  const int count = begin < len ? static_cast<int>((begin + per < len ? begin + per : len) - begin) : 0;
  const int stages = (count + kStageKeys - 1) / kStageKeys;
  const int rowStride = static_cast<int>(a.kvHeads) * kD;
  const float qScale = a.scale * kLog2e;

  // The step's own rotary and K/V cache writes (a.qkv set): the block that holds the slot's last key stores the
  // slot's new key and value of this KV head before anything is copied from the cache.
  const bool rotating = a.qkv != nullptr;
  const bf16* qkvRow = rotating ? static_cast<const bf16*>(a.qkv) + s * a.qkvStride : nullptr;
  const bf16* cosRow = rotating ? static_cast<const bf16*>(a.cos) + s * kD : nullptr;
  const bf16* sinRow = rotating ? static_cast<const bf16*>(a.signedSin) + s * kD : nullptr;
  if (rotating && count > 0 && begin + count == len) {  // block-uniform
    const bf16* k = qkvRow + (Hq + h) * kD;
    const bf16* v = qkvRow + (Hq + a.kvHeads + h) * kD;
    const int64_t to = (a.cacheRows[s] * a.kvHeads + h) * kD;
    for (int e = tid; e < kD / 2; e += kBlockThreads) {
      const unsigned pair = rotatedPair<kD>(k, cosRow, sinRow, 2 * e, true);
      // The cache's storage, read-only everywhere else in this kernel: only this row is written, and only here.
      *reinterpret_cast<unsigned*>(static_cast<bf16*>(const_cast<void*>(a.keys)) + to + 2 * e) = pair;
      *reinterpret_cast<unsigned*>(static_cast<bf16*>(const_cast<void*>(a.values)) + to + 2 * e) =
          *reinterpret_cast<const unsigned*>(v + 2 * e);
    }
    __threadfence();  // at the L2 before this block's copies read the row
    __syncthreads();
  }

  // This thread's copies: rows copyRow + 8i (i < kCopiesPerThread) of each stage, 8 dims from copyColumn.
  const int copyRow = tid / (kD / 8), copyColumn = (tid % (kD / 8)) * 8;
  constexpr int kCopyRowStep = kBlockThreads / (kD / 8);
  const int64_t slotBase = (s * a.rows * a.kvHeads + h) * kD + (begin + copyRow) * rowStride + copyColumn;
  const bf16* kFrom = static_cast<const bf16*>(a.keys) + slotBase;
  const bf16* vFrom = static_cast<const bf16*>(a.values) + slotBase;
  const unsigned kTo = sharedAddress(kStage + copyRow * kLd + copyColumn);
  const unsigned vTo = sharedAddress(vStage + copyRow * kLd + copyColumn);
  auto loadStage = [&](int stage, int buffer) {
    const int firstRow = stage * kStageKeys + copyRow;
    const int64_t offset = static_cast<int64_t>(stage) * kStageKeys * rowStride;
    const unsigned at = static_cast<unsigned>(buffer * kStageElems * sizeof(bf16));
#pragma unroll
    for (int i = 0; i < kCopiesPerThread; ++i) {
      const bool inside = firstRow + i * kCopyRowStep < count;
      // Outside: nothing is read, but the address stays in the cache (the slot's row 0).
      const int64_t from = inside ? offset + static_cast<int64_t>(i) * kCopyRowStep * rowStride : -(begin + copyRow) * rowStride;
      const unsigned to = at + static_cast<unsigned>(i * kCopyRowStep * kLd * sizeof(bf16));
      copy16Async(kTo + to, kFrom + from, inside);
      copy16Async(vTo + to, vFrom + from, inside);
    }
  };
  // The first stages go out before anything else, so their latency overlaps the query loads below.
#pragma unroll
  for (int st = 0; st < kStages - 1; ++st) {
    if (st < stages) loadStage(st, st);
    commitCopies();
  }

  // Q's A fragments (rows g and g + 8, columns 2t, 2t + 1 and 2t + 8, 2t + 9 of each k-step); rows >= G zero.
  unsigned qa[kKSteps][4];
  if (rotating) {
    // The group's query heads rotated once by the whole block (a few element pairs a thread), then read as
    // fragments from shared memory: not every lane gathering its own elements and partners.
    const bf16* heads = qkvRow + static_cast<int64_t>(h) * G * kD;
    for (int i = tid; i < G * (kD / 2); i += kBlockThreads) {
      const int r = i / (kD / 2), e = 2 * (i % (kD / 2));
      *reinterpret_cast<unsigned*>(&qRotated[r][e]) = rotatedPair<kD>(heads + r * kD, cosRow, sinRow, e, true);
    }
    __syncthreads();
  }
#pragma unroll
  for (int k = 0; k < kKSteps; ++k) {
    const int c = k * 16 + 2 * t;
    if (rotating) {
      auto fragment = [&](int row, int col, bool inside) {
        return inside ? *reinterpret_cast<const unsigned*>(&qRotated[row][col]) : 0u;
      };
      qa[k][0] = fragment(g, c, g < G);
      qa[k][1] = fragment(g + 8, c, kTall && g + 8 < G);
      qa[k][2] = fragment(g, c + 8, g < G);
      qa[k][3] = fragment(g + 8, c + 8, kTall && g + 8 < G);
    } else {
      qa[k][0] = loadPair(q + g * kD + c, g < G);
      qa[k][1] = loadPair(q + (g + 8) * kD + c, kTall && g + 8 < G);
      qa[k][2] = loadPair(q + g * kD + c + 8, g < G);
      qa[k][3] = loadPair(q + (g + 8) * kD + c + 8, kTall && g + 8 < G);
    }
  }

  float o[kDimTiles][4];
#pragma unroll
  for (int n = 0; n < kDimTiles; ++n) o[n][0] = o[n][1] = o[n][2] = o[n][3] = 0.f;
  float m0 = -INFINITY, m1 = -INFINITY, l0 = 0.f, l1 = 0.f;  // rows g and g + 8; l: this lane's columns only

  int buffer = 0, loadBuffer = kStages - 1;
  for (int it = 0; it < stages; ++it) {
    waitCopies<kStages - 2>();  // this thread's copies of stage `it` have landed ...
    __syncthreads();            // ... and everyone's; the buffer of stage it - 1 is free again
    if (it + kStages - 1 < stages) loadStage(it + kStages - 1, loadBuffer);
    commitCopies();
    loadBuffer = loadBuffer + 1 == kStages ? 0 : loadBuffer + 1;
    const int at = buffer * kStageElems + warp * kWarpKeys * kLd;
    buffer = buffer + 1 == kStages ? 0 : buffer + 1;

    const int key0 = it * kStageKeys + warp * kWarpKeys;  // from `begin`
    if (key0 >= count) continue;  // warp-uniform: nothing of this warp's part of the stage is in the slice
    const bf16* kw = kStage + at;
    const bf16* vw = vStage + at;

    // S = Q K^T: matrices (keys 0-7 | 8-15) x (dims k0 .. k0 + 7 | k0 + 8 .. k0 + 15); B[k][n] = K[key n][dim k].
    float sc[2][4] = {{0.f, 0.f, 0.f, 0.f}, {0.f, 0.f, 0.f, 0.f}};
#pragma unroll
    for (int k = 0; k < kKSteps; ++k) {
      unsigned b[4];
      loadMatrices(b, sharedAddress(kw + ((mat >> 1) * 8 + matRow) * kLd + k * 16 + (mat & 1) * 8));
      mma16x8x16(sc[0], qa[k], b[0], b[1]);
      mma16x8x16(sc[1], qa[k], b[2], b[3]);
    }
    // Online softmax per row (log2 domain); sc[n][e]: key 8n + 2t + (e & 1), row g (e < 2) or g + 8.
    const bool whole = key0 + kWarpKeys <= count;  // warp-uniform: no key of the 16 past the slice's end
#pragma unroll
    for (int n = 0; n < 2; ++n)
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        const bool inside = whole || key0 + 8 * n + 2 * t + (e & 1) < count;
        sc[n][e] = inside ? sc[n][e] * qScale : -INFINITY;
      }
    const float rescale0 = softmaxChunkRow(sc[0][0], sc[0][1], sc[1][0], sc[1][1], m0, l0);
    const float rescale1 = kTall ? softmaxChunkRow(sc[0][2], sc[0][3], sc[1][2], sc[1][3], m1, l1) : 0.f;
#pragma unroll
    for (int n = 0; n < kDimTiles; ++n) {
      o[n][0] *= rescale0;
      o[n][1] *= rescale0;
      if (kTall) {
        o[n][2] *= rescale1;
        o[n][3] *= rescale1;
      }
    }
    // P's A fragment: rows g / g + 8, keys 2t, 2t + 1 (tile 0) and 8 + 2t, 9 + 2t (tile 1). Without kTall
    // rows 8-15 are zero, so their outputs stay 0 and need no rescaling.
    const unsigned pa[4] = {packPair(sc[0][0], sc[0][1]), kTall ? packPair(sc[0][2], sc[0][3]) : 0u,
                            packPair(sc[1][0], sc[1][1]), kTall ? packPair(sc[1][2], sc[1][3]) : 0u};
    // O += P V: matrices (keys 0-7 | 8-15) x (dims n0 .. n0 + 7 | n0 + 8 .. n0 + 15), transposed on load.
#pragma unroll
    for (int n = 0; n < kDimTiles; n += 2) {
      unsigned b[4];
      loadMatricesTransposed(b, sharedAddress(vw + ((mat & 1) * 8 + matRow) * kLd + n * 8 + (mat >> 1) * 8));
      mma16x8x16(o[n], pa, b[0], b[1]);
      mma16x8x16(o[n + 1], pa, b[2], b[3]);
    }
  }
  waitCopies<0>();

  // Merge the warps: per row the largest maximum, each warp's output weighed by 2^(its max - that).
  l0 += __shfl_xor_sync(0xffffffffu, l0, 1);
  l0 += __shfl_xor_sync(0xffffffffu, l0, 2);
  l1 += __shfl_xor_sync(0xffffffffu, l1, 1);
  l1 += __shfl_xor_sync(0xffffffffu, l1, 2);
  if (t == 0) {
    warpMax[warp][g] = m0;
    warpMax[warp][g + 8] = m1;
    warpSum[warp][g] = l0;
    warpSum[warp][g + 8] = l1;
  }
  __syncthreads();  // also: every warp is done with the stage buffers, reused below
  if (tid < kRows) {
    float top = -INFINITY;
#pragma unroll
    for (int w = 0; w < kWarps; ++w) top = fmaxf(top, warpMax[w][tid]);
    float total = 0.f;
#pragma unroll
    for (int w = 0; w < kWarps; ++w)
      if (warpMax[w][tid] != -INFINITY) total += warpSum[w][tid] * exp2f(warpMax[w][tid] - top);
    rowTop[tid] = top;
    rowTotal[tid] = total;
  }
  __syncthreads();
  float* merged = reinterpret_cast<float*>(shared);  // [kWarps][kRows][kD]
  const float weight0 = m0 == -INFINITY ? 0.f : exp2f(m0 - rowTop[g]);
  const float weight1 = m1 == -INFINITY ? 0.f : exp2f(m1 - rowTop[g + 8]);
#pragma unroll
  for (int n = 0; n < kDimTiles; ++n) {
    const int d = n * 8 + 2 * t;
    *reinterpret_cast<float2*>(&merged[(warp * kRows + g) * kD + d]) = make_float2(o[n][0] * weight0, o[n][1] * weight0);
    if (kTall)
      *reinterpret_cast<float2*>(&merged[(warp * kRows + g + 8) * kD + d]) =
          make_float2(o[n][2] * weight1, o[n][3] * weight1);
  }
  __syncthreads();
  for (int i = tid; i < G * kD; i += kBlockThreads) {
    const int row = i / kD, d = i % kD;
    float sum = 0.f;
#pragma unroll
    for (int w = 0; w < kWarps; ++w) sum += merged[(w * kRows + row) * kD + d];
    if (a.splits == 1) {
      const float total = rowTotal[row];
      static_cast<bf16*>(a.out)[(headRow + row) * kD + d] = __float2bfloat16_rn(total > 0.f ? sum / total : 0.f);
    } else {
      const int64_t part = (headRow + row) * a.splits + split;
      a.partialOut[part * kD + d] = sum;
      if (d == 0) {
        a.partialMax[part] = rowTop[row];
        a.partialSum[part] = rowTotal[row];
      }
    }
  }
}

// One block per (slot, query head), one thread per dimension: out = sum_i w_i acc_i / sum_i w_i l_i with
// w_i = 2^(max_i - max). Empty slices (max -inf) weigh nothing.
// The first version walked the slices with one load after the other (each an L2 round trip, ~4.7 us a layer
// at 16 slices, more in a batch's tail where one slot has up to 64). Here the slices' maxima and sums come
// into shared memory in one parallel load, and each thread has kMergeChunk of its partial outputs in flight
// before it adds them up. The sums are taken in the same order with the same operations: the same bits.
constexpr int kMergeChunk = 16;
__global__ void mergeSplitsKernel(const float* __restrict__ partialOut, const float* __restrict__ partialMax,
                                  const float* __restrict__ partialSum, int splits, int D, bf16* __restrict__ out) {
  __shared__ float sliceMax[kMaxSplits], sliceSum[kMaxSplits];
  awaitPreviousKernel();
  const int64_t row = blockIdx.x;
  const int d = threadIdx.x;
  for (int i = d; i < splits; i += blockDim.x) {
    sliceMax[i] = __ldg(partialMax + row * splits + i);
    sliceSum[i] = __ldg(partialSum + row * splits + i);
  }
  __syncthreads();
  float top = -INFINITY;
  for (int i = 0; i < splits; ++i) top = fmaxf(top, sliceMax[i]);
  float num = 0.f, den = 0.f;
  if (top != -INFINITY) {
    const float* acc = partialOut + row * splits * D + d;
    for (int base = 0; base < splits; base += kMergeChunk) {
      float v[kMergeChunk];
#pragma unroll
      for (int j = 0; j < kMergeChunk; ++j) v[j] = base + j < splits ? __ldg(acc + (base + j) * D) : 0.f;
#pragma unroll
      for (int j = 0; j < kMergeChunk; ++j) {
        if (base + j >= splits) break;
        const float w = exp2f(sliceMax[base + j] - top);
        num = fmaf(w, v[j], num);
        den = fmaf(w, sliceSum[base + j], den);
      }
    }
  }
  out[row * D + d] = __float2bfloat16_rn(den > 0.f ? num / den : 0.f);
}

// The first merge, kept for A/B runs (LAYOUTLENS_PARALLEL_MERGE=0): the slices one load after the other.
__global__ void mergeSplitsInTurnKernel(const float* partialOut, const float* partialMax, const float* partialSum,
                                        int splits, int D, bf16* out) {
  awaitPreviousKernel();
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

// The merge of a.splits > 1 slices: one block per slot and query head, one thread per dimension.
const char* launchMerge(const SplitKvDecodeArgs& a, cudaStream_t stream) {
  static const bool parallel = !switchedOffByEnvironment("LAYOUTLENS_PARALLEL_MERGE");
  const int d = static_cast<int>(a.headDim);
  launchKernel(parallel ? mergeSplitsKernel : mergeSplitsInTurnKernel,
      static_cast<unsigned>(a.slots * a.kvHeads * a.group), d, 0, stream, a.partialOut, a.partialMax, a.partialSum,
      a.splits, d, static_cast<bf16*>(a.out));
  return launched();
}

template <int D, int G>
const char* launch(const SplitKvDecodeArgs& a, cudaStream_t stream) {
  const dim3 grid(static_cast<unsigned>(a.splits), static_cast<unsigned>(a.kvHeads), static_cast<unsigned>(a.slots));
  launchKernel(splitKvDecodeKernel<D, G>, grid, kThreads, 0, stream, a);
  if (const char* e = launched()) return e;
  return a.splits > 1 ? launchMerge(a, stream) : nullptr;
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

template <int D, bool kTall>
const char* launchTensorCoreKernel(const SplitKvDecodeArgs& a, cudaStream_t stream) {
  // Over 48 KB of dynamic shared memory needs the kernel's permission, once per device (not a stream
  // operation: allowed while a graph is captured).
  static std::atomic<bool> allowed[16] = {};
  int device = 0;
  if (const cudaError_t e = cudaGetDevice(&device); e != cudaSuccess) return cudaGetErrorString(e);
  if (device < 0 || device >= 16 || !allowed[device].load()) {
    if (const cudaError_t e = cudaFuncSetAttribute(splitKvDecodeTensorCoreKernel<D, kTall>,
                                                   cudaFuncAttributeMaxDynamicSharedMemorySize,
                                                   static_cast<int>(tc::Shape<D>::kSharedBytes));
        e != cudaSuccess)
      return cudaGetErrorString(e);
    if (device >= 0 && device < 16) allowed[device] = true;
  }
  const dim3 grid(static_cast<unsigned>(a.splits), static_cast<unsigned>(a.kvHeads), static_cast<unsigned>(a.slots));
  launchKernel(splitKvDecodeTensorCoreKernel<D, kTall>, grid, tc::kBlockThreads, tc::Shape<D>::kSharedBytes, stream,
      a);
  return launched();
}

// A merge that the last slice to finish does itself (arrival counters) was tried: the merging block became
// the kernel's tail (41 against 32 us a layer at 18 slots, H200), so the slices merge in a kernel of their own.
const char* launchTensorCores(const SplitKvDecodeArgs& a, cudaStream_t stream) {
  const char* e = a.headDim == 256  ? launchTensorCoreKernel<256, false>(a, stream)
                  : a.group > 8     ? launchTensorCoreKernel<128, true>(a, stream)
                                    : launchTensorCoreKernel<128, false>(a, stream);
  if (e) return e;
  return a.splits > 1 ? launchMerge(a, stream) : nullptr;
}

int multiprocessors(int device) {
  static std::atomic<int> count[16] = {};
  int sms = device >= 0 && device < 16 ? count[device].load() : 0;
  if (sms == 0) {
    if (cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device) != cudaSuccess || sms <= 0) sms = 132;
    if (device >= 0 && device < 16) count[device] = sms;
  }
  return sms;
}

}  // namespace

bool splitKvDecodeSupports(int64_t headDim, int64_t group) {
  const bool head = headDim == 8 || headDim == 16 || headDim == 32 || headDim == 64 || headDim == 128 || headDim == 256;
  const bool grouped = group == 1 || group == 2 || group == 3 || group == 4 || group == 6 || group == 8;
  return head && grouped;
}

int splitKvDecodeSplits(int64_t slots, int64_t kvHeads, int64_t maxKeys, int device) {
  const int64_t blocks = std::max<int64_t>(1, slots * kvHeads);
  const int64_t wanted = (4 * multiprocessors(device) + blocks - 1) / blocks;  // ~4 resident blocks per SM hide the memory latency
  const int64_t tiles = std::max<int64_t>(1, (maxKeys + kTile - 1) / kTile);
  return static_cast<int>(std::clamp<int64_t>(std::min(wanted, tiles), 1, kMaxSplits));
}

int splitKvDecodeTensorCoreSplits(int64_t slots, int64_t kvHeads, int64_t maxKeys, int device, int64_t headDim) {
  // Two blocks fit an SM (shared memory) with heads of 128, one with heads of 256; one wave of them, rounded
  // down: a second, partial wave would take as long as the first.
  const int64_t perSm = headDim == 256 ? tc::Shape<256>::kBlocksPerSm : tc::Shape<128>::kBlocksPerSm;
  const int64_t blocks = std::max<int64_t>(1, slots * kvHeads);
  const int64_t wanted = std::max<int64_t>(1, perSm * multiprocessors(device) / blocks);
  const int64_t stages = std::max<int64_t>(1, (maxKeys + tc::kStageKeys - 1) / tc::kStageKeys);
  // For measuring other slice counts (tools/gpu/decode_attention_check.sh); not a setting.
  static const int forced = [] {
    const char* v = std::getenv("LAYOUTLENS_TENSOR_CORE_DECODE_SPLITS");
    return v ? std::atoi(v) : 0;
  }();
  if (forced > 0) return static_cast<int>(std::clamp<int64_t>(std::min<int64_t>(forced, stages), 1, kMaxSplits));
  return static_cast<int>(std::clamp<int64_t>(std::min(wanted, stages), 1, kMaxSplits));
}

bool splitKvDecodeTensorCoresSupport(int64_t headDim, int64_t group) {
  return group >= 1 && ((headDim == 128 && group <= tc::kRows) || (headDim == 256 && group <= 8));
}

const char* splitKvDecodeTensorCores(const SplitKvDecodeArgs& a, void* stream) {
  if (!splitKvDecodeTensorCoresSupport(a.headDim, a.group))
    return "split-KV decode (tensor cores): heads of 128 with at most 16 query heads per KV head, or of 256 with at most 8";
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
