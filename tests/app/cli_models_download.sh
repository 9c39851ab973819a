#!/usr/bin/env bash
# Why: `layoutlens-cli models download` must refuse cleanly without touching the network when it is told
# to stay offline or is given bad arguments: one 'layoutlens-cli: ...' line and the documented exit code,
# and no cache folder created. (The transfer itself is tested against a fake hub in hub_download_test.)
#
# usage: cli_models_download.sh CLI
set -u
export LC_ALL=C.UTF-8
cli=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/cli-models-download.XXXXXX")
trap 'rm -rf "$work"' EXIT
failures=0
export HF_HUB_CACHE="$work/cache" HF_HOME="$work/home"
unset HF_TOKEN HF_ENDPOINT

check() {  # check EXPECTED_RC STDERR_PATTERN ARGS...
  local want=$1 pattern=$2
  shift 2
  "$cli" models download "$@" >"$work/stdout" 2>"$work/stderr"
  local rc=$? err
  err=$(cat "$work/stderr")
  if [[ $rc -ne $want ]]; then
    echo "FAIL: models download $* exited $rc, expected $want; stderr: $err"
    failures=$((failures + 1))
  elif [[ $(wc -l <"$work/stderr") -ne 1 || $err != layoutlens-cli:* || $err != *$pattern* ]]; then
    echo "FAIL: models download $* must print one 'layoutlens-cli: ...' line containing '$pattern', got: $err"
    failures=$((failures + 1))
  fi
}

HF_HUB_OFFLINE=1 check 6 "HF_HUB_OFFLINE" rednote-hilab/dots.ocr
HF_HUB_OFFLINE=true check 6 "HF_HUB_OFFLINE" google/gemma-3n-E4B-it
check 2 "needs a repo id"
check 2 "not a Hugging Face repo id" "not a repo"
check 2 "unknown option" rednote-hilab/dots.ocr --colour
check 2 "--token needs a value" rednote-hilab/dots.ocr --token
check 2 "one repo id" a/b c/d
HF_ENDPOINT="ftp://mirror.example" check 2 "not an http(s) URL" rednote-hilab/dots.ocr
[[ ! -e $work/cache/models--rednote-hilab--dots.ocr ]] || { echo "FAIL: a refused download created its cache folder"; failures=$((failures + 1)); }

"$cli" models --help >"$work/help" 2>&1 && grep -q "download ORG/NAME" "$work/help" || { echo "FAIL: models --help does not describe download"; failures=$((failures + 1)); }

if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "models download checks passed"
