#pragma once
// Every setting of the reference pipeline's PipelineConfig, under the same names and with the same
// defaults, plus LayoutLens's own (page summaries, page range, UI language). Shared by
// `layoutlens-cli run`, the job store and the Preferences dialog, so a setting has one spelling.
#include <QJsonObject>
#include <QString>
#include <QStringList>

class QSettings;

namespace ll::pipeline {

struct PipelineConfig {
  // Models.
  QString dots_model_path;                            // folder, HF cache folder or repo id
  QString gemma_model_id = "google/gemma-3n-e4b-it";  // resolved through the Hugging Face cache
  // Inputs and outputs.
  QString pdf_path;                                   // optional
  QString image_folder;
  QString crops_dir = "crops";
  QString reports_dir = "reports";
  // Rendering.
  int pdf_dpi = 200;
  int max_long_edge_px = 0;  // 0 = off
  // Generation.
  int batch_size = 18;
  int base_max_new_tokens = 12000;
  int extra_max_new_tokens = 12000;
  QString attn_impl = "flash_attention_2";  // flash_attention_2 | sdpa | eager
  // Crops.
  int padding = 12;
  double crop_upscale = 2.0;
  // Device.
  QString device_map = "auto";      // auto | cuda | cpu
  QString torch_dtype = "bfloat16";  // bfloat16 | float16 | float32
  // Output.
  bool save_manifest = false;
  QString manifest_filename = "picture_regions_manifest_summary.json";
  bool verbose = false;
  // LayoutLens additions.
  bool page_summaries = true;
  QString page_range;      // "" = all pages; else e.g. "1-3,7" (1-based)
  QString ui_language;     // "" = system locale; else "en", "de", "zh_CN"

  static QStringList attnImplChoices() { return {"flash_attention_2", "sdpa", "eager"}; }
  static QStringList deviceMapChoices() { return {"auto", "cuda", "cpu"}; }
  static QStringList torchDtypeChoices() { return {"bfloat16", "float16", "float32"}; }

  // One message per problem, each naming the setting and the accepted values. Empty = valid.
  QStringList validate() const;

  QJsonObject toJson() const;
  // Unknown keys are ignored; missing keys keep their defaults; a value of the wrong type is reported
  // in *errors (if given) and the default kept.
  static PipelineConfig fromJson(const QJsonObject& o, QStringList* errors = nullptr);
  // Reads a JSON file; returns false with a message naming the file and the problem.
  static bool loadFile(const QString& path, PipelineConfig* out, QString* error);
  bool saveFile(const QString& path, QString* error) const;

  // QSettings under the group "pipeline" (Preferences dialog); same keys as the JSON.
  void save(QSettings& s) const;
  static PipelineConfig load(QSettings& s);

  bool operator==(const PipelineConfig& o) const { return toJson() == o.toJson(); }
  bool operator!=(const PipelineConfig& o) const { return !(*this == o); }
};

// Parses "1-3,7" (1-based, inclusive) into sorted unique 0-based indices < pageCount.
// Empty spec = all pages. Returns false with a message on a malformed or out-of-range spec.
bool parsePageRange(const QString& spec, int pageCount, QList<int>* pages, QString* error);

}  // namespace ll::pipeline
