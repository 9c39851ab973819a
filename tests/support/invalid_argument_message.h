#pragma once
// The message of the std::invalid_argument that f() throws, or "<no exception>": for tests that check a
// loader names what is wrong (which tensor, which shape) rather than only that it refused.
#include <functional>
#include <stdexcept>
#include <string>

namespace ll::testing {

inline std::string messageOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "<no exception>";
}

}  // namespace ll::testing
