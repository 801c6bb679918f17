"""compat.Tensor's metadata methods and the hand-written ops of issue 3's surface, against torch.

The table rows (math, linear algebra) are compared value by value and gradient by gradient in
``tests/test_compat_ops.py``; this file covers what the table cannot: metadata, hooks, the
legacy constructor, ``float_power_``, ops with several forms (``unique(dim=...)``, bool-mask
``index_put_``), svd's factors, and bad inputs.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import compat
from rustorch_fx.errors import (
    ArgumentTypeError,
    AutogradError,
    DTypeError,
    IndexOutOfRangeError,
    InvalidArgumentError,
    ShapeError,
)


def _np(x: object) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    return np.asarray(x)


def test_metadata_matches_torch() -> None:
    shapes = [(2, 3, 4), (), (2, 0, 3), (5,)]
    dtypes = [
        (np.float32, torch.float32),
        (np.float64, torch.float64),
        (np.uint8, torch.uint8),
        (np.bool_, torch.bool),
        (np.int64, torch.int64),
        (np.complex64, torch.complex64),
    ]
    for shape in shapes:
        for nd, td in dtypes:
            a = np.zeros(shape, nd)
            x, t = compat.tensor(a), torch.zeros(shape, dtype=td)
            assert x.nelement() == t.nelement() and x.ndimension() == t.ndimension()
            assert x.element_size() == t.element_size() and x.itemsize == t.itemsize
            assert x.nbytes == t.nbytes and x.stride() == t.stride()
            assert x.is_signed() == t.is_signed(), (nd, shape)
            assert x.storage_offset() == 0
    x, t = compat.zeros(2, 3, 4), torch.zeros(2, 3, 4)
    assert x.stride(1) == t.stride(1) and x.stride(-1) == 1
    assert x[1].storage_offset() == t[1].storage_offset() == 12
    assert x[:, 2].storage_offset() == t[:, 2].storage_offset()
    assert x.narrow(2, 1, 2).storage_offset() == t.narrow(2, 1, 2).storage_offset()
    assert x[1].data_ptr() - x.data_ptr() in (0, 12 * 4)  # 0 where no buffer pointer exists
    assert x.get_device() == -1 and repr(x.layout) == "torch.strided"
    assert not (x.is_sparse or x.is_quantized or x.is_meta or x.is_shared() or x.is_pinned())
    assert x.share_memory_() is x and x.pin_memory() is x
    assert x.is_same_size(compat.ones(2, 3, 4)) and not x.is_same_size(compat.ones(2))
    assert not x.is_conj() and not x.is_neg()
    assert compat.tensor([0.5]).is_nonzero() and not compat.tensor([[0]]).is_nonzero()
    y = compat.ones(2, requires_grad=True) * 2
    assert y.output_nr == 0 and compat.ones(2).output_nr == 0
    assert compat.ones(3, requires_grad=True).max(0)[1].output_nr == 0
    with compat.inference_mode():
        z = compat.ones(2) * 2
    assert z.is_inference() and not x.is_inference()


def test_metadata_errors() -> None:
    x = compat.zeros(2, 3)
    with pytest.raises(IndexOutOfRangeError, match="stride: dim 2"):
        x.stride(2)
    with pytest.raises(ArgumentTypeError, match="stride: dim must be an int"):
        x.stride("0")
    with pytest.raises(InvalidArgumentError, match="is_nonzero: .* more than one value"):
        x.is_nonzero()
    with pytest.raises(InvalidArgumentError, match="is_nonzero: .* no values"):
        compat.zeros(0).is_nonzero()
    with pytest.raises(ArgumentTypeError, match="is_same_size: expected a Tensor"):
        x.is_same_size((2, 3))


def test_new_legacy_constructor() -> None:
    x, t = compat.zeros(2, dtype=compat.float64), torch.zeros(2, dtype=torch.float64)
    for ours, theirs in [
        (x.new(), t.new()),
        (x.new(2, 3), t.new(2, 3)),
        (x.new([1, 2]), t.new([1, 2])),
        (x.new((2, 3)), t.new((2, 3))),
        (x.new(compat.tensor([4.0], dtype=compat.float64)), t.new(torch.tensor([4.0]).double())),
    ]:
        assert ours.shape == tuple(theirs.shape) and str(ours.dtype) == str(theirs.dtype)
    np.testing.assert_array_equal(_np(x.new([1, 2])), [1.0, 2.0])
    assert x.new(2, requires_grad=True).requires_grad
    with pytest.raises(ArgumentTypeError, match="new: expected sizes"):
        x.new(2, [3])
    with pytest.raises(DTypeError, match="new: expected a tensor of dtype float64"):
        x.new(compat.tensor([4.0]))
    with pytest.raises(ArgumentTypeError, match="new: got an unexpected keyword"):
        x.new(2, bad=1)


def test_post_accumulate_grad_hook() -> None:
    w = compat.ones(2, requires_grad=True)
    wt = torch.ones(2, requires_grad=True)
    seen: list[list[float]] = []
    seen_t: list[list[float]] = []
    h = w.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.tolist()))
    ht = wt.register_post_accumulate_grad_hook(lambda t: seen_t.append(t.grad.tolist()))
    for _ in range(2):
        (w * 3).sum().backward()
        (wt * 3).sum().backward()
    compat.autograd.grad((w * 2).sum(), w)  # accumulates nothing: no call
    torch.autograd.grad((wt * 2).sum(), wt)
    h.remove()
    ht.remove()
    (w * 3).sum().backward()
    (wt * 3).sum().backward()
    assert seen == seen_t == [[3.0, 3.0], [6.0, 6.0]]
    # a hook that steps the parameter in place (the optimizer-in-backward pattern)
    p = compat.ones(2, requires_grad=True)
    p.register_post_accumulate_grad_hook(lambda t: t.data.sub_(t.grad))
    (p * 2).sum().backward()
    assert p.tolist() == [-1.0, -1.0]
    with pytest.raises(AutogradError, match="non-leaf"):
        (w * 2).register_post_accumulate_grad_hook(print)
    with pytest.raises(AutogradError, match="doesn't require gradient"):
        compat.ones(2).register_post_accumulate_grad_hook(print)
    with pytest.raises(ArgumentTypeError, match="must be callable"):
        w.register_post_accumulate_grad_hook(3)


def test_float_power_inplace_and_other_forms() -> None:
    x = compat.tensor([2.0, 3.0], dtype=compat.float64)
    assert x.float_power_(2) is x and x.tolist() == [4.0, 9.0] and x._version == 1
    with pytest.raises(DTypeError, match="float_power_: the base .* float32 .* float64"):
        compat.tensor([2.0]).float_power_(2)
    a = np.array([[1, 3, 1], [2, 3, 1], [1, 3, 1]])
    for kw in ({"dim": 0, "return_inverse": True, "return_counts": True},):
        ours, theirs = compat.unique(compat.tensor(a), **kw), torch.unique(torch.tensor(a), **kw)
        for o, t in zip(
            ours if isinstance(ours, tuple) else (ours,),
            theirs if isinstance(theirs, tuple) else (theirs,),
            strict=True,
        ):
            np.testing.assert_array_equal(_np(o), _np(t))
            assert str(o.dtype) == str(t.dtype)
    y, yt = compat.zeros(2, 3), torch.zeros(2, 3)
    y.index_put_((y > -1,), compat.arange(6.0))
    yt.index_put_((yt > -1,), torch.arange(6.0))
    np.testing.assert_array_equal(_np(y), _np(yt))
    z = compat.tensor([1.0, 2.0, 3.0])
    assert z.clamp_min_(2.0) is z and z.tolist() == [2.0, 2.0, 3.0]
    q = compat.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert q.unfold(0, 1, 1).shape == torch.ones(2, 2).unfold(0, 1, 1).shape == (2, 2, 1)


def test_conjugate_transposes() -> None:
    a = (np.arange(6).reshape(2, 3) + 1j * np.arange(6, 12).reshape(2, 3)).astype(np.complex64)
    x, t = compat.tensor(a), torch.from_numpy(a)
    np.testing.assert_array_equal(_np(x.H), t.H.resolve_conj().numpy())
    b = np.ones((2, 3, 4), np.float32)
    assert compat.tensor(b).mH.shape == tuple(torch.from_numpy(b).mH.shape)
    with pytest.raises(ShapeError, match="H: tensor.H is only supported on matrices"):
        compat.zeros(3).H
    with pytest.raises(ShapeError, match="mH: tensor.mH is only supported"):
        compat.zeros(3).mH


def test_svd_factors_and_gradient() -> None:
    a = np.random.default_rng(3).standard_normal((4, 3)).astype(np.float32)
    for some in (True, False):
        u, s, v = compat.svd(compat.tensor(a), some=some)
        ut, st, vt = torch.svd(torch.from_numpy(a), some=some)
        assert (u.shape, s.shape, v.shape) == (tuple(ut.shape), tuple(st.shape), tuple(vt.shape))
        k = s.shape[0]
        rebuilt = _np(u)[:, :k] * _np(s) @ _np(v)[:, :k].T
        np.testing.assert_allclose(rebuilt, a, atol=1e-5)
    x = compat.tensor(a, requires_grad=True)
    xt = torch.tensor(a, requires_grad=True)
    compat.svd(x).S.sum().backward()
    torch.svd(xt).S.sum().backward()
    np.testing.assert_allclose(_np(x.grad), _np(xt.grad), rtol=1e-4, atol=1e-5)
    u, s, v = compat.svd(compat.tensor(a), compute_uv=False)
    assert u.shape == (4, 4) and v.shape == (3, 3) and not _np(u).any()


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda x: x.hsplit(2), InvalidArgumentError, "hsplit: .* not divisible"),
        (lambda x: x.vsplit(1) if x.ndim < 2 else x[0].vsplit(1), ShapeError, "vsplit"),
        (lambda x: x.split_with_sizes(2), ArgumentTypeError, "split_with_sizes"),
        (lambda x: x.unfold(1, 9, 1), InvalidArgumentError, "unfold: maximum size"),
        (lambda x: x.unfold(1, 2, 0), InvalidArgumentError, "unfold: step"),
        (lambda x: x.sum_to_size(2), ShapeError, "sum_to_size: size \\[2\\]"),
        (lambda x: x.diff(n=-1), InvalidArgumentError, "diff: order"),
        (lambda x: x.diff(prepend=compat.ones(3)), ShapeError, "diff: prepend"),
        (
            lambda x: x.masked_scatter(x > -1, compat.ones(2)),
            ShapeError,
            "masked_scatter: expected source to have at least 6",
        ),
        (
            lambda x: x.index_put((compat.tensor([5]),), compat.tensor(1.0)),
            IndexOutOfRangeError,
            "index_put: index 5",
        ),
        (
            lambda x: x.index_put(compat.tensor([0]), compat.tensor(1.0)),
            ArgumentTypeError,
            "index_put: indices must be a tuple",
        ),
        (lambda x: x.masked_scatter(compat.ones(4) > 0, x), ShapeError, "masked_scatter"),
        (lambda x: x.imag(), DTypeError, "imag"),
        (lambda x: x.gcd(x), DTypeError, "gcd"),
        (lambda x: x.renorm(0, 0, 1.0), InvalidArgumentError, "renorm: non-positive"),
        (lambda x: x.det(), ShapeError, "det: .* square"),
        (lambda x: x.polygamma(-1), InvalidArgumentError, "polygamma: n must be"),
        (lambda x: x.frexp() if False else x.long().frexp(), DTypeError, "frexp"),
        (
            lambda x: x.fill_diagonal_(1.0) if x.ndim < 2 else x[0].fill_diagonal_(1.0),
            ShapeError,
            "fill_diagonal",
        ),
        (lambda x: compat.cov(compat.ones(2, 2, 2)), ShapeError, "cov: expected input"),
    ],
)
def test_bad_inputs(call: object, error: type[Exception], match: str) -> None:
    x = compat.tensor(np.ones((2, 3), np.float32))
    with pytest.raises(error, match=match):
        call(x)  # type: ignore[operator]


def test_random_fills_moments_and_seeding() -> None:
    n = 20000  # float32 draws, one compile per distribution: the moments to ~5 sigma
    compat.manual_seed(7)
    x = compat.empty(n)
    e = _np(x.exponential_(2.0)).copy()
    assert abs(e.mean() - 0.5) < 5 * 0.5 / n**0.5 and e.min() >= 0
    c = _np(x.cauchy_(1.0, 2.0)).copy()
    q1, med, q3 = np.quantile(c, [0.25, 0.5, 0.75])
    assert abs(med - 1.0) < 0.1 and abs((q3 - q1) / 2 - 2.0) < 0.15
    g = _np(compat.empty(n, dtype=compat.int64).geometric_(0.25)).copy()
    assert g.min() >= 1 and abs(g.mean() - 4.0) < 5 * (0.75**0.5 / 0.25) / n**0.5
    ln = np.log(_np(x.log_normal_(0.5, 0.25)))
    assert abs(ln.mean() - 0.5) < 0.01 and abs(ln.std() - 0.25) < 0.01
    b = _np(x.bernoulli_(0.3)).copy()
    assert set(np.unique(b)) <= {0.0, 1.0} and abs(b.mean() - 0.3) < 5 * (0.21 / n) ** 0.5
    p = compat.tensor([0.0, 1.0]).repeat(n // 2)
    assert _np(compat.empty(n).bernoulli_(p)).tolist() == _np(p).tolist()
    r = _np(x.random_(3, 7))
    assert set(np.unique(r)) == {3.0, 4.0, 5.0, 6.0} and abs(r.mean() - 4.5) < 0.05
    big = _np(x.random_())
    assert big.min() >= 0 and big.max() <= 2**24 and big.max() > 2**23
    i8 = _np(compat.empty(n, dtype=compat.int8).random_())
    assert i8.min() >= 0 and i8.max() == 127
    assert set(np.unique(_np(compat.empty(100, dtype=compat.bool).random_()))) == {False, True}
    draws = _np(compat.tensor([1.0, 3.0]).multinomial(n, True))
    assert abs(draws.mean() - 0.75) < 0.02 and compat.ones(3).bernoulli().tolist() == [1.0] * 3
    # same seed, same numbers; a Generator gives its own, reproducible stream
    compat.manual_seed(3)
    first = _np(x.exponential_(2.0)).copy()
    compat.manual_seed(3)
    np.testing.assert_array_equal(_np(x.exponential_(2.0)), first)
    gen = compat.Generator().manual_seed(4)
    again = _np(x.exponential_(2.0, generator=gen)).copy()
    gen.manual_seed(4)
    compat.manual_seed(3)
    np.testing.assert_array_equal(_np(x.exponential_(2.0, generator=gen)), again)
    np.testing.assert_array_equal(_np(x.exponential_(2.0)), first)  # default stream untouched


def test_random_fills_autograd_and_errors() -> None:
    w = compat.ones(3, requires_grad=True)
    y = w * 2
    assert y.exponential_() is y and y._version == 1
    (y * 3).sum().backward()  # the fill replaces the values: no gradient to w, as torch
    assert w.grad.tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(AutogradError, match="exponential_: a leaf Variable"):
        compat.ones(2, requires_grad=True).exponential_()
    x = compat.zeros(3)
    cases = [
        (lambda: x.exponential_(0), InvalidArgumentError, "exponential: expects lambda > 0"),
        (lambda: x.cauchy_(0, 0), InvalidArgumentError, "cauchy: expects sigma > 0"),
        (lambda: x.geometric_(1.5), InvalidArgumentError, "geometric: expects p"),
        (lambda: x.geometric_(), ArgumentTypeError, "geometric_: missing required argument 'p'"),
        (lambda: x.log_normal_(std=-1.0), InvalidArgumentError, "log_normal: expects std"),
        (lambda: x.log_normal_(bad=1), ArgumentTypeError, "log_normal_: got an unexpected"),
        (lambda: x.bernoulli_(1.5), InvalidArgumentError, "bernoulli_: expects p"),
        (lambda: x.bernoulli_("a"), ArgumentTypeError, "bernoulli_: p must be"),
        (lambda: x.random_(5, 5), InvalidArgumentError, "random_: expects 'from'"),
        (lambda: x.random_(1.5), ArgumentTypeError, "random_: 'to' must be an int"),
        (lambda: compat.zeros(2, dtype=compat.int64).exponential_(), DTypeError, "exponential"),
    ]
    for call, error, match in cases:
        with pytest.raises(error, match=match):
            call()
