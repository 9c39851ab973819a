#pragma once
// A mark in the calling thread's current stream that the host can wait for without also waiting for the
// work queued after it (a CUDA event). The scheduler reads decode step t back while step t+1 already runs.
//
// Like cuda_stream.cpp, the CUDA part compiles only against a libtorch with CUDA; elsewhere, and for a
// CPU device, work is synchronous and there is nothing to wait for.
#include <c10/core/Device.h>

namespace ll::infer {

class StreamMarker {
 public:
  // Marks the current stream of `device` here.
  explicit StreamMarker(const c10::Device& device);
  ~StreamMarker();
  StreamMarker(const StreamMarker&) = delete;
  StreamMarker& operator=(const StreamMarker&) = delete;

  // Blocks until the device has run everything queued on the stream before the mark. Throws
  // std::runtime_error with CUDA's message when that work failed.
  void wait();

 private:
  void* event_ = nullptr;  // a cudaEvent_t, so this header needs no CUDA
};

}  // namespace ll::infer
