"""The quickstart examples run, train, checkpoint and report a test accuracy.

``examples/quickstart.py`` is an ordinary PyTorch script: it runs under real torch (in this
process, as ``__main__``) and unchanged under ``python -m compat`` (in a fresh process: the
README's main command), one short epoch each. The functional version runs in-process. Full runs (10 epochs, >= 95% accuracy) are measured by hand; see
docs/quickstart.md.
"""

from __future__ import annotations

import importlib.util
import io
import re
import runpy
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytest.importorskip("sklearn", reason="the quickstart examples need the `examples` extra")

ROOT = Path(__file__).resolve().parents[1]
QUICKSTART = ROOT / "examples" / "quickstart.py"
FUNCTIONAL = ROOT / "examples" / "functional_quickstart.py"
EPOCH = re.compile(
    r"epoch +(\d+) +train loss ([0-9.]+) +test loss ([0-9.]+) +test accuracy ([0-9.]+)"
)
FINAL = re.compile(r"final test accuracy ([0-9.]+) in ([0-9.]+) s \((\w+)\)")


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _args(checkpoint: Path) -> list[str]:
    """One short epoch, seeded, checkpointing to ``checkpoint``."""
    flags = ["--epochs", "1", "--batch-size", "32", "--lr", "0.01", "--seed", "1"]
    return [*flags, "--checkpoint", str(checkpoint)]


def _run_script(tmp_path: Path) -> tuple[str, Path]:
    """``python -m compat examples/quickstart.py ...`` in a fresh process: its stdout."""
    checkpoint = tmp_path / "digits.pt"
    out = subprocess.run(
        [sys.executable, "-m", "compat", str(QUICKSTART), *_args(checkpoint)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout, checkpoint


def _check_report(text: str, library: str) -> float:
    epochs = EPOCH.findall(text)
    assert len(epochs) == 1, text
    final = FINAL.search(text)
    assert final, text
    assert final.group(3) == library
    accuracy = float(final.group(1))
    # The reloaded checkpoint scores what the trained model scored.
    assert accuracy == float(epochs[0][3])
    assert "1437 training and 360 test images" in text
    assert "(epoch 1) reloaded" in text
    return accuracy


def _check_torch_checkpoint(checkpoint: Path) -> None:
    # What a resuming torch user needs, readable by real torch with weights_only=True.
    import torch

    saved = torch.load(checkpoint, weights_only=True)
    assert set(saved) == {"epoch", "model", "optimizer", "scheduler", "test_accuracy"}
    assert saved["epoch"] == 1
    assert saved["model"]["features.0.weight"].shape == (16, 1, 3, 3)
    assert int(saved["optimizer"]["state"][0]["step"]) == 44  # 1437 // 32 batches
    assert saved["scheduler"]["last_epoch"] == 44


def test_quickstart_runs_under_torch(tmp_path, capsys, monkeypatch):
    checkpoint = tmp_path / "digits.pt"
    monkeypatch.setattr(sys, "argv", [str(QUICKSTART), *_args(checkpoint)])
    capsys.readouterr()
    runpy.run_path(str(QUICKSTART), run_name="__main__")
    text = capsys.readouterr().out
    accuracy = _check_report(text, "torch")
    # One epoch of the one-cycle schedule already learns the digits well.
    assert accuracy > 0.85, text
    # Not on a terminal: no progress bar in the captured output.
    assert "\r" not in text
    _check_torch_checkpoint(checkpoint)


def test_quickstart_runs_unchanged_under_compat(tmp_path):
    text, checkpoint = _run_script(tmp_path)
    accuracy = _check_report(text, "compat")
    assert accuracy > 0.85, text
    assert "\r" not in text
    # compat.save writes PyTorch's format: real torch resumes from compat's checkpoint.
    _check_torch_checkpoint(checkpoint)


def test_progress_bar_redraws_in_place_on_a_terminal():
    pytest.importorskip("torch")
    quickstart = _load(QUICKSTART, "_example_quickstart")

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    bar = quickstart.ProgressBar(4, "epoch 1/2", stream=screen, width=8)
    bar.update(1, loss="0.5000", lr="1.00e-02")
    bar.update(4, loss="0.2500", lr="2.00e-03")
    bar.close()
    assert screen.getvalue() == (
        "\repoch 1/2 [##......] 1/4  loss 0.5000  lr 1.00e-02"
        "\repoch 1/2 [########] 4/4  loss 0.2500  lr 2.00e-03\n"
    )
    quiet = io.StringIO()
    silent = quickstart.ProgressBar(4, "epoch 1/2", stream=quiet)
    silent.update(1, loss="0.5")
    silent.close()
    assert quiet.getvalue() == ""


@pytest.fixture(scope="module")
def functional() -> ModuleType:
    return _load(FUNCTIONAL, "_example_functional_quickstart")


def test_functional_quickstart_trains_and_reloads_its_checkpoint(functional, tmp_path, capsys):
    checkpoint = tmp_path / "digits.safetensors"
    accuracy = functional.main(
        ["--epochs", "1", "--batch-size", "32", "--lr", "0.01", "--seed", "1"]
        + ["--checkpoint", str(checkpoint)]
    )
    text = capsys.readouterr().out
    assert _check_report(text, "rustorch_fx") == pytest.approx(accuracy, abs=5e-5)
    assert accuracy > 0.85, text
    assert checkpoint.is_file()


def test_functional_model_matches_torch_layout(functional):
    import jax
    import numpy as np

    params, stats = jax.jit(functional.init_model)(jax.random.key(0))
    assert params["conv1.weight"].shape == (16, 1, 3, 3)
    assert params["conv2.weight"].shape == (32, 16, 3, 3)
    assert params["fc.weight"].shape == (10, 128)
    # torch's default init bound for the head: 1/sqrt(fan_in) for the bias, kaiming(a=sqrt(5))
    # gives the same bound for the weight.
    bound = 1 / np.sqrt(128)
    assert float(abs(params["fc.weight"]).max()) <= bound
    assert float(abs(params["fc.bias"]).max()) <= bound
    images = jax.ShapeDtypeStruct((3, 1, 8, 8), np.float32)
    logits, new_stats = jax.eval_shape(
        lambda p, s, x: functional.forward(p, s, x, train=False), params, stats, images
    )
    assert logits.shape == (3, 10)
    assert jax.tree.structure(new_stats) == jax.tree.structure(stats)
