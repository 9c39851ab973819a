"""Time a CUDA callable the way a graphed decode step runs it: `reps` calls captured in one CUDA graph,
replayed, so launch overhead does not count (shared by the GPU probes in this folder)."""
import time

import torch


def graph_us(fn, reps=20, replays=10):
    """Microseconds per call of fn(), captured `reps` times in one graph (after two warm-up calls)."""
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(2):
            fn()
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        for _ in range(reps):
            fn()
    graph.replay()
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(replays):
        graph.replay()
    torch.cuda.synchronize()
    return (time.perf_counter() - start) * 1e6 / replays / reps
