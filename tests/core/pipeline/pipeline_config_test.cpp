// PipelineConfig and parsePageRange: the reference's names and defaults, JSON and QSettings round trips,
// validation messages, and page-range parsing (used by `render --pages` and the pipeline).
#include <QJsonDocument>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>
#include <limits>

#include "core/pipeline/pipeline_config.h"

using ll::pipeline::parsePageRange;
using ll::pipeline::PipelineConfig;

class PipelineConfigTest : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void defaultsMatchTheReference() {
    const PipelineConfig c;
    QCOMPARE(c.pdf_dpi, 200);
    QCOMPARE(c.max_long_edge_px, 0);
    QCOMPARE(c.batch_size, 18);
    QCOMPARE(c.base_max_new_tokens, 12000);
    QCOMPARE(c.extra_max_new_tokens, 12000);
    QCOMPARE(c.attn_impl, QStringLiteral("flash_attention_2"));
    QCOMPARE(c.padding, 12);
    QCOMPARE(c.crop_upscale, 2.0);
    QCOMPARE(c.device_map, QStringLiteral("auto"));
    QCOMPARE(c.torch_dtype, QStringLiteral("bfloat16"));
    QCOMPARE(c.manifest_filename, QStringLiteral("picture_regions_manifest_summary.json"));
    QCOMPARE(c.crops_dir, QStringLiteral("crops"));
    QCOMPARE(c.reports_dir, QStringLiteral("reports"));
    QVERIFY(c.validate().isEmpty());
  }

  void jsonUsesTheReferenceKeys() {
    const QJsonObject o = PipelineConfig().toJson();
    for (const char* key : {"dots_model_path", "gemma_model_id", "pdf_path", "image_folder", "crops_dir", "reports_dir", "pdf_dpi",
                            "max_long_edge_px", "batch_size", "base_max_new_tokens", "extra_max_new_tokens", "attn_impl", "padding",
                            "crop_upscale", "device_map", "torch_dtype", "save_manifest", "manifest_filename", "verbose"})
      QVERIFY2(o.contains(QLatin1String(key)), key);
    QCOMPARE(o.value("pdf_dpi").toInt(), 200);
  }

  void jsonRoundTrip() {
    PipelineConfig c;
    c.dots_model_path = "/models/dots.ocr";
    c.pdf_dpi = 300;
    c.max_long_edge_px = 4000;
    c.crop_upscale = 1.5;
    c.save_manifest = true;
    c.page_range = "1-3,7";
    c.attn_impl = "sdpa";
    const PipelineConfig back = PipelineConfig::fromJson(c.toJson());
    QVERIFY(back == c);
    QCOMPARE(back.crop_upscale, 1.5);
    QVERIFY(back != PipelineConfig());
  }

  void wrongTypesKeepTheDefaultAndSaySo() {
    QJsonObject o;
    o.insert("pdf_dpi", "high");
    o.insert("batch_size", 2.5);
    o.insert("verbose", 1);
    o.insert("padding", 20);
    o.insert("unknown_key", 1);
    QStringList errors;
    const PipelineConfig c = PipelineConfig::fromJson(o, &errors);
    QCOMPARE(c.pdf_dpi, 200);
    QCOMPARE(c.batch_size, 18);
    QCOMPARE(c.verbose, false);
    QCOMPARE(c.padding, 20);
    QCOMPARE(errors.size(), 3);
    QVERIFY(errors.join('\n').contains("pdf_dpi must be an integer"));
  }

  void integersOutsideTheIntRangeAreRejected() {
    // 1e20 does not fit an int: it must be reported, not silently wrapped.
    QJsonObject o;
    o.insert("batch_size", 1e20);
    o.insert("pdf_dpi", -1e12);
    QStringList errors;
    const PipelineConfig c = PipelineConfig::fromJson(o, &errors);
    QCOMPARE(c.batch_size, 18);
    QCOMPARE(c.pdf_dpi, 200);
    QCOMPARE(errors.size(), 2);
  }

  void validateNamesTheSettingAndTheChoices() {
    PipelineConfig c;
    c.pdf_dpi = 5;
    c.attn_impl = "flash";
    c.max_long_edge_px = 10;
    c.manifest_filename = "a/b.json";
    c.page_range = "3-1";
    const QStringList e = c.validate();
    QCOMPARE(e.size(), 5);
    QVERIFY(e.join('\n').contains("pdf_dpi is 5"));
    QVERIFY(e.join('\n').contains("flash_attention_2, sdpa, eager"));
    QVERIFY(e.join('\n').contains("page_range"));
    c = PipelineConfig();
    c.max_long_edge_px = 0;  // 0 = off is valid
    QVERIFY(c.validate().isEmpty());
  }

  void fileRoundTripAndErrors() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    PipelineConfig c;
    c.batch_size = 4;
    QString error;
    const QString path = dir.filePath("config.json");
    QVERIFY2(c.saveFile(path, &error), qPrintable(error));
    PipelineConfig loaded;
    QVERIFY2(PipelineConfig::loadFile(path, &loaded, &error), qPrintable(error));
    QCOMPARE(loaded.batch_size, 4);

    QFile bad(dir.filePath("bad.json"));
    QVERIFY(bad.open(QIODevice::WriteOnly));
    bad.write("{ \"pdf_dpi\": 200, ");
    bad.close();
    QVERIFY(!PipelineConfig::loadFile(bad.fileName(), &loaded, &error));
    QVERIFY(error.contains("bad.json"));
    QVERIFY(error.contains("not valid JSON"));
    QVERIFY(!PipelineConfig::loadFile(dir.filePath("missing.json"), &loaded, &error));
    QVERIFY(error.contains("missing.json"));

    QFile invalid(dir.filePath("invalid.json"));
    QVERIFY(invalid.open(QIODevice::WriteOnly));
    invalid.write(R"({"device_map": "tpu"})");
    invalid.close();
    QVERIFY(!PipelineConfig::loadFile(invalid.fileName(), &loaded, &error));
    QVERIFY(error.contains("device_map is 'tpu'"));
  }

  void settingsRoundTripKeepsStringsWithCommas() {
    QTemporaryDir dir;
    QSettings s(dir.filePath("settings.ini"), QSettings::IniFormat);
    PipelineConfig c;
    c.page_range = "1-3,7";
    c.save_manifest = true;
    c.crop_upscale = 3.25;
    c.torch_dtype = "float16";
    c.save(s);
    s.sync();
    QSettings reread(dir.filePath("settings.ini"), QSettings::IniFormat);
    const PipelineConfig back = PipelineConfig::load(reread);
    QCOMPARE(back.page_range, QStringLiteral("1-3,7"));
    QCOMPARE(back.save_manifest, true);
    QCOMPARE(back.crop_upscale, 3.25);
    QVERIFY(back == c);
  }

  void settingsWithABadValueResetOnlyThatValue() {
    QTemporaryDir dir;
    QSettings s(dir.filePath("settings.ini"), QSettings::IniFormat);
    s.setValue("pipeline/pdf_dpi", 10000);
    s.setValue("pipeline/batch_size", 6);
    s.setValue("pipeline/verbose", "maybe");
    const PipelineConfig c = PipelineConfig::load(s);
    QCOMPARE(c.pdf_dpi, 200);
    QCOMPARE(c.batch_size, 6);
    QCOMPARE(c.verbose, false);
  }

  void pageRanges_data() {
    QTest::addColumn<QString>("spec");
    QTest::addColumn<int>("count");
    QTest::addColumn<QList<int>>("expected");
    QTest::newRow("empty = all") << "" << 3 << QList<int>{0, 1, 2};
    QTest::newRow("single") << "2" << 3 << QList<int>{1};
    QTest::newRow("list and range") << "1-3,7" << 10 << QList<int>{0, 1, 2, 6};
    QTest::newRow("unsorted, overlapping") << "7, 2-3 ,3,1" << 10 << QList<int>{0, 1, 2, 6};
    QTest::newRow("open end") << "8-" << 10 << QList<int>{7, 8, 9};
    QTest::newRow("clamped end") << "1-2" << 1 << QList<int>{0};
  }
  void pageRanges() {
    QFETCH(QString, spec);
    QFETCH(int, count);
    QFETCH(QList<int>, expected);
    QList<int> pages;
    QString error;
    QVERIFY2(parsePageRange(spec, count, &pages, &error), qPrintable(error));
    QCOMPARE(pages, expected);
  }

  void badPageRanges_data() {
    QTest::addColumn<QString>("spec");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("zero") << "0" << "pages start at 1";
    QTest::newRow("reversed") << "3-1" << "'3-1'";
    QTest::newRow("word") << "all" << "'all'";
    QTest::newRow("empty part") << "1,,2" << "''";
    QTest::newRow("past the end") << "11" << "page 11 does not exist (the document has 10)";
    QTest::newRow("negative") << "-2" << "'-2'";
  }
  void badPageRanges() {
    QFETCH(QString, spec);
    QFETCH(QString, mentions);
    QList<int> pages;
    QString error;
    QVERIFY(!parsePageRange(spec, 10, &pages, &error));
    QVERIFY2(error.contains(mentions), qPrintable(error));
  }
};

QTEST_MAIN(PipelineConfigTest)
#include "pipeline_config_test.moc"
