// The layout overlay on a real rendering: a box stored in PDF points must land on the same device
// pixels as the drawing under it at zoom 50 %, 100 % and 237 % and at device pixel ratio 1 and 2 (the
// DPR-2 half runs this program again with QT_SCALE_FACTOR=2, since the ratio is fixed at start-up);
// hovering a box highlights it and shows its text, clicking selects it, the legend hides a category.
#include <QApplication>
#include <QPainter>
#include <QPdfWriter>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include "core/pipeline/pdf_document.h"
#include "widgets/category_legend.h"
#include "widgets/category_style.h"
#include "widgets/layout_overlay.h"
#include "widgets/pdf_page_view.h"
#include "widgets/review_model.h"

using namespace ll::widgets;
using ll::pipeline::PageResult;

namespace {
// A 400 x 300 pt page with a black rectangle at (100,80)-(260,200) pt.
const QRectF kBlackPt(100, 80, 160, 120);

QString makePdf(const QString& path) {
  QPdfWriter writer(path);
  writer.setResolution(72);
  writer.setPageSize(QPageSize(QSizeF(400, 300), QPageSize::Point));
  writer.setPageMargins(QMarginsF(0, 0, 0, 0));
  QPainter painter(&writer);
  painter.fillRect(QRectF(0, 0, 400, 300), Qt::white);
  painter.fillRect(kBlackPt, Qt::black);
  painter.end();
  return path;
}

PageResult pageWithBox() {
  PageResult r;
  r.pageIndex = 0;
  r.dpi = 144;
  r.renderWidth = 800;
  r.renderHeight = 600;
  ll::pipeline::LayoutCellRecord cell;
  cell.category = QStringLiteral("Picture");
  cell.bboxPt = kBlackPt;
  cell.bboxPx = QRectF(kBlackPt.topLeft() * 2, kBlackPt.size() * 2);
  r.cells.append(cell);
  ll::pipeline::LayoutCellRecord title;
  title.category = QStringLiteral("Title");
  title.bboxPt = QRectF(20, 20, 200, 30);
  title.bboxPx = QRectF(40, 40, 400, 60);
  title.text = QStringLiteral("# Bracket, left hand");
  r.cells.append(title);
  return r;
}

bool isBoxColour(QRgb c) {
  const QColor box = CategoryStyle::color(QStringLiteral("Picture"));
  return std::abs(qRed(c) - box.red()) < 40 && std::abs(qGreen(c) - box.green()) < 40 && std::abs(qBlue(c) - box.blue()) < 40;
}
bool isDark(QRgb c) { return qRed(c) < 80 && qGreen(c) < 80 && qBlue(c) < 80; }

// The first pixel from `from` towards `to` (inclusive) along a row or column that satisfies pred; -1 if none.
int scan(const QImage& img, bool horizontal, int fixed, int from, int to, const std::function<bool(QRgb)>& pred) {
  const int step = from <= to ? 1 : -1;
  for (int i = from; i != to + step; i += step) {
    const QPoint p = horizontal ? QPoint(i, fixed) : QPoint(fixed, i);
    if (!img.rect().contains(p)) continue;
    if (pred(img.pixel(p))) return i;
  }
  return -1;
}

struct Edges {
  int left, right, top, bottom;
};

// The edges of whatever satisfies pred around the expected device rectangle, scanned from outside in.
Edges findEdges(const QImage& img, const QRect& expected, const std::function<bool(QRgb)>& pred) {
  const int cy = expected.center().y();
  const int cx = expected.center().x();
  return {scan(img, true, cy, expected.left() - 12, cx, pred), scan(img, true, cy, expected.right() + 12, cx, pred),
          scan(img, false, cx, expected.top() - 12, cy, pred), scan(img, false, cx, expected.bottom() + 12, cy, pred)};
}
}  // namespace

class LayoutOverlayTest : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    ll::pipeline::PdfError error;
    doc_ = ll::pipeline::PdfDocument::open(makePdf(dir_.filePath(QStringLiteral("box.pdf"))), {}, &error);
    QVERIFY2(doc_, qPrintable(error.message));
  }

  void boxesLandOnTheirPixels_data() {
    QTest::addColumn<double>("zoom");
    QTest::newRow("50%") << 0.5;
    QTest::newRow("100%") << 1.0;
    QTest::newRow("237%") << 2.37;
  }

  void boxesLandOnTheirPixels() {
    QFETCH(double, zoom);
    const QByteArray expectedDpr = qgetenv("LL_EXPECT_DPR");
    PdfPageView view;
    view.resize(900, 700);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    if (!expectedDpr.isEmpty()) QCOMPARE(view.devicePixelRatioF(), expectedDpr.toDouble());
    ReviewModel model;
    LayoutOverlay overlay(&view, &model);
    view.setDocument(doc_);
    model.reset(1);
    model.setPageResult(pageWithBox());
    view.setZoom(zoom);
    view.ensurePageRectVisible(0, kBlackPt);
    QVERIFY(QTest::qWaitFor([&] { return view.isRenderIdle(); }, 20000));
    const double dpr = view.devicePixelRatioF();
    // Where the box must be, in device pixels of the viewport.
    const QRectF logical = view.pageToViewport(0).mapRect(kBlackPt);
    const QRect expected = QRectF(logical.topLeft() * dpr, logical.size() * dpr).toRect();
    QVERIFY(QRect(QPoint(0, 0), view.viewport()->size() * dpr).contains(expected));

    const QImage withBoxes = view.viewport()->grab().toImage();
    QCOMPARE(withBoxes.devicePixelRatio(), dpr);
    const Edges box = findEdges(withBoxes, expected, isBoxColour);
    model.setCategoryVisible(QStringLiteral("Picture"), false);
    const QImage drawingOnly = view.viewport()->grab().toImage();
    const Edges ink = findEdges(drawingOnly, expected, isDark);
    const int tolerance = static_cast<int>(std::ceil(dpr)) + 1;
    auto close = [&](int a, int b) { return a >= 0 && b >= 0 && std::abs(a - b) <= tolerance; };
    const QString detail = QStringLiteral("zoom %1 dpr %2: expected %3,%4-%5,%6 box %7,%8-%9,%10 ink %11,%12-%13,%14")
                               .arg(zoom).arg(dpr).arg(expected.left()).arg(expected.top()).arg(expected.right()).arg(expected.bottom())
                               .arg(box.left).arg(box.top).arg(box.right).arg(box.bottom)
                               .arg(ink.left).arg(ink.top).arg(ink.right).arg(ink.bottom);
    QVERIFY2(close(box.left, expected.left()) && close(box.right, expected.right()) && close(box.top, expected.top()) &&
                 close(box.bottom, expected.bottom()),
             qPrintable(detail));
    // The drawing itself is where the box says: the overlay and the rendering agree.
    QVERIFY2(close(box.left, ink.left) && close(box.right, ink.right) && close(box.top, ink.top) && close(box.bottom, ink.bottom),
             qPrintable(detail));
  }

  void atDevicePixelRatio2() {
    if (!qEnvironmentVariableIsEmpty("LL_EXPECT_DPR")) QSKIP("this is the DPR-2 run itself");
    QProcess child;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_SCALE_FACTOR"), QStringLiteral("2"));
    env.insert(QStringLiteral("LL_EXPECT_DPR"), QStringLiteral("2"));
    child.setProcessEnvironment(env);
    child.setProcessChannelMode(QProcess::MergedChannels);
    child.start(QCoreApplication::applicationFilePath(), {QStringLiteral("boxesLandOnTheirPixels")});
    QVERIFY(child.waitForFinished(120000));
    const QString output = QString::fromLocal8Bit(child.readAll());
    QVERIFY2(child.exitStatus() == QProcess::NormalExit && child.exitCode() == 0, qPrintable(output));
    QVERIFY2(output.contains(QStringLiteral("PASS   : LayoutOverlayTest::boxesLandOnTheirPixels(237%)")) &&
                 output.contains(QStringLiteral(" 0 failed")),
             qPrintable(output));
  }

  void hoverHighlightsAndClickSelects() {
    PdfPageView view;
    view.resize(900, 700);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    ReviewModel model;
    LayoutOverlay overlay(&view, &model);
    view.setDocument(doc_);
    model.reset(1);
    model.setPageResult(pageWithBox());
    view.setZoom(1.0);
    const QPoint inTitle = view.pageToViewport(0).map(QPointF(60, 35)).toPoint();
    const QPoint inPicture = view.pageToViewport(0).map(kBlackPt.center()).toPoint();
    const QPoint outside = view.pageToViewport(0).map(QPointF(350, 280)).toPoint();

    QTest::mouseMove(view.viewport(), inTitle);
    QTRY_COMPARE(model.hovered(), (CellRef{0, 1}));
    QVERIFY2(overlay.currentToolTip().contains(QStringLiteral("Bracket, left hand")), qPrintable(overlay.currentToolTip()));
    QVERIFY(overlay.currentToolTip().startsWith(CategoryStyle::displayName(QStringLiteral("Title"))));
    QTest::mouseMove(view.viewport(), outside);
    QTRY_COMPARE(model.hovered(), CellRef{});

    QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, inPicture);
    QCOMPARE(model.selection(), (CellRef{0, 0}));
    QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, outside);
    QCOMPARE(model.selection(), CellRef{});

    // Hidden boxes can be neither hovered nor clicked.
    CategoryLegend legend(&model);
    QListWidgetItem* titleRow = legend.itemFor(QStringLiteral("Title"));
    QVERIFY(titleRow);
    QVERIFY(titleRow->text().contains(QStringLiteral("(1)")));
    titleRow->setCheckState(Qt::Unchecked);
    QVERIFY(!model.isCategoryVisible(QStringLiteral("Title")));
    QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, inTitle);
    QCOMPARE(model.selection(), CellRef{});
  }

  void exportedOverlayHasTheBoxAtTheExportDpi() {
    PdfPageView view;
    ReviewModel model;
    LayoutOverlay overlay(&view, &model);
    view.setDocument(doc_);
    model.reset(1);
    model.setPageResult(pageWithBox());
    QString error;
    const QImage image = overlay.renderPageWithOverlay(0, 144, &error);
    QVERIFY2(!image.isNull(), qPrintable(error));
    QCOMPARE(image.size(), QSize(800, 600));
    const QRect expected(200, 160, 320, 240);
    const Edges box = findEdges(image, expected, isBoxColour);
    QVERIFY(std::abs(box.left - expected.left()) <= 1 && std::abs(box.top - expected.top()) <= 1);
    QVERIFY(std::abs(box.right - expected.right()) <= 2 && std::abs(box.bottom - expected.bottom()) <= 2);
  }

 private:
  QTemporaryDir dir_;
  std::shared_ptr<ll::pipeline::PdfDocument> doc_;
};

QTEST_MAIN(LayoutOverlayTest)
#include "layout_overlay_test.moc"
