"""The Tensor op surface: ``compat.X(...)`` functions and ``tensor.X(...)`` methods, from one table.

Each row of :data:`_TABLE` maps a torch name to a pure function of :mod:`rustorch_fx.ops` and
says, in a Python-signature string, which parameters are traced (tensors and numbers, passed
positionally to :func:`compat._engine.apply`) and which are static (dims, flags: part of the
compile cache key). Flags say whether the row gives a module function, a method, and an in-place
``name_`` method, and whether index outputs are cast to int64 (torch's index dtype; rustorch_fx
returns int32 indices). At import this module builds, once per row, the pure op that the engine
caches, the function, and the methods it attaches to :class:`~compat.Tensor` (names the Tensor
class already defines are left alone).

Signature annotations: ``T`` traced (a tensor or number; ``None`` stays static), ``A`` traced when
a tensor and static when a Python value (``q`` of ``quantile``, ``dim`` of ``max`` that may be a
tensor ``other``), ``D`` a dtype (static, converted to numpy's), ``L`` a sequence of tensors
(each traced), no annotation: static. ``*name`` collects varargs (``x.view(2, 3)`` and
``x.view((2, 3))`` both work).
"""

from __future__ import annotations

import ast
import builtins
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import jax
import numpy as np

from compat import _dtype, _views
from compat._engine import apply
from compat._tensor import Tensor
from rustorch_fx import ops
from rustorch_fx.errors import (
    ArgumentTypeError,
    AutogradError,
    DTypeError,
    IndexOutOfRangeError,
    InvalidArgumentError,
    ShapeError,
    UnsupportedError,
)

_REQUIRED = object()
_NUMBERS = (builtins.bool, builtins.int, builtins.float, builtins.complex, np.number, np.bool_)
_INT64 = np.dtype(np.int64)
_INT32 = np.dtype(np.int32)


class _Param(NamedTuple):
    name: str
    kind: str  # "T", "A", "D", "L" or "" (static)
    default: Any
    kwonly: bool
    varargs: bool


@dataclass(frozen=True, eq=False)
class _Spec:
    """One row of the table (see the module docstring)."""

    name: str
    fn: Callable[..., Any]
    params: tuple[_Param, ...]
    method: bool
    function: bool
    inplace: bool
    index: str | None  # "all": every int32 leaf -> int64; "indices": the .indices field
    to_python: bool
    self_param: str
    view: bool = False
    pre: Callable[[dict[str, Any]], None] | None = None
    post: Callable[[dict[str, Any], Any], None] | None = None
    op: Callable[..., Any] = field(init=False)


# ----------------------------------------------------------------------------------------------
# small pure wrappers (module level, so the engine's cache key is stable)
# ----------------------------------------------------------------------------------------------


def _scatter(
    input: Any, dim: int, index: Any, src: Any = None, value: Any = None, reduce: str | None = None
) -> jax.Array:
    if isinstance(src, _NUMBERS):  # torch.scatter(input, dim, index, 1.0): a value, not a src
        src, value = None, src
    return ops.scatter(input, dim, index, src, value, reduce)


def _fill(input: Any, value: Any) -> jax.Array:
    return ops.full_like(input, value, dtype=input.dtype)


def _cast(input: Any, *, dtype: Any) -> jax.Array:
    return input.astype(dtype)


def _move(input: Any, *, device: Any) -> jax.Array:
    return jax.device_put(input, device)


def _masked_count(input: Any, mask: Any) -> jax.Array:
    return ops.count_nonzero(ops.broadcast_tensors(input, mask)[1])


def _float_power(input: Any, exponent: Any) -> jax.Array:
    wide = np.complex128 if np.iscomplexobj(input) or np.iscomplexobj(exponent) else np.float64
    return ops.pow(jax.numpy.asarray(input, wide), jax.numpy.asarray(exponent, wide))


def _positive(input: Any) -> jax.Array:
    return ops.mul(input, 1)


def _clamp_min(input: Any, min: Any) -> jax.Array:
    return ops.clamp(input, min, None)


def _clamp_max(input: Any, max: Any) -> jax.Array:
    return ops.clamp(input, None, max)


def _resolve(input: Any) -> jax.Array:
    # compat has no lazy conjugate/negative bits: the values are already resolved
    return jax.numpy.asarray(input)


def _unique(input: Any, *args: Any, **kwargs: Any) -> Any:
    out = ops.unique(input, *args, **kwargs)
    return out if not isinstance(out, tuple) else (out[0], *(_to_int64(o) for o in out[1:]))


def _unique_consecutive(input: Any, *args: Any, **kwargs: Any) -> Any:
    out = ops.unique_consecutive(input, *args, **kwargs)
    return out if not isinstance(out, tuple) else (out[0], *(_to_int64(o) for o in out[1:]))


_WRAPPERS: dict[str, Callable[..., Any]] = {
    "_scatter": _scatter,
    "_fill": _fill,
    "_positive": _positive,
    "_float_power": _float_power,
    "_clamp_min": _clamp_min,
    "_clamp_max": _clamp_max,
    "_resolve": _resolve,
    "_unique": _unique,
    "_unique_consecutive": _unique_consecutive,
}


# pre-hooks: data-dependent output sizes, computed eagerly before the jitted op
def _count(t: Any) -> builtins.int:
    return builtins.int(apply(ops.count_nonzero, t).item())


def _pre_nonzero(b: dict[str, Any]) -> None:
    b["size"] = _count(b["input"])


def _pre_where(b: dict[str, Any]) -> None:
    if b["input"] is None and b["other"] is None:
        b["size"] = _count(b["condition"])
    else:
        b["size"] = None


def _pre_masked_select(b: dict[str, Any]) -> None:
    b["size"] = builtins.int(apply(_masked_count, b["input"], b["mask"]).item())


def _pre_bincount(b: dict[str, Any]) -> None:
    x = b["input"]
    top = builtins.int(apply(ops.max, x).item()) + 1 if np.size(_raw(x)) else 0
    b["length"] = builtins.max(top, builtins.int(b["minlength"]))


def _where(condition: Any, input: Any = None, other: Any = None, *, size: Any = None) -> Any:
    if input is None and other is None:
        return tuple(_to_int64(i) for i in ops.nonzero(condition, as_tuple=True, size=size))
    return ops.where(condition, input, other)


_WRAPPERS["_where"] = _where


# ----------------------------------------------------------------------------------------------
# the table
# ----------------------------------------------------------------------------------------------

_UNARY = (
    "abs absolute neg negative sign sgn reciprocal square sqrt rsqrt exp exp2 expm1 log log2 log10"
    " log1p sin cos tan asin acos atan arcsin arccos arctan sinh cosh tanh asinh acosh atanh"
    " arcsinh arccosh arctanh sigmoid erf erfc erfinv lgamma digamma floor ceil trunc fix frac"
    " deg2rad rad2deg sinc bitwise_not logical_not"
)
_PREDICATES = "isnan isinf isposinf isneginf isfinite isreal signbit"
_BINARY_INPLACE = (
    "mul multiply true_divide floor_divide remainder fmod atan2 arctan2 hypot xlogy copysign"
    " bitwise_and bitwise_or bitwise_xor bitwise_left_shift bitwise_right_shift logical_and"
    " logical_or logical_xor eq ne not_equal lt less le less_equal gt greater ge greater_equal"
    " heaviside:values"
)
_BINARY = "maximum minimum fmax fmin logaddexp logaddexp2 kron"
_MATMUL = "matmul mm:mat2 bmm:mat2 mv:vec dot vdot inner outer:vec2 ger:vec2"
_REDUCE_DTYPE = "sum nansum mean nanmean prod"

# name = ops function (or @wrapper) | signature | flags: m method, f function, i in-place,
# x cast every int32 output to int64, n cast the .indices field, b return a Python bool,
# v the outputs are views of the first argument (they alias its storage, see compat._views),
# s=<param> the parameter a method's self binds to (default: the first)
_ROWS = """
add | input:T, other:T, *, alpha=1 | mf
sub | input:T, other:T, *, alpha=1 | mf
subtract | input:T, other:T, *, alpha=1 | mfi
div | input:T, other:T, *, rounding_mode=None | mf
divide | input:T, other:T, *, rounding_mode=None | mfi
pow | input:T, exponent:T | mfi
float_power=@_float_power | input:T, exponent:T | mf
positive=@_positive | input:T | mf
round | input:T, *, decimals=0 | mfi
logit | input:T, eps=None | mfi
nan_to_num | input:T, nan=0.0, posinf=None, neginf=None | mfi
clamp | input:T, min:T=None, max:T=None | mfi
clip | input:T, min:T=None, max:T=None | mfi
lerp | input:T, end:T, weight:T | mfi
addcmul | input:T, tensor1:T, tensor2:T, *, value=1 | mfi
addcdiv | input:T, tensor1:T, tensor2:T, *, value=1 | mfi
isclose | input:T, other:T, rtol=1e-05, atol=1e-08, equal_nan=False | mf
allclose | input:T, other:T, rtol=1e-05, atol=1e-08, equal_nan=False | mfb
equal | input:T, other:T | mfb
std | input:T, dim=None, unbiased=None, keepdim=False, *, correction=None | mf
var | input:T, dim=None, unbiased=None, keepdim=False, *, correction=None | mf
std_mean | input:T, dim=None, unbiased=None, keepdim=False, *, correction=None | f
var_mean | input:T, dim=None, unbiased=None, keepdim=False, *, correction=None | f
max | input:T, dim:A=None, keepdim=False | mfn
min | input:T, dim:A=None, keepdim=False | mfn
amax | input:T, dim=(), keepdim=False | mf
amin | input:T, dim=(), keepdim=False | mf
aminmax | input:T, *, dim=None, keepdim=False | mf
argmax | input:T, dim=None, keepdim=False | mfx
argmin | input:T, dim=None, keepdim=False | mfx
logsumexp | input:T, dim, keepdim=False | mf
norm | input:T, p='fro', dim=None, keepdim=False, dtype:D=None | mf
all | input:T, dim=None, keepdim=False | mf
any | input:T, dim=None, keepdim=False | mf
count_nonzero | input:T, dim=None | mfx
cumsum | input:T, dim, *, dtype:D=None | mfi
cumprod | input:T, dim, *, dtype:D=None | mfi
cummax | input:T, dim | mfn
cummin | input:T, dim | mfn
logcumsumexp | input:T, dim | mf
reshape | input:T, *shape | mfv
view | input:T, *shape | mv
permute | input:T, *dims | mfv
transpose | input:T, dim0, dim1 | mfv
swapaxes | input:T, axis0, axis1 | mfv
swapdims | input:T, dim0, dim1 | mfv
t | input:T | mfv
adjoint | input:T | mf
movedim | input:T, source, destination | mfv
moveaxis | input:T, source, destination | mfv
squeeze | input:T, dim=None | mfv
unsqueeze | input:T, dim | mfv
flatten | input:T, start_dim=0, end_dim=-1 | mfv
unflatten | input:T, dim, sizes | mfv
ravel | input:T | mfv
split | tensor:T, split_size_or_sections, dim=0 | mfv
chunk | input:T, chunks, dim=0 | mfv
tensor_split | input:T, indices_or_sections, dim=0 | mfv
unbind | input:T, dim=0 | mfv
expand | input:T, *sizes | mv
expand_as | input:T, other:T | mv
broadcast_to | input:T, size | mfv
repeat | input:T, *repeats | m
repeat_interleave | input:T, repeats:A=None, dim=None, *, output_size=None | mf
tile | input:T, *dims | mf
flip | input:T, *dims | mf
fliplr | input:T | mf
flipud | input:T | mf
roll | input:T, shifts, dims=None | mf
rot90 | input:T, k=1, dims=(0, 1) | mf
narrow | input:T, dim, start, length | mfv
select | input:T, dim, index | mfv
tril | input:T, diagonal=0 | mfi
triu | input:T, diagonal=0 | mfi
diagonal | input:T, offset=0, dim1=0, dim2=1 | mfv
diag | input:T, diagonal=0 | mf
diag_embed | input:T, offset=0, dim1=-2, dim2=-1 | mf
diagflat | input:T, offset=0 | mf
cat | tensors:L, dim=0 | f
concat | tensors:L, dim=0 | f
concatenate | tensors:L, dim=0 | f
stack | tensors:L, dim=0 | f
hstack | tensors:L | f
vstack | tensors:L | f
dstack | tensors:L | f
column_stack | tensors:L | f
broadcast_tensors | *tensors:T | f
atleast_1d | *tensors:T | f
atleast_2d | *tensors:T | f
atleast_3d | *tensors:T | f
meshgrid | *tensors:T, indexing='ij' | f
where=@_where | condition:T, input:T=None, other:T=None, *, size=None | mf s=input
nonzero | input:T, *, as_tuple=False, size=None | mfx
masked_select | input:T, mask:T, *, size=None | mf
masked_fill | input:T, mask:T, value:T | mfi
gather | input:T, dim, index:T | mf
scatter=@_scatter | input:T, dim, index:T, src:A=None, value=None, reduce=None | mfi
scatter_add | input:T, dim, index:T, src:T | mfi
scatter_reduce | input:T, dim, index:T, src:T, reduce, include_self=True | mfi
index_select | input:T, dim, index:T | mf
index_add | input:T, dim, index:T, source:T, alpha=1 | mfi
index_copy | input:T, dim, index:T, source:T | mfi
index_fill | input:T, dim, index:T, value:T | mfi
take | input:T, index:T | mf
take_along_dim | input:T, indices:T, dim=None | mf
put | input:T, index:T, source:T, accumulate=False | mfi
addmm | input:T, mat1:T, mat2:T, *, beta=1, alpha=1 | mfi
addmv | input:T, mat:T, vec:T, *, beta=1, alpha=1 | mfi
addbmm | input:T, batch1:T, batch2:T, *, beta=1, alpha=1 | mfi
baddbmm | input:T, batch1:T, batch2:T, *, beta=1, alpha=1 | mfi
einsum | equation, *operands:T | f
tensordot | a:T, b:T, dims=2 | f
cross | input:T, other:T, dim=None | mf
trace | input:T | mf
chain_matmul | *matrices:T | f
sort | input:T, dim=-1, descending=False, *, stable=False | mfn
argsort | input:T, dim=-1, descending=False, *, stable=False | mfx
msort | input:T | mf
topk | input:T, k, dim=-1, largest=True, sorted=True | mfn
kthvalue | input:T, k, dim=-1, keepdim=False | mfn
median | input:T, dim=None, keepdim=False | mfn
nanmedian | input:T, dim=None, keepdim=False | mfn
mode | input:T, dim=-1, keepdim=False | mfn
quantile | input:T, q:A, dim=None, keepdim=False, *, interpolation='linear' | mf
nanquantile | input:T, q:A, dim=None, keepdim=False, *, interpolation='linear' | mf
bincount | input:T, weights:T=None, minlength=0, *, length=None | mfx
searchsorted | sorted_sequence:T, values:T, *, out_int32=False, right=False, side=None, sorter:T=None | fx
histc | input:T, bins=100, min=0, max=0 | mf
clamp_min=@_clamp_min | input:T, min:T | mfi
clamp_max=@_clamp_max | input:T, max:T | mfi
unique=@_unique | input:T, sorted=True, return_inverse=False, return_counts=False, dim=None, *, size=None | mf
unique_consecutive=@_unique_consecutive | input:T, return_inverse=False, return_counts=False, dim=None, *, size=None | mf
diff | input:T, n=1, dim=-1, prepend:T=None, append:T=None | mf
unfold | input:T, dimension, size, step | m
conj | input:T | mf
resolve_conj=@_resolve | input:T | mf
resolve_neg=@_resolve | input:T | mf
real | input:T | mf
imag | input:T | mf
angle | input:T | mf
hsplit | input:T, indices_or_sections | mfv
vsplit | input:T, indices_or_sections | mfv
dsplit | input:T, indices_or_sections | mfv
split_with_sizes=split | input:T, split_sizes, dim=0 | mfv
argwhere=nonzero | input:T, *, size=None | mfx
masked_scatter | input:T, mask:T, source:T | mfi
index_put | input:T, indices:L, values:T, accumulate=False | mfi
renorm | input:T, p, dim, maxnorm | mfi
sum_to_size | input:T, *size | m
dist | input:T, other:T, p=2 | mf
cov | input:T, *, correction=1, fweights:T=None, aweights:T=None | mf
corrcoef | input:T | mf
frexp | input:T | mf
ldexp | input:T, other:T | mfi
gcd | input:T, other:T | mfi
lcm | input:T, other:T | mfi
i0 | input:T | mfi
nextafter | input:T, other:T | mfi
polygamma | n, input:T | mfi s=input
mvlgamma | input:T, p | mfi
fill_diagonal | input:T, fill_value:T, wrap=False | i
det | input:T | mf
logdet | input:T | mf
slogdet | input:T | mf
inverse | input:T | mf
pinverse | input:T, rcond=1e-15 | mf
matrix_power | input:T, n | mf
matrix_exp | input:T | mf
cholesky | input:T, upper=False | mf
cholesky_solve | input:T, input2:T, upper=False | mf
cholesky_inverse | input:T, upper=False | mf
qr | input:T, some=True | mf
svd | input:T, some=True, compute_uv=True | mf
triangular_solve | input:T, A:T, upper=True, transpose=False, unitriangular=False | mf
lu | input:T, pivot=True, get_infos=False | mf
conj_physical=conj | input:T | mfi
narrow_copy=narrow | input:T, dim, start, length | mf
addr | input:T, vec1:T, vec2:T, *, beta=1, alpha=1 | mfi
igamma | input:T, other:T | mfi
igammac | input:T, other:T | mfi
index_reduce | input:T, dim, index:T, source:T, reduce, *, include_self=True | mfi
select_scatter | input:T, src:T, dim, index | mf
slice_scatter | input:T, src:T, dim=0, start=None, end=None, step=1 | mf
diagonal_scatter | input:T, src:T, offset=0, dim1=0, dim2=1 | mf
_as_strided=as_strided | input:T, size, stride, storage_offset=0 | v
as_strided_scatter | input:T, src:T, size, stride, storage_offset=None | mf
stft | input:T, n_fft, hop_length=None, win_length=None, window:T=None, center=True, pad_mode='reflect', normalized=False, onesided=None, return_complex=None | mf
istft | input:T, n_fft, hop_length=None, win_length=None, window:T=None, center=True, normalized=False, onesided=None, length=None, return_complex=False | mf
"""


def _check_bounds(op: str, index: Any, size: builtins.int, low: builtins.int) -> None:
    """Eager bounds check of a concrete index (jitted ops cannot raise on values)."""
    value = _raw(index)
    if isinstance(value, jax.core.Tracer) or np.size(value) == 0:
        return
    arr = np.asarray(value)
    bad = arr[(arr < low) | (arr >= size)]
    if bad.size:
        raise IndexOutOfRangeError(
            f"{op}: index {bad.reshape(-1)[0]} is out of bounds for size {size} "
            f"(expected indices in [{low}, {size}))"
        )


def _dim_size(op: str, x: Any, dim: Any) -> builtins.int:
    shape = np.shape(_raw(x))
    if not isinstance(dim, builtins.int | np.integer) or not -len(shape) <= dim < builtins.max(
        len(shape), 1
    ):
        raise IndexOutOfRangeError(
            f"{op}: dim {dim} is out of range for a tensor of {len(shape)} dimension(s)"
        )
    return shape[dim] if shape else 1


def _pre_dim_index(op: str) -> Callable[[dict[str, Any]], None]:
    def check(b: dict[str, Any]) -> None:
        _check_bounds(op, b["index"], _dim_size(op, b["input"], b["dim"]), 0)

    return check


def _pre_take(b: dict[str, Any]) -> None:
    n = builtins.int(np.size(_raw(b["input"])))
    _check_bounds("take", b["index"], n, -n)


def _pre_take_along_dim(b: dict[str, Any]) -> None:
    x = b["input"]
    size = (
        builtins.int(np.size(_raw(x)))
        if b["dim"] is None
        else _dim_size("take_along_dim", x, b["dim"])
    )
    _check_bounds("take_along_dim", b["indices"], size, -size)


def _pre_int64_accumulate(b: dict[str, Any]) -> None:
    """Integer and bool sums/products accumulate in int64, as torch's."""
    x = b["input"]
    if b["dtype"] is None and isinstance(x, Tensor) and x._value.dtype.kind in "biu":
        b["dtype"] = _INT64


def _pre_unique(b: dict[str, Any]) -> None:
    x, dim = _raw(b["input"]), b["dim"]
    if isinstance(x, jax.core.Tracer):
        return  # under a trace: ops.unique asks for size=
    fn = ops.unique if "sorted" in b else ops.unique_consecutive
    values = fn(x, dim=dim)
    b["size"] = builtins.int(values.shape[0 if dim is None else dim])


def _pre_masked_scatter(b: dict[str, Any]) -> None:
    mask, source = _raw(b["mask"]), _raw(b["source"])
    if isinstance(mask, jax.core.Tracer) or not _is_array(mask):
        return
    x = _raw(b["input"])
    try:
        shape = np.broadcast_shapes(np.shape(x), np.shape(mask))
    except ValueError:
        return  # the op raises ShapeError naming both shapes
    count = builtins.int(np.count_nonzero(np.broadcast_to(np.asarray(mask), shape)))
    if count > np.size(source):
        raise ShapeError(
            f"masked_scatter: expected source to have at least {count} elements (the True "
            f"values of mask), got {np.size(source)}"
        )


def _pre_index_put(b: dict[str, Any]) -> None:
    """Bool masks become integer indices and indices are bounds-checked, eagerly."""
    shape = np.shape(_raw(b["input"]))
    if not isinstance(b["indices"], list | tuple):
        raise ArgumentTypeError(
            f"index_put: indices must be a tuple of index tensors, got "
            f"{type(b['indices']).__name__}"
        )
    out: list[Any] = []
    for index in b["indices"]:
        value = _raw(index)
        if _is_array(value) and not isinstance(value, jax.core.Tracer):
            arr = np.asarray(value)
            if arr.dtype == np.bool_:
                out.extend(Tensor._wrap(jax.numpy.asarray(a)) for a in np.nonzero(arr))
                continue
            if arr.dtype.kind in "iu" and len(out) < len(shape):
                size = shape[len(out)]
                _check_bounds("index_put", arr, size, -size)
        out.append(index)
    b["indices"] = tuple(out)


def _pre_split_with_sizes(b: dict[str, Any]) -> None:
    if not isinstance(b["split_sizes"], list | tuple):
        raise ArgumentTypeError(
            f"split_with_sizes: split_sizes must be a sequence of ints, got "
            f"{type(b['split_sizes']).__name__}"
        )


def _pre_istft(b: dict[str, Any]) -> None:
    """The window's overlap-add check needs its values: run it eagerly (jitted ops cannot raise)."""
    x, window = _raw(b["input"]), _raw(b["window"])
    if isinstance(x, jax.core.Tracer) or isinstance(window, jax.core.Tracer) or not _is_array(x):
        return
    shape = np.shape(x)[-2:]
    if len(shape) == 2 and np.iscomplexobj(x):
        zeros = jax.numpy.zeros(shape, x.dtype)
        static = {k: b[k] for k in ("hop_length", "win_length", "center", "normalized")}
        static.update(onesided=b["onesided"], length=b["length"])
        static["return_complex"] = b["return_complex"]
        ops.istft(zeros, b["n_fft"], window=window, **static)


def _no_input_grad(op: str) -> Callable[[dict[str, Any], Any], None]:
    """Backward through the result raises: torch defines no derivative w.r.t. ``input``."""

    def post(b: dict[str, Any], out: Any) -> None:
        a = b["input"]
        if not (isinstance(a, Tensor) and a.requires_grad and isinstance(out, Tensor)):
            return
        if not out.requires_grad:
            return

        def hook(grad: Any) -> None:
            raise UnsupportedError(f"the derivative for '{op}: input' is not implemented.")

        out.register_hook(hook)

    return post


_POST: dict[str, Callable[[dict[str, Any], Any], None]] = {
    "igamma": _no_input_grad("igamma"),
    "igammac": _no_input_grad("igammac"),
}


_PRE: dict[str, Callable[[dict[str, Any]], None]] = {
    "istft": _pre_istft,
    "sum": _pre_int64_accumulate,
    "nansum": _pre_int64_accumulate,
    "prod": _pre_int64_accumulate,
    "cumsum": _pre_int64_accumulate,
    "cumprod": _pre_int64_accumulate,
    "nonzero": _pre_nonzero,
    "where": _pre_where,
    "masked_select": _pre_masked_select,
    "bincount": _pre_bincount,
    "take": _pre_take,
    "take_along_dim": _pre_take_along_dim,
    "unique": _pre_unique,
    "unique_consecutive": _pre_unique,
    "argwhere": _pre_nonzero,
    "masked_scatter": _pre_masked_scatter,
    "index_put": _pre_index_put,
    "split_with_sizes": _pre_split_with_sizes,
    **{
        n: _pre_dim_index(n)
        for n in [
            "gather",
            "scatter",
            "scatter_add",
            "scatter_reduce",
            "index_select",
            "index_add",
            "index_copy",
            "index_fill",
            "index_reduce",
        ]
    },
}


def _generated_rows() -> list[str]:
    rows = [f"{n} | input:T | mfi" for n in _UNARY.split()]
    rows += [f"{n} | input:T | mf" for n in _PREDICATES.split()]
    for group, flags in ((_BINARY_INPLACE, "mfi"), (_BINARY, "mf"), (_MATMUL, "mf")):
        for entry in group.split():
            name, _, other = entry.partition(":")
            rows.append(f"{name} | input:T, {other or 'other'}:T | {flags}")
    rows += [
        f"{n} | input:T, dim=None, keepdim=False, *, dtype:D=None | mf"
        for n in _REDUCE_DTYPE.split()
    ]
    return rows


def _parse_signature(sig: str) -> tuple[_Param, ...]:
    node = ast.parse(f"def f({sig}): pass").body[0]
    args = node.args  # type: ignore[attr-defined]

    def kind(a: ast.arg) -> str:
        return a.annotation.id if a.annotation is not None else ""  # type: ignore[attr-defined]

    params = []
    pos_defaults = [_REQUIRED] * (len(args.args) - len(args.defaults)) + [
        ast.literal_eval(d) for d in args.defaults
    ]
    for a, d in zip(args.args, pos_defaults, strict=True):
        params.append(_Param(a.arg, kind(a), d, False, False))
    if args.vararg is not None:
        params.append(_Param(args.vararg.arg, kind(args.vararg), (), False, True))
    for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        default = _REQUIRED if d is None else ast.literal_eval(d)
        params.append(_Param(a.arg, kind(a), default, True, False))
    return tuple(params)


def _parse_row(row: str) -> _Spec:
    head, sig, flags = (part.strip() for part in row.split("|"))
    name, _, target = head.partition("=")
    if target.startswith("@"):
        fn = _WRAPPERS[target[1:]]
    else:
        fn = getattr(ops, target or name)
    params = _parse_signature(sig)
    flag, _, self_param = flags.partition(" s=")
    index = "all" if "x" in flag else "indices" if "n" in flag else None
    spec = _Spec(
        name=name,
        fn=fn,
        params=params,
        method="m" in flag,
        function="f" in flag,
        inplace="i" in flag,
        index=index,
        to_python="b" in flag,
        view="v" in flag,
        self_param=self_param or params[0].name,
        pre=_PRE.get(name),
        post=_POST.get(name),
    )
    object.__setattr__(spec, "op", _make_op(spec))
    return spec


# ----------------------------------------------------------------------------------------------
# the generic op, binding and call
# ----------------------------------------------------------------------------------------------


def _to_int64(leaf: Any) -> Any:
    return leaf.astype(_INT64) if leaf.dtype == _INT32 else leaf


def _cast_for_inplace(out: Any, dtype: np.dtype) -> Any:
    inexact = np.issubdtype(out.dtype, np.inexact)
    if out.dtype == dtype or (inexact and not np.issubdtype(dtype, np.inexact)):
        return out  # (a float result for an integer tensor: _inplace raises torch's error)
    return out.astype(dtype)


def _make_op(spec: _Spec) -> Callable[..., Any]:
    """The pure function the engine jits for ``spec``: traced args positional, static keyword."""
    fn, params, index = spec.fn, spec.params, spec.index
    spread = {n for n, p in inspect.signature(fn).parameters.items() if p.kind is p.VAR_POSITIONAL}

    def op(
        *traced: Any,
        _layout: tuple[tuple[str, int | None], ...],
        _cast_to: Any = None,
        **static: Any,
    ) -> Any:
        values = dict(static)
        i = 0
        for name, n in _layout:
            if n is None:
                values[name] = traced[i]
                i += 1
            else:
                values[name] = tuple(traced[i : i + n])
                i += n
        pos: list[Any] = []
        kw: dict[str, Any] = {}
        for p in params:
            if p.kwonly:
                kw[p.name] = values[p.name]
            elif p.varargs and p.name in spread:
                pos.extend(values[p.name])
            else:
                pos.append(values[p.name])
        out = fn(*pos, **kw)
        if _cast_to is not None:  # in-place: the result in self's dtype, inside the recorded op
            return _cast_for_inplace(out, _cast_to)
        if index == "all" and not static.get("out_int32"):
            return jax.tree_util.tree_map(_to_int64, out)
        if index == "indices" and hasattr(out, "indices"):
            return out._replace(indices=_to_int64(out.indices))
        return out

    op.__name__ = spec.name
    op.__qualname__ = spec.name
    return op


def _raw(x: Any) -> Any:
    return x._value if isinstance(x, Tensor) else x


def _is_array(x: Any) -> builtins.bool:
    return isinstance(x, Tensor | jax.Array | np.ndarray)


def _check_traced(spec: _Spec, name: str, value: Any) -> None:
    if not (_is_array(value) or isinstance(value, _NUMBERS)):
        raise ArgumentTypeError(
            f"{spec.name}: argument '{name}' must be a Tensor or a number, got "
            f"{type(value).__name__}"
        )


def _bind(
    spec: _Spec, args: tuple[Any, ...], kwargs: dict[str, Any], self: Tensor | None
) -> dict[str, Any]:
    """Torch-style binding of ``args``/``kwargs`` (and a method's ``self``) to the row's params."""
    bound: dict[str, Any] = {}
    positional = [p for p in spec.params if not p.kwonly]
    if self is not None:
        bound[spec.self_param] = self
        positional = [p for p in positional if p.name != spec.self_param]
    args = list(args)
    for p in positional:
        if not args:
            break
        if p.varargs:
            rest = args[0] if len(args) == 1 and isinstance(args[0], list | tuple) else args
            bound[p.name] = tuple(rest)
            args = []
        else:
            bound[p.name] = args.pop(0)
    if args:
        raise ArgumentTypeError(
            f"{spec.name}: takes {len(positional)} positional argument(s) but "
            f"{len(positional) + len(args)} were given"
        )
    names = {p.name for p in spec.params}
    for key, value in kwargs.items():
        if key not in names:
            raise ArgumentTypeError(
                f"{spec.name}: got an unexpected keyword argument '{key}' (expected one of "
                f"{', '.join(sorted(names))})"
            )
        if key in bound:
            raise ArgumentTypeError(f"{spec.name}: got multiple values for argument '{key}'")
        vararg = next(p for p in spec.params if p.name == key).varargs
        bound[key] = tuple(value) if vararg else value
    for p in spec.params:
        if p.name not in bound:
            if p.default is _REQUIRED:
                raise ArgumentTypeError(f"{spec.name}: missing required argument '{p.name}'")
            bound[p.name] = p.default
    return bound


def _call(
    spec: _Spec,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    self: Tensor | None = None,
    cast_to: Any = None,
) -> Any:
    if self is not None and not args and not kwargs and cast_to is None:
        # x.tanh(), x.sum(), ...: the binding is the same every time; reuse it.
        fast = _DEFAULT_CALLS.get(spec.name)
        if fast is not None and fast[0] is spec:
            out = apply(spec.op, self, **fast[1])
            if spec.view:
                return _views.make_views(self, out, spec.op, fast[1], ())
            return builtins.bool(out) if spec.to_python else out
    bound = _bind(spec, args, kwargs, self)
    if spec.pre is not None:
        spec.pre(bound)
    traced: list[Any] = []
    layout: list[tuple[str, int | None]] = []
    static: dict[str, Any] = {}
    for p in spec.params:
        value = bound[p.name]
        if p.kind == "L" or (p.kind == "T" and p.varargs):
            for v in value:
                _check_traced(spec, p.name, v)
            traced.extend(value)
            layout.append((p.name, len(value)))
        elif (p.kind == "T" and value is not None) or (p.kind == "A" and _is_array(value)):
            _check_traced(spec, p.name, value)
            traced.append(value)
            layout.append((p.name, None))
        elif p.kind == "D":
            static[p.name] = None if value is None else _np_dtype(spec.name, value)
        else:
            static[p.name] = _static(value)
    if cast_to is not None:
        static["_cast_to"] = cast_to
    static["_layout"] = tuple(layout)
    if (
        self is not None
        and not args
        and not kwargs
        and cast_to is None
        and spec.pre is None
        and spec.post is None
        and len(traced) == 1
        and traced[0] is self
    ):
        _DEFAULT_CALLS[spec.name] = (spec, dict(static))
    out = apply(spec.op, *traced, **static)
    if spec.view and isinstance(traced[0], Tensor):
        return _views.make_views(traced[0], out, spec.op, static, tuple(traced[1:]))
    if spec.post is not None:
        spec.post(bound, out)
    return builtins.bool(out) if spec.to_python else out


# Method calls without arguments (``x.tanh()``): the spec and the static arguments to reuse.
_DEFAULT_CALLS: dict[str, tuple[Any, dict[str, Any]]] = {}


def _static(value: Any) -> Any:
    if isinstance(value, Tensor):
        return value.item()
    if isinstance(value, list | tuple):
        return tuple(_static(v) for v in value)
    return value


def _np_dtype(op: str, value: Any) -> np.dtype:
    return _dtype._to_numpy_dtype(value, op)


# ----------------------------------------------------------------------------------------------
# generated functions and methods
# ----------------------------------------------------------------------------------------------


def _signature_text(spec: _Spec) -> str:
    parts = []
    star = False
    for p in spec.params:
        if p.kwonly and not star:
            parts.append("*")
            star = True
        text = f"*{p.name}" if p.varargs else p.name
        if p.default is not _REQUIRED and not p.varargs:
            text += f"={p.default!r}"
        parts.append(text)
    return ", ".join(parts)


def _doc(spec: _Spec, kind: str) -> str:
    target = getattr(spec.fn, "__name__", spec.name).lstrip("_")
    traced = [p.name for p in spec.params if p.kind in ("T", "A", "L")]
    args = "\n".join(
        f"        {p.name}: {'Tensor(s) or number' if p.name in traced else 'Static argument'}"
        f"{'' if p.default is _REQUIRED or p.varargs else f' (default {p.default!r})'}."
        for p in spec.params
    )
    what = {
        "function": f"``torch.{spec.name}({_signature_text(spec)})``",
        "method": f"``Tensor.{spec.name}``",
        "inplace": f"In-place ``Tensor.{spec.name}_`` (writes the result into this tensor)",
    }[kind]
    return (
        f"{what}, computed by :func:`rustorch_fx.ops.{target}`.\n\n"
        f"    Args:\n{args}\n\n"
        "    Returns:\n        A Tensor, or a tuple/named tuple of Tensors, as torch returns.\n\n"
        "    Raises:\n        RusTorchError: For arguments torch rejects (wrong types, shapes, dims).\n"
    )


def _make_function(spec: _Spec) -> Callable[..., Any]:
    def function(*args: Any, **kwargs: Any) -> Any:
        return _call(spec, args, kwargs)

    function.__name__ = function.__qualname__ = spec.name
    function.__doc__ = _doc(spec, "function")
    function.__module__ = "compat"
    return function


def _make_method(spec: _Spec) -> Callable[..., Any]:
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Any:
        return _call(spec, args, kwargs, self)

    method.__name__ = spec.name
    method.__qualname__ = f"Tensor.{spec.name}"
    method.__doc__ = _doc(spec, "method")
    return method


def _make_inplace(spec: _Spec) -> Callable[..., Any]:
    name = spec.name + "_"

    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        return self._inplace(name, _call(spec, args, kwargs, self, self._value.dtype))

    method.__name__ = name
    method.__qualname__ = f"Tensor.{name}"
    method.__doc__ = _doc(spec, "inplace")
    return method


_TABLE: dict[str, _Spec] = {}
for _row in _generated_rows() + [r for r in _ROWS.strip().splitlines() if r.strip()]:
    _spec = _parse_row(_row)
    _TABLE[_spec.name] = _spec

_FUNCTIONS: dict[str, Callable[..., Any]] = {
    name: _make_function(spec) for name, spec in _TABLE.items() if spec.function
}
globals().update(_FUNCTIONS)

# methods and in-place methods; names the Tensor class defines itself are kept
_METHODS: dict[str, Callable[..., Any]] = {}
for _spec in _TABLE.values():
    if _spec.method:
        _METHODS[_spec.name] = _make_method(_spec)
    if _spec.inplace:
        _METHODS[_spec.name + "_"] = _make_inplace(_spec)


# ----------------------------------------------------------------------------------------------
# hand-written methods: dtype/device conversion, views of the same shape, operators
# ----------------------------------------------------------------------------------------------


def _to_dtype(self: Tensor, dtype: Any, op: str, copy: builtins.bool = False) -> Tensor:
    target = _np_dtype(op, dtype)
    if target == self._value.dtype and not copy:
        return self
    return apply(_cast, self, dtype=target)


def _on(t: Tensor, device: Any) -> builtins.bool:
    return device in t._value.devices()


def _to(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """Convert dtype and/or device, as ``Tensor.to``: ``x.to(dtype)``, ``x.to(device)``, ``x.to(other)``.

    Args:
        self: The tensor.
        *args: A dtype, a device (``"cpu"``, ``"cuda:0"``, a compat device), both, or a tensor
            whose dtype and device to take.
        **kwargs: ``dtype``, ``device``, ``copy``; ``non_blocking`` and ``memory_format`` are
            accepted and ignored.

    Returns:
        This tensor when nothing changes (and ``copy`` is false), else a new tensor; a
        float-to-float conversion is differentiable.

    Raises:
        DTypeError: For something that is not a dtype.
        DeviceError: For a device that is not available.
        ArgumentTypeError: For an unexpected keyword.

    Example:
        >>> import compat
        >>> compat.tensor([1.5]).to(compat.float64).dtype == compat.tensor([1.0]).double().dtype
        True
    """
    from compat import _device

    dtype = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise ArgumentTypeError(f"to: got an unexpected keyword argument '{next(iter(kwargs))}'")
    for a in args:
        if isinstance(a, Tensor):
            dtype, device = a._value.dtype, next(iter(a._value.devices()))
        elif isinstance(a, builtins.bool):  # x.to(dtype, non_blocking) positional flags
            continue
        elif isinstance(a, str | builtins.int | _device.device | jax.Device) or (
            type(a).__name__ == "device"
        ):
            device = a
        else:
            dtype = a
    out = self
    if device is not None:
        jax_device = (
            device if isinstance(device, jax.Device) else _device._to_jax_device(device, "to")
        )
        if not _on(self, jax_device):
            out = apply(_move, out, device=jax_device)
            copy = False
    if dtype is not None:
        out = _to_dtype(out, dtype, "to", copy)
    elif copy:
        out = out.clone()
    return out


def _make_cast(name: str, dtype: Any) -> Callable[..., Any]:
    def cast(self: Tensor, memory_format: Any = None) -> Tensor:
        return _to_dtype(self, dtype, name)

    cast.__name__ = name
    cast.__qualname__ = f"Tensor.{name}"
    cast.__doc__ = (
        f"``self.to({dtype})``: this tensor when it already has that dtype.\n\n"
        "    Args:\n        memory_format: Accepted and ignored.\n\n"
        "    Returns:\n        The converted tensor (differentiable float to float).\n"
    )
    return cast


_CASTS = {
    "float": _dtype.float32,
    "double": _dtype.float64,
    "half": _dtype.float16,
    "bfloat16": _dtype.bfloat16,
    "long": _dtype.int64,
    "int": _dtype.int32,
    "short": _dtype.int16,
    "char": _dtype.int8,
    "byte": _dtype.uint8,
    "bool": _dtype.bool,
    "cfloat": _dtype.complex64,
    "cdouble": _dtype.complex128,
}
for _name, _dt in _CASTS.items():
    _METHODS[_name] = _make_cast(_name, _dt)


def _type_as(self: Tensor, other: Tensor) -> Tensor:
    if not isinstance(other, Tensor):
        raise ArgumentTypeError(f"type_as: expected a Tensor, got {type(other).__name__}")
    return _to_dtype(self, other._value.dtype, "type_as")


def _shape_of(op: str, other: Any) -> tuple[builtins.int, ...]:
    if not isinstance(other, Tensor):
        raise ArgumentTypeError(f"{op}: expected a Tensor, got {type(other).__name__}")
    return other.shape


def _view_as(self: Tensor, other: Tensor) -> Tensor:
    return _call(_TABLE["view"], _shape_of("view_as", other), {}, self)


def _reshape_as(self: Tensor, other: Tensor) -> Tensor:
    return _call(_TABLE["reshape"], _shape_of("reshape_as", other), {}, self)


def _fill_(self: Tensor, value: Any) -> Tensor:
    if isinstance(value, Tensor) and value.ndim:
        raise DTypeError(
            f"fill_: only supports 0-dimension value tensor but got tensor with {value.ndim} "
            "dimensions"
        )
    return self._inplace("fill_", apply(_fill, self, value))


def _contiguous(self: Tensor, memory_format: Any = None) -> Tensor:
    return self


def _is_contiguous(self: Tensor, memory_format: Any = None) -> builtins.bool:
    return True


def _T(self: Tensor) -> Tensor:
    return _call(_TABLE["permute"], tuple(range(self.ndim - 1, -1, -1)), {}, self)


def _mT(self: Tensor) -> Tensor:
    return _call(_TABLE["transpose"], (-2, -1), {}, self)


def _mH(self: Tensor) -> Tensor:
    if self.ndim < 2:
        raise ShapeError(
            f"mH: tensor.mH is only supported on matrices or batches of matrices. Got "
            f"{self.ndim}-D tensor."
        )
    return _call(_TABLE["adjoint"], (), {}, self)


def _H(self: Tensor) -> Tensor:
    if self.ndim not in (0, 2):
        raise ShapeError(
            f"H: tensor.H is only supported on matrices (2-D tensors). Got {self.ndim}-D tensor."
        )
    return (
        _call(_TABLE["adjoint"], (), {}, self) if self.ndim else _call(_TABLE["conj"], (), {}, self)
    )


def _inplace_view(name: str) -> Callable[..., Any]:
    method = name[:-1]

    def inplace(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        return _views.inplace_view(self, name, lambda t: _call(_TABLE[method], args, kwargs, t))

    inplace.__name__ = name
    inplace.__doc__ = (
        f"In-place :meth:`{method}`: this tensor takes the new shape (a view of the same "
        "elements) and its version is bumped, as in torch."
    )
    return inplace


def _binary(name: str, reflected: builtins.bool = False) -> Callable[..., Any]:
    spec = _TABLE[name]

    def operator(self: Tensor, other: Any) -> Any:
        return _call(spec, (other, self) if reflected else (self, other), {})

    return operator


def _unary(name: str) -> Callable[..., Any]:
    spec = _TABLE[name]

    def operator(self: Tensor) -> Any:
        return _call(spec, (self,), {})

    return operator


def _iop(name: str) -> Callable[..., Any]:
    def operator(self: Tensor, other: Any) -> Tensor:
        return getattr(self, name)(other)

    return operator


# ----------------------------------------------------------------------------------------------
# metadata and cheap methods (compat stores every tensor densely, C-contiguous, on one device)
# ----------------------------------------------------------------------------------------------


class layout:
    """A memory layout, as ``torch.layout``; compat tensors are always :data:`strided`.

    Args:
        name: The layout's name (``"strided"``).

    Example:
        >>> import compat
        >>> compat.zeros(2).layout
        torch.strided
    """

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self) -> str:
        return self.name


strided = layout("strided")


def _nelement(self: Tensor) -> builtins.int:
    """Number of elements (an alias of :meth:`numel`).

    Returns:
        An int.

    Example:
        >>> import compat
        >>> compat.zeros(2, 3).nelement()
        6
    """
    return builtins.int(np.size(self._value))


def _ndimension(self: Tensor) -> builtins.int:
    """Number of dimensions (an alias of :meth:`dim`).

    Returns:
        An int.

    Example:
        >>> import compat
        >>> compat.zeros(2, 3).ndimension()
        2
    """
    return self._value.ndim


def _element_size(self: Tensor) -> builtins.int:
    """Size of one element in bytes.

    Returns:
        An int (4 for float32).

    Example:
        >>> import compat
        >>> compat.zeros(2, dtype=compat.float64).element_size()
        8
    """
    return np.dtype(self._value.dtype).itemsize


def _nbytes(self: Tensor) -> builtins.int:
    """Bytes the elements take: ``numel() * element_size()``."""
    return builtins.int(np.size(self._value)) * np.dtype(self._value.dtype).itemsize


def _contiguous_strides(shape: tuple[builtins.int, ...]) -> tuple[builtins.int, ...]:
    strides = []
    step = 1
    for size in reversed(shape):
        strides.append(step)
        step *= builtins.max(size, 1)
    return tuple(reversed(strides))


def _stride(self: Tensor, dim: Any = None) -> Any:
    """The strides, in elements, of a C-contiguous tensor of this shape (torch's convention).

    compat stores every tensor densely in row-major order (a transposed or expanded view holds
    its own dense values), so this is always the contiguous stride; torch gives a transposed
    or expanded view's strides into its base instead.

    Args:
        self: The tensor.
        dim: A dimension, to get that one stride.

    Returns:
        A tuple of ints, or an int.

    Raises:
        IndexOutOfRangeError: If ``dim`` is out of range.

    Example:
        >>> import compat
        >>> compat.zeros(2, 3, 4).stride()
        (12, 4, 1)
    """
    strides = _contiguous_strides(tuple(self._value.shape))
    if dim is None:
        return strides
    if not isinstance(dim, builtins.int | np.integer) or isinstance(dim, builtins.bool):
        raise ArgumentTypeError(f"stride: dim must be an int, got {type(dim).__name__}")
    ndim = len(strides)
    if not -builtins.max(ndim, 1) <= dim < builtins.max(ndim, 1):
        raise IndexOutOfRangeError(
            f"stride: dim {dim} is out of range for a tensor of {ndim} dimension(s)"
        )
    return strides[dim] if ndim else 1


def _storage_offset(self: Tensor) -> builtins.int:
    """Offset, in elements, of this tensor's first element in its storage.

    0 for a tensor that is not a view; for a view (slice, ``select``, ``narrow``, ...), the
    position of its first element in the flattened base it aliases (torch's value for these
    views; 0 for an empty view).

    Returns:
        An int.

    Example:
        >>> import compat
        >>> x = compat.zeros(2, 3)
        >>> x[1].storage_offset(), x.storage_offset()
        (3, 0)
    """
    if self._view is None or not np.size(self._value):
        return 0
    return builtins.int(np.asarray(self._data.idx).reshape(-1)[0])


def _is_signed(self: Tensor) -> builtins.bool:
    """Whether the dtype is signed (floating, complex and signed integer dtypes).

    Returns:
        A bool: False for ``uint8`` and ``bool``.

    Example:
        >>> import compat
        >>> compat.zeros(1).is_signed(), compat.zeros(1, dtype=compat.uint8).is_signed()
        (True, False)
    """
    return np.dtype(self._value.dtype).kind in "ifc" or self._value.dtype == jax.numpy.bfloat16


def _is_nonzero(self: Tensor) -> builtins.bool:
    """Whether a one-element tensor is nonzero (``bool(x)`` that raises for other sizes).

    Returns:
        A bool.

    Raises:
        InvalidArgumentError: If the tensor does not have exactly one element.

    Example:
        >>> import compat
        >>> compat.tensor([0.5]).is_nonzero()
        True
    """
    n = np.size(self._value)
    if n != 1:
        what = "no values" if n == 0 else "more than one value"
        raise InvalidArgumentError(f"is_nonzero: Boolean value of Tensor with {what} is ambiguous")
    return builtins.bool(np.asarray(self._value).reshape(()) != 0)


def _is_same_size(self: Tensor, other: Tensor) -> builtins.bool:
    """Whether ``other`` has this tensor's shape.

    Args:
        self: The tensor.
        other: A tensor.

    Returns:
        A bool.

    Raises:
        ArgumentTypeError: If ``other`` is not a tensor.

    Example:
        >>> import compat
        >>> compat.zeros(2, 3).is_same_size(compat.ones(2, 3))
        True
    """
    return self.shape == _shape_of("is_same_size", other)


def _get_device(self: Tensor) -> builtins.int:
    """The GPU index holding this tensor, or -1 on the CPU (as torch).

    Returns:
        An int.

    Example:
        >>> import compat
        >>> compat.zeros(2).get_device()
        -1
    """
    dev = self.device
    return -1 if dev.type == "cpu" else builtins.int(dev.index or 0)


def _data_ptr(self: Tensor) -> builtins.int:
    """Address of the tensor's first element: the JAX buffer's pointer, plus a view's offset.

    JAX arrays are immutable, so an in-place op gives the tensor a new buffer and a new
    ``data_ptr()``; a view reports its base's current buffer plus its
    :meth:`storage_offset` times :meth:`element_size`, as torch. Use it to compare tensors or
    for logging, not to write memory. On a backend without buffer pointers, and inside a
    trace (no buffer exists), it is ``0``.

    Returns:
        An int.

    Example:
        >>> import compat
        >>> x = compat.zeros(2, 3)
        >>> x[1].data_ptr() - x.data_ptr() == 3 * x.element_size()
        True
    """
    root = _views.root_of(self._data).value
    getter = getattr(root, "unsafe_buffer_pointer", None)
    if getter is None or isinstance(root, jax.core.Tracer):
        return 0
    try:
        base = builtins.int(getter())
    except Exception:  # a backend or sharding without a single buffer pointer
        return 0
    return base + _storage_offset(self) * np.dtype(self._value.dtype).itemsize


def _is_inference(self: Tensor) -> builtins.bool:
    """Whether this tensor was created inside :class:`compat.inference_mode`.

    Returns:
        A bool.

    Example:
        >>> import compat
        >>> with compat.inference_mode():
        ...     y = compat.ones(2) * 2
        >>> y.is_inference(), compat.ones(2).is_inference()
        (True, False)
    """
    return self._inference


def _is_shared(self: Tensor) -> builtins.bool:
    """Whether the tensor is in shared memory: always False (JAX buffers are process-local).

    Returns:
        False.

    Example:
        >>> import compat
        >>> compat.zeros(2).is_shared()
        False
    """
    return False


def _share_memory_(self: Tensor) -> Tensor:
    """Accepted for torch compatibility: returns this tensor unchanged.

    JAX buffers cannot be moved to shared memory; compat's DataLoader workers exchange
    arrays through their own channel, so scripts calling this still run.

    Returns:
        This tensor.

    Example:
        >>> import compat
        >>> x = compat.zeros(2)
        >>> x.share_memory_() is x
        True
    """
    return self


def _pin_memory(self: Tensor, device: Any = None) -> Tensor:
    """Accepted for torch compatibility: returns this tensor (JAX manages host transfers).

    Args:
        self: The tensor.
        device: Accepted and ignored.

    Returns:
        This tensor; :meth:`is_pinned` stays False.

    Example:
        >>> import compat
        >>> x = compat.zeros(2)
        >>> x.pin_memory() is x
        True
    """
    return self


def _is_pinned(self: Tensor, device: Any = None) -> builtins.bool:
    """Whether the tensor is in page-locked memory: always False in compat.

    Args:
        self: The tensor.
        device: Accepted and ignored.

    Returns:
        False.

    Example:
        >>> import compat
        >>> compat.zeros(2).is_pinned()
        False
    """
    return False


def _output_nr(self: Tensor) -> builtins.int:
    """Which output of its ``grad_fn`` this tensor is (0 for leaves)."""
    return self._output_nr if self.grad_fn is not None else 0


def _new(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """Legacy constructor ``x.new(...)``: a tensor of this tensor's dtype (unless ``dtype``).

    ``x.new()`` is empty (shape ``(0,)``), ``x.new(2, 3)`` uninitialized (zeros in compat) of
    that shape, ``x.new(data)`` a copy of ``data`` (a list, tuple, array or tensor).

    Args:
        self: The tensor.
        *args: Sizes (ints), or one data argument.
        **kwargs: ``dtype``, ``device`` (ignored) and ``requires_grad``.

    Returns:
        A new leaf tensor.

    Raises:
        ArgumentTypeError: For an unexpected keyword or a mix of sizes and data.
        DTypeError: For a data tensor of another dtype (as torch).

    Example:
        >>> import compat
        >>> compat.zeros(2, dtype=compat.float64).new([1, 2]).dtype
        torch.float64
        >>> compat.zeros(2).new(2, 3).shape
        (2, 3)
    """
    dtype = kwargs.pop("dtype", None)
    kwargs.pop("device", None)
    requires_grad = kwargs.pop("requires_grad", False)
    if kwargs:
        raise ArgumentTypeError(f"new: got an unexpected keyword argument '{next(iter(kwargs))}'")
    if not args:
        return self.new_empty((0,), dtype=dtype, requires_grad=requires_grad)
    if builtins.all(
        isinstance(a, builtins.int | np.integer) and not isinstance(a, builtins.bool) for a in args
    ):
        return self.new_zeros(*args, dtype=dtype, requires_grad=requires_grad)
    if len(args) != 1:
        raise ArgumentTypeError(
            f"new: expected sizes (ints) or one data argument, got {len(args)} arguments of "
            f"types {[type(a).__name__ for a in args]}"
        )
    data = args[0]
    if type(data).__name__ == "Size":  # torch.Size: sizes, not data
        return self.new_zeros(*data, dtype=dtype, requires_grad=requires_grad)
    if isinstance(data, Tensor) and dtype is None and data._value.dtype != self._value.dtype:
        raise DTypeError(
            f"new: expected a tensor of dtype {np.dtype(self._value.dtype).name}, got "
            f"{np.dtype(data._value.dtype).name} (as torch; use new_tensor to convert)"
        )
    return self.new_tensor(data, dtype=dtype, requires_grad=requires_grad)


def _register_post_accumulate_grad_hook(self: Tensor, hook: Callable[..., Any]) -> Any:
    """Register ``hook(tensor)``, called after this leaf's ``.grad`` is accumulated in backward.

    The hook gets the tensor itself (read ``tensor.grad``) and returns None; it is not called
    by :func:`compat.autograd.grad`, which accumulates nothing.

    Args:
        self: The tensor.
        hook: ``hook(tensor) -> None``.

    Returns:
        A handle whose ``remove()`` unregisters the hook.

    Raises:
        ArgumentTypeError: If ``hook`` is not callable.
        AutogradError: If the tensor does not require grad or is not a leaf.

    Example:
        >>> import compat
        >>> w = compat.ones(2, requires_grad=True)
        >>> seen = []
        >>> _ = w.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.tolist()))
        >>> (w * 3).sum().backward()
        >>> seen
        [[3.0, 3.0]]
    """
    from compat._tensor import _HookHandle

    if not callable(hook):
        raise ArgumentTypeError(
            f"register_post_accumulate_grad_hook: hook must be callable, got {type(hook).__name__}"
        )
    if not self._requires_grad:
        raise AutogradError(
            "register_post_accumulate_grad_hook: cannot register a hook on a tensor that "
            "doesn't require gradient"
        )
    if self.grad_fn is not None:
        raise AutogradError(
            "register_post_accumulate_grad_hook: post accumulate grad hooks cannot be "
            "registered on non-leaf tensors"
        )
    hooks = self._grad_accumulator().post_hooks
    hooks.append(hook)
    return _HookHandle(hooks, hook)


def _float_power_(self: Tensor, exponent: Any) -> Tensor:
    """In-place :func:`float_power`: this tensor must already be float64 (or complex128).

    Args:
        self: The tensor.
        exponent: A tensor or number.

    Returns:
        This tensor.

    Raises:
        DTypeError: If this tensor's dtype is not the result's (float64, or complex128 for a
            complex operand), as torch.

    Example:
        >>> import compat
        >>> compat.tensor([2.0], dtype=compat.float64).float_power_(3).tolist()
        [8.0]
    """
    complex_ = np.iscomplexobj(self._value) or np.iscomplexobj(_raw(exponent))
    want = np.dtype(np.complex128 if complex_ else np.float64)
    have = np.dtype(self._value.dtype)
    if have != want:
        raise DTypeError(
            f"float_power_: the base given to float_power_ has dtype {have.name} but the "
            f"operation's result requires dtype {want.name}"
        )
    return _FLOAT_POWER_INPLACE(self, exponent)


_FLOAT_POWER_INPLACE = _make_inplace(_TABLE["float_power"])


# ----------------------------------------------------------------------------------------------
# in-place random fills, drawn from compat's generators (compat._random)
# ----------------------------------------------------------------------------------------------


def _fill_sample(input: Any, key: Any, *, sampler: str, params: tuple[Any, ...]) -> jax.Array:
    # The draw depends on input's shape and dtype only: the recorded op passes no gradient
    # to the old values, as torch's in-place fills.
    return getattr(ops, sampler)(key, input.shape, *params, dtype=input.dtype)


def _fill_bernoulli(input: Any, key: Any, p: Any) -> jax.Array:
    return ops.bernoulli(key, p, input.shape, dtype=input.dtype)


def _fill_randint(input: Any, key: Any, *, low: builtins.int, high: builtins.int) -> jax.Array:
    if input.dtype == np.bool_:
        return ops.bernoulli(key, 0.5, input.shape, dtype=input.dtype)
    return ops.randint(key, low, high, input.shape, dtype=input.dtype)


def _draw(self: Tensor, name: str, fn: Any, generator: Any, *args: Any, **static: Any) -> Tensor:
    from compat import _creation

    return self._inplace(name, apply(fn, self, _creation._key(generator), *args, **static))


def _make_fill(name: str, sampler: str, defaults: tuple[tuple[str, Any], ...]) -> Callable:
    names = [n for n, _ in defaults]

    def fill(self: Tensor, *args: Any, generator: Any = None, **kwargs: Any) -> Tensor:
        if len(args) > len(names):
            raise ArgumentTypeError(
                f"{name}: takes {len(names)} positional argument(s) but {len(args)} were given"
            )
        values = dict(defaults)
        values.update(zip(names, args, strict=False))
        for key, value in kwargs.items():
            if key not in values:
                raise ArgumentTypeError(f"{name}: got an unexpected keyword argument '{key}'")
            values[key] = value
        missing = [n for n in names if values[n] is _REQUIRED]
        if missing:
            raise ArgumentTypeError(f"{name}: missing required argument '{missing[0]}'")
        params = tuple(_static(values[n]) for n in names)
        return _draw(self, name, _fill_sample, generator, sampler=sampler, params=params)

    signature = ", ".join(n if d is _REQUIRED else f"{n}={d!r}" for n, d in defaults)
    fill.__name__ = name
    fill.__qualname__ = f"Tensor.{name}"
    fill.__doc__ = (
        f"Fill this tensor in place with samples of :func:`rustorch_fx.ops.{sampler}` "
        f"(``{name}({signature}, *, generator=None)``).\n\n"
        "    Args:\n"
        "        self: The tensor (its shape and dtype are kept).\n"
        f"        *args: ``{signature}``, as torch.\n"
        "        generator: A :class:`compat.Generator` (the default generator when None).\n"
        "        **kwargs: The same parameters by name.\n\n"
        "    Returns:\n        This tensor.\n\n"
        "    Raises:\n        RusTorchError: For parameters torch rejects (a non-positive scale, a "
        "probability outside its range, a dtype the distribution does not support).\n"
    )
    return fill


def _bernoulli_(self: Tensor, p: Any = 0.5, *, generator: Any = None) -> Tensor:
    """Fill this tensor in place with 0/1 draws that are 1 with probability ``p``.

    Args:
        self: The tensor (its shape and dtype, bool included, are kept).
        p: A probability, or a tensor of them broadcastable to this tensor's shape.
        generator: A :class:`compat.Generator` (the default generator when None).

    Returns:
        This tensor.

    Raises:
        InvalidArgumentError: If a probability is outside ``[0, 1]``.
        ShapeError: If ``p`` does not broadcast to this tensor's shape.

    Example:
        >>> import compat
        >>> compat.zeros(3).bernoulli_(1.0).tolist()
        [1.0, 1.0, 1.0]
    """
    if not (_is_array(p) or isinstance(p, _NUMBERS)):
        raise ArgumentTypeError(
            f"bernoulli_: p must be a number or a Tensor, got {type(p).__name__}"
        )
    if isinstance(p, _NUMBERS) and not 0 <= p <= 1:
        raise InvalidArgumentError(f"bernoulli_: expects p to be in [0, 1], but got p={p}")
    return _draw(self, "bernoulli_", _fill_bernoulli, generator, p)


def _random_bounds(self: Tensor, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, Any]:
    if len(args) > 2:
        raise ArgumentTypeError(f"random_: takes at most 2 bounds, got {len(args)}")
    unknown = set(kwargs) - {"from", "to"}
    if unknown:
        raise ArgumentTypeError(f"random_: got an unexpected keyword argument '{unknown.pop()}'")
    if len(args) == 1 and "to" not in kwargs and "from" not in kwargs:
        low, high = 0, args[0]  # random_(to)
    else:
        low = args[0] if args else kwargs.get("from", 0)
        high = args[1] if len(args) > 1 else kwargs.get("to")
    for label, v in (("from", low), ("to", high)):
        if v is not None and not isinstance(v, builtins.int | np.integer):
            raise ArgumentTypeError(f"random_: '{label}' must be an int, got {v!r}")
    return low, high


def _random_(self: Tensor, *args: Any, generator: Any = None, **kwargs: Any) -> Tensor:
    """Fill this tensor in place with integers drawn uniformly (``random_(from=0, to=None)``).

    ``random_()`` draws from ``[0, 2**mantissa]`` for floating dtypes (2**24 for float32)
    and ``[0, max]`` for integer dtypes (compat: ``[0, max)`` for int64, whose ``max + 1``
    does not fit); ``random_(to)`` from ``[0, to)``; ``random_(from, to)`` from
    ``[from, to)``; bool tensors get False/True.

    Args:
        self: The tensor (its shape and dtype are kept).
        *args: ``to``, or ``from, to``.
        generator: A :class:`compat.Generator` (the default generator when None).
        **kwargs: ``from`` and ``to`` by name.

    Returns:
        This tensor.

    Raises:
        InvalidArgumentError: If ``from >= to``.
        ArgumentTypeError: If a bound is not an int.

    Example:
        >>> import compat
        >>> x = compat.zeros(100).random_(3, 5)
        >>> sorted(set(x.tolist())) == [3.0, 4.0]
        True
    """
    low, high = _random_bounds(self, args, kwargs)
    dtype = np.dtype(self._value.dtype)
    if high is None:
        if dtype.kind == "f" or dtype == jax.numpy.bfloat16:
            mantissa = {2: 11, 4: 24, 8: 53}.get(dtype.itemsize, 8)
            if dtype == jax.numpy.bfloat16:
                mantissa = 8
            high = 2**mantissa + 1
        elif dtype.kind in "iu":
            info = np.iinfo(dtype)
            high = builtins.min(builtins.int(info.max) + 1, builtins.int(np.iinfo(np.int64).max))
        else:
            high = 2
    if low >= high:
        raise InvalidArgumentError(
            f"random_: expects 'from' to be less than 'to', but got from={low} >= to={high}"
        )
    return _draw(
        self, "random_", _fill_randint, generator, low=builtins.int(low), high=builtins.int(high)
    )


def _bernoulli(self: Tensor, p: Any = None, *, generator: Any = None) -> Tensor:
    """0/1 draws with this tensor's probabilities (or the number ``p``), as ``torch.bernoulli``.

    Args:
        self: The probabilities (the result takes their shape and dtype).
        p: A probability used for every element instead.
        generator: A :class:`compat.Generator` (the default generator when None).

    Returns:
        A new tensor.

    Raises:
        InvalidArgumentError: If a probability is outside ``[0, 1]``.

    Example:
        >>> import compat
        >>> compat.ones(2).bernoulli().tolist()
        [1.0, 1.0]
    """
    from compat import _creation

    return _creation.bernoulli(self, p, generator=generator)


def _multinomial(
    self: Tensor,
    num_samples: builtins.int,
    replacement: builtins.bool = False,
    *,
    generator: Any = None,
) -> Tensor:
    """Category indices drawn from the rows of these weights, as ``torch.multinomial``.

    Args:
        self: Non-negative weights, 1-D or 2-D.
        num_samples: Samples per row.
        replacement: Draw with replacement.
        generator: A :class:`compat.Generator` (the default generator when None).

    Returns:
        An int64 tensor ``(num_samples,)`` or ``(rows, num_samples)``.

    Raises:
        InvalidArgumentError: If more samples than non-zero weights are asked without
            replacement.

    Example:
        >>> import compat
        >>> compat.tensor([0.0, 1.0]).multinomial(2, True).tolist()
        [1, 1]
    """
    from compat import _creation

    return _creation.multinomial(self, num_samples, replacement, generator=generator)


_METHODS.update(
    bernoulli_=_bernoulli_,
    random_=_random_,
    bernoulli=_bernoulli,
    multinomial=_multinomial,
    exponential_=_make_fill("exponential_", "exponential", (("lambd", 1.0),)),
    cauchy_=_make_fill("cauchy_", "cauchy", (("median", 0.0), ("sigma", 1.0))),
    geometric_=_make_fill("geometric_", "geometric", (("p", _REQUIRED),)),
    log_normal_=_make_fill("log_normal_", "log_normal", (("mean", 1.0), ("std", 2.0))),
)


def _false_method(name: str, what: str) -> Callable[..., builtins.bool]:
    def method(self: Tensor) -> builtins.bool:
        return False

    method.__name__ = name
    method.__qualname__ = f"Tensor.{name}"
    method.__doc__ = f"Whether {what}.\n\n    Returns:\n        False.\n"
    return method


def _false(doc: str) -> property:
    def getter(self: Tensor) -> builtins.bool:
        return False

    return property(getter, doc=doc)


_METHODS.update(
    nelement=_nelement,
    ndimension=_ndimension,
    element_size=_element_size,
    itemsize=property(_element_size, doc="Size of one element in bytes."),
    nbytes=property(_nbytes, doc=_nbytes.__doc__),
    stride=_stride,
    storage_offset=_storage_offset,
    is_signed=_is_signed,
    is_nonzero=_is_nonzero,
    is_same_size=_is_same_size,
    get_device=_get_device,
    data_ptr=_data_ptr,
    is_inference=_is_inference,
    is_shared=_is_shared,
    share_memory_=_share_memory_,
    pin_memory=_pin_memory,
    is_pinned=_is_pinned,
    layout=property(lambda self: strided, doc="The memory layout: always ``compat.strided``."),
    is_sparse=_false("False: compat tensors are dense (see compat.sparse for sparse arrays)."),
    is_quantized=_false("False: compat tensors are not quantized tensors."),
    is_meta=_false("False: compat has no meta device; every tensor holds values."),
    output_nr=property(_output_nr, doc=_output_nr.__doc__),
    new=_new,
    register_post_accumulate_grad_hook=_register_post_accumulate_grad_hook,
    float_power_=_float_power_,
    is_conj=_false_method("is_conj", "the conjugate bit: always False (compat conjugates eagerly)"),
    is_neg=_false_method("is_neg", "the negative bit: always False (compat negates eagerly)"),
)

_METHODS.update(
    to=_to,
    type_as=_type_as,
    view_as=_view_as,
    reshape_as=_reshape_as,
    fill_=_fill_,
    t_=_inplace_view("t_"),
    transpose_=_inplace_view("transpose_"),
    swapdims_=_inplace_view("swapdims_"),
    swapaxes_=_inplace_view("swapaxes_"),
    squeeze_=_inplace_view("squeeze_"),
    unsqueeze_=_inplace_view("unsqueeze_"),
    contiguous=_contiguous,
    is_contiguous=_is_contiguous,
    T=property(_T),
    mT=property(_mT),
    mH=property(_mH, doc="The conjugate transpose of the last two dims (a copy, not a view)."),
    H=property(_H, doc="The conjugate transpose of a matrix (a copy, not a view)."),
    __abs__=_unary("abs"),
    __invert__=_unary("bitwise_not"),
    __pos__=_unary("positive"),
    __floordiv__=_binary("floor_divide"),
    __rfloordiv__=_binary("floor_divide", True),
    __mod__=_binary("remainder"),
    __rmod__=_binary("remainder", True),
    __and__=_binary("bitwise_and"),
    __rand__=_binary("bitwise_and", True),
    __or__=_binary("bitwise_or"),
    __ror__=_binary("bitwise_or", True),
    __xor__=_binary("bitwise_xor"),
    __rxor__=_binary("bitwise_xor", True),
    __lshift__=_binary("bitwise_left_shift"),
    __rlshift__=_binary("bitwise_left_shift", True),
    __rshift__=_binary("bitwise_right_shift"),
    __rrshift__=_binary("bitwise_right_shift", True),
    __iadd__=_iop("add_"),
    __isub__=_iop("sub_"),
    __imul__=_iop("mul_"),
    __itruediv__=_iop("div_"),
    __ifloordiv__=_iop("floor_divide_"),
    __imod__=_iop("remainder_"),
    __ipow__=_iop("pow_"),
    __iand__=_iop("bitwise_and_"),
    __ior__=_iop("bitwise_or_"),
    __ixor__=_iop("bitwise_xor_"),
    __ilshift__=_iop("bitwise_left_shift_"),
    __irshift__=_iop("bitwise_right_shift_"),
)

# ----------------------------------------------------------------------------------------------
# as_strided (a view over the base's storage) and the histograms (eager: value-dependent checks)
# ----------------------------------------------------------------------------------------------


def _strided_source(input: Tensor) -> tuple[Tensor, builtins.int]:
    """The tensor whose contiguous values ``as_strided`` indexes, and the default offset.

    torch indexes the storage; compat's storage is the base of a view, laid out row-major, so
    a view reads from its base, starting at its own :meth:`storage_offset` by default.
    """
    view = input._view
    if view is None:
        return input, 0
    base = view[0]
    if base._data is not input._data.src or (input.requires_grad and not base.requires_grad):
        return input, 0  # a base that changed shape in place, or a view that is its own leaf
    local = np.asarray(input._data.local).reshape(-1)
    return base, builtins.int(local[0]) if local.size else 0


def as_strided(
    input: Tensor, size: Any, stride: Any, storage_offset: builtins.int | None = None
) -> Tensor:
    """A view of ``input``'s storage with the given sizes, strides and offset (``torch.as_strided``).

    The storage is the contiguous, row-major layout of ``input`` (of its base when ``input`` is
    a view: ``storage_offset`` then counts from the base's first element and defaults to the
    view's own offset). So ``x.as_strided(size, stride, offset)`` reads what torch reads for a
    contiguous ``x`` and for views of contiguous tensors. The result aliases that storage as
    every compat view does (writes to it reach the base; see compat/_views.py).

    Args:
        input: The tensor.
        size: The shape of the result.
        stride: The step, in elements, of each dimension (non-negative).
        storage_offset: Position of the first element in the storage.

    Returns:
        A Tensor of shape ``size`` that is a view of ``input``'s storage.

    Raises:
        ShapeError: If ``size`` and ``stride`` differ in length.
        InvalidArgumentError: If a stride or the offset is negative.
        IndexOutOfRangeError: If the window reaches past the storage's last element.

    Example:
        >>> import compat
        >>> compat.arange(6.0).as_strided((2, 2), (1, 2), 1).tolist()
        [[1.0, 3.0], [2.0, 4.0]]
    """
    if not isinstance(input, Tensor):
        raise ArgumentTypeError(f"as_strided: input must be a Tensor, got {type(input).__name__}")
    source, offset = _strided_source(input)
    if storage_offset is not None:
        offset = storage_offset
    return _call(_TABLE["_as_strided"], (source, size, stride), {"storage_offset": offset})


def _wrap_tree(out: Any) -> Any:
    return jax.tree_util.tree_map(Tensor._wrap, out)


def histogram(
    input: Tensor,
    bins: Any = 100,
    *,
    range: Any = None,
    weight: Tensor | None = None,
    density: builtins.bool = False,
) -> Any:
    """Histogram of ``input``'s values, ``torch.histogram``: a named tuple ``(hist, bin_edges)``.

    Computed by :func:`rustorch_fx.ops.histogram` (eagerly: the data range is checked).

    Args:
        input: A floating point tensor.
        bins: The number of bins, or a 1-D tensor of non-decreasing edges.
        range: ``(min, max)`` for an int ``bins`` (default: the data's).
        weight: Weights shaped like ``input``.
        density: Normalize to a probability density.

    Returns:
        ``(hist, bin_edges)`` tensors in ``input``'s dtype.

    Raises:
        DTypeError: If ``input`` is not floating point.
        InvalidArgumentError: For a bad ``bins`` or ``range``, or a data range that is not
            finite.

    Example:
        >>> import compat
        >>> compat.histogram(compat.tensor([1.0, 2.0, 1.0]), 2, range=(0.0, 2.0)).hist.tolist()
        [0.0, 3.0]
    """
    out = ops.histogram(_raw(input), _raw(bins), range=range, weight=_raw(weight), density=density)
    return _wrap_tree(out)


def histogramdd(
    input: Tensor,
    bins: Any = 10,
    *,
    range: Any = None,
    weight: Tensor | None = None,
    density: builtins.bool = False,
) -> Any:
    """Histogram of the points in ``input``'s last dimension, ``torch.histogramdd``.

    Computed by :func:`rustorch_fx.ops.histogramdd`.

    Args:
        input: A floating point tensor of shape ``(*, D)``.
        bins: An int, ``D`` ints, or ``D`` 1-D tensors of edges.
        range: ``[min_0, max_0, min_1, max_1, ...]`` for int bins.
        weight: Weights of shape ``input.shape[:-1]``.
        density: Normalize to a probability density.

    Returns:
        ``(hist, bin_edges)``: the counts and a tuple of ``D`` edge tensors.

    Raises:
        ShapeError: If ``input`` has fewer than 2 dims or an argument has the wrong length.
        DTypeError: If ``input`` is not floating point.
        InvalidArgumentError: As :func:`histogram`.

    Example:
        >>> import compat
        >>> pts = compat.tensor([[0.0, 0.0], [1.0, 1.0], [1.0, 0.0]])
        >>> compat.histogramdd(pts, 2).hist.tolist()
        [[1.0, 0.0], [1.0, 1.0]]
    """
    if isinstance(bins, list | tuple):
        bins = [_raw(b) for b in bins]
    out = ops.histogramdd(_raw(input), bins, range=range, weight=_raw(weight), density=density)
    return _wrap_tree(out)


def _histogram_method(self: Tensor, *args: Any, **kwargs: Any) -> Any:
    return histogram(self, *args, **kwargs)


def _as_strided_method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    return as_strided(self, *args, **kwargs)


_histogram_method.__doc__ = histogram.__doc__
_as_strided_method.__doc__ = as_strided.__doc__
_FUNCTIONS.update(as_strided=as_strided, histogram=histogram, histogramdd=histogramdd)
_METHODS.update(as_strided=_as_strided_method, histogram=_histogram_method)

# ----------------------------------------------------------------------------------------------
# storages: what compat can honestly show of the memory behind a tensor and its views
# ----------------------------------------------------------------------------------------------


class UntypedStorage:
    """The bytes behind a tensor and all its views, as ``torch.UntypedStorage`` (read-only).

    compat keeps one dense, row-major JAX array per base tensor; views, ``detach()`` and
    ``.data`` share it. This object shows that array: its size in bytes, its address and
    device, its bytes. Two storages compare equal when they are the same memory (torch returns
    the same object; compare with ``==`` here). It cannot be resized or written: JAX arrays
    are immutable, and an in-place op gives the storage a new buffer (and a new
    :meth:`data_ptr`), which this object then shows.

    Example:
        >>> import compat
        >>> x = compat.arange(6.0)
        >>> s = x[2:].untyped_storage()
        >>> s.nbytes(), s == x.untyped_storage()
        (24, True)
    """

    def __init__(self, root: Any) -> None:
        self._root = root

    @property
    def _array(self) -> jax.Array:
        return self._root.value

    def nbytes(self) -> builtins.int:
        """Size in bytes.

        Returns:
            An int.

        Example:
            >>> import compat
            >>> compat.zeros(3).untyped_storage().nbytes()
            12
        """
        value = self._array
        return builtins.int(np.size(value)) * np.dtype(value.dtype).itemsize

    def size(self) -> builtins.int:
        """Size in bytes (torch's ``UntypedStorage.size()``).

        Returns:
            An int.

        Example:
            >>> import compat
            >>> compat.zeros(3).untyped_storage().size()
            12
        """
        return self.nbytes()

    def __len__(self) -> builtins.int:
        return self.size()

    def element_size(self) -> builtins.int:
        """Size of one element: 1 (a byte).

        Returns:
            1.

        Example:
            >>> import compat
            >>> compat.zeros(3).untyped_storage().element_size()
            1
        """
        return 1

    def data_ptr(self) -> builtins.int:
        """Address of the first byte: the JAX buffer's pointer (0 inside a trace).

        Returns:
            An int.

        Example:
            >>> import compat
            >>> x = compat.zeros(3)
            >>> x.untyped_storage().data_ptr() == x.data_ptr()
            True
        """
        value = self._array
        getter = getattr(value, "unsafe_buffer_pointer", None)
        if getter is None or isinstance(value, jax.core.Tracer):
            return 0
        try:
            return builtins.int(getter())
        except Exception:  # a backend or sharding without a single buffer pointer
            return 0

    @property
    def device(self) -> Any:
        """The device holding the storage."""
        from compat import _device

        devices = getattr(self._array, "devices", None)
        if devices is None:  # a tracer inside compat.compile or a transform
            return _device.device("cpu")
        return _device._from_jax_device(next(iter(devices())))

    def tolist(self) -> list[builtins.int]:
        """The bytes, as a list of ints in ``[0, 255]``.

        Returns:
            A list of ints.

        Example:
            >>> import compat
            >>> compat.tensor([1], dtype=compat.int16).untyped_storage().tolist()
            [1, 0]
        """
        return np.ascontiguousarray(np.asarray(self._array)).view(np.uint8).reshape(-1).tolist()

    def __eq__(self, other: object) -> builtins.bool:
        return isinstance(other, UntypedStorage) and other._root is self._root

    def __hash__(self) -> builtins.int:
        return id(self._root)

    def __repr__(self) -> str:
        return f"compat.UntypedStorage(nbytes={self.nbytes()}, device={self.device})"


class TypedStorage(UntypedStorage):
    """A storage seen as elements of one dtype, as torch's deprecated ``TypedStorage``.

    Example:
        >>> import compat
        >>> compat.arange(4.0)[1:].storage().tolist()
        [0.0, 1.0, 2.0, 3.0]
    """

    @property
    def dtype(self) -> Any:
        """The element dtype."""
        return _dtype._from_any(np.dtype(self._array.dtype))

    def size(self) -> builtins.int:
        """Number of elements.

        Returns:
            An int.

        Example:
            >>> import compat
            >>> compat.zeros(2, 3).storage().size()
            6
        """
        return builtins.int(np.size(self._array))

    def element_size(self) -> builtins.int:
        """Bytes per element.

        Returns:
            An int.

        Example:
            >>> import compat
            >>> compat.zeros(2).storage().element_size()
            4
        """
        return np.dtype(self._array.dtype).itemsize

    def tolist(self) -> list[Any]:
        """The elements, as Python numbers.

        Returns:
            A list.

        Example:
            >>> import compat
            >>> compat.tensor([1, 2]).storage().tolist()
            [1, 2]
        """
        return np.asarray(self._array).reshape(-1).tolist()

    def untyped(self) -> UntypedStorage:
        """The same memory as an :class:`UntypedStorage`.

        Returns:
            An UntypedStorage.

        Example:
            >>> import compat
            >>> compat.zeros(2).storage().untyped().nbytes()
            8
        """
        return UntypedStorage(self._root)

    def __repr__(self) -> str:
        return f"compat.TypedStorage(size={self.size()}, dtype={self.dtype}, device={self.device})"


def _untyped_storage(self: Tensor) -> UntypedStorage:
    """The storage shared by this tensor, its base and the base's other views.

    Returns:
        An :class:`UntypedStorage` (equal, by ``==``, to every other view's).

    Example:
        >>> import compat
        >>> x = compat.zeros(2, 3)
        >>> x[1].untyped_storage() == x.untyped_storage()
        True
    """
    return UntypedStorage(_views.root_of(self._data))


def _storage(self: Tensor) -> TypedStorage:
    """The storage as elements of this tensor's dtype (torch's deprecated ``Tensor.storage()``).

    Returns:
        A :class:`TypedStorage`.

    Example:
        >>> import compat
        >>> compat.zeros(2, 3)[1].storage().size()
        6
    """
    return TypedStorage(_views.root_of(self._data))


_METHODS.update(untyped_storage=_untyped_storage, storage=_storage)

# Methods attached to Tensor: those the class does not define itself.
_ATTACHED: tuple[str, ...] = tuple(n for n in _METHODS if n not in Tensor.__dict__)
for _name in _ATTACHED:
    setattr(Tensor, _name, _METHODS[_name])

# the generated functions, and the layout names compat exports (compat.strided, compat.layout)
__all__ = sorted([*_FUNCTIONS, "layout", "strided", "TypedStorage", "UntypedStorage"])
