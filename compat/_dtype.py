"""Dtypes shaped like ``torch.dtype``: ``compat.float32``, ``compat.long``, ``finfo``, promotion.

Each compat dtype is an immutable singleton that maps to one numpy/JAX dtype. Its ``repr`` and
``str`` are torch's exact text (``torch.float32``), so a script that prints dtypes, or compares
their text, shows the same thing under ``import compat as torch`` as under PyTorch.

Conversions (private, for the rest of compat): :func:`_from_any` turns a compat dtype, a numpy
or JAX dtype or scalar type, a Python type (``float`` is float64, as ``dtype=float`` in torch) or
a name (``"float32"``, torch's aliases ``"float"``/``"long"``, ``"torch.int64"``) into a compat
dtype; :func:`_to_numpy_dtype` gives the numpy dtype that JAX arrays carry.

The default floating dtype (:func:`get_default_dtype`) is process-global, as in PyTorch.
Integer data created from Python ints is int64 and a Python float is the default dtype, as in
PyTorch (:func:`result_type` explains how that is layered on rustorch_fx's 32-bit defaults).

Warning:
    This module defines names that shadow Python builtins (``bool``, ``int``, ``float``), as
    ``torch`` does. Its own code uses the builtins through ``_PyBool``/``_PyInt``/``_PyFloat``.
"""

from __future__ import annotations

import math
import threading
from functools import cache
from typing import Any

import jax.numpy as jnp
import numpy as np

from rustorch_fx import ops
from rustorch_fx.errors import ArgumentTypeError, DTypeError

# Captured before the dtype instances below shadow the builtins of the same names.
_PyBool, _PyInt, _PyFloat = bool, int, float
_PY_NUMBERS = (bool, int, float, complex)

__all__ = [
    "dtype",
    "float32",
    "float",
    "float16",
    "half",
    "bfloat16",
    "float64",
    "double",
    "int8",
    "int16",
    "int32",
    "int",
    "int64",
    "long",
    "uint8",
    "bool",
    "complex64",
    "cfloat",
    "complex128",
    "cdouble",
    "get_default_dtype",
    "set_default_dtype",
    "finfo",
    "iinfo",
    "promote_types",
    "result_type",
    "can_cast",
]

_TOKEN = object()
_BOOL, _INT, _FLOAT, _COMPLEX = 0, 1, 2, 3  # PyTorch's promotion categories


class dtype:
    """A data type, shaped like ``torch.dtype``: an immutable, hashable singleton.

    compat provides ``float32`` (``float``), ``float16`` (``half``), ``bfloat16``, ``float64``
    (``double``), ``int8``, ``int16``, ``int32`` (``int``), ``int64`` (``long``), ``uint8``,
    ``bool``, ``complex64`` (``cfloat``) and ``complex128`` (``cdouble``). Instances cannot be
    created by users; compare them with ``==`` or ``is``.

    Its ``repr`` and ``str`` are torch's text, ``torch.float32``, for scripts that print them.

    Raises:
        ArgumentTypeError: If called directly (``compat.dtype("float32")``).

    Example:
        >>> import compat._dtype as dt
        >>> dt.float32, dt.float32.is_floating_point, dt.float32.itemsize
        (torch.float32, True, 4)
        >>> dt.float is dt.float32
        True
    """

    __slots__ = ("_kind", "_name", "_np")

    def __init__(self, name: str, np_dtype: Any, kind: int, _token: object = None) -> None:
        if _token is not _TOKEN:
            raise ArgumentTypeError(
                "dtype: compat dtypes cannot be created, got a call dtype(...); use the "
                "instances compat.float32, compat.int64, ..."
            )
        self._name = name
        self._np = np.dtype(np_dtype)
        self._kind = kind

    @property
    def is_floating_point(self) -> _PyBool:
        """Whether this is a real floating dtype (float16, bfloat16, float32, float64)."""
        return self._kind == _FLOAT

    @property
    def is_complex(self) -> _PyBool:
        """Whether this is a complex dtype (complex64, complex128)."""
        return self._kind == _COMPLEX

    @property
    def is_signed(self) -> _PyBool:
        """Whether values of this dtype can be negative (False for ``bool`` and ``uint8``)."""
        return self._kind != _BOOL and self._np.kind != "u"

    @property
    def itemsize(self) -> _PyInt:
        """The size of one element in bytes."""
        return _PyInt(self._np.itemsize)

    def to_real(self) -> dtype:
        """Return the real counterpart of a complex dtype, and any other dtype unchanged.

        Returns:
            ``float32`` for ``complex64``, ``float64`` for ``complex128``, else ``self``.

        Example:
            >>> import compat._dtype as dt
            >>> dt.complex128.to_real()
            torch.float64
        """
        return {complex64: float32, complex128: float64}.get(self, self)

    def to_complex(self) -> dtype:
        """Return the complex counterpart of a floating dtype, and a complex dtype unchanged.

        Returns:
            ``complex64`` for ``float32``, ``complex128`` for ``float64``, else ``self``.

        Raises:
            DTypeError: For an integer or bool dtype, and for float16/bfloat16 (torch's
                ``complex32`` has no compat dtype).

        Example:
            >>> import compat._dtype as dt
            >>> dt.float32.to_complex()
            torch.complex64
        """
        if self._kind == _COMPLEX:
            return self
        found = {float32: complex64, float64: complex128}.get(self)
        if found is None:
            raise DTypeError(
                f"to_complex: {self} has no complex counterpart in compat "
                "(expected float32, float64 or a complex dtype)"
            )
        return found

    def to_jax(self) -> np.dtype:
        """Return the numpy dtype JAX arrays of this dtype carry (``jnp.bfloat16`` included).

        Returns:
            A ``numpy.dtype``, usable as ``dtype=`` in JAX and numpy.

        Example:
            >>> import compat._dtype as dt
            >>> dt.int64.to_jax()
            dtype('int64')
        """
        return self._np

    def __repr__(self) -> str:
        return f"torch.{self._name}"

    def __reduce__(self) -> str:
        # Pickle as the module-level name, so unpickling returns the same singleton.
        return self._name


def _make(name: str, np_dtype: Any, kind: int) -> dtype:
    return dtype(name, np_dtype, kind, _TOKEN)


float32 = _make("float32", np.float32, _FLOAT)
float16 = _make("float16", np.float16, _FLOAT)
bfloat16 = _make("bfloat16", jnp.bfloat16, _FLOAT)
float64 = _make("float64", np.float64, _FLOAT)
int8 = _make("int8", np.int8, _INT)
int16 = _make("int16", np.int16, _INT)
int32 = _make("int32", np.int32, _INT)
int64 = _make("int64", np.int64, _INT)
uint8 = _make("uint8", np.uint8, _INT)
bool = _make("bool", np.bool_, _BOOL)
complex64 = _make("complex64", np.complex64, _COMPLEX)
complex128 = _make("complex128", np.complex128, _COMPLEX)

float = float32
half = float16
double = float64
int = int32
long = int64
cfloat = complex64
cdouble = complex128

_ALL = (
    float32,
    float16,
    bfloat16,
    float64,
    int8,
    int16,
    int32,
    int64,
    uint8,
    bool,
    complex64,
    complex128,
)
_BY_NAME = {d._name: d for d in _ALL}
_BY_NAME.update(
    float=float32,
    half=float16,
    double=float64,
    int=int32,
    long=int64,
    cfloat=complex64,
    cdouble=complex128,
)
_BY_NUMPY = {d._np: d for d in _ALL}
_SUPPORTED = ", ".join(d._name for d in _ALL)


def _from_any(x: Any, op: str = "dtype") -> dtype:
    """Return the compat dtype for ``x``.

    Args:
        x: A compat dtype; a numpy dtype or scalar type, a JAX scalar type (``jnp.float32``,
            ``jnp.bfloat16``); a Python type (``float`` is float64, ``int`` int64, as in torch);
            a ``torch.dtype``; or a name: torch's (``"float32"``, ``"float"``, ``"long"``,
            ``"torch.int64"``, looked up first, so ``"float"`` is float32) or numpy's (``"f8"``).
        op: The operation asking, for the error message.

    Returns:
        The compat dtype.

    Raises:
        DTypeError: If ``x`` is not a dtype, or is a dtype compat does not have (``uint16``).
    """
    if isinstance(x, dtype):
        return x
    if type(x).__name__ == "dtype" and type(x).__module__ == "torch":
        x = str(x)  # a torch.dtype: "torch.float32"
    if isinstance(x, str):
        found = _BY_NAME.get(x.removeprefix("torch."))
        if found is not None:
            return found
    if isinstance(x, (str, np.dtype, type)):
        try:
            np_dtype = np.dtype(x)
        except TypeError:
            pass
        else:
            found = _BY_NUMPY.get(np_dtype)
            if found is None:
                raise DTypeError(
                    f"{op}: {np_dtype.name} has no compat dtype (supported: {_SUPPORTED})"
                )
            return found
    raise DTypeError(
        f"{op}: expected a dtype (compat.float32, a numpy/JAX dtype or a name such as "
        f"'float32'), got {x!r} ({type(x).__name__})"
    )


def _to_numpy_dtype(x: Any, op: str = "dtype") -> np.dtype:
    """Return the numpy dtype for anything :func:`_from_any` accepts (raises as it does)."""
    return _from_any(x, op)._np


# ----------------------------------------------------------------------------------------------
# default dtype
# ----------------------------------------------------------------------------------------------

_default_lock = threading.Lock()
_default: list[dtype] = [float32]


def get_default_dtype() -> dtype:
    """Return the default floating dtype (``float32`` unless changed), as ``torch.get_default_dtype``.

    Returns:
        The dtype that floating tensors and Python floats get when no dtype is named.

    Example:
        >>> import compat._dtype as dt
        >>> dt.get_default_dtype()
        torch.float32
    """
    return _default[0]


def set_default_dtype(d: Any) -> None:
    """Set the default floating dtype for the whole process, as ``torch.set_default_dtype``.

    As in PyTorch, any real floating dtype is accepted (float32, float64, float16, bfloat16);
    integer, bool and complex dtypes are not. The default complex dtype follows it
    (``complex128`` for ``float64``, else ``complex64``).

    Args:
        d: A floating dtype, in any form :func:`_from_any` accepts.

    Raises:
        DTypeError: If ``d`` is not a dtype, or not a real floating dtype.

    Example:
        >>> import compat._dtype as dt
        >>> dt.set_default_dtype(dt.float64)
        >>> dt.get_default_dtype()
        torch.float64
        >>> dt.set_default_dtype(dt.float32)
    """
    new = _from_any(d, "set_default_dtype")
    if not new.is_floating_point:
        raise DTypeError(
            "set_default_dtype: only floating-point types are supported as the default type, "
            f"got {new}"
        )
    with _default_lock:
        _default[0] = new


# ----------------------------------------------------------------------------------------------
# finfo / iinfo
# ----------------------------------------------------------------------------------------------


def _g(value: Any) -> str:
    return f"{_PyFloat(value):g}"


class finfo:
    """Machine limits of a floating dtype, as ``torch.finfo`` (values are Python floats).

    For a complex dtype the limits are those of its real part, as in torch.

    Args:
        type: A floating or complex dtype; the default dtype when omitted.

    Attributes:
        bits: Bits per element.
        eps: The gap between 1.0 and the next representable value.
        max: The largest finite value.
        min: The most negative finite value (``-max``).
        tiny: The smallest positive normal value (same as ``smallest_normal``).
        smallest_normal: The smallest positive normal value.
        resolution: ``10 ** -precision``, the approximate decimal resolution.
        dtype: The name of the (real) dtype, such as ``"float32"``.

    Raises:
        DTypeError: If ``type`` is an integer or bool dtype (use :class:`iinfo`), or not a dtype.

    Example:
        >>> import compat._dtype as dt
        >>> dt.finfo(dt.float16).eps
        0.0009765625
    """

    __slots__ = (
        "bits",
        "dtype",
        "eps",
        "max",
        "min",
        "resolution",
        "smallest_normal",
        "tiny",
    )

    def __init__(self, type: Any = None) -> None:
        d = get_default_dtype() if type is None else _from_any(type, "finfo").to_real()
        if not d.is_floating_point:
            raise DTypeError(
                f"finfo: expected a floating point or complex dtype, got {d} "
                "(use compat.iinfo for integer dtypes)"
            )
        info = jnp.finfo(d._np)
        eps = _PyFloat(info.eps)
        self.bits = _PyInt(info.bits)
        self.eps = eps
        self.max = _PyFloat(info.max)
        self.min = _PyFloat(info.min)
        self.tiny = _PyFloat(info.smallest_normal)
        self.smallest_normal = self.tiny
        self.resolution = _PyFloat(f"1e-{_PyInt(-math.log10(eps))}")
        self.dtype = d._name

    def __repr__(self) -> str:
        return (
            f"finfo(resolution={_g(self.resolution)}, min={_g(self.min)}, max={_g(self.max)}, "
            f"eps={_g(self.eps)}, smallest_normal={_g(self.smallest_normal)}, "
            f"tiny={_g(self.tiny)}, dtype={self.dtype})"
        )


class iinfo:
    """Machine limits of an integer dtype, as ``torch.iinfo`` (values are Python ints).

    Args:
        type: An integer dtype (``bool`` is not accepted, as in torch).

    Attributes:
        bits: Bits per element.
        max: The largest value.
        min: The smallest value.
        dtype: The name of the dtype, such as ``"int64"``.

    Raises:
        DTypeError: If ``type`` is a floating, complex or bool dtype, or not a dtype.

    Example:
        >>> import compat._dtype as dt
        >>> dt.iinfo(dt.uint8).max
        255
    """

    __slots__ = ("bits", "dtype", "max", "min")

    def __init__(self, type: Any) -> None:
        d = _from_any(type, "iinfo")
        if d._kind != _INT:
            raise DTypeError(
                f"iinfo: expected an integer dtype, got {d}"
                + ("" if d is bool else " (use compat.finfo for floating dtypes)")
            )
        info = np.iinfo(d._np)
        self.bits = _PyInt(info.bits)
        self.max = _PyInt(info.max)
        self.min = _PyInt(info.min)
        self.dtype = d._name

    def __repr__(self) -> str:
        return f"iinfo(min={_g(self.min)}, max={_g(self.max)}, dtype={self.dtype})"


# ----------------------------------------------------------------------------------------------
# promotion
# ----------------------------------------------------------------------------------------------


@cache
def _standin(d: dtype, zero_dim: _PyBool) -> np.ndarray:
    # An empty array that stands for a tensor of dtype ``d`` in rustorch_fx's result_type,
    # which only looks at an operand's dtype and whether it is 0-d.
    return np.zeros(() if zero_dim else (0,), d._np)


def promote_types(type1: Any, type2: Any) -> dtype:
    """Return the smallest dtype both dtypes convert to safely, as ``torch.promote_types``.

    Args:
        type1: A dtype.
        type2: Another dtype.

    Returns:
        The promoted dtype (``promote_types(uint8, int8)`` is ``int16``; ``float16`` with
        ``bfloat16`` is ``float32``).

    Raises:
        DTypeError: If either argument is not a dtype.

    Example:
        >>> import compat._dtype as dt
        >>> dt.promote_types(dt.int32, dt.float16)
        torch.float16
    """
    a = _from_any(type1, "promote_types")
    b = _from_any(type2, "promote_types")
    return _BY_NUMPY[ops.result_type(_standin(a, False), _standin(b, False))]


def _operand(x: Any) -> np.ndarray:
    d = getattr(x, "dtype", None)
    if d is None or isinstance(x, (type, np.dtype)):
        raise ArgumentTypeError(
            "result_type: expected tensors, arrays or Python numbers, "
            f"got {x!r} ({type(x).__name__})"
        )
    ndim = getattr(x, "ndim", None)
    if ndim is None:
        ndim = np.ndim(x)
    return _standin(_from_any(d, "result_type"), ndim == 0)


def result_type(*operands: Any) -> dtype:
    """Return the dtype PyTorch's type promotion gives for ``operands``, as ``torch.result_type``.

    Tensors with dimensions decide first, then 0-d tensors, then Python numbers, each only
    raising the result to a higher category (bool < integer < floating < complex).

    The promotion itself is rustorch_fx's (:func:`rustorch_fx.ops.result_type`), whose
    defaults for Python numbers are 32-bit in both JAX modes. compat's defaults are torch's,
    so where a Python number decides the result, this maps it:

    =====================================  ==================  ============================
    Python numbers raise the result to     rustorch_fx gives   compat gives (as torch)
    =====================================  ==================  ============================
    integer (``bool`` tensor + ``2``)      ``int32``           ``int64``
    floating (``int`` tensor + ``2.5``)    ``float32``         the default dtype
    complex, from integer/bool tensors     ``complex64``       default dtype's complex
    complex, from floating tensors         its complex         unchanged
    =====================================  ==================  ============================

    A floating tensor keeps its dtype against a Python float (``float16`` tensor + ``1.0`` is
    float16). Where torch would give ``complex32`` (a float16 tensor with a Python complex, or
    a float16/bfloat16 default dtype), compat gives ``complex64``.

    Args:
        *operands: Tensors or arrays (anything with ``dtype`` and ``ndim``: compat, numpy, JAX
            or torch) and Python ``bool``/``int``/``float``/``complex`` numbers. torch takes
            exactly two; any number of at least one is accepted here.

    Returns:
        The promoted compat dtype.

    Raises:
        ArgumentTypeError: If an operand is neither an array nor a Python number.
        DTypeError: If no operand is given, or an operand has a dtype compat does not have.

    Example:
        >>> import numpy as np
        >>> import compat._dtype as dt
        >>> dt.result_type(np.array([1, 2]), 2.5), dt.result_type(1, 2)
        (torch.float32, torch.int64)
    """
    scalars = [x for x in operands if isinstance(x, _PY_NUMBERS)]
    arrays = [_operand(x) for x in operands if not isinstance(x, _PY_NUMBERS)]
    full = _BY_NUMPY[ops.result_type(*arrays, *scalars)]
    if not scalars:
        return full
    from_arrays = _BY_NUMPY[ops.result_type(*arrays)] if arrays else None
    if full is from_arrays or full is bool:
        return full
    if full._kind == _INT:
        return int64
    if full._kind == _FLOAT:
        return get_default_dtype()
    if from_arrays is not None and from_arrays.is_floating_point:
        return full
    return complex128 if get_default_dtype() is float64 else complex64


def can_cast(from_: Any, to: Any) -> _PyBool:
    """Whether a cast is allowed by PyTorch's same-kind rule, as ``torch.can_cast``.

    A cast may not lower the category: complex to real, floating to integer, or anything but
    bool to bool. Within a category any cast is allowed (``float64`` to ``float32`` too).

    Args:
        from_: The source dtype.
        to: The target dtype.

    Returns:
        True if the cast is allowed.

    Raises:
        DTypeError: If either argument is not a dtype.

    Example:
        >>> import compat._dtype as dt
        >>> dt.can_cast(dt.int32, dt.float16), dt.can_cast(dt.float32, dt.int64)
        (True, False)
    """
    return _from_any(from_, "can_cast")._kind <= _from_any(to, "can_cast")._kind
