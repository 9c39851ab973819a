// CUDA graphs: where they are not compiled in (Debian's CPU libtorch, CI) nothing asks for them and a capture
// fails with a message; on a CUDA machine (LAYOUTLENS_TEST_DEVICE=cuda) a captured body replays with the
// values its static input holds at replay time, and LAYOUTLENS_CUDA_GRAPHS=0 turns them off.
#include "core/infer/cuda_graph.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <cstdlib>
#include <stdexcept>
#include <string>

#include "core/infer/infer_test_device.h"

namespace {

TEST(CudaGraph, NeverWantedOnTheCpu) {
  EXPECT_FALSE(ll::infer::cudaGraphsWanted(c10::Device(c10::kCPU)));
}

TEST(CudaGraph, CaptureWithoutCudaSupportSaysWhy) {
  if (ll::infer::cudaGraphsCompiled()) GTEST_SKIP() << "this libtorch has CUDA graph support";
  EXPECT_FALSE(ll::infer::cudaGraphsWanted(c10::Device(c10::kCUDA, 0)));
  ll::infer::CudaGraphPool pool;
  int runs = 0;
  try {
    ll::infer::CapturedGraph::capture(c10::Device(c10::kCUDA, 0), pool, [&] { ++runs; });
    FAIL() << "capture must throw without CUDA graph support";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("no CUDA graph support"), std::string::npos) << e.what();
  }
  EXPECT_EQ(runs, 0);  // the body never ran
}

TEST(CudaGraph, ReplayReadsTheStaticInputsOfItsTime) {
  const c10::Device device = ll::testing::testDevice();
  if (!device.is_cuda() || !ll::infer::cudaGraphsCompiled()) GTEST_SKIP() << "set LAYOUTLENS_TEST_DEVICE=cuda on a GPU machine";
  ::setenv("LAYOUTLENS_CUDA_GRAPHS", "0", 1);
  EXPECT_FALSE(ll::infer::cudaGraphsWanted(device));
  ::unsetenv("LAYOUTLENS_CUDA_GRAPHS");
  EXPECT_TRUE(ll::infer::cudaGraphsWanted(device));

  const auto opts = at::TensorOptions().dtype(at::kFloat).device(device);
  at::Tensor input = at::zeros({4}, opts), output = at::zeros({4}, opts);
  int runs = 0;
  ll::infer::CudaGraphPool pool;
  auto graph = ll::infer::CapturedGraph::capture(device, pool, [&] {
    ++runs;
    output.copy_(input * 2 + 1);
  });
  EXPECT_EQ(runs, 3);  // two warm-ups and the captured run
  input.fill_(5);
  graph->replay();
  EXPECT_EQ(output.cpu()[0].item<float>(), 11.f);
  input.fill_(-1);
  graph->replay();
  EXPECT_EQ(output.cpu()[3].item<float>(), -1.f);
  EXPECT_EQ(runs, 3);  // replays do not call the body
}

}  // namespace
