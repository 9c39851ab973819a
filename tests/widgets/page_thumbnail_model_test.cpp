// Thumbnails are rendered only for rows the list asks for, off the GUI thread, and fitted into the
// thumbnail box whatever the page's shape.
#include <QIcon>
#include <QPixmap>
#include <QSignalSpy>
#include <QDir>
#include <QTest>

#include "core/pipeline/pdf_document.h"
#include "widgets/page_render_queue.h"
#include "widgets/page_thumbnail_model.h"

using ll::widgets::PageThumbnailModel;


class PageThumbnailModelTest : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() {
    // The corpus lives beside the checkout (../shared/corpus); a clone elsewhere has none.
    if (!QDir(QStringLiteral(LAYOUTLENS_CORPUS_DIR)).exists()) QSKIP("no PDF corpus at " LAYOUTLENS_CORPUS_DIR);
  }

  void rendersOnlyWhatIsAskedFor() {
    ll::pipeline::PdfError error;
    auto doc = ll::pipeline::PdfDocument::open(QStringLiteral(LAYOUTLENS_CORPUS_DIR "/technical/us-821393-wright-flyer.pdf"), {}, &error);
    QVERIFY2(doc, qPrintable(error.message));
    PageThumbnailModel model;
    model.setThumbnailBox(QSize(100, 100), 1.0);
    model.setDocument(doc);
    QCOMPARE(model.rowCount(), 10);
    QCOMPARE(model.data(model.index(3), Qt::DisplayRole).toString(), QStringLiteral("4"));
    QVERIFY(model.renderQueue()->isIdle());  // nothing rendered before a row is shown
    QVERIFY(!model.data(model.index(2), Qt::DecorationRole).value<QIcon>().isNull());

    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    const QPixmap placeholder = model.thumbnail(2);
    QCOMPARE(placeholder.size(), QSize(100, 100));
    QVERIFY(!model.isRendered(2));
    QVERIFY(QTest::qWaitFor([&] { return model.isRendered(2); }, 20000));
    QVERIFY(changed.count() >= 1);
    QCOMPARE(changed.first().at(0).toModelIndex().row(), 2);
    QVERIFY(!model.isRendered(5));
    // The patent page (556.8 x 817.92 pt) is fitted by height: about 68 x 100 px.
    const QImage rendered = model.renderQueue()->cache().bestForPage(2);
    QVERIFY(std::abs(rendered.width() - 100 * 556.8 / 817.92) <= 1.5);
    QVERIFY(std::abs(rendered.height() - 100) <= 1.5);
    // The rendered thumbnail replaces the blank placeholder: inside the page frame it has ink.
    auto inkInside = [](const QImage& image) {
      int ink = 0;
      for (int y = 3; y < image.height() - 3; ++y)
        for (int x = 20; x < image.width() - 20; ++x) ink += qGray(image.pixel(x, y)) < 200 && qAlpha(image.pixel(x, y)) > 0;
      return ink;
    };
    const QImage shown = model.thumbnail(2).toImage();
    QCOMPARE(inkInside(placeholder.toImage()), 0);
    QVERIFY(inkInside(shown) > 20);
  }

  void hidpiThumbnailsHaveMorePixels() {
    ll::pipeline::PdfError error;
    auto doc = ll::pipeline::PdfDocument::open(QStringLiteral(LAYOUTLENS_CORPUS_DIR "/technical/B1153-B2P-B.pdf"), {}, &error);
    QVERIFY2(doc, qPrintable(error.message));
    PageThumbnailModel model;
    model.setThumbnailBox(QSize(120, 120), 2.0);
    model.setDocument(doc);
    const QPixmap pixmap = model.thumbnail(0);
    QCOMPARE(pixmap.size(), QSize(240, 240));
    QCOMPARE(pixmap.devicePixelRatio(), 2.0);
    QVERIFY(QTest::qWaitFor([&] { return model.isRendered(0); }, 20000));
    QCOMPARE(model.renderQueue()->cache().bestForPage(0).width(), 240);  // landscape A3: fitted by width
  }
};

QTEST_MAIN(PageThumbnailModelTest)
#include "page_thumbnail_model_test.moc"
