// Names of finish reasons as they appear in reports and logs.
#include "core/infer/generation/generation_request.h"

namespace ll::infer {

const char* toString(FinishReason reason) {
  switch (reason) {
    case FinishReason::Stop: return "stop";
    case FinishReason::Length: return "length";
    case FinishReason::Repetition: return "repetition";
    case FinishReason::Cancelled: return "cancelled";
    case FinishReason::Error: return "error";
  }
  return "error";
}

}  // namespace ll::infer
