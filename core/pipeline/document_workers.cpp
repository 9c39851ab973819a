#include "core/pipeline/document_workers.h"

#include <QFileInfo>
#include <QHash>
#include <exception>
#include <mutex>
#include <numeric>
#include <thread>

namespace ll::pipeline {
namespace {

// Union-find over document indices.
int root(std::vector<int>& parent, int i) {
  while (parent[i] != i) i = parent[i] = parent[parent[i]];
  return i;
}

}  // namespace

std::vector<std::vector<int>> documentsSharingAFolder(const QStringList& paths) {
  const int n = static_cast<int>(paths.size());
  std::vector<int> parent(n);
  std::iota(parent.begin(), parent.end(), 0);
  QHash<QString, int> firstWithKey;
  for (int i = 0; i < n; ++i) {
    const QFileInfo info(paths[i]);
    const QString canonical = info.canonicalFilePath();
    const QString name = JobStore::documentBaseName(paths[i]);
    const QStringList keys{QStringLiteral("file:") + (canonical.isEmpty() ? info.absoluteFilePath() : canonical),
                           QStringLiteral("name:%1:%2").arg(name).arg(info.isDir() ? -1 : info.size())};
    for (const QString& key : keys) {
      const auto it = firstWithKey.constFind(key);
      if (it == firstWithKey.constEnd()) firstWithKey.insert(key, i);
      else parent[root(parent, i)] = root(parent, it.value());
    }
  }
  std::vector<std::vector<int>> groups;
  QHash<int, int> groupOfRoot;
  for (int i = 0; i < n; ++i) {  // groups ordered by their first document
    const int r = root(parent, i);
    auto it = groupOfRoot.constFind(r);
    if (it == groupOfRoot.constEnd()) {
      it = groupOfRoot.insert(r, static_cast<int>(groups.size()));
      groups.emplace_back();
    }
    groups[it.value()].push_back(i);
  }
  return groups;
}

std::vector<WorkerOutcome> runDocumentsOnWorkers(const std::vector<AnalysisEngine*>& engines, const PipelineConfig& config,
                                                 JobStore& store, const RunnerCallbacks& callbacks,
                                                 const QStringList& reuseLayoutReports, const QStringList& paths,
                                                 const QByteArray& password, const CancelFlag& cancel,
                                                 const std::function<void(int index, const WorkerOutcome&)>& documentDone) {
  std::vector<WorkerOutcome> results(paths.size());
  for (int i = 0; i < paths.size(); ++i) results[i].outcome.sourcePath = paths[i];
  if (engines.empty() || paths.isEmpty()) return results;

  // One at a time: the caller's callbacks need not be thread-safe.
  std::mutex callbackMutex;
  RunnerCallbacks serial;
  if (callbacks.progress)
    serial.progress = [&](const RunProgress& p) {
      std::lock_guard<std::mutex> lock(callbackMutex);
      callbacks.progress(p);
    };
  if (callbacks.pageFinished)
    serial.pageFinished = [&](const QString& docId, const PageResult& page) {
      std::lock_guard<std::mutex> lock(callbackMutex);
      callbacks.pageFinished(docId, page);
    };
  if (callbacks.log)
    serial.log = [&](const QString& message) {
      std::lock_guard<std::mutex> lock(callbackMutex);
      callbacks.log(message);
    };

  const std::vector<std::vector<int>> groups = documentsSharingAFolder(paths);
  std::mutex queueMutex;
  size_t nextGroup = 0;
  auto work = [&](int worker) {
    PipelineRunner runner(*engines[static_cast<size_t>(worker)], config, store, serial);
    runner.reuseLayoutFrom(reuseLayoutReports);
    for (;;) {
      size_t group = 0;
      {
        std::lock_guard<std::mutex> lock(queueMutex);
        if (isCancelled(cancel) || nextGroup >= groups.size()) return;
        group = nextGroup++;
      }
      for (int index : groups[group]) {
        if (isCancelled(cancel)) break;  // the rest of the group stays unstarted
        WorkerOutcome r;
        try {
          r.outcome = runner.runDocument(paths[index], password, cancel);
        } catch (const std::exception& e) {  // the runner reports failures in its outcome; this is a last guard
          r.outcome.sourcePath = paths[index];
          r.outcome.error = QStringLiteral("%1: %2").arg(paths[index], QString::fromUtf8(e.what()));
        }
        r.worker = worker;
        results[static_cast<size_t>(index)] = r;  // each index is written by one worker only
        if (documentDone) {
          std::lock_guard<std::mutex> lock(callbackMutex);
          documentDone(index, r);
        }
      }
    }
  };
  if (engines.size() == 1) {
    work(0);  // no thread for one engine
    return results;
  }
  std::vector<std::thread> workers;
  for (size_t w = 0; w < engines.size(); ++w) workers.emplace_back(work, static_cast<int>(w));
  for (auto& t : workers) t.join();
  return results;
}

}  // namespace ll::pipeline
