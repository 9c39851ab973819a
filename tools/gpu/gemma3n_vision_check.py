#!/usr/bin/env python3
"""Reference dump of timm's MobileNetV5 encoder for tools/gpu/gemma3n_vision_check.cpp (vision engineer's own check).

Builds timm `mobilenetv5_300m_enc` (optionally with channel_multiplier), re-randomises every parameter (1-D params
U(0.5, 1.5) so layer scales and norms matter, conv weights N(0, 1/fan_in)), writes weights.bin + weights.txt
(name and shape per line, float32 little-endian, state_dict order), pixels.bin [B,3,S,S] and the float32 CPU
outputs stem.bin, stage0..3.bin, msfa.bin (forward hooks on conv_stem, blocks[s], msfa).
Usage: gemma3n_vision_check.py OUT_DIR SIZE BATCH [CHANNEL_MULTIPLIER]
"""
import os, sys
import torch, timm

out, size, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
mult = float(sys.argv[4]) if len(sys.argv) > 4 else 1.0
torch.manual_seed(0)
kw = {} if mult == 1.0 else {"channel_multiplier": mult}
m = timm.create_model("mobilenetv5_300m_enc", pretrained=False, **kw).eval()
with torch.no_grad():
    for n, p in m.named_parameters():
        if p.dim() == 1:
            p.uniform_(0.5, 1.5)
        else:
            p.normal_(0.0, (1.0 / p[0].numel()) ** 0.5)
os.makedirs(out, exist_ok=True)
lines = []
with open(os.path.join(out, "weights.bin"), "wb") as f:
    for n, p in m.state_dict().items():
        a = p.detach().float().contiguous()
        f.write(a.numpy().tobytes())
        lines.append(" ".join([n] + [str(s) for s in a.shape]))
with open(os.path.join(out, "weights.txt"), "w") as f:
    f.write("\n".join(lines) + "\n")
x = torch.rand(batch, 3, size, size)
x.numpy().tofile(os.path.join(out, "pixels.bin"))
keep = {}
m.conv_stem.register_forward_hook(lambda mod, a, o: keep.__setitem__("stem", o))
for s in range(len(m.blocks)):
    m.blocks[s].register_forward_hook((lambda s_: lambda mod, a, o: keep.__setitem__(f"stage{s_}", o))(s))
m.msfa.register_forward_hook(lambda mod, a, o: keep.__setitem__("msfa", o))
with torch.no_grad():
    y = m.forward_features(x)
assert torch.equal(y, keep["msfa"])
for k, v in keep.items():
    v.float().contiguous().numpy().tofile(os.path.join(out, k + ".bin"))
    print("ref", k, list(v.shape), "absmax %.4g" % v.abs().max().item())
print("params", sum(p.numel() for p in m.parameters()), "tensors", len(lines))
