// `layoutlens-cli info`: what a PDF holds before anything is rendered (pages, sizes, encryption, title),
// so batch scripts can check a file and pick a DPI without opening the GUI.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QString>
#include <algorithm>
#include <cmath>
#include <iostream>

#include "cli/command.h"
#include "cli/pdf_exit_codes.h"
#include "core/pipeline/pdf_document.h"

namespace {

using ll::pipeline::PdfDocument;
using ll::pipeline::PdfError;

const char* kInfoHelp =
    "usage: layoutlens-cli info FILE [--password P] [--json]\n"
    "\n"
    "Prints the page count, every page size (points and millimetres, after /Rotate), the rotation,\n"
    "whether the file is encrypted, and its title.\n"
    "\n"
    "options:\n"
    "  --password P   the PDF's open password (or set LAYOUTLENS_PDF_PASSWORD)\n"
    "  --json         print one JSON object instead of text\n"
    "  -h, --help     show this help\n"
    "\n"
    "exit codes: 0 ok, 2 bad arguments, 3 missing/unreadable/damaged file, 4 password missing or wrong\n";

constexpr double kMmPerPoint = 25.4 / 72.0;

// Names the common paper sizes so "842 x 595 pt" reads as "A4 landscape"; drawings are mostly A/ANSI sizes.
QString paperName(double wPt, double hPt) {
  struct Paper {
    const char* name;
    double shortMm, longMm;
  };
  static const Paper papers[] = {
      {"A0", 841, 1189},      {"A1", 594, 841},       {"A2", 420, 594},       {"A3", 297, 420},
      {"A4", 210, 297},       {"A5", 148, 210},       {"Letter", 215.9, 279.4}, {"Legal", 215.9, 355.6},
      {"ANSI B", 279.4, 431.8}, {"ANSI C", 431.8, 558.8}, {"ANSI D", 558.8, 863.6}, {"ANSI E", 863.6, 1117.6},
  };
  const double shortMm = std::min(wPt, hPt) * kMmPerPoint, longMm = std::max(wPt, hPt) * kMmPerPoint;
  for (const Paper& p : papers) {
    if (std::abs(shortMm - p.shortMm) <= 2.0 && std::abs(longMm - p.longMm) <= 2.0)
      return QString::fromLatin1(p.name) + (wPt > hPt ? QStringLiteral(" landscape") : QString());
  }
  return QString();
}

struct PageEntry {
  int first = 0, last = 0;  // 0-based, inclusive
  QSizeF size;
  int rotation = 0;
};

int runInfo(const std::vector<std::string>& args) {
  using namespace ll::cli;
  QString file;
  QByteArray password = qgetenv("LAYOUTLENS_PDF_PASSWORD");
  bool json = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      std::cout << kInfoHelp;
      return kExitOk;
    } else if (a == "--json") {
      json = true;
    } else if (a == "--password") {
      if (i + 1 >= args.size()) return fail(kExitUsage, "info: --password needs a value");
      password = QByteArray::fromStdString(args[++i]);
    } else if (a.rfind("--password=", 0) == 0) {
      password = QByteArray::fromStdString(a.substr(11));
    } else if (!a.empty() && a[0] == '-' && a != "-") {
      return fail(kExitUsage, "info: unknown option '" + a + "'; see `layoutlens-cli info --help`");
    } else if (file.isEmpty()) {
      file = QString::fromLocal8Bit(a.c_str());
    } else {
      return fail(kExitUsage, "info: takes one FILE, got a second one '" + a + "'");
    }
  }
  if (file.isEmpty()) return fail(kExitUsage, "info: no FILE given; usage: layoutlens-cli info FILE [--password P] [--json]");

  PdfError error;
  const auto doc = PdfDocument::open(file, password, &error);
  if (!doc) {
    QString message = error.message;
    if (error.code == PdfError::PasswordRequired)
      message = QStringLiteral("'%1' is password-protected; pass its password with --password").arg(file);
    return fail(ll::cli::exitCodeForPdfError(error.code), message.toStdString());
  }

  // Consecutive pages of one size collapse into one entry: a 300-page datasheet is one line, not 300.
  std::vector<PageEntry> entries;
  for (int i = 0; i < doc->pageCount(); ++i) {
    const QSizeF s = doc->pageSizePoints(i);
    const int r = doc->pageRotation(i);
    if (!entries.empty() && entries.back().size == s && entries.back().rotation == r && entries.back().last == i - 1) {
      entries.back().last = i;
    } else {
      entries.push_back({i, i, s, r});
    }
  }

  if (json) {
    QJsonObject o;
    o.insert("file", file);
    o.insert("pages", doc->pageCount());
    o.insert("encrypted", doc->isEncrypted());
    o.insert("title", doc->title());
    QJsonArray sizes;
    for (const PageEntry& e : entries) {
      QJsonObject s;
      s.insert("first_page", e.first + 1);
      s.insert("last_page", e.last + 1);
      s.insert("width_pt", std::round(e.size.width() * 100) / 100);
      s.insert("height_pt", std::round(e.size.height() * 100) / 100);
      s.insert("width_mm", std::round(e.size.width() * kMmPerPoint * 10) / 10);
      s.insert("height_mm", std::round(e.size.height() * kMmPerPoint * 10) / 10);
      s.insert("rotation", e.rotation);
      s.insert("paper", paperName(e.size.width(), e.size.height()));
      sizes.append(s);
    }
    o.insert("page_sizes", sizes);
    std::cout << QJsonDocument(o).toJson(QJsonDocument::Indented).toStdString();
    return kExitOk;
  }

  std::cout << "file:       " << file.toStdString() << "\n"
            << "pages:      " << doc->pageCount() << "\n"
            << "encrypted:  " << (doc->isEncrypted() ? "yes" : "no") << "\n"
            << "title:      " << (doc->title().isEmpty() ? QStringLiteral("(none)") : doc->title()).toStdString() << "\n"
            << "page sizes:\n";
  for (const PageEntry& e : entries) {
    const QString pages = e.first == e.last ? QStringLiteral("page %1").arg(e.first + 1)
                                            : QStringLiteral("pages %1-%2").arg(e.first + 1).arg(e.last + 1);
    QString line;
    if (e.size.isEmpty()) {
      line = QStringLiteral("0 x 0 pt (empty page, cannot be rendered)");
    } else {
      line = QStringLiteral("%1 x %2 pt (%3 x %4 mm)")
                 .arg(e.size.width(), 0, 'f', 2)
                 .arg(e.size.height(), 0, 'f', 2)
                 .arg(e.size.width() * kMmPerPoint, 0, 'f', 1)
                 .arg(e.size.height() * kMmPerPoint, 0, 'f', 1);
      const QString paper = paperName(e.size.width(), e.size.height());
      if (!paper.isEmpty()) line += QStringLiteral(" ") + paper;
    }
    if (e.rotation != 0) line += QStringLiteral(", rotated %1°").arg(e.rotation);
    std::cout << "  " << pages.leftJustified(14).toStdString() << line.toStdString() << "\n";
  }
  return kExitOk;
}

}  // namespace

LL_REGISTER_COMMAND("info", "show a PDF's pages, page sizes, encryption and title", runInfo);
