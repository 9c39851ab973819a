#include "core/models/gemma3n/fused_ops.h"

#include <cmath>
#include <initializer_list>
#include <stdexcept>
#include <string>

#include "core/infer/aligned.h"
#include "core/infer/environment_switch.h"
#include "core/infer/fused_elementwise.h"

#if defined(LL_FUSED_CUDA_KERNELS) && __has_include(<c10/cuda/CUDAStream.h>)
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include "core/models/gemma3n/fused_kernels.h"
#define LL_HAVE_FUSED 1
#endif

namespace ll::models::gemma3n::fused {

bool compiledIn() {
#ifdef LL_HAVE_FUSED
  return true;
#else
  return false;
#endif
}

bool fitsAltup(int64_t streams, int64_t hidden) { return streams == 4 && hidden == 2048; }
bool fitsHead(int64_t headDim) { return headDim == 256; }

bool available(const at::Tensor& like) { return compiledIn() && infer::fusedKernelsWanted(like); }

#ifdef LL_HAVE_FUSED
namespace {

void* currentStream(const at::Tensor& t) { return c10::cuda::getCurrentCUDAStream(t.device().index()).stream(); }

void check(const char* error, const char* what) {
  if (error) throw std::runtime_error(std::string("Gemma 3n fused kernel ") + what + " failed to launch: " + error);
}

// Shapes are checked here, not in the kernels: a mismatch is a bug in the caller, said plainly.
void require(bool ok, const char* what) {
  if (!ok) throw std::invalid_argument(std::string("Gemma 3n fused kernel: ") + what);
}

at::Tensor bf16Contiguous(const at::Tensor& t) {
  require(t.scalar_type() == at::kBFloat16, "bfloat16 tensors only");
  return t.contiguous();
}

void requireRows(const at::Tensor& t, const at::Tensor& like, const char* what) {
  require(t.scalar_type() == at::kBFloat16 && t.sizes() == like.sizes() && t.is_contiguous(), what);
}

void requireWeight(const at::Tensor& w, int64_t D, const char* what) {
  require(w.scalar_type() == at::kBFloat16 && w.numel() == D && w.is_contiguous(), what);
}

float floatEps(double eps) { return static_cast<float>(eps); }

}  // namespace

Predicted predictAndNorm(const at::Tensor& streams, int64_t a, const at::Tensor& routerNorm, const at::Tensor& W,
                         const at::Tensor& P, const at::Tensor& inputNorm, double eps, const at::Tensor& pendingG,
                         const at::Tensor& pendingNorm) {
  require(streams.dim() == 3 && streams.scalar_type() == at::kBFloat16 && a >= 0 && a < streams.size(0),
          "predictAndNorm wants bfloat16 streams [N, n, D] and an active stream among them");
  const int64_t N = streams.size(0), n = streams.size(1), D = streams.size(2);
  require(W.dim() == 2 && W.size(0) == N && W.size(1) == D && P.dim() == 2 && P.size(0) == N * N && P.size(1) == N,
          "predictAndNorm wants the router W [N, D] and P [N*N, N]");
  requireWeight(routerNorm, D, "predictAndNorm wants norm weights of D");
  requireWeight(inputNorm, D, "predictAndNorm wants norm weights of D");
  if (pendingG.defined()) {
    require(pendingG.dim() == 2 && pendingG.size(0) == n && pendingG.size(1) == D &&
                pendingG.scalar_type() == at::kBFloat16 && pendingG.is_contiguous(),
            "predictAndNorm wants a pending per-layer input [n, D], contiguous");
    requireWeight(pendingNorm, D, "predictAndNorm wants the pending per-layer input's norm weight of D");
  }
  const at::Tensor s = streams.contiguous(), w = bf16Contiguous(W), p = bf16Contiguous(P);
  Predicted out{at::empty_like(s), at::empty({n, D}, s.options())};
  c10::cuda::CUDAGuard guard(s.device());
  check(kernels::predictAndNorm(s.data_ptr(), static_cast<int>(a), routerNorm.data_ptr(), w.data_ptr(), p.data_ptr(),
                                inputNorm.data_ptr(), floatEps(eps), static_cast<int>(N), n, D, out.streams.data_ptr(),
                                out.normed.data_ptr(), currentStream(s),
                                pendingG.defined() ? pendingG.data_ptr() : nullptr,
                                pendingG.defined() ? pendingNorm.data_ptr() : nullptr),
        "predictAndNorm");
  return out;
}

Mixed attentionMix(const at::Tensor& u, const at::Tensor& h, const at::Tensor& o, const at::Tensor& laurel,
                   const at::Tensor& postAttnNorm, const at::Tensor& laurelNorm, const at::Tensor& preFfNorm, double eps) {
  require(u.dim() == 2 && u.scalar_type() == at::kBFloat16 && u.is_contiguous(), "attentionMix wants u [n, D], contiguous");
  const char* rows = "attentionMix wants u, h, o and laurel of one shape [n, D], contiguous";
  requireRows(h, u, rows);
  requireRows(o, u, rows);
  requireRows(laurel, u, rows);
  const int64_t n = u.size(0), D = u.size(1);
  for (const at::Tensor* w : {&postAttnNorm, &laurelNorm, &preFfNorm}) requireWeight(*w, D, "attentionMix wants norm weights of D");
  Mixed out{at::empty_like(u), at::empty_like(u)};
  // As ATen's division by a scalar on CUDA: a multiply by the float32 reciprocal.
  const float invSqrt2 = 1.0f / static_cast<float>(std::sqrt(2.0));
  c10::cuda::CUDAGuard guard(u.device());
  check(kernels::attentionMix(u.data_ptr(), h.data_ptr(), o.data_ptr(), laurel.data_ptr(), postAttnNorm.data_ptr(),
                              laurelNorm.data_ptr(), preFfNorm.data_ptr(), floatEps(eps), invSqrt2, n, D, out.z.data_ptr(),
                              out.normed.data_ptr(), currentStream(u)),
        "attentionMix");
  return out;
}

Corrected correctAfterMlp(const at::Tensor& z, const at::Tensor& mlp, const at::Tensor& postFfNorm, const at::Tensor& pred,
                          const at::Tensor& routerNorm, const at::Tensor& W, const at::Tensor& C, int64_t a,
                          const at::Tensor& scale, double eps) {
  require(pred.dim() == 3 && pred.scalar_type() == at::kBFloat16 && pred.is_contiguous() && a >= 0 && a < pred.size(0),
          "correctAfterMlp wants contiguous bfloat16 pred [N, n, D] and an active stream among them");
  const int64_t N = pred.size(0), n = pred.size(1), D = pred.size(2);
  require(z.dim() == 2 && z.size(0) == n && z.size(1) == D && z.scalar_type() == at::kBFloat16 && z.is_contiguous(),
          "correctAfterMlp wants z [n, D] matching pred, contiguous");
  requireRows(mlp, z, "correctAfterMlp wants z and mlp of one shape [n, D], contiguous");
  require(W.dim() == 2 && W.size(0) == N && W.size(1) == D && C.dim() == 2 && C.size(0) == N && C.size(1) == N,
          "correctAfterMlp wants the router W [N, D] and C [N, N]");
  requireWeight(postFfNorm, D, "correctAfterMlp wants norm weights of D");
  requireWeight(routerNorm, D, "correctAfterMlp wants norm weights of D");
  if (scale.defined()) requireWeight(scale, D, "correctAfterMlp wants a scale of D");
  const at::Tensor w = bf16Contiguous(W), c = bf16Contiguous(C);
  Corrected out{at::empty_like(pred), at::empty_like(z)};
  c10::cuda::CUDAGuard guard(z.device());
  check(kernels::correctAfterMlp(z.data_ptr(), mlp.data_ptr(), postFfNorm.data_ptr(), pred.data_ptr(),
                                 routerNorm.data_ptr(), w.data_ptr(), c.data_ptr(), static_cast<int>(a),
                                 scale.defined() ? scale.data_ptr() : nullptr, floatEps(eps), static_cast<int>(N), n, D,
                                 out.streams.data_ptr(), out.active.data_ptr(), currentStream(z)),
        "correctAfterMlp");
  return out;
}

void addPerLayerInput(at::Tensor& streams, const at::Tensor& g, const at::Tensor& norm, double eps) {
  require(streams.dim() == 3 && streams.scalar_type() == at::kBFloat16 && streams.is_contiguous(),
          "addPerLayerInput wants contiguous bfloat16 streams [N, n, D]");
  const int64_t N = streams.size(0), n = streams.size(1), D = streams.size(2);
  require(g.dim() == 2 && g.size(0) == n && g.size(1) == D && g.scalar_type() == at::kBFloat16 && g.is_contiguous(),
          "addPerLayerInput wants g [n, D], contiguous");
  requireWeight(norm, D, "addPerLayerInput wants a norm weight of D");
  c10::cuda::CUDAGuard guard(streams.device());
  check(kernels::addPerLayerInput(streams.data_ptr(), g.data_ptr(), norm.data_ptr(), floatEps(eps), static_cast<int>(N), n,
                                  D, currentStream(streams)),
        "addPerLayerInput");
}

at::Tensor sparseGeluTanhMul(const at::Tensor& gate, const at::Tensor& up, double multiplier) {
  require(gate.dim() == 2 && gate.sizes() == up.sizes() && gate.stride(1) == 1 && up.stride(1) == 1,
          "sparseGeluTanhMul wants two [n, K] tensors with contiguous rows");
  require(gate.scalar_type() == at::kBFloat16 && up.scalar_type() == at::kBFloat16, "bfloat16 tensors only");
  at::Tensor out = at::empty(gate.sizes(), gate.options());
  c10::cuda::CUDAGuard guard(gate.device());
  check(kernels::sparseGeluTanhMul(gate.data_ptr(), gate.stride(0), up.data_ptr(), up.stride(0),
                                   static_cast<float>(multiplier), gate.size(0), gate.size(1), out.data_ptr(),
                                   currentStream(gate)),
        "sparseGeluTanhMul");
  return out;
}

at::Tensor geluTanhMul(const at::Tensor& g, const at::Tensor& m) {
  require(g.dim() == 2 && g.sizes() == m.sizes() && g.stride(1) == 1 && m.stride(1) == 1,
          "geluTanhMul wants two [n, K] tensors with contiguous rows");
  require(g.scalar_type() == at::kBFloat16 && m.scalar_type() == at::kBFloat16, "bfloat16 tensors only");
  at::Tensor out = at::empty(g.sizes(), g.options());
  c10::cuda::CUDAGuard guard(g.device());
  check(kernels::geluTanhMul(g.data_ptr(), g.stride(0), m.data_ptr(), m.stride(0), g.size(0), g.size(1), out.data_ptr(),
                             currentStream(g)),
        "geluTanhMul");
  return out;
}

bool perLayerGateApplies(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& ple) {
  static const bool wanted = !infer::switchedOffByEnvironment("LAYOUTLENS_FUSED_PER_LAYER_GATE");
  auto rows16 = [](const at::Tensor& t) {
    return t.dim() == 2 && t.stride(1) == 1 && t.stride(0) % 8 == 0 && infer::aligned16(t.data_ptr());
  };
  return wanted && available(x) && rows16(x) && weight.dim() == 2 && weight.is_contiguous() && rows16(weight) &&
         weight.scalar_type() == at::kBFloat16 && weight.device() == x.device() && weight.size(1) == x.size(1) &&
         ple.dim() == 2 && ple.size(0) == x.size(0) && ple.size(1) == weight.size(0) && ple.stride(1) == 1 &&
         ple.scalar_type() == at::kBFloat16 && ple.device() == x.device() &&
         kernels::perLayerGateFits(x.size(0), x.size(1), weight.size(0));
}

at::Tensor perLayerGate(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& ple) {
  require(perLayerGateApplies(x, weight, ple), "perLayerGate: shapes, layout or device it is not built for");
  at::Tensor out = at::empty({x.size(0), weight.size(0)}, x.options());
  c10::cuda::CUDAGuard guard(x.device());
  check(kernels::perLayerGate(x.data_ptr(), x.stride(0), x.size(0), x.size(1), weight.data_ptr(), weight.size(0),
                              ple.data_ptr(), ple.stride(0), out.data_ptr(), currentStream(x)),
        "perLayerGate");
  return out;
}

AttentionInputs qkvNormRotary(const at::Tensor& proj, int64_t hq, int64_t hkv, int64_t d, const at::Tensor& qNorm,
                              const at::Tensor& kNorm, const at::Tensor& cos, const at::Tensor& signedSin, double eps,
                              bool ownsKv, const at::Tensor& intoKeys, const at::Tensor& intoValues,
                              const at::Tensor& intoRows) {
  const int64_t n = proj.size(0), kvHeads = ownsKv ? hkv : 0;
  require(proj.dim() == 2 && proj.stride(1) == 1 && proj.size(1) >= (hq + 2 * kvHeads) * d && qNorm.numel() == d &&
              (!ownsKv || kNorm.numel() == d) && cos.numel() == n * d && signedSin.numel() == n * d,
          "qkvNormRotary wants proj [n, (hq + 2 hkv) d] with contiguous rows, norms of d, cos/sin of n x d");
  require(proj.scalar_type() == at::kBFloat16, "bfloat16 tensors only");
  const at::Tensor qn = bf16Contiguous(qNorm), c = bf16Contiguous(cos), sn = bf16Contiguous(signedSin);
  const at::Tensor kn = ownsKv ? bf16Contiguous(kNorm) : at::Tensor();
  const bool direct = ownsKv && intoRows.defined();
  if (direct) {
    auto flatCache = [&](const at::Tensor& t) {
      return t.dim() == 3 && t.size(1) == hkv && t.size(2) == d && t.is_contiguous() && t.device() == proj.device() &&
             t.scalar_type() == at::kBFloat16;
    };
    require(flatCache(intoKeys) && flatCache(intoValues) && intoRows.dim() == 1 && intoRows.size(0) == n &&
                intoRows.scalar_type() == at::kLong && intoRows.is_contiguous() && intoRows.device() == proj.device(),
            "qkvNormRotary writes into flat bfloat16 caches [R, hkv, d] at int64 rows [n] on the same device");
  }
  AttentionInputs out;
  out.q = at::empty({n, hq, d}, proj.options());
  if (ownsKv && !direct) {
    out.k = at::empty({n, hkv, d}, proj.options());
    out.v = at::empty({n, hkv, d}, proj.options());
  }
  void* k = direct ? intoKeys.data_ptr() : (ownsKv ? out.k.data_ptr() : nullptr);
  void* v = direct ? intoValues.data_ptr() : (ownsKv ? out.v.data_ptr() : nullptr);
  c10::cuda::CUDAGuard guard(proj.device());
  check(kernels::qkvNormRotary(proj.data_ptr(), proj.stride(0), n, static_cast<int>(hq), static_cast<int>(kvHeads),
                               static_cast<int>(d), qn.data_ptr(), ownsKv ? kn.data_ptr() : nullptr, c.data_ptr(),
                               sn.data_ptr(), static_cast<float>(eps), out.q.data_ptr(), k, v,
                               direct ? intoRows.data_ptr<int64_t>() : nullptr, currentStream(proj)),
        "qkvNormRotary");
  return out;
}

#else
namespace {
[[noreturn]] void missing() {
  throw std::logic_error("this build has no fused Gemma 3n CUDA kernels (LAYOUTLENS_CUDA_KERNELS off); check available()");
}
}  // namespace
Predicted predictAndNorm(const at::Tensor&, int64_t, const at::Tensor&, const at::Tensor&, const at::Tensor&,
                         const at::Tensor&, double, const at::Tensor&, const at::Tensor&) {
  missing();
}
Mixed attentionMix(const at::Tensor&, const at::Tensor&, const at::Tensor&, const at::Tensor&, const at::Tensor&,
                   const at::Tensor&, const at::Tensor&, double) {
  missing();
}
Corrected correctAfterMlp(const at::Tensor&, const at::Tensor&, const at::Tensor&, const at::Tensor&, const at::Tensor&,
                          const at::Tensor&, const at::Tensor&, int64_t, const at::Tensor&, double) {
  missing();
}
void addPerLayerInput(at::Tensor&, const at::Tensor&, const at::Tensor&, double) { missing(); }
at::Tensor sparseGeluTanhMul(const at::Tensor&, const at::Tensor&, double) { missing(); }
at::Tensor geluTanhMul(const at::Tensor&, const at::Tensor&) { missing(); }
bool perLayerGateApplies(const at::Tensor&, const at::Tensor&, const at::Tensor&) { return false; }
at::Tensor perLayerGate(const at::Tensor&, const at::Tensor&, const at::Tensor&) { missing(); }
AttentionInputs qkvNormRotary(const at::Tensor&, int64_t, int64_t, int64_t, const at::Tensor&, const at::Tensor&,
                              const at::Tensor&, const at::Tensor&, double, bool, const at::Tensor&, const at::Tensor&,
                              const at::Tensor&) {
  missing();
}
#endif

}  // namespace ll::models::gemma3n::fused
