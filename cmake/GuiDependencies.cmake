# Qt, Poppler and OpenCV: only the pipeline, widgets, ui and app layers see these.
find_package(Qt6 6.4 REQUIRED COMPONENTS Core Gui Widgets Concurrent Test LinguistTools Svg)
qt_standard_project_setup()
find_package(PkgConfig REQUIRED)
pkg_check_modules(POPPLER_QT6 REQUIRED IMPORTED_TARGET poppler-qt6)
# Debian's per-module OpenCV -dev packages ship no OpenCVConfig.cmake: make the targets by hand.
find_path(OPENCV_INCLUDE_DIR opencv2/core.hpp PATH_SUFFIXES opencv4 REQUIRED)
add_library(layoutlens_opencv INTERFACE)
target_include_directories(layoutlens_opencv SYSTEM INTERFACE ${OPENCV_INCLUDE_DIR})
foreach(m core imgproc imgcodecs)
  find_library(OPENCV_${m}_LIB opencv_${m} REQUIRED)
  target_link_libraries(layoutlens_opencv INTERFACE ${OPENCV_${m}_LIB})
endforeach()
