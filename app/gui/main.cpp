// The `layoutlens` GUI entry point: application identity (QSettings location), UI language, the main
// window, and the PDFs named on the command line (the first one opens).
#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>
#include <QIcon>
#include <QSettings>
#include <QStatusBar>
#include <cstdio>

#include "core/pipeline/pipeline_config.h"
#include "layoutlens_version.h"
#include "resources/resources.h"
#include "ui/analysis_engine_factory.h"
#include "ui/main_window.h"
#include "ui/translation_loader.h"

int main(int argc, char* argv[]) {
  QApplication app(argc, argv);
  QApplication::setOrganizationName(QStringLiteral("LayoutLens"));
  QApplication::setApplicationName(QStringLiteral("LayoutLens"));
  QApplication::setApplicationVersion(QStringLiteral(LAYOUTLENS_VERSION));
  QApplication::setWindowIcon(QIcon(ll::resources::applicationIconPath()));
  // Desktops without an icon theme setting (bare X servers, Windows) still find zoom and page icons.
  if (QIcon::themeName().isEmpty() || QIcon::themeName() == QLatin1String("hicolor"))
    QIcon::setThemeName(QStringLiteral("Adwaita"));

  ll::ui::TranslationLoader translations;
  {
    QSettings settings;
    translations.apply(ll::pipeline::PipelineConfig::load(settings).ui_language);
  }

  QCommandLineParser parser;
  parser.setApplicationDescription(QApplication::translate("main", "Review technical drawings and engineering PDFs."));
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addPositionalArgument(QStringLiteral("files"), QApplication::translate("main", "PDF files to open (the first one is shown)."),
                               QStringLiteral("[FILE...]"));
  parser.process(app);

  {
    QSettings settings;
    std::fprintf(stderr, "layoutlens %s: %s\n", LAYOUTLENS_VERSION,
                 qPrintable(ll::ui::describeRuntimeChoice(ll::pipeline::PipelineConfig::load(settings))));
  }

  ll::ui::MainWindow window;
  window.setTranslationLoader(&translations);
  // The real models, loaded on the inference thread the first time the user presses Analyze.
  window.setEngineFactory(ll::ui::createModelEngine);
  window.setModelSetupOnAnalyze(true);
  window.show();
  const QStringList files = parser.positionalArguments();
  if (!files.isEmpty()) {
    window.openFile(files.first());
    const int notOpened = static_cast<int>(files.size()) - 1;
    if (notOpened > 0) {
      const QString note = QApplication::translate(
          "main", "%n more file(s) on the command line not opened: one document is shown at a time.", "", notOpened);
      window.statusBar()->showMessage(note, 10000);
    }
  }
  return app.exec();
}
