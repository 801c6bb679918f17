"""rustorch_fx.losses against torch.nn.functional: values and gradients, every reduction, errors."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from conftest import assert_close, randn

import rustorch_fx.losses as L
from rustorch_fx.errors import (
    ArgumentTypeError,
    DTypeError,
    IndexOutOfRangeError,
    InvalidArgumentError,
    ShapeError,
)

REDUCTIONS = ["none", "mean", "sum"]


# --------------------------------------------------------------------------------------------
# Case builders: each returns (positional numpy args, keyword args, indices to differentiate).
# --------------------------------------------------------------------------------------------


def _pair(rng, scale=1.0):
    return randn(rng, 3, 4) * scale, randn(rng, 3, 4) * scale


def _probs(rng, *shape):
    z = randn(rng, *shape)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return (e / e.sum(axis=-1, keepdims=True)).astype(np.float32)


def _classes(rng, shape, n, ignore=None):
    t = rng.integers(0, n, shape).astype(np.int64)
    if ignore is not None:
        t.reshape(-1)[:1] = ignore
    return t


def _weights(rng, *shape):
    return rng.uniform(0.2, 2.0, shape).astype(np.float32)


Builder = Callable[[np.random.Generator], tuple[list[Any], dict[str, Any], tuple[int, ...]]]

CASES: list[tuple[str, str, Builder]] = [
    ("l1_loss", "plain", lambda r: ([*_pair(r)], {}, (0, 1))),
    ("l1_loss", "weight", lambda r: ([*_pair(r)], {"weight": _weights(r, 3, 4)}, (0, 1))),
    ("mse_loss", "plain", lambda r: ([*_pair(r)], {}, (0, 1))),
    ("mse_loss", "weight", lambda r: ([*_pair(r)], {"weight": _weights(r, 3, 4)}, (0, 1))),
    ("smooth_l1_loss", "beta0.5", lambda r: ([*_pair(r)], {"beta": 0.5}, (0, 1))),
    ("smooth_l1_loss", "beta0", lambda r: ([*_pair(r)], {"beta": 0.0}, (0, 1))),
    ("smooth_l1_loss", "beta2", lambda r: ([*_pair(r)], {"beta": 2.0}, (0, 1))),
    ("huber_loss", "delta0.7", lambda r: ([*_pair(r)], {"delta": 0.7}, (0, 1))),
    (
        "huber_loss",
        "weight",
        lambda r: ([*_pair(r)], {"delta": 1.2, "weight": _weights(r, 3, 4)}, (0, 1)),
    ),
    (
        "poisson_nll_loss",
        "log",
        lambda r: ([randn(r, 3, 4), _weights(r, 3, 4) * 2], {}, (0, 1)),
    ),
    (
        "poisson_nll_loss",
        "log-full",
        lambda r: ([randn(r, 3, 4), _weights(r, 3, 4) * 2], {"full": True}, (0, 1)),
    ),
    (
        "poisson_nll_loss",
        "rate-eps",
        lambda r: (
            [_weights(r, 3, 4), _weights(r, 3, 4) * 2],
            {"log_input": False, "eps": 1e-3, "full": True},
            (0, 1),
        ),
    ),
    (
        "gaussian_nll_loss",
        "same",
        lambda r: ([*_pair(r), _weights(r, 3, 4)], {}, (0, 1, 2)),
    ),
    (
        "gaussian_nll_loss",
        "no-last-dim-full",
        lambda r: ([*_pair(r), _weights(r, 3)], {"full": True}, (0, 1, 2)),
    ),
    (
        "gaussian_nll_loss",
        "one-dim-1-eps",
        lambda r: ([*_pair(r), _weights(r, 3, 1) * 0.5], {"eps": 0.4}, (0, 1, 2)),
    ),
    ("gaussian_nll_loss", "float", lambda r: ([*_pair(r), 0.7], {}, (0, 1))),
    (
        "kl_div",
        "probs",
        lambda r: ([np.log(_probs(r, 3, 4)), _probs(r, 3, 4)], {}, (0, 1)),
    ),
    (
        "kl_div",
        "log_target",
        lambda r: (
            [np.log(_probs(r, 3, 4)), np.log(_probs(r, 3, 4))],
            {"log_target": True},
            (0, 1),
        ),
    ),
    ("cross_entropy", "plain", lambda r: ([randn(r, 4, 5), _classes(r, 4, 5)], {}, (0,))),
    (
        "cross_entropy",
        "weight-ignore-smooth",
        lambda r: (
            [randn(r, 4, 5), _classes(r, 4, 5, ignore=-100)],
            {"weight": _weights(r, 5), "label_smoothing": 0.2},
            (0,),
        ),
    ),
    (
        "cross_entropy",
        "ignore2-smooth",
        lambda r: (
            [randn(r, 4, 5), _classes(r, 4, 5, ignore=2)],
            {"ignore_index": 2, "label_smoothing": 0.3},
            (0,),
        ),
    ),
    (
        "cross_entropy",
        "kdim-weight",
        lambda r: (
            [randn(r, 2, 3, 2, 2), _classes(r, (2, 2, 2), 3, ignore=-100)],
            {"weight": _weights(r, 3), "label_smoothing": 0.1},
            (0,),
        ),
    ),
    (
        "cross_entropy",
        "unbatched",
        lambda r: ([randn(r, 5), np.array(3)], {"weight": _weights(r, 5)}, (0,)),
    ),
    (
        "cross_entropy",
        "probs-weight-smooth",
        lambda r: (
            [randn(r, 4, 5), _probs(r, 4, 5)],
            {"weight": _weights(r, 5), "label_smoothing": 0.25},
            (0, 1),
        ),
    ),
    (
        "cross_entropy",
        "probs-kdim",
        lambda r: (
            [randn(r, 2, 3, 2), np.moveaxis(_probs(r, 2, 2, 3), -1, 1).copy()],
            {},
            (0, 1),
        ),
    ),
    (
        "cross_entropy",
        "probs-unbatched",
        lambda r: ([randn(r, 5), _probs(r, 5)], {}, (0, 1)),
    ),
    (
        "nll_loss",
        "weight-ignore",
        lambda r: (
            [np.log(_probs(r, 4, 5)), _classes(r, 4, 5, ignore=-100)],
            {"weight": _weights(r, 5)},
            (0,),
        ),
    ),
    (
        "nll_loss",
        "kdim-ignore1",
        lambda r: (
            [randn(r, 2, 4, 3), _classes(r, (2, 3), 4, ignore=1)],
            {"ignore_index": 1},
            (0,),
        ),
    ),
    ("nll_loss", "unbatched", lambda r: ([randn(r, 5), np.array(1)], {}, (0,))),
    (
        "binary_cross_entropy",
        "plain",
        lambda r: (
            [
                r.uniform(0.05, 0.95, (3, 4)).astype(np.float32),
                r.uniform(0, 1, (3, 4)).astype(np.float32),
            ],
            {},
            (0, 1),
        ),
    ),
    (
        "binary_cross_entropy",
        "weight-broadcast",
        lambda r: (
            [
                r.uniform(0.05, 0.95, (3, 4)).astype(np.float32),
                r.uniform(0, 1, (3, 4)).astype(np.float32),
            ],
            {"weight": _weights(r, 4)},
            (0, 1),
        ),
    ),
    (
        "binary_cross_entropy_with_logits",
        "plain",
        lambda r: ([randn(r, 3, 4) * 3, r.uniform(0, 1, (3, 4)).astype(np.float32)], {}, (0, 1)),
    ),
    (
        "binary_cross_entropy_with_logits",
        "weights",
        lambda r: (
            [randn(r, 3, 4) * 3, r.uniform(0, 1, (3, 4)).astype(np.float32)],
            {"weight": _weights(r, 3, 1), "pos_weight": _weights(r, 4)},
            (0, 1),
        ),
    ),
    (
        "multilabel_soft_margin_loss",
        "weight",
        lambda r: (
            [randn(r, 3, 4), r.integers(0, 2, (3, 4)).astype(np.float32)],
            {"weight": _weights(r, 4)},
            (0,),
        ),
    ),
    (
        "soft_margin_loss",
        "plain",
        lambda r: ([randn(r, 3, 4), np.sign(randn(r, 3, 4))], {}, (0,)),
    ),
    (
        "multi_margin_loss",
        "p1",
        lambda r: ([randn(r, 4, 5), _classes(r, 4, 5)], {}, (0,)),
    ),
    (
        "multi_margin_loss",
        "p2-margin-weight",
        lambda r: (
            [randn(r, 4, 5), _classes(r, 4, 5)],
            {"p": 2, "margin": 0.5, "weight": _weights(r, 5)},
            (0,),
        ),
    ),
    ("multi_margin_loss", "unbatched", lambda r: ([randn(r, 5), np.array(2)], {}, (0,))),
    (
        "multilabel_margin_loss",
        "padded",
        lambda r: (
            [randn(r, 3, 4), np.array([[3, 0, -1, 1], [1, 2, 3, -1], [-1, 0, 0, 0]])],
            {},
            (0,),
        ),
    ),
    (
        "multilabel_margin_loss",
        "unbatched",
        lambda r: ([randn(r, 4), np.array([2, 2, -1, 0])], {}, (0,)),
    ),
    (
        "margin_ranking_loss",
        "margin",
        lambda r: ([*_pair(r), np.sign(randn(r, 3, 4))], {"margin": 0.3}, (0, 1)),
    ),
    (
        "hinge_embedding_loss",
        "margin",
        lambda r: ([randn(r, 3, 4), np.sign(randn(r, 3, 4))], {"margin": 0.5}, (0,)),
    ),
    (
        "cosine_embedding_loss",
        "margin",
        lambda r: ([*_pair(r), np.sign(randn(r, 3))], {"margin": 0.2}, (0, 1)),
    ),
    (
        "cosine_embedding_loss",
        "unbatched",
        lambda r: ([randn(r, 4), randn(r, 4), np.array(-1.0, np.float32)], {}, (0, 1)),
    ),
    (
        "triplet_margin_loss",
        "p2",
        lambda r: ([randn(r, 3, 4), randn(r, 3, 4), randn(r, 3, 4)], {}, (0, 1, 2)),
    ),
    (
        "triplet_margin_loss",
        "p1-swap-margin",
        lambda r: (
            [randn(r, 3, 4), randn(r, 3, 4), randn(r, 3, 4)],
            {"p": 1, "swap": True, "margin": 2.0},
            (0, 1, 2),
        ),
    ),
    (
        "triplet_margin_loss",
        "p3-eps",
        lambda r: (
            [randn(r, 3, 4), randn(r, 3, 4), randn(r, 3, 4)],
            {"p": 3.0, "eps": 1e-3, "margin": 1.5},
            (0, 1, 2),
        ),
    ),
    (
        "triplet_margin_with_distance_loss",
        "default-swap",
        lambda r: (
            [randn(r, 3, 4), randn(r, 3, 4), randn(r, 3, 4)],
            {"swap": True, "margin": 1.5},
            (0, 1, 2),
        ),
    ),
]
IDS = [f"{name}-{tag}" for name, tag, _ in CASES]


def _ours_value(a: Any) -> Any:
    if isinstance(a, np.ndarray):
        return jnp.asarray(a.astype(np.int32) if a.dtype == np.int64 else a)
    return a


def _theirs_value(a: Any, grad: bool = False) -> Any:
    if isinstance(a, np.ndarray):
        t = torch.tensor(a)
        return t.requires_grad_(True) if grad else t
    return a


def _compare(name, args, kw, diff, rng, rtol=1e-5, atol=1e-6):
    """Value and vjp of ``L.<name>`` against torch's, for every array in ``diff``."""
    ours = [_ours_value(a) for a in args]
    okw = {k: _ours_value(v) for k, v in kw.items()}
    theirs = [_theirs_value(a, i in diff) for i, a in enumerate(args)]
    tkw = {k: _theirs_value(v) for k, v in kw.items()}

    def f(*d):
        full = list(ours)
        for i, v in zip(diff, d, strict=True):
            full[i] = v
        return getattr(L, name)(*full, **okw)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out, pullback = jax.vjp(f, *(ours[i] for i in diff))
        ref = getattr(TF, name)(*theirs, **tkw)
    assert_close(out, ref, rtol=rtol, atol=atol)
    cot = randn(rng, *ref.shape)
    grads = pullback(jnp.asarray(cot))
    ref.backward(torch.tensor(cot))
    for i, g in zip(diff, grads, strict=True):
        assert_close(g, theirs[i].grad, rtol=rtol, atol=max(atol, 1e-5))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("name", "tag", "build"), CASES, ids=IDS)
def test_value_and_grads_match_torch(name, tag, build, reduction, rng):
    args, kw, diff = build(rng)
    _compare(name, args, {**kw, "reduction": reduction}, diff, rng)


def test_kl_div_batchmean_and_mean(rng):
    args = [np.log(_probs(rng, 3, 4)), _probs(rng, 3, 4)]
    for reduction in ("batchmean", "mean"):
        for log_target in (False, True):
            a = [args[0], np.log(args[1]) if log_target else args[1]]
            _compare("kl_div", a, {"reduction": reduction, "log_target": log_target}, (0, 1), rng)


def test_kl_div_zero_target_value_is_zero():
    out = L.kl_div(jnp.log(jnp.array([0.5, 0.5])), jnp.array([0.0, 1.0]), reduction="none")
    ref = TF.kl_div(torch.log(torch.tensor([0.5, 0.5])), torch.tensor([0.0, 1.0]), reduction="none")
    assert_close(out, ref)


def test_nll_and_cross_entropy_all_ignored_mean_is_nan(rng):
    x = randn(rng, 3, 4)
    t = np.full(3, -100)
    for name in ("nll_loss", "cross_entropy"):
        assert bool(jnp.isnan(getattr(L, name)(x, jnp.asarray(t, jnp.int32))))
        assert torch.isnan(getattr(TF, name)(torch.tensor(x), torch.tensor(t)))
    smoothed = L.cross_entropy(x, jnp.asarray(t, jnp.int32), label_smoothing=0.1)
    assert bool(jnp.isnan(smoothed))


def test_triplet_margin_with_distance_loss_custom_distance(rng):
    a, p, n = randn(rng, 3, 4), randn(rng, 3, 4), randn(rng, 3, 4)

    def ours_d(x, y):
        return jnp.sum(jnp.abs(x - y), axis=-1)

    def theirs_d(x, y):
        return torch.sum(torch.abs(x - y), dim=-1)

    for swap in (False, True):
        out, pull = jax.vjp(
            lambda *z, swap=swap: L.triplet_margin_with_distance_loss(
                *z, distance_function=ours_d, swap=swap, margin=2.0
            ),
            jnp.asarray(a),
            jnp.asarray(p),
            jnp.asarray(n),
        )
        ta, tp, tn = (torch.tensor(v, requires_grad=True) for v in (a, p, n))
        ref = TF.triplet_margin_with_distance_loss(
            ta, tp, tn, distance_function=theirs_d, swap=swap, margin=2.0
        )
        assert_close(out, ref)
        ref.backward()
        for g, t in zip(pull(jnp.ones(())), (ta, tp, tn), strict=True):
            assert_close(g, t.grad)


# --------------------------------------------------------------------------------------------
# Numerics: extreme logits, BCE's clamped logs, half precision, 64-bit mode, transforms.
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["binary_cross_entropy_with_logits", "soft_margin_loss", "multilabel_soft_margin_loss"],
)
def test_logit_losses_are_finite_for_extreme_logits(name):
    x = np.array([[-1e4, -150.0, -101.0, 0.0, 101.0, 150.0, 1e4]], np.float32)
    t = np.array([[1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0]], np.float32)
    if name != "soft_margin_loss":
        t = (t > 0).astype(np.float32)
    value, grad = jax.value_and_grad(
        lambda z: getattr(L, name)(z, jnp.asarray(t), reduction="sum")
    )(jnp.asarray(x))
    assert bool(jnp.isfinite(value)) and bool(jnp.isfinite(grad).all())
    if name == "binary_cross_entropy_with_logits":
        xt = torch.tensor(x, requires_grad=True)
        ref = TF.binary_cross_entropy_with_logits(xt, torch.tensor(t), reduction="sum")
        ref.backward()
        assert_close(value, ref)
        assert_close(grad, xt.grad)


def test_cross_entropy_is_finite_for_extreme_logits():
    x = np.array([[1e4, -1e4, 0.0], [-3e4, 2e4, 1e4]], np.float32)
    t = np.array([1, 0])
    value, grad = jax.value_and_grad(L.cross_entropy)(jnp.asarray(x), jnp.asarray(t, jnp.int32))
    xt = torch.tensor(x, requires_grad=True)
    ref = TF.cross_entropy(xt, torch.tensor(t))
    ref.backward()
    assert_close(value, ref)
    assert_close(grad, xt.grad)


def test_binary_cross_entropy_at_zero_and_one_matches_torch():
    x = np.array([0.0, 1.0, 0.0, 1.0, 1e-30, 0.5], np.float32)
    t = np.array([0.0, 1.0, 1.0, 0.0, 0.3, 0.5], np.float32)
    out, pull = jax.vjp(
        lambda a, b: L.binary_cross_entropy(a, b, reduction="none"), jnp.asarray(x), jnp.asarray(t)
    )
    xt, tt = torch.tensor(x, requires_grad=True), torch.tensor(t, requires_grad=True)
    ref = TF.binary_cross_entropy(xt, tt, reduction="none")
    assert_close(out, ref)
    cot = np.linspace(0.5, 1.5, 6).astype(np.float32)
    gx, gt = pull(jnp.asarray(cot))
    ref.backward(torch.tensor(cot))
    assert_close(gx, xt.grad, rtol=1e-5)
    assert_close(gt, tt.grad)


@pytest.mark.parametrize("dtype", [jnp.float16, jnp.bfloat16])
@pytest.mark.parametrize("name", ["mse_loss", "cross_entropy", "binary_cross_entropy_with_logits"])
def test_half_inputs_compute_in_float32_and_return_input_dtype(name, dtype, rng):
    x = randn(rng, 3, 4)
    if name == "cross_entropy":
        t = jnp.asarray(rng.integers(0, 4, 3), jnp.int32)
        half_t, full_t = t, t
    else:
        t = rng.uniform(0, 1, (3, 4)).astype(np.float32)
        half_t, full_t = jnp.asarray(t, dtype), jnp.asarray(t, dtype).astype(jnp.float32)
    half_x = jnp.asarray(x, dtype)
    out = getattr(L, name)(half_x, half_t)
    ref = getattr(L, name)(half_x.astype(jnp.float32), full_t)
    assert out.dtype == dtype
    assert_close(out.astype(jnp.float32), ref.astype(dtype).astype(jnp.float32))


def test_same_results_in_x64_mode(both_modes, rng):
    x, t = randn(rng, 4, 5), rng.integers(0, 5, 4)
    out = L.cross_entropy(jnp.asarray(x), jnp.asarray(t), label_smoothing=0.1)
    ref = TF.cross_entropy(torch.tensor(x), torch.tensor(t), label_smoothing=0.1)
    assert out.dtype == jnp.float32
    assert_close(out, ref)
    y = randn(rng, 4, 5)
    assert_close(L.mse_loss(x, y), TF.mse_loss(torch.tensor(x), torch.tensor(y)))
    if both_modes:
        assert L.mse_loss(x.astype(np.float64), y.astype(np.float64)).dtype == jnp.float64


def test_losses_jit_and_vmap(rng):
    x, t = randn(rng, 4, 5), jnp.asarray(rng.integers(0, 5, 4), jnp.int32)
    jitted = jax.jit(L.cross_entropy, static_argnames=("reduction", "label_smoothing"))
    assert_close(jitted(x, t, label_smoothing=0.1), L.cross_entropy(x, t, label_smoothing=0.1))
    per_row = jax.vmap(lambda a, b: L.cross_entropy(a, b))(jnp.asarray(x), t)
    assert_close(per_row, L.cross_entropy(x, t, reduction="none"))
    y = randn(rng, 4, 5)
    assert_close(jax.jit(L.smooth_l1_loss)(x, y), L.smooth_l1_loss(x, y))


def test_out_of_range_class_under_jit_gives_nan_not_a_clamped_class(rng):
    x = randn(rng, 2, 3)
    out = jax.jit(L.nll_loss)(x, jnp.array([0, 7], jnp.int32))
    assert bool(jnp.isnan(out))


def test_legacy_size_average_and_reduce(rng):
    x, y = _pair(rng)
    for size_average, reduce, reduction in [
        (None, False, "none"),
        (False, None, "sum"),
        (True, True, "mean"),
        (False, False, "none"),
    ]:
        with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
            out = L.mse_loss(x, y, size_average=size_average, reduce=reduce)
        assert_close(out, L.mse_loss(x, y, reduction=reduction))


def test_elementwise_mean_is_a_deprecated_mean(rng):
    x, y = _pair(rng)
    with pytest.warns(UserWarning, match="elementwise_mean"):
        assert_close(L.l1_loss(x, y, reduction="elementwise_mean"), L.l1_loss(x, y))


def test_pointwise_losses_warn_and_broadcast_mismatched_targets(rng):
    x, y = randn(rng, 3, 4), randn(rng, 4)
    with pytest.warns(UserWarning, match="different to the input size"):
        out = L.mse_loss(x, y)
    assert_close(out, TF.mse_loss(torch.tensor(x), torch.tensor(y).expand(3, 4)))


# --------------------------------------------------------------------------------------------
# CTC.
# --------------------------------------------------------------------------------------------


def _ctc_case(rng, concatenated=False):
    T, N, C, S = 7, 3, 5, 3
    logits = randn(rng, T, N, C)
    lengths_in = np.array([7, 6, 4])
    lengths_t = np.array([3, 1, 2])
    targets = rng.integers(1, C, (N, S))
    targets[0, :2] = 2  # a repeated label needs a blank between its copies
    if concatenated:
        targets = np.concatenate([targets[n, : lengths_t[n]] for n in range(N)])
    return logits, targets, lengths_in, lengths_t


def _ctc_compare(logits, targets, lengths_in, lengths_t, rng, **kw):
    def f(z):
        lp = jax.nn.log_softmax(z, axis=-1)
        return L.ctc_loss(
            lp,
            jnp.asarray(targets, jnp.int32),
            jnp.asarray(lengths_in, jnp.int32),
            jnp.asarray(lengths_t, jnp.int32),
            **kw,
        )

    out, pull = jax.vjp(f, jnp.asarray(logits))
    zt = torch.tensor(logits, requires_grad=True)
    ref = TF.ctc_loss(
        zt.log_softmax(-1),
        torch.tensor(targets),
        torch.tensor(lengths_in),
        torch.tensor(lengths_t),
        **kw,
    )
    assert_close(out, ref, rtol=1e-5, atol=1e-5)
    cot = randn(rng, *ref.shape)
    ref.backward(torch.tensor(cot))
    # Sums over alignments in log space: a few ulps of float32 per time step.
    assert_close(pull(jnp.asarray(cot))[0], zt.grad, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("concatenated", [False, True], ids=["padded", "concatenated"])
def test_ctc_matches_torch(reduction, concatenated, rng):
    _ctc_compare(*_ctc_case(rng, concatenated), rng, reduction=reduction)


def test_ctc_blank_not_zero_and_unbatched(rng):
    logits = randn(rng, 6, 4)
    targets = np.array([0, 2, 2])
    for reduction in ("none", "mean"):
        _ctc_compare(logits, targets, np.array(6), np.array(3), rng, blank=3, reduction=reduction)


def test_ctc_zero_infinity(rng):
    logits = randn(rng, 3, 2, 4)
    targets = np.array([[1, 1, 2], [1, 2, 3]])  # sequence 0 needs 4 steps: impossible
    lengths_in, lengths_t = np.array([3, 3]), np.array([3, 3])
    lp = jax.nn.log_softmax(jnp.asarray(logits), axis=-1)
    inf = L.ctc_loss(lp, targets, lengths_in, lengths_t, reduction="none")
    assert bool(jnp.isinf(inf[0])) and bool(jnp.isfinite(inf[1]))
    for reduction in ("none", "sum"):
        _ctc_compare(
            logits, targets, lengths_in, lengths_t, rng, reduction=reduction, zero_infinity=True
        )


def test_ctc_under_jit_with_concatenated_targets(rng):
    logits, targets, lengths_in, lengths_t = _ctc_case(rng, concatenated=True)
    lp = jax.nn.log_softmax(jnp.asarray(logits), axis=-1)
    args = (lp, jnp.asarray(targets, jnp.int32), jnp.asarray(lengths_in), jnp.asarray(lengths_t))
    eager = L.ctc_loss(*args, reduction="none")
    assert_close(jax.jit(lambda *a: L.ctc_loss(*a, reduction="none"))(*args), eager, rtol=1e-6)
    narrow = jax.jit(lambda *a: L.ctc_loss(*a, reduction="none", max_target_length=3))
    assert_close(narrow(*args), eager, rtol=1e-6)


# --------------------------------------------------------------------------------------------
# Errors.
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "tag", "build"), CASES[::3], ids=IDS[::3])
def test_invalid_reduction_names_it(name, tag, build, rng):
    args, kw, _ = build(rng)
    with pytest.raises(
        InvalidArgumentError, match=f"{name}: 'avg' is not a valid value for reduction"
    ):
        getattr(L, name)(*[_ours_value(a) for a in args], **{**kw, "reduction": "avg"})


def test_kl_div_accepts_batchmean_only():
    with pytest.raises(InvalidArgumentError, match="'batchmean'"):
        L.kl_div(jnp.zeros(2), jnp.zeros(2), reduction="bad")
    with pytest.raises(InvalidArgumentError, match="batchmean"):
        L.mse_loss(jnp.zeros(2), jnp.zeros(2), reduction="batchmean")


def test_class_index_errors(rng):
    x = randn(rng, 2, 3)
    with pytest.raises(IndexOutOfRangeError, match="Target 7 is out of bounds"):
        L.nll_loss(x, jnp.array([0, 7]))
    with pytest.raises(IndexOutOfRangeError, match="Target -1 is out of bounds"):
        L.cross_entropy(x, jnp.array([0, -1]))
    L.cross_entropy(x, jnp.array([0, 9]), ignore_index=9)  # the ignored value is not checked
    with pytest.raises(IndexOutOfRangeError, match="target"):
        L.multi_margin_loss(x, jnp.array([0, 3]))
    with pytest.raises(IndexOutOfRangeError, match="target 3 is out of range"):
        L.multilabel_margin_loss(x, jnp.array([[0, 3, -1], [1, -1, 0]]))
    with pytest.raises(IndexOutOfRangeError):
        L.multilabel_margin_loss(x, jnp.array([[0, -2, -1], [1, -1, 0]]))


def test_class_shape_and_dtype_errors(rng):
    x = randn(rng, 2, 3)
    with pytest.raises(
        ValueError, match=r"Expected input batch_size \(2\) to match target batch_size \(3\)"
    ):
        L.nll_loss(x, jnp.array([0, 1, 1]))
    with pytest.raises(ShapeError, match=r"Expected target size \[2, 4\], got \[2, 3\]"):
        L.cross_entropy(randn(rng, 2, 3, 4), jnp.zeros((2, 3), jnp.int32))
    with pytest.raises(
        RuntimeError, match="weight tensor should be defined either for all 3 classes"
    ):
        L.cross_entropy(x, jnp.array([0, 1]), weight=jnp.ones(4))
    with pytest.raises(ShapeError, match="weight tensor should be defined"):
        L.cross_entropy(x, _probs(rng, 2, 3), weight=jnp.ones(4))
    with pytest.raises(
        InvalidArgumentError, match="label_smoothing must be between 0.0 and 1.0. Got: 1.5"
    ):
        L.cross_entropy(x, jnp.array([0, 1]), label_smoothing=1.5)
    with pytest.raises(ShapeError, match="class probabilities"):
        L.cross_entropy(x, jnp.zeros((2,), jnp.float32))
    with pytest.raises(DTypeError, match="integer"):
        L.nll_loss(x, jnp.zeros((2,), jnp.float32))
    with pytest.raises(ValueError, match=r"Expected 1 or more dimensions \(got 0\)"):
        L.nll_loss(jnp.zeros(()), jnp.array(0))
    with pytest.raises(ShapeError, match="multi-target not supported"):
        L.nll_loss(x, jnp.zeros((2, 3), jnp.int32))
    with pytest.raises(ShapeError, match="inconsistent target size"):
        L.multi_margin_loss(x, jnp.array([0, 1, 2]))
    with pytest.raises(InvalidArgumentError, match="only p == 1 and p == 2 supported"):
        L.multi_margin_loss(x, jnp.array([0, 1]), p=3)
    with pytest.raises(ShapeError, match="weight must be one-dimensional"):
        L.multi_margin_loss(x, jnp.array([0, 1]), weight=jnp.ones((3, 1)))
    with pytest.raises(ShapeError, match="inconsistent target size"):
        L.multilabel_margin_loss(x, jnp.array([0, 1, -1]))
    with pytest.raises(ShapeError, match="Expected non-empty vector or matrix"):
        L.multi_margin_loss(jnp.zeros((2, 3, 4)), jnp.array([0, 1]))


def test_binary_and_pointwise_errors(rng):
    x, y = randn(rng, 2, 3), randn(rng, 3)
    p = jnp.full((2, 3), 0.5)
    with pytest.raises(ValueError, match="Using a target size .* different to the input size"):
        L.binary_cross_entropy(p, jnp.full((3,), 0.5))
    with pytest.raises(ValueError, match="must be the same as input size"):
        L.binary_cross_entropy_with_logits(x, y)
    with pytest.raises(ShapeError, match="cannot be broadcast"):
        L.binary_cross_entropy_with_logits(x, x, pos_weight=jnp.ones(4))
    with pytest.raises(InvalidArgumentError, match="between 0 and 1"):
        L.binary_cross_entropy(p + 1, p)
    with (
        pytest.raises(RuntimeError, match="cannot be broadcast"),
        pytest.warns(UserWarning, match="different"),
    ):
        L.mse_loss(x, randn(rng, 4))
    with pytest.raises(ValueError, match="Weights and input must have the same size"):
        L.l1_loss(x, x, weight=jnp.ones(3))
    with pytest.raises(InvalidArgumentError, match="negative values for beta"):
        L.smooth_l1_loss(x, x, beta=-1.0)
    with pytest.raises(InvalidArgumentError, match="non-positive values for delta"):
        L.huber_loss(x, x, delta=0.0)
    with pytest.raises(ValueError, match="var has negative entry"):
        L.gaussian_nll_loss(x, x, -jnp.ones((2, 3)))
    with pytest.raises(ValueError, match="var has negative entry"):
        L.gaussian_nll_loss(x, x, -1.0)
    with pytest.raises(ValueError, match="var is of incorrect size"):
        L.gaussian_nll_loss(x, x, jnp.ones((4,)))
    with pytest.raises(DTypeError, match="floating point 'input'"):
        L.mse_loss(jnp.array([1, 2]), jnp.array([1.0, 2.0]))


def test_embedding_loss_errors(rng):
    x = randn(rng, 3, 4)
    with pytest.raises(RuntimeError, match="All input tensors should have same dimension"):
        L.margin_ranking_loss(x, x, jnp.ones(3))
    with pytest.raises(ShapeError, match="1D target tensor expects 2D input tensors"):
        L.cosine_embedding_loss(x[0], x[0], jnp.ones(3))
    with pytest.raises(ShapeError, match="multi-target not supported"):
        L.cosine_embedding_loss(x, x, jnp.ones((3, 1)))
    for name in ("triplet_margin_loss", "triplet_margin_with_distance_loss"):
        with pytest.raises(ValueError, match="margin must be greater than 0, got 0"):
            getattr(L, name)(x, x, x, margin=0)
        with pytest.raises(RuntimeError, match="anchor 2D, positive 1D, and negative 2D"):
            getattr(L, name)(x, x[0], x)
    with pytest.raises(ArgumentTypeError, match="distance_function must be callable"):
        L.triplet_margin_with_distance_loss(x, x, x, distance_function=3)


def test_ctc_errors(rng):
    lp = jax.nn.log_softmax(jnp.asarray(randn(rng, 4, 2, 3)), axis=-1)
    t = jnp.array([[1, 2], [1, 1]])
    with pytest.raises(InvalidArgumentError, match="blank must be in label range"):
        L.ctc_loss(lp, t, jnp.array([4, 4]), jnp.array([2, 2]), blank=3)
    with pytest.raises(ShapeError, match="Expected input_lengths to have value at most 4"):
        L.ctc_loss(lp, t, jnp.array([5, 4]), jnp.array([2, 2]))
    with pytest.raises(ShapeError, match="Expected tensor to have size at least 3 at dimension 1"):
        L.ctc_loss(lp, t, jnp.array([4, 4]), jnp.array([3, 2]))
    with pytest.raises(ShapeError, match="input_lengths must be of size batch_size"):
        L.ctc_loss(lp, t, jnp.array([4]), jnp.array([2, 2]))
    with pytest.raises(IndexOutOfRangeError, match="target 3 is out of bounds"):
        L.ctc_loss(lp, jnp.array([[1, 3], [1, 1]]), jnp.array([4, 4]), jnp.array([2, 2]))
    # Padding past a target's length is never read, so it is not checked.
    L.ctc_loss(lp, jnp.array([[1, 9], [1, 1]]), jnp.array([4, 4]), jnp.array([1, 2]))
    with pytest.raises(ShapeError, match=r"log_probs must be \(T, N, C\)"):
        L.ctc_loss(lp[0, 0], t, jnp.array([4, 4]), jnp.array([2, 2]))
