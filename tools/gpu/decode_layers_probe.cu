// Whether a decode step's layer stack as ONE persistent kernel of dependent tasks (docs/decode-megakernel.md)
// beats the chain of kernels the decoders run now, on dots.ocr's Qwen2 1.5B shapes, before any of it is built
// into the decoders. The attention is left out on both sides (its output stands in as the q part of q/k/v):
// this measures the products, norms, silu x up and residuals -- ~46 us of cuBLAS products and ~8 us of small
// kernels a layer in the layout step -- against the weights' bare stream.
//
// The kernel (second design; the first, in git history at 22a5e62, issued a stage only as one was consumed, so
// every wait of the block stopped the stream: 91 us a layer at 8 rows): one block per SM, every block taking
// tasks from one count in a fixed global order (layer by layer: q/k/v, o, gate/up, down), each task = 64
// output columns x a slice of K (q/k/v and o: 16 columns x the whole of K), so a slow SM simply takes fewer
// tasks. The block's warps have roles that hand work on through shared-memory mbarriers:
//  - the weight producer streams each task's weight tile through a ring of 16 KB stages (cp.async; with
//    LL_BULK_WEIGHTS one bulk copy a stage from weights laid out stage by stage), never waiting for anything
//    but a free stage, so the weights keep coming while the others wait;
//  - two input producers (alternate tasks) wait for a task's inputs (per-layer ready counts in global memory,
//    no grid barriers) and copy them: the whole rows for q/k/v, o and gate/up, down's slice of h (with
//    LL_INPUT_REUSE a buffer that holds a layer's normalised rows serves the block's later tasks of the same
//    product: no copy, no norm);
//  - eight consumers normalise (q/k/v, gate/up: each row's rms from the whole row in the chain's order, then
//    the task's columns), multiply (mma.sync) and hand the partial on;
//  - four finishers: q/k/v and o are narrow tiles over the whole of K (16 columns, 4 K groups added in order
//    in shared memory), so their epilogue (bias; residual) follows at once; gate/up and down are slices of K:
//    the finishers store the partial, count the column tile's slices, and the last adds them in slice order
//    (replays give the same bits) and applies the epilogue (silu x up; residual). Then they release the count
//    the next tasks wait for.
//
// Prints per row count: correctness against the chain (largest difference, share of identical bfloat16s,
// same bits on a second run); where a block's consumers spend their time and one layer's phases (each
// task's times: inputs ready, multiply, counted, last slice done); microseconds per layer of the chain, the
// kernel and a bare weight stream, each a CUDA graph of all layers over their own weights (nothing read from
// L2).
// No libtorch. tools/gpu/decode_layers_probe.sh builds and runs it.
#include <cublas_v2.h>
#include <cuda_bf16.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
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

// The variants tools/gpu/decode_layers_probe.sh builds (each measured in docs/benchmarks.md, seventeenth and
// eighteenth sessions):
#ifndef LL_TASK_SCALE        // 2: down slices twice as long (half as many down tasks)
#define LL_TASK_SCALE 1
#endif
#ifndef LL_NO_WAIT           // 1: the input producers do not wait for the inputs (times only; wrong results)
#define LL_NO_WAIT 0
#endif
#ifndef LL_PREFETCH_GU_ROWS  // > 0: that many rows of gate/up's weights prefetched into the L2 in the small phases
#define LL_PREFETCH_GU_ROWS 0
#endif
#ifndef LL_INPUT_BUFFERS     // input buffers: a task's input is copied while the consumers work on those before
#define LL_INPUT_BUFFERS 2
#endif
#ifndef LL_TICKET_LOOKAHEAD  // tasks taken from the count ahead of the one whose weights stream
#define LL_TICKET_LOOKAHEAD 0
#endif
#ifndef LL_WEIGHT_WARPS      // weight producer warps, each issuing its share of every stage
#define LL_WEIGHT_WARPS 1
#endif
#ifndef LL_INPUT_REUSE       // 1: an input buffer that holds a task's normalised rows serves the block's later tasks
#define LL_INPUT_REUSE 0     //    of the same layer and product without a copy or a norm; the norm's weights
#endif                       //    come into shared memory with the rows, and gate/up normalise the whole row
#ifndef LL_BULK_WEIGHTS      // 1: each stage one bulk copy (cp.async.bulk, the copy engine) from weights laid out
#define LL_BULK_WEIGHTS 0    //    stage by stage as the ring holds them, instead of 1,024 16-byte cp.async
#endif

// ---------------------------------------------------------------------------------------------------------
// The kernel. Warps: 8 consumers, the weight producer, two input producers (alternate tasks), four finishers
// (together on each task).
constexpr int kConsumers = 8;
constexpr int kWeightWarps = LL_WEIGHT_WARPS;
constexpr int kWeightWarp0 = kConsumers, kInputWarp0 = kWeightWarp0 + kWeightWarps, kFinisherWarp0 = kInputWarp0 + 2;
constexpr int kFinisherWarps = 4, kFinisherThreads = 32 * kFinisherWarps;
constexpr int kThreads = 32 * (kFinisherWarp0 + kFinisherWarps);
constexpr int kTileCols = 64;                         // output columns of a task: 8 a consumer warp
constexpr int kStageRows = 128;                       // K rows of a stage: 8 k-steps
constexpr int kStageElems = kStageRows * kTileCols;   // 16 KB
constexpr int kMaxRows = 16;

// q/k/v and o: narrow tiles over the whole of K (no slices: a task's result needs no other block), their weights
// re-laid out tile by tile ([tiles][K][16], each task's tile contiguous); a stage = 512 K rows x 16 columns.
constexpr int kNarrowCols = 16, kNarrowStageRows = 512;
constexpr int kQkvTiles = kQkv / kNarrowCols, kQkvSlices = 1;   // 128, K 1536 (3 stages)
constexpr int kOTiles = kHidden / kNarrowCols, kOSlices = 1;    // 96
constexpr int kGuTiles = kInner / 32, kGuSlices = 2;                               // 280 x 2: 32 gate + 32 up columns, K 768
constexpr int kDownTiles = kHidden / kTileCols, kDownSlices = 14 / LL_TASK_SCALE;  // 24 x 14, K 640 (5 stages)
constexpr int kQkvTasks = kQkvTiles * kQkvSlices, kOTasks = kOTiles * kOSlices, kGuTasks = kGuTiles * kGuSlices,
              kDownTasks = kDownTiles * kDownSlices;
constexpr int kTasksPerLayer = kQkvTasks + kOTasks + kGuTasks + kDownTasks;
constexpr int kMaxSlices = std::max(std::max(kQkvSlices, kOSlices), std::max(kGuSlices, kDownSlices));
constexpr int kDownK = kInner / kDownSlices;
constexpr int kGuPerDownSlice = kDownK / 32;  // gate/up tiles whose h columns one down slice reads
// The input of q/k/v, o and gate/up is the whole row (the norm's rms is computed from it in the chain's order);
// down's is its slice of h.
constexpr int kInputCols = kHidden > kDownK ? kHidden : kDownK;
constexpr int kLdA = kInputCols + 8;  // an input buffer's row stride (bf16): distinct banks for ldmatrix
constexpr int kBufferRows = kMaxRows + 1;  // the rows, then the norm's weights (LL_INPUT_REUSE)
constexpr size_t kInputBytes = static_cast<size_t>(kBufferRows) * kLdA * sizeof(bf16);
constexpr int kInputBuffers = LL_INPUT_BUFFERS;
constexpr int kTicketLookahead = LL_TICKET_LOOKAHEAD;
// The ring gets what is left of the 227 KB a block may have (the static part estimated from its arrays).
constexpr size_t kStaticEstimate = 10240;
constexpr int kStages = static_cast<int>((226u * 1024u - kStaticEstimate - kInputBuffers * kInputBytes) / (kStageElems * sizeof(bf16)));
static_assert(kStages >= 4, "the ring needs stages");

struct LayerWeights {
  const bf16 *inputNorm, *qkv, *qkvBias, *o, *postNorm, *gateUp, *down;  // products' weights [K, N] (NN)
  const bf16 *qkvTiled, *oTiled;                                          // [N / 16][K][16]
  const bf16* staged[4];  // LL_BULK_WEIGHTS: per kind [tiles][slices][stages] x the stage as the ring holds it
};

struct Counters {  // per layer, zeroed before each launch
  unsigned xReady, qkvReady, oReady, guReady[kDownSlices];
  unsigned guArrive[kGuTiles], downArrive[kDownTiles];
};

struct StepArgs {
  const LayerWeights* layers;
  int layerCount, rows;
  bf16* x;            // [layers + 1][16][H]: x[0] the input, x[l + 1] layer l's output
  bf16* xMid;         // [layers][16][H]: after the attention's residual
  bf16* qkv;          // [16][Nqkv]
  bf16* h;            // [16][I]
  // Per kind [slices][16][N], apart because gate/up's last slices may still be added while down's tasks write;
  // q/k/v and o add their K groups in shared memory (nullptr).
  float* partial[4];
  Counters* counters;
  unsigned* ticket;
};

// Where a block's consumers' time goes (thread 0's view, ns from the global timer): 0 waiting for a task's
// number, 1 waiting for its inputs, 2 the norm, 3 multiplying (with the waits for its stages), 4 handing the
// partial to the finishers; 6 tasks.
__device__ unsigned long long blockTime[256][8];
__device__ __forceinline__ unsigned long long now() {
  unsigned long long t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  return t;
}

// A layer's timeline, per task (global timer, ns): 0 the input producer has its ticket, 1 its inputs are
// ready, 2 the consumers start multiplying, 3 they end, 4 the finisher has counted its arrival, 5 the
// tile's last slice is done (0 if not this task).
__device__ unsigned long long taskTime[kLayers * kTasksPerLayer][6];

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
__device__ __forceinline__ int sliceK(int kind) {
  return kind <= 1 ? kHidden : kind == 2 ? kHidden / kGuSlices : kDownK;
}
__device__ __forceinline__ int stageRowsOf(int kind) { return kind <= 1 ? kNarrowStageRows : kStageRows; }
__device__ __forceinline__ int slicesOf(int kind) {
  return kind == 0 ? kQkvSlices : kind == 1 ? kOSlices : kind == 2 ? kGuSlices : kDownSlices;
}

__device__ __forceinline__ unsigned loadAcquire(const unsigned* p) {
  unsigned v;
  asm volatile("ld.acquire.gpu.global.u32 %0, [%1];" : "=r"(v) : "l"(p) : "memory");
  return v;
}
__device__ __forceinline__ void awaitCount(const unsigned* p, unsigned target) {
#if LL_NO_WAIT  // measurement only: the tasks' time without their dependencies (the results are then wrong)
  return;
#endif
  if (loadAcquire(p) >= target) return;
  while (loadAcquire(p) < target) __nanosleep(32);
}

// mbarriers (shared memory): the hand-offs between the block's warps.
__device__ __forceinline__ void barrierInit(unsigned long long* b, unsigned count) {
  asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;" ::"r"(sharedAddress(b)), "r"(count) : "memory");
}
__device__ __forceinline__ void barrierArrive(unsigned long long* b) {
  asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];" ::"r"(sharedAddress(b)) : "memory");
}
// Arrives once this thread's cp.async copies issued so far have landed.
__device__ __forceinline__ void barrierArriveOnCopies(unsigned long long* b) {
  asm volatile("cp.async.mbarrier.arrive.noinc.shared::cta.b64 [%0];" ::"r"(sharedAddress(b)) : "memory");
}
#if LL_BULK_WEIGHTS
// One stage global -> shared by the copy engine; `full` completes when its bytes have landed.
__device__ __forceinline__ void bulkCopyStage(bf16* to, const bf16* from, unsigned long long* full) {
  constexpr unsigned kBytes = kStageElems * sizeof(bf16);
  asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;" ::"r"(sharedAddress(full)), "n"(kBytes) : "memory");
  asm volatile("cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1], %2, [%3];" ::"r"(sharedAddress(to)),
               "l"(from), "n"(kBytes), "r"(sharedAddress(full))
               : "memory");
}
#endif
__device__ __forceinline__ void consumersSync() { asm volatile("bar.sync 2, %0;" ::"n"(32 * kConsumers) : "memory"); }
__device__ __forceinline__ void finishersSync() { asm volatile("bar.sync 1, %0;" ::"n"(kFinisherThreads) : "memory"); }
__device__ __forceinline__ void barrierWait(unsigned long long* b, unsigned parity) {
  asm volatile(
      "{\n .reg .pred done;\n WAIT_%=:\n mbarrier.try_wait.parity.shared::cta.b64 done, [%0], %1;\n @!done bra WAIT_%=;\n}\n" ::"r"(
          sharedAddress(b)),
      "r"(parity)
      : "memory");
}

__global__ void __launch_bounds__(kThreads, 1) decodeLayersKernel(StepArgs a) {
  extern __shared__ __align__(128) unsigned char shared[];
  bf16* ring = reinterpret_cast<bf16*>(shared);                      // [kStages][128][64], swizzled
  bf16* inputs = ring + static_cast<size_t>(kStages) * kStageElems;  // [kInputBuffers][16][kLdA]
  __shared__ unsigned long long full[kStages], empty[kStages], taskKnown[32], inputFull[kInputBuffers], inputEmpty[kInputBuffers],
      partialFull[2], partialEmpty[2];
  __shared__ int ticketQueue[32], partialTicket[2];
  __shared__ bool lastSlice;
  __shared__ __align__(16) float partialTile[2][kMaxRows][kTileCols];   // a task's partial, for the finisher
  __shared__ float rowScale[kMaxRows];
  __shared__ int heldInput[kInputBuffers];  // layer * 4 + kind of the rows a buffer holds (-1: none reusable)
  __shared__ bool reusedInput[kInputBuffers];  // the buffer's rows served the task before: no copy, no norm

  const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
  const int total = a.layerCount * kTasksPerLayer, rows = a.rows;
  if (tid == 0) {
    for (int s = 0; s < kStages; ++s) {
      barrierInit(&full[s], LL_BULK_WEIGHTS ? 1 : 32 * kWeightWarps);  // the producers' lanes' copies / one bulk copy
      barrierInit(&empty[s], kConsumers);
    }
    for (int q = 0; q < 32; ++q) barrierInit(&taskKnown[q], 1);  // task q's ticket in ticketQueue[q % 32]
    for (int b = 0; b < kInputBuffers; ++b) {
      heldInput[b] = -1;
      barrierInit(&inputFull[b], 32);
      barrierInit(&inputEmpty[b], kConsumers);
    }
    for (int b = 0; b < 2; ++b) {
      barrierInit(&partialFull[b], kConsumers);
      barrierInit(&partialEmpty[b], 1);
    }
  }
  __syncthreads();

  if (warp >= kWeightWarp0 && warp < kInputWarp0) {
    const int wi = warp - kWeightWarp0;
    // The weight producers: the first takes the tasks from the count and tells the other warps each task's
    // ticket (taskKnown); each streams its share of every stage of each task's weight tile through the ring.
    // Tasks are taken from the count kTicketLookahead tasks before their weights are streamed, so that the
    // input producers can copy a task's inputs while the ring still holds the tasks before it.
    int published = 0;  // tasks whose ticket is in the queue
    bool ended = false;
    auto publish = [&] {
      int t = 0;
      if (lane == 0) {  // the others are at most a few tasks behind: the queue's slot is free
        t = static_cast<int>(atomicAdd(a.ticket, 1u));
        ticketQueue[published & 31] = t < total ? t : total;
        barrierArrive(&taskKnown[published & 31]);
        if (t >= total) {  // the end, for each input producer
          ticketQueue[(published + 1) & 31] = total;
          barrierArrive(&taskKnown[(published + 1) & 31]);
        }
      }
      ended = __shfl_sync(0xffffffffu, t, 0) >= total;
      ++published;
    };
    int stage = 0;  // stages issued so far
    for (int q = 0;; ++q) {
      if (wi == 0) {  // the first takes the tasks from the count, the others read them
        while (!ended && published <= q + kTicketLookahead) publish();
        __syncwarp();
      } else {
        barrierWait(&taskKnown[q & 31], (q >> 5) & 1);
      }
      const int ticket = ticketQueue[q & 31];
      if (ticket >= total) break;
      const Task t = taskOf(ticket);
      const LayerWeights& w = a.layers[t.layer];
      const bf16* base;
      int ld;
      if (t.kind == 0) { base = w.qkvTiled + static_cast<size_t>(t.tile) * kHidden * kNarrowCols; ld = kNarrowCols; }
      else if (t.kind == 1) { base = w.oTiled + static_cast<size_t>(t.tile) * kHidden * kNarrowCols; ld = kNarrowCols; }
      else if (t.kind == 2) { base = w.gateUp + t.tile * 32; ld = 2 * kInner; }
      else { base = w.down + t.tile * kTileCols; ld = kHidden; }
      const int rowsPerStage = stageRowsOf(t.kind), k0 = t.slice * sliceK(t.kind), stages = sliceK(t.kind) / rowsPerStage;
#if LL_BULK_WEIGHTS
      // The task's stages lie one after another, each exactly as the ring holds it: one bulk copy a stage.
      const bf16* staged = w.staged[t.kind] + static_cast<size_t>(t.tile * slicesOf(t.kind) + t.slice) * stages * kStageElems;
      for (int j = 0; j < stages; ++j, ++stage) {
        const int slot = stage % kStages;
        if (stage >= kStages) barrierWait(&empty[slot], (stage / kStages - 1) & 1);
        if (lane == 0) bulkCopyStage(ring + static_cast<size_t>(slot) * kStageElems, staged + static_cast<size_t>(j) * kStageElems, &full[slot]);
      }
      continue;
#endif
      constexpr int kShare = kStageElems / 8 / 32 / kWeightWarps;  // copies a lane of each weight warp issues
      for (int j = 0; j < stages; ++j, ++stage) {
        const int slot = stage % kStages;
        if (stage >= kStages) barrierWait(&empty[slot], (stage / kStages - 1) & 1);
        bf16* st = ring + static_cast<size_t>(slot) * kStageElems;
        const bf16* from = base + static_cast<int64_t>(k0 + j * rowsPerStage) * ld;
        if (t.kind <= 1) {
          // 512 rows of 32 bytes; the chunk swizzled by bit 2 of the row (ldmatrix.trans reads 8 rows of a chunk)
#pragma unroll 8
          for (int i = wi * kShare; i < (wi + 1) * kShare; ++i) {
            const int piece = lane + 32 * i, row = piece >> 1, chunk = piece & 1;
            copy16Async(sharedAddress(st + row * kNarrowCols + ((chunk ^ ((row >> 2) & 1)) * 8)),
                        from + row * kNarrowCols + chunk * 8, true);
          }
        } else {
#pragma unroll 8
          for (int i = wi * kShare; i < (wi + 1) * kShare; ++i) {
            const int piece = lane + 32 * i, row = piece >> 3, chunk = piece & 7;
            // gate/up: chunks 0-3 the tile's 32 gate columns, 4-7 its 32 up columns
            const int col = t.kind == 2 ? (chunk < 4 ? chunk * 8 : kInner + (chunk - 4) * 8) : chunk * 8;
            copy16Async(sharedAddress(st + row * kTileCols + ((chunk ^ (row & 7)) * 8)),
                        from + static_cast<int64_t>(row) * ld + col, true);
          }
        }
        barrierArriveOnCopies(&full[slot]);
      }
    }
    return;
  }

  if (warp == kInputWarp0 || warp == kInputWarp0 + 1) {
    // The input producers (alternate tasks): once a task's inputs are ready, copy them into an input buffer the
    // consumers are not using: the whole rows for q/k/v, o and gate/up, down's slice of h.
    for (int q = warp - kInputWarp0;; q += 2) {
      barrierWait(&taskKnown[q & 31], (q >> 5) & 1);
      const int ticket = ticketQueue[q & 31];
      if (ticket >= total) break;
      const Task t = taskOf(ticket);
      const int buffer = q % kInputBuffers, use = q / kInputBuffers;
      if (lane == 0) taskTime[ticket][0] = now();
#if LL_PREFETCH_GU_ROWS > 0
      // The L2 gets the first LL_PREFETCH_GU_ROWS rows of the layer's gate/up weights while the small
      // products' phases leave the memory idle: q/k/v tasks the first 768 rows, o tasks the rest, each its share.
      if (t.kind == 0 || t.kind == 1) {
        const int r0 = t.kind == 0 ? 0 : kHidden / kGuSlices, r1 = t.kind == 0 ? (LL_PREFETCH_GU_ROWS < kHidden / kGuSlices ? LL_PREFETCH_GU_ROWS : kHidden / kGuSlices)
                                                                               : LL_PREFETCH_GU_ROWS;
        if (r1 > r0) {
          const size_t rowBytes = size_t(2) * kInner * sizeof(bf16), bytes = size_t(r1 - r0) * rowBytes;
          const int share = t.kind == 0 ? t.slice * kQkvTiles + t.tile : t.slice * kOTiles + t.tile;
          const int shares = t.kind == 0 ? kQkvTasks : kOTasks;
          const size_t per = (bytes / shares + 127) / 128 * 128;
          const char* base = reinterpret_cast<const char*>(a.layers[t.layer].gateUp) + size_t(r0) * rowBytes;
          for (size_t off = share * per + lane * 128; off < (share + 1) * per && off < bytes; off += 32 * 128)
            asm volatile("prefetch.global.L2::evict_last [%0];" ::"l"(base + off));
        }
      }
#endif
      if (use > 0) barrierWait(&inputEmpty[buffer], (use - 1) & 1);
      const int key = t.kind <= 2 ? t.layer * 4 + t.kind : -1;
      if (LL_INPUT_REUSE && key >= 0 && heldInput[buffer] == key) {
        __syncwarp();
        if (lane == 0) reusedInput[buffer] = true, taskTime[ticket][1] = now();
        __syncwarp();
        barrierArrive(&inputFull[buffer]);
        continue;
      }
      __syncwarp();
      if (lane == 0) reusedInput[buffer] = false, heldInput[buffer] = key;
      Counters* c = a.counters + t.layer;
      if (lane == 0) {
        if (t.kind == 0 && t.layer > 0) awaitCount(&c->xReady, kDownTiles);
        if (t.kind == 1) awaitCount(&c->qkvReady, kQkvTiles);
        if (t.kind == 2) awaitCount(&c->oReady, kOTiles);
        if (t.kind == 3) awaitCount(&c->guReady[t.slice], kGuPerDownSlice);
        taskTime[ticket][1] = now();
      }
      __syncwarp();
      const bf16* from;
      int ld;
      const int k0 = t.kind == 3 ? t.slice * kDownK : 0, width = t.kind == 3 ? kDownK : kHidden, per = width / 8;
      if (t.kind == 0) from = a.x + t.layer * kMaxRows * kHidden, ld = kHidden;
      else if (t.kind == 1) from = a.qkv, ld = kQkv;  // the attention's output stands in as q
      else if (t.kind == 2) from = a.xMid + t.layer * kMaxRows * kHidden, ld = kHidden;
      else from = a.h, ld = kInner;
      bf16* to = inputs + static_cast<size_t>(buffer) * kBufferRows * kLdA;
      for (int i = lane; i < rows * per; i += 32) {
        const int r = i / per, c8 = (i % per) * 8;
        copy16Async(sharedAddress(to + r * kLdA + c8), from + r * ld + k0 + c8, true);
      }
      if (LL_INPUT_REUSE && (t.kind == 0 || t.kind == 2)) {  // the norm's weights after the rows
        const bf16* gamma = t.kind == 0 ? a.layers[t.layer].inputNorm : a.layers[t.layer].postNorm;
        for (int c8 = lane * 8; c8 < kHidden; c8 += 32 * 8) copy16Async(sharedAddress(to + kMaxRows * kLdA + c8), gamma + c8, true);
      }
      barrierArriveOnCopies(&inputFull[buffer]);
    }
    return;
  }

  if (warp >= kFinisherWarp0) {
    // The finisher warps, together on each task. A narrow q/k/v or o tile is whole: add its four K groups in
    // order, apply the epilogue (bias; the residual), tell the waiting tasks. A gate/up or down task is a
    // slice: store its partial, count the column tile's arrivals, and for the tile's last slice add the slices
    // in slice order (the same bits on every run) and apply the epilogue (silu(gate) x up; the residual), then
    // tell the waiting tasks. Warp f takes rows f, f + 4, ...
    const int ft = tid - 32 * kFinisherWarp0, fw = warp - kFinisherWarp0;
    for (int q = 0;; ++q) {
      const int pb = q & 1;
      barrierWait(&partialFull[pb], (q >> 1) & 1);
      const int ticket = partialTicket[pb];
      if (ticket >= total) break;
      const Task t = taskOf(ticket);
      Counters* c = a.counters + t.layer;
      if (t.kind <= 1) {
        float v[2];
#pragma unroll
        for (int k = 0; k < 2; ++k) {
          const int i = ft + k * kFinisherThreads, r = i / kNarrowCols, col = i % kNarrowCols;
          v[k] = 0.f;
          if (r < rows)
#pragma unroll
            for (int kg = 0; kg < 4; ++kg) v[k] += partialTile[pb][r][kg * kNarrowCols + col];
        }
        finishersSync();
        if (ft == 0) barrierArrive(&partialEmpty[pb]);
        const LayerWeights& w = a.layers[t.layer];
#pragma unroll
        for (int k = 0; k < 2; ++k) {
          const int i = ft + k * kFinisherThreads, r = i / kNarrowCols, gc = t.tile * kNarrowCols + i % kNarrowCols;
          if (r >= rows) continue;
          if (t.kind == 0) {
            a.qkv[r * kQkv + gc] = __float2bfloat16_rn(rnd(v[k]) + __bfloat162float(w.qkvBias[gc]));
          } else {
            const int at = (t.layer * kMaxRows + r) * kHidden + gc;
            const float x = __bfloat162float(__ushort_as_bfloat16(__ldcg(reinterpret_cast<const unsigned short*>(a.x + at))));
            a.xMid[at] = __float2bfloat16_rn(rnd(v[k]) + x);
          }
        }
        __threadfence();
        finishersSync();
        if (ft == 0) {
          taskTime[ticket][4] = taskTime[ticket][5] = now();
          asm volatile("red.release.gpu.global.add.u32 [%0], 1;" ::"l"(t.kind == 0 ? &c->qkvReady : &c->oReady) : "memory");
        }
        continue;
      }
      const int N = t.kind == 2 ? 2 * kInner : kHidden, slices = slicesOf(t.kind);
      float* part = a.partial[t.kind] + static_cast<int64_t>(t.slice) * kMaxRows * N + t.tile * kTileCols;
      for (int i = ft; i < rows * kTileCols / 4; i += kFinisherThreads) {
        const int r = i / (kTileCols / 4), c4 = (i % (kTileCols / 4)) * 4;
        *reinterpret_cast<float4*>(part + r * N + c4) = *reinterpret_cast<const float4*>(&partialTile[pb][r][c4]);
      }
      __threadfence();
      finishersSync();
      if (ft == 0) {
        barrierArrive(&partialEmpty[pb]);
        unsigned* arrive = t.kind == 2 ? &c->guArrive[t.tile] : &c->downArrive[t.tile];
        lastSlice = atomicAdd(arrive, 1u) == static_cast<unsigned>(slices - 1);
      }
      finishersSync();
      if (ft == 0) taskTime[ticket][4] = now(), taskTime[ticket][5] = 0;
      if (!lastSlice) continue;
      __threadfence();
      const float* tilePart = a.partial[t.kind] + t.tile * kTileCols;
      // Rows two at a time per warp (rows fw + 4i, fw + 4i + 4): every load of both issued before any sum.
      for (int r0 = fw; r0 < rows; r0 += 2 * kFinisherWarps) {
        const int rr[2] = {r0, r0 + kFinisherWarps};
        // lane l: columns 2l, 2l + 1 of the tile (gate/up: gate columns 2l, 2l + 1 if l < 16, else up's)
        float2 p[2][kMaxSlices];
        float2 res[2] = {make_float2(0.f, 0.f), make_float2(0.f, 0.f)};
        const int gc = t.tile * kTileCols + 2 * lane;
#pragma unroll
        for (int i = 0; i < 2; ++i) {
          if (rr[i] >= rows) continue;
#pragma unroll
          for (int sl = 0; sl < kMaxSlices; ++sl)
            if (sl < slices)
              p[i][sl] = __ldcg(reinterpret_cast<const float2*>(tilePart + (static_cast<int64_t>(sl) * kMaxRows + rr[i]) * N + 2 * lane));
          if (t.kind == 3) {
            const bf16* residual = a.xMid + (t.layer * kMaxRows + rr[i]) * kHidden + gc;
            const unsigned raw = __ldcg(reinterpret_cast<const unsigned*>(residual));
            res[i] = __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162*>(&raw));
          }
        }
#pragma unroll
        for (int i = 0; i < 2; ++i) {
          const int r = rr[i];
          if (r >= rows) continue;  // warp-uniform
          float v0 = 0.f, v1 = 0.f;
#pragma unroll
          for (int sl = 0; sl < kMaxSlices; ++sl)
            if (sl < slices) v0 += p[i][sl].x, v1 += p[i][sl].y;
          if (t.kind == 2) {
            const float u0 = __shfl_down_sync(0xffffffffu, v0, 16), u1 = __shfl_down_sync(0xffffffffu, v1, 16);
            if (lane < 16) {
              const float g0 = rnd(v0), g1 = rnd(v1);
              const float h0 = rnd(g0 / (1.f + expf(-g0))) * rnd(u0), h1 = rnd(g1 / (1.f + expf(-g1))) * rnd(u1);
              *reinterpret_cast<__nv_bfloat162*>(a.h + r * kInner + t.tile * 32 + 2 * lane) = __floats2bfloat162_rn(h0, h1);
            }
            continue;
          }
          const float y0 = rnd(rnd(v0) + res[i].x), y1 = rnd(rnd(v1) + res[i].y);
          *reinterpret_cast<__nv_bfloat162*>(a.x + ((t.layer + 1) * kMaxRows + r) * kHidden + gc) = __floats2bfloat162_rn(y0, y1);
        }
      }
      __threadfence();
      finishersSync();
      if (ft == 0) taskTime[ticket][5] = now();
      if (ft == 0) {
        unsigned* ready = t.kind == 2 ? &c->guReady[t.tile * 32 / kDownK]
                          : t.layer + 1 < a.layerCount ? &a.counters[t.layer + 1].xReady : nullptr;
        if (ready) asm volatile("red.release.gpu.global.add.u32 [%0], 1;" ::"l"(ready) : "memory");
      }
    }
    return;
  }

  // The consumers. A gate/up or down task: warp w multiplies output columns 8w .. 8w + 7 over the whole stage.
  // A narrow q/k/v or o task: warp w multiplies columns 8 (w & 1) .. + 7 over K group w >> 1 (128 of each
  // stage's 512 rows), the four groups added by the finishers.
  const int g = lane >> 2, t4 = lane & 3, mat = lane >> 3, matRow = lane & 7;
  unsigned long long spent[8] = {}, mark = now();
  auto lap = [&](int what) {
    if (tid == 0) {
      const unsigned long long t = now();
      spent[what] += t - mark;
      mark = t;
    }
  };
  int stage = 0;
  for (int q = 0;; ++q) {
    barrierWait(&taskKnown[q & 31], (q >> 5) & 1);
    const int ticket = ticketQueue[q & 31];
    const int pb = q & 1;
    if (ticket >= total) {  // tell the finisher
      if (q >= 2) barrierWait(&partialEmpty[pb], ((q >> 1) - 1) & 1);
      if (tid == 0) partialTicket[pb] = total;
      __syncwarp();
      if (lane == 0) barrierArrive(&partialFull[pb]);
      break;
    }
    lap(0);
    const Task t = taskOf(ticket);
    const int buffer = q % kInputBuffers, rowsPerStage = stageRowsOf(t.kind), stages = sliceK(t.kind) / rowsPerStage;
    const bool narrow = t.kind <= 1;
    const bf16* in = inputs + static_cast<size_t>(buffer) * kBufferRows * kLdA;  // (normalised below where needed)
    barrierWait(&inputFull[buffer], (q / kInputBuffers) & 1);
    lap(1);
    // The first K column of the task in the input buffer: gate/up's slice of the whole row; 0 otherwise.
    const int inputK0 = t.kind == 2 ? t.slice * sliceK(2) : 0;
    if ((t.kind == 0 || t.kind == 2) && !reusedInput[buffer]) {
      // The RMS norm, as the chain's norm kernel: the rms of each whole row in its order (a warp a row, lane l
      // the elements 8 (32 i + l) .. + 7, then the lanes' sums by halves), then rnd(w * rnd(x / rms)) over the
      // task's columns (LL_INPUT_REUSE: over the whole row, with the weights from shared memory).
      bf16* io = inputs + static_cast<size_t>(buffer) * kBufferRows * kLdA;
      for (int r = warp; r < rows; r += kConsumers) {
        float ss = 0.f;
#pragma unroll
        for (int i = 0; i < kHidden / 256; ++i) {
          float v[8];
          unpack8(*reinterpret_cast<const uint4*>(io + r * kLdA + (i * 32 + lane) * 8), v);
#pragma unroll
          for (int e = 0; e < 8; ++e) ss += v[e] * v[e];
        }
#pragma unroll
        for (int m = 16; m > 0; m >>= 1) ss += __shfl_xor_sync(0xffffffffu, ss, m);
        if (lane == 0) rowScale[r] = rsqrtf(ss / kHidden + kEps);
      }
      consumersSync();
      const int per = (LL_INPUT_REUSE ? kHidden : sliceK(t.kind)) / 8, normK0 = LL_INPUT_REUSE ? 0 : inputK0;
      const bf16* gamma = LL_INPUT_REUSE ? io + kMaxRows * kLdA : t.kind == 0 ? a.layers[t.layer].inputNorm : a.layers[t.layer].postNorm;
      for (int i = tid; i < rows * per; i += 32 * kConsumers) {
        const int r = i / per, c8 = normK0 + (i % per) * 8;
        float v[8], gw[8];
        unpack8(*reinterpret_cast<const uint4*>(io + r * kLdA + c8), v);
        if (LL_INPUT_REUSE) unpack8(*reinterpret_cast<const uint4*>(gamma + c8), gw);
        else load8(gamma + c8, gw);
        const float scale = rowScale[r];
#pragma unroll
        for (int e = 0; e < 8; ++e) v[e] = rnd(gw[e] * rnd(v[e] * scale));
        *reinterpret_cast<uint4*>(io + r * kLdA + c8) = pack8(v);
      }
      consumersSync();
    }
    lap(2);
    if (tid == 0) taskTime[ticket][2] = now();
    if (tid == 0) ++spent[6];

    float acc[4][4] = {};  // k-steps 4i + j in acc[j]: four independent chains
    const int half = warp & 1, group = warp >> 1;  // narrow tasks: the warp's 8 columns and K group
    for (int j = 0; j < stages; ++j, ++stage) {
      const int slot = stage % kStages;
      // the warp's 128 K rows of the stage: the whole stage (wide) or its group's quarter (narrow)
      const int kBase = inputK0 + j * rowsPerStage + (narrow ? group * kStageRows : 0);
      unsigned af[8][4];
#pragma unroll
      for (int kk = 0; kk < 8; ++kk)
        loadMatrices(af[kk], sharedAddress(in + ((mat & 1) * 8 + matRow) * kLdA + kBase + kk * 16 + (mat >> 1) * 8));
      barrierWait(&full[slot], (stage / kStages) & 1);
      const bf16* st = ring + static_cast<size_t>(slot) * kStageElems;
      unsigned b[4][4];
#pragma unroll
      for (int kp = 0; kp < 4; ++kp) {  // k rows 32 kp .. 32 kp + 31 of the warp's 128: four 8-row matrices
        if (narrow) {
          const int row = group * kStageRows + kp * 32 + mat * 8 + matRow;
          loadMatricesTransposed(b[kp], sharedAddress(st + row * kNarrowCols + ((half ^ ((row >> 2) & 1)) * 8)));
        } else {
          const int row = kp * 32 + mat * 8 + matRow;
          loadMatricesTransposed(b[kp], sharedAddress(st + row * kTileCols + ((warp ^ (row & 7)) * 8)));
        }
      }
      __syncwarp();
      if (lane == 0) barrierArrive(&empty[slot]);  // the stage is in registers
#pragma unroll
      for (int kp = 0; kp < 4; ++kp) {
        mma16x8x16(acc[(2 * kp) & 3], af[2 * kp], b[kp][0], b[kp][1]);
        mma16x8x16(acc[(2 * kp + 1) & 3], af[2 * kp + 1], b[kp][2], b[kp][3]);
      }
    }
    __syncwarp();
    if (lane == 0) barrierArrive(&inputEmpty[buffer]);
    lap(3);
    if (tid == 0) taskTime[ticket][3] = now();

    // The task's partial to the finishers: rows g and g + 8, columns 2t, 2t + 1 of the warp's 8 (narrow: in
    // its K group's 16 columns).
    if (q >= 2) barrierWait(&partialEmpty[pb], ((q >> 1) - 1) & 1);
    const int col = (narrow ? group * kNarrowCols + half * 8 : warp * 8) + 2 * t4;
    partialTile[pb][g][col] = (acc[0][0] + acc[1][0]) + (acc[2][0] + acc[3][0]);
    partialTile[pb][g][col + 1] = (acc[0][1] + acc[1][1]) + (acc[2][1] + acc[3][1]);
    partialTile[pb][g + 8][col] = (acc[0][2] + acc[1][2]) + (acc[2][2] + acc[3][2]);
    partialTile[pb][g + 8][col + 1] = (acc[0][3] + acc[1][3]) + (acc[2][3] + acc[3][3]);
    if (tid == 0) partialTicket[pb] = ticket;
    __syncwarp();
    if (lane == 0) barrierArrive(&partialFull[pb]);
    lap(4);
  }
  if (tid == 0)
    for (int i = 0; i < 8; ++i) blockTime[blockIdx.x][i] = spent[i];
}

constexpr size_t kSharedBytes = static_cast<size_t>(kStages) * kStageElems * sizeof(bf16) + kInputBuffers * kInputBytes;

// ---------------------------------------------------------------------------------------------------------
// The chain (what the decoders run, without the attention): the same roundings.
// A row's RMS norm, as the decoders' kernel: the lanes' sums of squares added by halves, then
// rnd(w * rnd(x / rms)) stored to `out` (lane l holds elements 8 (32 i + l) .. + 7 of the row in v[i]).
__device__ void storeNormalised(float (&v)[kHidden / 256][8], float ss, const bf16* w, int lane, bf16* out) {
  for (int m = 16; m > 0; m >>= 1) ss += __shfl_xor_sync(0xffffffffu, ss, m);
  const float inv = rsqrtf(ss / kHidden + kEps);
  for (int i = 0; i < kHidden / 256; ++i) {
    float g[8];
    load8(w + (i * 32 + lane) * 8, g);
    for (int e = 0; e < 8; ++e) v[i][e] = rnd(g[e] * rnd(v[i][e] * inv));
    store8(out + (i * 32 + lane) * 8, v[i]);
  }
}
__global__ void normKernel(const bf16* x, const bf16* w, int rows, bf16* out) {
  const int r = blockIdx.x, lane = threadIdx.x;
  if (r >= rows) return;
  float v[kHidden / 256][8], ss = 0.f;
  for (int i = 0; i < kHidden / 256; ++i) {
    load8(x + r * kHidden + (i * 32 + lane) * 8, v[i]);
    for (int e = 0; e < 8; ++e) ss += v[i][e] * v[i][e];
  }
  storeNormalised(v, ss, w, lane, out + r * kHidden);
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
  if (w) storeNormalised(v, ss, w, lane, normed + r * kHidden);
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

// [K, N] -> [N / 16][K][16]: the narrow tiles' weights, each tile contiguous.
__global__ void tileKernel(const bf16* w, int K, int N, bf16* out) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < size_t(K) * N; i += size_t(gridDim.x) * blockDim.x) {
    const size_t k = i / N, n = i % N;
    out[((n / kNarrowCols) * K + k) * kNarrowCols + n % kNarrowCols] = w[i];
  }
}

// [K, N] -> the ring's stages of every task of a kind, in task order ([tiles][slices][stages]), each stage as
// the weight producer's 16-byte copies would have laid it out (the same swizzles), for LL_BULK_WEIGHTS.
__global__ void stageKernel(const bf16* w, int kind, bf16* out) {
  const int N = kind == 0 ? kQkv : kind == 1 ? kHidden : kind == 2 ? 2 * kInner : kHidden;
  const int tiles = kind == 0 ? kQkvTiles : kind == 1 ? kOTiles : kind == 2 ? kGuTiles : kDownTiles;
  const size_t total = size_t(tiles) * slicesOf(kind) * sliceK(kind) * (kind <= 1 ? kNarrowCols : kTileCols);
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < total; i += size_t(gridDim.x) * blockDim.x) {
    const int rowsPerStage = stageRowsOf(kind), stages = sliceK(kind) / rowsPerStage;
    const size_t stageIndex = i / kStageElems;
    const int p = static_cast<int>(i % kStageElems), j = static_cast<int>(stageIndex % stages);
    const int slice = static_cast<int>(stageIndex / stages % slicesOf(kind)), tile = static_cast<int>(stageIndex / stages / slicesOf(kind));
    int k, col;
    if (kind <= 1) {
      const int row = p / kNarrowCols, chunk = (p % kNarrowCols / 8) ^ ((row >> 2) & 1);
      k = j * rowsPerStage + row, col = tile * kNarrowCols + chunk * 8 + p % 8;
    } else {
      const int row = p / kTileCols, chunk = (p % kTileCols / 8) ^ (row & 7);
      k = slice * sliceK(kind) + j * rowsPerStage + row;
      col = kind == 2 ? (chunk < 4 ? tile * 32 + chunk * 8 : kInner + tile * 32 + (chunk - 4) * 8) + p % 8 : tile * kTileCols + chunk * 8 + p % 8;
    }
    out[i] = w[size_t(k) * N + col];
  }
}

bf16* filled(size_t n, uint32_t seed, float scale, float offset = 0.f) {
  bf16* p = alloc<bf16>(n);
  fillRandom(p, n, seed, scale, offset);
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
  // DECODE_LAYERS: fewer layers (e.g. under compute-sanitizer); DECODE_ROWS: the row counts, e.g. "8 1 16".
  const int layerCount = std::getenv("DECODE_LAYERS") ? std::clamp(std::atoi(std::getenv("DECODE_LAYERS")), 1, kLayers) : kLayers;
  std::vector<int> rowCounts;
  for (const char* p = std::getenv("DECODE_ROWS") ? std::getenv("DECODE_ROWS") : "8 1 16"; *p;) {
    char* end = nullptr;
    const long v = std::strtol(p, &end, 10);
    if (end == p) break;
    rowCounts.push_back(static_cast<int>(std::clamp<long>(v, 1, kMaxRows)));
    p = end;
  }
  int device = 0, sms = 0;
  CHECK(cudaGetDevice(&device));
  CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
  cudaDeviceProp prop;
  CHECK(cudaGetDeviceProperties(&prop, device));
  std::printf("device: %s, %d SMs; kernel shared memory %zu bytes (%d stages, %d weight warps, %d input buffers, tasks taken %d ahead), %d tasks a layer (slices: q/k/v %d, o %d, gate/up %d, down %d)\n",
              prop.name, sms, kSharedBytes, kStages, kWeightWarps, kInputBuffers, kTicketLookahead, kTasksPerLayer, kQkvSlices, kOSlices, kGuSlices, kDownSlices);
  if (LL_BULK_WEIGHTS) std::printf("weights: one bulk copy a stage, from copies laid out stage by stage\n");
  if (LL_INPUT_REUSE) std::printf("inputs: a buffer's normalised rows serve the block's later tasks of the same layer and product\n");
  if (LL_NO_WAIT) std::printf("NO WAITS for inputs: times only, the results are wrong\n");
  if (LL_PREFETCH_GU_ROWS > 0) std::printf("the first %d rows of each layer's gate/up weights prefetched into the L2\n", LL_PREFETCH_GU_ROWS);

  // Weights as the decoders keep them: [K, N] for NN products; scales as a trained model's (outputs ~1).
  // The products' weights of all layers in one allocation, so that one kernel can stream them all.
  const size_t qkvN = size_t(kHidden) * kQkv, oN = size_t(kHidden) * kHidden, guN = size_t(kHidden) * 2 * kInner,
               downN = size_t(kInner) * kHidden, layerN = qkvN + oN + guN + downN;
  bf16* all = alloc<bf16>(layerN * layerCount);
  std::vector<LayerWeights> host(layerCount);
  for (int l = 0; l < layerCount; ++l) {
    const uint32_t s = 1000u * (l + 1);
    LayerWeights& w = host[l];
    bf16* p = all + layerN * l;
    w.qkv = p;
    w.o = p + qkvN;
    w.gateUp = p + qkvN + oN;
    w.down = p + qkvN + oN + guN;
    fillRandom(p, qkvN, s + 2, 0.04f);
    fillRandom(p + qkvN, oN, s + 4, 0.04f);
    fillRandom(p + qkvN + oN, guN, s + 6, 0.04f);
    fillRandom(p + qkvN + oN + guN, downN, s + 7, 0.02f);
    if (!LL_BULK_WEIGHTS) {  // the 16-byte copies' q/k/v and o tiles (the bulk copies read the staged ones)
      bf16* tiled = alloc<bf16>(qkvN + oN);
      tileKernel<<<1024, 256>>>(w.qkv, kHidden, kQkv, tiled);
      tileKernel<<<1024, 256>>>(w.o, kHidden, kHidden, tiled + qkvN);
      CHECK(cudaGetLastError());
      w.qkvTiled = tiled;
      w.oTiled = tiled + qkvN;
    }
    for (int kind = 0; kind < 4 && LL_BULK_WEIGHTS; ++kind) {  // the same bytes, laid out stage by stage
      const size_t n = kind == 0 ? qkvN : kind == 1 ? oN : kind == 2 ? guN : downN;
      bf16* staged = alloc<bf16>(n);
      stageKernel<<<1024, 256>>>(kind == 0 ? w.qkv : kind == 1 ? w.o : kind == 2 ? w.gateUp : w.down, kind, staged);
      CHECK(cudaGetLastError());
      w.staged[kind] = staged;
    }
    w.inputNorm = filled(kHidden, s + 1, 0.2f, 1.f);
    w.qkvBias = filled(kQkv, s + 3, 0.1f);
    w.postNorm = filled(kHidden, s + 5, 0.2f, 1.f);
  }
  LayerWeights* layers = alloc<LayerWeights>(layerCount);
  CHECK(cudaMemcpy(layers, host.data(), sizeof(LayerWeights) * layerCount, cudaMemcpyHostToDevice));
  const double bytesPerLayer = 2.0 * (double(kHidden) * (kQkv + kHidden + 2 * kInner) + double(kInner) * kHidden);

  bf16* xs = alloc<bf16>(size_t(layerCount + 1) * kMaxRows * kHidden);
  bf16* xMid = alloc<bf16>(size_t(layerCount) * kMaxRows * kHidden);
  bf16* qkv = alloc<bf16>(size_t(kMaxRows) * kQkv);
  bf16* h = alloc<bf16>(size_t(kMaxRows) * kInner);
  float* partialGu = alloc<float>(size_t(kGuSlices) * kMaxRows * 2 * kInner);
  float* partialDown = alloc<float>(size_t(kDownSlices) * kMaxRows * kHidden);
  Counters* counters = alloc<Counters>(layerCount);
  unsigned* ticket = alloc<unsigned>(1);
  unsigned* sink = alloc<unsigned>(1);
  // the chain's buffers
  bf16* cx = alloc<bf16>(size_t(layerCount + 1) * kMaxRows * kHidden);
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

  for (int rows : rowCounts) {
    fillRandom(xs, size_t(kMaxRows) * kHidden, 77u + rows, 1.f);
    CHECK(cudaMemcpyAsync(cx, xs, size_t(kMaxRows) * kHidden * 2, cudaMemcpyDeviceToDevice, stream));
    CHECK(cudaDeviceSynchronize());

    auto gemm = [&](const bf16* A, int lda, const bf16* W, int K, int N, bf16* Y) {
      // Y [rows, N] = A [rows, K] W [K, N], row-major: column-major Y^T = W^T A^T
      CHECK_BLAS(cublasGemmEx(blas, CUBLAS_OP_N, CUBLAS_OP_N, N, rows, K, &one, W, CUDA_R_16BF, N, A, CUDA_R_16BF, lda,
                              &zero, Y, CUDA_R_16BF, N, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
    };
    auto chain = [&] {
      normKernel<<<rows, 32, 0, stream>>>(cx, host[0].inputNorm, rows, cnorm);
      for (int l = 0; l < layerCount; ++l) {
        const LayerWeights& w = host[l];
        bf16* x = cx + size_t(l) * kMaxRows * kHidden;
        gemm(cnorm, kHidden, w.qkv, kHidden, kQkv, cqkv);
        biasKernel<<<16, 256, 0, stream>>>(cqkv, w.qkvBias, rows, kQkv);
        gemm(cqkv, kQkv, w.o, kHidden, kHidden, co);  // the attention's stand-in: q
        addNormKernel<<<rows, 32, 0, stream>>>(co, x, w.postNorm, rows, cmid, cnorm);
        gemm(cnorm, kHidden, w.gateUp, kHidden, 2 * kInner, cgu);
        siluKernel<<<64, 256, 0, stream>>>(cgu, rows, ch);
        gemm(ch, kInner, w.down, kInner, kHidden, cdown);
        addNormKernel<<<rows, 32, 0, stream>>>(cdown, cmid, l + 1 < layerCount ? host[l + 1].inputNorm : nullptr, rows,
                                              x + size_t(kMaxRows) * kHidden, cnorm);
      }
    };
    StepArgs args{layers, layerCount, rows, xs, xMid, qkv, h,
                  {nullptr, nullptr, partialGu, partialDown}, counters, ticket};
    auto fused = [&] {
      CHECK(cudaMemsetAsync(counters, 0, sizeof(Counters) * layerCount, stream));
      CHECK(cudaMemsetAsync(ticket, 0, sizeof(unsigned), stream));
      decodeLayersKernel<<<sms, kThreads, kSharedBytes, stream>>>(args);
    };
    auto stream1 = [&] {  // every layer's weights in one kernel
      streamKernel<<<sms * 4, 512, 0, stream>>>(reinterpret_cast<const uint4*>(all), layerN * layerCount / 8, sink);
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
    compare(layerCount, "kernel vs chain");
    const auto first = download(xs + size_t(layerCount) * kMaxRows * kHidden, n);
    fused();
    CHECK(cudaStreamSynchronize(stream));
    const auto second = download(xs + size_t(layerCount) * kMaxRows * kHidden, n);
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
      return us / layerCount;
    };
    if (std::getenv("DECODE_TIMING") && std::string(std::getenv("DECODE_TIMING")) == "0") continue;
    {
      fused();
      CHECK(cudaStreamSynchronize(stream));
      unsigned long long times[256][8];
      CHECK(cudaMemcpyFromSymbol(times, blockTime, sizeof(times)));
      const char* names[8] = {"first-stage waits", "input waits", "norm", "multiply", "partial hand-off", "-", "tasks", "-"};
      std::printf("  rows %2d a block's time (us a layer; mean / min / max over blocks):", rows);
      for (int i = 0; i < 8; ++i) {
        if (names[i][0] == '-') continue;
        double sum = 0, lo = 1e30, hi = 0;
        for (int b = 0; b < sms; ++b) {
          const double v = i < 6 ? times[b][i] / 1000.0 / layerCount : times[b][i] / double(layerCount);
          sum += v, lo = std::min(lo, v), hi = std::max(hi, v);
        }
        std::printf(" %s %.2f / %.2f / %.2f;", names[i], sum / sms, lo, hi);
      }
      std::printf("\n");
      // One layer's phases (the middle one), us from its first task's ticket: per kind the first and last
      // inputs ready, multiply start and end, and last slices done.
      static unsigned long long tt[kLayers * kTasksPerLayer][6];
      CHECK(cudaMemcpyFromSymbol(tt, taskTime, sizeof(unsigned long long) * 6 * size_t(layerCount) * kTasksPerLayer));
      const int L = layerCount / 2, first = L * kTasksPerLayer;
      unsigned long long origin = ~0ull;
      for (int i = 0; i < kTasksPerLayer; ++i) origin = std::min(origin, tt[first + i][0]);
      const char* kinds[4] = {"q/k/v", "o", "gate/up", "down"};
      const int bounds[5] = {0, kQkvTasks, kQkvTasks + kOTasks, kQkvTasks + kOTasks + kGuTasks, kTasksPerLayer};
      for (int k = 0; k < 4; ++k) {
        double lo[6], hi[6];
        for (int j = 0; j < 6; ++j) lo[j] = 1e30, hi[j] = -1e30;
        for (int i = bounds[k]; i < bounds[k + 1]; ++i)
          for (int j = 0; j < 6; ++j) {
            if (tt[first + i][j] == 0) continue;
            const double v = (double(tt[first + i][j]) - double(origin)) / 1000.0;
            lo[j] = std::min(lo[j], v), hi[j] = std::max(hi[j], v);
          }
        std::printf("    layer %d %-7s ticket %.1f-%.1f, inputs ready %.1f-%.1f, multiply from %.1f-%.1f to %.1f-%.1f, counted %.1f-%.1f, last slices done %.1f-%.1f us\n",
                    L, kinds[k], lo[0], hi[0], lo[1], hi[1], lo[2], hi[2], lo[3], hi[3], lo[4], hi[4], lo[5], hi[5]);
      }
    }
    for (int round = 0; round < 2; ++round) {
      const float c = timeGraph(chain), f = timeGraph(fused), s = timeGraph(stream1);
      std::printf("  rows %2d round %d: chain %.1f us a layer (%.2f TB/s), one kernel %.1f (%.2f TB/s), bare stream %.1f (%.2f TB/s)\n",
                  rows, round, c, bytesPerLayer / c / 1e6, f, bytesPerLayer / f / 1e6, s, bytesPerLayer / s / 1e6);
    }
  }
  return 0;
}
