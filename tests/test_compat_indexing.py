"""Indexing, indexed assignment and DLPack against torch."""

import numpy as np
import pytest
import torch
from conftest import assert_close

import compat
from rustorch_fx.errors import ArgumentTypeError, AutogradError, IndexOutOfRangeError

A = np.arange(12, dtype=np.float32).reshape(3, 4) - 5.0


def both():
    return compat.tensor(A), torch.tensor(A)


@pytest.mark.parametrize(
    "index",
    [
        (0,),
        (slice(1, None), slice(None, None, 2)),
        (Ellipsis, 1),
        (None, 1),
        (-1, slice(None, 2)),
        ("ints",),
        ("mask",),
        ("rows-cols",),
    ],
)
def test_getitem_and_setitem_match_torch(index):
    outs = []
    for mod, x in zip((compat, torch), both()):
        idx = _materialize(mod, x, index)
        got = x[idx].clone()  # basic indexing gives a view in torch; views are tested apart
        x[idx] = 100.0
        x[idx] += 1
        outs.append((got, x))
    assert_close(outs[0][0], outs[1][0])
    assert_close(outs[0][1], outs[1][1])


def _materialize(mod, x, index):
    if index == ("ints",):
        return mod.tensor([2, 0, -1])
    if index == ("mask",):
        return x > 0
    if index == ("rows-cols",):
        return (mod.tensor([0, 2]), mod.tensor([1, 3]))
    return index


def test_setitem_with_tensor_values_and_gradients():
    res = []
    for mod in (compat, torch):
        w = mod.tensor(A, requires_grad=True)
        v = mod.tensor(np.ones(4, np.float32) * 3, requires_grad=True)
        y = w * 2
        y[1] = v * w[0]
        y[y > 10] = 0.0
        y.sum().backward()
        res.append((y, w.grad, v.grad))
    for ours, theirs in zip(res[0], res[1]):
        assert_close(ours, theirs)


def test_setitem_errors():
    x = compat.tensor(A)
    with pytest.raises(
        IndexOutOfRangeError, match="index 3 is out of bounds for dimension 0 with size 3"
    ):
        x[3] = 1.0
    with pytest.raises(IndexError, match="index 9 is out of bounds for dimension 1"):
        x[0, compat.tensor([0, 9])]
    with pytest.raises(IndexOutOfRangeError, match="index -5 is out of bounds"):
        x[:, compat.tensor([-5])] = 0.0
    with pytest.raises(IndexOutOfRangeError, match="too many indices"):
        x[0, 0, 0] = 1.0
    with pytest.raises(ArgumentTypeError, match="valid indices"):
        x["a"] = 1.0
    leaf = compat.tensor(A, requires_grad=True)
    with pytest.raises(AutogradError, match="leaf Variable that requires grad"):
        leaf[0] = 1.0
    with compat.no_grad():
        leaf[0] = 1.0
    assert leaf[0].tolist() == [1.0] * 4


def test_dlpack_both_ways():
    t = torch.from_dlpack(compat.tensor(A))
    assert_close(t, A)
    c = compat.from_dlpack(torch.tensor(A))
    assert_close(c, A)
    assert compat.from_dlpack(np.arange(3)).tolist() == [0, 1, 2]
    assert compat.tensor(A).__dlpack_device__()[0] == 1  # kDLCPU
    with pytest.raises(ArgumentTypeError, match="supporting DLPack"):
        compat.from_dlpack([1, 2])
