// Classification of failures that the scheduler recovers from (see causal_lm.h).
#include "core/infer/causal_lm.h"

#include <c10/util/Exception.h>

#include <cstring>

namespace ll::infer {

bool isOutOfMemoryError(const std::exception& e) {
  if (dynamic_cast<const c10::OutOfMemoryError*>(&e) != nullptr) return true;
  const char* what = e.what();
  return what != nullptr && (std::strstr(what, "out of memory") != nullptr || std::strstr(what, "Out of memory") != nullptr);
}

}  // namespace ll::infer
