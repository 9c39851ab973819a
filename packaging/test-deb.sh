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

cpack --config "$build/CPackConfig.cmake" -G TGZ -B "$work/out" >"$work/cpack-tgz.log" 2>&1 || fail "cpack -G TGZ failed: $(tail -3 "$work/cpack-tgz.log")"

echo "done in $(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s"
if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "package checks passed"
