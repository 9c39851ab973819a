#pragma once
// What the review panes share for one document: the analysis result of each page (as it streams in or
// as loaded from a report), the selected and hovered layout box, which categories are shown, and the
// find matches. The page overlay, the text pane, the crop inspector and the find bar all read and write
// this one object, so a selection made in any of them shows in all of them.
//
// Boxes are kept as the pipeline records them: in PDF points of the page (bboxPt), the page view's own
// coordinate system, so they map to the screen through the view's transform at every zoom and DPR.
#include <QHash>
#include <QList>
#include <QMap>
#include <QObject>
#include <QRectF>
#include <QSet>
#include <QString>

#include "core/pipeline/page_result.h"

namespace ll::widgets {

// A layout box: page index and index into that page's cells. cell -1 with a valid page means "the page".
struct CellRef {
  int page = -1;
  int cell = -1;
  bool isValid() const { return page >= 0 && cell >= 0; }
  bool operator==(const CellRef& o) const { return page == o.page && cell == o.cell; }
  bool operator!=(const CellRef& o) const { return !(*this == o); }
};

// One place where a find query occurs: a cell's own text, or the OCR text of a picture crop (then
// `cell` is the picture's layout box when it has one).
struct TextMatch {
  int page = -1;
  int cell = -1;
  int picture = -1;  // index into the page's pictures; -1 for a cell's own text
};

class ReviewModel : public QObject {
  Q_OBJECT
 public:
  explicit ReviewModel(QObject* parent = nullptr);

  // A new document (or none): forgets every result, the selection and the matches.
  void reset(int pageCount, const QString& resultsDir = QString());
  int pageCount() const { return pageCount_; }
  // The folder crop files are relative to (a job's document folder, or a report's folder).
  QString resultsDir() const { return resultsDir_; }
  void setResultsDir(const QString& dir) { resultsDir_ = dir; }

  // Adds or replaces one page's result (finished or failed); pages outside the document are ignored.
  void setPageResult(const ll::pipeline::PageResult& result);
  const ll::pipeline::PageResult* page(int pageIndex) const;
  // Every page with a result, in page order.
  QList<ll::pipeline::PageResult> pages() const;
  int finishedPageCount() const;
  int failedPageCount() const;

  // A box's rectangle in the page's PDF points (derived from pixels and DPI for old results without it).
  static QRectF cellRectPoints(const ll::pipeline::PageResult& page, int cell);
  static QRectF pixelsToPoints(const ll::pipeline::PageResult& page, const QRectF& px);
  // What a reviewer reads for a picture: the "text" of Gemma's JSON answer (or its items' values, one per
  // line); the answer itself when it was not JSON. The report keeps the whole answer.
  static QString readableOcrText(const QString& answer);
  // The visible box at a point of a page (the smallest when boxes nest), or an invalid ref.
  CellRef cellAt(int page, const QPointF& points) const;
  QString cropPath(const ll::pipeline::PictureRegionRecord& picture) const;
  // The Picture box a crop was cut from (largest overlap with its padded box), -1 if none.
  int cellForPicture(int page, int picture) const;
  int pictureForCell(int page, int cell) const;

  CellRef selection() const { return selection_; }
  void select(const CellRef& ref);
  CellRef hovered() const { return hovered_; }
  void setHovered(const CellRef& ref);

  bool isCategoryVisible(const QString& category) const { return !hidden_.contains(category); }
  void setCategoryVisible(const QString& category, bool visible);
  // Boxes per category over all pages with results.
  QMap<QString, int> categoryCounts() const;

  // Case-insensitive, in page order then box order, crop texts after the page's own cells.
  QList<TextMatch> find(const QString& query) const;
  void setHighlights(const QList<CellRef>& refs);
  bool isHighlighted(const CellRef& ref) const { return highlights_.contains(key(ref)); }

 Q_SIGNALS:
  void modelReset();
  void pageResultChanged(int page);
  void selectionChanged(const ll::widgets::CellRef& ref);
  void hoveredChanged(const ll::widgets::CellRef& ref);
  void categoryVisibilityChanged();
  void highlightsChanged();

 private:
  static qint64 key(const CellRef& r) { return (static_cast<qint64>(r.page) << 32) | static_cast<quint32>(r.cell); }

  int pageCount_ = 0;
  QString resultsDir_;
  QMap<int, ll::pipeline::PageResult> results_;
  CellRef selection_;
  CellRef hovered_;
  QSet<QString> hidden_;
  QSet<qint64> highlights_;
};

}  // namespace ll::widgets
