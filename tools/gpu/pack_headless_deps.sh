#!/usr/bin/env bash
# Packs what `layoutlens-cli` needs beyond libtorch — Qt 6 (Core, Gui, Concurrent, Network, DBus),
# Poppler-Qt6, OpenCV core/imgproc, libglvnd — as Debian 12 packages plus their runtime libraries, into
# .device/headless-root.tar.xz, for the GPU machine (Ubuntu 24.04, pip PyTorch, no Qt, no network).
# tools/gpu/pipeline_run.sh unpacks it there and builds the real pipeline against it and pip's libtorch.
# Debian 12 binaries need glibc >= 2.36 and GCC 12's libstdc++ at most, which Ubuntu 24.04 exceeds.
# Run here (Debian 12, apt reachable):  bash tools/gpu/pack_headless_deps.sh   (~20 MB, ~1 minute)
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=.device/headless-root.tar.xz
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
ROOT=$WORK/root
mkdir -p "$WORK/debs" "$ROOT/runtime"
# Development packages (headers, CMake configs, moc/rcc) and the libraries they describe. libgl/libglx/
# libopengl/libegl -dev: Qt6Gui's CMake config requires OpenGL headers even where nothing draws.
PACKAGES=(qt6-base-dev qt6-base-dev-tools libqt6core6 libqt6gui6 libqt6network6 libqt6concurrent6 libqt6dbus6
  libpoppler-qt6-dev libpoppler-qt6-3 libpoppler126 libopencv-core-dev libopencv-imgproc-dev libopencv-core406
  libopencv-imgproc406 libgl-dev libglx-dev libopengl-dev libegl-dev libglvnd-dev libglvnd0 libgl1 libglx0
  libopengl0 libegl1 qmake6 qmake6-bin libpcre2-dev libpcre2-16-0 libpcre2-32-0 libpcre2-posix3 libblas3 liblapack3)
(cd "$WORK/debs" && apt-get download "${PACKAGES[@]}" >/dev/null 2>&1) || { echo "apt-get download failed (is apt reachable?)"; exit 1; }
for d in "$WORK"/debs/*.deb; do dpkg-deb -x "$d" "$ROOT"; done
rm -rf "$ROOT"/usr/share/doc "$ROOT"/usr/share/man "$ROOT"/usr/share/lintian "$ROOT"/usr/lib/x86_64-linux-gnu/qt6/plugins
# Size (the device takes 64 MiB in all): no static libraries, no headers of Qt modules we do not build against.
find "$ROOT" -name '*.a' -delete
QTINC=$ROOT/usr/include/x86_64-linux-gnu/qt6
for m in "$QTINC"/Qt*; do
  case "$(basename "$m")" in QtCore|QtGui|QtConcurrent|QtNetwork|QtDBus) ;; *) rm -rf "$m";; esac
done
# OpenCV core needs liblapack.so.3/libblas.so.3; Debian resolves them through alternatives to OpenBLAS
# (42 MB). The reference BLAS/LAPACK packages provide the same sonames at a tenth of the size; crops only
# use cv::resize, which calls neither.
ln -s ../usr/lib/x86_64-linux-gnu/blas/libblas.so.3 "$ROOT/runtime/libblas.so.3"
ln -s ../usr/lib/x86_64-linux-gnu/lapack/liblapack.so.3 "$ROOT/runtime/liblapack.so.3"

# Runtime libraries of everything above that the packages do not contain (ICU, double-conversion, ...),
# copied from this machine. glibc and the GCC runtime stay out: the GPU machine's newer ones serve.
is_base() { case "$1" in libc.so*|libm.so*|libdl.so*|libpthread.so*|librt.so*|ld-linux*|libstdc++.so*|libgcc_s.so*|linux-vdso*) return 0;; esac; return 1; }
find "$ROOT" -type f \( -name '*.so*' -o -path '*/libexec/*' \) | while read -r f; do
  ldd "$f" 2>/dev/null | awk '/=> \// {print $1, $3}' || true
done | sort -u | while read -r name path; do
  is_base "$name" && continue
  [ -e "$ROOT/usr/lib/x86_64-linux-gnu/$name" ] || [ -e "$ROOT/runtime/$name" ] && continue
  [ "$name" = libopenblas.so.0 ] && continue
  cp -L "$path" "$ROOT/runtime/$name"
done
mkdir -p .device
tar -cJf "$OUT" -C "$ROOT" .
echo "$OUT: $(du -h "$OUT" | cut -f1) ($(ls "$ROOT/runtime" | wc -l) runtime libraries besides the packages)"
