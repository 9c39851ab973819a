#pragma once
// What the standalone GPU probes (tools/gpu/*_probe.cu, built by nvcc without libtorch) share: error checks (a
// failing CUDA or cuBLAS call prints where and why, then ends the probe), checked device allocations, seeded
// random bfloat16 fills and the timing of a graph's replays.
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstdint>

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

// n elements of T on the device (the probes free nothing: they end).
template <class T>
T* alloc(size_t n) {
  T* p = nullptr;
  CHECK(cudaMalloc(&p, n * sizeof(T)));
  return p;
}

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

// p[i] = offset + scale * u with u in [-1, 1) from a hash of i and the seed: the same values on every run.
__global__ void fillRandomKernel(__nv_bfloat16* p, size_t n, uint32_t seed, float scale, float offset) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) {
    uint32_t h = static_cast<uint32_t>(i) * 2654435761u ^ seed;
    h ^= h >> 15;
    h *= 2246822519u;
    h ^= h >> 13;
    p[i] = __float2bfloat16(offset + (static_cast<float>(h & 0xffff) / 32768.f - 1.f) * scale);
  }
}
inline void fillRandom(__nv_bfloat16* p, size_t n, uint32_t seed, float scale, float offset = 0.f) {
  fillRandomKernel<<<1024, 256>>>(p, n, seed, scale, offset);
  CHECK(cudaGetLastError());
}
