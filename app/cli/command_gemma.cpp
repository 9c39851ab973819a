// `layoutlens-cli gemma`: Gemma 3n on one image (or text only) with one of the pipeline's tasks (crop OCR,
// page summary) or a free prompt, printing the answer as JSON with its parse status. The quickest way to
// check a Gemma 3n model folder and to see what the OCR stage makes of a crop.
#include <QImage>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStringList>
#include <iostream>
#include <map>

#include "cli/command.h"
#include "core/infer/runtime_options.h"
#include "core/layout/vision_answer.h"
#include "core/models/gemma3n/gemma3n_generator.h"
#include "core/models/gemma3n/prompts.h"

namespace {

using namespace ll;
using models::gemma3n::VisionTask;

const char* kGemmaHelp =
    "usage: layoutlens-cli gemma [--model DIR_OR_ID] [--image PNG] [--task crop-ocr|summary|free]\n"
    "         [--prompt TEXT] [--max-new-tokens N] [--sample [--seed N]]\n"
    "         [--device auto|cuda|cpu] [--dtype bfloat16|float32] [--attn-impl sdpa|eager]\n"
    "\n"
    "Runs Gemma 3n and prints one JSON object: the task, the answer text, whether the answer was valid JSON\n"
    "(answer_status ok | repaired | raw, with the reason), the parsed object, token counts and seconds.\n"
    "  crop-ocr  transcribe every piece of text in the image (the pipeline's crop OCR prompt); --image required\n"
    "  summary   summarise a page image; --prompt gives the page's layout and crop text (optional)\n"
    "  free      your own --prompt, with or without --image\n"
    "Defaults: --model google/gemma-3n-e4b-it (looked up in the Hugging Face cache), --task crop-ocr,\n"
    "--max-new-tokens 1024, greedy decoding (--sample uses top-k 64, top-p 0.95, temperature 1),\n"
    "--device auto, --dtype bfloat16 (float32 on the CPU). float16 is refused: Gemma 3n overflows in it.\n"
    "exit codes: 0 ok, 2 bad arguments, 3 unreadable image, 5 generation failed, 6 model error\n";

int runGemma(const std::vector<std::string>& args) {
  std::map<std::string, std::string> opt{{"--model", "google/gemma-3n-e4b-it"}, {"--task", "crop-ocr"},
                                         {"--max-new-tokens", "1024"}, {"--device", "auto"},
                                         {"--dtype", "bfloat16"}, {"--attn-impl", "sdpa"}, {"--seed", "0"}};
  bool sample = false;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "-h" || args[i] == "--help") {
      std::cout << kGemmaHelp;
      return cli::kExitOk;
    }
    if (args[i] == "--sample") {
      sample = true;
      continue;
    }
    static const QStringList known{"--model", "--image", "--task", "--prompt", "--max-new-tokens", "--seed",
                                   "--device", "--dtype", "--attn-impl"};
    if (!known.contains(QString::fromStdString(args[i])))
      return cli::fail(cli::kExitUsage, "gemma: unknown option '" + args[i] + "'; see `layoutlens-cli gemma --help`");
    if (i + 1 >= args.size()) return cli::fail(cli::kExitUsage, "gemma: " + args[i] + " needs a value");
    opt[args[i]] = args[i + 1];
    ++i;
  }
  const auto task = models::gemma3n::visionTaskFromName(opt["--task"]);
  if (!task) return cli::fail(cli::kExitUsage, "gemma: --task must be crop-ocr, summary or free");
  if (*task != VisionTask::Free && !opt.count("--image"))
    return cli::fail(cli::kExitUsage, std::string("gemma: --task ") + opt["--task"] + " needs --image PNG");
  if (*task == VisionTask::Free && opt["--prompt"].empty())
    return cli::fail(cli::kExitUsage, "gemma: --task free needs --prompt TEXT");
  bool ok1 = false, ok2 = false;
  const int maxNew = QString::fromStdString(opt["--max-new-tokens"]).toInt(&ok1);
  const qulonglong seed = QString::fromStdString(opt["--seed"]).toULongLong(&ok2);
  if (!ok1 || maxNew < 1) return cli::fail(cli::kExitUsage, "gemma: --max-new-tokens must be a positive integer");
  if (!ok2) return cli::fail(cli::kExitUsage, "gemma: --seed must be a non-negative integer");

  models::gemma3n::Gemma3nOptions options;
  try {
    options.device = infer::resolveDevice(infer::parseDeviceChoice(opt["--device"]));
    const auto asked = infer::parseDType(opt["--dtype"]);
    if (asked == c10::ScalarType::Half)
      return cli::fail(cli::kExitUsage, "gemma: float16 overflows in Gemma 3n (activations exceed 65504); use bfloat16 or float32");
    std::string why;
    options.dtype = infer::effectiveDType(asked, options.device, &why);
    if (options.device.is_cpu()) options.dtype = c10::ScalarType::Float;
    options.attention = infer::parseAttentionImpl(opt["--attn-impl"]);
  } catch (const std::exception& e) {
    return cli::fail(cli::kExitUsage, std::string("gemma: ") + e.what());
  }

  QImage image;
  if (opt.count("--image")) {  // before the model: a wrong path should not wait for a 15 GB load
    image = QImage(QString::fromStdString(opt["--image"])).convertToFormat(QImage::Format_RGB888);
    if (image.isNull())
      return cli::fail(cli::kExitInputError, "gemma: cannot read the image " + opt["--image"] + " (PNG, JPEG, BMP, TIFF)");
  }

  std::unique_ptr<models::gemma3n::Gemma3nGenerator> generator;
  try {
    generator = models::gemma3n::Gemma3nGenerator::load(opt["--model"], options, 1);
  } catch (const std::exception& e) {
    return cli::fail(cli::kExitModelError, std::string("gemma: cannot load the Gemma 3n model: ") + e.what());
  }

  models::gemma3n::VisionGenerationRequest r;
  if (!image.isNull()) r.image = {image.constBits(), image.width(), image.height(), image.bytesPerLine()};
  switch (*task) {
    case VisionTask::CropOcr: r.prompt = models::gemma3n::cropOcrPrompt(); break;
    case VisionTask::PageSummary: r.prompt = models::gemma3n::pageSummaryPromptWithContext(opt["--prompt"]); break;
    case VisionTask::Free: r.prompt = opt["--prompt"]; break;
  }
  r.maxNewTokens = maxNew;
  r.greedy = !sample;
  r.seed = seed;
  const auto result = generator->generate({r}).front();

  QJsonObject o{{"task", QString::fromStdString(opt["--task"])},
                {"model", QString::fromStdString(generator->describe())},
                {"finish_reason", QString::fromStdString(result.finishReason)},
                {"prompt_tokens", static_cast<qint64>(result.promptTokens)},
                {"generated_tokens", static_cast<qint64>(result.generatedTokens)},
                {"seconds", result.seconds}};
  if (!result.error.empty()) {
    o.insert("error", QString::fromStdString(result.error));
  } else {
    o.insert("text", QString::fromStdString(result.text));
    if (*task != VisionTask::Free) {
      const auto parsed = layout::parseVisionAnswer(result.text);
      o.insert("answer_status", layout::answerStatusName(parsed.status));
      if (!parsed.reason.empty()) o.insert("answer_reason", QString::fromStdString(parsed.reason));
      if (parsed.json)
        o.insert("json", QJsonDocument::fromJson(QByteArray::fromStdString(parsed.json->dump())).object());
      if (*task == VisionTask::CropOcr)
        o.insert("ocr_text", QString::fromStdString(layout::ocrTextOf(parsed, result.text)));
    }
  }
  std::cout << QJsonDocument(o).toJson(QJsonDocument::Indented).toStdString();
  return result.error.empty() ? cli::kExitOk : cli::kExitPartial;
}

}  // namespace

LL_REGISTER_COMMAND("gemma", "run Gemma 3n on an image: crop OCR, page summary or a free prompt (JSON out)", runGemma);
