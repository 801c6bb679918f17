"""rustorch_fx.optim._schedule_steps: one torch scheduler step at a time, against torch.

``chainable_lr`` iterated from ``base_lr`` must give the schedule's own values and torch's
``get_last_lr()``; ``closed_form_lr`` must give torch's ``_get_closed_form_lr``; and the SGDR
helpers must place epochs as torch's ``CosineAnnealingWarmRestarts.step(epoch)`` does.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler as tls

from rustorch_fx.errors import ArgumentTypeError, InvalidArgumentError
from rustorch_fx.optim import (
    constant_lr,
    cosine_annealing_lr,
    cyclic_lr,
    exponential_lr,
    lambda_lr,
    linear_lr,
    multi_step_lr,
    multiplicative_lr,
    one_cycle_lr,
    polynomial_lr,
    step_lr,
)
from rustorch_fx.optim._schedule_steps import (
    chainable_lr,
    closed_form_lr,
    cosine_annealing_value,
    warm_restarts_position,
)

BASE = 0.1
CASES: dict[str, tuple[Callable[[float], Any], Callable[[Any], Any]]] = {
    "step": (lambda b: step_lr(b, 7, 0.5), lambda o: tls.StepLR(o, 7, 0.5)),
    "multistep": (
        lambda b: multi_step_lr(b, [5, 20, 20], 0.3),
        lambda o: tls.MultiStepLR(o, [5, 20, 20], 0.3),
    ),
    "constant": (lambda b: constant_lr(b, 0.25, 9), lambda o: tls.ConstantLR(o, 0.25, 9)),
    "linear": (
        lambda b: linear_lr(b, 0.2, 0.8, 30),
        lambda o: tls.LinearLR(o, 0.2, 0.8, 30),
    ),
    "exponential": (lambda b: exponential_lr(b, 0.97), lambda o: tls.ExponentialLR(o, 0.97)),
    "polynomial": (
        lambda b: polynomial_lr(b, 40, 1.7),
        lambda o: tls.PolynomialLR(o, 40, 1.7),
    ),
    "cosine": (
        lambda b: cosine_annealing_lr(b, 17, 0.001),
        lambda o: tls.CosineAnnealingLR(o, 17, 0.001),
    ),
    "lambda": (
        lambda b: lambda_lr(b, lambda e: 1 / (1 + e)),
        lambda o: tls.LambdaLR(o, lambda e: 1 / (1 + e)),
    ),
    "multiplicative": (
        lambda b: multiplicative_lr(b, lambda e: 0.9 if e % 4 == 0 else 1.01),
        lambda o: tls.MultiplicativeLR(o, lambda e: 0.9 if e % 4 == 0 else 1.01),
    ),
    "cyclic": (
        lambda b: cyclic_lr(b, 1.0, 5, 8, "triangular2"),
        lambda o: tls.CyclicLR(o, BASE, 1.0, 5, 8, "triangular2", cycle_momentum=False),
    ),
    "onecycle": (
        lambda b: one_cycle_lr(b * 25, total_steps=80),
        lambda o: tls.OneCycleLR(o, BASE * 25, total_steps=80, cycle_momentum=False),
    ),
}


def _torch_sched(make: Callable[[Any], Any]) -> tuple[Any, Any]:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=BASE)
    return opt, make(opt)


@pytest.mark.parametrize("name", sorted(CASES))
def test_chainable_lr_iterates_to_torch_values(name: str) -> None:
    build, make_torch = CASES[name]
    sched = build(BASE)
    opt, t_sched = _torch_sched(make_torch)
    lr = chainable_lr(sched, sched.base_lr, 0)
    assert lr == pytest.approx(t_sched.get_last_lr()[0], rel=1e-12)
    for epoch in range(1, 80):
        lr = chainable_lr(sched, lr, epoch)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            opt.step()
            t_sched.step()
        assert isinstance(lr, float)
        assert lr == pytest.approx(t_sched.get_last_lr()[0], rel=1e-9, abs=1e-15), epoch
        # the functional schedule (float32 in x32 mode) agrees with the host recursion
        assert float(sched(epoch)) == pytest.approx(lr, rel=2e-6, abs=1e-9)


def test_chainable_lr_rescales_the_current_lr() -> None:
    assert chainable_lr(step_lr(1.0, 2, 0.5), 0.3, 2) == pytest.approx(0.15)
    assert chainable_lr(step_lr(1.0, 2, 0.5), 0.3, 3) == 0.3
    assert chainable_lr(exponential_lr(1.0, 0.5), 0.3, 1) == pytest.approx(0.15)
    # schedules that set the lr outright ignore the current one
    assert chainable_lr(lambda_lr(2.0, lambda e: 0.5), 123.0, 4) == 1.0
    # SequentialLR's restart: MultiplicativeLR multiplies by lr_lambda(0)
    mult = multiplicative_lr(1.0, lambda e: 0.5 + e)
    assert chainable_lr(mult, 0.4, 0) == 0.4
    assert chainable_lr(mult, 0.4, 0, restart=True) == pytest.approx(0.2)
    # ConstantLR(total_iters=0) restarts at base_lr, as torch's closed form at epoch 0
    assert chainable_lr(constant_lr(1.0, 0.5, 0), 0.5, 0, restart=True) == 1.0


@pytest.mark.parametrize(
    "name", ["step", "multistep", "constant", "linear", "exponential", "polynomial", "cosine"]
)
def test_closed_form_lr_matches_torch(name: str) -> None:
    build, make_torch = CASES[name]
    sched = build(BASE)
    _, t_sched = _torch_sched(make_torch)
    for epoch in [0, 1, 3, 9, 16, 17, 18, 29, 33, 60]:
        t_sched.last_epoch = epoch
        expected = t_sched._get_closed_form_lr()[0]
        assert closed_form_lr(sched, epoch) == pytest.approx(expected, rel=1e-9, abs=1e-15)


def test_closed_form_lr_errors() -> None:
    with pytest.raises(InvalidArgumentError, match="MultiplicativeLR has no closed form"):
        closed_form_lr(multiplicative_lr(1.0, lambda e: 0.9), 3)
    with pytest.raises(InvalidArgumentError, match="epoch must be >= 0, got -1"):
        closed_form_lr(step_lr(1.0, 2), -1)
    with pytest.raises(ArgumentTypeError, match="epoch must be an int, got float"):
        chainable_lr(step_lr(1.0, 2), 0.1, 1.5)
    with pytest.raises(ArgumentTypeError, match="schedule must be a TorchSchedule"):
        chainable_lr(lambda t: 0.1, 0.1, 1)


@pytest.mark.parametrize(("t_0", "t_mult"), [(4, 1), (3, 2), (5, 3)])
def test_warm_restarts_position_matches_torch(t_0: int, t_mult: int) -> None:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    t_sched = tls.CosineAnnealingWarmRestarts(opt, T_0=t_0, T_mult=t_mult, eta_min=0.01)
    for epoch in [0, 1, 2.5, 3, 4, 7.25, 11, 20, 38.5, 100, 401]:
        t_sched.step(epoch)
        t_cur, t_i = warm_restarts_position(epoch, t_0, t_mult)
        assert (t_cur, t_i) == (t_sched.T_cur, t_sched.T_i), epoch
        value = cosine_annealing_value(1.0, 0.01, t_cur, t_i)
        assert value == pytest.approx(t_sched.get_last_lr()[0], rel=1e-12)
    with pytest.raises(InvalidArgumentError, match="Expected non-negative epoch, but got -2"):
        warm_restarts_position(-2, t_0, t_mult)


def test_cosine_annealing_value_keeps_precision_near_the_minimum() -> None:
    # 1 + cos(x) near x = pi cancels; the sin^2 form keeps full relative precision.
    t_i = 1000.0
    t_cur = 999.999
    expected = math.sin(math.pi * 0.001 / (2 * t_i)) ** 2
    assert cosine_annealing_value(1.0, 0.0, t_cur, t_i) == pytest.approx(expected, rel=1e-12)
    assert cosine_annealing_value(1.0, 0.0, 0, 5) == 1.0
    with pytest.raises(InvalidArgumentError, match="t_i must be > 0, got 0"):
        cosine_annealing_value(1.0, 0.0, 0, 0)
    assert np.isfinite(cosine_annealing_value(2.0, 0.5, 3, 7))
