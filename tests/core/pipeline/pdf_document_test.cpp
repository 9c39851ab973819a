// PdfDocument: geometry (DPI, max long edge, pixel budget, /Rotate), pixels, every error class, passwords,
// and concurrent rendering. Most PDFs are written by the test itself so each property is controlled
// exactly; password cases use the shared corpus (skipped when it is absent).
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <QtConcurrent/QtConcurrentRun>
#include <QFuture>
#include <cmath>
#include <unistd.h>

#include "core/pipeline/pdf_document.h"

using ll::pipeline::PdfDocument;
using ll::pipeline::PdfError;
using ll::pipeline::RenderOptions;

namespace {

struct PageSpec {
  QString mediaBox;  // e.g. "0 0 595 842"
  int rotate = 0;
  QByteArray content;  // content stream operators
};

// Writes a minimal, valid PDF (catalog, page tree, pages, content streams, exact xref offsets).
QByteArray makePdf(const QList<PageSpec>& pages) {
  QByteArray pdf = "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n";
  QList<qint64> offsets;
  auto object = [&](const QByteArray& body) {
    offsets << pdf.size();
    pdf += QByteArray::number(offsets.size()) + " 0 obj\n" + body + "\nendobj\n";
  };
  object("<< /Type /Catalog /Pages 2 0 R >>");
  QByteArray kids;
  for (int i = 0; i < pages.size(); ++i) kids += QByteArray::number(3 + 2 * i) + " 0 R ";
  object("<< /Type /Pages /Kids [" + kids + "] /Count " + QByteArray::number(pages.size()) + " >>");
  for (int i = 0; i < pages.size(); ++i) {
    const PageSpec& p = pages[i];
    object("<< /Type /Page /Parent 2 0 R /MediaBox [" + p.mediaBox.toLatin1() + "] /Rotate " + QByteArray::number(p.rotate) +
           " /Contents " + QByteArray::number(4 + 2 * i) + " 0 R /Resources << >> >>");
    object("<< /Length " + QByteArray::number(p.content.size()) + " >>\nstream\n" + p.content + "\nendstream");
  }
  const qint64 xref = pdf.size();
  pdf += "xref\n0 " + QByteArray::number(offsets.size() + 1) + "\n0000000000 65535 f \n";
  for (qint64 o : offsets) pdf += QByteArray::number(o).rightJustified(10, '0') + " 00000 n \n";
  pdf += "trailer\n<< /Size " + QByteArray::number(offsets.size() + 1) + " /Root 1 0 R >>\nstartxref\n" +
         QByteArray::number(xref) + "\n%%EOF\n";
  return pdf;
}

bool isBlack(QRgb c) { return qRed(c) < 40 && qGreen(c) < 40 && qBlue(c) < 40; }
bool isWhite(QRgb c) { return qRed(c) > 215 && qGreen(c) > 215 && qBlue(c) > 215; }

QString corpusFile(const QString& name) { return QStringLiteral(LAYOUTLENS_CORPUS_DIR "/robustness/") + name; }

}  // namespace

class PdfDocumentTest : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;
  QString write(const QString& name, const QByteArray& bytes) {
    const QString path = dir_.filePath(name);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size()) qFatal("cannot write %s", qPrintable(path));
    return path;
  }
  std::shared_ptr<PdfDocument> openOk(const QString& path, const QByteArray& password = QByteArray()) {
    PdfError e;
    auto doc = PdfDocument::open(path, password, &e);
    if (!doc) qWarning("open failed: %s", qPrintable(e.message));
    return doc;
  }

 private Q_SLOTS:
  void initTestCase() { QVERIFY(dir_.isValid()); }

  void dpiForAppliesLongEdgeThenBudget() {
    RenderOptions o;
    QCOMPARE(PdfDocument::dpiFor(QSizeF(595, 842), o), 200.0);
    o.maxLongEdgePx = 1000;
    QVERIFY(std::abs(PdfDocument::dpiFor(QSizeF(595, 842), o) - 1000 * 72.0 / 842) < 1e-9);
    o.maxLongEdgePx = 5000;  // larger than the render: no effect
    QCOMPARE(PdfDocument::dpiFor(QSizeF(595, 842), o), 200.0);
    o = RenderOptions();
    o.maxPixels = 4'000'000;
    const double dpi = PdfDocument::dpiFor(QSizeF(14400, 14400), o);
    QVERIFY(dpi < 72.0 * std::sqrt(4e6 / (14400.0 * 14400.0)) + 1e-9);
    QVERIFY(dpi > 72.0 * std::sqrt(4e6 / (14400.0 * 14400.0)) * 0.99);
    QCOMPARE(PdfDocument::dpiFor(QSizeF(0, 0), o), 0.0);
    QCOMPARE(PdfDocument::dpiFor(QSizeF(-5, 100), o), 0.0);
  }

  void opensAndReportsBasics() {
    const QString path = write("basic.pdf", makePdf({{"0 0 595 842", 0, ""}, {"0 0 1191 842", 0, ""}}));
    auto doc = openOk(path);
    QVERIFY(doc);
    QCOMPARE(doc->path(), path);
    QCOMPARE(doc->pageCount(), 2);
    QVERIFY(!doc->isEncrypted());
    QCOMPARE(doc->pageSizePoints(0), QSizeF(595, 842));
    QCOMPARE(doc->pageSizePoints(1), QSizeF(1191, 842));
    QCOMPARE(doc->pageRotation(0), 0);
    QVERIFY(!doc->pageSizePoints(2).isValid());  // out of range: an invalid size, not a crash
  }

  void rendersAtRequestedDpiWithExactSize() {
    auto doc = openOk(write("a4.pdf", makePdf({{"0 0 595 842", 0, "0 0 0 rg 0 742 100 100 re f"}})));
    QVERIFY(doc);
    PdfError e;
    RenderOptions o;
    o.dpi = 72;
    auto page = doc->render(0, o, &e);
    QCOMPARE(e.code, PdfError::None);
    QCOMPARE(page.image.size(), QSize(595, 842));
    QCOMPARE(page.image.format(), QImage::Format_RGB888);
    QCOMPARE(page.effectiveDpi, 72.0);
    QVERIFY(!page.downscaled);
    QVERIFY(page.note.isEmpty());
    // The square sits in the PDF's top-left (PDF y grows upwards): image top-left is black, the rest white.
    QVERIFY(isBlack(page.image.pixel(50, 50)));
    QVERIFY(isWhite(page.image.pixel(150, 50)));
    QVERIFY(isWhite(page.image.pixel(50, 150)));
    QVERIFY(isWhite(page.image.pixel(500, 800)));

    o.dpi = 200;
    page = doc->render(0, o, &e);
    QCOMPARE(page.image.size(), QSize(1653, 2339));  // round(595*200/72) x round(842*200/72)
    QVERIFY(isBlack(page.image.pixel(130, 130)));
    QVERIFY(isWhite(page.image.pixel(300, 130)));
  }

  void maxLongEdgeShrinksKeepingAspect() {
    auto doc = openOk(write("edge.pdf", makePdf({{"0 0 595 842", 0, ""}, {"0 0 842 595", 0, ""}})));
    QVERIFY(doc);
    RenderOptions o;
    o.maxLongEdgePx = 1000;
    PdfError e;
    auto portrait = doc->render(0, o, &e);
    // Reference: 1653x2339 at 200 dpi, then long edge 2339 -> 1000, short 1653*1000/2339 = 706.7 -> 707.
    QCOMPARE(portrait.image.size(), QSize(707, 1000));
    QVERIFY(portrait.downscaled);
    QVERIFY(portrait.note.contains("long edge of 1000"));
    QVERIFY(std::abs(portrait.effectiveDpi - 200.0 * 1000 / 2339) < 1e-6);
    auto landscape = doc->render(1, o, &e);
    QCOMPARE(landscape.image.size(), QSize(1000, 707));
    o.maxLongEdgePx = 4000;  // larger than the render: untouched
    auto untouched = doc->render(0, o, &e);
    QCOMPARE(untouched.image.size(), QSize(1653, 2339));
    QVERIFY(!untouched.downscaled);
  }

  void pixelBudgetDownscalesHugeSheets() {
    // 200 x 200 inches: 40000 x 40000 px at 200 dpi would be 4.8 GB.
    auto doc = openOk(write("huge.pdf", makePdf({{"0 0 14400 14400", 0, "0 0 0 rg 0 0 7200 14400 re f"}})));
    QVERIFY(doc);
    RenderOptions o;
    o.maxPixels = 4'000'000;
    PdfError e;
    auto page = doc->render(0, o, &e);
    QCOMPARE(e.code, PdfError::None);
    QVERIFY(!page.image.isNull());
    QVERIFY(qint64(page.image.width()) * page.image.height() <= o.maxPixels);
    QVERIFY(page.image.width() >= 1990);  // it uses the budget, not a token thumbnail
    QVERIFY(page.downscaled);
    QVERIFY2(page.note.contains("4.0 MP"), qPrintable(page.note));
    QVERIFY(page.effectiveDpi < 10.0 && page.effectiveDpi > 9.9);
    // Left half black, right half white: the content was rendered, not just a blank canvas.
    QVERIFY(isBlack(page.image.pixel(page.image.width() / 4, page.image.height() / 2)));
    QVERIFY(isWhite(page.image.pixel(3 * page.image.width() / 4, page.image.height() / 2)));
  }

  void refusesWhenTheBudgetLeavesNoUsefulResolution() {
    auto doc = openOk(write("huge2.pdf", makePdf({{"0 0 14400 14400", 0, ""}})));
    QVERIFY(doc);
    RenderOptions o;
    o.maxPixels = 10'000;  // 100 x 100 px for a 200-inch sheet: 0.5 dpi
    PdfError e;
    auto page = doc->render(0, o, &e);
    QVERIFY(page.image.isNull());
    QCOMPARE(e.code, PdfError::TooLarge);
    QVERIFY(e.message.contains("page 1"));
    QVERIFY(!e.message.contains('\n'));
  }

  void appliesPageRotation() {
    // A 200x100 pt page with a black square at its top-left, shown rotated 90 degrees clockwise.
    auto doc = openOk(write("rot.pdf", makePdf({{"0 0 200 100", 90, "0 0 0 rg 0 50 50 50 re f"}, {"0 0 200 100", 270, ""}})));
    QVERIFY(doc);
    QCOMPARE(doc->pageRotation(0), 90);
    QCOMPARE(doc->pageRotation(1), 270);
    QCOMPARE(doc->pageSizePoints(0), QSizeF(100, 200));
    RenderOptions o;
    o.dpi = 72;
    PdfError e;
    auto page = doc->render(0, o, &e);
    QCOMPARE(page.image.size(), QSize(100, 200));
    // Clockwise: the unrotated top-left corner is now the top-right one.
    QVERIFY(isBlack(page.image.pixel(75, 25)));
    QVERIFY(isWhite(page.image.pixel(25, 25)));
    QVERIFY(isWhite(page.image.pixel(75, 175)));
  }

  void emptyPageIsRefusedWithAMessage() {
    // Poppler replaces an all-zero MediaBox with a default size, but keeps one with a zero-width side.
    auto doc = openOk(write("empty-page.pdf", makePdf({{"0 0 595 842", 0, ""}, {"0 0 0 842", 0, ""}})));
    QVERIFY(doc);
    QCOMPARE(doc->pageSizePoints(1), QSizeF(0, 0));
    PdfError e;
    auto page = doc->render(1, RenderOptions(), &e);
    QVERIFY(page.image.isNull());
    QCOMPARE(e.code, PdfError::PageEmpty);
    QVERIFY2(e.message.contains("page 2") && e.message.contains("nothing to render"), qPrintable(e.message));
    QVERIFY(!doc->render(0, RenderOptions(), &e).image.isNull());  // the document's other pages still render
  }

  void pageThatCannotBeLoadedIsRefused() {
    const QString path = corpusFile("issue19484_1.pdf");  // its only page sits in undecodable streams
    if (!QFile::exists(path)) QSKIP("corpus not available");
    auto doc = openOk(path);
    QVERIFY(doc);
    QCOMPARE(doc->pageSizePoints(0), QSizeF(0, 0));
    PdfError e;
    QVERIFY(doc->render(0, RenderOptions(), &e).image.isNull());
    QCOMPARE(e.code, PdfError::RenderFailed);
    QVERIFY2(e.message.contains("page 1") && e.message.contains("Poppler:"), qPrintable(e.message));
  }

  void unreadablePageInAReadableDocument() {
    const QString path = corpusFile("Pages-tree-refs.pdf");  // page 2 sits in a circular /Pages tree
    if (!QFile::exists(path)) QSKIP("corpus not available");
    auto doc = openOk(path);
    QVERIFY(doc);
    QCOMPARE(doc->pageCount(), 2);
    PdfError e;
    QVERIFY(!doc->render(0, RenderOptions(), &e).image.isNull());
    QVERIFY(doc->render(1, RenderOptions(), &e).image.isNull());
    QVERIFY2(e.code == PdfError::RenderFailed || e.code == PdfError::PageEmpty, qPrintable(e.message));
    QVERIFY(e.message.contains("page 2"));
  }

  void pageOutOfRange() {
    auto doc = openOk(write("one.pdf", makePdf({{"0 0 100 100", 0, ""}})));
    QVERIFY(doc);
    PdfError e;
    QVERIFY(doc->render(1, RenderOptions(), &e).image.isNull());
    QCOMPARE(e.code, PdfError::PageOutOfRange);
    QVERIFY(e.message.contains("1 page"));
    QVERIFY(doc->render(-1, RenderOptions(), &e).image.isNull());
    QCOMPARE(e.code, PdfError::PageOutOfRange);
  }

  void classifiesFilesThatCannotBeOpened_data() {
    QTest::addColumn<QString>("path");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("missing") << dir_.filePath("nope.pdf") << int(PdfError::NotFound) << "does not exist";
    QTest::newRow("folder") << dir_.path() << int(PdfError::Unreadable) << "folder";
    QTest::newRow("empty") << write("empty.pdf", QByteArray()) << int(PdfError::NotAPdf) << "empty";
    QTest::newRow("text") << write("text.pdf", QByteArray("hello, I am not a PDF\n").repeated(50)) << int(PdfError::NotAPdf) << "not a PDF";
    QTest::newRow("truncated") << write("truncated.pdf", makePdf({{"0 0 100 100", 0, ""}}).left(30)) << int(PdfError::Damaged) << "damaged";
    QTest::newRow("no pages") << write("nopages.pdf", makePdf({})) << int(PdfError::NoPages) << "no readable pages";
  }
  void classifiesFilesThatCannotBeOpened() {
    QFETCH(QString, path);
    QFETCH(int, code);
    QFETCH(QString, mentions);
    PdfError e;
    QVERIFY(!PdfDocument::open(path, QByteArray(), &e));
    QVERIFY2(e.code == code, qPrintable(QStringLiteral("got %1: %2").arg(PdfDocument::codeName(e.code), e.message)));
    QVERIFY2(e.message.contains(mentions), qPrintable(e.message));
    QVERIFY(!e.message.contains('\n'));
    QVERIFY(e.message.contains(';'));  // "what is wrong; what to do"
  }

  void unreadableFile() {
    if (geteuid() == 0) QSKIP("root reads files regardless of permissions");
    const QString path = write("locked.pdf", makePdf({{"0 0 100 100", 0, ""}}));
    QFile::setPermissions(path, QFileDevice::Permissions());
    PdfError e;
    QVERIFY(!PdfDocument::open(path, QByteArray(), &e));
    QCOMPARE(e.code, PdfError::Unreadable);
  }

  void passwords() {
    const QString path = corpusFile("popplertest-encrypted-256.pdf");
    if (!QFile::exists(path)) QSKIP("corpus not available");
    PdfError e;
    QVERIFY(!PdfDocument::open(path, QByteArray(), &e));
    QCOMPARE(e.code, PdfError::PasswordRequired);
    QVERIFY(!PdfDocument::open(path, "User-secret", &e));
    QCOMPARE(e.code, PdfError::WrongPassword);
    QVERIFY(e.message.contains("wrong"));
    auto user = PdfDocument::open(path, "user-secret", &e);
    QVERIFY2(user, qPrintable(e.message));
    QVERIFY(user->isEncrypted());
    QCOMPARE(user->pageCount(), 1);
    QVERIFY(!user->render(0, RenderOptions(), &e).image.isNull());
    QVERIFY(PdfDocument::open(path, "owner-secret", &e));  // the owner password opens it too
  }

  void utf8AndLatin1Passwords() {
    const QString aes256 = corpusFile("issue6010_2.pdf");  // AES-256 R6, password "æøå" (UTF-8)
    if (!QFile::exists(aes256)) QSKIP("corpus not available");
    PdfError e;
    QVERIFY2(PdfDocument::open(aes256, QStringLiteral("æøå").toUtf8(), &e), qPrintable(e.message));
    QVERIFY(!PdfDocument::open(aes256, "aeoa", &e));
    QCOMPARE(e.code, PdfError::WrongPassword);
    const QString rc4 = corpusFile("qpdf-enc-R2_V1_U-view_O-master.pdf");
    QVERIFY2(PdfDocument::open(rc4, "view", &e), qPrintable(e.message));
    QVERIFY(!PdfDocument::open(rc4, "wrong", &e));
    QCOMPARE(e.code, PdfError::WrongPassword);
  }

  void ownerOnlyEncryptionOpensWithoutPassword() {
    const QString path = corpusFile("empty_protected.pdf");
    if (!QFile::exists(path)) QSKIP("corpus not available");
    PdfError e;
    auto doc = PdfDocument::open(path, QByteArray(), &e);
    QVERIFY2(doc, qPrintable(e.message));
    QVERIFY(doc->isEncrypted());
  }

  void damagedFileMessageQuotesPoppler() {
    const QString path = corpusFile("bug1020226.pdf");  // dictionary keys that are not names
    if (!QFile::exists(path)) QSKIP("corpus not available");
    PdfError e;
    QVERIFY(!PdfDocument::open(path, QByteArray(), &e));
    QVERIFY2(e.code == PdfError::Damaged || e.code == PdfError::NoPages, qPrintable(e.message));
    QVERIFY2(e.message.contains("Poppler:"), qPrintable(e.message));
  }

  void slowPagesAreAbandonedAfterTheTimeLimit() {
    // 150,000 tiny filled rectangles: far more than 1 ms of drawing.
    QByteArray content;
    content.reserve(150'000 * 24);
    for (int i = 0; i < 150'000; ++i) content += QByteArray::number(i % 500) + " " + QByteArray::number((i / 500) % 500) + " 1 1 re f\n";
    auto doc = openOk(write("slow.pdf", makePdf({{"0 0 500 500", 0, content}})));
    QVERIFY(doc);
    RenderOptions o;
    o.dpi = 72;
    o.timeoutMs = 1;
    PdfError e;
    QVERIFY(doc->render(0, o, &e).image.isNull());
    QCOMPARE(e.code, PdfError::RenderFailed);
    QVERIFY2(e.message.contains("took longer than"), qPrintable(e.message));
    o.timeoutMs = 0;  // no limit: the same page renders
    QVERIFY(!doc->render(0, o, &e).image.isNull());
  }

  void concurrentRendersGiveIdenticalImages() {
    auto doc = openOk(write("threads.pdf", makePdf({{"0 0 300 300", 0, "0 0 1 rg 10 10 100 200 re f 1 0 0 rg 150 150 50 50 re f"}})));
    QVERIFY(doc);
    RenderOptions o;
    o.dpi = 150;
    PdfError e;
    const QImage reference = doc->render(0, o, &e).image;
    QVERIFY(!reference.isNull());
    QList<QFuture<QImage>> futures;
    for (int i = 0; i < 6; ++i)
      futures << QtConcurrent::run([doc, o] {
        PdfError err;
        return doc->render(0, o, &err).image;
      });
    for (auto& f : futures) QCOMPARE(f.result(), reference);
  }
};

QTEST_MAIN(PdfDocumentTest)
#include "pdf_document_test.moc"
