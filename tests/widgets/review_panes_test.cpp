// The review panes over one shared ReviewModel: the text pane shows tables as tables, formulas as LaTeX
// source and Markdown rendered; selection stays in sync between the model (the page), the text pane and
// the crop inspector in both directions; crops are listed in page order next to their OCR text; find
// covers box texts and crop texts and steps through the matches page by page, wrapping.
#include <QImage>
#include <QListWidget>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBlock>
#include <QTextBrowser>
#include <QTextFrame>
#include <QTextTable>
#include <QLineEdit>

#include "widgets/cell_text_pane.h"
#include "widgets/crop_inspector.h"
#include "widgets/find_bar.h"
#include "widgets/review_model.h"
#include "widgets/summary_pane.h"

using namespace ll::widgets;
using ll::pipeline::LayoutCellRecord;
using ll::pipeline::PageResult;
using ll::pipeline::PictureRegionRecord;

namespace {
LayoutCellRecord cell(const QString& category, const QRectF& px, const QString& text = QString()) {
  LayoutCellRecord c;
  c.category = category;
  c.bboxPx = px;
  c.bboxPt = QRectF(px.topLeft() * 0.36, px.size() * 0.36);  // 200 dpi
  c.text = text;
  return c;
}

// Page p: a title, a table, a formula and one picture (with a crop file and its OCR text).
PageResult page(int p, const QString& cropDir) {
  PageResult r;
  r.pageIndex = p;
  r.dpi = 200;
  r.renderWidth = 1700;
  r.renderHeight = 2200;
  r.cells << cell(QStringLiteral("Title"), QRectF(100, 100, 800, 80), QStringLiteral("# Sheet %1 title").arg(p + 1))
          << cell(QStringLiteral("Table"), QRectF(100, 300, 800, 300),
                  QStringLiteral("<table><tr><th>Part</th><th>Qty</th></tr><tr><td>Bolt M6</td><td>4</td></tr></table>"))
          << cell(QStringLiteral("Formula"), QRectF(100, 700, 400, 60), QStringLiteral("\\sigma = \\frac{F}{A}"))
          << cell(QStringLiteral("Picture"), QRectF(900, 900, 400, 400));
  PictureRegionRecord pic;
  pic.id = QStringLiteral("page-%1-picture-01").arg(p + 1, 4, 10, QChar('0'));
  pic.paddedBboxPx = QRectF(888, 888, 424, 424);
  pic.cropFile = QStringLiteral("crops/%1.png").arg(pic.id);
  pic.ocrText = p == 1 ? QStringLiteral("DETAIL A, bolt M6 x 20") : QStringLiteral("Section B-B");
  pic.ocrStatus = QStringLiteral("raw");
  QImage crop(424, 424, QImage::Format_RGB32);
  crop.fill(Qt::gray);
  crop.save(cropDir + QLatin1Char('/') + pic.cropFile);
  r.pictures << pic;
  r.summary = QStringLiteral("Summary of sheet %1").arg(p + 1);
  r.summaryStatus = QStringLiteral("ok");
  return r;
}
}  // namespace

class ReviewPanesTest : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  // Gemma answers are JSON ({"text": ..., "items": [...]}); reviewers read the text, not the JSON.
  void readableOcrTextUnwrapsTheAnswer() {
    QCOMPARE(ReviewModel::readableOcrText(QStringLiteral("{\"text\": \"303.5 ±0.1\", \"items\": []}")), QStringLiteral("303.5 ±0.1"));
    QCOMPARE(ReviewModel::readableOcrText(QStringLiteral("{\"text\": \"\", \"items\": [{\"value\": \"M6\"}, {\"value\": \"R3\"}]}")),
             QStringLiteral("M6\nR3"));
    QCOMPARE(ReviewModel::readableOcrText(QStringLiteral("{\"text\": \"\", \"items\": []}")), QString());
    QCOMPARE(ReviewModel::readableOcrText(QStringLiteral("  Section B-B \n")), QStringLiteral("Section B-B"));
    QCOMPARE(ReviewModel::readableOcrText(QStringLiteral("[1, 2]")), QStringLiteral("[1, 2]"));
  }

  void init() {
    dir_ = std::make_unique<QTemporaryDir>();
    QVERIFY(QDir(dir_->path()).mkpath(QStringLiteral("crops")));
    model_ = std::make_unique<ReviewModel>();
    model_->reset(3, dir_->path());
    model_->setPageResult(page(0, dir_->path()));
    model_->setPageResult(page(1, dir_->path()));
  }

  void textPaneShowsEachFormatAsItIs() {
    CellTextPane pane(model_.get());
    pane.setPage(0);
    QCOMPARE(pane.cellList()->count(), 4);
    QTextBrowser* text = pane.textView();

    model_->select({0, 1});  // table
    QCOMPARE(pane.cellList()->currentRow(), 1);
    QTextTable* table = nullptr;
    for (QTextFrame* f : text->document()->rootFrame()->childFrames())
      if ((table = qobject_cast<QTextTable*>(f))) break;
    QVERIFY2(table, "a Table box is shown as a table");
    QCOMPARE(table->rows(), 2);
    QCOMPARE(table->columns(), 2);
    QCOMPARE(table->cellAt(1, 0).firstCursorPosition().block().text(), QStringLiteral("Bolt M6"));

    model_->select({0, 2});  // formula: the LaTeX source, untouched
    QCOMPARE(text->toPlainText(), QStringLiteral("\\sigma = \\frac{F}{A}"));

    model_->select({0, 0});  // Markdown rendered: a level-1 heading without the '#'
    QCOMPARE(text->toPlainText(), QStringLiteral("Sheet 1 title"));
    QCOMPARE(text->document()->firstBlock().blockFormat().headingLevel(), 1);

    model_->select({0, 3});  // a picture shows the text read in its crop
    QCOMPARE(text->toPlainText(), QStringLiteral("Section B-B"));
  }

  void selectionStaysInSyncEverywhere() {
    CellTextPane pane(model_.get());
    CropInspector crops(model_.get());
    pane.setPage(0);
    QSignalSpy activated(&crops, &CropInspector::cropActivated);

    // Crops in page order, each next to its text.
    QCOMPARE(crops.count(), 2);
    QCOMPARE(crops.item(0)->data(CropInspector::kRolePage).toInt(), 0);
    QCOMPARE(crops.item(1)->data(CropInspector::kRolePage).toInt(), 1);
    QVERIFY(crops.item(1)->text().contains(QStringLiteral("DETAIL A, bolt M6 x 20")));
    QVERIFY(!crops.item(1)->icon().isNull());

    // Crop inspector -> model (-> page) and text pane, which follows to the crop's page.
    crops.setCurrentRow(1);
    QCOMPARE(model_->selection(), (CellRef{1, 3}));
    QCOMPARE(pane.page(), 1);
    QCOMPARE(pane.cellList()->currentRow(), 3);
    QCOMPARE(activated.count(), 1);
    const QRectF where = activated.at(0).at(1).toRectF();
    QVERIFY(std::abs(where.left() - 888 * 0.36) < 0.01 && std::abs(where.width() - 424 * 0.36) < 0.01);

    // Text pane -> model and crop inspector.
    pane.cellList()->setCurrentRow(1);
    QCOMPARE(model_->selection(), (CellRef{1, 1}));
    QCOMPARE(crops.currentRow(), -1);  // a table has no crop
    pane.cellList()->setCurrentRow(3);
    QCOMPARE(crops.currentRow(), 1);

    // Model (a click on the page) -> both panes.
    model_->select({0, 3});
    QCOMPARE(crops.currentRow(), 0);
    QCOMPARE(pane.page(), 0);
    QCOMPARE(pane.cellList()->currentRow(), 3);
  }

  void cropsOfAPageArrivingLaterKeepPageOrder() {
    CropInspector crops(model_.get());
    model_->reset(3, dir_->path());
    model_->setPageResult(page(2, dir_->path()));
    model_->setPageResult(page(0, dir_->path()));  // a resumed job fills a gap
    QCOMPARE(crops.count(), 2);
    QCOMPARE(crops.item(0)->data(CropInspector::kRolePage).toInt(), 0);
    QCOMPARE(crops.item(1)->data(CropInspector::kRolePage).toInt(), 2);
  }

  void findStepsThroughMatchesPageByPage() {
    FindBar bar(model_.get());
    QSignalSpy activated(&bar, &FindBar::matchActivated);
    bar.activate();
    bar.lineEdit()->setText(QStringLiteral("bolt m6"));  // case-insensitive: table cells and a crop text
    QCOMPARE(bar.matches().size(), 3);
    QCOMPARE(bar.matches().at(0).page, 0);
    QCOMPARE(bar.matches().at(1).page, 1);
    QCOMPARE(bar.matches().at(2).picture, 0);  // the crop text on page 2, after the page's own boxes
    QVERIFY(model_->isHighlighted({0, 1}));
    QVERIFY(model_->isHighlighted({1, 3}));   // the crop's Picture box
    QVERIFY(!model_->isHighlighted({0, 0}));

    bar.findNext();
    QCOMPARE(model_->selection(), (CellRef{0, 1}));
    QCOMPARE(bar.statusText(), QStringLiteral("1 of 3 (page 1)"));
    bar.findNext();
    QCOMPARE(model_->selection(), (CellRef{1, 1}));
    bar.findNext();
    QCOMPARE(model_->selection(), (CellRef{1, 3}));
    bar.findNext();  // wraps
    QCOMPARE(model_->selection(), (CellRef{0, 1}));
    bar.findPrevious();
    QCOMPARE(model_->selection(), (CellRef{1, 3}));
    QCOMPARE(activated.count(), 5);
    QCOMPARE(activated.last().at(0).toInt(), 1);

    bar.lineEdit()->setText(QStringLiteral("no such text"));
    QVERIFY(bar.matches().isEmpty());
    QCOMPARE(bar.statusText(), QStringLiteral("No matches"));
    QVERIFY(!model_->isHighlighted({0, 1}));
    bar.close();
    QVERIFY(bar.isHidden());
  }

  void summaryPaneFollowsThePage() {
    SummaryPane pane(model_.get());
    pane.setPage(1);
    QCOMPARE(pane.toPlainText(), QStringLiteral("Summary of sheet 2"));
    pane.setPage(2);
    QVERIFY(pane.toPlainText().contains(QStringLiteral("not been analysed")));
    PageResult failed;
    failed.pageIndex = 2;
    failed.status = PageResult::Status::Failed;
    failed.error = QStringLiteral("CUDA out of memory");
    model_->setPageResult(failed);
    QVERIFY(pane.toPlainText().contains(QStringLiteral("CUDA out of memory")));
  }

 private:
  std::unique_ptr<QTemporaryDir> dir_;
  std::unique_ptr<ReviewModel> model_;
};

QTEST_MAIN(ReviewPanesTest)
#include "review_panes_test.moc"
