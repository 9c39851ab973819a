// The category legend with visibility toggles (see category_legend.h).
#include "widgets/category_legend.h"

#include <QEvent>

#include "widgets/category_style.h"
#include "widgets/review_model.h"

namespace ll::widgets {

CategoryLegend::CategoryLegend(ReviewModel* model, QWidget* parent) : QListWidget(parent), model_(model) {
  setObjectName(QStringLiteral("categoryLegend"));
  setSelectionMode(QAbstractItemView::NoSelection);
  setUniformItemSizes(true);
  for (const QString& name : CategoryStyle::names()) {
    auto* item = new QListWidgetItem(CategoryStyle::swatch(name), QString(), this);
    item->setData(Qt::UserRole, name);
    item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable);
  }
  connect(this, &QListWidget::itemChanged, this, [this](QListWidgetItem* item) {
    if (!updating_) model_->setCategoryVisible(item->data(Qt::UserRole).toString(), item->checkState() == Qt::Checked);
  });
  connect(model_, &ReviewModel::modelReset, this, &CategoryLegend::refresh);
  connect(model_, &ReviewModel::pageResultChanged, this, &CategoryLegend::refresh);
  connect(model_, &ReviewModel::categoryVisibilityChanged, this, &CategoryLegend::refresh);
  refresh();
}

QListWidgetItem* CategoryLegend::itemFor(const QString& category) const {
  for (int i = 0; i < count(); ++i)
    if (item(i)->data(Qt::UserRole).toString() == category) return item(i);
  return nullptr;
}

void CategoryLegend::refresh() {
  updating_ = true;
  const QMap<QString, int> counts = model_->categoryCounts();
  for (int i = 0; i < count(); ++i) {
    QListWidgetItem* it = item(i);
    const QString name = it->data(Qt::UserRole).toString();
    it->setText(tr("%1 (%2)").arg(CategoryStyle::displayName(name)).arg(counts.value(name)));
    it->setCheckState(model_->isCategoryVisible(name) ? Qt::Checked : Qt::Unchecked);
    it->setToolTip(tr("Show or hide the %1 boxes on the page").arg(CategoryStyle::displayName(name)));
  }
  updating_ = false;
}

void CategoryLegend::changeEvent(QEvent* event) {
  if (event->type() == QEvent::LanguageChange) refresh();
  QListWidget::changeEvent(event);
}

}  // namespace ll::widgets
