"""An unmodified PyTorch script gives the same losses under torch and under compat.

The scripts run in this process (a fresh interpreter costs seconds of imports per run): under
real torch as they are, and under compat with ``torch`` aliased to it by
:func:`compat._install.torch_alias` (``force=True``: the real torch is loaded here as the
oracle), the mechanism ``python -m compat`` uses. ``python -m compat`` itself, in a fresh
process, is run end to end by tests/test_compat_install.py and tests/test_examples_quickstart.py.
"""

import contextlib
import re
import runpy
import sys
from pathlib import Path

import numpy as np
import pytest

from compat._install import torch_alias

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "examples" / "torch_regression.py"
CNN = ROOT / "examples" / "torch_cnn.py"
CHAR = ROOT / "examples" / "char_transformer.py"


@pytest.fixture
def run_script(capsys, monkeypatch):
    """Run ``path`` as ``__main__`` with ``args``, under compat or torch; its stdout."""

    def run(path: Path, *args: str, compat: bool) -> str:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", [str(path), *args])
        with torch_alias(force=True) if compat else contextlib.nullcontext():
            namespace = runpy.run_path(str(path), run_name="__main__")
        assert namespace["torch"].__name__ == ("compat" if compat else "torch")
        return capsys.readouterr().out

    return run


def _losses(run_script, compat: bool) -> tuple[float, float, str]:
    out = run_script(SCRIPT, "--steps", "40", compat=compat)
    m = re.search(r"loss ([0-9.]+) -> ([0-9.]+) after 40 steps \((\w+)\)", out)
    assert m, out
    return float(m.group(1)), float(m.group(2)), m.group(3)


def test_torch_script_runs_unchanged_under_compat_with_torchs_numbers(run_script):
    first_t, final_t, lib_t = _losses(run_script, compat=False)
    first_c, final_c, lib_c = _losses(run_script, compat=True)
    assert (lib_t, lib_c) == ("torch", "compat")
    assert final_c < first_c
    assert abs(first_c - first_t) <= 1e-5 * first_t
    assert abs(final_c - final_t) <= 1e-4 * final_t


def _cnn(run_script, compat: bool) -> tuple[list[float], str]:
    out = run_script(CNN, "--steps", "6", "--batch", "16", compat=compat)
    losses = [float(v) for v in re.findall(r"step +\d+  loss ([0-9.]+)", out)]
    m = re.search(r"test accuracy [0-9.]+ \((\w+)\)", out)
    assert m and len(losses) == 6, out
    return losses, m.group(1)


def test_torch_cnn_script_with_nn_modules_matches_torch_step_by_step(run_script):
    theirs, lib_t = _cnn(run_script, compat=False)
    ours, lib_c = _cnn(run_script, compat=True)
    assert (lib_t, lib_c) == ("torch", "compat")
    # Same numpy data and weights: Conv2d, BatchNorm2d (batch statistics), ReLU, MaxPool2d,
    # Linear, cross-entropy and the hand-written SGD step agree step by step (the printed
    # losses have 5 decimals; float32 reductions may differ in the last ulps).
    np.testing.assert_allclose(ours, theirs, rtol=2e-4, atol=2e-5)


def test_char_transformer_script_trains_briefly_under_compat(run_script):
    # Three steps: the lazy engine runs a step's ops one by one the first time, fused after.
    out = run_script(
        CHAR, "--steps", "3", "--sample", "3", "--batch", "4", "--context", "16", compat=True
    )
    m = re.search(r"loss ([0-9.]+) -> ([0-9.]+) in", out)
    assert m, out
    assert np.isfinite(float(m.group(1))) and np.isfinite(float(m.group(2)))
    assert "sample:" in out
    assert "parameters (compat)" in out
