"""compat's creation and random functions against torch's dtypes, shapes and values."""

import numpy as np
import pytest
import torch
from conftest import assert_close

import compat
from rustorch_fx.errors import ArgumentTypeError, DeviceError, DTypeError, ShapeError


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.tensor([1, 2, 3]),
        lambda m: m.tensor([1.5, 2.0]),
        lambda m: m.tensor([[True, False]]),
        lambda m: m.tensor(3),
        lambda m: m.tensor([1, 2], dtype=m.float64),
        lambda m: m.tensor(np.arange(3, dtype=np.int32)),
        lambda m: m.zeros(2, 3),
        lambda m: m.ones((2,), dtype=m.int64),
        lambda m: m.empty(0, 2).shape and m.zeros(0, 2),
        lambda m: m.full((2, 2), 7),
        lambda m: m.full((2,), 1.5),
        lambda m: m.full((2,), True),
        lambda m: m.arange(5),
        lambda m: m.arange(1, 2, 0.25),
        lambda m: m.arange(0, 10, 3, dtype=m.float32),
        lambda m: m.linspace(0, 1, 5),
        lambda m: m.eye(2, 3),
        lambda m: m.zeros_like(m.tensor([1, 2])),
        lambda m: m.ones_like(m.tensor([1.0, 2.0]), dtype=m.float64),
        lambda m: m.full_like(m.tensor([[1, 2]]), 4),
        lambda m: m.empty_like(m.tensor([1.0])).zero_(),
        lambda m: m.from_numpy(np.arange(4.0)),
        lambda m: m.as_tensor([1, 2], dtype=m.float32),
    ],
)
def test_creation_matches_torch(make):
    assert_close(make(compat), make(torch))
    assert str(make(compat).dtype) == str(make(torch).dtype)


def test_requires_grad_and_identity_rules():
    t = compat.tensor([1.0, 2.0])
    assert compat.as_tensor(t) is t
    assert compat.as_tensor(t, dtype=compat.float64).dtype == compat.float64
    x = compat.zeros(2, requires_grad=True)
    assert x.requires_grad
    assert x.is_leaf
    assert compat.ones_like(x, requires_grad=True).requires_grad
    assert compat.is_tensor(x)
    assert not compat.is_tensor(np.zeros(2))
    source = np.arange(3.0)
    copy = compat.from_numpy(source)
    source[0] = 9.0  # from_numpy copies (JAX arrays cannot share numpy's memory)
    assert copy.tolist() == [0.0, 1.0, 2.0]
    assert x.cpu() is x
    assert str(x.cpu().device) == "cpu"


def test_creation_errors():
    with pytest.raises(DTypeError, match="only Tensors of floating point"):
        compat.tensor([1, 2], requires_grad=True)
    with pytest.raises(ArgumentTypeError, match="could not infer a dtype"):
        compat.tensor([object()])
    with pytest.raises(ArgumentTypeError, match="expected np.ndarray"):
        compat.from_numpy([1, 2])
    with pytest.raises(ArgumentTypeError, match="input must be a Tensor"):
        compat.zeros_like(np.zeros(2))
    with pytest.raises(ShapeError):
        compat.zeros(-1)
    with pytest.raises(DTypeError):
        compat.zeros(2, dtype="nonsense")
    if not compat.cuda.is_available():
        with pytest.raises(DeviceError, match="not available"):
            compat.ones(2).cuda()
        with pytest.raises(DeviceError, match="not available"):
            compat.ones(2).cuda(1)


def test_random_functions_are_reproducible_and_shaped_like_torch():
    compat.manual_seed(123)
    a = [compat.rand(3), compat.randn(2, 2), compat.randint(0, 5, (4,)), compat.randperm(6)]
    compat.manual_seed(123)
    b = [compat.rand(3), compat.randn(2, 2), compat.randint(0, 5, (4,)), compat.randperm(6)]
    for x, y in zip(a, b):
        assert x.tolist() == y.tolist()
    ours = [
        compat.rand(3),
        compat.randn(2, 2),
        compat.randint(0, 5, (4,)),
        compat.randperm(6),
        compat.randint(7, (2,)),
        compat.normal(0.0, 1.0, (3,)),
        compat.normal(compat.zeros(3), compat.ones(3)),
        compat.bernoulli(compat.full((4,), 0.5)),
        compat.bernoulli(compat.zeros(2), 1.0),
        compat.multinomial(compat.tensor([0.2, 0.8]), 3, True),
    ]
    theirs = [
        torch.rand(3),
        torch.randn(2, 2),
        torch.randint(0, 5, (4,)),
        torch.randperm(6),
        torch.randint(7, (2,)),
        torch.normal(0.0, 1.0, (3,)),
        torch.normal(torch.zeros(3), torch.ones(3)),
        torch.bernoulli(torch.full((4,), 0.5)),
        torch.bernoulli(torch.zeros(2), 1.0),
        torch.multinomial(torch.tensor([0.2, 0.8]), 3, True),
    ]
    for o, t in zip(ours, theirs):
        assert o.shape == tuple(t.shape)
        assert str(o.dtype) == str(t.dtype)
    assert sorted(compat.randperm(6).tolist()) == list(range(6))
    gen = compat.Generator().manual_seed(5)
    first = compat.rand(2, generator=gen)
    gen.manual_seed(5)
    assert compat.rand(2, generator=gen).tolist() == first.tolist()
    with pytest.raises(ArgumentTypeError, match="input must be a Tensor"):
        compat.bernoulli([0.5])
    with pytest.raises(ArgumentTypeError, match="input must be a Tensor"):
        compat.multinomial([0.5], 1)
    assert compat.rand(2, requires_grad=True).requires_grad


def test_new_methods_type_and_format_match_torch():
    for dt in ("float32", "float64", "int64"):
        c = compat.ones(2, dtype=getattr(compat, dt))
        t = torch.ones(2, dtype=getattr(torch, dt))
        pairs = [
            (c.new_tensor([1, 2]), t.new_tensor([1, 2])),
            (c.new_tensor(compat.tensor([3.0])), t.new_tensor(torch.tensor([3.0]))),
            (c.new_zeros(2, 3), t.new_zeros(2, 3)),
            (c.new_ones((2,)), t.new_ones((2,))),
            (c.new_full((2,), 3), t.new_full((2,), 3)),
            (c.new_empty(1).zero_(), t.new_empty(1).zero_()),
            (c.new_zeros(2, dtype=compat.float64), t.new_zeros(2, dtype=torch.float64)),
        ]
        for ours, theirs in pairs:
            assert_close(ours, theirs)
            assert str(ours.dtype) == str(theirs.dtype)
        assert c.type() == t.type()
    x = compat.ones(2)
    assert x.new_ones(2, requires_grad=True).requires_grad
    assert x.type(compat.float64).dtype == compat.float64
    assert x.type("torch.LongTensor").dtype == compat.int64
    assert not x.is_cuda
    assert x.is_cpu
    s = compat.tensor(2.0 / 3.0)
    assert f"{s:.3f}" == f"{torch.tensor(2.0 / 3.0):.3f}" == "0.667"
    assert f"{compat.tensor([1.0, 2.0])}" == "tensor([1., 2.])"
    with pytest.raises(DTypeError):
        x.type("torch.NoSuchTensor")


def test_tensor_copies_its_data_and_reads_python_floats_in_the_given_dtype():
    source = np.array([1.0, 2.0], np.float32)
    t = compat.tensor(source)
    source[0] = 99.0
    assert t.tolist() == [1.0, 2.0]
    theirs = torch.tensor([0.1, 0.2], dtype=torch.float64)
    ours = compat.tensor([0.1, 0.2], dtype=compat.float64)
    assert ours.tolist() == theirs.tolist() == [0.1, 0.2]
    assert compat.tensor([1, 2], dtype=compat.bfloat16).dtype == compat.bfloat16
