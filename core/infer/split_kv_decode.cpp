#include "core/infer/split_kv_decode.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "core/infer/fused_elementwise.h"
#include "core/infer/runtime_options.h"
#include "core/infer/shape_text.h"

#if defined(LL_INFER_CUDA_KERNELS) && __has_include(<c10/cuda/CUDAStream.h>)
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include "core/infer/split_kv_decode_kernel.h"
#define LL_HAVE_SPLIT_KV_KERNEL 1
#endif

namespace ll::infer {

#ifdef LL_HAVE_SPLIT_KV_KERNEL
namespace {

// LAYOUTLENS_TENSOR_CORE_DECODE=0 hands long ranges back to FlashAttention's split kernel (A/B runs).
bool tensorCoresWanted() {
  static const bool wanted = !switchedOffByEnvironment("LAYOUTLENS_TENSOR_CORE_DECODE");
  return wanted;
}

// Heads of 256 (Gemma 3n) take the tensor-core kernel over short ranges too (its 512-key windows: the
// CUDA-core kernel was latency-bound there); LAYOUTLENS_TENSOR_CORE_WINDOWS=0 gives them back (A/B runs).
bool wideWindowsOnTensorCores() {
  static const bool wanted = !switchedOffByEnvironment("LAYOUTLENS_TENSOR_CORE_WINDOWS");
  return wanted;
}

// The slot-major caches the kernels read: [S, rows, Hkv, D] each, same shape, bf16, contiguous, on `device`.
bool cachesFit(const at::Tensor& keyStorage, const at::Tensor& valueStorage, const c10::Device& device) {
  return keyStorage.dim() == 4 && keyStorage.sizes().equals(valueStorage.sizes()) &&
         keyStorage.scalar_type() == at::kBFloat16 && valueStorage.scalar_type() == at::kBFloat16 &&
         keyStorage.is_contiguous() && valueStorage.is_contiguous() && keyStorage.device() == device &&
         valueStorage.device() == device;
}

enum class DecodeKernel { None, CudaCores, TensorCores };

DecodeKernel decodeKernelFor(int64_t headDim, int64_t group, int64_t keys) {
  const bool tensorCores = tensorCoresWanted() && kernels::splitKvDecodeTensorCoresSupport(headDim, group);
  if (keys > kSplitKvDecodeMaxKeys) return tensorCores ? DecodeKernel::TensorCores : DecodeKernel::None;
  if (tensorCores && headDim == 256 && wideWindowsOnTensorCores()) return DecodeKernel::TensorCores;
  return kernels::splitKvDecodeSupports(headDim, group) ? DecodeKernel::CudaCores : DecodeKernel::None;
}

}  // namespace
#endif

bool splitKvDecodeApplies(const at::Tensor& q, const at::Tensor& keyStorage, const at::Tensor& valueStorage,
                          int64_t keys) {
#ifdef LL_HAVE_SPLIT_KV_KERNEL
  if (!fusedKernelsWanted(q) || q.dim() != 3 || !cachesFit(keyStorage, valueStorage, q.device())) return false;
  const int64_t hkv = keyStorage.size(2);
  if (hkv <= 0 || q.size(1) % hkv != 0 || q.size(2) != keyStorage.size(3)) return false;
  return decodeKernelFor(q.size(2), q.size(1) / hkv, keys) != DecodeKernel::None;
#else
  (void)q, (void)keyStorage, (void)valueStorage, (void)keys;
  return false;
#endif
}

#ifdef LL_HAVE_SPLIT_KV_KERNEL
namespace {

// Launches the kernel for `a` (its q or qkv set by the caller) over the caches: the shape fields, the slices,
// the partial buffers. Returns [S, hq, D].
at::Tensor launchSplitKv(kernels::SplitKvDecodeArgs& a, int64_t S, int64_t hq, const at::TensorOptions& options,
                         const at::Tensor& keyStorage, const at::Tensor& valueStorage, const at::Tensor& keyLengths,
                         int64_t keys, double scale, int64_t window) {
  const int64_t d = keyStorage.size(3), hkv = keyStorage.size(2);
  const c10::Device device = keyStorage.device();
  const at::Tensor lengths = keyLengths.to(device, at::kLong).contiguous();
  at::Tensor out = at::empty({S, hq, d}, options);
  c10::cuda::CUDAGuard guard(device);
  a.keys = keyStorage.data_ptr();
  a.values = valueStorage.data_ptr();
  a.keyLengths = lengths.data_ptr<int64_t>();
  a.slots = S;
  a.rows = keyStorage.size(1);
  a.kvHeads = hkv;
  a.group = hq / hkv;
  a.headDim = d;
  a.window = window;
  a.scale = static_cast<float>(scale);
  const bool tensorCores = decodeKernelFor(d, hq / hkv, keys) == DecodeKernel::TensorCores;
  a.splits = tensorCores ? kernels::splitKvDecodeTensorCoreSplits(S, hkv, keys, device.index(), d)
                         : kernels::splitKvDecodeSplits(S, hkv, keys, device.index());
  a.out = out.data_ptr();
  at::Tensor partial, stats;  // alive until the launches are queued (the graph pool or the caching allocator keeps them)
  if (a.splits > 1) {
    const auto f32 = options.dtype(at::kFloat);
    partial = at::empty({S, hq, a.splits, d}, f32);
    stats = at::empty({2, S, hq, a.splits}, f32);
    a.partialOut = partial.data_ptr<float>();
    a.partialMax = stats[0].data_ptr<float>();
    a.partialSum = stats[1].data_ptr<float>();
  }
  const auto stream = c10::cuda::getCurrentCUDAStream(device.index()).stream();
  if (const char* e = tensorCores ? kernels::splitKvDecodeTensorCores(a, stream) : kernels::splitKvDecode(a, stream))
    throw std::runtime_error(std::string("split-KV decode attention failed to launch: ") + e);
  return out;
}

// LAYOUTLENS_ROTARY_IN_ATTENTION=0 keeps the rotary and cache writes in their own kernel (A/B runs).
bool rotaryInAttentionWanted() {
  static const bool wanted = !switchedOffByEnvironment("LAYOUTLENS_ROTARY_IN_ATTENTION");
  return wanted;
}

}  // namespace
#endif

at::Tensor splitKvDecodeAttention(const at::Tensor& q, const at::Tensor& keyStorage, const at::Tensor& valueStorage,
                                  const at::Tensor& keyLengths, int64_t maxKeys, double scale, int64_t window) {
#ifdef LL_HAVE_SPLIT_KV_KERNEL
  const int64_t keys = window > 0 ? std::min(maxKeys, window) : maxKeys;
  if (!splitKvDecodeApplies(q, keyStorage, valueStorage, keys) || q.size(0) != keyStorage.size(0) ||
      keyLengths.dim() != 1 || keyLengths.size(0) != q.size(0))
    throw std::invalid_argument("split-KV decode: q [S, Hq, D] (bf16, CUDA), caches [S, rows, Hkv, D], one key length "
                                "per slot, and heads of 128 or 256 above " + std::to_string(kSplitKvDecodeMaxKeys) +
                                " keys expected");
  const at::Tensor qc = q.contiguous();
  kernels::SplitKvDecodeArgs a;
  a.q = qc.data_ptr();
  return launchSplitKv(a, q.size(0), q.size(1), q.options(), keyStorage, valueStorage, keyLengths, keys, scale, window);
#else
  (void)q, (void)keyStorage, (void)valueStorage, (void)keyLengths, (void)maxKeys, (void)scale, (void)window;
  throw std::logic_error("split-KV decode: this build has no CUDA kernels");
#endif
}

bool splitKvDecodeRotatingApplies(const at::Tensor& qkv, int64_t hq, const at::Tensor& keyStorage,
                                  const at::Tensor& valueStorage, int64_t keys) {
#ifdef LL_HAVE_SPLIT_KV_KERNEL
  if (!rotaryInAttentionWanted() || !fusedKernelsWanted(qkv) || qkv.dim() != 2 ||
      !cachesFit(keyStorage, valueStorage, qkv.device()) || qkv.size(0) != keyStorage.size(0) ||
      qkv.scalar_type() != at::kBFloat16 || qkv.stride(1) != 1 || qkv.stride(0) % 2 != 0)
    return false;
  const int64_t hkv = keyStorage.size(2), d = keyStorage.size(3);
  if (hq <= 0 || hkv <= 0 || hq % hkv != 0 || qkv.size(1) != (hq + 2 * hkv) * d) return false;
  return decodeKernelFor(d, hq / hkv, keys) == DecodeKernel::TensorCores;
#else
  (void)qkv, (void)hq, (void)keyStorage, (void)valueStorage, (void)keys;
  return false;
#endif
}

at::Tensor splitKvDecodeRotatingAttention(const at::Tensor& qkv, int64_t hq, const at::Tensor& cos,
                                          const at::Tensor& signedSin, const at::Tensor& cacheRows,
                                          const at::Tensor& keyStorage, const at::Tensor& valueStorage,
                                          const at::Tensor& keyLengths, int64_t maxKeys, double scale) {
#ifdef LL_HAVE_SPLIT_KV_KERNEL
  const int64_t S = qkv.dim() == 2 ? qkv.size(0) : -1, d = keyStorage.dim() == 4 ? keyStorage.size(3) : -1;
  auto table = [&](const at::Tensor& t) {
    return t.dim() == 2 && t.size(0) == S && t.size(1) == d && t.scalar_type() == at::kBFloat16 &&
           t.device() == qkv.device() && t.is_contiguous();
  };
  auto perSlot = [&](const at::Tensor& t) { return t.dim() == 1 && t.size(0) == S && t.device() == qkv.device(); };
  if (!splitKvDecodeRotatingApplies(qkv, hq, keyStorage, valueStorage, maxKeys) || !table(cos) || !table(signedSin) ||
      !perSlot(cacheRows) || cacheRows.scalar_type() != at::kLong || !cacheRows.is_contiguous() || !perSlot(keyLengths))
    throw std::invalid_argument("split-KV decode with rotary: qkv [S, (Hq + 2 Hkv) D] (bf16, CUDA), tables [S, D], "
                                "cache rows and key lengths [S] on its device and caches [S, rows, Hkv, D] for the "
                                "tensor-core kernel expected, got qkv " + shapeText(qkv.sizes()) + " and caches " +
                                shapeText(keyStorage.sizes()));
  kernels::SplitKvDecodeArgs a;
  a.qkv = qkv.data_ptr();
  a.qkvStride = qkv.stride(0);
  a.cos = cos.data_ptr();
  a.signedSin = signedSin.data_ptr();
  a.cacheRows = cacheRows.data_ptr<int64_t>();
  return launchSplitKv(a, S, hq, qkv.options(), keyStorage, valueStorage, keyLengths, maxKeys, scale, 0);
#else
  (void)qkv, (void)hq, (void)cos, (void)signedSin, (void)cacheRows, (void)keyStorage, (void)valueStorage,
      (void)keyLengths, (void)maxKeys, (void)scale;
  throw std::logic_error("split-KV decode: this build has no CUDA kernels");
#endif
}

}  // namespace ll::infer
