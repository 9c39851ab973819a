#include "core/infer/cuda_graph.h"

#include <stdexcept>

#include "core/infer/cuda_stream.h"
#include "core/infer/runtime_options.h"

// Both headers: Debian ships ATen/cuda headers with its CPU-only libtorch, but no CUDA runtime.
#if __has_include(<ATen/cuda/CUDAGraph.h>) && __has_include(<cuda_runtime_api.h>)
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime_api.h>
#define LL_CUDA_GRAPHS 1
#endif

namespace ll::infer {

bool cudaGraphsCompiled() {
#ifdef LL_CUDA_GRAPHS
  return true;
#else
  return false;
#endif
}

bool cudaGraphsWanted(const c10::Device& device) {
  if (!cudaGraphsCompiled() || !device.is_cuda()) return false;
  return !switchedOffByEnvironment("LAYOUTLENS_CUDA_GRAPHS");
}

#ifdef LL_CUDA_GRAPHS
struct CudaGraphPool::Impl {
  // decltype: the pool-id type moved between namespaces across libtorch versions.
  decltype(at::cuda::graph_pool_handle()) id = at::cuda::graph_pool_handle();
};
struct CapturedGraph::Impl {
  at::cuda::CUDAGraph graph;
};
#else
struct CudaGraphPool::Impl {};
struct CapturedGraph::Impl {};
#endif

CudaGraphPool::CudaGraphPool() : impl_(std::make_unique<Impl>()) {}
CudaGraphPool::~CudaGraphPool() = default;

CapturedGraph::CapturedGraph(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CapturedGraph::~CapturedGraph() = default;

std::unique_ptr<CapturedGraph> CapturedGraph::capture(const c10::Device& device, CudaGraphPool& pool,
                                                      const std::function<void()>& body, int warmups) {
#ifdef LL_CUDA_GRAPHS
  if (!device.is_cuda()) throw std::invalid_argument("CUDA graphs need a CUDA device, not " + device.str());
  c10::cuda::CUDAGuard deviceGuard(device);
  // Capture must not run on the legacy default stream; warm-up runs on the same side stream so the
  // allocator's blocks for this stream exist before capture.
  const c10::cuda::CUDAStream previous = c10::cuda::getCurrentCUDAStream(device.index());
  // A stream of this thread's own (cuda_stream.h): a capture records whatever is issued to its stream.
  c10::cuda::CUDAStream side = c10::cuda::getStreamFromExternal(
      static_cast<cudaStream_t>(threadOwnedStream(device, ThreadStreamRole::Capture)),
      device.has_index() ? device.index() : c10::cuda::current_device());
  side.synchronize();
  previous.synchronize();  // inputs written on the caller's stream are complete
  auto impl = std::make_unique<Impl>();
  {
    c10::cuda::CUDAStreamGuard streamGuard(side);
    for (int i = 0; i < warmups; ++i) body();
    side.synchronize();
    // Thread-local mode: another inference thread may allocate, free or synchronise on its own stream
    // while this one captures (the global mode would invalidate this capture when it does).
    impl->graph.capture_begin(pool.impl()->id, cudaStreamCaptureModeThreadLocal);
    try {
      body();
    } catch (...) {
      try {
        impl->graph.capture_end();
      } catch (...) {
      }
      throw;
    }
    impl->graph.capture_end();
  }
  side.synchronize();
  return std::unique_ptr<CapturedGraph>(new CapturedGraph(std::move(impl)));
#else
  (void)device;
  (void)pool;
  (void)body;
  (void)warmups;
  throw std::runtime_error("this build of LayoutLens has no CUDA graph support (libtorch without CUDA)");
#endif
}

void CapturedGraph::replay() {
#ifdef LL_CUDA_GRAPHS
  impl_->graph.replay();
#endif
}

}  // namespace ll::infer
