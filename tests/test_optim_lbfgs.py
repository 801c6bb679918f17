"""rustorch_fx.optim.lbfgs and strong_wolfe against torch.optim.LBFGS, iterate by iterate.

Exactness is shown in float64 (64-bit mode on, torch in float64): every iterate, loss and
counter equals torch's to ~1e-10 (summation order is the only difference; Rosenbrock amplifies
it by ~10x per outer step, hence few steps). In float32 the same rounding differences start at
1e-7 and Rosenbrock's ill-conditioning grows them, so float32 runs are compared on a convex
problem (logistic regression) over several steps, and on the first Rosenbrock step only.
"""

from __future__ import annotations

import functools
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
from conftest import x64_mode
from torch.optim.lbfgs import _cubic_interpolate, _strong_wolfe

from rustorch_fx import optim
from rustorch_fx.errors import ArgumentTypeError, DTypeError, InvalidArgumentError


def _rosen(x: Any) -> Any:
    return (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()


def _run(
    loss_t: Any,
    loss_j: Any,
    x0: dict[str, np.ndarray],
    steps: int,
    **kwargs: Any,
) -> list[tuple[Any, ...]]:
    """(torch params, our params, torch loss, our loss, torch state, our state) per step."""
    tparams = {k: torch.tensor(v, requires_grad=True) for k, v in x0.items()}
    topt = torch.optim.LBFGS(list(tparams.values()), **kwargs)

    def closure() -> torch.Tensor:
        topt.zero_grad()
        loss = loss_t(tparams)
        loss.backward()
        return loss

    opt = optim.lbfgs(**kwargs)
    params = {k: jnp.asarray(v) for k, v in x0.items()}
    state = opt.init(params)
    step = jax.jit(functools.partial(opt.step, jax.value_and_grad(loss_j)))
    out = []
    for _ in range(steps):
        tl = float(topt.step(closure).detach())
        params, state, loss = step(params, state)
        tst = topt.state[tparams[next(iter(tparams))]]
        out.append(
            (
                {k: v.detach().numpy().copy() for k, v in tparams.items()},
                {k: np.asarray(v) for k, v in params.items()},
                tl,
                float(loss),
                {
                    "n_iter": tst["n_iter"],
                    "func_evals": tst["func_evals"],
                    "t": tst.get("t"),
                    "num_old": len(tst.get("old_dirs", [])),
                },
                state,
            )
        )
    return out


def _check(out: list[tuple[Any, ...]], rtol: float, atol: float) -> None:
    for tp, jp, tl, jl, tst, jst in out:
        for k in tp:
            np.testing.assert_allclose(jp[k], tp[k], rtol=rtol, atol=atol)
        np.testing.assert_allclose(jl, tl, rtol=rtol, atol=atol)
        assert int(jst.n_iter) == tst["n_iter"]
        assert int(jst.func_evals) == tst["func_evals"]
        if tst["t"] is not None:
            np.testing.assert_allclose(np.asarray(jst.t), float(tst["t"]), rtol=rtol, atol=atol)
            assert int(jst.num_old) == tst["num_old"]


LINE_SEARCH = [None, "strong_wolfe"]


@pytest.mark.parametrize("line_search_fn", LINE_SEARCH)
@pytest.mark.parametrize("n", [2, 10])
def test_rosenbrock_iterate_by_iterate_float64(line_search_fn: str | None, n: int) -> None:
    # max_iter=1: every step is one L-BFGS iteration, so each iterate is compared; the small
    # history makes the ring buffer wrap.
    x0 = {"x": np.linspace(-1.5, 2.0, n)}
    with x64_mode(True):
        out = _run(
            lambda p: _rosen(p["x"]),
            lambda p: _rosen(p["x"]),
            x0,
            25,
            max_iter=1,
            max_eval=25,
            history_size=4,
            line_search_fn=line_search_fn,
        )
    _check(out, rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("line_search_fn", LINE_SEARCH)
@pytest.mark.parametrize("n", [2, 10])
def test_rosenbrock_full_steps_float64(line_search_fn: str | None, n: int) -> None:
    # Torch's defaults otherwise: 20 iterations and 25 evaluations per step.
    x0 = {"x": np.linspace(-1.5, 2.0, n)}
    with x64_mode(True):
        out = _run(
            lambda p: _rosen(p["x"]),
            lambda p: _rosen(p["x"]),
            x0,
            3,
            line_search_fn=line_search_fn,
        )
    # 60 iterations on Rosenbrock amplify float64 summation-order differences to ~5e-7.
    _check(out, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("line_search_fn", LINE_SEARCH)
@pytest.mark.parametrize("n", [2, 10])
def test_rosenbrock_first_iterates_float32(line_search_fn: str | None, n: int) -> None:
    # float32: torch and XLA sum in different orders, and Rosenbrock's ill-conditioning
    # multiplies the difference by ~3 per iteration (1e-7 at the start, 1e-5 after 8
    # iterations, 1e-3 after 15); the first 8 iterates are compared at 1e-4.
    x0 = {"x": np.linspace(-1.5, 2.0, n).astype(np.float32)}
    out = _run(
        lambda p: _rosen(p["x"]),
        lambda p: _rosen(p["x"]),
        x0,
        8,
        max_iter=1,
        max_eval=25,
        history_size=4,
        line_search_fn=line_search_fn,
    )
    _check(out, rtol=1e-4, atol=1e-5)


def _logistic_problem(rng: np.random.Generator, dtype: Any) -> tuple[Any, Any, dict[str, Any]]:
    x = rng.standard_normal((24, 3)).astype(dtype)
    y = (x @ np.asarray([1.5, -2.0, 0.5]) + 0.3 * rng.standard_normal(24) > 0).astype(dtype)
    l2 = 1e-2

    def loss_t(p: dict[str, torch.Tensor]) -> torch.Tensor:
        z = torch.from_numpy(x) @ p["w"] + p["b"]
        bce = torch.nn.functional.binary_cross_entropy_with_logits(z, torch.from_numpy(y))
        return bce + l2 * (p["w"] ** 2).sum()

    def loss_j(p: dict[str, jax.Array]) -> jax.Array:
        z = jnp.asarray(x) @ p["w"] + p["b"]
        bce = jnp.mean(jnp.logaddexp(0.0, z) - z * y)
        return bce + l2 * jnp.sum(p["w"] ** 2)

    x0 = {"w": np.zeros(3, dtype), "b": np.zeros((), dtype)}
    return loss_t, loss_j, x0


@pytest.mark.parametrize("line_search_fn", LINE_SEARCH)
def test_logistic_regression_float32(rng: np.random.Generator, line_search_fn: str | None) -> None:
    loss_t, loss_j, x0 = _logistic_problem(rng, np.float32)
    out = _run(loss_t, loss_j, x0, 4, max_iter=5, line_search_fn=line_search_fn)
    # float32, convex: rounding differences stay at a few float32 ulps of the iterates.
    _check(out, rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("line_search_fn", LINE_SEARCH)
def test_logistic_regression_float64(rng: np.random.Generator, line_search_fn: str | None) -> None:
    loss_t, loss_j, x0 = _logistic_problem(rng, np.float64)
    with x64_mode(True):
        out = _run(loss_t, loss_j, x0, 4, max_iter=5, line_search_fn=line_search_fn)
    _check(out, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"tolerance_grad": 1e2},  # converged before the first iteration: one evaluation
        {"tolerance_change": 1e-1},  # stops on the change of loss or of the step
        {"max_iter": 10, "max_eval": 4},  # the evaluation budget ends the step
        {"max_iter": 10, "max_eval": 4, "line_search_fn": "strong_wolfe"},
        {"lr": 0.1, "history_size": 2, "max_iter": 7},
        {"lr": 0.0},  # gtd > -tolerance_change never fires; zero steps stop on the step size
    ],
)
def test_termination_rules_and_counters_float64(kwargs: dict[str, Any]) -> None:
    x0 = {"x": np.asarray([-1.2, 1.0, 0.5])}
    with x64_mode(True):
        out = _run(lambda p: _rosen(p["x"]), lambda p: _rosen(p["x"]), x0, 3, **kwargs)
    _check(out, rtol=1e-9, atol=1e-10)


def test_step_returns_the_incoming_loss_and_works_on_pytrees() -> None:
    fun = jax.value_and_grad(lambda p: jnp.sum((p["a"] - 1.0) ** 2) + (p["b"][0, 1] + 2.0) ** 2)
    opt = optim.lbfgs(line_search_fn="strong_wolfe")
    params = {"a": jnp.zeros(3), "b": jnp.zeros((2, 2))}
    state = opt.init(params)
    new, state, loss = opt.step(fun, params, state)
    assert float(loss) == pytest.approx(7.0)
    np.testing.assert_allclose(np.asarray(new["a"]), np.ones(3), atol=1e-5)
    np.testing.assert_allclose(np.asarray(new["b"]), [[0.0, -2.0], [0.0, 0.0]], atol=1e-5)
    assert state.old_dirs.shape == (100, 7)


def test_bad_arguments() -> None:
    with pytest.raises(InvalidArgumentError, match="Invalid learning rate: -1"):
        optim.lbfgs(lr=-1.0)
    with pytest.raises(InvalidArgumentError, match="only 'strong_wolfe'"):
        optim.lbfgs(line_search_fn="armijo")
    with pytest.raises(InvalidArgumentError, match="history_size must be >= 1"):
        optim.lbfgs(history_size=0)
    with pytest.raises(ArgumentTypeError, match="max_iter must be an int"):
        optim.lbfgs(max_iter=2.5)
    with pytest.raises(ArgumentTypeError, match="lr must be a float"):
        optim.lbfgs(lr="1")
    with pytest.raises(ArgumentTypeError, match="obj_func must be callable"):
        optim.strong_wolfe(None, jnp.zeros(2), 1.0, jnp.ones(2), 0.0, jnp.ones(2), -1.0)
    with pytest.raises(InvalidArgumentError, match="max_ls must be >= 0"):
        optim.strong_wolfe(
            lambda x, t, d: (0.0, x),
            jnp.zeros(2),
            1.0,
            jnp.ones(2),
            0.0,
            jnp.ones(2),
            -1.0,
            max_ls=-1,
        )
    opt = optim.lbfgs()
    with pytest.raises(DTypeError, match="real floating point"):
        opt.init({"x": jnp.zeros(3, jnp.int32)})
    with pytest.raises(InvalidArgumentError, match="gradients with 2 elements for 3"):
        opt.step(lambda p: (jnp.sum(p), jnp.zeros(2)), jnp.ones(3), opt.init(jnp.ones(3)))


# --------------------------------------------------------------------------------------------
# The line search on its own.
# --------------------------------------------------------------------------------------------


def test_cubic_interpolate_matches_torch(rng: np.random.Generator) -> None:
    with x64_mode(True):
        for _ in range(40):
            x1, f1, g1, x2, f2, g2 = rng.standard_normal(6)
            bounds = None
            if rng.random() < 0.5:
                lo = min(x1, x2) - rng.random()
                bounds = (lo, lo + 3 * rng.random())
            t = _cubic_interpolate(*(torch.tensor(v) for v in (x1, f1, g1, x2, f2, g2)), bounds)
            ours = optim.cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds)
            np.testing.assert_allclose(float(ours), float(t), rtol=1e-12, atol=1e-14)


def test_strong_wolfe_matches_torch() -> None:
    # Small steps (extrapolation), a good one, long ones (zoom), with budgets that end the
    # search early; max_ls is traced, so one compiled search serves every case.
    x = np.asarray([-1.2, 1.0, 0.3])

    def fg_t(v: torch.Tensor) -> tuple[float, torch.Tensor]:
        v = v.detach().requires_grad_(True)
        loss = _rosen(v)
        loss.backward()
        return float(loss.detach()), v.grad

    with x64_mode(True):
        fg = jax.value_and_grad(_rosen)
        f, g = fg(jnp.asarray(x))
        d = -np.asarray(g)
        gtd = float(np.dot(np.asarray(g), d))
        search = jax.jit(
            lambda t_, max_ls: optim.strong_wolfe(
                lambda xx, t, dd: fg(xx + t * dd), jnp.asarray(x), t_, d, f, g, gtd, max_ls=max_ls
            )
        )
        for t0 in (1e-3, 0.05, 1.0, 30.0):
            for max_ls in (0, 1, 3, 25):
                tf, tg, tt, tev = _strong_wolfe(
                    lambda xx, t, dd: fg_t(xx + t * dd),
                    torch.tensor(x),
                    t0,
                    torch.tensor(d),
                    float(f),
                    torch.from_numpy(np.asarray(g).copy()),
                    torch.tensor(gtd),
                    max_ls=max_ls,
                )
                res = search(t0, max_ls)
                # float64; the objective's sums run in different orders (differences ~1e-12).
                np.testing.assert_allclose(float(res.t), float(tt), rtol=1e-8)
                np.testing.assert_allclose(float(res.f), float(tf), rtol=1e-8)
                np.testing.assert_allclose(np.asarray(res.g), tg.numpy(), rtol=1e-8, atol=1e-10)
                assert int(res.func_evals) == tev, (t0, max_ls)
