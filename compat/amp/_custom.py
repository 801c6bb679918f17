"""``torch.amp.custom_fwd`` and ``custom_bwd``: autocast-aware custom autograd functions.

Decorate the ``forward`` and ``backward`` static methods of a
:class:`compat.autograd.Function` so that it behaves inside :class:`compat.amp.autocast` regions
as torch's does:

- ``custom_fwd(device_type=..., cast_inputs=dtype)``: inside an enabled region, the floating
  tensors among ``forward``'s arguments that live on ``device_type`` (float64 excepted, nested
  lists, tuples and dicts included) are cast to ``dtype`` and ``forward`` runs with autocast
  disabled; outside a region it is a no-op. Without ``cast_inputs``, ``forward`` runs with the
  current autocast state.
- ``custom_bwd(device_type=...)``: ``backward`` runs with the autocast state (enabled or not,
  and dtype) that ``forward`` ran with, whatever the state is when ``.backward()`` is called.

``custom_fwd`` records that state on ``ctx`` (torch's ``ctx._fwd_used_autocast`` and
``ctx._dtype``), so ``custom_bwd`` needs the ``ctx``-first form ``forward(ctx, *args)``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from compat import _dtype
from compat._tensor import Tensor
from compat.amp.autocast_mode import (
    _device_type,
    autocast,
    get_autocast_dtype,
    is_autocast_enabled,
)
from compat.autograd._function import FunctionCtx
from rustorch_fx.errors import InvalidArgumentError, MissingAttributeError

__all__ = ["custom_bwd", "custom_fwd"]


def _check_device_type(op: str, device_type: Any) -> str:
    # torch raises ValueError (not TypeError) for a device_type that is not a string.
    if not isinstance(device_type, str):
        raise InvalidArgumentError(
            f"{op}: expected device_type of type str ('cpu' or 'cuda'), got "
            f"{type(device_type).__name__}"
        )
    return _device_type(op, device_type)


def _cast(value: Any, device_type: str, dtype: Any) -> Any:
    """Cast the eligible floating tensors in ``value`` (recursing into containers) to ``dtype``."""
    if isinstance(value, Tensor):
        eligible = (
            value.is_floating_point()
            and value.device.type == device_type
            and value.dtype is not _dtype.float64
        )
        return value.to(dtype) if eligible else value
    if isinstance(value, (str, bytes, np.ndarray)):
        return value
    if isinstance(value, Mapping):
        return {
            _cast(k, device_type, dtype): _cast(v, device_type, dtype) for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        items = [_cast(v, device_type, dtype) for v in value]
        if hasattr(value, "_fields"):  # a namedtuple takes its fields positionally
            return type(value)(*items)
        return type(value)(items)
    if isinstance(value, Iterable):
        return (_cast(v, device_type, dtype) for v in value)
    return value


def _record(args: tuple[Any, ...], used_autocast: bool, dtype: Any) -> None:
    # The forward's autocast state goes on ctx, its first argument. A forward without ctx
    # (the setup_context form) still gets the casting, but custom_bwd then has no state to read.
    if args and isinstance(args[0], FunctionCtx):
        args[0]._fwd_used_autocast = used_autocast
        args[0]._dtype = dtype


def custom_fwd(
    fwd: Callable[..., Any] | None = None,
    *,
    device_type: str,
    cast_inputs: Any = None,
) -> Callable[..., Any]:
    """Decorate a custom ``Function.forward`` to run well inside autocast regions.

    Args:
        fwd: The ``forward(ctx, *args, **kwargs)`` to decorate; omit it to get a decorator
            (``@custom_fwd(device_type="cpu", cast_inputs=compat.float32)``).
        device_type: ``"cpu"`` or ``"cuda"``: the autocast state of this device type is the one
            read, and only tensors on it are cast.
        cast_inputs: A floating dtype, or None. When given and ``forward`` is called inside an
            enabled autocast region, floating tensor arguments on ``device_type`` (not float64)
            are cast to it and ``forward`` runs with autocast disabled. Outside a region it has
            no effect. When None, ``forward`` runs with the current autocast state.

    Returns:
        The decorated ``forward`` (or a decorator, when ``fwd`` is None).

    Raises:
        InvalidArgumentError: If ``device_type`` is not a string naming ``"cpu"`` or
            ``"cuda"``, or ``cast_inputs`` is not a floating dtype.

    Example:
        >>> import compat
        >>> from compat.amp import custom_bwd, custom_fwd
        >>> class Mul(compat.autograd.Function):
        ...     @staticmethod
        ...     @custom_fwd(device_type="cpu", cast_inputs=compat.float32)
        ...     def forward(ctx, a, b):
        ...         ctx.save_for_backward(a, b)
        ...         return a.mm(b)
        ...     @staticmethod
        ...     @custom_bwd(device_type="cpu")
        ...     def backward(ctx, g):
        ...         a, b = ctx.saved_tensors
        ...         return g.mm(b.t()), a.t().mm(g)
        >>> a = compat.ones(2, 2, requires_grad=True)
        >>> with compat.autocast("cpu", dtype=compat.bfloat16):
        ...     out = Mul.apply(a, compat.ones(2, 2))
        >>> out.dtype  # computed in float32 despite the bfloat16 region
        torch.float32
    """
    base = _check_device_type("custom_fwd", device_type)
    if cast_inputs is not None:
        target = _dtype._from_any(cast_inputs, "custom_fwd")
        if not target.is_floating_point:
            raise InvalidArgumentError(
                f"custom_fwd: cast_inputs must be a floating dtype, got {target}"
            )
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def decorate_fwd(*args: Any, **kwargs: Any) -> Any:
        enabled = is_autocast_enabled(base)
        _record(args, enabled and cast_inputs is None, get_autocast_dtype(base))
        if cast_inputs is None or not enabled:
            return fwd(*args, **kwargs)
        with autocast(base, enabled=False):
            return fwd(*_cast(args, base, cast_inputs), **_cast(kwargs, base, cast_inputs))

    return decorate_fwd


def custom_bwd(bwd: Callable[..., Any] | None = None, *, device_type: str) -> Callable[..., Any]:
    """Decorate a custom ``Function.backward`` to run with the autocast state of its forward.

    The ``forward`` must be decorated with :func:`custom_fwd` (it records that state on ``ctx``).

    Args:
        bwd: The ``backward(ctx, *grad_outputs)`` to decorate; omit it to get a decorator
            (``@custom_bwd(device_type="cpu")``).
        device_type: ``"cpu"`` or ``"cuda"``.

    Returns:
        The decorated ``backward`` (or a decorator, when ``bwd`` is None).

    Raises:
        InvalidArgumentError: If ``device_type`` is not a string naming ``"cpu"`` or ``"cuda"``.
        MissingAttributeError: When the matching ``forward`` was not decorated with
            :func:`custom_fwd` (torch raises ``AttributeError`` there too).

    Example:
        >>> import compat
        >>> from compat.amp import custom_bwd, custom_fwd
        >>> class Double(compat.autograd.Function):
        ...     @staticmethod
        ...     @custom_fwd(device_type="cpu")
        ...     def forward(ctx, x):
        ...         return 2 * x
        ...     @staticmethod
        ...     @custom_bwd(device_type="cpu")
        ...     def backward(ctx, g):
        ...         return 2 * g
        >>> x = compat.ones(3, requires_grad=True)
        >>> Double.apply(x).sum().backward()
        >>> x.grad.tolist()
        [2.0, 2.0, 2.0]
    """
    base = _check_device_type("custom_bwd", device_type)
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)

    @functools.wraps(bwd)
    def decorate_bwd(*args: Any, **kwargs: Any) -> Any:
        ctx = args[0] if args else None
        if not hasattr(ctx, "_fwd_used_autocast"):
            raise MissingAttributeError(
                "custom_bwd: the autocast state of the forward is unknown: decorate the "
                f"Function's forward(ctx, ...) with @custom_fwd(device_type={device_type!r}) "
                "(a forward without ctx, used with setup_context, cannot record it)"
            )
        with autocast(base, dtype=ctx._dtype, enabled=ctx._fwd_used_autocast):
            return bwd(*args, **kwargs)

    return decorate_bwd
