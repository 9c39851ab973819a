#!/usr/bin/env python3
"""GPU time per kernel in a Kineto trace (tools/gpu/kernel_trace.h writes them).

Usage: trace_summary.py TRACE.json STEPS [TOP=25]
Prints, per decode step: kernels launched, summed kernel time, the busy span (first kernel start to last
kernel end) and how much of it the GPU sat idle, then the kernel families (GEMM, elementwise, reductions,
attention, copies) and the TOP kernels by time. Kernel names are shortened to their first 90 characters.
Our kernels are launched as programmatic dependents (core/infer/programmatic_launch.cuh): each starts while its
predecessor still runs and waits, so its duration here includes that wait (a merge kernel read 16-25 us a layer
that way, its own work being a few us) and the summed kernel time can exceed the busy span. For their own time,
trace with LAYOUTLENS_PROGRAMMATIC_LAUNCH=0; cuBLAS's and ATen's kernels are not affected.
"""
import collections
import json
import sys


def family(name):
    n = name.lower()
    # Attention first: FlashAttention's "flash_fwd_splitkv" would otherwise match the GEMMs' "splitk".
    if any(k in n for k in ("flash", "fmha", "attention", "softmax", "splitkvdecode", "mergesplits")):
        return "attention/softmax"
    if any(k in n for k in ("gemm", "cutlass", "xmma", "nvjet", "cublas", "gemv", "splitk")):
        return "gemm/gemv"
    if "reduce" in n or "norm" in n:
        return "reduction/norm"
    if "elementwise" in n or "vectorized" in n or "unrolled" in n:
        return "elementwise"
    if "cat" in n or "copy" in n or "index" in n or "gather" in n or "scatter" in n:
        return "copy/index/cat"
    return "other"


def main():
    path, steps = sys.argv[1], int(sys.argv[2])
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 25
    with open(path) as f:
        trace = json.load(f)
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    kernels = [e for e in events if e.get("ph") == "X" and e.get("cat") in ("kernel", "gpu_memcpy", "gpu_memset")]
    if not kernels:
        print(f"{path}: no GPU kernels recorded")
        return
    total = sum(e["dur"] for e in kernels)
    start = min(e["ts"] for e in kernels)
    end = max(e["ts"] + e["dur"] for e in kernels)
    print(f"{path}: {len(kernels) / steps:.0f} kernels/step, kernel time {total / steps / 1000:.2f} ms/step, "
          f"busy span {(end - start) / steps / 1000:.2f} ms/step, GPU idle {100 * (1 - total / (end - start)):.0f} % "
          f"of the span (kernels on one stream; overlap would make this negative)")
    fam = collections.defaultdict(lambda: [0, 0.0])
    by = collections.defaultdict(lambda: [0, 0.0])
    for e in kernels:
        f = family(e["name"])
        fam[f][0] += 1
        fam[f][1] += e["dur"]
        k = by[e["name"][:90]]
        k[0] += 1
        k[1] += e["dur"]
    for f, (n, d) in sorted(fam.items(), key=lambda x: -x[1][1]):
        print(f"  family {f:18s} {n / steps:6.0f}/step {d / steps / 1000:7.3f} ms/step {100 * d / total:5.1f} %  "
              f"mean {d / n:6.1f} us")
    for name, (n, d) in sorted(by.items(), key=lambda x: -x[1][1])[:top]:
        print(f"  {d / steps / 1000:7.3f} ms/step {n / steps:5.0f}/step mean {d / n:6.1f} us  {name}")


if __name__ == "__main__":
    main()
