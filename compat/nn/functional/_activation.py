"""``torch.nn.functional`` activations over compat tensors: each function is one op of :mod:`rustorch_fx.nn`.

Every function runs its ``rustorch_fx.nn`` counterpart through the one op path
(:func:`compat._engine.apply`): the input tensors are traced, hyperparameters (dims, slopes,
bounds, dtypes) are static. ``inplace=True`` and the ``name_`` variants (``relu_``, ``elu_``,
``leaky_relu_``, ``hardtanh_``...) write the result into the input, as torch does, and return it.

Importing this module also attaches what torch has beside ``torch.nn.functional`` and the Tensor
class lacked: the methods ``Tensor.relu``, ``relu_``, ``softmax``, ``log_softmax``,
``hardshrink`` and ``prelu``, and the functions ``compat.relu``, ``relu_``, ``softmax``,
``log_softmax``, ``selu``, ``celu``, ``threshold``, ``prelu``, ``rrelu`` and ``hardshrink``.

Differences from torch: none in behaviour (see :mod:`rustorch_fx.nn` for the math); note that
:mod:`rustorch_fx.nn`'s softmax family requires ``dim`` where these fall back to torch's legacy
implicit dim with its deprecation warning.
"""

from __future__ import annotations

import sys
import warnings
from typing import Any

import rustorch_fx.nn as _nn
from compat import _dtype, _methods
from compat._engine import apply
from compat._random import _default_generator
from compat._tensor import Tensor
from rustorch_fx.errors import ArgumentTypeError

__all__ = [
    "threshold_",
    "tanh",
    "sigmoid",
    "selu_",
    "rrelu_",
    "gumbel_softmax",
    "celu_",
    "celu",
    "elu",
    "elu_",
    "gelu",
    "glu",
    "hardshrink",
    "hardsigmoid",
    "hardswish",
    "hardtanh",
    "hardtanh_",
    "leaky_relu",
    "leaky_relu_",
    "log_softmax",
    "logsigmoid",
    "mish",
    "prelu",
    "relu",
    "relu6",
    "relu_",
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


def _run(op: str, fn: Any, input: Any, inplace: bool = False, **static: Any) -> Tensor:
    """Apply ``fn`` to ``input`` as one op; with ``inplace``, write the result into ``input``."""
    if not isinstance(input, Tensor):
        raise ArgumentTypeError(
            f"{op}: argument 'input' must be a Tensor, got {type(input).__name__}"
        )
    out = apply(fn, input, **static)
    return input._inplace(op + "_", out) if inplace else out


def _implicit_dim(op: str, input: Any, dim: Any, stacklevel: int) -> Any:
    """Torch's deprecated choice of softmax dim when none is given, with its warning."""
    if dim is not None or not isinstance(input, Tensor):
        return dim
    warnings.warn(
        f"Implicit dimension choice for {op} has been deprecated. Change the call to include "
        "dim=X as an argument.",
        UserWarning,
        stacklevel=stacklevel,
    )
    return 0 if input.ndim in (0, 1, 3) else 1


def _np_dtype(op: str, dtype: Any) -> Any:
    return None if dtype is None else _dtype._to_numpy_dtype(dtype, op)


# --------------------------------------------------------------------------------------------
# Rectifiers.
# --------------------------------------------------------------------------------------------


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """``max(input, 0)`` (:func:`rustorch_fx.nn.relu`).

    Args:
        input: A floating or integer tensor.
        inplace: Write the result into ``input`` and return it.

    Returns:
        A tensor shaped like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not a Tensor.
        DTypeError: For bool or complex input.
        AutogradError: For ``inplace=True`` on a leaf that requires grad.

    Example:
        >>> relu(compat.tensor([-1.0, 2.0]))
        tensor([0., 2.])
    """
    return _run("relu", _nn.relu, input, inplace)


def relu_(input: Tensor) -> Tensor:
    """In-place :func:`relu`.

    Args:
        input: A floating or integer tensor, modified in place.

    Returns:
        ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not a Tensor.
        AutogradError: For a leaf that requires grad.

    Example:
        >>> x = compat.tensor([-1.0, 2.0]); _ = relu_(x); x
        tensor([0., 2.])
    """
    return _run("relu", _nn.relu, input, True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(input, 0), 6)`` (:func:`rustorch_fx.nn.relu6`).

    Args:
        input: A floating or integer tensor.
        inplace: Write the result into ``input`` and return it.

    Returns:
        A tensor shaped like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> relu6(compat.tensor([-1.0, 7.0]))
        tensor([0., 6.])
    """
    return _run("relu6", _nn.relu6, input, inplace)


def hardtanh(
    input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False
) -> Tensor:
    """Clamp to ``[min_val, max_val]`` (:func:`rustorch_fx.nn.hardtanh`).

    Args:
        input: A floating or integer tensor.
        min_val: The lower bound.
        max_val: The upper bound.
        inplace: Write the result into ``input`` and return it.

    Returns:
        A tensor shaped like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not a Tensor.
        InvalidArgumentError: If ``min_val > max_val``.

    Example:
        >>> hardtanh(compat.tensor([-2.0, 2.0]))
        tensor([-1.,  1.])
    """
    return _run("hardtanh", _nn.hardtanh, input, inplace, min_val=min_val, max_val=max_val)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """In-place :func:`hardtanh`.

    Args:
        input: A floating or integer tensor, modified in place.
        min_val: The lower bound.
        max_val: The upper bound.

    Returns:
        ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> x = compat.tensor([-2.0, 2.0]); _ = hardtanh_(x); x
        tensor([-1.,  1.])
    """
    return hardtanh(input, min_val, max_val, True)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``input`` if positive, else ``negative_slope * input`` (:func:`rustorch_fx.nn.leaky_relu`).

    Args:
        input: A floating tensor.
        negative_slope: The slope for non-positive inputs.
        inplace: Write the result into ``input`` and return it.

    Returns:
        A tensor shaped like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> leaky_relu(compat.tensor([-2.0, 1.0]), 0.5)
        tensor([-1.,  1.])
    """
    return _run("leaky_relu", _nn.leaky_relu, input, inplace, negative_slope=negative_slope)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """In-place :func:`leaky_relu`.

    Args:
        input: A floating tensor, modified in place.
        negative_slope: The slope for non-positive inputs.

    Returns:
        ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> x = compat.tensor([-2.0, 1.0]); _ = leaky_relu_(x, 0.5); x
        tensor([-1.,  1.])
    """
    return leaky_relu(input, negative_slope, True)


def rrelu(
    input: Tensor,
    lower: float = 1.0 / 8.0,
    upper: float = 1.0 / 3.0,
    training: bool = False,
    inplace: bool = False,
) -> Tensor:
    """Randomized leaky ReLU (:func:`rustorch_fx.nn.rrelu`).

    In training the slope of each negative element is drawn from ``U(lower, upper)`` with a
    key from compat's default generator; in evaluation it is ``(lower + upper) / 2``.

    Args:
        input: A floating tensor.
        lower: Lower bound of the slope's range.
        upper: Upper bound of the slope's range.
        training: Draw random slopes.
        inplace: Write the result into ``input`` and return it.

    Returns:
        A tensor shaped like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not a Tensor.
        InvalidArgumentError: If ``lower > upper``.

    Example:
        >>> rrelu(compat.tensor([-2.0]), 0.25, 0.75)
        tensor([-1.])
    """
    if not training:
        return _run("rrelu", _nn.rrelu, input, inplace, lower=lower, upper=upper)
    if not isinstance(input, Tensor):
        raise ArgumentTypeError(
            f"rrelu: argument 'input' must be a Tensor, got {type(input).__name__}"
        )
    out = apply(_rrelu_train, input, _default_generator()._next_key(), lower=lower, upper=upper)
    return input._inplace("rrelu_", out) if inplace else out


def _rrelu_train(x: Any, key: Any, *, lower: float, upper: float) -> Any:
    return _nn.rrelu(x, lower, upper, True, key=key)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``input`` if positive, else ``weight * input``, one slope per channel (dim 1).

    Args:
        input: A floating tensor.
        weight: One slope, or one per channel.

    Returns:
        A tensor shaped like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not a Tensor.
        ShapeError: If ``weight`` has neither 1 element nor one per channel.

    Example:
        >>> prelu(compat.tensor([-2.0]), compat.tensor([0.5]))
        tensor([-1.])
    """
    if not isinstance(input, Tensor):
        raise ArgumentTypeError(
            f"prelu: argument 'input' must be a Tensor, got {type(input).__name__}"
        )
    return apply(_nn.prelu, input, weight)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``input`` where ``input > threshold``, else ``value`` (:func:`rustorch_fx.nn.threshold`).

    Args:
        input: A floating or integer tensor.
        threshold: The threshold.
        value: The replacement.
        inplace: Write the result into ``input`` and return it.

    Returns:
        A tensor shaped like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> threshold(compat.tensor([0.5, 2.0]), 1.0, 9.0)
        tensor([9., 2.])
    """
    return _run("threshold", _nn.threshold, input, inplace, threshold=threshold, value=value)


# --------------------------------------------------------------------------------------------
# Exponential and smooth units.
# --------------------------------------------------------------------------------------------


_threshold = threshold  # threshold_'s parameter of the same name shadows the function


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """The exponential linear unit (:func:`rustorch_fx.nn.elu`).

    Args:
        input: A floating tensor.
        alpha: The saturation value for negative inputs.
        inplace: Write the result into ``input`` and return it.

    Returns:
        A tensor shaped like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> elu(compat.tensor([0.0, 1.0]))
        tensor([0., 1.])
    """
    return _run("elu", _nn.elu, input, inplace, alpha=alpha)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place :func:`elu`.

    Args:
        input: A floating tensor, modified in place.
        alpha: The saturation value for negative inputs.

    Returns:
        ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> x = compat.tensor([0.0, 1.0]); _ = elu_(x); x
        tensor([0., 1.])
    """
    return elu(input, alpha, True)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """The scaled ELU with torch's constants (:func:`rustorch_fx.nn.selu`).

    Args:
        input: A floating tensor.
        inplace: Write the result into ``input`` and return it.

    Returns:
        A tensor shaped like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> selu(compat.tensor([0.0]))
        tensor([0.])
    """
    return _run("selu", _nn.selu, input, inplace)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """The continuously differentiable ELU (:func:`rustorch_fx.nn.celu`).

    Args:
        input: A floating tensor.
        alpha: The saturation value; must not be 0.
        inplace: Write the result into ``input`` and return it.

    Returns:
        A tensor shaped like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not a Tensor.
        InvalidArgumentError: If ``alpha`` is 0.

    Example:
        >>> celu(compat.tensor([0.0]))
        tensor([0.])
    """
    return _run("celu", _nn.celu, input, inplace, alpha=alpha)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """The exact (or ``approximate='tanh'``) GELU (:func:`rustorch_fx.nn.gelu`).

    Args:
        input: A floating tensor.
        approximate: ``'none'`` or ``'tanh'``.

    Returns:
        A tensor shaped like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not a Tensor.
        InvalidArgumentError: For another ``approximate``.

    Example:
        >>> gelu(compat.tensor([0.0]))
        tensor([0.])
    """
    return _run("gelu", _nn.gelu, input, approximate=approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """``input * sigmoid(input)`` (:func:`rustorch_fx.nn.silu`).

    Args:
        input: A floating tensor.
        inplace: Write the result into ``input`` and return it.

    Returns:
        A tensor shaped like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> silu(compat.tensor([0.0]))
        tensor([0.])
    """
    return _run("silu", _nn.silu, input, inplace)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``input * tanh(softplus(input))`` (:func:`rustorch_fx.nn.mish`).

    Args:
        input: A floating tensor.
        inplace: Write the result into ``input`` and return it.

    Returns:
        A tensor shaped like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> mish(compat.tensor([0.0]))
        tensor([0.])
    """
    return _run("mish", _nn.mish, input, inplace)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta * input)) / beta``, linear above ``threshold``.

    Args:
        input: A floating tensor.
        beta: The sharpness.
        threshold: Where ``beta * input > threshold`` the result is ``input``.

    Returns:
        A tensor shaped like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> softplus(compat.tensor([30.0]))
        tensor([30.])
    """
    return _run("softplus", _nn.softplus, input, beta=beta, threshold=threshold)


def softsign(input: Tensor) -> Tensor:
    """``input / (1 + |input|)`` (:func:`rustorch_fx.nn.softsign`).

    Args:
        input: A floating tensor.

    Returns:
        A tensor shaped like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> softsign(compat.tensor([1.0]))
        tensor([0.5000])
    """
    return _run("softsign", _nn.softsign, input)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """``relu6(input + 3) / 6`` (:func:`rustorch_fx.nn.hardsigmoid`).

    Args:
        input: A floating tensor.
        inplace: Write the result into ``input`` and return it.

    Returns:
        A tensor shaped like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> hardsigmoid(compat.tensor([0.0]))
        tensor([0.5000])
    """
    return _run("hardsigmoid", _nn.hardsigmoid, input, inplace)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """``input * relu6(input + 3) / 6`` (:func:`rustorch_fx.nn.hardswish`).

    Args:
        input: A floating tensor.
        inplace: Write the result into ``input`` and return it.

    Returns:
        A tensor shaped like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> hardswish(compat.tensor([4.0]))
        tensor([4.])
    """
    return _run("hardswish", _nn.hardswish, input, inplace)


def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(input))``, stable (:func:`rustorch_fx.nn.logsigmoid`).

    Args:
        input: A floating tensor.

    Returns:
        A tensor shaped like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> logsigmoid(compat.tensor([-200.0]))
        tensor([-200.])
    """
    return _run("logsigmoid", _nn.logsigmoid, input)


def tanhshrink(input: Tensor) -> Tensor:
    """``input - tanh(input)`` (:func:`rustorch_fx.nn.tanhshrink`).

    Args:
        input: A floating tensor.

    Returns:
        A tensor shaped like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> tanhshrink(compat.tensor([0.0]))
        tensor([0.])
    """
    return _run("tanhshrink", _nn.tanhshrink, input)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """Shrink toward 0 by ``lambd`` (:func:`rustorch_fx.nn.softshrink`).

    Args:
        input: A floating tensor.
        lambd: The non-negative shrinkage.

    Returns:
        A tensor shaped like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not a Tensor.
        InvalidArgumentError: If ``lambd`` is negative.

    Example:
        >>> softshrink(compat.tensor([1.0]))
        tensor([0.5000])
    """
    return _run("softshrink", _nn.softshrink, input, lambd=lambd)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``input`` where ``|input| > lambd``, else 0 (:func:`rustorch_fx.nn.hardshrink`).

    Args:
        input: A floating tensor.
        lambd: The non-negative threshold.

    Returns:
        A tensor shaped like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not a Tensor.
        InvalidArgumentError: If ``lambd`` is negative.

    Example:
        >>> hardshrink(compat.tensor([0.2, 1.0]))
        tensor([0., 1.])
    """
    return _run("hardshrink", _nn.hardshrink, input, lambd=lambd)


# --------------------------------------------------------------------------------------------
# Softmax family and gated units.
# --------------------------------------------------------------------------------------------


def softmax(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None
) -> Tensor:
    """Softmax along ``dim`` (:func:`rustorch_fx.nn.softmax`).

    Args:
        input: A floating tensor (or any tensor with a floating ``dtype``).
        dim: The dimension to normalize over. None picks torch's legacy implicit dim (0 for
            0-, 1- and 3-D input, else 1) with a UserWarning, as torch does.
        _stacklevel: Accepted for torch's signature and ignored.
        dtype: If given, ``input`` is cast to it first.

    Returns:
        A tensor shaped like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> softmax(compat.tensor([0.0, 0.0]), dim=0)
        tensor([0.5000, 0.5000])
    """
    dim = _implicit_dim("softmax", input, dim, _stacklevel)
    return _run("softmax", _nn.softmax, input, dim=dim, dtype=_np_dtype("softmax", dtype))


def log_softmax(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None
) -> Tensor:
    """Log-softmax along ``dim``, stable (:func:`rustorch_fx.nn.log_softmax`).

    Args:
        input: A floating tensor (or any tensor with a floating ``dtype``).
        dim: The dimension to normalize over. None picks torch's legacy implicit dim (0 for
            0-, 1- and 3-D input, else 1) with a UserWarning, as torch does.
        _stacklevel: Accepted for torch's signature and ignored.
        dtype: If given, ``input`` is cast to it first.

    Returns:
        A tensor shaped like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> log_softmax(compat.tensor([0.0, 1000.0]), dim=0)
        tensor([-1000.,     0.])
    """
    dt = _np_dtype("log_softmax", dtype)
    dim = _implicit_dim("log_softmax", input, dim, _stacklevel)
    return _run("log_softmax", _nn.log_softmax, input, dim=dim, dtype=dt)


def softmin(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None
) -> Tensor:
    """``softmax(-input, dim)`` (:func:`rustorch_fx.nn.softmin`).

    Args:
        input: A floating tensor (or any tensor with a floating ``dtype``).
        dim: The dimension to normalize over. None picks torch's legacy implicit dim (0 for
            0-, 1- and 3-D input, else 1) with a UserWarning, as torch does.
        _stacklevel: Accepted for torch's signature and ignored.
        dtype: If given, ``input`` is cast to it first.

    Returns:
        A tensor shaped like ``input``.

    Raises:
        ArgumentTypeError: If ``input`` is not a Tensor.

    Example:
        >>> softmin(compat.tensor([1.0, 1.0]), dim=0)
        tensor([0.5000, 0.5000])
    """
    dim = _implicit_dim("softmin", input, dim, _stacklevel)
    return _run("softmin", _nn.softmin, input, dim=dim, dtype=_np_dtype("softmin", dtype))


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """The gated linear unit over the halves of ``dim`` (:func:`rustorch_fx.nn.glu`).

    Args:
        input: A floating tensor; its size along ``dim`` must be even.
        dim: The dimension to split.

    Returns:
        A tensor shaped like ``input`` with ``dim`` halved.

    Raises:
        ArgumentTypeError: If ``input`` is not a Tensor.
        ShapeError: For an odd size along ``dim``.

    Example:
        >>> glu(compat.tensor([2.0, 0.0]))
        tensor([1.])
    """
    return _run("glu", _nn.glu, input, dim=dim)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """In-place :func:`threshold`.

    Args:
        input: A tensor, modified in place.
        threshold: The threshold.
        value: The replacement for elements not above it.

    Returns:
        ``input``.

    Example:
        >>> x = compat.tensor([0.0, 2.0]); _ = threshold_(x, 1.0, -1.0); x
        tensor([-1.,  2.])
    """
    return _threshold(input, threshold, value, True)


def selu_(input: Tensor) -> Tensor:
    """In-place :func:`selu`.

    Args:
        input: A floating tensor, modified in place.

    Returns:
        ``input``.

    Example:
        >>> x = compat.tensor([0.0]); _ = selu_(x); x
        tensor([0.])
    """
    return selu(input, True)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place :func:`celu`.

    Args:
        input: A floating tensor, modified in place.
        alpha: The saturation value.

    Returns:
        ``input``.

    Example:
        >>> x = compat.tensor([0.0]); _ = celu_(x); x
        tensor([0.])
    """
    return celu(input, alpha, True)


def rrelu_(
    input: Tensor, lower: float = 1.0 / 8.0, upper: float = 1.0 / 3.0, training: bool = False
) -> Tensor:
    """In-place :func:`rrelu`.

    Args:
        input: A floating tensor, modified in place.
        lower: Lower bound of the slope's range.
        upper: Upper bound of the slope's range.
        training: Draw random slopes.

    Returns:
        ``input``.

    Example:
        >>> x = compat.tensor([-2.0]); _ = rrelu_(x, 0.25, 0.75); x
        tensor([-1.])
    """
    return rrelu(input, lower, upper, training, True)


def sigmoid(input: Tensor) -> Tensor:
    """The logistic function (``torch.nn.functional.sigmoid``, the same as ``compat.sigmoid``).

    Args:
        input: A tensor.

    Returns:
        ``1 / (1 + exp(-input))``.

    Example:
        >>> sigmoid(compat.tensor([0.0]))
        tensor([0.5000])
    """
    return _methods.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    """The hyperbolic tangent (``torch.nn.functional.tanh``, the same as ``compat.tanh``).

    Args:
        input: A tensor.

    Returns:
        ``tanh(input)``.

    Example:
        >>> tanh(compat.tensor([0.0]))
        tensor([0.])
    """
    return _methods.tanh(input)


def gumbel_softmax(
    logits: Tensor, tau: float = 1.0, hard: bool = False, eps: float = 1e-10, dim: int = -1
) -> Tensor:
    """A Gumbel-softmax sample over ``dim`` (:func:`rustorch_fx.nn.gumbel_softmax`).

    The noise comes from compat's default generator; ``hard=True`` returns one-hot samples with
    the soft sample's gradient (straight-through).

    Args:
        logits: Unnormalised log-probabilities.
        tau: The temperature.
        hard: Return one-hot samples.
        eps: Accepted for torch's signature.
        dim: The category dimension.

    Returns:
        A tensor shaped like ``logits``.

    Raises:
        ArgumentTypeError: If ``logits`` is not a Tensor.
        InvalidArgumentError: For ``tau <= 0``.

    Example:
        >>> gumbel_softmax(compat.zeros(2, 3), hard=True).sum(-1).tolist()
        [1.0, 1.0]
    """
    if not isinstance(logits, Tensor):
        raise ArgumentTypeError(
            f"gumbel_softmax: argument 'logits' must be a Tensor, got {type(logits).__name__}"
        )
    key = _default_generator()._next_key()
    return apply(_gumbel, logits, key, tau=tau, hard=hard, dim=dim)


def _gumbel(logits: Any, key: Any, *, tau: float, hard: bool, dim: int) -> Any:
    return _nn.gumbel_softmax(logits, tau, hard, dim=dim, key=key)


# --------------------------------------------------------------------------------------------
# What torch has beside torch.nn.functional: Tensor methods and compat.X functions.
# --------------------------------------------------------------------------------------------


def _require_dim(op: str, dim: Any) -> None:
    if dim is None:
        raise ArgumentTypeError(f"{op}() missing 1 required positional argument: 'dim'")


def _tensor_softmax(self: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:
    """``tensor.softmax(dim, dtype=None)``: :func:`softmax` as a method."""
    _require_dim("softmax", dim)
    return softmax(self, dim, dtype=dtype)


def _tensor_log_softmax(self: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:
    """``tensor.log_softmax(dim, dtype=None)``: :func:`log_softmax` as a method."""
    _require_dim("log_softmax", dim)
    return log_softmax(self, dim, dtype=dtype)


def _torch_softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:
    """``compat.softmax(input, dim, dtype=None)``: :func:`softmax`."""
    _require_dim("softmax", dim)
    return softmax(input, dim, dtype=dtype)


def _torch_log_softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:
    """``compat.log_softmax(input, dim, dtype=None)``: :func:`log_softmax`."""
    _require_dim("log_softmax", dim)
    return log_softmax(input, dim, dtype=dtype)


_METHODS = {
    "relu": relu,
    "relu_": relu_,
    "softmax": _tensor_softmax,
    "log_softmax": _tensor_log_softmax,
    "hardshrink": hardshrink,
    "prelu": prelu,
}
_FUNCTIONS = {
    "relu": relu,
    "relu_": relu_,
    "softmax": _torch_softmax,
    "log_softmax": _torch_log_softmax,
    "selu": selu,
    "celu": celu,
    "threshold": threshold,
    "prelu": prelu,
    "rrelu": rrelu,
    "hardshrink": hardshrink,
}


def _attach() -> None:
    """Add the missing methods and ``compat.X`` functions (names already defined are kept)."""
    module = sys.modules["compat"]
    for name, fn in _METHODS.items():
        if name not in vars(Tensor):
            setattr(Tensor, name, fn)
    for name, fn in _FUNCTIONS.items():
        if not hasattr(module, name):
            setattr(module, name, fn)


_attach()
