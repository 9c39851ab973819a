// The environment a hub download reads (endpoint, token, offline switch, cache folder) and the choice of
// files, kept apart from the transfer code so the setup dialog and the CLI agree with huggingface_hub on
// every name and default.
#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QSet>

#include "core/infer/hub_resolver.h"
#include "core/pipeline/hub_download.h"

namespace ll::pipeline {

namespace {

QString envText(const char* name) { return qEnvironmentVariable(name).trimmed(); }

}  // namespace

QList<KnownHubModel> knownHubModels() {
  return {
      {QStringLiteral("rednote-hilab/dots.ocr"), QStringLiteral("layout"), false},
      {QStringLiteral("google/gemma-3n-E4B-it"), QStringLiteral("text"), true},
      {QStringLiteral("google/gemma-3n-E2B-it"), QStringLiteral("text"), true},
  };
}

bool isFileTheLoaderNeeds(const QString& repoPath) {
  if (repoPath.contains(QLatin1Char('/')) || repoPath.contains(QLatin1Char('\\'))) return false;
  static const QSet<QString> names = {
      QStringLiteral("config.json"),           QStringLiteral("generation_config.json"),
      QStringLiteral("tokenizer.json"),        QStringLiteral("tokenizer_config.json"),
      QStringLiteral("special_tokens_map.json"), QStringLiteral("added_tokens.json"),
      QStringLiteral("vocab.json"),            QStringLiteral("merges.txt"),
      QStringLiteral("tokenizer.model"),       QStringLiteral("preprocessor_config.json"),
      QStringLiteral("processor_config.json"), QStringLiteral("chat_template.json"),
      QStringLiteral("chat_template.jinja"),   QStringLiteral("model.safetensors.index.json"),
  };
  return names.contains(repoPath) || repoPath.endsWith(QLatin1String(".safetensors"));
}

bool hubOfflineMode() {
  const QString v = envText("HF_HUB_OFFLINE").toLower();
  return v == QLatin1String("1") || v == QLatin1String("true") || v == QLatin1String("yes") || v == QLatin1String("on");
}

QString hubEndpoint() {
  QString e = envText("HF_ENDPOINT");
  if (e.isEmpty()) e = QStringLiteral("https://huggingface.co");
  while (e.endsWith(QLatin1Char('/'))) e.chop(1);
  return e;
}

QString hubToken() {
  const QString fromEnv = envText("HF_TOKEN");
  if (!fromEnv.isEmpty()) return fromEnv;
  // The file `hf auth login` writes: $HF_TOKEN_PATH, else $HF_HOME/token, else <cache>/huggingface/token.
  QString path = envText("HF_TOKEN_PATH");
  if (path.isEmpty()) {
    QString home = envText("HF_HOME");
    if (home.isEmpty()) {
      const QString xdg = envText("XDG_CACHE_HOME");
      home = xdg.isEmpty() ? QDir::homePath() + QStringLiteral("/.cache/huggingface") : xdg + QStringLiteral("/huggingface");
    }
    path = home + QStringLiteral("/token");
  }
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return {};
  return QString::fromUtf8(f.readAll()).trimmed();
}

QString defaultHubCacheDir() {
  const auto roots = ll::infer::hubCacheRoots();
  return roots.empty() ? QString() : QString::fromStdString(roots.front().path);
}

QString normalizeEtag(const QByteArray& header) {
  QString e = QString::fromLatin1(header).trimmed();
  if (e.startsWith(QLatin1String("W/"))) e = e.mid(2);
  if (e.size() >= 2 && e.startsWith(QLatin1Char('"')) && e.endsWith(QLatin1Char('"'))) e = e.mid(1, e.size() - 2);
  return e;
}

QString formatByteSize(qint64 bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  return QStringLiteral("%1 %2").arg(v, 0, 'f', u == 0 ? 0 : 1).arg(QLatin1String(units[u]));
}

}  // namespace ll::pipeline
