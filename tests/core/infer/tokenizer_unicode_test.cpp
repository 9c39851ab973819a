// The Unicode groundwork of the tokenizer: UTF-8 repair (must match what HF's bindings feed the reference
// tokenizer) and NFC (checked against a sample of the Unicode conformance file NormalizationTest.txt).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/infer/tokenizer/unicode_nfc.h"
#include "core/infer/tokenizer/utf8.h"

namespace {

using ll::infer::isNfcQuickCheckYes;
using ll::infer::toNfc;
namespace utf8 = ll::infer::utf8;

const std::string kFffd = "\xEF\xBF\xBD";

TEST(Utf8, ValidTextIsRecognisedAndKept) {
  const std::string text = "plain ASCII, é, 工程, 👍🏽";
  EXPECT_TRUE(utf8::isValid(text));
  EXPECT_EQ(utf8::repairLossy(text), text);
}

TEST(Utf8, RepairReplacesEachMaximalInvalidSubsequence) {
  // Expected values follow the WHATWG decoder / Rust from_utf8_lossy (Unicode "maximal subparts").
  EXPECT_EQ(utf8::repairLossy("a\x80" "b"), "a" + kFffd + "b");
  EXPECT_EQ(utf8::repairLossy("\xF0\x9F\x98"), kFffd);                    // truncated 4-byte sequence: one
  EXPECT_EQ(utf8::repairLossy("\xE2\x28\xA1"), kFffd + "(" + kFffd);      // bad second byte ends the subpart
  EXPECT_EQ(utf8::repairLossy("\xED\xA0\x80"), kFffd + kFffd + kFffd);    // encoded surrogate: three
  EXPECT_EQ(utf8::repairLossy("\xC0\xAF"), kFffd + kFffd);                // overlong form
  EXPECT_EQ(utf8::repairLossy("\xF4\x90\x80\x80"), kFffd + kFffd + kFffd + kFffd);  // above U+10FFFF
  EXPECT_FALSE(utf8::isValid("\xED\xA0\x80"));
  EXPECT_FALSE(utf8::isValid(std::string("abcdefgh\xC3", 9)));
}

TEST(Utf8, AppendEncodesEveryLength) {
  std::string s;
  for (char32_t cp : {U'A', U'\u00E9', U'\u20AC', U'\U0001F600'}) utf8::append(s, cp);
  EXPECT_EQ(s, "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
}

std::string fromHexCodePoints(const std::string& field) {
  std::istringstream in(field);
  std::string out, hex;
  while (in >> hex) utf8::append(out, char32_t(std::stoul(hex, nullptr, 16)));
  return out;
}

TEST(Nfc, MatchesUnicodeConformanceSample) {
  std::ifstream in(std::string(LAYOUTLENS_TEST_DATA_DIR) + "/tokenizer/nfc_cases.txt");
  ASSERT_TRUE(in) << "missing tests/fixtures/tokenizer/nfc_cases.txt";
  std::string line;
  int checked = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> c;
    std::istringstream fields(line);
    for (std::string f; std::getline(fields, f, ';');) c.push_back(fromHexCodePoints(f));
    ASSERT_GE(c.size(), 5u) << line;
    for (int i : {0, 1, 2}) EXPECT_EQ(toNfc(c[size_t(i)]), c[1]) << "NFC(c" << i + 1 << ") in: " << line;
    for (int i : {3, 4}) EXPECT_EQ(toNfc(c[size_t(i)]), c[3]) << "NFC(c" << i + 1 << ") in: " << line;
    // Text that passes the quick check must already be NFC.
    for (const std::string& s : c) {
      if (isNfcQuickCheckYes(s)) EXPECT_EQ(toNfc(s), s) << line;
    }
    ++checked;
  }
  EXPECT_GT(checked, 400);
}

TEST(Nfc, ComposesDecomposedTextInsideLongerStrings) {
  EXPECT_EQ(toNfc("cafe\xCC\x81 ok"), "caf\xC3\xA9 ok");                  // e + U+0301 -> é
  EXPECT_EQ(toNfc("\xE2\x84\xAB"), "\xC3\x85");                           // U+212B ANGSTROM SIGN -> Å
  EXPECT_EQ(toNfc("\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8"), "\xEA\xB0\x81");  // Hangul L V T -> 각
  EXPECT_TRUE(isNfcQuickCheckYes("ASCII, caf\xC3\xA9, \xE5\xB7\xA5\xE7\xA8\x8B"));
  EXPECT_FALSE(isNfcQuickCheckYes("cafe\xCC\x81"));
}

}  // namespace
