"""compat's eager overhead against torch eager: per-op dispatch and a whole training step.

Prints, in one run, medians (after warm-up) for:

- per-op forward dispatch on tiny tensors (4 elements, so the cost is the library's, not the
  arithmetic's), with and without graph recording, and the backward cost per graph node (a chain
  of 32 ops, backward time minus forward time, divided by the node count);
- one training step written with tensor ops only: an MLP 256-512-512-10 on a batch of 128, GELU
  by its tanh formula, log-softmax cross-entropy, ``backward()``, and a manual SGD update under
  ``no_grad``;
- the same MLP as ``nn`` modules trained with ``clip_grad_norm_`` and ``AdamW`` (in lazy mode
  the clipping and the update are recorded, so a step is one program; not in ``--quick``).

torch is timed at its default thread count and at 1 thread; the faster is used for the ratio.
Each compat sample ends by waiting for its results (JAX dispatches asynchronously; in lazy mode
this runs what is pending). Targets (issue 3): step time at most 1.0x torch's; forward
dispatch at most 10 us per op and backward at most 20 us per node.

compat runs in the engine's default mode, lazy (``compat._engine.set_lazy``): ops are recorded
and run as one cached program per segment; there the dispatch rows time recording only (results
nobody reads are never computed). ``--eager`` times op-by-op dispatch instead (``COMPAT_LAZY=0``),
``--lazy`` forces lazy mode.

    python benchmarks/overhead.py            # full sizes, the default (lazy) mode
    python benchmarks/overhead.py --eager    # compat running each op as it is called
    python benchmarks/overhead.py --quick    # a smoke test (the test suite runs it)
"""

from __future__ import annotations

import argparse
import itertools
import math
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

import compat

CHAIN = 32


def _sample(fn: Callable[[], Any], inner: int, finish: Callable[[], Any] | None) -> float:
    t0 = time.perf_counter()
    for _ in range(inner):
        fn()
    if finish is not None:
        finish()
    return (time.perf_counter() - t0) / inner


def medians(
    cases: dict[str, tuple[Callable[[], Any], Callable[[], Any] | None, bool]],
    repeats: int,
    inner: int,
) -> dict[str, float]:
    """Median over ``repeats`` samples of the mean time of ``inner`` calls, in seconds.

    ``cases`` maps a name to ``(fn, finish, is_torch)``: ``finish`` (timed, once per sample)
    waits for work that ``fn`` left running; torch cases are timed at torch's default thread
    count and at 1 thread (names suffixed ``@Nt``). Samples of all cases alternate, so a load
    change on a shared machine hits them alike.
    """
    default = torch.get_num_threads()
    runs = []
    for name, (fn, finish, is_torch) in cases.items():
        for threads in sorted({default, 1}, reverse=True) if is_torch else (None,):
            label = name if threads is None else f"{name}@{threads}t"
            runs.append((label, fn, finish, threads))
    samples: dict[str, list[float]] = {label: [] for label, *_ in runs}
    for warm in (True, False):
        for _ in range(3 if warm else repeats):
            for label, fn, finish, threads in runs:
                if threads is not None:
                    torch.set_num_threads(threads)
                t = _sample(fn, 1 if warm else inner, finish)
                if not warm:
                    samples[label].append(t)
    torch.set_num_threads(default)
    return {label: statistics.median(v) for label, v in samples.items()}


def fastest_torch(times: dict[str, float], name: str) -> tuple[float, str]:
    """The faster of torch's thread settings for case ``name``: ``(seconds, "Nt")``."""
    found = [(t, label.split("@")[1]) for label, t in times.items() if label.startswith(name + "@")]
    return min(found)


def compat_vs_torch(
    ours: Callable[[], Any], first: Any, theirs: Callable[[], Any], repeats: int, inner: int
) -> tuple[float, float, str]:
    """Median seconds of compat's ``ours`` and of torch's ``theirs`` at its faster thread count.

    ``first`` is a compat tensor the step writes: reading its value (timed once per sample)
    runs what lazy mode left pending. Returns ``(ours, theirs, "Nt")``.
    """
    times = medians(
        {
            "ours": (ours, lambda: first._value.block_until_ready(), False),
            "torch": (theirs, None, True),
        },
        repeats,
        inner,
    )
    theirs_time, threads = fastest_torch(times, "torch")
    return times["ours"], theirs_time, threads


def ops_cases() -> dict[str, Callable[..., Any]]:
    """Tiny-tensor ops, the same in both libraries."""
    return {
        "add": lambda a, b: a + b,
        "mul": lambda a, b: a * b,
        "tanh": lambda a, b: a.tanh(),
        "matmul 2x2": lambda a, b: a @ b,
        "sum": lambda a, b: a.sum(),
    }


def dispatch_rows(repeats: int, inner: int) -> list[tuple[str, float, float, str]]:
    rows = []
    for grad in (False, True):
        a_c = compat.randn(4, requires_grad=grad)
        b_c = compat.randn(4)
        a_t = torch.randn(4, requires_grad=grad)
        b_t = torch.randn(4)
        m_c, n_c = compat.randn(2, 2, requires_grad=grad), compat.randn(2, 2)
        m_t, n_t = torch.randn(2, 2, requires_grad=grad), torch.randn(2, 2)
        for name, fn in ops_cases().items():
            args_c, args_t = (
                ((m_c, n_c), (m_t, n_t)) if "matmul" in name else ((a_c, b_c), (a_t, b_t))
            )
            times = medians(
                {
                    "ours": (lambda fn=fn, a=args_c: fn(*a), None, False),
                    "torch": (lambda fn=fn, a=args_t: fn(*a), None, True),
                },
                repeats,
                inner,
            )
            theirs, threads = fastest_torch(times, "torch")
            label = f"{name} ({'recording' if grad else 'no grad'})"
            rows.append((label, times["ours"], theirs, threads))
    return rows


def chain(x: Any) -> Any:
    y = x
    for _ in range(CHAIN // 2):
        y = y * 1.001
        y = y + 0.5
    return y.sum()


def backward_rows(repeats: int, inner: int) -> list[tuple[str, float, float, str]]:
    x_c = compat.randn(4, requires_grad=True)
    x_t = torch.randn(4, requires_grad=True)
    nodes = CHAIN + 1
    times = medians(
        {
            "fwd_c": (lambda: chain(x_c), None, False),
            "both_c": (
                lambda: chain(x_c).backward(),
                lambda: x_c.grad._value.block_until_ready(),
                False,
            ),
            "fwd_t": (lambda: chain(x_t), None, True),
            "both_t": (lambda: chain(x_t).backward(), None, True),
        },
        repeats,
        inner,
    )
    fwd_c, both_c = times["fwd_c"], times["both_c"]
    fwd_t, _ = fastest_torch(times, "fwd_t")
    both_t, th2 = fastest_torch(times, "both_t")
    return [("backward per node", (both_c - fwd_c) / nodes, (both_t - fwd_t) / nodes, th2)]


def make_mlp(lib: Any, sizes: Sequence[int], rng: np.random.Generator) -> list[Any]:
    params = []
    for n_in, n_out in itertools.pairwise(sizes):
        bound = 1.0 / math.sqrt(n_in)
        w = rng.uniform(-bound, bound, (n_out, n_in)).astype(np.float32)
        b = rng.uniform(-bound, bound, (n_out,)).astype(np.float32)
        params += [lib.tensor(w, requires_grad=True), lib.tensor(b, requires_grad=True)]
    return params


def gelu(x: Any) -> Any:
    """GELU by its tanh formula, written with tensor ops."""
    return 0.5 * x * (1.0 + (0.7978845608028654 * (x + 0.044715 * x * x * x)).tanh())


def train_step(lib: Any, params: list[Any], x: Any, y: Any, rows: Any, lr: float) -> Any:
    h = x
    n = len(params) // 2
    for i in range(n):
        h = h @ params[2 * i].t() + params[2 * i + 1]
        if i < n - 1:
            h = gelu(h)
    logp = h - h.logsumexp(1, keepdim=True)
    loss = -logp[rows, y].mean()
    loss.backward()
    with lib.no_grad():
        for p in params:
            p.sub_(lr * p.grad)
            p.grad = None
    return loss


def mlp_batch(sizes: Sequence[int], batch: int) -> tuple[np.ndarray, np.ndarray]:
    """The benchmark MLP's inputs and class targets (seeded, the same in both libraries)."""
    rng = np.random.default_rng(0)
    return rng.standard_normal((batch, sizes[0])).astype(np.float32), rng.integers(
        0, sizes[-1], batch
    )


def step_row(
    sizes: Sequence[int], batch: int, repeats: int, inner: int
) -> tuple[str, float, float, str]:
    xs, ys = mlp_batch(sizes, batch)
    runs = {}
    for lib in (compat, torch):
        params = make_mlp(lib, sizes, np.random.default_rng(1))
        x, y, rows = lib.tensor(xs), lib.tensor(ys), lib.arange(batch)
        runs[lib] = (params, x, y, rows)
    pc = runs[compat]
    pt = runs[torch]
    ours, theirs, threads = compat_vs_torch(
        lambda: train_step(compat, *pc, 1e-3),
        pc[0][0],
        lambda: train_step(torch, *pt, 1e-3),
        repeats,
        inner,
    )
    return (f"train step MLP {'-'.join(map(str, sizes))}, batch {batch}", ours, theirs, threads)


def module_step(lib: Any, model: Any, opt: Any, x: Any, y: Any) -> Any:
    """A module training step: cross-entropy, ``backward()``, ``clip_grad_norm_``, AdamW."""
    opt.zero_grad()
    loss = lib.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    lib.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    return loss


def clip_step_row(
    sizes: Sequence[int], batch: int, repeats: int, inner: int
) -> tuple[str, float, float, str]:
    """The MLP as ``nn`` modules (tanh GELU), trained by :func:`module_step` in both libraries."""
    xs, ys = mlp_batch(sizes, batch)
    runs = {}
    for lib in (torch, compat):
        layers: list[Any] = []
        for n_in, n_out in itertools.pairwise(sizes):
            layers += [lib.nn.Linear(n_in, n_out), lib.nn.GELU(approximate="tanh")]
        model = lib.nn.Sequential(*layers[:-1])
        if lib is compat:
            state = runs[torch][0].state_dict()
            model.load_state_dict({k: compat.tensor(v.numpy()) for k, v in state.items()})
        opt = lib.optim.AdamW(model.parameters(), lr=1e-3)
        runs[lib] = (model, opt, lib.tensor(xs), lib.tensor(ys))
    ours, theirs, threads = compat_vs_torch(
        lambda: module_step(compat, *runs[compat]),
        runs[compat][0][0].weight,
        lambda: module_step(torch, *runs[torch]),
        repeats,
        inner,
    )
    label = f"train step MLP {'-'.join(map(str, sizes))} + clip + AdamW, batch {batch}"
    return (label, ours, theirs, threads)


def main(argv: Sequence[str] | None = None) -> list[tuple[str, float, float, str]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="samples per timing")
    parser.add_argument("--quick", action="store_true", help="small sizes, few repeats")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--lazy", action="store_true", help="compat in lazy engine mode")
    mode.add_argument("--eager", action="store_true", help="compat running ops one by one")
    args = parser.parse_args(argv)
    from compat import _engine

    lazy = _engine.is_lazy() if not (args.lazy or args.eager) else args.lazy
    previous = _engine.set_lazy(lazy)
    try:
        return _report(args)
    finally:
        _engine.set_lazy(previous)


def _report(args: argparse.Namespace) -> list[tuple[str, float, float, str]]:
    repeats = 3 if args.quick else args.repeats
    inner = 20 if args.quick else 200
    sizes = (32, 64, 64, 10) if args.quick else (256, 512, 512, 10)
    batch = 16 if args.quick else 128
    rows = dispatch_rows(repeats, inner) + backward_rows(repeats, max(inner // 10, 10))
    if not args.quick:  # (its compiles would double the smoke test's time)
        rows.append(clip_step_row(sizes, batch, repeats, max(inner // 20, 2)))
    rows.append(step_row(sizes, batch, repeats, max(inner // 20, 2)))
    from compat import _engine

    mode = "lazy" if _engine.is_lazy() else "eager"
    print(f"compat {mode} vs torch {torch.__version__} eager (cpu), median of {repeats} samples")
    print(f"{'case':44s} {'compat us':>10s} {'torch us':>14s} {'ratio':>7s}  target")
    for label, ours, theirs, threads in rows:
        if label.startswith("train step"):
            target = "<= 1.0x torch " + ("ok" if ours <= theirs else "MISSED")
        elif label.startswith("backward"):
            target = "<= 20 us " + ("ok" if ours <= 20e-6 else "MISSED")
        else:
            target = "<= 10 us " + ("ok" if ours <= 10e-6 else "MISSED")
        print(
            f"{label:44s} {ours * 1e6:10.1f} {theirs * 1e6:9.1f} ({threads:>3s}) "
            f"{ours / theirs:6.2f}x  {target}"
        )
    return rows


if __name__ == "__main__":
    main(sys.argv[1:])
