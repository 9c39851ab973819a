#pragma once
// The environment switches of our speed-ups (A/B runs), in a header without torch or CUDA: the .cu files read
// them too. Defined in runtime_options.cpp.

namespace ll::infer {

// Whether the environment variable `name` switches a speed-up off ("0" or "off"), e.g. LAYOUTLENS_CUDA_GRAPHS
// or LAYOUTLENS_FUSED_KERNELS for A/B runs. Unset or any other value: on.
bool switchedOffByEnvironment(const char* name);

// Whether the environment variable `name` switches an option on ("1" or "on") that is off by default.
bool switchedOnByEnvironment(const char* name);

}  // namespace ll::infer
