#!/usr/bin/env bash
# Why: a .deb that builds but misses a binary, the desktop entry or its Depends line only fails on a
# user's machine. This builds the package from a finished build folder and checks what is inside,
# that every computed dependency is a real installed package here, and that the packaged CLI runs.
#
# usage: packaging/test-deb.sh BUILD_DIR
set -u
build=${1:?usage: test-deb.sh BUILD_DIR}
[[ -f $build/CPackConfig.cmake ]] || { echo "test-deb: $build has no CPackConfig.cmake; configure the project first"; exit 2; }
command -v dpkg-deb >/dev/null || { echo "test-deb: dpkg-deb is not installed (not a Debian system); skipping"; exit 77; }
source_dir=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$build/CMakeCache.txt")

work=$(mktemp -d "${TMPDIR:-/tmp}/test-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

start=$EPOCHREALTIME
if ! cpack --config "$build/CPackConfig.cmake" -G DEB -B "$work/out" >"$work/cpack.log" 2>&1; then
  echo "FAIL: cpack -G DEB failed:"
  tail -20 "$work/cpack.log"
  exit 1
fi
deb=$(find "$work/out" -maxdepth 1 -name 'layoutlens_*.deb' | head -1)
[[ -n $deb ]] || { echo "FAIL: cpack wrote no layoutlens_*.deb:"; ls "$work/out"; exit 1; }
echo "built $(basename "$deb") ($(du -h "$deb" | cut -f1)) in $(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s"

contents=$(dpkg-deb -c "$deb")
for f in ./usr/bin/layoutlens-cli ./usr/share/applications/layoutlens.desktop; do
  grep -q " $f\$" <<<"$contents" || fail "$f is not in the package"
done
if [[ -x $build/app/layoutlens ]]; then  # the GUI is built only when app/gui has sources
  grep -q ' ./usr/bin/layoutlens$' <<<"$contents" || fail "the GUI program ./usr/bin/layoutlens is not in the package"
fi
if [[ -f $source_dir/resources/icons/layoutlens.svg ]]; then
  grep -q ' ./usr/share/icons/hicolor/scalable/apps/layoutlens.svg$' <<<"$contents" || fail "the icon is not in the package"
fi
if [[ -f $build/resources/sample-drawing.pdf ]]; then
  grep -q ' ./usr/share/layoutlens/sample-drawing.pdf$' <<<"$contents" || fail "the sample drawing is not in the package"
fi

control=$(dpkg-deb -I "$deb")
package=$(dpkg-deb -f "$deb" Package)
[[ $package == layoutlens ]] || fail "Package is '$package', expected layoutlens"
depends=$(dpkg-deb -f "$deb" Depends)
[[ -n $depends ]] || fail "the package has no Depends line (CPACK_DEBIAN_PACKAGE_SHLIBDEPS did not run)"
for lib in libqt6core6 libpoppler-qt6 libc6 libqt6svg6; do
  grep -q "$lib" <<<"$depends" || fail "Depends does not name $lib: $depends"
done
echo "Depends: $depends"
# Every dependency must be a package this system knows and has installed: proves the names are real.
IFS=',' read -ra alternatives <<<"$depends"
for entry in "${alternatives[@]}"; do
  name=$(sed -E 's/^ *([^ (|]+).*/\1/' <<<"$entry")
  dpkg-query -W -f='${Status}' "$name" 2>/dev/null | grep -q 'install ok installed' || fail "dependency '$name' is not an installed package here"
done

# Unpack into a scratch root and run the packaged CLI with the system's libraries (LD_LIBRARY_PATH as is).
dpkg-deb -x "$deb" "$work/root"
version_output=$("$work/root/usr/bin/layoutlens-cli" --version 2>&1)
version=$(head -n 1 <<<"$version_output")
[[ $(sed -n 2p <<<"$version_output") == libtorch\ * ]] || fail "packaged layoutlens-cli --version does not name its libtorch: '$version_output'"
expected_version=$(dpkg-deb -f "$deb" Version)
[[ $version == "LayoutLens $expected_version" ]] || fail "packaged layoutlens-cli --version printed '$version', expected 'LayoutLens $expected_version'"
missing=$(ldd "$work/root/usr/bin/layoutlens-cli" | grep 'not found')
[[ -z $missing ]] || fail "packaged layoutlens-cli has unresolved libraries: $missing"
desktop="$work/root/usr/share/applications/layoutlens.desktop"
if [[ -f $desktop ]]; then
  grep -q '^MimeType=.*application/pdf;' "$desktop" || fail "the desktop entry does not declare application/pdf"
  grep -q '^Exec=layoutlens %F$' "$desktop" || fail "the desktop entry's Exec line is not 'layoutlens %F'"
fi

# The GUI from the unpacked package: --version loads Qt, the platform plugin and every linked library; an
# offscreen start that opens the sample drawing must still be running after a few seconds (it reached the
# event loop with the PDF open instead of crashing or refusing to start).
gui="$work/root/usr/bin/layoutlens"
if [[ -x $build/app/layoutlens ]]; then
  missing=$(ldd "$gui" | grep 'not found')
  [[ -z $missing ]] || fail "packaged layoutlens has unresolved libraries: $missing"
  gui_version=$(QT_QPA_PLATFORM=offscreen "$gui" --version 2>"$work/gui-version.log")
  [[ $gui_version == "LayoutLens $expected_version" ]] || fail "packaged layoutlens --version printed '$gui_version' ($(tail -2 "$work/gui-version.log")), expected 'LayoutLens $expected_version'"
  sample="$work/root/usr/share/layoutlens/sample-drawing.pdf"
  [[ -f $sample ]] || sample=$(find "$source_dir/tests/app/data" -name '*.pdf' | head -1)
  HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" QT_QPA_PLATFORM=offscreen timeout 6 "$gui" "$sample" >"$work/gui.log" 2>&1
  gui_rc=$?
  [[ $gui_rc -eq 124 ]] || fail "the packaged GUI exited with status $gui_rc within 6 s of an offscreen start with $sample: $(tail -5 "$work/gui.log")"
  # qt_add_translations embeds the .qm files as resources; rcc stores their names in UTF-16.
  for lang in de zh_CN; do
    pattern=$(sed 's/./\\x00&/g' <<<"app_$lang.qm")
    LC_ALL=C grep -qaP "$pattern" "$gui" || fail "the packaged GUI has no embedded translation app_$lang.qm"
  done
fi
if [[ -f $desktop ]]; then
  icon_name=$(sed -n 's/^Icon=//p' "$desktop")
  [[ -f $work/root/usr/share/icons/hicolor/scalable/apps/$icon_name.svg ]] || fail "the desktop entry's icon '$icon_name' is not installed under hicolor/scalable/apps"
  if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate "$desktop" >"$work/desktop.log" 2>&1 || fail "desktop-file-validate: $(cat "$work/desktop.log")"
  fi
fi

# Install and remove with dpkg itself in a scratch root (its own dpkg database, no root rights needed, the
# system untouched): removal must leave nothing of the package behind.
droot="$work/dpkg-root"
mkdir -p "$droot/var/lib/dpkg/info" "$droot/var/lib/dpkg/updates"
touch "$droot/var/lib/dpkg/status"
# --force-depends: the scratch root's database lists no Debian packages; the Depends line is checked above.
if dpkg --root="$droot" --force-depends --force-not-root --log=/dev/null -i "$deb" >"$work/dpkg-i.log" 2>&1; then
  [[ -x $droot/usr/bin/layoutlens-cli ]] || fail "dpkg -i did not install /usr/bin/layoutlens-cli"
  dpkg --root="$droot" --force-not-root --log=/dev/null -r layoutlens >"$work/dpkg-r.log" 2>&1 || fail "dpkg -r failed: $(tail -3 "$work/dpkg-r.log")"
  left=$(find "$droot" -mindepth 1 -not -path "$droot/var" -not -path "$droot/var/lib" -not -path "$droot/var/lib/dpkg*")
  [[ -z $left ]] || fail "removing the package left files behind: $(head -5 <<<"$left")"
else
  fail "dpkg -i into a scratch root failed: $(tail -3 "$work/dpkg-i.log")"
fi

# The relocatable tarball: unpacked anywhere, its CLI runs and names the same version.
cpack --config "$build/CPackConfig.cmake" -G TGZ -B "$work/out" >"$work/cpack-tgz.log" 2>&1 || fail "cpack -G TGZ failed: $(tail -3 "$work/cpack-tgz.log")"
tgz=$(find "$work/out" -maxdepth 1 -name 'layoutlens-*.tar.gz' | head -1)
if [[ -n $tgz ]]; then
  mkdir -p "$work/tgz dir with spaces"
  tar -xzf "$tgz" -C "$work/tgz dir with spaces"
  tgz_cli=$(find "$work/tgz dir with spaces" -path '*/bin/layoutlens-cli' | head -1)
  [[ -n $tgz_cli ]] || fail "the tarball has no bin/layoutlens-cli"
  [[ -z $tgz_cli || $("$tgz_cli" --version 2>&1 | head -1) == "LayoutLens $expected_version" ]] || fail "layoutlens-cli from the tarball does not run or names another version"
  find "$work/tgz dir with spaces" -name layoutlens.desktop | grep -q . || fail "the tarball has no desktop entry"
else
  fail "cpack -G TGZ wrote no layoutlens-*.tar.gz"
fi

echo "done in $(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s"
if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "package checks passed"
