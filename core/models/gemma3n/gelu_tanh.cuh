#pragma once
// ATen's gelu(approximate='tanh') in float32, as its CUDA kernel computes it (GeluCUDAKernelImpl; kBeta =
// M_SQRT2 * M_2_SQRTPI * 0.5 = sqrt(2/pi)), for the fused kernels that must round like the op they replace
// (the decoder's MLP gates and MobileNetV5's activations). Included by .cu files only.

namespace ll::models::gemma3n::kernels {

__device__ __forceinline__ float geluTanh(float x) {
  const float kBeta = static_cast<float>(0.7978845608028654);
  const float kKappa = 0.044715f;
  const float inner = kBeta * (x + kKappa * (x * x * x));
  return 0.5f * x * (1.0f + tanhf(inner));
}

}  // namespace ll::models::gemma3n::kernels
