// Loop detection on the tail of the generated tokens; O(maxNgram * minRepeats) per call.
#include "core/infer/generation/repetition_guard.h"

#include <stdexcept>
#include <utility>

namespace ll::infer {

RepetitionGuard::RepetitionGuard(RepetitionGuardConfig config) : config_(std::move(config)) {
  if (config_.maxNgram < 0 || config_.minRepeats < 0)
    throw std::invalid_argument("repetition guard: n-gram size and repeat count must not be negative");
  for (const auto& u : config_.exemptUnits)
    if (u.empty()) throw std::invalid_argument("repetition guard: an exempt unit is empty");
}

bool RepetitionGuard::tripped(const std::vector<int64_t>& tokens) const {
  if (!enabled()) return false;
  const auto n = static_cast<int64_t>(tokens.size());
  for (int p = 1; p <= config_.maxNgram; ++p) {
    const int64_t span = static_cast<int64_t>(p) * config_.minRepeats;
    if (span > n) break;
    const int64_t start = n - span;
    bool periodic = true;
    for (int64_t i = start + p; i < n && periodic; ++i) periodic = tokens[i] == tokens[i - p];
    if (periodic && !exempt(tokens.data() + n - p, p)) return true;
  }
  return false;
}

// A unit of length p is exempt when it is a rotation of E repeated p/|E| times for an exempt E: the
// tail of a `<td></td>` run can start anywhere inside the cell, and a period found may span cells.
bool RepetitionGuard::exempt(const int64_t* unit, int p) const {
  for (const auto& e : config_.exemptUnits) {
    const int m = static_cast<int>(e.size());
    if (p % m != 0) continue;
    for (int shift = 0; shift < m; ++shift) {
      bool match = true;
      for (int i = 0; i < p && match; ++i) match = unit[i] == e[(i + shift) % m];
      if (match) return true;
    }
  }
  return false;
}

}  // namespace ll::infer
