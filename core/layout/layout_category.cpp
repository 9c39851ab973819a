#include "core/layout/layout_category.h"

#include <algorithm>
#include <cctype>

namespace ll::layout {

const std::array<CategoryInfo, 11>& allCategories() {
  // Picture has no text; Formula is LaTeX; Table is HTML; the rest Markdown (prompt_layout_all_en).
  static const std::array<CategoryInfo, 11> table{{
      {LayoutCategory::Caption, "Caption", TextFormat::Markdown},
      {LayoutCategory::Footnote, "Footnote", TextFormat::Markdown},
      {LayoutCategory::Formula, "Formula", TextFormat::LaTeX},
      {LayoutCategory::ListItem, "List-item", TextFormat::Markdown},
      {LayoutCategory::PageFooter, "Page-footer", TextFormat::Markdown},
      {LayoutCategory::PageHeader, "Page-header", TextFormat::Markdown},
      {LayoutCategory::Picture, "Picture", TextFormat::None},
      {LayoutCategory::SectionHeader, "Section-header", TextFormat::Markdown},
      {LayoutCategory::Table, "Table", TextFormat::Html},
      {LayoutCategory::Text, "Text", TextFormat::Markdown},
      {LayoutCategory::Title, "Title", TextFormat::Markdown},
  }};
  return table;
}

const CategoryInfo& categoryInfo(LayoutCategory c) {
  return allCategories()[static_cast<size_t>(c)];
}

std::optional<LayoutCategory> categoryFromName(const std::string& name) {
  for (const auto& info : allCategories())
    if (name == info.name) return info.category;
  auto fold = [](const std::string& s) {
    std::string out;
    for (unsigned char ch : s)
      if (std::isalnum(ch)) out.push_back(static_cast<char>(std::tolower(ch)));
    return out;
  };
  const auto folded = fold(name);
  for (const auto& info : allCategories())
    if (folded == fold(info.name)) return info.category;
  return std::nullopt;
}

}  // namespace ll::layout
