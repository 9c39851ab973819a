#pragma once
// "[2, 3, 4]": how every weight loader names a tensor shape in its error messages.
#include <string>

#include <c10/util/ArrayRef.h>

namespace ll::infer {

inline std::string shapeText(c10::IntArrayRef shape) {
  std::string t = "[";
  for (size_t i = 0; i < shape.size(); ++i) t += (i ? ", " : "") + std::to_string(shape[i]);
  return t + "]";
}

}  // namespace ll::infer
