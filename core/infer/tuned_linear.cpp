#include "core/infer/tuned_linear.h"

#include <ATen/ATen.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>

#include "core/infer/runtime_options.h"

#if defined(LL_INFER_CUDA_KERNELS) && __has_include(<c10/cuda/CUDAStream.h>) && __has_include(<ATen/cuda/CUDAEvent.h>)
#include <ATen/cuda/CUDAEvent.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime_api.h>

#include "core/infer/tuned_gemm_lt.h"
#define LL_TUNED_GEMM 1
#endif

namespace ll::infer {
namespace {

std::mutex& stateMutex() {
  static std::mutex m;
  return m;
}
std::vector<TunedLinearChoice>& choices() {
  static std::vector<TunedLinearChoice> c;
  return c;
}

#ifdef LL_TUNED_GEMM
constexpr uint64_t kWorkspaceBytes = 32ull << 20;  // split-K candidates need some; fixed so graphs can keep it
constexpr int64_t kFlushBytes = 64ll << 20;         // more than an H100's or H200's 50-60 MB of L2
constexpr int kCandidates = 16, kReps = 8;

int alignmentOf(const void* p) {
  const auto a = reinterpret_cast<std::uintptr_t>(p);
  int al = 256;
  while (al > 1 && a % static_cast<std::uintptr_t>(al) != 0) al /= 2;
  return al;
}

struct DeviceBuffers {
  at::Tensor workspace, flush;
};
DeviceBuffers& buffersFor(const at::Device& device) {  // under stateMutex; allocated outside graph capture
  static std::map<int, DeviceBuffers> buffers;
  DeviceBuffers& b = buffers[device.index()];
  if (!b.workspace.defined()) {
    const auto bytes = at::TensorOptions().dtype(at::kByte).device(device);
    b.workspace = at::empty({static_cast<int64_t>(kWorkspaceBytes)}, bytes);
    b.flush = at::empty({kFlushBytes}, bytes);
  }
  return b;
}

enum class Route { Aten, Lt };
using Key = std::tuple<int, int64_t, int64_t, int64_t, int64_t, bool, int, int, int>;
std::map<Key, Route>& routes() {
  static std::map<Key, Route> r;
  return r;
}

bool capturing(cudaStream_t stream) {
  cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
  return cudaStreamIsCapturing(stream, &status) != cudaSuccess || status != cudaStreamCaptureStatusNone;
}

// Mean time of `run` with the L2 cache overwritten before each run, in microseconds.
double timeMicros(const c10::cuda::CUDAStream& stream, at::Tensor& flush, const std::function<void()>& run) {
  run();  // warm: first-call costs stay out
  float total = 0.f;
  for (int i = 0; i < kReps; ++i) {
    flush.fill_(i);
    at::cuda::CUDAEvent start(cudaEventDefault), end(cudaEventDefault);
    start.record(stream);
    run();
    end.record(stream);
    end.synchronize();
    total += start.elapsed_time(end);
  }
  return 1000.0 * total / kReps;
}

bool tunedRouteFits(const at::Tensor& x, const at::Tensor& w, const at::Tensor& bias) {
  static const bool wanted = !switchedOffByEnvironment("LAYOUTLENS_TUNED_GEMM");
  if (!wanted || !x.defined() || !x.is_cuda() || x.scalar_type() != at::kBFloat16 || x.dim() != 2 || !w.defined() ||
      w.dim() != 2 || w.scalar_type() != at::kBFloat16 || w.device() != x.device() || !w.is_contiguous())
    return false;
  const int64_t m = x.size(0), k = x.size(1), n = w.size(0);
  if (m < 1 || m > kTunedLinearMaxRows || w.size(1) != k || k % 8 != 0 || n % 8 != 0 || x.stride(1) != 1 ||
      x.stride(0) < k || x.stride(0) % 8 != 0)
    return false;
  if (bias.defined() && (bias.dim() != 1 || bias.size(0) != n || bias.scalar_type() != at::kBFloat16 ||
                         bias.device() != x.device() || !bias.is_contiguous()))
    return false;
  return kernels::ltAvailable();
}

// Times at::linear and each cuBLASLt candidate whose output agrees with it; keeps the fastest if it wins.
Route decide(const kernels::LtGemm& g, const at::Tensor& x, const at::Tensor& w, const at::Tensor& bias,
             const c10::cuda::CUDAStream& stream) {
  TunedLinearChoice c;
  c.device = x.device().index();
  c.m = g.m, c.n = g.n, c.k = g.k, c.bias = g.bias;
  DeviceBuffers& buffers = buffersFor(x.device());
  int count = 0;
  if (kernels::ltPrepare(g, kWorkspaceBytes, kCandidates, &count) != nullptr) count = 0;
  c.candidates = count;
  const at::Tensor want = at::linear(x, w, bias).to(at::kFloat);
  const double tolerance = want.abs().max().item<double>() / 64.0 + 1e-3;  // far above summation-order noise
  c.atenMicros = timeMicros(stream, buffers.flush, [&] { (void)at::linear(x, w, bias); });
  at::Tensor y = at::empty({g.m, g.n}, x.options());
  auto run = [&](int i) {
    return kernels::ltRun(g, i, x.data_ptr(), w.data_ptr(), bias.defined() ? bias.data_ptr() : nullptr, y.data_ptr(),
                          buffers.workspace.data_ptr(), kWorkspaceBytes, stream.stream());
  };
  int best = -1;
  double bestMicros = std::numeric_limits<double>::infinity();
  for (int i = 0; i < count; ++i) {
    if (run(i) != nullptr) continue;
    if ((y.to(at::kFloat) - want).abs().max().item<double>() > tolerance) continue;  // a candidate that computes otherwise
    const double t = timeMicros(stream, buffers.flush, [&] { (void)run(i); });
    if (t < bestMicros) bestMicros = t, best = i;
  }
  c.bestMicros = best >= 0 ? bestMicros : 0.0;
  c.tuned = best >= 0 && bestMicros < 0.97 * c.atenMicros && kernels::ltChoose(g, best) == nullptr;
  choices().push_back(c);
  if (std::getenv("LAYOUTLENS_GEMM_LOG")) std::fprintf(stderr, "LayoutLens GEMM %s\n", describe(c).c_str());
  return c.tuned ? Route::Lt : Route::Aten;
}
#endif

}  // namespace

at::Tensor linear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& bias) {
#ifdef LL_TUNED_GEMM
  if (tunedRouteFits(x, w, bias)) {
    kernels::LtGemm g;
    g.m = x.size(0), g.n = w.size(0), g.k = x.size(1), g.xStride = x.stride(0), g.bias = bias.defined();
    g.alignX = alignmentOf(x.data_ptr()), g.alignW = alignmentOf(w.data_ptr());
    c10::cuda::CUDAGuard guard(x.device());
    const c10::cuda::CUDAStream stream = c10::cuda::getCurrentCUDAStream(x.device().index());
    at::Tensor y = at::empty({g.m, g.n}, x.options());
    g.alignY = alignmentOf(y.data_ptr());
    std::lock_guard<std::mutex> lock(stateMutex());
    const Key key{x.device().index(), g.m, g.n, g.k, g.xStride, g.bias, g.alignX, g.alignW, g.alignY};
    auto it = routes().find(key);
    if (it == routes().end()) {
      if (capturing(stream.stream())) return at::linear(x, w, bias);  // decided at the next call outside a capture
      it = routes().emplace(key, decide(g, x, w, bias, stream)).first;
    }
    if (it->second == Route::Lt) {
      const DeviceBuffers& buffers = buffersFor(x.device());
      if (const char* e = kernels::ltRun(g, -1, x.data_ptr(), w.data_ptr(), bias.defined() ? bias.data_ptr() : nullptr,
                                         y.data_ptr(), buffers.workspace.data_ptr(), kWorkspaceBytes, stream.stream()))
        throw std::runtime_error(std::string("tuned GEMM: ") + e);
      return y;
    }
  }
#endif
  return at::linear(x, w, bias);
}

std::vector<TunedLinearChoice> tunedLinearChoices() {
  std::lock_guard<std::mutex> lock(stateMutex());
  return choices();
}

std::string describe(const TunedLinearChoice& c) {
  std::ostringstream s;
  s.precision(3);
  s << "cuda:" << c.device << " " << c.m << "x" << c.n << "x" << c.k << (c.bias ? "+bias" : "") << ": at::linear "
    << c.atenMicros << " us, cuBLASLt best of " << c.candidates << " " << c.bestMicros << " us -> "
    << (c.tuned ? "cuBLASLt" : "at::linear");
  return s.str();
}

}  // namespace ll::infer
