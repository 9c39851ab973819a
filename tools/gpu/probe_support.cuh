#pragma once
// What the standalone GPU probes (tools/gpu/*_probe.cu, built by nvcc without libtorch) share: error checks (a
// failing CUDA or cuBLAS call prints where and why, then ends the probe) and the timing of a graph's replays.
#include <cuda_runtime.h>

#include <cstdio>
#include <cstdlib>

#define CHECK(x)                                                                              \
  do {                                                                                        \
    const cudaError_t e_ = (x);                                                               \
    if (e_ != cudaSuccess) {                                                                  \
      std::fprintf(stderr, "%s:%d %s: %s\n", __FILE__, __LINE__, #x, cudaGetErrorString(e_)); \
      std::exit(1);                                                                           \
    }                                                                                         \
  } while (0)

#define CHECK_BLAS(x)                                                                 \
  do {                                                                                \
    const auto s_ = (x);                                                              \
    if (static_cast<int>(s_) != 0) {                                                  \
      std::fprintf(stderr, "%s:%d %s: cuBLAS %d\n", __FILE__, __LINE__, #x, int(s_)); \
      std::exit(1);                                                                   \
    }                                                                                 \
  } while (0)

// Microseconds a replay of `exec` takes on `stream`: three replays to warm up, then `replays` timed back to back.
inline float replayMicroseconds(cudaGraphExec_t exec, cudaStream_t stream, int replays) {
  for (int i = 0; i < 3; ++i) CHECK(cudaGraphLaunch(exec, stream));
  cudaEvent_t t0, t1;
  CHECK(cudaEventCreate(&t0));
  CHECK(cudaEventCreate(&t1));
  CHECK(cudaEventRecord(t0, stream));
  for (int i = 0; i < replays; ++i) CHECK(cudaGraphLaunch(exec, stream));
  CHECK(cudaEventRecord(t1, stream));
  CHECK(cudaEventSynchronize(t1));
  float ms = 0;
  CHECK(cudaEventElapsedTime(&ms, t0, t1));
  CHECK(cudaEventDestroy(t0));
  CHECK(cudaEventDestroy(t1));
  return 1000.f * ms / static_cast<float>(replays);
}
