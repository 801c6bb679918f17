"""compat's TransformerEncoder against torch's: forward plus backward of a training step, eager.

A 4-layer ``TransformerEncoder`` (d_model 256, 4 heads, dim_feedforward 1024; torch's defaults
otherwise: dropout 0.1, sequence-first, train mode) on a sequence of 128 and a batch of 16; the
loss is the mean of the squared output. Both modules hold the same weights (torch's state dict
is loaded into compat's). One step is ``zero_grad``, forward, loss, ``backward()``; compat's step
ends by reading a gradient back to the host, so asynchronous dispatch cannot hide work.

torch is timed at its default thread count and at 1 thread; the faster is used for the ratio.
The two libraries are sampled alternately, so load on the machine affects both alike. The
first step (compat: compilation of every op) is reported apart. Target (issue 7): at most 1.0x
torch's time.

compat's encoder layers run as one engine op each (the fused path of
``compat.nn.modules.transformer``) in the engine's eager mode; in lazy mode (``COMPAT_LAZY``)
they call their submodules one by one for now. The engine mode is printed.

    python benchmarks/transformer.py                    # full sizes
    COMPAT_LAZY=0 python benchmarks/transformer.py      # the eager engine
    python benchmarks/transformer.py --quick            # a smoke test
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

import compat
from compat import _engine
from compat.nn.modules.transformer import TransformerEncoder, TransformerEncoderLayer


def _models(d_model: int, nhead: int, ff: int, layers: int) -> tuple[Any, Any]:
    torch.manual_seed(0)
    theirs = torch.nn.TransformerEncoder(
        torch.nn.TransformerEncoderLayer(d_model, nhead, ff), layers, enable_nested_tensor=False
    ).train()
    ours = TransformerEncoder(TransformerEncoderLayer(d_model, nhead, ff), layers).train()
    ours.load_state_dict(
        {k: compat.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()}
    )
    return ours, theirs


def _first(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _alternate(
    ours: Callable[[], Any], theirs: Callable[[], Any], repeats: int
) -> tuple[float, float]:
    """Medians of alternating samples of the two steps (after one warm-up each)."""
    ours()
    theirs()
    a, b = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        ours()
        a.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        theirs()
        b.append(time.perf_counter() - t0)
    return statistics.median(a), statistics.median(b)


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    """Run the benchmark and print a table; return the medians (seconds) and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="samples per timing")
    parser.add_argument("--quick", action="store_true", help="small sizes, few repeats")
    args = parser.parse_args(argv)
    if args.quick:
        d_model, nhead, ff, layers, seq, batch, repeats = 32, 4, 64, 2, 16, 4, 3
    else:
        d_model, nhead, ff, layers, seq, batch = 256, 4, 1024, 4, 128, 16
        repeats = args.repeats
    ours, theirs = _models(d_model, nhead, ff, layers)
    x = np.random.default_rng(0).standard_normal((seq, batch, d_model)).astype(np.float32)
    cx, tx = compat.tensor(x), torch.tensor(x)
    probe = ours.layers[0].linear1.weight

    def step_ours() -> None:
        ours.zero_grad()
        (ours(cx) ** 2).mean().backward()
        probe.grad.numpy()

    def step_theirs() -> None:
        theirs.zero_grad()
        (theirs(tx) ** 2).mean().backward()

    first = _first(step_ours)
    default = torch.get_num_threads()
    results = []
    for threads in sorted({default, 1}, reverse=True):
        torch.set_num_threads(threads)
        ours_t, theirs_t = _alternate(step_ours, step_theirs, repeats)
        results.append((theirs_t, ours_t, f"{threads}t"))
    torch.set_num_threads(default)
    theirs_t, ours_t, threads = min(results)
    ratio = ours_t / theirs_t
    print(
        f"TransformerEncoder {layers} layers, d_model {d_model}, {nhead} heads, ff {ff}, "
        f"seq {seq}, batch {batch}, train mode: forward + backward, median of {repeats}"
    )
    mode = "lazy" if _engine.is_lazy() else "eager"
    print(f"compat engine: {mode}; first step (compiles every op): {first * 1e3:.0f} ms")
    print(f"{'compat ms':>10s} {'torch ms':>14s} {'ratio':>7s}  target")
    verdict = "ok" if ratio <= 1.0 else "MISSED"
    print(
        f"{ours_t * 1e3:10.1f} {theirs_t * 1e3:9.1f} ({threads:>3s}) {ratio:6.2f}x  "
        f"<= 1.0x torch {verdict}"
    )
    return {"compat": ours_t, "torch": theirs_t, "ratio": ratio, "first": first}


if __name__ == "__main__":
    main(sys.argv[1:])
