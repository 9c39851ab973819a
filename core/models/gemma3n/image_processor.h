#pragma once
// Gemma 3n image preprocessing (specs/gemma3n.md §4.1): transformers' SiglipImageProcessorFast resizes the uint8
// RGB image to size x size (aspect not kept) with torchvision's resize(BILINEAR, antialias=True), rescales by
// 1/255 and does not normalise. The resize is reimplemented here because its exact rounding decides the pixels the
// model sees: torchvision on a uint8 CPU tensor runs torch's native uint8 kernel on AVX2 machines (Pillow-SIMD's
// fixed-point separable triangle filter: width pass, uint8 rounding, height pass) and the float kernel plus
// round-half-even elsewhere. Both are offered; they differ by at most one grey level on a few pixels.
#include <cstdint>
#include <vector>

#include <ATen/core/Tensor.h>

namespace ll::models::gemma3n {

enum class ResizeKernel {
  // torch's uint8 antialiased bilinear (AVX2 CPUs, i.e. what the HF processor runs on x86 servers): int16
  // weights with the largest precision that fits, rounding after each pass. Default.
  TorchUint8,
  // uint8 -> float32 -> at::_upsample_bilinear2d_aa -> round half to even -> uint8 (torchvision without AVX2,
  // e.g. Apple silicon, or a float tensor input).
  TorchFloat,
};

// Resizes an interleaved RGB uint8 image (`strideBytes` between rows, >= 3 * width) to outWidth x outHeight
// with bilinear + antialias like torchvision. Returns planar uint8 [3, outHeight, outWidth] (CHW). The same
// size returns the pixels unchanged. Throws std::invalid_argument on null data, empty sizes or a short stride.
at::Tensor resizeBilinearAntialias(const uint8_t* rgb, int64_t width, int64_t height, int64_t strideBytes,
                                   int64_t outWidth, int64_t outHeight, ResizeKernel kernel = ResizeKernel::TorchUint8);

// The processor's pixel_values for one image: float32 [3, size, size] in [0, 1] (resize, then x 1/255).
at::Tensor preprocessImage(const uint8_t* rgb, int64_t width, int64_t height, int64_t strideBytes,
                           int64_t size = 768, ResizeKernel kernel = ResizeKernel::TorchUint8);

// One axis of the triangle filter, exposed for tests: for each output index its first input index, tap count
// and normalised weights (torch's _compute_indices_weights_aa: scale = in / out, support = max(scale, 1),
// centre = scale * (i + 0.5), window [int(centre - support + 0.5), int(centre + support + 0.5)) clipped).
struct FilterTaps {
  std::vector<int64_t> first;
  std::vector<int64_t> count;
  int64_t maxTaps = 0;
  std::vector<double> weights;  // out * maxTaps, zero-padded
};
FilterTaps triangleFilterTaps(int64_t inSize, int64_t outSize);

}  // namespace ll::models::gemma3n
