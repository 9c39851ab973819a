# Gemma 3n image preprocessing check for the GPU machine (python + torch + torchvision): compares torchvision
# resize(uint8, BILINEAR, antialias=True) with transcriptions of the integer and float kernels in
# core/models/gemma3n/image_processor.cpp and prints the reference values used by gemma3n_image_processor_test.
import math, numpy as np, torch, torchvision
from torchvision.transforms.v2 import functional as F
from torchvision.transforms.v2.functional import _geometry as G
print("torch", torch.__version__, "torchvision", torchvision.__version__, "cpu", torch.backends.cpu.get_cpu_capability(),
      "native_uint8_bilinear", G._do_native_uint8_resize_on_cpu(F.InterpolationMode.BILINEAR))

def taps(n_in, n_out):
    scale = n_in / n_out; support = scale if scale >= 1 else 1.0; inv = 1 / scale if scale >= 1 else 1.0
    kmax = math.ceil(support) * 2 + 1; first = []; ws = []
    for i in range(n_out):
        c = scale * (i + 0.5)
        xmin = max(int(c - support + 0.5), 0)
        xs = min(max(min(int(c + support + 0.5), n_in) - xmin, 0), kmax)
        w = [max(0.0, 1 - abs((j + xmin - c + 0.5) * inv)) for j in range(xs)]
        t = sum(w); w = [x / t for x in w] if t else w
        first.append(xmin); ws.append(w)
    return first, ws

def int_pass(img, axis, n_out):  # img uint8 [3,H,W] numpy
    n_in = img.shape[axis]; first, ws = taps(n_in, n_out)
    mx = max(max(w) for w in ws if w)
    p = 0
    while p < 22:
        if int(0.5 + mx * (1 << (p + 1))) >= (1 << 15): break
        p += 1
    out_shape = list(img.shape); out_shape[axis] = n_out; out = np.zeros(out_shape, np.int64)
    src = img.astype(np.int64)
    for i in range(n_out):
        acc = np.full([s for k, s in enumerate(img.shape) if k != axis], 1 << (p - 1), np.int64)
        for k, w in enumerate(ws[i]):
            wi = int(0.5 + w * (1 << p)) if w >= 0 else int(-0.5 + w * (1 << p))
            acc += np.take(src, first[i] + k, axis=axis) * wi
        sl = [slice(None)] * 3; sl[axis] = i
        out[tuple(sl)] = np.clip(acc >> p, 0, 255)
    return out.astype(np.uint8)

def emulate_int(img, h, w):
    if img.shape[2] != w: img = int_pass(img, 2, w)
    if img.shape[1] != h: img = int_pass(img, 1, h)
    return img

rng = np.random.default_rng(0)
worst_int = worst_float = 0; mism = 0; total = 0
for (H, W, h, w) in [(53, 71, 16, 16), (200, 300, 64, 64), (37, 29, 50, 40), (768, 1024, 768, 768), (301, 97, 128, 32)]:
    img = rng.integers(0, 256, (3, H, W), dtype=np.uint8)
    t = torch.from_numpy(img)
    ref = F.resize(t, [h, w], interpolation=F.InterpolationMode.BILINEAR, antialias=True).numpy()
    fl = torch.nn.functional.interpolate(t[None].float(), size=(h, w), mode="bilinear", antialias=True,
                                         align_corners=False)[0].round().to(torch.uint8).numpy()
    em = emulate_int(img, h, w)
    d1 = np.abs(ref.astype(int) - em.astype(int)); d2 = np.abs(ref.astype(int) - fl.astype(int))
    print(f"{H}x{W}->{h}x{w}: torchvision vs int-emulation max {d1.max()} count {(d1>0).sum()}; vs float path max {d2.max()} count {(d2>0).sum()} of {ref.size}")

# Reference values for the C++ test: pattern image 53 rows x 71 cols, value (x*37 + y*11 + c*5) % 256.
H, W = 53, 71
y, x = np.mgrid[0:H, 0:W]
img = np.stack([((x * 37 + y * 11 + c * 5) % 256) for c in range(3)]).astype(np.uint8)
t = torch.from_numpy(img)
for (h, w) in [(16, 16), (24, 20)]:
    ref = F.resize(t, [h, w], interpolation=F.InterpolationMode.BILINEAR, antialias=True).numpy().astype(np.int64)
    fl = torch.nn.functional.interpolate(t[None].float(), size=(h, w), mode="bilinear", antialias=True,
                                         align_corners=False)[0].round().to(torch.uint8).numpy().astype(np.int64)
    idx = np.arange(ref.size).reshape(ref.shape)
    print(f"pattern->{h}x{w} torchvision: sum {ref.sum()} weighted {(ref * (idx % 97 + 1)).sum()} first row c0 {ref[0,0,:].tolist()}")
    print(f"pattern->{h}x{w} float path:  sum {fl.sum()} weighted {(fl * (idx % 97 + 1)).sum()} first row c0 {fl[0,0,:].tolist()}")
