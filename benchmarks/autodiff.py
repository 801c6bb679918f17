"""Autodiff timings: rustorch_fx against raw JAX and torch.func, in one run on one machine.

Cases (the same function and the same float32 values in all three libraries):

- ``hvp``: Hessian-vector product of an MLP's softmax cross-entropy loss with respect to all
  its weights (batch 128, layers 256-512-512-10, tanh), forward-over-reverse:
  ``rustorch_fx.hvp`` vs ``jax.jvp(jax.grad(f), ...)`` vs ``torch.func.jvp(torch.func.grad(f))``.
- ``hessian``: full Hessian of a function R^64 -> R.
- ``jacobian``: full Jacobian of a map R^256 -> R^256 in fwd, rev and auto modes, against
  ``jax.jacfwd``/``jax.jacrev`` and ``torch.func.jacfwd``/``jacrev`` (auto is compared with
  the mode it picks: reverse for a square Jacobian).

JAX functions (ours and raw) are ``jax.jit``-compiled; the first call is reported apart as the
compile time. Each figure is the median over ``--repeats`` samples after warm-up, each call
blocked with ``block_until_ready``; ours and raw JAX are sampled alternately so that load on
the machine affects both alike. torch.func runs eagerly, timed at its default thread count and
at 1 thread; the faster one is used for the ratio.

Run ``python benchmarks/autodiff.py`` (full sizes) or ``--quick`` (small sizes, a smoke test
whose figures are not comparable to the targets).
"""

from __future__ import annotations

import argparse
import itertools
import re
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import torch

import rustorch_fx as rt

TARGET_VS_JAX = 1.05
TARGET_VS_TORCH = {"hvp": 0.35, "hessian": 0.15}


@dataclass
class Sizes:
    """Problem sizes: the MLP of the hvp case, the hessian input, the jacobian input/output."""

    batch: int
    layers: tuple[int, ...]
    hessian_dim: int
    jacobian_dim: int


FULL = Sizes(batch=128, layers=(256, 512, 512, 10), hessian_dim=64, jacobian_dim=256)
QUICK = Sizes(batch=8, layers=(16, 32, 32, 10), hessian_dim=8, jacobian_dim=16)


@dataclass
class Row:
    """One line of the table: median times in ms, compile times, and the largest difference."""

    case: str
    ours_ms: float
    jax_ms: float
    torch_ms: float
    torch_threads: int
    ours_compile_ms: float
    jax_compile_ms: float
    max_diff: float
    same_program: bool = False
    paired_vs_jax: float | None = None

    @property
    def vs_jax(self) -> float:
        """Our time over raw JAX's: the median of the ratios of samples taken back to back."""
        return self.paired_vs_jax if self.paired_vs_jax is not None else self.ours_ms / self.jax_ms

    @property
    def vs_torch(self) -> float:
        """Our time over torch.func's (the faster of its two thread settings)."""
        return self.ours_ms / self.torch_ms

    @property
    def family(self) -> str:
        """``hvp``, ``hessian`` or ``jacobian``."""
        return self.case.split()[0]

    def targets(self) -> list[tuple[str, bool]]:
        """The issue's targets for this case, each with whether it was met."""
        met = [(f"<={TARGET_VS_JAX:g}x JAX", self.vs_jax <= TARGET_VS_JAX)]
        if self.family in TARGET_VS_TORCH:
            limit = TARGET_VS_TORCH[self.family]
            met.append((f"<={limit:g}x torch", self.vs_torch <= limit))
        return met


# ----------------------------------------------------------------------------------------------
# Timing
# ----------------------------------------------------------------------------------------------


def _block(out: Any) -> Any:
    return jax.block_until_ready(out)


def _inner_count(thunk: Callable[[], Any], min_sample_s: float) -> int:
    """How many calls make one sample last at least ``min_sample_s`` (timer resolution)."""
    t0 = time.perf_counter()
    thunk()
    once = max(time.perf_counter() - t0, 1e-7)
    return max(1, int(min_sample_s / once))


def _sample(thunk: Callable[[], Any], inner: int) -> float:
    t0 = time.perf_counter()
    for _ in range(inner):
        thunk()
    return (time.perf_counter() - t0) / inner


def measure_interleaved(
    thunks: dict[str, Callable[[], Any]], repeats: int, warmup: int, min_sample_s: float
) -> dict[str, list[float]]:
    """Seconds per call of each thunk, ``repeats`` samples each, taken in turn (round robin)."""
    for thunk in thunks.values():
        for _ in range(warmup):
            thunk()
    inner = {name: _inner_count(t, min_sample_s) for name, t in thunks.items()}
    samples: dict[str, list[float]] = {name: [] for name in thunks}
    for _ in range(repeats):
        for name, thunk in thunks.items():
            samples[name].append(_sample(thunk, inner[name]))
    return samples


def measure_torch(
    thunk: Callable[[], Any], repeats: int, warmup: int, min_sample_s: float
) -> tuple[float, int, dict[int, float]]:
    """Median seconds per call at torch's default thread count and at 1 thread; the faster."""
    default = torch.get_num_threads()
    timings: dict[int, float] = {}
    try:
        for threads in sorted({default, 1}, reverse=True):
            torch.set_num_threads(threads)
            samples = measure_interleaved({"t": thunk}, repeats, warmup, min_sample_s)["t"]
            timings[threads] = statistics.median(samples)
    finally:
        torch.set_num_threads(default)
    best = min(timings, key=timings.__getitem__)
    return timings[best], best, timings


def compiled_program(fn: Callable[..., Any], *args: Any) -> str:
    """The optimised XLA program of a jitted function, without names and source locations."""
    lines = fn.lower(*args).compile().as_text().splitlines()
    # Skip the header tables (file and function names, stack frames) to the first computation.
    start = next(
        (i for i, line in enumerate(lines) if re.match(r"^(%|ENTRY|fused|\w[\w.\-]*\s*\()", line)),
        0,
    )
    body = "\n".join(lines[start:])
    body = re.sub(r", metadata=\{[^}]*\}", "", body)
    return re.sub(r"jit_\w+", "jit_f", body)


def first_call_s(fn: Callable[..., Any], *args: Any) -> float:
    """Wall time of the first call of a jitted function: tracing, compilation and one run."""
    t0 = time.perf_counter()
    _block(fn(*args))
    return time.perf_counter() - t0


# ----------------------------------------------------------------------------------------------
# The functions, written once for JAX and once for torch
# ----------------------------------------------------------------------------------------------


def mlp_params(rng: np.random.Generator, layers: Sequence[int]) -> dict[str, np.ndarray]:
    """PyTorch-layout weights (``[out, in]``) of an MLP, keyed like a ``state_dict``."""
    params = {}
    for i, (n_in, n_out) in enumerate(itertools.pairwise(layers)):
        bound = 1.0 / np.sqrt(n_in)
        params[f"{i}.weight"] = rng.uniform(-bound, bound, (n_out, n_in)).astype(np.float32)
        params[f"{i}.bias"] = rng.uniform(-bound, bound, (n_out,)).astype(np.float32)
    return params


def mlp_loss_jax(params: dict[str, jax.Array], x: jax.Array, y: jax.Array) -> jax.Array:
    n = len(params) // 2
    h = x
    for i in range(n):
        h = h @ params[f"{i}.weight"].T + params[f"{i}.bias"]
        if i < n - 1:
            h = jnp.tanh(h)
    logp = jax.nn.log_softmax(h, axis=-1)
    return -jnp.mean(jnp.take_along_axis(logp, y[:, None], axis=1))


def mlp_loss_torch(params: dict[str, torch.Tensor], x: torch.Tensor, y: torch.Tensor) -> Any:
    n = len(params) // 2
    h = x
    for i in range(n):
        h = h @ params[f"{i}.weight"].T + params[f"{i}.bias"]
        if i < n - 1:
            h = torch.tanh(h)
    return torch.nn.functional.cross_entropy(h, y)


def scalar_fn_jax(x: jax.Array, a: jax.Array) -> jax.Array:
    """R^n -> R: softplus features plus a quartic term."""
    return jnp.sum(jax.nn.softplus(a @ x)) + 0.25 * jnp.sum(x**4) + jnp.sum(jnp.sin(x) * x)


def scalar_fn_torch(x: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
    return (
        torch.nn.functional.softplus(a @ x).sum() + 0.25 * (x**4).sum() + (torch.sin(x) * x).sum()
    )


def vector_fn_jax(x: jax.Array, w: jax.Array) -> jax.Array:
    """R^n -> R^n: a tanh layer plus an elementwise term."""
    return jnp.tanh(w @ x) + x * jnp.sin(x)


def vector_fn_torch(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    return torch.tanh(w @ x) + x * torch.sin(x)


# ----------------------------------------------------------------------------------------------
# The cases
# ----------------------------------------------------------------------------------------------


@dataclass
class Case:
    """A case: our function and raw JAX's (both jitted later), a torch thunk, the arguments."""

    name: str
    ours: Callable[..., Any]
    raw: Callable[..., Any]
    torch_thunk: Callable[[], Any]
    args: tuple[Any, ...]


_TORCH_DEVICE = "cpu"


def _t(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.array(a)).to(_TORCH_DEVICE)


def _torch_sync(out: Any) -> Any:
    if _TORCH_DEVICE != "cpu":
        torch.cuda.synchronize()
    return out


def _leaves_np(out: Any) -> list[np.ndarray]:
    if isinstance(out, torch.Tensor):
        return [out.detach().cpu().numpy()]
    if isinstance(out, dict):
        return [x for k in sorted(out) for x in _leaves_np(out[k])]
    if isinstance(out, (tuple, list)):
        return [x for o in out for x in _leaves_np(o)]
    return [np.asarray(out)]


def build_cases(sizes: Sizes, seed: int) -> list[Case]:
    rng = np.random.default_rng(seed)
    cases = []

    # hvp of the MLP loss with respect to every weight.
    params = mlp_params(rng, sizes.layers)
    tangent = {k: rng.standard_normal(v.shape).astype(np.float32) for k, v in params.items()}
    x = rng.standard_normal((sizes.batch, sizes.layers[0])).astype(np.float32)
    y = rng.integers(0, sizes.layers[-1], sizes.batch).astype(np.int32)
    jx, jy = jnp.asarray(x), jnp.asarray(y)

    def ours_hvp(p: Any, v: Any) -> Any:
        (hv,) = rt.hvp(lambda q: mlp_loss_jax(q, jx, jy), (p,), (v,))
        return hv

    def raw_hvp(p: Any, v: Any) -> Any:
        return jax.jvp(jax.grad(lambda q: mlp_loss_jax(q, jx, jy)), (p,), (v,))[1]

    tp = {k: _t(v) for k, v in params.items()}
    tv = {k: _t(v) for k, v in tangent.items()}
    tx, ty = _t(x), _t(y.astype(np.int64))

    def torch_hvp() -> Any:
        f = lambda q: mlp_loss_torch(q, tx, ty)  # noqa: E731
        return _torch_sync(torch.func.jvp(torch.func.grad(f), (tp,), (tv,))[1])

    jp = {k: jnp.asarray(v) for k, v in params.items()}
    jv = {k: jnp.asarray(v) for k, v in tangent.items()}
    cases.append(Case("hvp", ours_hvp, raw_hvp, torch_hvp, (jp, jv)))

    # hessian of R^n -> R.
    n = sizes.hessian_dim
    a = (rng.standard_normal((2 * n, n)) / np.sqrt(n)).astype(np.float32)
    x0 = rng.standard_normal(n).astype(np.float32)
    ja = jnp.asarray(a)
    ta, tx0 = _t(a), _t(x0)
    cases.append(
        Case(
            "hessian",
            lambda v: rt.hessian(lambda u: scalar_fn_jax(u, ja))(v),
            lambda v: jax.hessian(lambda u: scalar_fn_jax(u, ja))(v),
            lambda: _torch_sync(torch.func.hessian(lambda u: scalar_fn_torch(u, ta))(tx0)),
            (jnp.asarray(x0),),
        )
    )

    # jacobian of R^n -> R^n in each mode.
    m = sizes.jacobian_dim
    w = (rng.standard_normal((m, m)) / np.sqrt(m)).astype(np.float32)
    x1 = rng.standard_normal(m).astype(np.float32)
    jw, tw, tx1 = jnp.asarray(w), _t(w), _t(x1)
    g_jax = lambda u: vector_fn_jax(u, jw)  # noqa: E731
    g_torch = lambda u: vector_fn_torch(u, tw)  # noqa: E731
    for mode, raw, torch_jac in (
        ("fwd", jax.jacfwd, torch.func.jacfwd),
        ("rev", jax.jacrev, torch.func.jacrev),
        ("auto", jax.jacrev, torch.func.jacrev),  # auto picks reverse for a square Jacobian
    ):
        cases.append(
            Case(
                f"jacobian {mode}",
                lambda v, mode=mode: rt.jacobian(g_jax, mode=mode)(v),
                lambda v, raw=raw: raw(g_jax)(v),
                lambda tj=torch_jac: _torch_sync(tj(g_torch)(tx1)),
                (jnp.asarray(x1),),
            )
        )
    return cases


def compile_times(
    ours: Any, raw: Any, args: tuple[Any, ...], both_orders: bool = True
) -> tuple[float, float]:
    """First-call seconds of each from cold caches; in both orders, the faster of the two.

    With ``both_orders`` False (``--quick``) each function is called once, first, so its
    call is cold without clearing JAX's caches: clearing them would make every function
    compiled before in the process (a test run's, say) trace and compile again.
    """
    times: dict[str, list[float]] = {"ours": [], "raw": []}
    for order in (("raw", "ours"), ("ours", "raw"))[: 2 if both_orders else 1]:
        for name in order:
            if both_orders:
                jax.clear_caches()
            times[name].append(first_call_s(ours if name == "ours" else raw, *args))
    return min(times["ours"]), min(times["raw"])


def run_case(
    case: Case, repeats: int, warmup: int, min_sample_s: float, quick: bool = False
) -> Row:
    ours, raw = jax.jit(case.ours), jax.jit(case.raw)
    ours_compile, raw_compile = compile_times(ours, raw, case.args, both_orders=not quick)
    same = compiled_program(ours, *case.args) == compiled_program(raw, *case.args)
    samples = measure_interleaved(
        {
            "ours": lambda: _block(ours(*case.args)),
            "raw": lambda: _block(raw(*case.args)),
        },
        repeats,
        warmup,
        min_sample_s,
    )
    torch_s, threads, _ = measure_torch(case.torch_thunk, repeats, warmup, min_sample_s)
    ours_out = _leaves_np(ours(*case.args))
    ref = _leaves_np(case.torch_thunk())
    raw_out = _leaves_np(raw(*case.args))
    diff = max(
        max(float(np.max(np.abs(o - r))) for o, r in zip(ours_out, ref, strict=True)),
        max(float(np.max(np.abs(o - r))) for o, r in zip(ours_out, raw_out, strict=True)),
    )
    return Row(
        case=case.name,
        ours_ms=statistics.median(samples["ours"]) * 1e3,
        jax_ms=statistics.median(samples["raw"]) * 1e3,
        torch_ms=torch_s * 1e3,
        torch_threads=threads,
        ours_compile_ms=ours_compile * 1e3,
        jax_compile_ms=raw_compile * 1e3,
        max_diff=diff,
        same_program=same,
        paired_vs_jax=statistics.median(
            o / r for o, r in zip(samples["ours"], samples["raw"], strict=True)
        ),
    )


# ----------------------------------------------------------------------------------------------
# Report
# ----------------------------------------------------------------------------------------------


def format_table(rows: Sequence[Row]) -> str:
    head = (
        f"{'case':<14} {'rustorch_fx ms':>14} {'raw JAX ms':>11} {'torch ms':>14} "
        f"{'vs JAX':>7} {'vs torch':>9}  targets"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        torch_col = f"{r.torch_ms:.4f} ({r.torch_threads}t)"
        targets = ", ".join(f"{name} {'ok' if ok else 'MISSED'}" for name, ok in r.targets())
        lines.append(
            f"{r.case:<14} {r.ours_ms:>14.4f} {r.jax_ms:>11.4f} {torch_col:>14} "
            f"{r.vs_jax:>6.3f}x {r.vs_torch:>8.3f}x  {targets}"
        )
    lines.append("")
    lines.append(
        f"{'case':<14} {'compile ms: rustorch_fx':>24} {'raw JAX':>9}   "
        "same XLA program as raw JAX   max |diff| vs torch/JAX"
    )
    for r in rows:
        lines.append(
            f"{r.case:<14} {r.ours_compile_ms:>24.1f} {r.jax_compile_ms:>9.1f}   "
            f"{'yes' if r.same_program else 'NO':<27}   {r.max_diff:.2e}"
        )
    return "\n".join(lines)


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="rustorch_fx autodiff vs raw JAX and torch.func")
    parser.add_argument("--repeats", type=int, default=None, help="samples per timing")
    parser.add_argument("--quick", action="store_true", help="small sizes, few repeats")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--torch-device",
        default="cpu",
        help="device of the torch.func runs (cpu, or cuda to compare with JAX on a GPU)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> list[Row]:
    """Run every case, print the table and return its rows."""
    global _TORCH_DEVICE
    args = _parse(argv)
    _TORCH_DEVICE = args.torch_device
    sizes = QUICK if args.quick else FULL
    repeats = args.repeats if args.repeats is not None else (3 if args.quick else 30)
    warmup = 1 if args.quick else 5
    min_sample_s = 0.0 if args.quick else 0.02
    print(
        f"autodiff benchmark ({'quick: reduced sizes' if args.quick else 'full sizes'}): "
        f"jax {jax.__version__} on {jax.default_backend()}, torch {torch.__version__} "
        f"on {args.torch_device} (default {torch.get_num_threads()} threads), median of {repeats} samples, float32"
    )
    print(
        f"hvp: MLP {'-'.join(map(str, sizes.layers))}, batch {sizes.batch}; "
        f"hessian: R^{sizes.hessian_dim} -> R; "
        f"jacobian: R^{sizes.jacobian_dim} -> R^{sizes.jacobian_dim}\n"
    )
    rows = [
        run_case(c, repeats, warmup, min_sample_s, quick=args.quick)
        for c in build_cases(sizes, args.seed)
    ]
    print(format_table(rows))
    if args.quick:
        print("\n(quick run: sizes are reduced, so the targets do not apply to these figures)")
    return rows


if __name__ == "__main__":
    main()
