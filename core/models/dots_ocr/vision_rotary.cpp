// 2-D rotary embedding of the dots.ocr vision tower; see vision_rotary.h.
#include "core/models/dots_ocr/vision_rotary.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include <ATen/ATen.h>

#include "core/infer/rotary.h"

namespace ll::models::dots_ocr {

std::vector<ImageGrid> gridsFromTensor(const at::Tensor& gridThw) {
  if (gridThw.dim() != 2 || gridThw.size(1) != 3)
    throw std::invalid_argument("grid_thw must have shape [images, 3] (t, h, w in patches), got " +
                                std::to_string(gridThw.dim()) + " dimensions");
  const at::Tensor g = gridThw.to(at::kCPU, at::kLong).contiguous();
  const int64_t* p = g.data_ptr<int64_t>();
  std::vector<ImageGrid> grids;
  for (int64_t i = 0; i < g.size(0); ++i) grids.push_back({p[3 * i], p[3 * i + 1], p[3 * i + 2]});
  return grids;
}

void checkGrids(const std::vector<ImageGrid>& grids, int64_t mergeSize) {
  if (grids.empty()) throw std::invalid_argument("no images: grid_thw is empty");
  for (size_t i = 0; i < grids.size(); ++i) {
    const ImageGrid& g = grids[i];
    if (g.t <= 0 || g.h <= 0 || g.w <= 0 || g.h % mergeSize != 0 || g.w % mergeSize != 0)
      throw std::invalid_argument("image " + std::to_string(i) + " has grid (" + std::to_string(g.t) + ", " +
                                  std::to_string(g.h) + ", " + std::to_string(g.w) +
                                  "); t must be positive and h, w positive multiples of the spatial merge size " +
                                  std::to_string(mergeSize) + " (resize the image with the dots.ocr processor)");
  }
}

at::Tensor visionInvFreq(int64_t headDim, double theta) {
  // Same ATen ops in the same float32 order as the reference's `1.0 / theta ** (arange(0, dim, 2) / dim)`.
  const int64_t dim = headDim / 2;
  const at::Tensor exponent = at::arange(0, dim, 2, at::TensorOptions().dtype(at::kFloat)) / static_cast<double>(dim);
  return at::reciprocal(at::pow(theta, exponent));
}

at::Tensor visionRotaryTable(int64_t rows, int64_t headDim) {
  const at::Tensor seq = at::arange(rows, at::TensorOptions().dtype(at::kFloat));
  return at::outer(seq, visionInvFreq(headDim));
}

at::Tensor visionPositionIds(const std::vector<ImageGrid>& grids, int64_t mergeSize) {
  checkGrids(grids, mergeSize);
  const int64_t m = mergeSize;
  std::vector<at::Tensor> parts;
  for (const ImageGrid& g : grids) {
    const auto opts = at::TensorOptions().dtype(at::kLong);
    // Row and column of each patch, then reordered so every m x m window is contiguous.
    at::Tensor hpos = at::arange(g.h, opts).unsqueeze(1).expand({g.h, g.w});
    at::Tensor wpos = at::arange(g.w, opts).unsqueeze(0).expand({g.h, g.w});
    auto windowOrder = [&](const at::Tensor& p) {
      return p.reshape({g.h / m, m, g.w / m, m}).permute({0, 2, 1, 3}).flatten();
    };
    parts.push_back(at::stack({windowOrder(hpos), windowOrder(wpos)}, 1).repeat({g.t, 1}));
  }
  return at::cat(parts, 0);
}

at::Tensor visionCuSeqlens(const std::vector<ImageGrid>& grids) {
  std::vector<int32_t> cu{0};
  for (const ImageGrid& g : grids)
    for (int64_t f = 0; f < g.t; ++f) cu.push_back(cu.back() + static_cast<int32_t>(g.h * g.w));
  return at::tensor(cu, at::TensorOptions().dtype(at::kInt));
}

VisionRotary visionRotary(const std::vector<ImageGrid>& grids, int64_t headDim, int64_t mergeSize,
                          c10::Device device) {
  const at::Tensor pos = visionPositionIds(grids, mergeSize);
  int64_t maxGrid = 0;
  for (const ImageGrid& g : grids) maxGrid = std::max({maxGrid, g.h, g.w});
  const at::Tensor table = visionRotaryTable(maxGrid, headDim).to(device);
  // [N, 2, headDim/4] -> [N, headDim/2]: row angles then column angles.
  const at::Tensor angles = table.index_select(0, pos.flatten().to(device)).view({pos.size(0), -1});
  const at::Tensor twice = at::cat({angles, angles}, 1);
  return {twice.cos(), twice.sin()};
}

at::Tensor applyVisionRotary(const at::Tensor& x, const VisionRotary& rotary) {
  return infer::applyRotaryInFloat(x, rotary.cos, rotary.sin);
}

}  // namespace ll::models::dots_ocr
