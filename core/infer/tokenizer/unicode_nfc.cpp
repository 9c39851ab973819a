// NFC per UAX #15: decompose canonically (Hangul algorithmically), put combining marks in canonical order,
// then compose starters with unblocked followers. Text that passes the quick check is returned unchanged,
// so ordinary input costs one table probe per non-ASCII character.
#include "core/infer/tokenizer/unicode_nfc.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/infer/tokenizer/unicode_nfc_tables.h"
#include "core/infer/tokenizer/utf8.h"

namespace ll::infer {

namespace {

namespace t = nfc_tables;

constexpr char32_t kHangulSBase = 0xAC00, kHangulLBase = 0x1100, kHangulVBase = 0x1161, kHangulTBase = 0x11A7;
constexpr char32_t kHangulLCount = 19, kHangulVCount = 21, kHangulTCount = 28;
constexpr char32_t kHangulNCount = kHangulVCount * kHangulTCount, kHangulSCount = kHangulLCount * kHangulNCount;

inline uint8_t combiningClass(char32_t cp) {
  if (cp >= 0x110000) return 0;
  return t::kCccStage2[size_t(t::kCccStage1[cp >> 8]) * 256 + (cp & 0xFF)];
}

inline bool isUnstable(char32_t cp) {
  if (cp >= 0x110000) return false;
  return (t::kUnstableStage2[size_t(t::kUnstableStage1[cp >> 8]) * 32 + ((cp & 0xFF) >> 3)] >> (cp & 7)) & 1;
}

void appendDecomposition(char32_t cp, std::vector<char32_t>& out) {
  if (cp >= kHangulSBase && cp < kHangulSBase + kHangulSCount) {
    const char32_t s = cp - kHangulSBase;
    out.push_back(kHangulLBase + s / kHangulNCount);
    out.push_back(kHangulVBase + (s % kHangulNCount) / kHangulTCount);
    if (s % kHangulTCount) out.push_back(kHangulTBase + s % kHangulTCount);
    return;
  }
  const uint32_t* begin = t::kDecompositionCodePoints;
  const uint32_t* end = begin + t::kDecompositionCount;
  const uint32_t* it = std::lower_bound(begin, end, uint32_t(cp));
  if (it == end || *it != cp) {
    out.push_back(cp);
    return;
  }
  const size_t i = size_t(it - begin);
  out.insert(out.end(), t::kDecompositionData + t::kDecompositionOffsets[i],
             t::kDecompositionData + t::kDecompositionOffsets[i + 1]);
}

// The primary composite of (first, second), or 0 when there is none.
char32_t compose(char32_t first, char32_t second) {
  if (first >= kHangulLBase && first < kHangulLBase + kHangulLCount && second >= kHangulVBase &&
      second < kHangulVBase + kHangulVCount) {
    return kHangulSBase + ((first - kHangulLBase) * kHangulVCount + (second - kHangulVBase)) * kHangulTCount;
  }
  if (first >= kHangulSBase && first < kHangulSBase + kHangulSCount && (first - kHangulSBase) % kHangulTCount == 0 &&
      second > kHangulTBase && second < kHangulTBase + kHangulTCount) {
    return first + (second - kHangulTBase);
  }
  const uint64_t key = (uint64_t(first) << 21) | second;
  const uint64_t* begin = t::kCompositionKeys;
  const uint64_t* end = begin + t::kCompositionCount;
  const uint64_t* it = std::lower_bound(begin, end, key);
  return it != end && *it == key ? t::kCompositionValues[it - begin] : 0;
}

}  // namespace

bool isNfcQuickCheckYes(std::string_view s) {
  // Everything below U+0300 is stable (no combining marks, no excluded forms), so only lead bytes >= 0xCC
  // need a look-up.
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0xCC) {
      i += b < 0x80 ? 1 : 2;
      continue;
    }
    size_t length;
    const char32_t cp = utf8::decodeValid(s.data() + i, length);
    if (isUnstable(cp)) return false;
    i += length;
  }
  return true;
}

std::string toNfc(std::string_view s) {
  // Only the part from the last starter before the first unstable character onwards can change.
  size_t firstUnstable = s.size(), lastStableStart = 0;
  for (size_t i = 0; i < s.size();) {
    size_t length;
    const char32_t cp = utf8::decodeValid(s.data() + i, length);
    if (isUnstable(cp)) {
      firstUnstable = i;
      break;
    }
    lastStableStart = i;
    i += length;
  }
  if (firstUnstable == s.size()) return std::string(s);
  const size_t from = firstUnstable == 0 ? 0 : lastStableStart;

  std::vector<char32_t> cps;
  cps.reserve(s.size() - from);
  for (size_t i = from; i < s.size();) {
    size_t length;
    appendDecomposition(utf8::decodeValid(s.data() + i, length), cps);
    i += length;
  }
  // Canonical ordering: stable insertion sort of every run of non-starters by combining class.
  for (size_t i = 1; i < cps.size(); ++i) {
    const uint8_t c = combiningClass(cps[i]);
    if (c == 0) continue;
    size_t j = i;
    while (j > 0) {
      const uint8_t p = combiningClass(cps[j - 1]);
      if (p == 0 || p <= c) break;
      std::swap(cps[j], cps[j - 1]);
      --j;
    }
  }
  // Composition (UAX #15 reference algorithm).
  std::vector<char32_t> out;
  out.reserve(cps.size());
  size_t starter = 0;
  bool haveStarter = false;
  int lastClass = 0;
  for (char32_t cp : cps) {
    const int cls = combiningClass(cp);
    if (haveStarter && (lastClass < cls || lastClass == 0)) {
      // lastClass == 0 here means the previous character is the starter itself (adjacent).
      if (lastClass != 0 || out.size() - 1 == starter) {
        if (const char32_t composite = compose(out[starter], cp)) {
          out[starter] = composite;
          continue;
        }
      }
    }
    if (cls == 0) {
      starter = out.size();
      haveStarter = true;
    }
    lastClass = cls;
    out.push_back(cp);
  }
  std::string result(s.substr(0, from));
  result.reserve(s.size() + 8);
  for (char32_t cp : out) utf8::append(result, cp);
  return result;
}

}  // namespace ll::infer
