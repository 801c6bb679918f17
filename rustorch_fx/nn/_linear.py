"""Linear and bilinear maps with ``torch.nn.functional``'s signatures and PyTorch's weight layouts.

A Linear weight is ``[out_features, in_features]`` and a Bilinear weight
``[out_features, in1_features, in2_features]``, as in PyTorch, so checkpoints load unchanged.
Every product runs at ``jax.lax.Precision.HIGHEST``: on CPU this changes nothing, on GPUs and
TPUs it keeps float32 products in float32 (JAX's default would use reduced-precision passes).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from rustorch_fx import _dtypes
from rustorch_fx._boundary import boundary
from rustorch_fx._checks import as_array
from rustorch_fx.errors import DTypeError, ShapeError

__all__ = ["bilinear", "linear"]

_HIGHEST = jax.lax.Precision.HIGHEST


def _same_dtype(op: str, name: str, x: jax.Array, other: jax.Array) -> None:
    """Raise :class:`DTypeError` unless ``other`` has the dtype of ``x`` (torch never promotes here)."""
    if other.dtype != x.dtype:
        raise DTypeError(
            f"{op}: expected {name} to have the dtype of input ({np.dtype(x.dtype).name}), "
            f"got {np.dtype(other.dtype).name}"
        )


def _numeric_input(op: str, name: str, value: Any) -> jax.Array:
    a = as_array(op, name, value)
    if _dtypes.category(a.dtype) == 0:
        raise DTypeError(f"{op}: expected a numeric {name}, got bool")
    return a


def _add_bias(op: str, out: jax.Array, bias: Any) -> jax.Array:
    if bias is None:
        return out
    b = as_array(op, "bias", bias)
    _same_dtype(op, "bias", out, b)
    try:
        fits = jnp.broadcast_shapes(b.shape, out.shape) == out.shape
    except ValueError:
        fits = False
    if not fits:
        raise ShapeError(
            f"{op}: bias of shape {tuple(b.shape)} does not broadcast to the output shape "
            f"{tuple(out.shape)}"
        )
    return out + b


@boundary("linear")
def linear(input: Any, weight: Any, bias: Any = None) -> jax.Array:
    """Apply the affine map ``input @ weight.T + bias``.

    Args:
        input: An array ``(*, in_features)``.
        weight: ``(out_features, in_features)`` (PyTorch's layout), or ``(in_features,)``
            for a single output without the feature dim; of the dtype of ``input``.
        bias: Optional ``(out_features,)`` (anything that broadcasts to the output).

    Returns:
        ``(*, out_features)`` (``(*)`` for a 1-D weight), of the dtype of ``input``.

    Shape:
        - input: ``(*, H_in)``
        - weight: ``(H_out, H_in)``
        - output: ``(*, H_out)``

    Raises:
        ShapeError: If the feature sizes differ, the weight is not 1-D or 2-D, the input is
            0-d, or the bias does not broadcast to the output.
        DTypeError: If ``weight`` or ``bias`` has another dtype than ``input``, or for bool.

    Example:
        >>> linear(jnp.ones((4, 3)), jnp.ones((2, 3)), jnp.array([0.0, 1.0])).shape
        (4, 2)
    """
    x = _numeric_input("linear", "input", input)
    w = _numeric_input("linear", "weight", weight)
    if w.ndim not in (1, 2):
        raise ShapeError(
            f"linear: weight must be 1-D or 2-D (out_features, in_features), "
            f"got shape {tuple(w.shape)}"
        )
    if x.ndim == 0:
        raise ShapeError("linear: input must have at least 1 dimension, got a 0-d array")
    _same_dtype("linear", "weight", x, w)
    if x.shape[-1] != w.shape[-1]:
        raise ShapeError(
            f"linear: input has {x.shape[-1]} features, weight expects {w.shape[-1]} "
            f"(input shape {tuple(x.shape)}, weight shape {tuple(w.shape)})"
        )
    out = jnp.matmul(x, w.T if w.ndim == 2 else w, precision=_HIGHEST)
    return _add_bias("linear", out, bias)


@boundary("bilinear")
def bilinear(input1: Any, input2: Any, weight: Any, bias: Any = None) -> jax.Array:
    """Apply ``y[..., o] = sum_ij input1[..., i] * weight[o, i, j] * input2[..., j] + bias[o]``.

    Args:
        input1: ``(*, in1_features)``.
        input2: ``(*, in2_features)``, with the leading dims of ``input1``.
        weight: ``(out_features, in1_features, in2_features)``, of the dtype of ``input1``.
        bias: Optional ``(out_features,)``.

    Returns:
        ``(*, out_features)``, of the dtype of ``input1``.

    Shape:
        - input1: ``(*, H_in1)``, input2: ``(*, H_in2)``
        - weight: ``(H_out, H_in1, H_in2)``
        - output: ``(*, H_out)``

    Raises:
        ShapeError: If the leading dims of the inputs differ, or a feature size does not
            match the weight, or the weight is not 3-D.
        DTypeError: If the arrays do not share one dtype.

    Example:
        >>> bilinear(jnp.ones((5, 3)), jnp.ones((5, 4)), jnp.ones((2, 3, 4))).shape
        (5, 2)
    """
    x1 = _numeric_input("bilinear", "input1", input1)
    x2 = _numeric_input("bilinear", "input2", input2)
    w = _numeric_input("bilinear", "weight", weight)
    _same_dtype("bilinear", "input2", x1, x2)
    _same_dtype("bilinear", "weight", x1, w)
    if w.ndim != 3:
        raise ShapeError(
            "bilinear: weight must be 3-D (out_features, in1_features, in2_features), "
            f"got shape {tuple(w.shape)}"
        )
    if x1.ndim == 0 or x1.shape[:-1] != x2.shape[:-1]:
        raise ShapeError(
            f"bilinear: input batch dimensions do not match: got input1 shape "
            f"{tuple(x1.shape)} and input2 shape {tuple(x2.shape)}"
        )
    for k, (x, name) in enumerate(((x1, "input1"), (x2, "input2")), start=1):
        if x.shape[-1] != w.shape[k]:
            raise ShapeError(
                f"bilinear: {name} has {x.shape[-1]} features, weight expects {w.shape[k]} "
                f"({name} shape {tuple(x.shape)}, weight shape {tuple(w.shape)})"
            )
    out = jnp.einsum("...i,oij,...j->...o", x1, w, x2, precision=_HIGHEST)
    return _add_bias("bilinear", out, bias)
