#include "core/infer/cuda_stream.h"

#include <map>

#if __has_include(<c10/cuda/CUDAStream.h>) && __has_include(<cuda_runtime_api.h>)
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime_api.h>
#define LL_CUDA_STREAMS 1
#endif

namespace ll::infer {

#ifdef LL_CUDA_STREAMS
namespace {

// The streams this thread created, one per device; destroyed with the thread (work still queued on a
// destroyed stream completes first, CUDA guarantees it).
struct ThreadStreams {
  std::map<int, cudaStream_t> byDevice;
  ~ThreadStreams() {
    for (auto& [device, stream] : byDevice) (void)cudaStreamDestroy(stream);
  }
};
thread_local ThreadStreams threadStreams;

}  // namespace
#endif

void useOwnStream(const c10::Device& device) {
#ifdef LL_CUDA_STREAMS
  if (!device.is_cuda()) return;
  const c10::DeviceIndex index = device.has_index() ? device.index() : c10::cuda::current_device();
  auto& mine = threadStreams.byDevice;
  if (mine.count(index) == 0) {
    c10::cuda::CUDAGuard guard(index);
    cudaStream_t raw = nullptr;
    // Non-blocking: no implicit synchronisation with the legacy default stream that other code may use.
    C10_CUDA_CHECK(cudaStreamCreateWithFlags(&raw, cudaStreamNonBlocking));
    mine[index] = raw;
  }
  c10::cuda::setCurrentCUDAStream(c10::cuda::getStreamFromExternal(mine[index], index));
#else
  (void)device;
#endif
}

bool hasOwnStream(const c10::Device& device) {
#ifdef LL_CUDA_STREAMS
  if (!device.is_cuda()) return false;
  const c10::DeviceIndex index = device.has_index() ? device.index() : c10::cuda::current_device();
  const auto it = threadStreams.byDevice.find(index);
  return it != threadStreams.byDevice.end() && c10::cuda::getCurrentCUDAStream(index).stream() == it->second;
#else
  (void)device;
  return false;
#endif
}

}  // namespace ll::infer
