// StreamBranch: on the CPU (and wherever it does not fork) the work runs inline and join() hands its result
// back; on a CUDA machine (LAYOUTLENS_TEST_DEVICE=cuda) the branch runs on a stream of its own after what the
// current stream queued before it, the current stream waits for it at join(), and inside a captured CUDA graph
// the same fork and join become edges of the graph, so replays see the values of their time.
#include "core/infer/stream_branch.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <cstdlib>
#include <stdexcept>

#include "core/infer/cuda_graph.h"
#include "core/infer/infer_test_device.h"

namespace {

using ll::infer::StreamBranch;

TEST(StreamBranch, RunsInlineOnTheCpuAndJoinsOnce) {
  const at::Tensor x = at::arange(6, at::kFloat);
  EXPECT_FALSE(StreamBranch::forks(x));
  int runs = 0;
  StreamBranch branch(x, {x}, [&] {
    ++runs;
    return x * 3;
  });
  EXPECT_EQ(runs, 1);  // at construction, in line
  EXPECT_TRUE(branch.join().equal(x * 3));
  EXPECT_THROW(branch.join(), std::logic_error);
}

TEST(StreamBranch, NeverForksForAnUndefinedTensor) { EXPECT_FALSE(StreamBranch::forks(at::Tensor())); }

// A long chain on the current stream before the fork: the branch must read its end, not what was there before.
// After join(), the current stream's next kernel must read the branch's result.
TEST(StreamBranch, OrdersTheBranchAfterTheForkAndTheConsumerAfterTheJoin) {
  const c10::Device device = ll::testing::testDevice();
  if (!device.is_cuda()) GTEST_SKIP() << "set LAYOUTLENS_TEST_DEVICE=cuda on a GPU machine";
  const auto opts = at::TensorOptions().dtype(at::kFloat).device(device);
  at::Tensor x = at::zeros({1 << 20}, opts);
  for (int i = 0; i < 50; ++i) x.add_(1);  // queued work the branch must wait for
  StreamBranch branch(x, {x}, [&] { return x.sum(); });
  const char* off = std::getenv("LAYOUTLENS_STREAM_BRANCHES");
  EXPECT_EQ(StreamBranch::forks(x), !(off && off[0] == '0'));
  const at::Tensor total = branch.join() + 0;  // a kernel of the current stream on the branch's output
  EXPECT_EQ(total.item<float>(), 50.f * (1 << 20));
}

TEST(StreamBranch, ForkAndJoinAreEdgesOfACapturedGraph) {
  const c10::Device device = ll::testing::testDevice();
  if (!device.is_cuda() || !ll::infer::cudaGraphsCompiled()) GTEST_SKIP() << "set LAYOUTLENS_TEST_DEVICE=cuda on a GPU machine";
  const auto opts = at::TensorOptions().dtype(at::kFloat).device(device);
  at::Tensor input = at::zeros({256, 256}, opts), output = at::zeros({256, 256}, opts);
  ll::infer::CudaGraphPool pool;
  auto graph = ll::infer::CapturedGraph::capture(device, pool, [&] {
    const at::Tensor doubled = input * 2;
    StreamBranch branch(doubled, {doubled}, [&] { return at::matmul(doubled, doubled); });
    const at::Tensor beside = doubled + 1;  // runs while the branch does
    output.copy_(branch.join() + beside);
  });
  for (float v : {1.f, -0.5f}) {
    input.fill_(v);
    graph->replay();
    const float d = 2 * v;
    EXPECT_FLOAT_EQ(output.cpu()[7][9].item<float>(), d * d * 256 + d + 1) << "input " << v;
  }
}

}  // namespace
