#!/usr/bin/env python3
"""Merges the two sides of the pipeline benchmark into one table (tools/gpu/benchmark.sh writes it to
$OUT/benchmarks.md; the lead copies it to docs/benchmarks.md). Standard library only.

Inputs: plan.json (pages, forced lengths), layoutlens.json (tools/gpu/layoutlens_bench.cpp), reference.json
(tools/gpu/reference_pipeline_bench.py), optionally the two halves of a 2-GPU run, and the two checkpoint
folders (their config.json and safetensors headers give the bytes a decode step reads).

Per stage and in total: seconds per page, pages/s, tokens/s, peak GPU memory, the speed ratio
LayoutLens/reference, and fractions of the card's limits:
  * decode, HBM bandwidth: bytes read per decode step = the decoder's weights (every layer, the final norm and
    the output head; the input embedding table is only gathered, Gemma's per-layer table stays in host
    memory; Gemma's head is its tied embedding table, read in full) + the KV cache of every sequence in the
    batch (each layer reads its keys and values up to the current position; Gemma's sliding layers at most
    their window, and its KV-sharing layers read their producer's cache again). Summed over the stage's
    decode steps and generated tokens, divided by the stage's decode time (full run - prefill probe) and the
    card's bandwidth.
  * vision prefill, bf16 peak: dots.ocr's vision tower FLOPs for one page = 2 x (linear-layer parameters) x
    tokens (patch embedding, per layer qkv 3d^2 + proj d^2 + SwiGLU MLP 3 d i, the 2x2 patch merger on a
    quarter of the tokens) + attention 4 x L x d per ordered token pair (QK^T and AV, 2 N^2 d each per layer),
    divided by the measured vision-tower time per page and the card's dense bf16 peak.
Card limits: H100 SXM 80GB HBM3 3.35 TB/s, H200 4.8 TB/s; dense bf16 989 TFLOP/s on both.

Usage: bench_report.py --plan PLAN --ours JSON --reference JSON --dots DIR --gemma DIR --gpu NAME
                       [--ours-2gpu A.json,B.json] [--commit SHA] [--notes TEXT] --out MD
"""
import argparse
import datetime
import json
import os
import struct

CARDS = {"H200": (4.8e12, 989e12), "H100": (3.35e12, 989e12)}


def card_limits(name):
    for key, lim in CARDS.items():
        if key in name:
            return key, lim
    return None, (None, None)


def load(path):
    if path and os.path.exists(path):
        with open(path) as f:
            return json.load(f)
    return None


def safetensors_sizes(folder):
    """{tensor name: bytes} from the headers of every .safetensors file in `folder`."""
    sizes = {}
    if not folder or not os.path.isdir(folder):
        return sizes
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".safetensors"):
            continue
        with open(os.path.join(folder, name), "rb") as f:
            (n,) = struct.unpack("<Q", f.read(8))
            header = json.loads(f.read(n))
        for k, v in header.items():
            if k != "__metadata__":
                sizes[k] = v["data_offsets"][1] - v["data_offsets"][0]
    return sizes


def dots_decode_model(folder):
    cfg = load(os.path.join(folder, "config.json")) if folder else None
    sizes = safetensors_sizes(folder)
    if not cfg or not sizes:
        return None
    weights = sum(b for k, b in sizes.items() if not k.startswith("vision_tower.") and k != "model.embed_tokens.weight")
    head_dim = cfg["hidden_size"] // cfg["num_attention_heads"]
    per_pos = cfg["num_hidden_layers"] * 2 * cfg["num_key_value_heads"] * head_dim * 2  # bf16 K and V
    return {"weights": weights, "kv": lambda ctx: per_pos * ctx, "cfg": cfg}


def gemma_decode_model(folder):
    cfg = load(os.path.join(folder, "config.json")) if folder else None
    sizes = safetensors_sizes(folder)
    if not cfg or not sizes:
        return None
    t = cfg.get("text_config", {})
    weights = sum(b for k, b in sizes.items() if k.startswith("model.language_model.")
                  and "embed_tokens_per_layer" not in k)  # embed_tokens counted once: it is the tied head
    kv_heads, head_dim = t.get("num_key_value_heads", 2), t.get("head_dim", 256)
    layer_types = t.get("layer_types") or []
    window = t.get("sliding_window", 512)
    per_pos_layer = 2 * kv_heads * head_dim * 2

    def kv(ctx):
        return sum(per_pos_layer * (min(ctx, window) if lt == "sliding_attention" else ctx) for lt in layer_types)

    return {"weights": weights, "kv": kv, "cfg": cfg}


def decode_bytes(model, stage):
    """Bytes read by the decode phase of a stage of ours: weights per step + KV per generated token."""
    steps = stage["decode_steps"]
    total = model["weights"] * steps
    for prompt, n in zip(stage["prompt_tokens"], stage["run_tokens"]):
        for k in range(1, n):  # the first token comes from the prefill
            total += model["kv"](prompt + k)
    return total


def vision_flops(dots_cfg, patches):
    v = dots_cfg["vision_config"]
    d, i, L = v["embed_dim"], v["intermediate_size"], v["num_hidden_layers"]
    patch_in = v.get("num_channels", 3) * v.get("patch_size", 14) ** 2 * v.get("temporal_patch_size", 1)
    merge = v.get("spatial_merge_size", 2) ** 2
    out = dots_cfg["hidden_size"]
    linear = patches * (patch_in * d + L * (4 * d * d + 3 * d * i)) + (patches // merge) * (merge * d * merge * d + merge * d * out)
    return 2 * linear + 4 * L * d * patches * patches


def ours_stage_seconds(stage):
    """Full-length stage time: measured, or extrapolated from the measured step time when the run was scaled."""
    if stage.get("length_scale", 1.0) >= 1.0:
        return stage["full_s"], "measured"
    run_steps = max(1, max(stage["run_tokens"]) - 1)
    planned_steps = max(stage["planned_tokens"]) - 1
    return (stage["prefill_probe_s"] + stage["decode_s"] * planned_steps / run_steps,
            f"extrapolated (lengths run at x{stage['length_scale']:.2f} to fit the time budget)")


def fmt(x, nd=2):
    if x is None:
        return "–"
    if isinstance(x, str):
        return x
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.{nd}f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--plan", required=True)
    ap.add_argument("--ours", required=True)
    ap.add_argument("--reference", required=True)
    ap.add_argument("--dots")
    ap.add_argument("--gemma")
    ap.add_argument("--gpu", default="")
    ap.add_argument("--ours-2gpu", default="")
    ap.add_argument("--commit", default="")
    ap.add_argument("--notes", default="")
    ap.add_argument("--json-out")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    plan, ours, ref = load(a.plan), load(a.ours) or {}, load(a.reference) or {}
    n = len(plan["pages"])
    card, (bw, peak) = card_limits(a.gpu)
    dots_m, gemma_m = dots_decode_model(a.dots), gemma_decode_model(a.gemma)
    planned = {"layout": sum(p["layout_tokens"] for p in plan["pages"]),
               "crop_ocr": sum(c["tokens"] for p in plan["pages"] for c in p["crops"]),
               "summary": sum(p["summary_tokens"] for p in plan["pages"])}
    ref_stage = {"layout": (ref.get("layout") or {}).get("stage_s"),
                 "crop_ocr": (ref.get("crop_ocr") or {}).get("stage_s"),
                 "summary": (ref.get("summary") or {}).get("stage_s")}
    ref_peak = {"layout": (ref.get("layout") or {}).get("peak_gib"),
                "crop_ocr": (ref.get("crop_ocr") or {}).get("peak_gib"),
                "summary": (ref.get("summary") or {}).get("peak_gib")}
    names = {"layout": "layout (dots.ocr)", "crop_ocr": f"crop OCR (Gemma 3n, {len(plan['pages'][0]['crops'])} crops/page)",
             "summary": "page summary (Gemma 3n)"}
    rows, summary = [], {"card": a.gpu, "pages": n, "stages": {}}
    tot = {"ours": 0.0, "ref": 0.0, "ours_ok": True, "ref_ok": True}
    for key in ("layout", "crop_ocr", "summary"):
        st = ours.get(key)
        o_s, o_how = ours_stage_seconds(st) if st else (None, "not run")
        r = ref_stage[key]
        r_s, r_how = (r["value"], "extrapolated" if r["how"].startswith("extrapolated") else "measured") if r else (None, "not run")
        hbm = None
        if st and bw and st.get("decode_s", 0) > 0 and st.get("length_scale", 1.0) >= 0:
            m = dots_m if key == "layout" else gemma_m
            if m:
                hbm = decode_bytes(m, st) / st["decode_s"] / bw
        ratio = (r_s / o_s) if (o_s and r_s) else None
        rows.append([names[key], fmt(o_s / n if o_s else None), fmt(n / o_s if o_s else None, 3),
                     fmt(planned[key] / o_s if o_s else None, 0), fmt(st.get("peak_gib") if st and st.get("peak_gib", -1) >= 0 else None, 1),
                     fmt(r_s / n if r_s else None), fmt(n / r_s if r_s else None, 3),
                     fmt(planned[key] / r_s if r_s else None, 0), fmt(ref_peak[key], 1),
                     (fmt(ratio, 1) + "×") if ratio else "–", f"{100 * hbm:.0f} %" if hbm is not None else "–",
                     f"ours {o_how}; reference {r_how}"])
        summary["stages"][key] = {"ours_s": o_s, "ref_s": r_s, "ratio": ratio, "hbm_fraction": hbm,
                                  "ours_how": o_how, "ref_how": r_how, "tokens": planned[key]}
        if o_s is None:
            tot["ours_ok"] = False
        else:
            tot["ours"] += o_s
        if r_s is None:
            tot["ref_ok"] = False
        else:
            tot["ref"] += r_s
    o_tot = tot["ours"] if tot["ours_ok"] else None
    r_tot = tot["ref"] if tot["ref_ok"] else None
    rows.append(["**end to end**", fmt(o_tot / n if o_tot else None), fmt(n / o_tot if o_tot else None, 3),
                 fmt(sum(planned.values()) / o_tot if o_tot else None, 0), "", fmt(r_tot / n if r_tot else None),
                 fmt(n / r_tot if r_tot else None, 3), fmt(sum(planned.values()) / r_tot if r_tot else None, 0), "",
                 (fmt(r_tot / o_tot, 1) + "×") if (o_tot and r_tot) else "–", "", ""])
    summary["end_to_end"] = {"ours_s_per_page": o_tot / n if o_tot else None,
                             "ref_s_per_page": r_tot / n if r_tot else None,
                             "ours_how": "stages one after another, as the app runs a chunk"}
    # The same pages with the stages overlapped (layoutlens_bench's runOverlapped: layout and Gemma 3n on two
    # threads and CUDA streams). An experiment, shown beside the figure above; the app does not run this way.
    ov = ours.get("overlapped") or {}
    if ov.get("wall_s"):
        w = ov["wall_s"]
        rows[-1][0] = "**end to end** (stages one after another, as the app)"
        rows.append(["end to end, stages overlapped (experiment)", fmt(w / n), fmt(n / w, 3),
                     fmt(sum(planned.values()) / w, 0), "", fmt(r_tot / n if r_tot else None),
                     fmt(n / r_tot if r_tot else None, 3), fmt(sum(planned.values()) / r_tot if r_tot else None, 0), "",
                     (fmt(r_tot / w, 1) + "×") if r_tot else "–", "",
                     "ours measured: layout and Gemma 3n on two threads/streams, each page's crops and summary "
                     "started as soon as its layout (its crops) ended"])
        summary["end_to_end"]["ours_overlapped_s_per_page"] = w / n

    # vision prefill against the bf16 peak
    vis_lines = []
    lj = ours.get("layout") or {}
    if dots_m and lj.get("vision_patches"):
        fl = vision_flops(dots_m["cfg"], lj["vision_patches"])
        for who, s in (("LayoutLens", lj.get("vision_s_per_page")),
                       ("reference", ((ref.get("layout") or {}).get("vision_s_per_page") or {}).get("value"))):
            if s:
                frac = f", {100 * fl / s / peak:.0f} % of the {card} bf16 dense peak" if peak else ""
                vis_lines.append(f"- {who}: {s:.3f} s per page = {fl / s / 1e12:.0f} TFLOP/s{frac}")
        summary["vision_tflop_per_page"] = fl / 1e12
        summary["vision_fraction"] = (fl / lj["vision_s_per_page"] / peak) if (peak and lj.get("vision_s_per_page")) else None

    # 2 GPUs: pages split over two processes, one per GPU
    scale_lines = []
    halves = [load(p) for p in a.ours_2gpu.split(",") if p]
    if len(halves) == 2 and all(halves) and o_tot:
        walls = []
        for h in halves:
            s = 0.0
            for key in ("layout", "crop_ocr", "summary"):
                if h.get(key):
                    s += ours_stage_seconds(h[key])[0]
            walls.append(s)
        wall2 = max(walls)
        if wall2 > 0:
            scale_lines.append(f"- 2 GPUs, {halves[0]['pages']} + {halves[1]['pages']} pages (one process per GPU): "
                               f"{wall2:.1f} s for all three stages (slower GPU) vs {o_tot:.1f} s on one GPU: "
                               f"{o_tot / wall2:.2f}× ({100 * o_tot / wall2 / 2:.0f} % scaling efficiency), "
                               f"{wall2 / n:.2f} s per page")
            summary["two_gpu"] = {"wall_s": wall2, "speedup": o_tot / wall2}

    L, R = ours.get("layout") or {}, ref.get("layout") or {}
    targets = []

    def target(name, ok, value):
        targets.append(f"| {name} | {value} | {'met' if ok else 'NOT met'} |" if ok is not None else f"| {name} | {value} | not measured |")

    st = summary["stages"]
    for key, label in (("layout", "layout ≥ 5× reference pages/s"), ("crop_ocr", "crop OCR ≥ 5×"), ("summary", "summaries ≥ 5×")):
        r = st[key]["ratio"]
        target(label, (r >= 5) if r else None, (fmt(r, 1) + "×") if r else "–")
    e2e = summary["end_to_end"]["ours_s_per_page"]
    target("end to end ≤ 2 s per letter page (3 picture regions)", (e2e <= 2) if e2e else None,
           f"{fmt(e2e)} s ({summary['end_to_end']['ours_how']})" if e2e else "–")
    h = [st[k]["hbm_fraction"] for k in st if st[k]["hbm_fraction"] is not None]
    target("decode ≥ 60 % of HBM bandwidth", (max(h) >= 0.6) if h else None,
           ", ".join(f"{k} {100 * st[k]['hbm_fraction']:.0f} %" for k in st if st[k]["hbm_fraction"] is not None) or "–")
    vf = summary.get("vision_fraction")
    target("vision prefill ≥ 40 % of bf16 peak", (vf >= 0.4) if vf else None, f"{100 * vf:.0f} %" if vf else "–")

    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    md = [f"## Run — {now}, {a.gpu or 'unknown card'}, commit {a.commit or 'unknown'}", "",
          f"torch {ref.get('torch', '?')}, transformers {ref.get('transformers', '?')}. {n} pages "
          f"({plan['pages'][0]['width']}×{plan['pages'][0]['height']}, US letter at 200 DPI, from "
          f"{', '.join(sorted({os.path.basename(p['png']) for p in plan['pages']}))}), three picture regions per page; "
          f"forced output lengths drawn with seed {plan['seed']} from layout {plan['ranges']['layout']}, crop OCR "
          f"{plan['ranges']['crop_ocr']}, summaries {plan['ranges']['summary']} tokens (EOS ignored on both sides): "
          f"{planned['layout']:,} + {planned['crop_ocr']:,} + {planned['summary']:,} tokens. Random bf16 weights at full "
          "size (dots.ocr 3.0 B, Gemma 3n E4B), the same files on both sides.", "",
          "| stage | ours s/page | ours pages/s | ours tok/s | ours peak GiB | ref s/page | ref pages/s | ref tok/s | "
          "ref peak GiB | speed-up | decode HBM (ours) | how |",
          "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    md += ["| " + " | ".join(r) + " |" for r in rows]
    md += ["", "Peak GPU memory is the allocator's peak during the stage's full run (ours: that model alone; "
           "reference: minus the other model, which stayed resident). HBM fraction: see tools/gpu/bench_report.py.", ""]
    if vis_lines:
        md += [f"Vision prefill (dots.ocr vision tower, one page, {lj['vision_patches']:,} patches, "
               f"{summary['vision_tflop_per_page']:.0f} TFLOP counted from the config):"] + vis_lines + [""]
    md += ["How the reference was measured (it is slow, so on a subset, then extrapolated per token):"]
    if R:
        md.append(f"- layout: {R['scheme']}; processor {R['processor_s_per_page']['value']:.2f} s/page and vision "
                  f"{R['vision_s_per_page']['value']:.2f} s/page ({R['vision_s_per_page']['how']}); prefill of the batch "
                  f"{R['prefill_s_batch']['value']:.2f} s ({R['prefill_s_batch']['how']}); decode step "
                  f"{1e3 * R['step_s']['value']:.1f} ms ({R['step_s']['how']}); stage {R['stage_s']['how']}.")
    for key, sub in (("crop_ocr", "measured_one_crop"), ("summary", "measured_one_page")):
        g = ref.get(key)
        if g:
            m = g[sub]
            md.append(f"- {names[key]}: {ref.get('scheme', '')}; one request measured: prompt {m['prompt_tokens']} tokens, "
                      f"processor {1e3 * m['processor_s']:.0f} ms, vision {fmt(1e3 * m['vision_s'] if m.get('vision_s') else None, 0)} ms, "
                      f"{m.get('how', 'generate')}: 1 token "
                      f"{m['prefill_s']:.3f} s, decode step {1e3 * m['step_s']:.1f} ms; stage {g['stage_s']['how']}.")
    for k in ("layout_error", "gemma_error"):
        if ref.get(k):
            md.append(f"- reference {k}: {ref[k]}")
    md += ["", "How LayoutLens was measured: every stage's requests in one continuous-batching run "
           f"(max batch {ours.get('max_batch', '?')} for layout); a prefill probe (all requests forced to 1 token; the "
           "second of two, the first paying the stage's first-use costs), "
           "an 8-step probe (the second of two: the first captures the stage's decode graphs), whose step estimate "
           "decides whether lengths must be scaled to fit the time budget, then the full run; decode time = full "
           "run - prefill probe."]
    for key in ("layout", "crop_ocr", "summary"):
        s = ours.get(key)
        if s:
            first = f" (first {s['prefill_probe_first_s']:.2f} s)" if "prefill_probe_first_s" in s else ""
            estimate = (f", step estimate {1e3 * s['step_estimate_s']:.1f} ms (8-step probe {s['short_probe_s']:.2f} s, "
                        f"first {s['short_probe_first_s']:.2f} s)") if "step_estimate_s" in s else ""
            md.append(f"- {names[key]}: {s['requests']} requests, prefill probe {s['prefill_probe_s']:.2f} s{first}{estimate}, full run "
                      f"{s['full_s']:.2f} s over {s['decode_steps']} decode steps "
                      f"({1e3 * s['decode_s'] / max(1, s['decode_steps']):.1f} ms/step), {s['generated_tokens']:,} tokens"
                      + (f", lengths scaled ×{s['length_scale']:.2f}" if s.get('length_scale', 1) < 1 else "")
                      + (f"; errors: {s['errors'][:2]}" if s.get("errors") else ""))
    if ov.get("wall_s"):
        md.append(f"- end to end, overlapped: all {n} pages in {ov['wall_s']:.2f} s (the stages one after another: "
                  f"{ov.get('stages_one_after_another_s', 0):.2f} s); the layout model finished at {ov['layout_wall_s']:.2f} s; "
                  f"Gemma 3n took requests in {ov.get('gemma_arrival_batches', '?')} arrival batches "
                  f"({ov['slots']} slots of {ov['max_length']} tokens); tokens {ov['tokens']}"
                  + (f"; errors: {ov['errors'][:2]}" if ov.get("errors") else ""))
    elif ov.get("skipped"):
        md.append(f"- end to end, overlapped: not run ({ov['skipped']})")
    for k in ("gemma_skipped", "gemma_error"):
        if ours.get(k):
            md.append(f"- LayoutLens {k}: {ours[k]}")
    if scale_lines:
        md += ["", "Two GPUs:"] + scale_lines
    md += ["", "| target (same run) | value | |", "|---|---|---|"] + targets
    if a.notes:
        md += ["", a.notes]
    text = "\n".join(md) + "\n"
    with open(a.out, "w") as f:
        f.write("# Benchmarks: LayoutLens against the reference pipeline\n\n"
                "Written by `tools/gpu/benchmark.sh` (one call on the GPU machine); newest run first.\n\n" + text)
    if a.json_out:
        with open(a.json_out, "w") as f:
            json.dump(summary, f, indent=1, default=str)
    print(text)


if __name__ == "__main__":
    main()
