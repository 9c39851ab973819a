#!/usr/bin/env bash
# The real pipeline — `layoutlens-cli run`, the same code as the app's — on the GPU machine, in one call:
#  1. unpacks Debian 12's Qt/Poppler/OpenCV (.device/headless-root.tar.xz, made here by
#     tools/gpu/pack_headless_deps.sh; the machine's own libraries are preferred where it has them);
#  2. builds layoutlens-cli (LAYOUTLENS_HEADLESS) and the decode benchmarks against pip PyTorch's libtorch,
#     while tools/gpu/reference_pipeline_bench.py --make-only writes full-size random-weight dots.ocr and
#     Gemma 3n E4B checkpoints (real tensor names) to $WORK;
#  3. CUDA graphs: decode steps with graphs on and off (same logits? how much faster?) for both decoders;
#  4. run 1: the first PIPELINE_PAGES (8) pages of a corpus PDF (.device/corpus/*.pdf: the first by name;
#     `--pages` stops at a shorter document's end) through render -> layout -> crops -> crop OCR
#     -> summaries -> report. Random weights emit no parseable layout, so there are no Picture regions;
#  5. run 2: the same PDF with --reuse-layout of run 1's report edited to hold three Picture boxes per page,
#     so crops are cut from real boxes and read by Gemma on the GPU; then a kill -9 in the middle of a third
#     run and its resume (finished pages must be kept, the rest computed once);
#  6. with two or more GPUs (PIPELINE_SCALING=0 skips it): run 4, four documents on one GPU and then spread
#     over two (`run --gpus 0,1`), the CLI's own analysis time for each: the multi-GPU scaling;
#  7. $OUT: both final reports, the logs, per-stage seconds per page (pipeline_run_summary.json).
# Carry: .device/nlohmann .device/pcre2.h .device/googletest .device/reference .device/tokenizers
#        (qwen3/tokenizer.json.gz, gemma3/) .device/headless-root.tar.xz .device/corpus .device/bench_pages (9 paths:
#        carry .device/ itself when it holds nothing else)
# Run from the repository root:  bash tools/gpu/pipeline_run.sh      (~8 minutes; PIPELINE_CHECKS=0 skips the
# decoder tests and graph checks, PIPELINE_SCALING=0 run 4, PIPELINE_RESUME=0 run 3)
source "$(dirname "$0")/preamble.sh" pipeline_run.log
WORK=${PIPELINE_WORKDIR:-/tmp/llpipeline}
ROOT=/tmp/llroot
PDF=$(ls .device/corpus/*.pdf 2>/dev/null | head -1)
[ -n "$PDF" ] || { echo "no PDF in .device/corpus: carry it"; exit 1; }
[ -f .device/headless-root.tar.xz ] || { echo "missing .device/headless-root.tar.xz: run tools/gpu/pack_headless_deps.sh here and carry it"; exit 1; }
mkdir -p "$WORK" && rm -rf "$WORK"/job*

print_machine
GPU=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)

echo "== [$(elapsed) s] checkpoints (background)"
python3 tools/gpu/reference_pipeline_bench.py --make-only --workdir "$WORK" --pages-dir .device/bench_pages \
  --reference-code .device/reference/dots_ocr --out "$WORK/unused.json" --n 1 > "$OUT/checkpoints.log" 2>&1 &
MAKE=$!

echo "== [$(elapsed) s] Qt/Poppler/OpenCV from Debian 12"
rm -rf "$ROOT" && mkdir -p "$ROOT/ld" && tar -xJf .device/headless-root.tar.xz -C "$ROOT"
QTLIB=$ROOT/usr/lib/x86_64-linux-gnu
# Carried runtime libraries only where this machine has no library of that name (its own are newer).
for f in "$ROOT"/runtime/*; do
  n=$(basename "$f")
  ldconfig -p | grep -q "^[[:space:]]*$n " || ln -s "$(readlink -f "$f")" "$ROOT/ld/$n"
done
echo "carried libraries used: $(ls "$ROOT/ld" | wc -l) of $(ls "$ROOT/runtime" | wc -l)"
export LD_LIBRARY_PATH=$QTLIB:$ROOT/ld${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}  # moc, and the CLI at run time

echo "== [$(elapsed) s] configure + build"
# Decoder tests that compare the graphed decode step with the eager one (they take the GPU through
# LAYOUTLENS_TEST_DEVICE) and the existing decoder tests, whose decode steps now run as graphs on CUDA.
GRAPH_TESTS=(test_core_models_qwen2_static_decode test_core_models_gemma3n_static_decode test_core_models_qwen2_causal_lm
             test_core_models_dots_ocr_model test_core_models_gemma3n_text_decoder test_core_models_gemma3n_generator)
# The CUDA kernels' own tests (each fused kernel against its op chain), always run in bfloat16.
KERNEL_TESTS=(test_core_infer_fused_elementwise test_core_infer_split_kv_decode test_core_models_gemma3n_fused_ops
              test_core_infer_cuda_graph)
PREFIX=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')
GEN=(); command -v ninja >/dev/null && GEN=(-G Ninja)
built=1
cmake -S tools/gpu -B "$BUILD" "${GEN[@]}" -DCMAKE_BUILD_TYPE=Release -DLAYOUTLENS_HEADLESS=ON -DLAYOUTLENS_CORE_ONLY=OFF \
  -DLAYOUTLENS_BUILD_TESTS=ON -DLAYOUTLENS_GTEST_SOURCE="$PWD/.device/googletest" \
  -DCMAKE_PREFIX_PATH="$PREFIX;$ROOT/usr" -DLAYOUTLENS_EXTRA_INCLUDE="$PWD/.device" \
  -DCMAKE_EXE_LINKER_FLAGS="-Wl,-rpath-link,$QTLIB:$ROOT/ld" -DCMAKE_POLICY_VERSION_MINIMUM=3.5 \
  -DCMAKE_CUDA_ARCHITECTURES=90 -DTORCH_CUDA_ARCH_LIST=9.0 > "$OUT/build.log" 2>&1 \
  && cmake --build "$BUILD" -j "$(nproc)" --target layoutlens-cli qwen2_decode_bench gemma3n_decode_bench "${GRAPH_TESTS[@]}" "${KERNEL_TESTS[@]}" >> "$OUT/build.log" 2>&1 \
  || { built=0; echo "build FAILED:"; grep -E "error|FAILED|CMake Error" -A3 "$OUT/build.log" | head -40; }
echo "== [$(elapsed) s] build done (ok=$built)"
CLI=$BUILD/layoutlens/app/layoutlens-cli
[ -x "$CLI" ] && "$CLI" --version
wait "$MAKE" || { echo "checkpoints FAILED:"; tail -20 "$OUT/checkpoints.log"; exit 1; }
grep -E "dots.ocr:|Gemma 3n E4B:" "$OUT/checkpoints.log"
(( built == 1 )) || exit 1

echo "== [$(elapsed) s] CUDA kernel tests (bfloat16)"
for t in "${KERNEL_TESTS[@]}"; do
  LAYOUTLENS_TEST_DEVICE=cuda LAYOUTLENS_TEST_DTYPE=bfloat16 timeout 120 "$BUILD/layoutlens/tests/$t" > "$OUT/$t.kernels.log" 2>&1
  echo "$t: exit $? $(grep -E '^\[  (PASSED|FAILED|SKIPPED)' "$OUT/$t.kernels.log" | tr '\n' ' ')"
  grep -E "^\[  FAILED  \]|Failure" "$OUT/$t.kernels.log" | head -5
done
tar -czf "$OUT/kernel_tests.tar.gz" -C "$OUT" $(cd "$OUT" && ls *.kernels.log) && rm -f "$OUT"/*.kernels.log
if [ "${PIPELINE_CHECKS:-1}" = 1 ]; then
echo "== [$(elapsed) s] decoder tests on CUDA (graphs on by default there)"
for t in "${GRAPH_TESTS[@]}"; do
  for d in float32 bfloat16; do
    LAYOUTLENS_TEST_DEVICE=cuda LAYOUTLENS_TEST_DTYPE=$d timeout 120 "$BUILD/layoutlens/tests/$t" > "$OUT/$t.$d.log" 2>&1
    echo "$t ($d): exit $? $(grep -E '^\[  (PASSED|FAILED|SKIPPED)' "$OUT/$t.$d.log" | tr '\n' ' ')"
    grep -E "^\[  FAILED  \]|Failure|capturing" "$OUT/$t.$d.log" | head -5
  done
done
tar -czf "$OUT/decoder_tests.tar.gz" -C "$OUT" $(cd "$OUT" && ls test_core_models_*.log) && rm -f "$OUT"/test_core_models_*.log
echo "== [$(elapsed) s] CUDA graphs vs eager decode steps (full-size models)"
timeout 150 "$BUILD/qwen2_decode_bench" cuda bfloat16 28 graphs 2>&1 | grep -E "graphs:|rror" || echo "qwen2 graph bench FAILED"
timeout 150 "$BUILD/gemma3n_decode_bench" "$WORK/gemma" 16 32 2>&1 | grep -E "graphs:|static:|rror" || echo "gemma graph bench FAILED"
fi
# bf16 static vs eager logits of the random E4B differ by up to ~13 (rounding order, amplified over 35
# layers); in float32 the same comparison shows whether the paths compute the same function.
echo "== [$(elapsed) s] Gemma 3n E4B static vs eager decode in float32"
timeout 120 "$BUILD/gemma3n_decode_bench" "$WORK/gemma" 4 8 cuda float32 2>&1 | grep -E "graphs:|static:|rror" || echo "gemma float32 check FAILED"

COMMON=(--dots-model "$WORK/dots" --gemma-model "$WORK/gemma" --base-max-new-tokens 1500 --extra-max-new-tokens 500
        --attn-impl sdpa --torch-dtype bfloat16 --device-map cuda --verbose)
# The corpus's technical PDFs run to hundreds of pages (the ST7789V datasheet: 308), more than a call can take.
FIRST=(--pages "1-${PIPELINE_PAGES:-8}")
echo "== [$(elapsed) s] run 1: $PDF, pages ${FIRST[1]}, from scratch"
/usr/bin/time -v "$CLI" run "${COMMON[@]}" "${FIRST[@]}" --reports-dir "$WORK/job1" "$PDF" > "$OUT/run1.json" 2> "$OUT/run1.log"
echo "exit $?"; grep -vE "^\s" "$OUT/run1.log" | tail -25; grep -E "Maximum resident" "$OUT/run1.log"
REPORT1=$(ls "$WORK"/job1/*/final_report.json | head -1)

echo "== [$(elapsed) s] run 2: the same pages, layout reused with three Picture boxes per page"
python3 - "$REPORT1" "$WORK/layout3.json" <<'PY'
import json, sys
rep = json.load(open(sys.argv[1]))
for p in rep["pages"]:
    w, h = p["render"]["width"], p["render"]["height"]
    # dots.ocr's boxes are in its smart_resize input (multiples of 28 near the page size)
    W, H = round(w / 28) * 28, round(h / 28) * 28
    boxes = [(0.08, 0.10, 0.48, 0.36), (0.52, 0.10, 0.92, 0.36), (0.10, 0.55, 0.90, 0.85)]
    cells = [{"bbox": [int(x0 * W), int(y0 * H), int(x1 * W), int(y1 * H)], "category": "Picture"} for x0, y0, x1, y1 in boxes]
    cells.insert(0, {"bbox": [int(0.1 * W), int(0.02 * H), int(0.9 * W), int(0.06 * H)], "category": "Title", "text": "# Datasheet page"})
    p["layout"]["raw"] = json.dumps(cells)
json.dump(rep, open(sys.argv[2], "w"))
PY
/usr/bin/time -v "$CLI" run "${COMMON[@]}" "${FIRST[@]}" --reports-dir "$WORK/job2" --reuse-layout "$WORK/layout3.json" "$PDF" > "$OUT/run2.json" 2> "$OUT/run2.log"
echo "exit $?"; grep -vE "^\s" "$OUT/run2.log" | tail -25; grep -E "Maximum resident" "$OUT/run2.log"
REPORT2=$(ls "$WORK"/job2/*/final_report.json | head -1)

echo "== [$(elapsed) s] summary"
python3 - "$REPORT1" "$REPORT2" "$OUT/pipeline_run_summary.json" "$GPU" "$PDF" "$OUT/run1.log" "$OUT/run2.log" <<'PY'
import json, re, sys, collections
out = {"gpu": sys.argv[4], "pdf": sys.argv[5], "runs": {}}
for name, path, log in (("run1_scratch", sys.argv[1], sys.argv[6]), ("run2_reused_layout", sys.argv[2], sys.argv[7])):
    rep = json.load(open(path))
    # Wall seconds per stage from the --verbose log (the reports' timings are per-request latencies).
    wall = collections.defaultdict(float)
    for line in open(log, errors="replace"):
        m = re.match(r"(render|layout|layout retry|crop OCR|summaries): .* in ([0-9.]+) s", line)
        if m:
            wall[m.group(1)] += float(m.group(2))
    out_wall = {k: round(v, 2) for k, v in wall.items()}
    pages = [p for p in rep["pages"] if p["status"] == "done"]
    t = collections.defaultdict(float)
    for p in pages:
        for k, v in p.get("timings_s", {}).items():
            t[k] += v
    n = max(1, len(pages))
    pics = sum(len(p.get("pictures", [])) for p in pages)
    ocr = collections.Counter(pic.get("ocr_status") for p in pages for pic in p.get("pictures", []))
    summ = collections.Counter(p.get("summary", {}).get("status") for p in pages)
    out["runs"][name] = {"pages_done": len(pages), "pages_failed": len(rep["pages"]) - len(pages), "pictures": pics,
                         "wall_s_by_stage": out_wall,
                         "wall_s_per_page_by_stage": {k: round(v / n, 3) for k, v in wall.items()},
                         "request_latency_s_per_page": {k: round(v / n, 3) for k, v in t.items()},
                         "ocr_status": ocr, "summary_status": summ,
                         "layout_parse_status": collections.Counter(p["layout"]["parse_status"] for p in pages)}
    print(name, json.dumps(out["runs"][name]))
json.dump(out, open(sys.argv[3], "w"), indent=1)
PY
cp "$REPORT1" "$OUT/run1_final_report.json"; cp "$REPORT2" "$OUT/run2_final_report.json"
NGPU=$(nvidia-smi -L | grep -c '^GPU')
if (( NGPU >= 2 )) && [ "${PIPELINE_SCALING:-1}" = 1 ]; then
  # Documents spread over GPUs (run --gpus): four copies of the PDF (four documents), 4 pages each, from
  # scratch, on one GPU and then on two; the CLI's "analysis:" line times them without the model loading.
  echo "== [$(elapsed) s] run 4: four documents with --gpus 0, then --gpus 0,1"
  mkdir -p "$WORK/docs4" && for n in a b c d; do cp "$PDF" "$WORK/docs4/doc_$n.pdf"; done
  for g in 0 0,1; do
    tag=${g/,/_}
    timeout 200 "$CLI" run "${COMMON[@]}" --gpus "$g" --pages 1-4 --reports-dir "$WORK/job4_$tag" "$WORK"/docs4/*.pdf \
      > "$OUT/run4_$tag.json" 2> "$OUT/run4_$tag.log"
    echo "--gpus $g: exit $? $(grep -E '^analysis:' "$OUT/run4_$tag.log")"
  done
fi
if [ "${PIPELINE_RESUME:-1}" = 0 ]; then echo "== run 3 (kill -9 and resume) skipped: PIPELINE_RESUME=0"
elif (( $(elapsed) > 430 )); then echo "== [$(elapsed) s] run 3 (kill -9 and resume) skipped: no time left"; else
echo "== [$(elapsed) s] run 3: kill -9 during the run, then resume"
RUN3=(--reports-dir "$WORK/job3" --reuse-layout "$WORK/layout3.json" --batch-size 4 --pages 1-8)
"$CLI" run "${COMMON[@]}" "${RUN3[@]}" "$PDF" > /dev/null 2> "$OUT/run3a.log" &
victim=$!
doc3=""
for _ in $(seq 1 240); do  # until the first pages are on disk
  sleep 0.5
  n=$(ls "$WORK"/job3/*/pages/page_*.json 2>/dev/null | wc -l)
  (( n >= 4 )) && break
done
kill -9 "$victim" 2>/dev/null; wait "$victim" 2>/dev/null
before=$(ls "$WORK"/job3/*/pages/page_*.json 2>/dev/null | wc -l)
sha_before=$(cat "$WORK"/job3/*/pages/page_0001.json 2>/dev/null | sha256sum | cut -c1-16)
echo "killed with $before page(s) on disk"
"$CLI" run "${COMMON[@]}" "${RUN3[@]}" "$PDF" > "$OUT/run3.json" 2> "$OUT/run3b.log"
rc=$?
grep -vE "^\s" "$OUT/run3b.log" | tail -8
echo "resume exit $rc; pages on disk $(ls "$WORK"/job3/*/pages/page_*.json | wc -l) of 8; page 1 unchanged: $([ "$sha_before" = "$(sha256sum < "$WORK"/job3/*/pages/page_0001.json | cut -c1-16)" ] && echo yes || echo NO)"
grep -E "already done|skipped" "$OUT/run3b.log" | head -3
fi

# At most 8 files come back: the log, the summary and the two reports; everything else in one archive. The
# archive is written outside $OUT and moved in (written inside, tar saw "." change, failed, and nothing was
# packed: the extra files then went over the count).
ARCHIVE=/tmp/pipeline_logs.tar.gz
(cd "$OUT" && tar -czf "$ARCHIVE" --exclude pipeline_run.log --exclude pipeline_run_summary.json \
  --exclude 'run?_final_report.json' . && \
  find . -maxdepth 1 -type f ! -name pipeline_run.log ! -name pipeline_run_summary.json \
  ! -name 'run?_final_report.json' -delete && mv "$ARCHIVE" "$OUT/")
echo "== [$(elapsed) s] done"
