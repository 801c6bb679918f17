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
from rustorch_fx.errors import ArgumentTypeError, DTypeError, IndexOutOfRangeError

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


_WRAPPERS: dict[str, Callable[..., Any]] = {
    "_scatter": _scatter,
    "_fill": _fill,
    "_positive": _positive,
    "_float_power": _float_power,
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


_PRE: dict[str, Callable[[dict[str, Any]], None]] = {
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
        and len(traced) == 1
        and traced[0] is self
    ):
        _DEFAULT_CALLS[spec.name] = (spec, dict(static))
    out = apply(spec.op, *traced, **static)
    if spec.view and isinstance(traced[0], Tensor):
        return _views.make_views(traced[0], out, spec.op, static, tuple(traced[1:]))
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

# Methods attached to Tensor: those the class does not define itself.
_ATTACHED: tuple[str, ...] = tuple(n for n in _METHODS if n not in Tensor.__dict__)
for _name in _ATTACHED:
    setattr(Tensor, _name, _METHODS[_name])

__all__ = sorted(_FUNCTIONS)
