"""Data-loading benchmark: compat.utils.data.DataLoader against torch.utils.data (issue 6).

Cases, each one epoch timed from ``iter(loader)`` to the last batch (worker start included),
reported as samples per second:

- ``images w0`` / ``images w2``: a map-style dataset whose sample ``i`` is a 3x32x32 float32
  array made with numpy from seed ``i`` (plus the int label ``i % 10``), batch 64, shuffle,
  ``num_workers`` 0 and 2. The same dataset object feeds both loaders; torch's batches are
  torch tensors, ours compat tensors.
- ``tensors w0``: a ``TensorDataset`` of 100k rows (32 float32 features and an int64 label),
  batch 256, shuffle, ``num_workers`` 0 (torch's over torch tensors, ours over compat ones).

The two loaders are timed alternately, ``--repeats`` epochs each; the median is reported.
Target (issue 6): ours at least 1.0x torch's samples per second in every case.

The last column is the CPU time one epoch costs (main process plus its workers, user +
system), torch's over ours: it does not depend on how busy the machine is, which the
samples per second of the worker case do a lot (three processes on a shared machine).

    python benchmarks/data.py            # full sizes
    python benchmarks/data.py --quick    # a smoke test (the test suite runs it)
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
import torch.utils.data as tud

import compat
import compat.utils.data as cud

Row = tuple[str, float, float]  # case, ours samples/s, torch samples/s
_cpu: dict[str, tuple[float, float]] = {}  # case -> (ours, torch) CPU seconds per epoch


class SyntheticImages:
    """Sample ``i``: a 3x32x32 float32 array drawn by numpy from seed ``i``, and a label."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> tuple[np.ndarray, int]:
        rng = np.random.default_rng(i)
        return rng.standard_normal((3, 32, 32), dtype=np.float32), i % 10


def _epoch(loader: Any) -> int:
    count = 0
    for batch in loader:
        count += len(batch[1])
    return count


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished (joined) children, user + system."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _rate(loader: Any) -> tuple[float, float]:
    """Samples per second and CPU seconds of one epoch (workers are joined at its end)."""
    cpu = _cpu_seconds()
    start = time.perf_counter()
    n = _epoch(loader)
    return n / (time.perf_counter() - start), _cpu_seconds() - cpu


def compare(
    make_ours: Callable[[], Any], make_theirs: Callable[[], Any], repeats: int
) -> tuple[float, float, float, float]:
    """Median samples/s and CPU s/epoch of ours and torch's, timed alternately.

    Returns:
        ``(ours samples/s, torch samples/s, ours CPU s, torch CPU s)`` (one warm-up epoch
        each first).
    """
    ours_loader, theirs_loader = make_ours(), make_theirs()
    _epoch(ours_loader)
    _epoch(theirs_loader)
    ours, theirs = [], []
    for _ in range(repeats):
        ours.append(_rate(ours_loader))
        theirs.append(_rate(theirs_loader))
    return (
        statistics.median(r for r, _ in ours),
        statistics.median(r for r, _ in theirs),
        statistics.median(c for _, c in ours),
        statistics.median(c for _, c in theirs),
    )


def images_case(n: int, workers: int, repeats: int) -> Row:
    ds = SyntheticImages(n)
    kw = {"batch_size": 64, "shuffle": True, "num_workers": workers}
    ours, theirs, *cpu = compare(
        lambda: cud.DataLoader(ds, **kw), lambda: tud.DataLoader(ds, **kw), repeats
    )
    label = f"images 3x32x32 x{n}, batch 64, w{workers}"
    _cpu[label] = (cpu[0], cpu[1])
    return (label, ours, theirs)


def tensors_case(n: int, repeats: int) -> Row:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, 32), dtype=np.float32)
    y = rng.integers(0, 10, n)
    ours_ds = cud.TensorDataset(compat.from_numpy(x), compat.from_numpy(y))
    theirs_ds = tud.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    kw = {"batch_size": 256, "shuffle": True}
    ours, theirs, *cpu = compare(
        lambda: cud.DataLoader(ours_ds, **kw), lambda: tud.DataLoader(theirs_ds, **kw), repeats
    )
    label = f"TensorDataset {n}x32 + label, batch 256, w0"
    _cpu[label] = (cpu[0], cpu[1])
    return (label, ours, theirs)


def main(argv: Sequence[str] | None = None) -> list[Row]:
    """Run the cases and print the table; return ``(case, ours samples/s, torch samples/s)``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="epochs per timing")
    parser.add_argument("--quick", action="store_true", help="small sizes, one epoch")
    args = parser.parse_args(argv)
    repeats = 1 if args.quick else args.repeats
    images = 512 if args.quick else 10_240
    rows = 2_048 if args.quick else 100_000
    with warnings.catch_warnings():
        # torch's workers are forked from this process, where JAX runs (compat is imported),
        # so JAX's at-fork hook warns on each of torch's worker starts. Like ours, they only
        # run the numpy dataset and never call into JAX. compat's loader silences the warning
        # for its own forks (rustorch_fx/data/_loader.py).
        warnings.filterwarnings(
            "ignore", message=r"os\.fork\(\) was called", category=RuntimeWarning
        )
        results = [
            images_case(images, 0, repeats),
            images_case(images, 2, repeats),
            tensors_case(rows, repeats),
        ]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"compat.utils.data vs torch {torch.__version__} DataLoader (cpu), median of {repeats}; "
        f"load average {load}, {os.cpu_count()} CPUs"
    )
    print(
        f"{'case':44s} {'ours/s':>10s} {'torch/s':>10s} {'ratio':>7s}  {'target':20s} "
        "cpu s/epoch ours, torch (torch/ours)"
    )
    for label, ours, theirs in results:
        target = ">= 1.0x torch " + ("ok" if ours >= theirs else "MISSED")
        cpu_ours, cpu_theirs = _cpu[label]
        cpu_ratio = cpu_theirs / cpu_ours if cpu_ours > 0 else float("nan")
        print(
            f"{label:44s} {ours:10.0f} {theirs:10.0f} {ours / theirs:6.2f}x  {target:20s} "
            f"{cpu_ours:.3f}, {cpu_theirs:.3f} ({cpu_ratio:.2f}x)"
        )
    return results


if __name__ == "__main__":
    main()
