"""Views alias their base as in PyTorch: values, version counters and autograd, against torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import compat
from rustorch_fx.errors import AutogradError, RusTorchError


def _np(t):
    return np.asarray(t.detach().numpy())


def _same(a, b):
    np.testing.assert_allclose(_np(a), _np(b), rtol=1e-6, atol=1e-6)


# (name, view function of a 3x4 (or 2x3x4) tensor): each must alias like torch's
VIEWS = {
    "int": lambda x: x[0],
    "slice_step": lambda x: x[1:, ::2],
    "neg_int_none_ellipsis": lambda x: x[None, ..., -1],
    "select": lambda x: x.select(1, 2),
    "narrow": lambda x: x.narrow(1, 1, 2),
    "view": lambda x: x.view(4, 3),
    "reshape": lambda x: x.reshape(-1),
    "t": lambda x: x.t(),
    "transpose": lambda x: x.transpose(0, 1),
    "permute": lambda x: x.permute(1, 0),
    "T": lambda x: x.T,
    "mT": lambda x: x.mT,
    "squeeze": lambda x: x[None].squeeze(0),
    "unsqueeze": lambda x: x.unsqueeze(1),
    "diagonal": lambda x: x.diagonal(),
    "flatten": lambda x: x.flatten(),
    "view_of_view": lambda x: x[1:].t()[2],
    "unbind": lambda x: x.unbind(1)[2],
    "split": lambda x: x.split(2, dim=1)[1],
    "chunk": lambda x: x.chunk(3)[1],
    "detach": lambda x: x.detach(),
    "data": lambda x: x.data,
}


def _both(fn):
    return fn(torch), fn(compat)


@pytest.mark.parametrize("name", list(VIEWS))
def test_inplace_on_view_changes_base_and_reverse(name):
    def run(lib):
        x = lib.arange(12.0).reshape(3, 4)
        y = VIEWS[name](x)
        y.mul_(2).add_(1)
        after_view = x.clone()
        x.sub_(3)  # the base changes: the existing view sees it
        return after_view, y.clone(), x._version == y._version, y._version

    (tx, ty, tsame, tver), (cx, cy, csame, cver) = _both(run)
    _same(tx, cx)
    _same(ty, cy)
    assert csame
    if name != "data":  # torch gives .data a fresh version counter; compat shares it (documented)
        assert tsame
        assert tver == cver


def test_versions_shared_between_siblings():
    x = compat.zeros(3, 4)
    a, b = x[0], x[:, 1]
    a.add_(1)
    assert a._version == b._version == x._version == 1
    assert b.tolist() == [1.0, 0.0, 0.0]


def test_detached_view_of_view_writes_through():
    def run(lib):
        x = lib.arange(6.0).reshape(2, 3)
        d = x[1].detach()
        d[1:].add_(10)
        return x

    tx, cx = _both(run)
    _same(tx, cx)


def test_expand_inplace_raises_like_torch():
    x = compat.zeros(3)
    with pytest.raises(RusTorchError, match="single memory location"):
        x.expand(2, 3).add_(1)
    with pytest.raises(RuntimeError, match="single memory location"):
        torch.zeros(3).expand(2, 3).add_(1)
    assert x.expand(2, 3)[0]._version == x._version  # a read is fine


def test_view_sees_base_changes_under_no_grad():
    x = compat.ones(2, 2, requires_grad=True)
    v = x[0]
    with compat.no_grad():
        x.mul_(3)
    assert v.tolist() == [3.0, 3.0]


def test_data_update_like_sgd():
    p = compat.ones(4, requires_grad=True)
    (p * 2).sum().backward()
    p.data[1:].add_(-0.5 * p.grad[1:])
    assert p.tolist() == [1.0, 0.0, 0.0, 0.0]


# --- autograd ------------------------------------------------------------------------------


def _grads(lib, body):
    leaf = lib.arange(1.0, 13.0).reshape(3, 4).requires_grad_()
    w = lib.linspace(0.5, 2.0, 4).requires_grad_()
    out = body(lib, leaf, w)
    out.backward()
    return leaf.grad, w.grad


def _check_grads(body):
    (tl, tw), (cl, cw) = _both(lambda lib: _grads(lib, body))
    _same(tl, cl)
    if tw is None:
        assert cw is None
    else:
        _same(tw, cw)


def test_grad_inplace_on_view_of_clone():
    def body(lib, leaf, w):
        x = leaf.clone()
        v = x[0]
        v.mul_(2)
        return x.sum()

    _check_grads(body)


def test_grad_inplace_on_view_with_other_input():
    def body(lib, leaf, w):
        x = leaf * 1.5
        x[1:, ::2].mul_(w[:2])
        x.t()[3].add_(w[0] * w[1])
        return (x * x).sum()

    _check_grads(body)


def test_grad_of_view_made_before_base_changed():
    def body(lib, leaf, w):
        x = leaf.exp() * 0.01
        early = x[:, 1]
        x.mul_(w)  # modifies the base: the existing view must see the new history
        late = x.narrow(0, 1, 2)
        late.pow_(2)  # and a write through another view too
        return (early * lib.tensor([1.0, 2.0, 3.0])).sum() + x.sum()

    _check_grads(body)


def test_grad_view_of_view_and_chains():
    def body(lib, leaf, w):
        x = leaf.clone()
        v = x.view(2, 6)[1]
        v.unsqueeze(0).squeeze(0)[::3].mul_(w[1])
        y = x.permute(1, 0).diagonal()
        y.add_(w[:3])
        return (x.sin() * 2).sum() + (v * v).sum()

    _check_grads(body)


def test_grad_fn_names_follow_torch():
    for lib in (torch, compat):
        x = lib.ones(2, 3, requires_grad=True).clone()
        early = x[1]
        v = x[0]
        v.mul_(2)
        assert x.grad_fn.name().endswith("CopySlices")
        assert "AsStrided" in early.grad_fn.name()
        assert "AsStrided" in v.grad_fn.name()


def test_inplace_on_view_of_leaf_raises():
    for lib, err in ((torch, RuntimeError), (compat, AutogradError)):
        leaf = lib.ones(2, 3, requires_grad=True)
        with pytest.raises(err, match="a view of a leaf Variable that requires grad"):
            leaf[0].add_(1)
        with lib.no_grad():
            leaf[0].add_(1)
        assert _np(leaf)[0].tolist() == [2.0, 2.0, 2.0]


def test_inplace_on_multi_output_view_requiring_grad_raises():
    for lib, err in ((torch, RuntimeError), (compat, AutogradError)):
        x = lib.ones(2, 3, requires_grad=True).clone()
        with pytest.raises(err, match="returns multiple views"):
            x.unbind(0)[0].mul_(2)
    a, _ = compat.zeros(2, 3).unbind()
    a.add_(1)  # without autograd it is allowed, as in torch


def test_view_of_plain_tensor_gets_history_from_inplace_input():
    def body(lib, leaf, w):
        x = lib.zeros(3, 4)
        x[1].copy_(w * 2)
        return (x * leaf).sum()

    _check_grads(body)


def test_saved_base_modified_through_view_raises():
    for lib, err in ((torch, RuntimeError), (compat, AutogradError)):
        w = lib.ones(3, requires_grad=True)
        x = lib.ones(3) * 2
        y = (w * x).sum()
        x[0].add_(1)
        with pytest.raises(err, match="modified by an inplace operation"):
            y.backward()


# -- in-place view ops: the tensor itself changes shape (t_, transpose_, squeeze_...) ----------

INPLACE_VIEW_OPS = {
    "t_": lambda x: x.t_(),
    "transpose_": lambda x: x.transpose_(0, 1),
    "swapdims_": lambda x: x.swapdims_(1, 0),
    "swapaxes_": lambda x: x.swapaxes_(0, 1),
    "squeeze_": lambda x: x.unsqueeze(0).squeeze_(0),
    "squeeze_all": lambda x: x.reshape(3, 1, 4).squeeze_(),
    "unsqueeze_": lambda x: x.unsqueeze_(1),
}


@pytest.mark.parametrize("name", list(INPLACE_VIEW_OPS))
@pytest.mark.parametrize("setting", ["alone", "base_with_view", "on_view"])
def test_inplace_view_ops_alias_like_torch(name, setting):
    def run(lib):
        x = lib.arange(12.0).reshape(3, 4)
        other = x[1] if setting == "base_with_view" else None
        target = x[:, :] if setting == "on_view" else x
        version = target._version
        out = INPLACE_VIEW_OPS[name](target)
        shape = tuple(out.shape)
        out.mul_(2)  # writes through to the base and to the other view
        return shape, out.clone(), x.clone(), None if other is None else other.clone(), version

    (ts, tout, tx, tother, _), (cs, cout, cx, cother, _) = _both(run)
    assert ts == cs
    _same(tout, cout)
    _same(tx, cx)
    if tother is not None:
        _same(tother, cother)


def test_inplace_view_op_bumps_version_and_keeps_aliasing():
    for lib in (torch, compat):
        x = lib.zeros(2, 3)
        y = x[0]
        v = x._version
        x.t_()
        assert x._version == v + 1 and tuple(x.shape) == (3, 2)
        y.fill_(1)
        assert x[:, 0].tolist() == [1.0, 1.0, 1.0]


def test_inplace_view_op_grads_match_torch():
    def body(lib, leaf, w):
        b = leaf * 2
        kept = b[0]
        b.t_()  # b is now 4x3; kept still shows row 0 of the old layout
        b.unsqueeze_(0).squeeze_(0)
        return (b * w[:, None]).sum() + (kept * kept).sum()

    _check_grads(body)


def test_inplace_view_op_on_view_grads_match_torch():
    def body(lib, leaf, w):
        b = leaf * 1
        row = b[1]
        row.unsqueeze_(0)
        row.mul_(w)
        return (b * b).sum()

    _check_grads(body)


def test_inplace_view_op_on_leaf_requiring_grad_raises():
    a = compat.ones(2, 3, requires_grad=True)
    with pytest.raises(AutogradError, match=r"t_: a leaf Variable that requires grad"):
        a.t_()
    with compat.no_grad():
        a.t_()  # allowed without grad mode, as in torch
    assert tuple(a.shape) == (3, 2)
