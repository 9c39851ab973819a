#include "core/infer/cuda_stream.h"

#include <map>
#include <utility>

#if __has_include(<c10/cuda/CUDAStream.h>) && __has_include(<cuda_runtime_api.h>)
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDACachingAllocator.h>
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
    if (role == ThreadStreamRole::Urgent) {
      int least = 0, greatest = 0;
      C10_CUDA_CHECK(cudaDeviceGetStreamPriorityRange(&least, &greatest));
      C10_CUDA_CHECK(cudaStreamCreateWithPriority(&stream, cudaStreamNonBlocking, greatest));
    } else {
      C10_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
    }
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

std::optional<c10::Stream> currentStream(const c10::Device& device) {
#ifdef LL_CUDA_STREAMS
  if (!device.is_cuda()) return std::nullopt;
  return c10::cuda::getCurrentCUDAStream(indexOf(device)).unwrap();
#else
  (void)device;
  return std::nullopt;
#endif
}

void finishCurrentStream(const c10::Device& device) {
#ifdef LL_CUDA_STREAMS
  if (device.is_cuda()) c10::cuda::getCurrentCUDAStream(indexOf(device)).synchronize();
#else
  (void)device;
#endif
}

void markUsedOnStream(const at::Tensor& t, const std::optional<c10::Stream>& consumer) {
#ifdef LL_CUDA_STREAMS
  if (!t.defined() || !t.is_cuda() || !consumer || consumer->device_type() != c10::DeviceType::CUDA) return;
  c10::cuda::CUDACachingAllocator::recordStream(t.storage().data_ptr(), c10::cuda::CUDAStream(*consumer));
#else
  (void)t;
  (void)consumer;
#endif
}

#ifdef LL_CUDA_STREAMS
namespace {
// `later` runs what is queued on it from now on only after what is queued on `earlier` by now.
void order(cudaStream_t earlier, cudaStream_t later) {
  cudaEvent_t done;
  C10_CUDA_CHECK(cudaEventCreateWithFlags(&done, cudaEventDisableTiming));
  C10_CUDA_CHECK(cudaEventRecord(done, earlier));
  C10_CUDA_CHECK(cudaStreamWaitEvent(later, done, 0));
  C10_CUDA_CHECK(cudaEventDestroy(done));  // released once the wait is satisfied
}
}  // namespace
#endif

UrgentStreamScope::UrgentStreamScope(const c10::Device& device) {
#ifdef LL_CUDA_STREAMS
  if (!device.is_cuda()) return;
  const c10::DeviceIndex index = indexOf(device);
  const c10::cuda::CUDAStream previous = c10::cuda::getCurrentCUDAStream(index);
  const auto urgent = static_cast<cudaStream_t>(threadOwnedStream(device, ThreadStreamRole::Urgent));
  order(previous.stream(), urgent);
  c10::cuda::setCurrentCUDAStream(c10::cuda::getStreamFromExternal(urgent, index));
  previous_ = previous.unwrap();
#else
  (void)device;
#endif
}

UrgentStreamScope::~UrgentStreamScope() {
#ifdef LL_CUDA_STREAMS
  if (!previous_) return;
  const c10::cuda::CUDAStream previous(*previous_);
  const c10::cuda::CUDAStream urgent = c10::cuda::getCurrentCUDAStream(previous.device_index());
  try {
    order(urgent.stream(), previous.stream());
  } catch (...) {
    urgent.synchronize();  // a destructor must not throw: wait instead
  }
  c10::cuda::setCurrentCUDAStream(previous);
#endif
}

}  // namespace ll::infer
