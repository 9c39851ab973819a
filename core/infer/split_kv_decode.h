#pragma once
// The decode step's attention over the slot-major KV cache as one split-KV CUDA kernel of ours
// (split_kv_decode_kernel.cu): all query heads of a KV head in one block, the keys cut into as many slices
// as it takes to fill the GPU. infer::cacheDecodeAttention (attention.h) takes it where it applies and
// FlashAttention's varlen kernel (or plain math) elsewhere; same contract, float32 softmax.
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace ll::infer {

// Ranges of at most this many keys per slot go to our CUDA-core kernel. Measured on an H100: Gemma 3n's steps
// (512-key windows, 8 sequences) 21 us a layer against FlashAttention's 33-49 us; but dots.ocr's layout step
// (18 slots of ~5,500 keys) 76 us against 41 us: over long ranges the CUDA-core loop is too slow, so longer
// ranges go to FlashAttention's split kernel (or, opt-in, to the tensor-core variant below).
constexpr int64_t kSplitKvDecodeMaxKeys = 2048;

// Built with the kernels, wanted (fusedKernelsWanted: CUDA bfloat16, LAYOUTLENS_FUSED_KERNELS not 0),
// q [S, Hq, D] and contiguous caches [S, rows, Hkv, D]; up to kSplitKvDecodeMaxKeys keys a slot (`keys`: the
// bucket, or the window where that is smaller) D in {8, 16, 32, 64, 128, 256} and Hq / Hkv in {1, 2, 3, 4, 6,
// 8}; above that, only with LAYOUTLENS_TENSOR_CORE_DECODE=1, D = 128 and Hq / Hkv <= 16 (the tensor-core
// variant). Why try a kernel of our own over long ranges: pytorch's FlashAttention entry point splits the keys
// only after copying the query heads into the sequence axis (three copy kernels a layer), and at 8 slots its
// split kernel streams the cache at ~1.8 TB/s. Why it is opt-in: measured on an H100 (dots.ocr's layout step,
// 8 / 18 slots at ~5,500 keys), the first version took 62 / 114 us a layer, with padded shared-memory rows
// 51 us at 8 slots, against FlashAttention's 38 / 54 us with its copies and combine: each warp walks its
// chunks one after another (load, then compute), and (estimated, not profiled) ~200 registers a thread
// leave about two blocks per SM. Next: the next chunk's loads in flight during the current one's products
// (cp.async into double buffers), the query fragments re-read from shared memory instead of held, more warps
// per block (commit 693efc8 has a first step, not yet run on a GPU).
bool splitKvDecodeApplies(const at::Tensor& q, const at::Tensor& keyStorage, const at::Tensor& valueStorage,
                          int64_t keys);

// Slot s's query attends the first keyLengths[s] rows of its cache part (int64 [S] on the device; only
// the last `window` of them when window > 0); no slot attends more than `maxKeys`. Nothing is read back
// to the host, so the call can be captured in a CUDA graph. Returns [S, Hq, D].
at::Tensor splitKvDecodeAttention(const at::Tensor& q, const at::Tensor& keyStorage, const at::Tensor& valueStorage,
                                  const at::Tensor& keyLengths, int64_t maxKeys, double scale, int64_t window);

}  // namespace ll::infer
