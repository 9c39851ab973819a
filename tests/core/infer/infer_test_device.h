#pragma once
// Device and dtype for the inference tests: CPU/float32 by default (CI), overridden on the GPU
// machine with LAYOUTLENS_TEST_DEVICE=cuda and LAYOUTLENS_TEST_DTYPE=bfloat16 (tools/gpu/check_infer.sh).
#include <cstdlib>
#include <string>

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include "core/infer/runtime_options.h"

namespace ll::testing {

inline c10::Device testDevice() {
  const char* env = std::getenv("LAYOUTLENS_TEST_DEVICE");
  return ll::infer::resolveDevice(ll::infer::parseDeviceChoice(env && *env ? env : "cpu"));
}

inline c10::ScalarType testDType() {
  const char* env = std::getenv("LAYOUTLENS_TEST_DTYPE");
  return ll::infer::parseDType(env && *env ? env : "float32");
}

inline bool testIsFloat32() { return testDType() == c10::ScalarType::Float; }

}  // namespace ll::testing
