#!/usr/bin/env python3
"""Reference outputs of transformers' Qwen2ForCausalLM for our C++ decoder to match.

Builds a Qwen2 model with random weights (biases and norm weights randomised too, so every parameter
matters), saves it with its real Hugging Face tensor names (save_pretrained: config.json +
model.safetensors), and writes reference.safetensors holding, per dtype:
  sequence_<dtype>  int64 [P + N]   the prompt followed by N greedy tokens (full forward per step)
  logits_<dtype>    float32 [P + N, vocab]   one forward over that whole sequence
with prompt_ids int64 [P]. float32 runs on the CPU or GPU, bfloat16 on the GPU only.

Usage: qwen2_reference.py OUT_DIR [--new-tokens 64] [--device cuda]
The output is small enough (< 1 MB) to commit as tests/fixtures/qwen2_tiny.
"""
import argparse
import json
import os
import sys

import torch
from safetensors.torch import save_file
from transformers import Qwen2Config, Qwen2ForCausalLM

SIZES = {
    # hidden 64, 2 layers, GQA 4:2, head_dim 16, vocab 256: small enough (< 1 MB) to commit.
    "tiny": dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                 intermediate_size=128, vocab_size=256, max_position_embeddings=512,
                 rope_parameters={"rope_type": "default", "rope_theta": 10000.0}, initializer_range=0.3),
}


def build(size, seed):
    cfg = Qwen2Config(**SIZES[size], rms_norm_eps=1e-6, tie_word_embeddings=False, hidden_act="silu",
                      use_sliding_window=False, attention_dropout=0.0)
    torch.manual_seed(seed)
    model = Qwen2ForCausalLM(cfg).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith(".bias"):
                p.normal_(0.0, 0.1)
            elif "norm" in name:
                p.copy_(1.0 + 0.1 * torch.randn_like(p))
    return cfg, model


@torch.no_grad()
def greedy_and_logits(model, prompt, new_tokens, device, dtype):
    m = model.to(device=device, dtype=dtype)
    ids = torch.tensor([prompt], device=device)
    for _ in range(new_tokens):
        logits = m(input_ids=ids, use_cache=False).logits[0, -1]
        ids = torch.cat([ids, logits.argmax().view(1, 1)], dim=1)
    full = m(input_ids=ids, use_cache=False).logits[0].float().cpu()
    return ids[0].cpu(), full


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir")
    ap.add_argument("--size", default="tiny", choices=sorted(SIZES))
    ap.add_argument("--new-tokens", type=int, default=64)
    ap.add_argument("--prompt-length", type=int, default=16)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--seed", type=int, default=20261126)
    args = ap.parse_args()

    cfg, model = build(args.size, args.seed)
    os.makedirs(args.out_dir, exist_ok=True)
    model.save_pretrained(args.out_dir)
    # Keep only what our loader reads (and what a fixture should carry).
    for extra in ("generation_config.json",):
        path = os.path.join(args.out_dir, extra)
        if os.path.exists(path):
            os.remove(path)

    gen = torch.Generator().manual_seed(args.seed + 1)
    prompt = torch.randint(0, cfg.vocab_size, (args.prompt_length,), generator=gen).tolist()
    tensors = {"prompt_ids": torch.tensor(prompt, dtype=torch.int64)}
    dtypes = [("float32", torch.float32)]
    if args.device.startswith("cuda"):
        dtypes.append(("bfloat16", torch.bfloat16))
    for name, dt in dtypes:
        seq, logits = greedy_and_logits(model, prompt, args.new_tokens, args.device, dt)
        tensors["sequence_" + name] = seq.to(torch.int64).contiguous()
        tensors["logits_" + name] = logits.contiguous()
        print(f"{name}: greedy {seq[len(prompt):len(prompt) + 12].tolist()}... logits absmax {logits.abs().max():.3f}",
              flush=True)
    meta = {"source": "tools/gpu/qwen2_reference.py", "size": args.size, "seed": str(args.seed),
            "prompt_length": str(len(prompt)), "new_tokens": str(args.new_tokens),
            "torch": torch.__version__, "transformers": __import__("transformers").__version__,
            "device": torch.cuda.get_device_name(0) if args.device.startswith("cuda") else "cpu"}
    save_file(tensors, os.path.join(args.out_dir, "reference.safetensors"), metadata=meta)
    print(json.dumps(meta))
    return 0


if __name__ == "__main__":
    sys.exit(main())
