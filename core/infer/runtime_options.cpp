#include "core/infer/runtime_options.h"

#include <ATen/Context.h>
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <torch/version.h>
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "core/infer/fused_elementwise.h"

namespace ll::infer {
namespace {
std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}
}  // namespace

DeviceChoice parseDeviceChoice(const std::string& name) {
  const auto n = lower(name);
  if (n == "auto") return DeviceChoice::Auto;
  if (n == "cuda" || n == "gpu") return DeviceChoice::Cuda;
  if (n == "cpu") return DeviceChoice::Cpu;
  throw std::invalid_argument("unknown device '" + name + "': use auto, cuda or cpu");
}

c10::ScalarType parseDType(const std::string& name) {
  const auto n = lower(name);
  if (n == "bfloat16" || n == "bf16") return c10::ScalarType::BFloat16;
  if (n == "float16" || n == "fp16" || n == "half") return c10::ScalarType::Half;
  if (n == "float32" || n == "fp32" || n == "float") return c10::ScalarType::Float;
  throw std::invalid_argument("unknown dtype '" + name + "': use bfloat16, float16 or float32");
}

AttentionImpl parseAttentionImpl(const std::string& name) {
  const auto n = lower(name);
  if (n == "flash_attention_2" || n == "flash") return AttentionImpl::FlashAttention2;
  if (n == "sdpa") return AttentionImpl::Sdpa;
  if (n == "eager") return AttentionImpl::Eager;
  throw std::invalid_argument("unknown attention implementation '" + name + "': use flash_attention_2, sdpa or eager");
}

std::string toString(DeviceChoice d) {
  switch (d) {
    case DeviceChoice::Auto: return "auto";
    case DeviceChoice::Cuda: return "cuda";
    case DeviceChoice::Cpu: return "cpu";
  }
  return "auto";
}

std::string toString(AttentionImpl a) {
  switch (a) {
    case AttentionImpl::FlashAttention2: return "flash_attention_2";
    case AttentionImpl::Sdpa: return "sdpa";
    case AttentionImpl::Eager: return "eager";
  }
  return "sdpa";
}

std::string dtypeName(c10::ScalarType t) {
  switch (t) {
    case c10::ScalarType::BFloat16: return "bfloat16";
    case c10::ScalarType::Half: return "float16";
    case c10::ScalarType::Float: return "float32";
    default: return c10::toString(t);
  }
}

c10::Device resolveDevice(DeviceChoice choice) {
  const bool haveCuda = at::hasCUDA();
  switch (choice) {
    case DeviceChoice::Cpu: return c10::Device(c10::kCPU);
    case DeviceChoice::Cuda:
      if (!haveCuda)
        throw std::runtime_error(
            "device 'cuda' was asked for, but this libtorch sees no CUDA GPU (Debian's libtorch is CPU-only; "
            "see README 'Running on a GPU'); use device auto or cpu");
      return c10::Device(c10::kCUDA, 0);
    case DeviceChoice::Auto: break;
  }
  return haveCuda ? c10::Device(c10::kCUDA, 0) : c10::Device(c10::kCPU);
}

bool switchedOffByEnvironment(const char* name) {
  const char* env = std::getenv(name);
  return env && (std::strcmp(env, "0") == 0 || std::strcmp(env, "off") == 0);
}

bool switchedOnByEnvironment(const char* name) {
  const char* env = std::getenv(name);
  return env && (std::strcmp(env, "1") == 0 || std::strcmp(env, "on") == 0);
}

int useHostCoresForInference() {
  int wanted = 0;
  if (const char* env = std::getenv("LAYOUTLENS_CPU_THREADS"); env && *env) {
    char* end = nullptr;
    const long n = std::strtol(env, &end, 10);
    if (end && *end == '\0' && n > 0 && n <= 4096) wanted = static_cast<int>(n);
  }
  if (wanted == 0) {
    if (const char* omp = std::getenv("OMP_NUM_THREADS"); omp && *omp) return at::get_num_threads();
    wanted = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
  if (at::get_num_threads() != wanted) at::set_num_threads(wanted);
  return at::get_num_threads();
}

int cudaDeviceCount() { return at::hasCUDA() ? static_cast<int>(at::detail::getCUDAHooks().getNumGPUs()) : 0; }

c10::Device resolveDeviceName(const std::string& name) {
  const std::string n = lower(name);
  if (n.rfind("cuda:", 0) != 0) return resolveDevice(parseDeviceChoice(name));
  const std::string digits = n.substr(5);
  if (digits.empty() || digits.size() > 3 || !std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c); }))
    throw std::invalid_argument("unknown device '" + name + "': use auto, cuda, cpu or cuda:N (N = the GPU's number, from 0)");
  const int index = std::stoi(digits);
  const int count = cudaDeviceCount();
  if (count == 0)
    throw std::runtime_error("device '" + name + "' was asked for, but this libtorch sees no CUDA GPU (Debian's libtorch is "
                             "CPU-only; see README 'Running on a GPU')");
  if (index >= count)
    throw std::invalid_argument("device '" + name + "' does not exist: this machine has " + std::to_string(count) +
                                (count == 1 ? " GPU (cuda:0)" : " GPUs (cuda:0 to cuda:" + std::to_string(count - 1) + ")"));
  return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(index));
}

std::string describeRuntime() {
  std::string s = std::string("libtorch ") + TORCH_VERSION;
  if (!at::hasCUDA()) return s + ", CPU only (this libtorch has no CUDA or sees no GPU)";
  const int n = at::detail::getCUDAHooks().getNumGPUs();
  // Whether the decode steps get the fused CUDA kernels (~30 % of a Gemma 3n step; fused_elementwise.h).
  return s + ", CUDA: " + std::to_string(n) + (n == 1 ? " GPU" : " GPUs") +
         (fusedKernelsCompiled() ? ", fused CUDA kernels" : ", no fused CUDA kernels (built without LAYOUTLENS_CUDA_KERNELS)");
}

c10::ScalarType effectiveDType(c10::ScalarType requested, const c10::Device& device, std::string* why) {
  if (device.is_cpu() && requested == c10::ScalarType::Half) {
    if (why) *why = "float16 is not supported well on the CPU; using float32";
    return c10::ScalarType::Float;
  }
  return requested;
}

}  // namespace ll::infer
