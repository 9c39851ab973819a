// Whether the decode step's gated MLP in one kernel (core/infer/gated_mlp_kernel.cu) beats the chain the
// decoders run now: cuBLAS gate/up (weight kept [hidden, 2 inner], an NN product, as WeightProduct keeps it),
// silu x up (an 8-wide kernel like core/infer's), cuBLAS down ([inner, hidden]). For each shape and row count:
//   - correctness: the fused output against the chain's (largest difference, share of identical bfloat16s)
//     and against itself on a second run (the same bits);
//   - time: a CUDA graph of one MLP per layer, each layer its own weights (so nothing is read from L2), the
//     chain and the fused kernel (launched programmatically, as in the decoders), microseconds per layer.
// No libtorch. Usage (tools/gpu/gated_mlp_probe.sh builds it): gated_mlp_probe
#include <cublas_v2.h>
#include <cuda_bf16.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/infer/async_copy.cuh"
#include "core/infer/bf16_vectors.cuh"
#include "core/infer/gated_mlp_kernel.h"
#include "tools/gpu/probe_support.cuh"

namespace ll::infer::kernels {
extern __device__ unsigned long long gatedMlpTimeline[256][8];
}

namespace ll::infer {
// core/infer/runtime_options.cpp's, without libtorch: only "0" / "off" switch off.
bool switchedOffByEnvironment(const char* name) {
  const char* v = std::getenv(name);
  return v && (std::string(v) == "0" || std::string(v) == "off");
}
}  // namespace ll::infer

namespace {

using bf16 = __nv_bfloat16;

struct Shape {
  const char* name;
  int hidden, inner, layers;
};

__global__ void fillKernel(bf16* p, size_t n, uint32_t seed, float scale) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) {
    uint32_t h = static_cast<uint32_t>(i) * 2654435761u ^ seed;
    h ^= h >> 15;
    h *= 2246822519u;
    h ^= h >> 13;
    p[i] = __float2bfloat16((static_cast<float>(h & 0xffff) / 32768.f - 1.f) * scale);
  }
}

void fill(bf16* p, size_t n, uint32_t seed, float scale) {
  fillKernel<<<1024, 256>>>(p, n, seed, scale);
  CHECK(cudaGetLastError());
}

// [rows, 2 inner] (gate | up) -> [rows, inner], as core/infer's siluMul8Kernel.
__global__ void siluMulKernel(const bf16* gu, int rows, int inner, bf16* h) {
  const int perRow = inner / 8;
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < rows * perRow; i += gridDim.x * blockDim.x) {
    const int r = i / perRow, v = i % perRow;
    float g[8], u[8];
    ll::infer::kernels::load8(gu + size_t(r) * 2 * inner + 8 * v, g);
    ll::infer::kernels::load8(gu + size_t(r) * 2 * inner + inner + 8 * v, u);
#pragma unroll
    for (int e = 0; e < 8; ++e) g[e] = ll::infer::kernels::siluTimes(g[e], u[e]);
    ll::infer::kernels::store8(h + size_t(r) * inner + 8 * v, g);
  }
}

// [inner, hidden] -> [hidden, inner]: gate/up's rows as the fused kernel reads them, from the NN layout.
__global__ void transposeKernel(const bf16* in, int rowsIn, int colsIn, bf16* out) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < size_t(rowsIn) * colsIn; i += size_t(gridDim.x) * blockDim.x) {
    const size_t r = i / colsIn, c = i % colsIn;
    out[c * rowsIn + r] = in[i];
  }
}

std::vector<bf16> download(const bf16* p, size_t n) {
  std::vector<bf16> h(n);
  CHECK(cudaMemcpy(h.data(), p, n * 2, cudaMemcpyDeviceToHost));
  return h;
}

// Where one launch's time goes (core/infer/gated_mlp_kernel.cu built with LL_GATED_MLP_TIMELINE): per point,
// the blocks' earliest, mean and latest time in microseconds from the earliest block's start.
template <class Launch>
void printTimeline(const char* name, int rows, Launch&& launch) {
  static unsigned long long t[256][8];
  std::fill(&t[0][0], &t[0][0] + 256 * 8, 0ull);
  CHECK(cudaMemcpyToSymbol(ll::infer::kernels::gatedMlpTimeline, t, sizeof(t)));
  CHECK(cudaDeviceSynchronize());
  launch();
  CHECK(cudaDeviceSynchronize());
  CHECK(cudaMemcpyFromSymbol(t, ll::infer::kernels::gatedMlpTimeline, sizeof(t)));
  int blocks = 0;
  while (blocks < 256 && t[blocks][0] != 0) ++blocks;
  unsigned long long t0 = ~0ull;
  for (int b = 0; b < blocks; ++b) t0 = std::min(t0, t[b][0]);
  const char* names[7] = {"start", "x loaded", "step 1 done", "barrier passed", "h slice loaded", "step 3 done", "end"};
  std::printf("  %s rows %d timeline (%d blocks): ", name, rows, blocks);
  for (int p = 0; p < 7; ++p) {
    double lo = 1e30, hi = 0, sum = 0;
    for (int b = 0; b < blocks; ++b) {
      const double us = (t[b][p] - t0) / 1000.0;
      lo = std::min(lo, us);
      hi = std::max(hi, us);
      sum += us;
    }
    std::printf("%s %.1f/%.1f/%.1f%s", names[p], lo, sum / blocks, hi, p < 6 ? " | " : "\n");
  }
}

void probe(const Shape& s, int rows, cublasHandle_t blas, cudaStream_t stream) {
  const size_t H = s.hidden, I = s.inner;
  if (!ll::infer::kernels::gatedMlpFits(rows, s.hidden, s.inner, 0)) {
    std::printf("%-8s rows %2d: the fused kernel does not take this shape\n", s.name, rows);
    return;
  }
  std::vector<bf16*> guNN(s.layers), guNK(s.layers), down(s.layers);
  for (int l = 0; l < s.layers; ++l) {
    CHECK(cudaMalloc(&guNN[l], H * 2 * I * 2));
    CHECK(cudaMalloc(&guNK[l], H * 2 * I * 2));
    CHECK(cudaMalloc(&down[l], I * H * 2));
    fill(guNN[l], H * 2 * I, 11u + l, 0.05f);
    fill(down[l], I * H, 91u + l, 0.02f);
    transposeKernel<<<2048, 256>>>(guNN[l], s.hidden, 2 * s.inner, guNK[l]);
    CHECK(cudaGetLastError());
  }
  bf16 *x, *gu, *h, *yChain, *yFused, *yAgain;
  float* partials;
  CHECK(cudaMalloc(&x, rows * H * 2));
  CHECK(cudaMalloc(&gu, rows * 2 * I * 2));
  CHECK(cudaMalloc(&h, rows * I * 2));
  CHECK(cudaMalloc(&yChain, rows * H * 2));
  CHECK(cudaMalloc(&yFused, rows * H * 2));
  CHECK(cudaMalloc(&yAgain, rows * H * 2));
  CHECK(cudaMalloc(&partials, ll::infer::kernels::gatedMlpScratchFloats(rows, s.hidden, s.inner, 0) * 4));
  fill(x, rows * H, 5u, 1.f);
  const float one = 1.f, zero = 0.f;
  CHECK_BLAS(cublasSetStream(blas, stream));
  // Column-major views: gu^T [2I, rows] = W^T x^T with W [H, 2I] row-major = [2I, H] column-major, no op.
  auto chain = [&](int l, bf16* y) {
    CHECK_BLAS(cublasGemmEx(blas, CUBLAS_OP_N, CUBLAS_OP_N, 2 * s.inner, rows, s.hidden, &one, guNN[l], CUDA_R_16BF,
                            2 * s.inner, x, CUDA_R_16BF, s.hidden, &zero, gu, CUDA_R_16BF, 2 * s.inner,
                            CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
    siluMulKernel<<<std::min(1024, (rows * s.inner / 8 + 255) / 256), 256, 0, stream>>>(gu, rows, s.inner, h);
    CHECK_BLAS(cublasGemmEx(blas, CUBLAS_OP_N, CUBLAS_OP_N, s.hidden, rows, s.inner, &one, down[l], CUDA_R_16BF,
                            s.hidden, h, CUDA_R_16BF, s.inner, &zero, y, CUDA_R_16BF, s.hidden, CUBLAS_COMPUTE_32F,
                            CUBLAS_GEMM_DEFAULT));
  };
  auto fused = [&](int l, bf16* y) {
    ll::infer::kernels::GatedMlpArgs a;
    a.x = x;
    a.xStride = s.hidden;
    a.rows = rows;
    a.hidden = s.hidden;
    a.inner = s.inner;
    a.gateUp = guNK[l];
    a.downT = down[l];
    a.out = y;
    a.partials = partials;
    if (const char* e = ll::infer::kernels::gatedMlp(a, stream)) {
      std::printf("fused launch failed: %s\n", e);
      std::exit(1);
    }
  };
  chain(0, yChain);
  fused(0, yFused);
  fused(0, yAgain);
  CHECK(cudaStreamSynchronize(stream));
  const auto a = download(yChain, rows * H), b = download(yFused, rows * H), c = download(yAgain, rows * H);
  float worst = 0.f, top = 0.f;
  size_t same = 0, repeat = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const float fa = __bfloat162float(a[i]), fb = __bfloat162float(b[i]);
    worst = std::max(worst, std::fabs(fa - fb));
    top = std::max(top, std::fabs(fa));
    same += __bfloat16_as_ushort(a[i]) == __bfloat16_as_ushort(b[i]);
    repeat += __bfloat16_as_ushort(b[i]) == __bfloat16_as_ushort(c[i]);
  }
  auto timeGraph = [&](auto&& body) {
    cudaGraph_t graph;
    CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
    for (int l = 0; l < s.layers; ++l) body(l, yFused);
    CHECK(cudaStreamEndCapture(stream, &graph));
    cudaGraphExec_t exec;
    CHECK(cudaGraphInstantiate(&exec, graph, 0));
    const float us = replayMicroseconds(exec, stream, 20) / s.layers;
    CHECK(cudaGraphExecDestroy(exec));
    CHECK(cudaGraphDestroy(graph));
    return us;
  };
  const float chainUs = timeGraph(chain), fusedUs = timeGraph(fused);
  printTimeline(s.name, rows, [&] { fused(0, yAgain); });
  const float chainUs2 = timeGraph(chain), fusedUs2 = timeGraph(fused);
  const double bytes = double(H) * 3 * I * 2;
  std::printf("%-8s rows %2d: chain %6.1f / %6.1f us (%.2f TB/s), fused %6.1f / %6.1f us (%.2f TB/s) | fused vs chain: "
              "max diff %.3g of max %.3g, %.1f %% identical; fused twice: %.1f %% identical\n",
              s.name, rows, chainUs, chainUs2, bytes / chainUs2 / 1e6, fusedUs, fusedUs2, bytes / fusedUs2 / 1e6, worst,
              top, 100.0 * same / a.size(), 100.0 * repeat / a.size());
  for (int l = 0; l < s.layers; ++l) {
    CHECK(cudaFree(guNN[l]));
    CHECK(cudaFree(guNK[l]));
    CHECK(cudaFree(down[l]));
  }
  for (void* p : {static_cast<void*>(x), static_cast<void*>(gu), static_cast<void*>(h), static_cast<void*>(yChain),
                  static_cast<void*>(yFused), static_cast<void*>(yAgain), static_cast<void*>(partials)})
    CHECK(cudaFree(p));
}


// What a block's weight stream alone costs, by access pattern (no arithmetic): each of `blocks` blocks copies
// `stages` stages of `rowsPerStage` pieces of `pieceBytes` (rows `rowStride` bytes apart, the next stage the
// next piece of each row, then the next group of rows) through a ring of kRing stages, kRing - 1 in flight, as the fused kernel does.
template <int kRing>
__global__ void __launch_bounds__(256, 1) streamKernel(const char* base, int64_t blockStride, int rowsPerStage,
                                                       int pieceBytes, int64_t rowStride, int stages, int stageBytes,
                                                       int* sink) {
  extern __shared__ __align__(16) unsigned char ring[];
  const char* mine = base + blockIdx.x * blockStride;
  auto load = [&](int s, int buffer) {
    const int per = pieceBytes / 16;
    for (int i = threadIdx.x; i < rowsPerStage * per; i += 256) {
      const int row = i / per, piece = i % per;
      const int perRow = static_cast<int>(rowStride / pieceBytes), group = s / perRow, at = s % perRow;
      const char* from = mine + (static_cast<int64_t>(group) * rowsPerStage + row) * rowStride +
                         static_cast<int64_t>(at) * pieceBytes + piece * 16;
      ll::infer::kernels::copy16Async(ll::infer::kernels::sharedAddress(ring + buffer * stageBytes + i * 16), from, true);
    }
  };
  for (int s = 0; s < kRing - 1; ++s) {
    if (s < stages) load(s, s);
    ll::infer::kernels::commitCopies();
  }
  int acc = 0, buffer = 0, loadBuffer = kRing - 1;
  for (int s = 0; s < stages; ++s) {
    ll::infer::kernels::waitCopies<kRing - 2>();
    __syncthreads();
    if (s + kRing - 1 < stages) load(s + kRing - 1, loadBuffer);
    ll::infer::kernels::commitCopies();
    loadBuffer = loadBuffer + 1 == kRing ? 0 : loadBuffer + 1;
    acc += ring[buffer * stageBytes + threadIdx.x];
    buffer = buffer + 1 == kRing ? 0 : buffer + 1;
  }
  if (acc == 12345678) *sink = acc;
}

void streamPatterns(cudaStream_t stream) {
  // 28 layers' worth of 82.5 MB (Qwen2 1.5B's MLP), 132 blocks of 625 KB each.
  const int blocks = 132, layers = 28;
  const int64_t blockBytes = 625 * 1024, blockStride = 1 << 20, layerBytes = blockStride * blocks;
  char* base;
  CHECK(cudaMalloc(&base, layerBytes * layers));
  CHECK(cudaMemset(base, 1, layerBytes * layers));
  int* sink;
  CHECK(cudaMalloc(&sink, 4));
  struct Pattern {
    const char* name;
    int rowsPerStage, pieceBytes;
    int64_t rowStride;
  };
  // Rows of a block's 625 KB: pieces of `pieceBytes` from rows `rowStride` apart, stage after stage.
  const Pattern patterns[] = {{"144 x 128 B, rows 3 KB apart (step 1 now)", 144, 128, 3072},
                              {"64 x 256 B, rows 3 KB apart (step 3 now)", 64, 256, 3072},
                              {"8 x 3 KB rows (contiguous 24 KB)", 8, 3072, 3072},
                              {"1 x 18 KB (contiguous)", 1, 18432, 18432},
                              {"16 x 1 KB, rows 3 KB apart", 16, 1024, 3072},
                              {"36 x 512 B, rows 3 KB apart", 36, 512, 3072}};
  for (const Pattern& p : patterns) {
    const int stageBytes = p.rowsPerStage * p.pieceBytes;
    const int stages = static_cast<int>(blockBytes / stageBytes);
    for (int ring : {4, 7}) {
      const size_t smem = static_cast<size_t>(ring) * stageBytes;
      auto kernel = ring == 4 ? streamKernel<4> : streamKernel<7>;
      if (smem > 227 * 1024) continue;
      CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem)));
      cudaGraph_t graph;
      CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
      for (int l = 0; l < layers; ++l)
        kernel<<<blocks, 256, smem, stream>>>(base + l * layerBytes, blockStride, p.rowsPerStage, p.pieceBytes,
                                              p.rowStride, stages, stageBytes, sink);
      CHECK(cudaStreamEndCapture(stream, &graph));
      cudaGraphExec_t exec;
      CHECK(cudaGraphInstantiate(&exec, graph, 0));
      const float us = replayMicroseconds(exec, stream, 20) / layers;
      std::printf("stream %-44s ring %d (%3d KB in flight): %5.1f us a layer, %.2f TB/s\n", p.name, ring,
                  (ring - 1) * stageBytes / 1024, us, double(blocks) * stages * stageBytes / us / 1e6);
      CHECK(cudaGraphExecDestroy(exec));
      CHECK(cudaGraphDestroy(graph));
    }
  }
  CHECK(cudaFree(base));
  CHECK(cudaFree(sink));
}

}  // namespace

int main() {
  cudaDeviceProp prop;
  CHECK(cudaGetDeviceProperties(&prop, 0));
  std::printf("%s, %d SMs\n", prop.name, prop.multiProcessorCount);
  cublasHandle_t blas;
  CHECK_BLAS(cublasCreate(&blas));
  void* workspace;
  CHECK(cudaMalloc(&workspace, 32u << 20));
  cudaStream_t stream;
  CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  CHECK_BLAS(cublasSetWorkspace(blas, workspace, 32u << 20));
  streamPatterns(stream);
  const Shape shapes[] = {{"small", 512, 1040, 4}, {"qwen2", 1536, 8960, 28}, {"gemma3n", 2048, 16384, 12}};
  for (const Shape& s : shapes)
    for (int rows : {1, 8, 16, 18, 32}) probe(s, rows, blas, stream);
  return 0;
}
