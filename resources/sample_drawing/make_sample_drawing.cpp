// Draws the sample engineering drawing that ships with LayoutLens (an A3 landscape sheet of a mounting
// bracket: border with zones, three first-angle views with dimensions and tolerances, parts list,
// general notes, revision and title blocks). It is generated at build time rather than committed so
// the repository carries no binary, and so a fresh build always has a realistic technical drawing
// to open, test the layout model on and take screenshots of.
//
// Usage: make_sample_drawing OUTPUT.pdf
#include <QFont>
#include <QGuiApplication>
#include <QPageLayout>
#include <QPageSize>
#include <QPainter>
#include <QPainterPath>
#include <QPdfWriter>
#include <QtMath>
#include <cstdio>

namespace {

constexpr double kSheetW = 420, kSheetH = 297;  // A3 landscape, mm
constexpr int kResolution = 1200;               // device units per inch in the PDF
constexpr double kScale = 2.0;                  // drawing scale 2:1

class Sheet {
 public:
  explicit Sheet(QPainter& p) : p_(p) {}
  static double mm(double v) { return v * kResolution / 25.4; }
  static QPointF at(double x, double y) { return QPointF(mm(x), mm(y)); }

  // ISO 128 line types, widths in mm.
  void visible() { pen(0.5, Qt::SolidLine); }
  void thin() { pen(0.25, Qt::SolidLine); }
  void hidden() { dashed(0.35, {6, 3}); }         // dashes and gaps in multiples of the width
  void centre() { dashed(0.25, {48, 8, 4, 8}); }  // long dash, dot
  void pen(double width, Qt::PenStyle style) {
    QPen pen(Qt::black, mm(width), style, Qt::FlatCap, Qt::MiterJoin);
    p_.setPen(pen);
    p_.setBrush(Qt::NoBrush);
  }
  void dashed(double width, const QVector<qreal>& pattern) {
    QPen pen(Qt::black, mm(width), Qt::CustomDashLine, Qt::FlatCap, Qt::MiterJoin);
    pen.setDashPattern(pattern);
    p_.setPen(pen);
    p_.setBrush(Qt::NoBrush);
  }
  // Font whose capital letters are about h mm tall (ISO 3098 text heights 2.5 / 3.5 / 5 / 7).
  void text(double h, bool bold = false) {
    QFont f(QStringLiteral("DejaVu Sans"));
    f.setPointSizeF(h / 0.72 / 25.4 * 72);
    f.setBold(bold);
    p_.setFont(f);
  }

  void line(double x1, double y1, double x2, double y2) { p_.drawLine(at(x1, y1), at(x2, y2)); }
  void rect(double x, double y, double w, double h) { p_.drawRect(QRectF(at(x, y), at(x + w, y + h))); }
  void circle(double cx, double cy, double r) { p_.drawEllipse(at(cx, cy), mm(r), mm(r)); }
  // Text in a box, aligned as asked.
  void label(double x, double y, double w, double h, const QString& s, int align = Qt::AlignLeft | Qt::AlignVCenter) {
    p_.drawText(QRectF(at(x, y), at(x + w, y + h)), align, s);
  }
  void arrowHead(QPointF tip, double angleRad) {
    const double len = mm(3.0), half = mm(0.55);
    const QPointF dir(std::cos(angleRad), std::sin(angleRad));
    const QPointF nrm(-dir.y(), dir.x());
    QPainterPath path;
    path.moveTo(tip);
    path.lineTo(tip - dir * len + nrm * half);
    path.lineTo(tip - dir * len - nrm * half);
    path.closeSubpath();
    p_.fillPath(path, Qt::black);
  }

  // Linear dimension between two feature points (sheet mm), the dimension line `offset` mm away
  // (positive = above for horizontal, left for vertical), text centred on the line.
  void dimH(double x1, double x2, double yFeature, double yLine, const QString& value) {
    thin();
    const double dir = yLine < yFeature ? -1 : 1;
    line(x1, yFeature + dir * 1.0, x1, yLine + dir * 2.0);
    line(x2, yFeature + dir * 1.0, x2, yLine + dir * 2.0);
    line(x1, yLine, x2, yLine);
    arrowHead(at(x1, yLine), M_PI);
    arrowHead(at(x2, yLine), 0);
    text(3.5);
    label(x1 - 30, yLine - 6.2, (x2 - x1) + 60, 5.5, value, Qt::AlignHCenter | Qt::AlignBottom);
  }
  void dimV(double y1, double y2, double xFeature, double xLine, const QString& value) {
    thin();
    const double dir = xLine < xFeature ? -1 : 1;
    line(xFeature + dir * 1.0, y1, xLine + dir * 2.0, y1);
    line(xFeature + dir * 1.0, y2, xLine + dir * 2.0, y2);
    line(xLine, y1, xLine, y2);
    arrowHead(at(xLine, y1), -M_PI / 2);
    arrowHead(at(xLine, y2), M_PI / 2);
    text(3.5);
    p_.save();
    p_.translate(at(xLine, (y1 + y2) / 2));
    p_.rotate(-90);  // vertical dimension text reads from the right (ISO 129 method 1)
    p_.drawText(QRectF(-mm(40), -mm(6.2), mm(80), mm(5.5)), Qt::AlignHCenter | Qt::AlignBottom, value);
    p_.restore();
  }
  // Leader from a feature (arrow at `from`) to a horizontal shoulder carrying the text.
  void leader(double fx, double fy, double tx, double ty, const QString& value, bool toRight = true) {
    thin();
    line(fx, fy, tx, ty);
    arrowHead(at(fx, fy), std::atan2(fy - ty, fx - tx));
    const double shoulder = 4;
    const double ex = toRight ? tx + shoulder : tx - shoulder;
    line(tx, ty, ex, ty);
    text(3.5);
    if (toRight) label(ex + 1, ty - 6, 70, 5.5, value, Qt::AlignLeft | Qt::AlignBottom);
    else label(ex - 71, ty - 6, 70, 5.5, value, Qt::AlignRight | Qt::AlignBottom);
  }
  QPainter& painter() { return p_; }

 private:
  QPainter& p_;
};

// --- the part: an aluminium angle bracket, model millimetres -------------------------------------
// X width 60, Y depth 40 (base), Z height 45; base and upright 6 thick; inner fillet R3;
// 2x Ø6.6 through holes in the base at X 15/45, Y 25; Ø12 H7 bore in the upright at X 30, Z 28.
constexpr double W = 60, D = 40, H = 45, T = 6, R = 3;
constexpr double HoleX1 = 15, HoleX2 = 45, HoleY = 25, HoleR = 3.3;
constexpr double BoreZ = 28, BoreR = 6;

void drawBorder(Sheet& s) {
  s.pen(0.7, Qt::SolidLine);
  s.rect(20, 10, kSheetW - 30, kSheetH - 20);  // drawing frame, 20 mm filing margin on the left
  s.thin();
  s.rect(5, 5, kSheetW - 10, kSheetH - 10);    // trimming edge
  // Zones: 8 columns x 6 rows, marked on all four sides (ISO 5457).
  const double x0 = 20, x1 = kSheetW - 10, y0 = 10, y1 = kSheetH - 10;
  s.text(3.5);
  const int cols = 8, rows = 6;
  for (int i = 0; i < cols; ++i) {
    const double a = x0 + (x1 - x0) * i / cols, b = x0 + (x1 - x0) * (i + 1) / cols;
    if (i > 0) {
      s.line(a, y0 - 5, a, y0);
      s.line(a, y1, a, y1 + 5);
    }
    s.label(a, y0 - 5, b - a, 5, QString::number(i + 1), Qt::AlignCenter);
    s.label(a, y1, b - a, 5, QString::number(i + 1), Qt::AlignCenter);
  }
  for (int j = 0; j < rows; ++j) {
    const double a = y0 + (y1 - y0) * j / rows, b = y0 + (y1 - y0) * (j + 1) / rows;
    if (j > 0) {
      s.line(x0 - 15, a, x0, a);
      s.line(x1, a, x1 + 5, a);
    }
    const QString letter(QChar('A' + j));
    s.label(x0 - 10, a, 10, b - a, letter, Qt::AlignCenter);
    s.label(x1, a, 5, b - a, letter, Qt::AlignCenter);
  }
  // Centring marks.
  s.pen(0.7, Qt::SolidLine);
  s.line(kSheetW / 2 + 5, 5, kSheetW / 2 + 5, 15);
  s.line(kSheetW / 2 + 5, kSheetH - 5, kSheetW / 2 + 5, kSheetH - 15);
  s.line(5, kSheetH / 2, 25, kSheetH / 2);
  s.line(kSheetW - 5, kSheetH / 2, kSheetW - 15, kSheetH / 2);
}

// Front view: looking at the upright, X to the right, Z up. Origin = bottom-left corner on the sheet.
void drawFront(Sheet& s, double ox, double oy) {
  auto X = [&](double x) { return ox + x * kScale; };
  auto Z = [&](double z) { return oy - z * kScale; };
  s.visible();
  s.rect(X(0), Z(H), W * kScale, H * kScale);
  s.line(X(0), Z(T), X(W), Z(T));  // top face of the base, in front of the upright
  s.circle(X(W / 2), Z(BoreZ), BoreR * kScale);
  s.hidden();
  for (double hx : {HoleX1, HoleX2}) {
    s.line(X(hx - HoleR), Z(0), X(hx - HoleR), Z(T));
    s.line(X(hx + HoleR), Z(0), X(hx + HoleR), Z(T));
  }
  s.centre();
  s.line(X(W / 2), Z(BoreZ + BoreR + 4), X(W / 2), Z(-3));
  s.line(X(W / 2 - BoreR - 4), Z(BoreZ), X(W / 2 + BoreR + 4), Z(BoreZ));
  for (double hx : {HoleX1, HoleX2}) s.line(hx * kScale + ox, Z(-2), hx * kScale + ox, Z(T + 2));
  s.dimH(X(0), X(W), Z(H), Z(H) - 10, QStringLiteral("60"));
  s.dimV(Z(0), Z(H), X(0), X(0) - 12, QStringLiteral("45"));
  s.dimV(Z(0), Z(BoreZ), X(W), X(W) + 12, QStringLiteral("28 ±0.05"));
  s.leader(X(W / 2) + BoreR * kScale * 0.7071, Z(BoreZ) - BoreR * kScale * 0.7071, X(W) + 22, Z(H) - 4,
           QStringLiteral("Ø12 H7"));
  s.text(3.5, true);
  s.label(X(0), Z(0) + 6, W * kScale, 6, QStringLiteral("FRONT VIEW"), Qt::AlignCenter);
}

// Top view (first angle: below the front view): X to the right, Y down (the base comes towards the viewer).
void drawTop(Sheet& s, double ox, double oy) {
  auto X = [&](double x) { return ox + x * kScale; };
  auto Y = [&](double y) { return oy + y * kScale; };
  s.visible();
  s.rect(X(0), Y(0), W * kScale, D * kScale);
  s.line(X(0), Y(T), X(W), Y(T));  // front face of the upright
  for (double hx : {HoleX1, HoleX2}) s.circle(X(hx), Y(HoleY), HoleR * kScale);
  s.hidden();
  s.line(X(W / 2 - BoreR), Y(0), X(W / 2 - BoreR), Y(T));
  s.line(X(W / 2 + BoreR), Y(0), X(W / 2 + BoreR), Y(T));
  s.centre();
  s.line(X(W / 2), Y(-2), X(W / 2), Y(T + 2));
  for (double hx : {HoleX1, HoleX2}) {
    s.line(X(hx), Y(HoleY - HoleR - 3), X(hx), Y(HoleY + HoleR + 3));
    s.line(X(hx - HoleR - 3), Y(HoleY), X(hx + HoleR + 3), Y(HoleY));
  }
  s.dimH(X(HoleX1), X(HoleX2), Y(D), Y(D) + 18, QStringLiteral("30 ±0.1"));
  s.dimH(X(0), X(HoleX1), Y(D), Y(D) + 8, QStringLiteral("15"));
  s.dimV(Y(0), Y(D), X(W), X(W) + 12, QStringLiteral("40"));
  s.dimV(Y(0), Y(HoleY), X(0), X(0) - 10, QStringLiteral("25"));
  s.leader(X(HoleX2) + HoleR * kScale * 0.7071, Y(HoleY) + HoleR * kScale * 0.7071, X(W) + 20, Y(D) + 10,
           QStringLiteral("2× Ø6.6 THRU"));
  s.text(3.5, true);
  s.label(X(0), Y(D) + 22, W * kScale, 6, QStringLiteral("TOP VIEW"), Qt::AlignCenter);
}

// Left view (first angle: right of the front view): the L profile, Y to the left, Z up.
void drawSide(Sheet& s, double ox, double oy) {
  // ox, oy: sheet position of the back face (Y = 0) at the bottom (Z = 0).
  auto Yp = [&](double y) { return ox - y * kScale; };
  auto Z = [&](double z) { return oy - z * kScale; };
  s.visible();
  QPainterPath profile;
  profile.moveTo(Sheet::at(Yp(0), Z(0)));
  profile.lineTo(Sheet::at(Yp(D), Z(0)));
  profile.lineTo(Sheet::at(Yp(D), Z(T)));
  profile.lineTo(Sheet::at(Yp(T + R), Z(T)));
  // Inner fillet R3 between the base top and the upright's front face.
  const QRectF arc(Sheet::at(Yp(T + 2 * R), Z(T + 2 * R)), Sheet::at(Yp(T), Z(T)));
  profile.arcTo(arc, 270, 90);
  profile.lineTo(Sheet::at(Yp(T), Z(H)));
  profile.lineTo(Sheet::at(Yp(0), Z(H)));
  profile.closeSubpath();
  s.painter().drawPath(profile);
  s.hidden();
  s.line(Yp(0), Z(BoreZ - BoreR), Yp(T), Z(BoreZ - BoreR));
  s.line(Yp(0), Z(BoreZ + BoreR), Yp(T), Z(BoreZ + BoreR));
  s.line(Yp(HoleY - HoleR), Z(0), Yp(HoleY - HoleR), Z(T));
  s.line(Yp(HoleY + HoleR), Z(0), Yp(HoleY + HoleR), Z(T));
  s.centre();
  s.line(Yp(-3), Z(BoreZ), Yp(T + 3), Z(BoreZ));
  s.line(Yp(HoleY), Z(-2), Yp(HoleY), Z(T + 2));
  s.dimV(Z(0), Z(T), Yp(D), Yp(D) - 10, QStringLiteral("6"));
  s.dimH(Yp(T), Yp(0), Z(H), Z(H) - 10, QStringLiteral("6"));
  s.leader(Yp(T + R) - R * kScale * 0.29, Z(T + R) + R * kScale * 0.29, Yp(T) + 14, Z(T) - 24, QStringLiteral("R3"), false);
  s.text(3.5, true);
  s.label(Yp(D), Z(0) + 6, D * kScale, 6, QStringLiteral("LEFT VIEW"), Qt::AlignCenter);
}

void drawTable(Sheet& s, double x, double y, const QVector<double>& widths, double rowH,
               const QVector<QStringList>& rows, bool headerBold) {
  double total = 0;
  for (double w : widths) total += w;
  for (int r = 0; r < rows.size(); ++r) {
    double cx = x;
    s.text(2.5, headerBold && r == 0);
    for (int c = 0; c < widths.size(); ++c) {
      s.label(cx + 1.5, y + r * rowH, widths[c] - 3, rowH, rows[r].value(c));
      cx += widths[c];
    }
  }
  s.thin();
  for (int r = 0; r <= rows.size(); ++r) s.line(x, y + r * rowH, x + total, y + r * rowH);
  double cx = x;
  for (int c = 0; c <= widths.size(); ++c) {
    s.line(cx, y, cx, y + rows.size() * rowH);
    if (c < widths.size()) cx += widths[c];
  }
}

// A labelled title-block field: small caption on top, value below.
void field(Sheet& s, double x, double y, double w, double h, const QString& caption, const QString& value,
           double valueHeight = 3.5, bool bold = false) {
  s.thin();
  s.rect(x, y, w, h);
  s.text(1.8);
  s.label(x + 1.2, y + 0.6, w - 2.4, 3, caption, Qt::AlignLeft | Qt::AlignTop);
  s.text(valueHeight, bold);
  s.label(x + 1.2, y + 3, w - 2.4, h - 3.2, value, Qt::AlignLeft | Qt::AlignVCenter);
}

void drawTitleBlock(Sheet& s) {
  const double x = kSheetW - 10 - 180, y = kSheetH - 10 - 52;
  field(s, x, y, 110, 12, QStringLiteral("Company"), QStringLiteral("LayoutLens Sample Works"), 3.5, true);
  field(s, x + 110, y, 70, 12, QStringLiteral("Drawing number"), QStringLiteral("LL-1001-02"), 5, true);
  field(s, x, y + 12, 110, 14, QStringLiteral("Title"), QStringLiteral("MOUNTING BRACKET"), 5, true);
  field(s, x + 110, y + 12, 35, 14, QStringLiteral("Revision"), QStringLiteral("B"), 5, true);
  field(s, x + 145, y + 12, 35, 14, QStringLiteral("Sheet"), QStringLiteral("1 / 1"));
  field(s, x, y + 26, 70, 13, QStringLiteral("Material"), QStringLiteral("EN AW-6082-T6"));
  field(s, x + 70, y + 26, 40, 13, QStringLiteral("Mass"), QStringLiteral("0.046 kg"));
  field(s, x + 110, y + 26, 35, 13, QStringLiteral("Scale"), QStringLiteral("2:1"));
  field(s, x + 145, y + 26, 35, 13, QStringLiteral("Size"), QStringLiteral("A3"));
  field(s, x, y + 39, 45, 13, QStringLiteral("Drawn"), QStringLiteral("J. Weber"));
  field(s, x + 45, y + 39, 45, 13, QStringLiteral("Checked"), QStringLiteral("A. Chen"));
  field(s, x + 90, y + 39, 35, 13, QStringLiteral("Date"), QStringLiteral("2026-11-24"));
  field(s, x + 125, y + 39, 55, 13, QStringLiteral("General tolerances"), QStringLiteral("ISO 2768-m"));
  // First-angle projection symbol (truncated cone), next to the title block.
  const double px = x - 30, py = y + 40;
  s.thin();
  s.rect(px - 3, py - 9, 27, 18);
  s.visible();
  s.circle(px + 17, py, 4);
  s.circle(px + 17, py, 2);
  s.line(px, py - 4, px + 9, py - 6.5);
  s.line(px, py + 4, px + 9, py + 6.5);
  s.line(px, py - 4, px, py + 4);
  s.line(px + 9, py - 6.5, px + 9, py + 6.5);
  s.centre();
  s.line(px - 2, py, px + 23, py);
  s.line(px + 17, py - 7, px + 17, py + 7);
  s.text(1.8);
  s.label(px - 3, py - 14, 27, 4, QStringLiteral("Projection"), Qt::AlignCenter);
}

void drawPartsList(Sheet& s) {
  const double x = kSheetW - 10 - 180, rowH = 6;
  const QVector<QStringList> rows = {
      {QStringLiteral("Item"), QStringLiteral("Part no."), QStringLiteral("Description"), QStringLiteral("Qty")},
      {QStringLiteral("1"), QStringLiteral("LL-1001-02"), QStringLiteral("Bracket, EN AW-6082-T6"), QStringLiteral("1")},
      {QStringLiteral("2"), QStringLiteral("ISO 4762 M6×20"), QStringLiteral("Socket head cap screw, 8.8, zinc"), QStringLiteral("2")},
      {QStringLiteral("3"), QStringLiteral("ISO 7089-6"), QStringLiteral("Plain washer, 200 HV, A2"), QStringLiteral("2")},
      {QStringLiteral("4"), QStringLiteral("LL-1001-05"), QStringLiteral("Bearing bush Ø12 r6 / Ø8 F7"), QStringLiteral("1")},
  };
  drawTable(s, x, kSheetH - 10 - 52 - rows.size() * rowH - 4, {14, 42, 108, 16}, rowH, rows, true);
  s.text(2.5, true);
  s.label(x, kSheetH - 10 - 52 - rows.size() * rowH - 10, 100, 6, QStringLiteral("PARTS LIST"));
}

void drawRevisions(Sheet& s) {
  const QVector<QStringList> rows = {
      {QStringLiteral("Rev"), QStringLiteral("Description"), QStringLiteral("Date"), QStringLiteral("By")},
      {QStringLiteral("A"), QStringLiteral("First issue"), QStringLiteral("2026-10-02"), QStringLiteral("JW")},
      {QStringLiteral("B"), QStringLiteral("Bore Ø12 H7 was Ø12 H8; fillet R3 added"), QStringLiteral("2026-11-24"), QStringLiteral("JW")},
  };
  drawTable(s, kSheetW - 10 - 150, 168, {12, 96, 26, 16}, 6, rows, true);
  s.text(2.5, true);
  s.label(kSheetW - 10 - 150, 162, 100, 6, QStringLiteral("REVISIONS"));
}

void drawNotes(Sheet& s) {
  const double x = 28, y = 250;
  s.text(3.5, true);
  s.label(x, y, 120, 6, QStringLiteral("GENERAL NOTES"));
  const QStringList notes = {
      QStringLiteral("1. All dimensions in millimetres. Do not scale the drawing."),
      QStringLiteral("2. Tolerances not shown: ISO 2768-m. Fits: ISO 286 (Ø12 H7 = +0.018 / 0)."),
      QStringLiteral("3. Break all sharp edges 0.2 × 45°, remove burrs."),
      QStringLiteral("4. Surface roughness Ra 3.2 µm unless stated; bore Ra 0.8 µm."),
      QStringLiteral("5. Finish: clear anodise, 15 µm (EN ISO 7599)."),
      QStringLiteral("6. Mark part number and revision with 3 mm characters on the back face."),
  };
  s.text(2.5);
  for (int i = 0; i < notes.size(); ++i) s.label(x, y + 6.5 + i * 4.7, 165, 4.7, notes[i]);
}

}  // namespace

int main(int argc, char* argv[]) {
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");  // fonts need a GUI app, not a display
  QGuiApplication app(argc, argv);
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_sample_drawing OUTPUT.pdf\n");
    return 2;
  }
  const QString out = QString::fromLocal8Bit(argv[1]);
  QPdfWriter writer(out);
  writer.setResolution(kResolution);
  writer.setPageLayout(QPageLayout(QPageSize(QPageSize::A3), QPageLayout::Landscape, QMarginsF(0, 0, 0, 0)));
  writer.setTitle(QStringLiteral("LL-1001-02 Mounting bracket, rev. B"));
  writer.setCreator(QStringLiteral("LayoutLens make_sample_drawing"));
  QPainter painter;
  if (!painter.begin(&writer)) {
    std::fprintf(stderr, "make_sample_drawing: cannot write %s; check that its folder exists and is writable\n", argv[1]);
    return 1;
  }
  painter.setRenderHint(QPainter::Antialiasing);
  Sheet sheet(painter);
  drawBorder(sheet);
  drawFront(sheet, 45, 120);   // 2:1: 120 x 90 mm
  drawTop(sheet, 45, 140);     // below the front view
  drawSide(sheet, 320, 120);   // right of the front view
  drawRevisions(sheet);
  drawPartsList(sheet);
  drawTitleBlock(sheet);
  drawNotes(sheet);
  if (!painter.end()) {
    std::fprintf(stderr, "make_sample_drawing: writing %s failed\n", argv[1]);
    return 1;
  }
  return 0;
}
