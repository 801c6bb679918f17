"""compat.optim.lr_scheduler against torch.optim.lr_scheduler: lr and momentum sequences.

Each test builds the same parameter groups for a torch optimizer and for a compat one, attaches
the same scheduler(s) to both, and compares every group's lr (and momentum or beta1) after each
of 300 steps within 1e-6 relative. The compat side only needs torch-shaped ``param_groups`` and
``defaults``, which :class:`_Opt` provides (it is what compat.optim's optimizers hold).
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler as tls

from compat.optim import lr_scheduler as cls
from rustorch_fx.errors import ArgumentTypeError, InvalidArgumentError, OptimizerError

STEPS = 300
RTOL = 1e-6
ATOL = 1e-15  # values that reach 0 exactly (PolynomialLR, LinearLR to 0)


class _Opt:
    """A stand-in with torch's optimizer attributes the schedulers read."""

    def __init__(self, torch_opt: torch.optim.Optimizer) -> None:
        self.defaults = dict(torch_opt.defaults)
        self.param_groups = [
            {k: v for k, v in g.items() if k != "params"} for g in torch_opt.param_groups
        ]


def _torch_opt(kind: str = "sgd") -> torch.optim.Optimizer:
    p1 = torch.nn.Parameter(torch.zeros(2))
    p2 = torch.nn.Parameter(torch.zeros(3))
    groups = [{"params": [p1]}, {"params": [p2], "lr": 0.03}]
    if kind == "adam":
        return torch.optim.Adam(groups, lr=0.1, betas=(0.9, 0.99))
    return torch.optim.SGD(groups, lr=0.1, momentum=0.9)


def _pair(kind: str = "sgd") -> tuple[torch.optim.Optimizer, _Opt]:
    t = _torch_opt(kind)
    return t, _Opt(t)


def _hyper(groups: list[dict[str, Any]]) -> np.ndarray:
    rows = []
    for g in groups:
        row = [g["lr"]]
        if "momentum" in g:
            row.append(g["momentum"])
        if "betas" in g:
            row.extend(g["betas"])
        rows.append(row)
    return np.asarray(rows, np.float64)


def _step_torch(opt: torch.optim.Optimizer, scheds: list[Any], metric: Any = None) -> None:
    opt.step()
    for s in scheds:
        s.step() if metric is None else s.step(metric)


def _as_list(x: Any) -> list[Any]:
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _run(
    make: Callable[[Any, Any], Any],
    kind: str = "sgd",
    steps: int = STEPS,
    edit: Callable[[int, list[dict[str, Any]]], None] | None = None,
) -> None:
    """Build ``make(module, opt)`` for torch and compat; compare after each step."""
    t_opt, c_opt = _pair(kind)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_sched = _as_list(make(tls, t_opt))
        c_sched = _as_list(make(cls, c_opt))
        np.testing.assert_allclose(_hyper(c_opt.param_groups), _hyper(t_opt.param_groups))
        for i in range(steps):
            if edit is not None:
                edit(i, t_opt.param_groups)
                edit(i, c_opt.param_groups)
            _step_torch(t_opt, t_sched)
            for s in c_sched:
                s.step()
            np.testing.assert_allclose(
                _hyper(c_opt.param_groups),
                _hyper(t_opt.param_groups),
                rtol=RTOL,
                atol=ATOL,
                err_msg=f"step {i + 1}",
            )
            np.testing.assert_allclose(
                c_sched[-1].get_last_lr(), t_sched[-1].get_last_lr(), rtol=RTOL, atol=ATOL
            )
            assert getattr(c_sched[-1], "last_epoch", None) == getattr(
                t_sched[-1], "last_epoch", None
            )


def _f97(e: int) -> float:
    return 0.97**e


def _mult(e: int) -> float:
    return 0.9 if e % 5 == 0 else 0.995


SINGLE: dict[str, Callable[[Any, Any], Any]] = {
    "step": lambda m, o: m.StepLR(o, step_size=7, gamma=0.5),
    "multistep": lambda m, o: m.MultiStepLR(o, milestones=[120, 10, 50, 50], gamma=0.3),
    "multistep_at_0": lambda m, o: m.MultiStepLR(o, milestones=[0, 30], gamma=0.5),
    "constant": lambda m, o: m.ConstantLR(o, factor=0.25, total_iters=40),
    "constant_0": lambda m, o: m.ConstantLR(o, factor=0.5, total_iters=0),
    "linear": lambda m, o: m.LinearLR(o, start_factor=0.1, end_factor=0.9, total_iters=50),
    "linear_to_0": lambda m, o: m.LinearLR(o, start_factor=1.0, end_factor=0.0, total_iters=90),
    "exponential": lambda m, o: m.ExponentialLR(o, gamma=0.99),
    "polynomial": lambda m, o: m.PolynomialLR(o, total_iters=120, power=2.0),
    "cosine": lambda m, o: m.CosineAnnealingLR(o, T_max=37, eta_min=0.001),
    "cosine_eta0": lambda m, o: m.CosineAnnealingLR(o, T_max=50),
    "warm_restarts": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=10, T_mult=2, eta_min=0.01),
    "warm_restarts_1": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=13),
    "lambda": lambda m, o: m.LambdaLR(o, lr_lambda=_f97),
    "lambda_per_group": lambda m, o: m.LambdaLR(o, lr_lambda=[_f97, lambda e: 1 / (1 + e)]),
    "multiplicative": lambda m, o: m.MultiplicativeLR(o, lr_lambda=_mult),
    "cyclic": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=7),
    "cyclic_tri2_down": lambda m, o: m.CyclicLR(
        o, [0.01, 0.002], [0.1, 0.05], step_size_up=5, step_size_down=11, mode="triangular2"
    ),
    "cyclic_exp_range": lambda m, o: m.CyclicLR(
        o, 0.01, 0.1, step_size_up=6, mode="exp_range", gamma=0.99, base_momentum=0.7
    ),
    "cyclic_scale_fn_iter": lambda m, o: m.CyclicLR(
        o,
        0.01,
        0.1,
        step_size_up=4,
        scale_fn=lambda x: 1 / (1 + 0.01 * x),
        scale_mode="iterations",
    ),
    "cyclic_scale_fn_cycle": lambda m, o: m.CyclicLR(
        o, 0.01, 0.1, step_size_up=3, scale_fn=lambda c: 0.8**c, cycle_momentum=False
    ),
    "onecycle_cos": lambda m, o: m.OneCycleLR(o, max_lr=0.5, total_steps=STEPS),
    "onecycle_linear": lambda m, o: m.OneCycleLR(
        o, max_lr=[0.5, 0.2], epochs=10, steps_per_epoch=30, anneal_strategy="linear"
    ),
    "onecycle_three": lambda m, o: m.OneCycleLR(
        o,
        max_lr=1.0,
        total_steps=STEPS + 5,
        pct_start=0.25,
        three_phase=True,
        div_factor=10.0,
        final_div_factor=100.0,
        base_momentum=0.8,
        max_momentum=0.9,
    ),
    "onecycle_no_momentum": lambda m, o: m.OneCycleLR(
        o, max_lr=0.5, total_steps=STEPS, cycle_momentum=False
    ),
}


@pytest.mark.parametrize("name", sorted(SINGLE))
def test_single_scheduler_matches_torch(name: str) -> None:
    _run(SINGLE[name])


@pytest.mark.parametrize("name", ["cyclic", "cyclic_tri2_down", "onecycle_cos", "onecycle_three"])
def test_beta1_cycling_matches_torch(name: str) -> None:
    _run(SINGLE[name], kind="adam")


CHAINS: dict[str, Callable[[Any, Any], Any]] = {
    "two_attached": lambda m, o: [m.StepLR(o, 9, 0.5), m.ExponentialLR(o, 0.995)],
    "three_attached": lambda m, o: [
        m.LinearLR(o, 0.2, total_iters=20),
        m.CosineAnnealingLR(o, T_max=40, eta_min=0.0),
        m.MultiStepLR(o, [100, 200], 0.5),
    ],
    "chained": lambda m, o: m.ChainedScheduler(
        [m.ConstantLR(o, 0.5, 10), m.ExponentialLR(o, 0.99), m.CosineAnnealingLR(o, 60)]
    ),
    "chained_absolute": lambda m, o: m.ChainedScheduler([m.StepLR(o, 5, 0.5), m.LambdaLR(o, _f97)]),
    "sequential": lambda m, o: m.SequentialLR(
        o,
        [m.LinearLR(o, 0.1, total_iters=20), m.ExponentialLR(o, 0.98), m.CosineAnnealingLR(o, 30)],
        milestones=[20, 100],
    ),
    "sequential_multiplicative": lambda m, o: m.SequentialLR(
        o, [m.ConstantLR(o, 0.3, 15), m.MultiplicativeLR(o, _mult)], milestones=[40]
    ),
    "sequential_lambda_cyclic": lambda m, o: m.SequentialLR(
        o,
        [m.LambdaLR(o, _f97), m.StepLR(o, 11, 0.7), m.PolynomialLR(o, 50, 1.5)],
        milestones=[30, 150],
    ),
}


@pytest.mark.parametrize("name", sorted(CHAINS))
def test_composed_schedulers_match_torch(name: str) -> None:
    _run(CHAINS[name])


@pytest.mark.parametrize("name", ["step", "cosine", "linear", "exponential", "multiplicative"])
def test_hand_edited_lr_is_rescaled_like_torch(name: str) -> None:
    def edit(i: int, groups: list[dict[str, Any]]) -> None:
        if i in (33, 150):
            groups[0]["lr"] *= 0.5
            groups[1]["lr"] = 0.02

    _run(SINGLE[name], edit=edit)


@pytest.mark.parametrize("name", sorted(SINGLE))
def test_state_dict_has_torch_keys(name: str) -> None:
    t_opt, c_opt = _pair()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_sd = SINGLE[name](tls, t_opt).state_dict()
        c_sd = SINGLE[name](cls, c_opt).state_dict()
    assert set(c_sd) == set(t_sd)
    for key in ("base_lrs", "last_epoch", "_last_lr", "_step_count"):
        np.testing.assert_allclose(c_sd[key], t_sd[key], rtol=RTOL)
    # the groups hold the same extra keys (initial_lr, max_lr, max_momentum...)
    assert [set(g) for g in c_opt.param_groups] == [
        {k for k in g if k != "params"} for g in t_opt.param_groups
    ]


@pytest.mark.parametrize(
    "name",
    ["step", "cosine", "multiplicative", "lambda", "cyclic", "onecycle_three", "warm_restarts"],
)
@pytest.mark.parametrize("direction", ["compat_to_compat", "compat_to_torch", "torch_to_compat"])
def test_state_dict_resume_mid_run(name: str, direction: str) -> None:
    make = SINGLE[name]
    t_opt, c_opt = _pair()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_sched, c_sched = make(tls, t_opt), make(cls, c_opt)
        for _ in range(120):
            _step_torch(t_opt, [t_sched])
            c_sched.step()
        # Resume each side into a fresh optimizer and scheduler from the other's state.
        t_new, c_new = _pair()
        if direction == "compat_to_compat":
            src_sd, src_groups = c_sched.state_dict(), c_opt.param_groups
            t_new, t_next, c_next = t_opt, t_sched, None
        elif direction == "compat_to_torch":
            src_sd, src_groups = c_sched.state_dict(), c_opt.param_groups
            t_next, c_next = make(tls, t_new), c_sched
        else:
            src_sd, src_groups = t_sched.state_dict(), t_opt.param_groups
            t_next, c_next = t_sched, None
            t_new = t_opt
        if c_next is None:
            c_next = make(cls, c_new)
            for g, src in zip(c_new.param_groups, src_groups, strict=True):
                g.update({k: v for k, v in src.items() if k != "params"})
            c_next.load_state_dict(copy.deepcopy(src_sd))
        else:
            for g, src in zip(t_new.param_groups, src_groups, strict=True):
                g.update(src)
            t_next.load_state_dict(copy.deepcopy(src_sd))
        c_groups = c_new.param_groups if c_next is not c_sched else c_opt.param_groups
        for i in range(150):
            _step_torch(t_new, [t_next])
            c_next.step()
            np.testing.assert_allclose(
                _hyper(c_groups),
                _hyper(t_new.param_groups),
                rtol=RTOL,
                atol=ATOL,
                err_msg=f"step {i}",
            )


def test_sequential_and_chained_state_dict_round_trip() -> None:
    for make in (CHAINS["sequential"], CHAINS["chained"]):
        t_opt, c_opt = _pair()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_sched, c_sched = make(tls, t_opt), make(cls, c_opt)
            for _ in range(60):
                _step_torch(t_opt, [t_sched])
                c_sched.step()
            t_sd, c_sd = t_sched.state_dict(), c_sched.state_dict()
            assert set(c_sd) == set(t_sd)
            assert [set(s) for s in c_sd["_schedulers"]] == [set(s) for s in t_sd["_schedulers"]]
            c_opt2 = _Opt(t_opt)
            c_new = make(cls, c_opt2)
            for g, src in zip(c_opt2.param_groups, c_opt.param_groups, strict=True):
                g.update(src)
            c_new.load_state_dict(copy.deepcopy(c_sd))
            for _ in range(100):
                _step_torch(t_opt, [t_sched])
                c_new.step()
                np.testing.assert_allclose(
                    _hyper(c_opt2.param_groups), _hyper(t_opt.param_groups), rtol=RTOL
                )


def test_last_epoch_resume_constructor() -> None:
    """``last_epoch >= 0`` (resuming without a state dict) makes torch's initial step."""
    for make in (
        lambda m, o, e: m.ExponentialLR(o, 0.9, last_epoch=e),
        lambda m, o, e: m.StepLR(o, 3, 0.5, last_epoch=e),
        lambda m, o, e: m.LinearLR(o, 0.5, total_iters=10, last_epoch=e),
        lambda m, o, e: m.CosineAnnealingLR(o, 10, last_epoch=e),
        lambda m, o, e: m.MultiplicativeLR(o, _mult, last_epoch=e),
        lambda m, o, e: m.PolynomialLR(o, 12, 2.0, last_epoch=e),
        lambda m, o, e: m.ConstantLR(o, 0.5, 9, last_epoch=e),
        lambda m, o, e: m.MultiStepLR(o, [6, 9], 0.5, last_epoch=e),
        lambda m, o, e: m.CosineAnnealingWarmRestarts(o, 4, 2, last_epoch=e),
    ):
        t_opt, c_opt = _pair()
        for g in t_opt.param_groups + c_opt.param_groups:
            g["initial_lr"] = g["lr"] * 2
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_s, c_s = make(tls, t_opt, 5), make(cls, c_opt, 5)
            for _ in range(20):
                np.testing.assert_allclose(
                    _hyper(c_opt.param_groups), _hyper(t_opt.param_groups), rtol=RTOL
                )
                _step_torch(t_opt, [t_s])
                c_s.step()


def test_deprecated_step_epoch_uses_closed_form() -> None:
    for make in (SINGLE["step"], SINGLE["cosine"], SINGLE["multistep"], SINGLE["lambda"]):
        t_opt, c_opt = _pair()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_s, c_s = make(tls, t_opt), make(cls, c_opt)
        for epoch in (5, 17, 3, 40):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t_s.step(epoch)
            with pytest.warns(UserWarning, match="epoch parameter"):
                c_s.step(epoch)
            np.testing.assert_allclose(c_s.get_last_lr(), t_s.get_last_lr(), rtol=RTOL)


def test_warm_restarts_fractional_epochs() -> None:
    t_opt, c_opt = _pair()
    t_s = tls.CosineAnnealingWarmRestarts(t_opt, T_0=4, T_mult=3, eta_min=0.001)
    c_s = cls.CosineAnnealingWarmRestarts(c_opt, T_0=4, T_mult=3, eta_min=0.001)
    for epoch in np.arange(0, 60, 0.37):
        t_s.step(float(epoch))
        c_s.step(float(epoch))
        np.testing.assert_allclose(c_s.get_last_lr(), t_s.get_last_lr(), rtol=RTOL)
        assert c_s.last_epoch == t_s.last_epoch
    with pytest.raises(InvalidArgumentError, match="Expected non-negative epoch, but got -1"):
        c_s.step(-1)


def test_get_lr_outside_step_warns() -> None:
    _, c_opt = _pair()
    sched = cls.StepLR(c_opt, 3)
    with pytest.warns(UserWarning, match="get_last_lr"):
        sched.get_lr()


# ---------------------------------------------------------------------------- ReduceLROnPlateau

PLATEAU_OPTIONS = [
    {},
    {"mode": "max"},
    {"patience": 0, "factor": 0.5},
    {"patience": 2, "cooldown": 3, "factor": 0.7},
    {"threshold_mode": "abs", "threshold": 0.05, "patience": 1},
    {"mode": "max", "threshold_mode": "abs", "threshold": 0.02, "patience": 1},
    {"min_lr": [0.01, 0.002], "patience": 1, "factor": 0.3},
    {"min_lr": 0.005, "patience": 0, "factor": 0.5},
    {"eps": 5e-3, "patience": 0, "factor": 0.9},
    {"threshold": 0.2, "patience": 1, "cooldown": 1},
]


def _metrics(seed: int, n: int = 200) -> list[float]:
    rng = np.random.default_rng(seed)
    out, level = [], 1.0
    for i in range(n):
        if i % 23 < 8:  # improving stretches, then plateaus with noise
            level *= 0.9
        out.append(level * (1 + 0.05 * rng.standard_normal()))
    out[50] = float("nan")
    out[51] = float("inf")
    return out


@pytest.mark.parametrize("options", PLATEAU_OPTIONS, ids=[str(o) for o in PLATEAU_OPTIONS])
def test_reduce_lr_on_plateau_matches_torch(options: dict[str, Any]) -> None:
    t_opt, c_opt = _pair()
    t_s = tls.ReduceLROnPlateau(t_opt, **options)
    c_s = cls.ReduceLROnPlateau(c_opt, **options)
    assert set(c_s.state_dict()) == set(t_s.state_dict())
    metrics = _metrics(len(str(options)))
    if options.get("mode") == "max":
        metrics = [-m for m in metrics]
    for i, m in enumerate(metrics):
        t_s.step(m)
        c_s.step(m)
        np.testing.assert_allclose(
            _hyper(c_opt.param_groups), _hyper(t_opt.param_groups), rtol=RTOL, err_msg=str(i)
        )
        assert (c_s.num_bad_epochs, c_s.cooldown_counter, c_s.last_epoch) == (
            t_s.num_bad_epochs,
            t_s.cooldown_counter,
            t_s.last_epoch,
        )
        assert c_s.best == t_s.best
        assert c_s.get_last_lr() == pytest.approx(t_s.get_last_lr(), rel=RTOL)
        if i == 100:  # resume from the state dict mid-run
            c_opt2 = _Opt(t_opt)
            c_s2 = cls.ReduceLROnPlateau(c_opt2, **options)
            c_s2.load_state_dict(copy.deepcopy(c_s.state_dict()))
            c_s, c_opt = c_s2, c_opt2


def test_reduce_lr_on_plateau_tensor_metric_and_added_group() -> None:
    import compat

    t_opt, c_opt = _pair()
    t_s = tls.ReduceLROnPlateau(t_opt, patience=0)
    c_s = cls.ReduceLROnPlateau(c_opt, patience=0)
    for m in (1.0, 2.0, 3.0):
        t_s.step(torch.tensor(m))
        c_s.step(compat.tensor(m))
    assert c_s.get_last_lr() == pytest.approx(t_s.get_last_lr(), rel=RTOL)
    c_opt.param_groups.append({"lr": 0.5, "momentum": 0.9})
    c_s.step(4.0)  # a scalar default min_lr extends to the new group, as in torch
    assert c_s.min_lrs == [0, 0, 0]
    c_list = cls.ReduceLROnPlateau(_pair()[1], min_lr=[0.0, 0.0])
    c_list.optimizer.param_groups.append({"lr": 0.5})
    with pytest.raises(OptimizerError, match="differs from when `ReduceLROnPlateau`"):
        c_list.step(1.0)


# ---------------------------------------------------------------------------- errors


def test_errors_have_torch_messages() -> None:
    _, o = _pair()
    with pytest.raises(ArgumentTypeError, match="list is not an Optimizer"):
        cls.StepLR([], 3)
    with pytest.raises(InvalidArgumentError, match="Constant multiplicative factor"):
        cls.ConstantLR(o, factor=1.5)
    with pytest.raises(InvalidArgumentError, match="Starting multiplicative factor"):
        cls.LinearLR(o, start_factor=0)
    with pytest.raises(InvalidArgumentError, match="Ending multiplicative factor"):
        cls.LinearLR(o, end_factor=2)
    with pytest.raises(InvalidArgumentError, match="Expected 2 lr_lambdas, but got 1"):
        cls.LambdaLR(o, [_f97])
    with pytest.raises(ArgumentTypeError, match="lr_lambda should be a function, but got int"):
        cls.MultiplicativeLR(o, 3)
    with pytest.raises(InvalidArgumentError, match="Expected positive integer T_0, but got 0"):
        cls.CosineAnnealingWarmRestarts(o, T_0=0)
    with pytest.raises(InvalidArgumentError, match="Expected integer T_mult >= 1, but got 0"):
        cls.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0)
    with pytest.raises(InvalidArgumentError, match="mode is invalid and scale_fn is None"):
        cls.CyclicLR(o, 0.1, 1.0, mode="bad")
    with pytest.raises(InvalidArgumentError, match="base_lr must have the same length"):
        cls.CyclicLR(o, [0.1], 1.0)
    with pytest.raises(InvalidArgumentError, match="Expected positive integer total_steps"):
        cls.OneCycleLR(o, 0.1, total_steps=0)
    with pytest.raises(InvalidArgumentError, match="You must define either total_steps OR"):
        cls.OneCycleLR(o, 0.1)
    with pytest.raises(InvalidArgumentError, match="Expected float between 0 and 1 pct_start"):
        cls.OneCycleLR(o, 0.1, total_steps=10, pct_start=2.0)
    with pytest.raises(InvalidArgumentError, match="anneal_strategy must be one of"):
        cls.OneCycleLR(o, 0.1, total_steps=10, anneal_strategy="exp")
    with pytest.raises(InvalidArgumentError, match="Factor should be < 1.0"):
        cls.ReduceLROnPlateau(o, factor=1.0)
    with pytest.raises(InvalidArgumentError, match="mode avg is unknown"):
        cls.ReduceLROnPlateau(o, mode="avg")
    with pytest.raises(InvalidArgumentError, match="threshold mode x is unknown"):
        cls.ReduceLROnPlateau(o, threshold_mode="x")
    with pytest.raises(InvalidArgumentError, match="expected 2 min_lrs, got 3"):
        cls.ReduceLROnPlateau(o, min_lr=[0, 0, 0])
    fresh = _pair()[1]
    with pytest.raises(OptimizerError, match="'initial_lr' is not specified in param_groups"):
        cls.StepLR(fresh, 3, last_epoch=4)


def test_cycle_momentum_needs_momentum() -> None:
    _, o = _pair()
    o.defaults = {"lr": 0.1}
    with pytest.raises(InvalidArgumentError, match="optimizer must support momentum or beta1"):
        cls.CyclicLR(o, 0.01, 0.1)
    with pytest.raises(InvalidArgumentError, match="optimizer must support momentum or beta1"):
        cls.OneCycleLR(o, 0.1, total_steps=10)


def test_one_cycle_raises_past_the_end() -> None:
    t_opt, c_opt = _pair()
    t_s = tls.OneCycleLR(t_opt, 0.1, total_steps=5)
    c_s = cls.OneCycleLR(c_opt, 0.1, total_steps=5)
    for _ in range(5):
        _step_torch(t_opt, [t_s])
        c_s.step()
    with pytest.raises(ValueError, match="Tried to step 6 times"):
        t_s.step()
    with pytest.raises(InvalidArgumentError, match="Tried to step 6 times. The specified number"):
        c_s.step()


def test_composition_errors() -> None:
    _, o = _pair()
    _, other = _pair()
    a, b = cls.StepLR(o, 3), cls.ExponentialLR(o, 0.9)
    with pytest.raises(InvalidArgumentError, match="expects number of schedulers provided"):
        cls.SequentialLR(o, [a, b], milestones=[1, 2])
    with pytest.raises(InvalidArgumentError, match="expects at least one scheduler"):
        cls.SequentialLR(o, [], milestones=[])
    with pytest.raises(InvalidArgumentError, match="expects at least one scheduler to be chained"):
        cls.ChainedScheduler([])
    with pytest.raises(InvalidArgumentError, match="does not support `ReduceLROnPlateau`"):
        cls.ChainedScheduler([a, cls.ReduceLROnPlateau(o)])
    with pytest.raises(InvalidArgumentError, match="belong to the same optimizer"):
        cls.SequentialLR(o, [a, cls.StepLR(other, 2)], milestones=[3])
    with pytest.raises(ArgumentTypeError, match="should have `optimizer` as its attribute"):
        cls.ChainedScheduler([a, object()])


def test_lr_scheduler_alias_and_public_names() -> None:
    assert issubclass(cls._LRScheduler, cls.LRScheduler)
    assert set(cls.__all__) == set(tls.__all__)


# ---------------------------------------------------------------------------- with compat.optim


@pytest.mark.parametrize(
    ("kind", "make"),
    [
        ("sgd", lambda m, o: m.StepLR(o, step_size=3, gamma=0.5)),
        ("sgd", lambda m, o: m.CyclicLR(o, 0.01, 0.2, step_size_up=4)),
        ("adam", lambda m, o: m.OneCycleLR(o, max_lr=0.05, total_steps=30)),
        ("adam", lambda m, o: [m.LinearLR(o, 0.1, total_iters=5), m.ExponentialLR(o, 0.9)]),
    ],
    ids=["step_sgd", "cyclic_sgd_momentum", "onecycle_adam_beta1", "two_on_adam"],
)
def test_schedulers_drive_compat_optimizers_like_torch(kind: str, make: Callable) -> None:
    """The scheduled lr (and momentum/beta1) reach compat.optim's updates as torch's do."""
    import compat
    import compat.optim

    rng = np.random.default_rng(0)
    w0 = rng.standard_normal(5).astype(np.float32)
    x = rng.standard_normal((8, 5)).astype(np.float32)
    tw = torch.tensor(w0, requires_grad=True)
    cw = compat.tensor(w0, requires_grad=True)
    if kind == "sgd":
        t_opt = torch.optim.SGD([tw], lr=0.1, momentum=0.9)
        c_opt = compat.optim.SGD([cw], lr=0.1, momentum=0.9)
    else:
        t_opt = torch.optim.Adam([tw], lr=0.01)
        c_opt = compat.optim.Adam([cw], lr=0.01)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_s, c_s = _as_list(make(tls, t_opt)), _as_list(make(cls, c_opt))
    for step in range(30):
        for opt, w, lib in ((t_opt, tw, torch), (c_opt, cw, compat)):
            opt.zero_grad()
            (lib.tensor(x) @ w).pow(2).mean().backward()
            opt.step()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for s in t_s:
                s.step()
        for s in c_s:
            s.step()
        np.testing.assert_allclose(
            _hyper(c_opt.param_groups), _hyper(t_opt.param_groups), rtol=RTOL
        )
        np.testing.assert_allclose(
            cw.detach().numpy(), tw.detach().numpy(), rtol=1e-5, atol=1e-6, err_msg=str(step)
        )


def test_tensor_lr_is_updated_in_place_like_torch() -> None:
    """A tensor-valued lr is filled in place and base_lrs/_last_lr hold clones, as in torch."""
    import compat
    import compat.optim

    tw = torch.nn.Parameter(torch.zeros(2))
    cw = compat.zeros(2, requires_grad=True)
    t_opt = torch.optim.SGD([tw], lr=torch.tensor(0.1), momentum=0.9)
    c_opt = compat.optim.SGD([cw], lr=compat.tensor(0.1), momentum=0.9)
    c_lr = c_opt.param_groups[0]["lr"]
    t_s = tls.SequentialLR(
        t_opt, [tls.LinearLR(t_opt, 0.5, total_iters=3), tls.CosineAnnealingLR(t_opt, 5)], [3]
    )
    c_s = cls.SequentialLR(
        c_opt, [cls.LinearLR(c_opt, 0.5, total_iters=3), cls.CosineAnnealingLR(c_opt, 5)], [3]
    )
    for _ in range(12):
        t_opt.step()
        c_opt.step()
        t_s.step()
        c_s.step()
        assert c_opt.param_groups[0]["lr"] is c_lr
        assert float(c_lr) == pytest.approx(float(t_opt.param_groups[0]["lr"]), rel=1e-6)
        (last,) = c_s.get_last_lr()
        assert isinstance(last, compat.Tensor) and last is not c_lr
