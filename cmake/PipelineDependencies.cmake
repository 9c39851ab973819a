# What core/pipeline and layoutlens-cli need: QtCore/QtGui (QImage)/QtConcurrent/QtNetwork, Poppler-Qt6 and
# OpenCV core+imgproc (crops are resized with cv::resize). Shared by the full build and the headless one
# (LAYOUTLENS_HEADLESS: the GPU machine, where Qt comes from tools/gpu/pack_headless_deps.sh's packages).
find_package(Qt6 6.4 REQUIRED COMPONENTS Core Gui Concurrent Network)
qt_standard_project_setup()
find_package(PkgConfig)
if(PkgConfig_FOUND)
  pkg_check_modules(POPPLER_QT6 IMPORTED_TARGET poppler-qt6)
endif()
if(NOT TARGET PkgConfig::POPPLER_QT6)
  # No pkg-config (or no .pc for it): the header and library by name, under CMAKE_PREFIX_PATH.
  find_path(POPPLER_QT6_INCLUDE_DIR poppler-qt6.h PATH_SUFFIXES poppler/qt6)
  find_library(POPPLER_QT6_LIBRARY poppler-qt6)
  if(NOT POPPLER_QT6_INCLUDE_DIR OR NOT POPPLER_QT6_LIBRARY)
    message(FATAL_ERROR "Poppler-Qt6 not found: install libpoppler-qt6-dev (Debian) or add its prefix to CMAKE_PREFIX_PATH")
  endif()
  add_library(PkgConfig::POPPLER_QT6 INTERFACE IMPORTED)
  target_include_directories(PkgConfig::POPPLER_QT6 INTERFACE ${POPPLER_QT6_INCLUDE_DIR})
  target_link_libraries(PkgConfig::POPPLER_QT6 INTERFACE ${POPPLER_QT6_LIBRARY})
endif()
# Debian's per-module OpenCV -dev packages ship no OpenCVConfig.cmake: make the targets by hand.
find_path(OPENCV_INCLUDE_DIR opencv2/core.hpp PATH_SUFFIXES opencv4 REQUIRED)
add_library(layoutlens_opencv INTERFACE)
target_include_directories(layoutlens_opencv SYSTEM INTERFACE ${OPENCV_INCLUDE_DIR})
foreach(m core imgproc)
  find_library(OPENCV_${m}_LIB opencv_${m} REQUIRED)
  target_link_libraries(layoutlens_opencv INTERFACE ${OPENCV_${m}_LIB})
endforeach()
