"""Elementwise arithmetic and math functions with PyTorch's type promotion.

``add`` ... ``sinc``, ``clamp``, ``maximum``/``minimum``, ``lerp``, ``addcmul``, ``nan_to_num``
and their aliases. Operands may be arrays or Python numbers, and are promoted with
:func:`rustorch_fx.ops.result_type` (PyTorch's rules, not NumPy's or JAX's; see
:mod:`rustorch_fx.ops._promote`). So, as in ``torch``:

- a float32 array with a Python float stays float32; an integer array with a Python float is
  float32; a 0-d float64 array with a float32 array is float32 (0-d arrays and Python numbers
  only raise the category);
- int8 with uint8 is int16; float16 with bfloat16 is float32;
- integer (or bool) inputs to floating functions (``sqrt``, ``exp``, ``div``, ``atan2``...) give
  float32, the default float dtype.

Differences from torch kept on purpose are documented in each function; the general ones:

- Integer results have the dtype of the operands: the default integer is int32 here (int64 in
  torch), in both of JAX's modes.
- Integer division by zero raises :class:`~rustorch_fx.errors.InvalidArgumentError` (a
  ``RuntimeError``, with ``ZeroDivisionError`` in the message, as torch) when the divisor is
  concrete. Under ``jax.jit`` its values are unknown and XLA returns an unspecified value.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from rustorch_fx import _dtypes
from rustorch_fx._boundary import boundary
from rustorch_fx._checks import is_tracer
from rustorch_fx.errors import (
    ArgumentTypeError,
    DTypeError,
    InvalidArgumentError,
)
from rustorch_fx.ops._promote import (
    _ANY,
    _INEXACT,
    _NUMBERS,
    _REAL,
    _REAL_NUMBERS,
    _SCALARS,
    ArrayOrScalar,
    _check_kind,
    _operand,
    _prepare,
    _same_dtype,
    _to_dtype,
    _unary,
)

__all__ = [
    # arithmetic
    "add",
    "sub",
    "subtract",
    "mul",
    "multiply",
    "div",
    "divide",
    "true_divide",
    "floor_divide",
    "remainder",
    "fmod",
    "pow",
    "neg",
    "negative",
    "abs",
    "absolute",
    "sign",
    "sgn",
    "reciprocal",
    "square",
    "sqrt",
    "rsqrt",
    "exp",
    "exp2",
    "expm1",
    "log",
    "log2",
    "log10",
    "log1p",
    "sin",
    "cos",
    "tan",
    "asin",
    "acos",
    "atan",
    "arcsin",
    "arccos",
    "arctan",
    "atan2",
    "arctan2",
    "sinh",
    "cosh",
    "tanh",
    "asinh",
    "acosh",
    "atanh",
    "arcsinh",
    "arccosh",
    "arctanh",
    "sigmoid",
    "logit",
    "erf",
    "erfc",
    "erfinv",
    "lgamma",
    "digamma",
    "floor",
    "ceil",
    "round",
    "trunc",
    "fix",
    "frac",
    "clamp",
    "clip",
    "maximum",
    "minimum",
    "fmax",
    "fmin",
    "lerp",
    "addcmul",
    "addcdiv",
    "hypot",
    "logaddexp",
    "logaddexp2",
    "xlogy",
    "nan_to_num",
    "copysign",
    "heaviside",
    "deg2rad",
    "rad2deg",
    "sinc",
    # complex parts
    "conj",
    "real",
    "imag",
    "angle",
    # special functions and number theory
    "FrexpResult",
    "frexp",
    "ldexp",
    "gcd",
    "lcm",
    "i0",
    "nextafter",
    "polygamma",
    "mvlgamma",
    "igamma",
    "igammac",
    "gammainc",
    "gammaincc",
]


# --------------------------------------------------------------------------------------------
# Helpers only the arithmetic ops use.
# --------------------------------------------------------------------------------------------


def _scalar_arg(op: str, name: str, value: Any, dtype: np.dtype) -> None:
    """Check a scalar multiplier (``alpha``, ``value``) against the result dtype, as torch."""
    if not isinstance(value, _SCALARS):
        raise ArgumentTypeError(
            f"{op}: argument '{name}' must be a Python number, got {type(value).__name__}"
        )
    kind = _dtypes.category(dtype)
    if isinstance(value, complex) and kind != 3:
        raise DTypeError(
            f"{op}: for non-complex inputs, argument '{name}' must not be a complex number "
            f"(got {value!r} for {np.dtype(dtype).name})"
        )
    if isinstance(value, float) and kind < 2:
        raise DTypeError(
            f"{op}: for integral inputs, argument '{name}' must not be a floating point "
            f"number (got {value!r} for {np.dtype(dtype).name})"
        )
    if kind != 0 and isinstance(value, bool):
        raise DTypeError(
            f"{op}: a boolean '{name}' is only supported for boolean results "
            f"(got {value!r} for {np.dtype(dtype).name})"
        )


def _check_divisor(op: str, divisor: jax.Array, dtype: np.dtype, size: int) -> None:
    """Raise for an integer division by a concrete zero, as torch does on CPU."""
    if _dtypes.category(dtype) != 1 or size == 0 or is_tracer(divisor):
        return
    if not np.all(np.asarray(divisor)):
        raise InvalidArgumentError(
            f"{op}: ZeroDivisionError: integer division by zero (the divisor 'other' has a "
            "zero element; convert to a floating dtype for inf/nan results)"
        )


def _size(*arrays: jax.Array) -> int:
    return math.prod(jnp.broadcast_shapes(*(a.shape for a in arrays)))


def _where_clamp(x: jax.Array, low: jax.Array | None, high: jax.Array | None) -> jax.Array:
    """``min(max(x, low), high)`` propagating NaN, with torch's gradient at ties (to ``x``)."""
    if low is not None:
        below = x < low
        if _dtypes.is_inexact(low.dtype):
            below = below | jnp.isnan(low)
        x = jnp.where(below, low, x)
    if high is not None:
        above = x > high
        if _dtypes.is_inexact(high.dtype):
            above = above | jnp.isnan(high)
        x = jnp.where(above, high, x)
    return x


# --------------------------------------------------------------------------------------------
# Arithmetic
# --------------------------------------------------------------------------------------------


@boundary("add")
def add(
    input: ArrayOrScalar, other: ArrayOrScalar, *, alpha: bool | int | float | complex = 1
) -> jax.Array:
    """Add ``alpha * other`` to ``input``, elementwise, with PyTorch's type promotion.

    Args:
        input: The first operand.
        other: The second operand, broadcast against ``input``.
        alpha: A Python number multiplying ``other``; it does not take part in promotion.

    Returns:
        An array of the broadcast shape and the promoted dtype (bool + bool is logical or).

    Raises:
        ArgumentTypeError: If an operand is not an array or a number, or ``alpha`` is not a number.
        ShapeError: If the shapes do not broadcast.
        DTypeError: If ``alpha`` is a float for an integral result, complex for a real one, or
            a bool for an integer one (as torch).

    Example:
        >>> add(jnp.array([1, 2]), 2.5)
        Array([3.5, 4.5], dtype=float32)
        >>> add(jnp.array([1.0, 2.0]), jnp.array([1.0, 1.0]), alpha=10)
        Array([11., 12.], dtype=float32)
    """
    (a, b), dtype = _prepare("add", input=input, other=other)
    _scalar_arg("add", "alpha", alpha, dtype)
    if alpha != 1:
        b = b * _to_dtype("add", "alpha", alpha, dtype)
    return a + b


@boundary("sub")
def sub(
    input: ArrayOrScalar, other: ArrayOrScalar, *, alpha: bool | int | float | complex = 1
) -> jax.Array:
    """Subtract ``alpha * other`` from ``input``, elementwise, with PyTorch's type promotion.

    Args:
        input: The first operand.
        other: The second operand, broadcast against ``input``.
        alpha: A Python number multiplying ``other``.

    Returns:
        An array of the broadcast shape and the promoted dtype.

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.
        ShapeError: If the shapes do not broadcast.
        DTypeError: If an operand is bool (as torch: use ``logical_xor``/``logical_not``), or
            ``alpha`` does not suit the result dtype (see :func:`add`).

    Example:
        >>> sub(jnp.array([5, 7]), jnp.array([1, 2]), alpha=2)
        Array([3, 3], dtype=int32)
    """
    for name, x in (("input", input), ("other", other)):
        value = _operand("sub", name, x)[0]
        if isinstance(value, bool) or np.dtype(getattr(value, "dtype", np.int32)) == np.bool_:
            raise DTypeError(
                f"sub: subtraction with a bool operand ('{name}') is not supported; use "
                "logical_xor() or logical_not() instead"
            )
    (a, b), dtype = _prepare("sub", input=input, other=other)
    _scalar_arg("sub", "alpha", alpha, dtype)
    if alpha != 1:
        b = b * _to_dtype("sub", "alpha", alpha, dtype)
    return a - b


subtract = sub


@boundary("mul")
def mul(input: ArrayOrScalar, other: ArrayOrScalar) -> jax.Array:
    """Multiply elementwise, with PyTorch's type promotion (bool * bool is logical and).

    Args:
        input: The first operand.
        other: The second operand, broadcast against ``input``.

    Returns:
        An array of the broadcast shape and the promoted dtype.

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.
        ShapeError: If the shapes do not broadcast.

    Example:
        >>> mul(jnp.array([1.0, 2.0], dtype=jnp.float16), 3.0)
        Array([3., 6.], dtype=float16)
    """
    (a, b), _ = _prepare("mul", input=input, other=other)
    return a * b


multiply = mul


def _divide(op: str, input: Any, other: Any, rounding_mode: str | None) -> jax.Array:
    if rounding_mode not in (None, "trunc", "floor"):
        raise InvalidArgumentError(
            f"{op}: expected rounding_mode to be one of None, 'trunc' or 'floor', "
            f"got {rounding_mode!r}"
        )
    if rounding_mode is None:
        (a, b), _ = _prepare(op, floating=True, input=input, other=other)
        return a / b
    (a, b), dtype = _prepare(op, allow=_REAL_NUMBERS, input=input, other=other)
    _check_divisor(op, b, dtype, _size(a, b))
    if rounding_mode == "trunc":
        return lax.div(*jnp.broadcast_arrays(a, b)) if dtype.kind in "iu" else jnp.trunc(a / b)
    return jnp.floor_divide(a, b)


@boundary("div")
def div(
    input: ArrayOrScalar, other: ArrayOrScalar, *, rounding_mode: str | None = None
) -> jax.Array:
    """Divide ``input`` by ``other``, elementwise, as :func:`torch.div`.

    Without ``rounding_mode`` this is true division: integer and bool operands give float32
    (the default float dtype). ``"trunc"`` rounds toward zero and ``"floor"`` toward minus
    infinity (Python's ``//``); both keep integer dtypes.

    Args:
        input: The dividend.
        other: The divisor, broadcast against ``input``.
        rounding_mode: None, ``"trunc"`` or ``"floor"``.

    Returns:
        An array of the broadcast shape; the promoted dtype (float32 for true division of
        integers).

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.
        ShapeError: If the shapes do not broadcast.
        DTypeError: If a rounding mode is given for bool or complex operands.
        InvalidArgumentError: If ``rounding_mode`` is not one of the three, or (torch's
            ``ZeroDivisionError``) an integer division with rounding has a concrete zero
            divisor. Under ``jax.jit`` the divisor is not checked and XLA returns an
            unspecified value where it is zero.

    Warning:
        Integer division by zero is detected only when the divisor is concrete (eagerly).
        Under ``jax.jit`` XLA returns an unspecified value instead of raising.

    Example:
        >>> div(jnp.array([7, -7]), 2)
        Array([ 3.5, -3.5], dtype=float32)
        >>> div(jnp.array([7, -7]), 2, rounding_mode="floor")
        Array([ 3, -4], dtype=int32)
    """
    return _divide("div", input, other, rounding_mode)


divide = div


@boundary("true_divide")
def true_divide(input: ArrayOrScalar, other: ArrayOrScalar) -> jax.Array:
    """True division, as ``div(input, other)``: integer operands give float32.

    Args:
        input: The dividend.
        other: The divisor, broadcast against ``input``.

    Returns:
        An array of the broadcast shape, of the promoted floating dtype.

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.
        ShapeError: If the shapes do not broadcast.

    Example:
        >>> true_divide(jnp.array([1, 2]), jnp.array([2, 2]))
        Array([0.5, 1. ], dtype=float32)
    """
    return _divide("true_divide", input, other, None)


@boundary("floor_divide")
def floor_divide(input: ArrayOrScalar, other: ArrayOrScalar) -> jax.Array:
    """Division rounded toward minus infinity, as Python's ``//`` (``div(..., "floor")``).

    Args:
        input: The dividend.
        other: The divisor, broadcast against ``input``.

    Returns:
        An array of the broadcast shape and the promoted dtype.

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.
        ShapeError: If the shapes do not broadcast.
        DTypeError: For bool or complex operands.
        InvalidArgumentError: For an integer division by a concrete zero (torch's
            ``ZeroDivisionError``); not checked under ``jax.jit``.

    Warning:
        Integer division by zero is detected only when the divisor is concrete (eagerly).
        Under ``jax.jit`` XLA returns an unspecified value instead of raising.

    Example:
        >>> floor_divide(jnp.array([5, -5]), 3)
        Array([ 1, -2], dtype=int32)
    """
    return _divide("floor_divide", input, other, "floor")


@boundary("remainder")
def remainder(input: ArrayOrScalar, other: ArrayOrScalar) -> jax.Array:
    """Python's modulus: the result has the sign of the divisor (``input - floor(a/b) * b``).

    Args:
        input: The dividend.
        other: The divisor, broadcast against ``input``.

    Returns:
        An array of the broadcast shape and the promoted dtype.

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.
        ShapeError: If the shapes do not broadcast.
        DTypeError: For bool or complex operands.
        InvalidArgumentError: For an integer division by a concrete zero (torch's
            ``ZeroDivisionError``); not checked under ``jax.jit``.

    Warning:
        Integer division by zero is detected only when the divisor is concrete (eagerly).
        Under ``jax.jit`` XLA returns an unspecified value instead of raising.

    Example:
        >>> remainder(jnp.array([5, -5]), -3)
        Array([-1, -2], dtype=int32)
    """
    (a, b), dtype = _prepare("remainder", allow=_REAL_NUMBERS, input=input, other=other)
    _check_divisor("remainder", b, dtype, _size(a, b))
    return jnp.remainder(a, b)


@boundary("fmod")
def fmod(input: ArrayOrScalar, other: ArrayOrScalar) -> jax.Array:
    """C's ``fmod``: the remainder has the sign of the dividend.

    Args:
        input: The dividend.
        other: The divisor, broadcast against ``input``.

    Returns:
        An array of the broadcast shape and the promoted dtype.

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.
        ShapeError: If the shapes do not broadcast.
        DTypeError: For bool or complex operands.
        InvalidArgumentError: For an integer division by a concrete zero (torch's
            ``ZeroDivisionError``); not checked under ``jax.jit``.

    Warning:
        Integer division by zero is detected only when the divisor is concrete (eagerly).
        Under ``jax.jit`` XLA returns an unspecified value instead of raising.

    Example:
        >>> fmod(jnp.array([5, -5]), -3)
        Array([ 2, -2], dtype=int32)
    """
    (a, b), dtype = _prepare("fmod", allow=_REAL_NUMBERS, input=input, other=other)
    _check_divisor("fmod", b, dtype, _size(a, b))
    return jnp.fmod(a, b)


@boundary("pow")
def pow(input: ArrayOrScalar, exponent: ArrayOrScalar) -> jax.Array:
    """Raise ``input`` to ``exponent``, elementwise, with PyTorch's type promotion.

    Either operand may be a Python number. A Python ``int`` exponent uses repeated
    multiplication (exact for integers, and like torch's fast paths for floats).

    Args:
        input: The base.
        exponent: The exponent, broadcast against ``input``.

    Returns:
        An array of the broadcast shape and the promoted dtype.

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.
        ShapeError: If the shapes do not broadcast.
        DTypeError: If both operands are bool (as torch).
        InvalidArgumentError: If an integer result has a negative Python ``int`` exponent
            ("Integers to negative integer powers are not allowed", as torch). With an
            array exponent torch computes and so does this (``1``, ``-1`` or ``0``).

    Example:
        >>> pow(jnp.array([1, 2, 3]), 2)
        Array([1, 4, 9], dtype=int32)
        >>> pow(2, jnp.array([0.5, 1.0]))
        Array([1.4142135, 2.       ], dtype=float32)
    """
    (a, b), dtype = _prepare("pow", allow=_ANY, input=input, exponent=exponent)
    if dtype == np.bool_:
        raise DTypeError("pow: expected integer, floating point or complex operands, got bool")
    if isinstance(exponent, int) and not isinstance(exponent, bool):
        if exponent < 0 and _dtypes.category(dtype) == 1:
            raise InvalidArgumentError(
                f"pow: Integers to negative integer powers are not allowed (exponent "
                f"{exponent} for {dtype.name} input)"
            )
        return lax.integer_pow(a, exponent)
    return jnp.power(a, b)


@boundary("neg")
def neg(input: ArrayOrScalar) -> jax.Array:
    """Negate elementwise (unsigned integers wrap around).

    Args:
        input: An array or number.

    Returns:
        An array shaped and typed like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.
        DTypeError: For a bool input (as torch: use ``logical_not``).

    Example:
        >>> neg(jnp.array([1, -2]))
        Array([-1,  2], dtype=int32)
    """
    return _unary("neg", jnp.negative, input, floating=False, allow=_NUMBERS)


negative = neg


@boundary("abs")
def abs(input: ArrayOrScalar) -> jax.Array:
    """Absolute value, elementwise; the magnitude (a real dtype) for complex input.

    Args:
        input: An array or number.

    Returns:
        An array shaped like ``input``, of its dtype (the matching real dtype for complex).

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.
        DTypeError: For a bool input (as torch).

    Example:
        >>> abs(jnp.array([-1.5, 2.0]))
        Array([1.5, 2. ], dtype=float32)
    """
    return _unary("abs", jnp.abs, input, floating=False, allow=_NUMBERS)


absolute = abs


def _real_sign(x: jax.Array) -> jax.Array:
    if x.dtype == np.bool_:
        return x
    return (x > 0).astype(x.dtype) - (x < 0).astype(x.dtype)


@boundary("sign")
def sign(input: ArrayOrScalar) -> jax.Array:
    """The sign (-1, 0 or 1) of each element, in ``input``'s dtype.

    As torch, ``sign(nan)`` is 0 and ``sign(-0.0)`` is ``0.0`` (NumPy and JAX give nan and -0.0);
    bool input is returned as is.

    Args:
        input: A real array or number.

    Returns:
        An array shaped and typed like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.
        DTypeError: For complex input (use :func:`sgn`).

    Example:
        >>> sign(jnp.array([-2.0, 0.0, 3.0]))
        Array([-1.,  0.,  1.], dtype=float32)
    """
    return _unary("sign", _real_sign, input, floating=False, allow=_REAL)


def _complex_sign(x: jax.Array) -> jax.Array:
    if not jnp.iscomplexobj(x):
        return _real_sign(x)
    mag = jnp.abs(x)
    return jnp.where(mag == 0, jnp.zeros_like(x), x / jnp.where(mag == 0, 1, mag).astype(x.dtype))


@boundary("sgn")
def sgn(input: ArrayOrScalar) -> jax.Array:
    """The sign of real input (as :func:`sign`), ``x / |x|`` for complex input (0 at 0).

    Args:
        input: An array or number.

    Returns:
        An array shaped and typed like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.

    Example:
        >>> sgn(jnp.array([3 + 4j, 0j]))
        Array([0.6+0.8j, 0. +0.j ], dtype=complex64)
    """
    return _unary("sgn", _complex_sign, input, floating=False)


@boundary("reciprocal")
def reciprocal(input: ArrayOrScalar) -> jax.Array:
    """``1 / input``, elementwise; integer and bool input give float32.

    Args:
        input: An array or number.

    Returns:
        An array shaped like ``input``, of a floating (or complex) dtype.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.

    Example:
        >>> reciprocal(jnp.array([2, 4]))
        Array([0.5 , 0.25], dtype=float32)
    """
    return _unary("reciprocal", lambda x: 1 / x, input)


@boundary("square")
def square(input: ArrayOrScalar) -> jax.Array:
    """``input * input``, elementwise; bool input gives the default integer (torch: int64).

    Args:
        input: An array or number.

    Returns:
        An array shaped like ``input``, of ``result_type(input, 2)``.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.

    Example:
        >>> square(jnp.array([-3, 2]))
        Array([9, 4], dtype=int32)
    """
    (a, _), _ = _prepare("square", input=input, exponent=2)
    return lax.integer_pow(a, 2)


def _float_fn(op: str, fn: Any, x: Any, complex_ok: bool = True) -> jax.Array:
    return _unary(op, fn, x, allow=_ANY if complex_ok else _REAL)


@boundary("sqrt")
def sqrt(input: ArrayOrScalar) -> jax.Array:
    """Square root, elementwise; integer and bool input give float32 (as torch).

    Args:
        input: An array or number.

    Returns:
        An array shaped like ``input``, floating (or complex) dtype.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.

    Example:
        >>> sqrt(jnp.array([4, 9]))
        Array([2., 3.], dtype=float32)
    """
    return _float_fn("sqrt", jnp.sqrt, input)


@boundary("rsqrt")
def rsqrt(input: ArrayOrScalar) -> jax.Array:
    """Reciprocal of the square root, elementwise; integer input gives float32.

    Args:
        input: An array or number.

    Returns:
        An array shaped like ``input``, floating (or complex) dtype.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.

    Example:
        >>> rsqrt(jnp.array([4.0, 16.0]))
        Array([0.5 , 0.25], dtype=float32)
    """
    return _float_fn("rsqrt", lax.rsqrt, input)


@boundary("exp")
def exp(input: ArrayOrScalar) -> jax.Array:
    """``e ** input``, elementwise; integer input gives float32.

    Args:
        input: An array or number.

    Returns:
        An array shaped like ``input``, floating (or complex) dtype.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.

    Example:
        >>> exp(jnp.array([0.0]))
        Array([1.], dtype=float32)
    """
    return _float_fn("exp", jnp.exp, input)


@boundary("exp2")
def exp2(input: ArrayOrScalar) -> jax.Array:
    """``2 ** input``, elementwise; integer input gives float32.

    Args:
        input: An array or number.

    Returns:
        An array shaped like ``input``, floating (or complex) dtype.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.

    Example:
        >>> exp2(jnp.array([3]))
        Array([8.], dtype=float32)
    """
    return _float_fn("exp2", jnp.exp2, input)


@boundary("expm1")
def expm1(input: ArrayOrScalar) -> jax.Array:
    """``exp(input) - 1``, accurate near zero; integer input gives float32.

    Args:
        input: An array or number.

    Returns:
        An array shaped like ``input``, floating (or complex) dtype.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.

    Example:
        >>> expm1(jnp.array([0.0]))
        Array([0.], dtype=float32)
    """
    return _float_fn("expm1", jnp.expm1, input)


@boundary("log")
def log(input: ArrayOrScalar) -> jax.Array:
    """Natural logarithm, elementwise (nan below 0, -inf at 0); integer input gives float32.

    Args:
        input: An array or number.

    Returns:
        An array shaped like ``input``, floating (or complex) dtype.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.

    Example:
        >>> log(jnp.array([1.0]))
        Array([0.], dtype=float32)
    """
    return _float_fn("log", jnp.log, input)


@boundary("log2")
def log2(input: ArrayOrScalar) -> jax.Array:
    """Base-2 logarithm, elementwise; integer input gives float32.

    Args:
        input: An array or number.

    Returns:
        An array shaped like ``input``, floating (or complex) dtype.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.

    Example:
        >>> log2(jnp.array([8]))
        Array([3.], dtype=float32)
    """
    return _float_fn("log2", jnp.log2, input)


@boundary("log10")
def log10(input: ArrayOrScalar) -> jax.Array:
    """Base-10 logarithm, elementwise; integer input gives float32.

    Args:
        input: An array or number.

    Returns:
        An array shaped like ``input``, floating (or complex) dtype.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.

    Example:
        >>> log10(jnp.array([100.0]))
        Array([2.], dtype=float32)
    """
    return _float_fn("log10", jnp.log10, input)


@boundary("log1p")
def log1p(input: ArrayOrScalar) -> jax.Array:
    """``log(1 + input)``, accurate near zero; integer input gives float32.

    Args:
        input: An array or number.

    Returns:
        An array shaped like ``input``, floating (or complex) dtype.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.

    Example:
        >>> log1p(jnp.array([0.0]))
        Array([0.], dtype=float32)
    """
    return _float_fn("log1p", jnp.log1p, input)


@boundary("sin")
def sin(input: ArrayOrScalar) -> jax.Array:
    """Sine, elementwise (radians); integer input gives float32.

    Args:
        input: An array or number.

    Returns:
        An array shaped like ``input``, floating (or complex) dtype.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.

    Example:
        >>> sin(jnp.array([0.0]))
        Array([0.], dtype=float32)
    """
    return _float_fn("sin", jnp.sin, input)


@boundary("cos")
def cos(input: ArrayOrScalar) -> jax.Array:
    """Cosine, elementwise (radians); integer input gives float32.

    Args:
        input: An array or number.

    Returns:
        An array shaped like ``input``, floating (or complex) dtype.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.

    Example:
        >>> cos(jnp.array([0]))
        Array([1.], dtype=float32)
    """
    return _float_fn("cos", jnp.cos, input)


@boundary("tan")
def tan(input: ArrayOrScalar) -> jax.Array:
    """Tangent, elementwise (radians); integer input gives float32.

    Args:
        input: An array or number.

    Returns:
        An array shaped like ``input``, floating (or complex) dtype.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.

    Example:
        >>> tan(jnp.array([0.0]))
        Array([0.], dtype=float32)
    """
    return _float_fn("tan", jnp.tan, input)


@boundary("asin")
def asin(input: ArrayOrScalar) -> jax.Array:
    """Inverse sine, elementwise (nan outside [-1, 1]); integer input gives float32.

    Args:
        input: An array or number.

    Returns:
        An array shaped like ``input``, floating (or complex) dtype.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.

    Example:
        >>> asin(jnp.array([0.0]))
        Array([0.], dtype=float32)
    """
    return _float_fn("asin", jnp.arcsin, input)


@boundary("acos")
def acos(input: ArrayOrScalar) -> jax.Array:
    """Inverse cosine, elementwise (nan outside [-1, 1]); integer input gives float32.

    Args:
        input: An array or number.

    Returns:
        An array shaped like ``input``, floating (or complex) dtype.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.

    Example:
        >>> acos(jnp.array([1.0]))
        Array([0.], dtype=float32)
    """
    return _float_fn("acos", jnp.arccos, input)


@boundary("atan")
def atan(input: ArrayOrScalar) -> jax.Array:
    """Inverse tangent, elementwise; integer input gives float32.

    Args:
        input: An array or number.

    Returns:
        An array shaped like ``input``, floating (or complex) dtype.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.

    Example:
        >>> atan(jnp.array([0.0]))
        Array([0.], dtype=float32)
    """
    return _float_fn("atan", jnp.arctan, input)


arcsin = asin
arccos = acos
arctan = atan


@boundary("atan2")
def atan2(input: ArrayOrScalar, other: ArrayOrScalar) -> jax.Array:
    """The angle of the point ``(other, input)``: ``atan(input / other)`` in the right quadrant.

    Args:
        input: The y coordinates.
        other: The x coordinates, broadcast against ``input``.

    Returns:
        An array of the broadcast shape; the promoted floating dtype (float32 for integers).

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.
        ShapeError: If the shapes do not broadcast.
        DTypeError: For complex operands.

    Example:
        >>> atan2(jnp.array([1.0]), jnp.array([1.0]))
        Array([0.7853982], dtype=float32)
    """
    (a, b), _ = _prepare("atan2", floating=True, allow=_REAL, input=input, other=other)
    return jnp.arctan2(a, b)


arctan2 = atan2


@boundary("sinh")
def sinh(input: ArrayOrScalar) -> jax.Array:
    """Hyperbolic sine, elementwise; integer input gives float32.

    Args:
        input: An array or number.

    Returns:
        An array shaped like ``input``, floating (or complex) dtype.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.

    Example:
        >>> sinh(jnp.array([0.0]))
        Array([0.], dtype=float32)
    """
    return _float_fn("sinh", jnp.sinh, input)


@boundary("cosh")
def cosh(input: ArrayOrScalar) -> jax.Array:
    """Hyperbolic cosine, elementwise; integer input gives float32.

    Args:
        input: An array or number.

    Returns:
        An array shaped like ``input``, floating (or complex) dtype.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.

    Example:
        >>> cosh(jnp.array([0.0]))
        Array([1.], dtype=float32)
    """
    return _float_fn("cosh", jnp.cosh, input)


@boundary("tanh")
def tanh(input: ArrayOrScalar) -> jax.Array:
    """Hyperbolic tangent, elementwise; integer input gives float32.

    Args:
        input: An array or number.

    Returns:
        An array shaped like ``input``, floating (or complex) dtype.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.

    Example:
        >>> tanh(jnp.array([0.0]))
        Array([0.], dtype=float32)
    """
    return _float_fn("tanh", jnp.tanh, input)


@boundary("asinh")
def asinh(input: ArrayOrScalar) -> jax.Array:
    """Inverse hyperbolic sine, elementwise; integer input gives float32.

    Args:
        input: An array or number.

    Returns:
        An array shaped like ``input``, floating (or complex) dtype.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.

    Example:
        >>> asinh(jnp.array([0.0]))
        Array([0.], dtype=float32)
    """
    return _float_fn("asinh", jnp.arcsinh, input)


@boundary("acosh")
def acosh(input: ArrayOrScalar) -> jax.Array:
    """Inverse hyperbolic cosine, elementwise (nan below 1); integer input gives float32.

    Args:
        input: An array or number.

    Returns:
        An array shaped like ``input``, floating (or complex) dtype.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.

    Example:
        >>> acosh(jnp.array([1.0]))
        Array([0.], dtype=float32)
    """
    return _float_fn("acosh", jnp.arccosh, input)


@boundary("atanh")
def atanh(input: ArrayOrScalar) -> jax.Array:
    """Inverse hyperbolic tangent, elementwise (±inf at ±1); integer input gives float32.

    Args:
        input: An array or number.

    Returns:
        An array shaped like ``input``, floating (or complex) dtype.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.

    Example:
        >>> atanh(jnp.array([0.0]))
        Array([0.], dtype=float32)
    """
    return _float_fn("atanh", jnp.arctanh, input)


arcsinh = asinh
arccosh = acosh
arctanh = atanh


@boundary("sigmoid")
def sigmoid(input: ArrayOrScalar) -> jax.Array:
    """The logistic function ``1 / (1 + exp(-input))``; integer input gives float32.

    Args:
        input: An array or number.

    Returns:
        An array shaped like ``input``, floating (or complex) dtype.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.

    Example:
        >>> sigmoid(jnp.array([0.0]))
        Array([0.5], dtype=float32)
    """
    return _float_fn("sigmoid", jax.nn.sigmoid, input)


@boundary("logit")
def logit(input: ArrayOrScalar, eps: float | None = None) -> jax.Array:
    """The inverse of :func:`sigmoid`, ``log(p / (1 - p))``; integer input gives float32.

    Args:
        input: Probabilities.
        eps: If given, ``input`` is first clamped to ``[eps, 1 - eps]`` (the gradient is 0
            outside that interval, as torch).

    Returns:
        An array shaped like ``input``, of a floating dtype.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number, or ``eps`` not a number.
        DTypeError: For complex input.

    Example:
        >>> logit(jnp.array([0.5, 0.0]), eps=0.25)
        Array([ 0.       , -1.0986123], dtype=float32)
    """
    (a,), dtype = _prepare("logit", floating=True, allow=_REAL, input=input)
    if eps is not None:
        if isinstance(eps, bool) or not isinstance(eps, (int, float)):
            raise ArgumentTypeError(
                f"logit: argument 'eps' must be a float or None, got {type(eps).__name__}"
            )
        low = jnp.asarray(eps, dtype)
        a = _where_clamp(a, low, 1 - low)
    return jnp.log(a / (1 - a))


@boundary("erf")
def erf(input: ArrayOrScalar) -> jax.Array:
    """The error function, elementwise; integer input gives float32.

    Args:
        input: A real array or number.

    Returns:
        An array shaped like ``input``, of a floating dtype.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.
        DTypeError: For complex input (as torch).

    Example:
        >>> erf(jnp.array([0.0]))
        Array([0.], dtype=float32)
    """
    return _float_fn("erf", lax.erf, input, complex_ok=False)


@boundary("erfc")
def erfc(input: ArrayOrScalar) -> jax.Array:
    """The complementary error function ``1 - erf(input)``; integer input gives float32.

    Args:
        input: A real array or number.

    Returns:
        An array shaped like ``input``, of a floating dtype.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.
        DTypeError: For complex input.

    Example:
        >>> erfc(jnp.array([0.0]))
        Array([1.], dtype=float32)
    """
    return _float_fn("erfc", lax.erfc, input, complex_ok=False)


@boundary("erfinv")
def erfinv(input: ArrayOrScalar) -> jax.Array:
    """The inverse error function (±inf at ±1, nan outside); integer input gives float32.

    Args:
        input: A real array or number.

    Returns:
        An array shaped like ``input``, of a floating dtype.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.
        DTypeError: For complex input.

    Example:
        >>> erfinv(jnp.array([0.0]))
        Array([0.], dtype=float32)
    """
    return _float_fn("erfinv", lax.erf_inv, input, complex_ok=False)


@boundary("lgamma")
def lgamma(input: ArrayOrScalar) -> jax.Array:
    """``log(|gamma(input)|)``, elementwise (inf at the poles); integer input gives float32.

    Args:
        input: A real array or number.

    Returns:
        An array shaped like ``input``, of a floating dtype.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.
        DTypeError: For complex input.

    Example:
        >>> lgamma(jnp.array([0.0, 3.0])).round(4)
        Array([   inf, 0.6931], dtype=float32)
    """
    return _float_fn("lgamma", lax.lgamma, input, complex_ok=False)


def _digamma(x: jax.Array) -> jax.Array:
    # torch: digamma(+0) = -inf and digamma(-0) = +inf; XLA gives nan at both.
    return jnp.where(x == 0, jnp.copysign(jnp.asarray(jnp.inf, x.dtype), -x), lax.digamma(x))


@boundary("digamma")
def digamma(input: ArrayOrScalar) -> jax.Array:
    """The logarithmic derivative of gamma; integer input gives float32.

    As torch, ``digamma(0.0)`` is ``-inf`` and ``digamma(-0.0)`` is ``inf`` (XLA: nan), and
    negative integers give nan.

    Args:
        input: A real array or number.

    Returns:
        An array shaped like ``input``, of a floating dtype.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.
        DTypeError: For complex input.

    Example:
        >>> digamma(jnp.array([0.0, -0.0, -1.0]))
        Array([-inf,  inf,  nan], dtype=float32)
    """
    return _float_fn("digamma", _digamma, input, complex_ok=False)


def _rounding(op: str, fn: Any, input: Any) -> jax.Array:
    (a,), dtype = _prepare(op, allow=_REAL_NUMBERS, input=input)
    return a if _dtypes.category(dtype) == 1 else fn(a)


@boundary("floor")
def floor(input: ArrayOrScalar) -> jax.Array:
    """Round down to an integral value; integer input is returned unchanged (as torch).

    Args:
        input: An integer or floating array or number.

    Returns:
        An array shaped and typed like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.
        DTypeError: For bool or complex input (as torch).

    Example:
        >>> floor(jnp.array([-1.5, 1.5]))
        Array([-2.,  1.], dtype=float32)
    """
    return _rounding("floor", jnp.floor, input)


@boundary("ceil")
def ceil(input: ArrayOrScalar) -> jax.Array:
    """Round up to an integral value; integer input is returned unchanged.

    Args:
        input: An integer or floating array or number.

    Returns:
        An array shaped and typed like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.
        DTypeError: For bool or complex input.

    Example:
        >>> ceil(jnp.array([-1.5, 1.5]))
        Array([-1.,  2.], dtype=float32)
    """
    return _rounding("ceil", jnp.ceil, input)


@boundary("trunc")
def trunc(input: ArrayOrScalar) -> jax.Array:
    """Round toward zero; integer input is returned unchanged.

    Args:
        input: An integer or floating array or number.

    Returns:
        An array shaped and typed like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.
        DTypeError: For bool or complex input.

    Example:
        >>> trunc(jnp.array([-1.5, 1.5]))
        Array([-1.,  1.], dtype=float32)
    """
    return _rounding("trunc", jnp.trunc, input)


fix = trunc


@boundary("round")
def round(input: ArrayOrScalar, *, decimals: int = 0) -> jax.Array:
    """Round to ``decimals`` decimal places, halves to even (as torch and NumPy).

    With ``decimals != 0`` the value is scaled by ``10 ** decimals`` in ``input``'s dtype,
    rounded and scaled back, as torch does, so results carry that dtype's rounding error.

    Args:
        input: An integer or floating array or number.
        decimals: Number of decimal places (negative: round to tens, hundreds, ...).

    Returns:
        An array shaped and typed like ``input`` (integers unchanged when ``decimals`` is 0).

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number, or ``decimals`` not an int.
        DTypeError: For bool or complex input, or integer input with ``decimals != 0``
            (as torch).

    Example:
        >>> round(jnp.array([0.5, 1.5, 2.5]))
        Array([0., 2., 2.], dtype=float32)
        >>> round(jnp.array([1250.0]), decimals=-2)
        Array([1200.], dtype=float32)
    """
    if isinstance(decimals, bool) or not isinstance(decimals, (int, np.integer)):
        raise ArgumentTypeError(
            f"round: argument 'decimals' must be an int, got {type(decimals).__name__}"
        )
    (a,), dtype = _prepare("round", allow=_REAL_NUMBERS, input=input)
    if decimals == 0:
        return a if _dtypes.category(dtype) == 1 else jnp.round(a)
    _check_kind("round", dtype, (2,), "input when decimals is not 0")
    scale = jnp.asarray(10.0 ** (decimals if decimals > 0 else -decimals), dtype)
    if decimals > 0:
        return jnp.round(a * scale) / scale
    return jnp.round(a / scale) * scale


@boundary("frac")
def frac(input: ArrayOrScalar) -> jax.Array:
    """The fractional part ``input - trunc(input)``, with the sign of ``input``.

    Args:
        input: A floating array or number.

    Returns:
        An array shaped and typed like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.
        DTypeError: For bool, integer or complex input (as torch).

    Example:
        >>> frac(jnp.array([-1.5, 2.25]))
        Array([-0.5 ,  0.25], dtype=float32)
    """
    return _unary("frac", lambda x: x - jnp.trunc(x), input, floating=False, allow=(2,))


@boundary("clamp")
def clamp(
    input: ArrayOrScalar,
    min: ArrayOrScalar | None = None,
    max: ArrayOrScalar | None = None,
) -> jax.Array:
    """Clamp ``input`` into ``[min, max]``: ``minimum(maximum(input, min), max)``.

    ``min`` and ``max`` may be numbers or arrays (broadcast against ``input``) and take part in
    promotion, as torch (an integer array clamped by a float is float32). If ``min > max`` the
    result is ``max``. NaN in ``input``, ``min`` or ``max`` propagates. At a tie the gradient
    goes to ``input``, as torch.

    Args:
        input: The array to clamp.
        min: Lower bound, or None for none.
        max: Upper bound, or None for none.

    Returns:
        An array of the broadcast shape and the promoted dtype.

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.
        InvalidArgumentError: If both ``min`` and ``max`` are None (as torch).
        ShapeError: If the shapes do not broadcast.
        DTypeError: For a bool or complex result (as torch).

    Example:
        >>> clamp(jnp.array([-2.0, 0.5, 3.0]), min=0.0, max=1.0)
        Array([0. , 0.5, 1. ], dtype=float32)
        >>> clamp(jnp.array([1, 5]), max=2.5)
        Array([1. , 2.5], dtype=float32)
    """
    if min is None and max is None:
        raise InvalidArgumentError("clamp: at least one of 'min' or 'max' must not be None")
    bounds = {k: v for k, v in (("min", min), ("max", max)) if v is not None}
    arrays, _ = _prepare("clamp", allow=_REAL_NUMBERS, input=input, **bounds)
    found = dict(zip(bounds, arrays[1:], strict=True))
    return _where_clamp(arrays[0], found.get("min"), found.get("max"))


clip = clamp


@boundary("maximum")
def maximum(input: ArrayOrScalar, other: ArrayOrScalar) -> jax.Array:
    """Elementwise maximum, propagating NaN (use :func:`fmax` to ignore it).

    At a tie the gradient is split in halves between the operands, as torch.

    Args:
        input: The first operand.
        other: The second operand, broadcast against ``input`` (torch requires an array; a
            number is accepted here).

    Returns:
        An array of the broadcast shape and the promoted dtype.

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.
        ShapeError: If the shapes do not broadcast.
        DTypeError: For complex operands (as torch).

    Warning:
        Where an operand is NaN, the gradient is 0 for both operands here; torch passes the
        whole gradient to both.

    Example:
        >>> maximum(jnp.array([1.0, jnp.nan]), jnp.array([2.0, 0.0]))
        Array([ 2., nan], dtype=float32)
    """
    (a, b), _ = _prepare("maximum", allow=_REAL, input=input, other=other)
    return jnp.maximum(a, b)


@boundary("minimum")
def minimum(input: ArrayOrScalar, other: ArrayOrScalar) -> jax.Array:
    """Elementwise minimum, propagating NaN (use :func:`fmin` to ignore it).

    Args:
        input: The first operand.
        other: The second operand, broadcast against ``input``.

    Returns:
        An array of the broadcast shape and the promoted dtype.

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.
        ShapeError: If the shapes do not broadcast.
        DTypeError: For complex operands.

    Warning:
        Where an operand is NaN, the gradient is 0 for both operands here; torch passes the
        whole gradient to both.

    Example:
        >>> minimum(jnp.array([1, 5]), jnp.array([3, 2]))
        Array([1, 2], dtype=int32)
    """
    (a, b), _ = _prepare("minimum", allow=_REAL, input=input, other=other)
    return jnp.minimum(a, b)


def _fminmax(op: str, input: Any, other: Any, pick_first: Any) -> jax.Array:
    (a, b), dtype = _prepare(op, allow=_REAL, input=input, other=other)
    first = pick_first(a, b)
    if _dtypes.is_floating(dtype):
        first = first | jnp.isnan(b)
    return jnp.where(first, a, b)


@boundary("fmax")
def fmax(input: ArrayOrScalar, other: ArrayOrScalar) -> jax.Array:
    """Elementwise maximum ignoring NaN: NaN only where both are NaN (C's ``fmax``).

    At a tie the gradient goes to ``input``, as torch.

    Args:
        input: The first operand.
        other: The second operand, broadcast against ``input``.

    Returns:
        An array of the broadcast shape and the promoted dtype.

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.
        ShapeError: If the shapes do not broadcast.
        DTypeError: For complex operands.

    Example:
        >>> fmax(jnp.array([1.0, jnp.nan]), jnp.array([2.0, 0.0]))
        Array([2., 0.], dtype=float32)
    """
    return _fminmax("fmax", input, other, lambda a, b: a >= b)


@boundary("fmin")
def fmin(input: ArrayOrScalar, other: ArrayOrScalar) -> jax.Array:
    """Elementwise minimum ignoring NaN: NaN only where both are NaN (C's ``fmin``).

    Args:
        input: The first operand.
        other: The second operand, broadcast against ``input``.

    Returns:
        An array of the broadcast shape and the promoted dtype.

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.
        ShapeError: If the shapes do not broadcast.
        DTypeError: For complex operands.

    Example:
        >>> fmin(jnp.array([1.0, jnp.nan]), jnp.array([2.0, 0.0]))
        Array([1., 0.], dtype=float32)
    """
    return _fminmax("fmin", input, other, lambda a, b: a <= b)


@boundary("lerp")
def lerp(input: ArrayOrScalar, end: ArrayOrScalar, weight: ArrayOrScalar) -> jax.Array:
    """Linear interpolation ``input + weight * (end - input)``, with torch's formula.

    Torch computes ``input + w * (end - input)`` for ``|w| < 0.5`` and
    ``end - (end - input) * (1 - w)`` otherwise (exact at both ends); so does this.

    Args:
        input: The start points, floating or complex.
        end: The end points; an array must have ``input``'s dtype (as torch, no promotion).
            A Python number is accepted here (torch requires an array).
        weight: A number or an array of ``input``'s dtype.

    Returns:
        An array of the broadcast shape, of ``input``'s dtype.

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.
        ShapeError: If the shapes do not broadcast.
        DTypeError: For integer or bool operands, or arrays of different dtypes (as torch).

    Example:
        >>> lerp(jnp.array([0.0, 1.0]), jnp.array([10.0, 3.0]), 0.5)
        Array([5., 2.], dtype=float32)
    """
    common = _same_dtype("lerp", input=input, end=end, weight=weight)
    if common is not None:
        _check_kind("lerp", common, _INEXACT)
    (a, e, w), _ = _prepare("lerp", allow=_INEXACT, input=input, end=end, weight=weight)
    diff = e - a
    small = jnp.abs(w) < 0.5
    return jnp.where(small, a + w * diff, e - diff * (1 - w))


@boundary("addcmul")
def addcmul(
    input: ArrayOrScalar,
    tensor1: ArrayOrScalar,
    tensor2: ArrayOrScalar,
    *,
    value: bool | int | float | complex = 1,
) -> jax.Array:
    """``input + value * tensor1 * tensor2``, elementwise, with PyTorch's type promotion.

    Args:
        input: The array added to.
        tensor1: The first factor.
        tensor2: The second factor.
        value: A Python number scaling the product.

    Returns:
        An array of the broadcast shape and the promoted dtype.

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.
        ShapeError: If the shapes do not broadcast.
        DTypeError: For a bool result (as torch), or a float ``value`` with an integer result
            (torch silently truncates ``value`` to an integer; this raises instead).

    Warning:
        A float ``value`` with an integer result raises here; torch silently truncates it.

    Example:
        >>> addcmul(jnp.array([1.0]), jnp.array([2.0]), jnp.array([3.0]), value=0.5)
        Array([4.], dtype=float32)
    """
    (a, t1, t2), dtype = _prepare(
        "addcmul", allow=_NUMBERS, input=input, tensor1=tensor1, tensor2=tensor2
    )
    _scalar_arg("addcmul", "value", value, dtype)
    return a + _to_dtype("addcmul", "value", value, dtype) * t1 * t2


@boundary("addcdiv")
def addcdiv(
    input: ArrayOrScalar,
    tensor1: ArrayOrScalar,
    tensor2: ArrayOrScalar,
    *,
    value: bool | int | float | complex = 1,
) -> jax.Array:
    """``input + value * tensor1 / tensor2``, elementwise (true division).

    Args:
        input: The array added to.
        tensor1: The numerator.
        tensor2: The denominator.
        value: A Python number scaling the quotient.

    Returns:
        An array of the broadcast shape and the promoted dtype.

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.
        ShapeError: If the shapes do not broadcast.
        DTypeError: If ``tensor1`` and ``tensor2`` are both integral (as torch: "Integer
            division with addcdiv is no longer supported"), or ``value`` does not suit the
            result dtype.

    Example:
        >>> addcdiv(jnp.array([1.0]), jnp.array([3.0]), jnp.array([2.0]), value=2)
        Array([4.], dtype=float32)
    """
    (a, t1, t2), dtype = _prepare(
        "addcdiv", allow=_ANY, input=input, tensor1=tensor1, tensor2=tensor2
    )
    quotient = _dtypes.result_type(
        _operand("addcdiv", "tensor1", tensor1)[1], _operand("addcdiv", "tensor2", tensor2)[1]
    )
    if _dtypes.category(quotient) < 2:
        raise DTypeError(
            f"addcdiv: integer division is not supported (tensor1 and tensor2 promote to "
            f"{quotient.name}); convert them to a floating dtype"
        )
    _scalar_arg("addcdiv", "value", value, dtype)
    return a + _to_dtype("addcdiv", "value", value, dtype) * t1 / t2


def _float_binary(op: str, fn: Any, input: Any, other: Any, allow: tuple[int, ...]) -> jax.Array:
    (a, b), _ = _prepare(op, floating=True, allow=allow, input=input, other=other)
    return fn(a, b)


@boundary("hypot")
def hypot(input: ArrayOrScalar, other: ArrayOrScalar) -> jax.Array:
    """``sqrt(input**2 + other**2)`` without intermediate overflow.

    Args:
        input: A floating array or number.
        other: A floating array or number, broadcast against ``input``.

    Returns:
        An array of the broadcast shape and the promoted floating dtype.

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.
        ShapeError: If the shapes do not broadcast.
        DTypeError: For integer, bool or complex operands (as torch).

    Example:
        >>> hypot(jnp.array([3.0]), jnp.array([4.0]))
        Array([5.], dtype=float32)
    """
    return _float_binary("hypot", jnp.hypot, input, other, (2,))


@boundary("logaddexp")
def logaddexp(input: ArrayOrScalar, other: ArrayOrScalar) -> jax.Array:
    """``log(exp(input) + exp(other))``, computed stably.

    Args:
        input: A floating array or number.
        other: A floating array or number, broadcast against ``input``.

    Returns:
        An array of the broadcast shape and the promoted floating dtype.

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.
        ShapeError: If the shapes do not broadcast.
        DTypeError: For integer or bool operands (as torch) and complex ones (torch accepts
            complex; this does not).

    Warning:
        Complex operands raise here; torch accepts them.

    Example:
        >>> logaddexp(jnp.array([0.0]), jnp.array([0.0]))
        Array([0.6931472], dtype=float32)
    """
    return _float_binary("logaddexp", jnp.logaddexp, input, other, (2,))


@boundary("logaddexp2")
def logaddexp2(input: ArrayOrScalar, other: ArrayOrScalar) -> jax.Array:
    """``log2(2**input + 2**other)``, computed stably.

    Args:
        input: A floating array or number.
        other: A floating array or number, broadcast against ``input``.

    Returns:
        An array of the broadcast shape and the promoted floating dtype.

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.
        ShapeError: If the shapes do not broadcast.
        DTypeError: For integer, bool or complex operands.

    Example:
        >>> logaddexp2(jnp.array([1.0]), jnp.array([1.0]))
        Array([2.], dtype=float32)
    """
    return _float_binary("logaddexp2", jnp.logaddexp2, input, other, (2,))


@boundary("xlogy")
def xlogy(input: ArrayOrScalar, other: ArrayOrScalar) -> jax.Array:
    """``input * log(other)``, defined as 0 where ``input`` is 0 (unless ``other`` is NaN).

    Args:
        input: The factor; integer and bool operands give float32.
        other: The argument of the logarithm, broadcast against ``input``.

    Returns:
        An array of the broadcast shape and the promoted floating dtype.

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.
        ShapeError: If the shapes do not broadcast.
        DTypeError: For complex operands.

    Example:
        >>> xlogy(jnp.array([0.0, 2.0]), jnp.array([0.0, 1.0]))
        Array([0., 0.], dtype=float32)
    """
    return _float_binary("xlogy", jax.scipy.special.xlogy, input, other, _REAL)


@boundary("nan_to_num")
def nan_to_num(
    input: ArrayOrScalar,
    nan: float = 0.0,
    posinf: float | None = None,
    neginf: float | None = None,
) -> jax.Array:
    """Replace NaN, +inf and -inf with finite numbers; other dtypes pass through unchanged.

    Args:
        input: An array or number (complex: real and imaginary parts are treated apart).
        nan: The value for NaN.
        posinf: The value for +inf; None gives the largest finite value of the dtype.
        neginf: The value for -inf; None gives the lowest finite value of the dtype.

    Returns:
        An array shaped and typed like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number, or a replacement is not a
            number.

    Example:
        >>> nan_to_num(jnp.array([jnp.nan, jnp.inf, 1.0]), posinf=9.0)
        Array([0., 9., 1.], dtype=float32)
    """
    for name, v in (("nan", nan), ("posinf", posinf), ("neginf", neginf)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
            raise ArgumentTypeError(
                f"nan_to_num: argument '{name}' must be a float, got {type(v).__name__}"
            )
    (a,), dtype = _prepare("nan_to_num", input=input)
    if not _dtypes.is_inexact(dtype):
        return a
    return jnp.nan_to_num(a, nan=nan, posinf=posinf, neginf=neginf)


@boundary("copysign")
def copysign(input: ArrayOrScalar, other: ArrayOrScalar) -> jax.Array:
    """The magnitude of ``input`` with the sign (bit) of ``other``; integers give float32.

    Args:
        input: The magnitudes.
        other: The signs, broadcast against ``input``.

    Returns:
        An array of the broadcast shape and the promoted floating dtype.

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.
        ShapeError: If the shapes do not broadcast.
        DTypeError: For complex operands.

    Example:
        >>> copysign(jnp.array([1, 2]), -0.0)
        Array([-1., -2.], dtype=float32)
    """
    return _float_binary("copysign", jnp.copysign, input, other, _REAL)


@boundary("heaviside")
def heaviside(input: ArrayOrScalar, values: ArrayOrScalar) -> jax.Array:
    """The Heaviside step: 0 where ``input < 0``, ``values`` where 0, 1 where ``input > 0``.

    As torch, a NaN input gives 0, and array operands must share one dtype (no promotion). A
    Python number for ``values`` is accepted here (torch requires an array).

    Args:
        input: A real array or number.
        values: The value at zero, broadcast against ``input``.

    Returns:
        An array of the broadcast shape, of ``input``'s dtype.

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.
        ShapeError: If the shapes do not broadcast.
        DTypeError: For complex operands or arrays of different dtypes.

    Example:
        >>> heaviside(jnp.array([-1.0, 0.0, 2.0]), jnp.array([0.5]))
        Array([0. , 0.5, 1. ], dtype=float32)
    """
    (a, v), dtype = _prepare("heaviside", allow=_REAL, input=input, values=values)
    _same_dtype("heaviside", input=input, values=values)
    return jnp.where(a == 0, v, (a > 0).astype(dtype))


@boundary("deg2rad")
def deg2rad(input: ArrayOrScalar) -> jax.Array:
    """Convert degrees to radians; integer and bool input give float32.

    Args:
        input: A real array or number.

    Returns:
        An array shaped like ``input``, of a floating dtype.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.
        DTypeError: For complex input (as torch).

    Example:
        >>> deg2rad(jnp.array([180]))
        Array([3.1415927], dtype=float32)
    """
    return _float_fn("deg2rad", lambda x: x * (math.pi / 180), input, complex_ok=False)


@boundary("rad2deg")
def rad2deg(input: ArrayOrScalar) -> jax.Array:
    """Convert radians to degrees; integer and bool input give float32.

    Args:
        input: A real array or number.

    Returns:
        An array shaped like ``input``, of a floating dtype.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.
        DTypeError: For complex input.

    Example:
        >>> rad2deg(jnp.array([math.pi]))
        Array([180.], dtype=float32)
    """
    return _float_fn("rad2deg", lambda x: x * (180 / math.pi), input, complex_ok=False)


@boundary("sinc")
def sinc(input: ArrayOrScalar) -> jax.Array:
    """The normalized sinc ``sin(pi x) / (pi x)``, 1 at 0; integer input gives float32.

    Args:
        input: An array or number.

    Returns:
        An array shaped like ``input``, floating (or complex) dtype.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.

    Example:
        >>> sinc(jnp.array([0.0, -1.5])).round(2)
        Array([ 1.  , -0.21], dtype=float32)
    """
    return _float_fn("sinc", jnp.sinc, input)


# ----------------------------------------------------------------------------------------------
# complex parts


@boundary("conj")
def conj(input: ArrayOrScalar) -> jax.Array:
    """The complex conjugate; real input is returned unchanged (as a copy: no lazy conj bit).

    Args:
        input: An array or number.

    Returns:
        An array shaped like ``input``, of its dtype.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.

    Example:
        >>> conj(jnp.array([1 + 2j]))
        Array([1.-2.j], dtype=complex64)
    """
    return _unary("conj", jnp.conj, input, floating=False)


@boundary("real")
def real(input: ArrayOrScalar) -> jax.Array:
    """The real part (real input unchanged; torch returns a view, this a copy).

    Args:
        input: An array or number.

    Returns:
        An array shaped like ``input``: complex64 gives float32, complex128 float64.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.

    Example:
        >>> real(jnp.array([1 + 2j]))
        Array([1.], dtype=float32)
    """
    return _unary("real", jnp.real, input, floating=False)


@boundary("imag")
def imag(input: ArrayOrScalar) -> jax.Array:
    """The imaginary part of a complex array.

    Args:
        input: A complex array or number.

    Returns:
        An array shaped like ``input``, of the matching real dtype.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.
        DTypeError: If ``input`` is not complex (as torch: imag is not implemented for
            tensors with non-complex dtypes).

    Example:
        >>> imag(jnp.array([1 + 2j]))
        Array([2.], dtype=float32)
    """
    return _unary("imag", jnp.imag, input, floating=False, allow=(3,))


def _angle(x: jax.Array) -> jax.Array:
    if jnp.iscomplexobj(x):
        return jnp.angle(x)
    # torch: pi for negative numbers, 0 otherwise, nan propagates
    return jnp.where(jnp.isnan(x), x, jnp.where(x < 0, jnp.asarray(math.pi, x.dtype), 0 * x))


@boundary("angle")
def angle(input: ArrayOrScalar) -> jax.Array:
    """The argument (phase) of each element: ``pi`` for negative reals, 0 for the others.

    Args:
        input: An array or number; integers give float32.

    Returns:
        A real floating array shaped like ``input`` (complex64 gives float32).

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.

    Example:
        >>> angle(jnp.array([-1.0, 2.0]))
        Array([3.1415927, 0.       ], dtype=float32)
    """
    return _unary("angle", _angle, input)


# ----------------------------------------------------------------------------------------------
# special functions and number theory


class FrexpResult(NamedTuple):
    """``(mantissa, exponent)`` of :func:`frexp`, as ``torch.return_types.frexp``.

    Example:
        >>> frexp(jnp.array([8.0])).exponent.tolist()
        [4]
    """

    mantissa: jax.Array
    exponent: jax.Array


@boundary("frexp")
def frexp(input: ArrayOrScalar) -> FrexpResult:
    """Split each element into a mantissa in ``(-1, 1)`` and a power of two.

    ``input == mantissa * 2 ** exponent``, with ``0.5 <= |mantissa| < 1`` (0 for 0).

    Args:
        input: A floating array or number.

    Returns:
        ``FrexpResult(mantissa, exponent)``: the mantissa in ``input``'s dtype, the exponent
        ``int32`` (as torch).

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.
        DTypeError: If ``input`` is not floating (torch supports floating dtypes only).

    Example:
        >>> m, e = frexp(jnp.array([8.0, 0.3]))
        >>> m.tolist(), e.tolist()
        ([0.5, 0.6000000238418579], [4, -1])
    """
    (x,), _ = _prepare("frexp", allow=(2,), input=input)
    mantissa, exponent = jnp.frexp(x)
    return FrexpResult(mantissa, exponent.astype(jnp.int32))


@boundary("ldexp")
def ldexp(input: ArrayOrScalar, other: ArrayOrScalar) -> jax.Array:
    """``input * 2 ** other``; integer operands give float32 (as torch).

    Args:
        input: The mantissas.
        other: The exponents, broadcast against ``input``.

    Returns:
        An array of the broadcast shape and the promoted floating dtype.

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.
        ShapeError: If the shapes do not broadcast.

    Example:
        >>> ldexp(jnp.array([1, 2]), jnp.array([3, 1]))
        Array([8., 4.], dtype=float32)
    """
    (a, b), dtype = _prepare("ldexp", floating=True, input=input, other=other)
    return a * jnp.exp2(b.astype(dtype))


def _integer_binary(op: str, fn: Any, input: Any, other: Any) -> jax.Array:
    (a, b), _ = _prepare(op, allow=(1,), input=input, other=other)
    return fn(a, b)


@boundary("gcd")
def gcd(input: ArrayOrScalar, other: ArrayOrScalar) -> jax.Array:
    """Greatest common divisor, elementwise, non-negative (``gcd(0, 0) == 0``).

    Args:
        input: An integer array or number.
        other: An integer array or number, broadcast against ``input``.

    Returns:
        An array of the broadcast shape and the promoted integer dtype.

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.
        ShapeError: If the shapes do not broadcast.
        DTypeError: For bool, floating or complex operands (as torch).

    Example:
        >>> gcd(jnp.array([-4, 0]), jnp.array([6, 0])).tolist()
        [2, 0]
    """
    return _integer_binary("gcd", jnp.gcd, input, other)


@boundary("lcm")
def lcm(input: ArrayOrScalar, other: ArrayOrScalar) -> jax.Array:
    """Least common multiple, elementwise, non-negative (0 when an operand is 0).

    Args:
        input: An integer array or number.
        other: An integer array or number, broadcast against ``input``.

    Returns:
        An array of the broadcast shape and the promoted integer dtype.

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.
        ShapeError: If the shapes do not broadcast.
        DTypeError: For bool, floating or complex operands (as torch).

    Example:
        >>> lcm(jnp.array([-4, 0]), jnp.array([6, 3])).tolist()
        [12, 0]
    """
    return _integer_binary("lcm", jnp.lcm, input, other)


@boundary("i0")
def i0(input: ArrayOrScalar) -> jax.Array:
    """The modified Bessel function of the first kind, order 0; integers give float32.

    Args:
        input: A real array or number.

    Returns:
        An array shaped like ``input``, of a floating dtype.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.
        DTypeError: For complex input.

    Example:
        >>> bool(jnp.allclose(i0(jnp.array([0.0, 1.0])), jnp.array([1.0, 1.2661]), atol=1e-4))
        True
    """
    return _float_fn("i0", jax.scipy.special.i0, input, complex_ok=False)


@boundary("nextafter")
def nextafter(input: ArrayOrScalar, other: ArrayOrScalar) -> jax.Array:
    """The next representable floating value after ``input`` towards ``other``.

    Args:
        input: A floating array or number.
        other: The direction, broadcast against ``input``.

    Returns:
        An array of the broadcast shape and the promoted floating dtype (not differentiable).

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.
        ShapeError: If the shapes do not broadcast.
        DTypeError: For integer, bool or complex operands (as torch).

    Example:
        >>> bool(nextafter(jnp.array([1.0]), 2.0)[0] > 1.0)
        True
    """
    (a, b), _ = _prepare("nextafter", allow=(2,), input=input, other=other)
    return lax.stop_gradient(jnp.nextafter(a, b))


@boundary("polygamma")
def polygamma(n: int, input: ArrayOrScalar) -> jax.Array:
    """The ``n``-th derivative of :func:`digamma`; integers give float32.

    Args:
        n: The order, a non-negative int (0 is digamma).
        input: A real array or number.

    Returns:
        An array shaped like ``input``, of a floating dtype.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number, or ``n`` not an int.
        InvalidArgumentError: If ``n`` is negative.
        DTypeError: For complex input.

    Example:
        >>> polygamma(1, jnp.array([1.0])).round(4)
        Array([1.6449], dtype=float32)
    """
    if not isinstance(n, int | np.integer) or isinstance(n, bool):
        raise ArgumentTypeError(f"polygamma: n must be an int, got {type(n).__name__}")
    if n < 0:
        raise InvalidArgumentError(f"polygamma: n must be non-negative, got {n}")
    if n == 0:
        return _float_fn("polygamma", _digamma, input, complex_ok=False)
    order = int(n)
    return _float_fn(
        "polygamma",
        lambda x: jax.scipy.special.polygamma(jnp.asarray(order, jnp.int32), x),
        input,
        complex_ok=False,
    )


@boundary("mvlgamma")
def mvlgamma(input: ArrayOrScalar, p: int) -> jax.Array:
    """The multivariate log-gamma of dimension ``p``, elementwise.

    ``sum_{i<p} lgamma(input - i/2) + p(p-1)/4 log(pi)``. torch documents the domain
    ``input > (p - 1) / 2``; outside it the value is that of the formula (torch 2.13 does not
    raise either).

    Args:
        input: A floating array or number.
        p: The dimension, a positive int.

    Returns:
        An array shaped like ``input``, of its floating dtype.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number, or ``p`` not an int.
        InvalidArgumentError: If ``p < 1``.
        DTypeError: For integer, bool or complex input (as torch).

    Example:
        >>> mvlgamma(jnp.array([2.5]), 2).round(4)
        Array([0.857], dtype=float32)
    """
    if not isinstance(p, int | np.integer) or isinstance(p, bool):
        raise ArgumentTypeError(f"mvlgamma: p must be an int, got {type(p).__name__}")
    if p < 1:
        raise InvalidArgumentError(f"mvlgamma: p has to be greater than or equal to 1, got {p}")
    (x,), _ = _prepare("mvlgamma", allow=(2,), input=input)
    steps = jnp.arange(int(p), dtype=x.dtype) / 2
    const = p * (p - 1) / 4 * math.log(math.pi)
    return jnp.sum(lax.lgamma(x[..., None] - steps), axis=-1) + jnp.asarray(const, x.dtype)


def _inf_shape(a: jax.Array, x: jax.Array, value: jax.Array, at_inf: float) -> jax.Array:
    """PyTorch's values for ``a = inf``: ``at_inf`` for a finite ``x``, NaN for ``x = inf``."""
    inf_a = jnp.isposinf(a)
    at = jnp.where(jnp.isposinf(x), jnp.nan, at_inf).astype(value.dtype)
    return jnp.where(inf_a, at, value)


@boundary("igamma")
def igamma(input: ArrayOrScalar, other: ArrayOrScalar) -> jax.Array:
    """The regularized lower incomplete gamma function ``P(input, other)``, elementwise.

    ``P(a, x) = 1 / Gamma(a) * integral_0^x t^(a-1) e^(-t) dt`` for ``a > 0, x >= 0``, with
    PyTorch's values at the edges: NaN for ``a < 0`` or ``x < 0``, ``P(0, x) = 1`` for
    ``x > 0``, NaN for ``a = x = 0``, ``P(inf, x) = 0`` for finite ``x``. Differentiable with
    respect to both arguments (JAX's derivative in ``a``; PyTorch implements only the one in
    ``x`` and :mod:`compat` raises as torch for ``a``).

    Args:
        input: The shape ``a``, a floating array or number.
        other: The upper limit ``x``, broadcast against ``input``.

    Returns:
        An array of the broadcast shape and the promoted floating dtype.

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.
        ShapeError: If the shapes do not broadcast.
        DTypeError: If both operands are integer or bool (torch: not implemented), or complex.

    Example:
        >>> [round(v, 4) for v in igamma(jnp.array([1.0, 2.0]), jnp.array([1.0, 3.0])).tolist()]
        [0.6321, 0.8009]
    """
    (a, x), _ = _prepare("igamma", allow=(2,), input=input, other=other)
    return _inf_shape(a, x, jax.scipy.special.gammainc(a, x), 0.0)


@boundary("igammac")
def igammac(input: ArrayOrScalar, other: ArrayOrScalar) -> jax.Array:
    """The regularized upper incomplete gamma function ``Q(input, other) = 1 - P``, elementwise.

    Edge values as PyTorch's (see :func:`igamma`; ``Q(inf, x) = 1`` for finite ``x``).

    Args:
        input: The shape ``a``, a floating array or number.
        other: The lower limit ``x``, broadcast against ``input``.

    Returns:
        An array of the broadcast shape and the promoted floating dtype.

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.
        ShapeError: If the shapes do not broadcast.
        DTypeError: If both operands are integer or bool (torch: not implemented), or complex.

    Example:
        >>> [round(v, 4) for v in igammac(jnp.array([1.0, 2.0]), jnp.array([1.0, 3.0])).tolist()]
        [0.3679, 0.1991]
    """
    (a, x), _ = _prepare("igammac", allow=(2,), input=input, other=other)
    return _inf_shape(a, x, jax.scipy.special.gammaincc(a, x), 1.0)


#: ``torch.special.gammainc``: the same function as :func:`igamma`.
gammainc = igamma
#: ``torch.special.gammaincc``: the same function as :func:`igammac`.
gammaincc = igammac
