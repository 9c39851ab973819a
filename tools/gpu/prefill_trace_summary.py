#!/usr/bin/env python3
"""Where a traced run's wall time went (layoutlens_bench --trace-dir writes the traces).

Usage: prefill_trace_summary.py TRACE.json [TOP=12]
Prints the run's wall span, the GPU's busy time within it (kernels, copies and memsets merged into one
timeline) and its idle share; the time inside each named stage range (RECORD_FUNCTION scopes such as
gemma3n.vision_tower, dots.page, scheduler.prefill_many) and how busy the GPU was during it; the TOP
kernels by time; the TOP CPU operators by time (inclusive); and the longest GPU gaps with the named ranges
that were open then. A run whose GPU sits idle for most of a named range is held up by the host there.
"""
import collections
import json
import sys

GPU_CATS = ("kernel", "gpu_memcpy", "gpu_memset")
OUR_PREFIXES = ("dots.", "gemma3n.", "scheduler.")


def merged(intervals):
    out = []
    for s, e in sorted(intervals):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return out


def overlap(busy, s, e):
    """Microseconds of the merged busy timeline inside [s, e]."""
    return sum(max(0, min(e, b) - max(s, a)) for a, b in busy if b > s and a < e)


def tally(events, width):
    """(name cut to `width`, [count, total duration]) per event name, the longest total first."""
    by = collections.defaultdict(lambda: [0, 0.0])
    for e in events:
        t = by[e["name"][:width]]
        t[0] += 1
        t[1] += e["dur"]
    return sorted(by.items(), key=lambda x: -x[1][1])


def main():
    path = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 12
    with open(path) as f:
        trace = json.load(f)
    events = [e for e in (trace["traceEvents"] if isinstance(trace, dict) else trace) if e.get("ph") == "X"]
    gpu = [e for e in events if e.get("cat") in GPU_CATS]
    cpu = [e for e in events if e.get("cat") in ("cpu_op", "user_annotation")]
    if not gpu or not cpu:
        print(f"{path}: no GPU or CPU events recorded")
        return
    start = min(e["ts"] for e in events)
    end = max(e["ts"] + e["dur"] for e in events)
    busy = merged((e["ts"], e["ts"] + e["dur"]) for e in gpu)
    busy_us = sum(b - a for a, b in busy)
    print(f"{path}: wall {(end - start) / 1e3:.1f} ms, GPU busy {busy_us / 1e3:.1f} ms "
          f"({100 * busy_us / (end - start):.0f} %), {len(gpu)} GPU events")

    ours = collections.defaultdict(lambda: [0, 0.0, 0.0])
    for e in cpu:
        if e["name"].startswith(OUR_PREFIXES):
            r = ours[e["name"]]
            r[0] += 1
            r[1] += e["dur"]
            r[2] += overlap(busy, e["ts"], e["ts"] + e["dur"])
    for name, (n, d, b) in sorted(ours.items(), key=lambda x: -x[1][1]):
        print(f"  range {name:28s} {n:5d}x {d / 1e3:9.1f} ms  GPU busy {100 * b / max(d, 1):3.0f} % of it")

    print("  top GPU kernels:")
    for name, (n, d) in tally(gpu, 90)[:top]:
        print(f"    {d / 1e3:8.1f} ms {n:6d}x mean {d / n:8.1f} us  {name}")
    print("  top CPU operators (inclusive time):")
    for name, (n, d) in tally([e for e in cpu if not e["name"].startswith(OUR_PREFIXES)], 60)[:top]:
        print(f"    {d / 1e3:8.1f} ms {n:6d}x  {name}")

    gaps = [(b[0] - a[1], a[1], b[0]) for a, b in zip(busy, busy[1:])]
    named = [e for e in cpu if e["name"].startswith(OUR_PREFIXES)]
    print(f"  GPU idle in gaps over 1 ms: {sum(g for g, _, _ in gaps if g > 1000) / 1e3:.1f} ms; the longest:")
    for g, s, e in sorted(gaps, reverse=True)[:8]:
        open_ranges = sorted({r["name"] for r in named if r["ts"] <= s and r["ts"] + r["dur"] >= e})
        print(f"    {g / 1e3:8.1f} ms at +{(s - start) / 1e3:.0f} ms  during {', '.join(open_ranges) or '-'}")


if __name__ == "__main__":
    main()
