#pragma once
// How much accelerator memory this process holds, for the window's status bar, the CLI's --verbose lines
// and benchmarks. Reads the CUDA caching allocator's statistics when this libtorch has CUDA headers (the
// official CUDA builds and pip's); Debian's CPU-only libtorch has none, and a CPU device has nothing to report.
#include <string>

#include <c10/core/Device.h>

namespace ll::infer {

struct DeviceMemory {
  bool known = false;       // false: CPU device, or a libtorch built without CUDA
  double allocatedGiB = 0;  // tensors alive now
  double reservedGiB = 0;   // held by the caching allocator (what nvidia-smi shows for us, roughly)
  double peakGiB = 0;       // peak allocated since start (or the last reset)
};

DeviceMemory deviceMemory(const c10::Device& device);
// Memory a new tensor could still get on `device`: the driver's free memory plus what this process's caching
// allocator holds unused. Negative when unknown (a CPU device, or a build without the CUDA kernels, whose
// launchers bring the CUDA runtime this needs).
double deviceFreeGiB(const c10::Device& device);
// "9.3 GiB on cuda:0" or "" when unknown.
std::string describeDeviceMemory(const c10::Device& device);

}  // namespace ll::infer
