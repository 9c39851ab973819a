# Why: the NSIS installer's settings in one place, shared by the real Windows package (cmake/Packaging.cmake,
# built on a Windows runner) and the mingw-w64 cross build (tools/mingw), whose installer is installed and
# uninstalled under wine on Linux CI so the script itself is tested: 64-bit, Start-menu entry, "Open with"
# for PDFs, and an uninstaller that removes exactly what was added.
# Values reach the NSIS script exactly as written here (quotes, backslashes, $INSTDIR).
set(CPACK_VERBATIM_VARIABLES ON)
set(CPACK_GENERATOR "NSIS;ZIP")
set(CPACK_NSIS_DEFINES "Target amd64-unicode")  # the default stub is 32-bit
set(CPACK_NSIS_INSTALL_ROOT "$PROGRAMFILES64")
set(CPACK_PACKAGE_INSTALL_DIRECTORY "LayoutLens")
set(CPACK_NSIS_PACKAGE_NAME "LayoutLens ${PROJECT_VERSION}")
set(CPACK_NSIS_DISPLAY_NAME "LayoutLens")
set(CPACK_NSIS_EXECUTABLES_DIRECTORY bin)
set(CPACK_PACKAGE_EXECUTABLES "layoutlens;LayoutLens")  # the Start-menu entry
set(CPACK_NSIS_INSTALLED_ICON_NAME "bin\\layoutlens.exe")
set(CPACK_NSIS_ENABLE_UNINSTALL_BEFORE_INSTALL ON)
set(CPACK_NSIS_MODIFY_PATH OFF)
set(CPACK_NSIS_CONTACT "${CPACK_PACKAGE_CONTACT}")
if(EXISTS ${PROJECT_SOURCE_DIR}/resources/icons/layoutlens.ico)
  set(CPACK_NSIS_MUI_ICON ${PROJECT_SOURCE_DIR}/resources/icons/layoutlens.ico)
  set(CPACK_NSIS_MUI_UNIICON ${PROJECT_SOURCE_DIR}/resources/icons/layoutlens.ico)
endif()
# "Open with > LayoutLens" for PDFs, without taking over the user's default PDF viewer: a ProgID plus
# an OpenWithProgids entry, registered per machine; the uninstaller removes exactly these keys.
set(CPACK_NSIS_EXTRA_INSTALL_COMMANDS [=[
  WriteRegStr HKLM "Software\Classes\LayoutLens.PDF" "" "PDF document (LayoutLens)"
  WriteRegStr HKLM "Software\Classes\LayoutLens.PDF\DefaultIcon" "" "$INSTDIR\bin\layoutlens.exe,0"
  WriteRegStr HKLM "Software\Classes\LayoutLens.PDF\shell\open\command" "" '"$INSTDIR\bin\layoutlens.exe" "%1"'
  WriteRegStr HKLM "Software\Classes\.pdf\OpenWithProgids" "LayoutLens.PDF" ""
  WriteRegStr HKLM "Software\Classes\Applications\layoutlens.exe\SupportedTypes" ".pdf" ""
  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'
]=])
set(CPACK_NSIS_EXTRA_UNINSTALL_COMMANDS [=[
  DeleteRegKey HKLM "Software\Classes\LayoutLens.PDF"
  DeleteRegValue HKLM "Software\Classes\.pdf\OpenWithProgids" "LayoutLens.PDF"
  DeleteRegKey HKLM "Software\Classes\Applications\layoutlens.exe"
  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'
]=])
