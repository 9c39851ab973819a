#!/usr/bin/env bash
# Why: end-to-end checks of `layoutlens-cli tokenize` on the small hand-written tokenizer.json fixtures (no
# download needed): encoding to a JSON array, --no-special, decoding, --special, reading a model folder, and
# one-line errors with the documented exit codes.
#
# usage: cli_tokenize.sh CLI FIXTURES_DIR   (FIXTURES_DIR holds tokenizer/tiny_*.json)
set -u
export LC_ALL=C.UTF-8
cli=$1 fixtures=$2
sp="$fixtures/tokenizer/tiny_sentencepiece.json" bl="$fixtures/tokenizer/tiny_byte_level.json"
work=$(mktemp -d "${TMPDIR:-/tmp}/cli-tokenize.XXXXXX")
trap 'rm -rf "$work"' EXIT
failures=0

check() {  # check EXPECTED_RC EXPECTED_STDOUT ARGS...
  local want=$1 expected=$2
  shift 2
  "$cli" tokenize "$@" >"$work/stdout" 2>"$work/stderr"
  local rc=$? out err
  out=$(cat "$work/stdout") err=$(cat "$work/stderr")
  if [[ $rc -ne $want ]]; then
    echo "FAIL: tokenize $* exited $rc, expected $want; stderr: $err"
    failures=$((failures + 1))
  elif [[ $want -eq 0 && $out != "$expected" ]]; then
    echo "FAIL: tokenize $* printed '$out', expected '$expected'"
    failures=$((failures + 1))
  elif [[ $want -ne 0 && ( $(wc -l <"$work/stderr") -ne 1 || $err != layoutlens-cli:* ) ]]; then
    echo "FAIL: tokenize $* must print one 'layoutlens-cli: ...' line on stderr, got: $err"
    failures=$((failures + 1))
  fi
}

check 0 '[1,21,26,2]' --tokenizer "$sp" --text 'hello world'
check 0 '[21,26]' --tokenizer "$sp" --text 'hello world' --no-special
check 0 '<bos>hello world<eos>' --tokenizer "$sp" --decode --text '[1,21,26,2]'
check 0 'hello world' --tokenizer "$sp" --decode --no-special --text '[1, 21, 26, 2]'
check 0 '[7,3,7]' --tokenizer "$bl" --text 'ab ab'
check 0 '[22,21,7]' --tokenizer "$bl" --special '<|imgpad|>=21' --special '<|img|>=22' --text '<|img|><|imgpad|>ab'
printf 'ab ab' >"$work/input.txt"
check 0 '[7,3,7]' --tokenizer "$bl" --file "$work/input.txt"
mkdir -p "$work/model" && cp "$bl" "$work/model/tokenizer.json"
check 0 '[11]' --tokenizer "$work/model" --text '€'

check 2 '' --tokenizer "$sp"
check 2 '' --tokenizer "$sp" --text a --file "$work/input.txt"
check 2 '' --tokenizer "$sp" --text a --bogus
check 2 '' --tokenizer "$sp" --special 'x=-1' --text a
check 3 '' --tokenizer "$sp" --file "$work/missing.txt"
check 3 '' --tokenizer "$sp" --decode --text '[1, "two"]'
check 6 '' --tokenizer "$work/nowhere" --text a
printf '{"model": {"type": "WordPiece"}}' >"$work/wordpiece.json"
check 6 '' --tokenizer "$work/wordpiece.json" --text a

if [[ $failures -ne 0 ]]; then
  echo "cli_tokenize: $failures failure(s)"
  exit 1
fi
echo "cli_tokenize: all checks passed"
