"""``default_collate``/``default_convert`` producing compat tensors, with torch's rules.

The structural rules and the numpy stacking are rustorch_fx's (:func:`rustorch_fx.data.collate`);
compat adds one rule (compat tensors stack into a compat tensor) and turns the numpy leaves of
the result into compat tensors. In a DataLoader the numpy part runs where the data is loaded
(possibly a worker process, which must not use JAX) and the conversion in the main process.
"""

from __future__ import annotations

import collections.abc
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jax
import numpy as np

import compat
from compat._tensor import Tensor
from rustorch_fx import data as _data
from rustorch_fx.errors import ArgumentTypeError

__all__ = ["default_collate", "default_convert"]


def _collate_tensors(batch: Sequence[Tensor], **_: Any) -> Tensor:
    return compat.stack(list(batch))


#: rustorch_fx's rules plus compat tensors (stacked with ``compat.stack``).
collate_fn_map: dict[Any, Any] = {Tensor: _collate_tensors, **_data.default_collate_fn_map}


def neutral_collate(batch: Sequence[Any]) -> Any:
    """Collate with numpy leaves (what a worker runs); compat tensors are stacked as tensors."""
    return _data.collate(batch, collate_fn_map=collate_fn_map)


def _numeric(x: Any) -> bool:
    return isinstance(x, np.ndarray) and x.dtype.kind in "biufc"


def _walk(data: Any, leaf: Callable[[np.ndarray], Any]) -> Any:
    """Rebuild ``data`` with ``leaf`` applied to its numeric numpy arrays, in a fixed order."""
    if isinstance(data, np.ndarray):
        return leaf(data) if _numeric(data) else data
    if isinstance(data, Mapping):
        out = {k: _walk(v, leaf) for k, v in data.items()}
        try:
            return type(data)(out)  # type: ignore[call-arg]
        except TypeError:
            return out
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(_walk(v, leaf) for v in data))
    if isinstance(data, tuple):
        return tuple(_walk(v, leaf) for v in data)
    if isinstance(data, list):
        return [_walk(v, leaf) for v in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, str | bytes):
        try:
            return type(data)([_walk(v, leaf) for v in data])  # type: ignore[call-arg]
        except TypeError:
            return [_walk(v, leaf) for v in data]
    return data


# The placement of a batch's arrays. ``jax.device_put(arrays)`` spends ~25 us of Python per
# array (argument checks, sharding resolution, dispatch); a DataLoader makes the same call with
# the same kinds of arrays every batch, so the resolved pieces (the default device and its
# sharding, each (shape, dtype)'s abstract value) are cached and the runtime's own batched put
# is called directly: ~3 us per array, with device_put's exact result (same device, sharding,
# dtype, uncommitted, zero-copy on CPU). These are JAX internals: if any of them is missing or
# fails, the public ``jax.device_put`` is used from then on.
_direct_put: Any = None  # None: not tried yet; False: unavailable
_placements: dict[Any, tuple[Any, Any]] = {}
_avals: dict[tuple[Any, ...], Any] = {}
_MAX_AVALS = 512
_direct_failures = 0
_PLAIN_DTYPES = frozenset(
    np.dtype(t)
    for t in (
        np.bool_,
        np.int8,
        np.int16,
        np.int32,
        np.int64,
        np.uint8,
        np.uint16,
        np.uint32,
        np.uint64,
        np.float16,
        np.float32,
        np.float64,
        np.complex64,
        np.complex128,
    )
)


def _load_direct_put() -> Any:
    try:
        from jax._src import config as jax_config
        from jax._src import core as jax_core
        from jax._src.interpreters import pxla
        from jax._src.lib import xla_client

        put = xla_client.batched_device_put
        probe = np.zeros(2, np.float32)
        device = pxla.get_default_device()
        sharding = jax.sharding.SingleDeviceSharding(device)
        aval = jax_core.ShapedArray(probe.shape, probe.dtype)
        got = put(aval, sharding, [probe], [device], False)
        if not isinstance(got, jax.Array) or got.sharding != jax.device_put(probe).sharding:
            return False
    except Exception:  # another JAX version: the public path
        return False
    return (put, jax_config, jax_core, pxla)


def _public_put(x: np.ndarray) -> jax.Array:
    try:
        return jax.device_put(x)
    except TypeError as exc:  # a dtype JAX does not support (float128, ...)
        raise ArgumentTypeError(
            f"default_collate: cannot make a compat tensor of a numpy {x.dtype} array: {exc}"
        ) from exc


def _direct_aval(x: np.ndarray, x64: bool, core: Any) -> Any:
    """The cached abstract value of ``x``, or None when ``x`` must take the public path."""
    if type(x) is not np.ndarray or x.dtype not in _PLAIN_DTYPES:
        return None  # a subclass (np.memmap, ...) or another dtype (bfloat16, float128, ...)
    key = (x.shape, x.dtype, x64)
    aval = _avals.get(key)
    if aval is None:
        if jax.dtypes.canonicalize_dtype(x.dtype) != x.dtype:
            return None  # a dtype JAX converts (int64 without x64)
        if len(_avals) >= _MAX_AVALS:
            _avals.clear()
        aval = _avals[key] = core.ShapedArray(x.shape, x.dtype)
    return aval


def _place(arrays: list[np.ndarray]) -> list[jax.Array]:
    """``jax.device_put`` of each array (JAX's default device, uncommitted), with less overhead.

    Raises:
        ArgumentTypeError: For an array of a dtype JAX does not support.
    """
    global _direct_put, _direct_failures
    if _direct_put is None:
        _direct_put = _load_direct_put()
    if _direct_put is False:
        return [_public_put(x) for x in arrays]
    put, jax_config, jax_core, pxla = _direct_put
    out = []
    for x in arrays:
        try:
            key = jax_config.default_device.value
            placement = _placements.get(key)
            if placement is None:
                device = pxla.get_default_device()
                placement = _placements[key] = (device, jax.sharding.SingleDeviceSharding(device))
            device, sharding = placement
            aval = _direct_aval(x, jax_config.enable_x64.value, jax_core)
            if aval is not None:
                out.append(put(aval, sharding, [x], [device], False))
                continue
        except Exception:
            # Stale cached devices (backends cleared) or changed internals: forget the caches
            # and take the public path for this array; after a few failures, for good.
            _placements.clear()
            _avals.clear()
            _direct_failures += 1
            if _direct_failures >= 3:
                _direct_put = False
        out.append(_public_put(x))
    return out


def to_tensors(data: Any) -> Any:
    """Turn the numeric numpy arrays of a collated/converted batch into compat tensors.

    The arrays go to JAX's default device as ``jax.device_put`` puts them (on CPU an aligned
    array, as collate makes them, is used without a copy), through a cached direct call that
    costs a few microseconds per array instead of ~25.
    """
    arrays: list[np.ndarray] = []
    _walk(data, arrays.append)
    if not arrays:
        return data
    tensors = iter([Tensor._wrap(v) for v in _place(arrays)])
    return _walk(data, lambda _: next(tensors))


def default_collate(batch: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch of compat tensors, as torch's ``default_collate``.

    Tensors and numpy arrays stack along a new first axis; Python ints become an int64
    tensor (bools a bool tensor), floats a float64 tensor, numpy scalars a tensor of their
    dtype; strings and bytes stay a list; dicts, namedtuples, tuples and lists collate
    element-wise (a tuple becomes a list, as in torch).

    Args:
        batch: The samples.

    Returns:
        The batch.

    Raises:
        ArgumentTypeError: If a leaf is of an unsupported type (torch: ``TypeError``).
        ShapeError: If the samples' sizes differ (torch: ``RuntimeError``).

    Example:
        >>> out = default_collate([{"x": 1.5, "y": 0}, {"x": 2.5, "y": 1}])
        >>> out["x"].dtype, out["y"].tolist()
        (torch.float64, [0, 1])
    """
    return to_tensors(neutral_collate(batch))


def default_convert(data: Any) -> Any:
    """Convert one sample without batching, as torch's ``default_convert``.

    numpy arrays (numeric) become compat tensors; containers are rebuilt; other values
    (numbers, strings, numpy scalars) are returned as they are.

    Args:
        data: A sample.

    Returns:
        The converted sample.

    Example:
        >>> import numpy as np
        >>> default_convert((np.zeros(2), 3))[0].shape
        (2,)
    """
    return to_tensors(_data.default_convert(data))
