// `layoutlens-cli run`: the whole pipeline, headless — PDFs (or image folders) in, a resumable job folder
// with final_report.json per document out. Takes the reference pipeline's flags; both models are loaded once
// and shared by every document; one document's failure is reported and the others go on.
#include <QDir>
#include <algorithm>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStringList>
#include <csignal>
#include <iostream>
#include <map>
#include <set>

#include "cli/command.h"
#include "cli/pdf_exit_codes.h"
#include "cli/terminal_progress.h"
#include "core/pipeline/job_store.h"
#include "core/pipeline/model_engine.h"
#include "core/pipeline/page_source.h"
#include "core/pipeline/pipeline_config.h"
#include "core/pipeline/pipeline_runner.h"

namespace {

using namespace ll;

const char* kRunHelp =
    "usage: layoutlens-cli run --dots-model DIR_OR_ID [--gemma-model DIR_OR_ID | --no-gemma]\n"
    "         (--pdf FILE ... | --pdf-folder DIR | --image-folder DIR | FILE.pdf ... | DIR ...)\n"
    "         [--reports-dir JOB_DIR] [--crops-dir NAME] [--config FILE.json] [--pages 1-3,7] [--password P]\n"
    "         [--pdf-dpi N] [--max-long-edge-px N] [--batch-size N] [--base-max-new-tokens N]\n"
    "         [--extra-max-new-tokens N] [--attn-impl flash_attention_2|sdpa|eager]\n"
    "         [--torch-dtype bfloat16|float16|float32] [--device-map auto|cuda|cpu] [--crop-upscale X]\n"
    "         [--padding N] [--save-manifest] [--no-summaries] [--reuse-layout REPORT.json] [--verbose]\n"
    "\n"
    "Renders every page, finds the layout with dots.ocr, cuts the Picture regions (padded, upscaled) into PNG\n"
    "crops, reads them with Gemma 3n and summarises each page, then writes JOB_DIR/<document>/final_report.json\n"
    "(schema: docs/report-schema.json). Each page is saved the moment it is done: running the same command again\n"
    "after a crash or Ctrl-C skips finished pages. A failing page is retried on the next runs (3 attempts in all)\n"
    "and then recorded as failed with its reason.\n"
    "Inputs: --pdf (repeatable) and plain arguments name PDFs; a folder argument or --pdf-folder takes every PDF in\n"
    "it; --image-folder (repeatable) is one document whose pages are the folder's images, in name order.\n"
    "Without a Gemma model (--no-gemma; or no --gemma-model and google/gemma-3n-e4b-it not in the Hugging Face\n"
    "cache) crops are still written and the report says 'skipped: no Gemma model'\n"
    "for crop OCR and summaries; a --gemma-model that cannot be loaded is an error (exit 6). --config loads a PipelineConfig JSON (the same keys as\n"
    "the Preferences dialog); flags override it. Defaults: the reference's (--pdf-dpi 200, --batch-size 18,\n"
    "--base-max-new-tokens 12000, --extra-max-new-tokens 12000, --padding 12, --crop-upscale 2.0,\n"
    "--device-map auto, --torch-dtype bfloat16 (float32 on the CPU)), --reports-dir reports.\n"
    "--reuse-layout (repeatable) takes each page's layout from an earlier final_report.json of the same file (same\n"
    "sha256, same render size) instead of running dots.ocr: crops are cut again from those boxes and read and\n"
    "summarised anew, e.g. with another Gemma checkpoint. Use a new --reports-dir, or pages already done are skipped.\n"
    "Prints a JSON summary (one object per document) on stdout; a progress bar on stderr when it is a terminal.\n"
    "exit codes: 0 ok, 2 bad arguments, 3 unreadable input, 4 PDF password, 5 some pages or documents failed,\n"
    "6 model error, 130 cancelled (finished pages are kept)\n";

std::shared_ptr<std::atomic<bool>> gCancel;

void onInterrupt(int) {
  if (gCancel) gCancel->store(true);
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process at once
}

struct Input {
  QString path;
  bool imageFolder = false;
};

int parseInt(const std::string& flag, const std::string& value, int* out) {
  bool ok = false;
  const int v = QString::fromStdString(value).toInt(&ok);
  if (!ok) return cli::fail(cli::kExitUsage, "run: " + flag + " must be an integer, not '" + value + "'");
  *out = v;
  return cli::kExitOk;
}

QStringList pdfsIn(const QString& folder) {
  QDir dir(folder);
  QStringList out;
  for (const auto& n : dir.entryList({"*.pdf"}, QDir::Files, QDir::Name)) out << dir.absoluteFilePath(n);  // any case
  return out;
}

int runPipeline(const std::vector<std::string>& args) {
  pipeline::PipelineConfig config;
  std::vector<Input> inputs;
  std::vector<std::pair<std::string, std::string>> valued;  // applied after --config, in order
  std::set<std::string> switches;
  std::string configFile, password;
  QStringList reuseLayoutReports;
  bool noGemma = false;
  static const std::set<std::string> valueFlags{
      "--dots-model", "--gemma-model", "--pdf", "--pdf-folder", "--image-folder", "--reports-dir", "--crops-dir", "--out",
      "--config", "--pages", "--password", "--pdf-dpi", "--max-long-edge-px", "--batch-size", "--base-max-new-tokens",
      "--extra-max-new-tokens", "--attn-impl", "--torch-dtype", "--device-map", "--crop-upscale", "--padding",
      "--reuse-layout"};
  static const std::set<std::string> switchFlags{"--save-manifest", "--verbose", "--no-gemma", "--no-summaries"};
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      std::cout << kRunHelp;
      return cli::kExitOk;
    }
    if (switchFlags.count(a)) {
      switches.insert(a);
      continue;
    }
    if (valueFlags.count(a)) {
      if (i + 1 >= args.size()) return cli::fail(cli::kExitUsage, "run: " + a + " needs a value");
      const std::string v = args[++i];
      if (a == "--pdf") inputs.push_back({QString::fromStdString(v), false});
      else if (a == "--image-folder") inputs.push_back({QString::fromStdString(v), true});
      else if (a == "--pdf-folder") {
        if (!QFileInfo(QString::fromStdString(v)).isDir())
          return cli::fail(cli::kExitInputError, "run: --pdf-folder " + v + " is not a folder");
        const QStringList pdfs = pdfsIn(QString::fromStdString(v));
        if (pdfs.isEmpty()) return cli::fail(cli::kExitInputError, "run: the folder " + v + " has no PDF files");
        for (const auto& p : pdfs) inputs.push_back({p, false});
      } else if (a == "--config") configFile = v;
      else if (a == "--password") password = v;
      else if (a == "--reuse-layout") {
        if (!QFileInfo(QString::fromStdString(v)).isFile())
          return cli::fail(cli::kExitInputError, "run: --reuse-layout " + v + " is not a file (give an earlier final_report.json)");
        reuseLayoutReports << QString::fromStdString(v);
      } else valued.emplace_back(a, v);
      continue;
    }
    if (a.rfind("--", 0) == 0) return cli::fail(cli::kExitUsage, "run: unknown option '" + a + "'; see `layoutlens-cli run --help`");
    // A plain argument: a PDF, or a folder of PDFs (or of images when it has no PDF).
    const QString path = QString::fromStdString(a);
    if (QFileInfo(path).isDir()) {
      const QStringList pdfs = pdfsIn(path);
      if (!pdfs.isEmpty()) {
        for (const auto& p : pdfs) inputs.push_back({p, false});
      } else if (!pipeline::imageFilesIn(path).isEmpty()) {
        inputs.push_back({path, true});
      } else {
        return cli::fail(cli::kExitInputError, "run: the folder " + a + " has neither PDFs nor images");
      }
    } else {
      inputs.push_back({path, false});
    }
  }

  if (!configFile.empty()) {
    QString error;
    if (!pipeline::PipelineConfig::loadFile(QString::fromStdString(configFile), &config, &error))
      return cli::fail(cli::kExitUsage, "run: " + error.toStdString());
  }
  for (const auto& [flag, value] : valued) {
    const QString v = QString::fromStdString(value);
    int rc = cli::kExitOk;
    if (flag == "--dots-model") config.dots_model_path = v;
    else if (flag == "--gemma-model") config.gemma_model_id = v;
    else if (flag == "--reports-dir" || flag == "--out") config.reports_dir = v;
    else if (flag == "--crops-dir") config.crops_dir = v;
    else if (flag == "--pages") config.page_range = v;
    else if (flag == "--pdf-dpi") rc = parseInt(flag, value, &config.pdf_dpi);
    else if (flag == "--max-long-edge-px") rc = parseInt(flag, value, &config.max_long_edge_px);
    else if (flag == "--batch-size") rc = parseInt(flag, value, &config.batch_size);
    else if (flag == "--base-max-new-tokens") rc = parseInt(flag, value, &config.base_max_new_tokens);
    else if (flag == "--extra-max-new-tokens") rc = parseInt(flag, value, &config.extra_max_new_tokens);
    else if (flag == "--padding") rc = parseInt(flag, value, &config.padding);
    else if (flag == "--attn-impl") config.attn_impl = v;
    else if (flag == "--torch-dtype") config.torch_dtype = v;
    else if (flag == "--device-map") config.device_map = v;
    else if (flag == "--crop-upscale") {
      bool ok = false;
      config.crop_upscale = v.toDouble(&ok);
      if (!ok) return cli::fail(cli::kExitUsage, "run: --crop-upscale must be a number, not '" + value + "'");
    }
    if (rc != cli::kExitOk) return rc;
  }
  if (switches.count("--save-manifest")) config.save_manifest = true;
  if (switches.count("--verbose")) config.verbose = true;
  if (switches.count("--no-summaries")) config.page_summaries = false;
  noGemma = switches.count("--no-gemma") > 0;
  if (noGemma && std::find_if(valued.begin(), valued.end(), [](const auto& p) { return p.first == "--gemma-model"; }) != valued.end())
    return cli::fail(cli::kExitUsage, "run: give either --gemma-model or --no-gemma, not both");
  if (const QStringList problems = config.validate(); !problems.isEmpty())
    return cli::fail(cli::kExitUsage, "run: " + problems.join("; ").toStdString());
  if (config.dots_model_path.isEmpty()) return cli::fail(cli::kExitUsage, "run: --dots-model DIR_OR_ID is required");
  if (config.crops_dir.isEmpty() || QDir::isAbsolutePath(config.crops_dir) || config.crops_dir.contains(".."))
    return cli::fail(cli::kExitUsage, "run: --crops-dir must be a folder name inside each document's folder, not '" +
                                          config.crops_dir.toStdString() + "'");
  // The reference's image_folder / pdf_path settings are inputs too (from --config).
  if (inputs.empty() && !config.pdf_path.isEmpty()) inputs.push_back({config.pdf_path, false});
  if (inputs.empty() && !config.image_folder.isEmpty()) inputs.push_back({config.image_folder, true});
  if (inputs.empty()) return cli::fail(cli::kExitUsage, "run: no input; give PDFs, --pdf-folder DIR or --image-folder DIR");

  // Inputs first: a typo should not wait for two models to load. Counting pages also sizes the progress bar.
  struct Planned {
    Input input;
    int pages = 0;
    QString error;
    int exitCode = cli::kExitOk;
  };
  std::vector<Planned> plan;
  int totalPages = 0;
  for (const auto& in : inputs) {
    Planned p{in};
    if (!QFileInfo::exists(in.path))
      return cli::fail(cli::kExitInputError, "run: " + in.path.toStdString() + " does not exist");
    if (in.imageFolder && !QFileInfo(in.path).isDir())
      return cli::fail(cli::kExitInputError, "run: --image-folder " + in.path.toStdString() + " is not a folder");
    pipeline::PdfError err;
    const auto source = pipeline::openPageSource(in.path, QByteArray::fromStdString(password), config.pdf_dpi, &err);
    if (!source) {
      p.error = err.message;
      p.exitCode = cli::exitCodeForPdfError(err.code);
    } else {
      QList<int> pages;
      QString why;
      if (!pipeline::parsePageRange(config.page_range, source->pageCount(), &pages, &why))
        return cli::fail(cli::kExitUsage, "run: --pages for " + in.path.toStdString() + ": " + why.toStdString());
      p.pages = pages.size();
      totalPages += p.pages;
    }
    plan.push_back(p);
  }

  // Nothing usable: say so without loading two models first.
  if (std::all_of(plan.begin(), plan.end(), [](const Planned& p) { return !p.error.isEmpty(); })) {
    for (size_t i = 1; i < plan.size(); ++i) std::cerr << "layoutlens-cli: run: " << plan[i].error.toStdString() << std::endl;
    return cli::fail(plan[0].exitCode, "run: " + plan[0].error.toStdString());
  }

  cli::TerminalProgress progress(cli::stderrIsTerminal());
  auto log = [&](const QString& line) {
    if (config.verbose) progress.log(line);
  };

  pipeline::ModelEngineSettings settings = pipeline::ModelEngineSettings::fromConfig(config);
  if (noGemma) settings.gemmaModel.clear();
  const bool gemmaGivenExplicitly =
      std::any_of(valued.begin(), valued.end(), [](const auto& p) { return p.first == "--gemma-model"; }) ||
      config.gemma_model_id != pipeline::PipelineConfig().gemma_model_id;
  settings.gemmaOptional = !gemmaGivenExplicitly;
  std::unique_ptr<pipeline::ModelEngine> engine;
  try {
    engine = pipeline::ModelEngine::load(settings, log);
  } catch (const pipeline::ModelLoadError& e) {
    const bool bad = e.kind == pipeline::ModelLoadError::Kind::BadSetting;
    std::string message = std::string("run: ") + e.what();
    if (message.find("Gemma 3n model") != std::string::npos && message.find("--no-gemma") == std::string::npos)
      message += " (or pass --no-gemma to run without crop OCR and summaries)";
    return cli::fail(bad ? cli::kExitUsage : cli::kExitModelError, message);
  }
  log(QStringLiteral("engine: %1").arg(engine->describe()));

  QString error;
  auto store = pipeline::JobStore::open(config.reports_dir, &error);
  if (!store) return cli::fail(cli::kExitInputError, "run: " + error.toStdString());

  gCancel = pipeline::makeCancelFlag();
  std::signal(SIGINT, onInterrupt);
  std::signal(SIGTERM, onInterrupt);

  int finishedBefore = 0, skippedTotal = 0;
  pipeline::RunnerCallbacks callbacks;
  callbacks.log = log;
  callbacks.progress = [&](const pipeline::RunProgress& p) {
    // Pages that failed for good count as done for the bar: they need no more work in this run.
    progress.update(finishedBefore + p.pagesDone + p.pagesFailed, skippedTotal + p.pagesSkipped, totalPages,
                    QFileInfo(p.document).fileName() + ": " + p.stage);
  };
  pipeline::PipelineRunner runner(*engine, config, *store, callbacks);
  runner.reuseLayoutFrom(reuseLayoutReports);
  progress.restartClock();  // pages/s counts analysis, not model loading

  QJsonArray summary;
  int documentsFailed = 0, documentsPartial = 0, firstErrorCode = cli::kExitOk;
  bool cancelled = false;
  for (const auto& p : plan) {
    QJsonObject o{{"source", QFileInfo(p.input.path).absoluteFilePath()}};
    if (!p.error.isEmpty()) {
      progress.log(QStringLiteral("layoutlens-cli: run: %1").arg(p.error));
      o.insert("error", p.error);
      ++documentsFailed;
      if (firstErrorCode == cli::kExitOk) firstErrorCode = p.exitCode;
      summary.append(o);
      continue;
    }
    if (cancelled) {
      o.insert("error", "cancelled before this document started");
      summary.append(o);
      continue;
    }
    log(QStringLiteral("document: %1 (%2 page(s))").arg(p.input.path).arg(p.pages));
    const auto out = runner.runDocument(p.input.path, QByteArray::fromStdString(password), gCancel);
    skippedTotal += out.pagesSkipped;
    finishedBefore += out.pagesDone + out.pagesSkipped + out.pagesFailed;
    progress.update(finishedBefore, skippedTotal, totalPages, QFileInfo(p.input.path).fileName() + ": done");
    o.insert("doc_id", out.docId);
    o.insert("report", out.reportPath);
    o.insert("pages_selected", out.pagesSelected);
    o.insert("pages_done", out.pagesDone);
    o.insert("pages_skipped", out.pagesSkipped);
    o.insert("pages_failed", out.pagesFailed);
    o.insert("cancelled", out.cancelled);
    if (!out.error.isEmpty()) {
      o.insert("error", out.error);
      progress.log(QStringLiteral("layoutlens-cli: run: %1").arg(out.error));
      ++documentsFailed;
      if (firstErrorCode == cli::kExitOk) firstErrorCode = cli::kExitInputError;
    } else if (out.pagesFailed > 0 || out.pagesDone + out.pagesSkipped < out.pagesSelected) {
      ++documentsPartial;
    }
    if (out.cancelled) cancelled = true;
    summary.append(o);
  }
  progress.finish();
  std::cout << QJsonDocument(summary).toJson(QJsonDocument::Indented).toStdString();
  if (cancelled) {
    std::cerr << "layoutlens-cli: run: cancelled; finished pages are saved, run the same command again to resume" << std::endl;
    return cli::kExitCancelled;
  }
  const int documents = static_cast<int>(plan.size());
  if (documentsFailed == documents) return firstErrorCode;  // nothing could be processed
  if (documentsFailed > 0 || documentsPartial > 0) return cli::kExitPartial;
  return cli::kExitOk;
}

}  // namespace

LL_REGISTER_COMMAND("run", "the whole pipeline on PDFs or image folders: resumable job, final_report.json per document",
                    runPipeline);
