"""``torch.nn.modules.instancenorm`` for compat: InstanceNorm1d/2d/3d and their Lazy forms.

Defaults are torch's (``affine=False``, ``track_running_stats=False``). With running statistics,
a training step updates them in place with the batch average of the instance statistics, and
eval mode normalises with them. Unbatched input (no ``N`` dim) is accepted, as in torch.
"""

from __future__ import annotations

import warnings
from typing import Any

from compat._tensor import Tensor
from compat.nn import functional as F
from compat.nn.modules.batchnorm import _LazyNormBase, _NormBase
from rustorch_fx.errors import ShapeError

__all__ = [
    "InstanceNorm1d",
    "InstanceNorm2d",
    "InstanceNorm3d",
    "LazyInstanceNorm1d",
    "LazyInstanceNorm2d",
    "LazyInstanceNorm3d",
]


class _InstanceNorm(_NormBase):
    """Instance normalisation; subclasses fix the spatial rank."""

    _spatial = 0

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = False,
        track_running_stats: bool = False,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__(
            num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias
        )

    def _get_no_batch_dim(self) -> int:
        return self._spatial + 1

    def _check_input_dim(self, input: Tensor) -> None:
        unbatched = self._get_no_batch_dim()
        if input.dim() not in (unbatched, unbatched + 1):
            raise ShapeError(
                f"{type(self).__name__}: expected {unbatched}D or {unbatched + 1}D input "
                f"(got {input.dim()}D input)"
            )

    def _apply_instance_norm(self, input: Tensor) -> Tensor:
        return F.instance_norm(
            input,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            self.training or not self.track_running_stats,
            self.momentum if self.momentum is not None else 0.0,
            self.eps,
        )

    def forward(self, input: Tensor) -> Tensor:
        """Normalise each instance; with running statistics, update them when training.

        Args:
            input: ``(N, C, *spatial)`` or unbatched ``(C, *spatial)``.

        Returns:
            The normalised tensor, shaped like ``input``.

        Raises:
            ShapeError: For input of another rank, or (with ``affine``) another channel count.
        """
        self._check_input_dim(input)
        feature_dim = input.dim() - self._get_no_batch_dim()
        if input.size(feature_dim) != self.num_features:
            if self.affine:
                raise ShapeError(
                    f"{type(self).__name__}: expected input's size at dim={feature_dim} to "
                    f"match num_features ({self.num_features}), but got: "
                    f"{input.size(feature_dim)}."
                )
            warnings.warn(
                f"input's size at dim={feature_dim} does not match num_features. You can "
                "silence this warning by not passing in num_features, which is not used "
                "because affine=False",
                stacklevel=2,
            )
        if input.dim() == self._get_no_batch_dim():
            return self._apply_instance_norm(input.unsqueeze(0)).squeeze(0)
        return self._apply_instance_norm(input)


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation of a ``(N, C, L)`` or ``(C, L)`` input: each sample and channel over its length.

    ``y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias`` with the mean and biased variance
    of each instance. With ``track_running_stats`` the running statistics are updated in
    training mode (batch average of the instance statistics, unbiased variance) and
    normalise in eval mode.

    Args:
        num_features: ``C``, the number of channels.
        eps: Added to the variance.
        momentum: The running-statistics factor (None counts as 0, as torch).
        affine: Learn a per-channel ``weight`` (ones) and ``bias`` (zeros).
        track_running_stats: Keep running statistics (used in eval mode).
        device: Device of the parameters and buffers.
        dtype: Dtype of the parameters and float buffers.
        bias: With ``affine``, also learn the bias (keyword-only).

    Shape:
        - input, output: ``(N, C, L)`` or ``(C, L)``

    Raises:
        InvalidArgumentError: For a bad ``num_features`` or ``momentum``.
        ShapeError: In forward, for input of another rank.

    Example:
        >>> m = InstanceNorm1d(3, affine=True)
        >>> m(compat.randn(2, 3, 5)).shape
        (2, 3, 5)
    """

    _spatial = 1


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation of a ``(N, C, H, W)`` or ``(C, H, W)`` input: each sample and channel over its spatial dims.

    ``y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias`` with the mean and biased variance
    of each instance. With ``track_running_stats`` the running statistics are updated in
    training mode (batch average of the instance statistics, unbiased variance) and
    normalise in eval mode.

    Args:
        num_features: ``C``, the number of channels.
        eps: Added to the variance.
        momentum: The running-statistics factor (None counts as 0, as torch).
        affine: Learn a per-channel ``weight`` (ones) and ``bias`` (zeros).
        track_running_stats: Keep running statistics (used in eval mode).
        device: Device of the parameters and buffers.
        dtype: Dtype of the parameters and float buffers.
        bias: With ``affine``, also learn the bias (keyword-only).

    Shape:
        - input, output: ``(N, C, H, W)`` or ``(C, H, W)``

    Raises:
        InvalidArgumentError: For a bad ``num_features`` or ``momentum``.
        ShapeError: In forward, for input of another rank.

    Example:
        >>> m = InstanceNorm2d(3, affine=True)
        >>> m(compat.randn(2, 3, 4, 4)).shape
        (2, 3, 4, 4)
    """

    _spatial = 2


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation of a ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input: each sample and channel over its spatial dims.

    ``y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias`` with the mean and biased variance
    of each instance. With ``track_running_stats`` the running statistics are updated in
    training mode (batch average of the instance statistics, unbiased variance) and
    normalise in eval mode.

    Args:
        num_features: ``C``, the number of channels.
        eps: Added to the variance.
        momentum: The running-statistics factor (None counts as 0, as torch).
        affine: Learn a per-channel ``weight`` (ones) and ``bias`` (zeros).
        track_running_stats: Keep running statistics (used in eval mode).
        device: Device of the parameters and buffers.
        dtype: Dtype of the parameters and float buffers.
        bias: With ``affine``, also learn the bias (keyword-only).

    Shape:
        - input, output: ``(N, C, D, H, W)`` or ``(C, D, H, W)``

    Raises:
        InvalidArgumentError: For a bad ``num_features`` or ``momentum``.
        ShapeError: In forward, for input of another rank.

    Example:
        >>> m = InstanceNorm3d(3, affine=True)
        >>> m(compat.randn(2, 3, 2, 2, 2)).shape
        (2, 3, 2, 2, 2)
    """

    _spatial = 3


class LazyInstanceNorm1d(_LazyNormBase, _InstanceNorm):
    """An InstanceNorm1d whose ``num_features`` comes from its first input (``torch.nn.LazyInstanceNorm1d``).

    With ``affine`` or ``track_running_stats``, the parameters and buffers are placeholders
    until the first forward, which materialises them with the input's channel count (dim 1, or
    dim 0 of an unbatched input), initialises them and turns the module into an
    :class:`InstanceNorm1d`. Defaults are torch's (``affine=True``,
    ``track_running_stats=True``, unlike :class:`InstanceNorm1d`'s).

    Args:
        eps: Added to the variance.
        momentum: The running-statistics factor.
        affine: Learn a per-channel ``weight`` and ``bias``.
        track_running_stats: Keep running statistics.
        device: Accepted for torch compatibility.
        dtype: Dtype of the parameters and float buffers.
        bias: With ``affine``, also learn the bias (keyword-only).

    Example:
        >>> m = LazyInstanceNorm1d()
        >>> m(compat.randn(2, 3, 5)).shape, type(m).__name__
        ((2, 3, 5), 'InstanceNorm1d')
    """

    cls_to_become = InstanceNorm1d
    _spatial = 1

    def _channel_dim(self, input: Tensor) -> int:
        return input.dim() - self._get_no_batch_dim()


class LazyInstanceNorm2d(_LazyNormBase, _InstanceNorm):
    """An InstanceNorm2d whose ``num_features`` comes from its first input (``torch.nn.LazyInstanceNorm2d``).

    With ``affine`` or ``track_running_stats``, the parameters and buffers are placeholders
    until the first forward, which materialises them with the input's channel count (dim 1, or
    dim 0 of an unbatched input), initialises them and turns the module into an
    :class:`InstanceNorm2d`. Defaults are torch's (``affine=True``,
    ``track_running_stats=True``, unlike :class:`InstanceNorm2d`'s).

    Args:
        eps: Added to the variance.
        momentum: The running-statistics factor.
        affine: Learn a per-channel ``weight`` and ``bias``.
        track_running_stats: Keep running statistics.
        device: Accepted for torch compatibility.
        dtype: Dtype of the parameters and float buffers.
        bias: With ``affine``, also learn the bias (keyword-only).

    Example:
        >>> m = LazyInstanceNorm2d()
        >>> m(compat.randn(2, 3, 4, 4)).shape, type(m).__name__
        ((2, 3, 4, 4), 'InstanceNorm2d')
    """

    cls_to_become = InstanceNorm2d
    _spatial = 2

    def _channel_dim(self, input: Tensor) -> int:
        return input.dim() - self._get_no_batch_dim()


class LazyInstanceNorm3d(_LazyNormBase, _InstanceNorm):
    """An InstanceNorm3d whose ``num_features`` comes from its first input (``torch.nn.LazyInstanceNorm3d``).

    With ``affine`` or ``track_running_stats``, the parameters and buffers are placeholders
    until the first forward, which materialises them with the input's channel count (dim 1, or
    dim 0 of an unbatched input), initialises them and turns the module into an
    :class:`InstanceNorm3d`. Defaults are torch's (``affine=True``,
    ``track_running_stats=True``, unlike :class:`InstanceNorm3d`'s).

    Args:
        eps: Added to the variance.
        momentum: The running-statistics factor.
        affine: Learn a per-channel ``weight`` and ``bias``.
        track_running_stats: Keep running statistics.
        device: Accepted for torch compatibility.
        dtype: Dtype of the parameters and float buffers.
        bias: With ``affine``, also learn the bias (keyword-only).

    Example:
        >>> m = LazyInstanceNorm3d()
        >>> m(compat.randn(2, 3, 2, 2, 2)).shape, type(m).__name__
        ((2, 3, 2, 2, 2), 'InstanceNorm3d')
    """

    cls_to_become = InstanceNorm3d
    _spatial = 3

    def _channel_dim(self, input: Tensor) -> int:
        return input.dim() - self._get_no_batch_dim()
