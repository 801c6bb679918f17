"""Helpers shared by the losses: reductions, legacy arguments, input checks, dtypes, distances."""

from __future__ import annotations

import warnings
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from rustorch_fx import _dtypes
from rustorch_fx._checks import as_array, is_tracer
from rustorch_fx.errors import ArgumentTypeError, DTypeError, InvalidArgumentError, ShapeError

_HALF = (np.dtype(jnp.float16), np.dtype(jnp.bfloat16))
_REDUCTIONS = ("none", "mean", "sum")


def reduction_arg(
    op: str,
    reduction: Any,
    size_average: bool | None = None,
    reduce: bool | None = None,
    extra: tuple[str, ...] = (),
) -> str:
    """The effective reduction: the legacy pair converted as torch's ``legacy_get_string``.

    ``size_average``/``reduce`` (deprecated, with a warning) override ``reduction`` when either
    is given; ``'elementwise_mean'`` is torch's deprecated spelling of ``'mean'``.

    Raises:
        InvalidArgumentError: If ``reduction`` is not one of the valid names.
    """
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = "mean" if (size_average and reduce) else ("sum" if reduce else "none")
        warnings.warn(
            "size_average and reduce args will be deprecated, please use "
            f"reduction='{reduction}' instead.",
            UserWarning,
            stacklevel=4,
        )
        return reduction
    if reduction == "elementwise_mean":
        warnings.warn(
            "reduction='elementwise_mean' is deprecated. Please use reduction='mean' instead.",
            UserWarning,
            stacklevel=4,
        )
        return "mean"
    valid = _REDUCTIONS + extra
    if not isinstance(reduction, str) or reduction not in valid:
        names = ", ".join(repr(r) for r in valid)
        raise InvalidArgumentError(
            f"{op}: {reduction!r} is not a valid value for reduction; expected one of {names}"
        )
    return reduction


def reduce_loss(loss: jax.Array, reduction: str) -> jax.Array:
    """Apply ``'none'``, ``'mean'`` or ``'sum'`` to an elementwise loss."""
    if reduction == "mean":
        return jnp.mean(loss)
    if reduction == "sum":
        return jnp.sum(loss)
    return loss


def floating(op: str, name: str, x: Any) -> jax.Array:
    """``x`` as a floating array (Python numbers and lists become float32)."""
    a = as_array(op, name, x)
    if _dtypes.category(a.dtype) != 2:
        raise DTypeError(f"{op}: expected a floating point '{name}', got {np.dtype(a.dtype).name}")
    return a


def optional_floating(op: str, name: str, x: Any) -> jax.Array | None:
    """Like :func:`floating`, with ``None`` passed through."""
    return None if x is None else floating(op, name, x)


def integer(op: str, name: str, x: Any) -> jax.Array:
    """``x`` as an integer array (class indices, lengths)."""
    a = as_array(op, name, x)
    if _dtypes.category(a.dtype) != 1:
        raise DTypeError(
            f"{op}: expected an integer (class index) '{name}', got {np.dtype(a.dtype).name}"
        )
    return a


def compute_dtype(*arrays: jax.Array | None) -> np.dtype:
    """The dtype a loss computes in: the promoted floating dtype, float16/bfloat16 raised to float32."""
    present = [a for a in arrays if a is not None]
    dtype = np.dtype(jnp.result_type(*present)) if present else _dtypes.DEFAULT_FLOAT
    return _dtypes.DEFAULT_FLOAT if dtype in _HALF else dtype


def result_dtype(*arrays: jax.Array | None) -> np.dtype:
    """The dtype a loss returns: the promoted dtype of its floating operands (torch's)."""
    present = [a for a in arrays if a is not None]
    return np.dtype(jnp.result_type(*present)) if present else _dtypes.DEFAULT_FLOAT


def cast(x: jax.Array | None, dtype: Any) -> jax.Array | None:
    """``x`` as ``dtype`` (``None`` passed through)."""
    return None if x is None else x.astype(dtype)


def same_shape(op: str, input: jax.Array, target: jax.Array, what: str = "target") -> None:
    """Raise :class:`ShapeError` (torch: ``ValueError``) unless ``target`` has ``input``'s shape."""
    if input.shape != target.shape:
        raise ShapeError(
            f"{op}: Using a {what} size ({_size(target.shape)}) that is different to the input "
            f"size ({_size(input.shape)}) is not supported; please ensure they have the same size"
        )


def broadcast_pair(op: str, input: jax.Array, target: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Broadcast ``input`` and ``target`` as torch's pointwise losses do (warning on a mismatch)."""
    if input.shape == target.shape:
        return input, target
    warnings.warn(
        f"{op}: Using a target size ({_size(target.shape)}) that is different to the input size "
        f"({_size(input.shape)}). This will likely lead to incorrect results due to "
        "broadcasting. Please ensure they have the same size.",
        UserWarning,
        stacklevel=5,
    )
    shape = broadcast_shapes(op, input.shape, target.shape, "input", "target")
    return jnp.broadcast_to(input, shape), jnp.broadcast_to(target, shape)


def broadcast_shapes(
    op: str, a: tuple[int, ...], b: tuple[int, ...], name_a: str, name_b: str
) -> tuple[int, ...]:
    """The broadcast of two shapes, or :class:`ShapeError` naming both."""
    try:
        return tuple(jnp.broadcast_shapes(a, b))
    except ValueError:
        raise ShapeError(
            f"{op}: the size of {name_a} {_size(a)} and of {name_b} {_size(b)} "
            "cannot be broadcast together"
        ) from None


def _size(shape: tuple[int, ...]) -> str:
    return f"torch.Size({list(shape)})"


def number(op: str, name: str, value: Any) -> float:
    """A real hyperparameter given as a Python or numpy number."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ArgumentTypeError(
            f"{op}: argument '{name}' must be a real number, got {type(value).__name__}"
        )
    return float(value)


def concrete(x: Any) -> np.ndarray | None:
    """The values of ``x`` when they are known (not a tracer), else ``None``."""
    if x is None or is_tracer(x):
        return None
    return np.asarray(x)


def sign_abs(x: jax.Array) -> jax.Array:
    """``|x|`` whose gradient at 0 is 0 (``sign(x)``), as torch's ``abs``/``l1_loss`` backward."""
    return jnp.sign(x) * x
