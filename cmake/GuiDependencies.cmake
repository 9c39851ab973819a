# The review window on top of the pipeline's dependencies: widgets, SVG icons, Qt Test, translations.
include(PipelineDependencies)
find_package(Qt6 6.4 REQUIRED COMPONENTS Widgets Test LinguistTools Svg)
