#pragma once
// A weight product x W^T with W kept either as checkpoints store it ([out, in]) or transposed ([in, out],
// contiguous). cuBLAS runs the transposed form (an NN GEMM) faster for a decode step's few rows: on an H100
// at 8 rows (tools/gpu/blas_backend_probe.py) dots.ocr's lm_head 169 -> 159 us, its gate/up 23.4 -> 22.6 us,
// Gemma 3n's gate/up 49.6 -> 46.3 us; with a bias to add (q/k/v) the plain form is faster, so that stays.
// The decoders keep their large weights this way. LAYOUTLENS_TRANSPOSED_WEIGHTS=0 keeps the checkpoint
// layout (A/B runs).
#include <ATen/core/Tensor.h>

namespace ll::infer {

struct WeightProduct {
  at::Tensor weight;         // [out, in], or [in, out] when transposed
  bool transposed = false;

  // From a checkpoint-layout weight [out, in]: transposed (a contiguous copy; the original can be freed)
  // unless LAYOUTLENS_TRANSPOSED_WEIGHTS=0.
  static WeightProduct fromCheckpointLayout(const at::Tensor& outByIn);
  // x [..., in] -> [..., out].
  at::Tensor operator()(const at::Tensor& x) const;
};

}  // namespace ll::infer
