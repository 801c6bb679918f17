"""Activation functions with ``torch.nn.functional``'s names, signatures and semantics.

Every function is pure and composes with ``jax.jit``, ``jax.vmap`` and ``jax.grad``; the result
has the dtype of the input (float16, bfloat16, float32 or float64). Hyperparameters
(``negative_slope``, ``alpha``, ``dim``...) are Python values, static under ``jax.jit``.

As in torch:

- the gradients at the kinks are torch's: ``relu'(0) = 0``, ``leaky_relu'(0) = negative_slope``,
  ``hardtanh`` has gradient 0 at ``min_val`` and ``max_val``, ``hardswish'(-3) = 0`` and
  ``hardswish'(3) = 1``, ``softshrink`` and ``hardshrink`` have gradient 0 at ``+-lambd``;
- ``gelu`` is the exact erf form by default (``jax.nn.gelu`` defaults to the tanh
  approximation); ``softplus`` is linear where ``beta * x > threshold``;
- ``log_softmax``, ``logsigmoid`` and ``softplus`` use numerically stable forms.

Differences from torch kept on purpose:

- ``inplace=`` is accepted and ignored: rustorch_fx is pure (``compat.nn.functional`` mutates).
- ``softmax``, ``log_softmax`` and ``softmin`` require ``dim`` (torch guesses one with a
  deprecation warning) and raise :class:`~rustorch_fx.errors.InvalidArgumentError` without it.
- ``rrelu`` with ``training=True`` takes its random slopes from an explicit PRNG ``key``.
- ``relu``, ``threshold`` and ``hardtanh``/``relu6`` also take integer input, as torch; the
  others require a floating input (:class:`~rustorch_fx.errors.DTypeError` otherwise).
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

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
    "celu",
    "elu",
    "gelu",
    "glu",
    "gumbel_softmax",
    "hardshrink",
    "hardsigmoid",
    "hardswish",
    "hardtanh",
    "leaky_relu",
    "log_softmax",
    "logsigmoid",
    "mish",
    "prelu",
    "relu",
    "relu6",
    "rrelu",
    "selu",
    "silu",
    "softmax",
    "softmin",
    "softplus",
    "softshrink",
    "softsign",
    "tanhshrink",
    "threshold",
]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


# --------------------------------------------------------------------------------------------
# Validation helpers.
# --------------------------------------------------------------------------------------------


def _input(op: str, x: Any, integers: bool = False) -> jax.Array:
    """``x`` as an array; floating (or also integer, when ``integers``) dtype required."""
    a = as_array(op, "input", x)
    kind = _dtypes.category(a.dtype)
    if kind == 2 or (integers and kind == 1):
        return a
    expected = "a floating point or integer" if integers else "a floating point"
    raise DTypeError(f"{op}: expected {expected} input, got {np.dtype(a.dtype).name}")


def _number(op: str, name: str, value: Any) -> float:
    """A real hyperparameter given as a Python (or numpy) number."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ArgumentTypeError(
            f"{op}: argument '{name}' must be a real number, got {type(value).__name__}"
        )
    return value  # type: ignore[return-value]


def _softmax_input(op: str, input: Any, dim: Any, dtype: Any) -> tuple[jax.Array, int]:
    """Validate a softmax-family call; return the (cast) input and the axis."""
    if dim is None:
        raise InvalidArgumentError(
            f"{op}: argument 'dim' is required (torch's implicit choice of dim is deprecated); "
            f"pass dim=-1 for the last dimension, e.g. {op}(x, dim=-1)"
        )
    a = as_array(op, "input", input)
    if dtype is not None:
        a = a.astype(_dtypes.canonical(op, dtype))
    if _dtypes.category(a.dtype) != 2:
        raise DTypeError(
            f"{op}: expected a floating point input (or a floating dtype=), "
            f"got {np.dtype(a.dtype).name}"
        )
    return a, normalize_dim(op, dim, a.ndim)


def _clip(x: jax.Array, low: Any, high: Any) -> jax.Array:
    """``clamp(x, low, high)`` with gradient 0 at the bounds and NaN propagated (torch's)."""
    return jnp.where(x <= low, jnp.asarray(low, x.dtype), jnp.where(x >= high, high, x))


# --------------------------------------------------------------------------------------------
# Rectifiers.
# --------------------------------------------------------------------------------------------


@boundary("relu")
def relu(input: Any, inplace: bool = False) -> jax.Array:
    """The rectified linear unit ``max(input, 0)``, with gradient 0 at 0 (as torch).

    Args:
        input: A floating or integer array.
        inplace: Accepted for torch's signature and ignored (the function is pure).

    Returns:
        An array shaped like ``input``, of its dtype.

    Raises:
        DTypeError: For bool or complex input.

    Example:
        >>> relu(jnp.array([-1.0, 0.0, 2.0]))
        Array([0., 0., 2.], dtype=float32)
    """
    x = _input("relu", input, integers=True)
    return jnp.where(x > 0, x, jnp.zeros((), x.dtype))


@boundary("hardtanh")
def hardtanh(
    input: Any, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False
) -> jax.Array:
    """Clamp ``input`` to ``[min_val, max_val]``; the gradient is 0 at and beyond the bounds.

    Args:
        input: A floating or integer array.
        min_val: The lower bound.
        max_val: The upper bound.
        inplace: Accepted for torch's signature and ignored (the function is pure).

    Returns:
        An array shaped like ``input``, of its dtype.

    Raises:
        DTypeError: For bool or complex input.
        ArgumentTypeError: If a bound is not a number.
        InvalidArgumentError: If ``min_val > max_val``.

    Example:
        >>> hardtanh(jnp.array([-2.0, 0.5, 3.0]))
        Array([-1. ,  0.5,  1. ], dtype=float32)
    """
    x = _input("hardtanh", input, integers=True)
    low = _number("hardtanh", "min_val", min_val)
    high = _number("hardtanh", "max_val", max_val)
    if low > high:
        raise InvalidArgumentError(
            f"hardtanh: min_val cannot be greater than max_val (got min_val={low}, max_val={high})"
        )
    return _clip(x, low, high)


@boundary("relu6")
def relu6(input: Any, inplace: bool = False) -> jax.Array:
    """``min(max(input, 0), 6)``: :func:`hardtanh` over ``[0, 6]`` (gradient 0 at 0 and 6).

    Args:
        input: A floating or integer array.
        inplace: Accepted for torch's signature and ignored (the function is pure).

    Returns:
        An array shaped like ``input``, of its dtype.

    Raises:
        DTypeError: For bool or complex input.

    Example:
        >>> relu6(jnp.array([-1.0, 3.0, 7.0]))
        Array([0., 3., 6.], dtype=float32)
    """
    return _clip(_input("relu6", input, integers=True), 0, 6)


@boundary("leaky_relu")
def leaky_relu(input: Any, negative_slope: float = 0.01, inplace: bool = False) -> jax.Array:
    """``input`` where positive, ``negative_slope * input`` elsewhere (slope at 0, as torch).

    Args:
        input: A floating array.
        negative_slope: The slope for non-positive inputs.
        inplace: Accepted for torch's signature and ignored (the function is pure).

    Returns:
        An array shaped like ``input``, of its dtype.

    Raises:
        DTypeError: For non-floating input.
        ArgumentTypeError: If ``negative_slope`` is not a number.

    Example:
        >>> leaky_relu(jnp.array([-2.0, 1.0]), 0.5)
        Array([-1.,  1.], dtype=float32)
    """
    x = _input("leaky_relu", input)
    slope = _number("leaky_relu", "negative_slope", negative_slope)
    return jnp.where(x > 0, x, x * slope)


@boundary("rrelu")
def rrelu(
    input: Any,
    lower: float = 1.0 / 8.0,
    upper: float = 1.0 / 3.0,
    training: bool = False,
    inplace: bool = False,
    *,
    key: jax.Array | None = None,
) -> jax.Array:
    """The randomized leaky ReLU: ``x`` where positive, ``a * x`` elsewhere.

    In training, ``a`` is drawn per element from ``U(lower, upper)`` with ``key``; in
    evaluation it is the constant ``(lower + upper) / 2``. The gradient is 1 for positive
    inputs and ``a`` elsewhere, as torch's.

    Args:
        input: A floating array.
        lower: Lower bound of the slope's range.
        upper: Upper bound of the slope's range.
        training: Draw random slopes (requires ``key``).
        inplace: Accepted for torch's signature and ignored (the function is pure).
        key: A JAX PRNG key, required when ``training``.

    Returns:
        An array shaped like ``input``.

    Raises:
        DTypeError: For non-floating input.
        ArgumentTypeError: If a bound is not a number.
        InvalidArgumentError: If ``training`` without a ``key``, or ``lower > upper``.

    Example:
        >>> rrelu(jnp.array([-2.0, 1.0]), 0.25, 0.75)
        Array([-1.,  1.], dtype=float32)
    """
    x = _input("rrelu", input)
    lo, hi = _number("rrelu", "lower", lower), _number("rrelu", "upper", upper)
    if lo > hi:
        raise InvalidArgumentError(
            f"rrelu: lower bound must be less than or equal to upper bound, got {lo} > {hi}"
        )
    if not training:
        return jnp.where(x > 0, x, x * ((lo + hi) / 2))
    if key is None:
        raise InvalidArgumentError(
            "rrelu: training=True draws random slopes and needs a PRNG key (key=...)"
        )
    work = jnp.float32 if x.dtype.itemsize < 4 else x.dtype
    slope = jax.random.uniform(key, x.shape, work, lo, hi).astype(x.dtype)
    return jnp.where(x > 0, x, x * slope)


@boundary("prelu")
def prelu(input: Any, weight: Any) -> jax.Array:
    """``input`` where positive, ``weight * input`` elsewhere, one slope per channel (dim 1).

    Args:
        input: A floating array; its channels are dim 1 (a 0-d or 1-d input has one channel).
        weight: The slopes: one element, or one per channel, of the dtype of ``input``.

    Returns:
        An array shaped like ``input``, of its dtype.

    Raises:
        DTypeError: For non-floating input, or a weight of another dtype.
        ShapeError: If ``weight`` has neither 1 element nor one per channel.

    Example:
        >>> prelu(jnp.array([[-2.0, -2.0]]), jnp.array([0.5, 0.25]))
        Array([[-1. , -0.5]], dtype=float32)
    """
    x = _input("prelu", input)
    w = as_array("prelu", "weight", weight)
    if w.dtype != x.dtype:
        raise DTypeError(
            f"prelu: expected weight to have the dtype of input ({np.dtype(x.dtype).name}), "
            f"got {np.dtype(w.dtype).name}"
        )
    channels = x.shape[1] if x.ndim >= 2 else 1
    if w.size not in (1, channels):
        raise ShapeError(
            "prelu: Mismatch of parameter numbers and input channel size. Found parameter "
            f"numbers = {w.size} and channel size = {channels} (input shape {tuple(x.shape)})"
        )
    if x.ndim >= 2:
        w = w.reshape((1, w.size) + (1,) * (x.ndim - 2))
    else:
        w = w.reshape(())
    return jnp.where(x > 0, x, w * x)


@boundary("threshold")
def threshold(input: Any, threshold: float, value: float, inplace: bool = False) -> jax.Array:
    """``input`` where ``input > threshold``, ``value`` elsewhere (gradient 0 there).

    Args:
        input: A floating or integer array.
        threshold: The threshold.
        value: The replacement for elements at or below ``threshold``.
        inplace: Accepted for torch's signature and ignored (the function is pure).

    Returns:
        An array shaped like ``input``, of its dtype.

    Raises:
        DTypeError: For bool or complex input.
        ArgumentTypeError: If ``threshold`` or ``value`` is not a number.

    Example:
        >>> threshold(jnp.array([0.5, 2.0]), 1.0, 9.0)
        Array([9., 2.], dtype=float32)
    """
    x = _input("threshold", input, integers=True)
    t = _number("threshold", "threshold", threshold)
    v = _number("threshold", "value", value)
    return jnp.where(x > t, x, jnp.asarray(v).astype(x.dtype))


# --------------------------------------------------------------------------------------------
# Exponential and smooth units.
# --------------------------------------------------------------------------------------------


def _elu(x: jax.Array, alpha: float, scale: float, input_scale: float) -> jax.Array:
    """Torch's elu kernel; the negative branch sees 0 for positive x (no inf * 0 gradients)."""
    neg = jnp.where(x > 0, jnp.zeros((), x.dtype), x)
    return jnp.where(x > 0, x * scale, jnp.expm1(neg * input_scale) * (alpha * scale))


@boundary("elu")
def elu(input: Any, alpha: float = 1.0, inplace: bool = False) -> jax.Array:
    """The exponential linear unit: ``input`` if positive, else ``alpha * (exp(input) - 1)``.

    Args:
        input: A floating array.
        alpha: The saturation value for negative inputs.
        inplace: Accepted for torch's signature and ignored (the function is pure).

    Returns:
        An array shaped like ``input``, of its dtype.

    Raises:
        DTypeError: For non-floating input.
        ArgumentTypeError: If ``alpha`` is not a number.

    Example:
        >>> elu(jnp.array([0.0, 1.0]))
        Array([0., 1.], dtype=float32)
    """
    return _elu(_input("elu", input), _number("elu", "alpha", alpha), 1.0, 1.0)


@boundary("selu")
def selu(input: Any, inplace: bool = False) -> jax.Array:
    """The scaled ELU ``scale * elu(input, alpha)`` with torch's constants.

    ``alpha = 1.6732632423543772848170429916717``, ``scale = 1.0507009873554804934193349852946``.

    Args:
        input: A floating array.
        inplace: Accepted for torch's signature and ignored (the function is pure).

    Returns:
        An array shaped like ``input``, of its dtype.

    Raises:
        DTypeError: For non-floating input.

    Example:
        >>> selu(jnp.array([0.0]))
        Array([0.], dtype=float32)
    """
    return _elu(_input("selu", input), _SELU_ALPHA, _SELU_SCALE, 1.0)


@boundary("celu")
def celu(input: Any, alpha: float = 1.0, inplace: bool = False) -> jax.Array:
    """``max(0, input) + min(0, alpha * (exp(input / alpha) - 1))``.

    Args:
        input: A floating array.
        alpha: The saturation value; must not be 0.
        inplace: Accepted for torch's signature and ignored (the function is pure).

    Returns:
        An array shaped like ``input``, of its dtype.

    Raises:
        DTypeError: For non-floating input.
        ArgumentTypeError: If ``alpha`` is not a number.
        InvalidArgumentError: If ``alpha`` is 0.

    Example:
        >>> celu(jnp.array([0.0, 2.0]), 2.0)
        Array([0., 2.], dtype=float32)
    """
    x = _input("celu", input)
    a = _number("celu", "alpha", alpha)
    if a == 0:
        raise InvalidArgumentError("celu: ZeroDivisionError: alpha cannot be 0 for CELU")
    return _elu(x, a, 1.0, 1.0 / a)


@boundary("gelu")
def gelu(input: Any, approximate: str = "none") -> jax.Array:
    """The Gaussian error linear unit ``input * Phi(input)``, exact by default (as torch).

    Warning:
        ``jax.nn.gelu`` defaults to the tanh approximation; torch's and this default is the
        exact erf form. ``approximate='tanh'`` gives
        ``0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3)))``.

    Args:
        input: A floating array.
        approximate: ``'none'`` (exact) or ``'tanh'``.

    Returns:
        An array shaped like ``input``, of its dtype.

    Raises:
        DTypeError: For non-floating input.
        InvalidArgumentError: If ``approximate`` is neither ``'none'`` nor ``'tanh'``.

    Example:
        >>> gelu(jnp.array([0.0]))
        Array([0.], dtype=float32)
    """
    x = _input("gelu", input)
    if approximate not in ("none", "tanh"):
        raise InvalidArgumentError(
            f"gelu: approximate argument must be either 'none' or 'tanh', got {approximate!r}"
        )
    if approximate == "tanh":
        inner = math.sqrt(2.0 / math.pi) * (x + 0.044715 * x * x * x)
        return 0.5 * x * (1.0 + jnp.tanh(inner))
    return 0.5 * x * (1.0 + jax.lax.erf(x * (1.0 / math.sqrt(2.0))))


@boundary("silu")
def silu(input: Any, inplace: bool = False) -> jax.Array:
    """The sigmoid linear unit (swish) ``input * sigmoid(input)``.

    Args:
        input: A floating array.
        inplace: Accepted for torch's signature and ignored (the function is pure).

    Returns:
        An array shaped like ``input``, of its dtype.

    Raises:
        DTypeError: For non-floating input.

    Example:
        >>> silu(jnp.array([0.0]))
        Array([0.], dtype=float32)
    """
    x = _input("silu", input)
    return x * jax.nn.sigmoid(x)


def _softplus(x: jax.Array, beta: float, threshold: float) -> jax.Array:
    """Torch's softplus: linear where ``beta * x > threshold``, stable elsewhere."""
    bx = x * beta
    linear = bx > threshold
    safe = jnp.where(linear, jnp.zeros((), x.dtype), bx)
    return jnp.where(linear, x, jnp.logaddexp(safe, jnp.zeros((), x.dtype)) / beta)


@boundary("softplus")
def softplus(input: Any, beta: float = 1.0, threshold: float = 20.0) -> jax.Array:
    """``log(1 + exp(beta * input)) / beta``, and ``input`` itself where ``beta * input > threshold``.

    Args:
        input: A floating array.
        beta: The sharpness.
        threshold: Above ``beta * input > threshold`` the function is the identity (torch's
            rule, for numerical stability).

    Returns:
        An array shaped like ``input``, of its dtype.

    Raises:
        DTypeError: For non-floating input.
        ArgumentTypeError: If ``beta`` or ``threshold`` is not a number.

    Example:
        >>> softplus(jnp.array([30.0]))
        Array([30.], dtype=float32)
    """
    x = _input("softplus", input)
    return _softplus(
        x, _number("softplus", "beta", beta), _number("softplus", "threshold", threshold)
    )


@boundary("mish")
def mish(input: Any, inplace: bool = False) -> jax.Array:
    """``input * tanh(softplus(input))``.

    Args:
        input: A floating array.
        inplace: Accepted for torch's signature and ignored (the function is pure).

    Returns:
        An array shaped like ``input``, of its dtype.

    Raises:
        DTypeError: For non-floating input.

    Example:
        >>> mish(jnp.array([0.0]))
        Array([0.], dtype=float32)
    """
    x = _input("mish", input)
    return x * jnp.tanh(_softplus(x, 1.0, 20.0))


@boundary("softsign")
def softsign(input: Any) -> jax.Array:
    """``input / (1 + |input|)``.

    Args:
        input: A floating array.

    Returns:
        An array shaped like ``input``, of its dtype.

    Raises:
        DTypeError: For non-floating input.

    Example:
        >>> softsign(jnp.array([1.0]))
        Array([0.5], dtype=float32)
    """
    x = _input("softsign", input)
    return x / (1 + jnp.abs(x))


@boundary("hardsigmoid")
def hardsigmoid(input: Any, inplace: bool = False) -> jax.Array:
    """``relu6(input + 3) / 6``: 0 below -3, 1 above 3 (gradient 0 at and beyond +-3).

    Args:
        input: A floating array.
        inplace: Accepted for torch's signature and ignored (the function is pure).

    Returns:
        An array shaped like ``input``, of its dtype.

    Raises:
        DTypeError: For non-floating input.

    Example:
        >>> hardsigmoid(jnp.array([-4.0, 0.0, 4.0]))
        Array([0. , 0.5, 1. ], dtype=float32)
    """
    x = _input("hardsigmoid", input)
    return _clip(x / 6 + 0.5, 0, 1)


@boundary("hardswish")
def hardswish(input: Any, inplace: bool = False) -> jax.Array:
    """``input * relu6(input + 3) / 6``, with torch's gradient (0 at -3, 1 at 3).

    Args:
        input: A floating array.
        inplace: Accepted for torch's signature and ignored (the function is pure).

    Returns:
        An array shaped like ``input``, of its dtype.

    Raises:
        DTypeError: For non-floating input.

    Example:
        >>> hardswish(jnp.array([-4.0, 0.0, 4.0]))
        Array([-0.,  0.,  4.], dtype=float32)
    """
    x = _input("hardswish", input)
    zero = jnp.zeros((), x.dtype)
    return jnp.where(x <= -3, zero * x, jnp.where(x < 3, x * (x + 3) / 6, x))


@boundary("logsigmoid")
def logsigmoid(input: Any) -> jax.Array:
    """``log(sigmoid(input))``, computed stably as ``-softplus(-input)``.

    Args:
        input: A floating array.

    Returns:
        An array shaped like ``input``, of its dtype.

    Raises:
        DTypeError: For non-floating input.

    Example:
        >>> logsigmoid(jnp.array([-200.0]))
        Array([-200.], dtype=float32)
    """
    x = _input("logsigmoid", input)
    return -jnp.logaddexp(-x, jnp.zeros((), x.dtype))


@boundary("tanhshrink")
def tanhshrink(input: Any) -> jax.Array:
    """``input - tanh(input)``.

    Args:
        input: A floating array.

    Returns:
        An array shaped like ``input``, of its dtype.

    Raises:
        DTypeError: For non-floating input.

    Example:
        >>> tanhshrink(jnp.array([0.0]))
        Array([0.], dtype=float32)
    """
    x = _input("tanhshrink", input)
    return x - jnp.tanh(x)


def _lambd(op: str, lambd: Any) -> float:
    value = _number(op, "lambd", lambd)
    if value < 0:
        raise InvalidArgumentError(f"{op}: lambda must be greater or equal to 0, but found {value}")
    return value


@boundary("softshrink")
def softshrink(input: Any, lambd: float = 0.5) -> jax.Array:
    """Shrink toward 0 by ``lambd``: ``x - lambd`` above, ``x + lambd`` below, 0 within.

    Args:
        input: A floating array.
        lambd: The non-negative shrinkage; the gradient is 0 on ``[-lambd, lambd]``.

    Returns:
        An array shaped like ``input``, of its dtype.

    Raises:
        DTypeError: For non-floating input.
        ArgumentTypeError: If ``lambd`` is not a number.
        InvalidArgumentError: If ``lambd`` is negative.

    Example:
        >>> softshrink(jnp.array([-1.0, 0.2, 1.0]))
        Array([-0.5,  0. ,  0.5], dtype=float32)
    """
    x = _input("softshrink", input)
    lam = _lambd("softshrink", lambd)
    zero = jnp.zeros((), x.dtype)
    return jnp.where(x > lam, x - lam, jnp.where(x < -lam, x + lam, zero * x))


@boundary("hardshrink")
def hardshrink(input: Any, lambd: float = 0.5) -> jax.Array:
    """``input`` where ``|input| > lambd``, 0 elsewhere (gradient 0 on ``[-lambd, lambd]``).

    Args:
        input: A floating array.
        lambd: The non-negative threshold.

    Returns:
        An array shaped like ``input``, of its dtype.

    Raises:
        DTypeError: For non-floating input.
        ArgumentTypeError: If ``lambd`` is not a number.
        InvalidArgumentError: If ``lambd`` is negative.

    Example:
        >>> hardshrink(jnp.array([-1.0, 0.2, 1.0]))
        Array([-1.,  0.,  1.], dtype=float32)
    """
    x = _input("hardshrink", input)
    lam = _lambd("hardshrink", lambd)
    return jnp.where((x > lam) | (x < -lam), x, jnp.zeros((), x.dtype))


# --------------------------------------------------------------------------------------------
# Softmax family and gated units.
# --------------------------------------------------------------------------------------------


def _along(fn: Any, x: jax.Array, axis: int) -> jax.Array:
    """Apply ``fn(x, axis)``; a 0-d input is treated as one element."""
    if x.ndim == 0:
        return fn(x.reshape(1), 0).reshape(())
    return fn(x, axis)


def _softmax(x: jax.Array, axis: int) -> jax.Array:
    return jax.nn.softmax(x, axis=axis)


def _log_softmax(x: jax.Array, axis: int) -> jax.Array:
    return jax.nn.log_softmax(x, axis=axis)


@boundary("softmax")
def softmax(
    input: Any, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None
) -> jax.Array:
    """``exp(input) / sum(exp(input), dim)``, computed stably (the maximum is subtracted).

    Args:
        input: A floating array (or any array with a floating ``dtype``).
        dim: The dimension to normalize over. Required (see the module's notes).
        _stacklevel: Accepted for torch's signature and ignored.
        dtype: If given, ``input`` is cast to it first (torch's way to avoid overflow).

    Returns:
        An array shaped like ``input`` whose slices along ``dim`` sum to 1.

    Raises:
        InvalidArgumentError: If ``dim`` is None.
        IndexOutOfRangeError: If ``dim`` is out of range.
        DTypeError: For a non-floating input and no floating ``dtype``.

    Example:
        >>> softmax(jnp.array([0.0, 0.0]), dim=0)
        Array([0.5, 0.5], dtype=float32)
    """
    x, axis = _softmax_input("softmax", input, dim, dtype)
    return _along(_softmax, x, axis)


@boundary("log_softmax")
def log_softmax(
    input: Any, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None
) -> jax.Array:
    """``input - logsumexp(input, dim)``: the log of :func:`softmax`, without its underflow.

    Args:
        input: A floating array (or any array with a floating ``dtype``).
        dim: The dimension to normalize over. Required (see the module's notes).
        _stacklevel: Accepted for torch's signature and ignored.
        dtype: If given, ``input`` is cast to it first.

    Returns:
        An array shaped like ``input``.

    Raises:
        InvalidArgumentError: If ``dim`` is None.
        IndexOutOfRangeError: If ``dim`` is out of range.
        DTypeError: For a non-floating input and no floating ``dtype``.

    Example:
        >>> log_softmax(jnp.array([0.0, 1000.0]), dim=0)
        Array([-1000.,     0.], dtype=float32)
    """
    x, axis = _softmax_input("log_softmax", input, dim, dtype)
    return _along(_log_softmax, x, axis)


@boundary("gumbel_softmax")
def gumbel_softmax(
    logits: Any,
    tau: float = 1.0,
    hard: bool = False,
    eps: float = 1e-10,
    dim: int = -1,
    *,
    key: jax.Array | None = None,
) -> jax.Array:
    """A sample from the Gumbel-softmax (concrete) distribution over ``dim``.

    ``softmax((logits + g) / tau, dim)`` with ``g`` standard Gumbel noise drawn with ``key``.
    With ``hard``, the result is the one-hot of its argmax in the forward pass with the soft
    sample's gradient (the straight-through estimator), as torch's.

    Args:
        logits: Unnormalised log-probabilities, floating.
        tau: The temperature, greater than 0.
        hard: Return one-hot samples (straight-through gradient).
        eps: Accepted for torch's signature (unused there too).
        dim: The category dimension.
        key: A JAX PRNG key (required).

    Returns:
        An array shaped like ``logits`` whose slices along ``dim`` sum to 1.

    Raises:
        InvalidArgumentError: Without a ``key``, or for ``tau <= 0``.
        IndexOutOfRangeError: If ``dim`` is out of range.

    Example:
        >>> y = gumbel_softmax(jnp.zeros((2, 3)), hard=True, key=jax.random.key(0))
        >>> y.sum(-1).tolist()
        [1.0, 1.0]
    """
    if key is None:
        raise InvalidArgumentError("gumbel_softmax: needs a PRNG key (key=...) for the noise")
    t = _number("gumbel_softmax", "tau", tau)
    if t <= 0:
        raise InvalidArgumentError(f"gumbel_softmax: tau must be positive, got {t}")
    x, axis = _softmax_input("gumbel_softmax", logits, dim, None)
    work = jnp.float32 if x.dtype.itemsize < 4 else x.dtype
    gumbels = jax.random.gumbel(key, x.shape, work).astype(x.dtype)
    soft = _along(_softmax, (x + gumbels) / jnp.asarray(t, x.dtype), axis)
    if not hard:
        return soft
    index = jnp.argmax(soft, axis=axis, keepdims=True)
    one_hot = jnp.arange(x.shape[axis]).reshape((-1,) + (1,) * (x.ndim - axis - 1)) == index
    one_hot = one_hot.astype(x.dtype)
    return one_hot - jax.lax.stop_gradient(soft) + soft


@boundary("softmin")
def softmin(
    input: Any, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None
) -> jax.Array:
    """``softmax(-input, dim)``.

    Args:
        input: A floating array (or any array with a floating ``dtype``).
        dim: The dimension to normalize over. Required (see the module's notes).
        _stacklevel: Accepted for torch's signature and ignored.
        dtype: If given, ``input`` is cast to it first.

    Returns:
        An array shaped like ``input`` whose slices along ``dim`` sum to 1.

    Raises:
        InvalidArgumentError: If ``dim`` is None.
        IndexOutOfRangeError: If ``dim`` is out of range.
        DTypeError: For a non-floating input and no floating ``dtype``.

    Example:
        >>> softmin(jnp.array([1.0, 1.0]), dim=0)
        Array([0.5, 0.5], dtype=float32)
    """
    x, axis = _softmax_input("softmin", input, dim, dtype)
    return _along(_softmax, -x, axis)


@boundary("glu")
def glu(input: Any, dim: int = -1) -> jax.Array:
    """The gated linear unit ``a * sigmoid(b)``, ``a`` and ``b`` the halves of ``input`` on ``dim``.

    Args:
        input: A floating array with at least one dimension.
        dim: The dimension to split; its size must be even.

    Returns:
        An array shaped like ``input`` with ``dim`` halved.

    Raises:
        DTypeError: For non-floating input.
        ShapeError: For a 0-d input, or an odd size along ``dim``.
        IndexOutOfRangeError: If ``dim`` is out of range.

    Example:
        >>> glu(jnp.array([2.0, 0.0]))
        Array([1.], dtype=float32)
    """
    x = _input("glu", input)
    if x.ndim == 0:
        raise ShapeError("glu: glu does not support scalars because halving size must be even")
    axis = normalize_dim("glu", dim, x.ndim)
    size = x.shape[axis]
    if size % 2:
        raise ShapeError(
            f"glu: Halving dimension must be even, but dimension {axis} is size {size} "
            f"(input shape {tuple(x.shape)})"
        )
    a, b = jnp.split(x, 2, axis=axis)
    return a * jax.nn.sigmoid(b)
