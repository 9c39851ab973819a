# Why: one place that turns an installed LayoutLens into a .deb (and a .tar.gz for other distributions),
# with Depends computed from the binaries so the package installs on a plain Debian without guessing names.

# Desktop integration: a menu entry that opens PDFs, and the icon when the GUI engineer has provided it.
include(GNUInstallDirs)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/linux/layoutlens.desktop
        DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
if(EXISTS ${PROJECT_SOURCE_DIR}/resources/icons/layoutlens.svg)
  install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/layoutlens.svg
          DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)
endif()
# The sample drawing is generated at build time; resources/CMakeLists.txt installs it along with its
# generator. This covers a build that received the PDF some other way, and only when it is there.
if(NOT TARGET sample_drawing)
  install(FILES ${PROJECT_BINARY_DIR}/resources/sample-drawing.pdf
          DESTINATION ${CMAKE_INSTALL_DATADIR}/layoutlens OPTIONAL)
endif()

set(CPACK_PACKAGE_NAME layoutlens)
set(CPACK_PACKAGE_VENDOR "LayoutLens")
set(CPACK_PACKAGE_CONTACT "LayoutLens maintainers <layoutlens@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_INSTALL_DIRECTORY layoutlens)
set(CPACK_GENERATOR "DEB;TGZ")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# dpkg-shlibdeps maps every linked .so to its Debian package (Qt, Poppler, OpenCV, libtorch, ...).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Plugins are loaded at run time, so dpkg-shlibdeps cannot see them: the SVG icon needs Qt's SVG plugins.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libqt6svg6")
# Without embedded font data, PDFs with non-embedded CJK fonts render as boxes.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "poppler-data, qt6-translations-l10n")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "${PROJECT_DESCRIPTION}
 LayoutLens renders PDF pages, finds their layout with the dots.ocr model,
 reads the text of every picture region with Gemma 3n and summarises each
 page. It ships a desktop application and a headless command-line tool.")

# Windows: an NSIS installer (64-bit) with a Start-menu entry, "Open with" for PDFs and an uninstaller that
# removes all of it, plus a ZIP. Untested here (no MSVC, Qt or LibTorch for Windows on the Linux machines);
# .github/workflows/windows.yml builds it on a Windows runner.
if(WIN32)
  # Qt's own DLLs, platform/style/image/SVG plugins and translations next to the executables.
  if(TARGET layoutlens)
    qt_generate_deploy_app_script(TARGET layoutlens OUTPUT_SCRIPT LL_QT_DEPLOY_SCRIPT NO_UNSUPPORTED_PLATFORM_ERROR)
    install(SCRIPT ${LL_QT_DEPLOY_SCRIPT})
  endif()
  # Every other DLL the programs load (LibTorch, Poppler, OpenCV, PCRE2 from vcpkg), found at install time
  # in the folders below; Windows' own DLLs are left out.
  set(LL_WINDOWS_DLL_DIRS "${TORCH_INSTALL_PREFIX}/lib" CACHE STRING "Folders with the DLLs to ship (LibTorch lib/, vcpkg bin/)")
  if(DEFINED VCPKG_INSTALLED_DIR AND DEFINED VCPKG_TARGET_TRIPLET)
    list(APPEND LL_WINDOWS_DLL_DIRS "${VCPKG_INSTALLED_DIR}/${VCPKG_TARGET_TRIPLET}/bin")
  endif()
  set(LL_WINDOWS_PROGRAMS layoutlens-cli)
  if(TARGET layoutlens)
    list(APPEND LL_WINDOWS_PROGRAMS layoutlens)
  endif()
  install(TARGETS ${LL_WINDOWS_PROGRAMS}
          RUNTIME_DEPENDENCIES
            PRE_EXCLUDE_REGEXES "^api-ms-" "^ext-ms-" "^Qt6"
            POST_EXCLUDE_REGEXES ".*[Ss]ystem32/.*\\.dll$"
            DIRECTORIES ${LL_WINDOWS_DLL_DIRS}
          RUNTIME DESTINATION bin)

  include(WindowsInstaller)
endif()

include(CPack)
