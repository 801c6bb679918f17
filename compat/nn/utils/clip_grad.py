"""``torch.nn.utils`` gradient clipping for compat parameters (math in :mod:`rustorch_fx.nn`)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import rustorch_fx.nn as _nn
from compat._engine import apply
from compat._grad_mode import no_grad
from compat._tensor import Tensor
from rustorch_fx.errors import ArgumentTypeError, NonFiniteError

__all__ = [
    "clip_grad_norm",
    "clip_grad_norm_",
    "clip_grad_value_",
    "clip_grads_with_norm_",
    "get_total_norm",
]


def _tensors(op: str, values: Any) -> list[Tensor]:
    items = [values] if isinstance(values, Tensor) else list(values)
    for t in items:
        if not isinstance(t, Tensor):
            raise ArgumentTypeError(f"{op}: expected Tensors, got {type(t).__name__}")
    return items


def _grads(op: str, parameters: Any) -> list[Tensor]:
    return [p.grad for p in _tensors(op, parameters) if p.grad is not None]


def _total_norm(*grads: Any, norm_type: float) -> Any:
    return _nn.total_norm(list(grads), norm_type)


def _scale_by_norm(norm: Any, *grads: Any, max_norm: float) -> Any:
    scale = (max_norm / (norm + 1e-6)).clip(max=1.0)
    return tuple((g * scale).astype(g.dtype) for g in grads)


def _check_finite(norm: Tensor, norm_type: float) -> None:
    value = norm.item()
    if math.isnan(value) or math.isinf(value):
        raise NonFiniteError(
            f"clip_grad_norm_: the total norm of order {norm_type} for gradients from "
            "`parameters` is non-finite, so it cannot be clipped. To disable this error and "
            "scale the gradients by the non-finite norm anyway, set `error_if_nonfinite=False`"
        )


def get_total_norm(
    tensors: Tensor | Iterable[Tensor],
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """The ``norm_type``-norm of ``tensors`` viewed as one vector (:func:`rustorch_fx.nn.total_norm`).

    Args:
        tensors: A tensor or an iterable of tensors (usually gradients).
        norm_type: ``p`` of the p-norm; ``float('inf')`` or ``'inf'`` for the max-norm.
        error_if_nonfinite: Raise if the norm is NaN or infinite.
        foreach: Accepted for torch's signature (one fused op is used in every case).

    Returns:
        A scalar tensor (0 for no tensors).

    Raises:
        NonFiniteError: With ``error_if_nonfinite`` and a non-finite norm.

    Example:
        >>> import compat
        >>> get_total_norm([compat.tensor([3.0]), compat.tensor([4.0])]).item()
        5.0
    """
    items = _tensors("get_total_norm", tensors)
    with no_grad():
        norm = apply(_total_norm, *items, norm_type=norm_type)
    if error_if_nonfinite:
        _check_finite(norm, norm_type)
    return norm


def clip_grads_with_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    total_norm: Tensor,
    foreach: bool | None = None,
) -> None:
    """Scale the gradients in place by ``min(1, max_norm / (total_norm + 1e-6))``.

    Args:
        parameters: Tensors whose ``.grad`` to scale.
        max_norm: The largest allowed total norm.
        total_norm: The norm computed by :func:`get_total_norm`.
        foreach: Accepted for torch's signature.

    Example:
        >>> import compat
        >>> p = compat.zeros(2, requires_grad=True); p.grad = compat.tensor([3.0, 4.0])
        >>> clip_grads_with_norm_([p], 1.0, get_total_norm([p.grad])); p.grad.tolist()
        [0.6000000238418579, 0.800000011920929]
    """
    grads = _grads("clip_grads_with_norm_", parameters)
    if not grads:
        return
    with no_grad():
        scaled = apply(_scale_by_norm, total_norm, *grads, max_norm=float(max_norm))
        for g, new in zip(grads, scaled, strict=True):
            g._inplace("mul_", new)


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Clip the gradients of ``parameters`` in place to total norm ``max_norm``.

    torch's numerics (:func:`rustorch_fx.nn.clip_grad_norm`): the gradients are multiplied by
    ``min(1, max_norm / (total_norm + 1e-6))``.

    Args:
        parameters: A tensor or an iterable of tensors whose ``.grad`` to clip.
        max_norm: The largest allowed total norm.
        norm_type: ``p`` of the p-norm; ``float('inf')`` or ``'inf'`` for the max-norm.
        error_if_nonfinite: Raise (and leave the gradients unchanged) if the norm is NaN or
            infinite.
        foreach: Accepted for torch's signature (one fused op is used in every case).

    Returns:
        The total norm before clipping, a scalar tensor.

    Raises:
        NonFiniteError: With ``error_if_nonfinite`` and a non-finite norm.
        InvalidArgumentError: If ``max_norm`` is negative.

    Example:
        >>> import compat
        >>> p = compat.zeros(2, requires_grad=True); p.grad = compat.tensor([3.0, 4.0])
        >>> clip_grad_norm_([p], max_norm=1.0).item()
        5.0
    """
    if type(max_norm) not in (int, float) or max_norm < 0:
        # rustorch_fx validates (and raises); valid numbers skip it, as it computes (a clip of
        # no gradients), and its computation waits for the backward program still running
        _nn.clip_grad_norm([], max_norm)
    parameters = _tensors("clip_grad_norm_", parameters)  # a generator is read once
    grads = _grads("clip_grad_norm_", parameters)
    if not grads:
        return Tensor._wrap(_nn.total_norm([]))
    norm = get_total_norm(grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(parameters, max_norm, norm)
    return norm


def clip_grad_norm(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Deprecated torch alias of :func:`clip_grad_norm_`.

    Args:
        parameters: Tensors whose ``.grad`` to clip.
        max_norm: The largest allowed total norm.
        norm_type: ``p`` of the p-norm.
        error_if_nonfinite: Raise if the norm is non-finite.
        foreach: Accepted for torch's signature.

    Returns:
        The total norm before clipping.

    Example:
        >>> import compat
        >>> p = compat.zeros(1, requires_grad=True); p.grad = compat.tensor([2.0])
        >>> clip_grad_norm([p], 1.0).item()
        2.0
    """
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def _clip_value(*grads: Any, clip_value: float) -> Any:
    return tuple(_nn.clip_grad_value(list(grads), clip_value))


def clip_grad_value_(
    parameters: Tensor | Iterable[Tensor], clip_value: float, foreach: bool | None = None
) -> None:
    """Clamp every gradient element of ``parameters`` to ``[-clip_value, clip_value]`` in place.

    Args:
        parameters: A tensor or an iterable of tensors whose ``.grad`` to clamp.
        clip_value: The bound.
        foreach: Accepted for torch's signature.

    Raises:
        InvalidArgumentError: If ``clip_value`` is negative.

    Example:
        >>> import compat
        >>> p = compat.zeros(2, requires_grad=True); p.grad = compat.tensor([-3.0, 0.5])
        >>> clip_grad_value_(p, 1.0); p.grad.tolist()
        [-1.0, 0.5]
    """
    _nn.clip_grad_value([], clip_value)  # validates clip_value
    grads = _grads("clip_grad_value_", parameters)
    if not grads:
        return
    with no_grad():
        clipped = apply(_clip_value, *grads, clip_value=float(clip_value))
        for g, new in zip(grads, clipped, strict=True):
            g._inplace("clamp_", new)
