#include "core/models/gemma3n/fused_ops.h"

#include <cmath>
#include <stdexcept>
#include <string>

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

}  // namespace

at::Tensor routerTanh(const at::Tensor& x, const at::Tensor& normWeight, double eps, const at::Tensor& W) {
  require(x.scalar_type() == at::kBFloat16, "bfloat16 tensors only");
  require(x.dim() == 2 && x.stride(1) == 1 && W.dim() == 2 && W.size(1) == x.size(1) && normWeight.numel() == x.size(1),
          "routerTanh wants x [n, D] with contiguous rows, W [N, D], a weight of D");
  const at::Tensor w = bf16Contiguous(W), nw = bf16Contiguous(normWeight);
  at::Tensor out = at::empty({x.size(0), W.size(0)}, x.options());
  c10::cuda::CUDAGuard guard(x.device());
  check(kernels::routerTanh(x.data_ptr(), x.stride(0), x.size(0), x.size(1), nw.data_ptr(), static_cast<float>(eps),
                            w.data_ptr(), static_cast<int>(W.size(0)), out.data_ptr(), currentStream(x)),
        "routerTanh");
  return out;
}

at::Tensor altupPredict(const at::Tensor& streams, const at::Tensor& router, const at::Tensor& P) {
  const int64_t N = streams.size(0);
  require(streams.dim() == 3 && router.dim() == 2 && router.size(0) == streams.size(1) && router.size(1) == N &&
              P.dim() == 2 && P.size(0) == N * N && P.size(1) == N,
          "altupPredict wants streams [N, n, D], router [n, N], P [N*N, N]");
  const at::Tensor s = bf16Contiguous(streams), r = bf16Contiguous(router), p = bf16Contiguous(P);
  at::Tensor out = at::empty_like(s);
  c10::cuda::CUDAGuard guard(s.device());
  check(kernels::altupPredict(s.data_ptr(), r.data_ptr(), p.data_ptr(), static_cast<int>(N), s.size(1), s.size(2),
                              out.data_ptr(), currentStream(s)),
        "altupPredict");
  return out;
}

at::Tensor residualMix(const at::Tensor& u, const at::Tensor& attn, const at::Tensor& h, const at::Tensor& laurelNormed) {
  require(u.sizes() == attn.sizes() && u.sizes() == h.sizes() && u.sizes() == laurelNormed.sizes(),
          "residualMix wants four tensors of one shape");
  const at::Tensor a = bf16Contiguous(u), b = bf16Contiguous(attn), c = bf16Contiguous(h), d = bf16Contiguous(laurelNormed);
  at::Tensor z = at::empty_like(a);
  // As ATen's division by a scalar on CUDA: a multiply by the float32 reciprocal.
  const float invSqrt2 = 1.0f / static_cast<float>(std::sqrt(2.0));
  c10::cuda::CUDAGuard guard(a.device());
  check(kernels::residualMix(a.data_ptr(), b.data_ptr(), c.data_ptr(), d.data_ptr(), invSqrt2, a.numel(), z.data_ptr(),
                             currentStream(a)),
        "residualMix");
  return z;
}

Corrected altupCorrect(const at::Tensor& z2, const at::Tensor& u, const at::Tensor& pred, const at::Tensor& router2,
                       const at::Tensor& C, int64_t a, const at::Tensor& scale) {
  const int64_t N = pred.size(0);
  require(pred.dim() == 3 && z2.dim() == 2 && z2.sizes() == u.sizes() && z2.size(0) == pred.size(1) &&
              z2.size(1) == pred.size(2) && router2.dim() == 2 && router2.size(0) == z2.size(0) && router2.size(1) == N &&
              C.dim() == 2 && C.size(0) == N && C.size(1) == N && (!scale.defined() || scale.numel() == z2.size(1)),
          "altupCorrect wants z2, u [n, D], pred [N, n, D], router2 [n, N], C [N, N], a scale of D");
  const at::Tensor zz = bf16Contiguous(z2), uu = bf16Contiguous(u), pp = bf16Contiguous(pred), rr = bf16Contiguous(router2),
                   cc = bf16Contiguous(C);
  const at::Tensor sc = scale.defined() ? bf16Contiguous(scale) : at::Tensor();
  Corrected out{at::empty_like(pp), at::empty_like(zz)};
  c10::cuda::CUDAGuard guard(zz.device());
  check(kernels::altupCorrect(zz.data_ptr(), uu.data_ptr(), pp.data_ptr(), rr.data_ptr(), cc.data_ptr(), static_cast<int>(N),
                              static_cast<int>(a), sc.defined() ? sc.data_ptr() : nullptr, zz.size(0), zz.size(1),
                              out.streams.data_ptr(), out.active.data_ptr(), currentStream(zz)),
        "altupCorrect");
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

AttentionInputs qkvNormRotary(const at::Tensor& proj, int64_t hq, int64_t hkv, int64_t d, const at::Tensor& qNorm,
                              const at::Tensor& kNorm, const at::Tensor& cos, const at::Tensor& signedSin, double eps,
                              bool ownsKv) {
  const int64_t n = proj.size(0), kvHeads = ownsKv ? hkv : 0;
  require(proj.dim() == 2 && proj.stride(1) == 1 && proj.size(1) >= (hq + 2 * kvHeads) * d && qNorm.numel() == d &&
              (!ownsKv || kNorm.numel() == d) && cos.numel() == n * d && signedSin.numel() == n * d,
          "qkvNormRotary wants proj [n, (hq + 2 hkv) d] with contiguous rows, norms of d, cos/sin of n x d");
  require(proj.scalar_type() == at::kBFloat16, "bfloat16 tensors only");
  const at::Tensor qn = bf16Contiguous(qNorm), c = bf16Contiguous(cos), sn = bf16Contiguous(signedSin);
  const at::Tensor kn = ownsKv ? bf16Contiguous(kNorm) : at::Tensor();
  AttentionInputs out;
  out.q = at::empty({n, hq, d}, proj.options());
  if (ownsKv) {
    out.k = at::empty({n, hkv, d}, proj.options());
    out.v = at::empty({n, hkv, d}, proj.options());
  }
  c10::cuda::CUDAGuard guard(proj.device());
  check(kernels::qkvNormRotary(proj.data_ptr(), proj.stride(0), n, static_cast<int>(hq), static_cast<int>(kvHeads),
                               static_cast<int>(d), qn.data_ptr(), ownsKv ? kn.data_ptr() : nullptr, c.data_ptr(),
                               sn.data_ptr(), static_cast<float>(eps), out.q.data_ptr(),
                               ownsKv ? out.k.data_ptr() : nullptr, ownsKv ? out.v.data_ptr() : nullptr,
                               currentStream(proj)),
        "qkvNormRotary");
  return out;
}

#else
namespace {
[[noreturn]] void missing() {
  throw std::logic_error("this build has no fused Gemma 3n CUDA kernels (LAYOUTLENS_CUDA_KERNELS off); check available()");
}
}  // namespace
at::Tensor routerTanh(const at::Tensor&, const at::Tensor&, double, const at::Tensor&) { missing(); }
at::Tensor altupPredict(const at::Tensor&, const at::Tensor&, const at::Tensor&) { missing(); }
at::Tensor residualMix(const at::Tensor&, const at::Tensor&, const at::Tensor&, const at::Tensor&) { missing(); }
Corrected altupCorrect(const at::Tensor&, const at::Tensor&, const at::Tensor&, const at::Tensor&, const at::Tensor&, int64_t,
                       const at::Tensor&) {
  missing();
}
at::Tensor geluTanhMul(const at::Tensor&, const at::Tensor&) { missing(); }
AttentionInputs qkvNormRotary(const at::Tensor&, int64_t, int64_t, int64_t, const at::Tensor&, const at::Tensor&,
                              const at::Tensor&, const at::Tensor&, double, bool) {
  missing();
}
#endif

}  // namespace ll::models::gemma3n::fused
