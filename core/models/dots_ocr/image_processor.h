#pragma once
// dots.ocr's image preprocessing (specs/dots-ocr.md §4): transformers' Qwen2VLImageProcessor with the
// checkpoint's preprocessor_config.json (temporal_patch_size 1, CLIP mean/std, min/max pixels). It differs
// from the Qwen2-VL default only in those numbers. The resize reimplements Pillow's BICUBIC
// (libImaging/Resample.c behaviour: a = -0.5, support widened by the downscale factor, 22-bit fixed-point
// coefficients, horizontal pass first, uint8 rounding and clipping after each pass) because the model was
// trained on Pillow-resized pixels and a different bicubic shifts every value. Checked against Pillow and
// Qwen2VLImageProcessor by tools on the GPU machine through writeProcessorDump().
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "core/models/dots_ocr/vision_rotary.h"

namespace ll::models::dots_ocr {

struct ImageProcessorConfig {
  int64_t patchSize = 14;
  int64_t mergeSize = 2;
  int64_t temporalPatchSize = 1;
  int64_t minPixels = 3136;
  int64_t maxPixels = 11289600;
  std::array<float, 3> imageMean{0.48145466f, 0.4578275f, 0.40821073f};
  std::array<float, 3> imageStd{0.26862954f, 0.26130258f, 0.27577711f};

  int64_t factor() const { return patchSize * mergeSize; }  // 28
};

// Reads preprocessor_config.json text (missing fields keep the defaults above). Throws
// std::runtime_error naming `origin` and the bad field.
ImageProcessorConfig parseImageProcessorConfig(const std::string& jsonText, const std::string& origin);

struct ResizedSize {
  int64_t height = 0;
  int64_t width = 0;
  bool operator==(const ResizedSize& o) const { return height == o.height && width == o.width; }
};

// transformers' smart_resize: both sides multiples of `factor`, area within [minPixels, maxPixels], aspect
// kept. Throws std::invalid_argument for an empty image or an aspect ratio above 200.
ResizedSize smartResize(int64_t height, int64_t width, int64_t factor = 28, int64_t minPixels = 3136,
                        int64_t maxPixels = 11289600);
// The copy in dots.ocr's image_utils.py, which the reference uses to map boxes back: sides are at least
// `factor`, and an up-scaled size that overshoots maxPixels is shrunk again. Equal to smartResize on pages.
ResizedSize smartResizeDots(int64_t height, int64_t width, int64_t factor = 28, int64_t minPixels = 3136,
                            int64_t maxPixels = 11289600);

// Pillow Image.resize(..., BICUBIC) of an interleaved uint8 image with `channels` (1..4) per pixel.
// `stride` is the byte distance between rows of `src`. Returns outHeight * outWidth * channels bytes, the same
// bytes for any `threads` (row bands on that many host threads; 0: every hardware thread).
std::vector<uint8_t> resizeBicubicLikePillow(const uint8_t* src, int64_t width, int64_t height, int64_t stride,
                                             int channels, int64_t outWidth, int64_t outHeight, int threads = 1);

struct ProcessedImage {
  at::Tensor pixelValues;  // float32 [h*w, 3*T*P*P], rows in merge-window order (specs §4.3 step 5)
  ImageGrid grid;          // (1, h, w) in patches
  ResizedSize resized;     // the smart_resize size in pixels
  int64_t imageTokens = 0; // <|imgpad|> tokens for this image: patches / merge_size^2
};

struct PreprocessOptions {
  int threads = 0;            // host threads for the resize and patchify (0: every hardware thread); same bytes
  bool pinnedOutput = false;  // pixelValues in page-locked memory (needs CUDA): its upload can be asynchronous
};

// The whole pipeline for one RGB image (uint8, interleaved, `stride` bytes per row): smart_resize,
// Pillow bicubic, rescale 1/255, normalise, patchify. Throws std::invalid_argument on bad geometry.
ProcessedImage preprocessImage(const uint8_t* rgb, int64_t width, int64_t height, int64_t stride,
                               const ImageProcessorConfig& config = {}, const PreprocessOptions& options = {});

// Patch flattening alone, on normalised float32 CHW planes [3, H, W] (H, W multiples of patch*merge):
// returns [H/P * W/P, 3*P*P] in the order Qwen2VLImageProcessor emits.
at::Tensor patchify(const at::Tensor& chw, const ImageProcessorConfig& config = {});

// For the parity check on the GPU machine (Pillow + transformers): reads a binary PPM (P6, maxval 255),
// runs preprocessImage and writes <outPrefix>.resized.ppm (the uint8 image after the bicubic resize),
// <outPrefix>.pixel_values.f32 (little-endian float32, row-major) and <outPrefix>.json
// ({"resized":[h,w],"grid_thw":[1,h,w],"shape":[rows,cols],"image_tokens":n}). Throws on unreadable input.
void writeProcessorDump(const std::string& ppmPath, const std::string& outPrefix,
                        const ImageProcessorConfig& config = {});

}  // namespace ll::models::dots_ocr
