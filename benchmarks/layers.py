"""Layer benchmarks: compat eager forward+backward against torch eager (issue 4).

Cases, each timed as a full training-style step (forward, loss, ``backward()``, grads zeroed):

- ``cnn``: two Conv2d(k=3, padding=1)-BatchNorm2d-ReLU-MaxPool2d(2) blocks, 3 -> 32 -> 64
  channels, then Flatten, Linear to 10 classes and cross-entropy; input 3x32x32, batch 64.
  The raw-JAX column is the same network as one jitted ``grad`` of rustorch_fx functions
  (the floor for compat's eager path: no per-op dispatch), compiled with
  :func:`rustorch_fx.xla_cpu_compiler_options` as compat's own programs are, the batch
  passed as arguments (closed over, XLA folded the first layer's shifted inputs into
  constants: 20.4 ms then, about 22 ms now, against compat's 26).
- ``lstm``: from ``benchmarks/_layers_lstm.py`` (``lstm_case(quick)``); skipped with a note if
  that file or function is missing.

torch is timed at its default thread count and at 1 thread; the faster is used for the ratio.
The variants of a case (compat, torch at each thread count, raw JAX) are sampled in turn,
sample by sample, so that load on a shared machine hits them alike; the table gives each
one's median wall time and median process CPU time per step (the CPU time of all threads: on
2 cores a step can use up to twice its wall time). Target (issue 4): the CNN step at most 1.0x
torch eager's time.

    python benchmarks/layers.py            # full sizes
    python benchmarks/layers.py --quick    # a smoke test (the test suite runs it)
    python benchmarks/layers.py --pieces   # also each CNN layer alone, forward + backward
    python benchmarks/layers.py --lowerings  # also each conv lowering per CNN conv shape
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import itertools
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import torch

import compat
import rustorch_fx.nn as rnn
from rustorch_fx import losses as rlosses
from rustorch_fx._xla import xla_cpu_compiler_options

HERE = Path(__file__).resolve().parent


def median_time(fn: Callable[[], Any], repeats: int, inner: int) -> float:
    """Median over ``repeats`` samples of the mean time of ``inner`` calls, in seconds."""
    for _ in range(3):
        fn()
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        samples.append((time.perf_counter() - t0) / inner)
    return statistics.median(samples)


def torch_fastest(fn: Callable[[], Any], repeats: int, inner: int) -> tuple[float, str]:
    """Time torch at its default thread count and at 1 thread: the faster, and which."""
    default = torch.get_num_threads()
    results = []
    for threads in sorted({default, 1}, reverse=True):
        torch.set_num_threads(threads)
        results.append((median_time(fn, repeats, inner), f"{threads}t"))
    torch.set_num_threads(default)
    return min(results)


def _with_threads(fn: Callable[[], Any], threads: int) -> Callable[[], Any]:
    """``fn`` run with torch at ``threads`` threads (the previous count restored after)."""

    def run() -> Any:
        previous = torch.get_num_threads()
        torch.set_num_threads(threads)
        try:
            return fn()
        finally:
            torch.set_num_threads(previous)

    return run


def interleaved_times(
    fns: dict[str, Callable[[], Any]], repeats: int, inner: int
) -> dict[str, tuple[float, float]]:
    """Median wall and process CPU time per call of each function, sampled in turn.

    Each sample times ``inner`` calls of one variant; the variants take turns sample by
    sample, so a change of load on the machine hits them alike. Process CPU time counts every
    thread of the process.

    Args:
        fns: The variants by name (each called 3 times first, as warm-up).
        repeats: Samples per variant.
        inner: Calls per sample.

    Returns:
        ``{name: (median wall s, median process CPU s)}``.

    Example:
        >>> times = interleaved_times({"noop": lambda: None}, repeats=3, inner=2)
        >>> sorted(times)
        ['noop']
    """
    for fn in fns.values():
        for _ in range(3):
            fn()
    wall: dict[str, list[float]] = {name: [] for name in fns}
    cpu: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            c0 = time.process_time()
            t0 = time.perf_counter()
            for _ in range(inner):
                fn()
            wall[name].append((time.perf_counter() - t0) / inner)
            cpu[name].append((time.process_time() - c0) / inner)
    return {name: (statistics.median(wall[name]), statistics.median(cpu[name])) for name in fns}


def time_case(
    ours: Callable[[], Any],
    theirs: Callable[[], Any],
    raw: Callable[[], Any] | None,
    repeats: int,
    inner: int,
) -> tuple[dict[str, tuple[float, float]], str]:
    """Interleaved times of compat, torch (default threads and 1 thread) and raw JAX.

    Args:
        ours: The compat step.
        theirs: The torch step (run at torch's default thread count and at 1 thread).
        raw: The raw JAX step, or None.
        repeats: Samples per variant.
        inner: Calls per sample.

    Returns:
        The :func:`interleaved_times` result (keys ``"compat"``, ``"torch {n}t"``, ``"raw"``)
        with torch's faster thread setting also under ``"torch"``, and that setting
        (``"2t"``, ``"1t"``).
    """
    default = torch.get_num_threads()
    fns: dict[str, Callable[[], Any]] = {"compat": ours}
    for threads in sorted({default, 1}, reverse=True):
        fns[f"torch {threads}t"] = _with_threads(theirs, threads)
    if raw is not None:
        fns["raw"] = raw
    times = interleaved_times(fns, repeats, inner)
    best = min((k for k in times if k.startswith("torch")), key=lambda k: times[k][0])
    times["torch"] = times[best]
    return times, best.split()[1]


def make_cnn(lib: Any, channels: Sequence[int], size: int, classes: int) -> Any:
    """The benchmark CNN built from ``lib.nn`` modules (the same code for torch and compat)."""
    nn = lib.nn
    layers: list[Any] = []
    for c_in, c_out in itertools.pairwise(channels):
        layers += [
            nn.Conv2d(c_in, c_out, 3, padding=1),
            nn.BatchNorm2d(c_out),
            nn.ReLU(),
            nn.MaxPool2d(2),
        ]
    spatial = size // 2 ** (len(channels) - 1)
    layers += [nn.Flatten(), nn.Linear(channels[-1] * spatial * spatial, classes)]
    return nn.Sequential(*layers)


def cnn_sizes(quick: bool) -> tuple[tuple[int, ...], int, int, int]:
    """``(channels, image size, batch, classes)``."""
    return ((3, 8, 16), 16, 8, 10) if quick else ((3, 32, 64), 32, 64, 10)


def cnn_case(quick: bool) -> tuple[Callable[[], None], Callable[[], None], Callable[[], None]]:
    """``(compat_step, torch_step, jax_step)`` for the CNN; compat copies torch's weights."""
    channels, size, batch, classes = cnn_sizes(quick)
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((batch, channels[0], size, size)).astype(np.float32)
    ys = rng.integers(0, classes, batch)
    torch.manual_seed(0)
    net_t = make_cnn(torch, channels, size, classes)
    net_c = make_cnn(compat, channels, size, classes)
    state = {k: compat.tensor(v.detach().numpy()) for k, v in net_t.state_dict().items()}
    net_c.load_state_dict(state)
    x_t, y_t = torch.tensor(xs), torch.tensor(ys)
    x_c, y_c = compat.tensor(xs), compat.tensor(ys)

    first = next(iter(net_c.parameters()))

    def step(lib: Any, net: Any, x: Any, y: Any) -> None:
        loss = lib.nn.functional.cross_entropy(net(x), y)
        loss.backward()
        if lib is compat:
            # compat dispatches asynchronously; the first layer's grad is computed last.
            first.grad.numpy()
        for p in net.parameters():
            p.grad = None

    params = {k: jnp.asarray(v.detach().numpy()) for k, v in net_t.state_dict().items()}
    x_j, y_j = jnp.asarray(xs), jnp.asarray(ys.astype(np.int32))
    n_blocks = len(channels) - 1

    def jax_loss(p: dict[str, jax.Array], x: jax.Array, y: jax.Array) -> jax.Array:
        h = x
        for i in range(n_blocks):
            conv, bn = f"{4 * i}", f"{4 * i + 1}"
            h = rnn.conv2d(h, p[f"{conv}.weight"], p[f"{conv}.bias"], padding=1)
            h = rnn.batch_norm(h, None, None, p[f"{bn}.weight"], p[f"{bn}.bias"], training=True)
            h = rnn.max_pool2d(rnn.relu(h), 2)
        lin = f"{4 * n_blocks + 1}"
        logits = rnn.linear(h.reshape(h.shape[0], -1), p[f"{lin}.weight"], p[f"{lin}.bias"])
        return rlosses.cross_entropy(logits, y)

    # The batch is an argument, as in a training loop: closed over, it would be a constant that
    # XLA folds into the program (the first layer's shifted inputs, the targets' one-hot).
    grad = jax.jit(jax.grad(jax_loss), compiler_options=xla_cpu_compiler_options())
    trainable = {k: v for k, v in params.items() if "running" not in k and "num_batches" not in k}

    def jax_step() -> None:
        jax.block_until_ready(grad(trainable, x_j, y_j))

    return (
        lambda: step(compat, net_c, x_c, y_c),
        lambda: step(torch, net_t, x_t, y_t),
        jax_step,
    )


def cnn_pieces(quick: bool, repeats: int, inner: int) -> list[tuple[str, float, float]]:
    """Each layer of the CNN alone, forward + backward: ``(layer, compat s, torch s)``.

    Every layer gets the input it sees in the network (taken from a torch forward pass) and a
    random output gradient; the input requires grad except for the first layer's, as in the
    training step. torch is timed as in :func:`torch_fastest`.
    """
    channels, size, batch, classes = cnn_sizes(quick)
    rng = np.random.default_rng(0)
    torch.manual_seed(0)
    net_t = make_cnn(torch, channels, size, classes)
    net_c = make_cnn(compat, channels, size, classes)
    net_c.load_state_dict(
        {k: compat.tensor(v.detach().numpy()) for k, v in net_t.state_dict().items()}
    )
    h = torch.tensor(rng.standard_normal((batch, channels[0], size, size)).astype(np.float32))
    rows = []
    for i, (layer_t, layer_c) in enumerate(zip(net_t, net_c, strict=True)):
        with torch.no_grad():
            out = layer_t(h)
        grad = rng.standard_normal(tuple(out.shape)).astype(np.float32)
        x_t = h.clone().requires_grad_(i > 0)
        x_c = compat.tensor(h.numpy(), requires_grad=i > 0)
        g_t, g_c = torch.tensor(grad), compat.tensor(grad)

        def step(layer: Any, x: Any, g: Any, sync: bool) -> None:
            layer(x).backward(g)
            if sync:  # compat dispatches asynchronously
                (x.grad if x.requires_grad else next(iter(layer.parameters())).grad).numpy()
            x.grad = None
            for p in layer.parameters():
                p.grad = None

        ours = median_time(
            lambda layer=layer_c, x=x_c, g=g_c: step(layer, x, g, True), repeats, inner
        )
        theirs, _ = torch_fastest(
            lambda layer=layer_t, x=x_t, g=g_t: step(layer, x, g, False), repeats, inner
        )
        rows.append((f"{i} {type(layer_t).__name__}", ours, theirs))
        h = out
    return rows


def conv_lowerings(quick: bool, repeats: int) -> list[tuple[str, str, dict[str, float]]]:
    """Each 2-d convolution lowering on each conv shape of the CNN: forward, dx and dw alone.

    Returns ``(layer shape, part, {lowering: median s})``. Every lowering is jitted with
    :func:`rustorch_fx.xla_cpu_compiler_options` ("native" also without, as "native-default"),
    and the variants are timed in turn, sample by sample, so machine load hits them alike.
    """
    from rustorch_fx.nn import _conv

    lowerings = {
        "native": _conv._native_conv2d,
        "im2col": _conv._im2col_conv2d,
        "direct": _conv._direct_conv2d,
        "per-offset": _conv._per_offset_conv2d,
        "native+offset-dw": _conv._native_conv2d_offset_grad,
    }
    opts = xla_cpu_compiler_options()
    channels, size, batch, _ = cnn_sizes(quick)
    rng = np.random.default_rng(0)
    pads = ((1, 1), (1, 1))
    rows = []
    for i, (c_in, c_out) in enumerate(itertools.pairwise(channels)):
        s = size // 2**i
        x = jnp.asarray(rng.standard_normal((batch, c_in, s, s)).astype(np.float32))
        w = jnp.asarray(rng.standard_normal((c_out, c_in, 3, 3)).astype(np.float32))
        b = jnp.zeros((c_out,), jnp.float32)
        g = jnp.asarray(rng.standard_normal((batch, c_out, s, s)).astype(np.float32))
        for part in ("forward", "dx", "dw"):
            fns = {}
            for name, low in lowerings.items():
                if part == "forward":
                    f = functools.partial(lambda x, w, b, g, low: low(x, w, b, pads), low=low)
                elif part == "dx":
                    f = functools.partial(
                        lambda x, w, b, g, low: jax.vjp(lambda x: low(x, w, b, pads), x)[1](g),
                        low=low,
                    )
                else:
                    f = functools.partial(
                        lambda x, w, b, g, low: jax.vjp(lambda w, b: low(x, w, b, pads), w, b)[1](
                            g
                        ),
                        low=low,
                    )
                fns[name] = jax.jit(f, compiler_options=opts)
                if name == "native":
                    fns["native-default"] = jax.jit(f)
            samples: dict[str, list[float]] = {k: [] for k in fns}
            for f in fns.values():
                jax.block_until_ready(f(x, w, b, g))
            for _ in range(repeats):
                for k, f in fns.items():
                    t0 = time.perf_counter()
                    jax.block_until_ready(f(x, w, b, g))
                    samples[k].append(time.perf_counter() - t0)
            label = f"{c_in}->{c_out} {s}x{s}"
            rows.append((label, part, {k: statistics.median(v) for k, v in samples.items()}))
    return rows


def load_lstm_case() -> Callable[[bool], tuple[Callable[[], None], Callable[[], None]]] | None:
    """``lstm_case`` from ``_layers_lstm.py`` beside this file, or None if it is missing."""
    path = HERE / "_layers_lstm.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location("_layers_lstm", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return getattr(module, "lstm_case", None)


Row = tuple[str, float, float, str, float | None]


def main(argv: Sequence[str] | None = None) -> list[Row]:
    """Run the cases and print the table; return ``(case, compat s, torch s, threads, jax s)``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=11, help="samples per timing")
    parser.add_argument("--quick", action="store_true", help="small sizes, few repeats")
    parser.add_argument("--cases", default="cnn,lstm", help="comma-separated cases to run")
    parser.add_argument("--pieces", action="store_true", help="also time each CNN layer alone")
    parser.add_argument(
        "--lowerings", action="store_true", help="also time each conv lowering per CNN conv shape"
    )
    args = parser.parse_args(argv)
    repeats = 3 if args.quick else args.repeats
    inner = 2 if args.quick else 5
    cases = args.cases.split(",")
    rows: list[Row] = []
    cpu: list[tuple[float, float, float | None]] = []  # process CPU s per row
    if "cnn" in cases:
        ours_fn, theirs_fn, jax_fn = cnn_case(args.quick)
        channels, size, batch, _ = cnn_sizes(args.quick)
        times, threads = time_case(ours_fn, theirs_fn, jax_fn, repeats, inner)
        label = f"cnn {'-'.join(map(str, channels))} {size}x{size}, batch {batch}"
        rows.append((label, times["compat"][0], times["torch"][0], threads, times["raw"][0]))
        cpu.append((times["compat"][1], times["torch"][1], times["raw"][1]))
    if "lstm" in cases:
        lstm_case = load_lstm_case()
        if lstm_case is None:
            print("note: benchmarks/_layers_lstm.py (lstm_case) not found; lstm row skipped")
        else:
            ours_fn, theirs_fn = lstm_case(args.quick)
            times, threads = time_case(ours_fn, theirs_fn, None, repeats, inner)
            rows.append(("lstm", times["compat"][0], times["torch"][0], threads, None))
            cpu.append((times["compat"][1], times["torch"][1], None))
    print(
        f"compat eager vs torch {torch.__version__} eager (cpu), fwd+bwd, median of {repeats} "
        "interleaved samples; wall ms (process CPU ms)"
    )
    print(
        f"{'case':34s} {'compat ms':>16s} {'torch ms':>20s} {'ratio':>7s} {'raw jax ms':>17s}"
        "  target"
    )
    for (label, ours, theirs, threads, raw), (c_ours, c_theirs, c_raw) in zip(
        rows, cpu, strict=True
    ):
        target = "<= 1.0x torch " + ("ok" if ours <= theirs else "MISSED")
        raw_text = (
            f"{raw * 1e3:8.2f} ({c_raw * 1e3:6.1f})"
            if raw is not None and c_raw is not None
            else f"{'-':>17s}"
        )
        print(
            f"{label:34s} {ours * 1e3:7.2f} ({c_ours * 1e3:6.1f}) "
            f"{theirs * 1e3:7.2f} ({c_theirs * 1e3:6.1f}) {threads:>3s} "
            f"{ours / theirs:6.2f}x {raw_text}  {target}"
        )
    if args.pieces:
        print("\nCNN layers alone, forward + backward (ms)")
        print(f"{'layer':16s} {'compat':>8s} {'torch':>8s} {'ratio':>7s}")
        for label, ours, theirs in cnn_pieces(args.quick, repeats, inner):
            print(f"{label:16s} {ours * 1e3:8.2f} {theirs * 1e3:8.2f} {ours / theirs:6.2f}x")
    if args.lowerings:
        print("\nConvolution lowerings per CNN conv shape (median ms, XLA:CPU options on)")
        for label, part, times in conv_lowerings(args.quick, repeats):
            cells = "  ".join(f"{k}={v * 1e3:.2f}" for k, v in times.items())
            print(f"{label:16s} {part:8s} {cells}")
    return rows


if __name__ == "__main__":
    main(sys.argv[1:])
