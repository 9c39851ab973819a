// `layoutlens-cli layout`: dots.ocr on one image or on PDF pages, printing the parsed cells as JSON. The
// quickest way to check a model folder and to see what the layout stage makes of a drawing.
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStringList>
#include <iostream>
#include <map>

#include "cli/command.h"
#include "cli/pdf_exit_codes.h"
#include "core/infer/runtime_options.h"
#include "core/layout/bbox_mapping.h"
#include "core/layout/layout_parser.h"
#include "core/models/dots_ocr/layout_generator.h"
#include "core/pipeline/pdf_document.h"
#include "core/pipeline/pipeline_config.h"

namespace {

using namespace ll;
using models::dots_ocr::PromptMode;

const char* kLayoutHelp =
    "usage: layoutlens-cli layout --model DIR_OR_ID (--image PNG | --pdf FILE [--pages 1-3,7] [--password P])\n"
    "         [--prompt layout-all|layout-only|ocr|grounding] [--bbox x1,y1,x2,y2] [--dpi N]\n"
    "         [--max-long-edge-px N] [--batch-size N] [--max-new-tokens N] [--extra-max-new-tokens N]\n"
    "         [--device auto|cuda|cpu] [--dtype bfloat16|float16|float32] [--attn-impl sdpa|eager|flash_attention_2]\n"
    "\n"
    "Runs dots.ocr and prints a JSON array with one object per page: the model input size, the finish\n"
    "reason, and either the layout cells (category, bbox in page pixels and PDF points, text) or, for the\n"
    "ocr and grounding prompts, the text. --bbox is in page pixels (as rendered at --dpi) and is required\n"
    "with --prompt grounding. A page whose layout JSON is cut off or unreadable is generated once more with\n"
    "--max-new-tokens + --extra-max-new-tokens (the reference's retry; 0 turns it off). Defaults: --dpi 200, --batch-size 18, --max-new-tokens 12000, --device auto,\n"
    "--dtype bfloat16 (float32 on the CPU), --attn-impl sdpa.\n"
    "exit codes: 0 ok, 2 bad arguments, 3 unreadable input, 4 PDF password, 5 some pages failed, 6 model error\n";

struct Page {
  int index = 0;  // 0-based PDF page, or 0 for an image
  QImage image;
  QSizeF sizePt;
  double dpi = 0;
};

std::optional<PromptMode> modeFromFlag(const std::string& s) {
  if (s == "layout-all") return PromptMode::LayoutAll;
  if (s == "layout-only") return PromptMode::LayoutOnly;
  if (s == "ocr") return PromptMode::Ocr;
  if (s == "grounding") return PromptMode::GroundingOcr;
  return std::nullopt;
}

QJsonArray box(const layout::PixelBox& b) { return {b.x1, b.y1, b.x2, b.y2}; }

int runLayout(const std::vector<std::string>& args) {
  std::map<std::string, std::string> opt{{"--prompt", "layout-all"}, {"--dpi", "200"}, {"--batch-size", "18"},
                                         {"--max-new-tokens", "12000"}, {"--extra-max-new-tokens", "12000"}, {"--device", "auto"},
                                         {"--dtype", "bfloat16"}, {"--attn-impl", "sdpa"}, {"--max-long-edge-px", "0"}};
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "-h" || args[i] == "--help") {
      std::cout << kLayoutHelp;
      return cli::kExitOk;
    }
    static const QStringList known{"--model", "--image", "--pdf", "--pages", "--password", "--prompt", "--bbox", "--dpi",
                                   "--max-long-edge-px", "--batch-size", "--max-new-tokens", "--extra-max-new-tokens", "--device", "--dtype", "--attn-impl"};
    if (!known.contains(QString::fromStdString(args[i])))
      return cli::fail(cli::kExitUsage, "layout: unknown option '" + args[i] + "'; see `layoutlens-cli layout --help`");
    if (i + 1 >= args.size()) return cli::fail(cli::kExitUsage, "layout: " + args[i] + " needs a value");
    opt[args[i]] = args[i + 1];
    ++i;
  }
  if (!opt.count("--model")) return cli::fail(cli::kExitUsage, "layout: --model DIR_OR_ID is required");
  if (opt.count("--image") == opt.count("--pdf")) return cli::fail(cli::kExitUsage, "layout: give exactly one of --image or --pdf");
  const auto mode = modeFromFlag(opt["--prompt"]);
  if (!mode) return cli::fail(cli::kExitUsage, "layout: --prompt must be layout-all, layout-only, ocr or grounding");
  bool ok1 = false, ok2 = false, ok3 = false, ok4 = false;
  const double dpi = QString::fromStdString(opt["--dpi"]).toDouble(&ok1);
  const int batch = QString::fromStdString(opt["--batch-size"]).toInt(&ok2);
  const int maxNew = QString::fromStdString(opt["--max-new-tokens"]).toInt(&ok3);
  const int longEdge = QString::fromStdString(opt["--max-long-edge-px"]).toInt(&ok4);
  bool ok5 = false;
  const int extraNew = QString::fromStdString(opt["--extra-max-new-tokens"]).toInt(&ok5);
  if (!ok5 || extraNew < 0) return cli::fail(cli::kExitUsage, "layout: --extra-max-new-tokens must be 0 or a positive integer");
  if (!ok1 || dpi < 36 || dpi > 1200) return cli::fail(cli::kExitUsage, "layout: --dpi must be a number from 36 to 1200");
  if (!ok2 || batch < 1) return cli::fail(cli::kExitUsage, "layout: --batch-size must be a positive integer");
  if (!ok3 || maxNew < 1) return cli::fail(cli::kExitUsage, "layout: --max-new-tokens must be a positive integer");
  if (!ok4 || longEdge < 0) return cli::fail(cli::kExitUsage, "layout: --max-long-edge-px must be 0 (off) or a positive integer");
  std::array<double, 4> bbox{};
  if (*mode == PromptMode::GroundingOcr) {
    const QStringList parts = QString::fromStdString(opt["--bbox"]).split(',');
    bool all = parts.size() == 4;
    for (int k = 0; all && k < 4; ++k) bbox[k] = parts[k].trimmed().toDouble(&all);
    if (!all || bbox[2] <= bbox[0] || bbox[3] <= bbox[1])
      return cli::fail(cli::kExitUsage, "layout: --prompt grounding needs --bbox x1,y1,x2,y2 in page pixels with x1<x2 and y1<y2");
  }

  models::qwen2::DecoderOptions options;
  try {
    options.device = infer::resolveDevice(infer::parseDeviceChoice(opt["--device"]));
    std::string why;
    options.dtype = infer::effectiveDType(infer::parseDType(opt["--dtype"]), options.device, &why);
    if (options.device.is_cpu() && options.dtype != c10::ScalarType::Float) options.dtype = c10::ScalarType::Float;
    options.attention = infer::parseAttentionImpl(opt["--attn-impl"]);
  } catch (const std::exception& e) {
    return cli::fail(cli::kExitUsage, std::string("layout: ") + e.what());
  }

  // Inputs first: a wrong path should not wait for a 6 GB model to load.
  std::vector<Page> pages;
  if (opt.count("--image")) {
    Page p;
    p.image = QImage(QString::fromStdString(opt["--image"])).convertToFormat(QImage::Format_RGB888);
    if (p.image.isNull()) return cli::fail(cli::kExitInputError, "layout: cannot read the image " + opt["--image"] + " (PNG, JPEG, BMP, TIFF)");
    pages.push_back(p);
  } else {
    pipeline::PdfError err;
    const auto doc = pipeline::PdfDocument::open(QString::fromStdString(opt["--pdf"]), QByteArray::fromStdString(opt["--password"]), &err);
    if (!doc) return cli::fail(cli::exitCodeForPdfError(err.code), err.message.toStdString());
    QList<int> indices;
    QString rangeError;
    if (!pipeline::parsePageRange(QString::fromStdString(opt["--pages"]), doc->pageCount(), &indices, &rangeError))
      return cli::fail(cli::kExitUsage, "layout: --pages: " + rangeError.toStdString());
    for (int i : indices) {
      const auto r = doc->render(i, {dpi, longEdge}, &err);
      if (r.image.isNull()) return cli::fail(cli::exitCodeForPdfError(err.code), err.message.toStdString());
      pages.push_back({i, r.image, doc->pageSizePoints(i), r.effectiveDpi});
    }
  }

  std::unique_ptr<models::dots_ocr::DotsLayoutGenerator> generator;
  try {
    generator = models::dots_ocr::DotsLayoutGenerator::load(opt["--model"], options, batch);
  } catch (const std::exception& e) {
    return cli::fail(cli::kExitModelError, std::string("layout: cannot load the dots.ocr model: ") + e.what());
  }

  std::vector<models::dots_ocr::LayoutGenerationRequest> requests;
  std::vector<layout::PageGeometry> geometry;
  for (const auto& p : pages) {
    models::dots_ocr::LayoutGenerationRequest r;
    r.image = {p.image.constBits(), p.image.width(), p.image.height(), p.image.bytesPerLine()};
    r.mode = *mode;
    r.maxNewTokens = maxNew;
    const auto g = layout::PageGeometry::forRenderedPage(p.image.width(), p.image.height(), p.sizePt.width(), p.sizePt.height(), p.dpi);
    if (*mode == PromptMode::GroundingOcr) {
      const auto m = layout::imageToModel({bbox[0], bbox[1], bbox[2], bbox[3]}, g);
      r.groundingBoxModelPx = {static_cast<int64_t>(m.x1), static_cast<int64_t>(m.y1), static_cast<int64_t>(m.x2), static_cast<int64_t>(m.y2)};
    }
    requests.push_back(r);
    geometry.push_back(g);
  }
  auto results = generator->generate(requests);
  // The reference's retry: a layout answer that could not be parsed (usually cut off by the token budget)
  // is generated once more with the larger budget, all such pages together.
  std::vector<bool> retried(results.size(), false);
  if (extraNew > 0 && (*mode == PromptMode::LayoutAll || *mode == PromptMode::LayoutOnly)) {
    std::vector<size_t> again;
    for (size_t i = 0; i < results.size(); ++i)
      if (results[i].error.empty() && layout::parseLayoutOutput(results[i].text).shouldRetryWithLargerBudget) again.push_back(i);
    if (!again.empty()) {
      std::vector<models::dots_ocr::LayoutGenerationRequest> more;
      for (size_t i : again) {
        more.push_back(requests[i]);
        more.back().maxNewTokens = maxNew + extraNew;
      }
      const auto second = generator->generate(more);
      for (size_t k = 0; k < again.size(); ++k) {
        if (!second[k].error.empty()) continue;  // keep the first answer
        results[again[k]] = second[k];
        retried[again[k]] = true;
      }
    }
  }

  QJsonArray out;
  int failed = 0;
  for (size_t i = 0; i < results.size(); ++i) {
    const auto& res = results[i];
    auto g = geometry[i];
    QJsonObject o{{"page", pages[i].index + 1},
                  {"image_size", QJsonArray{pages[i].image.width(), pages[i].image.height()}},
                  {"model_input_size", QJsonArray{static_cast<qint64>(res.modelWidth), static_cast<qint64>(res.modelHeight)}},
                  {"finish_reason", QString::fromStdString(res.finishReason)},
                  {"generated_tokens", static_cast<qint64>(res.generatedTokens)},
                  {"retried_with_larger_budget", static_cast<bool>(retried[i])},
                  {"seconds", res.seconds}};
    if (!res.error.empty()) {
      ++failed;
      o.insert("error", QString::fromStdString(res.error));
    } else if (*mode == PromptMode::Ocr || *mode == PromptMode::GroundingOcr) {
      o.insert("text", QString::fromStdString(res.text));
    } else {
      if (res.modelWidth > 0) {
        g.modelWidth = res.modelWidth;
        g.modelHeight = res.modelHeight;
      }
      const auto parsed = layout::parseLayoutOutput(res.text);
      QJsonArray cells;
      for (const auto& c : parsed.cells) {
        QJsonObject cell{{"category", layout::categoryName(c.category)}, {"bbox_px", box(layout::modelToImage(c.bbox, g))}};
        if (g.pageWidthPt > 0 || g.dpi > 0) cell.insert("bbox_pt", box(layout::modelToPoints(c.bbox, g)));
        if (c.hasText) cell.insert("text", QString::fromStdString(c.text));
        cells.append(cell);
      }
      o.insert("cells", cells);
      o.insert("parse_status", layout::parseStatusName(parsed.status));
      if (!parsed.reason.empty()) o.insert("parse_reason", QString::fromStdString(parsed.reason));
      o.insert("raw", QString::fromStdString(parsed.raw));
    }
    out.append(o);
  }
  std::cout << QJsonDocument(out).toJson(QJsonDocument::Indented).toStdString();
  return failed ? cli::kExitPartial : cli::kExitOk;
}

}  // namespace

LL_REGISTER_COMMAND("layout", "run dots.ocr on an image or PDF pages and print the layout cells as JSON", runLayout);
