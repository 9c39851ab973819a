// Crops must come from exactly the right pixels (an off-by-one here moves every OCR crop) and be
// enlarged by the configured factor.
#include <QtTest>

#include "core/pipeline/picture_cropper.h"

using namespace ll::pipeline;

class PictureCropperTest : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void cutsExactPixelsWithoutScaling() {
    QImage page(40, 30, QImage::Format_RGB888);
    for (int y = 0; y < page.height(); ++y)
      for (int x = 0; x < page.width(); ++x) page.setPixelColor(x, y, QColor(x * 5, y * 7, 9));
    const CropResult r = cropPicture(page, QRect(10, 5, 8, 6), 1.0);
    QVERIFY(r.error.isEmpty());
    QCOMPARE(r.image.size(), QSize(8, 6));
    QCOMPARE(r.sourceRect, QRect(10, 5, 8, 6));
    QCOMPARE(r.image.pixelColor(0, 0), QColor(50, 35, 9));
    QCOMPARE(r.image.pixelColor(7, 5), QColor(85, 70, 9));
  }

  void upscalesByTheFactorAndKeepsFlatColours() {
    QImage page(100, 100, QImage::Format_RGB888);
    page.fill(QColor(200, 100, 50));
    const CropResult r = cropPicture(page, QRect(20, 20, 30, 10), 2.0);
    QCOMPARE(r.image.size(), QSize(60, 20));
    QCOMPARE(r.image.pixelColor(30, 10), QColor(200, 100, 50));
  }

  void clampsToThePageAndRejectsOutsideRegions() {
    QImage page(50, 40, QImage::Format_RGB888);
    page.fill(Qt::white);
    const CropResult partly = cropPicture(page, QRect(-10, 30, 30, 30), 1.0);
    QCOMPARE(partly.sourceRect, QRect(0, 30, 20, 10));
    QCOMPARE(partly.image.size(), QSize(20, 10));
    const CropResult outside = cropPicture(page, QRect(60, 60, 10, 10), 2.0);
    QVERIFY(outside.image.isNull());
    QVERIFY(outside.error.contains("outside"));
  }

  void capsTheLongEdge() {
    QImage page(3000, 1000, QImage::Format_RGB888);
    page.fill(Qt::black);
    const CropResult r = cropPicture(page, page.rect(), 2.0, 4096);
    QCOMPARE(r.image.width(), 4096);
    QCOMPARE(r.image.height(), 1365);
  }

  void acceptsOtherImageFormats() {
    QImage page(20, 20, QImage::Format_ARGB32);
    page.fill(QColor(10, 20, 30));
    const CropResult r = cropPicture(page, QRect(0, 0, 5, 5), 1.0);
    QCOMPARE(r.image.format(), QImage::Format_RGB888);
    QCOMPARE(r.image.pixelColor(2, 2), QColor(10, 20, 30));
  }
};

QTEST_GUILESS_MAIN(PictureCropperTest)
#include "picture_cropper_test.moc"
