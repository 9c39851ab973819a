#include "core/infer/split_kv_decode.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "core/infer/fused_elementwise.h"
#include "core/infer/runtime_options.h"

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
  if (!fusedKernelsWanted(q) || q.dim() != 3 || keyStorage.dim() != 4 || !keyStorage.sizes().equals(valueStorage.sizes()))
    return false;
  if (keyStorage.scalar_type() != at::kBFloat16 || valueStorage.scalar_type() != at::kBFloat16 ||
      !keyStorage.is_contiguous() || !valueStorage.is_contiguous() || keyStorage.device() != q.device())
    return false;
  const int64_t hkv = keyStorage.size(2);
  if (hkv <= 0 || q.size(1) % hkv != 0 || q.size(2) != keyStorage.size(3)) return false;
  return decodeKernelFor(q.size(2), q.size(1) / hkv, keys) != DecodeKernel::None;
#else
  (void)q, (void)keyStorage, (void)valueStorage, (void)keys;
  return false;
#endif
}

at::Tensor splitKvDecodeAttention(const at::Tensor& q, const at::Tensor& keyStorage, const at::Tensor& valueStorage,
                                  const at::Tensor& keyLengths, int64_t maxKeys, double scale, int64_t window) {
#ifdef LL_HAVE_SPLIT_KV_KERNEL
  const int64_t keys = window > 0 ? std::min(maxKeys, window) : maxKeys;
  if (!splitKvDecodeApplies(q, keyStorage, valueStorage, keys) || q.size(0) != keyStorage.size(0) ||
      keyLengths.dim() != 1 || keyLengths.size(0) != q.size(0))
    throw std::invalid_argument("split-KV decode: q [S, Hq, D] (bf16, CUDA), caches [S, rows, Hkv, D], one key length "
                                "per slot, and heads of 128 or 256 above " + std::to_string(kSplitKvDecodeMaxKeys) +
                                " keys expected");
  const int64_t S = q.size(0), hq = q.size(1), d = q.size(2), hkv = keyStorage.size(2);
  const at::Tensor qc = q.contiguous();
  const at::Tensor lengths = keyLengths.to(q.device(), at::kLong).contiguous();
  at::Tensor out = at::empty({S, hq, d}, q.options());
  c10::cuda::CUDAGuard guard(q.device());
  kernels::SplitKvDecodeArgs a;
  a.q = qc.data_ptr();
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
  a.splits = tensorCores ? kernels::splitKvDecodeTensorCoreSplits(S, hkv, keys, q.device().index(), d)
                         : kernels::splitKvDecodeSplits(S, hkv, keys, q.device().index());
  a.out = out.data_ptr();
  at::Tensor partial, stats;  // alive until the launches are queued (the graph pool or the caching allocator keeps them)
  if (a.splits > 1) {
    const auto f32 = q.options().dtype(at::kFloat);
    partial = at::empty({S, hq, a.splits, d}, f32);
    stats = at::empty({2, S, hq, a.splits}, f32);
    a.partialOut = partial.data_ptr<float>();
    a.partialMax = stats[0].data_ptr<float>();
    a.partialSum = stats[1].data_ptr<float>();
  }
  const auto stream = c10::cuda::getCurrentCUDAStream(q.device().index()).stream();
  if (const char* e = tensorCores ? kernels::splitKvDecodeTensorCores(a, stream) : kernels::splitKvDecode(a, stream))
    throw std::runtime_error(std::string("split-KV decode attention failed to launch: ") + e);
  return out;
#else
  (void)q, (void)keyStorage, (void)valueStorage, (void)keyLengths, (void)maxKeys, (void)scale, (void)window;
  throw std::logic_error("split-KV decode: this build has no CUDA kernels");
#endif
}

}  // namespace ll::infer
