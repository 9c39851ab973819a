#!/usr/bin/env python3
"""Decode-step GEMMs (a few rows times a large weight) in the orientations libtorch can run them, and the
vision tower's attention on the SDPA backends (GPU machine). Timed as CUDA graphs of 20 calls.
Usage: gemm_probe.py"""
import torch
import torch.nn.functional as F

from graph_timing import graph_us

dev = "cuda"


print("== decode GEMMs, bf16: x [M, K] times W^T, W [N, K]")
shapes = [("gemma gate_up", 2048, 32768), ("gemma down", 16384, 2048), ("gemma qkv", 2048, 3072),
          ("qwen gate_up", 1536, 17920), ("qwen down", 8960, 1536), ("qwen lm_head", 1536, 151936),
          ("gemma lm_head", 2048, 262400)]
for name, K, N in shapes:
    W = torch.randn(N, K, device=dev, dtype=torch.bfloat16) * 0.02
    for M in (8, 24):
        x = torch.randn(M, K, device=dev, dtype=torch.bfloat16)
        a = graph_us(lambda: F.linear(x, W))
        b = graph_us(lambda: (W @ x.t()).t())
        c = graph_us(lambda: torch.mm(W, x.t()))
        gb = N * K * 2 / 1e9
        print(f"{name:14s} M={M:2d} K={K:5d} N={N:6d}: linear {a:7.1f} us ({gb / a * 1e6 / 1e3:.2f} TB/s), "
              f"W@x^T {b:7.1f} us, mm(W, x^T) {c:7.1f} us ({gb / c * 1e6 / 1e3:.2f} TB/s)")

print("== vision attention, one page: [1, 12, 19276, 128] bf16, non-causal")
from torch.nn.attention import SDPBackend, sdpa_kernel
q = torch.randn(1, 12, 19276, 128, device=dev, dtype=torch.bfloat16)
k, v = torch.randn_like(q), torch.randn_like(q)
flops = 4 * 19276 ** 2 * 128 * 12
ref = None
for be in (SDPBackend.FLASH_ATTENTION, SDPBackend.CUDNN_ATTENTION, SDPBackend.EFFICIENT_ATTENTION):
    try:
        with sdpa_kernel([be]):
            out = F.scaled_dot_product_attention(q, k, v)
            us = graph_us(lambda: F.scaled_dot_product_attention(q, k, v), reps=3)
        ref = out if ref is None else ref
        print(f"{str(be):32s} {us / 1000:7.2f} ms  {flops / us / 1e6:6.0f} TFLOP/s  max|d| vs flash "
              f"{(out.float() - ref.float()).abs().max().item():.2e}")
    except Exception as e:
        print(f"{str(be):32s} failed: {str(e).splitlines()[0][:200]}")
