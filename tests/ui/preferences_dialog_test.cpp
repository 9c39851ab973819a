// Preferences: every PipelineConfig setting has an editor, a full round trip through the dialog and
// QSettings loses nothing, invalid values are refused with a message naming the field, and Defaults
// restores the reference defaults.
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

#include "ui/preferences_dialog.h"

using ll::pipeline::PipelineConfig;
using ll::ui::PreferencesDialog;

namespace {
template <typename T>
T* editor(PreferencesDialog& d, const char* key) {
  T* w = d.findChild<T*>(QLatin1String(key));
  if (!w) qFatal("no editor for %s", key);
  return w;
}
void choose(PreferencesDialog& d, const char* key, const QString& value) {
  QComboBox* c = editor<QComboBox>(d, key);
  const int i = c->findData(value);
  if (i < 0) qFatal("%s has no choice %s", key, qPrintable(value));
  c->setCurrentIndex(i);
}
}  // namespace

class PreferencesDialogTest : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void everySettingHasAnEditor() {
    PreferencesDialog dialog(PipelineConfig{});
    const QStringList keys = PipelineConfig().toJson().keys();
    QVERIFY(keys.size() >= 22);
    for (const QString& key : keys) QVERIFY2(dialog.findChild<QWidget*>(key), qPrintable(key));
    QCOMPARE(dialog.config(), PipelineConfig{});
    QVERIFY(dialog.okButton()->isEnabled());
    // For the docs: LAYOUTLENS_SCREENSHOT_DIR=<folder> saves one picture per tab.
    const QString shots = qEnvironmentVariable("LAYOUTLENS_SCREENSHOT_DIR");
    if (!shots.isEmpty()) {
      auto* tabs = dialog.findChild<QTabWidget*>(QStringLiteral("preferencesTabs"));
      dialog.show();
      for (int i = 0; i < tabs->count(); ++i) {
        tabs->setCurrentIndex(i);
        QVERIFY(dialog.grab().save(QStringLiteral("%1/preferences-%2.png").arg(shots).arg(i)));
      }
    }
  }

  void roundTripThroughSettings() {
    PreferencesDialog dialog(PipelineConfig{});
    PipelineConfig expected;
    expected.dots_model_path = QStringLiteral("/models/dots.ocr");
    expected.gemma_model_id = QStringLiteral("/models/gemma-3n-e2b-it");
    expected.pdf_path = QStringLiteral("/data/in.pdf");
    expected.image_folder = QStringLiteral("/data/pages");
    expected.crops_dir = QStringLiteral("out/crops");
    expected.reports_dir = QStringLiteral("out/reports");
    expected.pdf_dpi = 300;
    expected.max_long_edge_px = 4096;
    expected.batch_size = 4;
    expected.base_max_new_tokens = 8000;
    expected.extra_max_new_tokens = 2000;
    expected.attn_impl = QStringLiteral("sdpa");
    expected.padding = 20;
    expected.crop_upscale = 1.5;
    expected.device_map = QStringLiteral("cpu");
    expected.torch_dtype = QStringLiteral("float32");
    expected.save_manifest = true;
    expected.manifest_filename = QStringLiteral("regions.json");
    expected.verbose = true;
    expected.page_summaries = false;
    expected.page_range = QStringLiteral("1-3,7");
    expected.ui_language = QStringLiteral("de");
    QVERIFY(expected.toJson() != PipelineConfig().toJson());

    editor<QLineEdit>(dialog, "dots_model_path")->setText(expected.dots_model_path);
    editor<QLineEdit>(dialog, "gemma_model_id")->setText(expected.gemma_model_id);
    editor<QLineEdit>(dialog, "pdf_path")->setText(expected.pdf_path);
    editor<QLineEdit>(dialog, "image_folder")->setText(expected.image_folder);
    editor<QLineEdit>(dialog, "crops_dir")->setText(expected.crops_dir);
    editor<QLineEdit>(dialog, "reports_dir")->setText(expected.reports_dir);
    editor<QSpinBox>(dialog, "pdf_dpi")->setValue(expected.pdf_dpi);
    editor<QSpinBox>(dialog, "max_long_edge_px")->setValue(expected.max_long_edge_px);
    editor<QSpinBox>(dialog, "batch_size")->setValue(expected.batch_size);
    editor<QSpinBox>(dialog, "base_max_new_tokens")->setValue(expected.base_max_new_tokens);
    editor<QSpinBox>(dialog, "extra_max_new_tokens")->setValue(expected.extra_max_new_tokens);
    choose(dialog, "attn_impl", expected.attn_impl);
    editor<QSpinBox>(dialog, "padding")->setValue(expected.padding);
    editor<QDoubleSpinBox>(dialog, "crop_upscale")->setValue(expected.crop_upscale);
    choose(dialog, "device_map", expected.device_map);
    choose(dialog, "torch_dtype", expected.torch_dtype);
    editor<QCheckBox>(dialog, "save_manifest")->setChecked(true);
    editor<QLineEdit>(dialog, "manifest_filename")->setText(expected.manifest_filename);
    editor<QCheckBox>(dialog, "verbose")->setChecked(true);
    editor<QCheckBox>(dialog, "page_summaries")->setChecked(false);
    editor<QLineEdit>(dialog, "page_range")->setText(expected.page_range);
    choose(dialog, "ui_language", expected.ui_language);

    QVERIFY2(dialog.problems().isEmpty(), qPrintable(dialog.problems().join('\n')));
    QVERIFY(dialog.okButton()->isEnabled());
    const PipelineConfig edited = dialog.config();
    QCOMPARE(edited.toJson(), expected.toJson());

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    {
      QSettings settings(dir.filePath(QStringLiteral("prefs.ini")), QSettings::IniFormat);
      edited.save(settings);
    }
    QSettings settings(dir.filePath(QStringLiteral("prefs.ini")), QSettings::IniFormat);
    const PipelineConfig loaded = PipelineConfig::load(settings);
    QCOMPARE(loaded.toJson(), expected.toJson());
    PreferencesDialog reopened(loaded);
    QCOMPARE(reopened.config().toJson(), expected.toJson());
  }

  void invalidValuesAreRefusedWithAMessage() {
    PreferencesDialog dialog(PipelineConfig{});
    auto* label = dialog.findChild<QLabel*>(QStringLiteral("problemLabel"));
    QVERIFY(label);
    QVERIFY(!label->isVisibleTo(&dialog));

    editor<QLineEdit>(dialog, "page_range")->setText(QStringLiteral("7-3"));
    QVERIFY(!dialog.okButton()->isEnabled());
    QCOMPARE(dialog.problems().size(), 1);
    QVERIFY2(dialog.problems().first().startsWith(QStringLiteral("Page range: page_range")), qPrintable(dialog.problems().first()));
    QVERIFY(label->isVisibleTo(&dialog));
    QVERIFY(label->text().contains(QStringLiteral("Page range")));

    editor<QSpinBox>(dialog, "max_long_edge_px")->setValue(100);  // 1..255 is not allowed (0 = off)
    QCOMPARE(dialog.problems().size(), 2);
    QVERIFY(label->text().contains(QStringLiteral("Maximum long edge")));

    editor<QLineEdit>(dialog, "page_range")->setText(QStringLiteral("3-7"));
    editor<QSpinBox>(dialog, "max_long_edge_px")->setValue(0);
    QVERIFY(dialog.problems().isEmpty());
    QVERIFY(dialog.okButton()->isEnabled());
    QVERIFY(!label->isVisibleTo(&dialog));

    editor<QLineEdit>(dialog, "gemma_model_id")->setText(QStringLiteral("  "));
    QVERIFY(!dialog.okButton()->isEnabled());
    QVERIFY(dialog.problems().first().startsWith(QStringLiteral("Text model (Gemma 3n)")));
  }

  void defaultsButtonRestoresDefaults() {
    PipelineConfig changed;
    changed.pdf_dpi = 150;
    changed.attn_impl = QStringLiteral("eager");
    changed.ui_language = QStringLiteral("zh_CN");
    PreferencesDialog dialog(changed);
    QCOMPARE(dialog.config().pdf_dpi, 150);
    dialog.defaultsButton()->click();
    QCOMPARE(dialog.config().toJson(), PipelineConfig().toJson());
  }

  void unknownChoiceFromAFileIsShownAndReported() {
    PipelineConfig odd;
    odd.device_map = QStringLiteral("tpu");  // e.g. a hand-edited settings file
    PreferencesDialog dialog(odd);
    QCOMPARE(dialog.config().device_map, QStringLiteral("tpu"));
    QVERIFY(!dialog.okButton()->isEnabled());
    QVERIFY(dialog.problems().first().startsWith(QStringLiteral("Device: device_map")));
  }
};

QTEST_MAIN(PreferencesDialogTest)
#include "preferences_dialog_test.moc"
