"""Linear-algebra products with PyTorch's semantics: matmul, mm, bmm, einsum, tensordot, ...

Every product runs with ``precision=jax.lax.Precision.HIGHEST``. On CPU this changes nothing, but
on GPUs and TPUs JAX's default precision for float32 matmuls uses reduced-precision passes
(TF32/bfloat16), which would miss torch's float32 results at ``rtol=1e-5``; HIGHEST makes
float32 products accurate on every backend, at some speed cost on accelerators.

As in torch, the operands of a product must share one dtype (``matmul(float32, float64)``
raises :class:`~rustorch_fx.errors.DTypeError`); :func:`outer` and :func:`kron` promote.
Products of booleans are not supported (torch: not implemented for ``Bool``).
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from rustorch_fx import _dtypes
from rustorch_fx._boundary import boundary
from rustorch_fx._checks import as_array, normalize_dim
from rustorch_fx.errors import (
    ArgumentTypeError,
    DTypeError,
    InvalidArgumentError,
    ShapeError,
)

__all__ = [
    "matmul",
    "mm",
    "bmm",
    "mv",
    "dot",
    "vdot",
    "inner",
    "outer",
    "ger",
    "addmm",
    "addmv",
    "addbmm",
    "baddbmm",
    "einsum",
    "tensordot",
    "kron",
    "cross",
    "trace",
    "chain_matmul",
    "multi_dot",
    "SlogdetResult",
    "QRResult",
    "SVDResult",
    "det",
    "logdet",
    "slogdet",
    "inverse",
    "pinverse",
    "matrix_power",
    "matrix_exp",
    "cholesky",
    "cholesky_solve",
    "cholesky_inverse",
    "qr",
    "svd",
    "addr",
    "TriangularSolveResult",
    "triangular_solve",
    "lu",
]

ArrayLike = Any

_HIGHEST = lax.Precision.HIGHEST


# ----------------------------------------------------------------------------------------------
# private helpers
# ----------------------------------------------------------------------------------------------


def _same_dtype(op: str, *arrays: jax.Array) -> None:
    first = np.dtype(arrays[0].dtype)
    for a in arrays[1:]:
        if np.dtype(a.dtype) != first:
            raise DTypeError(
                f"{op}: expected all operands to have the same dtype, but got {first.name} and "
                f"{np.dtype(a.dtype).name}"
            )
    if first == _dtypes.BOOL:
        raise DTypeError(f"{op}: not implemented for bool arrays")


def _ndim(op: str, name: str, x: jax.Array, ndim: int) -> None:
    if x.ndim != ndim:
        raise ShapeError(f"{op}: '{name}' must be a {ndim}-D array, got shape {x.shape}")


def _mat_str(shape: Sequence[int]) -> str:
    return "x".join(str(s) for s in shape)


def _check_mat(op: str, a: Sequence[int], b: Sequence[int]) -> None:
    """``a`` (…, n, k) times ``b`` (k, m): raise torch's message when the inner sizes differ."""
    if a[-1] != b[0]:
        raise ShapeError(
            f"{op}: mat1 and mat2 shapes cannot be multiplied ({_mat_str(a)} and {_mat_str(b)})"
        )


def _mm(a: jax.Array, b: jax.Array) -> jax.Array:
    return jnp.matmul(a, b, precision=_HIGHEST)


def _check_scalars(op: str, dtype: Any, beta: Any, alpha: Any) -> None:
    for name, v in (("beta", beta), ("alpha", alpha)):
        if not isinstance(v, (bool, int, float, complex, np.number)):
            raise ArgumentTypeError(f"{op}: argument '{name}' must be a number, got {v!r}")
        if _dtypes.category(dtype) == 1 and not float(v).is_integer():
            raise DTypeError(
                f"{op}: for integral input arrays, argument '{name}' must not be a floating "
                f"point number, got {v!r}"
            )


def _add_scaled(op: str, input: jax.Array, product: jax.Array, beta: Any, alpha: Any) -> jax.Array:
    """``beta * input + alpha * product``; ``input`` is ignored (NaN included) when beta is 0."""
    try:
        fits = jnp.broadcast_shapes(input.shape, product.shape) == product.shape
    except ValueError:
        fits = False
    if not fits:
        raise ShapeError(
            f"{op}: 'input' of shape {input.shape} cannot be broadcast to the shape of the "
            f"product {product.shape}"
        )
    dtype = product.dtype
    if alpha != 1:
        product = (product * alpha).astype(dtype)
    if beta == 0:
        return product
    scaled = input if beta == 1 else (input * beta).astype(dtype)
    return (scaled + product).astype(dtype)


# ----------------------------------------------------------------------------------------------
# matrix products
# ----------------------------------------------------------------------------------------------


def matmul(input: ArrayLike, other: ArrayLike) -> jax.Array:
    """Matrix product with torch's (NumPy's) broadcasting rules.

    * 1-D · 1-D: the dot product (a 0-d array).
    * 2-D · 2-D: the matrix product.
    * 1-D first: a 1 is prepended to its shape and removed after; 1-D second: a 1 is appended
      and removed after.
    * N-D: a batched product over the last two dims; batch dims broadcast.

    Args:
        input: An array with at least 1 dimension.
        other: An array with at least 1 dimension and ``input``'s dtype.

    Returns:
        The product; e.g. ``(j, 1, n, k) @ (l, k, m)`` gives ``(j, l, n, m)``.

    Raises:
        ShapeError: If an operand is 0-d, the inner sizes differ
            (``mat1 and mat2 shapes cannot be multiplied (4x7 and 8x16)``) or the batch dims
            do not broadcast.
        DTypeError: If the dtypes differ, or are bool.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.matmul(jnp.ones((5, 2, 3)), jnp.ones((3, 4))).shape
        (5, 2, 4)
    """
    a = as_array("matmul", "input", input)
    b = as_array("matmul", "other", other)
    if a.ndim == 0 or b.ndim == 0:
        raise ShapeError(
            f"matmul: both arguments need to be at least 1D, but they are {a.ndim}D and {b.ndim}D"
        )
    _same_dtype("matmul", a, b)
    if a.ndim == 1 and b.ndim == 1:
        if a.shape != b.shape:
            raise ShapeError(
                f"matmul: 1-D arguments must have the same length, got {a.shape[0]} and "
                f"{b.shape[0]}"
            )
    else:
        a_mat = a.shape[-2:] if a.ndim >= 2 else (1, a.shape[0])
        b_mat = b.shape[-2:] if b.ndim >= 2 else (b.shape[0], 1)
        _check_mat("matmul", a_mat, b_mat)
        try:
            jnp.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError as exc:
            raise ShapeError(
                f"matmul: batch dimensions do not broadcast (shapes {a.shape} and {b.shape})"
            ) from exc
    return _mm(a, b)


def mm(input: ArrayLike, mat2: ArrayLike) -> jax.Array:
    """Matrix product of two 2-D arrays (no broadcasting).

    Args:
        input: Shape ``(n, k)``.
        mat2: Shape ``(k, m)``, same dtype.

    Returns:
        Shape ``(n, m)``.

    Raises:
        ShapeError: If an operand is not 2-D or the inner sizes differ.
        DTypeError: If the dtypes differ, or are bool.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.mm(jnp.ones((2, 3)), jnp.ones((3, 4))).shape
        (2, 4)
    """
    a = as_array("mm", "input", input)
    b = as_array("mm", "mat2", mat2)
    _ndim("mm", "input", a, 2)
    _ndim("mm", "mat2", b, 2)
    _same_dtype("mm", a, b)
    _check_mat("mm", a.shape, b.shape)
    return _mm(a, b)


def _check_bmm(op: str, a: jax.Array, b: jax.Array) -> None:
    _ndim(op, "batch1", a, 3)
    _ndim(op, "batch2", b, 3)
    _same_dtype(op, a, b)
    if a.shape[0] != b.shape[0]:
        raise ShapeError(
            f"{op}: batch sizes must be equal, got {a.shape[0]} and {b.shape[0]} "
            f"(shapes {a.shape} and {b.shape})"
        )
    _check_mat(op, a.shape[1:], b.shape[1:])


def bmm(input: ArrayLike, mat2: ArrayLike) -> jax.Array:
    """Batched matrix product of two 3-D arrays with the same batch size.

    Args:
        input: Shape ``(b, n, k)``.
        mat2: Shape ``(b, k, m)``, same dtype.

    Returns:
        Shape ``(b, n, m)``.

    Raises:
        ShapeError: If an operand is not 3-D, the batch sizes differ or the inner sizes differ.
        DTypeError: If the dtypes differ, or are bool.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.bmm(jnp.ones((5, 2, 3)), jnp.ones((5, 3, 4))).shape
        (5, 2, 4)
    """
    a = as_array("bmm", "input", input)
    b = as_array("bmm", "mat2", mat2)
    _check_bmm("bmm", a, b)
    return _mm(a, b)


def mv(input: ArrayLike, vec: ArrayLike) -> jax.Array:
    """Matrix-vector product.

    Args:
        input: Shape ``(n, m)``.
        vec: Shape ``(m,)``, same dtype.

    Returns:
        Shape ``(n,)``.

    Raises:
        ShapeError: If the ranks or the sizes do not fit.
        DTypeError: If the dtypes differ, or are bool.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.mv(jnp.ones((2, 3)), jnp.ones(3)).tolist()
        [3.0, 3.0]
    """
    a = as_array("mv", "input", input)
    v = as_array("mv", "vec", vec)
    _ndim("mv", "input", a, 2)
    _ndim("mv", "vec", v, 1)
    _same_dtype("mv", a, v)
    if a.shape[1] != v.shape[0]:
        raise ShapeError(f"mv: size mismatch, got mat ({_mat_str(a.shape)}), vec ({v.shape[0]})")
    return _mm(a, v)


def _check_vectors(op: str, a: jax.Array, b: jax.Array) -> None:
    _ndim(op, "input", a, 1)
    _ndim(op, "other", b, 1)
    _same_dtype(op, a, b)
    if a.shape != b.shape:
        raise ShapeError(
            f"{op}: inconsistent array size, expected both vectors to have the same number of "
            f"elements, but got {a.shape[0]} and {b.shape[0]}"
        )


def dot(input: ArrayLike, other: ArrayLike) -> jax.Array:
    """Dot product of two 1-D arrays of equal length (no conjugation).

    Args:
        input: Shape ``(n,)``.
        other: Shape ``(n,)``, same dtype.

    Returns:
        A 0-d array.

    Raises:
        ShapeError: If an operand is not 1-D or the lengths differ.
        DTypeError: If the dtypes differ, or are bool.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.dot(jnp.array([1.0, 2.0]), jnp.array([3.0, 4.0])).item()
        11.0
    """
    a = as_array("dot", "input", input)
    b = as_array("dot", "other", other)
    _check_vectors("dot", a, b)
    return jnp.dot(a, b, precision=_HIGHEST)


def vdot(input: ArrayLike, other: ArrayLike) -> jax.Array:
    """Dot product of two 1-D arrays, conjugating ``input`` when complex.

    Args:
        input: Shape ``(n,)``.
        other: Shape ``(n,)``, same dtype.

    Returns:
        A 0-d array.

    Raises:
        ShapeError: If an operand is not 1-D or the lengths differ.
        DTypeError: If the dtypes differ, or are bool.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> complex(ops.vdot(jnp.array([1j]), jnp.array([1j])))
        (1+0j)
    """
    a = as_array("vdot", "input", input)
    b = as_array("vdot", "other", other)
    _check_vectors("vdot", a, b)
    return jnp.vdot(a, b, precision=_HIGHEST)


def inner(input: ArrayLike, other: ArrayLike) -> jax.Array:
    """Inner product over the last dimension (a plain product when an operand is 0-d).

    Args:
        input: Shape ``(*a, k)``.
        other: Shape ``(*b, k)``, same dtype.

    Returns:
        Shape ``(*a, *b)``.

    Raises:
        ShapeError: If the last dimensions differ.
        DTypeError: If the dtypes differ, or are bool.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.inner(jnp.ones((2, 3)), jnp.ones((4, 3))).shape
        (2, 4)
    """
    a = as_array("inner", "input", input)
    b = as_array("inner", "other", other)
    _same_dtype("inner", a, b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if a.shape[-1] != b.shape[-1]:
        raise ShapeError(
            f"inner: the last dimensions must match, got shapes {a.shape} and {b.shape}"
        )
    return jnp.inner(a, b, precision=_HIGHEST)


def outer(input: ArrayLike, vec2: ArrayLike) -> jax.Array:
    """Outer product of two 1-D arrays (dtypes promoted as torch does).

    Args:
        input: Shape ``(n,)``.
        vec2: Shape ``(m,)``.

    Returns:
        Shape ``(n, m)``.

    Raises:
        ShapeError: If an operand is not 1-D.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.outer(jnp.array([1, 2]), jnp.array([1, 10])).tolist()
        [[1, 10], [2, 20]]
    """
    return _outer("outer", input, vec2)


def _outer(op: str, input: ArrayLike, vec2: ArrayLike) -> jax.Array:
    a = as_array(op, "input", input)
    b = as_array(op, "vec2", vec2)
    _ndim(op, "input", a, 1)
    _ndim(op, "vec2", b, 1)
    dtype = _dtypes.result_type(a, b)
    return a.astype(dtype)[:, None] * b.astype(dtype)[None, :]


def ger(input: ArrayLike, vec2: ArrayLike) -> jax.Array:
    """Alias of :func:`outer`.

    Args:
        input: Shape ``(n,)``.
        vec2: Shape ``(m,)``.

    Returns:
        Shape ``(n, m)``.

    Raises:
        ShapeError: If an operand is not 1-D.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.ger(jnp.ones(2), jnp.ones(3)).shape
        (2, 3)
    """
    return _outer("ger", input, vec2)


def addmm(
    input: ArrayLike, mat1: ArrayLike, mat2: ArrayLike, *, beta: float = 1, alpha: float = 1
) -> jax.Array:
    """``beta * input + alpha * (mat1 @ mat2)``.

    When ``beta`` is 0, ``input`` is ignored (NaN and Inf in it do not propagate), as in torch.

    Args:
        input: Broadcastable to ``(n, m)``.
        mat1: Shape ``(n, k)``.
        mat2: Shape ``(k, m)``.
        beta: Multiplier of ``input``.
        alpha: Multiplier of the product.

    Returns:
        Shape ``(n, m)``.

    Raises:
        ShapeError: If the shapes do not fit.
        DTypeError: If the dtypes differ, or ``alpha``/``beta`` is fractional for integer arrays.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.addmm(jnp.ones(2), jnp.ones((1, 3)), jnp.ones((3, 2)), alpha=2).tolist()
        [[7.0, 7.0]]
    """
    op = "addmm"
    c = as_array(op, "input", input)
    a = as_array(op, "mat1", mat1)
    b = as_array(op, "mat2", mat2)
    _ndim(op, "mat1", a, 2)
    _ndim(op, "mat2", b, 2)
    _same_dtype(op, c, a, b)
    _check_mat(op, a.shape, b.shape)
    _check_scalars(op, a.dtype, beta, alpha)
    return _add_scaled(op, c, _mm(a, b), beta, alpha)


def addmv(
    input: ArrayLike, mat: ArrayLike, vec: ArrayLike, *, beta: float = 1, alpha: float = 1
) -> jax.Array:
    """``beta * input + alpha * (mat @ vec)``; ``input`` is ignored when ``beta`` is 0.

    Args:
        input: Broadcastable to ``(n,)``.
        mat: Shape ``(n, m)``.
        vec: Shape ``(m,)``.
        beta: Multiplier of ``input``.
        alpha: Multiplier of the product.

    Returns:
        Shape ``(n,)``.

    Raises:
        ShapeError: If the shapes do not fit.
        DTypeError: If the dtypes differ, or ``alpha``/``beta`` is fractional for integer arrays.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.addmv(jnp.ones(2), jnp.ones((2, 3)), jnp.ones(3), beta=2).tolist()
        [5.0, 5.0]
    """
    op = "addmv"
    c = as_array(op, "input", input)
    a = as_array(op, "mat", mat)
    v = as_array(op, "vec", vec)
    _ndim(op, "mat", a, 2)
    _ndim(op, "vec", v, 1)
    _same_dtype(op, c, a, v)
    if a.shape[1] != v.shape[0]:
        raise ShapeError(f"{op}: size mismatch, got mat ({_mat_str(a.shape)}), vec ({v.shape[0]})")
    _check_scalars(op, a.dtype, beta, alpha)
    return _add_scaled(op, c, _mm(a, v), beta, alpha)


def addbmm(
    input: ArrayLike, batch1: ArrayLike, batch2: ArrayLike, *, beta: float = 1, alpha: float = 1
) -> jax.Array:
    """``beta * input + alpha * sum_i(batch1[i] @ batch2[i])`` (a reduced batched product).

    Args:
        input: Broadcastable to ``(n, m)``.
        batch1: Shape ``(b, n, k)``.
        batch2: Shape ``(b, k, m)``.
        beta: Multiplier of ``input``; 0 ignores it.
        alpha: Multiplier of the product.

    Returns:
        Shape ``(n, m)``.

    Raises:
        ShapeError: If the shapes do not fit.
        DTypeError: If the dtypes differ, or ``alpha``/``beta`` is fractional for integer arrays.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.addbmm(jnp.zeros((2, 4)), jnp.ones((5, 2, 3)), jnp.ones((5, 3, 4)))[0, 0].item()
        15.0
    """
    op = "addbmm"
    c = as_array(op, "input", input)
    a = as_array(op, "batch1", batch1)
    b = as_array(op, "batch2", batch2)
    _check_bmm(op, a, b)
    _same_dtype(op, c, a)
    _check_scalars(op, a.dtype, beta, alpha)
    product = jnp.einsum("bnk,bkm->nm", a, b, precision=_HIGHEST)
    return _add_scaled(op, c, product, beta, alpha)


def baddbmm(
    input: ArrayLike, batch1: ArrayLike, batch2: ArrayLike, *, beta: float = 1, alpha: float = 1
) -> jax.Array:
    """``beta * input + alpha * (batch1 @ batch2)`` for batches of matrices.

    Args:
        input: Broadcastable to ``(b, n, m)``.
        batch1: Shape ``(b, n, k)``.
        batch2: Shape ``(b, k, m)``.
        beta: Multiplier of ``input``; 0 ignores it.
        alpha: Multiplier of the product.

    Returns:
        Shape ``(b, n, m)``.

    Raises:
        ShapeError: If the shapes do not fit.
        DTypeError: If the dtypes differ, or ``alpha``/``beta`` is fractional for integer arrays.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.baddbmm(jnp.ones(4), jnp.ones((5, 2, 3)), jnp.ones((5, 3, 4))).shape
        (5, 2, 4)
    """
    op = "baddbmm"
    c = as_array(op, "input", input)
    a = as_array(op, "batch1", batch1)
    b = as_array(op, "batch2", batch2)
    _check_bmm(op, a, b)
    _same_dtype(op, c, a)
    _check_scalars(op, a.dtype, beta, alpha)
    return _add_scaled(op, c, _mm(a, b), beta, alpha)


# ----------------------------------------------------------------------------------------------
# einsum and friends
# ----------------------------------------------------------------------------------------------


_LETTERS = string.ascii_letters


def _sublist_equation(args: tuple[Any, ...]) -> tuple[str, list[Any]]:
    """Convert einsum's sublist form ``(op0, [0, 1], op1, [1, 2], [0, 2])`` to a string."""

    def term(sub: Any) -> str:
        if not isinstance(sub, (list, tuple)):
            raise ArgumentTypeError(f"einsum: expected a sublist of ints, got {sub!r}")
        out = ""
        for s in sub:
            if s is Ellipsis:
                out += "..."
            elif isinstance(s, (int, np.integer)) and 0 <= s < len(_LETTERS):
                out += _LETTERS[int(s)]
            else:
                raise InvalidArgumentError(
                    f"einsum: subscripts in a sublist must be ints in [0, 52) or Ellipsis, "
                    f"got {s!r}"
                )
        return out

    operands = list(args[0::2][: len(args) // 2])
    subs = [term(s) for s in args[1::2][: len(args) // 2]]
    equation = ",".join(subs)
    if len(args) % 2:
        equation += "->" + term(args[-1])
    return equation, operands


def _check_einsum(equation: str, arrays: list[jax.Array]) -> None:
    lhs = equation.split("->")[0]
    terms = lhs.split(",")
    if len(terms) != len(arrays):
        raise InvalidArgumentError(
            f"einsum: the equation {equation!r} has {len(terms)} operand(s) but "
            f"{len(arrays)} were given"
        )
    sizes: dict[str, tuple[int, int]] = {}
    for i, (t, a) in enumerate(zip(terms, arrays, strict=True)):
        ellipsis = "..." in t
        letters = t.replace("...", "")
        if (not ellipsis and len(letters) != a.ndim) or len(letters) > a.ndim:
            raise ShapeError(
                f"einsum: the number of subscripts in the equation ({len(letters)}) does not "
                f"match the number of dimensions ({a.ndim}) for operand {i}"
                + ("" if ellipsis else " and no ellipsis was given")
            )
        head, _, tail = t.partition("...")
        dims = list(range(len(head))) + list(range(a.ndim - len(tail), a.ndim))
        for c, d in zip(head + tail, dims, strict=True):
            size = a.shape[d]
            if c in sizes and size != 1 and sizes[c][0] not in (1, size):
                raise ShapeError(
                    f"einsum: subscript {c} has size {size} for operand {i} which does not "
                    f"broadcast with previously seen size {sizes[c][0]} (operand {sizes[c][1]})"
                )
            if c not in sizes or sizes[c][0] == 1:
                sizes[c] = (size, i)


@boundary("einsum")
def einsum(*args: Any) -> jax.Array:
    """Einstein summation, in torch's string form or its sublist form.

    ``einsum("ij,jk->ik", a, b)``; the operands may also be passed as one list
    (``einsum("ij,jk", [a, b])``). Sublist form: ``einsum(a, [0, 1], b, [1, 2], [0, 2])``,
    subscripts are ints in ``[0, 52)`` and ``...`` is ``Ellipsis``. Size-1 dimensions broadcast.

    Args:
        *args: The equation followed by the operands, or the sublist form.

    Returns:
        The contracted array.

    Raises:
        InvalidArgumentError: If the equation names a different number of operands, or is
            malformed.
        ShapeError: If a term does not match its operand's rank, or sizes disagree.
        DTypeError: If the operands' dtypes differ.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.einsum("bij,bjk->bik", jnp.ones((5, 2, 3)), jnp.ones((5, 3, 4))).shape
        (5, 2, 4)
        >>> ops.einsum(jnp.ones((2, 3)), [0, 1], [1]).tolist()
        [2.0, 2.0, 2.0]
    """
    if not args:
        raise InvalidArgumentError("einsum: expected an equation and operands, got nothing")
    if isinstance(args[0], str):
        equation = args[0].replace(" ", "")
        operands = list(args[1:])
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = list(operands[0])
    elif isinstance(args[0], (jax.Array, np.ndarray, np.generic, list, tuple, int, float, complex)):
        equation, operands = _sublist_equation(args)
    else:
        raise ArgumentTypeError(
            "einsum: the first argument must be an equation string, or an array in the sublist "
            f"form, got {type(args[0]).__name__}"
        )
    arrays = [as_array("einsum", f"operands[{i}]", x) for i, x in enumerate(operands)]
    if not arrays:
        raise InvalidArgumentError("einsum: must provide at least one operand")
    _same_dtype("einsum", *arrays)
    _check_einsum(equation, arrays)
    return jnp.einsum(equation, *arrays, precision=_HIGHEST)


def _dims_pair(dims: Any) -> tuple[list[int], list[int]] | int:
    if isinstance(dims, (int, np.integer)) and not isinstance(dims, bool):
        return int(dims)
    if isinstance(dims, (list, tuple)) and len(dims) == 2:
        pair = []
        for d in dims:
            d = [d] if isinstance(d, (int, np.integer)) else d
            if not isinstance(d, (list, tuple)) or not all(
                isinstance(v, (int, np.integer)) for v in d
            ):
                break
            pair.append([int(v) for v in d])
        else:
            return pair[0], pair[1]
    raise ArgumentTypeError(
        f"tensordot: 'dims' must be an int or a pair of int sequences, got {dims!r}"
    )


def tensordot(a: ArrayLike, b: ArrayLike, dims: int | Sequence[Any] = 2) -> jax.Array:
    """Contract ``a`` and ``b`` over several dimensions.

    Args:
        a: The left array.
        b: The right array, same dtype.
        dims: An int ``d`` (the last ``d`` dims of ``a`` with the first ``d`` of ``b``) or a pair
            ``(dims_a, dims_b)`` of equal-length dim lists (ints allowed for single dims).

    Returns:
        The remaining dims of ``a`` followed by the remaining dims of ``b``.

    Raises:
        InvalidArgumentError: If ``dims`` is negative, too large, or lists of different lengths.
        ShapeError: If contracted sizes differ.
        IndexOutOfRangeError: If a dim is out of range.
        DTypeError: If the dtypes differ.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.tensordot(jnp.ones((2, 3, 4)), jnp.ones((3, 4, 5))).shape
        (2, 5)
        >>> ops.tensordot(jnp.ones((2, 3)), jnp.ones((3, 2)), dims=([0], [1])).shape
        (3, 3)
    """
    x = as_array("tensordot", "a", a)
    y = as_array("tensordot", "b", b)
    _same_dtype("tensordot", x, y)
    pair = _dims_pair(dims)
    if isinstance(pair, int):
        if pair < 0 or pair > min(x.ndim, y.ndim):
            raise InvalidArgumentError(
                f"tensordot: dims must be in [0, {min(x.ndim, y.ndim)}] for arrays of "
                f"{x.ndim} and {y.ndim} dimensions, got {pair}"
            )
        da = list(range(x.ndim - pair, x.ndim))
        db = list(range(pair))
    else:
        if len(pair[0]) != len(pair[1]):
            raise InvalidArgumentError(
                f"tensordot: both dimension lists should have the same length, got {pair[0]} "
                f"and {pair[1]}"
            )
        da = [normalize_dim("tensordot", d, x.ndim, "dims") for d in pair[0]]
        db = [normalize_dim("tensordot", d, y.ndim, "dims") for d in pair[1]]
        for name, ds in (("a", da), ("b", db)):
            if len(set(ds)) != len(ds):
                raise InvalidArgumentError(f"tensordot: repeated dim in the dims of '{name}'")
    for i, j in zip(da, db, strict=True):
        if x.shape[i] != y.shape[j]:
            raise ShapeError(
                f"tensordot: contracted dimensions need to match, but first has size "
                f"{x.shape[i]} in dim {i} and second has size {y.shape[j]} in dim {j}"
            )
    return jnp.tensordot(x, y, (da, db), precision=_HIGHEST)


def kron(input: ArrayLike, other: ArrayLike) -> jax.Array:
    """Kronecker product; the operand with fewer dims gets leading ones (dtypes promoted).

    Args:
        input: An array of shape ``(a0, a1, ...)``.
        other: An array of shape ``(b0, b1, ...)``.

    Returns:
        Shape ``(a0 * b0, a1 * b1, ...)``.

    Raises:
        ArgumentTypeError: If an operand is not an array.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.kron(jnp.array([1, 2]), jnp.array([1, 10])).tolist()
        [1, 10, 2, 20]
    """
    a = as_array("kron", "input", input)
    b = as_array("kron", "other", other)
    dtype = _dtypes.result_type(a, b)
    return jnp.kron(a.astype(dtype), b.astype(dtype))


def cross(input: ArrayLike, other: ArrayLike, dim: int | None = None) -> jax.Array:
    """Cross product of 3-vectors along ``dim`` (the inputs broadcast).

    Args:
        input: An array with a dimension of size 3.
        other: An array of the same dtype, broadcastable with ``input``.
        dim: The dimension holding the vectors. ``None`` (torch's ``torch.cross`` default,
            deprecated there) picks the first dimension of size 3.

    Returns:
        The broadcast shape.

    Raises:
        ShapeError: If the shapes do not broadcast, or ``dim`` does not have size 3.
        IndexOutOfRangeError: If ``dim`` is out of range.
        DTypeError: If the dtypes differ.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.cross(jnp.array([1, 0, 0]), jnp.array([0, 1, 0])).tolist()
        [0, 0, 1]
    """
    a = as_array("cross", "input", input)
    b = as_array("cross", "other", other)
    _same_dtype("cross", a, b)
    try:
        shape = jnp.broadcast_shapes(a.shape, b.shape)
    except ValueError as exc:
        raise ShapeError(
            f"cross: the shapes {a.shape} and {b.shape} cannot be broadcast together"
        ) from exc
    if dim is None:
        threes = [i for i, s in enumerate(shape) if s == 3]
        if not threes:
            raise ShapeError(f"cross: no dimension of size 3 in input (shape {shape})")
        d = threes[0]
    else:
        d = normalize_dim("cross", dim, len(shape))
        if not shape or shape[d] != 3:
            raise ShapeError(
                f"cross: the size of dimension {dim} must be 3, got shape {tuple(shape)}"
            )
    a, b = jnp.broadcast_to(a, shape), jnp.broadcast_to(b, shape)
    return jnp.cross(a, b, axisa=d, axisb=d, axisc=d)


def trace(input: ArrayLike) -> jax.Array:
    """Sum of the main diagonal of a 2-D array.

    Integer inputs sum in ``int32`` (``int64`` input stays ``int64``); torch sums every integer
    dtype in ``int64`` (see :mod:`rustorch_fx._dtypes` for why ours is int32).

    Args:
        input: A 2-D array.

    Returns:
        A 0-d array.

    Raises:
        ShapeError: If ``input`` is not 2-D.
        DTypeError: If ``input`` is bool.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.trace(jnp.array([[1, 2], [3, 4]])).item()
        5
    """
    x = as_array("trace", "input", input)
    _ndim("trace", "input", x, 2)
    _same_dtype("trace", x)
    dtype = x.dtype
    if _dtypes.category(dtype) == 1 and np.dtype(dtype) != np.int64:
        dtype = _dtypes.DEFAULT_INT
    return jnp.trace(x, dtype=dtype)


def _multi_dot(op: str, arrays: list[jax.Array]) -> jax.Array:
    _same_dtype(op, *arrays)
    for i in range(len(arrays) - 1):
        a, b = arrays[i], arrays[i + 1]
        a_mat = a.shape if a.ndim == 2 else (1, a.shape[0])
        b_mat = b.shape if b.ndim == 2 else (b.shape[0], 1)
        if a_mat[1] != b_mat[0]:
            raise ShapeError(
                f"{op}: arrays {i} and {i + 1} cannot be multiplied "
                f"({_mat_str(a_mat)} and {_mat_str(b_mat)})"
            )
    if len(arrays) == 1:
        return arrays[0]
    return jnp.linalg.multi_dot(arrays, precision=_HIGHEST)


def chain_matmul(*matrices: ArrayLike) -> jax.Array:
    """Product of a chain of 2-D arrays, in the cheapest association order.

    Args:
        *matrices: One or more 2-D arrays of one dtype whose inner sizes fit.

    Returns:
        The product, shape ``(matrices[0].shape[0], matrices[-1].shape[1])``.

    Raises:
        InvalidArgumentError: If no array is given.
        ShapeError: If an array is not 2-D or neighbours do not fit.
        DTypeError: If the dtypes differ.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.chain_matmul(jnp.ones((2, 3)), jnp.ones((3, 4)), jnp.ones((4, 5))).shape
        (2, 5)
    """
    if not matrices:
        raise InvalidArgumentError("chain_matmul: expected one or more arrays, got none")
    arrays = [as_array("chain_matmul", f"matrices[{i}]", m) for i, m in enumerate(matrices)]
    for i, a in enumerate(arrays):
        _ndim("chain_matmul", f"matrices[{i}]", a, 2)
    return _multi_dot("chain_matmul", arrays)


def multi_dot(tensors: Sequence[ArrayLike]) -> jax.Array:
    """Product of a chain of arrays in the cheapest order (``torch.linalg.multi_dot``).

    The first array may be 1-D (a row vector) and the last 1-D (a column vector); the others
    are 2-D. The dimensions a 1-D end adds are removed from the result.

    Args:
        tensors: A sequence of at least 2 arrays of one dtype.

    Returns:
        The product (2-D, 1-D, or 0-d when both ends are 1-D).

    Raises:
        InvalidArgumentError: If fewer than 2 arrays are given.
        ShapeError: If an array has the wrong rank or neighbours do not fit.
        DTypeError: If the dtypes differ.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.multi_dot([jnp.ones(3), jnp.ones((3, 4)), jnp.ones((4, 5))]).shape
        (5,)
    """
    if not isinstance(tensors, (list, tuple)) or len(tensors) < 2:
        raise InvalidArgumentError(
            f"multi_dot: expected a sequence of at least 2 arrays, got {tensors!r}"
        )
    arrays = [as_array("multi_dot", f"tensors[{i}]", m) for i, m in enumerate(tensors)]
    last = len(arrays) - 1
    for i, a in enumerate(arrays):
        allowed = (1, 2) if i in (0, last) else (2,)
        if a.ndim not in allowed:
            raise ShapeError(
                f"multi_dot: tensor {i} must be {' or '.join(f'{n}D' for n in allowed)}, "
                f"got shape {a.shape}"
            )
    return _multi_dot("multi_dot", arrays)


# ----------------------------------------------------------------------------------------------
# decompositions, determinants, inverses (the Tensor-method names; batched over leading dims)


class SlogdetResult(NamedTuple):
    """``(sign, logabsdet)`` of :func:`slogdet`, as ``torch.return_types.slogdet``."""

    sign: jax.Array
    logabsdet: jax.Array


class QRResult(NamedTuple):
    """``(Q, R)`` of :func:`qr`, as ``torch.return_types.qr``."""

    Q: jax.Array
    R: jax.Array


class SVDResult(NamedTuple):
    """``(U, S, V)`` of :func:`svd`, as ``torch.return_types.svd`` (``V``, not ``Vh``)."""

    U: jax.Array
    S: jax.Array
    V: jax.Array


def _matrices(op: str, A: ArrayLike, square: bool = True, name: str = "A") -> jax.Array:
    a = as_array(op, name, A)
    if a.ndim < 2:
        raise ShapeError(
            f"{op}: {name} must have at least 2 dimensions (batches of matrices), got shape "
            f"{a.shape}"
        )
    if square and a.shape[-1] != a.shape[-2]:
        raise ShapeError(
            f"{op}: {name} must be batches of square matrices, but they are "
            f"{a.shape[-2]} by {a.shape[-1]} matrices"
        )
    if _dtypes.category(a.dtype) < 2:
        raise DTypeError(
            f"{op}: expected a floating or complex {name}, got {np.dtype(a.dtype).name}"
        )
    return a


@boundary("det")
def det(A: ArrayLike) -> jax.Array:
    """The determinant of each square matrix (``torch.det``).

    Args:
        A: A floating or complex array ``(*, n, n)``.

    Returns:
        The determinants, shape ``(*)``.

    Raises:
        ShapeError: If ``A`` is not batches of square matrices.
        DTypeError: If ``A`` is not floating or complex.
        ArgumentTypeError: If ``A`` is not an array.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> float(ops.det(jnp.array([[2.0, 1.0], [1.0, 3.0]])))
        5.0
    """
    return jnp.linalg.det(_matrices("det", A))


@boundary("slogdet")
def slogdet(A: ArrayLike) -> SlogdetResult:
    """Sign and log of the absolute value of each determinant (``torch.slogdet``).

    Args:
        A: A floating or complex array ``(*, n, n)``.

    Returns:
        ``SlogdetResult(sign, logabsdet)``; a singular matrix gives sign 0 and ``-inf``.

    Raises:
        ShapeError: If ``A`` is not batches of square matrices.
        DTypeError: If ``A`` is not floating or complex.
        ArgumentTypeError: If ``A`` is not an array.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> [float(v) for v in ops.slogdet(jnp.array([[-2.0, 0.0], [0.0, 1.0]]))]
        [-1.0, 0.6931471824645996]
    """
    sign, logabs = jnp.linalg.slogdet(_matrices("slogdet", A))
    return SlogdetResult(sign, logabs)


@boundary("logdet")
def logdet(A: ArrayLike) -> jax.Array:
    """The log of each determinant: nan for a negative determinant, ``-inf`` for zero.

    Args:
        A: A floating or complex array ``(*, n, n)``.

    Returns:
        The log-determinants, shape ``(*)`` (complex for complex input).

    Raises:
        ShapeError: If ``A`` is not batches of square matrices.
        DTypeError: If ``A`` is not floating or complex.
        ArgumentTypeError: If ``A`` is not an array.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> float(ops.logdet(jnp.eye(2) * 2.0))
        1.3862943649291992
    """
    a = _matrices("logdet", A)
    sign, logabs = jnp.linalg.slogdet(a)
    if jnp.iscomplexobj(a):
        return logabs.astype(a.dtype) + jnp.log(sign)
    return jnp.where(sign < 0, jnp.nan, logabs)


@boundary("inverse")
def inverse(A: ArrayLike) -> jax.Array:
    """The inverse of each square matrix (``torch.inverse``).

    A singular matrix cannot raise under ``jax.jit``; its result is inf/nan (torch raises).

    Args:
        A: A floating or complex array ``(*, n, n)``.

    Returns:
        The inverses, shaped like ``A``.

    Raises:
        ShapeError: If ``A`` is not batches of square matrices.
        DTypeError: If ``A`` is not floating or complex.
        ArgumentTypeError: If ``A`` is not an array.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.inverse(jnp.array([[2.0, 0.0], [0.0, 4.0]])).tolist()
        [[0.5, 0.0], [0.0, 0.25]]
    """
    return jnp.linalg.inv(_matrices("inverse", A))


@boundary("pinverse")
def pinverse(input: ArrayLike, rcond: float = 1e-15) -> jax.Array:
    """The Moore-Penrose pseudo-inverse of each matrix (``torch.pinverse``).

    Singular values below ``rcond`` times the largest are treated as zero.

    Args:
        input: A floating or complex array ``(*, m, n)``.
        rcond: The relative cutoff.

    Returns:
        The pseudo-inverses, ``(*, n, m)``.

    Raises:
        ShapeError: If ``input`` has fewer than 2 dimensions.
        DTypeError: If ``input`` is not floating or complex.
        ArgumentTypeError: If ``input`` is not an array.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.pinverse(jnp.array([[2.0, 0.0]])).tolist()
        [[0.5], [0.0]]
    """
    a = _matrices("pinverse", input, square=False, name="input")
    return jnp.linalg.pinv(a, rtol=rcond)


@boundary("matrix_power")
def matrix_power(input: ArrayLike, n: int) -> jax.Array:
    """The ``n``-th power of each square matrix (``n < 0``: a power of the inverse).

    ``n = 0`` gives the identity. Integer matrices are allowed for ``n >= 0`` (as torch).

    Args:
        input: An array ``(*, m, m)``.
        n: The exponent, an int.

    Returns:
        An array shaped like ``input``.

    Raises:
        ShapeError: If ``input`` is not batches of square matrices.
        DTypeError: If ``n < 0`` and ``input`` is not floating or complex.
        ArgumentTypeError: If ``input`` is not an array or ``n`` not an int.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.matrix_power(jnp.array([[1, 1], [0, 1]]), 3).tolist()
        [[1, 3], [0, 1]]
    """
    a = as_array("matrix_power", "input", input)
    if not isinstance(n, int | np.integer) or isinstance(n, bool):
        raise ArgumentTypeError(f"matrix_power: n must be an int, got {type(n).__name__}")
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ShapeError(
            f"matrix_power: input must be batches of square matrices, got shape {a.shape}"
        )
    if n < 0:
        a = jnp.linalg.inv(_matrices("matrix_power", a, name="input"))
    return jnp.linalg.matrix_power(a, abs(int(n)))


@boundary("matrix_exp")
def matrix_exp(A: ArrayLike) -> jax.Array:
    """The matrix exponential of each square matrix (``torch.matrix_exp``).

    Args:
        A: A floating or complex array ``(*, n, n)``.

    Returns:
        An array shaped like ``A``.

    Raises:
        ShapeError: If ``A`` is not batches of square matrices.
        DTypeError: If ``A`` is not floating or complex.
        ArgumentTypeError: If ``A`` is not an array.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.matrix_exp(jnp.zeros((2, 2))).tolist()
        [[1.0, 0.0], [0.0, 1.0]]
    """
    a = _matrices("matrix_exp", A)
    return (
        jax.scipy.linalg.expm(a)
        if a.ndim == 2
        else jax.vmap(_expm_batched)(a.reshape(-1, *a.shape[-2:])).reshape(a.shape)
    )


def _expm_batched(a: jax.Array) -> jax.Array:
    return jax.scipy.linalg.expm(a)


def _upper_flag(op: str, upper: Any) -> bool:
    if not isinstance(upper, bool | np.bool_):
        raise ArgumentTypeError(f"{op}: upper must be a bool, got {type(upper).__name__}")
    return bool(upper)


@boundary("cholesky")
def cholesky(input: ArrayLike, upper: bool = False) -> jax.Array:
    """The Cholesky factor of each symmetric (Hermitian) positive-definite matrix.

    ``input = L @ L^H`` (or ``U^H @ U`` with ``upper``). A matrix that is not positive
    definite gives nan (torch raises; under ``jax.jit`` nothing can be raised).

    Args:
        input: A floating or complex array ``(*, n, n)``.
        upper: Return the upper factor ``U = L^H``.

    Returns:
        The triangular factors, shaped like ``input``.

    Raises:
        ShapeError: If ``input`` is not batches of square matrices.
        DTypeError: If ``input`` is not floating or complex.
        ArgumentTypeError: If an argument has the wrong type.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.cholesky(jnp.array([[4.0, 2.0], [2.0, 5.0]])).tolist()
        [[2.0, 0.0], [1.0, 2.0]]
    """
    a = _matrices("cholesky", input, name="input")
    lower = jnp.linalg.cholesky(a)
    return jnp.conj(jnp.swapaxes(lower, -1, -2)) if _upper_flag("cholesky", upper) else lower


@boundary("cholesky_solve")
def cholesky_solve(B: ArrayLike, L: ArrayLike, upper: bool = False) -> jax.Array:
    """Solve ``A X = B`` given the Cholesky factor ``L`` of ``A`` (``torch.cholesky_solve``).

    Args:
        B: The right-hand sides ``(*, n, k)``.
        L: The lower (or, with ``upper``, upper) Cholesky factor ``(*, n, n)``.
        upper: ``L`` is the upper factor.

    Returns:
        ``X``, of the broadcast batch shape ``(*, n, k)``.

    Raises:
        ShapeError: If the shapes do not fit.
        DTypeError: If an operand is not floating or complex.
        ArgumentTypeError: If an argument has the wrong type.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.cholesky_solve(jnp.array([[4.0], [2.0]]), jnp.array([[2.0, 0.0], [0.0, 1.0]])).tolist()
        [[1.0], [2.0]]
    """
    b = _matrices("cholesky_solve", B, square=False, name="B")
    factor = _matrices("cholesky_solve", L, name="L")
    if b.shape[-2] != factor.shape[-1]:
        raise ShapeError(
            f"cholesky_solve: B has {b.shape[-2]} rows but L is {factor.shape[-1]} by "
            f"{factor.shape[-1]}"
        )
    dtype = jnp.result_type(b, factor)
    batch = jnp.broadcast_shapes(b.shape[:-2], factor.shape[:-2])
    b = jnp.broadcast_to(b.astype(dtype), (*batch, *b.shape[-2:]))
    factor = jnp.broadcast_to(factor.astype(dtype), (*batch, *factor.shape[-2:]))
    return jnp.linalg.solve(_factored(factor, _upper_flag("cholesky_solve", upper)), b)


def _factored(factor: jax.Array, upper: bool) -> jax.Array:
    """``A = L L^H`` (``U^H U``) from the factor's triangle, differentiable in every entry.

    The value uses only the factor's triangle (as LAPACK's potrs); the other triangle enters
    with a zero value but a gradient, so the derivative is torch's, which treats the factor as
    a full matrix.
    """
    tri = jnp.triu(factor) if upper else jnp.tril(factor)
    rest = factor - tri
    full = tri + (rest - lax.stop_gradient(rest))
    if upper:
        return jnp.conj(jnp.swapaxes(full, -1, -2)) @ full
    return full @ jnp.conj(jnp.swapaxes(full, -1, -2))


@boundary("cholesky_inverse")
def cholesky_inverse(L: ArrayLike, upper: bool = False) -> jax.Array:
    """The inverse of ``A`` from its Cholesky factor (``torch.cholesky_inverse``).

    Args:
        L: The lower (or, with ``upper``, upper) Cholesky factor ``(*, n, n)``.
        upper: ``L`` is the upper factor.

    Returns:
        ``A^{-1}``, shaped like ``L``.

    Raises:
        ShapeError: If ``L`` is not batches of square matrices.
        DTypeError: If ``L`` is not floating or complex.
        ArgumentTypeError: If an argument has the wrong type.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.cholesky_inverse(jnp.array([[2.0, 0.0], [0.0, 1.0]])).tolist()
        [[0.25, 0.0], [0.0, 1.0]]
    """
    factor = _matrices("cholesky_inverse", L, name="L")
    eye = jnp.broadcast_to(jnp.eye(factor.shape[-1], dtype=factor.dtype), factor.shape)
    return cholesky_solve(eye, factor, upper)


@boundary("qr")
def qr(input: ArrayLike, some: bool = True) -> QRResult:
    """The QR decomposition of each matrix (``torch.qr``): ``input = Q @ R``.

    Args:
        input: A floating or complex array ``(*, m, n)``.
        some: Reduced decomposition (``Q`` is ``(*, m, k)``, ``k = min(m, n)``); ``False``
            gives the complete one (``Q`` square).

    Returns:
        ``QRResult(Q, R)``.

    Raises:
        ShapeError: If ``input`` has fewer than 2 dimensions.
        DTypeError: If ``input`` is not floating or complex.
        ArgumentTypeError: If an argument has the wrong type.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> q, r = ops.qr(jnp.array([[3.0, 1.0], [4.0, 2.0]]))
        >>> bool(jnp.allclose(q @ r, jnp.array([[3.0, 1.0], [4.0, 2.0]]), atol=1e-5))
        True
    """
    a = _matrices("qr", input, square=False, name="input")
    if not isinstance(some, bool | np.bool_):
        raise ArgumentTypeError(f"qr: some must be a bool, got {type(some).__name__}")
    q, r = jnp.linalg.qr(a, mode="reduced" if some else "complete")
    return QRResult(q, r)


@boundary("svd")
def svd(input: ArrayLike, some: bool = True, compute_uv: bool = True) -> SVDResult:
    """The singular value decomposition, ``input = U diag(S) V^H`` (``torch.svd``).

    torch.svd's conventions: ``V`` (not ``V^H``) is returned; ``some`` gives the reduced
    factors; with ``compute_uv=False``, ``U`` and ``V`` are zeros of the full shapes.

    Args:
        input: A floating or complex array ``(*, m, n)``.
        some: Reduced (``U`` ``(*, m, k)``, ``V`` ``(*, n, k)``) rather than full factors.
        compute_uv: Compute ``U`` and ``V``.

    Returns:
        ``SVDResult(U, S, V)``, ``S`` real and descending.

    Raises:
        ShapeError: If ``input`` has fewer than 2 dimensions.
        DTypeError: If ``input`` is not floating or complex.
        ArgumentTypeError: If an argument has the wrong type.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.svd(jnp.array([[3.0, 0.0], [0.0, -2.0]])).S.tolist()
        [3.0, 2.0]
    """
    a = _matrices("svd", input, square=False, name="input")
    for name, flag in (("some", some), ("compute_uv", compute_uv)):
        if not isinstance(flag, bool | np.bool_):
            raise ArgumentTypeError(f"svd: {name} must be a bool, got {type(flag).__name__}")
    m, n = a.shape[-2:]
    if not compute_uv:
        s = jnp.linalg.svd(a, compute_uv=False)
        return SVDResult(
            jnp.zeros((*a.shape[:-2], m, m), a.dtype), s, jnp.zeros((*a.shape[:-2], n, n), a.dtype)
        )
    u, s, vh = jnp.linalg.svd(a, full_matrices=not some)
    return SVDResult(u, s, jnp.conj(jnp.swapaxes(vh, -1, -2)))


class TriangularSolveResult(NamedTuple):
    """``(solution, cloned_coefficient)`` of :func:`triangular_solve` (torch's names)."""

    solution: jax.Array
    cloned_coefficient: jax.Array


@boundary("triangular_solve")
def triangular_solve(
    b: ArrayLike,
    A: ArrayLike,
    upper: bool = True,
    transpose: bool = False,
    unitriangular: bool = False,
) -> TriangularSolveResult:
    """Solve ``A X = b`` for triangular ``A`` (``torch.triangular_solve``; batched).

    Only ``A``'s triangle is read (and differentiated), as LAPACK's trtrs.

    Args:
        b: Right-hand sides ``(*, n, k)``.
        A: Triangular matrices ``(*, n, n)``.
        upper: ``A`` is upper (else lower) triangular.
        transpose: Solve ``A^T X = b`` instead.
        unitriangular: Take ``A``'s diagonal as ones.

    Returns:
        ``TriangularSolveResult(solution, cloned_coefficient)``: ``X`` of the broadcast batch
        shape and a copy of ``A``.

    Raises:
        ShapeError: If the shapes do not fit.
        DTypeError: If an operand is not floating or complex.
        ArgumentTypeError: If an argument has the wrong type.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.triangular_solve(jnp.array([[2.0], [4.0]]), jnp.array([[1.0, 0.0], [0.0, 2.0]])).solution.tolist()
        [[2.0], [2.0]]
    """
    rhs = _matrices("triangular_solve", b, square=False, name="b")
    a = _matrices("triangular_solve", A)
    flags = {"upper": upper, "transpose": transpose, "unitriangular": unitriangular}
    for name, flag in flags.items():
        if not isinstance(flag, bool | np.bool_):
            raise ArgumentTypeError(
                f"triangular_solve: {name} must be a bool, got {type(flag).__name__}"
            )
    if rhs.shape[-2] != a.shape[-1]:
        raise ShapeError(
            f"triangular_solve: b has {rhs.shape[-2]} rows but A is {a.shape[-1]} by {a.shape[-1]}"
        )
    dtype = jnp.result_type(rhs, a)
    batch = jnp.broadcast_shapes(rhs.shape[:-2], a.shape[:-2])
    rhs = jnp.broadcast_to(rhs.astype(dtype), (*batch, *rhs.shape[-2:]))
    coef = jnp.broadcast_to(a.astype(dtype), (*batch, *a.shape[-2:]))
    x = jax.scipy.linalg.solve_triangular(
        coef,
        rhs,
        trans="T" if transpose else 0,
        lower=not upper,
        unit_diagonal=bool(unitriangular),
    )
    return TriangularSolveResult(x, a + 0)


@boundary("lu")
def lu(A: ArrayLike, pivot: bool = True, get_infos: bool = False) -> tuple[jax.Array, ...]:
    """The LU factorization with partial pivoting (``torch.lu``, LAPACK's getrf layout).

    Args:
        A: A floating or complex array ``(*, m, n)``.
        pivot: Must be True (torch has no unpivoted LU on the CPU).
        get_infos: Also return LAPACK's info per matrix (0, or the 1-based index of the
            first zero pivot).

    Returns:
        ``(LU, pivots)`` or ``(LU, pivots, infos)``: ``L`` (unit diagonal, below) and ``U``
        packed in one array, and the 1-based ``int32`` row interchanges.

    Raises:
        InvalidArgumentError: If ``pivot`` is False.
        ShapeError: If ``A`` has fewer than 2 dimensions.
        DTypeError: If ``A`` is not floating or complex.
        ArgumentTypeError: If an argument has the wrong type.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.lu(jnp.array([[1.0, 2.0], [3.0, 4.0]]))[1].tolist()
        [2, 2]
    """
    a = _matrices("lu", A, square=False)
    for name, flag in (("pivot", pivot), ("get_infos", get_infos)):
        if not isinstance(flag, bool | np.bool_):
            raise ArgumentTypeError(f"lu: {name} must be a bool, got {type(flag).__name__}")
    if not pivot:
        raise InvalidArgumentError("lu: LU without pivoting is not implemented on the CPU")
    packed, pivots, _ = lax.linalg.lu(a)
    pivots = (pivots + 1).astype(jnp.int32)
    if not get_infos:
        return packed, pivots
    k = min(a.shape[-2:])
    diag = jnp.diagonal(packed, axis1=-2, axis2=-1)[..., :k]
    zero = diag == 0
    infos = jnp.where(jnp.any(zero, axis=-1), jnp.argmax(zero, axis=-1) + 1, 0)
    return packed, pivots, infos.astype(jnp.int32)


def addr(
    input: ArrayLike, vec1: ArrayLike, vec2: ArrayLike, *, beta: float = 1, alpha: float = 1
) -> jax.Array:
    """``beta * input + alpha * outer(vec1, vec2)`` (``torch.addr``).

    As torch: ``beta=0`` ignores ``input`` (NaNs in it do not propagate), and the operands
    share one dtype.

    Args:
        input: Broadcastable to ``(n, m)``.
        vec1: Shape ``(n,)``.
        vec2: Shape ``(m,)``.
        beta: Multiplier of ``input``.
        alpha: Multiplier of the outer product.

    Returns:
        Shape ``(n, m)``.

    Raises:
        ShapeError: If the shapes do not fit.
        DTypeError: If the dtypes differ, or ``alpha``/``beta`` is fractional for integer arrays.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.addr(jnp.zeros((2, 2)), jnp.ones(2), jnp.array([1.0, 2.0]), alpha=2).tolist()
        [[2.0, 4.0], [2.0, 4.0]]
    """
    op = "addr"
    c = as_array(op, "input", input)
    a = as_array(op, "vec1", vec1)
    b = as_array(op, "vec2", vec2)
    _ndim(op, "vec1", a, 1)
    _ndim(op, "vec2", b, 1)
    _same_dtype(op, c, a, b)
    _check_scalars(op, a.dtype, beta, alpha)
    return _add_scaled(op, c, a[:, None] * b[None, :], beta, alpha)
