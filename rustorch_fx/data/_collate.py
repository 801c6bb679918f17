"""``default_collate`` and ``default_convert`` with torch's rules, producing numpy arrays.

This is the framework-neutral collate: it runs in worker processes (which must not touch JAX),
so arrays are stacked with numpy. ``compat.utils.data.default_collate`` applies the same rules
and turns the numpy leaves into compat tensors in the main process.
"""

from __future__ import annotations

import collections.abc
import numbers
import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from rustorch_fx.data import _shm
from rustorch_fx.data._dataset import StackedSamples
from rustorch_fx.errors import ArgumentTypeError, ShapeError

__all__ = ["collate", "default_collate", "default_convert", "default_collate_fn_map"]

CollateFnMap = dict[type | tuple[type, ...], Callable[..., Any]]

_SHAPE = operator.attrgetter("shape")
_DTYPE = operator.attrgetter("dtype")
_ERR = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
)


def _is_namedtuple(x: Any) -> bool:
    return isinstance(x, tuple) and hasattr(x, "_fields")


def _check_numeric(arr: np.ndarray) -> None:
    if arr.dtype.kind in "USO":
        raise ArgumentTypeError(_ERR.format(arr.dtype))


def _collate_array(batch: Sequence[Any], **_: Any) -> Any:
    first = batch[0]
    if not isinstance(first, np.ndarray | np.generic):
        # a JAX array (main process only): stack with JAX so it stays on its device
        import jax.numpy as jnp

        return jnp.stack(list(batch))
    _check_numeric(np.asarray(first))
    shape = first.shape
    try:  # one C-level pass each over the samples' shapes and dtypes
        same_shape = set(map(_SHAPE, batch)) == {shape}
        dtypes = set(map(_DTYPE, batch))
    except AttributeError:  # a sample that is not an array
        same_shape, dtypes = False, set()
    if not same_shape:
        shapes = sorted({np.shape(b) for b in batch})
        raise ShapeError(
            f"default_collate: stack expects each array to be equal size, got shapes {shapes}"
        )
    dtype = first.dtype if len(dtypes) == 1 else np.result_type(*batch)
    out = _aligned_empty((len(batch), *shape), dtype)
    if shape:  # one C loop over the samples, into the batch viewed as their concatenation
        np.concatenate(batch, out=out.reshape((len(batch) * shape[0], *shape[1:])))
    else:
        np.stack(batch, out=out)
    return out


def _aligned_empty(shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    # 64-byte aligned (jax.device_put on CPU then uses it without a copy); in a worker, in
    # shared memory (sent to the main process without another copy)
    return _shm.empty(shape, dtype)


def _collate_int(batch: Sequence[Any], **_: Any) -> np.ndarray:
    if isinstance(batch[0], bool | np.bool_) and all(isinstance(b, bool | np.bool_) for b in batch):
        return np.array(batch, dtype=np.bool_)
    return np.array(batch, dtype=np.int64)


def _collate_float(batch: Sequence[Any], **_: Any) -> np.ndarray:
    return np.array(batch, dtype=np.float64)


def _collate_str(batch: Sequence[Any], **_: Any) -> Sequence[Any]:
    return batch


def _jax_array_type() -> type:
    import jax

    return jax.Array


#: The rules :func:`default_collate` applies, by the type of the batch's first element (as
#: torch's ``default_collate_fn_map``; extend a copy and pass it to :func:`collate`).
default_collate_fn_map: CollateFnMap = {
    np.ndarray: _collate_array,
    np.generic: _collate_array,
    bool: _collate_int,
    numbers.Integral: _collate_int,
    float: _collate_float,
    numbers.Real: _collate_float,
    str: _collate_str,
    bytes: _collate_str,
}


def _lookup(elem: Any, fn_map: CollateFnMap) -> Callable[..., Any] | None:
    fn = fn_map.get(type(elem))
    if fn is not None:
        return fn
    for key, candidate in fn_map.items():
        if isinstance(elem, key):
            return candidate
    if type(elem).__module__.startswith(("jax", "jaxlib")) and isinstance(elem, _jax_array_type()):
        return _collate_array
    return None


def collate(batch: Sequence[Any], *, collate_fn_map: CollateFnMap | None = None) -> Any:
    """Collate a list of samples with torch's structural rules and the given leaf rules.

    Mappings collate key by key (into the sample's mapping type), namedtuples field by field,
    tuples into a list of collated columns (as torch), other sequences into their type. Leaves
    go through the first matching entry of ``collate_fn_map``.

    Args:
        batch: The samples.
        collate_fn_map: Leaf rules by type (default :data:`default_collate_fn_map`). Each rule
            is called as ``fn(batch, collate_fn_map=...)``.

    Returns:
        The collated batch.

    Raises:
        ArgumentTypeError: If a leaf has a type no rule handles.
        ShapeError: If sequences or arrays in the batch differ in size.

    Example:
        >>> collate([{"a": 1}, {"a": 2}])["a"]
        array([1, 2])
    """
    fn_map = default_collate_fn_map if collate_fn_map is None else collate_fn_map
    if isinstance(batch, StackedSamples):
        return [np.asarray(c) if isinstance(c, np.ndarray) else c for c in batch.columns]
    elem = batch[0]
    fn = _lookup(elem, fn_map)
    if fn is not None:
        return fn(batch, collate_fn_map=fn_map)
    if isinstance(elem, Mapping):
        collated = {k: collate([d[k] for d in batch], collate_fn_map=fn_map) for k in elem}
        try:
            return type(elem)(collated)  # type: ignore[call-arg]
        except TypeError:
            return collated
    if _is_namedtuple(elem):
        return type(elem)(
            *(collate(list(s), collate_fn_map=fn_map) for s in zip(*batch, strict=False))
        )
    if isinstance(elem, collections.abc.Sequence):
        if len(set(map(len, batch))) != 1:
            raise ShapeError("each element in list of batch should be of equal size")
        columns = [collate(list(s), collate_fn_map=fn_map) for s in zip(*batch, strict=False)]
        if isinstance(elem, tuple):
            return columns  # torch returns a list for tuples too
        try:
            return type(elem)(columns)  # type: ignore[call-arg]
        except TypeError:
            return columns
    raise ArgumentTypeError(_ERR.format(type(elem)))


def default_collate(batch: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch with torch's rules, as numpy arrays.

    numpy arrays stack along a new first axis; Python ints become an int64 array (bools a
    bool array), floats a float64 array, numpy scalars an array of their dtype; strings and
    bytes stay a list; dicts, namedtuples, tuples and lists collate element-wise (a tuple
    becomes a list, as in torch).

    Args:
        batch: The samples.

    Returns:
        The batch.

    Raises:
        ArgumentTypeError: If a leaf is of an unsupported type.
        ShapeError: If the samples' sizes differ.

    Example:
        >>> import numpy as np
        >>> x, y = default_collate([(np.zeros(2), 0), (np.ones(2), 1)])
        >>> x.shape, y.dtype
        ((2, 2), dtype('int64'))
    """
    return collate(batch)


def default_convert(data: Any) -> Any:
    """Convert one sample without batching (``batch_size=None``): numpy arrays as they are.

    torch's ``default_convert`` turns numpy arrays into tensors; the neutral version leaves
    them as numpy (compat's converts to compat tensors) and recurses into containers.

    Args:
        data: A sample.

    Returns:
        The sample, containers rebuilt with converted leaves.

    Example:
        >>> default_convert({"a": (1, 2)})
        {'a': (1, 2)}
    """
    if isinstance(data, Mapping):
        converted = {k: default_convert(v) for k, v in data.items()}
        try:
            return type(data)(converted)  # type: ignore[call-arg]
        except TypeError:
            return converted
    if _is_namedtuple(data):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return tuple(default_convert(d) for d in data)
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, str | bytes):
        try:
            return type(data)([default_convert(d) for d in data])  # type: ignore[call-arg]
        except TypeError:
            return [default_convert(d) for d in data]
    return data
