#include "core/infer/stream_branch.h"

#include <stdexcept>
#include <string>

#include "core/infer/cuda_stream.h"
#include "core/infer/runtime_options.h"

#if __has_include(<c10/cuda/CUDAStream.h>) && __has_include(<cuda_runtime_api.h>)
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime_api.h>
#define LL_STREAM_BRANCHES 1
#endif

namespace ll::infer {

#ifdef LL_STREAM_BRANCHES
namespace {

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw std::runtime_error(std::string("stream branch: ") + what + ": " + cudaGetErrorString(e));
}

// `from` records an event that `to` waits for (during a capture: an edge of the graph). The event is destroyed
// at once: CUDA keeps what a recorded event needs until its wait has been satisfied.
void order(cudaStream_t from, cudaStream_t to) {
  cudaEvent_t event = nullptr;
  check(cudaEventCreateWithFlags(&event, cudaEventDisableTiming), "event");
  const cudaError_t recorded = cudaEventRecord(event, from);
  const cudaError_t waited = recorded == cudaSuccess ? cudaStreamWaitEvent(to, event, 0) : recorded;
  (void)cudaEventDestroy(event);
  check(waited, "fork or join");
}

void markUsedOn(const at::Tensor& t, cudaStream_t stream, c10::DeviceIndex device) {
  if (t.defined() && t.is_cuda() && t.has_storage() && t.storage().data_ptr().get())
    c10::cuda::CUDACachingAllocator::recordStream(t.storage().data_ptr(), c10::cuda::getStreamFromExternal(stream, device));
}

}  // namespace
#endif

bool StreamBranch::forks(const at::Tensor& like) {
#ifdef LL_STREAM_BRANCHES
  static const bool wanted = !switchedOffByEnvironment("LAYOUTLENS_STREAM_BRANCHES");
  return wanted && like.defined() && like.is_cuda();
#else
  (void)like;
  return false;
#endif
}

StreamBranch::StreamBranch(const at::Tensor& like, std::initializer_list<at::Tensor> inputs,
                           const std::function<at::Tensor()>& work) {
#ifdef LL_STREAM_BRANCHES
  if (forks(like)) {
    const c10::DeviceIndex device = like.device().index();
    // Events belong to the current device: make it `like`'s (a worker thread of another GPU may call this).
    c10::cuda::CUDAGuard deviceGuard(device);
    const auto main = c10::cuda::getCurrentCUDAStream(device).stream();
    const auto branch = static_cast<cudaStream_t>(threadOwnedStream(like.device(), ThreadStreamRole::Branch));
    order(main, branch);
    for (const at::Tensor& t : inputs) markUsedOn(t, branch, device);
    mainStream_ = main;
    branchStream_ = branch;
    device_ = device;
    c10::cuda::CUDAStreamGuard guard(c10::cuda::getStreamFromExternal(branch, device));
    result_ = work();
    return;
  }
#endif
  (void)inputs;
  result_ = work();
}

StreamBranch::~StreamBranch() {
  // A branch never joined (an exception between fork and join) still orders the current stream after it, so
  // nothing later reads memory the branch may still write. Never throws.
#ifdef LL_STREAM_BRANCHES
  if (branchStream_ && !joined_) {
    int previous = -1;
    const bool switched = cudaGetDevice(&previous) == cudaSuccess && previous != device_ && cudaSetDevice(device_) == cudaSuccess;
    cudaEvent_t event = nullptr;
    if (cudaEventCreateWithFlags(&event, cudaEventDisableTiming) == cudaSuccess) {
      if (cudaEventRecord(event, static_cast<cudaStream_t>(branchStream_)) == cudaSuccess)
        (void)cudaStreamWaitEvent(static_cast<cudaStream_t>(mainStream_), event, 0);
      (void)cudaEventDestroy(event);
    }
    if (switched) (void)cudaSetDevice(previous);
  }
#endif
}

at::Tensor StreamBranch::join() {
  if (joined_) throw std::logic_error("stream branch joined twice");
  joined_ = true;
#ifdef LL_STREAM_BRANCHES
  if (branchStream_) {
    c10::cuda::CUDAGuard deviceGuard(static_cast<c10::DeviceIndex>(device_));
    const auto main = static_cast<cudaStream_t>(mainStream_);
    order(static_cast<cudaStream_t>(branchStream_), main);
    markUsedOn(result_, main, result_.device().index());
  }
#endif
  return result_;
}

}  // namespace ll::infer
