// CUDA graphs: where they are not compiled in (Debian's CPU libtorch, CI) nothing asks for them and a capture
// fails with a message; on a CUDA machine (LAYOUTLENS_TEST_DEVICE=cuda) a captured body replays with the
// values its static input holds at replay time, and LAYOUTLENS_CUDA_GRAPHS=0 turns them off.
#include "core/infer/cuda_graph.h"
#include "core/infer/cuda_stream.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <memory>
#include <thread>
#include <vector>

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

TEST(CudaStream, NothingToOwnOnTheCpu) {
  ll::infer::useOwnStream(c10::Device(c10::kCPU));
  EXPECT_FALSE(ll::infer::hasOwnStream(c10::Device(c10::kCPU)));
}

// Two inference threads, each on its own stream, capture and replay graphs at the same time (the layout
// and the vision-language model side by side): every capture is of its own thread's work only, so each
// replay computes its own thread's values.
TEST(CudaStream, TwoThreadsCaptureAndReplayAtTheSameTime) {
  const c10::Device device = ll::testing::testDevice();
  if (!device.is_cuda() || !ll::infer::cudaGraphsCompiled()) GTEST_SKIP() << "set LAYOUTLENS_TEST_DEVICE=cuda on a GPU machine";
  const auto opts = at::TensorOptions().dtype(at::kFloat).device(device);
  std::vector<std::string> failures(2);
  auto worker = [&](int who) {
    try {
      ll::infer::useOwnStream(device);
      if (!ll::infer::hasOwnStream(device)) throw std::runtime_error("no own stream");
      at::Tensor input = at::zeros({256, 256}, opts), output = at::zeros({256, 256}, opts);
      const at::Tensor weight = at::eye(256, opts) * static_cast<float>(who + 2);
      ll::infer::CudaGraphPool pool;
      std::vector<std::unique_ptr<ll::infer::CapturedGraph>> graphs;  // alive together, as a model's buckets
      for (int g = 0; g < 5; ++g) {  // several captures, interleaved with the other thread's
        graphs.push_back(ll::infer::CapturedGraph::capture(device, pool, [&] {
          at::Tensor x = input;
          for (int k = 0; k < 20; ++k) x = at::matmul(x, weight) / static_cast<float>(who + 2);
          output.copy_(x * static_cast<float>(who + 2) + 1);
        }));
        for (int rep = 0; rep < 30; ++rep) {
          const float v = static_cast<float>(who * 1000 + g * 100 + rep);
          input.fill_(v);
          graphs[static_cast<size_t>(rep) % graphs.size()]->replay();
          const float got = output[7][7].item<float>();
          const float want = v * static_cast<float>(who + 2) + 1;
          if (std::abs(got - want) > 1e-2f * std::abs(want) + 1e-3f)
            throw std::runtime_error("thread " + std::to_string(who) + " read " + std::to_string(got) + ", expected " +
                                     std::to_string(want));
        }
      }
    } catch (const std::exception& e) {
      failures[static_cast<size_t>(who)] = e.what();
    }
  };
  std::thread a(worker, 0), b(worker, 1);
  a.join();
  b.join();
  EXPECT_EQ(failures[0], "");
  EXPECT_EQ(failures[1], "");
}

}  // namespace
