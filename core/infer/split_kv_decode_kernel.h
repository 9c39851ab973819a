#pragma once
// Launcher of the split-KV decode attention kernel (split_kv_decode_kernel.cu, compiled only with
// LAYOUTLENS_CUDA_KERNELS). Raw pointers and a cudaStream_t as void*: neither libtorch nor CUDA headers
// here; split_kv_decode.cpp is the libtorch side.
//
// Why a kernel of our own: FlashAttention's varlen kernel runs one block per (sequence, query head) over all
// its keys. At decode batch sizes that is too few blocks for the GPU: Gemma 3n's local layers (8 sequences,
// 512-key windows) took ~33 us each for ~8 MB of keys. Here a block serves all query heads of one KV head
// (each key is read once for the group, not once per query head) over one slice of the keys, the slices
// being as many as it takes to fill the GPU; a second small kernel merges the slices' softmax partials.
// The first kernel's score and value loops run on CUDA cores, fast over short ranges only; the tensor-core
// kernel takes the long ones (split_kv_decode.h).
#include <cstdint>

namespace ll::infer::kernels {

struct SplitKvDecodeArgs {
  const void* q = nullptr;             // bf16 [S, Hkv * group, D], contiguous
  const void* keys = nullptr;          // bf16 [S, rows, Hkv, D], contiguous (the slot-major cache)
  const void* values = nullptr;        // same shape
  const int64_t* keyLengths = nullptr; // [S] on the device: slot s attends its first keyLengths[s] rows
  int64_t slots = 0, rows = 0, kvHeads = 0, group = 0, headDim = 0;
  int64_t window = 0;                  // > 0: only the last `window` of those keys
  float scale = 1.0f;                  // softmax scale
  int splits = 1;                      // key slices per (slot, KV head); splitKvDecodeSplits()
  void* out = nullptr;                 // bf16 [S, Hkv * group, D]
  float* partialOut = nullptr;         // splits > 1: [S, Hkv * group, splits, D]
  float* partialMax = nullptr;         // splits > 1: [S, Hkv * group, splits]
  float* partialSum = nullptr;         // splits > 1: [S, Hkv * group, splits]
  // Tensor-core kernel only, window 0 (Qwen2's decode step): the step's rotary and K/V cache writes done here
  // instead of by a kernel before (rotaryQkvIntoCache's work, the same bits). Set: q is read from qkv -- bf16
  // [S, (Hq + 2 Hkv) * D] rows, row stride qkvStride, before rotary -- and rotated with cos / signedSin (bf16
  // [S, D]); the block whose slice holds slot s's last key first stores that slot's new key (rotated) and value
  // of its KV head in cache row cacheRows[s] of keys / values viewed as [S * rows, Hkv, D] (the last key's row,
  // or the scratch row of a slot outside the batch). `q` is then not read.
  const void* qkv = nullptr;
  int64_t qkvStride = 0;
  const void* cos = nullptr;
  const void* signedSin = nullptr;
  const int64_t* cacheRows = nullptr;
};

// Whether the kernel has an instance for this head size (8, 16, 32, 64, 128, 256; the small ones are the test models') and query heads per KV head (1-8).
bool splitKvDecodeSupports(int64_t headDim, int64_t group);

// How many key slices to use for `slots` x `kvHeads` blocks when no slot attends more than `maxKeys` keys:
// about four blocks per SM, each slice at least one tile of keys. Fixed by the shapes
// only, so a CUDA graph captured with it stays valid for any key lengths up to maxKeys.
int splitKvDecodeSplits(int64_t slots, int64_t kvHeads, int64_t maxKeys, int device);

// nullptr on success, else CUDA's message for the launch.
const char* splitKvDecode(const SplitKvDecodeArgs& args, void* stream);

// The tensor-core variant (split_kv_decode_kernel.cu says how it works): heads of 128 with up to 16 query heads
// per KV head, or of 256 with up to 8; the same arguments and outputs. Its slices come from
// splitKvDecodeTensorCoreSplits: one wave of two blocks per SM (heads of 128) or one (256), each slice at
// least one 64-key stage (LAYOUTLENS_TENSOR_CORE_DECODE_SPLITS=N forces N, for measurements only).
bool splitKvDecodeTensorCoresSupport(int64_t headDim, int64_t group);
int splitKvDecodeTensorCoreSplits(int64_t slots, int64_t kvHeads, int64_t maxKeys, int device, int64_t headDim);
const char* splitKvDecodeTensorCores(const SplitKvDecodeArgs& args, void* stream);

}  // namespace ll::infer::kernels
