// Device names as the CLI and the config spell them: auto | cuda | cpu, and cuda:N for one worker per GPU
// (`run --gpus`). A name that is not a device, or a GPU this machine does not have, is refused with a
// message that says what would be accepted.
#include "core/infer/runtime_options.h"

#include <gtest/gtest.h>
#include <ATen/Parallel.h>
#include <algorithm>
#include <thread>

#include <cstdlib>
#include <functional>
#include <stdexcept>
#include <string>

namespace {

std::string messageOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return {};
}

TEST(RuntimeOptions, PlainDeviceNamesResolveAsBefore) {
  EXPECT_TRUE(ll::infer::resolveDeviceName("cpu").is_cpu());
  EXPECT_TRUE(ll::infer::resolveDeviceName("CPU").is_cpu());
  const c10::Device autoDevice = ll::infer::resolveDeviceName("auto");
  EXPECT_EQ(autoDevice.is_cuda(), ll::infer::cudaDeviceCount() > 0);
  EXPECT_THROW(ll::infer::resolveDeviceName("tpu"), std::invalid_argument);
}

TEST(RuntimeOptions, CudaWithAnIndexNamesOneGpu) {
  for (const char* bad : {"cuda:", "cuda:x", "cuda:-1", "cuda:1.5", "cuda:12345"})
    EXPECT_NE(messageOf([&] { ll::infer::resolveDeviceName(bad); }).find("cuda:N"), std::string::npos) << bad;
  const int gpus = ll::infer::cudaDeviceCount();
  if (gpus == 0) {
    const std::string m = messageOf([] { ll::infer::resolveDeviceName("cuda:0"); });
    EXPECT_NE(m.find("sees no CUDA GPU"), std::string::npos) << m;
    return;
  }
  const c10::Device last = ll::infer::resolveDeviceName("cuda:" + std::to_string(gpus - 1));
  EXPECT_TRUE(last.is_cuda());
  EXPECT_EQ(last.index(), gpus - 1);
  const std::string m = messageOf([&] { ll::infer::resolveDeviceName("cuda:" + std::to_string(gpus)); });
  EXPECT_NE(m.find("does not exist"), std::string::npos) << m;
}

// A/B switches (LAYOUTLENS_CUDA_GRAPHS, LAYOUTLENS_FUSED_KERNELS): only "0" and "off" turn a speed-up off.
TEST(RuntimeOptions, EnvironmentSwitchesOffOnlyWithZeroOrOff) {
  const char* name = "LAYOUTLENS_TEST_SWITCH";
  unsetenv(name);
  EXPECT_FALSE(ll::infer::switchedOffByEnvironment(name));
  for (const char* off : {"0", "off"}) {
    setenv(name, off, 1);
    EXPECT_TRUE(ll::infer::switchedOffByEnvironment(name)) << off;
  }
  for (const char* on : {"1", "on", "", "OFF0"}) {
    setenv(name, on, 1);
    EXPECT_FALSE(ll::infer::switchedOffByEnvironment(name)) << on;
  }
  unsetenv(name);
}

}  // namespace

// CPU inference uses the machine's cores: libtorch starts with one intra-op thread unless told otherwise.
TEST(RuntimeOptions, CpuInferenceUsesTheHostCoresOrTheCountAskedFor) {
  const int before = at::get_num_threads();
  ::unsetenv("OMP_NUM_THREADS");
  ::setenv("LAYOUTLENS_CPU_THREADS", "1", 1);
  EXPECT_EQ(ll::infer::useHostCoresForInference(), 1);
  EXPECT_EQ(at::get_num_threads(), 1);
  ::setenv("LAYOUTLENS_CPU_THREADS", "3", 1);
  EXPECT_EQ(ll::infer::useHostCoresForInference(), 3);
  EXPECT_EQ(at::get_num_threads(), 3);
  ::setenv("LAYOUTLENS_CPU_THREADS", "many", 1);  // not a number: every hardware thread
  const int all = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  EXPECT_EQ(ll::infer::useHostCoresForInference(), all);
  ::unsetenv("LAYOUTLENS_CPU_THREADS");
  EXPECT_EQ(ll::infer::useHostCoresForInference(), all);
  EXPECT_EQ(at::get_num_threads(), all);
  // A count chosen with OMP_NUM_THREADS is the user's: left as it is.
  at::set_num_threads(2);
  ::setenv("OMP_NUM_THREADS", "2", 1);
  EXPECT_EQ(ll::infer::useHostCoresForInference(), 2);
  ::unsetenv("OMP_NUM_THREADS");
  at::set_num_threads(before);
}
