"""Cross-cutting contract of every public op and transform (``ops.__all__``, ``autodiff.__all__``).

Three checks, each driven by one table of valid calls (:data:`VALID`):

1. Docstrings: a summary line and ``Args:`` (when there are parameters), ``Returns:``,
   ``Raises:`` and an ``Example(s):`` section with a ``>>>`` line.
2. Bad input: the first positional argument replaced by ``"abc"``, ``None`` and ``object()``, and
   where a ``dim`` parameter exists, ``dim=99`` and ``dim="0"`` on a 2-D float32 array. Each
   must raise a :class:`~rustorch_fx.RusTorchError` whose message names the op (an alias may
   name the function it points to); a probe that returns is allowed only in :data:`VALID_PROBES`.
3. ``jax.jit``: each valid call gives the same result traced (arrays as arguments, everything
   else static through a closure) as eagerly.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import rustorch_fx as rt
from rustorch_fx import autodiff, ops


class Call(NamedTuple):
    """A valid call: ``op(*args, **kwargs)``, then the returned function called with ``then``.

    The returned function is the result itself (``grad(f)``), or its last entry when the result
    is a tuple (``vjp``'s pullback, which replaces it in the output).
    """

    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = {}  # noqa: RUF012 - never mutated
    then: tuple[Any, ...] | None = None


def _public(module: Any, skip: tuple[str, ...] = ()) -> dict[str, Callable[..., Any]]:
    return {
        name: getattr(module, name)
        for name in module.__all__
        if name not in skip and not isinstance(getattr(module, name), type)
    }


OPS = _public(ops, skip=("result_type",))
TRANSFORMS = _public(autodiff)
ALL = {**OPS, **TRANSFORMS}

# Small inputs. X is the 2-D float32 array every `dim` probe runs on.
X = jnp.array([[0.5, 1.5, 2.5], [3.0, 0.25, 1.0]], jnp.float32)
XT = X.T
X1 = X[:1]  # (1, 3)
X3 = jnp.stack([X, X + 1.0])  # (2, 2, 3)
X3T = jnp.swapaxes(X3, 1, 2)  # (2, 3, 2)
M = jnp.array([[2.0, 0.5, 0.0], [0.5, 3.0, 1.0], [0.0, 1.0, 4.0]], jnp.float32)
M2 = jnp.ones((2, 2), jnp.float32)
V = jnp.array([1.0, 2.0, 3.0], jnp.float32)
V2 = jnp.array([1.0, -1.0], jnp.float32)
XI = jnp.array([[1, 2, 3], [4, 5, 6]], jnp.int32)
IX = jnp.array([[0, 1, 0], [1, 0, 1]], jnp.int32)  # valid index along dim 0 and dim 1
IDX = jnp.array([0, 2], jnp.int32)
B = X > 1.0
KEY = jax.random.key(0)


def _loss(w: jax.Array, x: jax.Array) -> jax.Array:
    return jnp.sum(jnp.tanh(w * x))


def _scalar(x: jax.Array) -> jax.Array:
    return jnp.sum(jnp.sin(x) * x)


def _vector(x: jax.Array) -> jax.Array:
    return jnp.sin(x) * x[0]


_BINARY_INT = ("bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift")

# Valid calls for every op whose default (each required positional parameter given X) is not one.
VALID: dict[str, Call] = {
    # H3 (issue 3 Tensor surface)
    "index_reduce": Call((X, 1, IDX, X[:, :2], "amax")),
    "select_scatter": Call((X, V2, 1, 0)),
    "diagonal_scatter": Call((X, V2)),
    "as_strided": Call((X, (2, 2), (1, 2), 1)),
    "as_strided_scatter": Call((X, M2, (2, 2), (1, 2), 1)),
    "stft": Call((V, 4), {"return_complex": True}),
    "istft": Call((jnp.ones((3, 3), jnp.complex64), 4), {"hop_length": 1}),
    **{name: Call((XI, XI)) for name in (*_BINARY_INT, "bitwise_right_shift")},
    "bitwise_not": Call((XI,)),
    **{name: Call((X, 0.5, 2.0)) for name in ("clamp", "clip")},
    "where": Call((B, X, X * 2)),
    "masked_select": Call((X, B)),
    "masked_fill": Call((X, B, 0.0)),
    "gather": Call((X, 1, IX)),
    "scatter": Call((X, 1, IX, X)),
    "scatter_add": Call((X, 1, IX, X)),
    "scatter_reduce": Call((X, 1, IX, X, "amax")),
    "index_select": Call((X, 1, IDX)),
    "index_add": Call((X, 1, IDX, X[:, :2])),
    "index_copy": Call((X, 1, IDX, X[:, 1:])),
    "index_fill": Call((X, 1, IDX, -1.0)),
    "take": Call((X, IX)),
    "take_along_dim": Call((X, IX, 1)),
    "put": Call((X, IX, X)),
    "matmul": Call((X, XT)),
    "mm": Call((X, XT)),
    "bmm": Call((X3, X3T)),
    "mv": Call((X, V)),
    "dot": Call((V, V)),
    "vdot": Call((V, V)),
    "outer": Call((V, V2)),
    "ger": Call((V, V2)),
    "addmm": Call((M2, X, XT), {"beta": 0.5, "alpha": 2.0}),
    "addmv": Call((V2, X, V)),
    "addbmm": Call((M2, X3, X3T)),
    "baddbmm": Call((X3 @ X3T, X3, X3T)),
    "einsum": Call(("ij,jk->ik", X, XT)),
    "tensordot": Call((X, XT), {"dims": 1}),
    "trace": Call((M,)),
    "chain_matmul": Call((M, M, M)),
    "multi_dot": Call(([X, XT, X],)),
    "zeros": Call((2, 3)),
    "ones": Call((2, 3)),
    "empty": Call((2, 3)),
    "full": Call(((2, 3), 1.5)),
    "full_like": Call((X, 7.0)),
    "arange": Call((1, 7, 2)),
    "linspace": Call((0.0, 1.0, 5)),
    "logspace": Call((0.0, 2.0, 3)),
    "eye": Call((3, 2)),
    "tril_indices": Call((3, 3)),
    "triu_indices": Call((3, 3, 1)),
    "rand": Call((KEY, 2, 3)),
    "randn": Call((KEY, 2, 3)),
    "randint": Call((KEY, 0, 5, (2, 3))),
    "randperm": Call((KEY, 5)),
    "normal": Call((KEY, 0.0, 2.0, (2, 3))),
    "uniform": Call((KEY, (2, 3), -1.0, 1.0)),
    "bernoulli": Call((KEY, 0.5, (2, 3))),
    "multinomial": Call((KEY, X, 2)),
    "logsumexp": Call((X, 1)),
    **{name: Call((X, 1)) for name in ("cumsum", "cumprod", "cummax", "cummin", "logcumsumexp")},
    "reshape": Call((X, 3, 2)),
    "view": Call((X, 3, 2)),
    "permute": Call((X, 1, 0)),
    "transpose": Call((X, 0, 1)),
    "swapaxes": Call((X, 0, 1)),
    "swapdims": Call((X, 0, 1)),
    "movedim": Call((X, 0, 1)),
    "moveaxis": Call((X, 0, 1)),
    "unsqueeze": Call((X, 1)),
    "unflatten": Call((X, 1, (3, 1))),
    **{name: Call(([X, X],)) for name in ("cat", "concat", "concatenate", "stack")},
    **{name: Call(([X, X],)) for name in ("hstack", "vstack", "dstack", "column_stack")},
    "split": Call((X, 1, 1)),
    "chunk": Call((X, 2, 1)),
    "tensor_split": Call((X, 2, 1)),
    "expand": Call((X1, 2, 3)),
    "expand_as": Call((X1, X)),
    "broadcast_to": Call((X1, (2, 3))),
    "broadcast_tensors": Call((X1, X)),
    "broadcast_shapes": Call(((2, 1), (1, 3))),
    "repeat": Call((X, 2, 1)),
    "repeat_interleave": Call((X, 2, 1)),
    "tile": Call((X, (2, 1))),
    "flip": Call((X, (0, 1))),
    "roll": Call((X, 1, 1)),
    "narrow": Call((X, 1, 1, 2)),
    "select": Call((X, 1, 2)),
    "diagonal": Call((X, 1)),
    "atleast_1d": Call((X, V)),
    "atleast_2d": Call((X, V)),
    "atleast_3d": Call((X, V)),
    "meshgrid": Call((V, V2)),
    "topk": Call((X, 2, 1)),
    "kthvalue": Call((X, 2, 1)),
    "quantile": Call((X, 0.25, 1)),
    "nanquantile": Call((X, jnp.array([0.1, 0.9]), 1)),
    "bincount": Call((jnp.array([0, 1, 1, 4], jnp.int32),)),
    "searchsorted": Call((V, X)),
    "histc": Call((X, 4, 0.0, 4.0)),
    "imag": Call((X * 1j,)),
    "gcd": Call((XI, XI)),
    "lcm": Call((XI, XI)),
    "polygamma": Call((1, X)),
    "mvlgamma": Call((X + 1.0, 2)),
    "unfold": Call((X, 1, 2, 1)),
    "hsplit": Call((X, 3)),
    "vsplit": Call((X, 2)),
    "dsplit": Call((X3, 3)),
    "masked_scatter": Call((X, B, X)),
    "index_put": Call((X, (jnp.array([0, 1, 1], jnp.int32),), 1.0, True)),
    "fill_diagonal": Call((X, 1.0)),
    "renorm": Call((X, 2, 0, 1.0)),
    "sum_to_size": Call((X, 1, 3)),
    **{n: Call((M,)) for n in ("det", "logdet", "slogdet", "inverse", "matrix_exp", "cholesky")},
    "cholesky_inverse": Call((M,)),
    "cholesky_solve": Call((XT, M)),
    "matrix_power": Call((M, -2)),
    "triangular_solve": Call((XT, M)),
    "addr": Call((X, V2, V), {"beta": 0.5}),
    "exponential": Call((KEY, (2, 3), 2.0)),
    "cauchy": Call((KEY, (2, 3))),
    "geometric": Call((KEY, (2, 3), 0.3)),
    "log_normal": Call((KEY, (2, 3))),
    "grad": Call((_scalar,), then=(X,)),
    "value_and_grad": Call((_scalar,), then=(X,)),
    "jacobian": Call((_vector,), then=(V,)),
    "jacfwd": Call((_vector,), then=(V,)),
    "jacrev": Call((_vector,), then=(V,)),
    "hessian": Call((_scalar,), then=(V,)),
    "hvp": Call((_scalar, (V,), (V,))),
    "vhp": Call((_scalar, (V,), (V,))),
    "jvp": Call((_vector, (V,), (V,))),
    "vjp": Call((_vector, V), then=(V,)),
    "checkpoint": Call((_vector,), then=(V,)),
    "per_example_grad": Call((_loss,), then=(V, X)),
    "gradcheck": Call((_scalar, (V,))),
    "detect_anomaly": Call((_vector,), then=(V,)),
}

# Probes that return: the replaced argument is genuinely valid for that op.
VALID_PROBES: dict[tuple[str, str], str] = {}

# Calls for jit where the eager one's output shape depends on values (a static size is needed).
JIT_CALLS: dict[str, Call] = {
    "nonzero": Call((X,), {"size": 6}),
    "masked_select": Call((X, B), {"size": 6, "fill_value": -1.0}),
    "unique": Call((X,), {"size": 6, "fill_value": 0.0}),
    "unique_consecutive": Call((X,), {"size": 6, "fill_value": 0.0}),
    "bincount": Call((jnp.array([0, 1, 1, 4], jnp.int32),), {"length": 5}),
}

# Not traceable by design, with the reason.
NOT_JITTABLE: dict[str, str] = {
    "gradcheck": "evaluates finite differences in float64 and returns a Python report",
    "broadcast_shapes": "computes a tuple of Python ints from static shapes; nothing to trace",
    "detect_anomaly": "checks concrete values, so jit goes inside it (raises TracingError)",
}


def _valid(name: str) -> Call:
    if name in VALID:
        return VALID[name]
    params = inspect.signature(ALL[name]).parameters.values()
    required = [
        p
        for p in params
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
    ]
    return Call(tuple(X for _ in required))


def _run(name: str, call: Call) -> Any:
    result = ALL[name](*call.args, **call.kwargs)
    if call.then is None:
        return result
    if isinstance(result, tuple):
        return (*result[:-1], result[-1](*call.then))
    return result(*call.then)


def _names(name: str) -> set[str]:
    fn = ALL[name]
    names = {name, getattr(fn, "__name__", name)}
    wrapped = getattr(fn, "__wrapped__", None)
    if wrapped is not None:
        names.add(wrapped.__name__)
    return names


def _assert_contract_error(name: str, probe: str, call: Call) -> None:
    try:
        _run(name, call)
    except rt.RusTorchError as exc:
        message = str(exc)
        named = any(re.search(rf"(?<!\w){re.escape(n)}(?!\w)", message) for n in _names(name))
        assert named, f"{name} [{probe}]: message does not name the op: {message!r}"
        return
    except Exception as exc:
        pytest.fail(f"{name} [{probe}]: raised {type(exc).__name__}: {exc}", pytrace=False)
    assert (name, probe) in VALID_PROBES, f"{name} [{probe}]: returned instead of raising"


def _with_first(call: Call, value: Any) -> Call:
    """``call`` with its first positional argument (or first varargs entry) set to ``value``."""
    return call._replace(args=(value, *call.args[1:]))


def _with_dim(name: str, call: Call, value: Any) -> Call:
    sig = inspect.signature(ALL[name])
    bound = sig.bind(*call.args, **call.kwargs)
    bound.arguments["dim"] = value
    return call._replace(args=bound.args, kwargs=bound.kwargs)


def _has_dim(name: str) -> bool:
    return "dim" in inspect.signature(ALL[name]).parameters


BAD_VALUES = {"str": "abc", "None": None, "object": object()}

FIRST_PROBES = [(name, probe) for name in ALL for probe in BAD_VALUES]
DIM_PROBES = [(name, probe) for name in ALL if _has_dim(name) for probe in ("dim=99", "dim='0'")]


def test_table_is_valid() -> None:
    """Every entry of the tables names a public op and every valid call runs.

    test_jit_matches_eager runs every other op's valid call eagerly (and under jit); the ops
    it skips, or calls differently, run here.
    """
    assert set(VALID) <= set(ALL)
    assert set(JIT_CALLS) <= set(ALL)
    assert set(NOT_JITTABLE) <= set(ALL)
    assert {n for n, _ in VALID_PROBES} <= set(ALL)
    for name in {*NOT_JITTABLE, *JIT_CALLS}:
        _run(name, _valid(name))


@pytest.mark.parametrize("name", sorted(ALL))
def test_docstring_contract(name: str) -> None:
    doc = inspect.getdoc(ALL[name])
    assert doc, f"{name}: no docstring"
    lines = doc.splitlines()
    assert lines[0].strip(), f"{name}: no summary line"
    assert not lines[0].strip().endswith(":"), f"{name}: the first line is a section header"
    sections = {line.strip() for line in lines if re.fullmatch(r"[A-Z][a-z]+:", line.strip())}
    required = {"Returns:", "Raises:"}
    if inspect.signature(ALL[name]).parameters:
        required.add("Args:")
    missing = required - sections
    assert not missing, f"{name}: docstring lacks {sorted(missing)}"
    match = re.search(r"^Examples?:\s*$(.*)", doc, flags=re.M | re.S)
    assert match, f"{name}: no Example(s) section"
    assert ">>>" in match.group(1), f"{name}: the Example section has no >>> line"


@pytest.mark.parametrize(("name", "probe"), FIRST_PROBES)
def test_bad_first_argument(name: str, probe: str) -> None:
    _assert_contract_error(name, probe, _with_first(_valid(name), BAD_VALUES[probe]))


@pytest.mark.parametrize(("name", "probe"), DIM_PROBES)
def test_bad_dim(name: str, probe: str) -> None:
    value: Any = 99 if probe == "dim=99" else "0"
    _assert_contract_error(name, probe, _with_dim(name, _valid(name), value))


def _is_array(leaf: Any) -> bool:
    return isinstance(leaf, jax.Array)


def _module(name: str) -> str:
    return ALL[name].__module__.rsplit(".", 1)[-1].lstrip("_")


# One jit per module: compiling ~300 tiny programs one by one would dominate the runtime.
JIT_GROUPS: dict[str, list[str]] = {}
for _name in sorted(set(ALL) - set(NOT_JITTABLE)):
    JIT_GROUPS.setdefault(_module(_name), []).append(_name)


def _same(name: str, jitted: Any, eager: Any) -> str | None:
    """Why ``jitted`` differs from ``eager``, or None when they are equal."""
    e_leaves, e_tree = jax.tree_util.tree_flatten(eager)
    j_leaves, j_tree = jax.tree_util.tree_flatten(jitted)
    if e_tree != j_tree:
        return f"{name}: tree {j_tree} != eager {e_tree}"
    for e, j in zip(e_leaves, j_leaves, strict=True):
        if jax.dtypes.issubdtype(jnp.result_type(e), jax.dtypes.prng_key):
            e, j = jax.random.key_data(e), jax.random.key_data(j)
        e, j = np.asarray(e), np.asarray(j)
        if e.shape != j.shape or e.dtype != j.dtype:
            return f"{name}: {j.dtype}{j.shape} under jit, {e.dtype}{e.shape} eagerly"
        if not np.allclose(j, e, rtol=1e-5, atol=1e-6, equal_nan=True):
            return f"{name}: {j} under jit, {e} eagerly"
    return None


@pytest.mark.parametrize("group", sorted(JIT_GROUPS))
def test_jit_matches_eager(group: str) -> None:
    """Each op runs traced (arrays as arguments, the rest static) with its eager result."""
    names = JIT_GROUPS[group]
    calls = {n: JIT_CALLS.get(n, _valid(n)) for n in names}
    flat = {n: jax.tree_util.tree_flatten((c.args, c.kwargs, c.then)) for n, c in calls.items()}
    inputs = {n: [leaf for leaf in leaves if _is_array(leaf)] for n, (leaves, _) in flat.items()}
    problems: list[str] = []

    def traced(arrays: dict[str, list[jax.Array]]) -> dict[str, Any]:
        out = {}
        for n in names:
            leaves, tree = flat[n]
            supply = iter(arrays[n])
            filled = [next(supply) if _is_array(leaf) else leaf for leaf in leaves]
            try:
                out[n] = _run(n, Call(*jax.tree_util.tree_unflatten(tree, filled)))
            except Exception as exc:
                problems.append(f"{n}: under jit raised {type(exc).__name__}: {exc}")
        return out

    jitted = jax.jit(traced)(inputs)
    for n in jitted:
        problems.extend(filter(None, [_same(n, jitted[n], _run(n, calls[n]))]))
    assert not problems, "\n".join(problems)
