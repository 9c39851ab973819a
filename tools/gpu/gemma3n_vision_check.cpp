// GPU-machine check of core/models/gemma3n/vision_mobilenet against timm (dump from gemma3n_vision_check.py):
// loads the raw weights, runs float32 and bfloat16 on CUDA, prints max|ours - timm| / max|timm| per stage and
// the forward time per batch. Built by tools/gpu/CMakeLists.txt, run by tools/gpu/gemma3n_vision_check.sh.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "core/models/gemma3n/vision_mobilenet.h"

using ll::models::gemma3n::MobileNetV5Encoder;

static at::Tensor readRaw(const std::string& path, std::vector<int64_t> shape) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot open " + path);
  at::Tensor t = at::empty(shape, at::kFloat);
  f.read(reinterpret_cast<char*>(t.data_ptr<float>()), t.numel() * 4);
  return t;
}

int main(int argc, char** argv) {
  if (argc < 4) { std::cerr << "usage: DIR SIZE BATCH\n"; return 2; }
  const std::string dir = argv[1];
  const int64_t size = std::stoll(argv[2]), batch = std::stoll(argv[3]);
  std::map<std::string, at::Tensor> weights;
  {
    std::ifstream man(dir + "/weights.txt"), bin(dir + "/weights.bin", std::ios::binary);
    std::string line;
    while (std::getline(man, line)) {
      std::istringstream in(line);
      std::string name; in >> name;
      std::vector<int64_t> shape; int64_t d;
      while (in >> d) shape.push_back(d);
      at::Tensor t = at::empty(shape, at::kFloat);
      bin.read(reinterpret_cast<char*>(t.data_ptr<float>()), t.numel() * 4);
      weights[name] = t;
    }
  }
  at::globalContext().setFloat32MatmulPrecision("highest");
  at::globalContext().setAllowTF32CuDNN(false);
  const at::Tensor px = readRaw(dir + "/pixels.bin", {batch, 3, size, size});
  for (bool nhwc : {false, true})
  for (auto dtype : {at::kFloat, at::kBFloat16}) {
    auto enc = MobileNetV5Encoder::fromWeights(weights, at::kCUDA, dtype, 1e-6, nhwc);
    if (dtype == at::kFloat && !nhwc) std::cout << enc->describe() << "\n";
    std::printf("LAYOUT %s\n", nhwc ? "channels_last" : "NCHW");
    std::map<std::string, at::Tensor> debug;
    const auto first = std::chrono::steady_clock::now();
    const at::Tensor out = enc->forward(px, &debug);  // the debug copies wait for the GPU
    std::printf("FIRST %s batch %ld (this encoder's first forward, with the stage copies): %.2f ms\n",
                c10::toString(dtype), (long)batch,
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - first).count());
    for (const auto& [k, v] : debug) {
      const at::Tensor ref = readRaw(dir + "/" + k + ".bin", v.sizes().vec());
      const double err = (v - ref).abs().max().item<double>(), mx = ref.abs().max().item<double>();
      std::printf("PARITY %s %s %s maxabs=%.3e rel=%.3e\n", c10::toString(dtype), k.c_str(),
                  c10::str(v.sizes()).c_str(), err, err / mx);
    }
    for (int64_t b : {int64_t{1}, int64_t{8}, int64_t{3}}) {
      const at::Tensor x = at::rand({b, 3, size, size}, at::device(at::kCUDA));
      {
        // The first forward at a new batch size: cuDNN's engine choice (and any kernel it compiles at run time).
        x.sum().item<float>();
        const auto t0 = std::chrono::steady_clock::now();
        enc->forward(x).sum().item<float>();
        std::printf("FIRST %s batch %ld: %.2f ms\n", c10::toString(dtype), (long)b,
                    std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      }
      for (int i = 0; i < 3; ++i) enc->forward(x);
      enc->forward(x).sum().item<float>();  // a host read waits for the stream (no CUDA headers needed)
      const auto t0 = std::chrono::steady_clock::now();
      const int n = 10;
      at::Tensor last;
      for (int i = 0; i < n; ++i) last = enc->forward(x);
      last.sum().item<float>();
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / n;
      std::printf("TIME %s batch %ld: %.2f ms per forward (%.2f ms per image)\n", c10::toString(dtype), (long)b, ms,
                  ms / b);
    }
  }
  return 0;
}
