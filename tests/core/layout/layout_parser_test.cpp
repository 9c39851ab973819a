// LayoutParser: valid output is used as written; damaged output (cut off, looping, badly escaped,
// wrapped, garbage) is repaired where the reference cleaner would, never crashes, never loses the raw text.
#include "core/layout/layout_parser.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

namespace {

using namespace ll::layout;
using nlohmann::json;

std::string readFixture(const std::string& name) {
  std::ifstream in(std::string(LAYOUTLENS_TEST_DATA_DIR) + "/layout/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The fixture re-serialised as "[cell, cell, ...]" with the byte offset where each cell ends, so a test
// knows exactly which cells are complete in any prefix.
struct Serialised {
  std::string text;
  std::vector<size_t> cellEnds;
  json cells;
};

Serialised serialisedFixture() {
  Serialised s;
  s.cells = json::parse(readFixture("page_layout_all.txt"));
  s.text = "[";
  for (size_t i = 0; i < s.cells.size(); ++i) {
    if (i) s.text += ", ";
    s.text += s.cells[i].dump();
    s.cellEnds.push_back(s.text.size());
  }
  s.text += "]";
  return s;
}

void expectCellMatches(const LayoutCell& cell, const json& expected) {
  EXPECT_EQ(cell.bbox.x1, expected["bbox"][0].get<double>());
  EXPECT_EQ(cell.bbox.y1, expected["bbox"][1].get<double>());
  EXPECT_EQ(cell.bbox.x2, expected["bbox"][2].get<double>());
  EXPECT_EQ(cell.bbox.y2, expected["bbox"][3].get<double>());
  EXPECT_EQ(cell.rawCategory, expected["category"].get<std::string>());
  EXPECT_EQ(categoryName(cell.category), expected["category"].get<std::string>());
  EXPECT_EQ(cell.hasText, expected.contains("text"));
  if (expected.contains("text")) EXPECT_EQ(cell.text, expected["text"].get<std::string>());
}

TEST(LayoutParser, ValidOutputParsesExactly) {
  const std::string raw = readFixture("page_layout_all.txt");
  const auto expected = json::parse(raw);
  const auto r = parseLayoutOutput(raw);
  EXPECT_EQ(r.status, ParseStatus::Ok) << r.reason;
  EXPECT_TRUE(r.reason.empty());
  EXPECT_FALSE(r.shouldRetryWithLargerBudget);
  EXPECT_FALSE(r.truncated);
  EXPECT_EQ(r.raw, raw);
  ASSERT_EQ(r.cells.size(), 11u);
  for (size_t i = 0; i < r.cells.size(); ++i) expectCellMatches(r.cells[i], expected[i]);
  EXPECT_EQ(r.cells[4].category, LayoutCategory::Picture);
  EXPECT_FALSE(r.cells[4].hasText);
  EXPECT_EQ(r.cells[3].text, "$$\nv = \\frac{Q}{A} \\leq 1.2\\,\\mathrm{m/s}\n$$");
  EXPECT_EQ(r.cells[7].category, LayoutCategory::ListItem);
}

TEST(LayoutParser, TruncatedAtEveryByteRecoversEveryCompleteCell) {
  const Serialised s = serialisedFixture();
  for (size_t len = 0; len < s.text.size(); ++len) {
    const std::string prefix = s.text.substr(0, len);
    const auto r = parseLayoutOutput(prefix);
    ASSERT_EQ(r.raw, prefix);
    size_t complete = 0;
    while (complete < s.cellEnds.size() && s.cellEnds[complete] <= len) ++complete;
    SCOPED_TRACE("prefix length " + std::to_string(len));
    if (complete > 0) {
      ASSERT_EQ(r.status, ParseStatus::Repaired) << r.reason;
      ASSERT_EQ(r.cells.size(), complete) << r.reason;
      for (size_t i = 0; i < complete; ++i) expectCellMatches(r.cells[i], s.cells[i]);
      EXPECT_TRUE(r.truncated);
      EXPECT_TRUE(r.shouldRetryWithLargerBudget);
      EXPECT_NE(r.reason.find("cut off"), std::string::npos) << r.reason;
    } else if (!r.cells.empty()) {
      // Only the first cell, partly read: its bbox is whole and its text a prefix of the real one.
      ASSERT_EQ(r.cells.size(), 1u);
      EXPECT_EQ(r.cells[0].bbox.x1, 112);
      EXPECT_EQ(r.cells[0].bbox.y2, 140);
      const std::string full = s.cells[0]["text"].get<std::string>();
      EXPECT_EQ(full.compare(0, r.cells[0].text.size(), r.cells[0].text), 0) << r.cells[0].text;
      EXPECT_TRUE(r.shouldRetryWithLargerBudget);
    } else {
      EXPECT_EQ(r.status, ParseStatus::Failed);
      EXPECT_TRUE(r.shouldRetryWithLargerBudget);
      EXPECT_FALSE(r.reason.empty());
    }
  }
  // The whole text, re-serialised, parses strictly.
  const auto whole = parseLayoutOutput(s.text);
  EXPECT_EQ(whole.status, ParseStatus::Ok);
  EXPECT_EQ(whole.cells.size(), 11u);
}

TEST(LayoutParser, MissingClosingBracketKeepsAllCellsAndAsksForRetry) {
  const auto r = parseLayoutOutput(R"([{"bbox": [1, 2, 3, 4], "category": "Text", "text": "a"},)");
  EXPECT_EQ(r.status, ParseStatus::Repaired);
  ASSERT_EQ(r.cells.size(), 1u);
  EXPECT_EQ(r.cells[0].text, "a");
  EXPECT_TRUE(r.truncated);
  EXPECT_TRUE(r.shouldRetryWithLargerBudget);
}

TEST(LayoutParser, SingleCutOffCellIsRescued) {
  const auto r = parseLayoutOutput(R"([{"bbox": [10, 20, 300, 400], "category": "Table", "text": "<table><tr><td>Zul)");
  ASSERT_EQ(r.cells.size(), 1u);
  EXPECT_EQ(r.status, ParseStatus::Repaired);
  EXPECT_EQ(r.cells[0].category, LayoutCategory::Table);
  EXPECT_EQ(r.cells[0].text, "<table><tr><td>Zul");
  EXPECT_NE(r.reason.find("only cell"), std::string::npos) << r.reason;
}

TEST(LayoutParser, CodeFenceIsStripped) {
  const auto r = parseLayoutOutput("```json\n[{\"bbox\": [1, 2, 3, 4], \"category\": \"Title\", \"text\": \"# T\"}]\n```");
  EXPECT_EQ(r.status, ParseStatus::Repaired);
  ASSERT_EQ(r.cells.size(), 1u);
  EXPECT_EQ(r.cells[0].category, LayoutCategory::Title);
  EXPECT_NE(r.reason.find("code fence"), std::string::npos);
  EXPECT_FALSE(r.shouldRetryWithLargerBudget);
}

TEST(LayoutParser, MissingCommasBetweenCellsAreInserted) {
  const auto r = parseLayoutOutput(
      R"([{"bbox": [1, 2, 3, 4], "category": "Text", "text": "a"}{"bbox": [5, 6, 7, 8], "category": "Text", "text": "b"}
{"bbox": [9, 10, 11, 12], "category": "Caption", "text": "c"}])");
  EXPECT_EQ(r.status, ParseStatus::Repaired);
  ASSERT_EQ(r.cells.size(), 3u);
  EXPECT_EQ(r.cells[1].text, "b");
  EXPECT_EQ(r.cells[2].category, LayoutCategory::Caption);
  EXPECT_NE(r.reason.find("commas"), std::string::npos);
  EXPECT_FALSE(r.shouldRetryWithLargerBudget);
}

TEST(LayoutParser, UnescapedLatexBackslashesAreKept) {
  // \alpha and \sum are invalid JSON escapes; \frac and \beta are valid ones (form feed, backspace) that
  // would silently eat the backslash; \nabla would become a newline.
  const std::string raw = R"([{"bbox": [0, 0, 10, 10], "category": "Formula", "text": "$$\alpha + \frac{1}{2} \sum \beta \nabla x \neq y \ne z$$"}])";
  const auto r = parseLayoutOutput(raw);
  ASSERT_EQ(r.cells.size(), 1u) << r.reason;
  EXPECT_EQ(r.status, ParseStatus::Repaired);
  EXPECT_EQ(r.cells[0].text, R"($$\alpha + \frac{1}{2} \sum \beta \nabla x \neq y \ne z$$)");
  EXPECT_FALSE(r.shouldRetryWithLargerBudget);
}

TEST(LayoutParser, FormFeedFromValidJsonIsRestoredToLatex) {
  const auto r = parseLayoutOutput(R"([{"bbox": [0, 0, 10, 10], "category": "Formula", "text": "\frac{a}{b}"}])");
  ASSERT_EQ(r.cells.size(), 1u);
  EXPECT_EQ(r.cells[0].text, "\\frac{a}{b}");
  EXPECT_EQ(r.status, ParseStatus::Repaired);
  EXPECT_NE(r.reason.find("LaTeX"), std::string::npos);
}

TEST(LayoutParser, NewlineEscapesStayNewlinesInRepairedText) {
  // Invalid JSON elsewhere forces the tolerant path; "\nThe" must still be a newline there.
  const auto r = parseLayoutOutput(R"([{"bbox": [0, 0, 10, 10], "category": "Text", "text": "a\nThe \tb \x"}])");
  ASSERT_EQ(r.cells.size(), 1u);
  EXPECT_EQ(r.cells[0].text, "a\nThe \tb \\x");
}

TEST(LayoutParser, UnescapedQuotesInsideTextAreKept) {
  const auto r = parseLayoutOutput(
      R"([{"bbox": [0, 0, 10, 10], "category": "Table", "text": "<td colspan="2">x</td> said "hi" ok"}, {"bbox": [1, 1, 2, 2], "category": "Text", "text": "n"}])");
  ASSERT_EQ(r.cells.size(), 2u) << r.reason;
  EXPECT_EQ(r.cells[0].text, R"(<td colspan="2">x</td> said "hi" ok)");
  EXPECT_EQ(r.cells[1].text, "n");
  EXPECT_NE(r.reason.find("quotes"), std::string::npos);
}

TEST(LayoutParser, UnicodeAndEscapesDecode) {
  const auto r = parseLayoutOutput(
      R"([{"bbox": [0, 0, 10, 10], "category": "Text", "text": "\u00d8 400 \ud83d\ude00 \u4fdd\u517b \"q\" \\ \/"}])");
  ASSERT_EQ(r.cells.size(), 1u);
  EXPECT_EQ(r.status, ParseStatus::Ok);
  EXPECT_EQ(r.cells[0].text, "\xC3\x98 400 \xF0\x9F\x98\x80 \xE4\xBF\x9D\xE5\x85\xBB \"q\" \\ /");
  // The same in the tolerant path (a missing ']' forces it), including a lone surrogate.
  const auto t = parseLayoutOutput(R"([{"bbox": [0, 0, 10, 10], "category": "Text", "text": "\ud83d\ude00 \ud800x"})");
  ASSERT_EQ(t.cells.size(), 1u);
  EXPECT_EQ(t.cells[0].text, "\xF0\x9F\x98\x80 \xEF\xBF\xBDx");
}

TEST(LayoutParser, InvalidUtf8IsReplacedButRawKept) {
  const std::string raw = "[{\"bbox\": [0, 0, 10, 10], \"category\": \"Text\", \"text\": \"a\xFF\xC3 b\"}]";
  const auto r = parseLayoutOutput(raw);
  ASSERT_EQ(r.cells.size(), 1u);
  EXPECT_EQ(r.cells[0].text, "a\xEF\xBF\xBD\xEF\xBF\xBD b");
  EXPECT_EQ(r.raw, raw);
  EXPECT_EQ(r.status, ParseStatus::Repaired);
}

TEST(LayoutParser, NestedBracesAndJsonInsideTextSurviveTruncation) {
  const std::string raw =
      R"([{"bbox": [0, 0, 10, 10], "category": "Formula", "text": "$\left\{ \frac{a}{b} \right]$ {\"k\": [1, {}]}"}, {"bbox": [1, 1, 5, 5], "category": "Te)";
  const auto r = parseLayoutOutput(raw);
  ASSERT_EQ(r.cells.size(), 1u) << r.reason;
  EXPECT_EQ(r.cells[0].text, R"($\left\{ \frac{a}{b} \right]$ {"k": [1, {}]})");
  EXPECT_TRUE(r.truncated);
}

TEST(LayoutParser, LoopingOutputDropsRepeats) {
  std::string raw = R"([{"bbox": [0, 0, 10, 10], "category": "Text", "text": "head"})";
  // Same bbox twice (a loop): the second goes. Same text 6 times with different boxes: only the first stays.
  raw += R"(, {"bbox": [0, 0, 10, 10], "category": "Text", "text": "again"})";
  for (int i = 0; i < 6; ++i)
    raw += R"(, {"bbox": [)" + std::to_string(20 + i) + R"(, 0, 100, 10], "category": "Text", "text": "<td></td>"})";
  raw += R"(, {"bbox": [0, 50, 10, 60], "category": "Text", "text": "tail")";  // cut off: forces the cleaner
  const auto r = parseLayoutOutput(raw);
  ASSERT_EQ(r.cells.size(), 2u) << r.reason;
  EXPECT_EQ(r.cells[0].text, "head");
  EXPECT_EQ(r.cells[1].text, "<td></td>");
  EXPECT_EQ(r.cells[1].bbox.x1, 20);
  EXPECT_NE(r.reason.find("dropped 6 repeated cells"), std::string::npos) << r.reason;
}

TEST(LayoutParser, FourRepeatsOfATextAreLegitimate) {
  std::string raw = "[";
  for (int i = 0; i < 4; ++i)
    raw += std::string(i ? ", " : "") + R"({"bbox": [)" + std::to_string(i) + R"(, 0, 100, 10], "category": "Text", "text": "x"})";
  const auto r = parseLayoutOutput(raw);  // no ']' -> cleaner path, which keeps fewer than 5 repeats
  EXPECT_EQ(r.cells.size(), 4u);
}

TEST(LayoutParser, TextBeforeAndAfterTheArrayIsIgnored) {
  const auto r = parseLayoutOutput(
      "Here is the layout:\n[{\"bbox\": [1, 2, 3, 4], \"category\": \"Text\", \"text\": \"x\"}]\nDone.");
  EXPECT_EQ(r.status, ParseStatus::Repaired);
  ASSERT_EQ(r.cells.size(), 1u);
  EXPECT_NE(r.reason.find("before"), std::string::npos);
  EXPECT_NE(r.reason.find("after"), std::string::npos);
}

TEST(LayoutParser, MissingOpeningBracket) {
  const auto r = parseLayoutOutput(R"({"bbox": [1, 2, 3, 4], "category": "Text", "text": "x"}, {"bbox": [5, 6, 7, 8], "category": "Text"})");
  ASSERT_EQ(r.cells.size(), 2u);
  EXPECT_FALSE(r.cells[1].hasText);
}

TEST(LayoutParser, BoxesNegativeInvertedHugeAndMalformed) {
  const auto r = parseLayoutOutput(
      R"([{"bbox": [-5, -7, 30, 40], "category": "Text", "text": "neg"},
          {"bbox": [30, 40, 10, 20], "category": "Text", "text": "inv"},
          {"bbox": [1e400, 0, 1, 1], "category": "Text", "text": "inf"},
          {"bbox": [99999999999999999999, 0, 1e300, 1.5], "category": "Text", "text": "big"},
          {"bbox": [1, 2, 3], "category": "Text", "text": "three"},
          {"bbox": ["1", 2, 3, 4], "category": "Text", "text": "str"},
          {"category": "Text", "text": "nobox"},
          [1, 2, 3, 4],
          {"bbox": [1.5, 2.25, 3, 4], "category": "Text", "text": "float"}])");
  ASSERT_EQ(r.status, ParseStatus::Repaired);
  ASSERT_EQ(r.cells.size(), 4u) << r.reason;
  EXPECT_EQ(r.cells[0].bbox, (PixelBox{-5, -7, 30, 40}));
  EXPECT_EQ(r.cells[1].bbox, (PixelBox{10, 20, 30, 40}));
  EXPECT_EQ(r.cells[2].text, "big");
  EXPECT_EQ(r.cells[2].bbox.x1, 1e20);
  EXPECT_EQ(r.cells[3].bbox, (PixelBox{1.5, 2.25, 3, 4}));
  for (const char* phrase : {"swapped", "4 numbers", "infinite", "without a bbox", "not a cell object"})
    EXPECT_NE(r.reason.find(phrase), std::string::npos) << phrase << " in: " << r.reason;
  EXPECT_FALSE(r.shouldRetryWithLargerBudget);
}

TEST(LayoutParser, CategoriesUnknownMissingAndNearMisses) {
  const auto r = parseLayoutOutput(
      R"([{"bbox": [0, 0, 1, 1], "category": "list-item", "text": "a"},
          {"bbox": [0, 0, 2, 2], "category": "Figure", "text": "b"},
          {"bbox": [0, 0, 3, 3], "text": "c"},
          {"bbox": [0, 0, 4, 4], "category": 7, "text": 5}])");
  ASSERT_EQ(r.cells.size(), 4u);
  EXPECT_EQ(r.cells[0].category, LayoutCategory::ListItem);
  EXPECT_EQ(r.cells[1].category, LayoutCategory::Text);
  EXPECT_EQ(r.cells[1].rawCategory, "Figure");
  EXPECT_EQ(r.cells[2].category, LayoutCategory::Text);
  EXPECT_EQ(r.cells[3].text, "5");
  EXPECT_EQ(r.status, ParseStatus::Repaired);
  EXPECT_NE(r.reason.find("unknown category 'Figure'"), std::string::npos) << r.reason;
}

TEST(LayoutParser, EmptyAndWhitespace) {
  for (const std::string raw : {"", "  \n\t ", "```\n```"}) {
    const auto r = parseLayoutOutput(raw);
    EXPECT_EQ(r.status, ParseStatus::Failed);
    EXPECT_EQ(r.raw, raw);
    EXPECT_TRUE(r.cells.empty());
    EXPECT_TRUE(r.shouldRetryWithLargerBudget);
    EXPECT_FALSE(r.reason.empty());
  }
  const auto emptyList = parseLayoutOutput("[]");
  EXPECT_EQ(emptyList.status, ParseStatus::Ok);  // a blank page
  EXPECT_TRUE(emptyList.cells.empty());
}

TEST(LayoutParser, NonArrayJson) {
  for (const std::string raw : {R"("just a string")", "42", "true", "null", R"({"foo": 1})", "[1, 2, 3]"}) {
    const auto r = parseLayoutOutput(raw);
    EXPECT_EQ(r.status, ParseStatus::Failed) << raw;
    EXPECT_TRUE(r.cells.empty()) << raw;
    EXPECT_EQ(r.raw, raw);
    EXPECT_FALSE(r.reason.empty());
  }
  EXPECT_NE(parseLayoutOutput("42").reason.find("a number, not a list"), std::string::npos);
  const auto single = parseLayoutOutput(R"({"bbox": [1, 2, 3, 4], "category": "Picture"})");
  EXPECT_EQ(single.status, ParseStatus::Repaired);
  ASSERT_EQ(single.cells.size(), 1u);
  EXPECT_EQ(single.cells[0].category, LayoutCategory::Picture);
  const auto wrapped = parseLayoutOutput(R"({"layout": [{"bbox": [1, 2, 3, 4], "category": "Text", "text": "w"}]})");
  ASSERT_EQ(wrapped.cells.size(), 1u);
  EXPECT_NE(wrapped.reason.find("'layout'"), std::string::npos);
}

TEST(LayoutParser, PlainProseFails) {
  const std::string raw = "The page shows a pump station drawing with a title block.";
  const auto r = parseLayoutOutput(raw);
  EXPECT_EQ(r.status, ParseStatus::Failed);
  EXPECT_EQ(r.raw, raw);
  EXPECT_NE(r.reason.find("no JSON"), std::string::npos);
}

TEST(LayoutParser, DeepNestingDoesNotCrash) {
  const std::string raw = std::string(200000, '[') + std::string(200000, ']');
  const auto r = parseLayoutOutput(raw);
  EXPECT_EQ(r.status, ParseStatus::Failed);
  EXPECT_EQ(r.raw.size(), raw.size());
  const std::string objects = "[" + std::string(100000, '{');
  EXPECT_EQ(parseLayoutOutput(objects).status, ParseStatus::Failed);
}

TEST(LayoutParser, DamagedCellInTheMiddleIsSkipped) {
  const auto r = parseLayoutOutput(
      R"([{"bbox": [1, 2, 3, 4], "category": "Text", "text": "a"}, {"bbox": [1, 2 3 oops}, {"bbox": [5, 6, 7, 8], "category": "Text", "text": "c"}])");
  ASSERT_EQ(r.cells.size(), 2u) << r.reason;
  EXPECT_EQ(r.cells[0].text, "a");
  EXPECT_EQ(r.cells[1].text, "c");
  EXPECT_NE(r.reason.find("unreadable"), std::string::npos);
}

TEST(LayoutParser, RandomGarbageNeverCrashesAndKeepsRaw) {
  // Fragments of real output mixed with random bytes: exercises every branch of the tolerant reader.
  const Serialised s = serialisedFixture();
  const std::vector<std::string> pieces = {"[", "]", "{", "}", "\"", "\\", ",", ":", "\"bbox\"", "\"text\"",
                                           "\\u", "\\ud83d", "1e999", "-", "null", "tru", "\n", "```", "\xF0\x9F"};
  std::mt19937 rng(12345);
  for (int round = 0; round < 3000; ++round) {
    std::string raw;
    const int parts = 1 + static_cast<int>(rng() % 40);
    for (int p = 0; p < parts; ++p) {
      switch (rng() % 3) {
        case 0: raw += pieces[rng() % pieces.size()]; break;
        case 1: raw += static_cast<char>(rng() % 256); break;
        default: {
          const size_t a = rng() % s.text.size();
          raw += s.text.substr(a, rng() % 80);
        }
      }
    }
    const auto r = parseLayoutOutput(raw);
    ASSERT_EQ(r.raw, raw);
    if (r.status == ParseStatus::Failed) {
      EXPECT_TRUE(r.cells.empty());
      EXPECT_FALSE(r.reason.empty());
    }
    for (const auto& c : r.cells) {
      EXPECT_LE(c.bbox.x1, c.bbox.x2);
      EXPECT_LE(c.bbox.y1, c.bbox.y2);
      // Every text must be valid UTF-8 so reports can be written.
      EXPECT_NO_THROW((void)json(c.text).dump());
    }
  }
}

TEST(LayoutParser, JoinCellTextsSkipsPictures) {
  const auto r = parseLayoutOutput(readFixture("page_layout_all.txt"));
  const std::string md = joinCellTexts(r.cells);
  EXPECT_EQ(md.rfind("DN 400 Pumpstation", 0), 0u);
  EXPECT_NE(md.find("\n\n# Hydraulic design"), std::string::npos);
  EXPECT_EQ(md.size() - md.rfind("Page 3 of 12"), std::string("Page 3 of 12").size());
}

}  // namespace
