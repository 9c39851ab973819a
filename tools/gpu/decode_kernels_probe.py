#!/usr/bin/env python3
"""Which libtorch kernels a decode step could use instead of chains of small ops (GPU machine).

1. RMSNorm: torch.rms_norm against Gemma 3n's / Qwen2's op chains: kernels launched, time, and the
   largest difference in bf16 and fp32.
2. Decode attention over a [slots, length + 1, kv_heads, head_dim] cache (LayoutLens's KV layout), one
   query per slot, ragged key lengths: the bmm-per-KV-head path of core/infer/attention.cpp against
   FlashAttention-2's varlen kernel reading the cache in place (cu_seqlens_k = slot starts,
   seqused_k = key lengths). Timed as CUDA graphs of `layers` calls, the way a graphed step runs them.
Usage: decode_kernels_probe.py
"""
import math

import torch

from graph_timing import graph_us

dev = "cuda"
torch.manual_seed(0)


def kernels(fn):
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]) as p:
        fn()
        torch.cuda.synchronize()
    return sum(1 for e in p.events() if e.device_type == torch.autograd.DeviceType.CUDA)


def gemma_norm(x, w, eps=1e-6):
    xf = x.float()
    out = xf * torch.pow(xf.pow(2).mean(-1, keepdim=True) + eps, -0.5)
    return (out * w.float()).to(x.dtype)


def qwen_norm(x, w, eps=1e-6):
    xf = x.float()
    return w * (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)).to(x.dtype)


print("== RMSNorm, [18, 2048] rows")
for dt in (torch.bfloat16, torch.float32):
    x = torch.randn(18, 2048, device=dev, dtype=dt) * 3
    w = (torch.rand(2048, device=dev, dtype=dt) + 0.5)
    fused = lambda: torch.rms_norm(x, (2048,), w, 1e-6)
    for name, ref in (("gemma", gemma_norm), ("qwen", qwen_norm)):
        d = (fused().float() - ref(x, w).float()).abs().max().item()
        rel = d / ref(x, w).float().abs().max().item()
        print(f"{str(dt):15s} vs {name} chain: max|d| {d:.3e} (rel {rel:.1e}); kernels fused {kernels(fused)} "
              f"chain {kernels(lambda: ref(x, w))}; time fused {graph_us(fused, 100):.1f} us chain "
              f"{graph_us(lambda: ref(x, w), 100):.1f} us")
    # Per-head norms as Gemma runs them: [n, heads, 256]
    xh = torch.randn(18, 8, 256, device=dev, dtype=dt)
    wh = torch.rand(256, device=dev, dtype=dt) + 0.5
    d = (torch.rms_norm(xh, (256,), wh, 1e-6).float() - gemma_norm(xh, wh).float()).abs().max().item()
    print(f"{str(dt):15s} per-head [18,8,256] vs gemma chain: max|d| {d:.3e}")


def bmm_attention(q, cache_k, cache_v, lens, bucket, groups, window=0):
    S, hq, d = q.shape
    hkv = cache_k.shape[2]
    k = cache_k[:, :bucket].transpose(1, 2)  # [S, hkv, L, d] view
    v = cache_v[:, :bucket].transpose(1, 2)
    keys = torch.arange(bucket, device=q.device).view(1, 1, 1, bucket)
    ln = lens.view(S, 1, 1, 1)
    mask = keys < ln
    if window:
        mask = mask & (keys > ln - 1 - window)
    qg = q.reshape(S, hkv, groups, d)
    sc = torch.stack([torch.bmm(qg[:, h], k[:, h].transpose(1, 2)) for h in range(hkv)], 1) / math.sqrt(d)
    sc = sc.masked_fill(~mask, float("-inf"))
    p = torch.softmax(sc, -1, dtype=torch.float32).to(q.dtype)
    return torch.stack([torch.bmm(p[:, h], v[:, h]) for h in range(hkv)], 1).reshape(S, hq, d)


def flash_attention(q, cache_k, cache_v, lens32, cu_q, cu_k, bucket, window=0):
    S, rows, hkv, d = cache_k.shape
    out = torch.ops.aten._flash_attention_forward(
        q, cache_k.view(S * rows, hkv, d), cache_v.view(S * rows, hkv, d), cu_q, cu_k, 1, bucket, 0.0, False, False,
        scale=1 / math.sqrt(d), window_size_left=(window - 1 if window else -1), window_size_right=(0 if window else -1),
        seqused_k=lens32)
    return out[0]


print("== decode attention, bf16, one query per slot, ragged lengths")
for name, S, hq, hkv, d, length, window, layers in (
        ("dots.ocr layout", 18, 12, 2, 128, 8192, 0, 28),
        ("dots.ocr layout", 18, 12, 2, 128, 4096, 0, 28),
        ("gemma3n full", 32, 8, 2, 256, 4096, 0, 7),
        ("gemma3n sliding", 32, 8, 2, 256, 4096, 512, 13)):
    rows = length + 1
    ck = torch.randn(S, rows, hkv, d, device=dev, dtype=torch.bfloat16)
    cv = torch.randn(S, rows, hkv, d, device=dev, dtype=torch.bfloat16)
    q = torch.randn(S, hq, d, device=dev, dtype=torch.bfloat16)
    lens = torch.randint(length // 2, length, (S,), device=dev)
    lens32 = lens.to(torch.int32)
    cu_q = torch.arange(S + 1, device=dev, dtype=torch.int32)
    cu_k = torch.arange(S + 1, device=dev, dtype=torch.int32) * rows
    a = bmm_attention(q, ck, cv, lens, length, hq // hkv, window)
    try:
        b = flash_attention(q, ck, cv, lens32, cu_q, cu_k, length, window)
        diff = (a.float() - b.float()).abs().max().item()
        tf = graph_us(lambda: flash_attention(q, ck, cv, lens32, cu_q, cu_k, length, window), layers) / 1000
        nf = kernels(lambda: flash_attention(q, ck, cv, lens32, cu_q, cu_k, length, window))
    except Exception as e:  # report and go on
        diff, tf, nf = float("nan"), float("nan"), 0
        print("flash varlen failed:", str(e).splitlines()[0][:300])
    tb = graph_us(lambda: bmm_attention(q, ck, cv, lens, length, hq // hkv, window), layers) / 1000
    nb = kernels(lambda: bmm_attention(q, ck, cv, lens, length, hq // hkv, window))
    kv_bytes = 2 * lens.sum().item() * hkv * d * 2 if not window else 2 * S * min(window, length) * hkv * d * 2
    print(f"{name:16s} S={S} keys<{length} window {window}: bmm path {tb * 1000:.0f} us/layer ({nb} kernels), flash varlen "
          f"{tf * 1000:.0f} us/layer ({nf} kernels), max|d| {diff:.2e}; x{layers} layers: {tb * layers:.2f} vs "
          f"{tf * layers:.2f} ms/step; K/V bytes read {kv_bytes / 1e6:.0f} MB/layer")
