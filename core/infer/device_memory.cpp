#include "core/infer/device_memory.h"

#include <cstdio>

// Both headers: Debian ships c10/cuda headers with its CPU-only libtorch, but no CUDA runtime and no c10_cuda.
#if __has_include(<c10/cuda/CUDACachingAllocator.h>) && __has_include(<cuda_runtime_api.h>)
#include <c10/cuda/CUDACachingAllocator.h>
#define LL_DEVICE_MEMORY_CUDA 1
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

std::string describeDeviceMemory(const c10::Device& device) {
  const DeviceMemory m = deviceMemory(device);
  if (!m.known) return {};
  char buf[96];
  std::snprintf(buf, sizeof buf, "%.1f GiB on %s", m.reservedGiB, device.str().c_str());
  return buf;
}

}  // namespace ll::infer
