"""Elementwise comparison, logical and bitwise ops with PyTorch's type promotion.

Comparisons (``eq`` ... ``ge`` and their aliases, ``isclose``, ``allclose``, ``equal``), predicates
(``isnan``, ``isinf``, ..., ``signbit``), logical ops and bitwise ops. Binary operands may be
arrays or Python numbers, and are promoted with :func:`rustorch_fx.ops.result_type` (PyTorch's
rules, not NumPy's or JAX's; see :mod:`rustorch_fx.ops._promote`) before they are compared or
combined: an integer array compared with a Python float is compared in float32, int8 with uint8
in int16. Comparisons, predicates and logical ops return bool arrays; bitwise ops return the
promoted dtype, whose default integer is int32 here (int64 in torch), in both of JAX's modes.
Differences from torch kept on purpose are documented in each function.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from rustorch_fx import _dtypes
from rustorch_fx._boundary import boundary
from rustorch_fx._checks import is_tracer
from rustorch_fx.errors import (
    ArgumentTypeError,
    InvalidArgumentError,
)
from rustorch_fx.ops._promote import (
    _ANY,
    _INTEGRAL,
    _REAL,
    ArrayOrScalar,
    _operand,
    _prepare,
    _same_dtype,
    _unary,
)

__all__ = [
    # bitwise
    "bitwise_and",
    "bitwise_or",
    "bitwise_xor",
    "bitwise_not",
    "bitwise_left_shift",
    "bitwise_right_shift",
    # comparison
    "eq",
    "ne",
    "not_equal",
    "lt",
    "less",
    "le",
    "less_equal",
    "gt",
    "greater",
    "ge",
    "greater_equal",
    "isclose",
    "allclose",
    "equal",
    "isnan",
    "isinf",
    "isposinf",
    "isneginf",
    "isfinite",
    "isreal",
    "signbit",
    # logical
    "logical_and",
    "logical_or",
    "logical_xor",
    "logical_not",
]


# --------------------------------------------------------------------------------------------
# Bitwise
# --------------------------------------------------------------------------------------------


def _bitwise(op: str, fn: Any, input: Any, other: Any, allow: tuple[int, ...]) -> jax.Array:
    (a, b), _ = _prepare(op, allow=allow, input=input, other=other)
    return fn(a, b)


@boundary("bitwise_and")
def bitwise_and(input: ArrayOrScalar, other: ArrayOrScalar) -> jax.Array:
    """Bitwise AND of integer or bool operands (logical and for bool).

    Args:
        input: An integer or bool array or number.
        other: An integer or bool array or number, broadcast against ``input``.

    Returns:
        An array of the broadcast shape and the promoted dtype.

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.
        ShapeError: If the shapes do not broadcast.
        DTypeError: If the promoted dtype is floating or complex (a float scalar included).

    Example:
        >>> bitwise_and(jnp.array([12]), 10)
        Array([8], dtype=int32)
    """
    return _bitwise("bitwise_and", jnp.bitwise_and, input, other, _INTEGRAL)


@boundary("bitwise_or")
def bitwise_or(input: ArrayOrScalar, other: ArrayOrScalar) -> jax.Array:
    """Bitwise OR of integer or bool operands.

    Args:
        input: An integer or bool array or number.
        other: An integer or bool array or number, broadcast against ``input``.

    Returns:
        An array of the broadcast shape and the promoted dtype.

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.
        ShapeError: If the shapes do not broadcast.
        DTypeError: If the promoted dtype is floating or complex.

    Example:
        >>> bitwise_or(jnp.array([12]), 10)
        Array([14], dtype=int32)
    """
    return _bitwise("bitwise_or", jnp.bitwise_or, input, other, _INTEGRAL)


@boundary("bitwise_xor")
def bitwise_xor(input: ArrayOrScalar, other: ArrayOrScalar) -> jax.Array:
    """Bitwise XOR of integer or bool operands.

    Args:
        input: An integer or bool array or number.
        other: An integer or bool array or number, broadcast against ``input``.

    Returns:
        An array of the broadcast shape and the promoted dtype.

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.
        ShapeError: If the shapes do not broadcast.
        DTypeError: If the promoted dtype is floating or complex.

    Example:
        >>> bitwise_xor(jnp.array([12]), 10)
        Array([6], dtype=int32)
    """
    return _bitwise("bitwise_xor", jnp.bitwise_xor, input, other, _INTEGRAL)


@boundary("bitwise_not")
def bitwise_not(input: ArrayOrScalar) -> jax.Array:
    """Bitwise NOT of an integer array (logical not for bool).

    Args:
        input: An integer or bool array or number.

    Returns:
        An array shaped and typed like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.
        DTypeError: For floating or complex input.

    Example:
        >>> bitwise_not(jnp.array([0, 5]))
        Array([-1, -6], dtype=int32)
    """
    return _unary("bitwise_not", jnp.bitwise_not, input, floating=False, allow=_INTEGRAL)


@boundary("bitwise_left_shift")
def bitwise_left_shift(input: ArrayOrScalar, other: ArrayOrScalar) -> jax.Array:
    """Shift the bits of ``input`` left by ``other``.

    As torch (and XLA), shifting by the bit width or more, or by a negative amount, gives 0.

    Args:
        input: An integer array or number.
        other: The shift amounts, broadcast against ``input``.

    Returns:
        An array of the broadcast shape and the promoted integer dtype.

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.
        ShapeError: If the shapes do not broadcast.
        DTypeError: For bool, floating or complex operands (as torch).

    Example:
        >>> bitwise_left_shift(jnp.array([1, 3]), 2)
        Array([ 4, 12], dtype=int32)
    """
    return _bitwise("bitwise_left_shift", jnp.left_shift, input, other, (1,))


@boundary("bitwise_right_shift")
def bitwise_right_shift(input: ArrayOrScalar, other: ArrayOrScalar) -> jax.Array:
    """Shift the bits of ``input`` right by ``other`` (arithmetic for signed integers).

    As torch, shifting by the bit width or more gives 0 (or -1 for negative signed values),
    and a negative shift amount gives 0.

    Args:
        input: An integer array or number.
        other: The shift amounts, broadcast against ``input``.

    Returns:
        An array of the broadcast shape and the promoted integer dtype.

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.
        ShapeError: If the shapes do not broadcast.
        DTypeError: For bool, floating or complex operands.

    Example:
        >>> bitwise_right_shift(jnp.array([-8, 8]), 2)
        Array([-2,  2], dtype=int32)
    """
    return _bitwise("bitwise_right_shift", jnp.right_shift, input, other, (1,))


# --------------------------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------------------------


def _compare(op: str, fn: Any, input: Any, other: Any, allow: tuple[int, ...]) -> jax.Array:
    (a, b), _ = _prepare(op, allow=allow, input=input, other=other)
    return fn(a, b)


@boundary("eq")
def eq(input: ArrayOrScalar, other: ArrayOrScalar) -> jax.Array:
    """``input == other`` elementwise, compared in the promoted dtype.

    Args:
        input: The first operand.
        other: The second operand, broadcast against ``input``.

    Returns:
        A bool array of the broadcast shape.

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.
        ShapeError: If the shapes do not broadcast.

    Example:
        >>> eq(jnp.array([1, 2]), 2.0)
        Array([False,  True], dtype=bool)
    """
    return _compare("eq", jnp.equal, input, other, _ANY)


@boundary("ne")
def ne(input: ArrayOrScalar, other: ArrayOrScalar) -> jax.Array:
    """``input != other`` elementwise (NaN is not equal to anything).

    Args:
        input: The first operand.
        other: The second operand, broadcast against ``input``.

    Returns:
        A bool array of the broadcast shape.

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.
        ShapeError: If the shapes do not broadcast.

    Example:
        >>> ne(jnp.array([1.0, jnp.nan]), jnp.array([1.0, jnp.nan]))
        Array([False,  True], dtype=bool)
    """
    return _compare("ne", jnp.not_equal, input, other, _ANY)


not_equal = ne


@boundary("lt")
def lt(input: ArrayOrScalar, other: ArrayOrScalar) -> jax.Array:
    """``input < other`` elementwise.

    Args:
        input: The first operand.
        other: The second operand, broadcast against ``input``.

    Returns:
        A bool array of the broadcast shape.

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.
        ShapeError: If the shapes do not broadcast.
        DTypeError: For complex operands (as torch).

    Example:
        >>> lt(jnp.array([1, 2]), 1.5)
        Array([ True, False], dtype=bool)
    """
    return _compare("lt", jnp.less, input, other, _REAL)


less = lt


@boundary("le")
def le(input: ArrayOrScalar, other: ArrayOrScalar) -> jax.Array:
    """``input <= other`` elementwise.

    Args:
        input: The first operand.
        other: The second operand, broadcast against ``input``.

    Returns:
        A bool array of the broadcast shape.

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.
        ShapeError: If the shapes do not broadcast.
        DTypeError: For complex operands.

    Example:
        >>> le(jnp.array([1, 2]), 1)
        Array([ True, False], dtype=bool)
    """
    return _compare("le", jnp.less_equal, input, other, _REAL)


less_equal = le


@boundary("gt")
def gt(input: ArrayOrScalar, other: ArrayOrScalar) -> jax.Array:
    """``input > other`` elementwise.

    Args:
        input: The first operand.
        other: The second operand, broadcast against ``input``.

    Returns:
        A bool array of the broadcast shape.

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.
        ShapeError: If the shapes do not broadcast.
        DTypeError: For complex operands.

    Example:
        >>> gt(jnp.array([1, 2]), 1)
        Array([False,  True], dtype=bool)
    """
    return _compare("gt", jnp.greater, input, other, _REAL)


greater = gt


@boundary("ge")
def ge(input: ArrayOrScalar, other: ArrayOrScalar) -> jax.Array:
    """``input >= other`` elementwise.

    Args:
        input: The first operand.
        other: The second operand, broadcast against ``input``.

    Returns:
        A bool array of the broadcast shape.

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.
        ShapeError: If the shapes do not broadcast.
        DTypeError: For complex operands.

    Example:
        >>> ge(jnp.array([1, 2]), 2)
        Array([False,  True], dtype=bool)
    """
    return _compare("ge", jnp.greater_equal, input, other, _REAL)


greater_equal = ge


def _check_tolerance(op: str, name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ArgumentTypeError(
            f"{op}: argument '{name}' must be a float, got {type(value).__name__}"
        )
    if value < 0:
        raise InvalidArgumentError(
            f"{op}: {name} must be greater than or equal to zero, got {value}"
        )


def _isclose(op: str, input: Any, other: Any, rtol: Any, atol: Any, equal_nan: bool) -> jax.Array:
    _check_tolerance(op, "rtol", rtol)
    _check_tolerance(op, "atol", atol)
    (a, b), dtype = _prepare(op, input=input, other=other)
    _same_dtype(op, input=input, other=other)
    close = a == b
    if _dtypes.is_inexact(dtype) and equal_nan:
        close = close | (jnp.isnan(a) & jnp.isnan(b))
    if rtol == 0 and atol == 0:
        return close
    if not _dtypes.is_inexact(dtype):
        a, b = a.astype(_dtypes.DEFAULT_FLOAT), b.astype(_dtypes.DEFAULT_FLOAT)
    allowed = atol + jnp.abs(rtol * b)
    actual = jnp.abs(a - b)
    return close | (jnp.isfinite(actual) & (actual <= allowed))


@boundary("isclose")
def isclose(
    input: ArrayOrScalar,
    other: ArrayOrScalar,
    rtol: float = 1e-05,
    atol: float = 1e-08,
    equal_nan: bool = False,
) -> jax.Array:
    """Whether ``|input - other| <= atol + rtol * |other|``, elementwise (as torch).

    Equal infinities are close; NaNs are close to each other only with ``equal_nan``. Integer
    and bool arrays are compared in float32 (torch: the default float dtype too). As torch,
    array operands must share one dtype; a Python number for ``other`` is accepted here.

    Args:
        input: The first operand.
        other: The second operand, broadcast against ``input``.
        rtol: Relative tolerance (>= 0).
        atol: Absolute tolerance (>= 0).
        equal_nan: Whether two NaNs count as close.

    Returns:
        A bool array of the broadcast shape.

    Raises:
        ArgumentTypeError: If an operand is not an array or a number, or a tolerance is not.
        InvalidArgumentError: If a tolerance is negative.
        ShapeError: If the shapes do not broadcast.
        DTypeError: If the arrays have different dtypes (as torch).

    Example:
        >>> isclose(jnp.array([1.0, jnp.nan]), jnp.array([1.0 + 1e-7, jnp.nan]), equal_nan=True)
        Array([ True,  True], dtype=bool)
    """
    return _isclose("isclose", input, other, rtol, atol, equal_nan)


@boundary("allclose")
def allclose(
    input: ArrayOrScalar,
    other: ArrayOrScalar,
    rtol: float = 1e-05,
    atol: float = 1e-08,
    equal_nan: bool = False,
) -> bool | jax.Array:
    """Whether every element of ``input`` is close to ``other`` (see :func:`isclose`).

    Args:
        input: The first operand.
        other: The second operand, broadcast against ``input``.
        rtol: Relative tolerance (>= 0).
        atol: Absolute tolerance (>= 0).
        equal_nan: Whether two NaNs count as close.

    Returns:
        A Python ``bool`` when the inputs are concrete. Under ``jax.jit`` (or another
        transform) the answer is not known while tracing, so a 0-d bool array is returned.

    Raises:
        ArgumentTypeError: If an operand is not an array or a number, or a tolerance is not.
        InvalidArgumentError: If a tolerance is negative.
        ShapeError: If the shapes do not broadcast.
        DTypeError: If the arrays have different dtypes (as torch).

    Warning:
        Under ``jax.jit`` (or another transform) the result is a 0-d bool array, not a
        Python ``bool``: its value is unknown while tracing.

    Example:
        >>> allclose(jnp.array([1.0, 2.0]), jnp.array([1.0, 2.0 + 1e-6]))
        True
    """
    result = jnp.all(_isclose("allclose", input, other, rtol, atol, equal_nan))
    return result if is_tracer(result) else bool(result)


@boundary("equal")
def equal(input: ArrayOrScalar, other: ArrayOrScalar) -> bool | jax.Array:
    """Whether ``input`` and ``other`` have the same shape and equal values (NaN is unequal).

    Dtypes may differ (values are compared after promotion, as torch); shapes must match
    exactly, without broadcasting.

    Args:
        input: The first array.
        other: The second array.

    Returns:
        A Python ``bool`` when the inputs are concrete; under ``jax.jit`` a 0-d bool array
        (a shape mismatch still gives ``False`` there, as shapes are static).

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.

    Warning:
        Under ``jax.jit`` (or another transform) the result is a 0-d bool array, not a
        Python ``bool``: its value is unknown while tracing.

    Example:
        >>> equal(jnp.array([1, 2]), jnp.array([1.0, 2.0]))
        True
        >>> equal(jnp.array([1, 1]), jnp.array([1]))
        False
    """
    a = _operand("equal", "input", input)[0]
    b = _operand("equal", "other", other)[0]
    if np.shape(a) != np.shape(b):
        return False
    result = jnp.all(eq(a, b))
    return result if is_tracer(result) else bool(result)


def _predicate(op: str, fn: Any, input: Any, allow: tuple[int, ...] = _ANY) -> jax.Array:
    (a,), _ = _prepare(op, allow=allow, input=input)
    return fn(a)


@boundary("isnan")
def isnan(input: ArrayOrScalar) -> jax.Array:
    """Whether each element is NaN (always False for integer and bool input).

    Args:
        input: An array or number.

    Returns:
        A bool array shaped like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.

    Example:
        >>> isnan(jnp.array([1.0, jnp.nan]))
        Array([False,  True], dtype=bool)
    """
    return _predicate("isnan", jnp.isnan, input)


@boundary("isinf")
def isinf(input: ArrayOrScalar) -> jax.Array:
    """Whether each element is +inf or -inf (for complex: either part).

    Args:
        input: An array or number.

    Returns:
        A bool array shaped like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.

    Example:
        >>> isinf(jnp.array([1.0, -jnp.inf]))
        Array([False,  True], dtype=bool)
    """
    return _predicate("isinf", jnp.isinf, input)


@boundary("isposinf")
def isposinf(input: ArrayOrScalar) -> jax.Array:
    """Whether each element is +inf.

    Args:
        input: A real array or number.

    Returns:
        A bool array shaped like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.
        DTypeError: For complex input (as torch).

    Example:
        >>> isposinf(jnp.array([jnp.inf, -jnp.inf]))
        Array([ True, False], dtype=bool)
    """
    return _predicate("isposinf", jnp.isposinf, input, _REAL)


@boundary("isneginf")
def isneginf(input: ArrayOrScalar) -> jax.Array:
    """Whether each element is -inf.

    Args:
        input: A real array or number.

    Returns:
        A bool array shaped like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.
        DTypeError: For complex input (as torch).

    Example:
        >>> isneginf(jnp.array([jnp.inf, -jnp.inf]))
        Array([False,  True], dtype=bool)
    """
    return _predicate("isneginf", jnp.isneginf, input, _REAL)


@boundary("isfinite")
def isfinite(input: ArrayOrScalar) -> jax.Array:
    """Whether each element is finite (not NaN or ±inf; always True for integers).

    Args:
        input: An array or number.

    Returns:
        A bool array shaped like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.

    Example:
        >>> isfinite(jnp.array([1.0, jnp.inf, jnp.nan]))
        Array([ True, False, False], dtype=bool)
    """
    return _predicate("isfinite", jnp.isfinite, input)


@boundary("isreal")
def isreal(input: ArrayOrScalar) -> jax.Array:
    """Whether each element has a zero imaginary part (always True for real dtypes).

    Args:
        input: An array or number.

    Returns:
        A bool array shaped like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.

    Example:
        >>> isreal(jnp.array([1 + 0j, 1j]))
        Array([ True, False], dtype=bool)
    """
    return _predicate("isreal", jnp.isreal, input)


def _signbit(x: jax.Array) -> jax.Array:
    if x.dtype == np.bool_:
        return jnp.zeros(x.shape, _dtypes.BOOL)
    return jnp.signbit(x)


@boundary("signbit")
def signbit(input: ArrayOrScalar) -> jax.Array:
    """Whether each element's sign bit is set (True for -0.0 and negative NaN, as torch).

    Args:
        input: A real array or number.

    Returns:
        A bool array shaped like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.
        DTypeError: For complex input (as torch).

    Example:
        >>> signbit(jnp.array([-0.0, 0.0, -1.0]))
        Array([ True, False,  True], dtype=bool)
    """
    return _predicate("signbit", _signbit, input, _REAL)


# --------------------------------------------------------------------------------------------
# Logical
# --------------------------------------------------------------------------------------------


def _logical(op: str, fn: Any, input: Any, other: Any) -> jax.Array:
    (a, b), _ = _prepare(op, input=input, other=other)
    return fn(a != 0, b != 0)


@boundary("logical_and")
def logical_and(input: ArrayOrScalar, other: ArrayOrScalar) -> jax.Array:
    """Elementwise logical AND; nonzero (NaN included) is True, any dtype in, bool out.

    Args:
        input: The first operand.
        other: The second operand, broadcast against ``input``.

    Returns:
        A bool array of the broadcast shape.

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.
        ShapeError: If the shapes do not broadcast.

    Example:
        >>> logical_and(jnp.array([0.0, 2.0]), jnp.array([1, 1]))
        Array([False,  True], dtype=bool)
    """
    return _logical("logical_and", jnp.logical_and, input, other)


@boundary("logical_or")
def logical_or(input: ArrayOrScalar, other: ArrayOrScalar) -> jax.Array:
    """Elementwise logical OR; any dtype in, bool out.

    Args:
        input: The first operand.
        other: The second operand, broadcast against ``input``.

    Returns:
        A bool array of the broadcast shape.

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.
        ShapeError: If the shapes do not broadcast.

    Example:
        >>> logical_or(jnp.array([0, 0]), jnp.array([0, 3]))
        Array([False,  True], dtype=bool)
    """
    return _logical("logical_or", jnp.logical_or, input, other)


@boundary("logical_xor")
def logical_xor(input: ArrayOrScalar, other: ArrayOrScalar) -> jax.Array:
    """Elementwise logical XOR; any dtype in, bool out.

    Args:
        input: The first operand.
        other: The second operand, broadcast against ``input``.

    Returns:
        A bool array of the broadcast shape.

    Raises:
        ArgumentTypeError: If an operand is not an array or a number.
        ShapeError: If the shapes do not broadcast.

    Example:
        >>> logical_xor(jnp.array([0.0, 1.0]), jnp.array([2, 0]))
        Array([ True,  True], dtype=bool)
    """
    return _logical("logical_xor", jnp.logical_xor, input, other)


@boundary("logical_not")
def logical_not(input: ArrayOrScalar) -> jax.Array:
    """Elementwise logical NOT: True where ``input`` is zero; any dtype in, bool out.

    Args:
        input: An array or number.

    Returns:
        A bool array shaped like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or a number.

    Example:
        >>> logical_not(jnp.array([0.0, 1.0]))
        Array([ True, False], dtype=bool)
    """
    return _predicate("logical_not", lambda x: x == 0, input)
