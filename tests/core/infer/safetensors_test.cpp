// Round trips every supported dtype through writeSafetensors/SafetensorsFile and checks that each kind of
// damaged file is refused with a message naming the file and the tensor.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>


#include "core/infer/safetensors.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using ll::infer::SafetensorsError;
using ll::infer::SafetensorsFile;
using ll::infer::writeSafetensors;

namespace {

struct TempDir : ll::test_support::TempDir {
  TempDir() : ll::test_support::TempDir("ll-safetensors-test") {}
};


// A file with exactly this header text and data, for the corruption cases.
void writeRaw(const std::string& path, const std::string& header, const std::string& data, uint64_t lengthField) {
  std::ofstream out(path, std::ios::binary);
  for (int i = 0; i < 8; ++i) out.put(static_cast<char>(lengthField >> (8 * i)));
  out << header << data;
}
void writeRaw(const std::string& path, const std::string& header, const std::string& data) {
  writeRaw(path, header, data, header.size());
}

// Opens `path` expecting a SafetensorsError whose message names the file and contains every `parts`.
void expectRefused(const std::string& path, const std::vector<std::string>& parts) {
  try {
    SafetensorsFile::open(path);
    FAIL() << "opened a damaged file: " << path;
  } catch (const SafetensorsError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(path), std::string::npos) << message;
    for (const auto& p : parts) EXPECT_NE(message.find(p), std::string::npos) << "'" << p << "' not in: " << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << "message is not one line: " << message;
  }
}

}  // namespace

TEST(Safetensors, RoundTripsEveryDType) {
  TempDir dir;
  at::manual_seed(7);
  const std::vector<std::pair<std::string, at::Tensor>> tensors{
      {"f64", at::randn({3, 2}, at::kDouble)},
      {"f32", at::randn({4, 5}, at::kFloat)},
      {"f16", at::randn({7}, at::kFloat).to(at::kHalf)},
      {"bf16", at::randn({2, 3, 4}, at::kFloat).to(at::kBFloat16)},
      {"i64", at::arange(-5, 6, at::kLong)},
      {"i32", at::arange(-3, 3, at::kInt).reshape({2, 3})},
      {"i16", at::arange(-300, 300, 50, at::kShort)},
      {"i8", at::arange(-128, 128, 16, at::kChar)},
      {"u8", at::arange(0, 256, 32, at::kLong).to(at::kByte)},
      {"bool", at::arange(5, at::kLong).remainder(2).eq(0)},
      {"scalar", at::scalar_tensor(2.5, at::kFloat)},
      {"empty", at::zeros({0, 4}, at::kFloat)},
      {"transposed", at::arange(6, at::kFloat).reshape({2, 3}).t()},  // non-contiguous input
  };
  const std::string path = dir.file("model.safetensors");
  writeSafetensors(path, tensors, {{"format", "pt"}, {"note", "ünïcode"}});

  const auto file = SafetensorsFile::open(path);
  EXPECT_EQ(file->path(), path);
  ASSERT_EQ(file->tensors().size(), tensors.size());
  EXPECT_EQ(file->metadata().at("format"), "pt");
  EXPECT_EQ(file->metadata().at("note"), "ünïcode");
  const std::map<std::string, std::string> names{{"f64", "F64"}, {"f32", "F32"}, {"f16", "F16"}, {"bf16", "BF16"}, {"i64", "I64"},
                                                 {"i32", "I32"}, {"i16", "I16"}, {"i8", "I8"},   {"u8", "U8"},     {"bool", "BOOL"}};
  uint64_t bytes = 0;
  for (const auto& [name, original] : tensors) {
    const auto* info = file->find(name);
    ASSERT_NE(info, nullptr) << name;
    if (names.count(name)) EXPECT_EQ(info->dtypeName, names.at(name));
    EXPECT_EQ(info->dtype, original.scalar_type()) << name;
    EXPECT_EQ(info->shape, original.sizes().vec()) << name;
    EXPECT_EQ(info->byteSize(), static_cast<uint64_t>(original.numel() * original.element_size())) << name;
    bytes += info->byteSize();
    const at::Tensor loaded = file->load(name, at::kCPU);
    EXPECT_EQ(loaded.scalar_type(), original.scalar_type()) << name;
    EXPECT_TRUE(at::equal(loaded, original)) << name;
  }
  EXPECT_EQ(file->dataSize(), bytes);
  EXPECT_EQ((file->fileSize() - file->dataSize()) % 8, 0u) << "data section is not 8-byte aligned";
  // tensors() is sorted by name, which find() relies on.
  for (size_t i = 1; i < file->tensors().size(); ++i) EXPECT_LT(file->tensors()[i - 1].name, file->tensors()[i].name);
}

TEST(Safetensors, ConvertsDTypeOnLoad) {
  TempDir dir;
  const at::Tensor original = at::randn({16, 8}, at::kFloat).to(at::kBFloat16);
  writeSafetensors(dir.file("a.safetensors"), {{"w", original}, {"f", at::linspace(0, 1, 5, at::kFloat)}});
  const auto file = SafetensorsFile::open(dir.file("a.safetensors"));
  const at::Tensor asFloat = file->load("w", at::kCPU, at::kFloat);
  EXPECT_EQ(asFloat.scalar_type(), at::kFloat);
  EXPECT_TRUE(at::equal(asFloat, original.to(at::kFloat)));
  const at::Tensor asBf16 = file->load("f", at::kCPU, at::kBFloat16);
  EXPECT_EQ(asBf16.scalar_type(), at::kBFloat16);
  EXPECT_TRUE(at::equal(asBf16, at::linspace(0, 1, 5, at::kFloat).to(at::kBFloat16)));
}

TEST(Safetensors, CpuLoadSharesTheMappingCopyOnWrite) {
  TempDir dir;
  const std::string path = dir.file("a.safetensors");
  const at::Tensor original = at::arange(12, at::kFloat).reshape({3, 4});
  writeSafetensors(path, {{"w", original}});
  auto file = SafetensorsFile::open(path);
  at::Tensor first = file->load("w", at::kCPU);
  const at::Tensor second = file->load("w", at::kCPU);
  EXPECT_EQ(first.data_ptr(), second.data_ptr()) << "a CPU load without conversion must not copy";
  file.reset();  // the tensors keep the mapping alive
  EXPECT_TRUE(at::equal(first, original));
  first.add_(100);  // private pages: visible through this mapping only, never written to the file
  EXPECT_TRUE(at::equal(second, original + 100));
  EXPECT_TRUE(at::equal(SafetensorsFile::open(path)->load("w", at::kCPU), original));
}

TEST(Safetensors, LoadsTensorsAtUnalignedOffsets) {
  TempDir dir;
  // Header of 9 bytes -> data at file offset 17, so the F32 tensor is not 4-byte aligned in the mapping.
  const std::string header = R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"y":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})";
  std::string padded = header;
  while ((8 + padded.size()) % 4 != 1) padded += ' ';
  float values[3] = {1.5f, -2.25f, 3.0f};
  writeRaw(dir.file("u.safetensors"), padded, std::string(reinterpret_cast<const char*>(values), sizeof values));
  const auto file = SafetensorsFile::open(dir.file("u.safetensors"));
  const at::Tensor y = file->load("y", at::kCPU);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(y.data_ptr()) % 4, 0u);
  EXPECT_TRUE(at::equal(y, at::tensor({-2.25f, 3.0f})));
  EXPECT_TRUE(at::equal(file->load("x", at::kCPU, at::kDouble), at::tensor({1.5}, at::kDouble)));
}

TEST(Safetensors, LoadsToCudaWhenAvailable) {
  if (!at::hasCUDA()) GTEST_SKIP() << "no CUDA device";
  TempDir dir;
  const at::Tensor original = at::randn({64, 32}, at::kFloat);
  writeSafetensors(dir.file("g.safetensors"), {{"w", original.to(at::kBFloat16)}, {"b", original}});
  const auto file = SafetensorsFile::open(dir.file("g.safetensors"));
  const at::Tensor w = file->load("w", at::Device(at::kCUDA, 0));
  EXPECT_TRUE(w.is_cuda());
  EXPECT_EQ(w.scalar_type(), at::kBFloat16);
  EXPECT_TRUE(at::equal(w.cpu(), original.to(at::kBFloat16)));
  const at::Tensor b = file->load("b", at::Device(at::kCUDA, 0), at::kBFloat16);
  EXPECT_EQ(b.scalar_type(), at::kBFloat16);
  EXPECT_TRUE(at::equal(b.cpu(), original.to(at::kBFloat16)));
}

TEST(Safetensors, FindAndLoadOfAnAbsentTensor) {
  TempDir dir;
  writeSafetensors(dir.file("a.safetensors"), {{"w", at::ones({2})}});
  const auto file = SafetensorsFile::open(dir.file("a.safetensors"));
  EXPECT_EQ(file->find("nope"), nullptr);
  EXPECT_EQ(file->find("w")->name, "w");
  try {
    file->load("nope", at::kCPU);
    FAIL();
  } catch (const SafetensorsError& e) {
    EXPECT_NE(std::string(e.what()).find("'nope'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(dir.file("a.safetensors")), std::string::npos) << e.what();
  }
}

TEST(Safetensors, WriterIsAtomicAndRefusesDuplicates) {
  TempDir dir;
  const std::string path = dir.file("a.safetensors");
  writeSafetensors(path, {{"w", at::ones({2})}});
  writeSafetensors(path, {{"v", at::zeros({3})}});  // replaces the file
  const auto file = SafetensorsFile::open(path);
  EXPECT_EQ(file->find("w"), nullptr);
  ASSERT_NE(file->find("v"), nullptr);
  EXPECT_THROW(writeSafetensors(dir.file("b.safetensors"), {{"w", at::ones({2})}, {"w", at::ones({2})}}), SafetensorsError);
  EXPECT_THROW(writeSafetensors(dir.file("c.safetensors"), {{"z", at::ones({2}, at::kComplexFloat)}}), SafetensorsError);
  size_t entries = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) {
    ++entries;
    EXPECT_EQ(e.path().filename(), "a.safetensors") << "left behind: " << e.path();
  }
  EXPECT_EQ(entries, 1u);
}

TEST(SafetensorsCorruption, TruncatedFile) {
  TempDir dir;
  const std::string path = dir.file("t.safetensors");
  writeSafetensors(path, {{"layer.weight", at::ones({64}, at::kFloat)}});
  fs::resize_file(path, fs::file_size(path) - 10);
  expectRefused(path, {"'layer.weight'", "truncated"});
}

TEST(SafetensorsCorruption, HeaderLengthBeyondTheFile) {
  TempDir dir;
  writeRaw(dir.file("h.safetensors"), "{}", "", 1000);
  expectRefused(dir.file("h.safetensors"), {"header length", "1000", "truncated"});
  writeRaw(dir.file("big.safetensors"), "{}", "", 200ull * 1000 * 1000);
  expectRefused(dir.file("big.safetensors"), {"limit"});
  writeRaw(dir.file("empty.safetensors"), "", "", 0);
  fs::resize_file(dir.file("empty.safetensors"), 3);
  expectRefused(dir.file("empty.safetensors"), {"too short"});
}

TEST(SafetensorsCorruption, BadJson) {
  TempDir dir;
  writeRaw(dir.file("j.safetensors"), "{\n\"w\": {\"dtype\": \"F32\",,\n}}", "");
  expectRefused(dir.file("j.safetensors"), {"not valid JSON", "line 2, column 22 (byte 31)"});
  writeRaw(dir.file("notobj.safetensors"), "[1,2]", "");
  expectRefused(dir.file("notobj.safetensors"), {"'{'"});
}

TEST(SafetensorsCorruption, OffsetsOutOfRange) {
  TempDir dir;
  writeRaw(dir.file("o.safetensors"), R"({"proj.bias":{"dtype":"F32","shape":[100],"data_offsets":[0,400]}})", std::string(16, '\0'));
  expectRefused(dir.file("o.safetensors"), {"'proj.bias'", "[0, 400)", "16 bytes"});
  writeRaw(dir.file("r.safetensors"), R"({"proj.bias":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}})", std::string(16, '\0'));
  expectRefused(dir.file("r.safetensors"), {"'proj.bias'", "end before"});
}

TEST(SafetensorsCorruption, Overlap) {
  TempDir dir;
  writeRaw(dir.file("v.safetensors"),
           R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
           std::string(12, '\0'));
  expectRefused(dir.file("v.safetensors"), {"'b'", "overlap", "'a'"});
}

TEST(SafetensorsCorruption, GapsAndTrailingBytes) {
  TempDir dir;
  writeRaw(dir.file("g.safetensors"),
           R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
           std::string(12, '\0'));
  expectRefused(dir.file("g.safetensors"), {"'b'", "unused", "'a'"});
  writeRaw(dir.file("t.safetensors"), R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", std::string(9, '\0'));
  expectRefused(dir.file("t.safetensors"), {"'a'", "trailing"});
}

TEST(SafetensorsCorruption, WrongSize) {
  TempDir dir;
  writeRaw(dir.file("s.safetensors"), R"({"emb":{"dtype":"BF16","shape":[3,2],"data_offsets":[0,8]}})", std::string(8, '\0'));
  expectRefused(dir.file("s.safetensors"), {"'emb'", "holds 8 bytes", "[3,2]", "needs 12"});
}

TEST(SafetensorsCorruption, UnknownOrUnsupportedDType) {
  TempDir dir;
  writeRaw(dir.file("d.safetensors"), R"({"w":{"dtype":"F31","shape":[1],"data_offsets":[0,4]}})", std::string(4, '\0'));
  expectRefused(dir.file("d.safetensors"), {"'w'", "unknown dtype 'F31'"});
  writeRaw(dir.file("f4.safetensors"), R"({"w":{"dtype":"F4","shape":[2],"data_offsets":[0,1]}})", std::string(1, '\0'));
  expectRefused(dir.file("f4.safetensors"), {"'w'", "F4"});
  writeRaw(dir.file("f8.safetensors"), R"({"w":{"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]}})", std::string(4, '\0'));
  if (ll::infer::scalarTypeForSafetensors("F8_E4M3")) {
    EXPECT_EQ(SafetensorsFile::open(dir.file("f8.safetensors"))->find("w")->shape, std::vector<int64_t>{4});
  } else {
    expectRefused(dir.file("f8.safetensors"), {"'w'", "FP8", "BF16"});
  }
}

TEST(SafetensorsCorruption, BadShapes) {
  TempDir dir;
  writeRaw(dir.file("n.safetensors"), R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}})", "");
  expectRefused(dir.file("n.safetensors"), {"'w'", "negative"});
  writeRaw(dir.file("x.safetensors"),
           R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}})", "");
  expectRefused(dir.file("x.safetensors"), {"'w'", "overflow"});
  writeRaw(dir.file("m.safetensors"), R"({"w":{"dtype":"F32","data_offsets":[0,0]}})", "");
  expectRefused(dir.file("m.safetensors"), {"'w'", "shape"});
}

TEST(SafetensorsCorruption, DuplicateTensorName) {
  TempDir dir;
  writeRaw(dir.file("dup.safetensors"),
           R"({"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"w":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}})",
           std::string(2, '\0'));
  expectRefused(dir.file("dup.safetensors"), {"'w'", "twice"});
}
