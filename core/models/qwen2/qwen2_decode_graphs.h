#pragma once
// The fixed-shape ("static") decode step of the Qwen2 decoder, the one CUDA graphs capture. A batched
// decode step is a few hundred small kernels and, on an H100/H200, launch-bound (16.7 ms flat from
// batch 1 to 32). So every step runs over the WHOLE slot pool with shapes that depend only on the pool
// size S and a key-length bucket Lb, and reads its per-step inputs from static device buffers: one
// graph per bucket then replays any batch (any subset of slots, any order, ragged lengths).
//
// Slots outside the batch run too (their rows are wasted work, nearly free while launch-bound). They
// write their K/V into a scratch row past the slot's last position (the model allocates maxLength + 1
// rows per slot), read one key, and their lengths never change: no cached data of any slot is touched,
// full slots included.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "core/infer/cuda_graph.h"

namespace ll::models::qwen2 {

// The plan's token for a row fed back on the device: the step takes the slot's greedy token of the step
// before (decodeAhead, causal_lm.h).
inline constexpr int64_t kFedBackToken = -1;

// Host-side inputs of one static step, one entry per pool slot.
struct StaticStepPlan {
  std::vector<int64_t> tokens;      // the batch's token, kFedBackToken where fed back, 0 for slots outside it
  std::vector<int64_t> positions;   // RoPE position = cached length (0 outside the batch)
  std::vector<int64_t> rows;        // flat cache row written: slot * (maxLength + 1) + position, or the scratch row
  std::vector<int64_t> keyLengths;  // position + 1 (1 outside the batch)
  int64_t bucket = 0;               // keys read: positions [0, bucket) of every slot
};

// The smallest minBucket * 2^k >= maxKeyLength, capped at maxLength: few buckets (so few graphs), and
// attention over at most twice the keys needed.
int64_t keyLengthBucket(int64_t maxKeyLength, int64_t minBucket, int64_t maxLength);

// slots/tokens: the step's batch; lengths: the cached length of every slot of the pool; maxLength: the
// longest sequence a slot holds (its scratch row is at index maxLength). Throws what the eager step
// throws for a bad batch (std::invalid_argument: empty, mismatched, repeated slot, token outside the
// vocabulary; std::out_of_range: no such slot, slot full), before any device work. fedBack (empty, or one
// flag per row): rows whose token is the previous step's greedy token on the device; tokens[i] is ignored.
StaticStepPlan planStaticStep(const std::vector<int>& slots, const std::vector<int64_t>& tokens,
                              const std::vector<int64_t>& lengths, int64_t maxLength, int64_t vocabSize,
                              int64_t minBucket, const std::vector<bool>& fedBack = {});

// Static input buffers plus one captured graph per bucket for a pool of `slots` slots. Built after the
// KV cache and dropped with it (graphs hold the cache's addresses).
class StaticDecodeStep {
 public:
  StaticDecodeStep(const c10::Device& device, int64_t slots);
  ~StaticDecodeStep();
  StaticDecodeStep(const StaticDecodeStep&) = delete;
  StaticDecodeStep& operator=(const StaticDecodeStep&) = delete;

  // The static inputs, int64 [S] each on the device; the step body reads only these (and the cache).
  at::Tensor tokens() const { return inputs_[0]; }
  at::Tensor positions() const { return inputs_[1]; }
  at::Tensor rows() const { return inputs_[2]; }
  at::Tensor keyLengths() const { return inputs_[3]; }
  // Inside the step body: keepGreedy(logits [S, vocab]) stores this step's greedy token of every slot.
  void keepGreedy(const at::Tensor& logits);
  // int64 [S]: every slot's greedy token of the last step run (0 before the first).
  const at::Tensor& greedy() const { return greedy_; }

  // Copies the plan and the batch's slot order into the static buffer (one host->device copy, from
  // pinned memory on CUDA) and returns the batch's slots, int64 [B] on the device, for index_select.
  // Where the plan has kFedBackToken, the slot's greedy token of the last step run is put in its place,
  // outside the step body: a capture's warm-up runs repeat the body, and one that both read and wrote
  // the greedy tokens would feed the next warm-up its own tokens.
  at::Tensor load(const StaticStepPlan& plan, const std::vector<int>& slots);

  // body()'s output for `bucket`: with useGraphs, a graph captured on the bucket's first use and
  // replayed after (its output tensor is overwritten by the next run: copy what you keep); otherwise,
  // or once a capture has failed, body() itself. A failed capture is reported once on stderr and turns
  // graphs off for this object's life; the step is then computed without them.
  at::Tensor run(int64_t bucket, bool useGraphs, const std::function<at::Tensor()>& body);

  bool graphsFailed() const { return graphsFailed_; }
  const std::string& failure() const { return failure_; }
  size_t graphCount() const { return graphs_.size(); }

 private:
  struct Graph {
    std::unique_ptr<infer::CapturedGraph> graph;
    at::Tensor output;  // written by every replay
  };

  c10::Device device_;
  int64_t slots_;
  at::Tensor inputs_;  // [5, S] int64: tokens, positions, rows, key lengths, batch order (first B)
  at::Tensor greedy_;  // [S] int64, written by every step (keepGreedy), read by the next (stepTokens)
  std::unique_ptr<infer::CudaGraphPool> pool_;  // created with the first graph
  std::map<int64_t, Graph> graphs_;
  bool graphsFailed_ = false;
  std::string failure_;
};

}  // namespace ll::models::qwen2
