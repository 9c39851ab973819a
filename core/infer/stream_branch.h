#pragma once
// Work of a step that does not depend on what runs next on the current stream, run beside it on a second
// stream of the calling thread: the branch forks after everything queued so far, and join() makes the current
// stream wait for it before the result's consumer. Inside a CUDA graph capture the fork and the join become
// the graph's edges, so two small kernels that do not depend on each other run side by side instead of one
// after the other (Gemma 3n's LAuReL product beside the attention: tools/gpu/decode_step_ab.sh measures it).
// On the CPU, without CUDA, or with LAYOUTLENS_STREAM_BRANCHES=0 the work runs inline, in order.
#include <ATen/core/Tensor.h>

#include <functional>
#include <initializer_list>

namespace ll::infer {

class StreamBranch {
 public:
  // Runs `work` now, on the branch stream when `like` is a CUDA tensor; `inputs` (tensors of the current
  // stream that `work` reads) are marked as used by the branch, so the caching allocator does not hand their
  // memory out again before the branch is done with it.
  StreamBranch(const at::Tensor& like, std::initializer_list<at::Tensor> inputs, const std::function<at::Tensor()>& work);
  ~StreamBranch();
  StreamBranch(const StreamBranch&) = delete;
  StreamBranch& operator=(const StreamBranch&) = delete;

  // The current stream waits for the branch; returns work's result, usable on the current stream. Must be
  // called (once) before the result is used and while a capture that forked the branch is still going on.
  at::Tensor join();

  // Whether branches run on a stream of their own here (CUDA compiled in, `like` on a CUDA device, not
  // switched off by LAYOUTLENS_STREAM_BRANCHES=0).
  static bool forks(const at::Tensor& like);

 private:
  at::Tensor result_;
  void* mainStream_ = nullptr;  // cudaStream_t; null when the work ran inline
  void* branchStream_ = nullptr;
  int device_ = -1;  // the CUDA device of both streams
  bool joined_ = false;
};

}  // namespace ll::infer
