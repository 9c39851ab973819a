// `layoutlens-cli run`: the whole pipeline, headless — PDFs (or image folders) in, a resumable job folder
// with final_report.json per document out. Takes the reference pipeline's flags; both models are loaded once
// and shared by every document; one document's failure is reported and the others go on.
#include <QDir>
#include <QElapsedTimer>
#include <algorithm>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStringList>
#include <csignal>
#include <future>
#include <iostream>
#include <map>
#include <set>

#include "cli/command.h"
#include "cli/pdf_exit_codes.h"
#include "cli/terminal_progress.h"
#include "core/infer/runtime_options.h"
#include "core/pipeline/document_workers.h"
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
    "         [--padding N] [--save-manifest] [--no-summaries] [--reuse-layout REPORT.json] [--gpus 0,1|all]\n"
    "         [--verbose]\n"
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
    "--gpus 0,1 (or all): one worker per listed CUDA GPU, each with both models loaded on its GPU; the documents are\n"
    "handed to whichever worker is free (a document stays on one GPU), so two GPUs analyse two documents at once.\n"
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

// "--gpus 0,1" or "all" -> CUDA device numbers, checked against the `count` GPUs libtorch sees.
bool parseGpuList(const std::string& text, int count, std::vector<int>* out, std::string* why) {
  const std::string noCuda = "needs CUDA GPUs, but this libtorch sees none (Debian's libtorch is CPU-only; see README "
                             "'Running on a GPU')";
  const QString list = QString::fromStdString(text).trimmed();
  if (list.compare("all", Qt::CaseInsensitive) == 0) {
    if (count == 0) return *why = noCuda, false;
    for (int i = 0; i < count; ++i) out->push_back(i);
    return true;
  }
  for (const QString& item : list.split(',')) {
    bool ok = false;
    const int gpu = item.trimmed().toInt(&ok);
    if (!ok || gpu < 0)
      return *why = "takes GPU numbers separated by commas (0,1) or 'all', not '" + text + "'", false;
    if (std::find(out->begin(), out->end(), gpu) != out->end())
      return *why = "lists GPU " + std::to_string(gpu) + " twice", false;
    out->push_back(gpu);
  }
  if (count == 0) return *why = noCuda, false;
  for (int gpu : *out)
    if (gpu >= count)
      return *why = "names GPU " + std::to_string(gpu) + ", but this machine has " + std::to_string(count) +
                    (count == 1 ? " GPU (0)" : " GPUs (0 to " + std::to_string(count - 1) + ")"),
             false;
  return true;
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
  std::string configFile, password, gpusFlag;
  QStringList reuseLayoutReports;
  bool noGemma = false;
  static const std::set<std::string> valueFlags{
      "--dots-model", "--gemma-model", "--pdf", "--pdf-folder", "--image-folder", "--reports-dir", "--crops-dir", "--out",
      "--config", "--pages", "--password", "--pdf-dpi", "--max-long-edge-px", "--batch-size", "--base-max-new-tokens",
      "--extra-max-new-tokens", "--attn-impl", "--torch-dtype", "--device-map", "--crop-upscale", "--padding",
      "--reuse-layout", "--gpus"};
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
      else if (a == "--gpus") gpusFlag = v;
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
  std::vector<int> gpus;  // --gpus: one worker per listed GPU
  if (!gpusFlag.empty()) {
    std::string why;
    if (!parseGpuList(gpusFlag, infer::cudaDeviceCount(), &gpus, &why)) return cli::fail(cli::kExitUsage, "run: --gpus " + why);
    if (config.device_map.compare("cpu", Qt::CaseInsensitive) == 0)
      return cli::fail(cli::kExitUsage, "run: --gpus runs on CUDA GPUs; it cannot be combined with --device-map cpu");
  }
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
  // One engine, or one per --gpus GPU, loaded side by side (each on its own inference thread).
  std::vector<pipeline::ModelEngineSettings> perWorker;
  if (gpus.empty()) perWorker.push_back(settings);
  for (int gpu : gpus) {
    perWorker.push_back(settings);
    perWorker.back().device = QStringLiteral("cuda:%1").arg(gpu);
  }
  // The engines load at once, each logging from its own thread (TerminalProgress::log is thread-safe).
  std::vector<std::future<std::unique_ptr<pipeline::ModelEngine>>> loading;
  for (const auto& s : perWorker)
    loading.push_back(std::async(std::launch::async, [s, log] { return pipeline::ModelEngine::load(s, log); }));
  std::vector<std::unique_ptr<pipeline::ModelEngine>> engines;
  std::string loadError;
  int loadExit = cli::kExitOk;
  for (size_t i = 0; i < loading.size(); ++i) {
    try {
      engines.push_back(loading[i].get());
    } catch (const pipeline::ModelLoadError& e) {
      if (!loadError.empty()) continue;  // the first failure is the one reported; the others still finish loading
      const bool bad = e.kind == pipeline::ModelLoadError::Kind::BadSetting;
      loadError = std::string("run: ") + (gpus.empty() ? "" : "GPU " + std::to_string(gpus[i]) + ": ") + e.what();
      if (loadError.find("Gemma 3n model") != std::string::npos && loadError.find("--no-gemma") == std::string::npos)
        loadError += " (or pass --no-gemma to run without crop OCR and summaries)";
      loadExit = bad ? cli::kExitUsage : cli::kExitModelError;
    }
  }
  if (!loadError.empty()) return cli::fail(loadExit, loadError);
  for (const auto& e : engines) log(QStringLiteral("engine: %1").arg(e->describe()));

  QString error;
  auto store = pipeline::JobStore::open(config.reports_dir, &error);
  if (!store) return cli::fail(cli::kExitInputError, "run: " + error.toStdString());

  gCancel = pipeline::makeCancelFlag();
  std::signal(SIGINT, onInterrupt);
  std::signal(SIGTERM, onInterrupt);

  // Progress over all documents: those finished, plus each running document's latest report (with --gpus
  // several run at once). The runners' callbacks arrive one at a time (runDocumentsOnWorkers).
  int finishedPages = 0, skippedPages = 0;
  std::map<QString, std::pair<int, int>> running;  // document -> (done + failed, skipped)
  auto showProgress = [&](const QString& label) {
    int done = finishedPages, skipped = skippedPages;
    for (const auto& [doc, counts] : running) {
      done += counts.first;
      skipped += counts.second;
    }
    progress.update(done, skipped, totalPages, label);
  };
  pipeline::RunnerCallbacks callbacks;
  callbacks.log = log;
  callbacks.progress = [&](const pipeline::RunProgress& p) {
    // Pages that failed for good count as done for the bar: they need no more work in this run.
    running[p.document] = {p.pagesDone + p.pagesFailed, p.pagesSkipped};
    showProgress(QFileInfo(p.document).fileName() + ": " + p.stage);
  };
  progress.restartClock();  // pages/s counts analysis, not model loading

  QStringList paths;
  std::vector<int> planIndex;  // paths[k] is plan[planIndex[k]]
  for (size_t i = 0; i < plan.size(); ++i)
    if (plan[i].error.isEmpty()) {
      paths << plan[i].input.path;
      planIndex.push_back(static_cast<int>(i));
    }
  for (const auto& p : plan)
    if (!p.error.isEmpty()) progress.log(QStringLiteral("layoutlens-cli: run: %1").arg(p.error));
  std::vector<pipeline::AnalysisEngine*> workers;
  for (const auto& e : engines) workers.push_back(e.get());
  QElapsedTimer analysisClock;  // from the models loaded to the last document done
  analysisClock.start();
  const auto outcomes = pipeline::runDocumentsOnWorkers(
      workers, config, *store, callbacks, reuseLayoutReports, paths, QByteArray::fromStdString(password), gCancel,
      [&](int k, const pipeline::WorkerOutcome& r) {
        running.erase(paths[k]);
        finishedPages += r.outcome.pagesDone + r.outcome.pagesSkipped + r.outcome.pagesFailed;
        skippedPages += r.outcome.pagesSkipped;
        log(QStringLiteral("document: %1 done on %2").arg(paths[k], engines[static_cast<size_t>(r.worker)]->describe()));
        showProgress(QFileInfo(paths[k]).fileName() + ": done");
      });
  log(QStringLiteral("analysis: %1 page(s) done in %2 s on %3 worker(s)")
          .arg(finishedPages - skippedPages)
          .arg(analysisClock.elapsed() / 1000.0, 0, 'f', 2)
          .arg(engines.size()));

  QJsonArray summary;
  int documentsFailed = 0, documentsPartial = 0, firstErrorCode = cli::kExitOk;
  bool cancelled = false;
  std::vector<const pipeline::WorkerOutcome*> byPlan(plan.size(), nullptr);
  for (size_t k = 0; k < outcomes.size(); ++k) byPlan[static_cast<size_t>(planIndex[k])] = &outcomes[k];
  for (size_t i = 0; i < plan.size(); ++i) {
    const auto& p = plan[i];
    QJsonObject o{{"source", QFileInfo(p.input.path).absoluteFilePath()}};
    if (!p.error.isEmpty()) {
      o.insert("error", p.error);
      ++documentsFailed;
      if (firstErrorCode == cli::kExitOk) firstErrorCode = p.exitCode;
      summary.append(o);
      continue;
    }
    const pipeline::WorkerOutcome& r = *byPlan[i];
    if (r.worker < 0) {
      o.insert("error", "cancelled before this document started");
      cancelled = true;
      summary.append(o);
      continue;
    }
    const auto& out = r.outcome;
    o.insert("doc_id", out.docId);
    o.insert("report", out.reportPath);
    o.insert("pages_selected", out.pagesSelected);
    o.insert("pages_done", out.pagesDone);
    o.insert("pages_skipped", out.pagesSkipped);
    o.insert("pages_failed", out.pagesFailed);
    o.insert("cancelled", out.cancelled);
    if (!gpus.empty()) o.insert("gpu", gpus[static_cast<size_t>(r.worker)]);
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
