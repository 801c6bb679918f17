"""compat's forms of the rest of torch.Tensor's surface, against torch 2.13.

The table rows (``igamma``, ``index_reduce``, the ``*_scatter`` ops, ``stft``/``istft``) are
compared value by value and gradient by gradient in ``tests/test_compat_ops.py``; this file
covers what the table test cannot: torch's missing derivative of ``igamma`` w.r.t. ``input``,
``as_strided`` as a view of a base's storage, ``as_strided_scatter``'s true gradient, complex
``stft`` gradients, the histogram named tuples, ``compat.special`` and bad inputs.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import compat
from rustorch_fx.errors import (
    IndexOutOfRangeError,
    InvalidArgumentError,
    UnsupportedError,
)


def _np(x: object) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    return np.asarray(x._value)


def _close(ours: object, theirs: object, rtol: float = 1e-5, atol: float = 1e-6) -> None:
    a, e = _np(ours), _np(theirs)
    assert a.shape == e.shape and a.dtype == e.dtype, (a.shape, a.dtype, e.shape, e.dtype)
    np.testing.assert_allclose(a, e, rtol=rtol, atol=atol)


def test_igamma_has_no_derivative_for_input_as_torch() -> None:
    a, x = np.array([0.5, 2.0], np.float32), np.array([1.0, 3.0], np.float32)
    ours_a, ours_x = compat.tensor(a, requires_grad=True), compat.tensor(x, requires_grad=True)
    out = compat.igamma(ours_a, ours_x)  # the forward works; backward raises, as torch
    with pytest.raises(NotImplementedError, match="the derivative for 'igamma: input'"):
        out.sum().backward()
    theirs_a = torch.tensor(a, requires_grad=True)
    with pytest.raises(NotImplementedError, match="the derivative for 'igamma: input'"):
        torch.igamma(theirs_a, torch.tensor(x)).sum().backward()
    y = ours_a * 1.0
    y.igammac_(compat.tensor(x))
    with pytest.raises(UnsupportedError, match="igammac: input"):
        y.sum().backward()
    # w.r.t. other: torch's gradient
    ox, tx = compat.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    compat.tensor(a).igammac(ox).sum().backward()
    torch.tensor(a).igammac(tx).sum().backward()
    _close(ox.grad, tx.grad)


def test_index_reduce_inplace_forms() -> None:
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    src, idx = np.ones((2, 3), np.float32) * 20, np.array([3, 0])
    ours, theirs = compat.tensor(x), torch.tensor(x)
    assert ours.index_reduce_(0, compat.tensor(idx), compat.tensor(src), "amin") is ours
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs.index_reduce_(0, torch.tensor(idx), torch.tensor(src), "amin")
    _close(ours, theirs)
    with pytest.raises(IndexOutOfRangeError, match="index_reduce: index 4 is out of bounds"):
        ours.index_reduce(0, compat.tensor([4, 0]), compat.tensor(src), "amin")


def test_as_strided_reads_the_storage_as_torch() -> None:
    base = np.arange(12, dtype=np.float32)
    ours, theirs = compat.tensor(base), torch.tensor(base)
    _close(ours.as_strided((2, 2), (1, 2), 1), theirs.as_strided((2, 2), (1, 2), 1))
    # a view: the storage is its base's, the default offset its own
    _close(ours[2:].as_strided((2, 3), (3, 1)), theirs[2:].as_strided((2, 3), (3, 1)))
    _close(ours[2:].as_strided((2,), (1,), 0), theirs[2:].as_strided((2,), (1,), 0))
    _close(
        compat.as_strided(ours.view(3, 4)[1], (2,), (4,)),
        theirs.view(3, 4)[1].as_strided((2,), (4,)),
    )
    with pytest.raises(IndexOutOfRangeError, match="as_strided: .* out of bounds"):
        ours.as_strided((4, 4), (4, 1))


def test_as_strided_is_a_view_with_torch_gradients() -> None:
    x = compat.zeros(2, 3)
    window = x.as_strided((3,), (1,), 1)
    window.add_(5.0)  # a write through the view reaches the base
    assert x.tolist() == [[0.0, 5.0, 5.0], [5.0, 0.0, 0.0]]
    x.fill_(1.0)  # and the reverse
    assert window.tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(InvalidArgumentError, match="more than one element"):
        x.as_strided((2, 2), (1, 1)).mul_(2)  # overlapping windows cannot be written
    values = np.arange(1.0, 5.0, dtype=np.float32)
    p, pt = compat.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    y, yt = p.as_strided((2, 2), (1, 1)), pt.as_strided((2, 2), (1, 1))
    assert y.grad_fn.name() == yt.grad_fn.name() == "AsStridedBackward0"
    (y * y).sum().backward()
    (yt * yt).sum().backward()
    _close(p.grad, pt.grad)


def test_as_strided_scatter_gradient_is_the_true_one() -> None:
    x, src = np.arange(12, dtype=np.float32).reshape(3, 4), np.ones((2, 2), np.float32)
    ox, osrc = compat.tensor(x, requires_grad=True), compat.tensor(src, requires_grad=True)
    out = ox.as_strided_scatter(osrc, (2, 2), (1, 2), 1)
    # torch 2.13's own backward gets the input's gradient wrong; clone + copy_ is the reference
    tx, tsrc = torch.tensor(x, requires_grad=True), torch.tensor(src, requires_grad=True)
    ref = tx.clone()
    ref.as_strided((2, 2), (1, 2), 1).copy_(tsrc)
    _close(out, ref.detach())
    w = np.random.default_rng(0).normal(size=(3, 4)).astype(np.float32)
    (out * compat.tensor(w)).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    _close(ox.grad, tx.grad)
    _close(osrc.grad, tsrc.grad)


def test_stft_istft_complex_gradients_and_round_trip() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 16)).astype(np.float32)
    ours, theirs = compat.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    tw = torch.hann_window(8)
    ow = compat.tensor(tw.numpy())
    spec, tspec = (
        ours.stft(8, 2, window=ow, return_complex=True),
        theirs.stft(8, 2, window=tw, return_complex=True),
    )
    _close(spec, tspec, rtol=1e-4, atol=1e-5)
    back = compat.istft(spec, 8, 2, window=ow, length=16)
    tback = torch.istft(tspec, 8, 2, window=tw, length=16)
    _close(back, tback, rtol=1e-4, atol=1e-5)
    _close(back, theirs.detach(), rtol=1e-4, atol=1e-5)
    (spec.abs().sum() + back.sum()).backward()
    (tspec.abs().sum() + tback.sum()).backward()
    _close(ours.grad, theirs.grad, rtol=1e-4, atol=1e-4)


def test_stft_istft_errors() -> None:
    x = compat.randn(16)
    with pytest.raises(RuntimeError, match="stft: stft requires the return_complex parameter"):
        x.stft(8)
    spec = compat.stft(x, 8, window=compat.ones(8), return_complex=True)
    with pytest.raises(InvalidArgumentError, match="istft: window overlap add min"):
        compat.istft(spec, 8, window=compat.tensor([0.0, 1, 1, 1, 1, 1, 1, 0]), center=False)


def test_histograms_return_torch_named_tuples() -> None:
    x = np.array([1.0, 2.0, 1.0, 4.0, 2.5, 7.0], np.float32)
    ours, theirs = compat.tensor(x).histogram(4), torch.tensor(x).histogram(4)
    assert ours._fields == ("hist", "bin_edges")
    _close(ours.hist, theirs.hist)
    _close(ours.bin_edges, theirs.bin_edges)
    edges = np.array([0.0, 2.0, 8.0], np.float32)
    ours = compat.histogram(compat.tensor(x), compat.tensor(edges), density=True)
    theirs = torch.histogram(torch.tensor(x), torch.tensor(edges), density=True)
    _close(ours.hist, theirs.hist)
    pts = x.reshape(3, 2)
    ours = compat.histogramdd(compat.tensor(pts), [2, 3], weight=compat.ones(3))
    theirs = torch.histogramdd(torch.tensor(pts), [2, 3], weight=torch.ones(3))
    _close(ours.hist, theirs.hist)
    assert len(ours.bin_edges) == 2
    with pytest.raises(RuntimeError, match=r"histogram: dimension 0's range \[nan, nan\]"):
        compat.histogram(compat.tensor([1.0, float("nan")]), 2)


def test_special_namespace() -> None:
    a, x = np.array([0.5, 2.0], np.float32), np.array([1.0, 3.0], np.float32)
    for name in ("gammainc", "gammaincc", "xlogy"):
        ours = getattr(compat.special, name)(compat.tensor(a), compat.tensor(x))
        _close(ours, getattr(torch.special, name)(torch.tensor(a), torch.tensor(x)), rtol=1e-4)
    for name in ("gammaln", "psi", "expit", "erfinv", "i0", "logit"):
        _close(
            getattr(compat.special, name)(compat.tensor(a / 4)),
            getattr(torch.special, name)(torch.tensor(a / 4)),
            rtol=1e-4,
        )


def test_storages_are_shared_by_views() -> None:
    x, xt = compat.arange(6.0), torch.arange(6.0)
    ours, theirs = x[2:].untyped_storage(), xt[2:].untyped_storage()
    assert ours == x.untyped_storage() and ours != compat.arange(6.0).untyped_storage()
    assert (ours.size(), ours.nbytes(), ours.element_size(), len(ours)) == (
        theirs.size(),
        theirs.nbytes(),
        theirs.element_size(),
        len(theirs),
    )
    assert ours.tolist() == theirs.tolist()
    assert ours.data_ptr() == x.data_ptr() and str(ours.device) == "cpu"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        typed, ttyped = x[2:].storage(), xt[2:].storage()
    assert (typed.size(), typed.element_size(), typed.tolist()) == (
        ttyped.size(),
        ttyped.element_size(),
        ttyped.tolist(),
    )
    assert typed.dtype == compat.float32 and typed.untyped() == ours
    x.add_(1.0)  # the storage shows the tensor's current values
    assert x[:1].storage().tolist()[:2] == [1.0, 2.0]
