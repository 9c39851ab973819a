#include "core/infer/cuda_stream.h"

#include <map>
#include <utility>

#if __has_include(<c10/cuda/CUDAStream.h>) && __has_include(<cuda_runtime_api.h>)
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime_api.h>
#define LL_CUDA_STREAMS 1
#endif

namespace ll::infer {

#ifdef LL_CUDA_STREAMS
namespace {

c10::DeviceIndex indexOf(const c10::Device& device) {
  return device.has_index() ? device.index() : c10::cuda::current_device();
}

// The streams this thread created, per (device, role); destroyed with the thread (work still queued on a
// destroyed stream completes first, CUDA guarantees it).
struct ThreadStreams {
  std::map<std::pair<int, ThreadStreamRole>, cudaStream_t> streams;
  ~ThreadStreams() {
    for (auto& [key, stream] : streams) (void)cudaStreamDestroy(stream);
  }
};
thread_local ThreadStreams threadStreams;

}  // namespace
#endif

void* threadOwnedStream(const c10::Device& device, ThreadStreamRole role) {
#ifdef LL_CUDA_STREAMS
  if (!device.is_cuda()) return nullptr;
  const c10::DeviceIndex index = indexOf(device);
  cudaStream_t& stream = threadStreams.streams[{index, role}];
  if (!stream) {
    c10::cuda::CUDAGuard guard(index);
    // Non-blocking: no implicit synchronisation with the legacy default stream that other code may use.
    C10_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  }
  return stream;
#else
  (void)device;
  (void)role;
  return nullptr;
#endif
}

void makeCurrentDevice(const c10::Device& device) {
#ifdef LL_CUDA_STREAMS
  if (device.is_cuda() && device.has_index()) c10::cuda::set_device(device.index());
#else
  (void)device;
#endif
}

void useOwnStream(const c10::Device& device) {
#ifdef LL_CUDA_STREAMS
  if (!device.is_cuda()) return;
  const auto raw = static_cast<cudaStream_t>(threadOwnedStream(device, ThreadStreamRole::Work));
  c10::cuda::setCurrentCUDAStream(c10::cuda::getStreamFromExternal(raw, indexOf(device)));
#else
  (void)device;
#endif
}

bool hasOwnStream(const c10::Device& device) {
#ifdef LL_CUDA_STREAMS
  if (!device.is_cuda()) return false;
  const c10::DeviceIndex index = indexOf(device);
  const auto it = threadStreams.streams.find({index, ThreadStreamRole::Work});
  return it != threadStreams.streams.end() && c10::cuda::getCurrentCUDAStream(index).stream() == it->second;
#else
  (void)device;
  return false;
#endif
}

}  // namespace ll::infer
