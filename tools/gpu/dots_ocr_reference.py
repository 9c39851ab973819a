#!/usr/bin/env python3
"""Reference outputs of dots.ocr's own modeling code, for our C++ model to match (GPU machine or CPU).

Builds DotsOCRForCausalLM from a public copy of the reference modeling code (NOT in this repository: fetched
into the git-ignored .device/reference/dots_ocr/ and carried to the GPU machine) with seeded random weights,
saves it with its real tensor names next to a config.json with the real nesting, runs it on real page
images, and writes reference.safetensors:

  pixel_values f32 [N, 588], image_grid_thw i64 [n, 3], input_ids i64 [L]         (inputs, shared by all dtypes)
  vision_features_<dt> f32 [N/4, hidden]      vision tower + merger
  inputs_embeds_<dt>   f32 [L, hidden]        prepare_inputs_embeds (the splice)
  logits_last_<dt>     f32 [vocab]            logits of the last prompt position (full forward)
  prompt_logits_<dt>   f32 [L, vocab]         every prompt position (tiny only)
  greedy_<dt>          i64 [T]                T greedy tokens through the reference's KV cache

plus reference.json (versions, adaptations, timings). <dt> is float32 and, on CUDA, bfloat16.

Adaptations of the reference code (notes/reference-baseline.md), all done here at run time, none in its files:
  * apply_rotary_pos_emb_vision is restored to the original HF body (the public copy, as49537023/dots_ocr at
    a3e0f11, the fork's first version of the file, changed only that function; its later commits also broke the
    merge-window position order, so they are not used); the rotary module is rebuilt before each run, which
    recomputes inv_freq and so avoids the uninitialised non-persistent buffer transformers 5 leaves;
  * vision and text attention run through "sdpa" (no flash-attn on the machine);
  * the vision tower's input cast follows the HF fix e4689a1: bf16 only if the weights are bf16 (fp32 runs);
  * AutoProcessor/CONFIG_MAPPING registration errors under transformers 5 are reported and ignored;
  * generation is a plain greedy loop over forward() with a DynamicCache (not generate(), whose 5.x
    prepare_inputs_for_generation breaks the original's first-step test).

Usage: dots_ocr_reference.py OUT_DIR --size tiny|full --image PAGE.png [--image2 PNG] --reference-code DIR
       [--device cuda] [--new-tokens 64] [--seed 1234] [--dpi-note TEXT]
"""
import argparse
import functools
import json
import math
import os
import sys
import time

import numpy as np
import torch
from PIL import Image
from safetensors.torch import save_file

MEAN = (0.48145466, 0.4578275, 0.40821073)
STD = (0.26862954, 0.26130258, 0.27577711)

# Text/vision settings that differ from the released config.json (the rest is the release).
SIZES = {
    # < 2 MB with its inputs and outputs: committed as tests/fixtures/dots_ocr_tiny.
    "tiny": dict(text=dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                           intermediate_size=128, vocab_size=1024, max_position_embeddings=4096),
                 vision=dict(embed_dim=32, hidden_size=64, intermediate_size=64, num_hidden_layers=2,
                             num_attention_heads=2),
                 image_token_id=1000),
    "full": dict(text={}, vision={}, image_token_id=151665),
}
RELEASED_TEXT = dict(hidden_size=1536, num_hidden_layers=28, num_attention_heads=12, num_key_value_heads=2,
                     intermediate_size=8960, vocab_size=151936, max_position_embeddings=131072)
RELEASED_VISION = dict(embed_dim=1536, hidden_size=1536, intermediate_size=4224, num_hidden_layers=42,
                       num_attention_heads=12, num_channels=3, patch_size=14, post_norm=True, rms_norm_eps=1e-05,
                       spatial_merge_size=2, temporal_patch_size=1, use_bias=False, attn_implementation="sdpa",
                       init_merger_std=0.02, initializer_range=0.02, is_causal=False)


def config_json(size):
    s = SIZES[size]
    text = dict(RELEASED_TEXT, **s["text"])
    vision = dict(RELEASED_VISION, **s["vision"])
    return {
        "architectures": ["DotsOCRForCausalLM"], "model_type": "dots_ocr", "attention_bias": True,
        "attention_dropout": 0.0, "hidden_act": "silu", "initializer_range": 0.02, **text,
        "max_window_layers": text["num_hidden_layers"], "rms_norm_eps": 1e-06, "rope_scaling": None,
        "rope_theta": 1000000.0, "sliding_window": None, "tie_word_embeddings": False, "torch_dtype": "bfloat16",
        "use_cache": True, "use_sliding_window": False, "image_token_id": s["image_token_id"],
        "video_token_id": 151656 if size == "full" else s["image_token_id"] + 1, "vision_config": vision,
    }


def import_reference(code_dir):
    import transformers
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING

    def tolerant(register):
        @functools.wraps(register)
        def wrapped(*args, **kwargs):
            try:
                return register(*args, **kwargs)
            except Exception as e:  # transformers 5 refuses some of the 4.x-era registrations
                print(f"note: {register.__qualname__}{args[:1]} failed under transformers {transformers.__version__}: {e}")
        return wrapped

    transformers.AutoProcessor.register = tolerant(transformers.AutoProcessor.register)
    CONFIG_MAPPING.register = tolerant(CONFIG_MAPPING.register)
    sys.path.insert(0, os.path.dirname(os.path.abspath(code_dir)))
    package = os.path.basename(os.path.abspath(code_dir))
    ocr = __import__(f"{package}.modeling_dots_ocr", fromlist=["x"])
    vision = __import__(f"{package}.modeling_dots_vision", fromlist=["x"])
    config = __import__(f"{package}.configuration_dots", fromlist=["x"])

    def apply_rotary_pos_emb_vision(tensor, freqs):  # the original HF body (SGLang's copy agrees)
        orig_dtype = tensor.dtype
        tensor = tensor.float()
        cos = freqs.cos()
        sin = freqs.sin()
        cos = cos.unsqueeze(1).repeat(1, 1, 2).unsqueeze(0).float()
        sin = sin.unsqueeze(1).repeat(1, 1, 2).unsqueeze(0).float()
        output = (tensor * cos) + (vision.rotate_half(tensor) * sin)
        return output.to(orig_dtype)

    vision.apply_rotary_pos_emb_vision = apply_rotary_pos_emb_vision
    return ocr, vision, config


def smart_resize_dims(h, w, factor=28, min_pixels=3136, max_pixels=11289600):
    hb, wb = round(h / factor) * factor, round(w / factor) * factor
    if hb * wb > max_pixels:
        beta = math.sqrt(h * w / max_pixels)
        hb, wb = math.floor(h / beta / factor) * factor, math.floor(w / beta / factor) * factor
    elif hb * wb < min_pixels:
        beta = math.sqrt(min_pixels / (h * w))
        hb, wb = math.ceil(h * beta / factor) * factor, math.ceil(w * beta / factor) * factor
    return max(hb, factor), max(wb, factor)


def pixel_values_of(img, height, width):
    """specs/dots-ocr.md §4.3 (slow Qwen2VLImageProcessor order): bicubic resize, rescale, normalise, patchify."""
    img = img.convert("RGB").resize((width, height), Image.BICUBIC)
    x = np.asarray(img, dtype=np.float64) * (1 / 255.0)
    x = ((x.astype(np.float32) - np.array(MEAN, np.float32)) / np.array(STD, np.float32)).transpose(2, 0, 1)
    gh, gw = height // 14, width // 14
    x = x.reshape(3, gh // 2, 2, 14, gw // 2, 2, 14).transpose(1, 4, 2, 5, 0, 3, 6)
    return torch.from_numpy(np.ascontiguousarray(x).reshape(gh * gw, 3 * 14 * 14)), [1, gh, gw]


def make_inputs(size, image, image2, cfg):
    page = Image.open(image)
    if size == "tiny":
        # Two small views of the page, of different sizes: the whole page and its top half.
        crops = [(page, 84, 56), (page.crop((0, 0, page.width, page.height // 2)), 84, 112)]
    else:
        h, w = smart_resize_dims(page.height, page.width)
        crops = [(page, h, w)]
        if image2:
            p2 = Image.open(image2)
            crops.append((p2, *smart_resize_dims(p2.height, p2.width)))
    pixels, grids = zip(*(pixel_values_of(img, h, w) for img, h, w in crops))
    img_tok = cfg["image_token_id"]
    g = torch.Generator().manual_seed(99)
    if size == "tiny":
        user, img_start, img_end, end_user, assistant = 1001, 1002, 1003, 1004, 1005
        text = torch.randint(0, 999, (12,), generator=g).tolist()
    else:
        user, img_start, img_end, end_user, assistant = 151670, 151666, 151667, 151671, 151672
        text = torch.randint(0, 151643, (180,), generator=g).tolist()  # stands in for prompt_layout_all_en
    ids = [user]
    for _, gh, gw in grids:
        ids += [img_start] + [img_tok] * (gh * gw // 4) + [img_end]
    ids += text + [end_user, assistant]
    return torch.cat(pixels, 0), torch.tensor(grids, dtype=torch.int64), torch.tensor(ids, dtype=torch.int64)


@torch.no_grad()
def randomise(model, seed, device):
    """Trained-like scales (std 1/sqrt(fan_in), norms near 1, non-zero biases): attention is far from
    uniform and every tensor, bias and norm weight moves the outputs. Token embeddings at std 1 and the
    residual-branch outputs scaled down keep greedy decoding input-dependent at full depth (with plain
    1/sqrt(fan_in) everywhere the full-size model emitted one token 64 times)."""
    g = torch.Generator(device=device).manual_seed(seed)
    text_layers = model.config.num_hidden_layers
    vision_layers = model.vision_tower.config.num_hidden_layers
    for name, p in sorted(model.named_parameters()):
        if p.dim() >= 2:
            fan_in = p[0].numel()
            std = 1.0 / math.sqrt(fan_in)
            if name.endswith("embed_tokens.weight"):
                std = 1.0  # the current token must still matter after 28 residual layers
            elif name.endswith(("o_proj.weight", "down_proj.weight")):
                std /= math.sqrt(2 * text_layers)  # residual-branch outputs scaled as in GPT-2's init
            elif name.endswith(("attn.proj.weight", "mlp.fc2.weight")):
                std /= math.sqrt(2 * vision_layers)
            p.copy_(std * torch.randn(p.shape, generator=g, device=device))
        elif name.endswith(".bias"):
            p.copy_(0.05 * torch.randn(p.shape, generator=g, device=device))
        else:
            p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=g, device=device))


def save_weights(model, out_dir, size):
    state = {k: v.detach() for k, v in model.state_dict().items() if "rotary" not in k}
    if size == "tiny":
        save_file({k: v.float().cpu().contiguous() for k, v in state.items()}, os.path.join(out_dir, "model.safetensors"))
        return len(state)
    # Full size: bf16 like the release, the conv bias as F32 (seen in a sibling checkpoint), in two shards.
    stored = {}
    for k, v in state.items():
        v = v.to(torch.bfloat16)
        if k == "vision_tower.patch_embed.patchifier.proj.bias":
            v = v.float()
        stored[k] = v.cpu().contiguous()
    shards = [{k: v for k, v in stored.items() if k.startswith("vision_tower.") or "embed_tokens" in k},
              {k: v for k, v in stored.items() if not (k.startswith("vision_tower.") or "embed_tokens" in k)}]
    weight_map = {}
    for i, shard in enumerate(shards):
        fname = f"model-{i + 1:05d}-of-{len(shards):05d}.safetensors"
        save_file(shard, os.path.join(out_dir, fname), metadata={"format": "pt"})
        weight_map.update({k: fname for k in shard})
    total = sum(v.numel() * v.element_size() for v in stored.values())
    with open(os.path.join(out_dir, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=1)
    # Both sides must compute with the stored (bf16-rounded) values.
    with torch.no_grad():
        for k, p in model.state_dict().items():
            if k in stored:
                p.copy_(stored[k].to(p.dtype))
    return len(stored)


def sync(device):
    if device.startswith("cuda"):
        torch.cuda.synchronize()


@torch.no_grad()
def run(model, vision_mod, dtype, device, pixels, grid, ids, image_token_id, new_tokens, keep_prompt_logits):
    from transformers import DynamicCache
    model.to(device=device, dtype=dtype)
    head_dim = model.vision_tower.config.embed_dim // model.vision_tower.config.num_attention_heads
    model.vision_tower.rotary_pos_emb = vision_mod.VisionRotaryEmbedding(head_dim // 2).to(device)
    vt = model.vision_tower
    vt.forward = functools.partial(type(vt).forward, vt, bf16=(dtype == torch.bfloat16))
    pv, g, x = pixels.to(device), grid.to(device), ids.to(device)[None]
    out, times = {}, {}
    sync(device); t0 = time.time()
    feats = vt(pv, g)
    sync(device); times["vision_s"] = time.time() - t0
    out["vision_features"] = feats.float().cpu()
    out["inputs_embeds"] = model.prepare_inputs_embeds(x, pv, g, x == image_token_id)[0].float().cpu()
    sync(device); t0 = time.time()
    logits = model(input_ids=x, pixel_values=pv, image_grid_thw=g, use_cache=False).logits[0]
    sync(device); times["prompt_forward_s"] = time.time() - t0
    out["logits_last"] = logits[-1].float().cpu()
    if keep_prompt_logits:
        out["prompt_logits"] = logits.float().cpu()
    del logits
    cache = DynamicCache()
    step = model(input_ids=x, pixel_values=pv, image_grid_thw=g, past_key_values=cache, use_cache=True)
    tokens = []
    sync(device); t0 = time.time()
    for _ in range(new_tokens):
        nxt = step.logits[0, -1].float().argmax()
        tokens.append(int(nxt))
        step = model(input_ids=nxt.view(1, 1), past_key_values=step.past_key_values, use_cache=True)
    sync(device); times["decode_ms_per_step"] = 1000 * (time.time() - t0) / max(1, new_tokens)
    out["greedy"] = torch.tensor(tokens, dtype=torch.int64)
    return out, times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir")
    ap.add_argument("--size", choices=sorted(SIZES), required=True)
    ap.add_argument("--image", required=True)
    ap.add_argument("--image2")
    ap.add_argument("--reference-code", required=True)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--new-tokens", type=int, default=64)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--image-note", default="")
    a = ap.parse_args()
    os.makedirs(a.out_dir, exist_ok=True)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False

    ocr, vision_mod, config_mod = import_reference(a.reference_code)
    cfg = config_json(a.size)
    with open(os.path.join(a.out_dir, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    kwargs = {k: v for k, v in cfg.items()
              if k not in ("architectures", "model_type", "torch_dtype", "rope_theta", "rope_scaling")}
    kwargs["rope_parameters"] = {"rope_type": "default", "rope_theta": cfg["rope_theta"]}
    # The tiny reference runs on the CPU, where the reference's sdpa class (memory-efficient kernel only) has
    # no kernel: its eager class there (dense finfo.min mask, float32 softmax) is the plain-math definition.
    kwargs["vision_config"] = dict(cfg["vision_config"], attn_implementation="eager" if a.size == "tiny" else "sdpa")
    config = config_mod.DotsOCRConfig(**kwargs)
    config._attn_implementation = "sdpa"
    build_device = a.device if a.size == "full" else "cpu"
    t0 = time.time()
    with torch.device(build_device):
        model = ocr.DotsOCRForCausalLM(config).eval()
    randomise(model, a.seed, build_device)
    n_saved = save_weights(model, a.out_dir, a.size)
    build_s = time.time() - t0
    # The decoder must be plain Qwen2 RoPE with theta 1e6 (checked, since transformers 5 renamed the field).
    rotary = getattr(getattr(model, "model", None), "rotary_emb", None)
    if rotary is not None and hasattr(rotary, "inv_freq"):
        d = cfg["hidden_size"] // cfg["num_attention_heads"]
        expected_inv = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, d, 2, dtype=torch.float) / d))
        assert torch.allclose(rotary.inv_freq.float().cpu(), expected_inv), "text RoPE inv_freq is not theta 1e6"
    else:
        print("note: model.model.rotary_emb.inv_freq not found; text RoPE theta not checked here")
    assert not model.config.tie_word_embeddings, "lm_head must be untied"

    pixels, grid, ids = make_inputs(a.size, a.image, a.image2, cfg)
    tensors = {"pixel_values": pixels.contiguous(), "image_grid_thw": grid, "input_ids": ids}
    dtypes = [torch.float32] + ([torch.bfloat16] if a.device.startswith("cuda") else [])
    timings = {}
    for dt in dtypes:
        name = str(dt).replace("torch.", "")
        out, times = run(model, vision_mod, dt, a.device if a.size == "full" or dt == torch.bfloat16 else "cpu",
                         pixels, grid, ids, cfg["image_token_id"], a.new_tokens, a.size == "tiny")
        timings[name] = times
        for k, v in out.items():
            tensors[f"{k}_{name}"] = v.contiguous().clone()  # no shared storage (logits_last is a view)
        print(f"reference {a.size} {name}: vision {tuple(out['vision_features'].shape)} logits[-1] argmax "
              f"{int(out['logits_last'].argmax())}, greedy {out['greedy'][:12].tolist()}..., {times}", flush=True)
        model.to(torch.float32)
    save_file(tensors, os.path.join(a.out_dir, "reference.safetensors"))
    import transformers
    meta = {
        "what": "dots.ocr reference outputs on random weights (tools/gpu/dots_ocr_reference.py)",
        "size": a.size, "seed": a.seed, "tensors_saved": n_saved, "image": a.image_note or os.path.basename(a.image),
        "image_grid_thw": grid.tolist(), "prompt_tokens": len(ids), "new_tokens": a.new_tokens,
        "tolerance": {"float32": 1e-4, "bfloat16": 1e-2},
        "reference_code": "as49537023/dots_ocr weights/DotsOCR: modeling_dots_vision.py@a3e0f11, configuration_dots.py@40377eb; "
                          "modeling_dots_ocr.py from a public copy of the HF remote code",
        "adaptations": ["original apply_rotary_pos_emb_vision body, rotary module rebuilt (inv_freq recomputed)",
                        "sdpa attention", "vision input cast per HF fix e4689a1 (bf16 only for bf16 weights)",
                        "greedy loop over forward() with DynamicCache"],
        "torch": torch.__version__, "transformers": transformers.__version__, "device": a.device,
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "build_and_save_s": round(build_s, 2), "timings": timings,
    }
    with open(os.path.join(a.out_dir, "reference.json"), "w") as f:
        json.dump(meta, f, indent=2)
    print(json.dumps(meta, indent=1))


if __name__ == "__main__":
    main()
