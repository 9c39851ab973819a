// tokenizer-bench: measures our Tokenizer on a text file (load time, encode MB/s for the whole file as one
// string and line by line, decode MB/s) and prints one JSON line, for tools/tokenizer/bench.sh to compare
// with Hugging Face's tokenizers (bench.js) on the same file.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "core/infer/tokenizer/tokenizer.h"

namespace {

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Process CPU time: on a shared, overloaded machine it is a steadier measure than wall time.
double cpuSeconds() { return double(std::clock()) / CLOCKS_PER_SEC; }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: tokenizer-bench TOKENIZER_JSON TEXT_FILE [REPEATS]\n";
    return 2;
  }
  const int repeats = argc > 3 ? std::max(1, std::atoi(argv[3])) : 3;
  std::ifstream in(argv[2], std::ios::binary);
  if (!in) {
    std::cerr << "tokenizer-bench: cannot read '" << argv[2] << "'\n";
    return 3;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  std::vector<std::string> lines;
  {
    std::istringstream ls(text);
    for (std::string line; std::getline(ls, line);) lines.push_back(line + "\n");
  }

  try {
    auto t0 = std::chrono::steady_clock::now();
    double c0 = cpuSeconds();
    const ll::infer::Tokenizer tokenizer = ll::infer::Tokenizer::fromFile(argv[1]);
    const double loadSeconds = secondsSince(t0), loadCpu = cpuSeconds() - c0;

    // Cold pass first (empty word cache), then the best of the warm passes.
    t0 = std::chrono::steady_clock::now();
    c0 = cpuSeconds();
    std::vector<int32_t> ids = tokenizer.encode(text, false);
    const double coldSeconds = secondsSince(t0), coldCpu = cpuSeconds() - c0;
    double wholeSeconds = coldSeconds, linesSeconds = 1e30, decodeSeconds = 1e30;
    size_t lineTokens = 0;
    double wholeCpu = 1e30;
    for (int r = 0; r < repeats; ++r) {
      t0 = std::chrono::steady_clock::now();
      c0 = cpuSeconds();
      ids = tokenizer.encode(text, false);
      wholeSeconds = std::min(wholeSeconds, secondsSince(t0));
      wholeCpu = std::min(wholeCpu, cpuSeconds() - c0);
      t0 = std::chrono::steady_clock::now();
      lineTokens = 0;
      for (const std::string& line : lines) lineTokens += tokenizer.encode(line, false).size();
      linesSeconds = std::min(linesSeconds, secondsSince(t0));
      t0 = std::chrono::steady_clock::now();
      const std::string decoded = tokenizer.decode(ids);
      decodeSeconds = std::min(decodeSeconds, secondsSince(t0));
      if (decoded.empty() && !text.empty()) throw std::runtime_error("decode returned nothing");
    }
    const double mb = double(text.size()) / 1e6;
    std::cout << "{\"impl\":\"layoutlens\",\"bytes\":" << text.size() << ",\"tokens\":" << ids.size()
              << ",\"line_tokens\":" << lineTokens << ",\"load_s\":" << loadSeconds << ",\"load_cpu_s\":" << loadCpu
              << ",\"encode_cold_cpu_mb_s\":" << mb / coldCpu << ",\"encode_cpu_mb_s\":" << mb / wholeCpu
              << ",\"encode_cold_mb_s\":" << mb / coldSeconds << ",\"encode_mb_s\":" << mb / wholeSeconds
              << ",\"encode_lines_mb_s\":" << mb / linesSeconds << ",\"decode_mb_s\":" << mb / decodeSeconds << "}"
              << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "tokenizer-bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
