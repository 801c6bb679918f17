"""The main example and the autodiff benchmark run, and report what they should."""

from __future__ import annotations

import importlib.util
import itertools
import math
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load(relpath: str, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / relpath)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def higher_order() -> ModuleType:
    return _load("examples/higher_order.py", "_example_higher_order")


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return _load("benchmarks/autodiff.py", "_benchmark_autodiff")


@pytest.fixture(scope="module")
def newton_run(higher_order):
    # Run once for the module: the tests below read the same report.
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        report = higher_order.main(["--steps", "5", "--seed", "0"])
    return report, out.getvalue()


def test_example_gradcheck_passes(newton_run):
    report, text = newton_run
    assert report["gradcheck_passed"] is True
    assert "gradcheck (order 3, central differences in float64): passed" in text


def test_example_hvp_agrees_with_materialised_hessian(newton_run):
    report, text = newton_run
    assert report["hvp_vs_hessian"] < 1e-5
    # CG solved tightly with hvp reproduces the exact Newton step solve(hessian, -g).
    assert report["tight_cg_vs_exact"] < 1e-3
    assert "hvp vs hessian @ v" in text


def test_example_newton_cg_converges(newton_run):
    report, text = newton_run
    history = report["history"]
    assert 1 <= len(history) <= 5
    losses = [row["loss"] for row in history]
    assert all(b <= a for a, b in itertools.pairwise(losses))
    assert report["final_loss"] < report["initial_loss"] - 0.1
    assert report["initial_loss"] == pytest.approx(math.log(2.0), rel=1e-6)  # w = 0
    assert report["final_grad_norm"] < 1e-4
    # Newton's rate: the gradient norm shrinks by orders of magnitude within 5 steps.
    assert report["final_grad_norm"] < 1e-3 * history[0]["grad_norm"]
    # CG needs far fewer Hessian-vector products than the 21 a dense Hessian costs.
    assert all(1 <= row["cg_iters"] <= 21 for row in history)
    assert sum(row["cg_iters"] for row in history) < 21 * len(history)
    assert 0.7 < report["accuracy"] <= 1.0
    assert "Newton steps" in text
    assert "|grad|" in text


def test_example_steps_and_seed_flags(higher_order, capsys):
    report = higher_order.main(
        ["--steps", "1", "--seed", "3", "--gradcheck-order", "1", "--samples", "64"]
    )
    text = capsys.readouterr().out
    assert len(report["history"]) == 1
    assert report["converged"] is False
    assert "seed=3" in text
    assert "gradcheck (order 1" in text
    assert report["final_loss"] < report["initial_loss"]


def test_conjugate_gradient_solves_spd_system(higher_order):
    import jax.numpy as jnp
    import numpy as np

    rng = np.random.default_rng(0)
    m = rng.standard_normal((6, 6))
    a = jnp.asarray(m @ m.T + 6 * np.eye(6), dtype=jnp.float32)
    b = {"u": jnp.asarray(rng.standard_normal(4), jnp.float32), "v": jnp.ones(2, jnp.float32)}

    def matvec(t):
        flat = jnp.concatenate([t["u"], t["v"]])
        out = a @ flat
        return {"u": out[:4], "v": out[4:]}

    x, iters, residual = higher_order.conjugate_gradient(matvec, b, jnp.float32(1e-5), 20)
    expected = np.linalg.solve(np.asarray(a, np.float64), np.concatenate([b["u"], b["v"]]))
    np.testing.assert_allclose(np.concatenate([x["u"], x["v"]]), expected, rtol=1e-4, atol=1e-5)
    assert 1 <= int(iters) <= 20
    assert float(residual) <= 1e-5


def test_benchmark_quick_prints_the_table(bench, capsys):
    rows = bench.main(["--quick", "--repeats", "1"])
    text = capsys.readouterr().out
    assert [r.case for r in rows] == [
        "hvp",
        "hessian",
        "jacobian fwd",
        "jacobian rev",
        "jacobian auto",
    ]
    header = text.splitlines()
    assert any("rustorch_fx ms" in line and "raw JAX ms" in line for line in header)
    for r in rows:
        # The three libraries computed the same derivatives.
        assert r.max_diff < 1e-4, r
        # rustorch_fx is a thin layer: XLA compiles the very same program as for raw JAX.
        assert r.same_program, r
        assert min(r.ours_ms, r.jax_ms, r.torch_ms) > 0
        assert r.torch_threads >= 1
        assert r.case in text
    for target in ("<=0.35x torch", "<=0.15x torch", "<=1.05x JAX"):
        assert target in text
    assert "quick run" in text


def test_benchmark_targets_logic(bench):
    def row(case, ours, jax_ms, torch_ms):
        return bench.Row(case, ours, jax_ms, torch_ms, 1, 1.0, 1.0, 0.0)

    assert row("hvp", 1.0, 1.0, 4.0).targets() == [("<=1.05x JAX", True), ("<=0.35x torch", True)]
    assert row("hvp", 1.1, 1.0, 2.0).targets() == [
        ("<=1.05x JAX", False),
        ("<=0.35x torch", False),
    ]
    assert row("hessian", 1.0, 1.0, 5.0).targets()[1] == ("<=0.15x torch", False)
    assert row("jacobian fwd", 1.0, 1.0, 1.0).targets() == [("<=1.05x JAX", True)]
    table = bench.format_table([row("hessian", 1.0, 2.0, 10.0)])
    assert "0.500x" in table
    assert "0.100x" in table
    assert "<=0.15x torch ok" in table
