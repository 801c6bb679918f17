"""linear_cross_entropy (rustorch_fx and compat) and LinearCrossEntropyLoss against torch 2.13."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from conftest import assert_close, x64_mode

from rustorch_fx.errors import (
    ArgumentTypeError,
    DTypeError,
    IndexOutOfRangeError,
    InvalidArgumentError,
    ShapeError,
)
from rustorch_fx.losses import LinearCrossEntropyOptions, linear_cross_entropy

N, D, C = 6, 4, 5
CHUNKED = LinearCrossEntropyOptions(batch_chunk_size=4)  # one full chunk and a tail of 2


def _data(rng: np.random.Generator, out: tuple[int, ...] = (), probs: bool = False) -> dict:
    x = rng.standard_normal((N, D)).astype(np.float32)
    w = rng.standard_normal((C, *out, D)).astype(np.float32)
    b = rng.standard_normal((C, *out)).astype(np.float32)
    cw = rng.uniform(0.5, 2.0, C).astype(np.float32)
    if probs:
        t = rng.uniform(size=(N, C, *out)).astype(np.float32)
        t = t / t.sum(axis=1, keepdims=True)
    else:
        t = rng.integers(0, C, (N, *out)).astype(np.int64)
        t.reshape(-1)[1] = -100  # one ignored element
    return {"x": x, "w": w, "b": b, "cw": cw, "t": t}


def _torch_ref(d: dict, cot: np.ndarray, **kw: Any) -> tuple[np.ndarray, ...]:
    x, w, b = (torch.tensor(d[k], requires_grad=True) for k in ("x", "w", "b"))
    loss = TF.linear_cross_entropy(
        x, w, torch.from_numpy(d["t"]), linear_bias=b, weight=torch.from_numpy(d["cw"]), **kw
    )
    loss.backward(torch.from_numpy(cot))
    return loss.detach().numpy(), x.grad.numpy(), w.grad.numpy(), b.grad.numpy()


def _ours(d: dict, cot: np.ndarray, **kw: Any) -> tuple[Any, ...]:
    def f(x: jax.Array, w: jax.Array, b: jax.Array) -> jax.Array:
        return linear_cross_entropy(
            x, w, jnp.asarray(d["t"]), linear_bias=b, weight=jnp.asarray(d["cw"]), **kw
        )

    loss, pull = jax.vjp(f, *(jnp.asarray(d[k]) for k in ("x", "w", "b")))
    return (loss, *pull(jnp.asarray(cot, loss.dtype)))


def _cotangent(rng: np.random.Generator, reduction: str, shape: tuple[int, ...]) -> np.ndarray:
    return rng.standard_normal(shape if reduction == "none" else ()).astype(np.float32)


@pytest.mark.parametrize(
    ("reduction", "options"),
    [("none", None), ("none", CHUNKED), ("mean", CHUNKED), ("sum", CHUNKED)],
    ids=["none-reference", "none-chunked", "mean-chunked", "sum-chunked"],
)
def test_index_targets_match_torch(rng, reduction, options):
    d = _data(rng)
    cot = _cotangent(rng, reduction, (N,))
    kw = {"reduction": reduction, "label_smoothing": 0.1}
    expected = _torch_ref(d, cot, **kw)
    got = _ours(d, cot, options=options, **kw)
    for a, e in zip(got, expected, strict=True):
        assert_close(a, e, rtol=1e-5, atol=1e-5)


def test_probability_targets_and_out_features_match_torch(rng):
    d = _data(rng, out=(2,), probs=True)
    cot = _cotangent(rng, "mean", ())
    kw = {"reduction": "mean", "label_smoothing": 0.2}
    expected = _torch_ref(d, cot, **kw)
    got = _ours(d, cot, options=CHUNKED, **kw)
    for a, e in zip(got, expected, strict=True):
        assert_close(a, e, rtol=1e-5, atol=1e-5)


def test_out_features_index_targets_match_torch(rng):
    d = _data(rng, out=(2,))
    d["t"].reshape(-1)[1] = 3
    cot = _cotangent(rng, "none", (N, 2))
    expected = _torch_ref(d, cot, reduction="none", ignore_index=3)
    got = _ours(d, cot, reduction="none", ignore_index=3, options=CHUNKED)
    for a, e in zip(got, expected, strict=True):
        assert_close(a, e, rtol=1e-5, atol=1e-5)


def test_unbatched_input_and_all_ignored(rng):
    x, w = rng.standard_normal(D).astype(np.float32), rng.standard_normal((C, D)).astype(np.float32)
    expected = TF.linear_cross_entropy(torch.from_numpy(x), torch.from_numpy(w), torch.tensor(2))
    got = linear_cross_entropy(jnp.asarray(x), jnp.asarray(w), jnp.asarray(2), options=CHUNKED)
    assert_close(got, expected.numpy())
    xs = jnp.ones((N, D))
    ignored = jnp.full((N,), 1)
    for options in (None, CHUNKED):
        out = linear_cross_entropy(xs, jnp.asarray(w), ignored, ignore_index=1, options=options)
        assert bool(jnp.isnan(out))


def test_chunked_under_jit_higher_order_and_jvp(rng):
    d = _data(rng)
    x, w, t = jnp.asarray(d["x"]), jnp.asarray(d["w"]), jnp.asarray(d["t"])

    def f(opts: Any) -> Any:
        return lambda w: linear_cross_entropy(x, w, t, options=opts)

    # Hessian-vector product and forward mode agree with the reference path.
    v = jnp.asarray(rng.standard_normal(w.shape).astype(np.float32))
    hvp = [jax.jvp(jax.grad(f(o)), (w,), (v,))[1] for o in (None, CHUNKED)]
    assert_close(hvp[1], np.asarray(hvp[0]), rtol=1e-4, atol=1e-5)
    assert_close(jax.jit(f(CHUNKED))(w), np.asarray(f(None)(w)), rtol=1e-6, atol=1e-6)


def test_chunked_backward_never_holds_the_whole_logits():
    """XLA's buffer assignment for value_and_grad: the chunked temporaries stay far below N*C."""
    n, d, c = 512, 16, 2048
    args = (
        jax.ShapeDtypeStruct((n, d), jnp.float32),
        jax.ShapeDtypeStruct((c, d), jnp.float32),
        jax.ShapeDtypeStruct((n,), jnp.int32),
    )

    def temp_bytes(options: Any) -> int:
        def loss(x: jax.Array, w: jax.Array, t: jax.Array) -> jax.Array:
            return linear_cross_entropy(x, w, t, options=options)

        step = jax.jit(jax.value_and_grad(loss, argnums=(0, 1)))
        return step.lower(*args).compile().memory_analysis().temp_size_in_bytes

    logits_bytes = n * c * 4
    assert temp_bytes(None) >= logits_bytes
    assert temp_bytes(LinearCrossEntropyOptions(batch_chunk_size=32)) < logits_bytes // 4


def test_options_chunk_size_matches_torch():
    cases = [(4096, 256, 32768), (100, 16, 500), (7, 3, 2), (1, 8, 8)]
    for method in ("aspect_ratio", "aspect_ratio:2", "aspect_ratio:4", None):
        for n, d, c in cases:
            ours = LinearCrossEntropyOptions(chunking_method=method, batch_chunk_size=None)
            theirs = torch.nn.LinearCrossEntropyOptions(chunking_method=method)
            expected = theirs._adjust(n, d, c, torch.float32).batch_chunk_size
            assert ours.chunk_size(n, d, c) == expected, (method, n, d, c)
    assert LinearCrossEntropyOptions(batch_chunk_size=3).chunk_size(100, 16, 500) == 3
    assert LinearCrossEntropyOptions().chunk_size(4096, 256, 32768) == 16


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"acc_policy": "fast"}, "invalid acc_policy 'fast'"),
        ({"chunking_method": "aspect_ratio:0"}, "invalid chunking_method"),
        ({"chunking_method": "rows"}, "invalid chunking_method"),
        ({"batch_chunk_size": 0}, "batch_chunk_size must be a positive int"),
        ({"batch_chunk_size": 2.0}, "batch_chunk_size must be a positive int"),
        ({"acc_dtype": np.int32}, "acc_dtype must be one of"),
    ],
)
def test_options_reject_bad_fields(kwargs, match):
    with pytest.raises(InvalidArgumentError, match=match):
        LinearCrossEntropyOptions(**kwargs)


def test_options_conflicting_chunk_sizes():
    opts = LinearCrossEntropyOptions(batch_chunk_size=3, chunking_method="aspect_ratio")
    with pytest.raises(ValueError, match="give different chunk sizes"):
        opts.chunk_size(100, 16, 500)


def test_bad_inputs():
    x, w, t = jnp.ones((N, D)), jnp.ones((C, D)), jnp.zeros((N,), jnp.int32)
    f = linear_cross_entropy
    with pytest.raises(ShapeError, match="dimensionality 1 or 2, got 3"):
        f(jnp.ones((2, N, D)), w, t)
    with pytest.raises(ShapeError, match="linear_weight with dimensionality at least 2, got 1"):
        f(x, jnp.ones(D), t)
    with pytest.raises(ShapeError, match="got 4 and 3, respectively"):
        f(x, jnp.ones((C, 3)), t)
    with pytest.raises(ShapeError, match=r"expected linear_bias shape \(5,\), got \(4,\)"):
        f(x, w, t, linear_bias=jnp.ones(4))
    with pytest.raises(ShapeError, match="requires batched input"):
        f(jnp.ones(D), jnp.ones((C, 2, D)), jnp.zeros((2,), jnp.int32))
    with pytest.raises(ShapeError, match=r"expected a target of shape \(6,\)"):
        f(x, w, jnp.zeros((N + 1,), jnp.int32), options=CHUNKED)
    with pytest.raises(InvalidArgumentError, match="ignore_index cannot be specified"):
        f(x, w, jnp.ones((N, C)), ignore_index=-100)
    with pytest.raises(InvalidArgumentError, match="label_smoothing must be between"):
        f(x, w, t, label_smoothing=1.5)
    with pytest.raises(InvalidArgumentError, match="'avg' is not a valid value for reduction"):
        f(x, w, t, reduction="avg")
    with pytest.raises(IndexOutOfRangeError, match="Target 5 is out of bounds"):
        f(x, w, t.at[0].set(5), options=CHUNKED)
    with pytest.raises(ArgumentTypeError, match="options must be a LinearCrossEntropyOptions"):
        f(x, w, t, options={"batch_chunk_size": 2})
    with pytest.raises(DTypeError, match="linear_weight has dtype float16"):
        f(x, w.astype(jnp.float16), t, options=CHUNKED)
    with pytest.raises(DTypeError, match="float64"):
        f(x, w, t, options=LinearCrossEntropyOptions(batch_chunk_size=4, acc_dtype=np.float64))
    with pytest.raises(DTypeError, match="expected an integer"):
        f(x, w, t.astype(jnp.float32), options=CHUNKED)


# --------------------------------------------------------------------------------------------
# compat: the functional (one engine op) and the module.
# --------------------------------------------------------------------------------------------


@pytest.fixture
def compat_mode():
    with x64_mode(True):
        import compat

        yield compat


def test_compat_module_matches_torch(compat_mode, rng):
    compat = compat_mode
    kw = {"out_features": (2,), "bias": True, "reduction": "sum", "label_smoothing": 0.1}
    theirs = torch.nn.LinearCrossEntropyLoss(D, C, weight=torch.rand(C) + 0.5, **kw)
    from compat.nn.modules.linear_cross_entropy import LinearCrossEntropyLoss
    from compat.nn.modules.linear_cross_entropy_options import LinearCrossEntropyOptions

    opts = LinearCrossEntropyOptions(batch_chunk_size=4)

    ours = LinearCrossEntropyLoss(D, C, weight=compat.ones(C), options=opts, **kw)
    assert (
        list(ours.state_dict())
        == list(theirs.state_dict())
        == [
            "weight",
            "linear.weight",
            "linear.bias",
        ]
    )
    ours.load_state_dict({k: compat.from_numpy(v.numpy()) for k, v in theirs.state_dict().items()})
    assert repr(LinearCrossEntropyLoss(D, C, **kw)) == repr(
        torch.nn.LinearCrossEntropyLoss(D, C, **kw)
    )
    x = rng.standard_normal((N, D)).astype(np.float32)
    t = rng.integers(0, C, (N, 2))
    xt = torch.tensor(x, requires_grad=True)
    xo = compat.tensor(x, requires_grad=True)
    expected = theirs(xt, torch.from_numpy(t))
    got = ours(xo, compat.from_numpy(t))
    expected.backward()
    got.backward()
    assert_close(got.detach().numpy(), expected.detach().numpy(), rtol=1e-5, atol=1e-5)
    assert_close(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-5)
    for name in ("weight", "bias"):
        ours_grad = getattr(ours.linear, name).grad.numpy()
        assert_close(ours_grad, getattr(theirs.linear, name).grad.numpy(), rtol=1e-5, atol=1e-5)


def test_compat_functional_and_bad_inputs(compat_mode):
    compat = compat_mode
    from compat.nn.functional._linear_ce import linear_cross_entropy as F_lce
    from compat.nn.modules.linear_cross_entropy import LinearCrossEntropyLoss

    x = compat.tensor([[1.0, 0.0], [0.0, 1.0]])
    w = compat.tensor([[2.0, 0.0], [0.0, 2.0], [0.0, 0.0]])
    got = F_lce(x, w, compat.tensor([0, 1]), reduction="none")
    expected = TF.linear_cross_entropy(
        torch.tensor([[1.0, 0.0], [0.0, 1.0]]),
        torch.tensor([[2.0, 0.0], [0.0, 2.0], [0.0, 0.0]]),
        torch.tensor([0, 1]),
        reduction="none",
    )
    assert_close(got.numpy(), expected.numpy())
    with pytest.raises(IndexOutOfRangeError, match="Target 3 is out of bounds"):
        F_lce(x, w, compat.tensor([0, 3]))
    with pytest.raises(ArgumentTypeError, match="argument 'linear_weight' must be a Tensor"):
        F_lce(x, [[1.0, 0.0]], compat.tensor([0, 1]))
    with pytest.raises(ArgumentTypeError, match="options must be a LinearCrossEntropyOptions"):
        F_lce(x, w, compat.tensor([0, 1]), options=3)
    with pytest.raises(ShapeError, match=r"expected weight shape to be \(3,\), got \(2,\)"):
        LinearCrossEntropyLoss(2, 3, weight=compat.ones(2))
    with pytest.raises(InvalidArgumentError, match="label_smoothing to be in range"):
        LinearCrossEntropyLoss(2, 3, label_smoothing=-0.1)
