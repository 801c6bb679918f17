"""``torch.autocast`` for compat: run selected ops in float16/bfloat16 inside a region.

Inside ``with compat.autocast("cpu", dtype=compat.bfloat16):`` every op goes through the same
engine path as outside it, but first its floating tensor inputs on that device type are cast
according to torch's op lists:

- **lower precision** (matrix products, ``linear``, convolutions, ``prelu``, attention; on CUDA
  also the recurrent cells): inputs cast to the autocast dtype;
- **float32** (every loss, ``prod``, ``cdist``, ``trace`` and a few more; on CUDA also
  exponentials and logarithms, powers, ``softmax``/``log_softmax``, norms, sums): float16 and
  bfloat16 inputs cast to float32;
- **promote** (``cat``, ``stack``; on CUDA also ``addcmul``, ``addcdiv``, ``atan2``,
  ``bilinear``, ``cross``, ``dot``, ``tensordot``, ``index_put``, ``scatter_add``): inputs cast
  to the widest floating dtype among them;
- every other op runs in its inputs' dtypes.

The lists are torch's per device type (``aten/src/ATen/autocast_mode.cpp``): on CPU
``softmax`` keeps the low-precision dtype, on CUDA it runs in float32.

The casts are ops of the graph, so gradients reach float32 parameters in float32. Within one
region the low-precision copy of a leaf tensor (a weight) is made once and reused while the leaf
is unchanged (torch's ``cache_enabled``). ``binary_cross_entropy`` raises inside a region, as in
torch (use ``binary_cross_entropy_with_logits``).

Ops are matched by name, so compat's functional and method forms of an op share one policy.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import jax
import numpy as np

from compat import _dtype, _grad_mode
from compat._engine import apply
from compat._tensor import Tensor
from rustorch_fx.errors import ArgumentTypeError, InvalidArgumentError, UnsupportedError

__all__ = ["autocast", "get_autocast_dtype", "is_autocast_available", "is_autocast_enabled"]


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


# torch's op lists (aten/src/ATen/autocast_mode.cpp), restricted to the ops compat has.
_LOWER = {
    "cpu": _names(
        """conv1d conv2d conv3d conv_transpose1d conv_transpose2d conv_transpose3d bmm mm
        baddbmm addmm addbmm linear matmul prelu scaled_dot_product_attention
        multi_head_attention_forward"""
    ),
    "cuda": _names(
        """conv1d conv2d conv3d conv_transpose1d conv_transpose2d conv_transpose3d prelu addmm
        addmv matmul einsum mm mv linear addbmm baddbmm bmm chain_matmul multi_dot lstm_cell
        gru_cell rnn_tanh_cell rnn_relu_cell scaled_dot_product_attention
        multi_head_attention_forward"""
    ),
}
_LOSSES = """nll_loss cross_entropy mse_loss l1_loss smooth_l1_loss huber_loss kl_div
    binary_cross_entropy_with_logits margin_ranking_loss hinge_embedding_loss poisson_nll_loss
    cosine_embedding_loss soft_margin_loss triplet_margin_loss multi_margin_loss
    multilabel_margin_loss ctc_loss"""
_FLOAT32 = {
    "cpu": _names(
        _LOSSES
        + """ prod quantile nanquantile cdist trace cholesky cholesky_inverse cholesky_solve
        inverse pinverse max_pool3d adaptive_avg_pool3d avg_pool3d"""
    ),
    "cuda": _names(
        _LOSSES
        + """ acos asin cosh erfinv exp expm1 log log10 log2 log1p reciprocal rsqrt sinh tan
        pow softplus layer_norm group_norm rms_norm norm softmax log_softmax softmin cumsum
        cumprod sum prod dist pdist cdist renorm logsumexp cosine_similarity
        multilabel_soft_margin_loss gaussian_nll_loss"""
    ),
}
_PROMOTE = {
    "cpu": _names("stack cat index_copy"),
    "cuda": _names(
        "addcdiv addcmul atan2 bilinear cross dot tensordot index_put scatter_add cat stack"
    ),
}
_BANNED = frozenset({"binary_cross_entropy"})

_DEFAULT_DTYPE = {"cpu": _dtype.bfloat16, "cuda": _dtype.float16}
_LOW = (np.dtype("float16"), np.dtype("bfloat16"))


def _cast_to(x: Any, *, dtype: Any) -> Any:
    return x.astype(dtype)


@functools.cache
def _traced_device_type() -> str:
    """The device type of traced values: that of JAX's default device (``"cpu"``, ``"cuda"``).

    A tracer has no device of its own; ``compat.compile`` traces values that live on the
    default device.
    """
    platform = jax.devices()[0].platform
    return "cuda" if platform == "gpu" else platform


def _float(t: Any) -> bool:
    return isinstance(t, Tensor) and t.is_floating_point()


class _Caster:
    """The cast policy of one autocast region (installed as the engine's caster)."""

    def __init__(self, device_type: str, dtype: np.dtype, cache: bool) -> None:
        self.device_type = device_type
        self.dtype = dtype
        self.cache: dict[tuple[int, int, str], Tensor] | None = {} if cache else None

    def _on_device(self, t: Tensor) -> bool:
        value = t._value
        if isinstance(value, jax.core.Tracer):  # inside compat.compile or a transform
            return _traced_device_type() == self.device_type
        return t.device.type == self.device_type

    def _cast(self, t: Tensor, dtype: np.dtype) -> Tensor:
        value = t._value
        if np.dtype(value.dtype) == dtype:
            return t
        leaf = t.grad_fn is None and t.requires_grad
        # (never cache a traced cast: the tracer would outlive its trace, and a later trace
        # in the same region would find it under the same key)
        if leaf and self.cache is not None and not isinstance(value, jax.core.Tracer):
            key = (id(t), t._version, dtype.name)
            hit = self.cache.get(key)
            if hit is None:
                hit = self.cache[key] = apply(_cast_to, t, dtype=dtype)
            return hit
        return apply(_cast_to, t, dtype=dtype)

    def __call__(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> tuple[Any, ...]:
        name = getattr(fn, "__name__", "")
        device = self.device_type
        if name in _LOWER[device]:
            target = self.dtype
            return tuple(
                self._cast(a, target) if _float(a) and self._on_device(a) else a for a in args
            )
        if name in _FLOAT32[device]:
            f32 = np.dtype("float32")
            return tuple(
                self._cast(a, f32)
                if _float(a) and self._on_device(a) and np.dtype(a._value.dtype) in _LOW
                else a
                for a in args
            )
        if name in _PROMOTE[device]:
            floats = [np.dtype(a._value.dtype) for a in args if _float(a) and self._on_device(a)]
            if len(set(floats)) > 1:
                widest = max(floats, key=lambda d: (d.itemsize, d != np.dtype("bfloat16")))
                return tuple(
                    self._cast(a, widest) if _float(a) and self._on_device(a) else a for a in args
                )
            return args
        if name in _BANNED:
            raise UnsupportedError(
                f"{name} is unsafe to autocast: the gradient of its log terms overflows in "
                "float16/bfloat16. Combine the sigmoid and the loss with "
                "binary_cross_entropy_with_logits (BCEWithLogitsLoss), which is safe, or exit "
                "the autocast region for this op"
            )
        return args


def _device_type(op: str, device_type: Any) -> str:
    if not isinstance(device_type, str):
        raise ArgumentTypeError(
            f"{op}: expected device_type as a string ('cpu' or 'cuda'), got "
            f"{type(device_type).__name__}"
        )
    base = device_type.split(":")[0]
    if base not in _DEFAULT_DTYPE:
        raise InvalidArgumentError(
            f"{op}: device_type must be 'cpu' or 'cuda', got {device_type!r}"
        )
    return base


class autocast:
    """Run ops in a lower-precision dtype inside a region, with torch's op lists.

    Use as a context manager or a decorator. Regions nest; ``enabled=False`` turns autocasting
    off inside an enabled region.

    Args:
        device_type: ``"cpu"`` or ``"cuda"``: only tensors on that device type are cast.
        dtype: ``compat.float16`` or ``compat.bfloat16`` (default: bfloat16 on CPU, float16
            on CUDA, torch's defaults).
        enabled: Whether the region autocasts.
        cache_enabled: Reuse the low-precision copy of a leaf (weight) within the region
            (default True).

    Raises:
        InvalidArgumentError: For another device type or dtype.

    Example:
        >>> import compat
        >>> lin = compat.nn.Linear(4, 2)
        >>> with compat.autocast("cpu", dtype=compat.bfloat16):
        ...     out = lin(compat.ones(3, 4))
        ...     loss = compat.nn.functional.mse_loss(out, compat.zeros(3, 2))
        >>> out.dtype, loss.dtype
        (torch.bfloat16, torch.float32)
    """

    def __init__(
        self,
        device_type: str,
        dtype: Any = None,
        enabled: bool = True,
        cache_enabled: bool | None = None,
    ) -> None:
        """Store the settings (see the class docstring)."""
        self.device_type = _device_type("autocast", device_type)
        chosen = _DEFAULT_DTYPE[self.device_type] if dtype is None else dtype
        np_dtype = _dtype._to_numpy_dtype(chosen, "autocast")
        if np_dtype not in _LOW:
            raise InvalidArgumentError(
                f"autocast: dtype must be torch.float16 or torch.bfloat16, got {chosen}"
            )
        self.fast_dtype = _dtype._from_any(np_dtype, "autocast")
        self._np_dtype = np_dtype
        self._enabled = bool(enabled)
        self._cache = True if cache_enabled is None else bool(cache_enabled)
        self._saved: list[Any] = []

    def __enter__(self) -> autocast:
        self._saved.append(_grad_mode._state.autocast)
        _grad_mode._state.autocast = (
            _Caster(self.device_type, self._np_dtype, self._cache) if self._enabled else None
        )
        return self

    def __exit__(self, *exc: object) -> None:
        _grad_mode._state.autocast = self._saved.pop()

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """Decorate ``fn`` so that it runs inside this region."""

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with autocast(self.device_type, self.fast_dtype, self._enabled, self._cache):
                return fn(*args, **kwargs)

        return wrapper


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """Whether an autocast region is active (for ``device_type``, if given).

    Args:
        device_type: ``"cpu"`` or ``"cuda"``; None means any.

    Returns:
        True inside an enabled region.

    Example:
        >>> import compat
        >>> with compat.autocast("cpu"):
        ...     compat.is_autocast_enabled("cpu"), compat.is_autocast_enabled("cuda")
        (True, False)
    """
    caster = _grad_mode._state.autocast
    if caster is None:
        return False
    return device_type is None or caster.device_type == _device_type(
        "is_autocast_enabled", device_type
    )


def get_autocast_dtype(device_type: str) -> Any:
    """The dtype autocast uses for ``device_type`` (the active region's, else the default).

    Args:
        device_type: ``"cpu"`` or ``"cuda"``.

    Returns:
        A compat dtype.

    Example:
        >>> import compat
        >>> compat.get_autocast_dtype("cpu")
        torch.bfloat16
    """
    base = _device_type("get_autocast_dtype", device_type)
    caster = _grad_mode._state.autocast
    if caster is not None and caster.device_type == base:
        return _dtype._from_any(caster.dtype, "get_autocast_dtype")
    return _DEFAULT_DTYPE[base]


def is_autocast_available(device_type: str) -> bool:
    """Whether autocast supports ``device_type`` (``"cpu"`` and ``"cuda"``).

    Args:
        device_type: The device type.

    Returns:
        True for ``"cpu"`` and ``"cuda"``.

    Example:
        >>> is_autocast_available("cpu")
        True
    """
    return isinstance(device_type, str) and device_type.split(":")[0] in _DEFAULT_DTYPE
