"""The LSTM case of the layer benchmarks: forward + backward of a 2-layer LSTM, compat vs torch.

``lstm_case(quick)`` returns ``(compat_step, torch_step)``: each runs one forward and backward
of ``nn.LSTM(128, 256, num_layers=2)`` on a sequence-first batch ``(64, 32, 128)`` with the loss
``mean(output ** 2)``, with the same weights in both libraries; ``quick`` uses tiny sizes (a
smoke test). ``benchmarks/layers.py`` times it with the other layers.

Run alone, it also times raw JAX (``jax.jit(jax.value_and_grad)`` of the same function over
:func:`rustorch_fx.nn.lstm`) and prints the three medians:

    python benchmarks/_layers_lstm.py            # full sizes
    python benchmarks/_layers_lstm.py --quick    # tiny sizes
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

# (layers, input, hidden, steps, batch)
FULL = (2, 128, 256, 64, 32)
QUICK = (2, 8, 16, 6, 4)


def _sizes(quick: bool) -> tuple[int, int, int, int, int]:
    return QUICK if quick else FULL


def _modules(quick: bool) -> tuple[compat.nn.LSTM, torch.nn.LSTM, np.ndarray]:
    layers, n_in, hidden, steps, batch = _sizes(quick)
    torch.manual_seed(0)
    theirs = torch.nn.LSTM(n_in, hidden, num_layers=layers)
    ours = compat.nn.LSTM(n_in, hidden, num_layers=layers)
    ours.load_state_dict(
        {k: compat.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()}
    )
    x = np.random.default_rng(0).standard_normal((steps, batch, n_in)).astype(np.float32)
    return ours, theirs, x


def lstm_case(quick: bool) -> tuple[Callable[[], None], Callable[[], None]]:
    """``(compat_step, torch_step)``: forward + backward of the same LSTM in each library.

    Args:
        quick: Tiny sizes instead of 2 layers, input 128, hidden 256, 64 steps, batch 32.

    Returns:
        Two callables without arguments. Each clears the gradients, runs the forward and the
        backward of ``mean(output ** 2)``, and waits for the gradients to be computed.
    """
    ours, theirs, xs = _modules(quick)
    x_c, x_t = compat.tensor(xs), torch.tensor(xs)
    first = ours.weight_ih_l0

    def compat_step() -> None:
        ours.zero_grad()
        out, _ = ours(x_c)
        (out * out).mean().backward()
        first.grad[0, 0].item()  # compat dispatches asynchronously: wait for the gradients

    def torch_step() -> None:
        theirs.zero_grad()
        out, _ = theirs(x_t)
        (out * out).mean().backward()

    return compat_step, torch_step


def jax_step(quick: bool) -> Callable[[], None]:
    """The same forward + backward in raw JAX: ``jit(value_and_grad)`` over ``rustorch_fx.nn.lstm``."""
    import jax
    import jax.numpy as jnp

    import rustorch_fx.nn as rnn

    ours, _, xs = _modules(quick)
    params = [jnp.asarray(p.detach().numpy()) for p in ours._flat_weights]
    x = jnp.asarray(xs)
    layers = _sizes(quick)[0]

    def loss(params: list[Any], x: Any) -> Any:
        out, _ = rnn.lstm(x, None, params, num_layers=layers)
        return jnp.mean(out * out)

    step = jax.jit(jax.value_and_grad(loss))

    def run() -> None:
        jax.block_until_ready(step(params, x))

    return run


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


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    """Time compat, torch (default threads and 1 thread; the faster) and raw JAX; print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, few repeats")
    parser.add_argument("--repeats", type=int, default=7, help="samples per timing")
    args = parser.parse_args(argv)
    repeats, inner = (3, 3) if args.quick else (args.repeats, 3)
    compat_step, torch_step = lstm_case(args.quick)
    t0 = time.perf_counter()
    compat_step()
    compile_s = time.perf_counter() - t0
    times = {"compat": median_time(compat_step, repeats, inner)}
    default = torch.get_num_threads()
    for threads in sorted({default, 1}, reverse=True):
        torch.set_num_threads(threads)
        times[f"torch ({threads}t)"] = median_time(torch_step, repeats, inner)
    torch.set_num_threads(default)
    times["raw jax"] = median_time(jax_step(args.quick), repeats, inner)
    best_torch = min(v for k, v in times.items() if k.startswith("torch"))
    layers, n_in, hidden, steps, batch = _sizes(args.quick)
    print(
        f"LSTM fwd+bwd: {layers} layers, input {n_in}, hidden {hidden}, {steps} steps, "
        f"batch {batch} (first compat call incl. compile {compile_s:.2f} s)"
    )
    for name, value in times.items():
        print(f"  {name:12s} {value * 1e3:9.2f} ms  {value / best_torch:5.2f}x best torch")
    return times


if __name__ == "__main__":
    main(sys.argv[1:])
