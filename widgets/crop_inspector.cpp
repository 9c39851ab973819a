// The crop list (see crop_inspector.h).
#include "widgets/crop_inspector.h"

#include <QEvent>
#include <QImageReader>
#include <QPainter>
#include <algorithm>

namespace ll::widgets {

using ll::pipeline::PageResult;

namespace {
const QSize kThumb(220, 160);
constexpr int kTextChars = 600;

QIcon cropIcon(const QString& path) {
  QImageReader reader(path);
  reader.setAutoTransform(true);
  const QSize size = reader.size();
  if (size.isValid()) reader.setScaledSize(size.scaled(kThumb, Qt::KeepAspectRatio));
  const QImage image = reader.read();
  QPixmap pixmap(kThumb);
  pixmap.fill(Qt::transparent);
  QPainter p(&pixmap);
  if (image.isNull()) {
    p.setPen(QColor(0x99, 0x99, 0x99));
    p.drawRect(QRect(QPoint(0, 0), kThumb - QSize(1, 1)));
    p.drawText(pixmap.rect(), Qt::AlignCenter, QStringLiteral("?"));
  } else {
    p.drawImage(QPoint((kThumb.width() - image.width()) / 2, (kThumb.height() - image.height()) / 2), image);
  }
  return QIcon(pixmap);
}
}  // namespace

CropInspector::CropInspector(ReviewModel* model, QWidget* parent) : QListWidget(parent), model_(model) {
  setObjectName(QStringLiteral("cropInspector"));
  setViewMode(QListView::ListMode);
  setIconSize(kThumb);
  setWordWrap(true);
  setSpacing(4);
  setSelectionMode(QAbstractItemView::SingleSelection);
  setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
  setTextElideMode(Qt::ElideNone);
  connect(this, &QListWidget::currentItemChanged, this, [this](QListWidgetItem* item) {
    if (syncing_ || !item) return;
    const int page = item->data(kRolePage).toInt();
    const int picture = item->data(kRolePicture).toInt();
    const PageResult* result = model_->page(page);
    if (!result || picture >= result->pictures.size()) return;
    model_->select({page, model_->cellForPicture(page, picture)});
    Q_EMIT cropActivated(page, ReviewModel::pixelsToPoints(*result, result->pictures.at(picture).paddedBboxPx));
  });
  connect(model_, &ReviewModel::modelReset, this, &CropInspector::rebuild);
  connect(model_, &ReviewModel::pageResultChanged, this, [this](int page) {
    // Pages arrive in order during a run, but a resumed job or a retry can fill a gap: rebuild only then.
    int last = -1;
    for (int i = 0; i < count(); ++i) last = std::max(last, item(i)->data(kRolePage).toInt());
    if (page > last) {
      if (const PageResult* result = model_->page(page)) addPage(*result);
    } else {
      rebuild();
    }
  });
  connect(model_, &ReviewModel::selectionChanged, this, &CropInspector::followSelection);
  rebuild();
}

QString CropInspector::itemText(const PageResult& page, int picture) const {
  const auto& rec = page.pictures.at(picture);
  QString text = ReviewModel::readableOcrText(rec.ocrText);
  if (text.size() > kTextChars) text = text.left(kTextChars) + QStringLiteral(" …");
  if (text.isEmpty()) text = rec.ocrStatus == QLatin1String("failed") ? tr("OCR failed: %1").arg(rec.ocrReason) : tr("(no text)");
  return tr("Page %1 · picture %2").arg(page.pageIndex + 1).arg(picture + 1) + QLatin1Char('\n') + text;
}

void CropInspector::addPage(const PageResult& page) {
  for (int i = 0; i < page.pictures.size(); ++i) {
    auto* item = new QListWidgetItem(cropIcon(model_->cropPath(page.pictures.at(i))), itemText(page, i), this);
    item->setData(kRolePage, page.pageIndex);
    item->setData(kRolePicture, i);
    item->setToolTip(page.pictures.at(i).id);
  }
}

void CropInspector::rebuild() {
  syncing_ = true;
  clear();
  for (const PageResult& page : model_->pages()) addPage(page);
  syncing_ = false;
  followSelection(model_->selection());
}

int CropInspector::rowFor(int page, int picture) const {
  for (int i = 0; i < count(); ++i)
    if (item(i)->data(kRolePage).toInt() == page && item(i)->data(kRolePicture).toInt() == picture) return i;
  return -1;
}

void CropInspector::followSelection(const CellRef& ref) {
  syncing_ = true;
  const int row = ref.isValid() ? rowFor(ref.page, model_->pictureForCell(ref.page, ref.cell)) : -1;
  setCurrentRow(row);
  if (row >= 0) scrollToItem(item(row));
  syncing_ = false;
}

void CropInspector::changeEvent(QEvent* event) {
  if (event->type() == QEvent::LanguageChange) rebuild();
  QListWidget::changeEvent(event);
}

}  // namespace ll::widgets
