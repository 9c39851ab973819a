#pragma once
// Launcher of a decode step's whole gated MLP in one kernel (gated_mlp_kernel.cu, compiled only with
// LAYOUTLENS_CUDA_KERNELS): y = (silu(x Wg^T) * (x Wu^T)) Wd^T for a step's few rows. Raw pointers and a
// cudaStream_t as void*: neither libtorch nor CUDA headers here; gated_mlp.cpp is the libtorch side.
//
// Why: the chain it replaces is three dependent kernels (cuBLAS gate/up, silu x up, cuBLAS down); each
// start and end costs a few microseconds in which the weights do not stream (dots.ocr's layout step, H100,
// 8 rows: gate/up 22.6 us for 55 MB = 2.4 TB/s, down 13.0 us for 27.5 MB = 2.1 TB/s). Here every block
// streams its share of all three weights in one sequence (~0.6 MB a block for Qwen2 1.5B), with one start
// and one end: its inner columns of gate and up, then -- after a barrier across the grid, by when h =
// silu(g) * u is whole -- its inner rows of down for one group of output columns. The slices' partials are
// added in a fixed order (replays give the same bits) and rounded to bfloat16.
//
// Measured (tools/gpu/gated_mlp_probe.sh, H100, a graph of 28 / 12 layers each with its own weights): correct
// (95 % of outputs bit-identical to the chain, the rest one bfloat16 step; the same bits every call) but
// SLOWER than the chain it would replace: Qwen2 1.5B at 8 rows 40.5 against 37.6 us, Gemma 3n E4B 80.1 against
// 74.5; at 18-32 rows up to 30 % slower. Streaming the same bytes without arithmetic takes 28.6-30.4 us, so
// the loss is in the kernel's phases, not its products: the ring's first stages (~7 us before the first
// stage can be used), the barrier (the SMs do not get equal shares of the bandwidth: fixed equal shares
// finished step 1 up to 6 / 13 us apart; items taken from a count leave ~2.5 us), h's round trip (~1 us)
// and the partials' end (~2-4 us). Not used by the decoders.
#include <cstdint>

namespace ll::infer::kernels {

struct GatedMlpArgs {
  const void* x = nullptr;        // bf16 [rows, hidden], row stride xStride elements, rows 16-byte aligned
  int64_t xStride = 0;
  int rows = 0;
  int64_t hidden = 0, inner = 0;
  const void* gateUp = nullptr;   // bf16 [2 inner, hidden]: gate's rows, then up's (the checkpoint layout), contiguous
  const void* downT = nullptr;    // bf16 [inner, hidden]: down's weight transposed ([in, out]), contiguous
  void* out = nullptr;            // bf16 [rows, hidden], contiguous
  float* partials = nullptr;      // gatedMlpScratchFloats(rows, hidden, inner, device) float32 of scratch, 16-byte aligned
};

// Whether the kernel takes these shapes on `device`: 1-32 rows (1-16 where a block's share of the inner
// columns is over 72), hidden a multiple of 128 up to 4096, inner a multiple of 16, x and the ring of stages
// within the GPU's shared memory per block.
bool gatedMlpFits(int64_t rows, int64_t hidden, int64_t inner, int device);
// Scratch the launch needs, in floats: the slices' partial outputs and h.
int64_t gatedMlpScratchFloats(int64_t rows, int64_t hidden, int64_t inner, int device);
// Makes the calling thread's grid barrier on `device` (a few bytes of device memory, kept for the process).
// Must happen outside a CUDA graph capture; gatedMlp does it itself when it is not capturing. Returns an
// error message or nullptr.
const char* gatedMlpPrepare(int device);
// Queues the kernel on `stream` (the current device's). Returns an error message or nullptr.
const char* gatedMlp(const GatedMlpArgs& a, void* stream);

}  // namespace ll::infer::kernels
