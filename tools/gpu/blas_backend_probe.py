#!/usr/bin/env python3
"""The decode steps' weight products (x [M, K] times W^T, bf16) under libtorch's two BLAS back ends, cuBLAS and
cuBLASLt (torch.backends.cuda.preferred_blas_library), and with the weight stored transposed (x @ Wt, Wt [K, N]
contiguous: another GEMM layout, other kernels), on the GPU machine. Each timing cycles through 8 copies of
the weight (no product finds its weight in L2) inside one CUDA graph (tools/gpu/graph_timing.py); a plain read
of the same bytes (a sum) is the bandwidth the product could reach.
Usage: blas_backend_probe.py"""
import torch
import torch.nn.functional as F

from graph_timing import graph_us

dev = "cuda"
COPIES = 8
shapes = [  # name, K, N, bias
    ("qwen qkv", 1536, 2048, True), ("qwen o", 1536, 1536, False), ("qwen gate_up", 1536, 17920, False),
    ("qwen down", 8960, 1536, False), ("qwen lm_head", 1536, 151936, False),
    ("gemma qkv+laurel", 2048, 3136, False), ("gemma o", 2048, 2048, False), ("gemma gate_up", 2048, 32768, False),
    ("gemma down", 16384, 2048, False), ("gemma ple gate", 2048, 256, False), ("gemma ple proj", 256, 2048, False),
    ("gemma laurel right", 64, 2048, False),
]
torch.backends.cuda.matmul.allow_bf16_reduced_precision_reduction = True
for name, K, N, has_bias in shapes:
    copies = 1 if N * K * 2 > 400e6 else COPIES
    Ws = [torch.randn(N, K, device=dev, dtype=torch.bfloat16) * 0.02 for _ in range(copies)]
    Wts = [W.t().contiguous() for W in Ws]
    b = torch.randn(N, device=dev, dtype=torch.bfloat16) if has_bias else None
    gb = N * K * 2 / 1e9
    state = {"i": 0}

    def read():
        W = Ws[state["i"] % copies]
        state["i"] += 1
        return W.sum(dtype=torch.float32)

    floor = graph_us(read, reps=copies * 2)
    line = f"{name:18s} K={K:5d} N={N:6d} ({gb * 1e3:6.1f} MB, read {floor:6.1f} us = {gb / floor * 1e3:.2f} TB/s):"
    for M in (8, 24):
        x = torch.randn(M, K, device=dev, dtype=torch.bfloat16)
        for backend in ("cublas", "cublaslt"):
            torch.backends.cuda.preferred_blas_library(backend)

            def product():
                W = Ws[state["i"] % copies]
                state["i"] += 1
                return F.linear(x, W, b)

            us = graph_us(product, reps=copies * 2)
            line += f"  M={M} {backend} {us:6.1f} us ({gb / us * 1e3:.2f} TB/s)"

        def transposed():
            Wt = Wts[state["i"] % copies]
            state["i"] += 1
            y = x @ Wt
            return y + b if b is not None else y

        us = graph_us(transposed, reps=copies * 2)
        line += f"  M={M} x@Wt {us:6.1f} us ({gb / us * 1e3:.2f} TB/s)"
    print(line, flush=True)
