// `layoutlens-cli parse-layout`: runs the layout parser, box mapping and picture-region geometry on a saved
// dots.ocr response, without a model. For debugging a page whose layout looks wrong, for checking what the
// repair did to a damaged response, and for end-to-end tests of the layout layer.
#include <cmath>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "core/layout/bbox_mapping.h"
#include "core/layout/layout_parser.h"
#include "core/layout/picture_regions.h"

namespace {

// Insertion order keeps "status" and "reason" at the top where a reader looks first.
using json = nlohmann::ordered_json;
using namespace ll::layout;

const char* kHelp =
    "usage: layoutlens-cli parse-layout --input RAW.txt [--image-size WxH] [--page-size WxH] [--dpi N]\n"
    "                                   [--model-size WxH] [--padding PX] [--crop-upscale F]\n"
    "\n"
    "Parses a raw dots.ocr layout response (prompt_layout_all_en / prompt_layout_only_en), repairing it the\n"
    "way the pipeline does, and prints one JSON object: status (ok, repaired, failed), the reason, whether\n"
    "the pipeline would retry with a larger token budget, and the cells with their boxes in model-input\n"
    "pixels and, given the sizes, in page pixels and PDF points, plus the Picture regions to crop.\n"
    "\n"
    "options:\n"
    "  --input FILE       the model's raw output ('-' reads standard input)\n"
    "  --image-size WxH   the rendered page image in pixels; the model input is its smart_resize size\n"
    "  --page-size WxH    the PDF page in points (e.g. 595.28x841.89), for boxes in points\n"
    "  --dpi N            the render resolution, for boxes in points when --page-size is not given\n"
    "  --model-size WxH   the model input size, when it was not the smart_resize of --image-size\n"
    "  --padding PX       picture padding in page pixels (default 12)\n"
    "  --crop-upscale F   picture crop scale (default 2.0)\n"
    "  -h, --help         show this help\n"
    "\n"
    "exit codes: 0 parsed (ok or repaired), 5 nothing could be parsed (the JSON is still printed),\n"
    "            2 bad arguments, 3 unreadable input file\n";

bool parseSize(const std::string& text, double& w, double& h) {
  const size_t x = text.find_first_of("xX");
  if (x == std::string::npos) return false;
  try {
    size_t used = 0;
    const std::string ws = text.substr(0, x), hs = text.substr(x + 1);
    w = std::stod(ws, &used);
    if (used != ws.size()) return false;
    h = std::stod(hs, &used);
    if (used != hs.size()) return false;
  } catch (const std::exception&) {
    return false;
  }
  return std::isfinite(w) && std::isfinite(h) && w > 0 && h > 0;
}

bool parseNumber(const std::string& text, double& out) {
  try {
    size_t used = 0;
    out = std::stod(text, &used);
    return used == text.size() && std::isfinite(out);
  } catch (const std::exception&) {
    return false;
  }
}

// Whole numbers print as integers ("[110, 83, ...]" rather than "[110.0, 83.0, ...]"), like the model's own boxes.
json number(double v) {
  if (v == std::trunc(v) && std::fabs(v) < 9e15) return static_cast<int64_t>(v);
  return v;
}

json boxJson(const PixelBox& b) { return json::array({number(b.x1), number(b.y1), number(b.x2), number(b.y2)}); }

int runParseLayout(const std::vector<std::string>& args) {
  using namespace ll::cli;
  std::string input;
  std::optional<std::pair<double, double>> imageSize, pageSize, modelSize;
  double dpi = 0;
  PictureRegionOptions regionOptions;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      std::cout << kHelp;
      return kExitOk;
    }
    auto value = [&](std::string& out) {
      if (i + 1 >= args.size()) return false;
      out = args[++i];
      return true;
    };
    std::string v;
    if (a == "--input") {
      if (!value(input)) return fail(kExitUsage, "--input needs a file name (or '-' for standard input)");
    } else if (a == "--image-size" || a == "--page-size" || a == "--model-size") {
      double w = 0, h = 0;
      if (!value(v) || !parseSize(v, w, h))
        return fail(kExitUsage, a + " needs a size like 1654x2339 (width x height, both positive)");
      (a == "--image-size" ? imageSize : a == "--page-size" ? pageSize : modelSize) = std::make_pair(w, h);
    } else if (a == "--dpi") {
      if (!value(v) || !parseNumber(v, dpi) || dpi <= 0) return fail(kExitUsage, "--dpi needs a positive number, e.g. 200");
    } else if (a == "--padding") {
      double p = 0;
      if (!value(v) || !parseNumber(v, p) || p < 0 || p != std::floor(p))
        return fail(kExitUsage, "--padding needs a whole number of pixels, 0 or more");
      regionOptions.paddingPx = static_cast<int64_t>(p);
    } else if (a == "--crop-upscale") {
      if (!value(v) || !parseNumber(v, regionOptions.cropUpscale) || regionOptions.cropUpscale <= 0)
        return fail(kExitUsage, "--crop-upscale needs a positive number, e.g. 2.0");
    } else {
      return fail(kExitUsage, "unknown option '" + a + "'; run `layoutlens-cli parse-layout --help`");
    }
  }
  if (input.empty()) return fail(kExitUsage, "--input is required: the file holding the model's raw output");
  if (modelSize && !imageSize) return fail(kExitUsage, "--model-size needs --image-size too");
  if ((pageSize || dpi > 0) && !imageSize) return fail(kExitUsage, "--page-size and --dpi need --image-size too");

  std::string raw;
  if (input == "-") {
    raw.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    std::ifstream in(input, std::ios::binary);
    if (!in) return fail(kExitInputError, "cannot read '" + input + "': check the path and its permissions");
    std::ostringstream ss;
    ss << in.rdbuf();
    raw = ss.str();
  }

  const LayoutParseResult result = parseLayoutOutput(raw);
  json out = {{"status", parseStatusName(result.status)},
              {"reason", result.reason},
              {"retry_with_larger_budget", result.shouldRetryWithLargerBudget},
              {"truncated", result.truncated},
              {"raw_bytes", raw.size()}};

  std::optional<PageGeometry> geometry;
  if (imageSize) {
    const auto iw = static_cast<int64_t>(std::llround(imageSize->first));
    const auto ih = static_cast<int64_t>(std::llround(imageSize->second));
    try {
      PageGeometry g = PageGeometry::forRenderedPage(iw, ih, pageSize ? pageSize->first : 0,
                                                     pageSize ? pageSize->second : 0, dpi);
      if (modelSize) {
        g.modelWidth = static_cast<int64_t>(std::llround(modelSize->first));
        g.modelHeight = static_cast<int64_t>(std::llround(modelSize->second));
      }
      geometry = g;
    } catch (const std::invalid_argument& e) {
      return fail(kExitUsage, e.what());
    }
    out["image_size"] = {geometry->imageWidth, geometry->imageHeight};
    out["model_input_size"] = {geometry->modelWidth, geometry->modelHeight};
    if (pageSize) out["page_size_pt"] = {pageSize->first, pageSize->second};
    if (dpi > 0) out["dpi"] = dpi;
  }
  const bool withPoints = geometry && (pageSize || dpi > 0);

  json cells = json::array();
  for (size_t i = 0; i < result.cells.size(); ++i) {
    const LayoutCell& c = result.cells[i];
    json cell = {{"index", i}, {"category", categoryName(c.category)}, {"bbox_model", boxJson(c.bbox)}};
    if (c.rawCategory != categoryName(c.category)) cell["raw_category"] = c.rawCategory;
    if (c.hasText) cell["text"] = c.text;
    if (geometry) cell["bbox_px"] = boxJson(modelToImage(c.bbox, *geometry));
    if (withPoints) cell["bbox_pt"] = boxJson(modelToPoints(c.bbox, *geometry));
    cells.push_back(std::move(cell));
  }
  out["cells"] = std::move(cells);

  if (geometry) {
    json regions = json::array();
    try {
      for (const PictureRegion& r : pictureRegions(result.cells, *geometry, 0, regionOptions)) {
        regions.push_back({{"id", r.id},
                           {"cell_index", r.cellIndex},
                           {"bbox_px", boxJson(r.box)},
                           {"padded_bbox_px", boxJson(r.paddedBox)},
                           {"crop_size", {r.cropWidth, r.cropHeight}}});
      }
    } catch (const std::invalid_argument& e) {
      return fail(kExitUsage, e.what());
    }
    out["picture_regions"] = std::move(regions);
  }

  std::cout << out.dump(2, ' ', false, json::error_handler_t::replace) << std::endl;
  return result.status == ParseStatus::Failed ? kExitPartial : kExitOk;
}

}  // namespace

LL_REGISTER_COMMAND("parse-layout", "parse a saved dots.ocr layout response into cells (debugging)", runParseLayout);
