// Gemma 3n image preprocessing; see image_processor.h.
#include "core/models/gemma3n/image_processor.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

#include <ATen/ATen.h>

namespace ll::models::gemma3n {
namespace {

[[noreturn]] void fail(const std::string& what) { throw std::invalid_argument("Gemma 3n image preprocessing: " + what); }

void checkImage(const uint8_t* rgb, int64_t width, int64_t height, int64_t strideBytes) {
  if (!rgb) fail("image data is null; pass the RGB888 pixels of a loaded image");
  if (width <= 0 || height <= 0)
    fail("image size " + std::to_string(width) + "x" + std::to_string(height) + " is empty; render or load it first");
  if (strideBytes < 3 * width)
    fail("row stride " + std::to_string(strideBytes) + " bytes is shorter than 3 * width = " +
         std::to_string(3 * width) + "; pass bytesPerLine of an RGB888 image");
}

// Integer taps of one axis as torch's uint8 kernel builds them (_compute_index_ranges_int16_weights).
struct IntTaps {
  FilterTaps taps;
  std::vector<int32_t> weights;
  int precision = 0;
};

IntTaps toIntTaps(FilterTaps taps) {
  IntTaps out;
  double maxWeight = 0;
  for (double w : taps.weights) maxWeight = std::max(maxWeight, w);
  int precision = 0;
  for (precision = 0; precision < 22; ++precision) {
    const int next = static_cast<int>(0.5 + maxWeight * (1 << (precision + 1)));
    if (next >= (1 << 15)) break;
  }
  out.precision = precision;
  out.weights.reserve(taps.weights.size());
  for (double w : taps.weights) {
    const double v = w * (1 << precision);
    out.weights.push_back(v < 0 ? static_cast<int32_t>(-0.5 + v) : static_cast<int32_t>(0.5 + v));
  }
  out.taps = std::move(taps);
  return out;
}

inline uint8_t clip8(int64_t v, int precision) {
  const int64_t s = v >> precision;
  return static_cast<uint8_t>(s < 0 ? 0 : (s > 255 ? 255 : s));
}

// The sums below fit int32: the taps' weights add up to 2^precision (precision <= 22) and pixels are <= 255.
inline uint8_t clip8(int32_t v, int precision) { return clip8(int64_t{v}, precision); }

// The width pass straight from the interleaved pixels (`stride` bytes a row) into planar uint8 [3, rows, outW]:
// a pixel's three channels are summed together while its row is in cache.
std::vector<uint8_t> widthPassFromRgb(const uint8_t* rgb, int64_t stride, int64_t rows, const IntTaps& t) {
  const int64_t outW = static_cast<int64_t>(t.taps.first.size());
  std::vector<uint8_t> dst(static_cast<size_t>(3 * rows * outW));
  const int32_t half = t.precision > 0 ? (int32_t{1} << (t.precision - 1)) : 0;
  for (int64_t y = 0; y < rows; ++y) {
    const uint8_t* row = rgb + y * stride;
    for (int64_t o = 0; o < outW; ++o) {
      const uint8_t* p = row + 3 * t.taps.first[o];
      const int64_t n = t.taps.count[o];
      const int32_t* w = t.weights.data() + o * t.taps.maxTaps;
      int32_t r = half, g = half, b = half;
      for (int64_t k = 0; k < n; ++k, p += 3) {
        r += int32_t{p[0]} * w[k];
        g += int32_t{p[1]} * w[k];
        b += int32_t{p[2]} * w[k];
      }
      dst[y * outW + o] = clip8(r, t.precision);
      dst[(rows + y) * outW + o] = clip8(g, t.precision);
      dst[(2 * rows + y) * outW + o] = clip8(b, t.precision);
    }
  }
  return dst;
}

// The height pass over planar uint8 [3, rows, cols]: each output row accumulates whole input rows (a loop over
// x the compiler vectorises; integer sums, so the order does not matter).
std::vector<uint8_t> heightPass(const std::vector<uint8_t>& src, int64_t rows, int64_t cols, const IntTaps& t) {
  const int64_t outRows = static_cast<int64_t>(t.taps.first.size());
  std::vector<uint8_t> dst(static_cast<size_t>(3 * outRows * cols));
  std::vector<int32_t> acc(static_cast<size_t>(cols));
  const int32_t half = t.precision > 0 ? (int32_t{1} << (t.precision - 1)) : 0;
  for (int64_t c = 0; c < 3; ++c) {
    const uint8_t* plane = src.data() + c * rows * cols;
    for (int64_t o = 0; o < outRows; ++o) {
      const int64_t first = t.taps.first[o], n = t.taps.count[o];
      const int32_t* w = t.weights.data() + o * t.taps.maxTaps;
      std::fill(acc.begin(), acc.end(), half);
      for (int64_t k = 0; k < n; ++k) {
        const uint8_t* in = plane + (first + k) * cols;
        const int32_t wk = w[k];
        for (int64_t x = 0; x < cols; ++x) acc[x] += int32_t{in[x]} * wk;
      }
      uint8_t* out = dst.data() + (c * outRows + o) * cols;
      for (int64_t x = 0; x < cols; ++x) out[x] = clip8(acc[x], t.precision);
    }
  }
  return dst;
}

}  // namespace

FilterTaps triangleFilterTaps(int64_t inSize, int64_t outSize) {
  if (inSize <= 0 || outSize <= 0) fail("resize sizes must be positive");
  FilterTaps t;
  const double scale = static_cast<double>(inSize) / static_cast<double>(outSize);
  const double support = scale >= 1.0 ? scale : 1.0;  // bilinear: interp_size / 2 = 1, widened when shrinking
  const double invScale = scale >= 1.0 ? 1.0 / scale : 1.0;
  t.maxTaps = static_cast<int64_t>(std::ceil(support)) * 2 + 1;
  t.first.resize(outSize);
  t.count.resize(outSize);
  t.weights.assign(static_cast<size_t>(outSize * t.maxTaps), 0.0);
  for (int64_t i = 0; i < outSize; ++i) {
    const double center = scale * (static_cast<double>(i) + 0.5);
    // int64 casts truncate toward zero, exactly as torch's kernel does (matters for the first taps).
    const int64_t xmin = std::max<int64_t>(static_cast<int64_t>(center - support + 0.5), 0);
    const int64_t xsize =
        std::clamp<int64_t>(std::min<int64_t>(static_cast<int64_t>(center + support + 0.5), inSize) - xmin, 0,
                            t.maxTaps);
    double* w = t.weights.data() + i * t.maxTaps;
    double total = 0;
    for (int64_t j = 0; j < xsize; ++j) {
      const double x = std::abs((static_cast<double>(j + xmin) - center + 0.5) * invScale);
      w[j] = x < 1.0 ? 1.0 - x : 0.0;
      total += w[j];
    }
    if (total != 0)
      for (int64_t j = 0; j < xsize; ++j) w[j] /= total;
    t.first[i] = xmin;
    t.count[i] = xsize;
  }
  return t;
}

namespace {

// resizeBilinearAntialias's planes, [3, outHeight, outWidth] uint8 in a plain vector.
std::vector<uint8_t> resizedPlanes(const uint8_t* rgb, int64_t width, int64_t height, int64_t strideBytes,
                                   int64_t outWidth, int64_t outHeight, ResizeKernel kernel) {
  checkImage(rgb, width, height, strideBytes);
  if (outWidth <= 0 || outHeight <= 0)
    fail("target size " + std::to_string(outWidth) + "x" + std::to_string(outHeight) + " must be positive");
  // Both kernels and the model want CHW: a planar copy, unless the uint8 width pass makes the planes itself.
  auto planarCopy = [&] {
    std::vector<uint8_t> planar(static_cast<size_t>(3 * width * height));
    for (int64_t y = 0; y < height; ++y) {
      const uint8_t* row = rgb + y * strideBytes;
      for (int64_t x = 0; x < width; ++x)
        for (int64_t c = 0; c < 3; ++c) planar[(c * height + y) * width + x] = row[3 * x + c];
    }
    return planar;
  };
  if (outWidth == width && outHeight == height) return planarCopy();

  if (kernel == ResizeKernel::TorchFloat) {
    std::vector<uint8_t> planar = planarCopy();
    const at::Tensor f = at::from_blob(planar.data(), {1, 3, height, width}, at::kByte).to(at::kFloat);
    const at::Tensor r = at::_upsample_bilinear2d_aa(f, std::vector<int64_t>{outHeight, outWidth},
                                                     /*align_corners=*/false, c10::nullopt, c10::nullopt);
    const at::Tensor u = r.squeeze(0).clamp(0, 255).round().to(at::kByte).contiguous();
    return {u.data_ptr<uint8_t>(), u.data_ptr<uint8_t>() + u.numel()};
  }
  // torch's uint8 path: width pass (rounded to uint8), then height pass; a pass whose side is unchanged is skipped.
  std::vector<uint8_t> cur = outWidth != width
                                 ? widthPassFromRgb(rgb, strideBytes, height, toIntTaps(triangleFilterTaps(width, outWidth)))
                                 : planarCopy();
  if (outHeight != height) cur = heightPass(cur, height, outWidth, toIntTaps(triangleFilterTaps(height, outHeight)));
  return cur;
}

}  // namespace

at::Tensor resizeBilinearAntialias(const uint8_t* rgb, int64_t width, int64_t height, int64_t strideBytes,
                                   int64_t outWidth, int64_t outHeight, ResizeKernel kernel) {
  std::vector<uint8_t> planes = resizedPlanes(rgb, width, height, strideBytes, outWidth, outHeight, kernel);
  return at::from_blob(planes.data(), {3, outHeight, outWidth}, at::kByte).clone();
}

at::Tensor preprocessImage(const uint8_t* rgb, int64_t width, int64_t height, int64_t strideBytes, int64_t size,
                           ResizeKernel kernel) {
  if (size <= 0) fail("target size " + std::to_string(size) + " must be positive (Gemma 3n uses 768)");
  const std::vector<uint8_t> planes = resizedPlanes(rgb, width, height, strideBytes, size, size, kernel);
  // transformers rescales with a float multiply by 1/255 (not a division): float(u) * float(1/255), as ATen's
  // float tensor times a double scalar computes it, written here in one pass (no uint8 tensor, no ATen ops).
  at::Tensor out = at::empty({3, size, size}, at::kFloat);
  float* o = out.data_ptr<float>();
  const auto scale = static_cast<float>(1.0 / 255.0);
  for (size_t i = 0; i < planes.size(); ++i) o[i] = static_cast<float>(planes[i]) * scale;
  return out;
}

}  // namespace ll::models::gemma3n
