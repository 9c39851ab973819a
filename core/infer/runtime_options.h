#pragma once
// Device and dtype choices as the reference pipeline names them (`device_map`, `torch_dtype`,
// `attn_impl`), parsed once here so every layer agrees on spelling and defaults.
#include <string>

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include "core/infer/environment_switch.h"  // switchedOffByEnvironment, for the users of this header

namespace ll::infer {

enum class DeviceChoice { Auto, Cuda, Cpu };
enum class AttentionImpl { FlashAttention2, Sdpa, Eager };

// Throws std::invalid_argument naming the accepted values.
DeviceChoice parseDeviceChoice(const std::string& name);       // "auto" | "cuda" | "cpu"
c10::ScalarType parseDType(const std::string& name);          // "bfloat16" | "float16" | "float32" (and bf16/fp16/fp32)
AttentionImpl parseAttentionImpl(const std::string& name);    // "flash_attention_2" | "sdpa" | "eager"
std::string toString(DeviceChoice d);
std::string toString(AttentionImpl a);
std::string dtypeName(c10::ScalarType t);                      // "bfloat16" ...

// auto -> CUDA device 0 when libtorch sees a GPU, else CPU. cuda without a GPU throws with a hint.
c10::Device resolveDevice(DeviceChoice choice);

// resolveDevice(parseDeviceChoice(name)), and also "cuda:N" for the N-th GPU (one worker per GPU:
// `layoutlens-cli run --gpus`). Throws std::invalid_argument / std::runtime_error naming what is wrong
// (an unknown name, no CUDA, N not among the GPUs libtorch sees).
c10::Device resolveDeviceName(const std::string& name);

// How many CUDA GPUs this libtorch sees (0 without CUDA).
int cudaDeviceCount();

// ATen's intra-op threads for inference on the CPU. Debian's and pip's libtorch start with ONE unless the
// process sets a count (at::get_num_threads() is 1 on a 2-core Debian 12 host and on a 16-core GPU host), so
// every elementwise op and reduction of a CPU run used one core. Sets LAYOUTLENS_CPU_THREADS when that is a
// positive number, else leaves a count chosen with OMP_NUM_THREADS alone, else uses every hardware thread.
// Returns the count in effect. ATen's setting is process-wide; the model engine calls this before it loads
// models for the CPU.
int useHostCoresForInference();

// Half precision on a CPU is slow or unsupported for some ops; the reference falls back to float32
// there. Returns the dtype to use on `device` and, when it differs from `requested`, why.
// One line for logs and `--version`: the libtorch this binary runs on and the CUDA devices it sees, e.g.
// "libtorch 1.13.0, CPU only (this libtorch has no CUDA)" or "libtorch 2.11.0, CUDA: 1 GPU". Users who
// installed a CUDA libtorch check here that it is the one being used.
std::string describeRuntime();

c10::ScalarType effectiveDType(c10::ScalarType requested, const c10::Device& device, std::string* why = nullptr);

}  // namespace ll::infer
