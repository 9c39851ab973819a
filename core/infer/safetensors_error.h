#pragma once
// The one error type of the checkpoint readers. It lives in its own torch-free header so that code which
// only reports checkpoint problems (the CLI, the pipeline) can catch it without pulling in ATen.
#include <stdexcept>
#include <string>

namespace ll::infer {

// Every message names the file (and the tensor, where one is involved) and says what to do.
class SafetensorsError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace ll::infer
