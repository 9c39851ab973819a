#pragma once
// The decode step's attention over the slot-major KV cache as split-KV CUDA kernels of ours
// (split_kv_decode_kernel.cu): all query heads of a KV head in one block, the keys cut into as many slices
// as it takes to fill the GPU; CUDA cores over short ranges, tensor cores over long ones (and for heads of 256).
// infer::cacheDecodeAttention (attention.h) takes them where they apply and FlashAttention's varlen kernel
// (or plain math) elsewhere; same contract, float32 softmax.
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace ll::infer {

// Ranges of at most this many keys per slot go to the CUDA-core kernel. Measured on an H100: Gemma 3n's steps
// (512-key windows, 8 sequences) 21 us a layer against FlashAttention's 33-49 us; but dots.ocr's layout step
// (18 slots of ~5,500 keys) 76 us against 41 us: over long ranges its loop is too slow, so longer ranges go
// to the tensor-core kernel (heads of 128 and 256) or FlashAttention's split kernel (other heads). Heads of 256
// (Gemma 3n) take the tensor-core kernel over short ranges too: its windows 9.5 against 16.7 us a layer on an
// H100 (LAYOUTLENS_TENSOR_CORE_WINDOWS=0 gives them back, for A/B runs).
constexpr int64_t kSplitKvDecodeMaxKeys = 2048;

// Built with the kernels, wanted (fusedKernelsWanted: CUDA bfloat16, LAYOUTLENS_FUSED_KERNELS not 0),
// q [S, Hq, D] and contiguous caches [S, rows, Hkv, D]; up to kSplitKvDecodeMaxKeys keys a slot (`keys`: the
// bucket, or the window where that is smaller) D in {8, 16, 32, 64, 128, 256} and Hq / Hkv in {1, 2, 3, 4, 6,
// 8}; above that D = 128 with Hq / Hkv <= 16 or D = 256 with Hq / Hkv <= 8 (the tensor-core kernel), unless
// LAYOUTLENS_TENSOR_CORE_DECODE=0 (FlashAttention then, for A/B runs). Why a kernel of our own over long ranges: pytorch's FlashAttention
// entry point splits the keys only after copying the query heads into the sequence axis (three copy kernels
// a layer) and combines the slices in a kernel of its own. Measured on an H100 in one call (dots.ocr's layout
// step at ~5,500 keys, tools/gpu/decode_attention_check.sh): 21.6 us a layer + 4.7 us merge against
// FlashAttention's 24.2 + 6.3 us combine + ~8 us of copies (8 of 18 slots; step 2.90 -> 2.56 ms), 41.2 + 3.3
// against 40.9 + 5.6 + ~8 (18 slots; 3.35 -> 3.07 ms). Nsight Compute (8 of 18 slots): 61 % of the DRAM
// bandwidth, two blocks per SM (shared memory), a third of the warps' stalls on ldmatrix -> mma.
bool splitKvDecodeApplies(const at::Tensor& q, const at::Tensor& keyStorage, const at::Tensor& valueStorage,
                          int64_t keys);

// Slot s's query attends the first keyLengths[s] rows of its cache part (int64 [S] on the device; only
// the last `window` of them when window > 0); no slot attends more than `maxKeys`. Nothing is read back
// to the host, so the call can be captured in a CUDA graph. Returns [S, Hq, D].
at::Tensor splitKvDecodeAttention(const at::Tensor& q, const at::Tensor& keyStorage, const at::Tensor& valueStorage,
                                  const at::Tensor& keyLengths, int64_t maxKeys, double scale, int64_t window);

// The same attention with the decode step's rotary and K/V cache writes folded into the tensor-core kernel
// (one kernel a layer less than rotateQkvIntoCache followed by splitKvDecodeAttention, with the same bits):
// qkv [S, (Hq + 2 Hkv) D] (bias added, no rotary yet), cos / signedSin [S, D] (rotateQkvIntoCache's tables),
// cacheRows [S] the flat cache row ([S * rows, Hkv, D]) of each slot's new key and value: its last key
// (keyLengths[s] - 1) or, for a slot outside the batch, a row no query reads. Stores the new rows and returns
// [S, Hq, D]. Applies where splitKvDecodeRotatingApplies: bf16 on CUDA, the tensor-core kernel for `keys`, no
// window, unless LAYOUTLENS_ROTARY_IN_ATTENTION=0 (A/B runs).
bool splitKvDecodeRotatingApplies(const at::Tensor& qkv, int64_t hq, const at::Tensor& keyStorage,
                                  const at::Tensor& valueStorage, int64_t keys);
at::Tensor splitKvDecodeRotatingAttention(const at::Tensor& qkv, int64_t hq, const at::Tensor& cos,
                                          const at::Tensor& signedSin, const at::Tensor& cacheRows,
                                          const at::Tensor& keyStorage, const at::Tensor& valueStorage,
                                          const at::Tensor& keyLengths, int64_t maxKeys, double scale);

}  // namespace ll::infer
