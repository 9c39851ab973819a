#!/usr/bin/env bash
# End to end: `layoutlens-cli layout` on a tiny random dots.ocr (real vocabulary and tokenizer) over a PDF
# page and an image. Random weights write noise, so this checks the plumbing: one JSON object per page with
# the model input size, the generated token count, the parse status and the raw text; and the error paths.
# usage: cli_layout.sh LAYOUTLENS_CLI GENERATOR_TEST_BINARY SAMPLE_PDF
set -u
cli="$1"; maker="$2"; pdf="$3"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

LAYOUTLENS_WRITE_TINY_DOTS="$tmp/model" "$maker" --gtest_filter='DotsLayoutGeneratorFixture.*' > "$tmp/maker.log" 2>&1 \
  || { cat "$tmp/maker.log"; fail "could not write the tiny model"; }
if [ ! -f "$tmp/model/model.safetensors" ]; then echo "SKIP: no Qwen tokenizer.json (run tools/fetch-tokenizers.sh)"; exit 77; fi

"$cli" layout --model "$tmp/model" --pdf "$pdf" --pages 1 --dpi 36 --max-new-tokens 5 --extra-max-new-tokens 3 --device cpu --dtype float32 \
  > "$tmp/out.json" 2> "$tmp/err.txt"
rc=$?
[ $rc -eq 0 ] || { cat "$tmp/err.txt"; fail "layout on a PDF page exited $rc"; }
python3 - "$tmp/out.json" <<'PY' || fail "unexpected JSON"
import json, sys
pages = json.load(open(sys.argv[1]))
assert isinstance(pages, list) and len(pages) == 1, pages
p = pages[0]
assert p["page"] == 1
w, h = p["model_input_size"]
assert w % 28 == 0 and h % 28 == 0 and w > 0 and h > 0, p["model_input_size"]
assert 1 <= p["generated_tokens"] <= 8
# Random weights write noise: nothing parses, so the page is generated again with 5 + 3 tokens.
if p["parse_status"] == "failed":
    assert p["retried_with_larger_budget"] is True, p
assert p["finish_reason"] in ("length", "stop")
assert p["parse_status"] in ("ok", "repaired", "failed")
assert "raw" in p and isinstance(p["cells"], list)
PY

# An image and the plain-OCR prompt: text instead of cells.
"$cli" render --pdf "$pdf" --out "$tmp/png" --dpi 36 --pages 1 > /dev/null || fail "render failed"
"$cli" layout --model "$tmp/model" --image "$tmp/png/page_0001.png" --prompt ocr --max-new-tokens 3 --device cpu \
  > "$tmp/ocr.json" 2> "$tmp/err.txt" || { cat "$tmp/err.txt"; fail "layout --prompt ocr failed"; }
python3 -c 'import json,sys; p=json.load(open(sys.argv[1]))[0]; assert "text" in p and "cells" not in p' "$tmp/ocr.json" \
  || fail "ocr prompt should print text"

# Errors: a missing model is exit 6 and says where it looked; a missing image is exit 3; grounding needs --bbox.
"$cli" layout --model "$tmp/no-such-model" --image "$tmp/png/page_0001.png" > /dev/null 2> "$tmp/err.txt"
[ $? -eq 6 ] || fail "missing model should exit 6"
[ "$(wc -l < "$tmp/err.txt")" -eq 1 ] || { cat "$tmp/err.txt"; fail "error must be one line"; }
"$cli" layout --model "$tmp/model" --image "$tmp/nope.png" > /dev/null 2>&1
[ $? -eq 3 ] || fail "missing image should exit 3"
"$cli" layout --model "$tmp/model" --image "$tmp/png/page_0001.png" --prompt grounding > /dev/null 2>&1
[ $? -eq 2 ] || fail "grounding without --bbox should exit 2"
echo "cli_layout: all checks passed"
