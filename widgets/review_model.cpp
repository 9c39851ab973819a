// The shared state of the review panes (see review_model.h).
#include "widgets/review_model.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <QDir>
#include <QFileInfo>
#include <algorithm>

namespace ll::widgets {

using ll::pipeline::PageResult;
using ll::pipeline::PictureRegionRecord;

ReviewModel::ReviewModel(QObject* parent) : QObject(parent) {}

void ReviewModel::reset(int pageCount, const QString& resultsDir) {
  pageCount_ = std::max(0, pageCount);
  resultsDir_ = resultsDir;
  results_.clear();
  selection_ = {};
  hovered_ = {};
  highlights_.clear();
  Q_EMIT modelReset();
}

void ReviewModel::setPageResult(const PageResult& result) {
  if (result.pageIndex < 0 || result.pageIndex >= pageCount_) return;
  // A later failed attempt never hides a finished result already shown.
  const auto it = results_.constFind(result.pageIndex);
  if (it != results_.constEnd() && it->status == PageResult::Status::Done && result.status == PageResult::Status::Failed)
    return;
  if (it != results_.constEnd() && *it == result) return;  // a resumed run reports finished pages again
  results_.insert(result.pageIndex, result);
  if (selection_.page == result.pageIndex && selection_.cell >= result.cells.size()) selection_ = {};
  if (hovered_.page == result.pageIndex) hovered_ = {};
  Q_EMIT pageResultChanged(result.pageIndex);
}

const PageResult* ReviewModel::page(int pageIndex) const {
  const auto it = results_.constFind(pageIndex);
  return it == results_.constEnd() ? nullptr : &it.value();
}

QList<PageResult> ReviewModel::pages() const { return results_.values(); }

int ReviewModel::finishedPageCount() const {
  return static_cast<int>(std::count_if(results_.begin(), results_.end(),
                                        [](const PageResult& p) { return p.status == PageResult::Status::Done; }));
}

int ReviewModel::failedPageCount() const { return static_cast<int>(results_.size()) - finishedPageCount(); }

QRectF ReviewModel::pixelsToPoints(const PageResult& page, const QRectF& px) {
  if (page.dpi <= 0) return {};
  const double s = 72.0 / page.dpi;
  return QRectF(px.x() * s, px.y() * s, px.width() * s, px.height() * s);
}

QRectF ReviewModel::cellRectPoints(const PageResult& page, int cell) {
  if (cell < 0 || cell >= page.cells.size()) return {};
  const auto& c = page.cells.at(cell);
  return c.bboxPt.isValid() ? c.bboxPt : pixelsToPoints(page, c.bboxPx);
}

CellRef ReviewModel::cellAt(int pageIndex, const QPointF& points) const {
  const PageResult* p = page(pageIndex);
  if (!p) return {};
  CellRef best;
  double bestArea = 0;
  for (int i = 0; i < p->cells.size(); ++i) {
    if (!isCategoryVisible(p->cells.at(i).category)) continue;
    const QRectF r = cellRectPoints(*p, i);
    if (!r.contains(points)) continue;
    const double area = r.width() * r.height();
    if (!best.isValid() || area < bestArea) {
      best = {pageIndex, i};
      bestArea = area;
    }
  }
  return best;
}

QString ReviewModel::cropPath(const PictureRegionRecord& picture) const {
  if (picture.cropFile.isEmpty()) return {};
  if (QFileInfo(picture.cropFile).isAbsolute() || resultsDir_.isEmpty()) return picture.cropFile;
  return QDir(resultsDir_).filePath(picture.cropFile);
}

int ReviewModel::cellForPicture(int pageIndex, int picture) const {
  const PageResult* p = page(pageIndex);
  if (!p || picture < 0 || picture >= p->pictures.size()) return -1;
  const QRectF padded = p->pictures.at(picture).paddedBboxPx;
  int best = -1;
  double bestArea = 0;
  for (int i = 0; i < p->cells.size(); ++i) {
    if (p->cells.at(i).category != QLatin1String("Picture")) continue;
    const QRectF overlap = padded.intersected(p->cells.at(i).bboxPx);
    const double area = overlap.width() * overlap.height();
    if (area > bestArea) {
      best = i;
      bestArea = area;
    }
  }
  return best;
}

int ReviewModel::pictureForCell(int pageIndex, int cell) const {
  const PageResult* p = page(pageIndex);
  if (!p || cell < 0 || cell >= p->cells.size() || p->cells.at(cell).category != QLatin1String("Picture")) return -1;
  for (int i = 0; i < p->pictures.size(); ++i)
    if (cellForPicture(pageIndex, i) == cell) return i;
  return -1;
}

void ReviewModel::select(const CellRef& ref) {
  if (ref == selection_) return;
  selection_ = ref;
  Q_EMIT selectionChanged(selection_);
}

void ReviewModel::setHovered(const CellRef& ref) {
  if (ref == hovered_) return;
  hovered_ = ref;
  Q_EMIT hoveredChanged(hovered_);
}

void ReviewModel::setCategoryVisible(const QString& category, bool visible) {
  if (visible == isCategoryVisible(category)) return;
  if (visible) hidden_.remove(category);
  else hidden_.insert(category);
  if (selection_.isValid()) {
    const PageResult* p = page(selection_.page);
    if (p && selection_.cell < p->cells.size() && p->cells.at(selection_.cell).category == category && !visible) select({});
  }
  Q_EMIT categoryVisibilityChanged();
}

QMap<QString, int> ReviewModel::categoryCounts() const {
  QMap<QString, int> counts;
  for (const PageResult& p : results_)
    for (const auto& c : p.cells) ++counts[c.category];
  return counts;
}

QList<TextMatch> ReviewModel::find(const QString& query) const {
  QList<TextMatch> out;
  const QString q = query.trimmed();
  if (q.isEmpty()) return out;
  for (const PageResult& p : results_) {
    for (int i = 0; i < p.cells.size(); ++i)
      if (p.cells.at(i).text.contains(q, Qt::CaseInsensitive)) out.append({p.pageIndex, i, -1});
    for (int i = 0; i < p.pictures.size(); ++i)
      if (p.pictures.at(i).ocrText.contains(q, Qt::CaseInsensitive)) out.append({p.pageIndex, cellForPicture(p.pageIndex, i), i});
  }
  return out;
}

void ReviewModel::setHighlights(const QList<CellRef>& refs) {
  QSet<qint64> keys;
  for (const CellRef& r : refs)
    if (r.isValid()) keys.insert(key(r));
  if (keys == highlights_) return;
  highlights_ = keys;
  Q_EMIT highlightsChanged();
}

QString ReviewModel::readableOcrText(const QString& answer) {
  const QJsonDocument doc = QJsonDocument::fromJson(answer.trimmed().toUtf8());
  if (!doc.isObject()) return answer.trimmed();
  const QJsonObject o = doc.object();
  const QString text = o.value(QStringLiteral("text")).toString().trimmed();
  if (!text.isEmpty()) return text;
  QStringList values;
  for (const QJsonValue& item : o.value(QStringLiteral("items")).toArray()) {
    const QString v = item.toObject().value(QStringLiteral("value")).toString().trimmed();
    if (!v.isEmpty()) values.append(v);
  }
  if (!values.isEmpty()) return values.join(QLatin1Char('\n'));
  return o.contains(QStringLiteral("text")) ? QString() : answer.trimmed();
}

}  // namespace ll::widgets
