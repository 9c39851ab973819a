#!/usr/bin/env python3
"""Reference outputs of transformers' Gemma3nForConditionalGeneration (+ timm's MobileNetV5) for our C++ port.

Builds the model from a Gemma3nConfig written here (no hub, no tokenizer), re-randomises every parameter
(specs/gemma3n.md §7.2: the default init hides features, e.g. correct_output_scale starts at 0), rounds
every parameter to a bfloat16-representable value, saves the weights in bfloat16 with their real names, and
runs the reference on real page crops in float32 (TF32 off, eager attention) and, on CUDA, in bfloat16.
Both sides therefore compute with exactly the stored values.

Sizes:
  tiny            the CI fixture (tests/fixtures/gemma3n_tiny): text 64 wide, 6 layers (sliding 0,1,3,5, full
                  2,4; KV shared from layer 3: consumers of both kinds), window 8, a 288-token vocab
                  (text 256 + vision 16 + audio 16), vision tower at timm's smallest channel_multiplier that
                  keeps the 84-block topology, 256x256 images; fp32 on the CPU (+ bf16 on CUDA)
  tiny-fullvocab  the same widths with the released vocab (262400 / 262144) and token ids; CUDA
  e2b, e4b        the released configurations (spec §1), full 300M vision tower and audio tower, 768x768
                  images, created directly on CUDA; written as bf16 shards + index like the release

Writes into OUT_DIR: config.json, generation_config.json, model.safetensors (or shards + index),
reference.safetensors and reference.json (what each entry is: ids per case, images, dtypes, tolerances,
timings, memory). Tensor names in reference.safetensors:
  image{k}.pixel_u8                   uint8 [1,3,S,S]; the pixels both sides use are u8.float() / 255
  {case}.input_ids                    int64 [T]
  {case}.logits_rows                  int64 [R] prompt positions whose logits are stored
  {case}.{dt}.logits                  f32 [R, vocab] after the soft-cap;   {case}.{dt}.logits_argmax int64 [T]
  {case}.{dt}.inputs_embeds           f32 [T, D]        {case}.{dt}.per_layer_inputs f32 [T, L, P]
  {case}.{dt}.altup_init              f32 [4, T, D]     {case}.{dt}.layer.{l}       f32 [4, T, D]
  {case}.{dt}.final_norm              f32 [T, D]        {case}.{dt}.soft_tokens     f32 [n_img, 256, D]
  {case}.{dt}.vision.{stem,stage0..3,msfa}  f32, strided as reference.json "subsample" says
  {case}.{dt}.greedy                  int64 [N] HF generate (greedy, KV cache, stop tokens disabled)
<dt> is float32 or bfloat16. Which entries exist per case and dtype is listed in reference.json.

Usage: gemma3n_reference.py OUT_DIR --size {tiny,tiny-fullvocab,e2b,e4b} --image PAGE.png
       [--dtypes float32,bfloat16] [--new-tokens N] [--seed S] [--image-note TEXT]
"""
import argparse
import json
import math
import os
import sys
import time
import traceback

try:
    import numpy as np
    import torch
    from PIL import Image
    from safetensors.torch import save_file
except ImportError as e:  # the GPU machine has all of them; say what is missing instead of a bare traceback
    sys.exit(f"gemma3n_reference.py needs torch, numpy, pillow and safetensors: {e}")

SIZES = ("tiny", "tiny-fullvocab", "e2b", "e4b")

# Tiny text decoder: every feature of the real one active on a handful of layers.
TINY_TEXT = dict(
    hidden_size=64, num_hidden_layers=6, num_attention_heads=4, num_key_value_heads=2, head_dim=16,
    intermediate_size=[96, 128, 160, 96, 128, 112], hidden_size_per_layer_input=8, laurel_rank=4,
    sliding_window=8, num_kv_shared_layers=3,
    # first shared layer F = 3: producers 1 (sliding) and 2 (full); consumers 3, 5 (sliding) and 4 (full)
    layer_types=["sliding_attention", "sliding_attention", "full_attention", "sliding_attention", "full_attention",
                 "sliding_attention"],
    activation_sparsity_pattern=[0.95, 0.95, 0.0, 0.0, 0.0, 0.0], max_position_embeddings=4096,
)
TINY_VOCAB = dict(vocab_size=288, vocab_size_per_layer_input=256)
TINY_IDS = dict(boi_token_id=255, eoi_token_id=256, image_token_id=257, boa_token_id=254, eoa_token_id=272,
                audio_token_id=273)
TINY_AUDIO = dict(hidden_size=64, conf_num_hidden_layers=1, conf_num_attention_heads=2)  # never run
# timm scales stage widths by channel_multiplier (min 8 channels); attention heads/key dims and the 2048-wide
# MSFA output are fixed, so the tower stays ~6.6M parameters whatever the multiplier. The first that builds wins.
TINY_VISION_MULTIPLIERS = (0.0625, 0.125, 0.25)

E2B_TEXT = dict(num_hidden_layers=30, intermediate_size=8192, num_kv_shared_layers=10)  # rest = defaults (E4B)
E4B_TEXT = dict()

# Chat-template token ids of the released tokenizer (spec §4.2); in the tiny vocab the same small ids are used.
BOS, START_OF_TURN, END_OF_TURN, NEWLINE = 2, 105, 106, 107
TOLERANCE = {"float32": 1e-4, "bfloat16": 1e-2}


def fail(msg):
    print(f"gemma3n_reference.py: ERROR: {msg}", file=sys.stderr, flush=True)
    sys.exit(2)


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ---------------------------------------------------------------------------------------------- model building

def make_config(size, vision_multiplier):
    from transformers import Gemma3nConfig
    if size in ("tiny", "tiny-fullvocab"):
        text = dict(TINY_TEXT, **(TINY_VOCAB if size == "tiny" else {}))
        vision = dict(architecture="mobilenetv5_300m_enc", model_args={"channel_multiplier": vision_multiplier},
                      do_pooling=False)
        audio = dict(TINY_AUDIO)
        ids = {}
        if size == "tiny":
            vision.update(vocab_offset=256, vocab_size=16)
            audio.update(vocab_offset=272, vocab_size=16)
            ids = dict(TINY_IDS)
        config = Gemma3nConfig(text_config=text, vision_config=vision, audio_config=audio, **ids)
    else:
        text = dict(E2B_TEXT if size == "e2b" else E4B_TEXT)
        config = Gemma3nConfig(text_config=text)  # vision/audio: the released defaults (full towers)
    for c in (config, config.text_config, config.vision_config, config.audio_config):
        try:
            c._attn_implementation = "eager"
        except Exception as e:  # noqa: BLE001 - report, the check after construction decides
            log(f"note: could not set eager attention on {type(c).__name__}: {e}")
    return config


def check_config(config, size):
    """The settings the C++ port must see: fail loudly if transformers interpreted the config differently."""
    t = config.text_config
    problems = []
    if t.num_hidden_layers - t.num_kv_shared_layers <= 0:
        problems.append("no non-shared layers")
    first = t.num_hidden_layers - t.num_kv_shared_layers
    kinds = {"sliding_attention", "full_attention"}
    consumers = {t.layer_types[i] for i in range(first, t.num_hidden_layers)}
    producers = {t.layer_types[i] for i in range(first)}
    if size.startswith("tiny") and consumers != kinds:
        problems.append(f"tiny must have sliding and full KV consumers, layer_types={t.layer_types}")
    if not consumers <= producers:
        problems.append(f"a consumer kind has no producer: {t.layer_types}")
    if len(t.intermediate_size) != t.num_hidden_layers:
        problems.append(f"intermediate_size {t.intermediate_size}")
    if problems:
        fail("unexpected Gemma3n config under this transformers: " + "; ".join(problems))
    rp = getattr(t, "rope_parameters", None)
    try:
        thetas = (rp["full_attention"]["rope_theta"], rp["sliding_attention"]["rope_theta"])
    except (TypeError, KeyError):
        thetas = None
    if thetas != (1_000_000.0, 10_000.0):
        log(f"WARNING: rope_parameters {rp} (expected full 1e6 / sliding 1e4; the C++ side reads config.json)")


def build_model(size, device, seed):
    from transformers import Gemma3nForConditionalGeneration
    errors = []
    multipliers = TINY_VISION_MULTIPLIERS if size.startswith("tiny") else (None,)
    for mult in multipliers:
        config = make_config(size, mult)
        check_config(config, size)
        try:
            with torch.device(device):
                model = Gemma3nForConditionalGeneration(config)
            model.eval()
            if size.startswith("tiny"):
                prune_tiny_tower(model)
            if hasattr(model, "set_attn_implementation"):
                try:
                    model.set_attn_implementation("eager")
                except Exception as e:  # noqa: BLE001 - the log line after building shows what is used
                    log(f"note: set_attn_implementation('eager') failed: {e}")
            return model, config, mult
        except Exception as e:  # noqa: BLE001 - try the next multiplier, report all
            errors.append(f"channel_multiplier {mult}: {type(e).__name__}: {e}")
            log(f"building with channel_multiplier {mult} failed: {e}")
    fail("could not build Gemma3nForConditionalGeneration: " + " | ".join(errors))


def prune_tiny_tower(model):
    """Keeps the test fixture a few MB: timm's channel_multiplier scales only the stage widths (attention heads and
    key sizes stay full), so 33 attention blocks alone are ~5M parameters. Every block type and every code path
    stays (ER, UIR with and without depthwise convs, stride-2 first blocks, MQA with and without K/V downsampling,
    MSFA); only repeats of the same block are dropped. Stages keep their first block, their first attention block
    and the block after it. The C++ side infers the structure from the tensor names, so the renumbered blocks
    (blocks.2.1 is timm's old blocks.2.9) are what it reads."""
    timm_model = model.model.vision_tower.timm_model
    stages = []
    for s, stage in enumerate(timm_model.blocks):
        blocks = list(stage)
        keep = [0, 1] if len(blocks) > 1 else [0]
        attn = [i for i, b in enumerate(blocks) if "attention" in type(b).__name__.lower()]
        if attn:
            keep = [0, attn[0]] + ([attn[0] + 1] if attn[0] + 1 < len(blocks) else [])
        stages.append(torch.nn.Sequential(*[blocks[i] for i in keep]))
        log(f"tiny tower: stage {s} keeps blocks {keep} of {len(blocks)} "
            f"({', '.join(type(blocks[i]).__name__ for i in keep)})")
    timm_model.blocks = torch.nn.Sequential(*stages)


@torch.no_grad()
def randomise(model, seed, tame=False):
    """specs/gemma3n.md §7.2, then round every parameter to bf16 (the file stores bf16; both sides compute
    with those exact values).

    tame (the full-size models): §7.2's ranges make a 30-35-layer random model chaotic: attention scores are
    q·k over 256 dims of unit-RMS vectors times U(0.5, 1.5)² norm weights with scaling 1.0 (std ~20, softmax
    is an argmax), and AltUp coefficients of N(0, 0.2²) compound over the layers. Measured on an H200: float32
    rounding differences (1e-6 at layer 0) then grow about 1.25x per layer, and transformers' own bf16 run
    differs from its float32 run by 84 % on the logits. So the full-size models use q/k norm weights
    U(0.15, 0.3), other 1-D weights U(0.8, 1.2) and AltUp coefficients N(0, 0.05²): every path still active,
    but a parity check that measures the code, not the chaos."""
    device = next(model.parameters()).device
    g = torch.Generator(device=device).manual_seed(seed)
    counts = {}
    for name, p in sorted(model.named_parameters()):
        shape, kind = p.shape, None
        if name.endswith(("altup.prediction_coefs.weight", "altup.correction_coefs.weight")):
            kind, val = "altup_coefs", (0.05 if tame else 0.2) * torch.randn(shape, generator=g, device=device)
        elif name.endswith(("embed_tokens.weight", "embed_tokens_per_layer.weight", "embedding.weight")):
            kind, val = "embedding", 0.05 * torch.randn(shape, generator=g, device=device)
        elif p.dim() >= 2:
            fan_in = max(1, p[0].numel())
            kind, val = "matrix", torch.randn(shape, generator=g, device=device) / math.sqrt(fan_in)
        elif name.endswith(".bias"):
            kind, val = "bias", 0.1 * torch.randn(shape, generator=g, device=device)
        elif tame and name.endswith(("self_attn.q_norm.weight", "self_attn.k_norm.weight")):
            kind, val = "qk_norm", 0.15 + 0.15 * torch.rand(shape, generator=g, device=device)
        elif tame:
            kind, val = "vector", 0.8 + 0.4 * torch.rand(shape, generator=g, device=device)
        else:  # norm weights, layer_scale.gamma, correct_output_scale, ...: U(0.5, 1.5), never 0
            kind, val = "vector", 0.5 + torch.rand(shape, generator=g, device=device)
        p.copy_(val.to(torch.bfloat16).to(p.dtype))
        counts[kind] = counts.get(kind, 0) + 1
    head = getattr(model, "lm_head", None)
    embed = model.model.language_model.embed_tokens.weight
    if head is not None and head.weight.data_ptr() != embed.data_ptr():
        log("WARNING: lm_head is not tied to embed_tokens in this build; copying embed_tokens into it")
        head.weight.copy_(embed)
    scales = [p for n, p in model.named_parameters() if n.endswith("altup.correct_output_scale")]
    if not scales or any(float(s.abs().min()) == 0.0 for s in scales):
        fail("altup.correct_output_scale missing or zero after randomisation")
    return counts


def buffer_snapshot(model):
    return {n: b.detach().clone() for n, b in model.named_buffers()}


def restore_rotary_buffers(model, snapshot):
    """After model.to(bfloat16): HF keeps rotary inv_freq in float32 when a model is loaded in bf16 (it is
    created with an explicit float dtype), so put the float32 values back; other scalar buffers (embed_scale,
    per-layer scales) are cast to bf16 as when transformers builds the model under a bf16 default dtype."""
    restored = 0
    for name, buf in list(model.named_buffers()):
        if name.endswith("inv_freq") and name in snapshot:
            mod_name, _, attr = name.rpartition(".")
            mod = model.get_submodule(mod_name)
            setattr(mod, attr, snapshot[name].to(device=buf.device, dtype=torch.float32))
            restored += 1
    return restored


def state_for_saving(model):
    state = model.state_dict()
    if "lm_head.weight" in state:
        emb = state.get("model.language_model.embed_tokens.weight")
        if emb is None or not torch.equal(state["lm_head.weight"], emb):
            fail("lm_head.weight differs from model.language_model.embed_tokens.weight (the port ties them)")
        del state["lm_head.weight"]
    return state


def as_stored(t):
    t = t.detach()
    return (t.to(torch.bfloat16) if t.is_floating_point() else t).cpu().contiguous()


def save_weights(model, out_dir, shard_bytes=4 << 30):
    state = state_for_saving(model)
    names = sorted(state)
    total = sum(state[n].numel() * 2 for n in names)
    if total <= shard_bytes:
        save_file({n: as_stored(state[n]) for n in names},
                  os.path.join(out_dir, "model.safetensors"), metadata={"format": "pt"})
        return len(names), total, 1
    shards, cur, cur_bytes = [], [], 0
    for n in names:
        b = state[n].numel() * 2
        if cur and cur_bytes + b > shard_bytes:
            shards.append(cur)
            cur, cur_bytes = [], 0
        cur.append(n)
        cur_bytes += b
    shards.append(cur)
    weight_map = {}
    for i, shard in enumerate(shards):
        fname = f"model-{i + 1:05d}-of-{len(shards):05d}.safetensors"
        save_file({n: as_stored(state[n]) for n in shard},
                  os.path.join(out_dir, fname), metadata={"format": "pt"})
        weight_map.update({n: fname for n in shard})
    with open(os.path.join(out_dir, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=1)
    return len(names), total, len(shards)


# ------------------------------------------------------------------------------------------------------ inputs

BILINEAR = getattr(Image, "Resampling", Image).BILINEAR


def page_crops(path, side):
    """Two regions of a real drawing page, resized (PIL bilinear) to side x side RGB uint8 [1, 3, S, S]."""
    if not os.path.isfile(path):
        fail(f"image {path} not found (render it with pdftoppm, see tools/gpu/gemma3n_parity.sh)")
    page = Image.open(path).convert("RGB")
    w, h = page.size
    boxes = [(0.04, 0.04, 0.56, 0.40), (0.40, 0.55, 0.96, 0.96)]
    out = []
    for x0, y0, x1, y1 in boxes:
        crop = page.crop((int(x0 * w), int(y0 * h), int(x1 * w), int(y1 * h))).resize((side, side), BILINEAR)
        arr = np.asarray(crop, dtype=np.uint8).transpose(2, 0, 1)[None]
        out.append(torch.from_numpy(np.ascontiguousarray(arr)))
    return out, [f"box {b} of {os.path.basename(path)} ({w}x{h}) resized to {side}x{side}" for b in boxes]


def text_ids(g, n, lo, hi, avoid):
    ids = []
    while len(ids) < n:
        t = int(torch.randint(lo, hi, (1,), generator=g))
        if t not in avoid:
            ids.append(t)
    return ids


def make_cases(config, size, images):
    """Prompt ids built from the config's token ids (spec §4.3 layout), no tokenizer."""
    t = config.text_config
    boi, eoi, img = config.boi_token_id, config.eoi_token_id, config.image_token_id
    hi = t.vocab_size_per_layer_input  # plain text ids
    avoid = {BOS, START_OF_TURN, END_OF_TURN, NEWLINE, boi, config.boa_token_id, 0, 1}
    g = torch.Generator().manual_seed(4321)
    words = lambda n: text_ids(g, n, 3, hi, avoid)  # noqa: E731
    user, model_, nn = words(3)  # stand-ins for "user", "model", "\n\n"
    n_img = config.vision_soft_tokens_per_image
    head = [BOS, START_OF_TURN, user, NEWLINE]
    tail = [END_OF_TURN, NEWLINE, START_OF_TURN, model_, NEWLINE]
    block = lambda: [nn, boi] + [img] * n_img + [eoi, nn]  # noqa: E731
    window = t.sliding_window
    cases = [
        dict(name="text_short", ids=head + words(2) + [END_OF_TURN], images=[],
             note=f"text only, T < sliding window {window}"),
        dict(name="text_long", ids=head + words(max(20, window + 80) if window > 100 else 14) + tail, images=[],
             note=f"text only, T > sliding window {window}"),
        dict(name="image", ids=head + block() + words(8) + tail, images=[0],
             note="one image + text, chat-template layout (spec §4.3)"),
    ]
    if size == "tiny":
        cases.append(dict(name="two_images", ids=head + block() + words(3) + block() + words(5) + tail,
                          images=[0, 1], note="two images in one prompt"))
    for c in cases:
        if sum(1 for x in c["ids"] if x == img) != n_img * len(c["images"]):
            fail(f"case {c['name']}: image token count does not match its images")
        if c["name"] == "text_long" and len(c["ids"]) <= window:
            fail(f"text_long has {len(c['ids'])} tokens, not more than the window {window}")
        if c["name"] == "text_short" and len(c["ids"]) >= window:
            fail(f"text_short has {len(c['ids'])} tokens, not fewer than the window {window}")
    return cases


# ----------------------------------------------------------------------------------------------------- running

def sync():
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def first_tensor(x):
    if torch.is_tensor(x):
        return x
    if isinstance(x, (tuple, list)) and x and torch.is_tensor(x[0]):
        return x[0]
    return None


class Capture:
    """Forward hooks on the language model (and timm tower) collecting the parity intermediates."""

    def __init__(self, model):
        self.model = model
        self.inner = model.model
        self.lm = self.inner.language_model
        self.timm = getattr(self.inner.vision_tower, "timm_model", None)
        if self.timm is None:
            fail("model.model.vision_tower has no timm_model (is timm >= 1.0.16 installed?)")
        self.out, self.handles, self.enabled = {}, [], False

    def keep(self, key, t):
        if self.enabled and t is not None and key not in self.out:
            # always a copy: transformers scales some outputs in place afterwards (get_image_features does
            # `vision_outputs *= sqrt(hidden)` on the MSFA output), and .float().cpu() of a CPU float32 tensor
            # would alias it
            self.out[key] = t.detach().to(device="cpu", dtype=torch.float32, copy=True)

    def install(self, layers=True, vision=True):
        lm = self.lm
        if layers:
            self.handles.append(lm.register_forward_pre_hook(self._lm_pre, with_kwargs=True))
            self.handles.append(lm.layers[0].register_forward_pre_hook(self._layer0_pre, with_kwargs=True))
            for i, layer in enumerate(lm.layers):
                self.handles.append(layer.register_forward_hook(self._layer_hook(i)))
            self.handles.append(lm.norm.register_forward_hook(lambda m, a, o: self.keep("final_norm", first_tensor(o))))
            orig = lm.project_per_layer_inputs

            def wrapped(*args, **kwargs):
                out = orig(*args, **kwargs)
                self.keep("per_layer_inputs", out)
                return out

            lm.project_per_layer_inputs = wrapped
            self._orig_project = orig
        if vision:
            tm = self.timm
            self.handles.append(tm.conv_stem.register_forward_hook(lambda m, a, o: self.keep("vision.stem", o)))
            for s in range(len(tm.blocks)):
                self.handles.append(tm.blocks[s].register_forward_hook(
                    (lambda s_: lambda m, a, o: self.keep(f"vision.stage{s_}", o))(s)))
            self.handles.append(tm.msfa.register_forward_hook(lambda m, a, o: self.keep("vision.msfa", o)))

    def _lm_pre(self, module, args, kwargs):
        self.keep("inputs_embeds", kwargs.get("inputs_embeds"))

    def _layer0_pre(self, module, args, kwargs):
        self.keep("altup_init", args[0] if args else kwargs.get("hidden_states"))

    def _layer_hook(self, i):
        return lambda m, a, o: self.keep(f"layer.{i}", first_tensor(o))

    def start(self):
        self.out, self.enabled = {}, True

    def stop(self):
        self.enabled = False
        return self.out


def image_features(model, pv):
    out = model.model.get_image_features(pixel_values=pv)
    if torch.is_tensor(out):
        return out
    # transformers 5.x: BaseModelOutputWithPooling whose pooler_output holds the projected soft tokens
    pooled = getattr(out, "pooler_output", None)
    if pooled is not None:
        return pooled
    last = getattr(out, "last_hidden_state", None)
    if last is not None and last.dim() == 3 and last.shape[-1] == model.config.text_config.hidden_size:
        return last
    fail(f"get_image_features returned {type(out).__name__} without soft tokens [images, 256, text hidden]")


@torch.no_grad()
def run_dtype(model, cap, cases, pixels_u8, dtype, device, new_tokens, full_logits, keep_layers, subsample):
    """All cases in one dtype; returns ({name: tensor}, meta)."""
    dt = str(dtype).replace("torch.", "")
    tensors, meta, timings = {}, {}, {}
    vocab = model.config.text_config.vocab_size
    bad_eos = vocab + 1000  # an id no logit row can produce: generation never stops early
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    for case in cases:
        name = case["name"]
        ids = torch.tensor(case["ids"], dtype=torch.long, device=device)[None]
        pv = None
        if case["images"]:
            pv = torch.cat([pixels_u8[i] for i in case["images"]], 0).to(device).float().div(255.0).to(dtype)
        entry = {}
        # vision tower + embedder alone, with the timm hooks
        if pv is not None:
            cap.start()
            sync(); t0 = time.time()
            soft = image_features(model, pv)
            sync(); timings[f"{name}.vision_s"] = time.time() - t0
            vis = cap.stop()
            tensors[f"{name}.{dt}.soft_tokens"] = soft.detach().float().cpu()
            entry["soft_tokens"] = list(soft.shape)
            if case["images"] == [0]:  # stage outputs for the first image only
                for k, v in vis.items():
                    step = subsample.get(k)
                    if step:
                        v = v[tuple(slice(None, None, s) for s in step)]
                    tensors[f"{name}.{dt}.{k}"] = v[0:1].contiguous() if v.dim() == 4 else v
                entry["vision"] = sorted(vis)
        # full forward without cache, with the language-model hooks
        cap.start()
        sync(); t0 = time.time()
        out = model(input_ids=ids, pixel_values=pv, attention_mask=torch.ones_like(ids), use_cache=False)
        sync(); timings[f"{name}.prompt_forward_s"] = time.time() - t0
        got = cap.stop()
        logits = out.logits[0].float()
        del out
        T = ids.shape[1]
        if logits.shape != (T, vocab):
            fail(f"{name}: logits shape {tuple(logits.shape)}, expected {(T, vocab)}")
        rows = list(range(T)) if full_logits else sorted(set(range(max(0, T - 8), T)) | {0, T // 2})
        tensors[f"{name}.logits_rows"] = torch.tensor(rows, dtype=torch.long)
        tensors[f"{name}.{dt}.logits"] = logits[rows].cpu().contiguous()
        tensors[f"{name}.{dt}.logits_argmax"] = logits.argmax(-1).cpu()
        entry["logits_absmax"] = float(logits.abs().max())
        if keep_layers:
            for k, v in got.items():
                if k.startswith("vision."):  # the tower ran again inside forward(); its outputs are kept above
                    continue
                if k == "inputs_embeds" or k == "final_norm":
                    v = v[0]
                elif k == "per_layer_inputs":
                    v = v[0]
                elif k == "altup_init" or k.startswith("layer."):
                    if v.dim() != 4:
                        fail(f"{name}: {k} has shape {tuple(v.shape)}, expected [streams, batch, T, D]")
                    v = v[:, 0]
                tensors[f"{name}.{dt}.{k}"] = v.contiguous()
            if "inputs_embeds" not in got and "altup_init" in got:  # stream 0 of the AltUp stack is the embedding
                tensors[f"{name}.{dt}.inputs_embeds"] = got["altup_init"][0, 0].contiguous()
            missing = [k for k in ("per_layer_inputs", "altup_init", "final_norm", "layer.0") if k not in got]
            if missing:
                log(f"WARNING {name} {dt}: hooks did not capture {missing} (entries left out)")
            entry["intermediates"] = sorted(k for k in tensors if k.startswith(f"{name}.{dt}.") and
                                            not k.endswith(("logits", "logits_argmax", "greedy", "soft_tokens")))
        del logits
        # greedy continuation through HF generate (KV cache)
        if case.get("greedy"):
            n = new_tokens
            try:
                sync(); t0 = time.time()
                seq = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), pixel_values=pv,
                                     max_new_tokens=n, do_sample=False, eos_token_id=bad_eos, pad_token_id=0,
                                     use_cache=True)
                sync(); timings[f"{name}.generate_s"] = time.time() - t0
                new = seq[0, T:].cpu()
                entry["greedy_source"] = "generate"
            except Exception as e:  # noqa: BLE001 - fall back to a cache-free greedy loop, say so
                traceback.print_exc()
                log(f"WARNING {name} {dt}: generate failed ({e}); greedy by full recompute instead")
                cur = ids
                sync(); t0 = time.time()
                for _ in range(n):
                    lg = model(input_ids=cur, pixel_values=pv, attention_mask=torch.ones_like(cur),
                               use_cache=False).logits[0, -1]
                    cur = torch.cat([cur, lg.float().argmax().view(1, 1)], 1)
                sync(); timings[f"{name}.generate_s"] = time.time() - t0
                new = cur[0, T:].cpu()
                entry["greedy_source"] = "full recompute (generate failed)"
            if new.numel() != n:
                log(f"WARNING {name} {dt}: generate returned {new.numel()} new tokens, asked {n}")
            tensors[f"{name}.{dt}.greedy"] = new.to(torch.long)
            # the same tokens re-scored by one cache-free forward: agreement shows HF's cache path is consistent.
            # Not possible when a random model generated the image placeholder id itself (the tiny vocabulary
            # makes that likely): HF would count it as one more image slot.
            entry["greedy_tokens"] = int(new.numel())
            if pv is not None and bool((new[:-1] == model.config.image_token_id).any()):
                log(f"note {name} {dt}: the continuation holds the image token id; cache-free re-score skipped")
                entry["greedy_cache_vs_full_forward_agree"] = -1
            else:
                full = torch.cat([ids, new[:-1].to(device)[None]], 1)
                lg = model(input_ids=full, pixel_values=pv, attention_mask=torch.ones_like(full),
                           use_cache=False).logits[0]
                nocache = lg[T - 1:].float().argmax(-1).cpu()
                del lg
                entry["greedy_cache_vs_full_forward_agree"] = int((nocache[:new.numel()] == new).sum())
            entry["greedy_head"] = new[:16].tolist()
        meta[name] = entry
        log(f"{name} {dt}: T={T} logits absmax {entry['logits_absmax']:.3f}"
            + (f" greedy {entry.get('greedy_head')} (cache vs full {entry.get('greedy_cache_vs_full_forward_agree')}"
               f"/{entry.get('greedy_tokens')})" if case.get("greedy") else ""))
    if torch.cuda.is_available() and device.startswith("cuda"):
        timings["max_memory_allocated_gib"] = torch.cuda.max_memory_allocated() / 2**30
    return tensors, {"cases": meta, "timings": timings}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir")
    ap.add_argument("--size", choices=SIZES, required=True)
    ap.add_argument("--image", required=True, help="a page PNG; two crops of it are the test images")
    ap.add_argument("--dtypes", default="float32,bfloat16", help="comma list; bfloat16 runs only on CUDA")
    ap.add_argument("--new-tokens", type=int, default=None, help="greedy tokens (tiny 24, else 64)")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--image-note", default="")
    a = ap.parse_args()

    import transformers
    try:
        import timm
    except ImportError:
        fail("timm is not installed: the Gemma 3n vision tower is timm's mobilenetv5_300m_enc")
    os.makedirs(a.out_dir, exist_ok=True)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_grad_enabled(False)
    cuda = torch.cuda.is_available()
    tiny = a.size == "tiny"
    if not tiny and not cuda:
        fail(f"--size {a.size} needs CUDA")
    dtypes = [d.strip() for d in a.dtypes.split(",") if d.strip()]
    for d in dtypes:
        if d not in TOLERANCE:
            fail(f"unknown dtype {d} (float32 or bfloat16)")
    if not cuda and "bfloat16" in dtypes:
        log("no CUDA: bfloat16 reference skipped")
        dtypes = [d for d in dtypes if d != "bfloat16"]
    new_tokens = a.new_tokens or (24 if a.size.startswith("tiny") else 64)
    log(f"torch {torch.__version__} transformers {transformers.__version__} timm {timm.__version__} "
        f"cuda {torch.version.cuda} gpu {torch.cuda.get_device_name(0) if cuda else None}")

    # Build (fp32 so the float32 run sees exact scale buffers), randomise, round to bf16, save.
    build_device = "cpu" if tiny else "cuda"
    t0 = time.time()
    model, config, mult = build_model(a.size, build_device, a.seed)
    build_s = time.time() - t0
    t0 = time.time()
    counts = randomise(model, a.seed, tame=not a.size.startswith("tiny"))
    snapshot = buffer_snapshot(model)
    rand_s = time.time() - t0
    n_params = sum(p.numel() for p in model.parameters())
    tc = model.config.text_config
    log(f"built {a.size} in {build_s:.1f} s ({n_params / 1e6:.1f} M parameters, vision channel_multiplier {mult}), "
        f"randomised in {rand_s:.1f} s: {counts}; attn {getattr(tc, '_attn_implementation', '?')}, "
        f"layer_types {tc.layer_types}, rope {getattr(tc, 'rope_parameters', None)}")
    if getattr(tc, "_attn_implementation", "eager") not in ("eager", None):
        log(f"WARNING: text attention is {tc._attn_implementation}, not eager")
    try:
        model.config.architectures = ["Gemma3nForConditionalGeneration"]
    except Exception as e:  # noqa: BLE001 - cosmetic
        log(f"note: architectures not set: {e}")
    model.config.save_pretrained(a.out_dir)
    try:
        model.generation_config.save_pretrained(a.out_dir)
    except Exception as e:  # noqa: BLE001 - not needed by the C++ side
        log(f"note: generation_config not saved: {e}")
    t0 = time.time()
    n_saved, total_bytes, n_shards = save_weights(model, a.out_dir)
    save_s = time.time() - t0
    log(f"saved {n_saved} tensors, {total_bytes / 2**30:.2f} GiB bf16 in {n_shards} file(s) in {save_s:.1f} s")

    side = 256 if a.size.startswith("tiny") else 768
    pixels_u8, image_notes = page_crops(a.image, side)
    cases = make_cases(config, a.size, pixels_u8)
    for c in cases:
        c["greedy"] = c["name"] == "image" or (a.size.startswith("tiny") and c["name"] == "text_long")
    tensors = {}
    for i, px in enumerate(pixels_u8):
        tensors[f"image{i}.pixel_u8"] = px.contiguous()
    for c in cases:
        tensors[f"{c['name']}.input_ids"] = torch.tensor(c["ids"], dtype=torch.long)
    # Strided views keep large maps out of the fixture (the C++ test slices its outputs the same way).
    subsample = {"vision.stem": [1, 1, 4, 4]}
    if a.size.startswith("tiny"):
        subsample["vision.msfa"] = [1, 8, 1, 1]

    cap = Capture(model)
    cap.install()
    runs = {}
    for d in dtypes:
        dtype = getattr(torch, d)
        device = "cpu" if (tiny and d == "float32") else "cuda"
        model.to(device=device, dtype=dtype)
        if d == "bfloat16":
            restore_rotary_buffers(model, snapshot)
        elif d == "float32":  # exact float32 scale buffers (the model was built in float32)
            for n, b in snapshot.items():
                if b.is_floating_point():
                    mod_name, _, attr = n.rpartition(".")
                    setattr(model.get_submodule(mod_name), attr, b.to(device).clone())
        keep_layers = d == "float32" or a.size.startswith("tiny")
        log(f"running {d} on {device}")
        t0 = time.time()
        out, meta = run_dtype(model, cap, cases, pixels_u8, dtype, device, new_tokens,
                              full_logits=a.size.startswith("tiny"), keep_layers=keep_layers, subsample=subsample)
        meta["wall_s"] = time.time() - t0
        meta["device"] = device
        runs[d] = meta
        tensors.update(out)
        if tiny and d == "bfloat16":  # the fixture keeps only final outputs in bf16
            for k in [k for k in tensors if k.startswith(tuple(f"{c['name']}.bfloat16." for c in cases))]:
                if not k.endswith((".logits", ".logits_argmax", ".greedy", ".soft_tokens", ".vision.msfa")):
                    del tensors[k]
    # clone: some entries are views of one capture (safetensors refuses tensors that share memory)
    save_file({k: v.detach().clone().contiguous() for k, v in tensors.items()},
              os.path.join(a.out_dir, "reference.safetensors"))

    meta = {
        "what": "Gemma3nForConditionalGeneration (transformers) + timm MobileNetV5 reference outputs on random "
                "weights, tools/gpu/gemma3n_reference.py",
        "size": a.size, "seed": a.seed, "dtypes": dtypes, "tolerance": TOLERANCE,
        "tolerance_note": "relative: max|ours - ref| / max|ref| per tensor; bf16 logits also pass when ours is "
                          "no farther from the float32 reference than 1.25x the reference's own bf16 distance",
        "weights": {"file_dtype": "bfloat16", "tensors": n_saved, "bytes": total_bytes, "shards": n_shards,
                    "parameters": n_params, "randomised": counts,
                    "init": "matrices N(0,1/fan_in); embeddings N(0,0.05^2); altup coefs N(0,0.2^2); "
                            "biases N(0,0.1^2); other 1-D U(0.5,1.5); all rounded to bf16"},
        "vision_channel_multiplier": mult, "image_side": side,
        "images": [{"key": f"image{i}.pixel_u8", "note": n, "pixels": "u8.float() / 255"}
                   for i, n in enumerate(image_notes)],
        "image_note": a.image_note,
        "subsample": subsample,
        "cases": [{"name": c["name"], "note": c["note"], "tokens": len(c["ids"]), "images": c["images"],
                   "greedy": c["greedy"], "new_tokens": new_tokens if c["greedy"] else 0} for c in cases],
        "token_ids": {"bos": BOS, "start_of_turn": START_OF_TURN, "end_of_turn": END_OF_TURN, "newline": NEWLINE,
                      "boi": config.boi_token_id, "eoi": config.eoi_token_id, "image": config.image_token_id},
        "generation": "HF generate, do_sample=False, KV cache, eos_token_id = vocab_size + 1000 (never stops)",
        "attention": "eager", "tf32": False,
        "runs": runs,
        "build_s": round(build_s, 2), "randomise_s": round(rand_s, 2), "save_s": round(save_s, 2),
        "torch": torch.__version__, "transformers": transformers.__version__, "timm": timm.__version__,
        "gpu": torch.cuda.get_device_name(0) if cuda else None,
    }
    with open(os.path.join(a.out_dir, "reference.json"), "w") as f:
        json.dump(meta, f, indent=1)
    ref_bytes = os.path.getsize(os.path.join(a.out_dir, "reference.safetensors"))
    log(f"done {a.size}: reference.safetensors {ref_bytes / 2**20:.1f} MiB, {len(tensors)} tensors")


if __name__ == "__main__":
    main()
