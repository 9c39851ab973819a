// Category colours and names (see category_style.h).
#include "widgets/category_style.h"

#include <QHash>
#include <QPainter>
#include <QPixmap>

#include "core/layout/layout_category.h"

namespace ll::widgets {

QStringList CategoryStyle::names() {
  QStringList out;
  for (const auto& info : ll::layout::allCategories()) out << QString::fromLatin1(info.name);
  return out;
}

QColor CategoryStyle::color(const QString& category) {
  // Chosen to stay apart from each other and from black line work on white paper.
  static const QHash<QString, QColor> colours{
      {QStringLiteral("Caption"), QColor(0xf5, 0x82, 0x31)},       {QStringLiteral("Footnote"), QColor(0x91, 0x1e, 0xb4)},
      {QStringLiteral("Formula"), QColor(0xf0, 0x32, 0xe6)},       {QStringLiteral("List-item"), QColor(0x3c, 0xb4, 0x4b)},
      {QStringLiteral("Page-footer"), QColor(0x80, 0x80, 0x00)},   {QStringLiteral("Page-header"), QColor(0x9a, 0x63, 0x24)},
      {QStringLiteral("Picture"), QColor(0xe6, 0x19, 0x4b)},       {QStringLiteral("Section-header"), QColor(0x43, 0x63, 0xd8)},
      {QStringLiteral("Table"), QColor(0x00, 0xa0, 0xc8)},         {QStringLiteral("Text"), QColor(0x46, 0x99, 0x90)},
      {QStringLiteral("Title"), QColor(0x00, 0x00, 0x95)},
  };
  return colours.value(category, QColor(0x70, 0x70, 0x70));
}

QString CategoryStyle::displayName(const QString& category) {
  if (category == QLatin1String("Caption")) return tr("Caption");
  if (category == QLatin1String("Footnote")) return tr("Footnote");
  if (category == QLatin1String("Formula")) return tr("Formula");
  if (category == QLatin1String("List-item")) return tr("List item");
  if (category == QLatin1String("Page-footer")) return tr("Page footer");
  if (category == QLatin1String("Page-header")) return tr("Page header");
  if (category == QLatin1String("Picture")) return tr("Picture");
  if (category == QLatin1String("Section-header")) return tr("Section header");
  if (category == QLatin1String("Table")) return tr("Table");
  if (category == QLatin1String("Text")) return tr("Text");
  if (category == QLatin1String("Title")) return tr("Title");
  return category;
}

QIcon CategoryStyle::swatch(const QString& category, int size) {
  QPixmap pixmap(size, size);
  pixmap.fill(Qt::transparent);
  QPainter p(&pixmap);
  p.fillRect(QRect(1, 1, size - 2, size - 2), color(category));
  p.setPen(color(category).darker(150));
  p.drawRect(QRect(1, 1, size - 3, size - 3));
  return QIcon(pixmap);
}

}  // namespace ll::widgets
