// Whether cuBLASLt has faster algorithms than the ones libtorch gets for the decode steps' weight products.
// The trace of a Gemma 3n step (H100, batch 8) shows 146 small products a step at ~5 us each, among them the
// per-layer input gate and projection (1 MB each, ~0.2 TB/s): launch- and latency-bound kernels on a few
// dozen SMs. This probe times, for each product of both decoders at a decode step's rows (y [M, N] = x [M, K]
// times the weight, bf16 in, float32 accumulation, bf16 out, weight stored as the decoders store it):
//   - cublasGemmEx with CUBLAS_GEMM_DEFAULT (what at::mm / at::linear call by default);
//   - every algorithm cuBLASLt's heuristic offers (up to 64), the first being what its own default picks,
//     and each of them again with split-K 2 / 4 / 8 / 16 where the algorithm can split;
// each inside a CUDA graph of products that cycle through enough weight copies that none is read from L2.
// Prints per product and row count: GemmEx, heuristic #0, the best, its configuration, and the best's
// largest difference from GemmEx's output (a wrong algorithm would show). No libtorch.
// Usage (tools/gpu/gemm_algo_probe.sh builds it): gemm_algo_probe [rows...]
#include <cublasLt.h>
#include <cublas_v2.h>
#include <cuda_bf16.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "tools/gpu/probe_support.cuh"

namespace {

struct Product {
  const char* name;
  int K, N;
  bool storedTransposed;  // the weight kept [K, N] (an NN product), else as the checkpoint has it, [N, K]
};

// The decoders' products as core/models stores them (WeightProduct keeps MLP and head weights transposed).
const Product kProducts[] = {
    {"qwen2 qkv", 1536, 2048, false},          {"qwen2 o", 1536, 1536, false},
    {"qwen2 gate/up", 1536, 17920, true},      {"qwen2 down", 8960, 1536, true},
    {"qwen2 lm_head", 1536, 151936, true},     {"gemma qkv+laurel", 2048, 3136, false},
    {"gemma o", 2048, 2048, false},            {"gemma gate/up", 2048, 32768, true},
    {"gemma down", 16384, 2048, true},         {"gemma ple gate", 2048, 256, false},
    {"gemma ple proj", 256, 2048, false},      {"gemma laurel right", 64, 2048, false},
    {"gemma head", 2048, 262144, true},
};

constexpr size_t kWorkspaceBytes = 32u << 20;

struct Case {
  const Product& p;
  int M;
  int copies;
  std::vector<__nv_bfloat16*> weights;
  __nv_bfloat16 *x = nullptr, *y = nullptr, *yCheck = nullptr;
  void* workspace = nullptr;
  cudaStream_t stream = nullptr;
};

// Microseconds per product: a graph of `c.copies` products (each its own weight copy), replayed.
template <class Enqueue>
float timeProducts(Case& c, Enqueue&& enqueue) {
  cudaGraph_t graph;
  if (cudaStreamBeginCapture(c.stream, cudaStreamCaptureModeThreadLocal) != cudaSuccess) return -1.f;
  bool ok = true;
  for (int i = 0; i < c.copies && ok; ++i) ok = enqueue(c.weights[static_cast<size_t>(i)], c.y);
  if (cudaStreamEndCapture(c.stream, &graph) != cudaSuccess || !ok) {
    cudaGetLastError();
    return -1.f;
  }
  cudaGraphExec_t exec;
  if (cudaGraphInstantiate(&exec, graph, 0) != cudaSuccess) {
    cudaGetLastError();
    cudaGraphDestroy(graph);
    return -1.f;
  }
  const int replays = std::max(4, 400 / c.copies);
  const float us = replayMicroseconds(exec, c.stream, replays) / static_cast<float>(c.copies);
  CHECK(cudaGraphExecDestroy(exec));
  CHECK(cudaGraphDestroy(graph));
  return us;
}

float maxDifference(const __nv_bfloat16* a, const __nv_bfloat16* b, size_t n) {
  std::vector<__nv_bfloat16> ha(n), hb(n);
  CHECK(cudaMemcpy(ha.data(), a, n * 2, cudaMemcpyDeviceToHost));
  CHECK(cudaMemcpy(hb.data(), b, n * 2, cudaMemcpyDeviceToHost));
  float worst = 0.f;
  for (size_t i = 0; i < n; ++i) worst = std::max(worst, std::fabs(__bfloat162float(ha[i]) - __bfloat162float(hb[i])));
  return worst;
}

void probe(const Product& p, int M, cublasHandle_t blas, cublasLtHandle_t lt, void* workspace, cudaStream_t stream) {
  Case c{p, M};
  c.stream = stream;
  c.workspace = workspace;
  const size_t weightBytes = size_t(p.K) * p.N * 2;
  c.copies = static_cast<int>(std::clamp<size_t>((160u << 20) / weightBytes + 1, 1, 64));
  for (int i = 0; i < c.copies; ++i) {
    __nv_bfloat16* w;
    CHECK(cudaMalloc(&w, weightBytes));
    fillRandom(w, weightBytes / 2, 77u + i, 0.03f);
    c.weights.push_back(w);
  }
  CHECK(cudaMalloc(&c.x, size_t(M) * p.K * 2));
  CHECK(cudaMalloc(&c.y, size_t(M) * p.N * 2));
  CHECK(cudaMalloc(&c.yCheck, size_t(M) * p.N * 2));
  fillRandom(c.x, size_t(M) * p.K, 5u, 1.f);

  // Column-major view: y^T [N, M] = op(W) [N, K] x^T [K, M].
  const cublasOperation_t opW = p.storedTransposed ? CUBLAS_OP_N : CUBLAS_OP_T;
  const int ldw = p.storedTransposed ? p.N : p.K;
  const float one = 1.f, zero = 0.f;
  auto gemmEx = [&](const __nv_bfloat16* w, __nv_bfloat16* y) {
    return cublasGemmEx(blas, opW, CUBLAS_OP_N, p.N, M, p.K, &one, w, CUDA_R_16BF, ldw, c.x, CUDA_R_16BF, p.K, &zero, y,
                        CUDA_R_16BF, p.N, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT) == CUBLAS_STATUS_SUCCESS;
  };
  CHECK_BLAS(cublasSetStream(blas, stream));
  CHECK_BLAS(cublasSetWorkspace(blas, workspace, kWorkspaceBytes));
  const float exUs = timeProducts(c, gemmEx);
  gemmEx(c.weights[0], c.yCheck);

  cublasLtMatmulDesc_t desc;
  CHECK_BLAS(cublasLtMatmulDescCreate(&desc, CUBLAS_COMPUTE_32F, CUDA_R_32F));
  CHECK_BLAS(cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSA, &opW, sizeof(opW)));
  const cublasOperation_t opN = CUBLAS_OP_N;
  CHECK_BLAS(cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSB, &opN, sizeof(opN)));
  cublasLtMatrixLayout_t aL, bL, cL;
  CHECK_BLAS(cublasLtMatrixLayoutCreate(&aL, CUDA_R_16BF, p.storedTransposed ? p.N : p.K, p.storedTransposed ? p.K : p.N, ldw));
  CHECK_BLAS(cublasLtMatrixLayoutCreate(&bL, CUDA_R_16BF, p.K, M, p.K));
  CHECK_BLAS(cublasLtMatrixLayoutCreate(&cL, CUDA_R_16BF, p.N, M, p.N));
  cublasLtMatmulPreference_t pref;
  CHECK_BLAS(cublasLtMatmulPreferenceCreate(&pref));
  const size_t ws = kWorkspaceBytes;
  CHECK_BLAS(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof(ws)));
  std::vector<cublasLtMatmulHeuristicResult_t> found(64);
  int returned = 0;
  CHECK_BLAS(cublasLtMatmulAlgoGetHeuristic(lt, desc, aL, bL, cL, cL, pref, 64, found.data(), &returned));

  auto ltProduct = [&](const cublasLtMatmulAlgo_t& algo) {
    return [&, algo](const __nv_bfloat16* w, __nv_bfloat16* y) {
      return cublasLtMatmul(lt, desc, &one, w, aL, c.x, bL, &zero, y, cL, y, cL, &algo, workspace, kWorkspaceBytes,
                            stream) == CUBLAS_STATUS_SUCCESS;
    };
  };
  float firstUs = -1.f, bestUs = 1e30f;
  cublasLtMatmulAlgo_t best{};
  int bestIndex = -1, bestSplit = 1, tried = 0;
  for (int i = 0; i < returned; ++i) {
    if (found[static_cast<size_t>(i)].state != CUBLAS_STATUS_SUCCESS) continue;
    for (int split : {1, 2, 4, 8, 16}) {
      cublasLtMatmulAlgo_t algo = found[static_cast<size_t>(i)].algo;
      if (split > 1) {
        int canSplit = 0;
        size_t written = 0;
        cublasLtMatmulAlgoCapGetAttribute(&algo, CUBLASLT_ALGO_CAP_SPLITK_SUPPORT, &canSplit, sizeof(canSplit), &written);
        if (!canSplit) break;
        if (cublasLtMatmulAlgoConfigSetAttribute(&algo, CUBLASLT_ALGO_CONFIG_SPLITK_NUM, &split, sizeof(split)) !=
            CUBLAS_STATUS_SUCCESS)
          continue;
        cublasLtMatmulHeuristicResult_t check{};
        if (cublasLtMatmulAlgoCheck(lt, desc, aL, bL, cL, cL, &algo, &check) != CUBLAS_STATUS_SUCCESS ||
            check.workspaceSize > kWorkspaceBytes)
          continue;
      }
      const float us = timeProducts(c, ltProduct(algo));
      if (us <= 0.f) continue;
      ++tried;
      if (i == 0 && split == 1) firstUs = us;
      if (us < bestUs) {
        bestUs = us;
        best = algo;
        bestIndex = i;
        bestSplit = split;
      }
    }
  }
  float diff = -1.f;
  int tile = -1, stages = -1, algoId = -1;
  if (bestIndex >= 0) {
    CHECK(cudaMemset(c.y, 0, size_t(M) * p.N * 2));
    ltProduct(best)(c.weights[0], c.y);
    CHECK(cudaStreamSynchronize(stream));
    diff = maxDifference(c.y, c.yCheck, size_t(M) * p.N);
    size_t written = 0;
    cublasLtMatmulAlgoConfigGetAttribute(&best, CUBLASLT_ALGO_CONFIG_ID, &algoId, sizeof(algoId), &written);
    cublasLtMatmulAlgoConfigGetAttribute(&best, CUBLASLT_ALGO_CONFIG_TILE_ID, &tile, sizeof(tile), &written);
    cublasLtMatmulAlgoConfigGetAttribute(&best, CUBLASLT_ALGO_CONFIG_STAGES_ID, &stages, sizeof(stages), &written);
  }
  const double mb = weightBytes / 1e6;
  std::printf("%-20s M=%2d %7.1f MB  GemmEx %7.1f us (%.2f TB/s)  Lt#0 %7.1f us  best %7.1f us (%.2f TB/s; #%d of %d, "
              "%d tried, split %d, algo %d tile %d stages %d)  max|diff| %.3g\n",
              p.name, M, mb, exUs, mb / exUs, firstUs, bestUs, mb / bestUs,
              bestIndex, returned, tried, bestSplit, algoId, tile, stages, diff);
  std::fflush(stdout);
  cublasLtMatmulPreferenceDestroy(pref);
  cublasLtMatrixLayoutDestroy(aL);
  cublasLtMatrixLayoutDestroy(bL);
  cublasLtMatrixLayoutDestroy(cL);
  cublasLtMatmulDescDestroy(desc);
  for (auto* w : c.weights) CHECK(cudaFree(w));
  CHECK(cudaFree(c.x));
  CHECK(cudaFree(c.y));
  CHECK(cudaFree(c.yCheck));
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> rows;
  for (int i = 1; i < argc; ++i) rows.push_back(std::atoi(argv[i]));
  if (rows.empty()) rows = {8, 24};
  cublasHandle_t blas;
  cublasLtHandle_t lt;
  CHECK_BLAS(cublasCreate(&blas));
  CHECK_BLAS(cublasLtCreate(&lt));
  void* workspace;
  CHECK(cudaMalloc(&workspace, kWorkspaceBytes));
  cudaStream_t stream;
  CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  for (const Product& p : kProducts)
    for (int M : rows) probe(p, M, blas, lt, workspace, stream);
  return 0;
}
