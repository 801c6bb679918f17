"""The operand handling shared by the elementwise ops: validation, promotion, broadcasting.

Every binary op goes through one helper, :func:`_prepare`, that validates its operands, promotes
them with :func:`rustorch_fx.ops.result_type` (PyTorch's rules, not NumPy's or JAX's) and checks
that their shapes broadcast. So, as in ``torch``:

- a float32 array with a Python float stays float32; an integer array with a Python float is
  float32; a 0-d float64 array with a float32 array is float32 (0-d arrays and Python numbers
  only raise the category);
- int8 with uint8 is int16; float16 with bfloat16 is float32;
- integer (or bool) inputs to floating functions (``sqrt``, ``exp``, ``div``, ``atan2``...) give
  float32, the default float dtype.

Operands may be arrays or Python numbers. A weakly typed 0-d JAX array (what a Python number
becomes when it is passed through ``jax.jit``, or ``jnp.asarray(2.0)``) is promoted like the
Python number it came from, so ``jit(f)(x, 2.0)`` gives the same dtype as ``f(x, 2.0)``.

Nothing here is public; :mod:`rustorch_fx.ops._arithmetic` and
:mod:`rustorch_fx.ops._comparison` build on it.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from rustorch_fx import _dtypes
from rustorch_fx._checks import as_array
from rustorch_fx.errors import (
    DTypeError,
    InvalidArgumentError,
    ShapeError,
)

__all__: list[str] = []

ArrayOrScalar = jax.Array | np.ndarray | bool | int | float | complex
"""An operand: a ``jax.Array`` (or numpy array) or a Python number."""

_SCALARS = (bool, int, float, complex)
# A Python number standing for a weakly typed 0-d array of each category in result_type.
_PROXY: dict[int, Any] = {0: False, 1: 0, 2: 0.0, 3: 0j}
_KIND_NAMES = ("bool", "integer", "floating point", "complex")
_ANY = (0, 1, 2, 3)
_NUMBERS = (1, 2, 3)
_REAL = (0, 1, 2)
_REAL_NUMBERS = (1, 2)
_INTEGRAL = (0, 1)
_INEXACT = (2, 3)


# --------------------------------------------------------------------------------------------
# The one promotion helper every op uses.
# --------------------------------------------------------------------------------------------


def _operand(op: str, name: str, x: Any) -> tuple[Any, Any]:
    """Validate one operand; return ``(value, proxy)``, the proxy standing for it in promotion."""
    if isinstance(x, _SCALARS):
        return x, x
    arr = as_array(op, name, x)
    if arr.ndim == 0 and arr.aval.weak_type:
        return arr, _PROXY[_dtypes.category(arr.dtype)]
    return arr, arr


def _check_kind(op: str, dtype: Any, allow: tuple[int, ...], what: str = "operands") -> None:
    if _dtypes.category(dtype) not in allow:
        expected = " or ".join(_KIND_NAMES[k] for k in allow)
        raise DTypeError(f"{op}: expected {expected} {what}, got {np.dtype(dtype).name}")


def _broadcast_shape(op: str, named: list[tuple[str, tuple[int, ...]]]) -> tuple[int, ...]:
    """PyTorch's broadcasting of the operands' shapes; a ShapeError names both shapes."""
    ndim = max((len(s) for _, s in named), default=0)
    out = [1] * ndim
    owner: list[tuple[str, tuple[int, ...]] | None] = [None] * ndim
    for name, shape in named:
        for i, size in enumerate(shape):
            axis = ndim - len(shape) + i
            if size == 1:
                continue
            if out[axis] == 1:
                out[axis], owner[axis] = size, (name, shape)
            elif out[axis] != size:
                first, first_shape = owner[axis]  # type: ignore[misc]
                raise ShapeError(
                    f"{op}: shapes {first_shape} ('{first}') and {shape} ('{name}') cannot be "
                    f"broadcast together: size {out[axis]} does not match size {size} at "
                    f"dimension {axis - ndim}"
                )
    return tuple(out)


def _to_dtype(op: str, name: str, value: Any, dtype: np.dtype) -> jax.Array:
    if not isinstance(value, _SCALARS):
        return value.astype(dtype)
    try:
        with np.errstate(all="ignore"):
            host = np.asarray(value).astype(dtype)
    except OverflowError as exc:
        raise InvalidArgumentError(
            f"{op}: the Python integer {value} given for '{name}' does not fit in a 64-bit integer"
        ) from exc
    return jnp.asarray(host)


def _prepare(
    op: str,
    *,
    floating: bool = False,
    allow: tuple[int, ...] = _ANY,
    **operands: Any,
) -> tuple[list[jax.Array], np.dtype]:
    """Validate, promote (PyTorch's rules) and shape-check ``operands``.

    Args:
        op: The public operation, for messages.
        floating: Compute in the default float dtype when the promoted dtype is bool/integer.
        allow: The promotion categories the op accepts (0 bool, 1 int, 2 float, 3 complex).
        **operands: The operands by their public argument names, in order.

    Returns:
        The operands as arrays of the common dtype (not broadcast), and that dtype.
    """
    pairs = {name: _operand(op, name, x) for name, x in operands.items()}
    dtype = _dtypes.result_type(*(proxy for _, proxy in pairs.values()))
    _check_kind(op, dtype, allow)
    if floating and _dtypes.category(dtype) < 2:
        dtype = _dtypes.DEFAULT_FLOAT
    _broadcast_shape(
        op, [(n, tuple(v.shape)) for n, (v, _) in pairs.items() if not isinstance(v, _SCALARS)]
    )
    return [_to_dtype(op, n, v, dtype) for n, (v, _) in pairs.items()], dtype


def _unary(
    op: str, fn: Any, x: Any, *, floating: bool = True, allow: tuple[int, ...] = _ANY
) -> jax.Array:
    (a,), _ = _prepare(op, floating=floating, allow=allow, input=x)
    return fn(a)


def _same_dtype(op: str, **operands: Any) -> np.dtype | None:
    """Torch's rule for ops without promotion: array operands must share one dtype.

    Returns:
        That dtype, or None when every operand is a Python number.
    """
    named = []
    for name, x in operands.items():
        value, proxy = _operand(op, name, x)
        if not isinstance(proxy, _SCALARS):
            named.append((name, np.dtype(value.dtype)))
    for name, dtype in named[1:]:
        if dtype != named[0][1]:
            raise DTypeError(
                f"{op}: expected '{name}' to have the dtype of '{named[0][0]}' "
                f"({named[0][1].name}), got {dtype.name}"
            )
    return named[0][1] if named else None
