"""Array creation with PyTorch's semantics: zeros, ones, full, arange, linspace, eye, ...

Every function takes ``dtype=`` and names the dtype of what it creates, so results are the same
with JAX's 64-bit mode on or off: floating results default to ``float32``, integer results
to ``int32`` (torch: ``int64``; see :mod:`rustorch_fx._dtypes`). Asking for a 64-bit dtype
while 64-bit mode is off raises :class:`~rustorch_fx.errors.DTypeError`.

Sizes may be given as varargs or as one sequence (``zeros(2, 3)`` or ``zeros((2, 3))``).
``empty`` and ``empty_like`` return zeros: JAX arrays are never uninitialised.
Ranges (:func:`arange`, :func:`linspace`, :func:`logspace`) are computed in float64 on the host,
as torch's CPU kernels do, then cast, so their values match torch's; their bounds must
therefore be concrete Python numbers (static under ``jax.jit``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from rustorch_fx import _dtypes
from rustorch_fx._checks import as_array, is_int, is_tracer, size_arg
from rustorch_fx.errors import (
    ArgumentTypeError,
    DTypeError,
    InvalidArgumentError,
    ShapeError,
    TracingError,
)

__all__ = [
    "zeros",
    "ones",
    "empty",
    "full",
    "zeros_like",
    "ones_like",
    "empty_like",
    "full_like",
    "arange",
    "linspace",
    "logspace",
    "eye",
    "tril_indices",
    "triu_indices",
]

ArrayLike = Any
DTypeLike = Any


# ----------------------------------------------------------------------------------------------
# private helpers
# ----------------------------------------------------------------------------------------------


def _scalar(op: str, name: str, value: Any) -> int | float | complex:
    """A concrete Python number from a number, numpy scalar or concrete 0-d array."""
    if is_tracer(value):
        raise TracingError(
            f"{op}: argument '{name}' is traced, but the output shape depends on it; "
            "pass a Python number (static under jax.jit)"
        )
    if isinstance(value, (bool, int, float, complex, np.number)):
        return value.item() if isinstance(value, np.number) else value
    if isinstance(value, (jax.Array, np.ndarray)) and np.ndim(value) == 0:
        return np.asarray(value).item()
    raise ArgumentTypeError(f"{op}: argument '{name}' must be a number, got {value!r}")


def _numeric_dtype(op: str, dt: np.dtype) -> None:
    if dt == _dtypes.BOOL:
        raise DTypeError(f"{op}: not implemented for dtype bool")


# ----------------------------------------------------------------------------------------------
# constant arrays
# ----------------------------------------------------------------------------------------------


def zeros(*size: int | Sequence[int], dtype: DTypeLike = None) -> jax.Array:
    """An array of zeros.

    Args:
        *size: The shape, as varargs or one sequence.
        dtype: The dtype; ``float32`` by default.

    Returns:
        An array of shape ``size``.

    Raises:
        ShapeError: If a size is negative.
        DTypeError: If ``dtype`` is invalid or needs 64-bit mode.

    Example:
        >>> from rustorch_fx import ops
        >>> ops.zeros(2, 3).shape
        (2, 3)
    """
    return jnp.zeros(
        size_arg("zeros", size), _dtypes.resolve("zeros", dtype, _dtypes.DEFAULT_FLOAT)
    )


def ones(*size: int | Sequence[int], dtype: DTypeLike = None) -> jax.Array:
    """An array of ones.

    Args:
        *size: The shape, as varargs or one sequence.
        dtype: The dtype; ``float32`` by default.

    Returns:
        An array of shape ``size``.

    Raises:
        ShapeError: If a size is negative.
        DTypeError: If ``dtype`` is invalid or needs 64-bit mode.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.ones((2,), dtype=jnp.int32).tolist()
        [1, 1]
    """
    return jnp.ones(size_arg("ones", size), _dtypes.resolve("ones", dtype, _dtypes.DEFAULT_FLOAT))


def empty(*size: int | Sequence[int], dtype: DTypeLike = None) -> jax.Array:
    """An "uninitialised" array; JAX arrays always hold values, so this returns zeros.

    Args:
        *size: The shape, as varargs or one sequence.
        dtype: The dtype; ``float32`` by default.

    Returns:
        An array of zeros of shape ``size``.

    Raises:
        ShapeError: If a size is negative.
        DTypeError: If ``dtype`` is invalid or needs 64-bit mode.

    Example:
        >>> from rustorch_fx import ops
        >>> ops.empty(3).dtype
        dtype('float32')
    """
    return jnp.zeros(
        size_arg("empty", size), _dtypes.resolve("empty", dtype, _dtypes.DEFAULT_FLOAT)
    )


def _fill_dtype(fill_value: Any) -> np.dtype:
    if isinstance(fill_value, (jax.Array, np.ndarray, np.generic)):
        return np.dtype(fill_value.dtype)
    return _dtypes.result_type(fill_value)


def _fill(op: str, fill_value: Any) -> Any:
    if isinstance(fill_value, (jax.Array, np.ndarray)) and np.ndim(fill_value) != 0:
        raise ShapeError(
            f"{op}: fill_value must be a number or a 0-d array, got shape {np.shape(fill_value)}"
        )
    if not isinstance(fill_value, (bool, int, float, complex, np.generic, jax.Array, np.ndarray)):
        raise ArgumentTypeError(f"{op}: fill_value must be a number, got {fill_value!r}")
    return fill_value


def full(size: Sequence[int], fill_value: ArrayLike, *, dtype: DTypeLike = None) -> jax.Array:
    """An array filled with ``fill_value``.

    Without ``dtype``, the dtype follows ``fill_value`` as in torch: ``bool`` gives bool, an
    ``int`` gives ``int32`` (torch: int64), a ``float`` gives ``float32``, a ``complex`` gives
    ``complex64``; a 0-d array (which may be traced) gives its own dtype.

    Args:
        size: The shape.
        fill_value: A number or a 0-d array.
        dtype: The dtype, overriding the inference.

    Returns:
        An array of shape ``size``.

    Raises:
        ShapeError: If a size is negative or ``fill_value`` is not 0-d.
        DTypeError: If ``dtype`` is invalid or needs 64-bit mode.

    Example:
        >>> from rustorch_fx import ops
        >>> ops.full((2,), 7).tolist(), ops.full((1,), 0.5).dtype
        ([7, 7], dtype('float32'))
    """
    shape = size_arg("full", (size,))
    value = _fill("full", fill_value)
    dt = _dtypes.resolve("full", dtype, _fill_dtype(value))
    return jnp.full(shape, value, dtype=dt)


def _like(op: str, input: ArrayLike, dtype: DTypeLike) -> tuple[tuple[int, ...], np.dtype]:
    x = as_array(op, "input", input)
    return x.shape, _dtypes.resolve(op, dtype, x.dtype)


def zeros_like(input: ArrayLike, *, dtype: DTypeLike = None) -> jax.Array:
    """Zeros with ``input``'s shape and (by default) dtype.

    Args:
        input: The array whose shape to copy.
        dtype: The dtype; ``input.dtype`` by default.

    Returns:
        An array of shape ``input.shape``.

    Raises:
        DTypeError: If ``dtype`` is invalid or needs 64-bit mode.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.zeros_like(jnp.ones((2, 2), dtype=jnp.int32)).tolist()
        [[0, 0], [0, 0]]
    """
    shape, dt = _like("zeros_like", input, dtype)
    return jnp.zeros(shape, dt)


def ones_like(input: ArrayLike, *, dtype: DTypeLike = None) -> jax.Array:
    """Ones with ``input``'s shape and (by default) dtype.

    Args:
        input: The array whose shape to copy.
        dtype: The dtype; ``input.dtype`` by default.

    Returns:
        An array of shape ``input.shape``.

    Raises:
        DTypeError: If ``dtype`` is invalid or needs 64-bit mode.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.ones_like(jnp.zeros(2), dtype=jnp.bool_).tolist()
        [True, True]
    """
    shape, dt = _like("ones_like", input, dtype)
    return jnp.ones(shape, dt)


def empty_like(input: ArrayLike, *, dtype: DTypeLike = None) -> jax.Array:
    """Like :func:`zeros_like` (JAX arrays are never uninitialised).

    Args:
        input: The array whose shape to copy.
        dtype: The dtype; ``input.dtype`` by default.

    Returns:
        An array of zeros of shape ``input.shape``.

    Raises:
        DTypeError: If ``dtype`` is invalid or needs 64-bit mode.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.empty_like(jnp.ones(3)).shape
        (3,)
    """
    shape, dt = _like("empty_like", input, dtype)
    return jnp.zeros(shape, dt)


def full_like(input: ArrayLike, fill_value: ArrayLike, *, dtype: DTypeLike = None) -> jax.Array:
    """An array of ``input``'s shape filled with ``fill_value``, with ``input``'s dtype by default.

    Args:
        input: The array whose shape to copy.
        fill_value: A number or a 0-d array (cast to the dtype, as torch does).
        dtype: The dtype; ``input.dtype`` by default.

    Returns:
        An array of shape ``input.shape``.

    Raises:
        ShapeError: If ``fill_value`` is not 0-d.
        DTypeError: If ``dtype`` is invalid or needs 64-bit mode.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.full_like(jnp.zeros(2, dtype=jnp.int32), 2.7).tolist()
        [2, 2]
    """
    shape, dt = _like("full_like", input, dtype)
    return jnp.full(shape, _fill("full_like", fill_value), dtype=dt)


# ----------------------------------------------------------------------------------------------
# ranges
# ----------------------------------------------------------------------------------------------


def arange(
    start: float,
    end: float | None = None,
    step: float = 1,
    *,
    dtype: DTypeLike = None,
) -> jax.Array:
    """Values from ``start`` (inclusive) to ``end`` (exclusive) in steps of ``step``.

    ``arange(n)`` is ``arange(0, n)``. The length is ``ceil((end - start) / step)``. Without
    ``dtype``, any float argument gives ``float32``, otherwise ``int32`` (torch: int64). With an
    integer ``dtype``, the arguments are truncated to integers first, as torch does for int64
    (for narrower integer dtypes torch takes the length from the untruncated arguments, so
    ``arange(0, 5, 1.5)`` has 5 elements here and in torch's int64, 4 in torch's int32). Values are
    ``start + i * step`` computed in float64 then cast, as torch's CPU kernel does.

    Args:
        start: The first value (or ``end`` when ``end`` is omitted).
        end: The bound, excluded.
        step: The gap between values, non-zero, with the sign of ``end - start``.
        dtype: The dtype of the result.

    Returns:
        A 1-D array.

    Raises:
        InvalidArgumentError: If ``step`` is 0, has the wrong sign, or a bound is not finite.
        DTypeError: If ``dtype`` is bool, invalid or needs 64-bit mode.
        TracingError: If an argument is traced (the length would depend on it).

    Example:
        >>> from rustorch_fx import ops
        >>> ops.arange(5).tolist(), ops.arange(1, 2, 0.25).tolist()
        ([0, 1, 2, 3, 4], [1.0, 1.25, 1.5, 1.75])
    """
    if end is None:
        start, end = 0, start
    values = [_scalar("arange", n, v) for n, v in (("start", start), ("end", end), ("step", step))]
    if any(isinstance(v, complex) for v in values):
        raise ArgumentTypeError(f"arange: complex arguments are not supported, got {values}")
    default = (
        _dtypes.DEFAULT_FLOAT if any(isinstance(v, float) for v in values) else _dtypes.DEFAULT_INT
    )
    dt = _dtypes.resolve("arange", dtype, default)
    _numeric_dtype("arange", dt)
    if not all(math.isfinite(v) for v in values):
        raise InvalidArgumentError(f"arange: unsupported range: {values[0]} -> {values[1]}")
    integral = _dtypes.category(dt) == 1
    a, b, s = (int(v) for v in values) if integral else values
    if s == 0:
        raise InvalidArgumentError("arange: step must be nonzero")
    if (b - a) * s < 0:
        raise InvalidArgumentError(
            f"arange: upper bound and lower bound inconsistent with step sign "
            f"(start={a}, end={b}, step={s})"
        )
    if integral:
        n = -(-(b - a) // s)
        return lax.iota(dt, n) * np.asarray(s, dt) + np.asarray(a, dt)
    n = math.ceil((b - a) / s)
    return jnp.asarray(a + s * np.arange(n, dtype=np.float64), dtype=dt)


def _linspace_f64(op: str, start: Any, end: Any, steps: Any) -> np.ndarray:
    a = _scalar(op, "start", start)
    b = _scalar(op, "end", end)
    if not is_int(steps):
        raise ArgumentTypeError(f"{op}: argument 'steps' must be an int, got {steps!r}")
    if steps < 0:
        raise InvalidArgumentError(f"{op}: number of steps must be non-negative, got {steps}")
    if steps == 1:
        return np.asarray([a], dtype=np.float64)
    step = (b - a) / max(steps - 1, 1)
    i = np.arange(steps, dtype=np.float64)
    # torch's kernel: the first half counts up from start, the second half down from end.
    return np.where(i < steps // 2, a + i * step, b - (steps - 1 - i) * step)


def linspace(start: float, end: float, steps: int, *, dtype: DTypeLike = None) -> jax.Array:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included.

    Values are computed as torch's kernel does (the first half from ``start``, the second half
    from ``end``) in float64, then cast; integer dtypes truncate.

    Args:
        start: The first value.
        end: The last value.
        steps: The number of values, non-negative.
        dtype: The dtype; ``float32`` by default.

    Returns:
        A 1-D array of length ``steps``.

    Raises:
        InvalidArgumentError: If ``steps`` is negative.
        DTypeError: If ``dtype`` is invalid or needs 64-bit mode.
        TracingError: If ``start`` or ``end`` is traced.

    Example:
        >>> from rustorch_fx import ops
        >>> ops.linspace(0, 1, 5).tolist()
        [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    values = _linspace_f64("linspace", start, end, steps)
    dt = _dtypes.resolve("linspace", dtype, _dtypes.DEFAULT_FLOAT)
    return jnp.asarray(values.astype(dt))


def logspace(
    start: float, end: float, steps: int, base: float = 10.0, *, dtype: DTypeLike = None
) -> jax.Array:
    """``steps`` values ``base ** x`` for ``x`` evenly spaced from ``start`` to ``end``.

    Args:
        start: The first exponent.
        end: The last exponent.
        steps: The number of values, non-negative.
        base: The base.
        dtype: The dtype; ``float32`` by default.

    Returns:
        A 1-D array of length ``steps``.

    Raises:
        InvalidArgumentError: If ``steps`` is negative.
        DTypeError: If ``dtype`` is invalid or needs 64-bit mode.
        TracingError: If an argument is traced.

    Example:
        >>> from rustorch_fx import ops
        >>> ops.logspace(0, 2, 3).tolist()
        [1.0, 10.0, 100.0]
    """
    exponents = _linspace_f64("logspace", start, end, steps)
    b = _scalar("logspace", "base", base)
    dt = _dtypes.resolve("logspace", dtype, _dtypes.DEFAULT_FLOAT)
    with np.errstate(over="ignore"):
        return jnp.asarray(np.power(np.float64(b), exponents).astype(dt))


def eye(n: int, m: int | None = None, *, dtype: DTypeLike = None) -> jax.Array:
    """A 2-D array with ones on the diagonal and zeros elsewhere.

    Args:
        n: The number of rows.
        m: The number of columns; ``n`` by default.
        dtype: The dtype; ``float32`` by default.

    Returns:
        An array of shape ``(n, m)``.

    Raises:
        InvalidArgumentError: If ``n`` or ``m`` is negative.
        DTypeError: If ``dtype`` is invalid or needs 64-bit mode.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.eye(2, 3, dtype=jnp.int32).tolist()
        [[1, 0, 0], [0, 1, 0]]
    """
    m = n if m is None else m
    for name, v in (("n", n), ("m", m)):
        if not is_int(v):
            raise ArgumentTypeError(f"eye: argument '{name}' must be an int, got {v!r}")
        if v < 0:
            raise InvalidArgumentError(f"eye: {name} must be greater or equal to 0, got {v}")
    return jnp.eye(int(n), int(m), dtype=_dtypes.resolve("eye", dtype, _dtypes.DEFAULT_FLOAT))


def _tri_indices(
    op: str, row: int, col: int, offset: int, dtype: DTypeLike, lower: bool
) -> jax.Array:
    for name, v in (("row", row), ("col", col), ("offset", offset)):
        if not is_int(v):
            raise ArgumentTypeError(f"{op}: argument '{name}' must be an int, got {v!r}")
    for name, v in (("row", row), ("col", col)):
        if v < 0:
            raise InvalidArgumentError(f"{op}: {name} must be non-negative, got {v}")
    dt = _dtypes.resolve(op, dtype, _dtypes.INDEX)
    if _dtypes.category(dt) != 1:
        raise DTypeError(f"{op}: dtype must be an integer dtype, got {dt.name}")
    make = np.tril_indices if lower else np.triu_indices
    rows, cols = make(int(row), int(offset), int(col))
    return jnp.asarray(np.stack([rows, cols]).astype(dt))


def tril_indices(row: int, col: int, offset: int = 0, *, dtype: DTypeLike = None) -> jax.Array:
    """Coordinates of the lower triangle (with the ``offset``-th diagonal) of a ``row x col`` matrix.

    Args:
        row: The number of rows.
        col: The number of columns.
        offset: Which diagonal bounds the triangle: 0 main, positive above, negative below.
        dtype: An integer dtype; ``int32`` by default (torch: int64).

    Returns:
        An array of shape ``(2, N)``: row indices then column indices, in row-major order.

    Raises:
        InvalidArgumentError: If ``row`` or ``col`` is negative.
        DTypeError: If ``dtype`` is not an integer dtype.

    Example:
        >>> from rustorch_fx import ops
        >>> ops.tril_indices(2, 2).tolist()
        [[0, 1, 1], [0, 0, 1]]
    """
    return _tri_indices("tril_indices", row, col, offset, dtype, True)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype: DTypeLike = None) -> jax.Array:
    """Coordinates of the upper triangle (from the ``offset``-th diagonal) of a ``row x col`` matrix.

    Args:
        row: The number of rows.
        col: The number of columns.
        offset: Which diagonal bounds the triangle: 0 main, positive above, negative below.
        dtype: An integer dtype; ``int32`` by default (torch: int64).

    Returns:
        An array of shape ``(2, N)``: row indices then column indices, in row-major order.

    Raises:
        InvalidArgumentError: If ``row`` or ``col`` is negative.
        DTypeError: If ``dtype`` is not an integer dtype.

    Example:
        >>> from rustorch_fx import ops
        >>> ops.triu_indices(2, 2).tolist()
        [[0, 0, 1], [0, 1, 1]]
    """
    return _tri_indices("triu_indices", row, col, offset, dtype, False)
