#!/usr/bin/env bash
# Why: end-to-end checks of `layoutlens-cli info` and `render` as a user or batch script sees them:
# output contents, PNG sizes, exit codes, and one-line errors for every kind of bad input.
#
# usage: cli_info_render.sh CLI DATA_DIR   (DATA_DIR holds three-pages.pdf)
set -u
export LC_ALL=C.UTF-8
cli=$1 data=$2
pdf="$data/three-pages.pdf"
work=$(mktemp -d "${TMPDIR:-/tmp}/cli-info-render.XXXXXX")
trap 'rm -rf "$work"' EXIT
failures=0

# run EXPECTED_RC ARGS...: runs the CLI, keeps stdout/stderr in $out/$err, checks the exit code.
run() {
  local want=$1
  shift
  "$cli" "$@" >"$work/stdout" 2>"$work/stderr"
  rc=$?
  out=$(cat "$work/stdout") err=$(cat "$work/stderr")
  if [[ $rc -ne $want ]]; then
    echo "FAIL: layoutlens-cli $* exited $rc, expected $want; stderr: $err"
    failures=$((failures + 1))
    return 1
  fi
  if [[ $want -ne 0 ]]; then
    local lines
    lines=$(wc -l <"$work/stderr")
    if [[ $lines -ne 1 || $err != layoutlens-cli:* ]]; then
      echo "FAIL: layoutlens-cli $* must print exactly one 'layoutlens-cli: ...' line on stderr, got $lines: $err"
      failures=$((failures + 1))
      return 1
    fi
  fi
  return 0
}
expect() {  # expect DESCRIPTION TEXT PATTERN (grep -E)
  if ! grep -qE -- "$3" <<<"$2"; then
    echo "FAIL: $1: /$3/ not found in: $2"
    failures=$((failures + 1))
  fi
}
png_size() { # prints "W H" of a PNG from its IHDR chunk
  local hex
  hex=$(od -An -tx1 -j16 -N8 "$1" | tr -d ' \n')
  echo "$((16#${hex:0:8})) $((16#${hex:8:8}))"
}

# --- info -------------------------------------------------------------------------------------------
if run 0 info "$pdf"; then
  expect "info pages" "$out" '^pages: +3$'
  expect "info title" "$out" '^title: +LayoutLens CLI test: three pages$'
  expect "info encryption" "$out" '^encrypted: +no$'
  expect "info page 1" "$out" 'page 1 +595.00 x 842.00 pt \(209.9 x 297.0 mm\) A4$'
  expect "info page 2" "$out" 'page 2 +842.00 x 595.00 pt \(297.0 x 209.9 mm\) A4 landscape$'
  expect "info page 3 rotated" "$out" 'page 3 +100.00 x 200.00 pt \(35.3 x 70.6 mm\), rotated 90'
fi
if run 0 info --json "$pdf"; then
  expect "info --json pages" "$out" '"pages": 3'
  expect "info --json encrypted" "$out" '"encrypted": false'
  expect "info --json width" "$out" '"width_pt": 842'
  expect "info --json rotation" "$out" '"rotation": 90'
  expect "info --json paper" "$out" '"paper": "A4 landscape"'
  if command -v python3 >/dev/null; then
    python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["pages"]==3 and len(d["page_sizes"])==3' <<<"$out" ||
      { echo "FAIL: info --json is not the expected JSON"; failures=$((failures + 1)); }
  fi
fi
run 0 info --help && expect "info --help" "$out" '^usage: layoutlens-cli info FILE'
run 2 info && expect "info without FILE" "$err" 'no FILE given'
run 2 info "$pdf" --bogus && expect "info unknown option" "$err" "unknown option '--bogus'"
run 3 info "$work/missing.pdf" && expect "info missing file" "$err" 'does not exist'
printf 'just some text, not a PDF\n' >"$work/notes.pdf"
run 3 info "$work/notes.pdf" && expect "info not a PDF" "$err" 'not a PDF'
: >"$work/empty.pdf"
run 3 info "$work/empty.pdf" && expect "info empty file" "$err" 'empty \(0 bytes\)'
head -c 200 "$pdf" >"$work/truncated.pdf"
run 3 info "$work/truncated.pdf" && expect "info truncated" "$err" 'damaged|no readable pages'
run 3 info "$work" && expect "info folder" "$err" 'is a folder'

# --- render -----------------------------------------------------------------------------------------
if run 0 render --pdf "$pdf" --out "$work/r1" --dpi 72 --pages 2-3; then
  [[ -f $work/r1/page_0002.png && -f $work/r1/page_0003.png && ! -e $work/r1/page_0001.png ]] ||
    { echo "FAIL: render --pages 2-3 wrote: $(ls "$work/r1")"; failures=$((failures + 1)); }
  [[ $(png_size "$work/r1/page_0002.png") == "842 595" ]] || { echo "FAIL: page 2 is $(png_size "$work/r1/page_0002.png") px, want 842 595"; failures=$((failures + 1)); }
  [[ $(png_size "$work/r1/page_0003.png") == "100 200" ]] || { echo "FAIL: rotated page 3 is $(png_size "$work/r1/page_0003.png") px, want 100 200"; failures=$((failures + 1)); }
  expect "render progress line" "$out" '^page 2: 842 x 595 px at 72.0 dpi -> .*page_0002.png$'
  [[ -z $err ]] || { echo "FAIL: a successful render wrote to stderr: $err"; failures=$((failures + 1)); }
  [[ $(find "$work/r1" -type f | wc -l) -eq 2 ]] || { echo "FAIL: temporary files left in the output folder"; failures=$((failures + 1)); }
fi
if run 0 render --pdf "$pdf" --out "$work/r2" --max-long-edge-px=1000; then
  # 200 dpi: 1653 x 2339, then the long edge goes to 1000 keeping the aspect: 707 x 1000.
  [[ $(png_size "$work/r2/page_0001.png") == "707 1000" ]] || { echo "FAIL: page 1 is $(png_size "$work/r2/page_0001.png"), want 707 1000"; failures=$((failures + 1)); }
  [[ $(png_size "$work/r2/page_0002.png") == "1000 707" ]] || { echo "FAIL: page 2 is $(png_size "$work/r2/page_0002.png"), want 1000 707"; failures=$((failures + 1)); }
  expect "render note on downscale" "$out" 'long edge of 1000 px'
fi
run 0 render --help && expect "render --help" "$out" '^usage: layoutlens-cli render --pdf FILE --out DIR'
run 2 render --out "$work/x" && expect "render without --pdf" "$err" 'no PDF given'
run 2 render --pdf "$pdf" && expect "render without --out" "$err" 'no output folder'
run 2 render --pdf "$pdf" --out "$work/x" --dpi abc && expect "render bad dpi" "$err" '--dpi must be a number'
run 2 render --pdf "$pdf" --out "$work/x" --dpi 0 && expect "render dpi 0" "$err" '--dpi must be a number from 1 to 2400'
run 2 render --pdf "$pdf" --out "$work/x" --max-long-edge-px 12.5 && expect "render bad edge" "$err" 'whole number'
run 2 render --pdf "$pdf" --out "$work/x" --pages 9 && expect "render page out of range" "$err" 'page 9 does not exist'
run 2 render --pdf "$pdf" --out "$work/x" --pages 2-1 && expect "render reversed range" "$err" "'2-1'"
run 2 render --pdf "$pdf" --out "$work/x" --dpi && expect "render option without value" "$err" '--dpi needs a value'
run 2 render --pdf "$pdf" --out "$work/x" extra && expect "render stray argument" "$err" "unexpected argument 'extra'"
[[ ! -e $work/x ]] || { echo "FAIL: a usage error created the output folder"; failures=$((failures + 1)); }
run 3 render --pdf "$work/missing.pdf" --out "$work/x" && expect "render missing file" "$err" 'does not exist'
run 3 render --pdf "$work/notes.pdf" --out "$work/x" && expect "render not a PDF" "$err" 'not a PDF'
: >"$work/occupied"
run 3 render --pdf "$pdf" --out "$work/occupied" && expect "render output is a file" "$err" 'cannot create the output folder'

# --- global -----------------------------------------------------------------------------------------
run 0 --version && expect "--version" "$out" '^LayoutLens [0-9]+\.[0-9]+\.[0-9]+$' && expect "--version names libtorch" "$out" '^libtorch [0-9]+\.[0-9]+'

run 0 --help && expect "--help lists info" "$out" '^  info ' && expect "--help lists render" "$out" '^  render '

if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all info/render checks passed"
