// cuBLASLt plans for tuned_gemm_lt.h: per (device, shape) the descriptors, the heuristic's candidate
// algorithms and the chosen one. Host code only.
#include "core/infer/tuned_gemm_lt.h"

#include <cublasLt.h>
#include <cuda_runtime.h>
#include <dlfcn.h>

#include <map>
#include <mutex>
#include <tuple>
#include <vector>

namespace ll::infer::kernels {
namespace {

struct LtApi {
  decltype(&cublasLtCreate) create = nullptr;
  decltype(&cublasLtMatmulDescCreate) descCreate = nullptr;
  decltype(&cublasLtMatmulDescSetAttribute) descSet = nullptr;
  decltype(&cublasLtMatrixLayoutCreate) layoutCreate = nullptr;
  decltype(&cublasLtMatmulPreferenceCreate) prefCreate = nullptr;
  decltype(&cublasLtMatmulPreferenceSetAttribute) prefSet = nullptr;
  decltype(&cublasLtMatmulPreferenceDestroy) prefDestroy = nullptr;
  decltype(&cublasLtMatmulAlgoGetHeuristic) heuristic = nullptr;
  decltype(&cublasLtMatmul) matmul = nullptr;
  cublasLtHandle_t handle = nullptr;
  bool ok = false;
};

template <class F>
bool lookUp(void* library, F& f, const char* name) {
  f = reinterpret_cast<F>(dlsym(library, name));
  return f != nullptr;
}

bool lookUpAll(void* library, LtApi& a) {
  return lookUp(library, a.create, "cublasLtCreate") && lookUp(library, a.descCreate, "cublasLtMatmulDescCreate") &&
         lookUp(library, a.descSet, "cublasLtMatmulDescSetAttribute") &&
         lookUp(library, a.layoutCreate, "cublasLtMatrixLayoutCreate") &&
         lookUp(library, a.prefCreate, "cublasLtMatmulPreferenceCreate") &&
         lookUp(library, a.prefSet, "cublasLtMatmulPreferenceSetAttribute") &&
         lookUp(library, a.prefDestroy, "cublasLtMatmulPreferenceDestroy") &&
         lookUp(library, a.heuristic, "cublasLtMatmulAlgoGetHeuristic") && lookUp(library, a.matmul, "cublasLtMatmul");
}

const LtApi& api() {
  static const LtApi a = [] {
    LtApi x;
    bool found = lookUpAll(RTLD_DEFAULT, x);
    // Loaded but not in the global scope: ask for the already loaded library by name (RTLD_NOLOAD loads nothing).
    for (const char* name : {"libcublasLt.so.13", "libcublasLt.so.12"}) {
      if (found) break;
      if (void* lib = dlopen(name, RTLD_LAZY | RTLD_NOLOAD)) found = lookUpAll(lib, x);
    }
    x.ok = found && x.create(&x.handle) == CUBLAS_STATUS_SUCCESS;
    return x;
  }();
  return a;
}

struct Plan {
  cublasLtMatmulDesc_t desc = nullptr;
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr;
  std::vector<cublasLtMatmulAlgo_t> algos;
  int chosen = -1;
};

using Key = std::tuple<int, int64_t, int64_t, int64_t, int64_t, bool, int, int, int>;

std::mutex& plansMutex() {
  static std::mutex m;
  return m;
}
std::map<Key, Plan>& plans() {  // never freed: descriptors live as long as the process (a few per shape)
  static auto* p = new std::map<Key, Plan>();
  return *p;
}

Key keyOf(const LtGemm& g) {
  int device = 0;
  cudaGetDevice(&device);
  return Key{device, g.m, g.n, g.k, g.xStride, g.bias, g.alignX, g.alignW, g.alignY};
}

const char* status(cublasStatus_t s, const char* what) { return s == CUBLAS_STATUS_SUCCESS ? nullptr : what; }

// Column-major view of the row-major problem: y^T [n, m] = w [k, n]^T * x^T [k, m]: A = w (transposed),
// B = x, C = D = y with leading dimension n.
const char* build(const LtGemm& g, Plan& p) {
  const LtApi& lt = api();
  if (const char* e = status(lt.descCreate(&p.desc, CUBLAS_COMPUTE_32F, CUDA_R_32F), "cuBLASLt: no matmul descriptor"))
    return e;
  const cublasOperation_t t = CUBLAS_OP_T, n = CUBLAS_OP_N;
  lt.descSet(p.desc, CUBLASLT_MATMUL_DESC_TRANSA, &t, sizeof(t));
  lt.descSet(p.desc, CUBLASLT_MATMUL_DESC_TRANSB, &n, sizeof(n));
  if (g.bias) {
    const cublasLtEpilogue_t epilogue = CUBLASLT_EPILOGUE_BIAS;
    const cudaDataType_t biasType = CUDA_R_16BF;
    lt.descSet(p.desc, CUBLASLT_MATMUL_DESC_EPILOGUE, &epilogue, sizeof(epilogue));
    lt.descSet(p.desc, CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE, &biasType, sizeof(biasType));
  }
  if (lt.layoutCreate(&p.a, CUDA_R_16BF, g.k, g.n, g.k) != CUBLAS_STATUS_SUCCESS ||
      lt.layoutCreate(&p.b, CUDA_R_16BF, g.k, g.m, g.xStride) != CUBLAS_STATUS_SUCCESS ||
      lt.layoutCreate(&p.c, CUDA_R_16BF, g.n, g.m, g.n) != CUBLAS_STATUS_SUCCESS)
    return "cuBLASLt: no matrix layout for the shape";
  return nullptr;
}

}  // namespace

bool ltAvailable() { return api().ok; }

const char* ltPrepare(const LtGemm& g, uint64_t workspaceBytes, int maxCandidates, int* count) {
  *count = 0;
  const LtApi& lt = api();
  if (!lt.ok) return "cuBLASLt is not loaded in this process";
  std::lock_guard<std::mutex> lock(plansMutex());
  const Key key = keyOf(g);
  auto it = plans().find(key);
  if (it != plans().end()) {
    *count = static_cast<int>(it->second.algos.size());
    return nullptr;
  }
  Plan p;
  if (const char* e = build(g, p)) return e;
  cublasLtMatmulPreference_t pref = nullptr;
  if (lt.prefCreate(&pref) != CUBLAS_STATUS_SUCCESS) return "cuBLASLt: no preference descriptor";
  const uint32_t alignX = g.alignX, alignW = g.alignW, alignY = g.alignY;
  lt.prefSet(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &workspaceBytes, sizeof(workspaceBytes));
  lt.prefSet(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, &alignW, sizeof(alignW));
  lt.prefSet(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, &alignX, sizeof(alignX));
  lt.prefSet(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, &alignY, sizeof(alignY));
  lt.prefSet(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, &alignY, sizeof(alignY));
  std::vector<cublasLtMatmulHeuristicResult_t> found(static_cast<size_t>(maxCandidates > 0 ? maxCandidates : 1));
  int returned = 0;
  const cublasStatus_t s = lt.heuristic(lt.handle, p.desc, p.a, p.b, p.c, p.c, pref, static_cast<int>(found.size()),
                                        found.data(), &returned);
  lt.prefDestroy(pref);
  if (s != CUBLAS_STATUS_SUCCESS) returned = 0;
  for (int i = 0; i < returned; ++i)
    if (found[i].state == CUBLAS_STATUS_SUCCESS && found[i].workspaceSize <= workspaceBytes) p.algos.push_back(found[i].algo);
  *count = static_cast<int>(p.algos.size());
  plans().emplace(key, std::move(p));
  return nullptr;
}

const char* ltChoose(const LtGemm& g, int index) {
  std::lock_guard<std::mutex> lock(plansMutex());
  auto it = plans().find(keyOf(g));
  if (it == plans().end() || index < 0 || index >= static_cast<int>(it->second.algos.size()))
    return "cuBLASLt: no such candidate for the shape";
  it->second.chosen = index;
  return nullptr;
}

const char* ltRun(const LtGemm& g, int index, const void* x, const void* w, const void* bias, void* y, void* workspace,
                  uint64_t workspaceBytes, void* stream) {
  const LtApi& lt = api();
  std::lock_guard<std::mutex> lock(plansMutex());
  auto it = plans().find(keyOf(g));
  if (it == plans().end()) return "cuBLASLt: the shape was not prepared";
  Plan& p = it->second;
  const int i = index < 0 ? p.chosen : index;
  if (i < 0 || i >= static_cast<int>(p.algos.size())) return "cuBLASLt: no such candidate for the shape";
  if (g.bias) lt.descSet(p.desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof(bias));  // per call: layers differ
  const float one = 1.0f, zero = 0.0f;
  return status(lt.matmul(lt.handle, p.desc, &one, w, p.a, x, p.b, &zero, y, p.c, y, p.c, &p.algos[static_cast<size_t>(i)],
                          workspace, workspaceBytes, static_cast<cudaStream_t>(stream)),
                "cuBLASLt matmul failed");
}

}  // namespace ll::infer::kernels
