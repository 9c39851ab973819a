#pragma once
// Where the application's own resources are: the embedded icon and the sample drawing that the build
// generates (build tree) or the package installs (share/layoutlens/). One place knows both layouts.
#include <QString>

namespace ll::resources {

// Qt resource path of the application icon (SVG).
QString applicationIconPath();

// The sample engineering drawing next to the running executable (build tree: <build>/resources/,
// installed: <prefix>/share/layoutlens/). Empty when neither exists.
QString sampleDrawingPath();

}  // namespace ll::resources
