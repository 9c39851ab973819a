// Whether a decode step's layer stack as ONE persistent kernel of dependent tasks (docs/decode-megakernel.md)
// beats the chain of kernels the decoders run now, on dots.ocr's Qwen2 1.5B shapes, before any of it is built
// into the decoders. The attention is left out on both sides (its output stands in as the q part of q/k/v):
// this measures the products, norms, silu x up and residuals -- ~46 us of cuBLAS products and ~8 us of small
// kernels a layer in the layout step -- against the weights' bare stream.
//
// The kernel: one block per SM (8 warps), every block taking tasks from one count in a fixed global order
// (layer by layer: q/k/v, o, gate/up, down), each task = 64 output columns x a slice of K, so a slow SM
// simply takes fewer tasks. A task's weights stream through one ring of 16 KB shared-memory stages (cp.async,
// kStages - 1 in flight) that runs across task boundaries: the next tasks' weights are loading while a task
// waits for its inputs (per-layer ready counts, not grid barriers) and multiplies. Every task writes a float32
// partial of its columns; the last of a column tile's slices to arrive (a count) adds them in slice order and
// applies the epilogue (bias, residual, silu x up), so replays give the same bits. Norms are recomputed by
// each consuming block from the whole rows (kept in shared memory while the block stays in that layer).
//
// Prints per row count: correctness against the chain (largest difference, share of identical bfloat16s,
// same bits on a second run) and microseconds per layer of the chain, the kernel and a bare weight stream,
// each a CUDA graph of all layers over their own weights (nothing read from L2).
// No libtorch. tools/gpu/decode_layers_probe.sh builds and runs it.
#include <cublas_v2.h>
#include <cuda_bf16.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/infer/async_copy.cuh"
#include "core/infer/bf16_vectors.cuh"
#include "core/infer/tensor_core_mma.cuh"
#include "tools/gpu/probe_support.cuh"

using namespace ll::infer::kernels;
using bf16 = __nv_bfloat16;

namespace {

// dots.ocr's language model (Qwen2 1.5B).
constexpr int kHidden = 1536, kQkv = 2048, kInner = 8960, kLayers = 28;
constexpr float kEps = 1e-6f;

// ---------------------------------------------------------------------------------------------------------
// The kernel
constexpr int kWarps = 8, kThreads = 32 * kWarps;
constexpr int kTileCols = 64;                         // output columns of a task
constexpr int kStageRows = 128;                       // K rows of a stage: 8 k-steps, one a warp
constexpr int kStageElems = kStageRows * kTileCols;   // 16 KB
constexpr int kStages = 8;
constexpr int kMaxRows = 16;
constexpr int kLdA = kHidden + 8;                     // the A operand's row stride (bf16): distinct banks

// Task kinds per layer, in the global order, and their splits.
// LL_TASK_SCALE 2 (tools/gpu/decode_layers_probe.sh builds both): slices twice as long, half the tasks.
#ifndef LL_NO_WAIT
#define LL_NO_WAIT 0
#endif
#ifndef LL_L2_PREFETCH
#define LL_L2_PREFETCH 0
#endif
#ifndef LL_TASK_SCALE
#define LL_TASK_SCALE 1
#endif
constexpr int kQkvTiles = kQkv / kTileCols, kQkvSlices = 4 / LL_TASK_SCALE;        // 32 x 4, K 384 (3 stages)
constexpr int kOTiles = kHidden / kTileCols, kOSlices = 4 / LL_TASK_SCALE;         // 24 x 4, K 384
constexpr int kGuTiles = kInner / 32, kGuSlices = 2 / LL_TASK_SCALE;               // 280 x 2: 32 gate + 32 up columns, K 768
constexpr int kDownTiles = kHidden / kTileCols, kDownSlices = 14 / LL_TASK_SCALE;  // 24 x 14, K 640 (5 stages)
constexpr int kQkvTasks = kQkvTiles * kQkvSlices, kOTasks = kOTiles * kOSlices, kGuTasks = kGuTiles * kGuSlices,
              kDownTasks = kDownTiles * kDownSlices;
constexpr int kTasksPerLayer = kQkvTasks + kOTasks + kGuTasks + kDownTasks;
constexpr int kDownK = kInner / kDownSlices;  // 640
constexpr int kGuPerDownSlice = kDownK / 32;  // gate/up tiles whose h columns one down slice reads: 20

struct LayerWeights {
  const bf16 *inputNorm, *qkv, *qkvBias, *o, *postNorm, *gateUp, *down;  // products' weights [K, N] (NN)
};

struct Counters {  // per layer, zeroed before each launch
  unsigned xReady, qkvReady, oReady, guReady[kDownSlices];
  unsigned qkvArrive[kQkvTiles], oArrive[kOTiles], guArrive[kGuTiles], downArrive[kDownTiles];
};

struct StepArgs {
  const LayerWeights* layers;
  int layerCount, rows;
  bf16* x;         // [layers + 1][16][H]: x[0] the input, x[l + 1] layer l's output
  bf16* xMid;      // [layers][16][H]: after the attention's residual
  bf16* qkv;       // [16][Nqkv]
  bf16* h;         // [16][I]
  float* partial[4];  // per kind [slices][16][N]: gate/up's finalize may still read while down's tasks write
  Counters* counters;
  unsigned* ticket;
};

// Where a block's time goes (thread 0's view, ns from the global timer): 0 stage waits, 1 input waits, 2 A
// operand, 3 multiply, 4 partial + arrival, 5 last slice's epilogue; 6 tasks, 7 finalizes.
__device__ unsigned long long blockTime[256][8];
__device__ __forceinline__ unsigned long long now() {
  unsigned long long t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  return t;
}

struct Task {
  int layer, kind, tile, slice;  // kind 0 q/k/v, 1 o, 2 gate/up, 3 down
};

__device__ __forceinline__ Task taskOf(int ticket) {
  Task t;
  t.layer = ticket / kTasksPerLayer;
  int r = ticket % kTasksPerLayer;
  if (r < kQkvTasks) { t.kind = 0; t.tile = r % kQkvTiles; t.slice = r / kQkvTiles; return t; }
  r -= kQkvTasks;
  if (r < kOTasks) { t.kind = 1; t.tile = r % kOTiles; t.slice = r / kOTiles; return t; }
  r -= kOTasks;
  if (r < kGuTasks) { t.kind = 2; t.tile = r % kGuTiles; t.slice = r / kGuTiles; return t; }
  r -= kGuTasks;
  t.kind = 3; t.tile = r % kDownTiles; t.slice = r / kDownTiles;
  return t;
}
__device__ __forceinline__ int stagesOf(int kind) {
  return kind == 0 || kind == 1 ? kHidden / kQkvSlices / kStageRows : kind == 2 ? kHidden / kGuSlices / kStageRows
                                                                                 : kDownK / kStageRows;
}

// A value another block wrote during this launch (from the L2: the L1 is not coherent).
__device__ __forceinline__ float freshValue(const bf16* p) {
  return __bfloat162float(__ushort_as_bfloat16(__ldcg(reinterpret_cast<const unsigned short*>(p))));
}

__device__ __forceinline__ unsigned loadAcquire(const unsigned* p) {
  unsigned v;
  asm volatile("ld.acquire.gpu.global.u32 %0, [%1];" : "=r"(v) : "l"(p) : "memory");
  return v;
}
__device__ __forceinline__ void awaitCount(const unsigned* p, unsigned target) {  // thread 0
#if LL_NO_WAIT  // measurement only: the tasks' time without their dependencies (the results are then wrong)
  return;
#endif
  if (loadAcquire(p) >= target) return;
  while (loadAcquire(p) < target) __nanosleep(40);
}

// Rows [0, rows) of an RMS-normalised [rows, H] into the A region: rnd(w * rnd(x / rms)), as the chain's kernel.
__device__ void normalisedRows(const bf16* x, const bf16* w, int rows, bf16* a) {
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  for (int r = warp; r < rows; r += kWarps) {
    float v[kHidden / 256][8];
    float ss = 0.f;
#pragma unroll
    for (int i = 0; i < kHidden / 256; ++i) {
      const uint4 raw = __ldcg(reinterpret_cast<const uint4*>(x + r * kHidden + (i * 32 + lane) * 8));
      unpack8(raw, v[i]);
#pragma unroll
      for (int e = 0; e < 8; ++e) ss += v[i][e] * v[i][e];
    }
#pragma unroll
    for (int m = 16; m > 0; m >>= 1) ss += __shfl_xor_sync(0xffffffffu, ss, m);
    const float inv = rsqrtf(ss / kHidden + kEps);
#pragma unroll
    for (int i = 0; i < kHidden / 256; ++i) {
      const int c = (i * 32 + lane) * 8;
      float g[8];
      load8(w + c, g);
#pragma unroll
      for (int e = 0; e < 8; ++e) v[i][e] = rnd(g[e] * rnd(v[i][e] * inv));
      *reinterpret_cast<uint4*>(a + r * kLdA + c) = pack8(v[i]);
    }
  }
}
// Columns [c0, c0 + width) of rows [0, rows) of a [rows, ld] matrix into the A region's columns from 0.
__device__ void copyRows(const bf16* from, int ld, int c0, int width, int rows, bf16* a) {
  const int per = width / 8;
  for (int i = threadIdx.x; i < rows * per; i += kThreads) {
    const int r = i / per, c = (i % per) * 8;
    *reinterpret_cast<uint4*>(a + r * kLdA + c) = __ldcg(reinterpret_cast<const uint4*>(from + r * ld + c0 + c));
  }
}

__global__ void __launch_bounds__(kThreads, 1) decodeLayersKernel(StepArgs a) {
  extern __shared__ __align__(16) unsigned char shared[];
  bf16* ring = reinterpret_cast<bf16*>(shared);                               // [kStages][128][64], swizzled
  bf16* aRegion = ring + kStages * kStageElems;                               // [16][kLdA]
  float* red = reinterpret_cast<float*>(aRegion + kMaxRows * kLdA);           // [8 warps][16][64]
  __shared__ int slotTicket[kStages], slotStage[kStages], pendingTicket[4];
  __shared__ int aHeld;  // which normalised rows the A region holds: 2 * layer + (0 input | 1 post), -1 none
  __shared__ bool lastArrival;

  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int mat = lane >> 3, matRow = lane & 7;
  const int total = a.layerCount * kTasksPerLayer, rows = a.rows;

  // The issuing side (the same state in every thread).
  int issueTicket = -1, issueStage = 0, issueStages = 0, taken = 0;
  bool exhausted = false;
  unsigned answer = 0;
  int answerInto = -1;
  if (tid == 0) {
    const int base = static_cast<int>(atomicAdd(a.ticket, 4u));
    for (int i = 0; i < 4; ++i) pendingTicket[i] = base + i;
    aHeld = -1;
  }
  __syncthreads();

  // copy thread mapping: 1024 16-byte pieces a stage, 4 a thread: row = i / 8, chunk = i % 8
  auto issue = [&](int slot) -> bool {
    if (exhausted) return false;
    if (issueTicket < 0 || issueStage == issueStages) {
      const int q = taken++;
      issueTicket = pendingTicket[q & 3];
      if (tid == 0 && q >= 2) {
        if (answerInto >= 0) pendingTicket[answerInto] = static_cast<int>(answer);
        answer = atomicAdd(a.ticket, 1u);  // task q + 2's, stored at task q + 1's start
        answerInto = (q + 2) & 3;
      }
      if (issueTicket >= total) {
        exhausted = true;
        return false;
      }
      issueStage = 0;
      issueStages = stagesOf(taskOf(issueTicket).kind);
    }
    const Task t = taskOf(issueTicket);
    const LayerWeights& w = a.layers[t.layer];
    const bf16* base;
    int ld, k0;
    if (t.kind == 0) { base = w.qkv + t.tile * kTileCols; ld = kQkv; k0 = t.slice * (kHidden / kQkvSlices); }
    else if (t.kind == 1) { base = w.o + t.tile * kTileCols; ld = kHidden; k0 = t.slice * (kHidden / kOSlices); }
    else if (t.kind == 2) { base = w.gateUp + t.tile * 32; ld = 2 * kInner; k0 = t.slice * (kHidden / kGuSlices); }
    else { base = w.down + t.tile * kTileCols; ld = kHidden; k0 = t.slice * kDownK; }
    k0 += issueStage * kStageRows;
    bf16* st = ring + slot * kStageElems;
#pragma unroll
    for (int i = 0; i < kStageElems / 8 / kThreads; ++i) {
      const int piece = tid + i * kThreads, row = piece >> 3, chunk = piece & 7;
      // gate/up: chunks 0-3 the tile's 32 gate columns, 4-7 its 32 up columns
      const int col = t.kind == 2 ? (chunk < 4 ? chunk * 8 : kInner + (chunk - 4) * 8) : chunk * 8;
      copy16Async(sharedAddress(st + row * kTileCols + ((chunk ^ (row & 7)) * 8)),
                  base + static_cast<int64_t>(k0 + row) * ld + col, true);
    }
    if (tid == 0) {
      slotTicket[slot] = issueTicket;
      slotStage[slot] = issueStage;
    }
    ++issueStage;
    return true;
  };

  int inFlight = 0;
#pragma unroll 1
  for (int s = 0; s < kStages - 1; ++s) {
    if (issue(s)) ++inFlight;
    commitCopies();
  }
  int loadSlot = kStages - 1, slot = 0;
  float acc[8][4];
  unsigned long long spent[8] = {}, mark = now();
  auto lap = [&](int what) {
    if (tid == 0) {
      const unsigned long long t = now();
      spent[what] += t - mark;
      mark = t;
    }
  };
  int aColumn0 = 0;  // the task's first K column within the A region

  while (inFlight > 0) {
    lap(3);
    waitCopies<kStages - 2>();
    __syncthreads();
    const int ticket = slotTicket[slot], stage = slotStage[slot];
    if (issue(loadSlot)) ++inFlight;
    commitCopies();
    lap(0);
    --inFlight;
    loadSlot = loadSlot + 1 == kStages ? 0 : loadSlot + 1;
    const bf16* st = ring + slot * kStageElems;
    slot = slot + 1 == kStages ? 0 : slot + 1;
    const Task t = taskOf(ticket);
    Counters* c = a.counters + t.layer;

    if (stage == 0) {
#if LL_L2_PREFETCH
      // Before waiting: the L2 gets a share of the weights the next phases read, so that the latency-bound
      // phases (q/k/v, o) leave the memory busy and the next layer's small products read from the L2.
      {
        const LayerWeights& w = a.layers[t.layer];
        const char* from = nullptr;
        size_t bytes = 0;
        int share = 0, shares = 1;
        if (t.kind == 0 || t.kind == 1) {  // gate/up's first slice: its rows [0, K / kGuSlices), half each
          const size_t half = size_t(kHidden / kGuSlices / 2) * 2 * kInner * sizeof(bf16);
          from = reinterpret_cast<const char*>(w.gateUp) + (t.kind == 1 ? half : 0);
          bytes = half;
          share = t.kind == 0 ? t.slice * kQkvTiles + t.tile : t.slice * kOTiles + t.tile;
          shares = t.kind == 0 ? kQkvTasks : kOTasks;
        } else if (t.kind == 3 && t.layer + 1 < a.layerCount) {  // the next layer's q/k/v and o
          const LayerWeights& nx = a.layers[t.layer + 1];
          const size_t qkvBytes = size_t(kHidden) * kQkv * sizeof(bf16), oBytes = size_t(kHidden) * kHidden * sizeof(bf16);
          share = t.slice * kDownTiles + t.tile;
          shares = kDownTasks;
          const size_t per = (qkvBytes + oBytes + shares - 1) / shares;
          for (size_t off = share * per + tid * 128; off < (share + 1) * per && off < qkvBytes + oBytes; off += kThreads * 128) {
            const char* p = off < qkvBytes ? reinterpret_cast<const char*>(nx.qkv) + off
                                           : reinterpret_cast<const char*>(nx.o) + (off - qkvBytes);
            asm volatile("prefetch.global.L2 [%0];" ::"l"(p));
          }
        }
        if (from) {
          const size_t per = (bytes + shares - 1) / shares;
          for (size_t off = share * per + tid * 128; off < (share + 1) * per && off < bytes; off += kThreads * 128)
            asm volatile("prefetch.global.L2 [%0];" ::"l"(from + off));
        }
      }
#endif
      // Wait for the task's inputs, then put its A operand in place.
      if (tid == 0) {
        if (t.kind == 0 && t.layer > 0) awaitCount(&c->xReady, kDownTiles);
        if (t.kind == 1) awaitCount(&c->qkvReady, kQkvTiles);
        if (t.kind == 2) awaitCount(&c->oReady, kOTiles);
        if (t.kind == 3) awaitCount(&c->guReady[t.slice], kGuPerDownSlice);
        __threadfence();
      }
      __syncthreads();
      lap(1);
      if (tid == 0) ++spent[6];
      if (t.kind == 0 || t.kind == 2) {
        const int held = 2 * t.layer + (t.kind == 2);
        if (aHeld != held) {
          const LayerWeights& w = a.layers[t.layer];
          if (t.kind == 0) normalisedRows(a.x + t.layer * kMaxRows * kHidden, w.inputNorm, rows, aRegion);
          else normalisedRows(a.xMid + t.layer * kMaxRows * kHidden, w.postNorm, rows, aRegion);
          __syncthreads();
          if (tid == 0) aHeld = held;
        }
        aColumn0 = t.slice * (t.kind == 0 ? kHidden / kQkvSlices : kHidden / kGuSlices);
      } else {
        // o: the attention's output stands in as q (columns of the slice); down: h's columns of the slice
        if (t.kind == 1) copyRows(a.qkv, kQkv, t.slice * (kHidden / kOSlices), kHidden / kOSlices, rows, aRegion);
        else copyRows(a.h, kInner, t.slice * kDownK, kDownK, rows, aRegion);
        if (tid == 0) aHeld = -1;
        aColumn0 = 0;
      }
      __syncthreads();
#pragma unroll
      for (int n = 0; n < 8; ++n) acc[n][0] = acc[n][1] = acc[n][2] = acc[n][3] = 0.f;
      lap(2);
    }

    // [16 rows, 64 columns] += A [16, 16] (k-step `warp` of the stage) x W [16, 64]
    {
      unsigned af[4];
      loadMatrices(af, sharedAddress(aRegion + ((mat & 1) * 8 + matRow) * kLdA + aColumn0 + stage * kStageRows +
                                     warp * 16 + (mat >> 1) * 8));
      const int row = warp * 16 + (mat & 1) * 8 + matRow;
#pragma unroll
      for (int n = 0; n < 8; n += 2) {
        const int chunk = n + (mat >> 1);
        unsigned b[4];
        loadMatricesTransposed(b, sharedAddress(st + row * kTileCols + ((chunk ^ (row & 7)) * 8)));
        mma16x8x16(acc[n], af, b[0], b[1]);
        mma16x8x16(acc[n + 1], af, b[2], b[3]);
      }
    }

    if (stage != stagesOf(t.kind) - 1) continue;
    lap(3);

    // The task's partial: the warps' sums in warp order.
    {
      const int g = lane >> 2, q = lane & 3;
#pragma unroll
      for (int n = 0; n < 8; ++n) {
        float* r0 = red + (warp * kMaxRows + g) * kTileCols + n * 8 + 2 * q;
        float* r1 = r0 + 8 * kTileCols;
        r0[0] = acc[n][0];
        r0[1] = acc[n][1];
        r1[0] = acc[n][2];
        r1[1] = acc[n][3];
      }
    }
    __syncthreads();
    const int N = t.kind == 0 ? kQkv : t.kind == 2 ? 2 * kInner : kHidden;
    const int slices = t.kind == 0 ? kQkvSlices : t.kind == 1 ? kOSlices : t.kind == 2 ? kGuSlices : kDownSlices;
    for (int i = tid; i < rows * kTileCols; i += kThreads) {
      const int r = i / kTileCols, col = i % kTileCols;
      float v = 0.f;
#pragma unroll
      for (int w = 0; w < kWarps; ++w) v += red[(w * kMaxRows + r) * kTileCols + col];
      a.partial[t.kind][(static_cast<int64_t>(t.slice) * kMaxRows + r) * N + t.tile * kTileCols + col] = v;
    }
    __threadfence();
    __syncthreads();
    if (tid == 0) {
      unsigned* arrive = t.kind == 0 ? &c->qkvArrive[t.tile] : t.kind == 1 ? &c->oArrive[t.tile]
                         : t.kind == 2 ? &c->guArrive[t.tile] : &c->downArrive[t.tile];
      lastArrival = atomicAdd(arrive, 1u) == static_cast<unsigned>(slices - 1);
    }
    __syncthreads();
    lap(4);
    if (!lastArrival) continue;
    if (tid == 0) ++spent[7];
    __threadfence();

    // The column tile's last slice: add the slices in order, then the epilogue.
    const LayerWeights& w = a.layers[t.layer];
    const float* part = a.partial[t.kind] + t.tile * kTileCols;
    if (t.kind == 2) {  // the tile's columns are 32 of gate, then the same 32 of up
      for (int i = tid; i < rows * 32; i += kThreads) {
        const int r = i / 32, col = i % 32;
        float gs = 0.f, us = 0.f;
        for (int sl = 0; sl < slices; ++sl) {
          const float* p = part + (static_cast<int64_t>(sl) * kMaxRows + r) * N;
          gs += __ldcg(p + col);
          us += __ldcg(p + 32 + col);
        }
        const float g = rnd(gs), u = rnd(us);
        a.h[r * kInner + t.tile * 32 + col] = __float2bfloat16_rn(rnd(g / (1.f + expf(-g))) * u);
      }
    } else {
      for (int i = tid; i < rows * kTileCols; i += kThreads) {
        const int r = i / kTileCols, col = i % kTileCols, gc = t.tile * kTileCols + col;
        float v = 0.f;
        for (int sl = 0; sl < slices; ++sl) v += __ldcg(part + (static_cast<int64_t>(sl) * kMaxRows + r) * N + col);
        if (t.kind == 0) {
          a.qkv[r * kQkv + gc] = __float2bfloat16_rn(rnd(v) + __bfloat162float(w.qkvBias[gc]));
        } else if (t.kind == 1) {
          const float x = freshValue(a.x + (t.layer * kMaxRows + r) * kHidden + gc);
          a.xMid[(t.layer * kMaxRows + r) * kHidden + gc] = __float2bfloat16_rn(rnd(v) + x);
        } else {
          const float x = freshValue(a.xMid + (t.layer * kMaxRows + r) * kHidden + gc);
          a.x[((t.layer + 1) * kMaxRows + r) * kHidden + gc] = __float2bfloat16_rn(rnd(v) + x);
        }
      }
    }
    __syncthreads();
    if (tid == 0) {  // a release without waiting for the count's answer
      unsigned* ready = t.kind == 0 ? &c->qkvReady : t.kind == 1 ? &c->oReady : t.kind == 2 ? &c->guReady[t.tile * 32 / kDownK]
                        : t.layer + 1 < a.layerCount ? &a.counters[t.layer + 1].xReady : nullptr;
      if (ready) asm volatile("red.release.gpu.global.add.u32 [%0], 1;" ::"l"(ready) : "memory");
    }
    lap(5);
  }
  waitCopies<0>();
  lap(3);
  if (tid == 0)
    for (int i = 0; i < 8; ++i) blockTime[blockIdx.x][i] = spent[i];
}

constexpr size_t kSharedBytes = static_cast<size_t>(kStages) * kStageElems * sizeof(bf16) +
                                static_cast<size_t>(kMaxRows) * kLdA * sizeof(bf16) +
                                static_cast<size_t>(kWarps) * kMaxRows * kTileCols * sizeof(float);

// ---------------------------------------------------------------------------------------------------------
// The chain (what the decoders run, without the attention): the same roundings.
__global__ void normKernel(const bf16* x, const bf16* w, int rows, bf16* out) {
  const int r = blockIdx.x, lane = threadIdx.x;
  if (r >= rows) return;
  float v[kHidden / 256][8], ss = 0.f;
  for (int i = 0; i < kHidden / 256; ++i) {
    load8(x + r * kHidden + (i * 32 + lane) * 8, v[i]);
    for (int e = 0; e < 8; ++e) ss += v[i][e] * v[i][e];
  }
  for (int m = 16; m > 0; m >>= 1) ss += __shfl_xor_sync(0xffffffffu, ss, m);
  const float inv = rsqrtf(ss / kHidden + kEps);
  for (int i = 0; i < kHidden / 256; ++i) {
    float g[8];
    load8(w + (i * 32 + lane) * 8, g);
    for (int e = 0; e < 8; ++e) v[i][e] = rnd(g[e] * rnd(v[i][e] * inv));
    store8(out + r * kHidden + (i * 32 + lane) * 8, v[i]);
  }
}
// y = rnd(y) + b per column (y already rounded by the product)
__global__ void biasKernel(bf16* y, const bf16* b, int rows, int n) {
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < rows * n; i += gridDim.x * blockDim.x)
    y[i] = __float2bfloat16_rn(__bfloat162float(y[i]) + __bfloat162float(b[i % n]));
}
// out = y + x, then the next norm of out (one block a row)
__global__ void addNormKernel(const bf16* y, const bf16* x, const bf16* w, int rows, bf16* out, bf16* normed) {
  const int r = blockIdx.x, lane = threadIdx.x;
  if (r >= rows) return;
  float v[kHidden / 256][8], ss = 0.f;
  for (int i = 0; i < kHidden / 256; ++i) {
    float a8[8], b8[8];
    load8(y + r * kHidden + (i * 32 + lane) * 8, a8);
    load8(x + r * kHidden + (i * 32 + lane) * 8, b8);
    for (int e = 0; e < 8; ++e) v[i][e] = rnd(a8[e] + b8[e]), ss += v[i][e] * v[i][e];
    store8(out + r * kHidden + (i * 32 + lane) * 8, v[i]);
  }
  for (int m = 16; m > 0; m >>= 1) ss += __shfl_xor_sync(0xffffffffu, ss, m);
  const float inv = rsqrtf(ss / kHidden + kEps);
  if (!w) return;
  for (int i = 0; i < kHidden / 256; ++i) {
    float g[8];
    load8(w + (i * 32 + lane) * 8, g);
    for (int e = 0; e < 8; ++e) v[i][e] = rnd(g[e] * rnd(v[i][e] * inv));
    store8(normed + r * kHidden + (i * 32 + lane) * 8, v[i]);
  }
}
__global__ void siluKernel(const bf16* gu, int rows, bf16* h) {
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < rows * kInner; i += gridDim.x * blockDim.x) {
    const int r = i / kInner, c = i % kInner;
    const float g = __bfloat162float(gu[r * 2 * kInner + c]), u = __bfloat162float(gu[r * 2 * kInner + kInner + c]);
    h[i] = __float2bfloat16_rn(rnd(g / (1.f + expf(-g))) * u);
  }
}
// Reads n bytes and nothing else (the floor).
__global__ void streamKernel(const uint4* p, size_t n16, unsigned* sink) {
  uint4 acc = make_uint4(0, 0, 0, 0);
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n16; i += size_t(gridDim.x) * blockDim.x) {
    const uint4 v = __ldcs(p + i);
    acc.x ^= v.x;
    acc.y ^= v.y;
  }
  if ((acc.x ^ acc.y) == 0x12345678u) *sink = 1;
}

__global__ void fillKernel(bf16* p, size_t n, uint32_t seed, float scale, float offset) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) {
    uint32_t h = static_cast<uint32_t>(i) * 2654435761u ^ seed;
    h ^= h >> 15;
    h *= 2246822519u;
    h ^= h >> 13;
    p[i] = __float2bfloat16(offset + (static_cast<float>(h & 0xffff) / 32768.f - 1.f) * scale);
  }
}
template <class T>
T* alloc(size_t n) {
  T* p = nullptr;
  CHECK(cudaMalloc(&p, n * sizeof(T)));
  return p;
}
bf16* filled(size_t n, uint32_t seed, float scale, float offset = 0.f) {
  bf16* p = alloc<bf16>(n);
  fillKernel<<<1024, 256>>>(p, n, seed, scale, offset);
  CHECK(cudaGetLastError());
  return p;
}

std::vector<uint16_t> download(const bf16* p, size_t n) {
  std::vector<uint16_t> v(n);
  CHECK(cudaMemcpy(v.data(), p, n * 2, cudaMemcpyDeviceToHost));
  return v;
}
float toFloat(uint16_t b) {
  uint32_t u = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

}  // namespace

int main() {
  int device = 0, sms = 0;
  CHECK(cudaGetDevice(&device));
  CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
  cudaDeviceProp prop;
  CHECK(cudaGetDeviceProperties(&prop, device));
  std::printf("device: %s, %d SMs; kernel shared memory %zu bytes, %d tasks a layer (slices: q/k/v %d, o %d, gate/up %d, down %d), L2 prefetch %s\n",
              prop.name, sms, kSharedBytes, kTasksPerLayer, kQkvSlices, kOSlices, kGuSlices, kDownSlices,
              LL_L2_PREFETCH ? "on" : "off");
  if (LL_NO_WAIT) std::printf("NO WAITS for inputs: times only, the results are wrong\n");

  // Weights as the decoders keep them: [K, N] for NN products; scales as a trained model's (outputs ~1).
  // The products' weights of all layers in one allocation, so that one kernel can stream them all.
  const size_t qkvN = size_t(kHidden) * kQkv, oN = size_t(kHidden) * kHidden, guN = size_t(kHidden) * 2 * kInner,
               downN = size_t(kInner) * kHidden, layerN = qkvN + oN + guN + downN;
  bf16* all = alloc<bf16>(layerN * kLayers);
  std::vector<LayerWeights> host(kLayers);
  for (int l = 0; l < kLayers; ++l) {
    const uint32_t s = 1000u * (l + 1);
    LayerWeights& w = host[l];
    bf16* p = all + layerN * l;
    auto fillAt = [&](bf16* at, size_t n, uint32_t seed, float scale) {
      fillKernel<<<1024, 256>>>(at, n, seed, scale, 0.f);
      CHECK(cudaGetLastError());
      return at;
    };
    w.qkv = fillAt(p, qkvN, s + 2, 0.04f);
    w.o = fillAt(p + qkvN, oN, s + 4, 0.04f);
    w.gateUp = fillAt(p + qkvN + oN, guN, s + 6, 0.04f);
    w.down = fillAt(p + qkvN + oN + guN, downN, s + 7, 0.02f);
    w.inputNorm = filled(kHidden, s + 1, 0.2f, 1.f);
    w.qkvBias = filled(kQkv, s + 3, 0.1f);
    w.postNorm = filled(kHidden, s + 5, 0.2f, 1.f);
  }
  LayerWeights* layers = alloc<LayerWeights>(kLayers);
  CHECK(cudaMemcpy(layers, host.data(), sizeof(LayerWeights) * kLayers, cudaMemcpyHostToDevice));
  const double bytesPerLayer = 2.0 * (double(kHidden) * (kQkv + kHidden + 2 * kInner) + double(kInner) * kHidden);

  bf16* xs = alloc<bf16>(size_t(kLayers + 1) * kMaxRows * kHidden);
  bf16* xMid = alloc<bf16>(size_t(kLayers) * kMaxRows * kHidden);
  bf16* qkv = alloc<bf16>(size_t(kMaxRows) * kQkv);
  bf16* h = alloc<bf16>(size_t(kMaxRows) * kInner);
  float* partialQkv = alloc<float>(size_t(kQkvSlices) * kMaxRows * kQkv);
  float* partialO = alloc<float>(size_t(kOSlices) * kMaxRows * kHidden);
  float* partialGu = alloc<float>(size_t(kGuSlices) * kMaxRows * 2 * kInner);
  float* partialDown = alloc<float>(size_t(kDownSlices) * kMaxRows * kHidden);
  Counters* counters = alloc<Counters>(kLayers);
  unsigned* ticket = alloc<unsigned>(1);
  unsigned* sink = alloc<unsigned>(1);
  // the chain's buffers
  bf16* cx = alloc<bf16>(size_t(kLayers + 1) * kMaxRows * kHidden);
  bf16* cmid = alloc<bf16>(size_t(kMaxRows) * kHidden);
  bf16* cnorm = alloc<bf16>(size_t(kMaxRows) * kHidden);
  bf16* cqkv = alloc<bf16>(size_t(kMaxRows) * kQkv);
  bf16* co = alloc<bf16>(size_t(kMaxRows) * kHidden);
  bf16* cgu = alloc<bf16>(size_t(kMaxRows) * 2 * kInner);
  bf16* ch = alloc<bf16>(size_t(kMaxRows) * kInner);
  bf16* cdown = alloc<bf16>(size_t(kMaxRows) * kHidden);

  CHECK(cudaFuncSetAttribute(decodeLayersKernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(kSharedBytes)));
  cudaStream_t stream;
  CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  cublasHandle_t blas;
  CHECK_BLAS(cublasCreate(&blas));
  CHECK_BLAS(cublasSetStream(blas, stream));
  void* workspace = alloc<char>(32u << 20);
  CHECK_BLAS(cublasSetWorkspace(blas, workspace, 32u << 20));
  const float one = 1.f, zero = 0.f;

  for (int rows : {8, 1, 16}) {
    fillKernel<<<64, 256>>>(xs, size_t(kMaxRows) * kHidden, 77u + rows, 1.f, 0.f);
    CHECK(cudaMemcpyAsync(cx, xs, size_t(kMaxRows) * kHidden * 2, cudaMemcpyDeviceToDevice, stream));
    CHECK(cudaDeviceSynchronize());

    auto gemm = [&](const bf16* A, int lda, const bf16* W, int K, int N, bf16* Y) {
      // Y [rows, N] = A [rows, K] W [K, N], row-major: column-major Y^T = W^T A^T
      CHECK_BLAS(cublasGemmEx(blas, CUBLAS_OP_N, CUBLAS_OP_N, N, rows, K, &one, W, CUDA_R_16BF, N, A, CUDA_R_16BF, lda,
                              &zero, Y, CUDA_R_16BF, N, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
    };
    auto chain = [&] {
      normKernel<<<rows, 32, 0, stream>>>(cx, host[0].inputNorm, rows, cnorm);
      for (int l = 0; l < kLayers; ++l) {
        const LayerWeights& w = host[l];
        bf16* x = cx + size_t(l) * kMaxRows * kHidden;
        gemm(cnorm, kHidden, w.qkv, kHidden, kQkv, cqkv);
        biasKernel<<<16, 256, 0, stream>>>(cqkv, w.qkvBias, rows, kQkv);
        gemm(cqkv, kQkv, w.o, kHidden, kHidden, co);  // the attention's stand-in: q
        addNormKernel<<<rows, 32, 0, stream>>>(co, x, w.postNorm, rows, cmid, cnorm);
        gemm(cnorm, kHidden, w.gateUp, kHidden, 2 * kInner, cgu);
        siluKernel<<<64, 256, 0, stream>>>(cgu, rows, ch);
        gemm(ch, kInner, w.down, kInner, kHidden, cdown);
        addNormKernel<<<rows, 32, 0, stream>>>(cdown, cmid, l + 1 < kLayers ? host[l + 1].inputNorm : nullptr, rows,
                                              x + size_t(kMaxRows) * kHidden, cnorm);
      }
    };
    StepArgs args{layers, kLayers, rows, xs, xMid, qkv, h, {partialQkv, partialO, partialGu, partialDown}, counters, ticket};
    auto fused = [&] {
      CHECK(cudaMemsetAsync(counters, 0, sizeof(Counters) * kLayers, stream));
      CHECK(cudaMemsetAsync(ticket, 0, sizeof(unsigned), stream));
      decodeLayersKernel<<<sms, kThreads, kSharedBytes, stream>>>(args);
    };
    auto stream1 = [&] {  // every layer's weights in one kernel
      streamKernel<<<sms * 4, 512, 0, stream>>>(reinterpret_cast<const uint4*>(all), layerN * kLayers / 8, sink);
    };

    // correctness
    chain();
    fused();
    CHECK(cudaStreamSynchronize(stream));
    CHECK(cudaGetLastError());
    const size_t n = size_t(rows) * kHidden;
    auto compare = [&](int layer, const char* what) {
      const auto f = download(xs + size_t(layer) * kMaxRows * kHidden, n);
      const auto c = download(cx + size_t(layer) * kMaxRows * kHidden, n);
      double largest = 0, scale = 0;
      size_t same = 0;
      for (size_t i = 0; i < n; ++i) {
        largest = std::max<double>(largest, std::fabs(toFloat(f[i]) - toFloat(c[i])));
        scale = std::max<double>(scale, std::fabs(toFloat(c[i])));
        same += f[i] == c[i];
      }
      std::printf("  rows %2d %s (x after layer %d): largest difference %.4g (largest value %.4g), %.1f %% identical\n",
                  rows, what, layer, largest, scale, 100.0 * same / n);
    };
    compare(1, "kernel vs chain");
    compare(kLayers, "kernel vs chain");
    const auto first = download(xs + size_t(kLayers) * kMaxRows * kHidden, n);
    fused();
    CHECK(cudaStreamSynchronize(stream));
    const auto second = download(xs + size_t(kLayers) * kMaxRows * kHidden, n);
    std::printf("  rows %2d kernel run twice: %s\n", rows, first == second ? "the same bits" : "DIFFERENT bits");

    auto timeGraph = [&](auto&& body) {
      cudaGraph_t graph;
      CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
      body();
      CHECK(cudaStreamEndCapture(stream, &graph));
      cudaGraphExec_t exec;
      CHECK(cudaGraphInstantiate(&exec, graph, 0));
      const float us = replayMicroseconds(exec, stream, 50);
      CHECK(cudaGraphExecDestroy(exec));
      CHECK(cudaGraphDestroy(graph));
      return us / kLayers;
    };
    {
      fused();
      CHECK(cudaStreamSynchronize(stream));
      unsigned long long times[256][8];
      CHECK(cudaMemcpyFromSymbol(times, blockTime, sizeof(times)));
      const char* names[8] = {"stage waits", "input waits", "A operand", "multiply", "partial+arrival", "epilogue", "tasks", "finalizes"};
      std::printf("  rows %2d a block's time (us a layer; mean / min / max over blocks):", rows);
      for (int i = 0; i < 8; ++i) {
        double sum = 0, lo = 1e30, hi = 0;
        for (int b = 0; b < sms; ++b) {
          const double v = i < 6 ? times[b][i] / 1000.0 / kLayers : times[b][i] / double(kLayers);
          sum += v, lo = std::min(lo, v), hi = std::max(hi, v);
        }
        std::printf(" %s %.2f / %.2f / %.2f;", names[i], sum / sms, lo, hi);
      }
      std::printf("\n");
    }
    for (int round = 0; round < 2; ++round) {
      const float c = timeGraph(chain), f = timeGraph(fused), s = timeGraph(stream1);
      std::printf("  rows %2d round %d: chain %.1f us a layer (%.2f TB/s), one kernel %.1f (%.2f TB/s), bare stream %.1f (%.2f TB/s)\n",
                  rows, round, c, bytesPerLayer / c / 1e6, f, bytesPerLayer / f / 1e6, s, bytesPerLayer / s / 1e6);
    }
  }
  return 0;
}
