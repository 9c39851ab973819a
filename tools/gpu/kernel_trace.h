#pragma once
// A Kineto (PyTorch profiler) trace of a stretch of work, written as a Chrome trace JSON that
// tools/gpu/trace_summary.py turns into GPU time per kernel. GPU-machine tools only: it needs the
// profiler headers of pip PyTorch's libtorch. Kernels replayed from CUDA graphs are recorded too.
#include <set>
#include <string>

#include <torch/csrc/autograd/profiler_kineto.h>

namespace ll::tools {

class KernelTrace {
 public:
  KernelTrace() {
    namespace prof = torch::autograd::profiler;
    const std::set<torch::profiler::impl::ActivityType> activities{torch::profiler::impl::ActivityType::CPU,
                                                                     torch::profiler::impl::ActivityType::CUDA};
    const torch::profiler::impl::ProfilerConfig config(torch::profiler::impl::ProfilerState::KINETO);
    prof::prepareProfiler(config, activities);
    prof::enableProfiler(config, activities);
  }
  // Stops tracing and writes the trace; call once.
  void save(const std::string& path) { torch::autograd::profiler::disableProfiler()->save(path); }
};

}  // namespace ll::tools
