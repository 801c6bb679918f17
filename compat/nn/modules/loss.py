"""``torch.nn.modules.loss`` for compat: every loss module, each a call into :mod:`compat.nn.functional`.

The classes keep torch's names, constructor signatures (the deprecated ``size_average`` and
``reduce`` included, converted to ``reduction`` with torch's warning), attributes and
buffers: a class ``weight`` (and ``pos_weight`` for :class:`BCEWithLogitsLoss`) is a
registered buffer, so ``state_dict()`` keys match torch's. They print as torch's do, with no
extra representation (``CrossEntropyLoss()``).

Differences from torch kept on purpose:

- ``reduction`` is validated in ``__init__`` (torch fails at the first forward).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from compat._tensor import Tensor
from compat.nn import functional as F
from compat.nn.modules.distance import PairwiseDistance
from compat.nn.modules.module import Module
from rustorch_fx.errors import ArgumentTypeError, InvalidArgumentError, ShapeError

__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "CTCLoss",
    "CosineEmbeddingLoss",
    "CrossEntropyLoss",
    "GaussianNLLLoss",
    "HingeEmbeddingLoss",
    "HuberLoss",
    "KLDivLoss",
    "L1Loss",
    "MSELoss",
    "MarginRankingLoss",
    "MultiLabelMarginLoss",
    "MultiLabelSoftMarginLoss",
    "MultiMarginLoss",
    "NLLLoss",
    "NLLLoss2d",
    "PoissonNLLLoss",
    "SmoothL1Loss",
    "SoftMarginLoss",
    "TripletMarginLoss",
    "TripletMarginWithDistanceLoss",
]

_VALID = ("none", "mean", "sum")


def _legacy_reduction(size_average: Any, reduce: Any) -> str:
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    result = "mean" if (size_average and reduce) else ("sum" if reduce else "none")
    warnings.warn(
        "size_average and reduce args will be deprecated, please use "
        f"reduction='{result}' instead.",
        UserWarning,
        stacklevel=4,
    )
    return result


class _Loss(Module):
    """Base of the loss modules: holds ``reduction`` (converted from the legacy pair).

    Args:
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Raises:
        InvalidArgumentError: For an unknown reduction.
    """

    reduction: str
    _extra_reductions: tuple[str, ...] = ()

    def __init__(
        self, size_average: Any = None, reduce: Any = None, reduction: str = "mean"
    ) -> None:
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = _legacy_reduction(size_average, reduce)
        valid = _VALID + self._extra_reductions + ("elementwise_mean",)
        if reduction not in valid:
            names = ", ".join(repr(r) for r in valid[:-1])
            raise InvalidArgumentError(
                f"{type(self).__name__}: {reduction!r} is not a valid value for reduction; "
                f"expected one of {names}"
            )
        self.reduction = reduction


class _WeightedLoss(_Loss):
    """A loss with an optional per-class ``weight``, registered as a buffer.

    Args:
        weight: Optional per-class weights (a Tensor).
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Raises:
        ArgumentTypeError: If ``weight`` is neither a Tensor nor None.
    """

    weight: Tensor | None

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: Any = None,
        reduce: Any = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        _check_weight(type(self).__name__, "weight", weight)
        self.register_buffer("weight", weight)


def _check_weight(owner: str, name: str, weight: Any) -> None:
    if weight is not None and not isinstance(weight, Tensor):
        raise ArgumentTypeError(
            f"{owner}: {name} must be a Tensor or None, got {type(weight).__name__}"
        )


class L1Loss(_Loss):
    """Mean absolute error ``|input - target|``.

    Args:
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Shape:
        - Input: ``(*)``; Target: ``(*)``, the same shape.
        - Output: a scalar, or ``(*)`` for ``reduction='none'``.

    Example:
        >>> L1Loss()(compat.tensor([1.0, 2.0]), compat.tensor([0.0, 4.0]))
        tensor(1.5000)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of ``input`` against ``target``."""
        return F.l1_loss(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    """Mean squared error ``(input - target) ** 2``.

    Args:
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Shape:
        - Input: ``(*)``; Target: ``(*)``, the same shape.
        - Output: a scalar, or ``(*)`` for ``reduction='none'``.

    Example:
        >>> MSELoss()(compat.tensor([1.0, 2.0]), compat.tensor([0.0, 4.0]))
        tensor(2.5000)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of ``input`` against ``target``."""
        return F.mse_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """Smooth L1: quadratic below ``beta``, linear above.

    Args:
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.
        beta: The threshold (``>= 0``; 0 gives :class:`L1Loss`).

    Shape:
        - Input: ``(*)``; Target: ``(*)``, the same shape.
        - Output: a scalar, or ``(*)`` for ``reduction='none'``.

    Raises:
        InvalidArgumentError: If ``beta < 0``.

    Example:
        >>> SmoothL1Loss(beta=0.5)(compat.tensor([0.25, 3.0]), compat.zeros(2))
        tensor(1.4062)
    """

    def __init__(
        self,
        size_average: Any = None,
        reduce: Any = None,
        reduction: str = "mean",
        beta: float = 1.0,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        if beta < 0:
            raise InvalidArgumentError(f"SmoothL1Loss: beta must be non-negative, got beta={beta}")
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of ``input`` against ``target``."""
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """Huber loss: ``0.5 * d**2`` below ``delta``, ``delta * (|d| - 0.5 * delta)`` above.

    Args:
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.
        delta: The threshold (``> 0``).

    Shape:
        - Input: ``(*)``; Target: ``(*)``, the same shape.
        - Output: a scalar, or ``(*)`` for ``reduction='none'``.

    Raises:
        ArgumentTypeError: If ``delta`` is not a number (torch's TypeError).
        InvalidArgumentError: If ``delta <= 0``.

    Example:
        >>> HuberLoss(delta=2.0)(compat.tensor([1.0, 3.0]), compat.zeros(2))
        tensor(2.2500)
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        if isinstance(delta, bool) or not isinstance(delta, (float, int)):
            raise ArgumentTypeError(f"delta must be a float or int, got: {type(delta)}")
        if delta <= 0:
            raise InvalidArgumentError(f"HuberLoss: delta must be positive, got delta={delta}")
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of ``input`` against ``target``."""
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class PoissonNLLLoss(_Loss):
    """Negative log-likelihood of a Poisson target.

    Args:
        log_input: Whether the input is a log-rate (``exp(input) - target * input``) or a
            rate (``input - target * log(input + eps)``).
        full: Add Stirling's approximation term.
        size_average: Deprecated (see ``reduction``).
        eps: Added inside the log when ``log_input=False``.
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Shape:
        - Input: ``(*)``; Target: ``(*)``, the same shape.
        - Output: a scalar, or ``(*)`` for ``reduction='none'``.

    Example:
        >>> PoissonNLLLoss()(compat.tensor([0.0]), compat.tensor([2.0]))
        tensor(1.)
    """

    def __init__(
        self,
        log_input: bool = True,
        full: bool = False,
        size_average: Any = None,
        eps: float = 1e-8,
        reduce: Any = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_input = log_input
        self.full = full
        self.eps = eps

    def forward(self, log_input: Tensor, target: Tensor) -> Tensor:
        """The loss of ``log_input`` against ``target``."""
        return F.poisson_nll_loss(
            log_input,
            target,
            log_input=self.log_input,
            full=self.full,
            eps=self.eps,
            reduction=self.reduction,
        )


class GaussianNLLLoss(_Loss):
    """Negative log-likelihood of a Gaussian target with predicted variance.

    Args:
        full: Include the constant ``0.5 * log(2 * pi)``.
        eps: Lower clamp of the variance.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Shape:
        - Input: ``(N, *)`` or ``(*)``; Target: like the input.
        - Var: like the input, or with one dimension of size 1, or without the last dimension.
        - Output: a scalar, or the input's shape for ``reduction='none'``.

    Example:
        >>> GaussianNLLLoss()(compat.tensor([0.0]), compat.tensor([1.0]), compat.tensor([1.0]))
        tensor(0.5000)
    """

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(None, None, reduction)
        self.full = full
        self.eps = eps

    def forward(self, input: Tensor, target: Tensor, var: Tensor | float) -> Tensor:
        """The loss of ``target`` under ``Normal(input, var)``."""
        return F.gaussian_nll_loss(
            input, target, var, full=self.full, eps=self.eps, reduction=self.reduction
        )


class KLDivLoss(_Loss):
    """Kullback-Leibler divergence of log-probability inputs from a target distribution.

    Args:
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'`` | ``'batchmean'`` (the mathematical KL
            divergence: the sum over each sample, averaged over the batch).
        log_target: Whether the target is in log space.

    Shape:
        - Input: ``(*)``; Target: ``(*)``, the same shape.
        - Output: a scalar, or ``(*)`` for ``reduction='none'``.

    Example:
        >>> p = compat.tensor([[0.5, 0.5]])
        >>> KLDivLoss(reduction="batchmean")(p.log(), compat.tensor([[0.25, 0.75]]))
        tensor(0.1308)
    """

    _extra_reductions = ("batchmean",)

    def __init__(
        self,
        size_average: Any = None,
        reduce: Any = None,
        reduction: str = "mean",
        log_target: bool = False,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The divergence of ``input`` (log-probabilities) from ``target``."""
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class BCELoss(_WeightedLoss):
    """Binary cross entropy of probabilities (logs clamped at -100, as torch).

    Args:
        weight: Optional weights broadcastable to the input (a buffer).
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Shape:
        - Input: ``(*)`` in ``[0, 1]``; Target: ``(*)``, the same shape.
        - Output: a scalar, or ``(*)`` for ``reduction='none'``.

    Example:
        >>> BCELoss()(compat.tensor([0.5, 1.0]), compat.tensor([1.0, 1.0]))
        tensor(0.3466)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of ``input`` probabilities against ``target``."""
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross entropy of logits, in the stable log-sum-exp form.

    Args:
        weight: Optional weights broadcastable to the input (a buffer).
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.
        pos_weight: Optional weights of the positive term, broadcastable to the input
            (usually ``(C,)``; a buffer).

    Shape:
        - Input: ``(*)``; Target: ``(*)``, the same shape.
        - Output: a scalar, or ``(*)`` for ``reduction='none'``.

    Example:
        >>> BCEWithLogitsLoss()(compat.tensor([200.0]), compat.tensor([0.0]))
        tensor(200.)
    """

    weight: Tensor | None
    pos_weight: Tensor | None

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: Any = None,
        reduce: Any = None,
        reduction: str = "mean",
        pos_weight: Tensor | None = None,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        _check_weight("BCEWithLogitsLoss", "weight", weight)
        _check_weight("BCEWithLogitsLoss", "pos_weight", pos_weight)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of ``input`` logits against ``target``."""
        return F.binary_cross_entropy_with_logits(
            input, target, self.weight, pos_weight=self.pos_weight, reduction=self.reduction
        )


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of class indices given log-probabilities.

    Args:
        weight: Optional per-class weights ``(C,)`` (a buffer).
        size_average: Deprecated (see ``reduction``).
        ignore_index: A target value that contributes nothing.
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'`` (``'mean'`` divides by the weights of
            the non-ignored targets).

    Shape:
        - Input: ``(N, C)``, ``(C,)`` or ``(N, C, d1, ..., dK)``.
        - Target: ``(N,)``, ``()`` or ``(N, d1, ..., dK)``, class indices.
        - Output: a scalar, or the target's shape for ``reduction='none'``.

    Example:
        >>> logp = compat.tensor([[0.5, 0.5], [0.9, 0.1]]).log()
        >>> NLLLoss()(logp, compat.tensor([0, 0]))
        tensor(0.3993)
    """

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: Any = None,
        ignore_index: int = -100,
        reduce: Any = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of ``input`` log-probabilities for the ``target`` classes."""
        return F.nll_loss(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
        )


class NLLLoss2d(NLLLoss):
    """Deprecated alias of :class:`NLLLoss` for ``(N, C, H, W)`` inputs (torch's).

    Args:
        weight: Optional per-class weights ``(C,)``.
        size_average: Deprecated (see ``reduction``).
        ignore_index: A target value that contributes nothing.
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Shape:
        - Input: ``(N, C, H, W)``; Target: ``(N, H, W)``.
        - Output: a scalar, or ``(N, H, W)`` for ``reduction='none'``.

    Example:
        >>> NLLLoss2d()(compat.zeros(1, 2, 1, 1), compat.tensor([[[1]]]))
        tensor(-0.)
    """


class CrossEntropyLoss(_WeightedLoss):
    """Cross entropy of logits against class indices or class probabilities.

    Args:
        weight: Optional per-class weights ``(C,)`` (a buffer).
        size_average: Deprecated (see ``reduction``).
        ignore_index: A class index that contributes nothing.
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.
        label_smoothing: In ``[0, 1]``.

    Shape:
        - Input: ``(N, C)``, ``(C,)`` or ``(N, C, d1, ..., dK)``.
        - Target: class indices ``(N,)``, ``()`` or ``(N, d1, ..., dK)``; or probabilities
          of the input's shape.
        - Output: a scalar, or the shape without the class axis for ``reduction='none'``.

    Raises:
        InvalidArgumentError: For ``label_smoothing`` outside ``[0, 1]``.

    Example:
        >>> CrossEntropyLoss()(compat.tensor([[2.0, 0.0], [0.0, 2.0]]), compat.tensor([0, 1]))
        tensor(0.1269)
    """

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: Any = None,
        ignore_index: int = -100,
        reduce: Any = None,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        if not 0.0 <= label_smoothing <= 1.0:
            raise InvalidArgumentError(
                f"CrossEntropyLoss: label_smoothing must be between 0.0 and 1.0. "
                f"Got: {label_smoothing}"
            )
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of ``input`` logits against ``target``."""
        return F.cross_entropy(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """One-versus-all logistic loss, averaged over the classes.

    Args:
        weight: Optional per-class weights ``(C,)`` (a buffer).
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Shape:
        - Input: ``(N, C)`` or ``(C,)``; Target: the same shape, 0/1 labels.
        - Output: a scalar, or ``(N,)`` for ``reduction='none'``.

    Example:
        >>> MultiLabelSoftMarginLoss()(compat.zeros(1, 2), compat.tensor([[1.0, 0.0]]))
        tensor(0.6931)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of ``input`` logits against the ``target`` labels."""
        return F.multilabel_soft_margin_loss(
            input, target, weight=self.weight, reduction=self.reduction
        )


class SoftMarginLoss(_Loss):
    """Two-class logistic loss ``log(1 + exp(-target * input))``.

    Args:
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Shape:
        - Input: ``(*)``; Target: ``(*)`` of ``1``/``-1``.
        - Output: a scalar, or ``(*)`` for ``reduction='none'``.

    Example:
        >>> SoftMarginLoss()(compat.tensor([0.0]), compat.tensor([1.0]))
        tensor(0.6931)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of ``input`` scores against ``+-1`` targets."""
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    """Multi-class hinge loss ``sum_{j != y} max(0, margin - x[y] + x[j])**p / C``.

    Args:
        p: ``1`` or ``2``.
        margin: The margin.
        weight: Optional per-class weights ``(C,)`` (a buffer).
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Shape:
        - Input: ``(N, C)`` or ``(C,)``; Target: ``(N,)`` or ``()``, class indices.
        - Output: a scalar, or ``(N,)`` for ``reduction='none'``.

    Raises:
        InvalidArgumentError: If ``p`` is not 1 or 2.
        ShapeError: If ``weight`` is not 1-D.

    Example:
        >>> MultiMarginLoss()(compat.tensor([[0.1, 0.2, 0.4]]), compat.tensor([2]))
        tensor(0.5000)
    """

    def __init__(
        self,
        p: int = 1,
        margin: float = 1.0,
        weight: Tensor | None = None,
        size_average: Any = None,
        reduce: Any = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        if p != 1 and p != 2:
            raise InvalidArgumentError(
                f"MultiMarginLoss: only p == 1 and p == 2 supported (got p={p})"
            )
        if weight is not None and weight.dim() != 1:
            raise ShapeError(
                f"MultiMarginLoss: expected weight to be None or 1D tensor, got "
                f"{weight.dim()}D instead"
            )
        self.p = p
        self.margin = margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of ``input`` scores for the ``target`` classes."""
        return F.multi_margin_loss(
            input,
            target,
            p=self.p,
            margin=self.margin,
            weight=self.weight,
            reduction=self.reduction,
        )


class MultiLabelMarginLoss(_Loss):
    """Multi-label hinge loss over each sample's listed classes (padded with ``-1``).

    Args:
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Shape:
        - Input: ``(N, C)`` or ``(C,)``; Target: the same shape, class indices then ``-1``.
        - Output: a scalar, or ``(N,)`` for ``reduction='none'``.

    Example:
        >>> x = compat.tensor([[0.1, 0.2, 0.4, 0.8]])
        >>> MultiLabelMarginLoss()(x, compat.tensor([[3, 0, -1, 1]]))
        tensor(0.8500)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of ``input`` scores for the ``target`` class lists."""
        return F.multilabel_margin_loss(input, target, reduction=self.reduction)


class HingeEmbeddingLoss(_Loss):
    """Hinge embedding loss: ``x`` for ``y = 1``, ``max(0, margin - x)`` for ``y = -1``.

    Args:
        margin: The margin.
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Shape:
        - Input: ``(*)``; Target: ``(*)`` of ``1``/``-1``.
        - Output: a scalar, or ``(*)`` for ``reduction='none'``.

    Example:
        >>> HingeEmbeddingLoss()(compat.tensor([0.3, 0.3]), compat.tensor([1.0, -1.0]))
        tensor(0.5000)
    """

    def __init__(
        self,
        margin: float = 1.0,
        size_average: Any = None,
        reduce: Any = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of ``input`` distances against ``+-1`` targets."""
        return F.hinge_embedding_loss(input, target, margin=self.margin, reduction=self.reduction)


class CosineEmbeddingLoss(_Loss):
    """Cosine embedding loss: ``1 - cos`` for ``y = 1``, ``max(0, cos - margin)`` for ``y = -1``.

    Args:
        margin: The margin, in ``[-1, 1]``.
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Shape:
        - Input1, Input2: ``(N, D)`` or ``(D,)``; Target: ``(N,)`` or ``()``.
        - Output: a scalar, or ``(N,)`` for ``reduction='none'``.

    Example:
        >>> a, b = compat.tensor([[1.0, 0.0]]), compat.tensor([[0.0, 1.0]])
        >>> CosineEmbeddingLoss()(a, b, compat.tensor([1]))
        tensor(1.)
    """

    def __init__(
        self,
        margin: float = 0.0,
        size_average: Any = None,
        reduce: Any = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        """The loss of the pairs ``(input1, input2)`` against ``+-1`` targets."""
        return F.cosine_embedding_loss(
            input1, input2, target, margin=self.margin, reduction=self.reduction
        )


class MarginRankingLoss(_Loss):
    """Ranking hinge ``max(0, -y * (x1 - x2) + margin)``.

    Args:
        margin: The margin.
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Shape:
        - Input1, Input2, Target: ``(N,)`` or ``()``.
        - Output: a scalar, or ``(N,)`` for ``reduction='none'``.

    Example:
        >>> MarginRankingLoss()(compat.tensor([1.0]), compat.tensor([0.0]), compat.tensor([-1.0]))
        tensor(1.)
    """

    def __init__(
        self,
        margin: float = 0.0,
        size_average: Any = None,
        reduce: Any = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        """The loss of ranking ``input1`` against ``input2`` as ``target`` says."""
        return F.margin_ranking_loss(
            input1, input2, target, margin=self.margin, reduction=self.reduction
        )


class TripletMarginLoss(_Loss):
    """Triplet loss ``max(0, margin + d(a, p) - d(a, n))`` with the ``p``-norm distance.

    Args:
        margin: The margin (``> 0``).
        p: The norm degree.
        eps: Added to the differences before the norm.
        swap: Use the distance swap (``min(d(a, n), d(p, n))``).
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Shape:
        - Anchor, Positive, Negative: ``(N, D)`` or ``(D,)``.
        - Output: a scalar, or ``(N,)`` for ``reduction='none'``.

    Raises:
        InvalidArgumentError: If ``margin <= 0``.

    Example:
        >>> a = compat.zeros(1, 2)
        >>> TripletMarginLoss(eps=0.0)(a, a + 1.0, a + 3.0)
        tensor(0.)
    """

    def __init__(
        self,
        margin: float = 1.0,
        p: float = 2.0,
        eps: float = 1e-6,
        swap: bool = False,
        size_average: Any = None,
        reduce: Any = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        if margin <= 0:
            raise InvalidArgumentError(
                f"TripletMarginLoss: expected margin to be greater than 0, got {margin} instead"
            )
        self.margin = margin
        self.p = p
        self.eps = eps
        self.swap = swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        """The loss of the triplets."""
        return F.triplet_margin_loss(
            anchor,
            positive,
            negative,
            margin=self.margin,
            p=self.p,
            eps=self.eps,
            swap=self.swap,
            reduction=self.reduction,
        )


class TripletMarginWithDistanceLoss(_Loss):
    """Triplet loss ``max(0, margin + d(a, p) - d(a, n))`` with any distance ``d``.

    Args:
        distance_function: A function of two tensors returning their distances; default: the
            Euclidean pairwise distance (kept as ``None``, see the module notes).
        margin: The margin (``> 0``).
        swap: Use the distance swap.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Shape:
        - Anchor, Positive, Negative: ``(N, *)`` or ``(*)``, as ``distance_function`` takes.
        - Output: a scalar, or ``(N,)`` for ``reduction='none'``.

    Raises:
        InvalidArgumentError: If ``margin <= 0``.
        ArgumentTypeError: If ``distance_function`` is not callable.

    Example:
        >>> a = compat.zeros(1, 2)
        >>> loss = TripletMarginWithDistanceLoss(distance_function=lambda x, y: (x - y).abs().sum(-1))
        >>> loss(a, a + 1, a + 1)
        tensor(1.)
    """

    def __init__(
        self,
        *,
        distance_function: Callable[[Tensor, Tensor], Tensor] | None = None,
        margin: float = 1.0,
        swap: bool = False,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average=None, reduce=None, reduction=reduction)
        if margin <= 0:
            raise InvalidArgumentError(
                f"TripletMarginWithDistanceLoss: expected margin to be greater than 0, got "
                f"{margin} instead"
            )
        if distance_function is not None and not callable(distance_function):
            raise ArgumentTypeError(
                f"TripletMarginWithDistanceLoss: distance_function must be callable, got "
                f"{type(distance_function).__name__}"
            )
        # torch stores a PairwiseDistance() child by default (it shows in the repr and
        # state_dict walk); its default settings still run inside the loss's single op.
        self.distance_function = (
            distance_function if distance_function is not None else PairwiseDistance()
        )
        self.margin = margin
        self.swap = swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        """The loss of the triplets."""
        distance = self.distance_function
        if (
            type(distance) is PairwiseDistance
            and (distance.norm, distance.eps, distance.keepdim) == (2.0, 1e-6, False)
            and not (distance._forward_hooks or distance._forward_pre_hooks)
        ):
            distance = None  # the default distance, computed inside the loss's one op
        return F.triplet_margin_with_distance_loss(
            anchor,
            positive,
            negative,
            distance_function=distance,
            margin=self.margin,
            swap=self.swap,
            reduction=self.reduction,
        )


class CTCLoss(_Loss):
    """Connectionist temporal classification loss.

    Args:
        blank: The blank class.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'`` (``'mean'`` divides each loss by its
            target length, then averages).
        zero_infinity: Zero infinite losses and their gradients.

    Shape:
        - Log_probs: ``(T, N, C)`` or ``(T, C)``.
        - Targets: ``(N, S)`` padded, 1-D concatenated, or ``(S,)`` unbatched.
        - Input_lengths, Target_lengths: ``(N,)`` or ``()``.
        - Output: a scalar, or ``(N,)`` for ``reduction='none'``.

    Example:
        >>> lp = compat.zeros(3, 1, 2).log_softmax(-1)
        >>> CTCLoss(reduction="sum")(lp, compat.tensor([[1]]), [3], [1])
        tensor(0.2877)
    """

    def __init__(
        self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False
    ) -> None:
        super().__init__(reduction=reduction)
        self.blank = blank
        self.zero_infinity = zero_infinity

    def forward(
        self, log_probs: Tensor, targets: Tensor, input_lengths: Any, target_lengths: Any
    ) -> Tensor:
        """The loss of the target sequences given ``log_probs``."""
        return F.ctc_loss(
            log_probs,
            targets,
            input_lengths,
            target_lengths,
            self.blank,
            self.reduction,
            self.zero_infinity,
        )
