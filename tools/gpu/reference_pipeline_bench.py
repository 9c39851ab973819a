#!/usr/bin/env python3
"""The reference side of the pipeline benchmark (tools/gpu/benchmark.sh), and the inputs both sides share.

One process, three phases:
  1. plan   -- converts the rendered pages (PNG, US letter at 200 DPI) to PPM for the C++ side, and draws the
               per-request output lengths from realistic ranges with a fixed seed (layout 500-3000 tokens per
               page, crop OCR 50-300 per crop, summaries 200-800 per page), plus three picture regions per
               page: WORKDIR/plan.json, read by both sides.
  2. make   -- builds full-size random-weight checkpoints with the reference code, with their real tensor
               names: dots.ocr from dots.ocr's own modeling code (tools/gpu/dots_ocr_reference.py, the copy
               carried in .device/reference/dots_ocr), Gemma 3n E4B as transformers'
               Gemma3nForConditionalGeneration (Gemma3nConfig() defaults are E4B; randomised as
               tools/gpu/gemma3n_reference.py does), saved bf16 to WORKDIR/dots and WORKDIR/gemma with the
               tokenizers, so LayoutLens loads the same weights. Writes WORKDIR/ready, then waits for
               WORKDIR/go (the C++ side must have the GPU to itself while it is measured); the models stay
               resident on the GPU meanwhile (~22 GiB).
  3. measure -- the reference way, on the same pages and weights, EOS ignored (an eos id no logit can reach):
       layout:    dots.ocr, transformers' generate on a static batch (the reference pipeline's batches of 18),
                  sdpa attention (no flash-attn); the vision tower one page at a time (the reference's
                  batched call needs one dense [N,N] mask: 8 pages ran out of memory on an H100,
                  notes/reference-baseline.md); decode steps through a plain Qwen2ForCausalLM sharing the
                  dots.ocr decoder's modules (DotsOCRForCausalLM's own prepare_inputs_for_generation breaks
                  under transformers 5, and its forward adds nothing to a decode step);
       crop OCR:  Gemma3nForConditionalGeneration.generate, one crop at a time;
       summaries: the same, one page at a time, the page image plus a prompt as long as LayoutLens's.
     Measured on a subset, because the reference is slow (a decode step costs ~60 ms for dots.ocr and
     ~140 ms for Gemma 3n there): the vision tower on 2 pages, the batch prefill (generate of 1 token) and
     S more decode steps on the whole layout batch; for Gemma one crop and one page summary, each as a
     1-token and a (1+S)-token generate. Extrapolated per request: image processing + vision + prefill +
     (tokens - 1) x measured step time. reference.json marks every number "measured" or "extrapolated".

Usage: reference_pipeline_bench.py --workdir DIR --pages-dir DIR --reference-code DIR --out JSON
          [--ours JSON] [--n 8] [--seed 2026] [--no-gemma] [--gemma-tokenizer FILE] [--qwen-tokenizer FILE]
          [--budget-s 150]
"""
import argparse
import glob
import gzip
import json
import math
import os
import random
import shutil
import sys
import time

LAYOUT_RANGE, CROP_RANGE, SUMMARY_RANGE = (500, 3000), (50, 300), (200, 800)
# Picture regions as fractions of the page (x0, y0, x1, y1): two figures side by side and a wide one below.
CROP_BOXES = [(0.08, 0.10, 0.48, 0.36), (0.52, 0.10, 0.92, 0.36), (0.10, 0.55, 0.90, 0.85)]
STATIC_BATCH = 18  # the reference pipeline's layout batch
HERE = os.path.dirname(os.path.abspath(__file__))


def log(msg):
    print(f"[ref {time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ------------------------------------------------------------------------------------------------- 1. plan

def make_plan(a):
    from PIL import Image
    pngs = sorted(glob.glob(os.path.join(a.pages_dir, "*.png")))
    if not pngs:
        sys.exit(f"no *.png pages in {a.pages_dir} (see .device/bench_pages/README.md)")
    os.makedirs(os.path.join(a.workdir, "pages"), exist_ok=True)
    rng = random.Random(a.seed)
    pages = []
    for i in range(a.n):
        src = pngs[i % len(pngs)]
        img = Image.open(src).convert("RGB")
        ppm = os.path.join(a.workdir, "pages", f"page-{i:02d}.ppm")
        img.save(ppm)
        w, h = img.size
        crops = [{"box": [int(x0 * w), int(y0 * h), int(x1 * w), int(y1 * h)], "tokens": rng.randint(*CROP_RANGE)}
                 for x0, y0, x1, y1 in CROP_BOXES]
        pages.append({"png": src, "ppm": ppm, "width": w, "height": h, "layout_tokens": rng.randint(*LAYOUT_RANGE),
                      "crops": crops, "summary_tokens": rng.randint(*SUMMARY_RANGE)})
    plan = {"seed": a.seed, "ranges": {"layout": LAYOUT_RANGE, "crop_ocr": CROP_RANGE, "summary": SUMMARY_RANGE},
            "crop_boxes_fraction": CROP_BOXES, "pages": pages}
    with open(os.path.join(a.workdir, "plan.json"), "w") as f:
        json.dump(plan, f, indent=1)
    log(f"plan: {a.n} pages of {pages[0]['width']}x{pages[0]['height']} from {len(pngs)} PNGs, "
        f"layout tokens {[p['layout_tokens'] for p in pages]}")
    return plan


# ------------------------------------------------------------------------------------------------- 2. make

def write_tokenizer(src, dst_dir, keep_below=None):
    os.makedirs(dst_dir, exist_ok=True)
    opener = gzip.open if src.endswith(".gz") else open
    with opener(src, "rt", encoding="utf-8") as f:
        tok = json.load(f)
    if keep_below is not None:  # Qwen3's own extra tokens sit where dots.ocr's are; the C++ side adds dots.ocr's
        tok["added_tokens"] = [t for t in tok["added_tokens"] if t["id"] < keep_below]
    with open(os.path.join(dst_dir, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tok, f)
    cfg = src.replace("tokenizer.json", "tokenizer_config.json")
    if os.path.exists(cfg):
        with opener(cfg, "rt", encoding="utf-8") as f, open(os.path.join(dst_dir, "tokenizer_config.json"), "w") as g:
            g.write(f.read())


def make_dots(a, torch):
    sys.path.insert(0, HERE)
    import dots_ocr_reference as ref
    ocr, vision_mod, config_mod = ref.import_reference(a.reference_code)
    out = os.path.join(a.workdir, "dots")
    os.makedirs(out, exist_ok=True)
    cfg = ref.config_json("full")
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    kwargs = {k: v for k, v in cfg.items()
              if k not in ("architectures", "model_type", "torch_dtype", "rope_theta", "rope_scaling")}
    kwargs["rope_parameters"] = {"rope_type": "default", "rope_theta": cfg["rope_theta"]}
    kwargs["vision_config"] = dict(cfg["vision_config"], attn_implementation="sdpa")
    config = config_mod.DotsOCRConfig(**kwargs)
    config._attn_implementation = "sdpa"
    t0 = time.time()
    with torch.device("cuda"):
        model = ocr.DotsOCRForCausalLM(config).eval()
    ref.randomise(model, 1234, "cuda")
    ref.save_weights(model, out, "full")
    write_tokenizer(a.qwen_tokenizer, out, keep_below=151665)
    model.to(torch.bfloat16)
    head_dim = model.vision_tower.config.embed_dim // model.vision_tower.config.num_attention_heads
    model.vision_tower.rotary_pos_emb = vision_mod.VisionRotaryEmbedding(head_dim // 2).to("cuda")
    torch.cuda.empty_cache()
    log(f"dots.ocr: built, randomised, saved to {out} in {time.time() - t0:.1f} s")
    return model, ref


def make_gemma(a, torch):
    sys.path.insert(0, HERE)
    import gemma3n_reference as gref
    from transformers import Gemma3nConfig, Gemma3nForConditionalGeneration
    out = os.path.join(a.workdir, "gemma")
    os.makedirs(out, exist_ok=True)
    t0 = time.time()
    config = Gemma3nConfig()  # the defaults are E4B (specs/gemma3n.md §1)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.bfloat16)
    try:
        with torch.device("cuda"):
            model = Gemma3nForConditionalGeneration(config).eval()
    finally:
        torch.set_default_dtype(previous)
    if hasattr(model, "set_attn_implementation"):
        try:
            model.set_attn_implementation("sdpa")
        except Exception as e:  # noqa: BLE001 - the default is used then; logged
            log(f"note: set_attn_implementation('sdpa') failed: {e}")
    # tame: the spec's ranges make a chaotic 35-layer model, whose logits no parity check can compare
    # (tools/gpu/gemma3n_reference.py); speed does not depend on the values.
    gref.randomise(model, 1234, tame=True)
    model.config.architectures = ["Gemma3nForConditionalGeneration"]
    model.config.save_pretrained(out)
    n, total, shards = gref.save_weights(model, out)
    if a.gemma_tokenizer and os.path.exists(a.gemma_tokenizer):
        write_tokenizer(a.gemma_tokenizer, out)
        tok_note = a.gemma_tokenizer
    else:
        tiny = os.path.join(HERE, "..", "..", "tests", "fixtures", "gemma3n_tokenizer_tiny", "tokenizer.json")
        write_tokenizer(tiny, out)
        tok_note = "tests/fixtures/gemma3n_tokenizer_tiny (the real Gemma 3 tokenizer was not carried)"
    torch.cuda.empty_cache()
    log(f"Gemma 3n E4B: {sum(p.numel() for p in model.parameters()) / 1e9:.2f} B parameters, {n} tensors "
        f"({total / 2**30:.1f} GiB) saved to {out} in {time.time() - t0:.1f} s; tokenizer {tok_note}")
    return model, tok_note


# ---------------------------------------------------------------------------------------------- 3. measure

def sync(torch):
    torch.cuda.synchronize()


class Stage:
    """Peak memory of one stage attributable to its own model: the stage's peak minus what other models held."""

    def __init__(self, torch, own_weight_bytes):
        self.torch = torch
        self.base = torch.cuda.memory_allocated() - own_weight_bytes
        torch.cuda.reset_peak_memory_stats()

    def peak_gib(self):
        return (self.torch.cuda.max_memory_allocated() - self.base) / 2**30


def weight_bytes(model):
    return sum(p.numel() * p.element_size() for p in model.parameters())


def timed(torch, fn):
    sync(torch)
    t0 = time.time()
    r = fn()
    sync(torch)
    return time.time() - t0, r


def ours_prompt_tokens(ours, stage, default):
    try:
        toks = ours[stage]["prompt_tokens"]
        return int(round(sum(toks) / len(toks)))
    except (KeyError, TypeError, ZeroDivisionError):
        return default


def measure_layout(a, torch, model, ref, plan, ours, steps):
    from PIL import Image
    from transformers import Qwen2ForCausalLM
    pages = plan["pages"]
    n = len(pages)
    res = {"scheme": f"static batches of {STATIC_BATCH} (here one batch of {min(n, STATIC_BATCH)}), "
                     "transformers generate, sdpa, vision one page at a time"}
    stage = Stage(torch, weight_bytes(model))
    vt = model.vision_tower
    # processor (CPU): the spec's slow Qwen2VL order, as tools/gpu/dots_ocr_reference.py implements it
    proc_s = []
    inputs = []
    for p in (pages * 3)[:3]:
        t0 = time.time()
        img = Image.open(p["png"])
        h, w = ref.smart_resize_dims(img.height, img.width)
        pv, grid = ref.pixel_values_of(img, h, w)
        proc_s.append(time.time() - t0)
        inputs.append((pv, grid))
    pv, grid = inputs[0]
    g = torch.tensor([grid], dtype=torch.int64, device="cuda")
    vis = []
    with torch.no_grad():
        for k in range(3):  # the first is a warm-up
            pvk = inputs[k][0].to("cuda", torch.bfloat16)
            s, feats = timed(torch, lambda: vt(pvk, g, bf16=True))
            vis.append(s)
    res["processor_s_per_page"] = {"value": sum(proc_s[1:]) / 2, "how": "measured on 2 pages (CPU)"}
    res["vision_s_per_page"] = {"value": sum(vis[1:]) / 2, "how": "measured on 2 pages"}
    res["vision_patches"] = int(pv.shape[0])
    # prompt: one page's image tokens plus the task text, as long as LayoutLens's prompt
    n_img = grid[1] * grid[2] // 4
    plen = ours_prompt_tokens(ours, "layout", n_img + 217)
    gen = torch.Generator().manual_seed(7)
    text = torch.randint(0, 151643, (max(1, plen - n_img - 5),), generator=gen).tolist()
    ids = [151670, 151666] + [model.config.image_token_id] * n_img + [151667] + text + [151671, 151672]
    ids = torch.tensor(ids, device="cuda")
    with torch.no_grad():
        emb = model.get_input_embeddings()(ids)
        emb = emb.masked_scatter((ids == model.config.image_token_id)[:, None].expand_as(emb), feats.to(emb.dtype))
    batch = min(n, STATIC_BATCH)
    embeds = emb[None].expand(batch, -1, -1).contiguous()
    res["prompt_tokens"] = int(ids.numel())
    res["batch"] = batch
    with torch.device("meta"):
        q = Qwen2ForCausalLM(model.config)
    q.model, q.lm_head = model.model, model.lm_head
    q.eval()
    never = model.config.vocab_size + 1000
    mask = torch.ones(embeds.shape[:2], dtype=torch.long, device="cuda")

    def generate(k, b=batch):
        return q.generate(inputs_embeds=embeds[:b], attention_mask=mask[:b], max_new_tokens=k,
                          do_sample=False, eos_token_id=never, pad_token_id=0)

    with torch.no_grad():
        generate(2, 1)  # warm-up
        t1, _ = timed(torch, lambda: generate(1))
        ts, out = timed(torch, lambda: generate(1 + steps))
    res["prefill_s_batch"] = {"value": t1, "how": f"measured: generate of 1 token on the batch of {batch}"}
    res["step_s"] = {"value": (ts - t1) / steps,
                     "how": f"measured: (generate of {1 + steps} - generate of 1) / {steps}, batch {batch}"}
    res["generated_check"] = int(out.shape[1])
    lengths = [p["layout_tokens"] for p in pages]
    total = 0.0
    for b0 in range(0, n, STATIC_BATCH):
        chunk = lengths[b0:b0 + STATIC_BATCH]
        total += (len(chunk) * (res["processor_s_per_page"]["value"] + res["vision_s_per_page"]["value"])
                  + t1 * len(chunk) / batch + (max(chunk) - 1) * res["step_s"]["value"])
    res["stage_s"] = {"value": total, "how": "extrapolated: per batch, pages x (processor + vision) + prefill + "
                                             "(longest length - 1) x step (a static batch waits for its longest page)"}
    res["tokens"] = sum(lengths)
    res["peak_gib"] = stage.peak_gib()
    log(f"layout: processor {res['processor_s_per_page']['value']:.2f} s, vision {res['vision_s_per_page']['value']:.2f} s"
        f"/page, prefill {t1:.2f} s (batch {batch}), step {res['step_s']['value'] * 1e3:.1f} ms -> stage {total:.1f} s")
    del embeds, emb, feats
    torch.cuda.empty_cache()
    return res


def gemma_ids(config, n_prompt, seed):
    """The chat layout of an image + text user turn (spec §4.3) with random text ids, n_prompt long."""
    bos, sot, eot, nl = 2, 105, 106, 107
    img = config.image_token_id
    n_img = config.vision_soft_tokens_per_image
    g = random.Random(seed)
    words = lambda k: [g.randrange(3, 255000) for _ in range(k)]  # noqa: E731 - plain text ids
    head = [bos, sot] + words(1) + [nl]
    block = words(1) + [config.boi_token_id] + [img] * n_img + [config.eoi_token_id] + words(1)
    tail = [eot, nl, sot] + words(1) + [nl]
    fill = max(1, n_prompt - len(head) - len(block) - len(tail))
    return head + block + words(fill) + tail


def measure_gemma_request(torch, model, pil_image, n_prompt, tokens, steps, seed):
    """One request the reference way (batch 1): returns processor, vision, prefill (1-token generate) and step."""
    import numpy as np
    t0 = time.time()
    im = pil_image.convert("RGB").resize((768, 768))
    pv = torch.from_numpy(np.asarray(im, dtype=np.float32) / 255.0).permute(2, 0, 1)[None]
    proc = time.time() - t0
    pv = pv.to("cuda", torch.bfloat16)
    ids = torch.tensor([gemma_ids(model.config, n_prompt, seed)], device="cuda")
    never = model.config.text_config.vocab_size + 1000

    def generate(k):
        return model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), pixel_values=pv,
                              max_new_tokens=k, do_sample=False, eos_token_id=never, pad_token_id=0)

    def greedy_loop(k):
        """Fallback if generate() fails under this transformers: the same forward passes and KV cache."""
        mask = torch.ones_like(ids)
        out = model(input_ids=ids, pixel_values=pv, attention_mask=mask, use_cache=True)
        nxt = out.logits[:, -1].argmax(-1, keepdim=True)
        seq = [nxt]
        for _ in range(k - 1):
            mask = torch.cat([mask, mask.new_ones(1, 1)], 1)
            out = model(input_ids=nxt, past_key_values=out.past_key_values, attention_mask=mask, use_cache=True)
            nxt = out.logits[:, -1].argmax(-1, keepdim=True)
            seq.append(nxt)
        return torch.cat([ids] + seq, 1)

    how = "generate"
    with torch.no_grad():
        try:
            vis, _ = timed(torch, lambda: model.model.get_image_features(pixel_values=pv))
        except Exception as e:  # noqa: BLE001 - only a detail of the report
            log(f"note: get_image_features failed: {e}")
            vis = None
        try:
            t1, _ = timed(torch, lambda: generate(1))
            ts, out = timed(torch, lambda: generate(1 + steps))
        except Exception as e:  # noqa: BLE001 - measured the other way, and said so
            log(f"WARNING: Gemma generate failed ({type(e).__name__}: {e}); a greedy loop over forward() instead")
            how = "greedy loop over forward() with the KV cache (generate failed)"
            t1, _ = timed(torch, lambda: greedy_loop(1))
            ts, out = timed(torch, lambda: greedy_loop(1 + steps))
    step = (ts - t1) / steps
    return {"processor_s": proc, "vision_s": vis, "prefill_s": t1, "step_s": step, "prompt_tokens": ids.shape[1],
            "generated_check": int(out.shape[1] - ids.shape[1]), "tokens": tokens, "how": how,
            "extrapolated_s": proc + t1 + (tokens - 1) * step}


def measure_gemma(a, torch, model, plan, ours, steps):
    from PIL import Image
    pages = plan["pages"]
    res = {"scheme": "Gemma3nForConditionalGeneration.generate, batch 1: one crop / one page at a time, sdpa"}
    stage = Stage(torch, weight_bytes(model))
    page0 = Image.open(pages[0]["png"])
    with torch.no_grad():  # warm-up
        measure_gemma_request(torch, model, page0, 300, 2, 1, 0)
    crop_prompt = ours_prompt_tokens(ours, "crop_ocr", 300)
    x0, y0, x1, y1 = pages[0]["crops"][0]["box"]
    crop = measure_gemma_request(torch, model, page0.crop((x0, y0, x1, y1)), crop_prompt,
                                 pages[0]["crops"][0]["tokens"], steps, 1)
    crop_lengths = [c["tokens"] for p in pages for c in p["crops"]]
    res["crop_ocr"] = {
        "measured_one_crop": crop,
        "stage_s": {"value": sum(crop["processor_s"] + crop["prefill_s"] + (t - 1) * crop["step_s"] for t in crop_lengths),
                    "how": f"extrapolated: sum over {len(crop_lengths)} crops of processor + prefill (vision included) "
                           f"+ (tokens - 1) x step, from one crop measured with a 1-token and a {1 + steps}-token generate"},
        "tokens": sum(crop_lengths), "requests": len(crop_lengths)}
    res["crop_ocr"]["peak_gib"] = stage.peak_gib()
    log(f"crop OCR: prefill {crop['prefill_s']:.3f} s, vision {crop['vision_s'] * 1e3:.0f} ms, step "
        f"{crop['step_s'] * 1e3:.1f} ms -> stage {res['crop_ocr']['stage_s']['value']:.1f} s")
    stage = Stage(torch, weight_bytes(model))
    sum_prompt = ours_prompt_tokens(ours, "summary", 1800)
    summ = measure_gemma_request(torch, model, page0, sum_prompt, pages[0]["summary_tokens"], steps, 2)
    sum_lengths = [p["summary_tokens"] for p in pages]
    res["summary"] = {
        "measured_one_page": summ,
        "stage_s": {"value": sum(summ["processor_s"] + summ["prefill_s"] + (t - 1) * summ["step_s"] for t in sum_lengths),
                    "how": f"extrapolated: sum over {len(sum_lengths)} pages of processor + prefill + (tokens - 1) x step, "
                           f"from one summary measured with a 1-token and a {1 + steps}-token generate"},
        "tokens": sum(sum_lengths), "requests": len(sum_lengths)}
    res["summary"]["peak_gib"] = stage.peak_gib()
    log(f"summary: prompt {summ['prompt_tokens']} tokens, prefill {summ['prefill_s']:.3f} s, step "
        f"{summ['step_s'] * 1e3:.1f} ms -> stage {res['summary']['stage_s']['value']:.1f} s")
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--pages-dir", required=True)
    ap.add_argument("--reference-code", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--ours", help="LayoutLens's result JSON (prompt lengths to match)")
    ap.add_argument("--n", type=int, default=8)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--no-gemma", action="store_true")
    ap.add_argument("--qwen-tokenizer", default=os.path.join(HERE, "..", "..", ".device", "tokenizers", "qwen3", "tokenizer.json"))
    ap.add_argument("--gemma-tokenizer", default=os.path.join(HERE, "..", "..", ".device", "tokenizers", "gemma3", "tokenizer.json.gz"))
    ap.add_argument("--steps", type=int, default=24, help="decode steps measured per reference probe")
    ap.add_argument("--wait-s", type=float, default=480, help="longest wait for WORKDIR/go")
    ap.add_argument("--make-only", action="store_true",
                    help="only write the plan and the checkpoints, then exit (tools/gpu/pipeline_run.sh)")
    a = ap.parse_args()
    if not os.path.exists(a.qwen_tokenizer) and os.path.exists(a.qwen_tokenizer + ".gz"):
        a.qwen_tokenizer += ".gz"  # carried compressed: the device takes 64 MiB in all
    os.makedirs(a.workdir, exist_ok=True)
    for marker in ("ready", "go"):
        if os.path.exists(os.path.join(a.workdir, marker)):
            os.remove(os.path.join(a.workdir, marker))
    result = {"side": "reference", "n": a.n}
    plan = make_plan(a)

    import torch
    import transformers
    torch.set_grad_enabled(False)
    result.update(torch=torch.__version__, transformers=transformers.__version__, gpu=torch.cuda.get_device_name(0))
    t0 = time.time()
    dots, ref = make_dots(a, torch)
    gemma, tok_note = (None, None) if a.no_gemma else make_gemma(a, torch)
    result["make_s"] = time.time() - t0
    result["gemma_tokenizer"] = tok_note
    if a.make_only:
        log(f"checkpoints written to {a.workdir} in {result['make_s']:.1f} s (--make-only)")
        return
    open(os.path.join(a.workdir, "ready"), "w").close()
    log("checkpoints ready; waiting for LayoutLens to finish with the GPU")
    t0 = time.time()
    while not os.path.exists(os.path.join(a.workdir, "go")):
        if time.time() - t0 > a.wait_s:
            sys.exit("reference_pipeline_bench: no go signal; giving up")
        time.sleep(0.5)
    ours = None
    if a.ours and os.path.exists(a.ours):
        with open(a.ours) as f:
            ours = json.load(f)

    def save():
        with open(a.out, "w") as f:
            json.dump(result, f, indent=1)

    try:
        result["layout"] = measure_layout(a, torch, dots, ref, plan, ours, a.steps)
    except Exception as e:  # noqa: BLE001 - report, and still measure Gemma
        log(f"layout FAILED: {type(e).__name__}: {e}")
        result["layout_error"] = f"{type(e).__name__}: {e}"
    save()
    if gemma is not None:
        try:
            result.update(measure_gemma(a, torch, gemma, plan, ours, a.steps))
        except Exception as e:  # noqa: BLE001
            log(f"Gemma FAILED: {type(e).__name__}: {e}")
            result["gemma_error"] = f"{type(e).__name__}: {e}"
    save()
    log(f"wrote {a.out}")


if __name__ == "__main__":
    main()
