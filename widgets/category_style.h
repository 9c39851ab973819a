#pragma once
// How each dots.ocr layout category looks in the window: one colour per category (the overlay, the
// legend, the text pane and the exported overlay PNG agree) and its translated display name. The
// category set itself comes from core/layout so the legend can never miss a category the model emits.
#include <QColor>
#include <QCoreApplication>
#include <QIcon>
#include <QString>
#include <QStringList>

namespace ll::widgets {

class CategoryStyle {
  Q_DECLARE_TR_FUNCTIONS(CategoryStyle)
 public:
  // Model spellings ("Caption", "List-item", ...) in the order of the legend.
  static QStringList names();
  // A fixed, distinguishable colour; grey for a name the model set does not know.
  static QColor color(const QString& category);
  static QString displayName(const QString& category);
  // A small filled square in the category's colour (legend, text pane rows).
  static QIcon swatch(const QString& category, int size = 12);
};

}  // namespace ll::widgets
