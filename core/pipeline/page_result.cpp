#include "core/pipeline/page_result.h"

#include <QJsonArray>

namespace ll::pipeline {
namespace {

QJsonArray rectToJson(const QRectF& r) { return {r.left(), r.top(), r.right(), r.bottom()}; }

QRectF rectFromJson(const QJsonValue& v) {
  const QJsonArray a = v.toArray();
  if (a.size() != 4) return {};
  return QRectF(QPointF(a[0].toDouble(), a[1].toDouble()), QPointF(a[2].toDouble(), a[3].toDouble()));
}

QString statusName(PageResult::Status s) { return s == PageResult::Status::Done ? "done" : "failed"; }

}  // namespace

QJsonObject LayoutCellRecord::toJson() const {
  return {{"category", category}, {"bbox_px", rectToJson(bboxPx)}, {"bbox_pt", rectToJson(bboxPt)}, {"text", text}};
}

LayoutCellRecord LayoutCellRecord::fromJson(const QJsonObject& o) {
  return {o.value("category").toString(), rectFromJson(o.value("bbox_px")), rectFromJson(o.value("bbox_pt")),
          o.value("text").toString()};
}

bool LayoutCellRecord::operator==(const LayoutCellRecord& o) const { return toJson() == o.toJson(); }

QJsonObject PictureRegionRecord::toJson() const {
  return {{"id", id},           {"padded_bbox_px", rectToJson(paddedBboxPx)}, {"crop_file", cropFile},
          {"ocr_text", ocrText}, {"ocr_status", ocrStatus},                    {"ocr_reason", ocrReason}};
}

PictureRegionRecord PictureRegionRecord::fromJson(const QJsonObject& o) {
  return {o.value("id").toString(),       rectFromJson(o.value("padded_bbox_px")), o.value("crop_file").toString(),
          o.value("ocr_text").toString(), o.value("ocr_status").toString(),        o.value("ocr_reason").toString()};
}

bool PictureRegionRecord::operator==(const PictureRegionRecord& o) const { return toJson() == o.toJson(); }

QJsonObject PageResult::toJson() const {
  QJsonArray cellsJson, picturesJson;
  for (const auto& c : cells) cellsJson.append(c.toJson());
  for (const auto& p : pictures) picturesJson.append(p.toJson());
  QJsonObject timings;
  for (auto it = timingsSeconds.begin(); it != timingsSeconds.end(); ++it) timings.insert(it.key(), it.value());
  return {
      {"page_index", pageIndex},
      {"render", QJsonObject{{"width", renderWidth}, {"height", renderHeight}, {"dpi", dpi}}},
      {"layout", QJsonObject{{"cells", cellsJson},
                             {"raw", layoutRaw},
                             {"parse_status", layoutParseStatus},
                             {"parse_reason", layoutParseReason}}},
      {"pictures", picturesJson},
      {"summary", QJsonObject{{"text", summary}, {"status", summaryStatus}, {"reason", summaryReason}}},
      {"timings_s", timings},
      {"status", statusName(status)},
      {"error", error},
      {"attempts", attempts},
  };
}

bool PageResult::fromJson(const QJsonObject& o, PageResult* out, QString* error) {
  auto fail = [&](const QString& m) {
    if (error) *error = m;
    return false;
  };
  if (!o.value("page_index").isDouble()) return fail("page result has no numeric page_index");
  const QString status = o.value("status").toString();
  if (status != "done" && status != "failed") return fail(QStringLiteral("page result has status '%1'; expected done or failed").arg(status));
  if (!o.value("render").isObject() || !o.value("layout").isObject())
    return fail("page result lacks its render or layout object");
  PageResult r;
  r.pageIndex = o.value("page_index").toInt();
  const QJsonObject render = o.value("render").toObject();
  r.renderWidth = render.value("width").toInt();
  r.renderHeight = render.value("height").toInt();
  r.dpi = render.value("dpi").toDouble();
  const QJsonObject layout = o.value("layout").toObject();
  for (const auto& v : layout.value("cells").toArray()) r.cells.append(LayoutCellRecord::fromJson(v.toObject()));
  r.layoutRaw = layout.value("raw").toString();
  r.layoutParseStatus = layout.value("parse_status").toString();
  r.layoutParseReason = layout.value("parse_reason").toString();
  for (const auto& v : o.value("pictures").toArray()) r.pictures.append(PictureRegionRecord::fromJson(v.toObject()));
  const QJsonObject summary = o.value("summary").toObject();
  r.summary = summary.value("text").toString();
  r.summaryStatus = summary.value("status").toString();
  r.summaryReason = summary.value("reason").toString();
  const QJsonObject timings = o.value("timings_s").toObject();
  for (auto it = timings.begin(); it != timings.end(); ++it) r.timingsSeconds.insert(it.key(), it.value().toDouble());
  r.status = status == "done" ? Status::Done : Status::Failed;
  r.error = o.value("error").toString();
  r.attempts = o.value("attempts").toInt(1);
  *out = r;
  return true;
}

QJsonObject ModelRecord::toJson() const {
  return {{"role", role}, {"path", path}, {"model_type", modelType}, {"revision", revision}};
}

QJsonObject DocumentReport::toJson() const {
  QJsonArray modelsJson, pagesJson;
  for (const auto& m : models) modelsJson.append(m.toJson());
  for (const auto& p : pages) pagesJson.append(p.toJson());
  return {
      {"schema_version", kReportSchemaVersion},
      {"generator", generator},
      {"created_utc", createdUtc},
      {"document", QJsonObject{{"source_path", sourcePath}, {"sha256", sourceSha256}, {"page_count", pageCount}}},
      {"models", modelsJson},
      {"config", config},
      {"pages", pagesJson},
  };
}

}  // namespace ll::pipeline
