"""benchmarks/step.py runs in quick mode and prints every case with its ratios and targets."""

import importlib.util
from pathlib import Path

import jax

ROOT = Path(__file__).resolve().parents[1]


def test_step_benchmark_quick_prints_every_case(capsys):
    spec = importlib.util.spec_from_file_location("step_bench", ROOT / "benchmarks" / "step.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with jax.enable_x64(True):  # compat's mode (this file is not a test_compat_* one)
        rows = module.main(["--quick", "--cases", "mlp,tiny"])
    text = capsys.readouterr().out
    labels = [r[0] for r in rows]
    assert labels[0].startswith("mlp 32-64-64-10, batch 16")
    assert labels[1].startswith("tiny Linear 8->8")
    mlp = rows[0][1]
    assert set(mlp) >= {"torch eager", "compat eager", "compat compiled", "jax.jit + optax"}
    assert all(v > 0 for _, times, _ in rows for v in times.values())
    assert "compiled / torch eager" in text and "target <= 0.65x" in text
    assert "compiled / bare jax.jit" in text
