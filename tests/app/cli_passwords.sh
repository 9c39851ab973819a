#!/usr/bin/env bash
# Why: encrypted PDFs from the corpus with known passwords (corpus SOURCES.md): a missing or wrong password
# exits 4 with a message that says what to do, and the right one (user or owner, ASCII or UTF-8) renders.
#
# usage: cli_passwords.sh CLI CORPUS_DIR
set -u
export LC_ALL=C.UTF-8
cli=$1 corpus=$2/robustness
[[ -d $corpus ]] || { echo "corpus folder '$corpus' is missing; skipping"; exit 77; }
work=$(mktemp -d "${TMPDIR:-/tmp}/cli-passwords.XXXXXX")
trap 'rm -rf "$work"' EXIT
failures=0

check() {  # check WANT_RC STDERR_PATTERN ARGS...
  local want=$1 pattern=$2
  shift 2
  "$cli" "$@" >"$work/stdout" 2>"$work/stderr"
  local rc=$? err
  err=$(cat "$work/stderr")
  if [[ $rc -ne $want ]]; then
    echo "FAIL: layoutlens-cli $* exited $rc, expected $want; stderr: $err"
    failures=$((failures + 1))
  elif [[ $want -ne 0 && ( $(wc -l <"$work/stderr") -ne 1 || ! $err =~ $pattern ) ]]; then
    echo "FAIL: layoutlens-cli $*: stderr should be one line matching /$pattern/, got: $err"
    failures=$((failures + 1))
  elif [[ $want -eq 0 && -n $err ]]; then
    echo "FAIL: layoutlens-cli $* succeeded but wrote to stderr: $err"
    failures=$((failures + 1))
  else
    echo "ok: $* -> $rc"
  fi
}

# file | right password | a wrong one
cases=(
  "popplertest-encrypted-256.pdf|user-secret|owner-secreT"
  "popplertest-encrypted-256.pdf|owner-secret|user"
  "issue3371.pdf|ELXRTQWS|elxrtqws"
  "pr6531_1.pdf|asdfasdf|qwerty"
  "qpdf-enc-R2_V1_U-view_O-master.pdf|view|View"
  "issue6010_2.pdf|æøå|aoa"
  "print_protection.pdf|1234|4321"
)
for c in "${cases[@]}"; do
  IFS='|' read -r file right wrong <<<"$c"
  pdf="$corpus/$file"
  [[ -f $pdf ]] || { echo "FAIL: $pdf is missing from the corpus"; failures=$((failures + 1)); continue; }
  check 4 "password-protected; pass its password with --password" render --pdf "$pdf" --out "$work/none" --pages 1
  check 4 "password for .* is wrong" render --pdf "$pdf" --out "$work/wrong" --pages 1 --password "$wrong"
  check 4 "password for .* is wrong" info "$pdf" --password "$wrong"
  check 0 "" render --pdf "$pdf" --out "$work/right" --pages 1 --dpi 72 --password "$right"
  [[ -f $work/right/page_0001.png ]] || { echo "FAIL: $file with the right password wrote no page_0001.png"; failures=$((failures + 1)); }
  LAYOUTLENS_PDF_PASSWORD="$right" check 0 "" info "$pdf"
  grep -q '^encrypted: *yes' "$work/stdout" || { echo "FAIL: info does not report $file as encrypted"; failures=$((failures + 1)); }
  rm -rf "$work/right"
done
# Owner-only encryption: opens without a password, and info says it is encrypted.
check 0 "" info "$corpus/empty_protected.pdf"
grep -q '^encrypted: *yes' "$work/stdout" || { echo "FAIL: empty_protected.pdf not reported as encrypted"; failures=$((failures + 1)); }

if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all password checks passed"
