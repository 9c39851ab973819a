// Downloads a model into the Hugging Face cache from a terminal: progress on stderr, Ctrl+C stops cleanly
// and the next run of the same command resumes the partial file.
#include "cli/models_download.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QTimer>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>


#include "cli/command.h"
#include "cli/terminal_progress.h"
#include "core/pipeline/hub_download.h"

namespace ll::cli {

const char* kModelsDownloadUsage =
    "download ORG/NAME [--revision REV] [--token TOKEN] [--cache-dir DIR]\n"
    "        fetches the files the loader needs (config, tokenizer, processor config, chat template,\n"
    "        safetensors weights) into the Hugging Face cache ($HF_HUB_CACHE, else $HF_HOME/hub, else\n"
    "        ~/.cache/huggingface/hub) in the layout huggingface_hub uses; every file is checked against\n"
    "        the hub's SHA-256. Ctrl+C stops; running the command again resumes. Gated models (Gemma) need\n"
    "        a token: --token, $HF_TOKEN or the file `hf auth login` writes. $HF_ENDPOINT picks a mirror;\n"
    "        HF_HUB_OFFLINE=1 forbids downloads. Known models: rednote-hilab/dots.ocr (layout),\n"
    "        google/gemma-3n-E4B-it and google/gemma-3n-E2B-it (text, gated).\n"
    "        exit 0 done, 2 usage, 6 download failed (reason on stderr), 130 interrupted\n";

namespace {

std::atomic<bool> interrupted{false};

extern "C" void onInterrupt(int) { interrupted = true; }

}  // namespace

int runModelsDownload(const std::vector<std::string>& args) {
  ll::pipeline::HubDownloadRequest request;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* option) -> const std::string* {
      if (i + 1 >= args.size()) return nullptr;
      (void)option;
      return &args[++i];
    };
    if (a == "--revision" || a == "--token" || a == "--cache-dir") {
      const std::string* v = value(a.c_str());
      if (!v) return fail(kExitUsage, a + " needs a value");
      const QString text = QString::fromStdString(*v);
      if (a == "--revision") request.revision = text;
      if (a == "--token") request.token = text;
      if (a == "--cache-dir") request.cacheDir = QDir(text).absolutePath();
    } else if (!a.empty() && a[0] == '-') {
      return fail(kExitUsage, "unknown option '" + a + "' for models download (see `layoutlens-cli models --help`)");
    } else if (request.repoId.isEmpty()) {
      request.repoId = QString::fromStdString(a);
    } else {
      return fail(kExitUsage, "models download takes one repo id; got '" + request.repoId.toStdString() + "' and '" + a + "'");
    }
  }
  if (request.repoId.isEmpty())
    return fail(kExitUsage, "models download needs a repo id, e.g. `models download rednote-hilab/dots.ocr`");

  int argc = 1;
  char name[] = "layoutlens-cli";
  char* argv[] = {name, nullptr};
  std::unique_ptr<QCoreApplication> ownApp;
  if (!QCoreApplication::instance()) ownApp = std::make_unique<QCoreApplication>(argc, argv);

  const bool tty = stderrIsTerminal();
  ll::pipeline::HubDownloader downloader;
  QElapsedTimer clock;
  clock.start();
  qint64 startBytes = -1;
  int lastPercent = -1;
  QString lastFile;
  bool lineOpen = false;

  QObject::connect(&downloader, &ll::pipeline::HubDownloader::statusMessage, [&](const QString& m) {
    if (lineOpen) std::cerr << "\n";
    lineOpen = false;
    std::cerr << m.toStdString() << std::endl;
  });
  QObject::connect(&downloader, &ll::pipeline::HubDownloader::progress, [&](qint64 done, qint64 total, const QString& file) {
    if (total <= 0) return;
    if (startBytes < 0) {
      startBytes = done;
      clock.restart();
    }
    const int percent = static_cast<int>(done * 100 / total);
    const double seconds = clock.elapsed() / 1000.0;
    const double rate = seconds > 0.5 ? (done - startBytes) / seconds : 0;
    const QString line = QStringLiteral("[%1%] %2 / %3  %4/s  %5")
                             .arg(percent, 3)
                             .arg(ll::pipeline::formatByteSize(done), ll::pipeline::formatByteSize(total), ll::pipeline::formatByteSize(static_cast<qint64>(rate)), file);
    if (tty) {
      std::cerr << "\r" << line.leftJustified(100).toStdString() << std::flush;
      lineOpen = true;
    } else if (percent / 10 != lastPercent / 10 || file != lastFile) {  // logs: a line per file and per 10 %
      std::cerr << line.toStdString() << std::endl;
    }
    lastPercent = percent;
    lastFile = file;
  });

  interrupted = false;
  auto previous = std::signal(SIGINT, onInterrupt);
  QTimer interruptPoll;
  QObject::connect(&interruptPoll, &QTimer::timeout, [&] {
    if (interrupted) downloader.cancel();
  });
  interruptPoll.start(100);

  bool ok = false;
  QObject::connect(&downloader, &ll::pipeline::HubDownloader::finished, [&](bool success) {
    ok = success;
    QCoreApplication::exit(0);
  });
  downloader.start(request);
  QCoreApplication::exec();
  std::signal(SIGINT, previous);
  if (lineOpen) std::cerr << "\n";

  if (ok) {
    std::cout << "downloaded " << request.repoId.toStdString() << " @ " << downloader.commit().toStdString() << "\n"
              << "model:      " << QDir::toNativeSeparators(downloader.snapshotDir()).toStdString() << "\n";
    return kExitOk;
  }
  if (downloader.state() == ll::pipeline::HubDownloader::State::Cancelled)
    return fail(kExitCancelled, "interrupted; " + ll::pipeline::formatByteSize(downloader.bytesDone()).toStdString() +
                                    " is kept, run the same command again to resume");
  if (downloader.error() == ll::pipeline::HubDownloader::Error::BadRequest) return fail(kExitUsage, downloader.errorMessage().toStdString());
  return fail(kExitModelError, downloader.errorMessage().toStdString());
}

}  // namespace ll::cli
