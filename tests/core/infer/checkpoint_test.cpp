// Checkpoint over single-file and sharded model folders: the index is cross-checked against the shards,
// pickle-only folders are refused, skip prefixes work and requireShapes reports every mismatch at once.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>


#include "core/infer/checkpoint.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using ll::infer::Checkpoint;
using ll::infer::SafetensorsError;
using ll::infer::writeSafetensors;

namespace {

struct TempDir : ll::test_support::TempDir {
  TempDir() : ll::test_support::TempDir("ll-checkpoint-test") {}
};


void writeText(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const SafetensorsError& e) {
    return e.what();
  }
  return "(no SafetensorsError)";
}

// Two shards as save_pretrained writes them, with an index that maps every tensor to its shard.
void writeShardedModel(const TempDir& dir) {
  writeSafetensors(dir.file("model-00001-of-00002.safetensors"),
                   {{"model.embed_tokens.weight", at::arange(12, at::kFloat).reshape({4, 3}).to(at::kBFloat16)},
                    {"model.layers.0.mlp.weight", at::ones({3, 3}, at::kBFloat16)}});
  writeSafetensors(dir.file("model-00002-of-00002.safetensors"),
                   {{"model.audio_tower.conv.weight", at::ones({2, 2}, at::kBFloat16)},
                    {"model.norm.weight", at::full({3}, 0.5, at::kFloat)}});
  writeText(dir.file("model.safetensors.index.json"), R"({
  "metadata": {"total_size": 64},
  "weight_map": {
    "model.embed_tokens.weight": "model-00001-of-00002.safetensors",
    "model.layers.0.mlp.weight": "model-00001-of-00002.safetensors",
    "model.audio_tower.conv.weight": "model-00002-of-00002.safetensors",
    "model.norm.weight": "model-00002-of-00002.safetensors"
  }
})");
}

}  // namespace

TEST(Checkpoint, SingleFile) {
  TempDir dir;
  writeSafetensors(dir.file("model.safetensors"), {{"b", at::ones({2})}, {"a", at::zeros({3, 1})}});
  const Checkpoint ck = Checkpoint::open(dir.str());
  EXPECT_EQ(ck.names(), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(ck.contains("a"));
  EXPECT_FALSE(ck.contains("c"));
  EXPECT_EQ(ck.find("a")->shape, (std::vector<int64_t>{3, 1}));
  EXPECT_EQ(ck.find("c"), nullptr);
  EXPECT_TRUE(at::equal(ck.load("b", at::kCPU), at::ones({2})));
  EXPECT_EQ(ck.totalBytes(), 20u);
  EXPECT_NE(errorOf([&] { ck.load("c", at::kCPU); }).find("'c'"), std::string::npos);
}

TEST(Checkpoint, ShardedIndex) {
  TempDir dir;
  writeShardedModel(dir);
  const Checkpoint ck = Checkpoint::open(dir.str());
  EXPECT_EQ(ck.size(), 4u);
  EXPECT_EQ(ck.files().size(), 2u);
  EXPECT_EQ(ck.names(), (std::vector<std::string>{"model.audio_tower.conv.weight", "model.embed_tokens.weight", "model.layers.0.mlp.weight",
                                                  "model.norm.weight"}));
  EXPECT_EQ(ck.fileOf("model.norm.weight")->path(), dir.file("model-00002-of-00002.safetensors"));
  EXPECT_EQ(ck.fileOf("model.embed_tokens.weight")->path(), dir.file("model-00001-of-00002.safetensors"));
  EXPECT_EQ(ck.find("model.norm.weight")->dtypeName, "F32");
  EXPECT_TRUE(at::equal(ck.load("model.embed_tokens.weight", at::kCPU, at::kFloat), at::arange(12, at::kFloat).reshape({4, 3})));
  EXPECT_TRUE(at::equal(ck.load("model.norm.weight", at::kCPU), at::full({3}, 0.5, at::kFloat)));
  EXPECT_EQ(ck.totalBytes(), 24u + 18u + 8u + 12u);
}

TEST(Checkpoint, LoadAllSkipsPrefixesAndConverts) {
  TempDir dir;
  writeShardedModel(dir);
  const Checkpoint ck = Checkpoint::open(dir.str());
  const auto all = ck.loadAll(at::kCPU, at::kFloat, {"model.audio_tower.", "model.layers."});
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all.count("model.audio_tower.conv.weight"), 0u);
  EXPECT_EQ(all.count("model.layers.0.mlp.weight"), 0u);
  for (const auto& [name, t] : all) EXPECT_EQ(t.scalar_type(), at::kFloat) << name;
  EXPECT_TRUE(at::equal(all.at("model.embed_tokens.weight"), at::arange(12, at::kFloat).reshape({4, 3})));
  const auto kept = ck.loadAll(at::kCPU, std::nullopt);
  ASSERT_EQ(kept.size(), 4u);
  EXPECT_EQ(kept.at("model.layers.0.mlp.weight").scalar_type(), at::kBFloat16);
  EXPECT_EQ(kept.at("model.norm.weight").scalar_type(), at::kFloat);  // per-tensor dtype honoured
}

TEST(Checkpoint, SingleFileWinsOverAnIndex) {
  TempDir dir;
  writeShardedModel(dir);
  writeSafetensors(dir.file("model.safetensors"), {{"only", at::ones({1})}});
  EXPECT_EQ(Checkpoint::open(dir.str()).names(), std::vector<std::string>{"only"});
}

TEST(Checkpoint, IndexProblemsNameTheShardAndTensor) {
  {
    TempDir dir;
    writeShardedModel(dir);
    fs::remove(dir.file("model-00002-of-00002.safetensors"));
    const std::string e = errorOf([&] { Checkpoint::open(dir.str()); });
    EXPECT_NE(e.find("model-00002-of-00002.safetensors"), std::string::npos) << e;
    EXPECT_NE(e.find("incomplete"), std::string::npos) << e;
  }
  {
    TempDir dir;
    writeShardedModel(dir);
    writeSafetensors(dir.file("model-00002-of-00002.safetensors"), {{"model.norm.weight", at::ones({3})}});
    const std::string e = errorOf([&] { Checkpoint::open(dir.str()); });
    EXPECT_NE(e.find("'model.audio_tower.conv.weight'"), std::string::npos) << e;
    EXPECT_NE(e.find("model-00002-of-00002.safetensors"), std::string::npos) << e;
  }
  {
    TempDir dir;
    writeShardedModel(dir);
    writeSafetensors(dir.file("model-00002-of-00002.safetensors"),
                     {{"model.audio_tower.conv.weight", at::ones({2, 2})}, {"model.norm.weight", at::ones({3})}, {"model.layers.0.mlp.weight", at::ones({1})}});
    const std::string e = errorOf([&] { Checkpoint::open(dir.str()); });
    EXPECT_NE(e.find("'model.layers.0.mlp.weight' is also in"), std::string::npos) << e;
  }
  {
    TempDir dir;
    writeText(dir.file("model.safetensors.index.json"), R"({"weight_map": {"w": "../outside.safetensors"}})");
    const std::string e = errorOf([&] { Checkpoint::open(dir.str()); });
    EXPECT_NE(e.find("not a file inside the model folder"), std::string::npos) << e;
  }
  {
    TempDir dir;
    writeText(dir.file("model.safetensors.index.json"), "{\"weight_map\": {\n  \"w\": }\n}");
    const std::string e = errorOf([&] { Checkpoint::open(dir.str()); });
    EXPECT_NE(e.find(dir.file("model.safetensors.index.json")), std::string::npos) << e;
    EXPECT_NE(e.find("line 2"), std::string::npos) << e;
  }
  {
    TempDir dir;
    writeText(dir.file("model.safetensors.index.json"), R"({"metadata": {}})");
    const std::string e = errorOf([&] { Checkpoint::open(dir.str()); });
    EXPECT_NE(e.find("weight_map"), std::string::npos) << e;
  }
}

TEST(Checkpoint, RefusesPickleOnlyFolders) {
  TempDir dir;
  writeText(dir.file("config.json"), R"({"model_type": "qwen2"})");
  writeText(dir.file("pytorch_model.bin"), "PK\x03\x04 not really");
  const std::string e = errorOf([&] { Checkpoint::open(dir.str()); });
  EXPECT_NE(e.find(dir.str()), std::string::npos) << e;
  EXPECT_NE(e.find("pytorch_model.bin"), std::string::npos) << e;
  EXPECT_NE(e.find("pickle"), std::string::npos) << e;
  EXPECT_NE(e.find("safe_serialization=True"), std::string::npos) << e;
}

TEST(Checkpoint, MissingFolderOrWeights) {
  TempDir dir;
  EXPECT_NE(errorOf([&] { Checkpoint::open(dir.file("nope")); }).find("does not exist"), std::string::npos);
  EXPECT_NE(errorOf([&] { Checkpoint::open(dir.str()); }).find("no model.safetensors"), std::string::npos);
  writeSafetensors(dir.file("model-00001-of-00002.safetensors"), {{"w", at::ones({1})}});
  EXPECT_NE(errorOf([&] { Checkpoint::open(dir.str()); }).find("model-00001-of-00002.safetensors but neither"), std::string::npos);
  EXPECT_NE(errorOf([&] { Checkpoint::open(dir.file("model-00001-of-00002.safetensors")); }).find("is not a folder"), std::string::npos);
}

TEST(Checkpoint, RequireShapesListsEveryProblem) {
  TempDir dir;
  writeSafetensors(dir.file("model.safetensors"), {{"a", at::zeros({2, 3})}, {"b", at::zeros({4})}});
  const Checkpoint ck = Checkpoint::open(dir.str());
  EXPECT_NO_THROW(ck.requireShapes({{"a", {2, 3}}, {"b", {4}}}));
  const std::string e = errorOf([&] { ck.requireShapes({{"a", {3, 2}}, {"b", {4}}, {"c", {1}}, {"d", {5, 5}}}); });
  EXPECT_NE(e.find("2 missing, 1 with the wrong shape"), std::string::npos) << e;
  EXPECT_NE(e.find("a is [2,3], expected [3,2]"), std::string::npos) << e;
  EXPECT_NE(e.find("missing c [1]"), std::string::npos) << e;
  EXPECT_NE(e.find("missing d [5,5]"), std::string::npos) << e;
  EXPECT_EQ(e.find(" b "), std::string::npos) << e;

  std::vector<std::pair<std::string, std::vector<int64_t>>> many;
  for (int i = 0; i < 25; ++i) many.push_back({"layer." + std::to_string(i), {1}});
  const std::string m = errorOf([&] { ck.requireShapes(many); });
  EXPECT_NE(m.find("25 missing"), std::string::npos) << m;
  EXPECT_NE(m.find("missing layer.19 [1]"), std::string::npos) << m;
  EXPECT_EQ(m.find("missing layer.20 [1]"), std::string::npos) << m;
  EXPECT_NE(m.find("and 5 more"), std::string::npos) << m;
}
