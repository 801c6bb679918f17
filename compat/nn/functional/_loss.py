"""``torch.nn.functional`` losses over compat tensors: each loss is one op of :mod:`rustorch_fx.losses`.

Every function runs its :mod:`rustorch_fx.losses` counterpart through the one op path
(:func:`compat._engine.apply`): tensors (inputs, targets, weights, lengths) are traced, the
hyperparameters (``reduction``, ``margin``, ``ignore_index``...) are static. The deprecated
``size_average``/``reduce`` pair is converted to ``reduction`` here, with torch's warning.

What jit-compiled code cannot check is checked here on the concrete values before the op
runs, as torch does: class indices out of range (``nll_loss``, ``cross_entropy``,
``multi_margin_loss``, ``multilabel_margin_loss``, ``ctc_loss``), negative variances
(``gaussian_nll_loss``), probabilities outside ``[0, 1]`` (``binary_cross_entropy``) and CTC
lengths. Inside a trace (``compat.compile``) those values are unknown and not checked.

``triplet_margin_with_distance_loss`` with a ``distance_function`` is a composition of compat
ops (the distance is arbitrary compat code); without one it is a single op.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import jax
import numpy as np

import compat
import rustorch_fx.losses as _L
from compat._engine import apply
from compat._tensor import Tensor
from rustorch_fx.errors import (
    ArgumentTypeError,
    IndexOutOfRangeError,
    InvalidArgumentError,
    ShapeError,
)

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cosine_embedding_loss",
    "cross_entropy",
    "ctc_loss",
    "gaussian_nll_loss",
    "hinge_embedding_loss",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "margin_ranking_loss",
    "mse_loss",
    "multi_margin_loss",
    "multilabel_margin_loss",
    "multilabel_soft_margin_loss",
    "nll_loss",
    "poisson_nll_loss",
    "smooth_l1_loss",
    "soft_margin_loss",
    "triplet_margin_loss",
    "triplet_margin_with_distance_loss",
]


# --------------------------------------------------------------------------------------------
# The op adapters: rustorch_fx's losses take optional tensors (weights) as keywords, the engine
# traces positional arguments only. Each adapter maps positional arrays to their names.
# --------------------------------------------------------------------------------------------


def _adapter(fn: Callable[..., Any], names: tuple[str, ...]) -> Callable[..., Any]:
    def op(*arrays: Any, **static: Any) -> Any:
        return fn(**dict(zip(names, arrays, strict=True)), **static)

    op.__name__ = fn.__name__
    op.__qualname__ = fn.__name__
    op.__doc__ = fn.__doc__
    return op


_PAIR = ("input", "target")
_OPS = {
    "l1_loss": _adapter(_L.l1_loss, (*_PAIR, "weight")),
    "mse_loss": _adapter(_L.mse_loss, (*_PAIR, "weight")),
    "smooth_l1_loss": _adapter(_L.smooth_l1_loss, _PAIR),
    "huber_loss": _adapter(_L.huber_loss, (*_PAIR, "weight")),
    "poisson_nll_loss": _adapter(_L.poisson_nll_loss, _PAIR),
    "gaussian_nll_loss": _adapter(_L.gaussian_nll_loss, (*_PAIR, "var")),
    "gaussian_nll_loss_scalar_var": _adapter(_L.gaussian_nll_loss, _PAIR),
    "kl_div": _adapter(_L.kl_div, _PAIR),
    "nll_loss": _adapter(_L.nll_loss, (*_PAIR, "weight")),
    "cross_entropy": _adapter(_L.cross_entropy, (*_PAIR, "weight")),
    "binary_cross_entropy": _adapter(_L.binary_cross_entropy, (*_PAIR, "weight")),
    "binary_cross_entropy_with_logits": _adapter(
        _L.binary_cross_entropy_with_logits, (*_PAIR, "weight", "pos_weight")
    ),
    "soft_margin_loss": _adapter(_L.soft_margin_loss, _PAIR),
    "multilabel_soft_margin_loss": _adapter(_L.multilabel_soft_margin_loss, (*_PAIR, "weight")),
    "multi_margin_loss": _adapter(_L.multi_margin_loss, (*_PAIR, "weight")),
    "multilabel_margin_loss": _adapter(_L.multilabel_margin_loss, _PAIR),
    "margin_ranking_loss": _adapter(_L.margin_ranking_loss, ("input1", "input2", "target")),
    "hinge_embedding_loss": _adapter(_L.hinge_embedding_loss, _PAIR),
    "cosine_embedding_loss": _adapter(_L.cosine_embedding_loss, ("input1", "input2", "target")),
    "triplet_margin_loss": _adapter(_L.triplet_margin_loss, ("anchor", "positive", "negative")),
    "triplet_margin_with_distance_loss": _adapter(
        _L.triplet_margin_with_distance_loss, ("anchor", "positive", "negative")
    ),
    "ctc_loss": _adapter(_L.ctc_loss, ("log_probs", "targets", "input_lengths", "target_lengths")),
}


def _run(name: str, *arrays: Any, **static: Any) -> Tensor:
    return apply(_OPS[name], *arrays, **static)


# --------------------------------------------------------------------------------------------
# Argument handling shared by the wrappers.
# --------------------------------------------------------------------------------------------


def _tensors(op: str, **named: Any) -> None:
    """Raise :class:`ArgumentTypeError` unless each argument is a Tensor (torch's TypeError)."""
    for name, value in named.items():
        if not isinstance(value, Tensor):
            raise ArgumentTypeError(
                f"{op}: argument '{name}' must be a Tensor, got {type(value).__name__}"
            )


def _optional(op: str, name: str, value: Any) -> None:
    if value is not None and not isinstance(value, Tensor):
        raise ArgumentTypeError(
            f"{op}: argument '{name}' must be a Tensor or None, got {type(value).__name__}"
        )


def _legacy(size_average: bool | None, reduce: bool | None, reduction: str) -> str:
    """The reduction torch's ``_Reduction.legacy_get_string`` makes of the deprecated pair."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    result = "mean" if (size_average and reduce) else ("sum" if reduce else "none")
    warnings.warn(
        "size_average and reduce args will be deprecated, please use "
        f"reduction='{result}' instead.",
        UserWarning,
        stacklevel=3,
    )
    return result


def _concrete(x: Any) -> np.ndarray | None:
    """The values of a tensor when they are known (outside a trace), else None."""
    value = x._value if isinstance(x, Tensor) else x
    if value is None or isinstance(value, jax.core.Tracer):
        return None
    return np.asarray(value)


def _n_classes(input: Tensor) -> int:
    shape = input.shape
    return shape[1] if len(shape) >= 2 else (shape[0] if shape else 1)


def _check_classes(op: str, target: Tensor, n_classes: int, ignore_index: int) -> None:
    """Raise torch's "Target 7 is out of bounds." for concrete class indices (not ignore_index)."""
    values = _concrete(target)
    if values is None or values.size == 0 or values.dtype.kind not in "iu":
        return
    bad = values[(values != ignore_index) & ((values < 0) | (values >= n_classes))]
    if bad.size:
        raise IndexOutOfRangeError(
            f"{op}: Target {int(bad.reshape(-1)[0])} is out of bounds. (expected class indices "
            f"in [0, {n_classes}) or ignore_index={ignore_index})"
        )


def _check_range(op: str, target: Tensor, low: int, high: int) -> None:
    values = _concrete(target)
    if values is None or values.size == 0 or values.dtype.kind not in "iu":
        return
    bad = values[(values < low) | (values >= high)]
    if bad.size:
        raise IndexOutOfRangeError(
            f"{op}: target {int(bad.reshape(-1)[0])} is out of range (expected values in "
            f"[{low}, {high}))"
        )


# --------------------------------------------------------------------------------------------
# Regression and distribution losses.
# --------------------------------------------------------------------------------------------


def l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Mean absolute error (:func:`rustorch_fx.losses.l1_loss`).

    Args:
        input: Predictions.
        target: Targets, broadcastable to ``input``.
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.
        weight: Optional elementwise weights of ``input``'s shape.

    Returns:
        The loss tensor.

    Raises:
        ArgumentTypeError: If an argument is not a Tensor.
        ShapeError: For shapes that do not broadcast.
        InvalidArgumentError: For an unknown reduction.

    Example:
        >>> l1_loss(compat.tensor([1.0, 2.0]), compat.tensor([0.0, 4.0]))
        tensor(1.5000)
    """
    _tensors("l1_loss", input=input, target=target)
    _optional("l1_loss", "weight", weight)
    reduction = _legacy(size_average, reduce, reduction)
    return _run("l1_loss", input, target, weight, reduction=reduction)


def mse_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Mean squared error (:func:`rustorch_fx.losses.mse_loss`).

    Args:
        input: Predictions.
        target: Targets, broadcastable to ``input``.
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.
        weight: Optional elementwise weights of ``input``'s shape.

    Returns:
        The loss tensor.

    Raises:
        ArgumentTypeError: If an argument is not a Tensor.
        ShapeError: For shapes that do not broadcast.
        InvalidArgumentError: For an unknown reduction.

    Example:
        >>> mse_loss(compat.tensor([1.0, 2.0]), compat.tensor([0.0, 4.0]))
        tensor(2.5000)
    """
    _tensors("mse_loss", input=input, target=target)
    _optional("mse_loss", "weight", weight)
    reduction = _legacy(size_average, reduce, reduction)
    return _run("mse_loss", input, target, weight, reduction=reduction)


def smooth_l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    """Smooth L1 loss (:func:`rustorch_fx.losses.smooth_l1_loss`).

    Args:
        input: Predictions.
        target: Targets, broadcastable to ``input``.
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.
        beta: The quadratic-to-linear threshold (``>= 0``).

    Returns:
        The loss tensor.

    Raises:
        InvalidArgumentError: If ``beta < 0`` or for an unknown reduction.

    Example:
        >>> smooth_l1_loss(compat.tensor([0.5, 3.0]), compat.zeros(2))
        tensor(1.3125)
    """
    _tensors("smooth_l1_loss", input=input, target=target)
    reduction = _legacy(size_average, reduce, reduction)
    return _run("smooth_l1_loss", input, target, reduction=reduction, beta=beta)


def huber_loss(
    input: Tensor,
    target: Tensor,
    reduction: str = "mean",
    delta: float = 1.0,
    weight: Tensor | None = None,
) -> Tensor:
    """Huber loss (:func:`rustorch_fx.losses.huber_loss`).

    Args:
        input: Predictions.
        target: Targets, broadcastable to ``input``.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.
        delta: The quadratic-to-linear threshold (``> 0``).
        weight: Optional elementwise weights of ``input``'s shape.

    Returns:
        The loss tensor.

    Raises:
        InvalidArgumentError: If ``delta <= 0`` or for an unknown reduction.

    Example:
        >>> huber_loss(compat.tensor([0.5, 3.0]), compat.zeros(2))
        tensor(1.3125)
    """
    _tensors("huber_loss", input=input, target=target)
    _optional("huber_loss", "weight", weight)
    return _run("huber_loss", input, target, weight, reduction=reduction, delta=delta)


def poisson_nll_loss(
    input: Tensor,
    target: Tensor,
    log_input: bool = True,
    full: bool = False,
    size_average: bool | None = None,
    eps: float = 1e-8,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Poisson negative log-likelihood (:func:`rustorch_fx.losses.poisson_nll_loss`).

    Args:
        input: The rate's log (``log_input=True``) or the rate.
        target: Counts.
        log_input: Whether ``input`` is a log-rate.
        full: Add Stirling's approximation term.
        size_average: Deprecated (see ``reduction``).
        eps: Added inside the log when ``log_input=False``.
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Returns:
        The loss tensor.

    Raises:
        InvalidArgumentError: For an unknown reduction.

    Example:
        >>> poisson_nll_loss(compat.tensor([0.0]), compat.tensor([2.0]))
        tensor(1.)
    """
    _tensors("poisson_nll_loss", input=input, target=target)
    reduction = _legacy(size_average, reduce, reduction)
    return _run(
        "poisson_nll_loss",
        input,
        target,
        log_input=bool(log_input),
        full=bool(full),
        eps=eps,
        reduction=reduction,
    )


def gaussian_nll_loss(
    input: Tensor,
    target: Tensor,
    var: Tensor | float,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> Tensor:
    """Gaussian negative log-likelihood (:func:`rustorch_fx.losses.gaussian_nll_loss`).

    Args:
        input: Means.
        target: Samples.
        var: Variances: a tensor (of ``input``'s shape, without its last dimension, or with
            one dimension of size 1) or a non-negative number.
        full: Include the constant ``0.5 * log(2 * pi)``.
        eps: Lower clamp of ``var`` (not differentiated, as torch).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Returns:
        The loss tensor.

    Raises:
        InvalidArgumentError: For negative variances or an unknown reduction.
        ShapeError: For a ``var`` of unsupported shape.

    Example:
        >>> gaussian_nll_loss(compat.tensor([0.0]), compat.tensor([1.0]), compat.tensor([1.0]))
        tensor(0.5000)
    """
    op = "gaussian_nll_loss"
    _tensors(op, input=input, target=target)
    if not isinstance(var, Tensor):
        return _run(
            "gaussian_nll_loss_scalar_var",
            input,
            target,
            var=var,
            full=bool(full),
            eps=eps,
            reduction=reduction,
        )
    values = _concrete(var)
    if values is not None and values.size and (values < 0).any():
        raise InvalidArgumentError(f"{op}: var has negative entry/entries")
    return _run(op, input, target, var, full=bool(full), eps=eps, reduction=reduction)


def kl_div(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """Kullback-Leibler divergence (:func:`rustorch_fx.losses.kl_div`).

    Args:
        input: Log-probabilities.
        target: Probabilities (or log-probabilities with ``log_target``).
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'`` | ``'batchmean'`` (the KL divergence
            proper: the sum divided by the batch size).
        log_target: Whether ``target`` is in log space.

    Returns:
        The loss tensor.

    Raises:
        InvalidArgumentError: For an unknown reduction.

    Example:
        >>> kl_div(compat.tensor([0.5, 0.5]).log(), compat.tensor([0.25, 0.75]), reduction="sum")
        tensor(0.1308)
    """
    _tensors("kl_div", input=input, target=target)
    reduction = _legacy(size_average, reduce, reduction)
    return _run("kl_div", input, target, reduction=reduction, log_target=bool(log_target))


# --------------------------------------------------------------------------------------------
# Classification losses.
# --------------------------------------------------------------------------------------------


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of class indices (:func:`rustorch_fx.losses.nll_loss`).

    Args:
        input: Log-probabilities ``(N, C)``, ``(C,)`` or ``(N, C, d1, ...)``.
        target: Class indices ``(N,)``, ``()`` or ``(N, d1, ...)``.
        weight: Optional per-class weights ``(C,)``.
        size_average: Deprecated (see ``reduction``).
        ignore_index: A target value that contributes nothing.
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'`` (``'mean'`` divides by the weights of
            the non-ignored targets).

    Returns:
        The loss tensor.

    Raises:
        IndexOutOfRangeError: For a class index outside ``[0, C)``.
        ShapeError: For mismatched shapes.

    Example:
        >>> nll_loss(compat.tensor([[0.5, 0.5], [0.9, 0.1]]).log(), compat.tensor([0, 0]))
        tensor(0.3993)
    """
    op = "nll_loss"
    _tensors(op, input=input, target=target)
    _optional(op, "weight", weight)
    reduction = _legacy(size_average, reduce, reduction)
    _check_classes(op, target, _n_classes(input), ignore_index)
    return _run(op, input, target, weight, ignore_index=int(ignore_index), reduction=reduction)


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross entropy of logits (:func:`rustorch_fx.losses.cross_entropy`).

    Args:
        input: Logits ``(N, C)``, ``(C,)`` or ``(N, C, d1, ...)``.
        target: Class indices, or class probabilities of ``input``'s shape.
        weight: Optional per-class weights ``(C,)``.
        size_average: Deprecated (see ``reduction``).
        ignore_index: A class index that contributes nothing.
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.
        label_smoothing: In ``[0, 1]``.

    Returns:
        The loss tensor.

    Raises:
        IndexOutOfRangeError: For a class index outside ``[0, C)``.
        ShapeError: For mismatched shapes.
        InvalidArgumentError: For ``label_smoothing`` outside ``[0, 1]``.

    Example:
        >>> cross_entropy(compat.tensor([[2.0, 0.0], [0.0, 2.0]]), compat.tensor([0, 1]))
        tensor(0.1269)
    """
    op = "cross_entropy"
    _tensors(op, input=input, target=target)
    _optional(op, "weight", weight)
    reduction = _legacy(size_average, reduce, reduction)
    _check_classes(op, target, _n_classes(input), ignore_index)
    return _run(
        op,
        input,
        target,
        weight,
        ignore_index=int(ignore_index),
        reduction=reduction,
        label_smoothing=float(label_smoothing),
    )


def binary_cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Binary cross entropy of probabilities (:func:`rustorch_fx.losses.binary_cross_entropy`).

    Args:
        input: Probabilities in ``[0, 1]``.
        target: Targets of ``input``'s shape.
        weight: Optional weights broadcastable to ``input``.
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Returns:
        The loss tensor.

    Raises:
        ShapeError: If ``target``'s shape differs from ``input``'s (a ``ValueError``).
        InvalidArgumentError: For input values outside ``[0, 1]``.

    Example:
        >>> binary_cross_entropy(compat.tensor([0.5, 1.0]), compat.tensor([1.0, 1.0]))
        tensor(0.3466)
    """
    op = "binary_cross_entropy"
    _tensors(op, input=input, target=target)
    _optional(op, "weight", weight)
    reduction = _legacy(size_average, reduce, reduction)
    values = _concrete(input)
    if values is not None and values.size and ((values < 0) | (values > 1)).any():
        raise InvalidArgumentError(f"{op}: all elements of input should be between 0 and 1")
    return _run(op, input, target, weight, reduction=reduction)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """Binary cross entropy of logits, stable for any logit (:func:`rustorch_fx.losses.binary_cross_entropy_with_logits`).

    Args:
        input: Logits.
        target: Targets of ``input``'s shape.
        weight: Optional weights broadcastable to ``input``.
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.
        pos_weight: Optional weight of positives, broadcastable to ``input`` (usually ``(C,)``).

    Returns:
        The loss tensor.

    Raises:
        ShapeError: If ``target``'s shape differs from ``input``'s (a ``ValueError``).

    Example:
        >>> binary_cross_entropy_with_logits(compat.tensor([200.0]), compat.tensor([0.0]))
        tensor(200.)
    """
    op = "binary_cross_entropy_with_logits"
    _tensors(op, input=input, target=target)
    _optional(op, "weight", weight)
    _optional(op, "pos_weight", pos_weight)
    reduction = _legacy(size_average, reduce, reduction)
    return _run(op, input, target, weight, pos_weight, reduction=reduction)


def soft_margin_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Two-class logistic loss of ``+-1`` targets (:func:`rustorch_fx.losses.soft_margin_loss`).

    Args:
        input: Scores.
        target: ``1`` or ``-1``.
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Returns:
        The loss tensor.

    Raises:
        ShapeError: If ``target`` does not broadcast to ``input``.

    Example:
        >>> soft_margin_loss(compat.tensor([0.0]), compat.tensor([1.0]))
        tensor(0.6931)
    """
    _tensors("soft_margin_loss", input=input, target=target)
    reduction = _legacy(size_average, reduce, reduction)
    return _run("soft_margin_loss", input, target, reduction=reduction)


def multilabel_soft_margin_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """One-versus-all logistic loss (:func:`rustorch_fx.losses.multilabel_soft_margin_loss`).

    Args:
        input: Logits ``(N, C)`` or ``(C,)``.
        target: 0/1 labels of ``input``'s shape.
        weight: Optional per-class weights.
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Returns:
        The loss tensor.

    Raises:
        ShapeError: For shapes that do not broadcast.

    Example:
        >>> multilabel_soft_margin_loss(compat.zeros(1, 2), compat.tensor([[1.0, 0.0]]))
        tensor(0.6931)
    """
    op = "multilabel_soft_margin_loss"
    _tensors(op, input=input, target=target)
    _optional(op, "weight", weight)
    reduction = _legacy(size_average, reduce, reduction)
    return _run(op, input, target, weight, reduction=reduction)


def multi_margin_loss(
    input: Tensor,
    target: Tensor,
    p: int = 1,
    margin: float = 1.0,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Multi-class hinge loss (:func:`rustorch_fx.losses.multi_margin_loss`).

    Args:
        input: Scores ``(N, C)`` or ``(C,)``.
        target: Class indices ``(N,)`` or ``()``.
        p: ``1`` or ``2``.
        margin: The margin.
        weight: Optional per-class weights ``(C,)``.
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Returns:
        The loss tensor.

    Raises:
        InvalidArgumentError: If ``p`` is not 1 or 2.
        IndexOutOfRangeError: For a class index outside ``[0, C)``.

    Example:
        >>> multi_margin_loss(compat.tensor([[0.1, 0.2, 0.4]]), compat.tensor([2]))
        tensor(0.5000)
    """
    op = "multi_margin_loss"
    _tensors(op, input=input, target=target)
    _optional(op, "weight", weight)
    reduction = _legacy(size_average, reduce, reduction)
    _check_range(op, target, 0, input.shape[-1] if input.ndim else 1)
    return _run(op, input, target, weight, p=p, margin=margin, reduction=reduction)


def multilabel_margin_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Multi-label hinge loss (:func:`rustorch_fx.losses.multilabel_margin_loss`).

    Args:
        input: Scores ``(N, C)`` or ``(C,)``.
        target: Each sample's classes first, padded with ``-1``; ``input``'s shape.
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Returns:
        The loss tensor.

    Raises:
        IndexOutOfRangeError: For entries outside ``[-1, C)``.
        ShapeError: If ``target``'s shape differs from ``input``'s.

    Example:
        >>> x = compat.tensor([[0.1, 0.2, 0.4, 0.8]])
        >>> multilabel_margin_loss(x, compat.tensor([[3, 0, -1, 1]]))
        tensor(0.8500)
    """
    op = "multilabel_margin_loss"
    _tensors(op, input=input, target=target)
    reduction = _legacy(size_average, reduce, reduction)
    _check_range(op, target, -1, input.shape[-1] if input.ndim else 1)
    return _run(op, input, target, reduction=reduction)


# --------------------------------------------------------------------------------------------
# Ranking and embedding losses.
# --------------------------------------------------------------------------------------------


def margin_ranking_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Ranking hinge ``max(0, -target * (input1 - input2) + margin)``.

    See :func:`rustorch_fx.losses.margin_ranking_loss`.

    Args:
        input1: Scores.
        input2: Scores.
        target: ``1`` or ``-1``.
        margin: The margin.
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Returns:
        The loss tensor.

    Raises:
        ShapeError: If the three tensors differ in number of dimensions.

    Example:
        >>> margin_ranking_loss(compat.tensor([1.0]), compat.tensor([0.0]), compat.tensor([-1.0]))
        tensor(1.)
    """
    op = "margin_ranking_loss"
    _tensors(op, input1=input1, input2=input2, target=target)
    reduction = _legacy(size_average, reduce, reduction)
    return _run(op, input1, input2, target, margin=margin, reduction=reduction)


def hinge_embedding_loss(
    input: Tensor,
    target: Tensor,
    margin: float = 1.0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Hinge embedding loss (:func:`rustorch_fx.losses.hinge_embedding_loss`).

    Args:
        input: Distances.
        target: ``1`` or ``-1``.
        margin: The margin.
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Returns:
        The loss tensor.

    Raises:
        ShapeError: If ``target`` does not broadcast to ``input``.

    Example:
        >>> hinge_embedding_loss(compat.tensor([0.3, 0.3]), compat.tensor([1.0, -1.0]))
        tensor(0.5000)
    """
    _tensors("hinge_embedding_loss", input=input, target=target)
    reduction = _legacy(size_average, reduce, reduction)
    return _run("hinge_embedding_loss", input, target, margin=margin, reduction=reduction)


def cosine_embedding_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Cosine embedding loss (:func:`rustorch_fx.losses.cosine_embedding_loss`).

    Args:
        input1: Embeddings ``(N, D)`` or ``(D,)``.
        input2: Embeddings like ``input1``.
        target: ``(N,)`` or ``()`` of ``1``/``-1``.
        margin: The margin.
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Returns:
        The loss tensor.

    Raises:
        ShapeError: For inputs of the wrong rank for ``target``.

    Example:
        >>> a, b = compat.tensor([[1.0, 0.0]]), compat.tensor([[0.0, 1.0]])
        >>> cosine_embedding_loss(a, b, compat.tensor([1]))
        tensor(1.)
    """
    op = "cosine_embedding_loss"
    _tensors(op, input1=input1, input2=input2, target=target)
    reduction = _legacy(size_average, reduce, reduction)
    return _run(op, input1, input2, target, margin=margin, reduction=reduction)


def triplet_margin_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Triplet margin loss with a ``p``-norm distance (:func:`rustorch_fx.losses.triplet_margin_loss`).

    Args:
        anchor: Embeddings ``(N, D)`` or ``(D,)``.
        positive: Embeddings like ``anchor``.
        negative: Embeddings like ``anchor``.
        margin: The margin (``> 0``).
        p: The norm degree.
        eps: Added to the differences.
        swap: Use the distance swap.
        size_average: Deprecated (see ``reduction``).
        reduce: Deprecated (see ``reduction``).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Returns:
        The loss tensor.

    Raises:
        InvalidArgumentError: If ``margin <= 0``.
        ShapeError: If the inputs differ in number of dimensions.

    Example:
        >>> a = compat.zeros(1, 2)
        >>> triplet_margin_loss(a, a + 1.0, a + 3.0, eps=0.0)
        tensor(0.)
    """
    op = "triplet_margin_loss"
    _tensors(op, anchor=anchor, positive=positive, negative=negative)
    reduction = _legacy(size_average, reduce, reduction)
    return _run(
        op,
        anchor,
        positive,
        negative,
        margin=margin,
        p=p,
        eps=eps,
        swap=bool(swap),
        reduction=reduction,
    )


def triplet_margin_with_distance_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    *,
    distance_function: Callable[[Tensor, Tensor], Tensor] | None = None,
    margin: float = 1.0,
    swap: bool = False,
    reduction: str = "mean",
) -> Tensor:
    """Triplet margin loss with any distance.

    Without ``distance_function`` this is one op (the Euclidean pairwise distance, see
    :func:`rustorch_fx.losses.triplet_margin_with_distance_loss`). With one, the distance is
    compat code, so the loss is composed of compat ops around it:
    ``clamp(margin + d(a, p) - d(a, n), min=0)``, reduced.

    Args:
        anchor: Embeddings ``(N, D)`` or ``(D,)``.
        positive: Embeddings like ``anchor``.
        negative: Embeddings like ``anchor``.
        distance_function: A function of two tensors returning their distances.
        margin: The margin (``> 0``).
        swap: Use ``min(d(a, n), d(p, n))`` as the negative distance.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``.

    Returns:
        The loss tensor.

    Raises:
        InvalidArgumentError: If ``margin <= 0`` or for an unknown reduction.
        ShapeError: If the inputs differ in number of dimensions.
        ArgumentTypeError: If ``distance_function`` is not callable.

    Example:
        >>> a = compat.zeros(1, 2)
        >>> l1 = lambda x, y: (x - y).abs().sum(-1)
        >>> triplet_margin_with_distance_loss(a, a + 1, a + 1, distance_function=l1)
        tensor(1.)
    """
    op = "triplet_margin_with_distance_loss"
    _tensors(op, anchor=anchor, positive=positive, negative=negative)
    if distance_function is None:
        return _run(
            op, anchor, positive, negative, margin=margin, swap=bool(swap), reduction=reduction
        )
    if not callable(distance_function):
        raise ArgumentTypeError(
            f"{op}: distance_function must be callable, got {type(distance_function).__name__}"
        )
    if reduction not in ("mean", "sum", "none"):
        raise InvalidArgumentError(
            f"{op}: {reduction!r} is not a valid value for reduction; expected one of "
            "'none', 'mean', 'sum'"
        )
    if margin <= 0:
        raise InvalidArgumentError(f"{op}: margin must be greater than 0, got {margin}")
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise ShapeError(
            f"{op}: The anchor, positive, and negative tensors are expected to have the same "
            f"number of dimensions, but got: anchor {anchor.ndim}D, positive {positive.ndim}D, "
            f"and negative {negative.ndim}D inputs"
        )
    d_pos = distance_function(anchor, positive)
    d_neg = distance_function(anchor, negative)
    if swap:
        d_neg = compat.minimum(d_neg, distance_function(positive, negative))
    loss = compat.clamp(margin + d_pos - d_neg, min=0)
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


# --------------------------------------------------------------------------------------------
# CTC.
# --------------------------------------------------------------------------------------------


def _length_tensor(op: str, name: str, value: Any) -> Tensor:
    if isinstance(value, Tensor):
        return value
    if isinstance(value, int) or (
        isinstance(value, Sequence) and all(isinstance(v, int) for v in value)
    ):
        return compat.tensor(value, dtype=compat.int64)
    raise ArgumentTypeError(
        f"{op}: argument '{name}' must be a Tensor or a sequence of ints, got "
        f"{type(value).__name__}"
    )


def ctc_loss(
    log_probs: Tensor,
    targets: Tensor,
    input_lengths: Tensor | Sequence[int],
    target_lengths: Tensor | Sequence[int],
    blank: int = 0,
    reduction: str = "mean",
    zero_infinity: bool = False,
) -> Tensor:
    """Connectionist temporal classification loss (:func:`rustorch_fx.losses.ctc_loss`).

    The gradient w.r.t. ``log_probs`` is the mathematical one; torch's assumes its input came
    from ``log_softmax`` (the two agree on the gradient of the logits before it).

    Args:
        log_probs: Log-probabilities ``(T, N, C)`` or ``(T, C)``.
        targets: Padded ``(N, S)``, concatenated 1-D, or ``(S,)`` unbatched.
        input_lengths: ``(N,)`` lengths (a tensor or a sequence of ints).
        target_lengths: ``(N,)`` lengths (a tensor or a sequence of ints).
        blank: The blank class.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'`` (``'mean'`` divides each loss by its
            target length, then averages).
        zero_infinity: Zero infinite losses and their gradients.

    Returns:
        The loss tensor.

    Raises:
        ShapeError: For inconsistent shapes or lengths.
        IndexOutOfRangeError: For a label outside ``[0, C)``.
        InvalidArgumentError: If ``blank`` is not a class.

    Example:
        >>> lp = compat.zeros(3, 1, 2).log_softmax(-1)
        >>> ctc_loss(lp, compat.tensor([[1]]), [3], [1], reduction="sum")
        tensor(0.2877)
    """
    op = "ctc_loss"
    _tensors(op, log_probs=log_probs, targets=targets)
    input_lengths = _length_tensor(op, "input_lengths", input_lengths)
    target_lengths = _length_tensor(op, "target_lengths", target_lengths)
    width = None
    lengths = _concrete(target_lengths)
    labels = _concrete(targets)
    if lengths is not None and lengths.size and lengths.min() < 0:
        raise ShapeError(f"{op}: target_lengths must be non-negative, got {int(lengths.min())}")
    if log_probs.ndim == 3 and targets.ndim == 1 and lengths is not None:
        width = int(lengths.max()) if lengths.size else 0
        if labels is not None:
            if int(lengths.sum()) > labels.size:
                raise ShapeError(
                    f"{op}: concatenated targets hold {labels.size} labels but target_lengths "
                    f"sum to {int(lengths.sum())}"
                )
            _check_range(op, labels[: int(lengths.sum())], 0, log_probs.shape[-1])
    elif targets.ndim >= 1 and lengths is not None and labels is not None:
        rows = labels.reshape(-1, labels.shape[-1])
        if lengths.size and lengths.max() > rows.shape[1]:
            raise ShapeError(
                f"{op}: Expected tensor to have size at least {int(lengths.max())} at dimension "
                f"1, but got size {rows.shape[1]} for argument #2 'targets'"
            )
        used = rows[np.arange(rows.shape[1])[None, :] < lengths.reshape(-1, 1)]
        _check_range(op, used, 0, log_probs.shape[-1])
    _check_input_lengths(op, input_lengths, log_probs.shape[0])
    return _run(
        op,
        log_probs,
        targets,
        input_lengths,
        target_lengths,
        blank=blank,
        reduction=reduction,
        zero_infinity=bool(zero_infinity),
        max_target_length=width,
    )


def _check_input_lengths(op: str, input_lengths: Tensor, steps: int) -> None:
    values = _concrete(input_lengths)
    if values is not None and values.size and (values.max() > steps or values.min() < 0):
        bad = int(values.max()) if values.max() > steps else int(values.min())
        raise ShapeError(
            f"{op}: Expected input_lengths to have value at most {steps} (and at least 0), "
            f"but got value {bad}"
        )
