#pragma once
// Launcher of the fused CUDA kernel for MobileNetV5's per-pixel chains (vision_kernels.cu, compiled only when
// LAYOUTLENS_CUDA_KERNELS is on). Raw bfloat16 pointers and a cudaStream_t passed as void*, so this header
// needs neither libtorch nor CUDA; vision_blocks.cpp is the libtorch-facing side.
//
// timm's RmsNorm2d, GELU, layer scale and residual add are six to nine ATen kernels over the whole feature
// map each (the broadcast weights take ATen's slow strided path); on an H100 they were ~60 % of the tower's
// time for 24 crops. The kernel does the chain in one pass per pixel with the chain's rounding: every
// intermediate the chain stores as bfloat16 is rounded here too, float32 in between. Only the float32 sum of
// the squares is added in another order than ATen's reduction, so a pixel's mean square can differ by one
// bfloat16 unit, and with it that pixel's outputs.
#include <cstdint>

namespace ll::models::gemma3n::kernels {

struct Norm2dArgs {
  const void* x = nullptr;         // [n, c, h, w] bfloat16: NCHW (h * w even) or channels-last (c a multiple of 8)
  const void* weight = nullptr;    // [c] norm weight, or null (no weight)
  const void* gamma = nullptr;     // [c] layer scale, or null
  const void* residual = nullptr;  // like x (same layout), or null
  void* out = nullptr;             // like x (same layout)
  int64_t n = 0, c = 0, hw = 0;
  bool channelsLast = false;
  bool normalize = true;  // false: no RMS norm (and no weight): only the activation, scale and residual
  bool gelu = false;
  float eps = 1e-6f;
  float meanFactor = 0;  // ATen's mean: the sum of squares times this (float(n*h*w) / float(n*c*h*w))
};

// y = x * rsqrt(mean_c(x^2) + eps) [* weight] [-> gelu_tanh] [* gamma] [+ residual], per pixel. Every pointer
// 16-byte aligned. Returns nullptr on success, else the reason or CUDA's message for the launch.
const char* norm2d(const Norm2dArgs& args, void* stream);

}  // namespace ll::models::gemma3n::kernels
