#include "core/pipeline/pipeline_config.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonValue>
#include <QSaveFile>
#include <QSettings>
#include <QSet>

#include <algorithm>
#include <cmath>
#include <limits>

namespace ll::pipeline {
namespace {

// One table drives JSON, QSettings and validation, so a new setting is added in one place.
enum class Kind { String, Int, Double, Bool };
struct Field {
  const char* key;
  Kind kind;
  void* (*member)(PipelineConfig&);
};

#define LL_FIELD(name, kind) \
  Field { #name, kind, [](PipelineConfig& c) -> void* { return &c.name; } }

const std::vector<Field>& fields() {
  static const std::vector<Field> f{
      LL_FIELD(dots_model_path, Kind::String),     LL_FIELD(gemma_model_id, Kind::String),
      LL_FIELD(pdf_path, Kind::String),            LL_FIELD(image_folder, Kind::String),
      LL_FIELD(crops_dir, Kind::String),           LL_FIELD(reports_dir, Kind::String),
      LL_FIELD(pdf_dpi, Kind::Int),                LL_FIELD(max_long_edge_px, Kind::Int),
      LL_FIELD(batch_size, Kind::Int),             LL_FIELD(base_max_new_tokens, Kind::Int),
      LL_FIELD(extra_max_new_tokens, Kind::Int),   LL_FIELD(attn_impl, Kind::String),
      LL_FIELD(padding, Kind::Int),                LL_FIELD(crop_upscale, Kind::Double),
      LL_FIELD(device_map, Kind::String),          LL_FIELD(torch_dtype, Kind::String),
      LL_FIELD(save_manifest, Kind::Bool),         LL_FIELD(manifest_filename, Kind::String),
      LL_FIELD(verbose, Kind::Bool),               LL_FIELD(page_summaries, Kind::Bool),
      LL_FIELD(page_range, Kind::String),          LL_FIELD(ui_language, Kind::String),
  };
  return f;
}
#undef LL_FIELD

QJsonValue get(const Field& f, const PipelineConfig& c) {
  void* p = f.member(const_cast<PipelineConfig&>(c));
  switch (f.kind) {
    case Kind::String: return *static_cast<QString*>(p);
    case Kind::Int: return *static_cast<int*>(p);
    case Kind::Double: return *static_cast<double*>(p);
    case Kind::Bool: return *static_cast<bool*>(p);
  }
  return {};
}

bool set(const Field& f, PipelineConfig& c, const QVariant& v) {
  void* p = f.member(c);
  bool ok = true;
  switch (f.kind) {
    case Kind::String:
      if (!v.canConvert<QString>()) return false;
      *static_cast<QString*>(p) = v.toString();
      return true;
    case Kind::Int: {
      const double d = v.toDouble(&ok);
      // Range first: casting a double outside int's range is undefined behaviour.
      if (!ok || !(d >= std::numeric_limits<int>::min() && d <= std::numeric_limits<int>::max()) || d != std::floor(d)) return false;
      *static_cast<int*>(p) = static_cast<int>(d);
      return true;
    }
    case Kind::Double: {
      const double d = v.toDouble(&ok);
      if (!ok) return false;
      *static_cast<double*>(p) = d;
      return true;
    }
    case Kind::Bool:
      if (v.typeId() == QMetaType::Bool) {
        *static_cast<bool*>(p) = v.toBool();
        return true;
      }
      if (v.typeId() == QMetaType::QString) {  // QSettings' INI backend stores "true"/"false"
        const auto s = v.toString().toLower();
        if (s != "true" && s != "false") return false;
        *static_cast<bool*>(p) = s == "true";
        return true;
      }
      return false;
  }
  return false;
}

const char* kindName(Kind k) {
  switch (k) {
    case Kind::String: return "a string";
    case Kind::Int: return "an integer";
    case Kind::Double: return "a number";
    case Kind::Bool: return "true or false";
  }
  return "";
}

}  // namespace

QStringList PipelineConfig::validate() const {
  QStringList e;
  auto range = [&](const char* name, long long v, long long lo, long long hi, const char* extra = "") {
    if (v < lo || v > hi) e << QStringLiteral("%1 is %2; it must be between %3 and %4%5").arg(name).arg(v).arg(lo).arg(hi).arg(extra);
  };
  range("pdf_dpi", pdf_dpi, 36, 1200);
  if (max_long_edge_px != 0) range("max_long_edge_px", max_long_edge_px, 256, 65536, " (or 0 for off)");
  range("batch_size", batch_size, 1, 512);
  range("base_max_new_tokens", base_max_new_tokens, 1, 131072);
  range("extra_max_new_tokens", extra_max_new_tokens, 0, 131072);
  range("padding", padding, 0, 4096);
  if (!(crop_upscale >= 0.1 && crop_upscale <= 16.0))
    e << QStringLiteral("crop_upscale is %1; it must be between 0.1 and 16").arg(crop_upscale);
  auto choice = [&](const char* name, const QString& v, const QStringList& allowed) {
    if (!allowed.contains(v)) e << QStringLiteral("%1 is '%2'; use one of %3").arg(name, v, allowed.join(", "));
  };
  choice("attn_impl", attn_impl, attnImplChoices());
  choice("device_map", device_map, deviceMapChoices());
  choice("torch_dtype", torch_dtype, torchDtypeChoices());
  if (manifest_filename.trimmed().isEmpty() || manifest_filename.contains('/') || manifest_filename.contains('\\'))
    e << QStringLiteral("manifest_filename must be a plain file name, not '%1'").arg(manifest_filename);
  if (gemma_model_id.trimmed().isEmpty()) e << QStringLiteral("gemma_model_id is empty; give a folder or a repo id such as google/gemma-3n-e4b-it");
  QList<int> pages;
  QString rangeError;
  if (!page_range.isEmpty() && !parsePageRange(page_range, 1 << 20, &pages, &rangeError))
    e << QStringLiteral("page_range: %1").arg(rangeError);
  return e;
}

QJsonObject PipelineConfig::toJson() const {
  QJsonObject o;
  for (const auto& f : fields()) o.insert(f.key, get(f, *this));
  return o;
}

PipelineConfig PipelineConfig::fromJson(const QJsonObject& o, QStringList* errors) {
  PipelineConfig c;
  for (const auto& f : fields()) {
    if (!o.contains(f.key) || o.value(f.key).isNull()) continue;
    const QJsonValue v = o.value(f.key);
    const bool typeOk = (f.kind == Kind::String && v.isString()) || (f.kind == Kind::Bool && v.isBool()) ||
                        ((f.kind == Kind::Int || f.kind == Kind::Double) && v.isDouble());
    if (!typeOk || !set(f, c, v.toVariant())) {
      if (errors) *errors << QStringLiteral("%1 must be %2; keeping the default").arg(f.key, kindName(f.kind));
    }
  }
  return c;
}

bool PipelineConfig::loadFile(const QString& path, PipelineConfig* out, QString* error) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) {
    if (error) *error = QStringLiteral("cannot read configuration %1: %2").arg(path, file.errorString());
    return false;
  }
  QJsonParseError pe;
  const auto doc = QJsonDocument::fromJson(file.readAll(), &pe);
  if (pe.error != QJsonParseError::NoError || !doc.isObject()) {
    if (error)
      *error = pe.error != QJsonParseError::NoError
                   ? QStringLiteral("configuration %1 is not valid JSON at byte %2: %3").arg(path).arg(pe.offset).arg(pe.errorString())
                   : QStringLiteral("configuration %1 must hold a JSON object").arg(path);
    return false;
  }
  QStringList errors;
  PipelineConfig c = fromJson(doc.object(), &errors);
  errors += c.validate();
  if (!errors.isEmpty()) {
    if (error) *error = QStringLiteral("configuration %1: %2").arg(path, errors.join("; "));
    return false;
  }
  *out = c;
  return true;
}

bool PipelineConfig::saveFile(const QString& path, QString* error) const {
  QSaveFile file(path);  // atomic: never leaves a half-written configuration behind
  if (!file.open(QIODevice::WriteOnly)) {
    if (error) *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
    return false;
  }
  file.write(QJsonDocument(toJson()).toJson(QJsonDocument::Indented));
  if (!file.commit()) {
    if (error) *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
    return false;
  }
  return true;
}

void PipelineConfig::save(QSettings& s) const {
  s.beginGroup("pipeline");
  for (const auto& f : fields()) s.setValue(f.key, get(f, *this).toVariant());
  s.endGroup();
}

PipelineConfig PipelineConfig::load(QSettings& s) {
  PipelineConfig c;
  s.beginGroup("pipeline");
  for (const auto& f : fields()) {
    if (s.contains(f.key)) {
      PipelineConfig probe = c;
      if (set(f, probe, s.value(f.key))) c = probe;
    }
  }
  s.endGroup();
  if (!c.validate().isEmpty()) {
    // A hand-edited or stale settings file: keep the valid values, reset the rest to the defaults.
    const PipelineConfig defaults;
    for (const auto& f : fields()) {
      PipelineConfig probe = defaults;
      set(f, probe, get(f, c).toVariant());
      if (probe.validate().isEmpty() == false) set(f, c, get(f, defaults).toVariant());
    }
  }
  return c;
}

bool parsePageRange(const QString& spec, int pageCount, QList<int>* pages, QString* error) {
  pages->clear();
  const QString s = spec.trimmed();
  if (s.isEmpty()) {
    for (int i = 0; i < pageCount; ++i) pages->append(i);
    return true;
  }
  QSet<int> seen;
  for (const QString& partRaw : s.split(',')) {
    const QString part = partRaw.trimmed();
    bool ok1 = false, ok2 = false;
    int a = 0, b = 0;
    const int dash = part.indexOf('-');
    if (dash < 0) {
      a = b = part.toInt(&ok1);
      ok2 = ok1;
    } else {
      a = part.left(dash).trimmed().toInt(&ok1);
      const QString right = part.mid(dash + 1).trimmed();
      if (right.isEmpty()) {  // "5-" = to the end
        b = pageCount;
        ok2 = true;
      } else {
        b = right.toInt(&ok2);
      }
    }
    if (!ok1 || !ok2 || a < 1 || b < a) {
      if (error) *error = QStringLiteral("'%1' is not a page or range like 1-3,7 (pages start at 1)").arg(part);
      return false;
    }
    if (a > pageCount) {
      if (error) *error = QStringLiteral("page %1 does not exist (the document has %2)").arg(a).arg(pageCount);
      return false;
    }
    for (int p = a; p <= std::min(b, pageCount); ++p)
      if (!seen.contains(p - 1)) {
        seen.insert(p - 1);
        pages->append(p - 1);
      }
  }
  std::sort(pages->begin(), pages->end());
  return true;
}

}  // namespace ll::pipeline
