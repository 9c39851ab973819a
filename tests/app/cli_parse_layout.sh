#!/usr/bin/env bash
# Why: end-to-end checks of `layoutlens-cli parse-layout`, the tool for inspecting a saved dots.ocr response:
# valid, cut-off and unusable responses, box mapping to pixels and points, picture regions, and one-line
# errors with the documented exit codes for bad arguments.
#
# usage: cli_parse_layout.sh CLI FIXTURES_DIR   (FIXTURES_DIR holds layout/page_layout_all.txt)
set -u
export LC_ALL=C.UTF-8
cli=$1 fixtures=$2
raw="$fixtures/layout/page_layout_all.txt"
work=$(mktemp -d "${TMPDIR:-/tmp}/cli-parse-layout.XXXXXX")
trap 'rm -rf "$work"' EXIT
failures=0

run() {  # run EXPECTED_RC ARGS...
  local want=$1
  shift
  "$cli" "$@" >"$work/stdout" 2>"$work/stderr"
  rc=$?
  out=$(cat "$work/stdout") err=$(cat "$work/stderr")
  if [[ $rc -ne $want ]]; then
    echo "FAIL: parse-layout $* exited $rc, expected $want; stderr: $err"
    failures=$((failures + 1))
    return 1
  fi
  if [[ $want -eq 2 || $want -eq 3 ]]; then
    if [[ $(wc -l <"$work/stderr") -ne 1 || $err != layoutlens-cli:* ]]; then
      echo "FAIL: parse-layout $* must print one 'layoutlens-cli: ...' line on stderr, got: $err"
      failures=$((failures + 1))
    fi
  fi
}
expect() {  # expect DESCRIPTION TEXT PATTERN (grep -E)
  if ! grep -qE -- "$3" <<<"$2"; then
    echo "FAIL: $1: /$3/ not found in: $2"
    failures=$((failures + 1))
  fi
}
compact() { tr -d ' \n' <<<"$1"; }

# The valid response on its page: 1700x2250 px rendered at 200 dpi from a 612x810 pt page; the model
# saw 1708x2240 (smart_resize), which is the space the fixture's boxes are in.
run 0 parse-layout --input "$raw" --image-size 1700x2250 --page-size 612x810 && {
  c=$(compact "$out")
  expect "status first, ok" "$c" '^\{"status":"ok","reason":""'
  expect "no retry" "$c" '"retry_with_larger_budget":false'
  expect "model input size" "$c" '"model_input_size":\[1708,2240\]'
  expect "11 cells" "$(grep -c '"index"' <<<"$out")" '^11$'
  expect "first cell in model pixels" "$c" '"bbox_model":\[112,84,1590,140\]'
  expect "first cell in page pixels" "$c" '"bbox_px":\[111,84,1582,140\]'
  expect "first cell in points" "$c" '"bbox_pt":\[39.96,30.24,569.52,50.4\]'
  expect "picture region" "$c" '"id":"page-0001-picture-01","cell_index":4,"bbox_px":\[119,602,1572,1325\],"padded_bbox_px":\[107,590,1584,1337\],"crop_size":\[2954,1494\]'
  expect "umlaut, CJK and emoji survive" "$out" 'Bauteil B.*|保养|😀'
}

# Cut off inside the text of the 6th cell: 5 cells, repaired, retry requested, exit 0.
head -c 700 "$raw" >"$work/cut.txt"
run 0 parse-layout --input "$work/cut.txt" && {
  c=$(compact "$out")
  expect "repaired" "$c" '"status":"repaired"'
  expect "retry" "$c" '"retry_with_larger_budget":true'
  expect "truncated" "$c" '"truncated":true'
  expect "5 cells" "$(grep -c '"index"' <<<"$out")" '^5$'
}

# Standard input, and a response with nothing usable: JSON still printed, exit 5.
run 5 parse-layout --input - <<<"I cannot read this page." && expect "failed" "$(compact "$out")" '"status":"failed"'

# Bad arguments and inputs: one line on stderr, exit 2 or 3.
run 2 parse-layout
run 2 parse-layout --input "$raw" --image-size 12x
run 2 parse-layout --input "$raw" --dpi 200
run 2 parse-layout --input "$raw" --image-size 10x3000
run 2 parse-layout --input "$raw" --bogus
run 3 parse-layout --input "$work/missing.txt"
run 0 parse-layout --help && expect "help" "$out" 'usage: layoutlens-cli parse-layout'

if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "parse-layout: all checks passed"
