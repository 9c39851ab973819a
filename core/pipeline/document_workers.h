#pragma once
// Several documents over several engines: one worker thread per engine (in the CLI one ModelEngine per GPU,
// `layoutlens-cli run --gpus 0,1`), each taking the next document from a shared queue and running the whole
// pipeline on it (PipelineRunner), so two GPUs analyse two documents at once. A document is never split
// over engines: its chunks batch its own pages, and its job folder has one writer.
#include <QByteArray>
#include <QString>
#include <QStringList>
#include <functional>
#include <vector>

#include "core/pipeline/analysis_engine.h"
#include "core/pipeline/job_store.h"
#include "core/pipeline/pipeline_config.h"
#include "core/pipeline/pipeline_runner.h"

namespace ll::pipeline {

struct WorkerOutcome {
  DocumentOutcome outcome;
  int worker = -1;  // the engine that ran the document; -1: it never started (cancelled first)
};

// Documents that may share a job folder, as groups of indices into `paths` in input order. A document's
// folder is "<base name>-<content hash>" (JobStore::documentBaseName), so two inputs share one when they are
// the same file, or have the same base name and size (identical copies in two folders; image folders: the
// same folder name). Each group runs on one worker, one document after another, so no two workers write
// one folder.
std::vector<std::vector<int>> documentsSharingAFolder(const QStringList& paths);

// Runs every path on `engines` (one worker thread each; engine i is called from worker i only) and returns
// one outcome per path, in input order. The callbacks, `documentDone` included, are called one at a time
// (never concurrently), from the workers' threads. Once `cancel` is set no document starts; a started one
// stops as PipelineRunner stops (finished pages are kept).
std::vector<WorkerOutcome> runDocumentsOnWorkers(const std::vector<AnalysisEngine*>& engines, const PipelineConfig& config,
                                                 JobStore& store, const RunnerCallbacks& callbacks,
                                                 const QStringList& reuseLayoutReports, const QStringList& paths,
                                                 const QByteArray& password, const CancelFlag& cancel,
                                                 const std::function<void(int index, const WorkerOutcome&)>& documentDone = {});

}  // namespace ll::pipeline
