#!/usr/bin/env python3
"""Compares decode logits written by gemma3n_decode_bench (LL_LOGITS_OUT: raw float32 [rows, vocab]).

Two bfloat16 runs of the random full-size E4B differ by rounding, amplified over 35 layers and a long
prompt, so neither is the judge: each is compared with a float32 run of the op chain. Measured on an H100
(2026-11-27): random E4B is chaotic there, both bfloat16 runs are as far from float32 as from each other
(cosine ~0.17), so this only shows that the fused run is no farther from float32 than the chain run; the
layer-by-layer check at these widths is tests/core/models/gemma3n_text_decoder_test.cpp
(FusedCudaLayersFollowTheFloat32ChainAtReleasedWidths).
Usage: compare_logits.py ROWS FLOAT32_FILE CHAIN_FILE FUSED_FILE   (exit 1 when the fused run is farther
from float32 than the chain run by more than a quarter)
"""
import sys

import numpy as np


def load(path, rows):
    return np.fromfile(path, dtype=np.float32).reshape(rows, -1).astype(np.float64)


def main():
    rows = int(sys.argv[1])
    reference = load(sys.argv[2], rows)
    mean_error = {}
    for name, path in (("chain", sys.argv[3]), ("fused", sys.argv[4])):
        x = load(path, rows)
        cos = np.sum(x * reference, 1) / (np.linalg.norm(x, axis=1) * np.linalg.norm(reference, axis=1))
        agree = np.mean(np.argmax(x, 1) == np.argmax(reference, 1))
        err = np.abs(x - reference)
        mean_error[name] = err.mean()
        print(f"logits: {name} vs float32 chain: cosine min {cos.min():.5f}, argmax agrees {agree:.0%}, "
              f"max|d| {err.max():.3g}, mean|d| {err.mean():.3g} (max|logit| {np.abs(reference).max():.3g})")
    return 1 if mean_error["fused"] > 1.25 * mean_error["chain"] else 0


if __name__ == "__main__":
    sys.exit(main())
