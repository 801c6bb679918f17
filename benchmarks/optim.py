"""One AdamW step over a 10M-parameter model: compat vs torch.optim, rustorch_fx vs optax.

Prints, in one run, medians (after warm-up) of:

- ``compat.optim.AdamW.step()`` vs ``torch.optim.AdamW.step()`` on the same parameters and
  gradients (torch at its default thread count and at 1 thread, the faster used);
- a jitted ``rustorch_fx.optim.adamw`` update (update + apply, parameters and state donated)
  vs the same with ``optax.adamw``;
- the optimizer state's size with float32 moments and with bfloat16 moments
  (``rustorch_fx.optim.with_state_dtype``).

Targets (issue 5): compat at most 1.0x torch; rustorch_fx at most 1.10x optax.

    python benchmarks/optim.py            # 10M parameters
    python benchmarks/optim.py --quick    # a smoke test (the test suite runs it)
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
import torch

import compat
from rustorch_fx import optim

Row = tuple[str, float, float, str, str]


def median_time(fn: Callable[[], Any], repeats: int) -> float:
    """Median seconds of ``fn()`` over ``repeats`` calls, after three warm-up calls."""
    for _ in range(3):
        fn()
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def shapes(total: int) -> list[tuple[int, ...]]:
    """Ten weight matrices and ten biases holding about ``total`` parameters."""
    side = int((total / 10) ** 0.5)
    return [(side, side)] * 10 + [(side,)] * 10


def compat_vs_torch(arrays: list[np.ndarray], grads: list[np.ndarray], repeats: int) -> Row:
    """AdamW.step() of compat and of torch on the same parameters and gradients."""
    cparams = [compat.nn.Parameter(compat.tensor(a)) for a in arrays]
    for p, g in zip(cparams, grads, strict=True):
        p.grad = compat.tensor(g)
    copt = compat.optim.AdamW(cparams, lr=1e-3)

    def compat_step() -> None:
        copt.step()
        cparams[-1]._value.block_until_ready()

    tparams = [torch.nn.Parameter(torch.tensor(a)) for a in arrays]
    for p, g in zip(tparams, grads, strict=True):
        p.grad = torch.tensor(g)
    topt = torch.optim.AdamW(tparams, lr=1e-3)
    ours = median_time(compat_step, repeats)
    default = torch.get_num_threads()
    results = []
    for threads in sorted({default, 1}, reverse=True):
        torch.set_num_threads(threads)
        results.append((median_time(topt.step, repeats), f"{threads}t"))
    torch.set_num_threads(default)
    theirs, label = min(results)
    return ("compat AdamW.step vs torch.optim.AdamW", ours, theirs, label, "<= 1.0x")


def _jitted_step(tx: optax.GradientTransformation) -> Callable[..., Any]:
    def step(params: Any, state: Any, grads: Any) -> tuple[Any, Any]:
        updates, state = tx.update(grads, state, params)
        return optax.apply_updates(params, updates), state

    return jax.jit(step, donate_argnums=(0, 1))


def functional_vs_optax(arrays: list[np.ndarray], grads: list[np.ndarray], repeats: int) -> Row:
    """A jitted, donated AdamW update: rustorch_fx.optim.adamw vs optax.adamw."""
    grads_j = [jnp.asarray(g) for g in grads]

    def runner(tx: optax.GradientTransformation) -> Callable[[], None]:
        step = _jitted_step(tx)
        box = {"params": [jnp.asarray(a) for a in arrays]}
        box["state"] = tx.init(box["params"])

        def run() -> None:
            box["params"], box["state"] = step(box["params"], box["state"], grads_j)
            jax.block_until_ready(box["params"])

        return run

    ours_run = runner(optim.adamw(lr=1e-3, weight_decay=1e-2))
    theirs_run = runner(optax.adamw(1e-3, b1=0.9, b2=0.999, eps=1e-8, weight_decay=1e-2))
    ours, theirs = [], []
    for _ in range(3):  # alternate, so that load on the machine affects both alike
        ours.append(median_time(ours_run, repeats))
        theirs.append(median_time(theirs_run, repeats))
    return (
        "rustorch_fx adamw vs optax.adamw (jit)",
        statistics.median(ours),
        statistics.median(theirs),
        "jax",
        "<= 1.10x",
    )


def state_bytes(arrays: list[np.ndarray]) -> tuple[int, int]:
    """Bytes of AdamW's state with float32 moments and with bfloat16 moments."""
    params = [jnp.asarray(a) for a in arrays]

    def size(tx: optax.GradientTransformation) -> int:
        state = jax.eval_shape(tx.init, params)
        return sum(
            int(np.prod(leaf.shape)) * np.dtype(leaf.dtype).itemsize
            for leaf in jax.tree_util.tree_leaves(state)
        )

    tx = optim.adamw(lr=1e-3)
    return size(tx), size(optim.with_state_dtype(tx, jnp.bfloat16))


def main(argv: Sequence[str] | None = None) -> list[Row]:
    """Run the cases and print the table; return the rows (label, ours, theirs, ...)."""
    parser = argparse.ArgumentParser(
        description="AdamW step: compat vs torch, rustorch_fx vs optax"
    )
    parser.add_argument("--quick", action="store_true", help="100k parameters, few repeats")
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args(argv)
    total = 100_000 if args.quick else 10_000_000
    repeats = 3 if args.quick else args.repeats
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s, dtype=np.float32) for s in shapes(total)]
    grads = [rng.standard_normal(s, dtype=np.float32) for s in shapes(total)]
    n = sum(a.size for a in arrays)
    rows = [
        compat_vs_torch(arrays, grads, repeats),
        functional_vs_optax(arrays, grads, repeats),
    ]
    print(f"AdamW step over {n / 1e6:.1f}M parameters ({len(arrays)} tensors), median of {repeats}")
    print(f"{'case':42s} {'ours ms':>9s} {'theirs ms':>14s} {'ratio':>7s}  target")
    for label, ours, theirs, how, target in rows:
        ratio = ours / theirs
        limit = 1.0 if target == "<= 1.0x" else 1.10
        verdict = "ok" if ratio <= limit else "MISSED"
        print(
            f"{label:42s} {ours * 1e3:9.2f} {theirs * 1e3:9.2f} ({how:>3s}) "
            f"{ratio:6.2f}x  {target} {verdict}"
        )
    f32, bf16 = state_bytes(arrays)
    print(
        f"optimizer state: float32 moments {f32 / 2**20:.1f} MiB, bfloat16 moments "
        f"{bf16 / 2**20:.1f} MiB ({bf16 / f32:.2f}x)"
    )
    return rows


if __name__ == "__main__":
    main()
