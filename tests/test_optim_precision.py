"""Mixed precision in rustorch_fx.optim: bfloat16 optimizer state, dynamic loss scaling against
torch's GradScaler (injected infinities, the scale sequence and skipped steps), master weights."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
import torch
from conftest import assert_close, randn

import rustorch_fx.optim as ro
from rustorch_fx.errors import ArgumentTypeError, DTypeError, OptimizerError


def _jit_step(tx: optax.GradientTransformation) -> Any:
    @jax.jit
    def step(grads: Any, state: Any, params: Any) -> tuple[Any, Any]:
        updates, state = tx.update(grads, state, params)
        return optax.apply_updates(params, updates), state

    return step


# --------------------------------------------------------------------------- state dtype


def _nbytes(tree: Any) -> int:
    return sum(x.nbytes for x in jax.tree.leaves(tree))


def test_bfloat16_state_halves_memory_and_tracks_float32(rng):
    params = {"w": jnp.asarray(randn(rng, 16, 8)), "b": jnp.asarray(randn(rng, 8))}
    target = jax.tree.map(lambda p: p * 0.5, params)
    full, low = ro.adamw(lr=1e-2), ro.with_state_dtype(ro.adamw(lr=1e-2), jnp.bfloat16)
    full_state, low_state = full.init(params), low.init(params)

    moments = [x for x in jax.tree.leaves(low_state) if x.ndim > 0]
    assert moments and all(x.dtype == jnp.bfloat16 for x in moments)
    counts = [x for x in jax.tree.leaves(low_state) if x.ndim == 0]
    assert all(x.dtype == jnp.int32 for x in counts)
    # Moments are 2 x 136 float32 elements: bfloat16 saves exactly half of those bytes.
    assert _nbytes(full_state) - _nbytes(low_state) == 2 * 136 * 2

    full_step, low_step = _jit_step(full), _jit_step(low)
    p_full, p_low = params, params
    for _ in range(50):
        grads = jax.tree.map(lambda p, t: p - t, p_full, target)
        p_full, full_state = full_step(grads, full_state, p_full)
        p_low, low_state = low_step(grads, low_state, p_low)
    assert all(x.dtype == jnp.bfloat16 for x in jax.tree.leaves(low_state) if x.ndim > 0)
    for a, b in zip(jax.tree.leaves(p_low), jax.tree.leaves(p_full), strict=True):
        assert a.dtype == jnp.float32
        # bfloat16 keeps 8 bits of the moments: each update is off by up to ~0.4%.
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=0, atol=5e-3)


def test_state_dtype_keeps_precision_critical_scalars():
    tx = ro.with_state_dtype(ro.nadam(), jnp.bfloat16)
    params = {"w": jnp.zeros(3)}
    state = tx.init(params)
    (core,) = [s for s in state if isinstance(s, ro.ScaleByNadamState)]
    assert core.mu_product.dtype == jnp.float32
    assert core.exp_avg["w"].dtype == jnp.bfloat16
    _, state = jax.jit(tx.update)({"w": jnp.ones(3)}, state, params)
    (core,) = [s for s in state if isinstance(s, ro.ScaleByNadamState)]
    assert core.mu_product.dtype == jnp.float32 and core.exp_avg_sq["w"].dtype == jnp.bfloat16


def test_state_dtype_rejects_non_floating_dtype():
    with pytest.raises(
        DTypeError, match=r"with_state_dtype: expected a floating-point dtype, got int32"
    ):
        ro.with_state_dtype(ro.adam(), jnp.int32)


# --------------------------------------------------------------------------- loss scaling


def test_loss_scale_defaults_are_grad_scalers():
    scaler = torch.amp.GradScaler("cpu")
    state = ro.init_loss_scale()
    assert float(state.scale) == scaler.get_scale() == 2.0**16
    assert scaler.get_growth_factor() == 2.0
    assert scaler.get_backoff_factor() == 0.5
    assert scaler.get_growth_interval() == 2000
    assert int(state.growth_tracker) == 0


@pytest.mark.parametrize("bad", [float("inf"), float("nan")])
def test_dynamic_loss_scaling_follows_grad_scaler(rng, bad):
    # Overflows at steps 2, 3 (back-to-back), 9 and 15; growth every 3 clean steps.
    overflow_steps = {2, 3, 9, 15}
    init = randn(rng, 5)
    x = torch.from_numpy(randn(rng, 5))
    w = torch.tensor(init, requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.05, momentum=0.9)
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0**4, growth_interval=3)

    tx = ro.dynamic_loss_scaling(
        ro.sgd(lr=0.05, momentum=0.9), init_scale=2.0**4, growth_interval=3
    )
    params = {"w": jnp.asarray(init)}
    state = tx.init(params)
    step = _jit_step(tx)
    scales, skipped = [], 0
    for i in range(20):
        opt.zero_grad()
        loss = ((w * x).sum() - 1.0) ** 2
        scaler.scale(loss).backward()
        if i in overflow_steps:
            w.grad[1] = bad
        scaled_grads = {"w": jnp.asarray(w.grad.numpy())}
        before = w.detach().clone()
        scaler.step(opt)
        scaler.update()
        skipped += bool(torch.equal(before, w.detach()))

        params, state = step(scaled_grads, state, params)
        assert float(state.loss_scale.scale) == scaler.get_scale(), f"step {i}"
        assert int(state.loss_scale.growth_tracker) == int(scaler._growth_tracker), f"step {i}"
        assert_close(params["w"], w.detach())
        scales.append(scaler.get_scale())
    assert skipped == len(overflow_steps)
    # The sequence really backs off and grows: 16 -> 8 -> 4 -> ... -> 8 after 3 clean steps.
    assert scales[:7] == [16.0, 16.0, 8.0, 4.0, 4.0, 4.0, 8.0]


def test_skipped_step_leaves_inner_state_unchanged():
    tx = ro.dynamic_loss_scaling(ro.adam(lr=0.1), init_scale=8.0)
    params = {"w": jnp.ones(3)}
    state = tx.init(params)
    updates, new_state = jax.jit(tx.update)({"w": jnp.array([1.0, jnp.inf, 2.0])}, state, params)
    assert_close(updates["w"], np.zeros(3, np.float32))
    for a, b in zip(
        jax.tree.leaves(new_state.inner_state), jax.tree.leaves(state.inner_state), strict=True
    ):
        assert_close(a, b)
    assert float(new_state.loss_scale.scale) == 4.0


def test_growth_that_overflows_float32_keeps_the_scale():
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0**127, growth_interval=1)
    w = torch.ones(2, requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.0)
    scaler.scale(w.sum() * 0).backward()
    scaler.step(opt)
    scaler.update()
    ours = ro.update_loss_scale(ro.init_loss_scale(2.0**127), jnp.asarray(True), growth_interval=1)
    assert float(ours.scale) == scaler.get_scale() == 2.0**127
    assert int(ours.growth_tracker) == 0


def test_scale_and_unscale():
    state = ro.init_loss_scale(2.0**10)
    half_loss = jnp.asarray(0.75, jnp.float16)
    assert ro.scale_loss(half_loss, state).dtype == jnp.float16
    assert float(ro.scale_loss(half_loss, state)) == 768.0
    grads = {"a": jnp.full(2, 2048.0), "b": jnp.full(3, 1024.0, jnp.bfloat16)}
    out = ro.unscale_grads(grads, state)
    assert_close(out["a"], np.full(2, 2.0, np.float32))
    assert out["b"].dtype == jnp.bfloat16
    assert bool(ro.all_finite(out))
    assert not bool(ro.all_finite({"a": jnp.array([jnp.nan]), "n": jnp.arange(2)}))
    assert bool(ro.all_finite({"n": jnp.arange(2)}))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"growth_factor": 1.0}, OptimizerError, r"the growth factor must be > 1.0, got 1.0"),
        (
            {"backoff_factor": 1.5},
            OptimizerError,
            r"the backoff factor must be in \(0, 1\), got 1.5",
        ),
        ({"growth_interval": 0}, OptimizerError, r"growth_interval must be >= 1, got 0"),
        ({"growth_interval": 2.5}, ArgumentTypeError, r"growth_interval must be an int, got float"),
        (
            {"init_scale": -1.0},
            OptimizerError,
            r"init_loss_scale: init_scale must be > 0, got -1.0",
        ),
    ],
)
def test_invalid_loss_scaling(kwargs, error, match):
    with pytest.raises(error, match=match):
        ro.dynamic_loss_scaling(ro.sgd(), **kwargs)


# --------------------------------------------------------------------------- master weights


def test_master_weights_get_float32_grads_from_bfloat16_compute(rng):
    params = {"w": jnp.asarray(randn(rng, 4, 3)), "steps": jnp.arange(2)}
    x = jnp.asarray(randn(rng, 5, 4))

    def loss_fn(p, x):
        assert p["w"].dtype == jnp.bfloat16 and p["steps"].dtype == jnp.int32
        return jnp.sum(jnp.tanh(x.astype(p["w"].dtype) @ p["w"]) ** 2)

    loss, grads = jax.jit(ro.mixed_precision_value_and_grad(loss_fn, allow_int=True))(params, x)
    assert loss.dtype == jnp.bfloat16
    assert grads["w"].dtype == jnp.float32
    half = ro.cast_floating(params, jnp.bfloat16)
    expected = jax.grad(loss_fn, allow_int=True)(half, x)["w"].astype(jnp.float32)
    assert_close(grads["w"], expected)
    # The masters stay float32 and take the optimizer's float32 update.
    tx = ro.sgd(lr=0.1)
    updates, _ = tx.update({"w": grads["w"]}, tx.init({"w": params["w"]}), {"w": params["w"]})
    assert optax.apply_updates({"w": params["w"]}, updates)["w"].dtype == jnp.float32


def test_cast_floating_rejects_non_floating_dtype():
    with pytest.raises(
        DTypeError, match=r"cast_floating: expected a floating-point dtype, got int8"
    ):
        ro.cast_floating({"w": jnp.ones(2)}, jnp.int8)
