// Measures infer's skinny GEMM (core/infer/skinny_gemm_kernel.cu) against cuBLAS on the decode-step weight
// products of both decoders, on the GPU machine, without libtorch:
//   1. correctness: every shape at M = 1, 5, 8, 18, 32 (with and without bias) against cuBLAS's x W^T;
//   2. one product type at a time: a CUDA graph of L launches, each over its own layer's weights (so the
//      weights come from HBM as in a step), cuBLAS TN (at::linear's form), cuBLAS NN (W stored transposed,
//      the app's form for the MLP) and ours plain / as programmatic dependents -> us a launch and TB/s;
//   3. the decode step's product chain per layer with stand-in elementwise kernels between the products
//      (norm -> q/k/v -> attention stand-in -> o -> norm -> gate/up -> silu*up -> down): cuBLAS against ours,
//      ours with the elementwise kernels letting the next product start early (griddepcontrol).
// Build and run (tools/gpu/skinny_gemm_check.sh does it):
//   nvcc -O3 -std=c++17 -arch=sm_90a -I. tools/gpu/skinny_gemm_probe.cu core/infer/skinny_gemm_kernel.cu -lcublas
#include <cublas_v2.h>
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "core/infer/skinny_gemm_kernel.h"

namespace {

using bf16 = __nv_bfloat16;
namespace k = ll::infer::kernels;

#define CHECK(x)                                                                                 \
  do {                                                                                           \
    const cudaError_t e_ = (x);                                                                  \
    if (e_ != cudaSuccess) {                                                                     \
      std::fprintf(stderr, "%s:%d %s: %s\n", __FILE__, __LINE__, #x, cudaGetErrorString(e_));    \
      std::exit(1);                                                                              \
    }                                                                                            \
  } while (0)
#define CHECK_BLAS(x)                                                          \
  do {                                                                         \
    const cublasStatus_t s_ = (x);                                             \
    if (s_ != CUBLAS_STATUS_SUCCESS) {                                         \
      std::fprintf(stderr, "%s:%d %s: cuBLAS %d\n", __FILE__, __LINE__, #x, int(s_)); \
      std::exit(1);                                                            \
    }                                                                          \
  } while (0)

cublasHandle_t blas;
cudaStream_t stream;

bf16* deviceRandom(size_t n, unsigned seed, float scale) {
  std::vector<bf16> h(n);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-scale, scale);
  for (auto& v : h) v = __float2bfloat16(d(rng));
  bf16* p = nullptr;
  CHECK(cudaMalloc(&p, n * sizeof(bf16)));
  CHECK(cudaMemcpy(p, h.data(), n * sizeof(bf16), cudaMemcpyHostToDevice));
  return p;
}

// Fills a big buffer on the device quickly (values do not matter for timing, only for not being NaN).
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

// y [m, n] = x [m, k] W^T: W [n, k] row-major is cuBLAS's column-major [k, n], so op(A) = T.
void blasTN(const bf16* x, const bf16* w, bf16* y, int m, int n, int kk) {
  const float one = 1.f, zero = 0.f;
  CHECK_BLAS(cublasGemmEx(blas, CUBLAS_OP_T, CUBLAS_OP_N, n, m, kk, &one, w, CUDA_R_16BF, kk, x, CUDA_R_16BF, kk,
                          &zero, y, CUDA_R_16BF, n, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
}
// The same product with the weight stored transposed ([k, n] row-major = column-major [n, k]): an NN GEMM.
void blasNN(const bf16* x, const bf16* wt, bf16* y, int m, int n, int kk) {
  const float one = 1.f, zero = 0.f;
  CHECK_BLAS(cublasGemmEx(blas, CUBLAS_OP_N, CUBLAS_OP_N, n, m, kk, &one, wt, CUDA_R_16BF, n, x, CUDA_R_16BF, kk,
                          &zero, y, CUDA_R_16BF, n, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
}
void ours(const bf16* x, const bf16* w, const bf16* bias, bf16* y, int m, int n, int kk, bool programmatic) {
  k::SkinnyGemmArgs a;
  a.x = x;
  a.xStride = kk;
  a.w = w;
  a.bias = bias;
  a.y = y;
  a.yStride = n;
  a.m = m;
  a.n = n;
  a.k = kk;
  if (const char* e = k::skinnyGemm(a, stream, programmatic)) {
    std::fprintf(stderr, "skinny GEMM launch: %s\n", e);
    std::exit(1);
  }
}

__global__ void addBiasKernel(bf16* y, const bf16* bias, int m, int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < m * n) y[i] = __float2bfloat16(__bfloat162float(y[i]) + __bfloat162float(bias[i % n]));
}

struct Shape {
  const char* name;
  int n, k;
  bool bias;
};

int correctness(const std::vector<Shape>& shapes) {
  int failures = 0;
  for (const Shape& s : shapes)
    for (int m : {1, 5, 8, 18, 32}) {
      bf16* x = deviceRandom(size_t(m) * s.k, 11 + m, 1.f);
      bf16* w = deviceRandom(size_t(s.n) * s.k, 7, 0.05f);
      bf16* bias = s.bias ? deviceRandom(s.n, 3, 0.5f) : nullptr;
      bf16 *y1 = nullptr, *y2 = nullptr;
      CHECK(cudaMalloc(&y1, size_t(m) * s.n * sizeof(bf16)));
      CHECK(cudaMalloc(&y2, size_t(m) * s.n * sizeof(bf16)));
      blasTN(x, w, y1, m, s.n, s.k);
      if (bias) addBiasKernel<<<(m * s.n + 255) / 256, 256, 0, stream>>>(y1, bias, m, s.n);
      ours(x, w, bias, y2, m, s.n, s.k, false);
      CHECK(cudaStreamSynchronize(stream));
      std::vector<bf16> h1(size_t(m) * s.n), h2(h1.size());
      CHECK(cudaMemcpy(h1.data(), y1, h1.size() * sizeof(bf16), cudaMemcpyDeviceToHost));
      CHECK(cudaMemcpy(h2.data(), y2, h2.size() * sizeof(bf16), cudaMemcpyDeviceToHost));
      // Replays give the same bits.
      ours(x, w, bias, y2, m, s.n, s.k, true);
      CHECK(cudaStreamSynchronize(stream));
      std::vector<bf16> h3(h1.size());
      CHECK(cudaMemcpy(h3.data(), y2, h3.size() * sizeof(bf16), cudaMemcpyDeviceToHost));
      double maxRef = 0, maxDiff = 0;
      bool same = true;
      for (size_t i = 0; i < h1.size(); ++i) {
        const double a = __bfloat162float(h1[i]), b = __bfloat162float(h2[i]);
        maxRef = std::max(maxRef, std::fabs(a));
        maxDiff = std::max(maxDiff, std::fabs(a - b));
        same = same && __bfloat162float(h2[i]) == __bfloat162float(h3[i]);
      }
      const bool ok = maxDiff <= 0.02 * maxRef + 1e-3 && same && std::isfinite(maxDiff);
      if (!ok || m == 8)
        std::printf("check %-9s m=%2d n=%6d k=%5d bias=%d: max|ref| %.4f max|diff| %.5f (%.2f%%) repeat-identical %d %s\n",
                    s.name, m, s.n, s.k, int(s.bias), maxRef, maxDiff, 100 * maxDiff / maxRef, int(same),
                    ok ? "ok" : "FAILED");
      failures += !ok;
      cudaFree(x);
      cudaFree(w);
      if (bias) cudaFree(bias);
      cudaFree(y1);
      cudaFree(y2);
    }
  return failures;
}

template <class F>
float graphMicroseconds(F body, int replays) {
  cudaGraph_t graph;
  cudaGraphExec_t exec;
  CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
  body();
  CHECK(cudaStreamEndCapture(stream, &graph));
  CHECK(cudaGraphInstantiate(&exec, graph, 0));
  for (int i = 0; i < 3; ++i) CHECK(cudaGraphLaunch(exec, stream));
  cudaEvent_t a, b;
  CHECK(cudaEventCreate(&a));
  CHECK(cudaEventCreate(&b));
  CHECK(cudaEventRecord(a, stream));
  for (int i = 0; i < replays; ++i) CHECK(cudaGraphLaunch(exec, stream));
  CHECK(cudaEventRecord(b, stream));
  CHECK(cudaEventSynchronize(b));
  float ms = 0;
  CHECK(cudaEventElapsedTime(&ms, a, b));
  cudaGraphExecDestroy(exec);
  cudaGraphDestroy(graph);
  cudaEventDestroy(a);
  cudaEventDestroy(b);
  return 1000.f * ms / replays;
}

// Stand-in for a step's elementwise kernels (norms, silu*up, attention's output): reads `in` [m, inCols],
// writes out [m, outCols]; with `early`, lets the next kernel launch at once (griddepcontrol).
template <bool early>
__global__ void elementwiseKernel(const bf16* in, int inCols, bf16* out, int outCols) {
  if (early) asm volatile("griddepcontrol.launch_dependents;\n" ::: "memory");
  const bf16* row = in + size_t(blockIdx.x) * inCols;
  for (int c = threadIdx.x; c < outCols; c += blockDim.x)
    out[size_t(blockIdx.x) * outCols + c] = __float2bfloat16(__bfloat162float(row[c % inCols]) * 0.5f);
}
void elementwise(bool early, const bf16* in, int inCols, bf16* out, int outCols, int m) {
  if (early)
    elementwiseKernel<true><<<m, 256, 0, stream>>>(in, inCols, out, outCols);
  else
    elementwiseKernel<false><<<m, 256, 0, stream>>>(in, inCols, out, outCols);
}

struct Model {
  const char* name;
  int layers, hidden;
  std::vector<Shape> products;  // in step order; the MLP's gate/up then down are the last two
};

enum class Way { BlasTN, BlasNN, App, Ours, OursEarly };
const char* wayName(Way w) {
  switch (w) {
    case Way::BlasTN: return "cuBLAS TN";
    case Way::BlasNN: return "cuBLAS NN";
    case Way::App: return "cuBLAS as the app";
    case Way::Ours: return "ours";
    default: return "ours + early launch";
  }
}

void product(Way way, const Shape& s, const bf16* x, const bf16* w, bf16* y, int m, bool mlp) {
  switch (way) {
    case Way::BlasTN: return blasTN(x, w, y, m, s.n, s.k);
    case Way::BlasNN: return blasNN(x, w, y, m, s.n, s.k);
    case Way::App: return mlp ? blasNN(x, w, y, m, s.n, s.k) : blasTN(x, w, y, m, s.n, s.k);
    case Way::Ours: return ours(x, w, nullptr, y, m, s.n, s.k, false);
    default: return ours(x, w, nullptr, y, m, s.n, s.k, true);
  }
}

void timeModel(const Model& model, int m) {
  // Every layer's weights of its own (HBM, not L2), as in a step.
  std::vector<std::vector<bf16*>> weights(model.products.size());
  size_t bytesPerLayer = 0;
  for (size_t p = 0; p < model.products.size(); ++p) {
    const Shape& s = model.products[p];
    bytesPerLayer += size_t(s.n) * s.k * sizeof(bf16);
    for (int l = 0; l < model.layers; ++l) weights[p].push_back(deviceFilled(size_t(s.n) * s.k));
  }
  int widest = model.hidden;
  for (const Shape& s : model.products) widest = std::max({widest, s.n, s.k});
  bf16* a = deviceFilled(size_t(m) * widest);
  bf16* b = deviceFilled(size_t(m) * widest);
  CHECK(cudaDeviceSynchronize());
  std::printf("== %s, M = %d, %d layers, %.1f MB of product weights a layer\n", model.name, m, model.layers,
              bytesPerLayer / 1e6);
  for (size_t p = 0; p < model.products.size(); ++p) {
    const Shape& s = model.products[p];
    const double mb = double(s.n) * s.k * 2 / 1e6;
    std::printf("  %-9s n=%6d k=%5d (%6.2f MB, %d slices):", s.name, s.n, s.k, mb, k::skinnyGemmSplits(s.n, s.k, 0));
    for (Way way : {Way::BlasTN, Way::BlasNN, Way::Ours, Way::OursEarly}) {
      const float us = graphMicroseconds(
          [&] {
            for (int l = 0; l < model.layers; ++l) product(way, s, a, weights[p][l], b, m, false);
          },
          20) / model.layers;
      std::printf("  %s %6.1f us %4.2f TB/s |", wayName(way), us, mb / us);
    }
    std::printf("\n");
  }
  // The chain: norm, then each product with an elementwise kernel before it (silu*up before down).
  for (Way way : {Way::App, Way::Ours, Way::OursEarly}) {
    const bool early = way == Way::OursEarly;
    const float us = graphMicroseconds(
        [&] {
          for (int l = 0; l < model.layers; ++l)
            for (size_t p = 0; p < model.products.size(); ++p) {
              const Shape& s = model.products[p];
              elementwise(early, b, model.hidden, a, s.k, m);
              product(way, s, a, weights[p][l], b, m, p + 2 >= model.products.size());
            }
        },
        20);
    std::printf("  chain, %-19s %8.1f us a step (%.1f us a layer), weights at %.2f TB/s\n", wayName(way), us,
                us / model.layers, bytesPerLayer * model.layers / (us * 1e-6) / 1e12);
  }
  for (auto& v : weights)
    for (bf16* p : v) cudaFree(p);
  cudaFree(a);
  cudaFree(b);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string only = argc > 1 ? argv[1] : "";
  CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  CHECK_BLAS(cublasCreate(&blas));
  CHECK_BLAS(cublasSetStream(blas, stream));
  void* workspace = nullptr;
  CHECK(cudaMalloc(&workspace, 32 << 20));
  CHECK_BLAS(cublasSetWorkspace(blas, workspace, 32 << 20));
  cudaDeviceProp prop;
  CHECK(cudaGetDeviceProperties(&prop, 0));
  std::printf("device: %s, %d SMs\n", prop.name, prop.multiProcessorCount);

  // dots.ocr's layout decoder (Qwen2, hidden 1536) and Gemma 3n E4B's text decoder (hidden 2048).
  const Model layout{"layout (dots.ocr)", 28, 1536,
                     {{"qkv", 2048, 1536, true}, {"o", 1536, 1536, false}, {"gate/up", 17920, 1536, false},
                      {"down", 1536, 8960, false}}};
  const Model gemma{"Gemma 3n E4B",
                    35,
                    2048,
                    {{"qkv+laurel", 3136, 2048, false},
                     {"o", 2048, 2048, false},
                     {"laurel R", 2048, 64, false},
                     {"ple gate", 256, 2048, false},
                     {"ple proj", 2048, 256, false},
                     {"gate/up", 32768, 2048, false},
                     {"down", 2048, 16384, false}}};
  std::vector<Shape> all = layout.products;
  all.insert(all.end(), gemma.products.begin(), gemma.products.end());
  all.push_back({"odd n", 1000, 320, true});
  const int failures = correctness(all);
  std::printf("correctness: %d failure(s)\n", failures);
  if (only != "check") {
    timeModel(layout, 8);
    timeModel(layout, 18);
    timeModel(gemma, 8);
  }
  return failures == 0 ? 0 : 1;
}
