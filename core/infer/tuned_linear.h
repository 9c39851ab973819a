#pragma once
// at::linear for a decode step's few rows, with the GEMM algorithm chosen by timing on this GPU.
//
// Why: a decode step's GEMMs stream the weights once for 1-32 rows, so their time is memory time, and the
// library's heuristic pick for these skinny shapes leaves bandwidth unused. On an H100 dots.ocr's gate/up
// projection (17,920 x 1,536) runs as 94 tiles on 132 SMs (~2.3 TB/s), and the many small projections take
// 4-6 us where their bytes need 1-2. cuBLASLt offers several algorithms per shape (other tiles, split-K);
// here each shape gets them timed once, against at::linear itself, with the L2 cache flushed before every
// run (in a step each weight comes from HBM), and the fastest is kept.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace ll::infer {

// at::linear(x, w, bias), the same result up to the GEMM's float32 summation order. Takes the tuned route
// for CUDA bfloat16 x [m, k] (m <= kTunedLinearMaxRows, unit column stride), w [n, k] contiguous, bias [n]
// or undefined, unless LAYOUTLENS_TUNED_GEMM is 0 / off. A shape is timed on its first call outside CUDA
// graph capture (a few milliseconds; decoders meet their shapes in the warm-up runs before capture); a
// shape first met during a capture runs at::linear.
at::Tensor linear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& bias = at::Tensor());

constexpr int64_t kTunedLinearMaxRows = 64;

// What the timing found, per shape tried so far in this process (for benchmark logs).
struct TunedLinearChoice {
  int device = 0;
  int64_t m = 0, n = 0, k = 0;
  bool bias = false;
  double atenMicros = 0, bestMicros = 0;  // at::linear; the fastest cuBLASLt candidate (0: none)
  int candidates = 0;
  bool tuned = false;  // the cuBLASLt candidate runs from now on
};
std::vector<TunedLinearChoice> tunedLinearChoices();
std::string describe(const TunedLinearChoice& c);

}  // namespace ll::infer
