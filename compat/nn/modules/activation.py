"""``torch.nn`` activation modules for compat: each forward is one call into :mod:`compat.nn.functional`.

Constructor arguments, defaults, ``extra_repr`` and behaviour are torch's. ``Softmax``,
``Softmin`` and ``LogSoftmax`` with ``dim=None`` pick torch's legacy implicit dim with its
deprecation warning. ``Swish`` is an alias of :class:`SiLU`.
"""

from __future__ import annotations

import warnings
from typing import Any

from compat import _creation
from compat._tensor import Tensor
from compat.nn import functional as F
from compat.nn.modules.module import Module
from compat.nn.parameter import Parameter
from rustorch_fx.errors import InvalidArgumentError, ShapeError

__all__ = [
    "CELU",
    "ELU",
    "GELU",
    "GLU",
    "Hardshrink",
    "Hardsigmoid",
    "Hardswish",
    "Hardtanh",
    "LeakyReLU",
    "LogSigmoid",
    "LogSoftmax",
    "Mish",
    "PReLU",
    "RReLU",
    "ReLU",
    "ReLU6",
    "SELU",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Softmax2d",
    "Softmin",
    "Softplus",
    "Softshrink",
    "Softsign",
    "Swish",
    "Tanh",
    "Tanhshrink",
    "Threshold",
]


def _inplace(module: Module) -> str:
    return ", inplace=True" if module.inplace else ""


class Threshold(Module):
    """``input`` where it exceeds ``threshold``, else ``value``.

    Args:
        threshold: torch's ``threshold`` (see :func:`compat.nn.functional.threshold`).
        value: torch's ``value`` (see :func:`compat.nn.functional.threshold`).
        inplace: torch's ``inplace`` (see :func:`compat.nn.functional.threshold`).

    Shape:
        - Input: ``(*)``, any shape.
        - Output: the same shape.

    Example:
        >>> import compat
        >>> m = compat.nn.Threshold(0.1, 20)
        >>> m(compat.randn(2, 4)).shape
        (2, 4)
    """

    def __init__(self, threshold: Any, value: Any, inplace: Any = False) -> None:
        """Store the hyperparameters (see the class docstring)."""
        super().__init__()
        self.threshold = threshold
        self.value = value
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        """Torch's printed hyperparameters."""
        return f"threshold={self.threshold}, value={self.value}{_inplace(self)}"


class ReLU(Module):
    """The rectified linear unit ``max(x, 0)``.

    Args:
        inplace: torch's ``inplace`` (see :func:`compat.nn.functional.relu`).

    Shape:
        - Input: ``(*)``, any shape.
        - Output: the same shape.

    Example:
        >>> import compat
        >>> m = compat.nn.ReLU()
        >>> m(compat.randn(2, 4)).shape
        (2, 4)
    """

    def __init__(self, inplace: Any = False) -> None:
        """Store the hyperparameters (see the class docstring)."""
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return F.relu(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        """Torch's printed hyperparameters."""
        return "inplace=True" if self.inplace else ""


class RReLU(Module):
    """Randomized leaky ReLU: random slopes in ``[lower, upper]`` in training, their mean in eval.

    Args:
        lower: torch's ``lower`` (see :func:`compat.nn.functional.rrelu`).
        upper: torch's ``upper`` (see :func:`compat.nn.functional.rrelu`).
        inplace: torch's ``inplace`` (see :func:`compat.nn.functional.rrelu`).

    Shape:
        - Input: ``(*)``, any shape.
        - Output: the same shape.

    Example:
        >>> import compat
        >>> m = compat.nn.RReLU(0.1, 0.3)
        >>> m(compat.randn(2, 4)).shape
        (2, 4)
    """

    def __init__(self, lower: Any = 1.0 / 8, upper: Any = 1.0 / 3, inplace: Any = False) -> None:
        """Store the hyperparameters (see the class docstring)."""
        super().__init__()
        self.lower = lower
        self.upper = upper
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        """Torch's printed hyperparameters."""
        return f"lower={self.lower}, upper={self.upper}{_inplace(self)}"


class Hardtanh(Module):
    """``x`` clamped to ``[min_val, max_val]``, with gradient 0 outside (and at the bounds).

    Args:
        min_val: The lower bound.
        max_val: The upper bound, greater than ``min_val``.
        inplace: Write the result into the input.
        min_value: Deprecated name of ``min_val`` (torch's).
        max_value: Deprecated name of ``max_val``.

    Shape:
        - Input: ``(*)``, any shape.
        - Output: the same shape.

    Raises:
        InvalidArgumentError: If ``max_val <= min_val``.

    Example:
        >>> import compat
        >>> compat.nn.Hardtanh(-2, 2)(compat.tensor([-3.0, 1.0, 3.0])).tolist()
        [-2.0, 1.0, 2.0]
    """

    def __init__(
        self,
        min_val: float = -1.0,
        max_val: float = 1.0,
        inplace: bool = False,
        min_value: float | None = None,
        max_value: float | None = None,
    ) -> None:
        """Store and check the bounds (see the class docstring)."""
        super().__init__()
        if min_value is not None:
            warnings.warn(
                "keyword argument `min_value` is deprecated and renamed to `min_val`",
                FutureWarning,
                stacklevel=2,
            )
            min_val = min_value
        if max_value is not None:
            warnings.warn(
                "keyword argument `max_value` is deprecated and renamed to `max_val`",
                FutureWarning,
                stacklevel=2,
            )
            max_val = max_value
        if not max_val > min_val:
            raise InvalidArgumentError(
                f"Hardtanh: max_val ({max_val}) must be greater than min_val ({min_val})"
            )
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Clamp ``input``."""
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        """Torch's printed hyperparameters."""
        return f"min_val={self.min_val}, max_val={self.max_val}{_inplace(self)}"


class ReLU6(Hardtanh):
    """``min(max(x, 0), 6)``.

    Args:
        inplace: Write the result into the input.

    Shape:
        - Input: ``(*)``, any shape.
        - Output: the same shape.

    Example:
        >>> import compat
        >>> compat.nn.ReLU6()(compat.tensor([-1.0, 7.0])).tolist()
        [0.0, 6.0]
    """

    def __init__(self, inplace: bool = False) -> None:
        """Store the flag."""
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        """``inplace=True`` when set."""
        return "inplace=True" if self.inplace else ""


class Sigmoid(Module):
    """The logistic function ``1 / (1 + exp(-x))``.

    Shape:
        - Input: ``(*)``, any shape.
        - Output: the same shape.

    Example:
        >>> import compat
        >>> m = compat.nn.Sigmoid()
        >>> m(compat.randn(2, 4)).shape
        (2, 4)
    """

    def __init__(self) -> None:
        """Store the hyperparameters (see the class docstring)."""
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return input.sigmoid()


class Hardsigmoid(Module):
    """The piecewise-linear sigmoid ``relu6(x + 3) / 6``.

    Args:
        inplace: torch's ``inplace`` (see :func:`compat.nn.functional.hardsigmoid`).

    Shape:
        - Input: ``(*)``, any shape.
        - Output: the same shape.

    Example:
        >>> import compat
        >>> m = compat.nn.Hardsigmoid()
        >>> m(compat.randn(2, 4)).shape
        (2, 4)
    """

    def __init__(self, inplace: Any = False) -> None:
        """Store the hyperparameters (see the class docstring)."""
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return F.hardsigmoid(input, self.inplace)


class Tanh(Module):
    """The hyperbolic tangent.

    Shape:
        - Input: ``(*)``, any shape.
        - Output: the same shape.

    Example:
        >>> import compat
        >>> m = compat.nn.Tanh()
        >>> m(compat.randn(2, 4)).shape
        (2, 4)
    """

    def __init__(self) -> None:
        """Store the hyperparameters (see the class docstring)."""
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return input.tanh()


class SiLU(Module):
    """The sigmoid linear unit ``x * sigmoid(x)`` (swish).

    Args:
        inplace: torch's ``inplace`` (see :func:`compat.nn.functional.silu`).

    Shape:
        - Input: ``(*)``, any shape.
        - Output: the same shape.

    Example:
        >>> import compat
        >>> m = compat.nn.SiLU()
        >>> m(compat.randn(2, 4)).shape
        (2, 4)
    """

    def __init__(self, inplace: Any = False) -> None:
        """Store the hyperparameters (see the class docstring)."""
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return F.silu(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        """Torch's printed hyperparameters."""
        return "inplace=True" if self.inplace else ""


class Mish(Module):
    """Mish: ``x * tanh(softplus(x))``.

    Args:
        inplace: torch's ``inplace`` (see :func:`compat.nn.functional.mish`).

    Shape:
        - Input: ``(*)``, any shape.
        - Output: the same shape.

    Example:
        >>> import compat
        >>> m = compat.nn.Mish()
        >>> m(compat.randn(2, 4)).shape
        (2, 4)
    """

    def __init__(self, inplace: Any = False) -> None:
        """Store the hyperparameters (see the class docstring)."""
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return F.mish(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        """Torch's printed hyperparameters."""
        return "inplace=True" if self.inplace else ""


class Hardswish(Module):
    """The hard swish ``x * relu6(x + 3) / 6``.

    Args:
        inplace: torch's ``inplace`` (see :func:`compat.nn.functional.hardswish`).

    Shape:
        - Input: ``(*)``, any shape.
        - Output: the same shape.

    Example:
        >>> import compat
        >>> m = compat.nn.Hardswish()
        >>> m(compat.randn(2, 4)).shape
        (2, 4)
    """

    def __init__(self, inplace: Any = False) -> None:
        """Store the hyperparameters (see the class docstring)."""
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return F.hardswish(input, self.inplace)


class ELU(Module):
    """The exponential linear unit.

    Args:
        alpha: torch's ``alpha`` (see :func:`compat.nn.functional.elu`).
        inplace: torch's ``inplace`` (see :func:`compat.nn.functional.elu`).

    Shape:
        - Input: ``(*)``, any shape.
        - Output: the same shape.

    Example:
        >>> import compat
        >>> m = compat.nn.ELU(alpha=0.5)
        >>> m(compat.randn(2, 4)).shape
        (2, 4)
    """

    def __init__(self, alpha: Any = 1.0, inplace: Any = False) -> None:
        """Store the hyperparameters (see the class docstring)."""
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        """Torch's printed hyperparameters."""
        return f"alpha={self.alpha}{_inplace(self)}"


class CELU(Module):
    """The continuously differentiable ELU.

    Args:
        alpha: torch's ``alpha`` (see :func:`compat.nn.functional.celu`).
        inplace: torch's ``inplace`` (see :func:`compat.nn.functional.celu`).

    Shape:
        - Input: ``(*)``, any shape.
        - Output: the same shape.

    Example:
        >>> import compat
        >>> m = compat.nn.CELU()
        >>> m(compat.randn(2, 4)).shape
        (2, 4)
    """

    def __init__(self, alpha: Any = 1.0, inplace: Any = False) -> None:
        """Store the hyperparameters (see the class docstring)."""
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return F.celu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        """Torch's printed hyperparameters."""
        return f"alpha={self.alpha}{_inplace(self)}"


class SELU(Module):
    """The scaled ELU with the self-normalising constants.

    Args:
        inplace: torch's ``inplace`` (see :func:`compat.nn.functional.selu`).

    Shape:
        - Input: ``(*)``, any shape.
        - Output: the same shape.

    Example:
        >>> import compat
        >>> m = compat.nn.SELU()
        >>> m(compat.randn(2, 4)).shape
        (2, 4)
    """

    def __init__(self, inplace: Any = False) -> None:
        """Store the hyperparameters (see the class docstring)."""
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return F.selu(input, self.inplace)

    def extra_repr(self) -> str:
        """Torch's printed hyperparameters."""
        return "inplace=True" if self.inplace else ""


class GLU(Module):
    """The gated linear unit ``a * sigmoid(b)`` over the halves of ``dim``.

    Args:
        dim: torch's ``dim`` (see :func:`compat.nn.functional.glu`).

    Shape:
        - Input: ``(*)``, any shape.
        - Output: the same shape.

    Example:
        >>> import compat
        >>> m = compat.nn.GLU()
        >>> m(compat.randn(2, 4)).shape
        (2, 4)
    """

    def __init__(self, dim: Any = -1) -> None:
        """Store the hyperparameters (see the class docstring)."""
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        """Torch's printed hyperparameters."""
        return f"dim={self.dim}"


class GELU(Module):
    """The Gaussian error linear unit (exact erf form, or ``approximate='tanh'``).

    Args:
        approximate: torch's ``approximate`` (see :func:`compat.nn.functional.gelu`).

    Shape:
        - Input: ``(*)``, any shape.
        - Output: the same shape.

    Example:
        >>> import compat
        >>> m = compat.nn.GELU()
        >>> m(compat.randn(2, 4)).shape
        (2, 4)
    """

    def __init__(self, approximate: Any = "none") -> None:
        """Store the hyperparameters (see the class docstring)."""
        super().__init__()
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        """Torch's printed hyperparameters."""
        return f"approximate={self.approximate!r}"


class Hardshrink(Module):
    """``x`` where ``|x| > lambd``, else 0.

    Args:
        lambd: torch's ``lambd`` (see :func:`compat.nn.functional.hardshrink`).

    Shape:
        - Input: ``(*)``, any shape.
        - Output: the same shape.

    Example:
        >>> import compat
        >>> m = compat.nn.Hardshrink()
        >>> m(compat.randn(2, 4)).shape
        (2, 4)
    """

    def __init__(self, lambd: Any = 0.5) -> None:
        """Store the hyperparameters (see the class docstring)."""
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return F.hardshrink(input, self.lambd)

    def extra_repr(self) -> str:
        """Torch's printed hyperparameters."""
        return f"{self.lambd}"


class LeakyReLU(Module):
    """``x`` where positive, ``negative_slope * x`` elsewhere.

    Args:
        negative_slope: torch's ``negative_slope`` (see :func:`compat.nn.functional.leaky_relu`).
        inplace: torch's ``inplace`` (see :func:`compat.nn.functional.leaky_relu`).

    Shape:
        - Input: ``(*)``, any shape.
        - Output: the same shape.

    Example:
        >>> import compat
        >>> m = compat.nn.LeakyReLU(0.2)
        >>> m(compat.randn(2, 4)).shape
        (2, 4)
    """

    def __init__(self, negative_slope: Any = 1e-2, inplace: Any = False) -> None:
        """Store the hyperparameters (see the class docstring)."""
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        """Torch's printed hyperparameters."""
        return f"negative_slope={self.negative_slope}{_inplace(self)}"


class LogSigmoid(Module):
    """``log(sigmoid(x))``, computed stably.

    Shape:
        - Input: ``(*)``, any shape.
        - Output: the same shape.

    Example:
        >>> import compat
        >>> m = compat.nn.LogSigmoid()
        >>> m(compat.randn(2, 4)).shape
        (2, 4)
    """

    def __init__(self) -> None:
        """Store the hyperparameters (see the class docstring)."""
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return F.logsigmoid(input)


class Softplus(Module):
    """``log(1 + exp(beta * x)) / beta``, linear where ``beta * x > threshold``.

    Args:
        beta: torch's ``beta`` (see :func:`compat.nn.functional.softplus`).
        threshold: torch's ``threshold`` (see :func:`compat.nn.functional.softplus`).

    Shape:
        - Input: ``(*)``, any shape.
        - Output: the same shape.

    Example:
        >>> import compat
        >>> m = compat.nn.Softplus()
        >>> m(compat.randn(2, 4)).shape
        (2, 4)
    """

    def __init__(self, beta: Any = 1.0, threshold: Any = 20.0) -> None:
        """Store the hyperparameters (see the class docstring)."""
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        """Torch's printed hyperparameters."""
        return f"beta={self.beta}, threshold={self.threshold}"


class Softshrink(Module):
    """Soft thresholding: ``x - lambd``, ``x + lambd`` or 0.

    Args:
        lambd: torch's ``lambd`` (see :func:`compat.nn.functional.softshrink`).

    Shape:
        - Input: ``(*)``, any shape.
        - Output: the same shape.

    Example:
        >>> import compat
        >>> m = compat.nn.Softshrink()
        >>> m(compat.randn(2, 4)).shape
        (2, 4)
    """

    def __init__(self, lambd: Any = 0.5) -> None:
        """Store the hyperparameters (see the class docstring)."""
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return F.softshrink(input, self.lambd)

    def extra_repr(self) -> str:
        """Torch's printed hyperparameters."""
        return str(self.lambd)


class PReLU(Module):
    """``x`` where positive, ``a * x`` elsewhere, with a learned slope ``a`` (one, or one per channel).

    Args:
        num_parameters: 1 (one slope shared by all channels) or the number of channels (dim 1
            of the input).
        init: The initial slope.
        device: Where to create the weight.
        dtype: The weight's dtype.

    Shape:
        - Input: ``(*)``; with ``num_parameters > 1``, ``(N, C, *)`` or ``(C,)``.
        - Output: the same shape.

    Attributes:
        weight: The slopes, shape ``(num_parameters,)``.

    Example:
        >>> import compat
        >>> compat.nn.PReLU()(compat.tensor([-4.0, 2.0])).tolist()
        [-1.0, 2.0]
    """

    def __init__(
        self, num_parameters: int = 1, init: float = 0.25, device: Any = None, dtype: Any = None
    ) -> None:
        """Create the slopes (see the class docstring)."""
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(_creation.empty(num_parameters, device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Fill the slopes with ``init``."""
        from compat.nn import init

        init.constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:
        """Apply the parametric ReLU."""
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        """``num_parameters=1``."""
        return f"num_parameters={self.num_parameters}"


class Softsign(Module):
    """``x / (1 + |x|)``.

    Shape:
        - Input: ``(*)``, any shape.
        - Output: the same shape.

    Example:
        >>> import compat
        >>> m = compat.nn.Softsign()
        >>> m(compat.randn(2, 4)).shape
        (2, 4)
    """

    def __init__(self) -> None:
        """Store the hyperparameters (see the class docstring)."""
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return F.softsign(input)


class Tanhshrink(Module):
    """``x - tanh(x)``.

    Shape:
        - Input: ``(*)``, any shape.
        - Output: the same shape.

    Example:
        >>> import compat
        >>> m = compat.nn.Tanhshrink()
        >>> m(compat.randn(2, 4)).shape
        (2, 4)
    """

    def __init__(self) -> None:
        """Store the hyperparameters (see the class docstring)."""
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return F.tanhshrink(input)


class Softmin(Module):
    """Softmax of ``-x`` along ``dim``.

    Args:
        dim: torch's ``dim`` (see :func:`compat.nn.functional.softmin`).

    Shape:
        - Input: ``(*)``, any shape.
        - Output: the same shape.

    Example:
        >>> import compat
        >>> m = compat.nn.Softmin(dim=1)
        >>> m(compat.randn(2, 4)).shape
        (2, 4)
    """

    def __init__(self, dim: Any = None) -> None:
        """Store the hyperparameters (see the class docstring)."""
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return F.softmin(input, self.dim, _stacklevel=5)

    def extra_repr(self) -> str:
        """Torch's printed hyperparameters."""
        return f"dim={self.dim}"


class Softmax(Module):
    """Softmax along ``dim``: non-negative values summing to 1.

    Args:
        dim: torch's ``dim`` (see :func:`compat.nn.functional.softmax`).

    Shape:
        - Input: ``(*)``, any shape.
        - Output: the same shape.

    Example:
        >>> import compat
        >>> m = compat.nn.Softmax(dim=1)
        >>> m(compat.randn(2, 4)).shape
        (2, 4)
    """

    def __init__(self, dim: Any = None) -> None:
        """Store the hyperparameters (see the class docstring)."""
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return F.softmax(input, self.dim, _stacklevel=5)

    def extra_repr(self) -> str:
        """Torch's printed hyperparameters."""
        return f"dim={self.dim}"


class Softmax2d(Module):
    """Softmax over the channels of each spatial location: ``softmax(x, dim=-3)``.

    Shape:
        - Input: ``(N, C, H, W)`` or ``(C, H, W)``.
        - Output: the same shape.

    Raises:
        ShapeError: For input that is not 3-D or 4-D.

    Example:
        >>> import compat
        >>> compat.nn.Softmax2d()(compat.zeros(1, 2, 1, 1)).flatten().tolist()
        [0.5, 0.5]
    """

    def forward(self, input: Tensor) -> Tensor:
        """Apply the softmax over dim -3."""
        if input.ndim not in (3, 4):
            raise ShapeError(
                f"Softmax2d: expected input to be 3-D or 4-D, got {input.ndim}-D input "
                f"of shape {tuple(input.shape)}"
            )
        return F.softmax(input, -3)


class LogSoftmax(Module):
    """Log-softmax along ``dim``, computed stably.

    Args:
        dim: torch's ``dim`` (see :func:`compat.nn.functional.log_softmax`).

    Shape:
        - Input: ``(*)``, any shape.
        - Output: the same shape.

    Example:
        >>> import compat
        >>> m = compat.nn.LogSoftmax(dim=1)
        >>> m(compat.randn(2, 4)).shape
        (2, 4)
    """

    def __init__(self, dim: Any = None) -> None:
        """Store the hyperparameters (see the class docstring)."""
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return F.log_softmax(input, self.dim, _stacklevel=5)

    def extra_repr(self) -> str:
        """Torch's printed hyperparameters."""
        return f"dim={self.dim}"


#: ``Swish`` is :class:`SiLU` under another name (as the issue's roadmap calls it).
Swish = SiLU
