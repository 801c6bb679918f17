"""Tensor creation: ``tensor``, ``as_tensor``, ``from_numpy``, ``zeros``, ``ones``, ``full``, ...

compat gives torch's dtypes: Python floats become the default float dtype (float32), Python
ints become int64, bools stay bool. Every array is created with its dtype named, so nothing
drifts to 64 bits because JAX's 64-bit mode is on.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from compat import _dtype
from compat._random import _default_generator
from compat._tensor import Tensor
from rustorch_fx import ops
from rustorch_fx.errors import ArgumentTypeError

__all__ = [
    "tensor",
    "as_tensor",
    "from_numpy",
    "zeros",
    "ones",
    "empty",
    "full",
    "zeros_like",
    "ones_like",
    "empty_like",
    "full_like",
    "arange",
    "linspace",
    "eye",
    "is_tensor",
    "from_dlpack",
    "rand",
    "randn",
    "randint",
    "randperm",
    "normal",
    "bernoulli",
    "multinomial",
]

_INT64 = np.dtype(np.int64)


def _np_dtype(op: str, dtype: Any) -> np.dtype | None:
    """A compat, numpy, JAX or torch dtype (or None) as a numpy dtype."""
    if dtype is None:
        return None
    return _dtype._to_numpy_dtype(dtype, op)


def _default_float() -> np.dtype:
    return _dtype.get_default_dtype()._np


def _numeric(data: Any) -> np.ndarray:
    """``data`` as a numpy array with a numeric dtype."""
    arr = np.asarray(data)
    if arr.dtype.kind == "O":
        raise ArgumentTypeError(f"tensor: could not infer a dtype from {type(data).__name__}")
    return arr


def _infer(data: Any) -> np.ndarray:
    """``data`` as numpy with torch's inference: float -> float32, int -> int64."""
    arr = _numeric(data)
    if arr.dtype == np.float64 and not isinstance(data, np.ndarray | np.generic):
        return arr.astype(_default_float())
    if arr.dtype == np.complex128 and not isinstance(data, np.ndarray | np.generic):
        return arr.astype(np.complex64)
    return arr


def _finish(value: jax.Array, requires_grad: bool) -> Tensor:
    t = Tensor._wrap(value)
    if requires_grad:
        t.requires_grad_(True)
    return t


def tensor(
    data: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """Create a tensor from data (nested lists, numbers, numpy arrays, tensors), copying it.

    Args:
        data: The values.
        dtype: The dtype; inferred as torch does when None (float -> float32, int -> int64).
        device: Accepted for torch compatibility (arrays go to JAX's default device).
        requires_grad: Make the result a leaf that requires grad.

    Returns:
        A new leaf tensor.

    Raises:
        ArgumentTypeError: If ``data`` has no numeric dtype.
        DTypeError: If ``requires_grad`` is set for a non-floating dtype.

    Example:
        >>> import compat
        >>> compat.tensor([1, 2]).dtype
        dtype('int64')
    """
    if isinstance(data, Tensor):
        data = np.asarray(data._value)
    dt = _np_dtype("tensor", dtype)
    # With a dtype, Python floats go to it directly (not through float32 first).
    arr = _infer(data) if dt is None else _numeric(data)
    # Always a copy, as torch: a numpy (or torch) buffer must not alias the tensor.
    return _finish(jnp.asarray(np.array(arr, dtype=dt or arr.dtype, copy=True)), requires_grad)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """Convert ``data`` to a tensor, returning ``data`` itself when it already is one of ``dtype``.

    Args:
        data: The values.
        dtype: The dtype (inferred when None).
        device: Accepted for torch compatibility.

    Returns:
        A tensor.

    Raises:
        ArgumentTypeError: If ``data`` has no numeric dtype.

    Example:
        >>> import compat
        >>> t = compat.tensor([1.0])
        >>> compat.as_tensor(t) is t
        True
    """
    if isinstance(data, Tensor):
        dt = _np_dtype("as_tensor", dtype)
        if dt is None or dt == np.dtype(data._value.dtype):
            return data
        return Tensor._wrap(data._value.astype(dt))
    return tensor(data, dtype=dtype)


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """Create a tensor from a numpy array, keeping its dtype.

    Unlike torch, the tensor cannot share memory with the array (JAX arrays are immutable and
    owned by their device): it holds a copy, so later changes to ``ndarray`` are not seen.

    Args:
        ndarray: A numpy array.

    Returns:
        A tensor with the array's values and dtype.

    Raises:
        ArgumentTypeError: If ``ndarray`` is not a numpy array.

    Example:
        >>> import compat, numpy as np
        >>> compat.from_numpy(np.arange(3)).tolist()
        [0, 1, 2]
    """
    if not isinstance(ndarray, np.ndarray):
        raise ArgumentTypeError(f"from_numpy: expected np.ndarray, got {type(ndarray).__name__}")
    return Tensor._wrap(jnp.asarray(ndarray))


def _sized(op: str, fn: Any, size: tuple[Any, ...], dtype: Any, requires_grad: bool) -> Tensor:
    dt = _np_dtype(op, dtype) or _default_float()
    return _finish(fn(*size, dtype=dt), requires_grad)


def zeros(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros (default dtype float32).

    Args:
        *size: The shape, as ints or one sequence.
        dtype: The dtype.
        device: Accepted for torch compatibility.
        requires_grad: Make the result require grad.

    Returns:
        The tensor.

    Raises:
        ShapeError: If a size is negative.

    Example:
        >>> import compat
        >>> compat.zeros(2).tolist()
        [0.0, 0.0]
    """
    return _sized("zeros", ops.zeros, size, dtype, requires_grad)


def ones(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones (default dtype float32).

    Args:
        *size: The shape, as ints or one sequence.
        dtype: The dtype.
        device: Accepted for torch compatibility.
        requires_grad: Make the result require grad.

    Returns:
        The tensor.

    Raises:
        ShapeError: If a size is negative.

    Example:
        >>> import compat
        >>> compat.ones(1, 2).tolist()
        [[1.0, 1.0]]
    """
    return _sized("ones", ops.ones, size, dtype, requires_grad)


def empty(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor in torch; zeros here (JAX has no uninitialised memory).

    Args:
        *size: The shape, as ints or one sequence.
        dtype: The dtype.
        device: Accepted for torch compatibility.
        requires_grad: Make the result require grad.

    Returns:
        The tensor.

    Raises:
        ShapeError: If a size is negative.

    Example:
        >>> import compat
        >>> compat.empty(2).shape
        (2,)
    """
    return _sized("empty", ops.zeros, size, dtype, requires_grad)


def full(
    size: Any,
    fill_value: Any,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """A tensor filled with ``fill_value`` (dtype inferred from it as torch: int -> int64).

    Args:
        size: The shape.
        fill_value: The value.
        dtype: The dtype.
        device: Accepted for torch compatibility.
        requires_grad: Make the result require grad.

    Returns:
        The tensor.

    Raises:
        ShapeError: If a size is negative.

    Example:
        >>> import compat
        >>> compat.full((2,), 7).dtype
        dtype('int64')
    """
    dt = _np_dtype("full", dtype)
    if dt is None and isinstance(fill_value, int) and not isinstance(fill_value, bool):
        dt = _INT64
    return _finish(ops.full(size, fill_value, dtype=dt), requires_grad)


def _like(op: str, input: Tensor, dtype: Any) -> tuple[tuple[int, ...], np.dtype]:
    if not isinstance(input, Tensor):
        raise ArgumentTypeError(f"{op}: input must be a Tensor, got {type(input).__name__}")
    return input.shape, _np_dtype(op, dtype) or np.dtype(input._value.dtype)


def zeros_like(
    input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """Zeros with the shape (and by default the dtype) of ``input``.

    Args:
        input: The tensor whose shape to take.
        dtype: The dtype.
        device: Accepted for torch compatibility.
        requires_grad: Make the result require grad.

    Returns:
        The tensor.

    Raises:
        ArgumentTypeError: If ``input`` is not a tensor.

    Example:
        >>> import compat
        >>> compat.zeros_like(compat.ones(2)).tolist()
        [0.0, 0.0]
    """
    shape, dt = _like("zeros_like", input, dtype)
    return _finish(jnp.zeros(shape, dt), requires_grad)


def ones_like(
    input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """Ones with the shape (and by default the dtype) of ``input``.

    Args:
        input: The tensor whose shape to take.
        dtype: The dtype.
        device: Accepted for torch compatibility.
        requires_grad: Make the result require grad.

    Returns:
        The tensor.

    Raises:
        ArgumentTypeError: If ``input`` is not a tensor.

    Example:
        >>> import compat
        >>> compat.ones_like(compat.zeros(2)).tolist()
        [1.0, 1.0]
    """
    shape, dt = _like("ones_like", input, dtype)
    return _finish(jnp.ones(shape, dt), requires_grad)


def empty_like(
    input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """Like :func:`zeros_like` (JAX has no uninitialised memory).

    Args:
        input: The tensor whose shape to take.
        dtype: The dtype.
        device: Accepted for torch compatibility.
        requires_grad: Make the result require grad.

    Returns:
        The tensor.

    Raises:
        ArgumentTypeError: If ``input`` is not a tensor.

    Example:
        >>> import compat
        >>> compat.empty_like(compat.ones(3)).shape
        (3,)
    """
    shape, dt = _like("empty_like", input, dtype)
    return _finish(jnp.zeros(shape, dt), requires_grad)


def full_like(
    input: Tensor,
    fill_value: Any,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """``fill_value`` in the shape (and by default the dtype) of ``input``.

    Args:
        input: The tensor whose shape to take.
        fill_value: The value.
        dtype: The dtype.
        device: Accepted for torch compatibility.
        requires_grad: Make the result require grad.

    Returns:
        The tensor.

    Raises:
        ArgumentTypeError: If ``input`` is not a tensor.

    Example:
        >>> import compat
        >>> compat.full_like(compat.ones(2), 5.0).tolist()
        [5.0, 5.0]
    """
    shape, dt = _like("full_like", input, dtype)
    return _finish(jnp.full(shape, fill_value, dt), requires_grad)


def arange(
    start: Any,
    end: Any = None,
    step: Any = 1,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) by ``step``; int64 for integer arguments.

    Args:
        start: First value (or the end, when ``end`` is None).
        end: End, exclusive.
        step: Step.
        dtype: The dtype (float32 if any argument is a float, else int64).
        device: Accepted for torch compatibility.
        requires_grad: Make the result require grad.

    Returns:
        A 1-D tensor.

    Raises:
        InvalidArgumentError: If ``step`` is zero or of the wrong sign.

    Example:
        >>> import compat
        >>> compat.arange(3).tolist()
        [0, 1, 2]
    """
    dt = _np_dtype("arange", dtype)
    if dt is None and all(
        isinstance(v, int) and not isinstance(v, bool) for v in (start, end, step) if v is not None
    ):
        dt = _INT64
    return _finish(ops.arange(start, end, step, dtype=dt), requires_grad)


def linspace(
    start: Any,
    end: Any,
    steps: int,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive.

    Args:
        start: First value.
        end: Last value.
        steps: Number of values.
        dtype: The dtype (float32 by default).
        device: Accepted for torch compatibility.
        requires_grad: Make the result require grad.

    Returns:
        A 1-D tensor.

    Raises:
        InvalidArgumentError: If ``steps`` is negative.

    Example:
        >>> import compat
        >>> compat.linspace(0, 1, 3).tolist()
        [0.0, 0.5, 1.0]
    """
    return _finish(
        ops.linspace(start, end, steps, dtype=_np_dtype("linspace", dtype)), requires_grad
    )


def eye(
    n: int,
    m: int | None = None,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """The identity matrix (``n`` x ``m``).

    Args:
        n: Rows.
        m: Columns (default ``n``).
        dtype: The dtype (float32 by default).
        device: Accepted for torch compatibility.
        requires_grad: Make the result require grad.

    Returns:
        A 2-D tensor.

    Raises:
        InvalidArgumentError: If ``n`` or ``m`` is negative.

    Example:
        >>> import compat
        >>> compat.eye(2).tolist()
        [[1.0, 0.0], [0.0, 1.0]]
    """
    return _finish(ops.eye(n, m, dtype=_np_dtype("eye", dtype)), requires_grad)


def is_tensor(obj: Any) -> bool:
    """Whether ``obj`` is a :class:`~compat.Tensor`.

    Args:
        obj: Anything.

    Returns:
        A bool.

    Example:
        >>> import compat
        >>> compat.is_tensor(compat.zeros(1)), compat.is_tensor([1])
        (True, False)
    """
    return isinstance(obj, Tensor)


def _key(generator: Any) -> Any:
    return (generator if generator is not None else _default_generator())._next_key()


def rand(
    *size: Any,
    generator: Any = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Uniform samples in [0, 1), from ``generator`` (the default generator when None).

    Args:
        *size: The shape.
        generator: A :class:`compat.Generator`.
        dtype: A floating dtype (default float32).
        device: Accepted for torch compatibility.
        requires_grad: Make the result require grad.

    Returns:
        The tensor. Same seed, same numbers (not torch's numbers: the generators differ).

    Raises:
        ShapeError: If a size is negative.

    Example:
        >>> import compat
        >>> _ = compat.manual_seed(0)
        >>> compat.rand(2).shape
        (2,)
    """
    dt = _np_dtype("rand", dtype) or _default_float()
    return _finish(ops.rand(_key(generator), *size, dtype=dt), requires_grad)


def randn(
    *size: Any,
    generator: Any = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Standard normal samples, from ``generator`` (the default generator when None).

    Args:
        *size: The shape.
        generator: A :class:`compat.Generator`.
        dtype: A floating dtype (default float32).
        device: Accepted for torch compatibility.
        requires_grad: Make the result require grad.

    Returns:
        The tensor.

    Raises:
        ShapeError: If a size is negative.

    Example:
        >>> import compat
        >>> compat.randn(2, 3).shape
        (2, 3)
    """
    dt = _np_dtype("randn", dtype) or _default_float()
    return _finish(ops.randn(_key(generator), *size, dtype=dt), requires_grad)


def randint(
    low: int,
    high: int | None = None,
    size: Any = None,
    *,
    generator: Any = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Uniform integers in [low, high) (``randint(high, size)`` also works), int64 by default.

    Args:
        low: Lowest value (or ``high`` when called as ``randint(high, size)``).
        high: One above the highest value.
        size: The shape.
        generator: A :class:`compat.Generator`.
        dtype: The dtype (default int64).
        device: Accepted for torch compatibility.
        requires_grad: Must be False for integers.

    Returns:
        The tensor.

    Raises:
        InvalidArgumentError: If ``low >= high``.

    Example:
        >>> import compat
        >>> int(compat.randint(0, 3, (5,)).max()) < 3
        True
    """
    if size is None and high is not None and not isinstance(high, int):
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    dt = _np_dtype("randint", dtype) or _INT64
    return _finish(ops.randint(_key(generator), low, high, size, dtype=dt), requires_grad)


def randperm(
    n: int,
    *,
    generator: Any = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64 by default).

    Args:
        n: Length.
        generator: A :class:`compat.Generator`.
        dtype: The dtype (default int64).
        device: Accepted for torch compatibility.
        requires_grad: Must be False for integers.

    Returns:
        A 1-D tensor.

    Raises:
        InvalidArgumentError: If ``n`` is negative.

    Example:
        >>> import compat
        >>> sorted(compat.randperm(4).tolist())
        [0, 1, 2, 3]
    """
    dt = _np_dtype("randperm", dtype) or _INT64
    return _finish(ops.randperm(_key(generator), n, dtype=dt), requires_grad)


def normal(
    mean: Any,
    std: Any = 1.0,
    size: Any = None,
    *,
    generator: Any = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Normal samples with ``mean`` and ``std`` (numbers or tensors, broadcast), as ``torch.normal``.

    Args:
        mean: Mean(s).
        std: Standard deviation(s).
        size: The shape, when both are numbers.
        generator: A :class:`compat.Generator`.
        dtype: A floating dtype.
        device: Accepted for torch compatibility.
        requires_grad: Make the result require grad.

    Returns:
        The tensor.

    Raises:
        InvalidArgumentError: If a standard deviation is negative.

    Example:
        >>> import compat
        >>> compat.normal(0.0, 1.0, (3,)).shape
        (3,)
    """
    m = mean._value if isinstance(mean, Tensor) else mean
    sd = std._value if isinstance(std, Tensor) else std
    out = ops.normal(_key(generator), m, sd, size, dtype=_np_dtype("normal", dtype))
    return _finish(out, requires_grad)


def bernoulli(input: Tensor, p: Any = None, *, generator: Any = None) -> Tensor:
    """Draw 0/1 samples with the probabilities in ``input`` (or the number ``p``).

    Args:
        input: Probabilities (its shape and dtype are the result's).
        p: A probability used for every element instead of ``input``'s values.
        generator: A :class:`compat.Generator`.

    Returns:
        A tensor of 0s and 1s with ``input``'s dtype.

    Raises:
        ArgumentTypeError: If ``input`` is not a tensor.

    Example:
        >>> import compat
        >>> compat.bernoulli(compat.ones(3)).tolist()
        [1.0, 1.0, 1.0]
    """
    if not isinstance(input, Tensor):
        raise ArgumentTypeError(f"bernoulli: input must be a Tensor, got {type(input).__name__}")
    probs = input._value if p is None else jnp.full(input.shape, p, input._value.dtype)
    out = ops.bernoulli(_key(generator), probs, dtype=input._value.dtype)
    return Tensor._wrap(out)


def multinomial(
    input: Tensor, num_samples: int, replacement: bool = False, *, generator: Any = None
) -> Tensor:
    """Sample category indices from the rows of non-negative weights ``input`` (int64).

    Args:
        input: Weights, 1-D or 2-D.
        num_samples: Samples per row.
        replacement: Sample with replacement.
        generator: A :class:`compat.Generator`.

    Returns:
        Indices of shape ``(num_samples,)`` or ``(rows, num_samples)``.

    Raises:
        InvalidArgumentError: If ``num_samples`` exceeds the non-zero categories without
            replacement.

    Example:
        >>> import compat
        >>> compat.multinomial(compat.tensor([0.0, 1.0]), 1).tolist()
        [1]
    """
    if not isinstance(input, Tensor):
        raise ArgumentTypeError(f"multinomial: input must be a Tensor, got {type(input).__name__}")
    out = ops.multinomial(_key(generator), input._value, num_samples, replacement)
    return Tensor._wrap(out.astype(_INT64))


def from_dlpack(ext_tensor: Any) -> Tensor:
    """A tensor from any object supporting DLPack (a torch tensor, a numpy array, a jax array).

    Args:
        ext_tensor: An object with ``__dlpack__`` and ``__dlpack_device__``.

    Returns:
        A leaf tensor with the same values and dtype (JAX may copy them).

    Raises:
        ArgumentTypeError: If ``ext_tensor`` does not support DLPack.

    Example:
        >>> import compat, numpy as np
        >>> compat.from_dlpack(np.arange(3.0)).tolist()
        [0.0, 1.0, 2.0]
    """
    if not hasattr(ext_tensor, "__dlpack__"):
        raise ArgumentTypeError(
            f"from_dlpack: expected an object supporting DLPack, got {type(ext_tensor).__name__}"
        )
    return Tensor._wrap(jax.dlpack.from_dlpack(ext_tensor))
