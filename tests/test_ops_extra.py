"""rustorch_fx.ops for the rest of torch.Tensor's surface, against torch 2.13.

``igamma``/``igammac``, ``index_reduce``, ``select_scatter``/``slice_scatter``/
``diagonal_scatter``, ``as_strided``/``as_strided_scatter``, ``stft``/``istft`` and
``histogram``/``histogramdd``: values (and gradients, where torch defines them) on random inputs,
edge values, behaviour under ``jax.jit``, and the errors for bad inputs.
"""

from __future__ import annotations

import warnings
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
from conftest import assert_close

from rustorch_fx import ops
from rustorch_fx.errors import (
    DTypeError,
    IndexOutOfRangeError,
    InvalidArgumentError,
    ShapeError,
)


def _t(x: np.ndarray, grad: bool = False) -> torch.Tensor:
    return torch.tensor(x, requires_grad=grad)


def _quiet(fn: Any, *args: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


# ---------------------------------------------------------------------------- igamma / igammac


def test_igamma_igammac_match_torch(rng: np.random.Generator) -> None:
    inf, nan = np.inf, np.nan
    a = (np.abs(rng.normal(size=(3, 4))) * 3 + 0.1).astype(np.float32)
    x = (np.abs(rng.normal(size=(3, 4))) * 3).astype(np.float32)
    # torch's edge values: a < 0, x < 0, a = 0, x = 0, infinities, NaN
    a[0] = [-1.0, 0.0, 1.0, 0.0]
    x[0] = [1.0, 1.0, 0.0, 0.0]
    a[1, :3], x[1, :3] = [inf, inf, nan], [1.0, inf, 1.0]
    x[2, 0] = -1.0
    for name in ("igamma", "igammac"):
        got = getattr(ops, name)(a, x)
        assert_close(got, getattr(torch, name)(_t(a), _t(x)), rtol=1e-4, atol=1e-6)
    ok = np.isfinite(a) & (a > 0) & (x > 0) & np.isfinite(x)
    a, x = np.where(ok, a, 1.0).astype(np.float32), np.where(ok, x, 1.0).astype(np.float32)
    xt = _t(x, grad=True)
    torch.igamma(_t(a), xt).sum().backward()
    grad = jax.grad(lambda v: ops.igamma(a, v).sum())(x)
    assert_close(grad, xt.grad, rtol=1e-4, atol=1e-6)
    assert ops.gammainc is ops.igamma and ops.gammaincc is ops.igammac


def test_igamma_errors() -> None:
    with pytest.raises(DTypeError, match="igamma: expected floating point operands, got int32"):
        ops.igamma(jnp.array([1, 2]), jnp.array([1, 2]))
    with pytest.raises(ShapeError, match="igammac: shapes"):
        ops.igammac(jnp.ones(2), jnp.ones(3))


# ---------------------------------------------------------------------------- index_reduce


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
def test_index_reduce_matches_torch(reduce: str, include_self: bool) -> None:
    rng = np.random.default_rng(3)
    x = np.round(rng.normal(size=(4, 3)), 1).astype(np.float32)
    src = np.round(rng.normal(size=(5, 3)), 1).astype(np.float32)
    src[1] = x[2]  # ties between input and source (amax/amin share the gradient)
    src[3, 0] = 0.0  # a zero factor (prod)
    idx = np.array([0, 2, 0, 3, 2])
    xt, st = _t(x, True), _t(src, True)
    want = _quiet(xt.index_reduce, 0, torch.tensor(idx), st, reduce, include_self=include_self)
    got = ops.index_reduce(x, 0, idx, src, reduce, include_self)
    assert_close(got, want)
    w = rng.normal(size=(4, 3)).astype(np.float32)
    (want * _t(w)).sum().backward()
    gx, gs = jax.grad(
        lambda a, b: (ops.index_reduce(a, 0, idx, b, reduce, include_self) * w).sum(), (0, 1)
    )(x, src)
    assert_close(gx, xt.grad)
    assert_close(gs, st.grad)


def test_index_reduce_other_dim_integers_and_errors() -> None:
    x = np.arange(6, dtype=np.int32).reshape(2, 3) - 3
    src = np.array([[2, 5], [7, -4]], np.int32)
    idx = np.array([2, 2])
    want = _quiet(torch.tensor(x).index_reduce, 1, torch.tensor(idx), torch.tensor(src), "mean")
    assert_close(ops.index_reduce(x, 1, idx, src, "mean"), want.to(torch.int32))
    jitted = jax.jit(lambda a, i, b: ops.index_reduce(a, 1, i, b, "mean"))
    assert_close(jitted(x, idx, src), want.to(torch.int32))
    with pytest.raises(InvalidArgumentError, match="index_reduce: reduce must be one of"):
        ops.index_reduce(x, 1, idx, src, "sum")
    with pytest.raises(IndexOutOfRangeError, match="index_reduce: index 3 is out of bounds"):
        ops.index_reduce(x, 1, np.array([0, 3]), src, "prod")
    with pytest.raises(ShapeError, match="index_reduce: source shape"):
        ops.index_reduce(x, 0, np.array([0, 1]), src, "prod")
    with pytest.raises(DTypeError, match="index_reduce: expected source to have the same dtype"):
        ops.index_reduce(x, 1, idx, src.astype(np.float32), "amax")


# ---------------------------------------------------------------------------- *_scatter views

SCATTERS = [
    ("select_scatter", (3,), (1, 2)),
    ("slice_scatter", (3, 2), (1, 0, None, 2)),
    ("slice_scatter", (2, 4), (0, -2)),
    ("diagonal_scatter", (3,), (-1, 1, 0)),
    ("as_strided_scatter", (2, 2), ((2, 2), (1, 2), 1)),
]


@pytest.mark.parametrize(("name", "src_shape", "args"), SCATTERS)
def test_scatter_views_match_torch(
    name: str, src_shape: tuple[int, ...], args: tuple[Any, ...], rng: np.random.Generator
) -> None:
    x = rng.normal(size=(3, 4)).astype(np.float32)
    src = rng.normal(size=src_shape).astype(np.float32)
    xt, st = _t(x, True), _t(src, True)
    want = getattr(torch, name)(xt, st, *args)
    assert_close(getattr(ops, name)(x, src, *args), want)
    if name == "diagonal_scatter":  # static positions, also under jit
        assert_close(jax.jit(lambda a, b: getattr(ops, name)(a, b, *args))(x, src), want)
    w = rng.normal(size=(3, 4)).astype(np.float32)
    gx, gs = jax.grad(lambda a, b: (getattr(ops, name)(a, b, *args) * w).sum(), (0, 1))(x, src)
    if name == "as_strided_scatter":
        # torch 2.13's gradient w.r.t. input is wrong (an inverted mask); the same write as a
        # clone and a copy_ into its strided view gives the true one
        xt, st = _t(x, True), _t(src, True)
        want = xt.clone()
        want.as_strided(*args).copy_(st)
    (want * _t(w)).sum().backward()
    assert_close(gx, xt.grad)
    assert_close(gs, st.grad)


def test_scatter_views_cast_src_and_raise() -> None:
    x = np.zeros((3, 4), np.float32)
    assert ops.select_scatter(x, np.ones(4, np.float64), 0, 1).dtype == jnp.float32
    with pytest.raises(ShapeError, match=r"src size = \[3\], slice size = \[4\]"):
        ops.select_scatter(x, np.ones(3, np.float32), 0, 1)
    with pytest.raises(IndexOutOfRangeError, match="select_scatter: index 3 out of range"):
        ops.select_scatter(x, np.ones(4, np.float32), 0, 3)
    with pytest.raises(InvalidArgumentError, match="slice_scatter: slice step must be positive"):
        ops.slice_scatter(x, np.ones((3, 4), np.float32), 1, step=0)
    with pytest.raises(ShapeError, match=r"slice_scatter: .* slice size = \[3, 2\]"):
        ops.slice_scatter(x, np.ones((3, 3), np.float32), 1, 0, 4, 2)
    with pytest.raises(ShapeError, match=r"diagonal_scatter: .* slice size = \[3\]"):
        ops.diagonal_scatter(x, np.ones(2, np.float32), 1)
    with pytest.raises(InvalidArgumentError, match="diagonal: dimensions cannot be identical"):
        ops.diagonal_scatter(x, np.ones(3, np.float32), 0, 1, 1)
    with pytest.raises(ShapeError, match="as_strided_scatter: expected src to have a size"):
        ops.as_strided_scatter(x, np.ones((2, 3), np.float32), (2, 2), (1, 2))


def test_as_strided_matches_torch() -> None:
    x = np.arange(12, dtype=np.float32)
    for size, stride, offset in [((2, 2), (1, 2), 1), ((3, 2), (4, 1), 2), ((2, 3), (0, 1), 0)]:
        want = torch.as_strided(_t(x), size, stride, offset)
        assert_close(ops.as_strided(x, size, stride, offset), want)
    assert_close(ops.as_strided(x.reshape(3, 4), (0, 2), (1, 2), 100), torch.zeros(0, 2))
    grad = jax.grad(lambda v: (ops.as_strided(v, (3, 3), (1, 1)) ** 2).sum())(x)
    xt = _t(x, True)
    (torch.as_strided(xt, (3, 3), (1, 1)) ** 2).sum().backward()
    assert_close(grad, xt.grad)


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        (
            ((2, 2), (1, 2), 3),
            IndexOutOfRangeError,
            "need 7 elements, out of bounds for an input of 6",
        ),
        (((2, 2), (1, -2), 1), InvalidArgumentError, "negative strides are not supported"),
        (((2, 2), (1, 2), -1), InvalidArgumentError, "invalid storage offset -1"),
        (((2,), (1, 2)), ShapeError, "mismatch in length of strides and shape"),
        ((2, (1,)), Exception, "size must be a sequence of ints"),
    ],
)
def test_as_strided_errors(args: tuple[Any, ...], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=f"as_strided: .*{match}"):
        ops.as_strided(jnp.arange(6.0), *args)


# ---------------------------------------------------------------------------- stft / istft

STFT_CASES = [
    {"n_fft": 8, "hop_length": 3, "win_length": 6, "window": "hann6"},
    {"n_fft": 8, "center": False, "normalized": True},
    {"n_fft": 7, "pad_mode": "constant", "onesided": False},
    {"n_fft": 8, "pad_mode": "replicate", "return_complex": False},
    {"n_fft": 8, "pad_mode": "circular", "hop_length": 5},
]


def _stft_kwargs(case: dict[str, Any], lib: str) -> dict[str, Any]:
    kw = {"return_complex": True, **case}
    if kw.get("window") == "hann6":
        w = torch.hann_window(6)
        kw["window"] = w if lib == "torch" else w.numpy()
    return kw


@pytest.mark.parametrize("case", STFT_CASES)
def test_stft_matches_torch(case: dict[str, Any], rng: np.random.Generator) -> None:
    x = rng.normal(size=(2, 21)).astype(np.float32)
    signal = x[0] if case.get("hop_length") == 5 else x  # one 1-D case
    want = _quiet(torch.stft, _t(signal), **_stft_kwargs(case, "torch"))
    assert_close(ops.stft(signal, **_stft_kwargs(case, "ours")), want, rtol=1e-4, atol=1e-5)


def test_stft_complex_input_and_gradients(rng: np.random.Generator) -> None:
    x = rng.normal(size=(16,)).astype(np.float32)
    w = np.abs(rng.normal(size=(6,))).astype(np.float32)
    xc = (x + 1j * x[::-1]).astype(np.complex64)
    assert_close(ops.stft(xc, 8), torch.stft(_t(xc), 8), rtol=1e-4, atol=1e-5)
    xt, wt = _t(x, True), _t(w, True)
    torch.stft(xt, 8, 2, 6, wt, return_complex=True).abs().sum().backward()
    gx, gw = jax.grad(
        lambda a, b: jnp.abs(ops.stft(a, 8, 2, 6, b, return_complex=True)).sum(), (0, 1)
    )(x, w)
    assert_close(gx, xt.grad, rtol=1e-4, atol=1e-5)
    assert_close(gw, wt.grad, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    "kwargs", [{"length": 21}, {"length": 30, "normalized": True}, {"hop_length": 3}]
)
def test_istft_matches_torch_and_inverts(kwargs: dict[str, Any], rng: np.random.Generator) -> None:
    x = rng.normal(size=(2, 21)).astype(np.float32)
    win = torch.hann_window(8)
    spec = torch.stft(
        _t(x),
        8,
        kwargs.get("hop_length"),
        window=win,
        normalized=kwargs.get("normalized", False),
        return_complex=True,
    )
    want = _quiet(torch.istft, spec, 8, window=win, **kwargs)
    got = ops.istft(spec.numpy(), 8, window=win.numpy(), **kwargs)
    assert_close(got, want, rtol=1e-4, atol=1e-5)
    if kwargs.get("length") == 21:
        assert_close(got, x, rtol=1e-4, atol=1e-5)


def test_istft_complex_output_and_window_grad(rng: np.random.Generator) -> None:
    x = (rng.normal(size=(20,)) + 1j * rng.normal(size=(20,))).astype(np.complex64)
    win = torch.hann_window(8)
    spec = torch.stft(_t(x), 8, window=win, return_complex=True)
    want = torch.istft(spec, 8, window=win, return_complex=True)
    got = ops.istft(spec.numpy(), 8, window=win.numpy(), return_complex=True)
    assert_close(got, want, rtol=1e-4, atol=1e-5)
    assert_close(ops.istft(spec.numpy(), 8, window=win.numpy()), torch.istft(spec, 8, window=win))
    w = np.abs(rng.normal(size=(8,))).astype(np.float32) + 0.5
    wt = _t(w, True)
    torch.istft(spec, 8, window=wt).sum().backward()
    grad = jax.grad(lambda v: ops.istft(spec.numpy(), 8, window=v).sum())(w)
    assert_close(grad, wt.grad, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda x: ops.stft(x, 8), InvalidArgumentError, "requires the return_complex parameter"),
        (
            lambda x: ops.stft(x, 8, win_length=9, return_complex=True),
            InvalidArgumentError,
            "expected 0 < win_length <= n_fft",
        ),
        (
            lambda x: ops.stft(x, 8, window=jnp.ones(7), return_complex=True),
            ShapeError,
            "window tensor of size equal to win_length=8",
        ),
        (
            lambda x: ops.stft(x, 8, hop_length=0, return_complex=True),
            InvalidArgumentError,
            "expected hop_length > 0",
        ),
        (
            lambda x: ops.stft(x, 8, pad_mode="bogus", return_complex=True),
            InvalidArgumentError,
            "unrecognised padding mode 'bogus'",
        ),
        (
            lambda x: ops.stft(x[:4], 16, return_complex=True),
            InvalidArgumentError,
            "reflect padding of 8 on each side",
        ),
        (
            lambda x: ops.stft(x, 30, center=False, return_complex=True),
            InvalidArgumentError,
            r"expected 0 < n_fft <= 20 \(the padded input length\)",
        ),
        (
            lambda x: ops.stft(x.reshape(1, 2, 10), 4, return_complex=True),
            ShapeError,
            "expected a 1D or 2D tensor",
        ),
        (
            lambda x: ops.stft(x.astype(jnp.int32), 4, return_complex=True),
            DTypeError,
            "floating point or complex values",
        ),
        (
            lambda x: ops.stft(x + 0j, 4, onesided=True),
            InvalidArgumentError,
            "Cannot have onesided output",
        ),
        (lambda x: ops.istft(x, 8), DTypeError, "complex-valued input"),
        (
            lambda x: ops.istft(jnp.ones((4, 3), jnp.complex64), 8),
            ShapeError,
            r"frequency dimension of the input \(4\) to equal n_fft / 2 \+ 1 = 5",
        ),
        (
            lambda x: ops.istft(
                jnp.ones((5, 3), jnp.complex64), 8, window=jnp.hanning(8), center=False
            ),
            InvalidArgumentError,
            "window overlap add min",
        ),
        (
            lambda x: ops.istft(jnp.ones((5, 3), jnp.complex64), 8, return_complex=True),
            InvalidArgumentError,
            "Cannot have onesided output",
        ),
    ],
)
def test_stft_istft_errors(call: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        call(jnp.arange(20.0))


# ---------------------------------------------------------------------------- histograms


@pytest.mark.parametrize(
    "kwargs",
    [
        {"bins": 7, "range": (-1.0, 1.0)},
        {"bins": 4, "weight": True, "density": True},
        {"bins": [-1.0, 0.0, 0.3, 1.0], "weight": True, "density": True},
    ],
)
def test_histogram_matches_torch(kwargs: dict[str, Any], rng: np.random.Generator) -> None:
    x = rng.normal(size=(30,)).astype(np.float32)
    w = rng.uniform(size=(30,)).astype(np.float32)
    bins = kwargs["bins"]
    ours = dict(kwargs, bins=np.array(bins, np.float32) if isinstance(bins, list) else bins)
    theirs = dict(kwargs, bins=torch.tensor(bins) if isinstance(bins, list) else bins)
    if kwargs.get("weight"):
        ours["weight"], theirs["weight"] = w, _t(w)
    want = torch.histogram(_t(x), **theirs)
    got = ops.histogram(x, **ours)
    assert_close(got.hist, want.hist, rtol=1e-5, atol=1e-6)
    assert_close(got.bin_edges, want.bin_edges, rtol=1e-5, atol=1e-6)
    assert isinstance(got, ops.HistogramResult)


def test_histogram_degenerate_ranges_and_jit() -> None:
    for x in (np.ones(3, np.float32), np.ones(0, np.float32)):
        want, got = torch.histogram(_t(x), 2), ops.histogram(x, 2)
        assert_close(got.hist, want.hist)
        assert_close(got.bin_edges, want.bin_edges)
    x = np.array([0.1, 0.5, 0.5, 0.9, 2.0], np.float32)
    got = jax.jit(lambda v: ops.histogram(v, 4))(x)
    assert_close(got.hist, torch.histogram(_t(x), 4).hist)


def test_histogramdd_matches_torch(rng: np.random.Generator) -> None:
    pts = rng.normal(size=(20, 2)).astype(np.float32)
    w = rng.uniform(size=(20,)).astype(np.float32)
    edges = [np.array([-3.0, 0.0, 3.0], np.float32), np.array([-1.0, 1.0], np.float32)]
    for ours, theirs in [
        (
            {"bins": [2, 4], "range": [-1.0, 1.0, -2.0, 2.0], "density": True},
            {"bins": [2, 4], "range": [-1.0, 1.0, -2.0, 2.0], "density": True},
        ),
        ({"bins": edges, "weight": w}, {"bins": [_t(e) for e in edges], "weight": _t(w)}),
    ]:
        want, got = torch.histogramdd(_t(pts), **theirs), ops.histogramdd(pts, **ours)
        assert_close(got.hist, want.hist)
        for a, b in zip(got.bin_edges, want.bin_edges, strict=True):
            assert_close(a, b)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (
            lambda: ops.histogram(jnp.array([1.0, jnp.nan]), 2),
            InvalidArgumentError,
            r"histogram: dimension 0's range \[nan, nan\] is not finite",
        ),
        (
            lambda: ops.histogram(jnp.ones(3), 4, range=(3.0, 1.0)),
            InvalidArgumentError,
            "min should not exceed max",
        ),
        (lambda: ops.histogram(jnp.ones(3), 0), InvalidArgumentError, "bins must be > 0"),
        (
            lambda: ops.histogram(jnp.ones(3, jnp.int32), 2),
            DTypeError,
            "input must have a floating point dtype",
        ),
        (
            lambda: ops.histogram(jnp.ones(3), jnp.array([2.0, 1.0])),
            InvalidArgumentError,
            "bin edges must be non-decreasing",
        ),
        (
            lambda: ops.histogram(jnp.ones(3), jnp.ones((1, 2))),
            ShapeError,
            "bins tensor should have one dimension",
        ),
        (
            lambda: ops.histogram(jnp.ones(3), 2, weight=jnp.ones(2)),
            ShapeError,
            "weight should have 3 elements",
        ),
        (lambda: ops.histogramdd(jnp.ones(3), 2), ShapeError, "at least 2 dimensions"),
        (
            lambda: ops.histogramdd(jnp.ones((3, 2)), [2]),
            ShapeError,
            "expected 2 bin specifications",
        ),
    ],
)
def test_histogram_errors(call: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        call()
