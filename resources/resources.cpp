// Locates the application's resources in the build tree and in an installed prefix.
#include "resources/resources.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

namespace ll::resources {

QString applicationIconPath() { return QStringLiteral(":/icons/layoutlens.svg"); }

QString sampleDrawingPath() {
  const QString exeDir = QCoreApplication::applicationDirPath();
  const QStringList candidates = {
      exeDir + QStringLiteral("/../resources/sample-drawing.pdf"),              // build tree: <build>/app/
      exeDir + QStringLiteral("/../share/layoutlens/sample-drawing.pdf"),       // installed: <prefix>/bin/
      exeDir + QStringLiteral("/resources/sample-drawing.pdf"),                 // build root
      exeDir + QStringLiteral("/../../resources/sample-drawing.pdf"),           // <build>/tests/ui/
  };
  for (const QString& c : candidates) {
    if (QFileInfo(c).isFile()) return QDir::cleanPath(QFileInfo(c).absoluteFilePath());
  }
  return {};
}

}  // namespace ll::resources
