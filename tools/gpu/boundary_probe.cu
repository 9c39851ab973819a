// What a dependency between two phases of a decode step costs on the GPU, three ways, without libtorch:
//   1. one kernel per phase, the phases captured in a CUDA graph (how the decode steps run today);
//   2. the same with programmatic dependent launch (core/infer/programmatic_launch.cuh's way);
//   3. one cooperative kernel whose phases are separated by a grid-wide barrier (what a persistent decode
//      kernel would pay per phase instead).
// Every phase reads what OTHER blocks wrote in the phase before (a real cross-block dependency, as a norm after a
// product) and writes its own slice; blocks x threads and the buffer size are those of a decode step's small
// kernels. Prints microseconds per phase for each way and for the phases' work alone (no dependency at all).
// Build and run (tools/gpu/boundary_probe.sh):
//   nvcc -O3 -std=c++17 -arch=sm_90 -I. tools/gpu/boundary_probe.cu -o /tmp/boundary_probe && /tmp/boundary_probe
#include <cooperative_groups.h>
#include <cuda_runtime.h>

#include <cstdio>
#include <cstdlib>

#include "tools/gpu/probe_support.cuh"

namespace {

namespace cg = cooperative_groups;

constexpr int kThreads = 256;
constexpr int kPhases = 200;

// One phase: element i of `next` from element i + stride of `prev` (written by another block).
__device__ __forceinline__ void phase(const float* prev, float* next, int n, int stride) {
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)
    next[i] = prev[(i + stride) % n] * 0.5f + 1.0f;
}

template <bool kProgrammatic>
__global__ void phaseKernel(const float* prev, float* next, int n, int stride) {
  if (kProgrammatic) {
    asm volatile("griddepcontrol.wait;\n" ::: "memory");
    asm volatile("griddepcontrol.launch_dependents;\n" ::: "memory");
  }
  phase(prev, next, n, stride);
}

// All phases in one kernel; `barrier`: a grid-wide barrier between them (cooperative launch), else none (the
// work alone: results are then racy, only the time counts).
template <bool kBarrier>
__global__ void persistentKernel(float* a, float* b, int n, int stride, int phases) {
  cg::grid_group grid = cg::this_grid();
  for (int p = 0; p < phases; ++p) {
    phase(p % 2 ? b : a, p % 2 ? a : b, n, stride);
    if (kBarrier) grid.sync();
  }
}

float timeGraph(cudaStream_t stream, int blocks, float* a, float* b, int n, int stride, bool programmatic) {
  cudaGraph_t graph;
  cudaGraphExec_t exec;
  CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
  for (int p = 0; p < kPhases; ++p) {
    cudaLaunchAttribute attribute;
    attribute.id = cudaLaunchAttributeProgrammaticStreamSerialization;
    attribute.val.programmaticStreamSerializationAllowed = 1;
    cudaLaunchConfig_t config = {};
    config.gridDim = dim3(blocks);
    config.blockDim = dim3(kThreads);
    config.stream = stream;
    config.attrs = &attribute;
    config.numAttrs = programmatic ? 1 : 0;
    float* prev = p % 2 ? b : a;
    float* next = p % 2 ? a : b;
    if (programmatic)
      CHECK(cudaLaunchKernelEx(&config, phaseKernel<true>, static_cast<const float*>(prev), next, n, stride));
    else
      CHECK(cudaLaunchKernelEx(&config, phaseKernel<false>, static_cast<const float*>(prev), next, n, stride));
  }
  CHECK(cudaStreamEndCapture(stream, &graph));
  CHECK(cudaGraphInstantiate(&exec, graph, 0));
  const float us = replayMicroseconds(exec, stream, 20);
  cudaGraphExecDestroy(exec);
  cudaGraphDestroy(graph);
  return us / kPhases;
}

template <bool kBarrier>
float timePersistent(cudaStream_t stream, int blocks, float* a, float* b, int n, int stride) {
  int phases = kPhases;
  void* args[] = {&a, &b, &n, &stride, &phases};
  cudaEvent_t t0, t1;
  CHECK(cudaEventCreate(&t0));
  CHECK(cudaEventCreate(&t1));
  for (int i = 0; i < 3; ++i)
    CHECK(cudaLaunchCooperativeKernel(reinterpret_cast<void*>(persistentKernel<kBarrier>), dim3(blocks), dim3(kThreads),
                                      args, 0, stream));
  CHECK(cudaEventRecord(t0, stream));
  constexpr int kRuns = 20;
  for (int i = 0; i < kRuns; ++i)
    CHECK(cudaLaunchCooperativeKernel(reinterpret_cast<void*>(persistentKernel<kBarrier>), dim3(blocks), dim3(kThreads),
                                      args, 0, stream));
  CHECK(cudaEventRecord(t1, stream));
  CHECK(cudaEventSynchronize(t1));
  float ms = 0;
  CHECK(cudaEventElapsedTime(&ms, t0, t1));
  return 1000.f * ms / kRuns / kPhases;
}

}  // namespace

int main() {
  cudaDeviceProp prop;
  CHECK(cudaGetDeviceProperties(&prop, 0));
  std::printf("device: %s, %d SMs; %d phases, %d threads a block\n", prop.name, prop.multiProcessorCount, kPhases,
              kThreads);
  cudaStream_t stream;
  CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  // Blocks as a decode step's small kernels use them: 8 (one per row), one per SM, two per SM.
  for (int blocks : {8, prop.multiProcessorCount, 2 * prop.multiProcessorCount}) {
    const int n = blocks * kThreads * 4;  // 4 elements a thread: ~8-33 KB a phase, like a row-wise norm
    float *a = nullptr, *b = nullptr;
    CHECK(cudaMalloc(&a, n * sizeof(float)));
    CHECK(cudaMalloc(&b, n * sizeof(float)));
    CHECK(cudaMemset(a, 0, n * sizeof(float)));
    CHECK(cudaMemset(b, 0, n * sizeof(float)));
    const int stride = kThreads * 3 + 1;  // the element another block wrote
    const float plain = timeGraph(stream, blocks, a, b, n, stride, false);
    const float programmatic = timeGraph(stream, blocks, a, b, n, stride, true);
    const float barrier = timePersistent<true>(stream, blocks, a, b, n, stride);
    const float work = timePersistent<false>(stream, blocks, a, b, n, stride);
    std::printf("%4d blocks: us a phase -- graph of kernels %.2f, with programmatic launch %.2f, one kernel with grid "
                "barriers %.2f, the work alone %.2f\n",
                blocks, plain, programmatic, barrier, work);
    cudaFree(a);
    cudaFree(b);
  }
  return 0;
}
