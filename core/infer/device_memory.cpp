#include "core/infer/device_memory.h"

#include <cstdio>

// Both headers: Debian ships c10/cuda headers with its CPU-only libtorch, but no CUDA runtime and no c10_cuda.
#if __has_include(<c10/cuda/CUDACachingAllocator.h>) && __has_include(<cuda_runtime_api.h>)
#include <c10/cuda/CUDACachingAllocator.h>
#define LL_DEVICE_MEMORY_CUDA 1
#if defined(LL_INFER_CUDA_KERNELS)
#include <cuda_runtime_api.h>
#define LL_DEVICE_MEMORY_RUNTIME 1  // the CUDA runtime is linked (the kernels' launchers need it too)
#endif
#endif

namespace ll::infer {

DeviceMemory deviceMemory(const c10::Device& device) {
  DeviceMemory m;
#ifdef LL_DEVICE_MEMORY_CUDA
  if (device.is_cuda()) {
    try {
      const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device.has_index() ? device.index() : 0);
      constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
      const size_t all = 0;  // StatType::AGGREGATE (its namespace moved between libtorch 1.13 and 2.x)
      m.allocatedGiB = stats.allocated_bytes[all].current / kGiB;
      m.reservedGiB = stats.reserved_bytes[all].current / kGiB;
      m.peakGiB = stats.allocated_bytes[all].peak / kGiB;
      m.known = true;
    } catch (const std::exception&) {
      m.known = false;  // no CUDA driver at run time although the headers exist
    }
  }
#else
  (void)device;
#endif
  return m;
}

double deviceFreeGiB(const c10::Device& device) {
#ifdef LL_DEVICE_MEMORY_RUNTIME
  if (!device.is_cuda()) return -1;
  int previous = 0;
  if (cudaGetDevice(&previous) != cudaSuccess) return -1;
  const int index = device.has_index() ? device.index() : previous;
  size_t free = 0, total = 0;
  const bool ok = cudaSetDevice(index) == cudaSuccess && cudaMemGetInfo(&free, &total) == cudaSuccess;
  cudaSetDevice(previous);
  if (!ok) return -1;
  const DeviceMemory held = deviceMemory(c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(index)));
  constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
  return free / kGiB + (held.known ? held.reservedGiB - held.allocatedGiB : 0.0);
#else
  (void)device;
  return -1;
#endif
}

std::string describeDeviceMemory(const c10::Device& device) {
  const DeviceMemory m = deviceMemory(device);
  if (!m.known) return {};
  char buf[96];
  std::snprintf(buf, sizeof buf, "%.1f GiB on %s", m.reservedGiB, device.str().c_str());
  return buf;
}

}  // namespace ll::infer
