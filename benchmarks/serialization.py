"""Checkpoint save and load of a 200 MB float32 state dict: compat vs torch on the same disk.

Prints, in one run, medians (after one warm-up; ours and torch's run alternately) of:

- ``compat.save(sd, path)`` vs ``torch.save(sd, path)``. Ours is atomic and durable: it
  writes a temporary file, fsyncs it and renames it over ``path`` (and fsyncs the directory).
  torch's is neither, so torch is also timed with an added ``os.fsync`` for a fair comparison;
- ``compat.load(path)`` vs ``torch.load(path, weights_only=True)`` (each of its own file; the
  file is in the page cache for both), and ``compat.load`` of torch's file.

Throughput is the state dict's size over the time. Targets (issue 8): ratio of throughputs
(ours / torch's) at least 1.0 both ways.

    python benchmarks/serialization.py            # 200 MB (32 tensors of 1250 x 1250)
    python benchmarks/serialization.py --quick    # 2 MB, a smoke test (the test suite runs it)
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

import compat
from compat import serialization

Row = tuple[str, float, float, str]


def paired_times(
    ours: Callable[[], Any], theirs: Callable[[], Any], repeats: int
) -> tuple[float, float]:
    """Median seconds of ``ours()`` and ``theirs()``, run alternately after one warm-up each.

    Alternating makes load from other processes on the machine fall on both alike.
    """
    ours()
    theirs()
    a, b = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        ours()
        t1 = time.perf_counter()
        theirs()
        t2 = time.perf_counter()
        a.append(t1 - t0)
        b.append(t2 - t1)
    return statistics.median(a), statistics.median(b)


def _torch_save_fsync(sd: dict[str, torch.Tensor], path: str) -> None:
    with open(path, "wb") as f:
        torch.save(sd, f)
        f.flush()
        os.fsync(f.fileno())


def run(side: int, count: int, repeats: int, directory: str) -> tuple[list[Row], float]:
    """Time the cases on ``count`` float32 tensors of ``side x side``; return rows and MB."""
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((side, side), dtype=np.float32) for _ in range(count)]
    ours_sd = {f"layer{i}.weight": compat.tensor(a) for i, a in enumerate(arrays)}
    torch_sd = {f"layer{i}.weight": torch.from_numpy(a) for i, a in enumerate(arrays)}
    mb = sum(a.nbytes for a in arrays) / 1e6
    ours_path = os.path.join(directory, "compat.pt")
    torch_path = os.path.join(directory, "torch.pt")

    def loader(path: str) -> Callable[[], None]:
        def fn() -> None:
            out = serialization.load(path)
            for t in out.values():
                t._value.block_until_ready()

        return fn

    def save_ours() -> None:
        serialization.save(ours_sd, ours_path)

    def save_torch() -> None:
        torch.save(torch_sd, torch_path)

    def load_torch() -> None:
        torch.load(torch_path, weights_only=True)

    rows = [
        ("save: compat.save (fsync) vs torch.save", *paired_times(save_ours, save_torch, repeats)),
        (
            "save: compat.save vs torch.save + fsync",
            *paired_times(save_ours, lambda: _torch_save_fsync(torch_sd, torch_path), repeats),
        ),
        ("load: compat.load vs torch.load", *paired_times(loader(ours_path), load_torch, repeats)),
        (
            "load: compat.load(torch's file) vs torch.load",
            *paired_times(loader(torch_path), load_torch, repeats),
        ),
    ]
    check = serialization.load(torch_path)
    assert np.array_equal(check["layer0.weight"].numpy(), arrays[0])
    targets = [">= 1.0x", ">= 1.0x", ">= 1.0x", ""]
    rows = [
        (label, ours, theirs, t) for (label, ours, theirs), t in zip(rows, targets, strict=True)
    ]
    return rows, mb


def main(argv: Sequence[str] | None = None) -> list[Row]:
    """Run the cases and print the table; return the rows (label, ours s, torch s, target)."""
    parser = argparse.ArgumentParser(description="checkpoint save/load: compat vs torch")
    parser.add_argument("--quick", action="store_true", help="2 MB, two repeats")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--dir", default=None, help="where to write (default: a temp dir)")
    args = parser.parse_args(argv)
    side, count = (250, 8) if args.quick else (1250, 32)
    repeats = 2 if args.quick else args.repeats
    with tempfile.TemporaryDirectory(dir=args.dir) as directory:
        rows, mb = run(side, count, repeats, directory)
    print(
        f"state dict: {count} float32 tensors of {side}x{side} ({mb:.0f} MB), median of "
        f"{repeats}, torch {torch.__version__} ({torch.get_num_threads()} threads)"
    )
    print(f"{'case':48s} {'ours MB/s':>10s} {'torch MB/s':>11s} {'ratio':>7s}  target")
    for label, ours, theirs, target in rows:
        ratio = theirs / ours  # throughput ratio: ours / torch's
        verdict = ("ok" if ratio >= 1.0 else "MISSED") if target else ""
        print(
            f"{label:48s} {mb / ours:10.0f} {mb / theirs:11.0f} {ratio:6.2f}x  {target} {verdict}"
        )
    return rows


if __name__ == "__main__":
    main()
