#!/usr/bin/env bash
# Why: one command that cross-builds the torch-free core and its tests for 64-bit Windows (mingw-w64) and
# runs them under wine with ctest. Exits 77 (skipped) when mingw-w64 or wine is not installed.
#
# usage: tools/mingw/test-under-wine.sh [BUILD_DIR]    (default: build-mingw in the repository)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${1:-$root/build-mingw}"
command -v x86_64-w64-mingw32-g++-posix >/dev/null || { echo "mingw: x86_64-w64-mingw32-g++-posix not installed (apt-get install g++-mingw-w64-x86-64-posix); skipping"; exit 77; }
wine=""
for w in /usr/lib/wine/wine64 "$(command -v wine64 || true)" "$(command -v wine || true)"; do
  [[ -n $w && -x $w ]] && { wine=$w; break; }
done
[[ -n $wine ]] || { echo "mingw: wine64 not installed (apt-get install wine64); skipping"; exit 77; }
[[ -d /usr/src/googletest ]] || { echo "mingw: /usr/src/googletest missing (apt-get install googletest); skipping"; exit 77; }

# A private wine prefix in the build folder: no state shared with the user's ~/.wine, no GUI dialogs.
export WINEPREFIX="$build/wineprefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
mkdir -p "$WINEPREFIX"
cmake -S "$root/tools/mingw" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_TOOLCHAIN_FILE="$root/tools/mingw/toolchain-x86_64-w64-mingw32.cmake" \
  -DCMAKE_CROSSCOMPILING_EMULATOR="$wine" >/dev/null
cmake --build "$build" -j "${JOBS:-2}"
cd "$build"
ctest --output-on-failure -j 1 "$@"

# The installer round trip, when makensis is there (Debian package nsis).
if ! command -v makensis >/dev/null; then
  echo "mingw: makensis not installed (apt-get install nsis); installer round trip skipped"
  exit 0
fi
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
wineserver="$(dirname "$wine")/wineserver"
[[ -x $wineserver ]] || wineserver=wineserver
rm -rf "$build/installer"
cpack -G NSIS -B "$build/installer" >"$build/cpack-nsis.log" 2>&1 || { echo "FAIL: cpack -G NSIS: $(tail -5 "$build/cpack-nsis.log")"; exit 1; }
setup=$(find "$build/installer" -maxdepth 1 -name 'layoutlens-installer-check-*.exe' | head -1)
[[ -n $setup ]] || { echo "FAIL: cpack wrote no installer"; exit 1; }
file "$setup" | grep -q 'PE32+ executable.*x86-64' || fail "the installer is not a 64-bit Windows program: $(file -b "$setup")"
target="$WINEPREFIX/drive_c/LayoutLensCheck"
"$wine" "$setup" /S '/D=C:\LayoutLensCheck' >/dev/null 2>&1
"$wineserver" -w
[[ -f $target/bin/win_core_layout_windows_portability_test.exe ]] || fail "the installer did not put bin/win_core_layout_windows_portability_test.exe into C:\\LayoutLensCheck"
[[ -f $target/Uninstall.exe ]] || fail "the installer wrote no Uninstall.exe"
"$wine" "$target/bin/win_core_layout_windows_portability_test.exe" >"$build/installed-test.log" 2>&1 || fail "the installed test program does not run: $(tail -3 "$build/installed-test.log")"
menu="$WINEPREFIX/drive_c/ProgramData/Microsoft/Windows/Start Menu/Programs"
find "$menu" -iname 'LayoutLens.lnk' 2>/dev/null | grep -q . || fail "no Start-menu entry LayoutLens.lnk"
command=$("$wine" reg query 'HKLM\Software\Classes\LayoutLens.PDF\shell\open\command' 2>/dev/null | tr -d '\r')
[[ $command == *'LayoutLensCheck\bin\layoutlens.exe" "%1"'* ]] || fail "the PDF association's open command is wrong or missing: $command"
"$wine" reg query 'HKLM\Software\Classes\.pdf\OpenWithProgids' /v LayoutLens.PDF >/dev/null 2>&1 || fail "LayoutLens.PDF is not in .pdf\\OpenWithProgids"

"$wine" "$target/Uninstall.exe" /S >/dev/null 2>&1
"$wineserver" -w
sleep 2
[[ ! -e $target/bin ]] || fail "the uninstaller left $target/bin behind"
find "$menu" -iname 'LayoutLens.lnk' 2>/dev/null | grep -q . && fail "the uninstaller left the Start-menu entry behind"
"$wine" reg query 'HKLM\Software\Classes\LayoutLens.PDF' >/dev/null 2>&1 && fail "the uninstaller left the LayoutLens.PDF ProgID behind"
"$wine" reg query 'HKLM\Software\Classes\.pdf\OpenWithProgids' /v LayoutLens.PDF >/dev/null 2>&1 && fail "the uninstaller left .pdf\\OpenWithProgids\\LayoutLens.PDF behind"
if [[ $failures -ne 0 ]]; then
  echo "$failures installer check(s) failed"
  exit 1
fi
echo "installer round trip under wine passed (install, Start menu, PDF association, run, uninstall)"
