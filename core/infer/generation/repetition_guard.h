#pragma once
// Stops a sequence that has fallen into a loop (a layout model repeating one table row for the rest
// of its token budget is the common failure) without tripping on legitimate repeats such as runs of
// empty table cells `<td></td>`: the caller lists such units as token-id sequences and a loop whose
// repeating unit is made of one of them is allowed.
#include <cstdint>
#include <vector>

namespace ll::infer {

struct RepetitionGuardConfig {
  // Longest repeating unit looked for, in tokens; 0 disables the guard.
  int maxNgram = 0;
  // The guard trips when the generated text ends with the same unit repeated this many times in a row.
  int minRepeats = 8;
  // Units (token-id sequences) whose repetition is legitimate; a loop whose unit is one of these, any
  // rotation of it, or several copies of it, does not trip the guard.
  std::vector<std::vector<int64_t>> exemptUnits;
};

class RepetitionGuard {
 public:
  explicit RepetitionGuard(RepetitionGuardConfig config);
  bool enabled() const { return config_.maxNgram > 0 && config_.minRepeats > 1; }
  // Checks the end of `tokens` (the generated tokens so far); true when a non-exempt loop is found.
  bool tripped(const std::vector<int64_t>& tokens) const;

 private:
  bool exempt(const int64_t* unit, int length) const;
  RepetitionGuardConfig config_;
};

}  // namespace ll::infer
