#!/usr/bin/env bash
# Why: proves `layoutlens-cli render` never crashes, hangs or runs away with memory on real-world and
# deliberately broken PDFs, and that every failure is one clear line with a documented exit code.
#
# usage: render_corpus.sh CLI CORPUS_FOLDER SHARD SHARDS [TIMEOUT_S] [MEMORY_KIB]
# Renders pages 1-2 of every SHARD-th (mod SHARDS) PDF in CORPUS_FOLDER at 150 dpi, each run bounded by
# TIMEOUT_S seconds (default 60) and MEMORY_KIB of address space (default 4 GiB).
set -u
export LC_ALL=C

cli=$1 folder=$2 shard=$3 shards=$4 timeout_s=${5:-60} memory_kib=${6:-4194304}
[[ -x $cli ]] || { echo "render_corpus: '$cli' is not an executable; build layoutlens-cli first"; exit 2; }
[[ -d $folder ]] || { echo "render_corpus: corpus folder '$folder' is missing; skipping"; exit 77; }

work=$(mktemp -d "${TMPDIR:-/tmp}/render-corpus.XXXXXX")
trap 'rm -rf "$work"' EXIT

failures=0 files=0 ok=0 refused=0 pngs=0
declare -A codes=()
start_all=$EPOCHREALTIME
index=0
while IFS= read -r -d '' pdf; do
  if (( index++ % shards != shard )); then continue; fi
  files=$((files + 1))
  name=$(basename "$pdf")
  out="$work/out-$files"
  start=$EPOCHREALTIME
  # ulimit in a subshell bounds only the renderer; timeout sends TERM, then KILL 5 s later.
  ( ulimit -v "$memory_kib"; exec timeout -k 5 "$timeout_s" "$cli" render --pdf "$pdf" --out "$out" --dpi 150 --pages 1-2 ) \
    >"$work/stdout" 2>"$work/stderr"
  rc=$?
  seconds=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')
  codes[$rc]=$(( ${codes[$rc]:-0} + 1 ))
  stderr_lines=$(wc -l <"$work/stderr")
  problem=""
  case $rc in
    0)
      [[ $stderr_lines -eq 0 ]] || problem="succeeded but wrote to stderr: $(head -c 300 "$work/stderr")"
      ;;
    3|4|5)
      if [[ $stderr_lines -ne 1 ]]; then problem="exit $rc with $stderr_lines stderr lines (want exactly 1): $(head -c 300 "$work/stderr")"
      elif ! grep -q '^layoutlens-cli: .\{10,\}' "$work/stderr"; then problem="exit $rc without a clear message: $(cat "$work/stderr")"
      fi
      ;;
    124|137) problem="timed out after ${timeout_s} s" ;;
    *) problem="exit code $rc (crash, signal or undocumented code): $(head -c 300 "$work/stderr")" ;;
  esac
  # Every page reported on stdout must exist as a complete PNG; no temporary files may be left behind.
  if [[ -z $problem && ( $rc -eq 0 || $rc -eq 5 ) ]]; then
    reported=$(grep -c '^page [0-9]*: ' "$work/stdout")
    (( reported > 0 )) || problem="exit $rc but no page was reported"
    while read -r png; do
      [[ -f $png ]] || { problem="reported $png, which does not exist"; break; }
      [[ $(head -c 8 "$png" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] || { problem="$png is not a PNG"; break; }
      pngs=$((pngs + 1))
    done < <(sed -n 's/^page [0-9]*: .* -> \(.*\.png\).*$/\1/p' "$work/stdout")
    stray=$(find "$out" -type f ! -name 'page_[0-9][0-9][0-9][0-9].png' | head -1)
    [[ -z $stray ]] || problem="left a stray file behind: $stray"
  fi
  if [[ -n $problem ]]; then
    failures=$((failures + 1))
    printf 'FAIL %-60s %6.2fs  %s\n' "$name" "$seconds" "$problem"
  else
    [[ $rc -eq 0 ]] && ok=$((ok + 1)) || refused=$((refused + 1))
    printf 'ok   %-60s %6.2fs  exit %d  %s\n' "$name" "$seconds" "$rc" "$(head -c 160 "$work/stderr")"
  fi
  rm -rf "$out"
done < <(find "$folder" -maxdepth 1 -type f -iname '*.pdf' -print0 | sort -z)

total=$(awk -v a="$start_all" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')
summary=""
for c in "${!codes[@]}"; do summary+=" exit $c: ${codes[$c]};"; done
printf '%d files (shard %d of %d) in %.1f s: %d rendered (%d PNGs), %d refused cleanly, %d failures;%s\n' \
  "$files" "$shard" "$shards" "$total" "$ok" "$pngs" "$refused" "$failures" "$summary"
(( files > 0 )) || { echo "no PDFs in $folder"; exit 1; }
(( failures == 0 ))
