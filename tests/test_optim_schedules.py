"""rustorch_fx.optim schedules and reduce_lr_on_plateau against torch.optim.lr_scheduler.

Each schedule's values over 300 steps (past T_max, past milestones, across restarts) are
compared with ``get_last_lr()`` of torch's scheduler stepped on a dummy optimizer, within 1e-6
relative (x32 mode: our values are float32, torch's float64).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
import torch
from conftest import x64_mode

from rustorch_fx import optim
from rustorch_fx.errors import ArgumentTypeError, InvalidArgumentError

STEPS = 300
RTOL = 1e-6


def _optimizer(lr: float, betas: bool = False) -> torch.optim.Optimizer:
    p = torch.nn.Parameter(torch.zeros(1))
    if betas:
        return torch.optim.Adam([p], lr=lr)
    return torch.optim.SGD([p], lr=lr, momentum=0.9)


def _torch_values(
    make: Callable[[torch.optim.Optimizer], Any], lr: float = 0.1, steps: int = STEPS
) -> tuple[np.ndarray, np.ndarray]:
    """(lr, momentum) of group 0 after 0, 1, ..., steps - 1 scheduler steps."""
    opt = _optimizer(lr)
    sched = make(opt)
    lrs, moms = [], []
    for _ in range(steps):
        lrs.append(opt.param_groups[0]["lr"])
        moms.append(opt.param_groups[0]["momentum"])
        opt.step()
        sched.step()
    return np.asarray(lrs, np.float64), np.asarray(moms, np.float64)


def _ours_jit(schedule: Callable[[Any], jax.Array], steps: int = STEPS) -> np.ndarray:
    """The schedule for every count, traced (jit + vmap over an int32 count)."""
    values = jax.jit(jax.vmap(schedule))(jnp.arange(steps, dtype=jnp.int32))
    assert values.dtype == jnp.float32
    return np.asarray(values, np.float64)


def _ours_host(schedule: Callable[[Any], jax.Array], steps: int = STEPS) -> np.ndarray:
    return np.asarray([float(schedule(t)) for t in range(steps)])


def _close(ours: np.ndarray, expected: np.ndarray, rtol: float = RTOL, atol: float = 0.0) -> None:
    np.testing.assert_allclose(ours, expected, rtol=rtol, atol=atol)


S = torch.optim.lr_scheduler

# (id, ours, torch's) with base lr 0.1; every one is closed form and jit-safe.
CLOSED_FORM = [
    ("step", lambda: optim.step_lr(0.1, 7, 0.8), lambda o: S.StepLR(o, 7, 0.8)),
    (
        "multistep",
        lambda: optim.multi_step_lr(0.1, [150, 10, 40, 40], 0.5),
        lambda o: S.MultiStepLR(o, [150, 10, 40, 40], 0.5),
    ),
    ("multistep0", lambda: optim.multi_step_lr(0.1, [0, 5]), lambda o: S.MultiStepLR(o, [0, 5])),
    ("exponential", lambda: optim.exponential_lr(0.1, 0.97), lambda o: S.ExponentialLR(o, 0.97)),
    (
        "constant",
        lambda: optim.constant_lr(0.1, 0.25, 40),
        lambda o: S.ConstantLR(o, 0.25, 40),
    ),
    ("constant0", lambda: optim.constant_lr(0.1, 0.5, 0), lambda o: S.ConstantLR(o, 0.5, 0)),
    (
        "linear",
        lambda: optim.linear_lr(0.1, 0.1, 0.7, 57),
        lambda o: S.LinearLR(o, 0.1, 0.7, 57),
    ),
    (
        "linear_down",
        lambda: optim.linear_lr(0.1, 1.0, 0.0, 100),
        lambda o: S.LinearLR(o, 1.0, 0.0, 100),
    ),
    ("linear0", lambda: optim.linear_lr(0.1, 0.5, 1.0, 0), lambda o: S.LinearLR(o, 0.5, 1.0, 0)),
    (
        "polynomial",
        lambda: optim.polynomial_lr(0.1, 120, 2.5),
        lambda o: S.PolynomialLR(o, 120, 2.5),
    ),
    (
        "cosine",
        lambda: optim.cosine_annealing_lr(0.1, 45),
        lambda o: S.CosineAnnealingLR(o, 45),
    ),
    (
        "cosine_eta",
        lambda: optim.cosine_annealing_lr(0.1, 100, 1e-3),
        lambda o: S.CosineAnnealingLR(o, 100, 1e-3),
    ),
    (
        "cosine_T1",
        lambda: optim.cosine_annealing_lr(0.1, 1, 0.01),
        lambda o: S.CosineAnnealingLR(o, 1, 0.01),
    ),
    (
        "warm_restarts",
        lambda: optim.cosine_annealing_warm_restarts(0.1, 13, 1, 1e-3),
        lambda o: S.CosineAnnealingWarmRestarts(o, 13, 1, 1e-3),
    ),
    (
        "warm_restarts_mult",
        lambda: optim.cosine_annealing_warm_restarts(0.1, 5, 2),
        lambda o: S.CosineAnnealingWarmRestarts(o, 5, 2),
    ),
    (
        "lambda",
        lambda: optim.lambda_lr(0.1, lambda t: 1.0 / (1.0 + 0.05 * t)),
        lambda o: S.LambdaLR(o, lambda t: 1.0 / (1.0 + 0.05 * t)),
    ),
    (
        "sequential_warmup_cosine",
        lambda: optim.sequential_lr(
            [optim.linear_lr(0.1, 0.01, 1.0, 20), optim.cosine_annealing_lr(0.1, 80, 1e-4)],
            [20],
        ),
        lambda o: S.SequentialLR(
            o, [S.LinearLR(o, 0.01, 1.0, 20), S.CosineAnnealingLR(o, 80, 1e-4)], [20]
        ),
    ),
    (
        "sequential_three",
        lambda: optim.sequential_lr(
            [
                optim.constant_lr(0.1, 0.1, 10),
                optim.exponential_lr(0.1, 0.99),
                optim.step_lr(0.1, 9, 0.5),
            ],
            [5, 150],
        ),
        lambda o: S.SequentialLR(
            o, [S.ConstantLR(o, 0.1, 10), S.ExponentialLR(o, 0.99), S.StepLR(o, 9, 0.5)], [5, 150]
        ),
    ),
    (
        "chained_multiplicative",
        lambda: optim.chained_scheduler(
            [
                optim.constant_lr(0.1, 0.5, 30),
                optim.exponential_lr(0.1, 0.99),
                optim.multi_step_lr(0.1, [100, 200], 0.3),
                optim.linear_lr(0.1, 0.2, 1.0, 50),
            ]
        ),
        lambda o: S.ChainedScheduler(
            [
                S.ConstantLR(o, 0.5, 30),
                S.ExponentialLR(o, 0.99),
                S.MultiStepLR(o, [100, 200], 0.3),
                S.LinearLR(o, 0.2, 1.0, 50),
            ]
        ),
    ),
]


@pytest.mark.parametrize(
    ("ours", "theirs"), [c[1:] for c in CLOSED_FORM], ids=[c[0] for c in CLOSED_FORM]
)
def test_closed_form_schedules_match_torch(ours: Any, theirs: Any) -> None:
    expected, _ = _torch_values(theirs)
    schedule = ours()
    _close(_ours_jit(schedule), expected)
    for t in (0, 1, 17, 123, 299):  # eager calls with Python ints give the same values
        _close(float(schedule(t)), expected[t])


def test_closed_form_schedules_in_x64_mode() -> None:
    # With 64-bit mode on the closed forms compute in float64: torch's values to ~1e-13.
    for _, ours, theirs in CLOSED_FORM:
        expected, _ = _torch_values(theirs)
        with x64_mode(True):
            values = jax.vmap(ours())(jnp.arange(STEPS))
            assert values.dtype == jnp.float64
            _close(np.asarray(values), expected, rtol=1e-12)


CYCLIC = [
    ("triangular", {"mode": "triangular"}),
    ("triangular2", {"mode": "triangular2", "step_size_down": 7}),
    ("exp_range", {"mode": "exp_range", "gamma": 0.995}),
    ("scale_fn_cycle", {"scale_fn": lambda x: 1.0 / (1.0 + 0.1 * x), "scale_mode": "cycle"}),
    ("scale_fn_iter", {"scale_fn": lambda x: 1.0 / (1.0 + 0.01 * x), "scale_mode": "iterations"}),
]


@pytest.mark.parametrize("kwargs", [c[1] for c in CYCLIC], ids=[c[0] for c in CYCLIC])
def test_cyclic_lr_and_momentum_match_torch(kwargs: dict[str, Any]) -> None:
    expected_lr, expected_m = _torch_values(
        lambda o: S.CyclicLR(
            o, 0.01, 0.1, step_size_up=13, base_momentum=0.8, max_momentum=0.95, **kwargs
        )
    )
    lr = optim.cyclic_lr(0.01, 0.1, step_size_up=13, **kwargs)
    mom = optim.cyclic_momentum(0.8, 0.95, step_size_up=13, **kwargs)
    _close(_ours_jit(lr), expected_lr)
    _close(_ours_jit(mom), expected_m)


def test_cyclic_momentum_cycles_beta1_of_adam() -> None:
    opt = _optimizer(0.1, betas=True)
    sched = S.CyclicLR(opt, 0.01, 0.1, step_size_up=5)
    betas = []
    for _ in range(30):
        betas.append(opt.param_groups[0]["betas"][0])
        opt.step()
        sched.step()
    _close(_ours_jit(optim.cyclic_momentum(0.8, 0.9, step_size_up=5), 30), np.asarray(betas))


ONE_CYCLE = [
    ("cos", {}),
    ("linear", {"anneal_strategy": "linear"}),
    ("three_phase", {"three_phase": True, "pct_start": 0.25}),
    ("three_phase_linear", {"three_phase": True, "anneal_strategy": "linear"}),
    ("factors", {"div_factor": 10.0, "final_div_factor": 100.0, "pct_start": 0.29}),
]


@pytest.mark.parametrize("kwargs", [c[1] for c in ONE_CYCLE], ids=[c[0] for c in ONE_CYCLE])
def test_one_cycle_lr_and_momentum_match_torch(kwargs: dict[str, Any]) -> None:
    expected_lr, expected_m = _torch_values(
        lambda o: S.OneCycleLR(
            o, 0.5, total_steps=STEPS, base_momentum=0.8, max_momentum=0.9, **kwargs
        )
    )
    lr = optim.one_cycle_lr(0.5, total_steps=STEPS, **kwargs)
    m_kwargs = {k: v for k, v in kwargs.items() if k not in ("div_factor", "final_div_factor")}
    mom = optim.one_cycle_momentum(
        total_steps=STEPS, base_momentum=0.8, max_momentum=0.9, **m_kwargs
    )
    _close(_ours_jit(lr), expected_lr)
    _close(_ours_jit(mom), expected_m)
    assert lr.base_lr == 0.5 / kwargs.get("div_factor", 25.0)


def test_one_cycle_epochs_and_step_limit() -> None:
    sched = optim.one_cycle_lr(1.0, epochs=3, steps_per_epoch=10)
    expected, _ = _torch_values(
        lambda o: S.OneCycleLR(o, 1.0, epochs=3, steps_per_epoch=10), steps=30
    )
    _close(_ours_jit(sched, 30), expected)
    float(sched(30))  # torch allows total_steps itself
    with pytest.raises(InvalidArgumentError, match="Tried to step 31 times"):
        sched(31)


# Schedules without a closed form: recursion on the host (float64) or in a fori_loop (traced).
RECURSIVE = [
    (
        "multiplicative",
        lambda: optim.multiplicative_lr(0.1, lambda t: 0.97 if t % 3 else 1.01),
        lambda o: S.MultiplicativeLR(o, lambda t: 0.97 if t % 3 else 1.01),
        lambda: optim.multiplicative_lr(0.1, lambda t: jnp.where(t % 3 != 0, 0.97, 1.01)),
    ),
    (
        # Cosine's restart step adds base_lr's increment: the exponential factor is lost.
        "chained_cosine_exponential",
        lambda: optim.chained_scheduler(
            [optim.cosine_annealing_lr(0.1, 20, 1e-3), optim.exponential_lr(0.1, 0.995)]
        ),
        lambda o: S.ChainedScheduler([S.CosineAnnealingLR(o, 20, 1e-3), S.ExponentialLR(o, 0.995)]),
        None,
    ),
    (
        # An absolute schedule erases the factors before it; the ones after it act as ratios.
        "chained_lambda_step",
        lambda: optim.chained_scheduler(
            [
                optim.exponential_lr(0.1, 0.9),
                optim.lambda_lr(0.1, lambda t: 1.0 / (1 + t)),
                optim.step_lr(0.1, 10, 0.5),
            ]
        ),
        lambda o: S.ChainedScheduler(
            [S.ExponentialLR(o, 0.9), S.LambdaLR(o, lambda t: 1.0 / (1 + t)), S.StepLR(o, 10, 0.5)]
        ),
        None,
    ),
    (
        # MultiplicativeLR restarts from the previous schedule's lr (torch's quirk).
        "sequential_multiplicative",
        lambda: optim.sequential_lr(
            [optim.exponential_lr(0.1, 0.98), optim.multiplicative_lr(0.1, lambda t: 0.99)], [50]
        ),
        lambda o: S.SequentialLR(
            o, [S.ExponentialLR(o, 0.98), S.MultiplicativeLR(o, lambda t: 0.99)], [50]
        ),
        lambda: optim.sequential_lr(
            [optim.exponential_lr(0.1, 0.98), optim.multiplicative_lr(0.1, lambda t: 0.99)], [50]
        ),
    ),
    (
        "chained_multistep_polynomial_cosine",
        lambda: optim.chained_scheduler(
            [
                optim.multi_step_lr(0.1, [30, 60, 60], 0.5),
                optim.polynomial_lr(0.1, 250, 0.5),
                optim.cosine_annealing_lr(0.1, 70, 0.0),
            ]
        ),
        lambda o: S.ChainedScheduler(
            [
                S.MultiStepLR(o, [30, 60, 60], 0.5),
                S.PolynomialLR(o, 250, 0.5),
                S.CosineAnnealingLR(o, 70),
            ]
        ),
        None,
    ),
    (
        "chained_cyclic_exponential_polynomial0",
        lambda: optim.chained_scheduler(
            [
                optim.cyclic_lr(0.1, 0.5, 11, mode="triangular2"),
                optim.exponential_lr(0.1, 0.9),
                optim.polynomial_lr(0.1, 0),
            ]
        ),
        lambda o: S.ChainedScheduler(
            [
                S.CyclicLR(o, 0.1, 0.5, 11, mode="triangular2"),
                S.ExponentialLR(o, 0.9),
                S.PolynomialLR(o, 0),
            ]
        ),
        None,
    ),
    (
        "chained_sequential_exponential",
        lambda: optim.chained_scheduler(
            [
                optim.sequential_lr(
                    [optim.linear_lr(0.1, 0.1, 1.0, 10), optim.cosine_annealing_lr(0.1, 40)], [10]
                ),
                optim.exponential_lr(0.1, 0.995),
            ]
        ),
        lambda o: S.ChainedScheduler(
            [
                S.SequentialLR(o, [S.LinearLR(o, 0.1, 1.0, 10), S.CosineAnnealingLR(o, 40)], [10]),
                S.ExponentialLR(o, 0.995),
            ]
        ),
        None,
    ),
    (
        "sequential_constant0",
        lambda: optim.sequential_lr(
            [optim.linear_lr(0.1, 0.5, 1.0, 10), optim.constant_lr(0.1, 0.5, 0)], [10]
        ),
        lambda o: S.SequentialLR(o, [S.LinearLR(o, 0.5, 1.0, 10), S.ConstantLR(o, 0.5, 0)], [10]),
        None,
    ),
]


@pytest.mark.parametrize(
    ("ours", "theirs", "traced"), [c[1:] for c in RECURSIVE], ids=[c[0] for c in RECURSIVE]
)
def test_recursive_schedules_match_torch(ours: Any, theirs: Any, traced: Any) -> None:
    expected, _ = _torch_values(theirs)
    _close(_ours_host(ours()), expected)  # float64 on the host: torch's arithmetic
    # Traced, the recursion runs in float32: about `count` ulps of drift over 300 steps.
    _close(_ours_jit((traced or ours)()), expected, rtol=3e-5)
    with x64_mode(True):
        values = jax.jit(jax.vmap((traced or ours)()))(jnp.arange(STEPS))
        _close(np.asarray(values), expected, rtol=1e-10)


def test_sequential_with_milestone_at_zero() -> None:
    expected, _ = _torch_values(
        lambda o: S.SequentialLR(o, [S.ConstantLR(o, 0.5, 3), S.ExponentialLR(o, 0.9)], [0]),
        steps=20,
    )
    sched = optim.sequential_lr(
        [optim.constant_lr(0.1, 0.5, 3), optim.exponential_lr(0.1, 0.9)], [0]
    )
    _close(_ours_jit(sched, 20), expected)


def test_schedules_plug_into_optax() -> None:
    sched = optim.step_lr(0.5, 2, 0.5)
    tx = optax.sgd(sched)
    params = {"w": jnp.ones(3)}
    state = tx.init(params)
    grads = {"w": jnp.ones(3)}
    lrs = []
    for _ in range(5):
        updates, state = jax.jit(tx.update)(grads, state)
        lrs.append(-float(updates["w"][0]))
    _close(np.asarray(lrs), np.asarray([0.5, 0.5, 0.25, 0.25, 0.125]))


def test_cosine_closed_form_is_accurate_near_its_minimum() -> None:
    # 1 + cos(pi t / T) computed directly in float32 loses ~1e-4 relative near t = T.
    sched = optim.cosine_annealing_lr(1.0, 1000)
    expected = (1 + math.cos(math.pi * 999 / 1000)) / 2
    _close(float(sched(999)), expected)
    _close(float(sched(1001)), expected)


@pytest.mark.parametrize(
    ("build", "error", "match"),
    [
        (lambda: optim.step_lr(0.1, 0), InvalidArgumentError, "step_size >= 1"),
        (lambda: optim.step_lr("0.1", 2), ArgumentTypeError, "base_lr must be a float"),
        (lambda: optim.multi_step_lr(0.1, [1.5]), ArgumentTypeError, "milestones must be ints"),
        (lambda: optim.multiplicative_lr(0.1, lambda t: 0.5)(-1), InvalidArgumentError, ">= 0"),
        (lambda: optim.cyclic_lr(0.1, 1.0, 0), InvalidArgumentError, "step sizes must be positive"),
        (
            lambda: optim.cyclic_lr(0.1, 1.0, scale_fn=lambda x: 1.0, scale_mode="epoch"),
            InvalidArgumentError,
            "scale_mode",
        ),
        (lambda: optim.one_cycle_lr(1.0, 0), InvalidArgumentError, "total_steps"),
        (
            lambda: optim.one_cycle_lr(1.0, epochs=0, steps_per_epoch=2),
            InvalidArgumentError,
            "epochs",
        ),
        (
            lambda: optim.one_cycle_lr(1.0, epochs=2, steps_per_epoch=0),
            InvalidArgumentError,
            "steps_per_epoch",
        ),
        (
            lambda: optim.sequential_lr([optim.step_lr(0.1, 2), optim.step_lr(0.1, 3)], [2.5]),
            ArgumentTypeError,
            "milestones must be ints",
        ),
        (lambda: optim.step_lr(0.1, 2.5), ArgumentTypeError, "step_size must be an int"),
        (lambda: optim.constant_lr(0.1, 1.5), InvalidArgumentError, "between 0 and 1"),
        (lambda: optim.linear_lr(0.1, 0.0), InvalidArgumentError, "greater than 0"),
        (lambda: optim.linear_lr(0.1, 0.5, 1.5), InvalidArgumentError, "Ending multiplicative"),
        (lambda: optim.cosine_annealing_lr(0.1, 0), InvalidArgumentError, "T_max >= 1"),
        (lambda: optim.cosine_annealing_warm_restarts(0.1, 0), InvalidArgumentError, "T_0"),
        (
            lambda: optim.cosine_annealing_warm_restarts(0.1, 5, 0),
            InvalidArgumentError,
            "T_mult >= 1",
        ),
        (lambda: optim.cyclic_lr(0.1, 1.0, mode="sine"), InvalidArgumentError, "mode is invalid"),
        (lambda: optim.one_cycle_lr(1.0), InvalidArgumentError, "either total_steps"),
        (lambda: optim.one_cycle_lr(1.0, 10, pct_start=2.0), InvalidArgumentError, "pct_start"),
        (lambda: optim.one_cycle_lr(1.0, 10, pct_start=1), InvalidArgumentError, "pct_start"),
        (
            lambda: optim.one_cycle_lr(1.0, 10, anneal_strategy="exp"),
            InvalidArgumentError,
            "anneal_strategy",
        ),
        (lambda: optim.multiplicative_lr(0.1, 0.9), ArgumentTypeError, "should be a function"),
        (lambda: optim.lambda_lr(0.1, 0.9), ArgumentTypeError, "should be a function"),
        (lambda: optim.chained_scheduler([]), InvalidArgumentError, "at least one"),
        (lambda: optim.chained_scheduler([lambda t: t]), ArgumentTypeError, "schedules\\[0\\]"),
        (
            lambda: optim.chained_scheduler([optim.step_lr(0.1, 2), optim.step_lr(0.2, 2)]),
            InvalidArgumentError,
            "share base_lr",
        ),
        (
            lambda: optim.sequential_lr([optim.step_lr(0.1, 2), optim.step_lr(0.1, 3)], []),
            InvalidArgumentError,
            "one more than the number of milestone",
        ),
        (
            lambda: optim.sequential_lr(
                [optim.step_lr(0.1, 2), optim.chained_scheduler([optim.step_lr(0.1, 3)])], [4]
            ),
            InvalidArgumentError,
            "cannot restart",
        ),
    ],
)
def test_bad_arguments_raise(build: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        build()


# --------------------------------------------------------------------------------------------
# ReduceLROnPlateau
# --------------------------------------------------------------------------------------------


def _metrics(seed: int, n: int = 120) -> list[float]:
    """A scripted metric: a noisy decrease with flat stretches and NaN-free spikes."""
    g = np.random.default_rng(seed)
    values, level = [], 10.0
    while len(values) < n:
        kind = g.integers(3)
        run = int(g.integers(1, 9))
        for _ in range(run):
            if kind == 0:
                level *= 0.9
                values.append(level)
            elif kind == 1:
                values.append(level)  # flat: no improvement
            else:
                values.append(level * (1 + 0.3 * g.random()))  # worse
    # float32-representable values, so both libraries see the same numbers.
    return [float(np.float32(v)) for v in values[:n]]


PLATEAU = [
    ("defaults", {}),
    ("patience0", {"patience": 0}),
    ("abs", {"threshold_mode": "abs", "threshold": 0.05, "patience": 2}),
    ("max_rel", {"mode": "max", "patience": 3, "factor": 0.5}),
    ("max_abs", {"mode": "max", "threshold_mode": "abs", "threshold": 0.2, "patience": 1}),
    ("cooldown", {"patience": 1, "cooldown": 3, "factor": 0.5}),
    ("min_lr", {"patience": 1, "factor": 0.3, "min_lr": 1e-3}),
    ("eps", {"patience": 1, "factor": 0.5, "eps": 2e-3}),
]


@pytest.mark.parametrize("kwargs", [c[1] for c in PLATEAU], ids=[c[0] for c in PLATEAU])
def test_reduce_lr_on_plateau_matches_torch(kwargs: dict[str, Any]) -> None:
    metrics = _metrics(len(kwargs))
    if kwargs.get("mode") == "max":
        metrics = [-m for m in metrics]
    opt = _optimizer(0.1)
    sched = S.ReduceLROnPlateau(opt, **kwargs)
    plateau = optim.reduce_lr_on_plateau(0.1, **kwargs)
    state = plateau.init()
    update = jax.jit(plateau.update)
    reductions = 0
    for m in metrics:
        before = opt.param_groups[0]["lr"]
        sched.step(m)
        state = update(m, state)
        lr = opt.param_groups[0]["lr"]
        reductions += lr != before
        _close(float(state.lr), lr)
        assert int(state.num_bad_epochs) == sched.num_bad_epochs
        assert int(state.cooldown_counter) == sched.cooldown_counter
        _close(float(state.best), sched.best)
    assert int(state.last_epoch) == sched.last_epoch == len(metrics)
    assert reductions >= 2  # the script exercises the reductions


def test_reduce_lr_on_plateau_per_group_min_lr() -> None:
    p1, p2 = torch.nn.Parameter(torch.zeros(1)), torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([{"params": [p1], "lr": 0.1}, {"params": [p2], "lr": 0.05}])
    kwargs = {"patience": 0, "factor": 0.5, "min_lr": [0.01, 0.02]}
    sched = S.ReduceLROnPlateau(opt, **kwargs)
    plateau = optim.reduce_lr_on_plateau([0.1, 0.05], **kwargs)
    state = plateau.init()
    for m in [1.0] * 8:
        sched.step(m)
        state = plateau.update(m, state)
        _close(np.asarray(state.lr, np.float64), [g["lr"] for g in opt.param_groups])


def test_reduce_lr_on_plateau_bad_arguments() -> None:
    with pytest.raises(InvalidArgumentError, match="Factor should be < 1.0"):
        optim.reduce_lr_on_plateau(0.1, factor=1.0)
    with pytest.raises(InvalidArgumentError, match="mode avg is unknown"):
        optim.reduce_lr_on_plateau(0.1, mode="avg")
    with pytest.raises(InvalidArgumentError, match="threshold mode x is unknown"):
        optim.reduce_lr_on_plateau(0.1, threshold_mode="x")
    with pytest.raises(InvalidArgumentError, match="expected 2 min_lrs, got 3"):
        optim.reduce_lr_on_plateau([0.1, 0.2], min_lr=[0.0, 0.0, 0.0])
    with pytest.raises(ArgumentTypeError, match="patience must be an int"):
        optim.reduce_lr_on_plateau(0.1, patience=1.5)
    with pytest.raises(InvalidArgumentError, match="cooldown must be >= 0"):
        optim.reduce_lr_on_plateau(0.1, cooldown=-1)
    with pytest.raises(InvalidArgumentError, match="lr must be a positive float"):
        optim.scale_by_plateau(0.0)
    plateau = optim.reduce_lr_on_plateau(0.1)
    with pytest.raises(InvalidArgumentError, match="metric must be a scalar"):
        plateau.update(jnp.ones(2), plateau.init())


def test_scale_by_plateau_follows_torch_in_an_optax_chain() -> None:
    kwargs = {"patience": 1, "factor": 0.5, "cooldown": 1}
    p = torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.SGD([p], lr=0.1)
    sched = S.ReduceLROnPlateau(opt, **kwargs)
    tx = optax.chain(optax.sgd(0.1), optim.scale_by_plateau(0.1, **kwargs))
    params = {"w": jnp.zeros(2)}
    state = tx.init(params)
    update = jax.jit(tx.update)
    grad = np.asarray([1.0, -2.0], np.float32)
    metric = None
    for m in [3.0, 2.0, 2.0, 2.0, 2.0, 2.0, 1.0, 1.0, 1.0, 1.0]:
        for _ in range(2):  # two optimizer steps per epoch
            p.grad = torch.from_numpy(grad.copy())
            opt.step()
            kw = {"value": metric} if metric is not None else {}
            updates, state = update({"w": jnp.asarray(grad)}, state, **kw)
            metric = None
            params = optax.apply_updates(params, updates)
        sched.step(m)
        metric = m  # consumed with the first update of the next epoch
        _close(np.asarray(params["w"], np.float64), p.detach().numpy(), rtol=1e-5, atol=1e-7)
    assert opt.param_groups[0]["lr"] < 0.05  # reductions happened
