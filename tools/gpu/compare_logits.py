#!/usr/bin/env python3
"""Compares decode logits written by gemma3n_decode_bench (LL_LOGITS_OUT: raw float32 [rows, vocab]).

Two bfloat16 runs of the random full-size E4B differ by rounding, amplified over 35 layers, so neither is the
judge: each is compared with a float32 run of the op chain. A fused kernel that computes another function
is far off everywhere (cosine well below 0.99, argmax rarely agreeing); one that only rounds differently
stays as close to float32 as the bf16 chain is.
Usage: compare_logits.py ROWS FLOAT32_FILE NAME=FILE [NAME=FILE ...]   (exit 1 when a run is far off)
"""
import sys

import numpy as np


def load(path, rows):
    return np.fromfile(path, dtype=np.float32).reshape(rows, -1).astype(np.float64)


def main():
    rows, reference = int(sys.argv[1]), load(sys.argv[2], int(sys.argv[1]))
    status = 0
    for arg in sys.argv[3:]:
        name, path = arg.split("=", 1)
        x = load(path, rows)
        cos = np.sum(x * reference, 1) / (np.linalg.norm(x, axis=1) * np.linalg.norm(reference, axis=1))
        agree = np.mean(np.argmax(x, 1) == np.argmax(reference, 1))
        err = np.abs(x - reference)
        print(f"logits: {name} vs float32 chain: cosine min {cos.min():.5f}, argmax agrees {agree:.0%}, "
              f"max|d| {err.max():.3g}, mean|d| {err.mean():.3g} (max|logit| {np.abs(reference).max():.3g})")
        if cos.min() < 0.99:
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
