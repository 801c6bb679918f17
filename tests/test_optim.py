"""rustorch_fx.optim's first-order optimizers against torch.optim, 100 steps each (x32 mode).

Both libraries start from the same parameters and see the same gradient sequence: every step,
torch computes the gradient of a fixed logistic loss at its own parameters, and that gradient is
fed to both optimizers. The parameters must then agree at every step within float32's rtol 1e-5.
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
from conftest import assert_close, randn

import rustorch_fx.optim as ro
from rustorch_fx.errors import ArgumentTypeError, OptimizerError
from rustorch_fx.optim._adam import _radam_rho

STEPS = 100
NAMES = ("layer.weight", "layer.bias", "scale")


def _initial(rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {
        "layer.weight": randn(rng, 4, 3),
        "layer.bias": randn(rng, 4),
        "scale": np.asarray(1.0 + 0.1 * rng.standard_normal(), np.float32),
    }


def _nested(flat: dict[str, Any]) -> dict[str, Any]:
    """The flat state-dict names as a nested pytree (exercises dict-of-dict params)."""
    return {
        "layer": {"weight": flat["layer.weight"], "bias": flat["layer.bias"]},
        "scale": flat["scale"],
    }


def _flat(nested: dict[str, Any]) -> dict[str, Any]:
    return {
        "layer.weight": nested["layer"]["weight"],
        "layer.bias": nested["layer"]["bias"],
        "scale": nested["scale"],
    }


def _run(
    rng: np.random.Generator,
    torch_cls: type[torch.optim.Optimizer],
    torch_kwargs: dict[str, Any],
    tx: optax.GradientTransformation,
    lr_lambda: Callable[[int], float] | None = None,
    steps: int = STEPS,
) -> tuple[Any, torch.optim.Optimizer, dict[str, torch.Tensor]]:
    """Run both optimizers side by side, comparing the parameters after every step."""
    init = _initial(rng)
    x = torch.from_numpy(randn(rng, 8, 3))
    y = torch.from_numpy(np.sign(randn(rng, 8, 4)))
    tparams = {k: torch.tensor(v, requires_grad=True) for k, v in init.items()}
    opt = torch_cls([tparams[k] for k in NAMES], **torch_kwargs)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda) if lr_lambda else None

    params = _nested({k: jnp.asarray(v) for k, v in init.items()})
    state = tx.init(params)

    @jax.jit
    def step(grads: Any, state: Any, params: Any) -> tuple[Any, Any]:
        updates, state = tx.update(grads, state, params)
        return optax.apply_updates(params, updates), state

    for i in range(steps):
        opt.zero_grad()
        z = (x @ tparams["layer.weight"].T + tparams["layer.bias"]) * tparams["scale"]
        loss = torch.nn.functional.softplus(-y * z).mean() + 0.5 * (tparams["scale"] - 2) ** 2
        loss.backward()
        grads = _nested({k: jnp.asarray(tparams[k].grad.numpy()) for k in NAMES})
        opt.step()
        if sched is not None:
            sched.step()
        params, state = step(grads, state, params)
        for k, v in _flat(params).items():
            try:
                assert_close(v, tparams[k].detach())
            except AssertionError as e:
                raise AssertionError(f"step {i + 1}, {k}: {e}") from None
    return state, opt, tparams


# (name, torch class, torch kwargs, our factory, our kwargs)
CASES = [
    ("sgd-default", torch.optim.SGD, {}, ro.sgd, {}),
    ("sgd-lr", torch.optim.SGD, {"lr": 0.1}, ro.sgd, {"lr": 0.1}),
    (
        "sgd-momentum",
        torch.optim.SGD,
        {"lr": 0.05, "momentum": 0.9},
        ro.sgd,
        {"lr": 0.05, "momentum": 0.9},
    ),
    (
        "sgd-dampening",
        torch.optim.SGD,
        {"lr": 0.05, "momentum": 0.9, "dampening": 0.3},
        ro.sgd,
        {"lr": 0.05, "momentum": 0.9, "dampening": 0.3},
    ),
    (
        "sgd-nesterov",
        torch.optim.SGD,
        {"lr": 0.05, "momentum": 0.8, "nesterov": True},
        ro.sgd,
        {"lr": 0.05, "momentum": 0.8, "nesterov": True},
    ),
    (
        "sgd-wd-maximize",
        torch.optim.SGD,
        {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.1, "maximize": True},
        ro.sgd,
        {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.1, "maximize": True},
    ),
    ("adam-default", torch.optim.Adam, {}, ro.adam, {}),
    (
        "adam-wd",
        torch.optim.Adam,
        {"lr": 0.01, "weight_decay": 0.1},
        ro.adam,
        {"lr": 0.01, "weight_decay": 0.1},
    ),
    (
        "adam-amsgrad",
        torch.optim.Adam,
        {"lr": 0.01, "amsgrad": True},
        ro.adam,
        {"lr": 0.01, "amsgrad": True},
    ),
    (
        "adam-maximize-betas",
        torch.optim.Adam,
        {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6, "maximize": True},
        ro.adam,
        {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6, "maximize": True},
    ),
    (
        "adam-decoupled",
        torch.optim.Adam,
        {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True},
        ro.adam,
        {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True},
    ),
    ("adamw-default", torch.optim.AdamW, {}, ro.adamw, {}),
    (
        "adamw-amsgrad",
        torch.optim.AdamW,
        {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True},
        ro.adamw,
        {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True},
    ),
    (
        "adamw-maximize",
        torch.optim.AdamW,
        {"lr": 0.01, "maximize": True},
        ro.adamw,
        {"lr": 0.01, "maximize": True},
    ),
    ("nadam-default", torch.optim.NAdam, {}, ro.nadam, {}),
    (
        "nadam-wd",
        torch.optim.NAdam,
        {"lr": 0.01, "weight_decay": 0.1, "momentum_decay": 0.01},
        ro.nadam,
        {"lr": 0.01, "weight_decay": 0.1, "momentum_decay": 0.01},
    ),
    (
        "nadam-decoupled-maximize",
        torch.optim.NAdam,
        {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True, "maximize": True},
        ro.nadam,
        {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True, "maximize": True},
    ),
    ("radam-default", torch.optim.RAdam, {}, ro.radam, {}),
    (
        "radam-wd",
        torch.optim.RAdam,
        {"lr": 0.01, "weight_decay": 0.1},
        ro.radam,
        {"lr": 0.01, "weight_decay": 0.1},
    ),
    (
        "radam-decoupled-maximize",
        torch.optim.RAdam,
        {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True, "maximize": True},
        ro.radam,
        {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True, "maximize": True},
    ),
    (
        "radam-betas",
        torch.optim.RAdam,
        {"lr": 0.01, "betas": (0.5, 0.9), "eps": 1e-4},
        ro.radam,
        {"lr": 0.01, "betas": (0.5, 0.9), "eps": 1e-4},
    ),
    ("adamax-default", torch.optim.Adamax, {}, ro.adamax, {}),
    (
        "adamax-wd-maximize",
        torch.optim.Adamax,
        {"lr": 0.01, "weight_decay": 0.1, "maximize": True},
        ro.adamax,
        {"lr": 0.01, "weight_decay": 0.1, "maximize": True},
    ),
    ("adagrad-default", torch.optim.Adagrad, {}, ro.adagrad, {}),
    (
        "adagrad-options",
        torch.optim.Adagrad,
        {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.1, "initial_accumulator_value": 0.2},
        ro.adagrad,
        {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.1, "initial_accumulator_value": 0.2},
    ),
    ("adagrad-maximize", torch.optim.Adagrad, {"maximize": True}, ro.adagrad, {"maximize": True}),
    ("adadelta-default", torch.optim.Adadelta, {}, ro.adadelta, {}),
    (
        "adadelta-options",
        torch.optim.Adadelta,
        {"lr": 0.5, "rho": 0.8, "eps": 1e-4, "weight_decay": 0.1, "maximize": True},
        ro.adadelta,
        {"lr": 0.5, "rho": 0.8, "eps": 1e-4, "weight_decay": 0.1, "maximize": True},
    ),
    ("rmsprop-default", torch.optim.RMSprop, {}, ro.rmsprop, {}),
    (
        "rmsprop-centered",
        torch.optim.RMSprop,
        {"lr": 0.001, "centered": True},
        ro.rmsprop,
        {"lr": 0.001, "centered": True},
    ),
    (
        "rmsprop-momentum",
        torch.optim.RMSprop,
        {"lr": 0.001, "momentum": 0.9, "weight_decay": 0.1},
        ro.rmsprop,
        {"lr": 0.001, "momentum": 0.9, "weight_decay": 0.1},
    ),
    (
        "rmsprop-centered-momentum",
        torch.optim.RMSprop,
        {"lr": 0.001, "momentum": 0.5, "centered": True},
        ro.rmsprop,
        {"lr": 0.001, "momentum": 0.5, "centered": True},
    ),
    # Not centered and maximize together: with a saturating loss the centered variance goes
    # to 0 and float32 rounding is amplified (torch float32 and float64 then differ by 1e-3).
    (
        "rmsprop-maximize",
        torch.optim.RMSprop,
        {"lr": 0.001, "alpha": 0.9, "momentum": 0.5, "maximize": True},
        ro.rmsprop,
        {"lr": 0.001, "alpha": 0.9, "momentum": 0.5, "maximize": True},
    ),
    ("rprop-default", torch.optim.Rprop, {}, ro.rprop, {}),
    (
        "rprop-options",
        torch.optim.Rprop,
        {"lr": 0.05, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.2), "maximize": True},
        ro.rprop,
        {"lr": 0.05, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.2), "maximize": True},
    ),
    ("asgd-default", torch.optim.ASGD, {}, ro.asgd, {}),
    (
        "asgd-averaging",
        torch.optim.ASGD,
        {"lr": 0.05, "lambd": 1e-2, "alpha": 0.5, "t0": 20, "weight_decay": 0.1},
        ro.asgd,
        {"lr": 0.05, "lambd": 1e-2, "alpha": 0.5, "t0": 20, "weight_decay": 0.1},
    ),
    (
        "asgd-maximize",
        torch.optim.ASGD,
        {"t0": 50, "maximize": True},
        ro.asgd,
        {"t0": 50, "maximize": True},
    ),
]


@pytest.mark.parametrize(
    ("torch_cls", "torch_kwargs", "factory", "kwargs"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_matches_torch_over_100_steps(rng, torch_cls, torch_kwargs, factory, kwargs):
    state, opt, _ = _run(rng, torch_cls, torch_kwargs, factory(**kwargs))
    if torch_cls is torch.optim.ASGD:
        # The averaged parameters are part of ASGD's result.
        ax = _flat(state[-1].ax)
        for k, p in zip(NAMES, opt.param_groups[0]["params"], strict=True):
            assert_close(ax[k], opt.state[p]["ax"])


SCHEDULE_CASES = [
    ("sgd", torch.optim.SGD, {"lr": 0.1, "momentum": 0.9}, ro.sgd, {"momentum": 0.9}, 0.1),
    ("adam", torch.optim.Adam, {"lr": 0.02}, ro.adam, {}, 0.02),
    ("adamw", torch.optim.AdamW, {"lr": 0.02}, ro.adamw, {}, 0.02),
    (
        "nadam",
        torch.optim.NAdam,
        {"lr": 0.02, "decoupled_weight_decay": True, "weight_decay": 0.1},
        ro.nadam,
        {"decoupled_weight_decay": True, "weight_decay": 0.1},
        0.02,
    ),
    (
        "adagrad",
        torch.optim.Adagrad,
        {"lr": 0.1, "lr_decay": 0.01},
        ro.adagrad,
        {"lr_decay": 0.01},
        0.1,
    ),
    (
        "rmsprop",
        torch.optim.RMSprop,
        {"lr": 0.01, "momentum": 0.5},
        ro.rmsprop,
        {"momentum": 0.5},
        0.01,
    ),
    ("rprop", torch.optim.Rprop, {"lr": 0.05}, ro.rprop, {}, 0.05),
    ("asgd", torch.optim.ASGD, {"lr": 0.05, "lambd": 1e-2}, ro.asgd, {"lambd": 1e-2}, 0.05),
]


@pytest.mark.parametrize(
    ("torch_cls", "torch_kwargs", "factory", "kwargs", "base_lr"),
    [c[1:] for c in SCHEDULE_CASES],
    ids=[c[0] for c in SCHEDULE_CASES],
)
def test_schedule_matches_lambda_lr(rng, torch_cls, torch_kwargs, factory, kwargs, base_lr):
    # Non-monotonic, so a schedule read one step late could not pass.
    def factor(count):
        return 0.97**count * (1.5 + 0.5 * np.cos(count / 7))

    def schedule(count):
        return base_lr * 0.97**count * (1.5 + 0.5 * jnp.cos(count / 7))

    _run(rng, torch_cls, torch_kwargs, factory(lr=schedule, **kwargs), lr_lambda=factor)


@pytest.mark.parametrize(
    ("torch_cls", "kwargs", "factory"),
    [
        (torch.optim.Adam, {"lr": 0.01, "amsgrad": True, "weight_decay": 0.1}, ro.adam),
        (torch.optim.NAdam, {"lr": 0.01}, ro.nadam),
        (torch.optim.RAdam, {"lr": 0.01}, ro.radam),
        (torch.optim.Adagrad, {"lr": 0.1, "lr_decay": 0.01}, ro.adagrad),
        (torch.optim.ASGD, {"lr": 0.05, "t0": 10}, ro.asgd),
    ],
    ids=["adam", "nadam", "radam", "adagrad", "asgd"],
)
def test_matches_torch_in_both_jax_modes(rng, both_modes, torch_cls, kwargs, factory):
    # In 64-bit mode the step scalars are float64, as torch's Python floats are.
    _run(rng, torch_cls, kwargs, factory(**kwargs), steps=30)


@pytest.mark.parametrize("decay", [0.9, 0.99, 0.999, 0.9999])
def test_bias_correction_is_accurate_in_float32(decay):
    t = np.arange(1, 10001)
    ours = jax.jit(jax.vmap(lambda c: ro.bias_correction(decay, c)))(jnp.asarray(t, jnp.int32))
    assert ours.dtype == jnp.float32
    np.testing.assert_allclose(
        np.asarray(ours, np.float64), 1 - decay ** t.astype(np.float64), rtol=1e-6
    )
    powers = jax.vmap(lambda c: ro.decay_power(decay, c))(jnp.asarray(t, jnp.int32))
    np.testing.assert_allclose(
        np.asarray(powers, np.float64), decay ** t.astype(np.float64), rtol=1e-5, atol=1e-30
    )


def test_naive_float32_bias_correction_would_drift():
    # Why bias_correction exists: float32 1 - 0.999**t is off by more than 1e-5 relative.
    t = np.arange(1, 101, dtype=np.float32)
    naive = 1 - np.float32(0.999) ** t
    exact = 1 - 0.999 ** t.astype(np.float64)
    assert np.max(np.abs(naive / exact - 1)) > 1e-5


@pytest.mark.parametrize("b2", [0.9, 0.99, 0.999, 0.9999])
def test_radam_rho_is_accurate_in_float32(b2):
    t = np.arange(1, 5001, dtype=np.float64)
    ours = jax.vmap(lambda c: _radam_rho(b2, c))(jnp.asarray(t, jnp.int32))
    rho_inf = 2 / (1 - b2) - 1
    expected = rho_inf - 2 * t * b2**t / (1 - b2**t)
    # rho_t runs from 1 up to rho_inf: compare relative to the scale of its terms' difference.
    np.testing.assert_allclose(
        np.asarray(ours, np.float64), expected, rtol=2e-6, atol=1e-6 * math.sqrt(rho_inf)
    )


def test_unjitted_update_equals_jitted(rng):
    params = {"w": jnp.asarray(randn(rng, 3, 2)), "b": jnp.asarray(randn(rng, 2))}
    grads = jax.tree.map(lambda p: p * 0.5 + 0.1, params)
    tx = ro.adamw(lr=0.01, amsgrad=True)
    state = tx.init(params)
    eager, _ = tx.update(grads, state, params)
    jitted, _ = jax.jit(tx.update)(grads, state, params)
    for a, b in zip(jax.tree.leaves(eager), jax.tree.leaves(jitted), strict=True):
        assert_close(a, b)


def test_state_uses_torch_names_and_shapes(rng):
    params = {"w": jnp.zeros((3, 2)), "b": jnp.zeros(2)}
    state = ro.adam(amsgrad=True).init(params)
    (core,) = [s for s in state if isinstance(s, ro.ScaleByAdamState)]
    assert core.exp_avg["w"].shape == (3, 2)
    assert core.max_exp_avg_sq["b"].shape == (2,)
    (plain,) = [s for s in ro.adam().init(params) if isinstance(s, ro.ScaleByAdamState)]
    assert plain.max_exp_avg_sq is None


def test_schedule_count_is_in_state():
    tx = ro.sgd(lr=lambda count: 0.1 * (count + 1))
    params = {"w": jnp.zeros(2)}
    state = tx.init(params)
    for expected in (-0.1, -0.2, -0.3):
        updates, state = tx.update({"w": jnp.ones(2)}, state, params)
        assert_close(updates["w"], np.full(2, expected, np.float32))
    assert int(state[-1].count) == 3


def test_trace_momentum_first_step_ignores_dampening():
    tx = ro.trace_momentum(0.9, dampening=0.5)
    g = {"w": jnp.full(2, 2.0)}
    u, s = tx.update(g, tx.init(g))
    assert_close(u["w"], np.full(2, 2.0, np.float32))
    u, s = tx.update(g, s)
    assert_close(u["w"], np.full(2, 0.9 * 2 + 0.5 * 2, np.float32))


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: ro.sgd(lr=-0.1), r"sgd: invalid learning rate value: -0.1"),
        (lambda: ro.sgd(momentum=-0.5), r"sgd: invalid momentum value: -0.5"),
        (lambda: ro.sgd(weight_decay=-1.0), r"sgd: invalid weight_decay value: -1.0"),
        (
            lambda: ro.sgd(lr=0.1, nesterov=True),
            r"sgd: Nesterov momentum requires a momentum and zero dampening",
        ),
        (lambda: ro.sgd(momentum=0.9, dampening=0.1, nesterov=True), r"Nesterov momentum requires"),
        (lambda: ro.adam(betas=(1.0, 0.999)), r"adam: invalid beta parameter at index 0: 1.0"),
        (lambda: ro.adamw(betas=(0.9, -0.1)), r"adamw: invalid beta parameter at index 1: -0.1"),
        (lambda: ro.adam(eps=-1e-8), r"adam: invalid epsilon value"),
        (lambda: ro.nadam(momentum_decay=-1.0), r"nadam: invalid momentum_decay value: -1.0"),
        (lambda: ro.radam(weight_decay=-0.1), r"radam: invalid weight_decay value"),
        (lambda: ro.adamax(lr=-1.0), r"adamax: invalid learning rate value"),
        (lambda: ro.adagrad(lr_decay=-0.1), r"invalid lr_decay value: -0.1"),
        (lambda: ro.adagrad(initial_accumulator_value=-0.1), r"invalid initial_accumulator_value"),
        (lambda: ro.adadelta(rho=1.5), r"invalid rho value: 1.5 \(expected 0.0 <= rho <= 1.0\)"),
        (lambda: ro.rmsprop(alpha=-0.1), r"invalid alpha value: -0.1"),
        (lambda: ro.rmsprop(momentum=-0.1), r"invalid momentum value: -0.1"),
        (lambda: ro.rprop(etas=(1.5, 1.2)), r"rprop: invalid eta values: 1.5, 1.2"),
        (lambda: ro.asgd(lr=-0.01), r"asgd: invalid learning rate value"),
        (lambda: ro.asgd(weight_decay=-0.01), r"asgd: invalid weight_decay value"),
    ],
)
def test_invalid_hyperparameters(make, match):
    with pytest.raises(OptimizerError, match=match) as info:
        make()
    assert isinstance(info.value, ValueError)  # torch raises ValueError


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: ro.adam(betas=0.9), r"adam: betas must be a pair"),
        (lambda: ro.sgd(lr=0.1, momentum="0.9"), r"sgd: momentum must be a number, got str"),
        (lambda: ro.rprop(step_sizes=(1e-6,)), r"rprop: step_sizes must be a pair"),
    ],
)
def test_wrong_argument_types(make, match):
    with pytest.raises(ArgumentTypeError, match=match):
        make()


@pytest.mark.parametrize(
    "make", [lambda: ro.sgd(weight_decay=0.1), lambda: ro.adamw(), lambda: ro.asgd()]
)
def test_update_without_params_is_an_error(make):
    tx = make()
    g = {"w": jnp.ones(2)}
    with pytest.raises(OptimizerError, match=r"update needs the current parameters"):
        tx.update(g, tx.init(g))


def test_inject_hyperparams_changes_lr_without_rebuilding(rng):
    # compat can keep torch's param_groups hyperparameters in the state this way.
    params = {"w": jnp.asarray(randn(rng, 3)), "b": jnp.asarray(randn(rng, 2))}
    injected = optax.inject_hyperparams(ro.adamw)(lr=0.01, weight_decay=0.1)
    scheduled = ro.adamw(lr=lambda count: jnp.where(count < 5, 0.01, 0.05), weight_decay=0.1)
    s1, s2 = injected.init(params), scheduled.init(params)
    step1, step2 = jax.jit(injected.update), jax.jit(scheduled.update)
    for i in range(10):
        if i == 5:
            s1.hyperparams["lr"] = jnp.asarray(0.05, jnp.float32)
        grads = jax.tree.map(lambda p: jnp.sin(p * (i + 1)), params)
        u1, s1 = step1(grads, s1, params)
        u2, s2 = step2(grads, s2, params)
        for a, b in zip(jax.tree.leaves(u1), jax.tree.leaves(u2), strict=True):
            assert_close(a, b)
        params = optax.apply_updates(params, u1)
    assert step1._cache_size() == 1


def test_array_momentum_of_zero_steps_along_the_gradient():
    tx = optax.inject_hyperparams(ro.sgd)(lr=1.0, momentum=0.0, dampening=0.5)
    params = {"w": jnp.zeros(2)}
    state = tx.init(params)
    for g in (1.0, 2.0):
        updates, state = jax.jit(tx.update)({"w": jnp.full(2, g)}, state, params)
        assert_close(updates["w"], np.full(2, -g, np.float32))


@pytest.mark.parametrize(
    "factory",
    [
        ro.sgd,
        ro.adam,
        ro.adamw,
        ro.nadam,
        ro.radam,
        ro.adamax,
        ro.adagrad,
        ro.adadelta,
        ro.rmsprop,
        ro.rprop,
        ro.asgd,
    ],
)
def test_state_types_are_stable_across_updates(both_modes, factory):
    # Same dtypes and weak types after an update as after init: a jitted step never retraces.
    params = {"w": jnp.ones(3, jnp.float32)}
    tx = factory()
    state = tx.init(params)
    _, new_state = jax.jit(tx.update)({"w": jnp.ones(3, jnp.float32)}, state, params)
    avals = [(x.dtype, x.weak_type, x.shape) for x in jax.tree.leaves(state)]
    assert avals == [(x.dtype, x.weak_type, x.shape) for x in jax.tree.leaves(new_state)]
    assert jax.tree.structure(state) == jax.tree.structure(new_state)
