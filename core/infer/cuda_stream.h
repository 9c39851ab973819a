#pragma once
// A CUDA stream of the calling thread's own. By default every thread issues its work on the device's
// legacy default stream, which serialises with every other blocking stream: two inference threads (the
// layout model and the vision-language model) would take turns on the GPU instead of overlapping. A
// decode step at the batch sizes we run is a few hundred small, latency-bound kernels that leave most of
// the GPU idle, so two such streams side by side finish more work per second than one after the other.
//
// Like cuda_graph.cpp, the CUDA part compiles only against a libtorch with CUDA; elsewhere this is a no-op.
#include <c10/core/Device.h>

namespace ll::infer {

// Makes a new non-blocking stream the calling thread's current stream on `device` (owned by the thread,
// destroyed when it exits). Every later libtorch op and graph replay of this thread on `device` goes to
// it. Does nothing on the CPU or without CUDA support. Call it once, first thing on an inference thread.
void useOwnStream(const c10::Device& device);

// Whether the calling thread has its own stream on `device` (useOwnStream ran there and CUDA is compiled in).
bool hasOwnStream(const c10::Device& device);

// The calling thread's stream on CUDA `device` for `role`, created non-blocking on first use and destroyed
// with the thread: Work is the one useOwnStream makes current, Capture the one CapturedGraph captures on
// (never a stream of libtorch's round-robin pool, which another thread may be using at that moment), Branch
// the one StreamBranch (stream_branch.h) runs independent work on.
// A cudaStream_t as void*, so this header needs no CUDA; nullptr without CUDA support.
// Makes `device` the calling thread's current CUDA device: libtorch calls that take the current device
// (a CUDA graph's capture, the current stream) then use the thread's GPU. An inference thread of a model on
// cuda:1 must call it first. Does nothing on the CPU or without CUDA support.
void makeCurrentDevice(const c10::Device& device);

enum class ThreadStreamRole { Work, Capture, Branch };
void* threadOwnedStream(const c10::Device& device, ThreadStreamRole role);

}  // namespace ll::infer
