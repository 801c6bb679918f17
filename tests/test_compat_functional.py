"""compat.autograd.functional and compat.autograd.Function against torch."""

import numpy as np
import pytest
import torch
from conftest import assert_close

import compat
from compat.autograd import functional as F

RNG = np.random.default_rng(0)
A = RNG.standard_normal(3).astype(np.float32)
B = RNG.standard_normal(3).astype(np.float32)
V = RNG.standard_normal(3).astype(np.float32)


def both(x):
    return compat.tensor(x), torch.tensor(x)


def f_one(x):
    return x * x * x + 2 * x


def f_two(x, y):
    return (x * y).sum() + (x * x * y).sum()


def f_pair(x, y):
    return x * y, x + y


def scalar(x):
    return (x * x * x).sum()


def test_jacobian_single_and_tuples():
    (ca, ta), (cb, tb) = both(A), both(B)
    assert_close(F.jacobian(f_one, ca), torch.autograd.functional.jacobian(f_one, ta))
    ours = F.jacobian(f_pair, (ca, cb))
    ref = torch.autograd.functional.jacobian(f_pair, (ta, tb))
    for i in range(2):
        for j in range(2):
            assert_close(ours[i][j], ref[i][j])
    fwd = F.jacobian(f_one, ca, strategy="forward-mode", vectorize=True)
    assert_close(fwd, torch.autograd.functional.jacobian(f_one, ta))
    single_in_tuple_out = F.jacobian(lambda x: (x * 2, x * 3), ca)
    assert len(single_in_tuple_out) == 2
    assert_close(single_in_tuple_out[1], 3 * np.eye(3, dtype=np.float32))


def test_hessian_single_and_tuple():
    (ca, ta), (cb, tb) = both(A), both(B)
    assert_close(F.hessian(scalar, ca), torch.autograd.functional.hessian(scalar, ta))
    ours = F.hessian(f_two, (ca, cb))
    ref = torch.autograd.functional.hessian(f_two, (ta, tb))
    for i in range(2):
        for j in range(2):
            assert_close(ours[i][j], ref[i][j])


@pytest.mark.parametrize("name", ["vjp", "jvp", "hvp", "vhp"])
def test_products_match_torch(name):
    (ca, ta), (cv, tv) = both(A), both(V)
    fn = f_one if name in ("vjp", "jvp") else scalar
    out, prod = getattr(F, name)(fn, ca, cv)
    tout, tprod = getattr(torch.autograd.functional, name)(fn, ta, tv)
    assert_close(out, tout)
    assert_close(prod, tprod, rtol=1e-5, atol=1e-5)


def test_products_with_tuples_and_default_v():
    (ca, ta), (cb, tb) = both(A), both(B)
    out, prod = F.vhp(f_two, (ca, cb), (ca, cb))
    tout, tprod = torch.autograd.functional.vhp(f_two, (ta, tb), (ta, tb))
    assert_close(out, tout)
    for p, q in zip(prod, tprod, strict=False):
        assert_close(p, q, atol=1e-5)
    out, g = F.vjp(lambda x: (x * x).sum(), ca)  # v=None for a one-element output
    assert_close(g, 2 * A)
    _, t = F.jvp(lambda x: x * 3, compat.tensor(2.0))
    assert t.item() == 3.0
    _outs, ts = F.jvp(f_pair, (ca, cb), (ca, cb))
    _touts, tts = torch.autograd.functional.jvp(f_pair, (ta, tb), (ta, tb))
    for p, q in zip(ts, tts, strict=False):
        assert_close(p, q)


def test_create_graph_results_are_differentiable():
    x = compat.tensor(A, requires_grad=True)
    tx = torch.tensor(A, requires_grad=True)
    h = F.hessian(scalar, x, create_graph=True)
    th = torch.autograd.functional.hessian(scalar, tx, create_graph=True)
    assert h.grad_fn is not None
    (h * h).sum().backward()
    (th * th).sum().backward()
    assert_close(x.grad, tx.grad)
    plain = F.hessian(scalar, x)
    assert plain.grad_fn is None
    assert not plain.requires_grad


def test_functional_bad_inputs():
    ca = compat.tensor(A)
    with pytest.raises(compat.RusTorchError, match="must be either a Tensor or a tuple of Tensors"):
        F.jacobian(f_one, [1.0, 2.0])
    with pytest.raises(compat.RusTorchError, match="func must be callable"):
        F.jacobian(3, ca)
    with pytest.raises(compat.InvalidArgumentError, match="strict=True is not supported"):
        F.jacobian(f_one, ca, strict=True)
    with pytest.raises(compat.InvalidArgumentError, match="strategy must be"):
        F.jacobian(f_one, ca, strategy="sideways")
    with pytest.raises(
        compat.AutogradError, match="should return a single Tensor with one element"
    ):
        F.hessian(f_one, ca)
    with pytest.raises(
        compat.AutogradError, match="should return a single Tensor with one element"
    ):
        F.hvp(f_one, ca, ca)
    with pytest.raises(compat.ShapeError, match=r"Mismatch in shape: v\[0\]"):
        F.hvp(scalar, ca, compat.tensor([1.0]))
    with pytest.raises(compat.ShapeError, match="v has 2 tensors but inputs has 1"):
        F.jvp(f_one, ca, (ca, ca))
    with pytest.raises(compat.AutogradError, match="can only be None"):
        F.vjp(f_one, ca)
    with pytest.raises(compat.AutogradError, match="can only be None"):
        F.hvp(scalar, ca)
    with pytest.raises(compat.RusTorchError, match="outputs of the user-provided function"):
        F.jacobian(lambda x: 3.0, ca)


class Cube(compat.autograd.Function):
    @staticmethod
    def forward(ctx, x, scale):
        ctx.save_for_backward(x)
        ctx.scale = scale
        return x * x * x * scale

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 3 * x * x * g * ctx.scale, None


class TorchCube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, scale):
        ctx.save_for_backward(x)
        ctx.scale = scale
        return x * x * x * scale

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 3 * x * x * g * ctx.scale, None


def test_custom_function_first_and_second_order():
    x = compat.tensor(A, requires_grad=True)
    tx = torch.tensor(A, requires_grad=True)
    y, ty = Cube.apply(x, 2.0), TorchCube.apply(tx, 2.0)
    assert_close(y, ty.detach())
    assert y.grad_fn.name() == "CubeBackward"
    assert Cube.apply(compat.tensor(A), 2.0).grad_fn is None
    (g,) = compat.autograd.grad(y.sum(), x, create_graph=True)
    (tg,) = torch.autograd.grad(ty.sum(), tx, create_graph=True)
    assert_close(g, tg.detach())
    (h,) = compat.autograd.grad(g.sum(), x)
    (th,) = torch.autograd.grad(tg.sum(), tx)
    assert_close(h, th)


class SplitTwo(compat.autograd.Function):
    @staticmethod
    def forward(x):
        return x * 2, (x > 0)

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.mark_non_differentiable(output[1])
        ctx.set_materialize_grads(True)
        ctx.mark_dirty()

    @staticmethod
    def backward(ctx, g):
        return g * 2


def test_custom_function_setup_context_and_non_differentiable():
    x = compat.tensor(A, requires_grad=True)
    a, mask = SplitTwo.apply(x)
    assert mask.grad_fn is None
    assert not mask.requires_grad
    a.sum().backward()
    assert_close(x.grad, np.full(3, 2.0, np.float32))


def test_custom_function_errors_and_freed_context():
    class NoForward(compat.autograd.Function):
        pass

    with pytest.raises(compat.AutogradError, match="must implement forward"):
        NoForward.apply(compat.tensor(A, requires_grad=True))
    with pytest.raises(compat.AutogradError, match="must implement backward"):
        compat.autograd.Function.backward(None)

    class ReturnsNumber(compat.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return 3.0

    with pytest.raises(compat.RusTorchError, match="must return a Tensor or a tuple of Tensors"):
        ReturnsNumber.apply(compat.tensor(A, requires_grad=True))

    class SavesNumber(compat.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(3)
            return x

    with pytest.raises(compat.RusTorchError, match="can only save tensors or None"):
        SavesNumber.apply(compat.tensor(A, requires_grad=True))

    class BadBackward(compat.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            ctx.save_for_backward(x, None)
            return x * y

        @staticmethod
        def backward(ctx, g):
            return g

    x = compat.tensor(A, requires_grad=True)
    with pytest.raises(compat.AutogradError, match="incorrect number of gradients"):
        BadBackward.apply(x, x).sum().backward()

    class WrongShape(compat.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return g.sum()

    with pytest.raises(compat.ShapeError, match="invalid gradient at index 0"):
        WrongShape.apply(x).sum().backward()

    class NotATensor(compat.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return 1.0

    with pytest.raises(compat.RusTorchError, match="backward must return Tensors or None"):
        NotATensor.apply(x).sum().backward()

    y = Cube.apply(x, 1.0)
    y.sum().backward()
    with pytest.raises(compat.AutogradError, match="backward through the graph a second time"):
        y.grad_fn.ctx.saved_tensors


def test_custom_function_none_gradient_and_version_check():
    class Mul(compat.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            ctx.save_for_backward(x, y)
            return x * y

        @staticmethod
        def backward(ctx, g):
            _x, y = ctx.saved_tensors
            return g * y, None

    x = compat.tensor(A, requires_grad=True)
    y = compat.tensor(B, requires_grad=True)
    Mul.apply(x, y).sum().backward()
    assert_close(x.grad, B)
    assert_close(y.grad, np.zeros(3, np.float32))
    z = compat.tensor(B)
    out = Mul.apply(x, z)
    z.add_(1.0)
    with pytest.raises(compat.AutogradError, match="modified by an inplace operation"):
        out.sum().backward()


def test_gradcheck_and_gradgradcheck_agree_with_torch():
    a64 = A.astype(np.float64)
    x = compat.tensor(a64, requires_grad=True)
    tx = torch.tensor(a64, requires_grad=True)
    fns = [lambda t: (t * t * t).sum(), lambda t: (t * 2.0, t * t)]
    for fn in fns:
        assert compat.autograd.gradcheck(fn, (x,)) is torch.autograd.gradcheck(fn, (tx,))
        assert compat.autograd.gradgradcheck(fn, (x,)) is torch.autograd.gradgradcheck(fn, (tx,))
    const = compat.tensor(B.astype(np.float64))
    assert compat.autograd.gradcheck(lambda t, c: t * c, (x, const))
    assert compat.autograd.gradcheck(fns[0], x, check_backward_ad=False)
    assert compat.autograd.gradgradcheck(fns[0], x, check_rev_over_rev=False)
    go = compat.tensor(np.ones(3))
    assert compat.autograd.gradgradcheck(lambda t: t * t * t, x, go)


def test_gradcheck_catches_a_wrong_custom_backward():
    class Wrong(compat.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            ctx.save_for_backward(t)
            return t * t

        @staticmethod
        def backward(ctx, g):
            (t,) = ctx.saved_tensors
            return 3 * t * g

    x = compat.tensor(A.astype(np.float64), requires_grad=True)
    assert compat.autograd.gradcheck(Wrong.apply, (x,), raise_exception=False) is False
    with pytest.raises(
        compat.autograd.GradcheckError, match=r"mismatch for output 0 with respect to input 0"
    ):
        compat.autograd.gradcheck(Wrong.apply, (x,))
    assert isinstance(compat.autograd.GradcheckError("x"), RuntimeError)
    with pytest.raises(
        compat.AutogradError, match="at least one input tensor should require gradient"
    ):
        compat.autograd.gradcheck(Wrong.apply, (compat.tensor(A),))
    with pytest.raises(compat.RusTorchError, match="must return a Tensor or a tuple of Tensors"):
        compat.autograd.gradcheck(lambda t: 3.0, (x,))
