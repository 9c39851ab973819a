#pragma once
// The 2-D rotary position embedding of dots.ocr's vision tower (specs/dots-ocr.md §3.2 steps 3-5). It differs
// from the text RoPE: the head is split in two, the first half rotates by the patch row, the second by the
// patch column, positions follow the 2x2 merge-window order in which the image processor emits patches, and
// the rotation runs in float32 whatever the model dtype. Checked against the reference
// `VisionRotaryEmbedding` / `rot_pos_emb` / `apply_rotary_pos_emb_vision` (original body, as in SGLang's copy).
#include <cstdint>
#include <vector>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

namespace ll::models::dots_ocr {

// One image's patch grid (image_grid_thw row): t frames of h x w patches.
struct ImageGrid {
  int64_t t = 1;
  int64_t h = 0;
  int64_t w = 0;
  int64_t patches() const { return t * h * w; }
};

// Converts an int [n, 3] grid_thw tensor (any integer dtype, any device) to a list; throws on a bad shape.
std::vector<ImageGrid> gridsFromTensor(const at::Tensor& gridThw);
// Throws std::invalid_argument naming the image whose grid is not a positive multiple of mergeSize.
void checkGrids(const std::vector<ImageGrid>& grids, int64_t mergeSize);

// inv_freq[j] = 1 / theta^(2j / (headDim/2)), j < headDim/4, float32 on the CPU: the reference builds the
// module with dim = headDim/2 and computes this once at construction (a non-persistent buffer).
at::Tensor visionInvFreq(int64_t headDim, double theta = 10000.0);
// Angle table [rows, headDim/4] (float32): row p = p * inv_freq.
at::Tensor visionRotaryTable(int64_t rows, int64_t headDim);
// [N, 2] int64 (row, column) of every patch, images concatenated, each in merge-window order.
at::Tensor visionPositionIds(const std::vector<ImageGrid>& grids, int64_t mergeSize);
// cu_seqlens int32 [images*t + 1]: start offset of every frame's patches, then the total.
at::Tensor visionCuSeqlens(const std::vector<ImageGrid>& grids);

// cos/sin [N, headDim] float32, each the per-patch angle vector [row angles, column angles] written twice.
struct VisionRotary {
  at::Tensor cos;
  at::Tensor sin;
};
VisionRotary visionRotary(const std::vector<ImageGrid>& grids, int64_t headDim, int64_t mergeSize,
                          c10::Device device);
// x: [N, heads, headDim] of any float dtype. Rotates pairs (i, i + headDim/2) in float32 and rounds back to
// x's dtype once, as the reference does.
at::Tensor applyVisionRotary(const at::Tensor& x, const VisionRotary& rotary);

}  // namespace ll::models::dots_ocr
