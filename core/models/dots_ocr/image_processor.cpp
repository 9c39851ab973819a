// Rescale, normalise and patchify are fused into one pass over the resized uint8 image (a 256-entry table
// per channel gives the exact float32 the reference computes), because a full page is ~11 M values.
#include "core/models/dots_ocr/image_processor.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include "core/infer/host_parallel.h"

namespace ll::models::dots_ocr {
namespace {

constexpr double kMaxAspectRatio = 200.0;

void checkGeometry(int64_t height, int64_t width) {
  if (height <= 0 || width <= 0)
    throw std::invalid_argument("image size " + std::to_string(width) + "x" + std::to_string(height) +
                                " is empty; render the page at a positive size");
  const double ratio = static_cast<double>(std::max(height, width)) / static_cast<double>(std::min(height, width));
  if (ratio > kMaxAspectRatio)
    throw std::invalid_argument("image " + std::to_string(width) + "x" + std::to_string(height) +
                                " has an aspect ratio above 200, which dots.ocr cannot take; split it into tiles");
}

// Python's round() on a double: ties go to the even neighbour.
int64_t roundHalfEven(double v) {
  const double f = std::floor(v);
  const double diff = v - f;
  if (diff > 0.5) return static_cast<int64_t>(f) + 1;
  if (diff < 0.5) return static_cast<int64_t>(f);
  const auto i = static_cast<int64_t>(f);
  return (i % 2 == 0) ? i : i + 1;
}

int64_t floorBy(double v, int64_t factor) { return static_cast<int64_t>(std::floor(v / factor)) * factor; }
int64_t ceilBy(double v, int64_t factor) { return static_cast<int64_t>(std::ceil(v / factor)) * factor; }

// ---- Pillow bicubic --------------------------------------------------------------------------------

constexpr int kPrecisionBits = 32 - 8 - 2;

double bicubic(double x) {
  constexpr double a = -0.5;
  if (x < 0.0) x = -x;
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

// One axis' filter: for output index i, source indices [start[i], start[i] + count[i]) with fixed-point
// weights weights[i * kernelSize + k].
struct AxisFilter {
  int kernelSize = 0;
  std::vector<int> start, count;
  std::vector<int32_t> weights;
};

AxisFilter axisFilter(int64_t inSize, int64_t outSize) {
  constexpr double support0 = 2.0;
  const double scale = static_cast<double>(static_cast<float>(inSize)) / static_cast<double>(outSize);
  const double filterScale = std::max(scale, 1.0);
  const double support = support0 * filterScale;
  AxisFilter f;
  f.kernelSize = static_cast<int>(std::ceil(support)) * 2 + 1;
  f.start.resize(outSize);
  f.count.resize(outSize);
  f.weights.assign(static_cast<size_t>(outSize) * f.kernelSize, 0);
  std::vector<double> k(f.kernelSize);
  for (int64_t xx = 0; xx < outSize; ++xx) {
    const double center = (xx + 0.5) * scale;
    const double ss = 1.0 / filterScale;
    int xmin = static_cast<int>(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > inSize) xmax = static_cast<int>(inSize);
    xmax -= xmin;
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      const double w = bicubic((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (int x = 0; x < xmax; ++x) {
      if (ww != 0.0) k[x] /= ww;
      const double scaled = k[x] * (1 << kPrecisionBits);
      f.weights[xx * f.kernelSize + x] = static_cast<int32_t>(k[x] < 0 ? -0.5 + scaled : 0.5 + scaled);
    }
    f.start[xx] = xmin;
    f.count[xx] = xmax;
  }
  return f;
}

inline uint8_t clip8(int32_t v) {
  const int32_t shifted = v >> kPrecisionBits;  // arithmetic shift: floor, as in C on two's complement
  return static_cast<uint8_t>(std::clamp<int32_t>(shifted, 0, 255));
}

// ---- Patch order ----------------------------------------------------------------------------------

struct PatchLayout {
  int64_t gridH, gridW, merge, patch, temporal, channels;
  int64_t rows() const { return gridH * gridW; }
  int64_t cols() const { return channels * temporal * patch * patch; }
};

void checkPatchable(int64_t height, int64_t width, const ImageProcessorConfig& c) {
  const int64_t f = c.factor();
  if (height <= 0 || width <= 0 || height % f != 0 || width % f != 0)
    throw std::invalid_argument("image size " + std::to_string(width) + "x" + std::to_string(height) +
                                " is not a multiple of " + std::to_string(f) + "; resize it with smartResize first");
}

}  // namespace

ImageProcessorConfig parseImageProcessorConfig(const std::string& jsonText, const std::string& origin) {
  const auto doc = nlohmann::json::parse(jsonText, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    throw std::runtime_error(origin + " is not a JSON object; restore preprocessor_config.json from the checkpoint");
  ImageProcessorConfig c;
  auto readInt = [&](const char* key, int64_t& out) {
    if (!doc.contains(key)) return;
    if (!doc[key].is_number_integer() || doc[key].get<int64_t>() <= 0)
      throw std::runtime_error(origin + ": '" + key + "' must be a positive integer");
    out = doc[key].get<int64_t>();
  };
  auto readTriple = [&](const char* key, std::array<float, 3>& out) {
    if (!doc.contains(key)) return;
    const auto& v = doc[key];
    if (!v.is_array() || v.size() != 3 || !v[0].is_number() || !v[1].is_number() || !v[2].is_number())
      throw std::runtime_error(origin + ": '" + key + "' must be a list of 3 numbers (one per RGB channel)");
    for (size_t i = 0; i < 3; ++i) out[i] = static_cast<float>(v[i].get<double>());
  };
  readInt("patch_size", c.patchSize);
  readInt("merge_size", c.mergeSize);
  readInt("temporal_patch_size", c.temporalPatchSize);
  readInt("min_pixels", c.minPixels);
  readInt("max_pixels", c.maxPixels);
  // Newer processors nest the limits under "size": {"shortest_edge": min, "longest_edge": max}.
  if (doc.contains("size") && doc["size"].is_object()) {
    const auto& s = doc["size"];
    if (s.contains("shortest_edge") && s["shortest_edge"].is_number_integer()) c.minPixels = s["shortest_edge"].get<int64_t>();
    if (s.contains("longest_edge") && s["longest_edge"].is_number_integer()) c.maxPixels = s["longest_edge"].get<int64_t>();
  }
  readTriple("image_mean", c.imageMean);
  readTriple("image_std", c.imageStd);
  for (float s : c.imageStd)
    if (!(s > 0.0f)) throw std::runtime_error(origin + ": 'image_std' values must be positive");
  if (c.minPixels > c.maxPixels)
    throw std::runtime_error(origin + ": 'min_pixels' is larger than 'max_pixels'");
  return c;
}

ResizedSize smartResize(int64_t height, int64_t width, int64_t factor, int64_t minPixels, int64_t maxPixels) {
  checkGeometry(height, width);
  const double h = static_cast<double>(height), w = static_cast<double>(width);
  int64_t hBar = roundHalfEven(h / factor) * factor;
  int64_t wBar = roundHalfEven(w / factor) * factor;
  if (hBar * wBar > maxPixels) {
    const double beta = std::sqrt((h * w) / static_cast<double>(maxPixels));
    hBar = std::max(factor, floorBy(h / beta, factor));
    wBar = std::max(factor, floorBy(w / beta, factor));
  } else if (hBar * wBar < minPixels) {
    const double beta = std::sqrt(static_cast<double>(minPixels) / (h * w));
    hBar = ceilBy(h * beta, factor);
    wBar = ceilBy(w * beta, factor);
  }
  return {hBar, wBar};
}

ResizedSize smartResizeDots(int64_t height, int64_t width, int64_t factor, int64_t minPixels, int64_t maxPixels) {
  checkGeometry(height, width);
  const double h = static_cast<double>(height), w = static_cast<double>(width);
  int64_t hBar = std::max(factor, roundHalfEven(h / factor) * factor);
  int64_t wBar = std::max(factor, roundHalfEven(w / factor) * factor);
  if (hBar * wBar > maxPixels) {
    const double beta = std::sqrt((h * w) / static_cast<double>(maxPixels));
    hBar = std::max(factor, floorBy(h / beta, factor));
    wBar = std::max(factor, floorBy(w / beta, factor));
  } else if (hBar * wBar < minPixels) {
    const double beta = std::sqrt(static_cast<double>(minPixels) / (h * w));
    hBar = ceilBy(h * beta, factor);
    wBar = ceilBy(w * beta, factor);
    if (hBar * wBar > maxPixels) {
      const double beta2 = std::sqrt(static_cast<double>(hBar * wBar) / static_cast<double>(maxPixels));
      hBar = std::max(factor, floorBy(hBar / beta2, factor));
      wBar = std::max(factor, floorBy(wBar / beta2, factor));
    }
  }
  return {hBar, wBar};
}

std::vector<uint8_t> resizeBicubicLikePillow(const uint8_t* src, int64_t width, int64_t height, int64_t stride,
                                             int channels, int64_t outWidth, int64_t outHeight, int threads) {
  if (channels < 1 || channels > 4) throw std::invalid_argument("resize: channels must be 1 to 4");
  if (width <= 0 || height <= 0 || outWidth <= 0 || outHeight <= 0)
    throw std::invalid_argument("resize: image sizes must be positive");
  if (stride < width * channels) throw std::invalid_argument("resize: row stride is smaller than a row");
  const auto C = static_cast<int64_t>(channels);
  const bool horizontal = outWidth != width;
  const bool vertical = outHeight != height;
  std::vector<uint8_t> out(static_cast<size_t>(outWidth * outHeight * C));
  if (!horizontal && !vertical) {
    for (int64_t y = 0; y < height; ++y) std::memcpy(&out[y * width * C], src + y * stride, width * C);
    return out;
  }

  const AxisFilter fy = axisFilter(height, outHeight);
  // Only the source rows the vertical pass reads are resampled horizontally, as Pillow does.
  const int64_t firstRow = fy.start.front();
  const int64_t lastRow = fy.start.back() + fy.count.back();

  std::vector<uint8_t> temp;
  const uint8_t* vIn = nullptr;
  int64_t vStride = 0;
  int64_t rowOffset = 0;  // source row index of vIn's first row
  if (horizontal) {
    const AxisFilter fx = axisFilter(width, outWidth);
    const int64_t rows = lastRow - firstRow;
    temp.resize(static_cast<size_t>(rows * outWidth * C));
    infer::parallelForRows(rows, threads, [&](int64_t y) {
      const uint8_t* row = src + (y + firstRow) * stride;
      uint8_t* dst = &temp[y * outWidth * C];
      for (int64_t xx = 0; xx < outWidth; ++xx) {
        const int32_t* k = &fx.weights[xx * fx.kernelSize];
        const int xmin = fx.start[xx], n = fx.count[xx];
        for (int64_t c = 0; c < C; ++c) {
          int32_t ss = 1 << (kPrecisionBits - 1);
          for (int x = 0; x < n; ++x) ss += static_cast<int32_t>(row[(x + xmin) * C + c]) * k[x];
          dst[xx * C + c] = clip8(ss);
        }
      }
    });
    vIn = temp.data();
    vStride = outWidth * C;
    rowOffset = firstRow;
  } else {
    vIn = src;
    vStride = stride;
    rowOffset = 0;
  }

  const int64_t W = horizontal ? outWidth : width;
  if (!vertical) {
    for (int64_t y = 0; y < outHeight; ++y) std::memcpy(&out[y * W * C], vIn + (y - rowOffset) * vStride, W * C);
    return out;
  }
  infer::parallelForRows(outHeight, threads, [&](int64_t yy) {
    const int32_t* k = &fy.weights[yy * fy.kernelSize];
    const int64_t ymin = fy.start[yy] - rowOffset;
    const int n = fy.count[yy];
    uint8_t* dst = &out[yy * W * C];
    for (int64_t xc = 0; xc < W * C; ++xc) {
      int32_t ss = 1 << (kPrecisionBits - 1);
      for (int y = 0; y < n; ++y) ss += static_cast<int32_t>(vIn[(y + ymin) * vStride + xc]) * k[y];
      dst[xc] = clip8(ss);
    }
  });
  return out;
}

at::Tensor patchify(const at::Tensor& chw, const ImageProcessorConfig& config) {
  TORCH_CHECK(chw.dim() == 3, "patchify expects a [C, H, W] tensor");
  const int64_t C = chw.size(0), H = chw.size(1), W = chw.size(2);
  checkPatchable(H, W, config);
  const int64_t P = config.patchSize, M = config.mergeSize, T = config.temporalPatchSize;
  const int64_t gh = H / P, gw = W / P;
  // One frame repeated to fill the temporal patch, then the reference's 9-D view and permutation.
  at::Tensor frames = chw.unsqueeze(0).expand({T, C, H, W});
  at::Tensor v = frames.reshape({1, T, C, gh / M, M, P, gw / M, M, P});
  v = v.permute({0, 3, 6, 4, 7, 2, 1, 5, 8});
  return v.reshape({gh * gw, C * T * P * P}).contiguous();
}

ProcessedImage preprocessImage(const uint8_t* rgb, int64_t width, int64_t height, int64_t stride,
                               const ImageProcessorConfig& config, const PreprocessOptions& options) {
  if (!rgb) throw std::invalid_argument("preprocessImage: no pixel data");
  const ResizedSize size = smartResize(height, width, config.factor(), config.minPixels, config.maxPixels);
  const std::vector<uint8_t> resized =
      resizeBicubicLikePillow(rgb, width, height, stride, 3, size.width, size.height, options.threads);

  // float32((double)u * (1/255)), then (x - mean) / std in float32: the reference's rescale + normalize.
  float table[3][256];
  for (int c = 0; c < 3; ++c)
    for (int u = 0; u < 256; ++u) {
      const auto x = static_cast<float>(static_cast<double>(u) * (1.0 / 255.0));
      table[c][u] = (x - config.imageMean[c]) / config.imageStd[c];
    }

  const int64_t P = config.patchSize, M = config.mergeSize, T = config.temporalPatchSize;
  const int64_t gh = size.height / P, gw = size.width / P;
  const int64_t cols = 3 * T * P * P;
  at::Tensor out =
      at::empty({gh * gw, cols}, at::TensorOptions().dtype(at::kFloat).pinned_memory(options.pinnedOutput));
  float* dst = out.data_ptr<float>();
  // One band per row of merge windows: rows (patches) of the output in merge-window order.
  const int64_t windowsPerBand = gw / M;
  infer::parallelForRows(gh / M, options.threads, [&](int64_t bh) {
    int64_t row = bh * windowsPerBand * M * M;
    for (int64_t bw = 0; bw < gw / M; ++bw)
      for (int64_t ih = 0; ih < M; ++ih)
        for (int64_t iw = 0; iw < M; ++iw, ++row) {
          const int64_t y0 = (bh * M + ih) * P, x0 = (bw * M + iw) * P;
          float* r = dst + row * cols;
          for (int64_t c = 0; c < 3; ++c)
            for (int64_t t = 0; t < T; ++t)
              for (int64_t py = 0; py < P; ++py) {
                const uint8_t* px = &resized[((y0 + py) * size.width + x0) * 3 + c];
                float* o = r + ((c * T + t) * P + py) * P;
                for (int64_t k = 0; k < P; ++k) o[k] = table[c][px[k * 3]];
              }
        }
  });

  ProcessedImage result;
  result.pixelValues = out;
  result.grid = ImageGrid{1, gh, gw};
  result.resized = size;
  result.imageTokens = gh * gw / (M * M);
  return result;
}

void writeProcessorDump(const std::string& ppmPath, const std::string& outPrefix, const ImageProcessorConfig& config) {
  std::ifstream in(ppmPath, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + ppmPath);
  auto token = [&]() {
    std::string t;
    while (in) {
      const int ch = in.get();
      if (ch == '#') {
        std::string comment;
        std::getline(in, comment);
        continue;
      }
      if (std::isspace(ch)) {
        if (!t.empty()) break;
        continue;
      }
      if (ch == EOF) break;
      t.push_back(static_cast<char>(ch));
    }
    return t;
  };
  if (token() != "P6") throw std::runtime_error(ppmPath + " is not a binary PPM (P6); convert it with Pillow first");
  int64_t width = 0, height = 0, maxval = 0;
  try {
    width = std::stoll(token());
    height = std::stoll(token());
    maxval = std::stoll(token());
  } catch (const std::exception&) {
    throw std::runtime_error(ppmPath + " has a damaged PPM header");
  }
  if (maxval != 255 || width <= 0 || height <= 0) throw std::runtime_error(ppmPath + " must be an 8-bit RGB PPM");
  std::vector<uint8_t> rgb(static_cast<size_t>(width * height * 3));
  in.read(reinterpret_cast<char*>(rgb.data()), static_cast<std::streamsize>(rgb.size()));
  if (in.gcount() != static_cast<std::streamsize>(rgb.size())) throw std::runtime_error(ppmPath + " is truncated");

  const ProcessedImage p = preprocessImage(rgb.data(), width, height, width * 3, config);
  const auto resized = resizeBicubicLikePillow(rgb.data(), width, height, width * 3, 3, p.resized.width, p.resized.height);
  {
    std::ofstream o(outPrefix + ".resized.ppm", std::ios::binary);
    o << "P6\n" << p.resized.width << " " << p.resized.height << "\n255\n";
    o.write(reinterpret_cast<const char*>(resized.data()), static_cast<std::streamsize>(resized.size()));
    if (!o) throw std::runtime_error("cannot write " + outPrefix + ".resized.ppm");
  }
  {
    std::ofstream o(outPrefix + ".pixel_values.f32", std::ios::binary);
    const at::Tensor v = p.pixelValues.contiguous();
    o.write(reinterpret_cast<const char*>(v.data_ptr<float>()), static_cast<std::streamsize>(v.numel() * sizeof(float)));
    if (!o) throw std::runtime_error("cannot write " + outPrefix + ".pixel_values.f32");
  }
  nlohmann::json meta = {{"resized", {p.resized.height, p.resized.width}},
                         {"grid_thw", {p.grid.t, p.grid.h, p.grid.w}},
                         {"shape", {p.pixelValues.size(0), p.pixelValues.size(1)}},
                         {"image_tokens", p.imageTokens}};
  std::ofstream o(outPrefix + ".json");
  o << meta.dump(2) << "\n";
  if (!o) throw std::runtime_error("cannot write " + outPrefix + ".json");
}

}  // namespace ll::models::dots_ocr
