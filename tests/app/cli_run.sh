#!/usr/bin/env bash
# End to end: `layoutlens-cli run` on the CPU with a tiny random dots.ocr (real tokenizer) over corpus PDF
# pages, several documents in one run, an image folder, resume after kill -9, and the error paths. Random
# weights write noise, so this checks the plumbing: every final_report.json is valid against
# docs/report-schema.json, unreadable layout output is recorded with its reason, and without a Gemma model
# crop OCR and summaries say "skipped: no Gemma model" (never an invented answer).
# usage: cli_run.sh LAYOUTLENS_CLI GENERATOR_TEST_BINARY CORPUS_DIR SOURCE_DIR
set -u
cli="$1"; maker="$2"; corpus="$3"; src="$4"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
validate() { python3 "$src/tests/app/validate_report.py" "$src/docs/report-schema.json" "$@" || fail "report not valid against the schema: $*"; }

pdf1="$corpus/technical/Test-plusminus.pdf"
pdf2="$corpus/technical/NS4150B.pdf"
three="$src/tests/app/data/three-pages.pdf"
for f in "$pdf1" "$pdf2" "$three"; do [ -f "$f" ] || { echo "SKIP: $f is missing"; exit 77; }; done

LAYOUTLENS_WRITE_TINY_DOTS="$tmp/model" "$maker" --gtest_filter='DotsLayoutGeneratorFixture.*' > "$tmp/maker.log" 2>&1 \
  || { cat "$tmp/maker.log"; fail "could not write the tiny model"; }
if [ ! -f "$tmp/model/model.safetensors" ]; then echo "SKIP: no Qwen tokenizer.json (run tools/fetch-tokenizers.sh)"; exit 77; fi

base=(--dots-model "$tmp/model" --pdf-dpi 36 --base-max-new-tokens 5 --extra-max-new-tokens 3
      --device-map cpu --torch-dtype float32 --batch-size 2)
common=("${base[@]}" --no-gemma)

# Two corpus PDFs, page 1 each, models loaded once; stderr is not a terminal: no progress bar.
"$cli" run "${common[@]}" --pdf "$pdf1" --pdf "$pdf2" --pages 1 --reports-dir "$tmp/job" --save-manifest \
  > "$tmp/out.json" 2> "$tmp/err.txt"
rc=$?
[ $rc -eq 0 ] || { cat "$tmp/err.txt"; fail "run on two PDFs exited $rc"; }
grep -q "ETA" "$tmp/err.txt" && fail "progress bar drawn although stderr is not a terminal"
reports=$(python3 -c 'import json,sys; print("\n".join(d["report"] for d in json.load(open(sys.argv[1]))))' "$tmp/out.json") \
  || fail "stdout is not the JSON summary"
[ "$(echo "$reports" | wc -l)" -eq 2 ] || fail "expected two reports: $reports"
validate $reports
python3 - "$tmp/out.json" <<'PY' || fail "unexpected report contents"
import json, os, sys
docs = json.load(open(sys.argv[1]))
for d in docs:
    assert d["pages_done"] == 1 and d["pages_failed"] == 0 and d["pages_skipped"] == 0, d
    r = json.load(open(d["report"]))
    assert r["schema_version"] == 1 and r["document"]["page_count"] >= 1
    assert [m["role"] for m in r["models"]] == ["layout"] and r["models"][0]["model_type"] == "dots_ocr", r["models"]
    assert r["config"]["pdf_dpi"] == 36 and r["config"]["batch_size"] == 2
    (p,) = r["pages"]
    assert p["status"] == "done" and p["page_index"] == 0 and p["render"]["dpi"] <= 36
    lay = p["layout"]
    assert lay["parse_status"] in ("ok", "repaired", "failed")
    if lay["parse_status"] != "ok":
        assert lay["parse_reason"], "a repair or failure must say why"
    if lay["parse_status"] == "failed":
        assert "retried with a larger token budget" in lay["parse_reason"], lay["parse_reason"]
    assert p["summary"]["status"] == "skipped" and p["summary"]["reason"] == "skipped: no Gemma model", p["summary"]
    assert p["summary"]["text"] == ""
    for pic in p["pictures"]:
        assert pic["ocr_status"] == "skipped" and pic["ocr_text"] == "" and pic["ocr_reason"] == "skipped: no Gemma model"
        assert os.path.isfile(os.path.join(os.path.dirname(d["report"]), pic["crop_file"]))
    manifest = json.load(open(os.path.join(os.path.dirname(d["report"]), "picture_regions_manifest_summary.json")))
    assert manifest["page_summaries"][0]["status"] == "skipped"
PY

# Same command again: every page is already done, nothing is recomputed, the page files are untouched.
page="$(dirname "$(echo "$reports" | head -1)")/pages/page_0001.json"
cp "$page" "$tmp/page_before.json"
"$cli" run "${common[@]}" --pdf "$pdf1" --pdf "$pdf2" --pages 1 --reports-dir "$tmp/job" > "$tmp/out2.json" 2> "$tmp/err.txt" \
  || { cat "$tmp/err.txt"; fail "second run failed"; }
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert all(x["pages_skipped"]==1 and x["pages_done"]==0 for x in d), d' "$tmp/out2.json" \
  || fail "the second run should skip finished pages"
cmp -s "$page" "$tmp/page_before.json" || fail "a finished page file was rewritten"

# kill -9 in the middle of a three-page document, then resume: finished pages are kept byte for byte and
# the rerun completes the rest.
"$cli" run "${common[@]}" --batch-size 1 --pdf "$three" --reports-dir "$tmp/kill" > /dev/null 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  ls "$tmp"/kill/*/pages/page_0001.json > /dev/null 2>&1 && break
  kill -0 $pid 2> /dev/null || break
  sleep 0.1
done
kill -9 $pid 2> /dev/null; wait $pid 2> /dev/null
first=$(ls "$tmp"/kill/*/pages/page_0001.json 2> /dev/null) || fail "no page was finished before the kill"
cp "$first" "$tmp/first.json"
"$cli" run "${common[@]}" --batch-size 1 --pdf "$three" --reports-dir "$tmp/kill" > "$tmp/resume.json" 2> "$tmp/err.txt" \
  || { cat "$tmp/err.txt"; fail "resume after kill -9 failed"; }
cmp -s "$first" "$tmp/first.json" || fail "a page finished before the kill was rewritten"
python3 -c 'import json,sys; (d,)=json.load(open(sys.argv[1])); assert d["pages_skipped"]>=1 and d["pages_skipped"]+d["pages_done"]==3, d' \
  "$tmp/resume.json" || fail "resume did not complete the document"
validate "$tmp"/kill/*/final_report.json

# An image folder is one document, one page per image; --verbose logs every stage. No --gemma-model and
# the default Gemma is not in the (empty) Hugging Face cache: the run goes on without it and says so.
"$cli" render --pdf "$three" --out "$tmp/images" --dpi 36 --pages 1-2 > /dev/null || fail "render failed"
mkdir -p "$tmp/home"
HOME="$tmp/home" HF_HUB_CACHE="$tmp/home/hub" HF_HOME="$tmp/home/hf" XDG_CACHE_HOME="$tmp/home/cache" \
"$cli" run "${base[@]}" --image-folder "$tmp/images" --reports-dir "$tmp/imgjob" --verbose > "$tmp/img.json" 2> "$tmp/err.txt" \
  || { cat "$tmp/err.txt"; fail "run on an image folder failed"; }
for stage in "loading dots.ocr" "render:" "layout:" "crops:"; do
  grep -q "$stage" "$tmp/err.txt" || { cat "$tmp/err.txt"; fail "--verbose should log '$stage'"; }
done
grep -q "no Gemma" "$tmp/err.txt" || { cat "$tmp/err.txt"; fail "the log should say that Gemma is skipped"; }
python3 -c 'import json,sys; (d,)=json.load(open(sys.argv[1])); r=json.load(open(d["report"])); assert len(r["pages"])==2 and all(p["summary"]["reason"]=="skipped: no Gemma model" for p in r["pages"]), r' "$tmp/img.json" \
  || fail "image folder should give one report with two pages"
validate "$tmp"/imgjob/*/final_report.json

# With the tiny random Gemma 3n fixture (when present): crop OCR and summaries really run; random weights
# answer noise, so each answer is kept with its status and, when not ok, the reason.
# A model folder = the fixture's config and weights + the tiny Gemma-style tokenizer (as the generator test).
gemma="$tmp/gemma3n_tiny"
if [ -f "$src/tests/fixtures/gemma3n_tiny/config.json" ] && [ -f "$src/tests/fixtures/gemma3n_tokenizer_tiny/tokenizer.json" ]; then
  mkdir -p "$gemma"
  cp "$src"/tests/fixtures/gemma3n_tiny/{config.json,model.safetensors} "$src/tests/fixtures/gemma3n_tokenizer_tiny/tokenizer.json" "$gemma/"
  [ -f "$src/tests/fixtures/gemma3n_tiny/generation_config.json" ] && cp "$src/tests/fixtures/gemma3n_tiny/generation_config.json" "$gemma/"
  "$cli" run "${base[@]}" --gemma-model "$gemma" --pdf "$pdf1" --pages 1 --reports-dir "$tmp/gemma" > "$tmp/gemma.json" 2> "$tmp/err.txt" \
    || { cat "$tmp/err.txt"; fail "run with the tiny Gemma 3n failed"; }
  validate "$tmp"/gemma/*/final_report.json
  python3 - "$tmp/gemma.json" <<'PY' || fail "Gemma answers were not recorded"
import json, sys
(d,) = json.load(open(sys.argv[1]))
r = json.load(open(d["report"]))
assert [m["role"] for m in r["models"]] == ["layout", "vision_language"], r["models"]
for p in r["pages"]:
    s = p["summary"]
    assert s["status"] in ("ok", "repaired", "raw"), s
    assert s["status"] == "ok" or s["reason"], s
    for pic in p["pictures"]:
        assert pic["ocr_status"] in ("ok", "repaired", "raw"), pic
PY
else
  echo "note: no tests/fixtures/gemma3n_tiny; the Gemma part of run was checked only as skipped"
fi

# --reuse-layout: a new job takes the layout of the first job's report for the same file (no dots.ocr run).
first=$(echo "$reports" | head -1)
"$cli" run "${common[@]}" --pdf "$pdf1" --pages 1 --reports-dir "$tmp/reuse" --reuse-layout "$first" --verbose \
  > "$tmp/reuse.json" 2> "$tmp/err.txt"
rc=$?
[ $rc -eq 0 ] || { cat "$tmp/err.txt"; fail "--reuse-layout run exited $rc"; }
grep -q "layout of 1 page(s) taken from earlier reports" "$tmp/err.txt" || { cat "$tmp/err.txt"; fail "--reuse-layout did not take the page"; }
python3 - "$first" "$(ls "$tmp"/reuse/*/final_report.json)" <<'PY' || fail "--reuse-layout: the layout differs from the earlier report"
import json, sys
old, new = (json.load(open(p))["pages"][0] for p in sys.argv[1:3])
assert new["layout"]["raw"] == old["layout"]["raw"], (old["layout"]["raw"][:80], new["layout"]["raw"][:80])
assert new["layout"]["cells"] == old["layout"]["cells"]
assert "taken from an earlier report" in new["layout"]["parse_reason"], new["layout"]["parse_reason"]
assert "layout" not in new["timings_s"], new["timings_s"]
PY
"$cli" run "${common[@]}" --pdf "$pdf1" --reuse-layout "$tmp/no-such-report.json" > /dev/null 2> "$tmp/err.txt"
[ $? -eq 3 ] || fail "a missing --reuse-layout report should exit 3"

# One bad document among good ones: reported, the others written, exit 5.
printf 'not a pdf' > "$tmp/broken.pdf"
"$cli" run "${common[@]}" --pdf "$tmp/broken.pdf" --pdf "$pdf1" --pages 1 --reports-dir "$tmp/job" > "$tmp/mixed.json" 2> "$tmp/err.txt"
rc=$?
[ $rc -eq 5 ] || { cat "$tmp/err.txt"; fail "one unreadable PDF among good ones should exit 5, got $rc"; }
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert "error" in d[0] and d[1]["pages_skipped"]==1, d' "$tmp/mixed.json" \
  || fail "the summary should name the broken document and still process the good one"

# Errors: one line on stderr and the documented exit codes.
"$cli" run "${common[@]}" --pdf "$tmp/nope.pdf" > /dev/null 2> "$tmp/err.txt"
[ $? -eq 3 ] || fail "a missing PDF should exit 3"
[ "$(wc -l < "$tmp/err.txt")" -eq 1 ] || { cat "$tmp/err.txt"; fail "error must be one line"; }
"$cli" run "${common[@]}" --pdf "$tmp/broken.pdf" --reports-dir "$tmp/job" > /dev/null 2>&1
[ $? -eq 3 ] || fail "a single unreadable PDF should exit 3"
"$cli" run --dots-model "$tmp/no-such-model" --no-gemma --device-map cpu --pdf "$pdf1" --reports-dir "$tmp/j2" > /dev/null 2> "$tmp/err.txt"
[ $? -eq 6 ] || fail "a missing dots.ocr model should exit 6"
[ "$(wc -l < "$tmp/err.txt")" -eq 1 ] || { cat "$tmp/err.txt"; fail "model error must be one line"; }
"$cli" run --dots-model "$tmp/model" --gemma-model "$tmp/no-such-gemma" --device-map cpu --pdf "$pdf1" --reports-dir "$tmp/j2" \
  > /dev/null 2> "$tmp/err.txt"
[ $? -eq 6 ] || { cat "$tmp/err.txt"; fail "a missing Gemma model should exit 6"; }
"$cli" run "${common[@]}" --gemma-model x --pdf "$pdf1" > /dev/null 2>&1
[ $? -eq 2 ] || fail "--gemma-model with --no-gemma should exit 2"
"$cli" run "${common[@]}" --pdf "$pdf1" --pdf-dpi 5 > /dev/null 2>&1
[ $? -eq 2 ] || fail "an out-of-range --pdf-dpi should exit 2"
"$cli" run "${common[@]}" --pdf "$pdf1" --frobnicate > /dev/null 2>&1
[ $? -eq 2 ] || fail "an unknown option should exit 2"
# --gpus: GPU numbers or 'all', checked before any model loads (exit 2 with a line that says what is wrong).
"$cli" run "${common[@]}" --pdf "$pdf1" --gpus 0,x > /dev/null 2> "$tmp/err.txt"
[ $? -eq 2 ] && grep -q "GPU numbers separated by commas" "$tmp/err.txt" || { cat "$tmp/err.txt"; fail "a bad --gpus list should exit 2"; }
"$cli" run "${common[@]}" --pdf "$pdf1" --gpus 1,1 > /dev/null 2> "$tmp/err.txt"
[ $? -eq 2 ] && grep -q "lists GPU 1 twice" "$tmp/err.txt" || { cat "$tmp/err.txt"; fail "a GPU listed twice should exit 2"; }
"$cli" run "${common[@]}" --pdf "$pdf1" --gpus all > /dev/null 2> "$tmp/err.txt"
[ $? -eq 2 ] || { cat "$tmp/err.txt"; fail "--gpus on a machine without CUDA (or with --device-map cpu) should exit 2"; }
if "$cli" --version | grep -q "CPU only"; then
  grep -q "sees none" "$tmp/err.txt" || { cat "$tmp/err.txt"; fail "--gpus without CUDA should say libtorch sees no GPU"; }
fi
echo "cli_run: all checks passed"
