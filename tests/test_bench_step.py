"""benchmarks/step.py runs (quick mode, the tiny case: the other cases share its code paths)."""

import importlib.util
from pathlib import Path

import jax

ROOT = Path(__file__).resolve().parents[1]


def test_step_benchmark_quick_prints_the_tiny_case(capsys):
    spec = importlib.util.spec_from_file_location("step_bench", ROOT / "benchmarks" / "step.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with jax.enable_x64(True):  # compat's mode (this file is not a test_compat_* one)
        rows = module.main(["--quick", "--cases", "tiny", "--repeats", "2"])
    text = capsys.readouterr().out
    ((label, times, ratios),) = rows
    assert label.startswith("tiny Linear 8->8")
    assert set(times) == {"compat compiled", "bare jax.jit"}
    assert all(v > 0 for v in times.values())
    assert ratios == [("compiled / bare jax.jit", "compat compiled", "bare jax.jit", 2.0)]
    assert "median of 2 samples" in text and "compiled / bare jax.jit" in text
