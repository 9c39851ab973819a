// The real engine on the CPU with a tiny random dots.ocr (the released vocabulary, so the real tokenizer
// fits): it loads once, answers layout jobs with the model input size and a bounded token count, reports
// "skipped: no Gemma model" instead of answering vision jobs without a Gemma model, stops promptly when
// cancelled, and turns every bad setting or missing model into a one-line ModelLoadError of the right kind.
#include <QDir>
#include <QImage>
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/infer/safetensors.h"
#include "core/models/dots_ocr/chat_format.h"
#include "core/models/dots_ocr_test_support.h"
#include "core/pipeline/model_engine.h"

using namespace ll::pipeline;

namespace {

QString qwenTokenizer() { return QStringLiteral(LAYOUTLENS_TOKENIZER_DIR "/qwen3/tokenizer.json"); }

// Same recipe as the dots.ocr generator test: tiny widths, released vocabulary, the Qwen3 tokenizer without
// its own tokens from 151665 up (the generator adds dots.ocr's there).
QString makeTinyDots(const QString& dir) {
  using namespace ll::models::dots_ocr;
  QDir().mkpath(dir);
  DotsOcrConfig c = testing::tinyConfig();
  c.text.vocabSize = 151936;
  c.text.hiddenSize = 32;
  c.text.headDim = 8;
  c.vision.hiddenSize = 32;
  c.imageTokenId = tokens::kImagePadId;
  std::ofstream((dir + "/config.json").toStdString()) << toConfigJson(c);
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (auto& [name, t] : testing::randomWeights(c, 7)) tensors.emplace_back(name, t);
  ll::infer::writeSafetensors((dir + "/model.safetensors").toStdString(), tensors);
  std::ifstream in(qwenTokenizer().toStdString());
  nlohmann::json tok = nlohmann::json::parse(in);
  nlohmann::json kept = nlohmann::json::array();
  for (const auto& t : tok["added_tokens"])
    if (t["id"].get<int64_t>() < tokens::kImagePadId) kept.push_back(t);
  tok["added_tokens"] = kept;
  std::ofstream((dir + "/tokenizer.json").toStdString()) << tok.dump();
  return dir;
}

ModelEngineSettings cpuSettings(const QString& dots) {
  ModelEngineSettings s;
  s.dotsModel = dots;
  s.device = "cpu";
  s.dtype = "bfloat16";  // lowered to float32 on the CPU
  s.maxBatch = 2;
  return s;
}

QImage page(int w, int h, int seed) {
  QImage img(w, h, QImage::Format_RGB888);
  img.fill(Qt::white);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; x += 7) img.setPixelColor(x, y, QColor((x * seed) % 255, (y * 3) % 255, seed * 40 % 255));
  return img;
}

}  // namespace

class ModelEngineTest : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void badSettingsAndMissingModelsAreOneLineErrorsOfTheRightKind() {
    QTemporaryDir tmp;
    auto kindOf = [](const ModelEngineSettings& s, QString* message) {
      try {
        ModelEngine::load(s);
      } catch (const ModelLoadError& e) {
        *message = QString::fromUtf8(e.what());
        return static_cast<int>(e.kind);
      }
      return -1;
    };
    QString m;
    QCOMPARE(kindOf(cpuSettings(""), &m), static_cast<int>(ModelLoadError::Kind::BadSetting));
    QVERIFY(m.contains("--dots-model"));
    ModelEngineSettings s = cpuSettings(tmp.filePath("no-such-model"));
    s.device = "tpu";
    QCOMPARE(kindOf(s, &m), static_cast<int>(ModelLoadError::Kind::BadSetting));
    QVERIFY(m.contains("tpu"));
    QCOMPARE(kindOf(cpuSettings(tmp.filePath("no-such-model")), &m), static_cast<int>(ModelLoadError::Kind::Model));
    QVERIFY2(m.startsWith("cannot load the dots.ocr model") && m.contains("no-such-model"), qPrintable(m));
    QVERIFY(!m.contains('\n'));
  }

  void loadsOnceAndAnswersLayoutJobsOnTheCpu() {
    if (!QFileInfo::exists(qwenTokenizer())) QSKIP("no Qwen tokenizer.json; run tools/fetch-tokenizers.sh");
    QTemporaryDir tmp;
    const auto engine = ModelEngine::load(cpuSettings(makeTinyDots(tmp.filePath("dots"))));
    QVERIFY(engine->describe().contains("cpu"));
    QVERIFY(engine->describe().contains("float"));
    QCOMPARE(engine->models().size(), 1);
    QCOMPARE(engine->models()[0].role, QString("layout"));
    QCOMPARE(engine->models()[0].modelType, QString("dots_ocr"));
    QCOMPARE(engine->visionUnavailableReason(), QString("skipped: no Gemma model"));

    const QList<LayoutAnswer> answers = engine->layout({{7, page(120, 90, 1), 4}, {9, page(60, 140, 2), 4}}, makeCancelFlag());
    QCOMPARE(answers.size(), 2);
    QCOMPARE(answers[0].key, 7);
    QCOMPARE(answers[1].key, 9);
    for (const auto& a : answers) {
      QVERIFY2(a.error.isEmpty(), qPrintable(a.error));
      QVERIFY(a.modelInputSize.width() % 28 == 0 && a.modelInputSize.height() % 28 == 0 && !a.modelInputSize.isEmpty());
      QVERIFY(a.generatedTokens >= 1 && a.generatedTokens <= 4);
    }
    QVERIFY(answers[0].modelInputSize.width() > answers[0].modelInputSize.height());  // landscape stays landscape
    // The same page alone gives the same text: batching does not change answers.
    QCOMPARE(engine->layout({{1, page(120, 90, 1), 4}}, makeCancelFlag())[0].raw, answers[0].raw);

    // No Gemma model: vision jobs are answered with the reason, never with text.
    const auto vision = engine->vision({{3, VisionTask::CropOcr, page(50, 50, 3), {}, 16}}, makeCancelFlag());
    QCOMPARE(vision.size(), 1);
    QCOMPARE(vision[0].key, 3);
    QCOMPARE(vision[0].error, QString("skipped: no Gemma model"));
    QVERIFY(vision[0].text.isEmpty());

    // Cancelled before it starts: every job comes back at once as cancelled, and the engine still works after.
    auto cancel = makeCancelFlag();
    cancel->store(true);
    const auto cancelled = engine->layout({{1, page(120, 90, 1), 200}}, cancel);
    QCOMPARE(cancelled.size(), 1);
    QVERIFY(!cancelled[0].error.isEmpty());
    QVERIFY(engine->layout({{1, page(120, 90, 1), 2}}, makeCancelFlag())[0].error.isEmpty());
  }

  void aMissingGemmaModelFailsTheLoad() {
    if (!QFileInfo::exists(qwenTokenizer())) QSKIP("no Qwen tokenizer.json; run tools/fetch-tokenizers.sh");
    QTemporaryDir tmp;
    ModelEngineSettings s = cpuSettings(makeTinyDots(tmp.filePath("dots")));
    s.gemmaModel = tmp.filePath("no-such-gemma");
    try {
      ModelEngine::load(s);
      QFAIL("loading a missing Gemma model should throw");
    } catch (const ModelLoadError& e) {
      QCOMPARE(e.kind, ModelLoadError::Kind::Model);
      QVERIFY2(QString(e.what()).startsWith("cannot load the Gemma 3n model"), e.what());
    }
  }
};

QTEST_GUILESS_MAIN(ModelEngineTest)
#include "model_engine_test.moc"
