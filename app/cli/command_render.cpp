// `layoutlens-cli render`: PDF pages to PNG files exactly as the pipeline renders them (same DPI and
// max-long-edge rules as the reference's convert_pdf_to_images), for checking inputs and feeding other tools.
#include <QDir>
#include <QFileInfo>
#include <QImageWriter>
#include <QSaveFile>
#include <QString>
#include <algorithm>
#include <cmath>
#include <iostream>

#include "cli/command.h"
#include "cli/pdf_exit_codes.h"
#include "core/pipeline/pdf_document.h"
#include "core/pipeline/pipeline_config.h"

namespace {

using ll::pipeline::PdfDocument;
using ll::pipeline::PdfError;
using ll::pipeline::RenderOptions;

const char* kRenderHelp =
    "usage: layoutlens-cli render --pdf FILE --out DIR [--dpi N] [--max-long-edge-px N] [--pages 1-3,7]\n"
    "                             [--password P] [--max-megapixels N]\n"
    "\n"
    "Renders pages to DIR/page_0001.png, page_0002.png, ... (numbered by PDF page, from 1). Each file is\n"
    "written under a temporary name and renamed when complete, so DIR never holds a partial PNG.\n"
    "\n"
    "options:\n"
    "  --pdf FILE              the PDF to render\n"
    "  --out DIR               output folder (created if missing)\n"
    "  --dpi N                 render resolution, 1-2400 (default 200, as pdf_dpi in the pipeline)\n"
    "  --max-long-edge-px N    then shrink so the long edge is at most N px, keeping the aspect (0 = off)\n"
    "  --pages SPEC            1-based pages or ranges, e.g. 1-3,7 or 5- (default: all)\n"
    "  --password P            the PDF's open password (or set LAYOUTLENS_PDF_PASSWORD)\n"
    "  --max-megapixels N      pages larger than N megapixels are rendered at a lower DPI (default 120)\n"
    "  -h, --help              show this help\n"
    "\n"
    "stdout gets one line per page written; a failure is one line on stderr.\n"
    "exit codes: 0 ok, 2 bad arguments, 3 missing/unreadable/damaged file or output folder,\n"
    "            4 password missing or wrong, 5 some pages failed (the others were written)\n";

bool parseNumber(const std::string& text, double min, double max, double* out) {
  bool ok = false;
  const double v = QString::fromStdString(text).trimmed().toDouble(&ok);
  if (!ok || !std::isfinite(v) || v < min || v > max) return false;
  *out = v;
  return true;
}

QString pageFileName(int pageIndex) { return QStringLiteral("page_%1.png").arg(pageIndex + 1, 4, 10, QLatin1Char('0')); }

// QSaveFile writes beside the target and renames on commit: readers see the old file or the whole new one.
bool writePngAtomically(const QImage& image, const QString& path, QString* error) {
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly)) {
    *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
    return false;
  }
  QImageWriter writer(&file, "png");
  if (!writer.write(image)) {
    *error = QStringLiteral("cannot encode %1 as PNG: %2").arg(path, writer.errorString());
    file.cancelWriting();
    return false;
  }
  if (!file.commit()) {
    *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
    return false;
  }
  return true;
}

int runRender(const std::vector<std::string>& args) {
  using namespace ll::cli;
  QString pdf, outDir, pageSpec;
  QByteArray password = qgetenv("LAYOUTLENS_PDF_PASSWORD");
  RenderOptions options;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i], value;
    bool inlineValue = false;
    if (a.rfind("--", 0) == 0 && a.find('=') != std::string::npos) {
      value = a.substr(a.find('=') + 1);
      a = a.substr(0, a.find('='));
      inlineValue = true;
    }
    if (a == "-h" || a == "--help") {
      std::cout << kRenderHelp;
      return kExitOk;
    }
    const bool takesValue = a == "--pdf" || a == "--out" || a == "--dpi" || a == "--max-long-edge-px" ||
                            a == "--pages" || a == "--password" || a == "--max-megapixels";
    if (!takesValue) {
      if (!a.empty() && a[0] == '-') return fail(kExitUsage, "render: unknown option '" + a + "'; see `layoutlens-cli render --help`");
      return fail(kExitUsage, "render: unexpected argument '" + a + "'; give the PDF with --pdf FILE");
    }
    if (!inlineValue) {
      if (i + 1 >= args.size()) return fail(kExitUsage, "render: " + a + " needs a value");
      value = args[++i];
    }
    double number = 0;
    if (a == "--pdf") {
      pdf = QString::fromLocal8Bit(value.c_str());
    } else if (a == "--out") {
      outDir = QString::fromLocal8Bit(value.c_str());
    } else if (a == "--pages") {
      pageSpec = QString::fromStdString(value);
    } else if (a == "--password") {
      password = QByteArray::fromStdString(value);
    } else if (a == "--dpi") {
      if (!parseNumber(value, 1, 2400, &number)) return fail(kExitUsage, "render: --dpi must be a number from 1 to 2400, not '" + value + "'");
      options.dpi = number;
    } else if (a == "--max-long-edge-px") {
      if (!parseNumber(value, 0, 1e6, &number) || number != std::floor(number))
        return fail(kExitUsage, "render: --max-long-edge-px must be a whole number of pixels (0 = off), not '" + value + "'");
      options.maxLongEdgePx = static_cast<int>(number);
    } else if (a == "--max-megapixels") {
      if (!parseNumber(value, 1, 2000, &number)) return fail(kExitUsage, "render: --max-megapixels must be a number from 1 to 2000, not '" + value + "'");
      options.maxPixels = static_cast<qint64>(number * 1e6);
    }
  }
  if (pdf.isEmpty()) return fail(kExitUsage, "render: no PDF given; use --pdf FILE (see `layoutlens-cli render --help`)");
  if (outDir.isEmpty()) return fail(kExitUsage, "render: no output folder given; use --out DIR");

  PdfError error;
  const auto doc = PdfDocument::open(pdf, password, &error);
  if (!doc) {
    QString message = error.message;
    if (error.code == PdfError::PasswordRequired)
      message = QStringLiteral("'%1' is password-protected; pass its password with --password").arg(pdf);
    return fail(ll::cli::exitCodeForPdfError(error.code), message.toStdString());
  }
  QList<int> pages;
  QString rangeError;
  if (!ll::pipeline::parsePageRange(pageSpec, doc->pageCount(), &pages, &rangeError))
    return fail(kExitUsage, ("render: --pages: " + rangeError).toStdString());

  if (!QDir().mkpath(outDir) || !QFileInfo(outDir).isDir())
    return fail(kExitInputError, QStringLiteral("cannot create the output folder '%1'; check the path and permissions").arg(outDir).toStdString());
  const QDir out(outDir);

  int written = 0;
  QString firstFailure;
  PdfError::Code firstFailureCode = PdfError::None;
  for (int index : pages) {
    const ll::pipeline::RenderedPage page = doc->render(index, options, &error);
    QString writeError;
    if (page.image.isNull()) {
      if (firstFailure.isEmpty()) {
        firstFailure = error.message;
        firstFailureCode = error.code;
      }
      continue;
    }
    const QString path = out.filePath(pageFileName(index));
    if (!writePngAtomically(page.image, path, &writeError)) {
      // The folder itself is the problem, so every later page would fail the same way.
      return fail(written > 0 ? kExitPartial : kExitInputError, writeError.toStdString());
    }
    ++written;
    std::cout << "page " << index + 1 << ": " << page.image.width() << " x " << page.image.height() << " px at "
              << QString::number(page.effectiveDpi, 'f', 1).toStdString() << " dpi -> " << path.toStdString();
    if (page.downscaled) std::cout << " (" << page.note.toStdString() << ")";
    std::cout << std::endl;
  }
  const int failed = static_cast<int>(pages.size()) - written;
  if (failed == 0) return kExitOk;
  const QString summary = QStringLiteral("%1; %2 of %3 page(s) could not be rendered").arg(firstFailure).arg(failed).arg(pages.size());
  if (written == 0) return fail(ll::cli::exitCodeForPdfError(firstFailureCode), summary.toStdString());
  return fail(kExitPartial, (summary + QStringLiteral(", the others were written")).toStdString());
}

}  // namespace

LL_REGISTER_COMMAND("render", "render PDF pages to PNG files (DPI, max long edge, page ranges)", runRender);
