#include "core/infer/stream_marker.h"

#include <stdexcept>
#include <string>

#if __has_include(<c10/cuda/CUDAStream.h>) && __has_include(<cuda_runtime_api.h>)
#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime_api.h>
#define LL_CUDA_MARKERS 1
#endif

namespace ll::infer {

#ifdef LL_CUDA_MARKERS
namespace {
void check(cudaError_t status, const char* what) {
  if (status != cudaSuccess)
    throw std::runtime_error(std::string("CUDA ") + what + " failed: " + cudaGetErrorString(status));
}
}  // namespace
#endif

StreamMarker::StreamMarker(const c10::Device& device) {
#ifdef LL_CUDA_MARKERS
  if (!device.is_cuda()) return;
  const c10::DeviceIndex index = device.has_index() ? device.index() : c10::cuda::current_device();
  // The event must belong to the stream's device (a worker on cuda:1 may find another device current).
  const c10::cuda::CUDAGuard guard(index);
  cudaEvent_t event = nullptr;
  // No timing: a plain mark is cheaper to record and to wait for.
  check(cudaEventCreateWithFlags(&event, cudaEventDisableTiming), "event creation");
  const cudaError_t recorded = cudaEventRecord(event, c10::cuda::getCurrentCUDAStream(index).stream());
  if (recorded != cudaSuccess) (void)cudaEventDestroy(event);
  check(recorded, "event record");
  event_ = event;
#else
  (void)device;
#endif
}

StreamMarker::~StreamMarker() {
#ifdef LL_CUDA_MARKERS
  if (event_) (void)cudaEventDestroy(static_cast<cudaEvent_t>(event_));
#endif
}

void StreamMarker::wait() {
#ifdef LL_CUDA_MARKERS
  if (event_) check(cudaEventSynchronize(static_cast<cudaEvent_t>(event_)), "wait for a decode step");
#endif
}

}  // namespace ll::infer
