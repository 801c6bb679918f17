"""Default dtypes and PyTorch's type-promotion rules, shared by every op.

rustorch_fx never changes JAX's configuration and gives the same dtypes whether JAX's 64-bit
mode is on or off. So the defaults are the 32-bit types in both modes: floating results default
to ``float32`` (as in PyTorch), and integer results created without a dtype (``arange(5)``,
index outputs such as ``argmax``) are ``int32`` (PyTorch: ``int64``; compat asks for int64
explicitly). 64-bit dtypes are used only when asked for, and asking for one while 64-bit mode is
off raises :class:`~rustorch_fx.errors.DTypeError` instead of silently truncating.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from rustorch_fx.errors import DTypeError

DEFAULT_FLOAT = np.dtype(np.float32)
DEFAULT_COMPLEX = np.dtype(np.complex64)
DEFAULT_INT = np.dtype(np.int32)
INDEX = np.dtype(np.int32)
BOOL = np.dtype(np.bool_)

_PY_SCALARS = (bool, int, float, complex)


def category(dtype: Any) -> int:
    """Return PyTorch's promotion category of a dtype: 0 bool, 1 integer, 2 floating, 3 complex."""
    dtype = np.dtype(dtype)
    if dtype == BOOL:
        return 0
    if jnp.issubdtype(dtype, jnp.integer):
        return 1
    if jnp.issubdtype(dtype, jnp.complexfloating):
        return 3
    return 2


def is_floating(dtype: Any) -> bool:
    """Whether ``dtype`` is a real floating dtype (float16, bfloat16, float32, float64)."""
    return category(dtype) == 2


def is_inexact(dtype: Any) -> bool:
    """Whether ``dtype`` is floating or complex (differentiable)."""
    return category(dtype) >= 2


def _wrapped_dtype(x: Any) -> np.dtype:
    if isinstance(x, bool):
        return BOOL
    if isinstance(x, int):
        return DEFAULT_INT
    if isinstance(x, float):
        return DEFAULT_FLOAT
    return DEFAULT_COMPLEX


def _promote(a: np.dtype | None, b: np.dtype) -> np.dtype:
    return b if a is None else np.dtype(jnp.promote_types(a, b))


def _to_complex(dtype: np.dtype) -> np.dtype:
    return np.dtype(np.complex128) if dtype == np.float64 else DEFAULT_COMPLEX


def _combine(higher: np.dtype | None, lower: np.dtype | None) -> np.dtype | None:
    # PyTorch's combine_categories: a lower-priority group (0-d tensors, then Python scalars)
    # only changes the result when its category is higher.
    if higher is None:
        return lower
    if lower is None:
        return higher
    if category(higher) == 3:
        return higher
    if category(lower) == 3:
        return _to_complex(higher) if category(higher) == 2 else lower
    if category(higher) == 2:
        return higher
    if higher == BOOL or category(lower) == 2:
        return _promote(higher, lower)
    return higher


def result_type(*operands: Any) -> np.dtype:
    """Return the dtype PyTorch's promotion gives for ``operands`` (arrays and Python scalars).

    Tensors with at least one dimension decide the result; 0-d arrays, then Python scalars,
    only raise it to a higher category (bool < integer < floating < complex). So a float32
    array times a Python float stays float32, and an int array plus a Python float is float32.
    Where PyTorch's default integer is int64, ours is int32 (see the module docstring).

    Args:
        *operands: ``jax.Array``/``numpy.ndarray`` values or Python ``bool``/``int``/``float``/
            ``complex`` scalars.

    Returns:
        The promoted numpy dtype.

    Raises:
        DTypeError: If no operand is given.
    """
    dim: np.dtype | None = None
    zero: np.dtype | None = None
    wrapped: np.dtype | None = None
    for x in operands:
        if isinstance(x, _PY_SCALARS):
            wrapped = _promote(wrapped, _wrapped_dtype(x))
        elif np.ndim(x) == 0:
            zero = _promote(zero, np.dtype(x.dtype))
        else:
            dim = _promote(dim, np.dtype(x.dtype))
    result = _combine(dim, _combine(zero, wrapped))
    if result is None:
        raise DTypeError("result_type: expected at least one operand, got none")
    return result


def resolve(op: str, dtype: Any, default: Any) -> np.dtype:
    """Return :func:`canonical` of ``dtype``, or ``default`` when ``dtype`` is None."""
    return np.dtype(default) if dtype is None else canonical(op, dtype)


def canonical(op: str, dtype: Any) -> np.dtype:
    """Return ``dtype`` as a numpy dtype, checking that JAX can hold it in the current mode.

    Args:
        op: The operation asking, for the error message.
        dtype: Anything ``numpy.dtype`` accepts (``jnp.float32``, ``"int64"``, ...).

    Returns:
        The numpy dtype.

    Raises:
        DTypeError: If ``dtype`` is not a dtype, or is a 64-bit dtype while JAX's 64-bit mode
            is off (JAX would silently truncate it to 32 bits).
    """
    try:
        dt = np.dtype(dtype)
    except TypeError as exc:
        raise DTypeError(f"{op}: {dtype!r} is not a dtype") from exc
    if np.dtype(jax.dtypes.canonicalize_dtype(dt)) != dt:
        raise DTypeError(
            f"{op}: dtype {dt.name} needs JAX's 64-bit mode, which is off "
            "(enable it with jax.config.update('jax_enable_x64', True), or import compat)"
        )
    return dt
