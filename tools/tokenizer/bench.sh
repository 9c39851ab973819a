#!/usr/bin/env bash
# Compares our tokenizer's speed with Hugging Face's tokenizers (npm, Rust) on the same text in one run, for
# the Qwen3/dots.ocr and Gemma 3 tokenizer.json files. Builds tokenizer-bench in BUILD, fetches the
# tokenizer files and the npm package into BUILD if missing, makes a ~2 MB mixed text (the repository's
# Markdown and C++ plus the golden strings, which carry CJK, Arabic, Hindi, emoji, HTML tables) and prints one
# JSON line per implementation and tokenizer.
#   usage: tools/tokenizer/bench.sh [BUILD_DIR] [REPEATS]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$root/build-tok}"
repeats="${2:-3}"

bash "$root/tools/fetch-tokenizers.sh" "$build/tokenizers" >/dev/null
if [ ! -d "$build/node/node_modules/tokenizers" ]; then
  mkdir -p "$build/node"
  npm install --silent --prefix "$build/node" tokenizers@0.23.2 >/dev/null
fi
ninja -C "$build" tokenizer-bench >/dev/null

text="$build/bench-text.txt"
if [ ! -s "$text" ]; then
  : >"$text"
  while [ "$(stat -c %s "$text")" -lt 2000000 ]; do
    find "$root" -path "$root/build*" -prune -o \( -name '*.md' -o -name '*.cpp' -o -name '*.h' \) ! -name 'unicode_nfc_tables.cpp' -print |
      sort | xargs cat >>"$text"
    node -e 'for (const c of require(process.argv[1]).cases) if (c.text) console.log(c.text)' \
      "$root/tests/fixtures/tokenizer/golden.json" >>"$text"
  done
fi
echo "text: $text ($(stat -c %s "$text") bytes)"
for name in qwen3 gemma3; do
  json="$build/tokenizers/$name/tokenizer.json"
  echo "== $name"
  "$build/tools/tokenizer/tokenizer-bench" "$json" "$text" "$repeats"
  NODE_PATH="$build/node/node_modules" node "$root/tools/tokenizer/bench.js" "$json" "$text" "$repeats"
done
