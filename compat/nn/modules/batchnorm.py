"""``torch.nn.modules.batchnorm`` for compat: BatchNorm1d/2d/3d, their Lazy forms, SyncBatchNorm.

The buffers are torch's (``running_mean``, ``running_var`` and the int64 ``num_batches_tracked``),
so state dicts load both ways. A training step is one op that returns the output and the new
statistics, which are written into the buffers in place (no gradient is recorded); with
``momentum=None`` the cumulative-average factor ``1 / num_batches_tracked`` is computed inside
that op from the counter, so it neither reads the counter back to the host nor recompiles.
"""

from __future__ import annotations

from typing import Any

import compat
from compat._grad_mode import no_grad
from compat._tensor import Tensor
from compat.nn import init
from compat.nn.functional._normalization import _batch_norm_step
from compat.nn.modules.lazy import LazyModuleMixin
from compat.nn.modules.module import Module
from compat.nn.parameter import Parameter, UninitializedBuffer, UninitializedParameter
from rustorch_fx._checks import is_int
from rustorch_fx.errors import InvalidArgumentError, ShapeError, UnsupportedError

__all__ = [
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
    "LazyBatchNorm1d",
    "LazyBatchNorm2d",
    "LazyBatchNorm3d",
    "SyncBatchNorm",
]


class _NormBase(Module):
    """State shared by batch and instance norm: affine parameters and running statistics."""

    _version = 2

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        if not is_int(num_features) or num_features < 0:
            raise InvalidArgumentError(
                f"{name}: num_features must be a non-negative int, got {num_features!r}"
            )
        if momentum is not None and not isinstance(momentum, int | float):
            raise InvalidArgumentError(
                f"{name}: momentum must be a number or None, got {momentum!r}"
            )
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = Parameter(compat.empty(num_features, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(compat.empty(num_features, device=device, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer(
                "running_mean", compat.zeros(num_features, device=device, dtype=dtype)
            )
            self.register_buffer(
                "running_var", compat.ones(num_features, device=device, dtype=dtype)
            )
            self.register_buffer(
                "num_batches_tracked", compat.tensor(0, dtype=compat.long, device=device)
            )
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """Zero the running mean and the counter, set the running variance to one."""
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """Reset the running statistics, the weight to ones and the bias to zeros."""
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def _check_input_dim(self, input: Tensor) -> None:
        raise UnsupportedError(  # pragma: no cover - every concrete class overrides it
            f"{type(self).__name__} must define _check_input_dim"
        )

    def extra_repr(self) -> str:
        """``num_features, eps=..., momentum=..., affine=..., bias=..., track_running_stats=...``."""
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, "
            f"track_running_stats={self.track_running_stats}"
        )

    def _load_from_state_dict(
        self,
        state_dict: Any,
        prefix: str,
        local_metadata: dict[str, Any],
        strict: bool,
        missing_keys: list[str],
        unexpected_keys: list[str],
        error_msgs: list[str],
    ) -> None:
        # Checkpoints before version 2 have no num_batches_tracked: it defaults to 0, as torch.
        version = local_metadata.get("version")
        key = prefix + "num_batches_tracked"
        if (version is None or version < 2) and self.track_running_stats and key not in state_dict:
            state_dict[key] = (
                self.num_batches_tracked
                if self.num_batches_tracked is not None
                else compat.tensor(0, dtype=compat.long)
            )
        super()._load_from_state_dict(
            state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
        )


class _BatchNorm(_NormBase):
    """Batch normalisation over dim 1; subclasses fix the accepted input ranks."""

    _ranks: tuple[int, ...] = ()
    _expected = ""

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() not in self._ranks:
            raise ShapeError(
                f"{type(self).__name__}: expected {self._expected} input (got {input.dim()}D input)"
            )

    def forward(self, input: Tensor) -> Tensor:
        """Normalise ``input``; in training mode, update the running statistics in place.

        Args:
            input: The input, of the rank the class expects.

        Returns:
            The normalised tensor, shaped like ``input``.

        Raises:
            ShapeError: For input of another rank or channel count.
        """
        self._check_input_dim(input)
        update = self.training and self.track_running_stats
        # momentum=None with a counter: the pure op derives 1 / num_batches_tracked from it.
        momentum = self.momentum if self.momentum is not None or update else 0.0
        bn_training = self.training or (self.running_mean is None and self.running_var is None)
        use_buffers = not self.training or self.track_running_stats
        return _batch_norm_step(
            input,
            self.running_mean if use_buffers else None,
            self.running_var if use_buffers else None,
            self.weight,
            self.bias,
            bn_training,
            momentum,
            self.eps,
            self.num_batches_tracked if update else None,
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalisation over a ``(N, C)`` or ``(N, C, L)`` input: per channel, over the batch (and length) dims.

    ``y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias``. In training mode the batch
    statistics normalise (biased variance) and the running ones are updated in place,
    ``running = (1 - momentum) * running + momentum * batch`` (unbiased variance), or the
    cumulative average with ``momentum=None``. In eval mode the running statistics normalise,
    unless ``track_running_stats=False``.

    Args:
        num_features: ``C``, the number of channels.
        eps: Added to the variance.
        momentum: The running-statistics factor, or None for the cumulative average.
        affine: Learn a per-channel ``weight`` (ones) and ``bias`` (zeros).
        track_running_stats: Keep ``running_mean``, ``running_var`` and
            ``num_batches_tracked`` buffers.
        device: Device of the parameters and buffers.
        dtype: Dtype of the parameters and float buffers.
        bias: With ``affine``, also learn the bias (keyword-only).

    Shape:
        - input, output: ``(N, C)`` or ``(N, C, L)``

    Raises:
        InvalidArgumentError: For a bad ``num_features`` or ``momentum``.
        ShapeError: In forward, for input of another rank (``2D or 3D`` expected).

    Example:
        >>> m = BatchNorm1d(3)
        >>> m(compat.randn(4, 3, 5)).shape
        (4, 3, 5)
    """

    _ranks = (2, 3)
    _expected = "2D or 3D"


class BatchNorm2d(_BatchNorm):
    """Batch normalisation over a ``(N, C, H, W)`` input: per channel, over the batch and spatial dims.

    ``y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias``. In training mode the batch
    statistics normalise (biased variance) and the running ones are updated in place,
    ``running = (1 - momentum) * running + momentum * batch`` (unbiased variance), or the
    cumulative average with ``momentum=None``. In eval mode the running statistics normalise,
    unless ``track_running_stats=False``.

    Args:
        num_features: ``C``, the number of channels.
        eps: Added to the variance.
        momentum: The running-statistics factor, or None for the cumulative average.
        affine: Learn a per-channel ``weight`` (ones) and ``bias`` (zeros).
        track_running_stats: Keep ``running_mean``, ``running_var`` and
            ``num_batches_tracked`` buffers.
        device: Device of the parameters and buffers.
        dtype: Dtype of the parameters and float buffers.
        bias: With ``affine``, also learn the bias (keyword-only).

    Shape:
        - input, output: ``(N, C, H, W)``

    Raises:
        InvalidArgumentError: For a bad ``num_features`` or ``momentum``.
        ShapeError: In forward, for input of another rank (``4D`` expected).

    Example:
        >>> m = BatchNorm2d(3)
        >>> m(compat.randn(2, 3, 4, 4)).shape
        (2, 3, 4, 4)
    """

    _ranks = (4,)
    _expected = "4D"


class BatchNorm3d(_BatchNorm):
    """Batch normalisation over a ``(N, C, D, H, W)`` input: per channel, over the batch and spatial dims.

    ``y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias``. In training mode the batch
    statistics normalise (biased variance) and the running ones are updated in place,
    ``running = (1 - momentum) * running + momentum * batch`` (unbiased variance), or the
    cumulative average with ``momentum=None``. In eval mode the running statistics normalise,
    unless ``track_running_stats=False``.

    Args:
        num_features: ``C``, the number of channels.
        eps: Added to the variance.
        momentum: The running-statistics factor, or None for the cumulative average.
        affine: Learn a per-channel ``weight`` (ones) and ``bias`` (zeros).
        track_running_stats: Keep ``running_mean``, ``running_var`` and
            ``num_batches_tracked`` buffers.
        device: Device of the parameters and buffers.
        dtype: Dtype of the parameters and float buffers.
        bias: With ``affine``, also learn the bias (keyword-only).

    Shape:
        - input, output: ``(N, C, D, H, W)``

    Raises:
        InvalidArgumentError: For a bad ``num_features`` or ``momentum``.
        ShapeError: In forward, for input of another rank (``5D`` expected).

    Example:
        >>> m = BatchNorm3d(3)
        >>> m(compat.randn(2, 3, 2, 2, 2)).shape
        (2, 3, 2, 2, 2)
    """

    _ranks = (5,)
    _expected = "5D"


# --------------------------------------------------------------------------------------------
# Lazy batch norms.
# --------------------------------------------------------------------------------------------


class _LazyNormBase(LazyModuleMixin, _NormBase):
    """``num_features`` from the first input (torch's ``_LazyNormBase``)."""

    def __init__(
        self,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        """Build the layer with placeholders (see the concrete class's docstring)."""
        super().__init__(0, eps, momentum, False, False, device, dtype, bias=False)
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = UninitializedParameter(device=device, dtype=dtype)
            if bias:
                self.bias = UninitializedParameter(device=device, dtype=dtype)
        if track_running_stats:
            self.running_mean = UninitializedBuffer(device=device, dtype=dtype)
            self.running_var = UninitializedBuffer(device=device, dtype=dtype)
            self.num_batches_tracked = compat.tensor(0, dtype=compat.long, device=device)

    def reset_parameters(self) -> None:
        """Initialise as the ordinary layer once the shapes are known (a no-op before)."""
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()

    def _channel_dim(self, input: Tensor) -> int:
        return 1

    def initialize_parameters(self, input: Tensor) -> None:
        """Take ``num_features`` from ``input``'s channel dim, materialise, then initialise.

        Args:
            input: The first forward's input.
        """
        if not self.has_uninitialized_params():
            if self.num_features == 0:
                # Materialised by load_state_dict (torch leaves num_features at 0 here).
                self.num_features = input.shape[self._channel_dim(input)]
            return
        self.num_features = input.shape[self._channel_dim(input)]
        with no_grad():
            for name in ("weight", "bias", "running_mean", "running_var"):
                value = getattr(self, name)
                if value is not None:
                    value.materialize((self.num_features,))
            self.reset_parameters()


class LazyBatchNorm1d(_LazyNormBase, _BatchNorm):
    """A BatchNorm1d whose ``num_features`` comes from its first input (``torch.nn.LazyBatchNorm1d``).

    Until the first forward, ``weight``, ``bias``, ``running_mean`` and ``running_var`` are
    uninitialised placeholders; the first call materialises them with ``input.shape[1]``
    features, initialises them as :class:`BatchNorm1d` does and turns the module into one.

    Args:
        eps: Added to the variance.
        momentum: The running-statistics factor, or None for the cumulative average.
        affine: Learn a per-channel ``weight`` and ``bias``.
        track_running_stats: Keep running statistics.
        device: Accepted for torch compatibility.
        dtype: Dtype of the parameters and float buffers.
        bias: With ``affine``, also learn the bias (keyword-only).

    Example:
        >>> m = LazyBatchNorm1d()
        >>> m(compat.randn(4, 3)).shape, m
        ((4, 3), BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True))
    """

    cls_to_become = BatchNorm1d
    _ranks = BatchNorm1d._ranks
    _expected = BatchNorm1d._expected


class LazyBatchNorm2d(_LazyNormBase, _BatchNorm):
    """A BatchNorm2d whose ``num_features`` comes from its first input (``torch.nn.LazyBatchNorm2d``).

    See :class:`LazyBatchNorm1d`; the input is ``(N, C, H, W)``.

    Args:
        eps: Added to the variance.
        momentum: The running-statistics factor, or None for the cumulative average.
        affine: Learn a per-channel ``weight`` and ``bias``.
        track_running_stats: Keep running statistics.
        device: Accepted for torch compatibility.
        dtype: Dtype of the parameters and float buffers.
        bias: With ``affine``, also learn the bias (keyword-only).

    Example:
        >>> m = LazyBatchNorm2d()
        >>> m(compat.randn(2, 3, 4, 4)).shape, type(m).__name__
        ((2, 3, 4, 4), 'BatchNorm2d')
    """

    cls_to_become = BatchNorm2d
    _ranks = BatchNorm2d._ranks
    _expected = BatchNorm2d._expected


class LazyBatchNorm3d(_LazyNormBase, _BatchNorm):
    """A BatchNorm3d whose ``num_features`` comes from its first input (``torch.nn.LazyBatchNorm3d``).

    See :class:`LazyBatchNorm1d`; the input is ``(N, C, D, H, W)``.

    Args:
        eps: Added to the variance.
        momentum: The running-statistics factor, or None for the cumulative average.
        affine: Learn a per-channel ``weight`` and ``bias``.
        track_running_stats: Keep running statistics.
        device: Accepted for torch compatibility.
        dtype: Dtype of the parameters and float buffers.
        bias: With ``affine``, also learn the bias (keyword-only).

    Example:
        >>> m = LazyBatchNorm3d()
        >>> m(compat.randn(2, 3, 2, 2, 2)).shape, type(m).__name__
        ((2, 3, 2, 2, 2), 'BatchNorm3d')
    """

    cls_to_become = BatchNorm3d
    _ranks = BatchNorm3d._ranks
    _expected = BatchNorm3d._expected


# --------------------------------------------------------------------------------------------
# SyncBatchNorm.
# --------------------------------------------------------------------------------------------


class SyncBatchNorm(_BatchNorm):
    """Batch norm synchronised across processes (``torch.nn.SyncBatchNorm``), single-process.

    compat trains in one process (data parallelism is :mod:`rustorch_fx.distributed`'s, on
    JAX's sharding), so the statistics are the local batch's: this is :class:`BatchNorm1d`/
    ``2d``/``3d`` for any input with at least 2 dims, exactly as torch's SyncBatchNorm behaves
    when ``torch.distributed`` is not initialised. ``process_group`` is kept and unused.

    Args:
        num_features: ``C``, the number of channels.
        eps: Added to the variance.
        momentum: The running-statistics factor, or None for the cumulative average.
        affine: Learn a per-channel ``weight`` and ``bias``.
        track_running_stats: Keep running statistics.
        process_group: Accepted for torch compatibility.
        device: Device of the parameters and buffers.
        dtype: Dtype of the parameters and float buffers.
        bias: With ``affine``, also learn the bias (keyword-only).

    Shape:
        - input, output: ``(N, C, *)``.

    Raises:
        InvalidArgumentError: In forward, for fewer than 2 dims or zero channels (also
            ValueError, as torch's).

    Example:
        >>> SyncBatchNorm(3)(compat.randn(4, 3, 2, 2)).shape
        (4, 3, 2, 2)
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        process_group: Any = None,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__(
            num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias
        )
        self.process_group = process_group

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() < 2:
            raise InvalidArgumentError(f"expected at least 2D input (got {input.dim()}D input)")
        if input.size(1) == 0:
            raise InvalidArgumentError("SyncBatchNorm number of input channels should be non-zero")

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group: Any = None) -> Module:
        """Replace every batch norm in ``module`` by a SyncBatchNorm sharing its state.

        The new layers hold the same parameter and buffer objects (an optimizer built before
        keeps working) and the same training flag.

        Args:
            module: A module (or a batch norm layer itself).
            process_group: Accepted for torch compatibility.

        Returns:
            ``module`` with its batch norms replaced, or the new SyncBatchNorm if ``module``
            was one.

        Example:
            >>> net = compat.nn.Sequential(compat.nn.Conv2d(3, 4, 1), compat.nn.BatchNorm2d(4))
            >>> SyncBatchNorm.convert_sync_batchnorm(net)[1]
            SyncBatchNorm(4, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
        """
        out = module
        if isinstance(module, _BatchNorm):
            out = cls(
                module.num_features,
                module.eps,
                module.momentum,
                module.affine,
                module.track_running_stats,
                process_group,
                bias=module.bias is not None,
            )
            if module.affine:
                out.weight = module.weight
                out.bias = module.bias
            out.running_mean = module.running_mean
            out.running_var = module.running_var
            out.num_batches_tracked = module.num_batches_tracked
            out.training = module.training
            if hasattr(module, "qconfig"):
                out.qconfig = module.qconfig
        for name, child in module.named_children():
            out.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return out
