#pragma once
// CUDA graphs for decode steps. A decode step of our decoders is a few hundred small kernels; on an
// H100/H200 launching them from the CPU costs more than running them (dots.ocr 16.7 ms/step, Gemma 3n
// ~52 ms/step, flat from batch 1 to 32: launch-bound). A captured graph replays the whole step with one
// launch. The models keep their decode inputs in static device buffers, capture one graph per
// key-length bucket, and copy each step's inputs into those buffers before replay().
//
// Everything CUDA lives in cuda_graph.cpp behind a compile-time check: the CPU-only libtorch (Debian's
// 1.13) builds and links this file too, where cudaGraphsCompiled() is false and capture() throws.
#include <functional>
#include <memory>
#include <string>

#include <c10/core/Device.h>

namespace ll::infer {

// True when this binary was built against a libtorch with CUDA graph support.
bool cudaGraphsCompiled();
// Whether decode steps on `device` should use graphs: compiled in, the device is CUDA, and the
// environment does not turn them off (LAYOUTLENS_CUDA_GRAPHS=0, for A/B measurements and as an escape
// hatch should a driver misbehave).
bool cudaGraphsWanted(const c10::Device& device);

// One memory pool shared by a model's graphs (only one of them replays at a time), so a graph per
// bucket does not cost a copy of the step's activations each.
class CudaGraphPool {
 public:
  CudaGraphPool();
  ~CudaGraphPool();
  struct Impl;
  Impl* impl() const { return impl_.get(); }

 private:
  std::unique_ptr<Impl> impl_;
};

class CapturedGraph {
 public:
  // Runs `body` `warmups` times on a side stream (cuBLAS handles and workspaces, the allocator's
  // blocks), then captures one more run of it. `body` must be pure device work on tensors that outlive
  // the graph: no host<->device copies from pageable memory, no .item(), no allocation-dependent
  // host logic. Tensors it allocates come from the pool and stay valid while the graph lives.
  // Throws std::runtime_error with CUDA's message when the capture fails.
  static std::unique_ptr<CapturedGraph> capture(const c10::Device& device, CudaGraphPool& pool,
                                                const std::function<void()>& body, int warmups = 2);
  ~CapturedGraph();
  // Launches the captured work on the current stream of the device.
  void replay();

  struct Impl;

 private:
  explicit CapturedGraph(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ll::infer
