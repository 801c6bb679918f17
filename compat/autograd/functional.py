"""``compat.autograd.functional``: jacobian, hessian, vjp, jvp, hvp, vhp with torch's signatures.

Each one lifts ``func`` (tensors in, tensors out) to a pure function of arrays and applies the
matching :mod:`rustorch_fx` transform to it, so a Jacobian is one compiled program rather than
one backward per output element. With ``create_graph=True`` the whole transform is applied as
a single recorded op, so its result can be differentiated again.

Tensors that ``func`` reads from its closure (a model's parameters, say) are constants of the
lifted function: gradients flow to ``inputs`` only, also with ``create_graph=True``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import jax

import rustorch_fx as rt
from compat import _engine, _grad_mode
from compat._tensor import Tensor
from rustorch_fx.errors import ArgumentTypeError, AutogradError, InvalidArgumentError, ShapeError

__all__ = ["jacobian", "hessian", "vjp", "jvp", "hvp", "vhp"]


def _as_tuple(op: str, name: str, value: Any) -> tuple[tuple[Tensor, ...], bool]:
    """``value`` as a tuple of tensors, and whether it was a tuple to begin with."""
    if isinstance(value, Tensor):
        return (value,), False
    if isinstance(value, tuple | list) and all(isinstance(v, Tensor) for v in value):
        return tuple(value), True
    raise ArgumentTypeError(
        f"{op}: the {name} given to {op} must be either a Tensor or a tuple of Tensors but "
        f"got {type(value).__name__}"
    )


def _lift(op: str, func: Callable[..., Any]) -> tuple[Callable[..., Any], list[bool]]:
    """``func`` as a pure function of arrays returning a tuple of arrays."""
    if not callable(func):
        raise ArgumentTypeError(f"{op}: func must be callable, got {type(func).__name__}")
    was_tuple = [False]

    def pure(*arrays: Any) -> tuple[Any, ...]:
        with _grad_mode.no_grad():
            out = func(*(Tensor._wrap(a) for a in arrays))
        outs, was_tuple[0] = _as_tuple(op, "outputs of the user-provided function", out)
        return tuple(o._value for o in outs)

    return pure, was_tuple


def _run(transform: Callable[..., Any], inputs: tuple[Tensor, ...], create_graph: bool) -> Any:
    if create_graph:
        return _engine.apply(transform, *inputs)
    with _grad_mode.no_grad():
        return _engine.apply(transform, *inputs)


def _check_v(op: str, v: tuple[Tensor, ...], like: tuple[Any, ...], what: str) -> None:
    if len(v) != len(like):
        raise ShapeError(f"{op}: v has {len(v)} tensors but {what} has {len(like)}")
    for i, (a, b) in enumerate(zip(v, like, strict=True)):
        if tuple(a.shape) != tuple(b.shape):
            raise ShapeError(
                f"{op}: Mismatch in shape: v[{i}] has shape {list(a.shape)} and {what}[{i}] has "
                f"shape {list(b.shape)}"
            )


def _flags(op: str, strict: bool, strategy: str | None = None) -> None:
    if strict:
        raise InvalidArgumentError(
            f"{op}: strict=True is not supported (independence of inputs is not checked)"
        )
    if strategy not in (None, "reverse-mode", "forward-mode"):
        raise InvalidArgumentError(
            f"{op}: strategy must be 'reverse-mode' or 'forward-mode', got {strategy!r}"
        )


def jacobian(
    func: Callable[..., Any],
    inputs: Any,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    strategy: str = "reverse-mode",
) -> Any:
    """The Jacobian of ``func`` at ``inputs``.

    Args:
        func: Tensors in, a tensor or a tuple of tensors out.
        inputs: A tensor or a tuple of tensors.
        create_graph: Make the result differentiable with respect to ``inputs``.
        strict: Not supported (must be False).
        vectorize: Accepted; the Jacobian is always computed as one vectorized program.
        strategy: ``"reverse-mode"`` or ``"forward-mode"``.

    Returns:
        For one input and one output, a tensor of shape ``output.shape + input.shape``; with
        tuples, a tuple (per input) or a tuple of tuples (per output, then per input).

    Raises:
        ArgumentTypeError: If ``func`` is not callable or ``inputs`` are not tensors.
        InvalidArgumentError: For ``strict=True`` or an unknown strategy.

    Example:
        >>> import compat
        >>> from compat.autograd.functional import jacobian
        >>> jacobian(lambda x: x**2, compat.tensor([1.0, 2.0])).tolist()
        [[2.0, 0.0], [0.0, 4.0]]
    """
    _flags("jacobian", strict, strategy)
    ins, in_tuple = _as_tuple("jacobian", "inputs", inputs)
    pure, out_tuple = _lift("jacobian", func)
    mode = "fwd" if strategy == "forward-mode" else "rev"
    argnums = tuple(range(len(ins)))

    def transform(*arrays: Any) -> Any:
        return rt.jacobian(pure, argnums=argnums, mode=mode)(*arrays)

    result = _run(transform, ins, create_graph)
    per_out = [tuple(row) if in_tuple else row[0] for row in result]
    return tuple(per_out) if out_tuple[0] else per_out[0]


def hessian(
    func: Callable[..., Any],
    inputs: Any,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    outer_jacobian_strategy: str = "reverse-mode",
) -> Any:
    """The Hessian of a scalar ``func`` at ``inputs``.

    Args:
        func: Tensors in, a one-element tensor out.
        inputs: A tensor or a tuple of tensors.
        create_graph: Make the result differentiable with respect to ``inputs``.
        strict: Not supported (must be False).
        vectorize: Accepted; always vectorized.
        outer_jacobian_strategy: ``"reverse-mode"`` or ``"forward-mode"`` (the result is the
            same; rustorch_fx computes forward-over-reverse).

    Returns:
        For one input, a tensor of shape ``input.shape + input.shape``; for a tuple of inputs,
        a tuple of tuples (``H[i][j]`` of shape ``inputs[i].shape + inputs[j].shape``).

    Raises:
        AutogradError: If ``func`` does not return a single one-element tensor.

    Example:
        >>> import compat
        >>> from compat.autograd.functional import hessian
        >>> hessian(lambda x: (x**3).sum(), compat.tensor([1.0, 2.0])).tolist()
        [[6.0, 0.0], [0.0, 12.0]]
    """
    _flags("hessian", strict, outer_jacobian_strategy)
    ins, in_tuple = _as_tuple("hessian", "inputs", inputs)
    pure, out_tuple = _lift("hessian", func)

    def scalar(*arrays: Any) -> Any:
        outs = pure(*arrays)
        if out_tuple[0] or outs[0].size != 1:
            raise AutogradError(
                "hessian: The function given to hessian should return a single Tensor with "
                f"one element, got {len(outs)} output(s) of shape(s) "
                f"{[tuple(o.shape) for o in outs]}"
            )
        return outs[0].reshape(())

    argnums = tuple(range(len(ins)))

    def transform(*arrays: Any) -> Any:
        return rt.hessian(scalar, argnums=argnums)(*arrays)

    result = _run(transform, ins, create_graph)
    if in_tuple:
        return tuple(tuple(row) for row in result)
    return result[0][0]


def _products(
    op: str,
    func: Callable[..., Any],
    inputs: Any,
    v: Any,
    create_graph: bool,
    strict: bool,
    kind: str,
) -> tuple[Any, Any]:
    _flags(op, strict)
    ins, in_tuple = _as_tuple(op, "inputs", inputs)
    pure, out_tuple = _lift(op, func)
    n = len(ins)
    with _grad_mode.no_grad():
        out_shapes = jax.eval_shape(pure, *(t._value for t in ins))
    if v is None:
        sized = ins if kind in ("jvp", "hvp", "vhp") else out_shapes
        if any(math.prod(x.shape) != 1 for x in sized):
            raise AutogradError(
                f"{op}: The vector v can only be None if the "
                f"{'input' if kind != 'vjp' else 'user-provided function returns a single'} "
                "Tensor with a single element."
            )
        vs = tuple(
            Tensor._wrap(jax.numpy.ones(x.shape, getattr(x, "_value", x).dtype)) for x in sized
        )
    else:
        vs, _ = _as_tuple(op, "v", v)
    _check_v(
        op,
        vs,
        out_shapes if kind == "vjp" else tuple(t._value for t in ins),
        "outputs" if kind == "vjp" else "inputs",
    )
    if kind in ("hvp", "vhp"):

        def scalar(*arrays: Any) -> Any:
            outs = pure(*arrays)
            if out_tuple[0] or outs[0].size != 1:
                raise AutogradError(
                    f"{op}: The function given to {op} should return a single Tensor with one "
                    f"element, got output(s) of shape(s) {[tuple(o.shape) for o in outs]}"
                )
            return outs[0].reshape(())

    def transform(*arrays: Any) -> Any:
        primals, vecs = arrays[:n], arrays[n:]
        if kind == "vjp":
            out, pull = rt.vjp(pure, *primals)
            return out, pull(tuple(vecs))
        if kind == "jvp":
            return rt.jvp(pure, tuple(primals), tuple(vecs))
        product = rt.hvp if kind == "hvp" else rt.vhp
        return (scalar(*primals),), product(scalar, tuple(primals), tuple(vecs))

    out, prod = _run(transform, (*ins, *vs), create_graph)
    out_value = tuple(out) if out_tuple[0] else out[0]
    many = in_tuple if kind != "jvp" else out_tuple[0]
    prod_value = tuple(prod) if many else prod[0]
    return out_value, prod_value


def vjp(
    func: Callable[..., Any],
    inputs: Any,
    v: Any = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Any, Any]:
    """The vector-Jacobian product ``v^T J`` of ``func`` at ``inputs``.

    Args:
        func: Tensors in, a tensor or a tuple of tensors out.
        inputs: A tensor or a tuple of tensors.
        v: Shaped like ``func``'s output (may be None for a one-element output).
        create_graph: Make the results differentiable with respect to ``inputs``.
        strict: Not supported (must be False).

    Returns:
        ``(func_output, vjp)``, the product shaped like ``inputs``.

    Raises:
        ShapeError: If ``v`` does not match the outputs.
        AutogradError: If ``v`` is None for an output with several elements.

    Example:
        >>> import compat
        >>> from compat.autograd.functional import vjp
        >>> out, g = vjp(lambda x: x * 3, compat.tensor([1.0, 2.0]), compat.tensor([1.0, 1.0]))
        >>> g.tolist()
        [3.0, 3.0]
    """
    return _products("vjp", func, inputs, v, create_graph, strict, "vjp")


def jvp(
    func: Callable[..., Any],
    inputs: Any,
    v: Any = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Any, Any]:
    """The Jacobian-vector product ``J v`` of ``func`` at ``inputs`` (forward mode).

    Args:
        func: Tensors in, a tensor or a tuple of tensors out.
        inputs: A tensor or a tuple of tensors.
        v: Shaped like ``inputs`` (may be None for a one-element input).
        create_graph: Make the results differentiable with respect to ``inputs``.
        strict: Not supported (must be False).

    Returns:
        ``(func_output, jvp)``, the product shaped like the output.

    Raises:
        ShapeError: If ``v`` does not match the inputs.

    Example:
        >>> import compat
        >>> from compat.autograd.functional import jvp
        >>> out, t = jvp(lambda x: x**2, compat.tensor([3.0]), compat.tensor([1.0]))
        >>> t.tolist()
        [6.0]
    """
    return _products("jvp", func, inputs, v, create_graph, strict, "jvp")


def hvp(
    func: Callable[..., Any],
    inputs: Any,
    v: Any = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Any, Any]:
    """The Hessian-vector product ``H v`` of a scalar ``func`` (forward-over-reverse).

    Args:
        func: Tensors in, a one-element tensor out.
        inputs: A tensor or a tuple of tensors.
        v: Shaped like ``inputs``.
        create_graph: Make the results differentiable with respect to ``inputs``.
        strict: Not supported (must be False).

    Returns:
        ``(func_output, hvp)``, the product shaped like ``inputs``.

    Raises:
        AutogradError: If ``func`` does not return a one-element tensor.
        ShapeError: If ``v`` does not match the inputs.

    Example:
        >>> import compat
        >>> from compat.autograd.functional import hvp
        >>> _, p = hvp(lambda x: (x**3).sum(), compat.tensor([1.0, 2.0]), compat.tensor([1.0, 1.0]))
        >>> p.tolist()
        [6.0, 12.0]
    """
    return _products("hvp", func, inputs, v, create_graph, strict, "hvp")


def vhp(
    func: Callable[..., Any],
    inputs: Any,
    v: Any = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Any, Any]:
    """The vector-Hessian product ``v^T H`` of a scalar ``func`` (equal to ``hvp`` for smooth func).

    Args:
        func: Tensors in, a one-element tensor out.
        inputs: A tensor or a tuple of tensors.
        v: Shaped like ``inputs``.
        create_graph: Make the results differentiable with respect to ``inputs``.
        strict: Not supported (must be False).

    Returns:
        ``(func_output, vhp)``, the product shaped like ``inputs``.

    Raises:
        AutogradError: If ``func`` does not return a one-element tensor.
        ShapeError: If ``v`` does not match the inputs.

    Example:
        >>> import compat
        >>> from compat.autograd.functional import vhp
        >>> _, p = vhp(lambda x: (x**3).sum(), compat.tensor([1.0, 2.0]), compat.tensor([1.0, 0.0]))
        >>> p.tolist()
        [6.0, 0.0]
    """
    return _products("vhp", func, inputs, v, create_graph, strict, "vhp")
