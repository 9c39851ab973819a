// Does prefetching a decode step's next weights into L2, from a parallel branch of the step's CUDA graph,
// shorten the step? A layout (dots.ocr / Qwen2) decode layer's chain at M rows, without libtorch:
//   norm -> q/k/v -> attention -> merge -> o -> norm -> gate/up -> silu*up -> down
// with cuBLAS's products as the app calls them (q/k/v and o as TN GEMMs, gate/up and down NN on weights kept
// transposed), stand-in kernels for the elementwise ones (a few rows) and for the attention (streams its
// layer's K/V bytes over two blocks per SM, as the tensor-core kernel does at 8 slots of ~5,500 keys), each
// layer over its own weights and cache (HBM, not L2), 28 layers in one graph.
// The idea: between the products the HBM idles (small kernels, each product's ramp and tail: the chain reaches
// about half the bandwidth), so a side branch that starts loading the next product's weights into L2 while the
// phases before it run should let that product read from L2. Each variant names, per product, where its
// prefetch branch forks (after which node of the chain) and how many MB of its weights it fetches; the branch
// joins the chain right before the product (the prefetch kernel only issues requests, so it is long done).
// Build and run (tools/gpu/l2_prefetch_probe.sh does it):
//   nvcc -O3 -std=c++17 -arch=sm_90 -I. tools/gpu/l2_prefetch_probe.cu -lcublas -o /tmp/l2_prefetch_probe
#include <cublas_v2.h>
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tools/gpu/probe_support.cuh"

namespace {

using bf16 = __nv_bfloat16;

cublasHandle_t blas;
cudaStream_t mainStream, sideStream;

__global__ void fillKernel(bf16* p, size_t n, float v) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x)
    p[i] = __float2bfloat16(v * float((i * 2654435761u) % 1000) / 1000.f - v / 2);
}
bf16* deviceFilled(size_t n) {
  bf16* p = nullptr;
  CHECK(cudaMalloc(&p, n * sizeof(bf16)));
  fillKernel<<<1024, 256>>>(p, n, 0.02f);
  CHECK(cudaGetLastError());
  return p;
}

// ---- the chain's pieces

// y [m, n] = x [m, k] W^T, W [n, k] row-major (TN), or with W stored transposed [k, n] (NN).
void product(bool transposed, const bf16* x, const bf16* w, bf16* y, int m, int n, int k) {
  const float one = 1.f, zero = 0.f;
  if (transposed)
    CHECK_BLAS(cublasGemmEx(blas, CUBLAS_OP_N, CUBLAS_OP_N, n, m, k, &one, w, CUDA_R_16BF, n, x, CUDA_R_16BF, k, &zero,
                            y, CUDA_R_16BF, n, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
  else
    CHECK_BLAS(cublasGemmEx(blas, CUBLAS_OP_T, CUBLAS_OP_N, n, m, k, &one, w, CUDA_R_16BF, k, x, CUDA_R_16BF, k, &zero,
                            y, CUDA_R_16BF, n, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
}

// A row-wise elementwise kernel (norm, silu*up, merge): one block a row.
__global__ void elementwiseKernel(const bf16* in, int inCols, bf16* out, int outCols) {
  const bf16* row = in + size_t(blockIdx.x) * inCols;
  for (int c = threadIdx.x; c < outCols; c += blockDim.x)
    out[size_t(blockIdx.x) * outCols + c] = __float2bfloat16(__bfloat162float(row[c % inCols]) * 0.5f);
}
void elementwise(const bf16* in, int inCols, bf16* out, int outCols, int m) {
  elementwiseKernel<<<m, 256, 0, mainStream>>>(in, inCols, out, outCols);
  CHECK(cudaGetLastError());
}

// The attention stand-in: streams `bytes` of K/V (16-byte loads cached in L2 only, as cp.async.cg), folds them
// into one word per block; evictFirst: the loads carry an L2 evict-first hint.
template <bool evictFirst>
__global__ void __launch_bounds__(128) attentionKernel(const uint4* kv, size_t vectors, unsigned* out) {
  uint64_t policy = 0;
  if (evictFirst) asm volatile("createpolicy.fractional.L2::evict_first.b64 %0, 1.0;" : "=l"(policy));
  unsigned acc = 0;
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < vectors; i += size_t(gridDim.x) * blockDim.x) {
    unsigned a, b, c, d;
    if (evictFirst)
      asm volatile("ld.global.cg.L2::cache_hint.v4.u32 {%0, %1, %2, %3}, [%4], %5;"
                   : "=r"(a), "=r"(b), "=r"(c), "=r"(d)
                   : "l"(kv + i), "l"(policy));
    else
      asm volatile("ld.global.cg.v4.u32 {%0, %1, %2, %3}, [%4];" : "=r"(a), "=r"(b), "=r"(c), "=r"(d) : "l"(kv + i));
    acc ^= a ^ b ^ c ^ d;
  }
  if (acc == 0x12345678u) out[blockIdx.x] = acc;  // keeps the loads
}

// ---- the prefetch kernels

// One 128-byte line a request, `lines` requests per thread.
template <bool evictLast>
__global__ void prefetchLinesKernel(const char* p, size_t bytes) {
  constexpr int kPerThread = 8;
  const size_t first = (blockIdx.x * size_t(blockDim.x) + threadIdx.x) * kPerThread * 128;
#pragma unroll
  for (int i = 0; i < kPerThread; ++i) {
    const size_t at = first + size_t(i) * 128;
    if (at < bytes) {
      if (evictLast)
        asm volatile("prefetch.global.L2::evict_last [%0];" ::"l"(p + at));
      else
        asm volatile("prefetch.global.L2 [%0];" ::"l"(p + at));
    }
  }
}
// The bulk (TMA) prefetch: one request per 32 KB chunk.
__global__ void prefetchBulkKernel(const char* p, size_t bytes) {
  constexpr size_t kChunk = 32 << 10;
  for (size_t at = (blockIdx.x * size_t(blockDim.x) + threadIdx.x) * kChunk; at < bytes;
       at += size_t(gridDim.x) * blockDim.x * kChunk) {
    const unsigned size = static_cast<unsigned>(bytes - at < kChunk ? bytes - at : kChunk) & ~15u;
    if (size) asm volatile("cp.async.bulk.prefetch.L2.global [%0], %1;" ::"l"(p + at), "r"(size) : "memory");
  }
}

enum class Mechanism { Lines, LinesEvictLast, Bulk };

void prefetch(Mechanism how, const void* p, size_t bytes) {
  const char* c = static_cast<const char*>(p);
  if (how == Mechanism::Bulk) {
    prefetchBulkKernel<<<8, 32, 0, sideStream>>>(c, bytes);
  } else {
    const size_t perBlock = 256 * 8 * 128;
    const unsigned blocks = static_cast<unsigned>((bytes + perBlock - 1) / perBlock);
    if (how == Mechanism::LinesEvictLast)
      prefetchLinesKernel<true><<<blocks, 256, 0, sideStream>>>(c, bytes);
    else
      prefetchLinesKernel<false><<<blocks, 256, 0, sideStream>>>(c, bytes);
  }
  CHECK(cudaGetLastError());
}

// ---- the model and the variants

constexpr int kLayers = 28, kHidden = 1536, kQkv = 2048, kInter = 8960;
// Nodes of a layer's chain, in order.
enum Node { Norm1, Qkv, Attention, Merge, O, Norm2, GateUp, Silu, Down, kNodes };

struct Layer {
  bf16 *qkv, *o, *gateUp, *down;  // q/k/v and o [n, k]; gate/up [k, 2I] and down [I, k] transposed
  uint4* kv;
};

struct Prefetch {
  Node product;     // Qkv, O, GateUp or Down
  int forkAfter;    // node of the chain the branch forks after; negative: the layer before (-1 = its Down)
  double megabytes; // how much of the product's weights, from its start (capped at its size)
};

struct Variant {
  std::string name;
  std::vector<Prefetch> prefetches;
  Mechanism how = Mechanism::Lines;
  bool attentionEvictFirst = false;
};

size_t productBytes(Node p) {
  switch (p) {
    case Qkv: return size_t(kQkv) * kHidden * 2;
    case O: return size_t(kHidden) * kHidden * 2;
    case GateUp: return size_t(2 * kInter) * kHidden * 2;
    default: return size_t(kHidden) * kInter * 2;
  }
}
const void* weightsOf(const Layer& l, Node p) {
  switch (p) {
    case Qkv: return l.qkv;
    case O: return l.o;
    case GateUp: return l.gateUp;
    default: return l.down;
  }
}

struct Run {
  std::vector<Layer> layers;
  size_t kvBytes;
  bf16 *a, *b, *gu;
  unsigned* sink;
  int m;
};

void chain(const Run& r, const Variant& v) {
  // Events: one per (layer, product) fork and join, created up front (capture records them as graph edges).
  static std::vector<cudaEvent_t> events;
  size_t nextEvent = 0;
  auto event = [&] {
    if (nextEvent == events.size()) {
      cudaEvent_t e;
      CHECK(cudaEventCreateWithFlags(&e, cudaEventDisableTiming));
      events.push_back(e);
    }
    return events[nextEvent++];
  };
  // pendingJoin[l][product]: the event the product must wait for.
  std::vector<std::vector<cudaEvent_t>> join(kLayers, std::vector<cudaEvent_t>(kNodes, nullptr));
  auto forks = [&](int layer, int node) {
    for (const Prefetch& p : v.prefetches) {
      // The branch for product p of layer L forks after node p.forkAfter of L (or of L - 1 when negative).
      const int target = p.forkAfter >= 0 ? layer : layer + 1;
      const int at = p.forkAfter >= 0 ? p.forkAfter : p.forkAfter + kNodes;
      if (at != node || target >= kLayers) continue;
      cudaEvent_t fork = event(), done = event();
      CHECK(cudaEventRecord(fork, mainStream));
      CHECK(cudaStreamWaitEvent(sideStream, fork, 0));
      const size_t bytes = std::min(productBytes(p.product), size_t(p.megabytes * 1e6));
      prefetch(v.how, weightsOf(r.layers[target], p.product), bytes);
      CHECK(cudaEventRecord(done, sideStream));
      join[target][p.product] = done;
    }
  };
  auto before = [&](int layer, Node node) {
    if (join[layer][node]) CHECK(cudaStreamWaitEvent(mainStream, join[layer][node], 0));
  };
  const int m = r.m;
  for (int l = 0; l < kLayers; ++l) {
    const Layer& y = r.layers[l];
    elementwise(r.b, kHidden, r.a, kHidden, m);  // input norm
    forks(l, Norm1);
    before(l, Qkv);
    product(false, r.a, y.qkv, r.b, m, kQkv, kHidden);
    forks(l, Qkv);
    if (v.attentionEvictFirst)
      attentionKernel<true><<<264, 128, 0, mainStream>>>(y.kv, r.kvBytes / 16, r.sink);
    else
      attentionKernel<false><<<264, 128, 0, mainStream>>>(y.kv, r.kvBytes / 16, r.sink);
    CHECK(cudaGetLastError());
    forks(l, Attention);
    elementwise(r.b, kQkv, r.a, kHidden, m);  // the slices' merge
    forks(l, Merge);
    before(l, O);
    product(false, r.a, y.o, r.b, m, kHidden, kHidden);
    forks(l, O);
    elementwise(r.b, kHidden, r.a, kHidden, m);  // residual + post-attention norm
    forks(l, Norm2);
    before(l, GateUp);
    product(true, r.a, y.gateUp, r.gu, m, 2 * kInter, kHidden);
    forks(l, GateUp);
    elementwise(r.gu, 2 * kInter, r.a, kInter, m);  // silu(gate) * up
    forks(l, Silu);
    before(l, Down);
    product(true, r.a, y.down, r.b, m, kHidden, kInter);
    forks(l, Down);
  }
}

float graphMicroseconds(const Run& r, const Variant& v, int replays) {
  cudaGraph_t graph;
  cudaGraphExec_t exec;
  CHECK(cudaStreamBeginCapture(mainStream, cudaStreamCaptureModeThreadLocal));
  chain(r, v);
  CHECK(cudaStreamEndCapture(mainStream, &graph));
  CHECK(cudaGraphInstantiate(&exec, graph, 0));
  const float us = replayMicroseconds(exec, mainStream, replays);
  cudaGraphExecDestroy(exec);
  cudaGraphDestroy(graph);
  return us;
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 2;
  CHECK(cudaStreamCreateWithFlags(&mainStream, cudaStreamNonBlocking));
  CHECK(cudaStreamCreateWithFlags(&sideStream, cudaStreamNonBlocking));
  CHECK_BLAS(cublasCreate(&blas));
  CHECK_BLAS(cublasSetStream(blas, mainStream));
  void* workspace = nullptr;
  CHECK(cudaMalloc(&workspace, 32 << 20));
  CHECK_BLAS(cublasSetWorkspace(blas, workspace, 32 << 20));
  cudaDeviceProp prop;
  CHECK(cudaGetDeviceProperties(&prop, 0));
  std::printf("device: %s, %d SMs, L2 %.1f MB\n", prop.name, prop.multiProcessorCount, prop.l2CacheSize / 1e6);

  Run r;
  r.kvBytes = size_t(8) * 5500 * 2 * 128 * 2 * 2;  // 8 slots of ~5,500 keys, 2 KV heads of 128, K and V, bf16
  for (int l = 0; l < kLayers; ++l) {
    Layer y;
    y.qkv = deviceFilled(productBytes(Qkv) / 2);
    y.o = deviceFilled(productBytes(O) / 2);
    y.gateUp = deviceFilled(productBytes(GateUp) / 2);
    y.down = deviceFilled(productBytes(Down) / 2);
    y.kv = reinterpret_cast<uint4*>(deviceFilled(r.kvBytes / 2));
    r.layers.push_back(y);
  }
  r.a = deviceFilled(size_t(32) * 2 * kInter);
  r.b = deviceFilled(size_t(32) * 2 * kInter);
  r.gu = deviceFilled(size_t(32) * 2 * kInter);
  CHECK(cudaMalloc(&r.sink, 4096));
  CHECK(cudaDeviceSynchronize());
  const double layerMB = (productBytes(Qkv) + productBytes(O) + productBytes(GateUp) + productBytes(Down) + r.kvBytes) / 1e6;
  std::printf("a layer: %.1f MB of weights + %.1f MB of K/V\n", layerMB - r.kvBytes / 1e6, r.kvBytes / 1e6);

  const std::vector<Prefetch> small{{Qkv, -2, 100}, {O, Qkv, 100}};
  std::vector<Prefetch> all = small;
  all.push_back({GateUp, Merge, 20});
  all.push_back({Down, GateUp, 20});
  std::vector<Prefetch> mlp = small;
  mlp.push_back({GateUp, Qkv, 12});
  mlp.push_back({Down, Norm2, 12});
  std::vector<Variant> variants{
      {"none", {}},
      {"q/k/v + o (lines)", small},
      {"q/k/v + o (bulk)", small, Mechanism::Bulk},
      {"q/k/v + o (lines, evict_last)", small, Mechanism::LinesEvictLast},
      {"q/k/v + o, attention evict_first", small, Mechanism::Lines, true},
      {"all: + 20 MB gate/up, 20 MB down (lines)", all},
      {"all (bulk)", all, Mechanism::Bulk},
      {"all, attention evict_first", all, Mechanism::Lines, true},
      {"+ 12 MB gate/up during attention, 12 MB down from norm", mlp},
      {"the same, attention evict_first (bulk)", mlp, Mechanism::Bulk, true},
  };
  for (int m : {8, 18}) {
    r.m = m;
    std::printf("== M = %d\n", m);
    for (int round = 0; round < rounds; ++round)
      for (const Variant& v : variants) {
        const float us = graphMicroseconds(r, v, 20);
        std::printf("  round %d  %-56s %8.1f us a step  %6.1f us a layer  %.2f TB/s\n", round, v.name.c_str(), us,
                    us / kLayers, layerMB * kLayers / us);  // MB per us = TB/s
      }
  }
  return 0;
}
