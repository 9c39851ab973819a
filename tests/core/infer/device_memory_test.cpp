// Device memory reporting: nothing is claimed for the CPU; on a CUDA machine (LAYOUTLENS_TEST_DEVICE=cuda) the
// allocator's numbers follow a 256 MiB allocation.
#include "core/infer/device_memory.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include "core/infer/infer_test_device.h"

namespace {

TEST(DeviceMemory, CpuReportsNothing) {
  const auto m = ll::infer::deviceMemory(c10::Device(c10::kCPU));
  EXPECT_FALSE(m.known);
  EXPECT_EQ(m.allocatedGiB, 0.0);
  EXPECT_EQ(ll::infer::describeDeviceMemory(c10::Device(c10::kCPU)), "");
}

TEST(DeviceMemory, CudaFollowsAnAllocation) {
  const c10::Device device = ll::testing::testDevice();
  if (!device.is_cuda()) GTEST_SKIP() << "set LAYOUTLENS_TEST_DEVICE=cuda on a GPU machine";
  // The caching allocator has no statistics before the process's first CUDA allocation (the app asks
  // once models are loaded); when this test runs first in its process, that is now.
  const at::Tensor first = at::zeros({1}, at::TensorOptions().device(device));
  const auto before = ll::infer::deviceMemory(device);
  ASSERT_TRUE(before.known) << "this libtorch has CUDA but no allocator statistics were read";
  at::Tensor t = at::empty({64, 1024, 1024}, at::TensorOptions().dtype(at::kFloat).device(device));  // 256 MiB
  const auto after = ll::infer::deviceMemory(device);
  EXPECT_NEAR(after.allocatedGiB - before.allocatedGiB, 0.25, 0.01);
  EXPECT_GE(after.peakGiB, after.allocatedGiB);
  EXPECT_NE(ll::infer::describeDeviceMemory(device).find("GiB on cuda"), std::string::npos);
}

}  // namespace
