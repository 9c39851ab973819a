// How far the layout step's decode attention (our tensor-core split-KV kernel and its merge,
// core/infer/split_kv_decode_kernel.cu, compiled into this probe as it is) is from the floor of the bytes it
// reads, and where the difference goes -- measured before anyone rewrites it (docs/decode-megakernel.md, the
// end). dots.ocr's layout decoder shape: 2 KV heads of 128 with 6 query heads each, ~5,500 keys a slot in a
// slot-major cache of 8,192 rows, 28 layers each over its own cache (nothing from the L2), each a CUDA graph:
//  - the attention as the decoder runs it (kernel + merge), and the kernel alone;
//  - the same blocks (grid, slices, two a SM) streaming exactly their slices' K and V rows and nothing else:
//    what the static partition and the cache layout cost without any arithmetic;
//  - every byte the attention reads, streamed by a grid-stride kernel: the floor.
// No libtorch. tools/gpu/attention_probe.sh builds and runs it.
#include "core/infer/split_kv_decode_kernel.cu"

#include <cmath>
#include <cstring>
#include <vector>

#include "tools/gpu/probe_support.cuh"

// What runtime_options.cpp and cuda_kernels.cu define for the product (with libtorch): here every switch keeps
// the product's default, so the probe measures what the decoders run.
namespace ll::infer {
bool switchedOffByEnvironment(const char*) { return false; }
namespace kernels {
bool programmaticLaunchEnabled(const void*) { return true; }  // built for sm_90 only
}  // namespace kernels
}  // namespace ll::infer

namespace {
using ll::infer::kernels::SplitKvDecodeArgs;
using bf16 = __nv_bfloat16;
constexpr int kLayers = 28, kKvHeads = 2, kGroup = 6, kD = 128, kCacheRows = 8192;

// Block (split, head, slot) reads its slice's K and V rows of its head, as the attention kernel's grid does,
// with the same shared memory (two blocks a SM) and nothing else.
__global__ void __launch_bounds__(128, 2) slicedStreamKernel(const bf16* keys, const bf16* values, const int64_t* lengths,
                                                              int splits, unsigned* sink) {
  extern __shared__ unsigned char unused[];
  const int split = blockIdx.x, h = blockIdx.y, s = blockIdx.z;
  const int64_t len = lengths[s], per = (len + splits - 1) / splits, begin = split * per;
  const int64_t end = begin + per < len ? begin + per : len;
  uint4 acc = make_uint4(0, 0, 0, 0);
  // 16 lanes a 256-byte row, 8 rows a block at a time; kBatch of those issued before any is used (32 KB of K
  // and V in flight a block, as many as the attention kernel's two stages), so the loads' latency is hidden.
  constexpr int kBatch = 8;
  for (int64_t r0 = begin + threadIdx.x / 16; r0 < end; r0 += 8 * kBatch) {
    uint4 k[kBatch], v[kBatch];
#pragma unroll
    for (int i = 0; i < kBatch; ++i) {
      const int64_t r = r0 + 8 * i;
      const int64_t at = ((s * int64_t(kCacheRows) + r) * kKvHeads + h) * kD + (threadIdx.x % 16) * 8;
      k[i] = v[i] = make_uint4(0, 0, 0, 0);
      if (r < end) {
        k[i] = __ldcs(reinterpret_cast<const uint4*>(keys + at));
        v[i] = __ldcs(reinterpret_cast<const uint4*>(values + at));
      }
    }
#pragma unroll
    for (int i = 0; i < kBatch; ++i) acc.x ^= k[i].x ^ v[i].x, acc.y ^= k[i].y ^ v[i].y;
  }
  if ((acc.x ^ acc.y) == 0x12345678u) *sink = unused[0];
}

// Every slot's first `length` rows of K and V (both heads), grid-stride within a slot (blockIdx.y): the bytes
// and nothing else.
__global__ void floorStreamKernel(const bf16* keys, const bf16* values, const int64_t* lengths, unsigned* sink) {
  uint4 acc = make_uint4(0, 0, 0, 0);
  constexpr int64_t kRowVectors = kKvHeads * kD / 8;
  const int s = blockIdx.y;
  const int64_t n = lengths[s] * kRowVectors;
  const uint4* k = reinterpret_cast<const uint4*>(keys + s * int64_t(kCacheRows) * kKvHeads * kD);
  const uint4* v = reinterpret_cast<const uint4*>(values + s * int64_t(kCacheRows) * kKvHeads * kD);
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const uint4 a = __ldcs(k + i), b = __ldcs(v + i);
    acc.x ^= a.x ^ b.x;
    acc.y ^= a.y ^ b.y;
  }
  if ((acc.x ^ acc.y) == 0x12345678u) *sink = 1;
}

}  // namespace

int main() {
  int device = 0, sms = 0;
  CHECK(cudaGetDevice(&device));
  CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
  cudaDeviceProp prop;
  CHECK(cudaGetDeviceProperties(&prop, device));
  std::printf("device: %s, %d SMs; %d layers, %d KV heads of %d, %d query heads each, %d cache rows a slot\n", prop.name,
              sms, kLayers, kKvHeads, kD, kGroup, kCacheRows);
  const size_t cacheElems = size_t(16 + 2) * kCacheRows * kKvHeads * kD;  // up to 18 slots
  std::vector<bf16*> keys(kLayers), values(kLayers);
  for (int l = 0; l < kLayers; ++l) {
    keys[l] = alloc<bf16>(cacheElems);
    values[l] = alloc<bf16>(cacheElems);
    fillRandom(keys[l], cacheElems, 11u + l, 1.f);
    fillRandom(values[l], cacheElems, 97u + l, 1.f);
  }
  const int maxSlots = 18, hq = kKvHeads * kGroup;
  bf16* q = alloc<bf16>(size_t(maxSlots) * hq * kD);
  bf16* out = alloc<bf16>(size_t(maxSlots) * hq * kD);
  fillRandom(q, size_t(maxSlots) * hq * kD, 5u, 1.f);
  int64_t* lengths = alloc<int64_t>(maxSlots);
  float* partialOut = alloc<float>(size_t(maxSlots) * hq * 64 * kD);
  float* partialMax = alloc<float>(size_t(maxSlots) * hq * 64);
  float* partialSum = alloc<float>(size_t(maxSlots) * hq * 64);
  unsigned* sink = alloc<unsigned>(1);
  cudaStream_t stream;
  CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));

  for (int slots : {8, 18}) {
    std::vector<int64_t> host(slots);
    double bytes = 0;  // K and V rows of both heads a layer
    for (int s = 0; s < slots; ++s) {
      host[s] = 5500 + (s * 137) % 700 - 350;  // ragged, as pages' lengths are
      bytes += 2.0 * host[s] * kKvHeads * kD * sizeof(bf16);
    }
    CHECK(cudaMemcpy(lengths, host.data(), sizeof(int64_t) * slots, cudaMemcpyHostToDevice));
    const int splits = ll::infer::kernels::splitKvDecodeTensorCoreSplits(slots, kKvHeads, kCacheRows, device, kD);
    auto args = [&](int l) {
      SplitKvDecodeArgs a;
      a.q = q;
      a.keys = keys[l];
      a.values = values[l];
      a.keyLengths = lengths;
      a.slots = slots, a.rows = kCacheRows, a.kvHeads = kKvHeads, a.group = kGroup, a.headDim = kD;
      a.scale = 1.f / std::sqrt(float(kD));
      a.splits = splits;
      a.out = out;
      a.partialOut = partialOut, a.partialMax = partialMax, a.partialSum = partialSum;
      return a;
    };
    auto check = [](const char* e) {
      if (e) {
        std::fprintf(stderr, "launch: %s\n", e);
        std::exit(1);
      }
    };
    auto time = [&](auto&& body) {
      cudaGraph_t graph;
      CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
      for (int l = 0; l < kLayers; ++l) body(l);
      CHECK(cudaStreamEndCapture(stream, &graph));
      cudaGraphExec_t exec;
      CHECK(cudaGraphInstantiate(&exec, graph, 0));
      const float us = replayMicroseconds(exec, stream, 50) / kLayers;
      CHECK(cudaGraphExecDestroy(exec));
      CHECK(cudaGraphDestroy(graph));
      return us;
    };
    const size_t sliceShared = ll::infer::kernels::tc::Shape<kD>::kSharedBytes;
    CHECK(cudaFuncSetAttribute(slicedStreamKernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(sliceShared)));
    for (int round = 0; round < 2; ++round) {
      const float both = time([&](int l) { check(ll::infer::kernels::splitKvDecodeTensorCores(args(l), stream)); });
      const float kernel = time([&](int l) {
        check(ll::infer::kernels::launchTensorCoreKernel<kD, false>(args(l), stream));
      });
      const float sliced = time([&](int l) {
        slicedStreamKernel<<<dim3(splits, kKvHeads, slots), 128, sliceShared, stream>>>(keys[l], values[l], lengths, splits, sink);
      });
      const float floor = time([&](int l) {
        floorStreamKernel<<<dim3((sms * 4 + slots - 1) / slots, slots), 512, 0, stream>>>(keys[l], values[l], lengths, sink);
      });
      CHECK(cudaGetLastError());
      auto rate = [&](float us) { return bytes / us / 1e6; };
      std::printf("  %2d slots (%d slices, %.1f MB a layer) round %d: attention + merge %.1f us a layer (%.2f TB/s), kernel alone %.1f "
                  "(merge %.1f), its slices streamed without arithmetic %.1f (%.2f TB/s), the bytes streamed %.1f (%.2f TB/s)\n",
                  slots, splits, bytes / 1e6, round, both, rate(both), kernel, both - kernel, sliced, rate(sliced), floor, rate(floor));
    }
  }
  return 0;
}
