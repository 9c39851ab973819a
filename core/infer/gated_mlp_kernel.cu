// A decode step's gated MLP in one kernel (see gated_mlp_kernel.h for why). One block per SM, 8 warps, in
// two roles, one after the other; every block's weights stream through shared memory in one sequence of
// stages, kStages - 1 of them in flight (cp.async), across both roles and the barrier between them:
//  1. gate / up, dealt out as items: item i = inner columns [8i, 8i + 8), i.e. 8 rows of gate and 8 of up,
//     each a contiguous stretch of the checkpoint-layout weight, streamed 512 hidden columns (1 KB of each
//     row) a stage. A block's first items are fixed (those its first kStages - 1 stages stream), the rest
//     are taken from a count as the block gets to them: SMs do not all get the same share of the memory bandwidth
//     (with equal fixed shares the blocks finished this step up to 6 us apart for Qwen2, 13 us for Gemma
//     3n, and all wait for the last at the barrier). Warp w takes k-steps 4w .. 4w + 3 of each stage:
//     [rows, 8 | 8] += x [rows, 16] W^T [16, 8 | 8] on tensor cores (x in shared memory, loaded once),
//     float32. After an item's last stage the warps' sums are added in a fixed order, rounded to bfloat16
//     as cuBLAS's output would be, and silu(g) * u is formed as the op chain does (bf16_vectors.cuh
//     siluTimes), rounded, and stored to the scratch h [rows, inner].
//  2. A barrier across the grid (every block is resident: at most one per SM): h is whole.
//  3. down: block b takes output columns [128 cg, 128 cg + 128) and inner rows [r0, r1), one of `slices`
//     slices (Qwen2: 12 column groups x 11 slices), and streams down's rows of them (the transposed weight,
//     [inner, hidden]), 64 rows a stage; its stages follow its last item's in the sequence, so they are in
//     flight while the block waits at the barrier. Warp (kq, nh) takes k-step kq of each stage for 64 of the
//     columns. The k-step warps' sums are added in order into the block's float32 partial of its columns.
//  4. The last block of a column group to finish (an arrival count) adds the group's partials in slice
//     order and stores them as bfloat16: the same sums in the same order whoever adds them, so replays
//     give the same bits (so is h: an item's sums do not depend on which block takes it).
// The weights are the first thing a block loads, before it waits for the previous kernel (programmatic
// launch): nothing writes them, so they stream in while the previous kernel still runs. The next kernel is
// let in only after the barrier: a launch tells which of two item counts is its own from the barrier's count
// as its blocks start, and resets the other one for the launch after it.
#include "core/infer/gated_mlp_kernel.h"

#include "core/infer/async_copy.cuh"
#include "core/infer/bf16_vectors.cuh"
#include "core/infer/programmatic_launch.cuh"
#include "core/infer/tensor_core_mma.cuh"

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <atomic>

// tools/gpu/gated_mlp_probe.cu compiles this file with LL_GATED_MLP_TIMELINE to see where a launch's time
// goes: block b's thread 0 stores the global timer at eight points into gatedMlpTimeline[b].
#ifdef LL_GATED_MLP_TIMELINE
namespace ll::infer::kernels {
__device__ unsigned long long gatedMlpTimeline[256][8];
}
#define LL_MARK(point)                                                                                          \
  do {                                                                                                          \
    if (threadIdx.x == 0) {                                                                                     \
      unsigned long long now;                                                                                   \
      asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(now));                                                  \
      ll::infer::kernels::gatedMlpTimeline[blockIdx.x][point] = now;                                            \
    }                                                                                                           \
  } while (0)
#else
#define LL_MARK(point) \
  do {                 \
  } while (0)
#endif

namespace ll::infer::kernels {
namespace {

using bf16 = __nv_bfloat16;
constexpr int kWarps = 8;
constexpr int kThreads = 32 * kWarps;
constexpr int kChunk = 512;        // step 1: hidden columns a stage (32 k-steps, four a warp)
constexpr int kLd1 = kChunk + 8;   // its shared row stride (bf16): 1,040 bytes, ldmatrix rows in distinct banks
constexpr int kRows3 = 64;         // step 3: inner rows a stage (four k-steps) ...
constexpr int kGroup = 128;        // ... of one column group
constexpr int kLd3 = kGroup + 8;   // 272 bytes: distinct banks again
constexpr int kStageElems = 16 * kLd1 > kRows3 * kLd3 ? 16 * kLd1 : kRows3 * kLd3;
constexpr int kMaxGroups = 32;     // hidden <= 4096 (an arrival count per group)
constexpr int kMaxBlocks = 256;    // the scheduling words hold a set per grid size

// Per grid size: the barrier's arrivals (only grow; 64 bits do not wrap) and step 1's two item counts.
struct Schedule {
  unsigned long long arrivals;
  unsigned items[2];
};

// The widest inner slice of step 3, in rows (whole stages).
__host__ __device__ inline int sliceRowsMax(int inner, int slices) {
  const int units = inner / 16;
  return ((units + slices - 1) / slices * 16 + kRows3 - 1) / kRows3 * kRows3;
}

// Bytes of the region before the ring: x, then h's slice, then the k-step warps' sums of step 3, one after
// the other in the same place; then the warps' sums of two items of step 1 (one being written while the
// other's h is formed).
inline size_t red1Bytes(int rowsMax) { return static_cast<size_t>(2) * kWarps * rowsMax * 16 * sizeof(float); }
inline size_t regionBytes(int rowsMax, int hidden, int inner, int slices) {
  const size_t x = static_cast<size_t>(rowsMax) * (hidden + 8) * sizeof(bf16);
  const size_t h = static_cast<size_t>(rowsMax) * (sliceRowsMax(inner, slices) + 8) * sizeof(bf16);
  const size_t red3 = static_cast<size_t>(4) * rowsMax * kGroup * sizeof(float);
  return (std::max(std::max(x, h), red3) + 15) / 16 * 16 + red1Bytes(rowsMax);
}
inline size_t red1Offset(int rowsMax, int hidden, int inner, int slices) {
  return regionBytes(rowsMax, hidden, inner, slices) - red1Bytes(rowsMax);
}

// rows x (columns / 8) 16-byte pieces global -> shared, kBatch loads in flight per thread (one after the other,
// each an L2 round trip, they took ~5 us for 32 rows of h's slice); pieces outside `inside` are zero.
template <int kBatch, class Inside>
__device__ __forceinline__ void copyPieces(__nv_bfloat16* to, int toLd, const __nv_bfloat16* from, int64_t fromLd,
                                           int rows, int columns, Inside&& inside) {
  const int per = columns / 8, total = rows * per;
  for (int base = threadIdx.x; base < total; base += kThreads * kBatch) {
    uint4 v[kBatch];
#pragma unroll
    for (int b = 0; b < kBatch; ++b) {
      const int i = base + b * kThreads, r = i / per, c = (i % per) * 8;
      v[b] = i < total && inside(r, c) ? __ldcg(reinterpret_cast<const uint4*>(from + r * fromLd + c))
                                       : make_uint4(0u, 0u, 0u, 0u);
    }
#pragma unroll
    for (int b = 0; b < kBatch; ++b) {
      const int i = base + b * kThreads, r = i / per, c = (i % per) * 8;
      if (i < total) *reinterpret_cast<uint4*>(to + r * toLd + c) = v[b];
    }
  }
}

// Every block of the grid arrives before any leaves; a block's arrival number says which multiple of the
// block count the arrivals must reach.
__device__ __forceinline__ void gridBarrier(unsigned long long* arrivals) {
  __syncthreads();
  if (threadIdx.x == 0) {
    __threadfence();  // this block's stores before its arrival
    const unsigned long long arrival = atomicAdd(arrivals, 1ull);
    const unsigned long long target = (arrival / gridDim.x + 1) * gridDim.x;
    const volatile unsigned long long* seen = arrivals;
    while (*seen < target) __nanosleep(32);
    __threadfence();
  }
  __syncthreads();
}

template <int kMTiles, int kStages>
__global__ void __launch_bounds__(kThreads, 1)
    gatedMlpKernel(GatedMlpArgs a, int slices, Schedule* schedule, unsigned* groupArrivals, size_t red1At,
                   size_t ringAt) {
  constexpr int kRowsMax = 16 * kMTiles;
  extern __shared__ __align__(16) unsigned char shared[];
  __shared__ int slotItem[kStages], slotPart[kStages];  // a ring slot's stage: item (-1: step 3) and chunk / stage
  __shared__ int pending[4];                            // the items of the next takes from the count
  __shared__ bool lastOfGroup;
  const int H = static_cast<int>(a.hidden), I = static_cast<int>(a.inner), n = a.rows;
  bf16* xs = reinterpret_cast<bf16*>(shared);
  float* red1 = reinterpret_cast<float*>(shared + red1At);
  bf16* ring = reinterpret_cast<bf16*>(shared + ringAt);
  float* partials = a.partials;
  bf16* h = reinterpret_cast<bf16*>(a.partials + static_cast<int64_t>(slices) * n * H);  // [n, inner]

  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5, g = lane >> 2, t = lane & 3;
  const int mat = lane >> 3, matRow = lane & 7;  // the matrix and row whose address this lane gives ldmatrix
  const int blocks = gridDim.x, block = blockIdx.x;
  LL_MARK(0);
  // This launch's item count: the previous launch on these words let this one in after its barrier.
  const unsigned long long launch = *reinterpret_cast<volatile unsigned long long*>(&schedule->arrivals) / blocks;
  unsigned* itemCount = &schedule->items[launch & 1];

  // Step 1's items and step 3's rows. A block's first items, those the ring's first stages stream, are fixed.
  const int items = I / 8, chunks = H / kChunk, firstItems = (kStages - 1 + chunks - 1) / chunks;
  const int group = block / slices, slice = block % slices;
  const int r0 = slice * (I / 16) / slices * 16, r1 = (slice + 1) * (I / 16) / slices * 16;
  const int stages3 = (r1 - r0 + kRows3 - 1) / kRows3;
  const bf16* down = static_cast<const bf16*>(a.downT) + static_cast<int64_t>(r0) * H + group * kGroup;

  // The issuing side's state, the same in every thread: the item being streamed and its next chunk, items
  // taken so far, whether step 1 still has items, step 3's stages issued. Take firstItems + d reads
  // pending[d & 3]. Thread 0 asks the count two takes ahead and stores the answer a take later: an atomic's
  // round trip through an L2 busy with the stream takes long, and any warp that waits for it holds the block
  // at the next barrier.
  int item = -1, chunk = 0, taken = 0, stepThreeIssued = 0;
  bool stepOne = true;
  unsigned answer = 0;
  int answerInto = -1;
  auto ask = [&](int into) {  // thread 0
    answer = atomicAdd(itemCount, 1u);
    answerInto = into;
  };
  auto storeAnswer = [&] {  // thread 0
    if (answerInto >= 0) pending[answerInto] = firstItems * blocks + static_cast<int>(answer);
    answerInto = -1;
  };
  // Issues the next stage into ring slot `slot`; false when there is none.
  auto issue = [&](int slot) {
    if (stepOne && chunk == 0) {
      const int d = taken - firstItems;
      const int next = d < 0 ? block * firstItems + taken : pending[d & 3];
      ++taken;
      if (next < items) {
        item = next;
        if (tid == 0 && d >= 0) {
          storeAnswer();      // take d + 1's (asked at take d - 1), read after at least one more barrier
          ask((d + 2) & 3);   // take d + 2's
        }
      } else {
        stepOne = false;
      }
    }
    bf16* st = ring + slot * kStageElems;
    if (stepOne) {  // 8 rows of gate, then 8 of up, 512 columns: 64 threads a 1 KB row piece
      const bf16* gate = static_cast<const bf16*>(a.gateUp) + static_cast<int64_t>(item) * 8 * H + chunk * kChunk;
      const bf16* up = gate + static_cast<int64_t>(I) * H;
#pragma unroll
      for (int i = tid; i < 16 * (kChunk / 8); i += kThreads) {
        const int row = i / (kChunk / 8), piece = (i % (kChunk / 8)) * 8;
        copy16Async(sharedAddress(st + row * kLd1 + piece), (row < 8 ? gate : up) + static_cast<int64_t>(row & 7) * H + piece,
                    true);
      }
      if (tid == 0) {
        slotItem[slot] = item;
        slotPart[slot] = chunk;
      }
      chunk = chunk + 1 == chunks ? 0 : chunk + 1;
      return true;
    }
    if (stepThreeIssued == stages3) return false;
    // down's rows of the slice, 64 a stage (zeros past r1, nothing read), the group's 128 columns
    const int k0 = stepThreeIssued * kRows3;
#pragma unroll
    for (int i = tid; i < kRows3 * (kGroup / 8); i += kThreads) {
      const int row = i / (kGroup / 8), piece = (i % (kGroup / 8)) * 8;
      const bool inside = r0 + k0 + row < r1;
      copy16Async(sharedAddress(st + row * kLd3 + piece), down + static_cast<int64_t>(inside ? k0 + row : 0) * H + piece,
                  inside);
    }
    if (tid == 0) {
      slotItem[slot] = -1;
      slotPart[slot] = stepThreeIssued;
    }
    ++stepThreeIssued;
    return true;
  };
  // The count's first answer is asked for before the stream starts: an atomic waits its turn behind it.
  const unsigned firstAnswer = tid == 0 ? atomicAdd(itemCount, 2u) : 0u;
  int inFlight = 0;  // stages issued and not yet computed
#pragma unroll
  for (int s = 0; s < kStages - 1; ++s) {
    if (issue(s)) ++inFlight;  // fixed items only
    commitCopies();
  }
  int loadSlot = kStages - 1;
  if (tid == 0) {  // the first two takes from the count, stored before the loop's first barrier
    pending[0] = firstItems * blocks + static_cast<int>(firstAnswer);
    pending[1] = firstItems * blocks + static_cast<int>(firstAnswer) + 1;
  }

  waitForPreviousKernel();  // x is the previous kernel's output; the launch before this one has ended
  if (tid == 0 && block == 0) schedule->items[(launch + 1) & 1] = 0u;  // the next launch's count
  copyPieces<8>(xs, H + 8, static_cast<const bf16*>(a.x), a.xStride, kRowsMax, H, [&](int r, int) { return r < n; });
  LL_MARK(1);

  const int hLd = sliceRowsMax(I, slices) + 8;
  const int kq = warp & 3, half = warp >> 2;  // step 3: k-step and column half
  float acc1[kMTiles][2][4];                  // step 1: the item's gate and up n-tiles
  float acc3[kMTiles][8][4];
#pragma unroll
  for (int m = 0; m < kMTiles; ++m) {
#pragma unroll
    for (int j = 0; j < 2; ++j) acc1[m][j][0] = acc1[m][j][1] = acc1[m][j][2] = acc1[m][j][3] = 0.f;
#pragma unroll
    for (int j = 0; j < 8; ++j) acc3[m][j][0] = acc3[m][j][1] = acc3[m][j][2] = acc3[m][j][3] = 0.f;
  }

  // h's columns of the item whose sums are in red1[buffer] (written before the last barrier).
  int pendingItem = -1, pendingBuffer = 0, nextBuffer = 0;
  auto formH = [&] {
    if (pendingItem < 0) return;
    const int former = kThreads - 1 - tid;  // the last warps: thread 0 asks the count
    if (former < n * 4) {
      const float* sums = red1 + pendingBuffer * kWarps * kRowsMax * 16;
      const int r = former / 4, c = 2 * (former % 4);
      float v[2];
#pragma unroll
      for (int e = 0; e < 2; ++e) {
        float gs = 0.f, us = 0.f;
#pragma unroll
        for (int w = 0; w < kWarps; ++w) {
          gs += sums[(w * kRowsMax + r) * 16 + c + e];
          us += sums[(w * kRowsMax + r) * 16 + 8 + c + e];
        }
        v[e] = siluTimes(rnd(gs), rnd(us));
      }
      *reinterpret_cast<__nv_bfloat162*>(h + static_cast<int64_t>(r) * I + pendingItem * 8 + c) =
          __floats2bfloat162_rn(v[0], v[1]);
    }
    pendingItem = -1;
  };

  int slot = 0;
  bool stepThreeStarted = false;
  while (inFlight > 0) {
    waitCopies<kStages - 2>();  // this thread's copies of the oldest stage have landed ...
    __syncthreads();            // ... and everyone's; the slot computed last is free again
    const int thisItem = slotItem[slot], part = slotPart[slot];
    formH();
    if (issue(loadSlot)) ++inFlight;
    commitCopies();
    --inFlight;
    loadSlot = loadSlot + 1 == kStages ? 0 : loadSlot + 1;
    const bf16* st = ring + slot * kStageElems;
    slot = slot + 1 == kStages ? 0 : slot + 1;

    if (thisItem >= 0) {
      // Step 1. A: x rows (matrices: rows 0-7 | 8-15 x k 0-7 | 8-15); B: gate's 8 rows (b[0], b[1]) and
      // up's (b[2], b[3]).
#pragma unroll
      for (int kk = 0; kk < 4; ++kk) {
        const int k = warp * 4 + kk;  // k-step of the stage
        unsigned af[kMTiles][4], b[4];
#pragma unroll
        for (int m = 0; m < kMTiles; ++m)
          loadMatrices(af[m], sharedAddress(xs + (16 * m + (mat & 1) * 8 + matRow) * (H + 8) + part * kChunk + k * 16 +
                                            (mat >> 1) * 8));
        loadMatrices(b, sharedAddress(st + ((mat >> 1) * 8 + matRow) * kLd1 + k * 16 + (mat & 1) * 8));
#pragma unroll
        for (int m = 0; m < kMTiles; ++m) {
          mma16x8x16(acc1[m][0], af[m], b[0], b[1]);
          mma16x8x16(acc1[m][1], af[m], b[2], b[3]);
        }
      }
      if (part == chunks - 1) {
        // The item's last stage: the warps' sums into red1 (the other half than the previous item's, whose h
        // may still be formed); h is formed from them after the next barrier (formH).
        float* sums = red1 + nextBuffer * kWarps * kRowsMax * 16;
#pragma unroll
        for (int m = 0; m < kMTiles; ++m)
#pragma unroll
          for (int j = 0; j < 2; ++j) {
            float* q0 = sums + (warp * kRowsMax + 16 * m + g) * 16 + 8 * j + 2 * t;
            float* q1 = q0 + 8 * 16;
            q0[0] = acc1[m][j][0];
            q0[1] = acc1[m][j][1];
            q1[0] = acc1[m][j][2];
            q1[1] = acc1[m][j][3];
            acc1[m][j][0] = acc1[m][j][1] = acc1[m][j][2] = acc1[m][j][3] = 0.f;
          }
        pendingItem = thisItem;
        pendingBuffer = nextBuffer;
        nextBuffer ^= 1;
      }
      continue;
    }

    if (!stepThreeStarted) {
      // Step 2: h is whole once every block is here. Its rows of this block's slice then come into x's
      // region (rows past n and columns past the slice zero: they add nothing).
      stepThreeStarted = true;
      LL_MARK(2);
      gridBarrier(&schedule->arrivals);  // (formH above stored the block's last item)
      allowNextKernel();                 // every block is past reading the counts
      LL_MARK(3);
      const int width = r1 - r0;
      copyPieces<8>(xs, hLd, h + r0, I, kRowsMax, hLd - 8, [&](int r, int c) { return r < n && c < width; });
      __syncthreads();
      LL_MARK(4);
    }

    // Step 3. A: h's k-step (part, kq); B: down's 16 rows x this warp's 64 columns, transposed on load.
    unsigned af[kMTiles][4];
#pragma unroll
    for (int m = 0; m < kMTiles; ++m)
      loadMatrices(af[m], sharedAddress(xs + (16 * m + (mat & 1) * 8 + matRow) * hLd + part * kRows3 + kq * 16 + (mat >> 1) * 8));
    const bf16* vb = st + kq * 16 * kLd3 + half * 64;
#pragma unroll
    for (int j = 0; j < 8; j += 2) {
      unsigned b[4];
      loadMatricesTransposed(b, sharedAddress(vb + ((mat & 1) * 8 + matRow) * kLd3 + 8 * j + (mat >> 1) * 8));
#pragma unroll
      for (int m = 0; m < kMTiles; ++m) {
        mma16x8x16(acc3[m][j], af[m], b[0], b[1]);
        mma16x8x16(acc3[m][j + 1], af[m], b[2], b[3]);
      }
    }
  }
  waitCopies<0>();
  LL_MARK(5);
  __syncthreads();  // every warp is done with h's slice: the region takes the k-step warps' sums

  // The block's partial of its column group: the four k-step warps added in order.
  float* red3 = reinterpret_cast<float*>(shared);  // [4][kRowsMax][kGroup]
#pragma unroll
  for (int m = 0; m < kMTiles; ++m)
#pragma unroll
    for (int j = 0; j < 8; ++j) {
      const int col = half * 64 + 8 * j + 2 * t;
      float* q0 = red3 + (kq * kRowsMax + 16 * m + g) * kGroup + col;
      float* q1 = q0 + 8 * kGroup;
      q0[0] = acc3[m][j][0];
      q0[1] = acc3[m][j][1];
      q1[0] = acc3[m][j][2];
      q1[1] = acc3[m][j][3];
    }
  __syncthreads();
  for (int i = tid; i < n * kGroup; i += kThreads) {
    const int r = i / kGroup, c = i % kGroup;
    float v = 0.f;
#pragma unroll
    for (int k = 0; k < 4; ++k) v += red3[(k * kRowsMax + r) * kGroup + c];
    partials[(static_cast<int64_t>(slice) * n + r) * H + group * kGroup + c] = v;
  }

  // Step 4: the group's last block to arrive adds the slices' partials.
  __threadfence();
  __syncthreads();
  if (tid == 0) {
    lastOfGroup = atomicAdd(groupArrivals + group, 1u) == static_cast<unsigned>(slices) - 1;
    if (lastOfGroup) atomicExch(groupArrivals + group, 0u);  // as the next launch must find it
  }
  __syncthreads();
  if (!lastOfGroup) {
    LL_MARK(6);
    return;
  }
  __threadfence();
  for (int i = tid; i < n * (kGroup / 8); i += kThreads) {
    const int r = i / (kGroup / 8), c = group * kGroup + (i % (kGroup / 8)) * 8;
    float v[8] = {0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f};
    for (int sl = 0; sl < slices; ++sl) {
      const float4* q = reinterpret_cast<const float4*>(partials + (static_cast<int64_t>(sl) * n + r) * H + c);
      const float4 lo = __ldcg(q), hi = __ldcg(q + 1);
      v[0] += lo.x;
      v[1] += lo.y;
      v[2] += lo.z;
      v[3] += lo.w;
      v[4] += hi.x;
      v[5] += hi.y;
      v[6] += hi.z;
      v[7] += hi.w;
    }
    store8(static_cast<bf16*>(a.out) + static_cast<int64_t>(r) * H + c, v);
  }
  __syncthreads();
  LL_MARK(6);
}

int multiprocessors(int device) {
  static std::atomic<int> count[16] = {};
  int sms = device >= 0 && device < 16 ? count[device].load() : 0;
  if (sms == 0) {
    if (cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device) != cudaSuccess || sms <= 0) sms = 0;
    if (device >= 0 && device < 16 && sms > 0) count[device] = sms;
  }
  return sms;
}

int optInSharedBytes(int device) {
  int bytes = 0;
  if (cudaDeviceGetAttribute(&bytes, cudaDevAttrMaxSharedMemoryPerBlockOptin, device) != cudaSuccess) return 0;
  return bytes;
}

// Step 3's inner slices per column group: as many as fill the SMs, each at least 16 rows, and no more
// blocks than step 1 has items. 0: the shape is not taken.
int slicesFor(int64_t hidden, int64_t inner, int device) {
  if (hidden < kChunk || hidden % kChunk != 0 || hidden / kGroup > kMaxGroups || inner < 16 || inner % 16 != 0) return 0;
  const int64_t groups = hidden / kGroup;
  const int64_t blocks = std::min<int64_t>({static_cast<int64_t>(multiprocessors(device)), inner / 8, kMaxBlocks});
  return static_cast<int>(std::min<int64_t>(blocks / groups, inner / 16));
}

template <int kMTiles, int kStages>
size_t sharedBytesOf(int64_t hidden, int64_t inner, int slices) {
  return regionBytes(16 * kMTiles, static_cast<int>(hidden), static_cast<int>(inner), slices) +
         static_cast<size_t>(kStages) * kStageElems * sizeof(bf16);
}

// The instance a shape takes: 0 none, 1 (one 16-row tile, 8 stages), 2 (two, 5 stages), 3 (two, 3 stages).
int instanceFor(int64_t rows, int64_t hidden, int64_t inner, int device) {
  const int slices = slicesFor(hidden, inner, device);
  if (rows < 1 || rows > 32 || slices < 1) return 0;
  const size_t limit = static_cast<size_t>(optInSharedBytes(device)) - 128;  // the kernel's own static bytes
  if (rows <= 16 && sharedBytesOf<1, 8>(hidden, inner, slices) <= limit) return 1;
  if (sharedBytesOf<2, 5>(hidden, inner, slices) <= limit) return 2;
  if (sharedBytesOf<2, 3>(hidden, inner, slices) <= limit) return 3;
  return 0;
}

// The calling thread's scheduling words on each device: a Schedule per grid size, then an arrival count per
// column group. Launches from one thread are ordered on its streams, so they can share them; another
// thread's launches may run at the same time and get their own.
struct ScheduleWords {
  Schedule perGrid[kMaxBlocks + 1];
  unsigned groupArrivals[kMaxGroups];
};
thread_local ScheduleWords* threadWords[16] = {};

const char* prepareWords(int device) {
  if (device < 0 || device >= 16) return "gated MLP: device index out of range";
  if (threadWords[device]) return nullptr;
  void* p = nullptr;
  if (const cudaError_t e = cudaMalloc(&p, sizeof(ScheduleWords)); e != cudaSuccess) return cudaGetErrorString(e);
  if (const cudaError_t e = cudaMemset(p, 0, sizeof(ScheduleWords)); e != cudaSuccess) return cudaGetErrorString(e);
  threadWords[device] = static_cast<ScheduleWords*>(p);  // kept for the process: graphs captured with it may live on
  return nullptr;
}

template <int kMTiles, int kStages>
const char* launch(const GatedMlpArgs& a, int device, int slices, ScheduleWords* words, cudaStream_t stream) {
  const int rowsMax = 16 * kMTiles, hidden = static_cast<int>(a.hidden), inner = static_cast<int>(a.inner);
  const size_t ringAt = regionBytes(rowsMax, hidden, inner, slices);
  const size_t bytes = sharedBytesOf<kMTiles, kStages>(a.hidden, a.inner, slices);
  // Over 48 KB of dynamic shared memory needs the kernel's permission, per device, raised when a larger shape
  // comes (never lowered: graphs captured with the earlier shapes still launch; not a stream operation, so
  // allowed while a graph is captured).
  static std::atomic<size_t> allowed[16] = {};
  if (allowed[device].load() < bytes) {
    if (const cudaError_t e = cudaFuncSetAttribute(gatedMlpKernel<kMTiles, kStages>,
                                                   cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(bytes));
        e != cudaSuccess)
      return cudaGetErrorString(e);
    allowed[device] = bytes;
  }
  const int blocks = slices * (hidden / kGroup);
  launchKernel(gatedMlpKernel<kMTiles, kStages>, blocks, kThreads, bytes, stream, a, slices, &words->perGrid[blocks],
               words->groupArrivals, red1Offset(rowsMax, hidden, inner, slices), ringAt);
  const cudaError_t e = cudaGetLastError();
  return e == cudaSuccess ? nullptr : cudaGetErrorString(e);
}

}  // namespace

bool gatedMlpFits(int64_t rows, int64_t hidden, int64_t inner, int device) {
  return instanceFor(rows, hidden, inner, device) != 0;
}

int64_t gatedMlpScratchFloats(int64_t rows, int64_t hidden, int64_t inner, int device) {
  // The slices' partials [slices, rows, hidden] float32, then h [rows, inner] bfloat16.
  return slicesFor(hidden, inner, device) * rows * hidden + (rows * inner + 1) / 2;
}

const char* gatedMlpPrepare(int device) { return prepareWords(device); }

const char* gatedMlp(const GatedMlpArgs& a, void* stream) {
  int device = 0;
  if (const cudaError_t e = cudaGetDevice(&device); e != cudaSuccess) return cudaGetErrorString(e);
  if (device < 0 || device >= 16) return "gated MLP: device index out of range";
  const int instance = instanceFor(a.rows, a.hidden, a.inner, device);
  if (instance == 0)
    return "gated MLP: 1-32 rows, hidden a multiple of 512 up to 4096, inner a multiple of 16, and the GPU's shared "
           "memory for them";
  if (!a.x || !a.gateUp || !a.downT || !a.out || !a.partials || a.xStride < a.hidden)
    return "gated MLP: missing buffers or a row stride shorter than a row";
  const auto st = static_cast<cudaStream_t>(stream);
  if (!threadWords[device]) {
    cudaStreamCaptureStatus capturing = cudaStreamCaptureStatusNone;
    if (const cudaError_t e = cudaStreamIsCapturing(st, &capturing); e != cudaSuccess) return cudaGetErrorString(e);
    if (capturing != cudaStreamCaptureStatusNone)
      return "gated MLP: its grid barrier must be made (gatedMlpPrepare) before a CUDA graph capture";
    if (const char* e = prepareWords(device)) return e;
  }
  const int slices = slicesFor(a.hidden, a.inner, device);
  switch (instance) {
    case 1: return launch<1, 8>(a, device, slices, threadWords[device], st);
    case 2: return launch<2, 5>(a, device, slices, threadWords[device], st);
    default: return launch<2, 3>(a, device, slices, threadWords[device], st);
  }
}

}  // namespace ll::infer::kernels
