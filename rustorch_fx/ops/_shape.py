"""Shape operations with PyTorch's semantics: reshape, permute, cat, split, expand, flip, ...

Sizes may be given as varargs or as one sequence wherever torch allows both
(``reshape(x, 2, 3)`` and ``reshape(x, (2, 3))``). Shapes are static under ``jax.jit``, so every
check here runs at trace time and every op works under ``jit``, ``vmap`` and ``grad``.
Functions returning several arrays (``split``, ``chunk``, ``unbind``, ...) return tuples.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from rustorch_fx import _dtypes
from rustorch_fx._boundary import boundary
from rustorch_fx._checks import as_array, is_int, normalize_dim, normalize_dims
from rustorch_fx.errors import (
    ArgumentTypeError,
    DTypeError,
    IndexOutOfRangeError,
    InvalidArgumentError,
    ShapeError,
    TracingError,
)

__all__ = [
    "reshape",
    "view",
    "permute",
    "transpose",
    "swapaxes",
    "swapdims",
    "t",
    "adjoint",
    "matrix_transpose",
    "movedim",
    "moveaxis",
    "squeeze",
    "unsqueeze",
    "flatten",
    "unflatten",
    "ravel",
    "cat",
    "concat",
    "concatenate",
    "stack",
    "hstack",
    "vstack",
    "dstack",
    "column_stack",
    "split",
    "chunk",
    "tensor_split",
    "unbind",
    "expand",
    "expand_as",
    "broadcast_to",
    "broadcast_tensors",
    "broadcast_shapes",
    "repeat",
    "repeat_interleave",
    "tile",
    "flip",
    "fliplr",
    "flipud",
    "roll",
    "rot90",
    "narrow",
    "select",
    "tril",
    "triu",
    "diagonal",
    "diag",
    "diag_embed",
    "diagflat",
    "atleast_1d",
    "atleast_2d",
    "atleast_3d",
    "meshgrid",
    "diff",
    "unfold",
    "hsplit",
    "vsplit",
    "dsplit",
]

ArrayLike = Any


# ----------------------------------------------------------------------------------------------
# private helpers
# ----------------------------------------------------------------------------------------------


def _int_tuple(op: str, name: str, values: Any) -> tuple[int, ...]:
    """``values`` (an int or a sequence of ints) as a tuple of Python ints."""
    if is_int(values):
        return (int(values),)
    if isinstance(values, (list, tuple)) and all(is_int(v) for v in values):
        return tuple(int(v) for v in values)
    raise ArgumentTypeError(
        f"{op}: argument '{name}' must be an int or a sequence of ints, got {values!r}"
    )


def _varargs(op: str, name: str, args: tuple[Any, ...]) -> tuple[int, ...]:
    """Sizes given as varargs (``f(x, 2, 3)``) or as one sequence (``f(x, (2, 3))``)."""
    if len(args) == 1 and isinstance(args[0], (list, tuple)):
        args = tuple(args[0])
    return _int_tuple(op, name, args)


def _shape_str(shape: Sequence[int]) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _infer_shape(op: str, shape: tuple[int, ...], numel: int) -> tuple[int, ...]:
    """Resolve one ``-1`` in ``shape`` for an input of ``numel`` elements, as torch's view does."""
    infer = [i for i, s in enumerate(shape) if s == -1]
    if len(infer) > 1:
        raise ShapeError(f"{op}: only one dimension can be inferred, got shape {_shape_str(shape)}")
    if any(s < -1 for s in shape):
        raise ShapeError(f"{op}: invalid shape dimension in {_shape_str(shape)}")
    known = math.prod(s for s in shape if s != -1)
    if infer:
        if known == 0:
            raise ShapeError(
                f"{op}: cannot reshape tensor of {numel} elements into shape {_shape_str(shape)} "
                "because the unspecified dimension size -1 can be any value and is ambiguous"
            )
        if numel % known == 0:
            out = list(shape)
            out[infer[0]] = numel // known
            return tuple(out)
    elif known == numel:
        return shape
    raise ShapeError(f"{op}: shape '{_shape_str(shape)}' is invalid for input of size {numel}")


def _arrays(op: str, tensors: Any) -> list[jax.Array]:
    if isinstance(tensors, (jax.Array, np.ndarray)) or not isinstance(tensors, (list, tuple)):
        raise ArgumentTypeError(
            f"{op}: argument 'tensors' must be a sequence of arrays, got {type(tensors).__name__}"
        )
    if not tensors:
        raise InvalidArgumentError(f"{op}: expected a non-empty sequence of arrays")
    return [as_array(op, f"tensors[{i}]", x) for i, x in enumerate(tensors)]


def _promoted(arrays: Sequence[jax.Array]) -> list[jax.Array]:
    dtype = arrays[0].dtype
    for a in arrays[1:]:
        dtype = jnp.promote_types(dtype, a.dtype)
    return [a.astype(dtype) for a in arrays]


def _require_ndim(op: str, x: jax.Array, low: int, high: int | None = None) -> None:
    if x.ndim < low or (high is not None and x.ndim > high):
        expected = f"at least {low}" if high is None else f"{low} to {high}"
        raise ShapeError(
            f"{op}: expected an array with {expected} dimensions, got {x.ndim} (shape {x.shape})"
        )


# ----------------------------------------------------------------------------------------------
# reshaping
# ----------------------------------------------------------------------------------------------


def reshape(input: ArrayLike, *shape: int | Sequence[int]) -> jax.Array:
    """Return ``input`` with a new shape holding the same elements in row-major order.

    Args:
        input: The array to reshape.
        *shape: The new shape, as varargs or one sequence. One entry may be ``-1``: it is
            inferred from the number of elements.

    Returns:
        An array of shape ``shape`` with ``input``'s dtype.

    Raises:
        ShapeError: If the shape does not hold ``input.size`` elements, has more than one
            ``-1``, or a ``-1`` is ambiguous (zero elements).

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.reshape(jnp.arange(6), 2, -1).shape
        (2, 3)
    """
    x = as_array("reshape", "input", input)
    new = _infer_shape("reshape", _varargs("reshape", "shape", shape), x.size)
    return jnp.reshape(x, new)


def view(input: ArrayLike, *shape: int | Sequence[int]) -> jax.Array:
    """Return ``input`` viewed with a new shape; arrays are immutable, so this equals :func:`reshape`.

    Args:
        input: The array to view.
        *shape: The new shape, as varargs or one sequence; one entry may be ``-1``.

    Returns:
        An array of shape ``shape`` with ``input``'s dtype.

    Raises:
        ShapeError: If the shape does not hold ``input.size`` elements
            (``shape '[2, 4]' is invalid for input of size 6``).

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.view(jnp.zeros((2, 3)), -1).shape
        (6,)
    """
    x = as_array("view", "input", input)
    new = _infer_shape("view", _varargs("view", "shape", shape), x.size)
    return jnp.reshape(x, new)


def permute(input: ArrayLike, *dims: int | Sequence[int]) -> jax.Array:
    """Return ``input`` with its dimensions reordered.

    Args:
        input: The array.
        *dims: A permutation of ``range(input.ndim)`` (negative dims allowed), as varargs or
            one sequence.

    Returns:
        An array whose dimension ``i`` is ``input``'s dimension ``dims[i]``.

    Raises:
        ShapeError: If ``len(dims) != input.ndim``.
        IndexOutOfRangeError: If a dim is out of range.
        InvalidArgumentError: If a dim appears twice.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.permute(jnp.zeros((2, 3, 4)), 2, 0, 1).shape
        (4, 2, 3)
    """
    x = as_array("permute", "input", input)
    order = _varargs("permute", "dims", dims)
    if len(order) != x.ndim:
        raise ShapeError(
            f"permute: number of dims don't match: input has {x.ndim} dimensions, "
            f"got {len(order)} dims {list(order)}"
        )
    axes = [normalize_dim("permute", d, x.ndim) for d in order]
    if len(set(axes)) != len(axes):
        raise InvalidArgumentError(f"permute: duplicate dims are not allowed, got {list(order)}")
    return jnp.transpose(x, axes)


def transpose(input: ArrayLike, dim0: int, dim1: int) -> jax.Array:
    """Swap two dimensions of ``input``.

    Args:
        input: The array.
        dim0: The first dimension (negative counts from the end).
        dim1: The second dimension.

    Returns:
        ``input`` with ``dim0`` and ``dim1`` exchanged.

    Raises:
        IndexOutOfRangeError: If a dim is out of range.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.transpose(jnp.zeros((2, 3, 4)), 0, -1).shape
        (4, 3, 2)
    """
    return _transpose("transpose", input, dim0, dim1, ("dim0", "dim1"))


def _transpose(
    op: str, input: ArrayLike, dim0: Any, dim1: Any, names: tuple[str, str]
) -> jax.Array:
    x = as_array(op, "input", input)
    a = normalize_dim(op, dim0, x.ndim, names[0])
    b = normalize_dim(op, dim1, x.ndim, names[1])
    if x.ndim == 0:
        return x
    return jnp.swapaxes(x, a, b)


def swapaxes(input: ArrayLike, axis0: int, axis1: int) -> jax.Array:
    """Alias of :func:`transpose` (NumPy's name).

    Args:
        input: The array.
        axis0: The first dimension.
        axis1: The second dimension.

    Returns:
        ``input`` with the two dimensions exchanged.

    Raises:
        IndexOutOfRangeError: If a dim is out of range.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.swapaxes(jnp.zeros((2, 3)), 0, 1).shape
        (3, 2)
    """
    return _transpose("swapaxes", input, axis0, axis1, ("axis0", "axis1"))


def swapdims(input: ArrayLike, dim0: int, dim1: int) -> jax.Array:
    """Alias of :func:`transpose`.

    Args:
        input: The array.
        dim0: The first dimension.
        dim1: The second dimension.

    Returns:
        ``input`` with the two dimensions exchanged.

    Raises:
        IndexOutOfRangeError: If a dim is out of range.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.swapdims(jnp.zeros((2, 3)), 1, 0).shape
        (3, 2)
    """
    return _transpose("swapdims", input, dim0, dim1, ("dim0", "dim1"))


def t(input: ArrayLike) -> jax.Array:
    """Transpose an array of at most 2 dimensions (0-d and 1-d are returned as is).

    Args:
        input: An array with ``ndim <= 2``.

    Returns:
        The transposed array.

    Raises:
        ShapeError: If ``input`` has more than 2 dimensions.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.t(jnp.zeros((2, 3))).shape
        (3, 2)
    """
    x = as_array("t", "input", input)
    if x.ndim > 2:
        raise ShapeError(f"t: expects an array with <= 2 dimensions, but input is {x.ndim}D")
    return x.T


def matrix_transpose(input: ArrayLike) -> jax.Array:
    """Swap the last two dimensions (torch's ``Tensor.mT``).

    Args:
        input: An array with at least 2 dimensions, shape ``(*, m, n)``.

    Returns:
        An array of shape ``(*, n, m)``.

    Raises:
        ShapeError: If ``input`` has fewer than 2 dimensions.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.matrix_transpose(jnp.zeros((5, 2, 3))).shape
        (5, 3, 2)
    """
    x = as_array("matrix_transpose", "input", input)
    _require_ndim("matrix_transpose", x, 2)
    return jnp.swapaxes(x, -1, -2)


def adjoint(input: ArrayLike) -> jax.Array:
    """Conjugate transpose of the last two dimensions (torch's ``Tensor.mH``).

    Args:
        input: An array with at least 2 dimensions, shape ``(*, m, n)``.

    Returns:
        An array of shape ``(*, n, m)``, conjugated when complex.

    Raises:
        ShapeError: If ``input`` has fewer than 2 dimensions.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.adjoint(jnp.array([[1j, 2.0]])).shape
        (2, 1)
    """
    x = as_array("adjoint", "input", input)
    _require_ndim("adjoint", x, 2)
    x = jnp.swapaxes(x, -1, -2)
    return jnp.conj(x) if jnp.iscomplexobj(x) else x


def movedim(
    input: ArrayLike, source: int | Sequence[int], destination: int | Sequence[int]
) -> jax.Array:
    """Move dimensions ``source`` to positions ``destination``; the others keep their order.

    Args:
        input: The array.
        source: A dim or a sequence of distinct dims.
        destination: Where each source dim goes; as many as ``source``.

    Returns:
        The array with its dimensions moved.

    Raises:
        ShapeError: If ``source`` and ``destination`` have different lengths.
        IndexOutOfRangeError: If a dim is out of range.
        InvalidArgumentError: If a dim repeats.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.movedim(jnp.zeros((2, 3, 4)), 0, -1).shape
        (3, 4, 2)
    """
    return _movedim("movedim", input, source, destination)


def _movedim(op: str, input: ArrayLike, source: Any, destination: Any) -> jax.Array:
    x = as_array(op, "input", input)
    src = _int_tuple(op, "source", source)
    dst = _int_tuple(op, "destination", destination)
    if len(src) != len(dst):
        raise ShapeError(
            f"{op}: Invalid source or destination dims: source ({list(src)} dims) should "
            f"contain the same number of dims as destination ({list(dst)} dims)"
        )
    s = [normalize_dim(op, d, x.ndim, "source") for d in src]
    d = [normalize_dim(op, d, x.ndim, "destination") for d in dst]
    for name, axes, given in (("source", s, src), ("destination", d, dst)):
        if len(set(axes)) != len(axes):
            raise InvalidArgumentError(f"{op}: repeated dim in {name} {list(given)}")
    if x.ndim == 0:
        return x
    return jnp.moveaxis(x, s, d)


def moveaxis(
    input: ArrayLike, source: int | Sequence[int], destination: int | Sequence[int]
) -> jax.Array:
    """Alias of :func:`movedim`.

    Args:
        input: The array.
        source: A dim or a sequence of distinct dims.
        destination: Where each source dim goes.

    Returns:
        The array with its dimensions moved.

    Raises:
        ShapeError: If ``source`` and ``destination`` have different lengths.
        IndexOutOfRangeError: If a dim is out of range.
        InvalidArgumentError: If a dim repeats.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.moveaxis(jnp.zeros((2, 3, 4)), (0, 1), (1, 2)).shape
        (4, 2, 3)
    """
    return _movedim("moveaxis", input, source, destination)


def squeeze(input: ArrayLike, dim: int | Sequence[int] | None = None) -> jax.Array:
    """Remove dimensions of size 1.

    As in torch, naming a dimension whose size is not 1 is not an error: it is kept.

    Args:
        input: The array.
        dim: A dim or a tuple of dims to squeeze; ``None`` squeezes every size-1 dimension.

    Returns:
        The array without the selected size-1 dimensions.

    Raises:
        IndexOutOfRangeError: If a dim is out of range.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.squeeze(jnp.zeros((1, 2, 1)), (0, 1)).shape
        (2, 1)
    """
    x = as_array("squeeze", "input", input)
    axes = normalize_dims("squeeze", dim, x.ndim) if dim is not None else tuple(range(x.ndim))
    return jnp.squeeze(x, tuple(a for a in axes if x.shape[a] == 1))


def unsqueeze(input: ArrayLike, dim: int) -> jax.Array:
    """Insert a dimension of size 1 at position ``dim``.

    Args:
        input: The array.
        dim: Position of the new dimension in the output, in ``[-input.ndim - 1, input.ndim]``.

    Returns:
        An array with ``input.ndim + 1`` dimensions.

    Raises:
        IndexOutOfRangeError: If ``dim`` is out of range.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.unsqueeze(jnp.zeros((2, 3)), -1).shape
        (2, 3, 1)
    """
    x = as_array("unsqueeze", "input", input)
    d = normalize_dim("unsqueeze", dim, x.ndim + 1)
    return jnp.expand_dims(x, d)


def flatten(input: ArrayLike, start_dim: int = 0, end_dim: int = -1) -> jax.Array:
    """Merge dimensions ``start_dim`` to ``end_dim`` (inclusive) into one.

    Args:
        input: The array; a 0-d array becomes shape ``(1,)``.
        start_dim: First dimension to merge.
        end_dim: Last dimension to merge.

    Returns:
        The flattened array.

    Raises:
        IndexOutOfRangeError: If a dim is out of range.
        InvalidArgumentError: If ``start_dim`` comes after ``end_dim``.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.flatten(jnp.zeros((2, 3, 4)), 1).shape
        (2, 12)
    """
    x = as_array("flatten", "input", input)
    s = normalize_dim("flatten", start_dim, x.ndim, "start_dim")
    e = normalize_dim("flatten", end_dim, x.ndim, "end_dim")
    if s > e:
        raise InvalidArgumentError(
            f"flatten: start_dim ({start_dim}) cannot come after end_dim ({end_dim})"
        )
    if x.ndim == 0:
        return jnp.reshape(x, (1,))
    shape = (*x.shape[:s], math.prod(x.shape[s : e + 1]), *x.shape[e + 1 :])
    return jnp.reshape(x, shape)


def unflatten(input: ArrayLike, dim: int, sizes: Sequence[int]) -> jax.Array:
    """Split dimension ``dim`` into several dimensions of sizes ``sizes``.

    Args:
        input: The array.
        dim: The dimension to expand.
        sizes: New sizes, whose product is ``input.shape[dim]``; one may be ``-1``.

    Returns:
        An array with ``input.ndim + len(sizes) - 1`` dimensions.

    Raises:
        IndexOutOfRangeError: If ``dim`` is out of range.
        ShapeError: If the sizes do not multiply to the size of ``dim``, or ``sizes`` is empty.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.unflatten(jnp.zeros((2, 12)), 1, (3, -1)).shape
        (2, 3, 4)
    """
    x = as_array("unflatten", "input", input)
    d = normalize_dim("unflatten", dim, x.ndim)
    sz = _int_tuple("unflatten", "sizes", sizes)
    if not sz:
        raise ShapeError("unflatten: sizes must be non-empty")
    size = x.shape[d] if x.ndim else 1
    try:
        new = _infer_shape("unflatten", sz, size)
    except ShapeError as exc:
        raise ShapeError(
            f"unflatten: provided sizes {list(sz)} don't multiply up to the size of dim "
            f"{dim} ({size}) in the input array"
        ) from exc
    return jnp.reshape(x, (*x.shape[:d], *new, *x.shape[d + 1 :]))


def ravel(input: ArrayLike) -> jax.Array:
    """Return ``input`` as a 1-D array (row-major).

    Args:
        input: The array.

    Returns:
        An array of shape ``(input.size,)``.

    Raises:
        ArgumentTypeError: If ``input`` is not an array.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.ravel(jnp.zeros((2, 3))).shape
        (6,)
    """
    return jnp.ravel(as_array("ravel", "input", input))


# ----------------------------------------------------------------------------------------------
# joining
# ----------------------------------------------------------------------------------------------


def cat(tensors: Sequence[ArrayLike], dim: int = 0) -> jax.Array:
    """Concatenate arrays along an existing dimension.

    Follows torch: dtypes are promoted across the arrays (int32 with float32 gives float32), and
    1-D empty arrays (shape ``(0,)``) are skipped whatever the other shapes are (torch's legacy
    rule); they still take part in the dtype promotion.

    Args:
        tensors: A non-empty sequence of arrays with the same number of dimensions and the
            same sizes except in ``dim``.
        dim: The dimension to concatenate along.

    Returns:
        The concatenated array.

    Raises:
        InvalidArgumentError: If ``tensors`` is empty.
        ShapeError: If an array is 0-d, or the shapes do not match (the message names the
            index of the offending array and both shapes).
        IndexOutOfRangeError: If ``dim`` is out of range.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.cat([jnp.zeros((2, 3)), jnp.ones((1, 3))]).shape
        (3, 3)
    """
    return _cat("cat", tensors, dim)


def _cat(op: str, tensors: Sequence[ArrayLike], dim: int) -> jax.Array:
    arrays = _promoted(_arrays(op, tensors))
    for i, a in enumerate(arrays):
        if a.ndim == 0:
            raise ShapeError(
                f"{op}: zero-dimensional array (at position {i}) cannot be concatenated"
            )
    kept = [(i, a) for i, a in enumerate(arrays) if a.shape != (0,)]
    if not kept:
        return arrays[0]
    first_i, first = kept[0]
    d = normalize_dim(op, dim, first.ndim)
    for i, a in kept[1:]:
        if a.ndim != first.ndim:
            raise ShapeError(
                f"{op}: arrays must have the same number of dimensions: got {first.ndim} "
                f"(tensor number {first_i}, shape {first.shape}) and {a.ndim} "
                f"(tensor number {i}, shape {a.shape})"
            )
        for k in range(a.ndim):
            if k != d and a.shape[k] != first.shape[k]:
                raise ShapeError(
                    f"{op}: sizes of tensors must match except in dimension {d}. Expected size "
                    f"{first.shape[k]} but got size {a.shape[k]} for tensor number {i} in the "
                    f"list (shapes {first.shape} and {a.shape})"
                )
    return jnp.concatenate([a for _, a in kept], axis=d)


def concat(tensors: Sequence[ArrayLike], dim: int = 0) -> jax.Array:
    """Alias of :func:`cat`.

    Args:
        tensors: A non-empty sequence of arrays.
        dim: The dimension to concatenate along.

    Returns:
        The concatenated array.

    Raises:
        InvalidArgumentError: If ``tensors`` is empty.
        ShapeError: If the shapes do not match.
        IndexOutOfRangeError: If ``dim`` is out of range.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.concat([jnp.zeros(2), jnp.ones(3)]).tolist()
        [0.0, 0.0, 1.0, 1.0, 1.0]
    """
    return _cat("concat", tensors, dim)


def concatenate(tensors: Sequence[ArrayLike], dim: int = 0) -> jax.Array:
    """Alias of :func:`cat`.

    Args:
        tensors: A non-empty sequence of arrays.
        dim: The dimension to concatenate along.

    Returns:
        The concatenated array.

    Raises:
        InvalidArgumentError: If ``tensors`` is empty.
        ShapeError: If the shapes do not match.
        IndexOutOfRangeError: If ``dim`` is out of range.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.concatenate([jnp.zeros((1, 2)), jnp.ones((1, 1))], dim=1).tolist()
        [[0.0, 0.0, 1.0]]
    """
    return _cat("concatenate", tensors, dim)


def stack(tensors: Sequence[ArrayLike], dim: int = 0) -> jax.Array:
    """Stack arrays of equal shape along a new dimension (dtypes promoted as in :func:`cat`).

    Args:
        tensors: A non-empty sequence of arrays of the same shape.
        dim: Position of the new dimension, in ``[-ndim - 1, ndim]``.

    Returns:
        An array of shape ``shape[:dim] + (len(tensors),) + shape[dim:]``.

    Raises:
        InvalidArgumentError: If ``tensors`` is empty.
        ShapeError: If the shapes differ (the message names the offending index).
        IndexOutOfRangeError: If ``dim`` is out of range.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.stack([jnp.zeros(3), jnp.ones(3)], dim=1).shape
        (3, 2)
    """
    arrays = _promoted(_arrays("stack", tensors))
    for i, a in enumerate(arrays[1:], start=1):
        if a.shape != arrays[0].shape:
            raise ShapeError(
                f"stack: expects each array to be equal size, but got {arrays[0].shape} at "
                f"entry 0 and {a.shape} at entry {i}"
            )
    d = normalize_dim("stack", dim, arrays[0].ndim + 1)
    return jnp.stack(arrays, axis=d)


def _atleast(x: jax.Array, n: int) -> jax.Array:
    if x.ndim >= n:
        return x
    if n == 3 and x.ndim == 2:
        return x[:, :, None]
    if n == 3 and x.ndim == 1:
        return x[None, :, None]
    return jnp.reshape(x, (1,) * (n - x.ndim) + x.shape)


def hstack(tensors: Sequence[ArrayLike]) -> jax.Array:
    """Concatenate horizontally: along dim 0 for 1-D arrays, dim 1 otherwise (0-d become 1-D).

    Args:
        tensors: A non-empty sequence of arrays.

    Returns:
        The concatenated array.

    Raises:
        InvalidArgumentError: If ``tensors`` is empty.
        ShapeError: If the shapes do not match.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.hstack([jnp.zeros((2, 1)), jnp.ones((2, 2))]).shape
        (2, 3)
    """
    arrays = [_atleast(a, 1) for a in _arrays("hstack", tensors)]
    return _cat("hstack", arrays, 0 if arrays[0].ndim == 1 else 1)


def vstack(tensors: Sequence[ArrayLike]) -> jax.Array:
    """Concatenate vertically (dim 0) after making each array at least 2-D.

    Args:
        tensors: A non-empty sequence of arrays.

    Returns:
        The concatenated array.

    Raises:
        InvalidArgumentError: If ``tensors`` is empty.
        ShapeError: If the shapes do not match.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.vstack([jnp.zeros(3), jnp.ones(3)]).shape
        (2, 3)
    """
    arrays = [_atleast(a, 2) for a in _arrays("vstack", tensors)]
    return _cat("vstack", arrays, 0)


def dstack(tensors: Sequence[ArrayLike]) -> jax.Array:
    """Concatenate depth-wise (dim 2) after making each array at least 3-D.

    Args:
        tensors: A non-empty sequence of arrays.

    Returns:
        The concatenated array.

    Raises:
        InvalidArgumentError: If ``tensors`` is empty.
        ShapeError: If the shapes do not match.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.dstack([jnp.zeros((2, 3)), jnp.ones((2, 3))]).shape
        (2, 3, 2)
    """
    arrays = [_atleast(a, 3) for a in _arrays("dstack", tensors)]
    return _cat("dstack", arrays, 2)


def column_stack(tensors: Sequence[ArrayLike]) -> jax.Array:
    """Stack as columns: 0-d and 1-D arrays become ``(n, 1)`` columns, then :func:`hstack`.

    Args:
        tensors: A non-empty sequence of arrays.

    Returns:
        A 2-D (or higher) array.

    Raises:
        InvalidArgumentError: If ``tensors`` is empty.
        ShapeError: If the shapes do not match.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.column_stack([jnp.zeros(3), jnp.ones((3, 2))]).shape
        (3, 3)
    """
    arrays = [
        jnp.reshape(a, (a.size, 1)) if a.ndim <= 1 else a for a in _arrays("column_stack", tensors)
    ]
    return _cat("column_stack", arrays, 1)


# ----------------------------------------------------------------------------------------------
# splitting
# ----------------------------------------------------------------------------------------------


def _split_at(x: jax.Array, d: int, sizes: Sequence[int]) -> tuple[jax.Array, ...]:
    out = []
    start = 0
    for s in sizes:
        out.append(lax.slice_in_dim(x, start, start + s, axis=d))
        start += s
    return tuple(out)


def split(
    tensor: ArrayLike, split_size_or_sections: int | Sequence[int], dim: int = 0
) -> tuple[jax.Array, ...]:
    """Split an array into chunks along ``dim``.

    Args:
        tensor: The array (at least 1-D).
        split_size_or_sections: An int, the size of every chunk (the last may be smaller), or a
            sequence of chunk sizes summing to ``tensor.shape[dim]``.
        dim: The dimension to split.

    Returns:
        A tuple of arrays.

    Raises:
        ShapeError: If ``tensor`` is 0-d or the sizes do not sum to the size of ``dim``.
        InvalidArgumentError: If a size is negative, or the chunk size is 0 for a non-empty dim.
        IndexOutOfRangeError: If ``dim`` is out of range.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> [p.tolist() for p in ops.split(jnp.arange(5), 2)]
        [[0, 1], [2, 3], [4]]
    """
    x = as_array("split", "tensor", tensor)
    _require_ndim("split", x, 1)
    d = normalize_dim("split", dim, x.ndim)
    n = x.shape[d]
    if is_int(split_size_or_sections):
        size = int(split_size_or_sections)
        if size < 0 or (size == 0 and n != 0):
            raise InvalidArgumentError(
                f"split: split_size can only be 0 if dimension size is 0, and must be "
                f"non-negative, but got split_size={size} for dimension size {n}"
            )
        if n == 0:
            return (x,)
        sizes = [size] * (n // size) + ([n % size] if n % size else [])
        return _split_at(x, d, sizes)
    sizes = list(_int_tuple("split", "split_size_or_sections", split_size_or_sections))
    if any(s < 0 for s in sizes):
        raise InvalidArgumentError(f"split: split sizes must be non-negative, got {sizes}")
    if sum(sizes) != n:
        raise ShapeError(
            f"split: split_sizes must sum exactly to {n} (the input's size at dimension {d}), "
            f"but got split_sizes={sizes}"
        )
    return _split_at(x, d, sizes)


def chunk(input: ArrayLike, chunks: int, dim: int = 0) -> tuple[jax.Array, ...]:
    """Split into ``chunks`` pieces of size ``ceil(n / chunks)`` (so possibly fewer pieces).

    Args:
        input: The array (at least 1-D).
        chunks: The number of chunks wanted, positive.
        dim: The dimension to split.

    Returns:
        A tuple of at most ``chunks`` arrays.

    Raises:
        InvalidArgumentError: If ``chunks`` is not positive.
        ShapeError: If ``input`` is 0-d.
        IndexOutOfRangeError: If ``dim`` is out of range.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> [p.shape for p in ops.chunk(jnp.zeros(5), 3)]
        [(2,), (2,), (1,)]
    """
    x = as_array("chunk", "input", input)
    if not is_int(chunks):
        raise ArgumentTypeError(f"chunk: argument 'chunks' must be an int, got {chunks!r}")
    if chunks <= 0:
        raise InvalidArgumentError(f"chunk: chunks must be greater than 0, got {chunks}")
    _require_ndim("chunk", x, 1)
    d = normalize_dim("chunk", dim, x.ndim)
    n = x.shape[d]
    if n == 0:
        return tuple(x for _ in range(chunks))
    return split(x, -(-n // chunks), d)


def tensor_split(
    input: ArrayLike, indices_or_sections: int | Sequence[int], dim: int = 0
) -> tuple[jax.Array, ...]:
    """Split into ``sections`` near-equal parts, or at the given indices (NumPy's array_split).

    Args:
        input: The array (at least 1-D).
        indices_or_sections: An int ``sections`` (the first ``n % sections`` parts get one more
            element) or a sequence of split indices (sliced like Python slices, so indices past
            the end give empty parts).
        dim: The dimension to split.

    Returns:
        A tuple of arrays: ``sections`` of them, or ``len(indices) + 1``.

    Raises:
        InvalidArgumentError: If ``sections`` is not positive.
        ShapeError: If ``input`` is 0-d.
        IndexOutOfRangeError: If ``dim`` is out of range.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> [p.tolist() for p in ops.tensor_split(jnp.arange(5), (1, 4))]
        [[0], [1, 2, 3], [4]]
    """
    x = as_array("tensor_split", "input", input)
    _require_ndim("tensor_split", x, 1)
    d = normalize_dim("tensor_split", dim, x.ndim)
    n = x.shape[d]
    if is_int(indices_or_sections):
        sections = int(indices_or_sections)
        if sections <= 0:
            raise InvalidArgumentError(
                f"tensor_split: number of sections must be larger than 0, got {sections}"
            )
        q, r = divmod(n, sections)
        return _split_at(x, d, [q + 1] * r + [q] * (sections - r))
    idx = _int_tuple("tensor_split", "indices_or_sections", indices_or_sections)
    bounds = [0, *[slice(i, None).indices(n)[0] for i in idx], n]
    return tuple(lax.slice_in_dim(x, a, max(a, b), axis=d) for a, b in itertools.pairwise(bounds))


def unbind(input: ArrayLike, dim: int = 0) -> tuple[jax.Array, ...]:
    """Remove dimension ``dim``, returning every slice along it.

    Args:
        input: The array (at least 1-D).
        dim: The dimension to remove.

    Returns:
        A tuple of ``input.shape[dim]`` arrays.

    Raises:
        ShapeError: If ``input`` is 0-d.
        IndexOutOfRangeError: If ``dim`` is out of range.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> [p.tolist() for p in ops.unbind(jnp.array([[1, 2], [3, 4]]), 1)]
        [[1, 3], [2, 4]]
    """
    x = as_array("unbind", "input", input)
    _require_ndim("unbind", x, 1)
    d = normalize_dim("unbind", dim, x.ndim)
    return tuple(lax.index_in_dim(x, i, axis=d, keepdims=False) for i in range(x.shape[d]))


# ----------------------------------------------------------------------------------------------
# broadcasting and repetition
# ----------------------------------------------------------------------------------------------


def expand(input: ArrayLike, *sizes: int | Sequence[int]) -> jax.Array:
    """Broadcast ``input`` to a larger shape; ``-1`` keeps a size, only size-1 dims can grow.

    Args:
        input: The array.
        *sizes: The target shape, as varargs or one sequence; it may add leading dimensions
            (which cannot be ``-1``).

    Returns:
        An array of the target shape.

    Raises:
        ShapeError: If the target has fewer dims than ``input``, a non-1 size would change, or
            ``-1`` is given for a new leading dimension.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.expand(jnp.zeros((3, 1)), 2, -1, 4).shape
        (2, 3, 4)
    """
    x = as_array("expand", "input", input)
    target = _varargs("expand", "sizes", sizes)
    return jnp.broadcast_to(x, _expanded_shape("expand", x.shape, target))


def _expanded_shape(op: str, shape: tuple[int, ...], target: tuple[int, ...]) -> tuple[int, ...]:
    lead = len(target) - len(shape)
    if lead < 0:
        raise ShapeError(
            f"{op}: the number of sizes provided ({len(target)}) must be greater or equal to the "
            f"number of dimensions in the array ({len(shape)})"
        )
    out = []
    for i, t_size in enumerate(target):
        if i < lead:
            if t_size < 0:
                raise ShapeError(
                    f"{op}: the expanded size of the array ({t_size}) isn't allowed in a "
                    f"leading, non-existing dimension {i}"
                )
            out.append(t_size)
            continue
        s = shape[i - lead]
        if t_size == -1:
            t_size = s
        if t_size < 0 or (s != 1 and t_size != s):
            raise ShapeError(
                f"{op}: the expanded size of the array ({t_size}) must match the existing size "
                f"({s}) at non-singleton dimension {i}. Target sizes: {_shape_str(target)}. "
                f"Array sizes: {_shape_str(shape)}"
            )
        out.append(t_size)
    return tuple(out)


def expand_as(input: ArrayLike, other: ArrayLike) -> jax.Array:
    """Expand ``input`` to ``other``'s shape (see :func:`expand`).

    Args:
        input: The array.
        other: An array whose shape is the target.

    Returns:
        An array of shape ``other.shape``.

    Raises:
        ShapeError: If ``input`` cannot be expanded to that shape.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.expand_as(jnp.zeros(3), jnp.ones((2, 3))).shape
        (2, 3)
    """
    x = as_array("expand_as", "input", input)
    o = as_array("expand_as", "other", other)
    return jnp.broadcast_to(x, _expanded_shape("expand_as", x.shape, o.shape))


def broadcast_to(input: ArrayLike, size: Sequence[int]) -> jax.Array:
    """Broadcast ``input`` to ``size`` (``-1`` keeps a size), as :func:`expand`.

    Args:
        input: The array.
        size: The target shape.

    Returns:
        An array of shape ``size``.

    Raises:
        ShapeError: If ``input`` cannot be broadcast to ``size``.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.broadcast_to(jnp.zeros((1, 3)), (4, 3)).shape
        (4, 3)
    """
    x = as_array("broadcast_to", "input", input)
    target = _int_tuple("broadcast_to", "size", size)
    return jnp.broadcast_to(x, _expanded_shape("broadcast_to", x.shape, target))


def broadcast_shapes(*shapes: int | Sequence[int]) -> tuple[int, ...]:
    """Return the shape that arrays of ``shapes`` broadcast to.

    Args:
        *shapes: Shapes (sequences of ints; an int ``n`` means ``(n,)``).

    Returns:
        The broadcast shape, a tuple.

    Raises:
        ShapeError: If the shapes are not broadcastable.

    Example:
        >>> from rustorch_fx import ops
        >>> ops.broadcast_shapes((2, 1), (3,), 1)
        (2, 3)
    """
    tuples = [_int_tuple("broadcast_shapes", "shapes", s) for s in shapes]
    ndim = max((len(s) for s in tuples), default=0)
    out = [1] * ndim
    for s in tuples:
        for i, size in enumerate(s, start=ndim - len(s)):
            if size < 0:
                raise ShapeError(
                    f"broadcast_shapes: trying to create an array with negative dimension "
                    f"{size} in shape {list(s)}"
                )
            if out[i] == 1:
                out[i] = size
            elif size not in (1, out[i]):
                raise ShapeError(
                    f"broadcast_shapes: shape mismatch: objects cannot be broadcast to a single "
                    f"shape; size {out[i]} does not match size {size} at dimension {i} "
                    f"(shapes {[list(t) for t in tuples]})"
                )
    return tuple(out)


def broadcast_tensors(*tensors: ArrayLike) -> tuple[jax.Array, ...]:
    """Broadcast arrays against each other.

    Args:
        *tensors: Arrays.

    Returns:
        A tuple of arrays, all of the broadcast shape, each keeping its dtype.

    Raises:
        ShapeError: If the shapes are not broadcastable.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> [a.shape for a in ops.broadcast_tensors(jnp.zeros((2, 1)), jnp.ones(3))]
        [(2, 3), (2, 3)]
    """
    arrays = [as_array("broadcast_tensors", f"tensors[{i}]", x) for i, x in enumerate(tensors)]
    shape = broadcast_shapes(*[a.shape for a in arrays])
    return tuple(jnp.broadcast_to(a, shape) for a in arrays)


def repeat(input: ArrayLike, *repeats: int | Sequence[int]) -> jax.Array:
    """Tile ``input``: repeat it ``repeats[i]`` times along each dim (torch's ``Tensor.repeat``).

    This is ``numpy.tile``'s behaviour, not ``numpy.repeat``'s (see :func:`repeat_interleave`).

    Args:
        input: The array.
        *repeats: Repetitions per dimension, as varargs or one sequence; at least ``input.ndim``
            of them (extra ones add leading dimensions).

    Returns:
        An array of shape ``(r * s for r, s in zip(repeats, padded_shape))``.

    Raises:
        ShapeError: If fewer repeats than dimensions are given.
        InvalidArgumentError: If a repeat is negative.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.repeat(jnp.array([1, 2]), 2, 2).tolist()
        [[1, 2, 1, 2], [1, 2, 1, 2]]
    """
    x = as_array("repeat", "input", input)
    reps = _varargs("repeat", "repeats", repeats)
    if len(reps) < x.ndim:
        raise ShapeError(
            f"repeat: number of dimensions of repeat dims ({len(reps)}) can not be smaller "
            f"than number of dimensions of the array ({x.ndim})"
        )
    if any(r < 0 for r in reps):
        raise InvalidArgumentError(f"repeat: repeats cannot be negative, got {list(reps)}")
    return jnp.tile(x, reps)


def tile(input: ArrayLike, dims: Sequence[int]) -> jax.Array:
    """Tile ``input``; if ``dims`` is shorter than ``input.ndim`` it is padded with leading ones.

    Args:
        input: The array.
        dims: Repetitions per dimension.

    Returns:
        The tiled array.

    Raises:
        InvalidArgumentError: If a repetition is negative.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.tile(jnp.zeros((2, 3)), (2,)).shape
        (2, 6)
    """
    x = as_array("tile", "input", input)
    reps = _int_tuple("tile", "dims", dims)
    if any(r < 0 for r in reps):
        raise InvalidArgumentError(f"tile: repeats cannot be negative, got {list(reps)}")
    reps = (1,) * (x.ndim - len(reps)) + reps
    return jnp.tile(x, reps)


@boundary("repeat_interleave")
def repeat_interleave(
    input: ArrayLike,
    repeats: int | ArrayLike | None = None,
    dim: int | None = None,
    *,
    output_size: int | None = None,
) -> jax.Array:
    """Repeat each element (or slice along ``dim``) ``repeats`` times (``numpy.repeat``).

    With ``repeats=None``, ``input`` is itself a 1-D array of counts and the result is
    ``[0] * input[0] + [1] * input[1] + ...`` (torch's one-argument form).

    Args:
        input: The array.
        repeats: An int, or a 1-D integer array with one count per element of ``dim`` (or a
            single count).
        dim: The dimension to repeat along; ``None`` flattens ``input`` first.
        output_size: The total length of the result along ``dim``. Required under ``jax.jit``
            when ``repeats`` is an array, since the output shape depends on its values.

    Returns:
        The repeated array.

    Raises:
        InvalidArgumentError: If a repeat is negative.
        ShapeError: If ``repeats`` has the wrong length, or ``output_size`` does not match.
        TracingError: If ``repeats`` is a traced array and ``output_size`` is not given.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.repeat_interleave(jnp.array([1, 2]), 2).tolist()
        [1, 1, 2, 2]
        >>> ops.repeat_interleave(jnp.array([[1, 2], [3, 4]]), jnp.array([1, 2]), dim=0).tolist()
        [[1, 2], [3, 4], [3, 4]]
    """
    op = "repeat_interleave"
    if repeats is None:
        counts = as_array(op, "input", input)
        if counts.ndim != 1:
            raise ShapeError(f"{op}: repeats must be a 1-D array, got shape {counts.shape}")
        return repeat_interleave(
            jnp.arange(counts.shape[0], dtype=_dtypes.INDEX),
            counts,
            0,
            output_size=output_size,
        )
    x = as_array(op, "input", input)
    if dim is None:
        x, d = jnp.ravel(x), 0
    else:
        d = normalize_dim(op, dim, x.ndim)
        if x.ndim == 0:
            x = jnp.reshape(x, (1,))
    n = x.shape[d]
    if is_int(repeats):
        if repeats < 0:
            raise InvalidArgumentError(f"{op}: repeats can not be negative, got {repeats}")
        total = n * int(repeats)
        if output_size is not None and output_size != total:
            raise ShapeError(f"{op}: output_size ({output_size}) does not match {total}")
        return jnp.repeat(x, int(repeats), axis=d)
    r = as_array(op, "repeats", repeats)
    if _dtypes.category(r.dtype) != 1:
        raise DTypeError(f"{op}: repeats must be an integer array, got {np.dtype(r.dtype).name}")
    if r.ndim > 1 or (r.ndim == 1 and r.shape[0] not in (1, n)):
        raise ShapeError(
            f"{op}: repeats must have the same size as input along dim, but got repeats of "
            f"shape {r.shape} and input.size({d}) = {n}"
        )
    r = jnp.broadcast_to(jnp.reshape(r, (-1,)), (n,))
    if isinstance(r, jax.core.Tracer):
        if output_size is None:
            raise TracingError(
                f"{op}: the output size depends on the values of 'repeats'; under jax.jit "
                "pass output_size= (the sum of repeats)"
            )
    else:
        values = np.asarray(r)
        if (values < 0).any():
            raise InvalidArgumentError(f"{op}: repeats can not be negative, got {values.tolist()}")
        total = int(values.sum())
        if output_size is not None and output_size != total:
            raise ShapeError(
                f"{op}: output_size ({output_size}) does not match the sum of repeats ({total})"
            )
        output_size = total
    return jnp.repeat(x, r, axis=d, total_repeat_length=output_size)


# ----------------------------------------------------------------------------------------------
# reordering and slicing
# ----------------------------------------------------------------------------------------------


def flip(input: ArrayLike, dims: int | Sequence[int]) -> jax.Array:
    """Reverse the order of elements along ``dims``.

    Args:
        input: The array.
        dims: A dim or a sequence of distinct dims.

    Returns:
        The flipped array.

    Raises:
        IndexOutOfRangeError: If a dim is out of range.
        InvalidArgumentError: If a dim repeats.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.flip(jnp.array([[1, 2], [3, 4]]), (0, 1)).tolist()
        [[4, 3], [2, 1]]
    """
    x = as_array("flip", "input", input)
    given = _int_tuple("flip", "dims", dims)
    axes = normalize_dims("flip", given, x.ndim) if given else ()
    return jnp.flip(x, axes) if axes else x


def fliplr(input: ArrayLike) -> jax.Array:
    """Flip along dim 1 (left/right).

    Args:
        input: An array with at least 2 dimensions.

    Returns:
        The flipped array.

    Raises:
        ShapeError: If ``input`` has fewer than 2 dimensions.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.fliplr(jnp.array([[1, 2]])).tolist()
        [[2, 1]]
    """
    x = as_array("fliplr", "input", input)
    _require_ndim("fliplr", x, 2)
    return jnp.flip(x, 1)


def flipud(input: ArrayLike) -> jax.Array:
    """Flip along dim 0 (up/down).

    Args:
        input: An array with at least 1 dimension.

    Returns:
        The flipped array.

    Raises:
        ShapeError: If ``input`` is 0-d.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.flipud(jnp.array([1, 2, 3])).tolist()
        [3, 2, 1]
    """
    x = as_array("flipud", "input", input)
    _require_ndim("flipud", x, 1)
    return jnp.flip(x, 0)


def roll(
    input: ArrayLike, shifts: int | Sequence[int], dims: int | Sequence[int] | None = None
) -> jax.Array:
    """Roll elements along ``dims`` by ``shifts`` (elements leaving one end re-enter the other).

    Args:
        input: The array.
        shifts: A shift or one shift per dim.
        dims: A dim or dims to roll; ``None`` rolls the flattened array and restores the shape.

    Returns:
        The rolled array.

    Raises:
        ShapeError: If ``shifts`` and ``dims`` have different lengths.
        IndexOutOfRangeError: If a dim is out of range.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.roll(jnp.array([1, 2, 3, 4]), 1).tolist()
        [4, 1, 2, 3]
    """
    x = as_array("roll", "input", input)
    sh = _int_tuple("roll", "shifts", shifts)
    if dims is None:
        if len(sh) != 1:
            raise ShapeError(f"roll: with dims=None, shifts must be a single int, got {list(sh)}")
        return jnp.reshape(jnp.roll(jnp.ravel(x), sh[0]), x.shape)
    dm = _int_tuple("roll", "dims", dims)
    if len(sh) != len(dm):
        raise ShapeError(
            f"roll: shifts and dimensions must align. shifts: {len(sh)}, dims: {len(dm)}"
        )
    axes = tuple(normalize_dim("roll", d, x.ndim) for d in dm)
    if x.ndim == 0:
        return x
    return jnp.roll(x, sh, axes)


def rot90(input: ArrayLike, k: int = 1, dims: Sequence[int] = (0, 1)) -> jax.Array:
    """Rotate by 90 degrees ``k`` times in the plane of ``dims``, from the first towards the second.

    Args:
        input: An array with at least 2 dimensions.
        k: Number of rotations (negative rotates the other way).
        dims: Two distinct dims.

    Returns:
        The rotated array.

    Raises:
        ShapeError: If ``dims`` does not have 2 entries or ``input`` has fewer than 2 dims.
        InvalidArgumentError: If the two dims are the same.
        IndexOutOfRangeError: If a dim is out of range.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.rot90(jnp.array([[1, 2], [3, 4]])).tolist()
        [[2, 4], [1, 3]]
    """
    x = as_array("rot90", "input", input)
    dm = _int_tuple("rot90", "dims", dims)
    if len(dm) != 2:
        raise ShapeError(f"rot90: expected total rotation dims == 2, but got dims = {len(dm)}")
    _require_ndim("rot90", x, 2)
    a, b = (normalize_dim("rot90", d, x.ndim) for d in dm)
    if a == b:
        raise InvalidArgumentError(f"rot90: expected rotation dims to be different, got {dm}")
    if not is_int(k):
        raise ArgumentTypeError(f"rot90: argument 'k' must be an int, got {k!r}")
    return jnp.rot90(x, k, (a, b))


def narrow(input: ArrayLike, dim: int, start: int, length: int) -> jax.Array:
    """Return the slice ``start:start + length`` of dimension ``dim``.

    Args:
        input: An array with at least 1 dimension.
        dim: The dimension to narrow.
        start: First index; negative counts from the end.
        length: Number of elements, non-negative.

    Returns:
        The narrowed array.

    Raises:
        ShapeError: If ``input`` is 0-d.
        IndexOutOfRangeError: If ``dim`` or ``start`` is out of range, or ``start + length``
            exceeds the size of ``dim``.
        InvalidArgumentError: If ``length`` is negative.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.narrow(jnp.arange(6), 0, 2, 3).tolist()
        [2, 3, 4]
    """
    x = as_array("narrow", "input", input)
    _require_ndim("narrow", x, 1)
    d = normalize_dim("narrow", dim, x.ndim)
    for name, v in (("start", start), ("length", length)):
        if not is_int(v):
            raise ArgumentTypeError(f"narrow: argument '{name}' must be an int, got {v!r}")
    n = x.shape[d]
    if not -n <= start <= n:
        raise IndexOutOfRangeError(
            f"narrow: start ({start}) out of range (expected to be in range of [{-n}, {n}])"
        )
    s = start % n if start < 0 else start
    if length < 0:
        raise InvalidArgumentError(f"narrow: length must be non-negative, got {length}")
    if s + length > n:
        raise IndexOutOfRangeError(
            f"narrow: start ({start}) + length ({length}) exceeds dimension size ({n})"
        )
    return lax.slice_in_dim(x, s, s + length, axis=d)


def select(input: ArrayLike, dim: int, index: int) -> jax.Array:
    """Return the slice at ``index`` of dimension ``dim``, removing that dimension.

    Args:
        input: An array with at least 1 dimension.
        dim: The dimension.
        index: The index; negative counts from the end.

    Returns:
        An array with ``input.ndim - 1`` dimensions.

    Raises:
        ShapeError: If ``input`` is 0-d.
        IndexOutOfRangeError: If ``dim`` or ``index`` is out of range.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.select(jnp.array([[1, 2], [3, 4]]), 1, -1).tolist()
        [2, 4]
    """
    x = as_array("select", "input", input)
    _require_ndim("select", x, 1)
    d = normalize_dim("select", dim, x.ndim)
    if not is_int(index):
        raise ArgumentTypeError(f"select: argument 'index' must be an int, got {index!r}")
    n = x.shape[d]
    if not -n <= index < n:
        raise IndexOutOfRangeError(
            f"select: index {index} out of range for array of size {list(x.shape)} at "
            f"dimension {dim}"
        )
    return lax.index_in_dim(x, int(index) % n, axis=d, keepdims=False)


# ----------------------------------------------------------------------------------------------
# triangles and diagonals
# ----------------------------------------------------------------------------------------------


def _tri(op: str, input: ArrayLike, diagonal: int, lower: bool) -> jax.Array:
    x = as_array(op, "input", input)
    _require_ndim(op, x, 2)
    if not is_int(diagonal):
        raise ArgumentTypeError(f"{op}: argument 'diagonal' must be an int, got {diagonal!r}")
    return jnp.tril(x, int(diagonal)) if lower else jnp.triu(x, int(diagonal))


def tril(input: ArrayLike, diagonal: int = 0) -> jax.Array:
    """Zero the elements above the ``diagonal``-th diagonal of the last two dims.

    Args:
        input: An array of shape ``(*, m, n)``.
        diagonal: 0 is the main diagonal, positive above it, negative below.

    Returns:
        An array of the same shape and dtype.

    Raises:
        ShapeError: If ``input`` has fewer than 2 dimensions.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.tril(jnp.ones((2, 2), dtype=jnp.int32)).tolist()
        [[1, 0], [1, 1]]
    """
    return _tri("tril", input, diagonal, True)


def triu(input: ArrayLike, diagonal: int = 0) -> jax.Array:
    """Zero the elements below the ``diagonal``-th diagonal of the last two dims.

    Args:
        input: An array of shape ``(*, m, n)``.
        diagonal: 0 is the main diagonal, positive above it, negative below.

    Returns:
        An array of the same shape and dtype.

    Raises:
        ShapeError: If ``input`` has fewer than 2 dimensions.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.triu(jnp.ones((2, 2), dtype=jnp.int32)).tolist()
        [[1, 1], [0, 1]]
    """
    return _tri("triu", input, diagonal, False)


def diagonal(input: ArrayLike, offset: int = 0, dim1: int = 0, dim2: int = 1) -> jax.Array:
    """Return the diagonal of the 2-D planes spanned by ``dim1`` and ``dim2``, as a last dim.

    Args:
        input: An array with at least 2 dimensions.
        offset: Which diagonal: 0 main, positive above, negative below.
        dim1: First dim of the planes.
        dim2: Second dim of the planes.

    Returns:
        ``input`` without ``dim1``/``dim2`` and with a new last dimension holding the diagonal.

    Raises:
        ShapeError: If ``input`` has fewer than 2 dimensions.
        IndexOutOfRangeError: If a dim is out of range.
        InvalidArgumentError: If ``dim1`` and ``dim2`` are the same.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.diagonal(jnp.array([[1, 2], [3, 4]]), 1).tolist()
        [2]
    """
    x = as_array("diagonal", "input", input)
    _require_ndim("diagonal", x, 2)
    a = normalize_dim("diagonal", dim1, x.ndim, "dim1")
    b = normalize_dim("diagonal", dim2, x.ndim, "dim2")
    if a == b:
        raise InvalidArgumentError(
            f"diagonal: dimensions cannot be identical, got dim1={dim1} and dim2={dim2}"
        )
    if not is_int(offset):
        raise ArgumentTypeError(f"diagonal: argument 'offset' must be an int, got {offset!r}")
    return jnp.diagonal(x, int(offset), a, b)


def _embed(x: jax.Array, offset: int, a: int, b: int) -> jax.Array:
    n = x.shape[-1]
    on_diag = np.eye(n, dtype=bool)
    out = jnp.where(on_diag, x[..., None, :], jnp.zeros((), x.dtype))
    up, down = max(offset, 0), max(-offset, 0)
    out = jnp.pad(out, [(0, 0)] * (x.ndim - 1) + [(down, up), (up, down)])
    return jnp.moveaxis(out, (-2, -1), (a, b))


def diag_embed(input: ArrayLike, offset: int = 0, dim1: int = -2, dim2: int = -1) -> jax.Array:
    """Build arrays whose (``dim1``, ``dim2``) planes have the last dim of ``input`` on a diagonal.

    Args:
        input: An array with at least 1 dimension, shape ``(*, n)``.
        offset: Which diagonal to fill.
        dim1: Output dim of the rows of the planes (dims refer to the output, ``ndim + 1``).
        dim2: Output dim of the columns.

    Returns:
        An array with ``input.ndim + 1`` dims; the two plane dims have size ``n + |offset|``.

    Raises:
        ShapeError: If ``input`` is 0-d.
        IndexOutOfRangeError: If a dim is out of range.
        InvalidArgumentError: If ``dim1`` and ``dim2`` are the same.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.diag_embed(jnp.array([1, 2])).tolist()
        [[1, 0], [0, 2]]
    """
    x = as_array("diag_embed", "input", input)
    _require_ndim("diag_embed", x, 1)
    a = normalize_dim("diag_embed", dim1, x.ndim + 1, "dim1")
    b = normalize_dim("diag_embed", dim2, x.ndim + 1, "dim2")
    if a == b:
        raise InvalidArgumentError(
            f"diag_embed: diagonal dimensions cannot be identical, got {dim1} and {dim2}"
        )
    if not is_int(offset):
        raise ArgumentTypeError(f"diag_embed: argument 'offset' must be an int, got {offset!r}")
    return _embed(x, int(offset), a, b)


def diag(input: ArrayLike, diagonal: int = 0) -> jax.Array:
    """Build a diagonal matrix from a 1-D array, or take a diagonal of a 2-D array.

    Args:
        input: A 1-D or 2-D array.
        diagonal: Which diagonal: 0 main, positive above, negative below.

    Returns:
        For 1-D input of length ``n``, a square matrix of size ``n + |diagonal|``; for 2-D
        input, the 1-D diagonal.

    Raises:
        ShapeError: If ``input`` is not 1-D or 2-D.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.diag(jnp.array([1, 2]), 1).tolist()
        [[0, 1, 0], [0, 0, 2], [0, 0, 0]]
    """
    x = as_array("diag", "input", input)
    _require_ndim("diag", x, 1, 2)
    if not is_int(diagonal):
        raise ArgumentTypeError(f"diag: argument 'diagonal' must be an int, got {diagonal!r}")
    if x.ndim == 1:
        return _embed(x, int(diagonal), 0, 1)
    return jnp.diagonal(x, int(diagonal))


def diagflat(input: ArrayLike, offset: int = 0) -> jax.Array:
    """Flatten ``input`` and place it on the ``offset``-th diagonal of a square matrix.

    Args:
        input: Any array (flattened first).
        offset: Which diagonal.

    Returns:
        A square matrix of size ``input.size + |offset|``.

    Raises:
        ArgumentTypeError: If ``input`` is not an array or ``offset`` is not an int.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.diagflat(jnp.array([[1, 2]])).tolist()
        [[1, 0], [0, 2]]
    """
    x = as_array("diagflat", "input", input)
    if not is_int(offset):
        raise ArgumentTypeError(f"diagflat: argument 'offset' must be an int, got {offset!r}")
    return _embed(jnp.ravel(x), int(offset), 0, 1)


def _atleast_op(op: str, n: int, tensors: tuple[Any, ...]) -> jax.Array | tuple[jax.Array, ...]:
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(_atleast(as_array(op, "tensors", x), n) for x in tensors[0])
    out = tuple(_atleast(as_array(op, "tensors", x), n) for x in tensors)
    return out[0] if len(out) == 1 else out


def atleast_1d(*tensors: ArrayLike) -> jax.Array | tuple[jax.Array, ...]:
    """Return each array with at least 1 dimension (0-d becomes shape ``(1,)``).

    Args:
        *tensors: Arrays, or a single sequence of arrays.

    Returns:
        One array for one argument, else a tuple.

    Raises:
        ArgumentTypeError: If an entry is not an array.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.atleast_1d(jnp.array(1.0)).shape
        (1,)
    """
    return _atleast_op("atleast_1d", 1, tensors)


def atleast_2d(*tensors: ArrayLike) -> jax.Array | tuple[jax.Array, ...]:
    """Return each array with at least 2 dimensions (a 1-D ``(n,)`` becomes ``(1, n)``).

    Args:
        *tensors: Arrays, or a single sequence of arrays.

    Returns:
        One array for one argument, else a tuple.

    Raises:
        ArgumentTypeError: If an entry is not an array.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.atleast_2d(jnp.zeros(3)).shape
        (1, 3)
    """
    return _atleast_op("atleast_2d", 2, tensors)


def atleast_3d(*tensors: ArrayLike) -> jax.Array | tuple[jax.Array, ...]:
    """Return each array with at least 3 dims: ``(n,)`` -> ``(1, n, 1)``, ``(m, n)`` -> ``(m, n, 1)``.

    Args:
        *tensors: Arrays, or a single sequence of arrays.

    Returns:
        One array for one argument, else a tuple.

    Raises:
        ArgumentTypeError: If an entry is not an array.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.atleast_3d(jnp.zeros((2, 3))).shape
        (2, 3, 1)
    """
    return _atleast_op("atleast_3d", 3, tensors)


def meshgrid(*tensors: ArrayLike, indexing: str = "ij") -> tuple[jax.Array, ...]:
    """Coordinate grids from 1-D arrays.

    torch's default ``indexing`` is ``"ij"`` but it warns when the argument is omitted; here
    ``"ij"`` is simply the default, without a warning.

    Args:
        *tensors: 0-D or 1-D arrays of the same dtype, or a single sequence of them.
        indexing: ``"ij"`` (matrix indexing: output shape ``(n0, n1, ...)``) or ``"xy"``
            (Cartesian: the first two output dims swapped).

    Returns:
        A tuple with one grid per input, each of the full grid shape.

    Raises:
        ShapeError: If an input has more than 1 dimension.
        DTypeError: If the inputs have different dtypes.
        InvalidArgumentError: If ``indexing`` is not ``"ij"`` or ``"xy"``, or no array is given.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> [g.shape for g in ops.meshgrid(jnp.zeros(2), jnp.zeros(3))]
        [(2, 3), (2, 3)]
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if not tensors:
        raise InvalidArgumentError("meshgrid: expects a non-empty list of arrays")
    if indexing not in ("ij", "xy"):
        raise InvalidArgumentError(
            f"meshgrid: indexing must be one of 'ij' or 'xy', got {indexing!r}"
        )
    arrays = [as_array("meshgrid", f"tensors[{i}]", x) for i, x in enumerate(tensors)]
    for i, a in enumerate(arrays):
        if a.ndim > 1:
            raise ShapeError(
                f"meshgrid: expects 0-D or 1-D arrays, got shape {a.shape} at position {i}"
            )
        if a.dtype != arrays[0].dtype:
            raise DTypeError(
                f"meshgrid: expects all arrays to have the same dtype, got "
                f"{np.dtype(arrays[0].dtype).name} and {np.dtype(a.dtype).name}"
            )
    return tuple(jnp.meshgrid(*[jnp.ravel(a) for a in arrays], indexing=indexing))


# ----------------------------------------------------------------------------------------------
# differences, sliding windows, directional splits
# ----------------------------------------------------------------------------------------------


def diff(
    input: ArrayLike,
    n: int = 1,
    dim: int = -1,
    prepend: ArrayLike | None = None,
    append: ArrayLike | None = None,
) -> jax.Array:
    """The ``n``-th forward difference along ``dim`` (``x[i+1] - x[i]``, repeated ``n`` times).

    ``prepend``/``append`` are concatenated along ``dim`` first (same number of dimensions,
    matching sizes elsewhere, as torch). Bool input gives ``x[i+1] != x[i]``.

    Args:
        input: The array (at least 1-D).
        n: How many times to difference (0 returns ``input``).
        dim: The dimension.
        prepend: Values put before ``input`` along ``dim``.
        append: Values put after ``input`` along ``dim``.

    Returns:
        An array whose size along ``dim`` shrinks by ``n`` (never below 0).

    Raises:
        ShapeError: If ``input`` is 0-d, or ``prepend``/``append`` do not fit.
        InvalidArgumentError: If ``n`` is negative.
        IndexOutOfRangeError: If ``dim`` is out of range.
        ArgumentTypeError: If an argument is not an array, or ``n`` not an int.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.diff(jnp.array([1, 4, 9, 16]), n=2).tolist()
        [2, 2]
    """
    x = as_array("diff", "input", input)
    _require_ndim("diff", x, 1)
    d = normalize_dim("diff", dim, x.ndim)
    if not is_int(n):
        raise ArgumentTypeError(f"diff: n must be an int, got {type(n).__name__}")
    if n < 0:
        raise InvalidArgumentError(f"diff: order must be non-negative but got {n}")
    parts = []
    for name, extra in (("prepend", prepend), (None, x), ("append", append)):
        if extra is None:
            continue
        a = x if name is None else as_array("diff", name, extra)
        if name is not None and (
            a.ndim != x.ndim or any(a.shape[i] != x.shape[i] for i in range(x.ndim) if i != d)
        ):
            raise ShapeError(
                f"diff: {name} of shape {a.shape} must have the dimensions of input "
                f"{x.shape} except along dim {d}"
            )
        parts.append(a)
    if len(parts) > 1:
        dtype = _dtypes.result_type(*parts)
        x = jnp.concatenate([p.astype(dtype) for p in parts], axis=d)
    for _ in range(int(n)):
        length = x.shape[d]
        if length == 0:
            break
        hi = lax.slice_in_dim(x, 1, length, axis=d)
        lo = lax.slice_in_dim(x, 0, length - 1, axis=d)
        x = hi != lo if x.dtype == np.bool_ else hi - lo
    return x


def unfold(input: ArrayLike, dimension: int, size: int, step: int) -> jax.Array:
    """Every window of ``size`` elements along ``dimension``, ``step`` apart, as a new last dim.

    ``Tensor.unfold``: dimension ``dimension`` becomes the number of windows,
    ``(n - size) // step + 1``, and a last dimension of length ``size`` is added. torch returns
    a view; this is a copy (compat's ``Tensor.unfold`` is not a view either).

    Args:
        input: The array (a 0-d array counts as one element).
        dimension: The dimension to slide along.
        size: The window length, at most the dimension's size.
        step: The distance between window starts, positive.

    Returns:
        An array of ``input.ndim + 1`` dimensions.

    Raises:
        InvalidArgumentError: If ``size`` exceeds the dimension or is negative, or ``step`` is
            not positive.
        IndexOutOfRangeError: If ``dimension`` is out of range.
        ArgumentTypeError: If ``input`` is not an array or a size is not an int.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> ops.unfold(jnp.arange(5), 0, 2, 2).tolist()
        [[0, 1], [2, 3]]
    """
    x = as_array("unfold", "input", input)
    d = normalize_dim("unfold", dimension, x.ndim, "dimension")
    for name, v in (("size", size), ("step", step)):
        if not is_int(v):
            raise ArgumentTypeError(f"unfold: {name} must be an int, got {type(v).__name__}")
    squeeze = x.ndim == 0
    if squeeze:
        x = x.reshape(1)
    n = x.shape[d]
    if size < 0 or size > n:
        raise InvalidArgumentError(
            f"unfold: maximum size for tensor at dimension {d} is {n} but size is {size}"
        )
    if step <= 0:
        raise InvalidArgumentError(f"unfold: step is {step} but must be > 0")
    starts = np.arange(0, n - size + 1, step)
    idx = starts[:, None] + np.arange(size)[None, :]
    out = jnp.moveaxis(jnp.take(x, jnp.asarray(idx, jnp.int32), axis=d), d + 1, -1)
    return out[0] if squeeze else out


def _directional_split(
    op: str, input: ArrayLike, sections: Any, dim: int, min_ndim: int
) -> tuple[jax.Array, ...]:
    x = as_array(op, "input", input)
    if x.ndim < min_ndim:
        raise ShapeError(
            f"{op}: requires a tensor with at least {min_ndim} dimension(s), but got a tensor "
            f"with {x.ndim} dimensions"
        )
    if is_int(sections):
        n = x.shape[dim]
        if sections <= 0 or n % sections:
            raise InvalidArgumentError(
                f"{op}: attempted to split along dimension {dim}, but the size of the dimension "
                f"{n} is not divisible by the split_size {sections}"
            )
        return _split_at(x, dim, [n // sections] * int(sections))
    return tensor_split(x, _int_tuple(op, "indices_or_sections", sections), dim)


def hsplit(input: ArrayLike, indices_or_sections: int | Sequence[int]) -> tuple[jax.Array, ...]:
    """Split horizontally: along dim 1 (dim 0 for 1-D input), as ``torch.hsplit``.

    Args:
        input: The array (at least 1-D).
        indices_or_sections: A number of equal parts (must divide the size) or split indices.

    Returns:
        A tuple of arrays.

    Raises:
        ShapeError: If ``input`` is 0-d.
        InvalidArgumentError: If the sections do not divide the size.
        ArgumentTypeError: If an argument has the wrong type.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> [p.tolist() for p in ops.hsplit(jnp.arange(6), 3)]
        [[0, 1], [2, 3], [4, 5]]
    """
    x = as_array("hsplit", "input", input)
    return _directional_split("hsplit", x, indices_or_sections, 1 if x.ndim > 1 else 0, 1)


def vsplit(input: ArrayLike, indices_or_sections: int | Sequence[int]) -> tuple[jax.Array, ...]:
    """Split vertically: along dim 0 of an array of at least 2 dimensions (``torch.vsplit``).

    Args:
        input: The array (at least 2-D).
        indices_or_sections: A number of equal parts (must divide the size) or split indices.

    Returns:
        A tuple of arrays.

    Raises:
        ShapeError: If ``input`` has fewer than 2 dimensions.
        InvalidArgumentError: If the sections do not divide the size.
        ArgumentTypeError: If an argument has the wrong type.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> [p.shape for p in ops.vsplit(jnp.zeros((4, 2)), [1])]
        [(1, 2), (3, 2)]
    """
    return _directional_split("vsplit", input, indices_or_sections, 0, 2)


def dsplit(input: ArrayLike, indices_or_sections: int | Sequence[int]) -> tuple[jax.Array, ...]:
    """Split depthwise: along dim 2 of an array of at least 3 dimensions (``torch.dsplit``).

    Args:
        input: The array (at least 3-D).
        indices_or_sections: A number of equal parts (must divide the size) or split indices.

    Returns:
        A tuple of arrays.

    Raises:
        ShapeError: If ``input`` has fewer than 3 dimensions.
        InvalidArgumentError: If the sections do not divide the size.
        ArgumentTypeError: If an argument has the wrong type.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import ops
        >>> [p.shape for p in ops.dsplit(jnp.zeros((1, 1, 4)), 2)]
        [(1, 1, 2), (1, 1, 2)]
    """
    return _directional_split("dsplit", input, indices_or_sections, 2, 3)
