// The page view on real corpus PDFs: navigation keys move the current page, zoom and fit change the
// zoom and the size pages are rendered at, and the page<->viewport mapping in PDF points is exact.
#include <QElapsedTimer>
#include <QScrollBar>
#include <QSignalSpy>
#include <QDir>
#include <QTest>

#include "core/pipeline/pdf_document.h"
#include "widgets/pdf_page_view.h"

using ll::pipeline::PdfDocument;
using ll::widgets::PdfPageView;

namespace {
std::shared_ptr<PdfDocument> openCorpus(const char* relative) {
  ll::pipeline::PdfError error;
  auto doc = PdfDocument::open(QStringLiteral(LAYOUTLENS_CORPUS_DIR "/") + QLatin1String(relative), {}, &error);
  if (!doc) qWarning("%s: %s", relative, qPrintable(error.message));
  return doc;
}
bool waitIdle(PdfPageView& view) { return QTest::qWaitFor([&] { return view.isRenderIdle(); }, 20000); }
}  // namespace

class PdfPageViewTest : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() {
    // The corpus lives beside the checkout (../shared/corpus); a clone elsewhere has none.
    if (!QDir(QStringLiteral(LAYOUTLENS_CORPUS_DIR)).exists()) QSKIP("no PDF corpus at " LAYOUTLENS_CORPUS_DIR);
  }

  void keysNavigatePages() {
    auto doc = openCorpus("technical/us-821393-wright-flyer.pdf");
    QVERIFY(doc);
    QCOMPARE(doc->pageCount(), 10);
    PdfPageView view;
    view.resize(800, 600);
    view.show();
    view.setDocument(doc);
    QSignalSpy pageSpy(&view, &PdfPageView::currentPageChanged);
    QCOMPARE(view.currentPage(), 0);
    QTest::keyClick(&view, Qt::Key_PageDown);
    QCOMPARE(view.currentPage(), 1);
    QTest::keyClick(&view, Qt::Key_PageDown);
    QCOMPARE(view.currentPage(), 2);
    QTest::keyClick(&view, Qt::Key_PageUp);
    QCOMPARE(view.currentPage(), 1);
    QTest::keyClick(&view, Qt::Key_End);
    QCOMPARE(view.currentPage(), 9);
    QTest::keyClick(&view, Qt::Key_PageDown);  // past the end stays on the last page
    QCOMPARE(view.currentPage(), 9);
    QTest::keyClick(&view, Qt::Key_Home);
    QCOMPARE(view.currentPage(), 0);
    QCOMPARE(pageSpy.count(), 5);
    QCOMPARE(view.verticalScrollBar()->value(), 0);
  }

  void scrollingUpdatesTheCurrentPage() {
    auto doc = openCorpus("technical/us-821393-wright-flyer.pdf");
    QVERIFY(doc);
    PdfPageView view;
    view.resize(800, 600);
    view.show();
    view.setDocument(doc);
    view.verticalScrollBar()->setValue(view.verticalScrollBar()->maximum());
    QCOMPARE(view.currentPage(), 9);
    // The middle of the view inside page 4 (index 3) makes it current.
    const QRectF page3 = view.pageRectInViewport(3);
    view.verticalScrollBar()->setValue(view.verticalScrollBar()->value() + int(page3.center().y()) - view.viewport()->height() / 2);
    QCOMPARE(view.currentPage(), 3);
  }

  void zoomChangesTheRenderedSize() {
    auto doc = openCorpus("technical/B1153-B2P-B.pdf");
    QVERIFY(doc);
    PdfPageView view;
    view.resize(900, 700);
    view.show();
    view.setDocument(doc);
    QCOMPARE(view.fitMode(), PdfPageView::FitMode::Width);
    QVERIFY(waitIdle(view));
    const QSize fitted = view.displayedImageSize(0);
    QVERIFY(!fitted.isEmpty());
    // Fit width: the A3 sheet (1190.55 pt wide) fills the viewport less the margins.
    const double expectedWidth = view.viewport()->width() - 32;
    QVERIFY(std::abs(view.pageRectInViewport(0).width() - expectedWidth) < 1.0);
    QVERIFY(std::abs(fitted.width() - expectedWidth * view.devicePixelRatioF()) <= 2);

    const double before = view.zoom();
    QSignalSpy zoomSpy(&view, &PdfPageView::zoomChanged);
    view.zoomIn();
    QCOMPARE(zoomSpy.count(), 1);
    QVERIFY(std::abs(view.zoom() - before * 1.25) < 1e-9);
    QCOMPARE(view.fitMode(), PdfPageView::FitMode::None);
    QVERIFY(waitIdle(view));
    const QSize zoomed = view.displayedImageSize(0);
    QVERIFY2(std::abs(zoomed.width() - fitted.width() * 1.25) <= 2, qPrintable(QStringLiteral("%1 vs %2").arg(zoomed.width()).arg(fitted.width())));
    QVERIFY(view.renderDpi() > 0);
    QVERIFY(std::abs(view.renderDpi() - view.zoom() * 96 * view.devicePixelRatioF()) < 1.0);

    view.zoomOut();
    view.zoomOut();
    QVERIFY(waitIdle(view));
    QVERIFY(view.displayedImageSize(0).width() < fitted.width());

    view.actualSize();
    QCOMPARE(view.zoom(), 1.0);
    QVERIFY(waitIdle(view));
    QVERIFY(std::abs(view.displayedImageSize(0).width() - 1190.55 * 96 / 72 * view.devicePixelRatioF()) <= 2);

    view.fitPage();
    QCOMPARE(view.fitMode(), PdfPageView::FitMode::Page);
    const QRectF r = view.pageRectInViewport(0);
    QVERIFY(r.height() <= view.viewport()->height() - 31);
    QVERIFY(r.width() <= view.viewport()->width() - 31);
    QVERIFY(std::abs(r.height() - (view.viewport()->height() - 32)) < 1.0 || std::abs(r.width() - (view.viewport()->width() - 32)) < 1.0);
  }

  void zoomIsClamped() {
    auto doc = openCorpus("technical/B1153-B2P-B.pdf");
    QVERIFY(doc);
    PdfPageView view;
    view.resize(400, 300);
    view.setDocument(doc);
    view.setZoom(1000);
    QCOMPARE(view.zoom(), PdfPageView::kMaxZoom);
    view.setZoom(0);
    QCOMPARE(view.zoom(), PdfPageView::kMinZoom);
  }

  void pageCoordinatesMapExactly() {
    auto doc = openCorpus("technical/us-821393-wright-flyer.pdf");
    QVERIFY(doc);
    PdfPageView view;
    view.resize(700, 500);
    view.show();
    view.setDocument(doc);
    view.setZoom(1.5);
    view.setCurrentPage(2);
    const QPointF pointOnPage(100.25, 200.5);  // PDF points
    const QPointF onScreen = view.pageToViewport(2).map(pointOnPage);
    QPointF back;
    QCOMPARE(view.pageAt(onScreen, &back), 2);
    QVERIFY(std::abs(back.x() - pointOnPage.x()) < 1e-6);
    QVERIFY(std::abs(back.y() - pointOnPage.y()) < 1e-6);
    // One point is zoom * 96/72 logical pixels.
    const QPointF next = view.pageToViewport(2).map(pointOnPage + QPointF(72, 0));
    QVERIFY(std::abs(next.x() - onScreen.x() - 1.5 * 96) < 1e-6);
  }

  void ctrlWheelZoomsAroundTheCursor() {
    auto doc = openCorpus("technical/B1153-B2P-B.pdf");
    QVERIFY(doc);
    PdfPageView view;
    view.resize(800, 600);
    view.show();
    view.setDocument(doc);
    const QPointF cursor(300, 200);
    QPointF before;
    QCOMPARE(view.pageAt(cursor, &before), 0);
    const double zoom = view.zoom();
    QWheelEvent wheel(cursor, view.viewport()->mapToGlobal(cursor), QPoint(), QPoint(0, 120), Qt::NoButton,
                      Qt::ControlModifier, Qt::NoScrollPhase, false);
    QCoreApplication::sendEvent(view.viewport(), &wheel);
    QVERIFY(view.zoom() > zoom);
    QPointF after;
    QCOMPARE(view.pageAt(cursor, &after), 0);
    // The point under the cursor stays put (to within the scroll bars' whole-pixel steps).
    QVERIFY(std::abs(after.x() - before.x()) * view.zoom() * 96 / 72 < 1.5);
    QVERIFY(std::abs(after.y() - before.y()) * view.zoom() * 96 / 72 < 1.5);
  }

  void dragPans() {
    auto doc = openCorpus("technical/B1153-B2P-B.pdf");
    QVERIFY(doc);
    PdfPageView view;
    view.resize(600, 400);
    view.show();
    view.setDocument(doc);
    view.setZoom(2.0);
    const int h = view.horizontalScrollBar()->value();
    const int v = view.verticalScrollBar()->value();
    QTest::mousePress(view.viewport(), Qt::MiddleButton, Qt::NoModifier, QPoint(300, 200));
    QMouseEvent move(QEvent::MouseMove, QPointF(250, 150), view.viewport()->mapToGlobal(QPointF(250, 150)), Qt::NoButton,
                     Qt::MiddleButton, Qt::NoModifier);
    QCoreApplication::sendEvent(view.viewport(), &move);
    QTest::mouseRelease(view.viewport(), Qt::MiddleButton, Qt::NoModifier, QPoint(250, 150));
    QCOMPARE(view.horizontalScrollBar()->value(), h + 50);
    QCOMPARE(view.verticalScrollBar()->value(), v + 50);
  }

  void aLongDatasheetRendersOnlyWhatIsSeen() {
    // 308 pages: opening and jumping to the end must render a handful of pages, not the document.
    QElapsedTimer timer;
    timer.start();
    auto doc = openCorpus("technical/ST7789V_SPEC_V1.0.pdf");
    QVERIFY(doc);
    QCOMPARE(doc->pageCount(), 308);
    PdfPageView view;
    view.resize(900, 700);
    view.show();
    view.setDocument(doc);
    const qint64 openMs = timer.elapsed();
    QVERIFY(waitIdle(view));
    const qint64 firstPageMs = timer.elapsed();
    view.lastPage();
    QCOMPARE(view.currentPage(), 307);
    timer.restart();
    QVERIFY(waitIdle(view));
    const qint64 lastPageMs = timer.elapsed();
    QVERIFY(!view.displayedImageSize(307).isEmpty());
    QVERIFY(view.displayedImageSize(150).isEmpty());  // never on screen, never rendered
    // Sweep through the document as a scroll-bar drag would: the queue keeps only the latest wishes.
    for (int v = 0; v < view.verticalScrollBar()->maximum(); v += view.verticalScrollBar()->maximum() / 40) {
      view.verticalScrollBar()->setValue(v);
      QCoreApplication::processEvents();
    }
    QVERIFY(waitIdle(view));
    qInfo("308-page datasheet: open+layout %lld ms, first page rendered after %lld ms, last page %lld ms after End",
          openMs, firstPageMs, lastPageMs);
  }

  void aDocumentCanBeReplacedWhileRendering() {
    auto a = openCorpus("technical/us-821393-wright-flyer.pdf");
    auto b = openCorpus("technical/B1153-B2P-B.pdf");
    QVERIFY(a && b);
    PdfPageView view;
    view.resize(600, 400);
    view.show();
    view.setDocument(a);
    view.setZoom(3.0);
    view.setDocument(b);  // results for the first document must be dropped, not shown on the second
    QCOMPARE(view.pageCount(), 1);
    QVERIFY(waitIdle(view));
    QVERIFY(!view.displayedImageSize(0).isEmpty());
    view.setDocument(nullptr);
    QCOMPARE(view.pageCount(), 0);
    QCOMPARE(view.currentPage(), -1);
  }
};

QTEST_MAIN(PdfPageViewTest)
#include "pdf_page_view_test.moc"
