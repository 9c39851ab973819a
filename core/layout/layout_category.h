#pragma once
// The 11 layout categories dots.ocr emits (specs/dots-ocr.md, prompt_layout_all_en), and how each
// category's text is formatted. Kept as data so the parser, the overlay legend and the report agree.
#include <array>
#include <optional>
#include <string>

namespace ll::layout {

enum class LayoutCategory {
  Caption, Footnote, Formula, ListItem, PageFooter, PageHeader, Picture, SectionHeader, Table, Text, Title,
};

enum class TextFormat { None, Markdown, LaTeX, Html };

struct CategoryInfo {
  LayoutCategory category;
  const char* name;  // exactly as the model writes it ("List-item", "Page-header", ...)
  TextFormat format;
};

const std::array<CategoryInfo, 11>& allCategories();
const CategoryInfo& categoryInfo(LayoutCategory c);
// Exact name as emitted by the model; case-insensitive fallback for near misses ("list-item").
std::optional<LayoutCategory> categoryFromName(const std::string& name);
inline const char* categoryName(LayoutCategory c) { return categoryInfo(c).name; }

}  // namespace ll::layout
