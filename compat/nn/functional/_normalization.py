"""``torch.nn.functional`` normalisation over compat tensors: one op each.

Each function runs its :mod:`rustorch_fx.nn` counterpart through the one op path
(:func:`compat._engine.apply`). The statistics are computed in float32 for float16/bfloat16
input. ``batch_norm`` and ``instance_norm`` update the given ``running_mean``/``running_var`` in
place when training (with ``use_input_stats``), as torch does: the pure function returns the
new statistics, written here into the tensors without recording a gradient. ``momentum`` is
traced, not static, so a changing factor (the cumulative average of ``momentum=None``) never
recompiles.
"""

from __future__ import annotations

from typing import Any

import rustorch_fx.nn as _nn
from compat._engine import apply
from compat._grad_mode import no_grad
from compat._tensor import Tensor
from compat.nn.functional._linear import _require_tensor

__all__ = [
    "batch_norm",
    "group_norm",
    "instance_norm",
    "layer_norm",
    "local_response_norm",
    "rms_norm",
]


def _check(op: str, input: Any, **optional: Any) -> None:
    _require_tensor(op, "input", input)
    for name, value in optional.items():
        _require_tensor(op, name, value, optional=True)


def _write(op: str, targets: tuple[Any, ...], values: tuple[Any, ...]) -> None:
    """Copy new running statistics into their tensors in place, outside autograd."""
    with no_grad():
        for target, value in zip(targets, values, strict=True):
            if isinstance(target, Tensor) and value is not None:
                target._inplace(op, value.detach())


def _batch_norm_step(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None,
    bias: Tensor | None,
    training: bool,
    momentum: float | None,
    eps: float,
    num_batches_tracked: Tensor | None = None,
) -> Tensor:
    """One batch-norm op; updates the running statistics (and the counter) in place."""
    _check(
        "batch_norm",
        input,
        running_mean=running_mean,
        running_var=running_var,
        weight=weight,
        bias=bias,
    )
    out = apply(
        _nn.batch_norm_with_stats,
        input,
        running_mean,
        running_var,
        weight,
        bias,
        momentum,
        num_batches_tracked if training else None,
        training=training,
        eps=eps,
    )
    if training and running_mean is not None:
        _write(
            "batch_norm",
            (running_mean, running_var, num_batches_tracked),
            (out.running_mean, out.running_var, out.num_batches_tracked),
        )
    return out.output


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Batch normalisation over dim 1 (:func:`rustorch_fx.nn.batch_norm_with_stats`).

    When ``training`` and running statistics are given, they are updated in place:
    ``running = (1 - momentum) * running + momentum * batch_stat`` (unbiased variance).

    Args:
        input: ``(N, C, *)``.
        running_mean: ``(C,)`` or None (required when not training).
        running_var: ``(C,)`` or None.
        weight: Optional ``(C,)`` scale.
        bias: Optional ``(C,)`` shift.
        training: Use the batch statistics (and update the running ones).
        momentum: The running-statistics update factor.
        eps: Added to the variance.

    Returns:
        The normalised tensor, shaped like ``input``.

    Shape:
        - input, output: ``(N, C, *)``

    Raises:
        ArgumentTypeError: If an argument is not a Tensor (or None).
        ShapeError: If a parameter is not of shape ``(C,)``.
        InvalidArgumentError: When training with one value per channel, or evaluating without
            running statistics.

    Example:
        >>> mean, var = compat.zeros(2), compat.ones(2)
        >>> _ = batch_norm(compat.tensor([[1.0, 2.0], [3.0, 6.0]]), mean, var, training=True)
        >>> mean
        tensor([0.2000, 0.4000])
    """
    return _batch_norm_step(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(
    input: Tensor,
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Instance normalisation (:func:`rustorch_fx.nn.instance_norm_with_stats`).

    With ``use_input_stats`` and running statistics given, these are updated in place with
    the batch average of the instance statistics, as torch does.

    Args:
        input: ``(N, C, *)`` with at least one spatial dim.
        running_mean: Optional ``(C,)``.
        running_var: Optional ``(C,)``.
        weight: Optional ``(C,)`` scale.
        bias: Optional ``(C,)`` shift.
        use_input_stats: Normalise with each instance's statistics (else the running ones).
        momentum: The running-statistics update factor.
        eps: Added to the variance.

    Returns:
        The normalised tensor, shaped like ``input``.

    Shape:
        - input, output: ``(N, C, *)``

    Raises:
        ArgumentTypeError: If an argument is not a Tensor (or None).
        ShapeError: For input with fewer than 3 dims or parameters not of shape ``(C,)``.
        InvalidArgumentError: With one spatial element and ``use_input_stats``.

    Example:
        >>> instance_norm(compat.tensor([[[1.0, 3.0]]]))
        tensor([[[-1.0000,  1.0000]]])
    """
    _check(
        "instance_norm",
        input,
        running_mean=running_mean,
        running_var=running_var,
        weight=weight,
        bias=bias,
    )
    out = apply(
        _nn.instance_norm_with_stats,
        input,
        running_mean,
        running_var,
        weight,
        bias,
        momentum,
        use_input_stats=use_input_stats,
        eps=eps,
    )
    if use_input_stats and running_mean is not None:
        _write(
            "instance_norm",
            (running_mean, running_var),
            (out.running_mean, out.running_var),
        )
    return out.output


def layer_norm(
    input: Tensor,
    normalized_shape: Any,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise over the trailing ``normalized_shape`` dims (:func:`rustorch_fx.nn.layer_norm`).

    Args:
        input: ``(*, *normalized_shape)``.
        normalized_shape: An int or a sequence of ints.
        weight: Optional scale of shape ``normalized_shape``.
        bias: Optional shift of shape ``normalized_shape``.
        eps: Added to the variance.

    Returns:
        The normalised tensor, shaped like ``input``.

    Shape:
        - input, output: ``(*, *normalized_shape)``

    Raises:
        ArgumentTypeError: If an argument is not a Tensor (or None).
        ShapeError: If the trailing dims are not ``normalized_shape``.

    Example:
        >>> layer_norm(compat.tensor([[1.0, 3.0]]), (2,))
        tensor([[-1.0000,  1.0000]])
    """
    _check("layer_norm", input, weight=weight, bias=bias)
    shape = (
        tuple(normalized_shape) if isinstance(normalized_shape, list | tuple) else normalized_shape
    )
    return apply(_layer_norm, input, weight, bias, normalized_shape=shape, eps=eps)


# The ops below put the traced tensors first and the static hyperparameters in keywords (the
# order apply needs); the math is rustorch_fx's.


def _layer_norm(input: Any, weight: Any, bias: Any, *, normalized_shape: Any, eps: float) -> Any:
    return _nn.layer_norm(input, normalized_shape, weight, bias, eps)


def rms_norm(
    input: Tensor,
    normalized_shape: Any,
    weight: Tensor | None = None,
    eps: float | None = None,
) -> Tensor:
    """Root-mean-square normalisation (:func:`rustorch_fx.nn.rms_norm`).

    Args:
        input: ``(*, *normalized_shape)``.
        normalized_shape: An int or a sequence of ints.
        weight: Optional scale of shape ``normalized_shape``.
        eps: Added to the mean square (None: the dtype's machine epsilon).

    Returns:
        The normalised tensor, shaped like ``input``.

    Shape:
        - input, output: ``(*, *normalized_shape)``

    Raises:
        ArgumentTypeError: If an argument is not a Tensor (or None).
        ShapeError: If the trailing dims are not ``normalized_shape``.

    Example:
        >>> rms_norm(compat.tensor([[3.0, 4.0]]), [2], eps=0.0)
        tensor([[0.8485, 1.1314]])
    """
    _check("rms_norm", input, weight=weight)
    shape = (
        tuple(normalized_shape) if isinstance(normalized_shape, list | tuple) else normalized_shape
    )
    return apply(_rms_norm, input, weight, normalized_shape=shape, eps=eps)


def _rms_norm(input: Any, weight: Any, *, normalized_shape: Any, eps: Any) -> Any:
    return _nn.rms_norm(input, normalized_shape, weight, eps)


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Group normalisation (:func:`rustorch_fx.nn.group_norm`).

    Args:
        input: ``(N, C, *)``.
        num_groups: The number of groups; it must divide ``C``.
        weight: Optional ``(C,)`` scale.
        bias: Optional ``(C,)`` shift.
        eps: Added to the variance.

    Returns:
        The normalised tensor, shaped like ``input``.

    Shape:
        - input, output: ``(N, C, *)``

    Raises:
        ArgumentTypeError: If an argument is not a Tensor (or None).
        ShapeError: If ``C`` is not divisible by ``num_groups``.

    Example:
        >>> group_norm(compat.tensor([[1.0, 3.0]]), 1)
        tensor([[-1.0000,  1.0000]])
    """
    _check("group_norm", input, weight=weight, bias=bias)
    return apply(_group_norm, input, weight, bias, num_groups=num_groups, eps=eps)


def _group_norm(input: Any, weight: Any, bias: Any, *, num_groups: int, eps: float) -> Any:
    return _nn.group_norm(input, num_groups, weight, bias, eps)


def local_response_norm(
    input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0
) -> Tensor:
    """Local response normalisation over channels (:func:`rustorch_fx.nn.local_response_norm`).

    Args:
        input: ``(N, C, *)`` with at least one spatial dim.
        size: The number of neighbouring channels.
        alpha: Multiplicative factor.
        beta: Exponent.
        k: Additive factor.

    Returns:
        A tensor shaped like ``input``.

    Shape:
        - input, output: ``(N, C, *)``

    Raises:
        ArgumentTypeError: If ``input`` is not a Tensor.
        ShapeError: For input with fewer than 3 dims.

    Example:
        >>> local_response_norm(compat.ones(1, 3, 2), 2).shape
        (1, 3, 2)
    """
    _check("local_response_norm", input)
    return apply(_nn.local_response_norm, input, size=size, alpha=alpha, beta=beta, k=k)
