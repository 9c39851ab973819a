#!/usr/bin/env bash
# dots.ocr layout-stage benchmark on the GPU machine, one call: builds the core with pip PyTorch's libtorch,
# writes a full-size random bf16 dots.ocr folder to /tmp, and runs tools/gpu/dots_layout_bench.cpp (seconds
# per page at batch 1 and for 18 pages, peak GPU memory for a letter page and a max-size page).
# Needs .device/ carried (nlohmann, pcre2.h, googletest, tokenizers/qwen3/tokenizer.json).
# Run from the repository root:  bash tools/gpu/dots_layout_bench.sh     Log: $OUT/dots_layout_bench.log
source "$(dirname "$0")/preamble.sh" dots_layout_bench.log
print_machine
PREFIX=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')
GEN=(); command -v ninja >/dev/null && GEN=(-G Ninja)
cmake -S tools/gpu -B "$BUILD" "${GEN[@]}" -DCMAKE_BUILD_TYPE=Release -DLAYOUTLENS_CORE_ONLY=ON -DLAYOUTLENS_BUILD_TESTS=ON \
  -DCMAKE_PREFIX_PATH="$PREFIX" -DLAYOUTLENS_EXTRA_INCLUDE="$PWD/.device" \
  -DLAYOUTLENS_GTEST_SOURCE="$PWD/.device/googletest" -DCMAKE_POLICY_VERSION_MINIMUM=3.5 \
  -DCMAKE_CUDA_ARCHITECTURES=90 -DTORCH_CUDA_ARCH_LIST=9.0 > "$OUT/bench_build.log" 2>&1 || { tail -30 "$OUT/bench_build.log"; exit 1; }
cmake --build "$BUILD" -j "$(nproc)" --target dots_layout_bench >> "$OUT/bench_build.log" 2>&1 \
  || { grep -E "error|FAILED" "$OUT/bench_build.log" | head -30; exit 1; }
[ -f .device/tokenizers/qwen3/tokenizer.json ] || gunzip -k .device/tokenizers/qwen3/tokenizer.json.gz
"$BUILD/dots_layout_bench" /tmp/dots_full "$PWD/.device/tokenizers/qwen3/tokenizer.json"
