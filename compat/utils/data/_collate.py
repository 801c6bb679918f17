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


def to_tensors(data: Any) -> Any:
    """Turn the numeric numpy arrays of a collated/converted batch into compat tensors.

    All arrays of the batch go to the device in one ``jax.device_put`` call (one dispatch per
    batch rather than one per array); on CPU a 64-byte-aligned array (as collate makes them)
    is used without a copy.
    """
    arrays: list[np.ndarray] = []
    _walk(data, arrays.append)
    if not arrays:
        return data
    tensors = iter([Tensor._wrap(v) for v in jax.device_put(arrays)])
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
