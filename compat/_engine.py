"""The autograd engine: the one op path and the backward pass (see DESIGN.md).

Every differentiable operation on :class:`~compat.Tensor` goes through :func:`apply`:

1. the op is a pure function ``fn(*arrays, **static)`` from rustorch_fx;
2. the forward is ``jit(partial(fn, **static))``, cached per ``(fn, static)``;
3. when grad mode is on and an input requires grad, the outputs get a :class:`Node` that saves
   the inputs (values and graph edges) and their version counters;
4. :func:`run_backward` walks the nodes in reverse topological order and applies a cached,
   jitted vector-Jacobian product per ``(fn, static, differentiated inputs)``;
5. with ``create_graph=True`` that vjp is itself applied through :func:`apply`, as an op of its
   own, so the backward is recorded and derivatives of any order come from the same path.

No ``jax.vjp`` is ever called eagerly per op: the vjp is traced once per op signature and then
dispatched as a compiled program.

Lazy mode (the default; ``COMPAT_LAZY=0`` in the environment or :func:`set_lazy` turns it
off) keeps those semantics and changes when work runs. :func:`apply` (and the backward's
per-node vjps and gradient accumulation) *record* the op in the thread's :class:`_Segment`
instead of running it; the outputs hold a :class:`_Pending` value whose shape and dtype come
from a cached ``jax.eval_shape`` per (op, input avals), so shape errors still raise at the op's
line. A segment runs when:

* any value of it is read: ``_Storage.value`` (so ``Tensor._value``, ``item``, ``tolist``,
  ``numpy``, ``print``, ``bool``, ``__array__``, any direct JAX use), or :func:`flush`;
* ``backward()`` ends (forward and backward thus run as one program, with the updates made
  with tensor ops since the last run, such as a manual SGD step);
* it reaches ``_SEGMENT_LIMIT`` ops, or lazy mode is turned off.

Only the values still referenced when it runs are computed (the rest is pruned; a released
node drops its saved values and storages, so a freed graph's intermediates are never written
out). A segment is keyed by its structure (op keys, wiring, input avals, wanted outputs): the
first time a key is seen it runs op by op with the per-op jitted functions (no new compile),
from the second time as one cached ``jax.jit`` program, so scripts whose graph changes every
step never compile per step. Ops that keep forward residuals (loops, the fused Transformer
layer) are recorded with them (the node's pullback holds pending residuals, and its application
is recorded too). Convolutions and their backward run eagerly, as their own tuned programs
(:mod:`rustorch_fx._xla`); the other ops between them form segments. Recorded into fused
programs, convolutions cost a small CNN's step (``benchmarks/layers.py``) ~35% more CPU time
and ~1.2x the wall time (forwards); their backwards recorded too cost ~1.3x the CPU time and
~1.4x the wall time with XLA:CPU's default instruction schedule, and about the same as eager
ones with the memory-optimised schedule that fused programs now get (2-core CPU, one process,
interleaved samples). The built-in optimizers record their update too
(:mod:`compat.optim.optimizer`). The first use of an op in grad mode (its residual policy is
decided on concrete values), ops on JAX tracers, anomaly mode and threads other than the main
one run eagerly. ``stats`` counts
flushes, computed values, fused runs and compiles. The engine-facing API: :func:`set_lazy`,
:func:`is_lazy`, :func:`flush`, ``_raw_value(tensor)`` (an array or a pending value, never
running anything) and ``_Pending.get()``.
"""

from __future__ import annotations

import collections
import functools
import operator
import os
import sys
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import TYPE_CHECKING, Any

import jax
import jax.extend.core as jax_core
import jax.numpy as jnp

from compat import _grad_mode
from rustorch_fx import _boundary
from rustorch_fx._xla import _at_top_level, _jit, _runs_alone, _uses_convolution
from rustorch_fx.errors import AutogradError, RusTorchError

if TYPE_CHECKING:
    from compat._tensor import Tensor

__all__: list[str] = []


class _Cache(OrderedDict):
    """A bounded least-recently-used cache of compiled callables.

    The keys hold the op functions alive, so a program that makes new functions per call
    (``autograd.functional`` over a lambda) must not grow the caches without bound.
    """

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def lookup(self, key: Hashable) -> Any:
        value = self.get(key)
        if value is not None:
            self.move_to_end(key)
        return value

    def store(self, key: Hashable, value: Any) -> None:
        self[key] = value
        if len(self) > self.limit:
            self.popitem(last=False)


_FORWARD = _Cache(4096)
_VJP = _Cache(4096)
_VJP_OPS = _Cache(4096)
_FORWARD_VJP = _Cache(4096)
_PULLBACK = _Cache(4096)
# op key -> bool; a plain dict (read on every recorded op), cleared if it ever grows large.
_KEEPS_RESIDUALS: dict[Hashable, bool] = {}

# Ops whose forward is worth keeping for the backward rather than recomputing: loops over time
# (recurrent layers), convolutions and attention. For elementwise ops and matrix products the
# backward recomputes the little it needs (XLA drops the rest) faster than it could write and
# read residuals: measured on a 2-core CPU, an MLP training step is ~1.4x slower with
# residuals, a 2-layer LSTM ~1.5x faster.
_EXPENSIVE_PRIMITIVES = frozenset(
    {"scan", "while", "conv_general_dilated", "custom_vjp_call", "custom_vjp_call_jaxpr"}
)


# compat._tensor sets these once the classes exist (the engine and Tensor refer to each other).
Tensor: Any = None
_Storage: Any = None

_INEXACT: dict[Any, bool] = {}


def _inexact(dtype: Any) -> bool:
    """Whether ``dtype`` is floating or complex (cached: ``jnp.issubdtype`` is slow)."""
    known = _INEXACT.get(dtype)
    if known is None:
        known = _INEXACT[dtype] = bool(jnp.issubdtype(dtype, jnp.inexact))
    return known


def _freeze(value: Any) -> Hashable:
    """A hashable stand-in for a static argument (lists become tuples)."""
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    return value


# (fn, static items in call order) -> cache key; a plain dict, cleared if it grows large.
_STATIC_KEYS: dict[Hashable, Hashable] = {}


def _static_key(fn: Callable[..., Any], static: dict[str, Any]) -> Hashable:
    raw = (fn, tuple(static.items()))
    try:
        return _STATIC_KEYS[raw]
    except KeyError:
        pass
    except TypeError:  # a list or dict among the static arguments
        raw = None
    items = tuple(sorted(static.items()))
    if raw is None:
        items = tuple((k, _freeze(v)) for k, v in items)
    key = (fn, items)
    if raw is not None:
        if len(_STATIC_KEYS) >= 16384:
            _STATIC_KEYS.clear()
        _STATIC_KEYS[raw] = key
    return key


def _forward(fn: Callable[..., Any], static: dict[str, Any], key: Hashable) -> Callable[..., Any]:
    jitted = _FORWARD.lookup(key)
    if jitted is None:
        f = functools.partial(fn, **static) if static else fn
        jitted = _jit(f, tuned=_uses_convolution(fn))
        _FORWARD.store(key, jitted)
    return jitted


def _vjp(fn: Callable[..., Any], static: dict[str, Any], key: Hashable, diff: tuple[int, ...]):
    """The jitted ``(args, cotangents) -> input cotangents`` of ``fn`` for inputs ``diff``."""
    vkey = (key, diff)
    jitted = _VJP.lookup(vkey)
    if jitted is None:
        f = functools.partial(fn, **static) if static else fn

        def vjp(args: tuple[Any, ...], cotangents: tuple[Any, ...]) -> tuple[Any, ...]:
            _, pullback, _ = jax.vjp(
                _differentiable(f, args, diff), *(args[i] for i in diff), has_aux=True
            )
            return pullback(tuple(cotangents))

        jitted = _jit(vjp, tuned=_uses_convolution(fn))
        _VJP.store(vkey, jitted)
    return jitted


def _differentiable(
    f: Callable[..., Any], args: tuple[Any, ...], diff: tuple[int, ...]
) -> Callable[..., Any]:
    """``f`` as a function of the arguments at ``diff``, returning its inexact output leaves."""

    def differentiable(*diff_args: Any) -> tuple[Any, Any]:
        full = list(args)
        for i, a in zip(diff, diff_args, strict=True):
            full[i] = a
        out = f(*full)
        leaves = jax.tree_util.tree_leaves(out)
        return tuple(leaf for leaf in leaves if _inexact(leaf.dtype)), out

    return differentiable


def _forward_vjp(
    fn: Callable[..., Any], static: dict[str, Any], key: Hashable, diff: tuple[int, ...]
) -> Callable[..., Any]:
    """The jitted ``args -> (output, pullback)`` of ``fn`` for the inputs ``diff``.

    The pullback is JAX's ``VJP`` object: a pytree of the residuals the backward needs (what
    torch calls the saved tensors), computed once in the forward, so that backward applies it
    (:func:`_pullback`) instead of running the forward again. Residuals that are the op's
    own inputs are not returned (a :class:`_Residuals` in their place when there are any):
    the caller rebuilds the pullback with its input values (``_Residuals.rebuild``).
    """
    vkey = (key, diff)
    jitted = _FORWARD_VJP.lookup(vkey)
    if jitted is None:
        f = functools.partial(fn, **static) if static else fn

        def forward(*args: Any) -> tuple[Any, Any]:
            _, pullback, out = jax.vjp(
                _differentiable(f, args, diff), *(args[i] for i in diff), has_aux=True
            )
            return out, _Residuals.of(pullback, args)

        jitted = _jit(forward, tuned=_uses_convolution(fn))
        _FORWARD_VJP.store(vkey, jitted)
    return jitted


@jax.tree_util.register_pytree_node_class
class _Residuals:
    """A pullback without the residuals that are the forward's own inputs.

    A residual that is an input (an LSTM's ``w_hh``, a convolution's weight) would be an output
    of the forward program equal to one of its (undonated) inputs, which XLA returns as a
    copy. The forward program returns this instead: the other residuals as leaves, and for
    each residual of the pullback either the position of the input it is or ``-1`` (the next
    leaf). :meth:`rebuild` puts the caller's own input values back.
    """

    __slots__ = ("leaves", "sources", "treedef")

    def __init__(self, leaves: tuple[Any, ...], treedef: Any, sources: tuple[int, ...]) -> None:
        self.leaves = leaves
        self.treedef = treedef
        self.sources = sources

    @classmethod
    def of(cls, pullback: Any, args: tuple[Any, ...]) -> Any:
        """``pullback`` with the residuals that are ``args`` (tracers) taken out, if any.

        Weakly typed inputs (Python numbers) stay residuals: a scalar costs nothing to return,
        and the caller's value is a number, not an array.
        """
        leaves, treedef = jax.tree_util.tree_flatten(pullback)
        where = {
            id(a): i
            for i, a in enumerate(args)
            if isinstance(a, jax.core.Tracer) and not a.aval.weak_type
        }
        sources = tuple(where.get(id(leaf), -1) for leaf in leaves)
        if max(sources, default=-1) < 0:
            return pullback
        kept = tuple(leaf for leaf, k in zip(leaves, sources, strict=True) if k < 0)
        return cls(kept, treedef, sources)

    def rebuild(self, args: Sequence[Any]) -> Any:
        """The pullback, with the input residuals taken from ``args`` (the forward's inputs).

        An input that is not a JAX array or a pending value (a NumPy array, which its owner
        may change in place) is copied to a device array, as the program would have returned.
        """
        kept = iter(self.leaves)
        leaves = []
        for k in self.sources:
            if k < 0:
                leaves.append(next(kept))
                continue
            v = args[k]
            if not isinstance(v, jax.Array) and type(v) is not _Pending:
                v = jnp.array(v)
            leaves.append(v)
        return jax.tree_util.tree_unflatten(self.treedef, leaves)

    def tree_flatten(self) -> tuple[tuple[Any, ...], tuple[Any, tuple[int, ...]]]:
        return self.leaves, (self.treedef, self.sources)

    @classmethod
    def tree_unflatten(cls, aux: tuple[Any, tuple[int, ...]], leaves: Any) -> _Residuals:
        return cls(tuple(leaves), aux[0], aux[1])


def _keeps_residuals(
    fn: Callable[..., Any], static: dict[str, Any], key: Hashable, values: tuple[Any, ...]
) -> bool:
    """Whether the op's forward contains an expensive primitive (decided once per op)."""
    known = _KEEPS_RESIDUALS.get(key)
    if known is None:
        f = functools.partial(fn, **static) if static else fn
        known = _has_primitive(jax.make_jaxpr(f)(*values).jaxpr, _EXPENSIVE_PRIMITIVES)
        if len(_KEEPS_RESIDUALS) >= 16384:
            _KEEPS_RESIDUALS.clear()
        _KEEPS_RESIDUALS[key] = known
    return known


def _has_primitive(jaxpr: Any, names: frozenset[str], accept: Any = None) -> bool:
    """Whether ``jaxpr`` has an equation of a primitive in ``names``.

    Nested jaxprs count (calls, loops, ``cond`` branches); with ``accept``, only equations
    for which ``accept(eqn)`` holds.
    """
    for eqn in jaxpr.eqns:
        if eqn.primitive.name in names and (accept is None or accept(eqn)):
            return True
        for param in eqn.params.values():
            for inner in param if isinstance(param, tuple | list) else (param,):
                inner = getattr(inner, "jaxpr", inner)
                if hasattr(inner, "eqns") and _has_primitive(inner, names, accept):
                    return True
    return False


def _pullback(key: Hashable, fn: Callable[..., Any]) -> Callable[..., Any]:
    """The jitted ``(pullback, cotangents) -> input cotangents`` for one op signature."""
    jitted = _PULLBACK.lookup(key)
    if jitted is None:
        jitted = _jit(
            lambda pullback, cotangents: pullback(cotangents), tuned=_uses_convolution(fn)
        )
        _PULLBACK.store(key, jitted)
    return jitted


def _vjp_op(
    fn: Callable[..., Any], static: dict[str, Any], key: Hashable, diff: tuple[int, ...], nargs: int
) -> Callable[..., Any]:
    """The vjp as a pure op of positional arrays, so that ``apply`` can record it."""
    vkey = (key, diff, nargs)
    op = _VJP_OPS.lookup(vkey)
    if op is None:
        vjp = _vjp(fn, static, key, diff)

        def op(*flat: Any) -> tuple[Any, ...]:
            return vjp(tuple(flat[:nargs]), tuple(flat[nargs:]))

        op.__name__ = f"{_op_name(fn)}Backward"
        _VJP_OPS.store(vkey, op)
    return op


def _op_name(fn: Callable[..., Any]) -> str:
    name = getattr(fn, "__name__", type(fn).__name__)
    return "".join(part[:1].upper() + part[1:] for part in name.strip("_").split("_"))


# Shared empty mapping for nodes without hooks; register_hook gives a node its own dict.
_NO_HOOKS: dict[int, Any] = {}


class _Freed:
    """Stands in for the storage of a saved value freed by backward."""

    value = None
    version = -1


class Node:
    """A recorded operation: the ``grad_fn`` of the tensors it produced.

    Attributes:
        saved: The op's positional inputs as they were at forward time: tensors (leaves
            themselves, or snapshots of non-leaf tensors that keep their graph edge) and
            Python scalars.
        diff: Positions of the inputs that require grad.
        versions: Version counter values of the saved tensors at forward time.
        out_avals: ``(shape, dtype)`` of each differentiable output, in order.
    """

    __slots__ = (
        "__weakref__",
        "_name",
        "diff",
        "fn",
        "hooks",
        "key",
        "out_avals",
        "prehooks",
        "pullback",
        "released",
        "retained",
        "saved",
        "static",
        "storages",
        "trace",
        "versions",
    )

    def __init__(
        self,
        fn: Callable[..., Any],
        static: dict[str, Any],
        key: Hashable,
        args: tuple[Any, ...],
        diff: tuple[int, ...],
        out_avals: list[tuple[tuple[int, ...], Any]],
    ) -> None:
        self.fn = fn
        self.static = static
        self.key = key
        self.diff = diff
        saved = []
        storages = []
        versions = []
        for a in args:
            if isinstance(a, Tensor):
                saved.append(a if a.grad_fn is None else a._saved())
                # The input's storage, to detect in-place changes made after the forward.
                storages.append(a._data)
                versions.append(a._data.version)
            else:
                saved.append(a)
                storages.append(None)
                versions.append(0)
        self.saved = tuple(saved)
        self.storages = tuple(storages)
        self.versions = tuple(versions)
        self.out_avals = out_avals
        self.released = False
        self.hooks: dict[int, list[Callable[[Any], Any]]] = _NO_HOOKS
        # Called with all output gradients at once (as a tuple of tensors) before the vjp; may
        # return replacements. Module full-backward hooks use them.
        self.prehooks: tuple[Callable[[tuple[Any, ...]], Any], ...] = ()
        # The residuals of the forward (a JAX VJP pytree), when the forward computed them.
        self.pullback: Any = None
        self.retained: dict[int, Any] = _NO_HOOKS
        self._name: str | None = None
        self.trace = _user_frames() if _grad_mode._state.anomaly else None

    def release(self) -> None:
        """Free the saved values (the graph edges stay), as a backward without retain_graph."""
        self.released = True
        self.pullback = None
        # The storages only serve version checks, which a released node never makes again;
        # dropping them lets lazy mode skip computing (and returning) values nobody reads.
        self.storages = (None,) * len(self.storages)
        for t in self.saved:
            if isinstance(t, Tensor) and t.grad_fn is not None:
                t._data = _Freed

    def name(self) -> str:
        """The node's name, such as ``"MulBackward0"`` (torch's ``grad_fn.name()``)."""
        if self._name is None:
            self._name = f"{_op_name(self.fn)}Backward0"
        return self._name

    def check_versions(self) -> None:
        """Raise if a saved input was modified in place after the forward."""
        _check_versions(self)

    def vjp(self, cts: list[Any], create_graph: bool) -> tuple[Any, ...]:
        """Input cotangents for the differentiable inputs, given the output cotangents."""
        return _node_vjp(self, cts, create_graph)

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        """``(node, output_nr)`` per tensor input, torch's ``grad_fn.next_functions``.

        A leaf that requires grad appears as its :class:`AccumulateGrad` node, an input that
        does not require grad as ``(None, 0)``; Python numbers do not appear.
        """
        out: list[tuple[Any, int]] = []
        for i, t in enumerate(self.saved):
            if not isinstance(t, Tensor):
                continue
            if i not in self.diff:
                out.append((None, 0))
            elif t.grad_fn is None:
                out.append((t._grad_accumulator(), 0))
            else:
                out.append((t.grad_fn, t._output_nr))
        return tuple(out)

    def register_hook(self, hook: Callable[..., Any]) -> None:
        """Unsupported on nodes: register hooks on tensors (``tensor.register_hook``)."""
        from rustorch_fx.errors import UnsupportedError

        raise UnsupportedError(
            "grad_fn.register_hook: node hooks are not provided; use tensor.register_hook"
        )

    def __repr__(self) -> str:
        return f"<{self.name()} object at {id(self):#x}>"


class AccumulateGrad:
    """The node that accumulates into a leaf's ``.grad`` (what ``next_functions`` shows)."""

    __slots__ = ("post_hooks", "variable")

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable
        # hook(tensor) callables run after the leaf's .grad is accumulated
        # (Tensor.register_post_accumulate_grad_hook).
        self.post_hooks: list[Callable[..., Any]] = []

    def name(self) -> str:
        """``"torch::autograd::AccumulateGrad"``, as torch names it."""
        return "torch::autograd::AccumulateGrad"

    @property
    def next_functions(self) -> tuple[()]:
        """A leaf has no inputs."""
        return ()

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {id(self):#x}>"


def apply(fn: Callable[..., Any], *args: Any, **static: Any) -> Any:
    """Run ``fn`` on tensors and record it for backward: the one op path.

    Args:
        fn: A pure function of positional arrays (and Python scalars) returning an array or a
            pytree of arrays (a tuple or NamedTuple for ops with several results).
        *args: Tensors, arrays or Python numbers, passed positionally (traced, not static).
        **static: Hashable keyword arguments (dims, flags), part of the compile cache key.

    Returns:
        The result with each array leaf wrapped as a :class:`~compat.Tensor`; floating
        results of an op whose inputs require grad (in grad mode) carry its :class:`Node`.

    Raises:
        RusTorchError: Whatever the op raises for bad inputs (JAX errors are converted).
    """
    caster = _grad_mode._state.autocast
    if caster is not None:
        args = caster(fn, args)
    key = _static_key(fn, static) if static else fn
    state = _grad_mode._state
    grad = state.enabled
    diff_list = []
    for i, a in enumerate(args):
        if isinstance(a, Tensor) and grad and a._requires_grad:
            diff_list.append(i)
    diff = tuple(diff_list)
    pullback = None
    out = _NOT_LAZY
    try:
        if _LAZY and state.lazy_thread and not state.anomaly and not _runs_alone(fn):
            # (any op seen for the first time in grad mode runs eagerly: whether it keeps
            # forward residuals is decided once, on concrete values)
            keeps = _KEEPS_RESIDUALS.get(key) if diff else False
            if keeps is False:
                raw = [_raw_value(a) if isinstance(a, Tensor) else a for a in args]
                out = _record(_forward(fn, static, key), key, raw)
            elif keeps:
                # the forward and its residuals, pending (the node's pullback holds them)
                raw = [_raw_value(a) if isinstance(a, Tensor) else a for a in args]
                fwd = _forward_vjp(fn, static, key, diff)
                both = _record(fwd, (_forward_vjp, key, diff), raw)
                if both is not _NOT_LAZY:
                    out, pullback = both
                    if type(pullback) is _Residuals:
                        pullback = pullback.rebuild(raw)
        if out is _NOT_LAZY:
            values = [a._data.value if isinstance(a, Tensor) else a for a in args]
            keeps = _KEEPS_RESIDUALS.get(key) if diff else False
            if keeps is None:
                keeps = _keeps_residuals(fn, static, key, tuple(values))
            if keeps:
                out, pullback = _forward_vjp(fn, static, key, diff)(*values)
                if type(pullback) is _Residuals:
                    pullback = pullback.rebuild(values)
            else:
                out = _forward(fn, static, key)(*values)
    except RusTorchError:
        raise
    except (TypeError, ValueError, IndexError, jax.errors.JaxRuntimeError) as exc:
        raise _boundary.convert(_op_name(fn), exc) from exc
    if state.anomaly:
        _anomaly_forward(fn, out)
    if isinstance(out, jax.Array) or type(out) is _Pending:
        if not diff:
            return Tensor._wrap(out)
        if _inexact(out.dtype):
            node = Node(fn, static, key, args, diff, [(out.shape, out.dtype)])
            node.pullback = pullback
            return Tensor._wrap(out, grad_fn=node, output_nr=0)
        return Tensor._wrap(out)
    leaves, treedef = jax.tree_util.tree_flatten(out)
    if not diff:
        return jax.tree_util.tree_unflatten(treedef, [Tensor._wrap(v) for v in leaves])
    avals = [(v.shape, v.dtype) for v in leaves if _inexact(v.dtype)]
    if not avals:
        return jax.tree_util.tree_unflatten(treedef, [Tensor._wrap(v) for v in leaves])
    node = Node(fn, static, key, args, diff, avals)
    node.pullback = pullback
    wrapped = []
    k = 0
    for v in leaves:
        if _inexact(v.dtype):
            wrapped.append(Tensor._wrap(v, grad_fn=node, output_nr=k))
            k += 1
        else:
            wrapped.append(Tensor._wrap(v))
    return jax.tree_util.tree_unflatten(treedef, wrapped)


_FREED = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward."
)


def _check_versions(node: Node) -> None:
    for i, st in enumerate(node.storages):
        if st is not None and st.version != node.versions[i] and _needed(node)[i]:
            t = node.saved[i]
            raise AutogradError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: [{t._describe()}] is at version {st.version}; "
                f"expected version {node.versions[i]} instead (input {i} of {node.name()}). "
                "Hint: the operation that failed to compute its gradient modified it in place "
                "after it was used; use an out-of-place op or .clone() it first."
            )


_NEEDED = _Cache(4096)


def _needed(node: Node) -> tuple[bool, ...]:
    """Which inputs' values the node's backward reads (torch saves exactly those).

    ``y = x + c`` needs neither value, ``y = x * c`` needs both: modifying ``c`` in place is
    harmless in the first case and an error in the second, as in torch. Found once per op
    signature by tracing the vjp and following its outputs back to its inputs.
    """
    values = tuple(_raw_value(t) if isinstance(t, Tensor) else t for t in node.saved)
    avals = tuple((v.shape, v.dtype) if hasattr(v, "shape") else type(v) for v in values)
    key = (node.key, node.diff, avals)
    known = _NEEDED.lookup(key)
    if known is None:
        # abstract stand-ins for pending values: nothing runs to find the dependencies
        values = tuple(
            jax.ShapeDtypeStruct(v.shape, v.dtype, weak_type=v.aval.weak_type)
            if type(v) is _Pending
            else v
            for v in values
        )
        vjp = _vjp(node.fn, node.static, node.key, node.diff)
        cts = tuple(jnp.zeros(shape, dtype) for shape, dtype in node.out_avals)
        closed = jax.make_jaxpr(vjp)(values, cts)
        # An argument is one input of the jaxpr (an array or a Python number) or none (None).
        sizes = [len(jax.tree_util.tree_leaves(v)) for v in values]
        flags = _used_inputs(closed.jaxpr, sum(sizes))
        known, start = [], 0
        for n in sizes:
            known.append(any(flags[start : start + n]))
            start += n
        known = tuple(known)
        _NEEDED.store(key, known)
    return known


def _used_inputs(jaxpr: Any, n_args: int) -> tuple[bool, ...]:
    """For the first ``n_args`` inputs of ``jaxpr``: is each one read by an output?"""
    return _used(jaxpr, [True] * len(jaxpr.outvars))[:n_args]


def _used(jaxpr: Any, outs_used: list[bool]) -> tuple[bool, ...]:
    """Which inputs of ``jaxpr`` the outputs flagged in ``outs_used`` depend on.

    Nested ``jit`` calls are followed; other higher-order primitives count as reading all of
    their inputs (a safe over-approximation).
    """
    used = {
        v
        for v, flag in zip(jaxpr.outvars, outs_used, strict=True)
        if flag and not isinstance(v, jax_core.Literal)
    }
    for eqn in reversed(jaxpr.eqns):
        flags = [o in used for o in eqn.outvars]
        if not any(flags):
            continue
        inner = eqn.params.get("jaxpr") if eqn.primitive.name in ("jit", "pjit") else None
        if inner is not None:
            inner_used = _used(inner.jaxpr, flags)
            ins = [v for v, f in zip(eqn.invars, inner_used, strict=True) if f]
        else:
            ins = eqn.invars
        used.update(v for v in ins if not isinstance(v, jax_core.Literal))
    return tuple(v in used for v in jaxpr.invars)


def _topo(roots: Sequence[Node]) -> dict[Node, int]:
    """Number of consumers of each node reachable from ``roots`` (for Kahn's ordering)."""
    deps: dict[Node, int] = {}
    stack = list(roots)
    seen = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        deps.setdefault(node, 0)
        for i in node.diff:
            parent = node.saved[i].grad_fn
            if parent is not None:
                deps[parent] = deps.get(parent, 0) + 1
                stack.append(parent)
    return deps


def _add(a: Any, b: Any) -> Any:
    if a is None:
        return b
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return a + b
    return _add_values(a, b)


def run_backward(
    roots: Sequence[Tensor],
    grads: Sequence[Any],
    *,
    retain_graph: bool,
    create_graph: bool,
    inputs: Sequence[Tensor] | None = None,
    accumulate: bool = True,
) -> list[Any]:
    """Backpropagate ``grads`` from ``roots`` through the recorded graph.

    Args:
        roots: Output tensors to start from.
        grads: Their gradients (tensors when ``create_graph``, else tensors or arrays).
        retain_graph: Keep saved values for another backward.
        create_graph: Record the backward itself (higher-order derivatives).
        inputs: With ``accumulate=False``, the tensors whose gradients are returned
            (``autograd.grad``); with ``accumulate=True``, restricts accumulation to these.
        accumulate: Accumulate into the ``.grad`` of leaves (``backward``) or only return
            the gradients of ``inputs`` (``autograd.grad``).

    Returns:
        With ``inputs``, the gradient of each (``None`` where no gradient reached it).

    Raises:
        AutogradError: If the graph was freed, or a saved tensor was modified in place.
    """
    wanted: dict[Any, int] = {}
    for j, t in enumerate(inputs or ()):
        wanted[(id(t.grad_fn), t._output_nr) if t.grad_fn is not None else id(t)] = j
    results: list[Any] = [None] * len(inputs or ())
    restrict = inputs is not None

    def as_value(g: Any) -> Any:
        return g if create_graph else (_raw_value(g) if isinstance(g, Tensor) else g)

    def deliver_leaf(leaf: Tensor, g: Any) -> None:
        for hook in leaf._hooks:
            out = hook(g if isinstance(g, Tensor) else Tensor._wrap(g))
            if out is not None:
                g = as_value(out)
        j = wanted.get(id(leaf))
        if j is not None:
            results[j] = _add(results[j], g)
        if accumulate and (not restrict or j is not None):
            leaf._accumulate(g, create_graph)

    buffers: dict[Node, list[Any]] = {}
    root_nodes = []
    for t, g in zip(roots, grads, strict=True):
        g = as_value(g)
        if t.grad_fn is None:
            if t.requires_grad:
                deliver_leaf(t, g)
            continue
        buf = buffers.setdefault(t.grad_fn, [None] * len(t.grad_fn.out_avals))
        buf[t._output_nr] = _add(buf[t._output_nr], g)
        root_nodes.append(t.grad_fn)

    deps = _topo(root_nodes)
    ready = [n for n in dict.fromkeys(root_nodes) if deps[n] == 0]
    while ready:
        node = ready.pop()
        if node.released:
            raise AutogradError(_FREED)
        node.check_versions()
        cts = buffers.pop(node, None) or [None] * len(node.out_avals)
        for k, (shape, dtype) in enumerate(node.out_avals):
            g = cts[k]
            if g is None:
                g = jnp.zeros(shape, dtype)
                if create_graph:
                    g = Tensor._wrap(g)
            for hook in node.hooks.get(k, ()):
                out = hook(g if isinstance(g, Tensor) else Tensor._wrap(g))
                if out is not None:
                    g = as_value(out)
            if k in node.retained:
                owner = node.retained[k]()
                if owner is not None:
                    owner._set_grad(as_value(g))
            j = wanted.get((id(node), k))
            if j is not None:
                results[j] = _add(results[j], g)
            cts[k] = g
        for pre in node.prehooks:
            out = pre(tuple(g if isinstance(g, Tensor) else Tensor._wrap(g) for g in cts))
            if out is not None:
                cts = [as_value(o) for o in out]
        in_grads = node.vjp(cts, create_graph)
        if _grad_mode._state.anomaly:
            _anomaly_backward(node, in_grads)
        if not retain_graph:
            node.release()
        for i, g in zip(node.diff, in_grads, strict=True):
            src = node.saved[i]
            parent = src.grad_fn
            if parent is None:
                deliver_leaf(src, g)
                continue
            buf = buffers.setdefault(parent, [None] * len(parent.out_avals))
            buf[src._output_nr] = _add(buf[src._output_nr], g)
            deps[parent] -= 1
            if deps[parent] == 0:
                ready.append(parent)
    if _LAZY:
        # Forward and backward run as one program; the loop's last gradients are dropped
        # first, so that only the values still referenced are computed.
        g = cts = in_grads = buffers = buf = None
        flush()
    return results


def _node_vjp(node: Node, cts: list[Any], create_graph: bool) -> tuple[Any, ...]:
    """Input cotangents of one node: the cached jitted vjp, or the same vjp recorded as an op."""
    if create_graph:
        op = _vjp_op(node.fn, node.static, node.key, node.diff, len(node.saved))
        out = apply(op, *node.saved, *cts)
        return tuple(out)
    if node.pullback is None and _lazy_active() and not _runs_alone(node.fn):
        # (a convolution's backward runs eagerly, as its forward does: see the module docstring)
        flat = tuple(_raw_value(v) if isinstance(v, Tensor) else v for v in (*node.saved, *cts))
        nargs = len(node.saved)
        op = _vjp_flat(node.fn, node.static, node.key, node.diff, nargs)
        out = _record(op, (op, nargs), flat)
        if out is not _NOT_LAZY:
            return tuple(out)
    if node.pullback is not None and _lazy_active() and not _runs_alone(node.fn):
        leaves, treedef = jax.tree_util.tree_flatten(node.pullback)
        op = _pullback_flat(node.fn, node.key, node.diff, treedef, len(leaves))
        flat = (*leaves, *(_raw_value(c) if isinstance(c, Tensor) else c for c in cts))
        out = _record(op, op, flat)
        if out is not _NOT_LAZY:
            return tuple(out)
    cvals = tuple(c._value if isinstance(c, Tensor) else _concrete(c) for c in cts)
    if node.pullback is not None:
        pullback = jax.tree_util.tree_map(_concrete, node.pullback)
        return _pullback((node.key, node.diff), node.fn)(pullback, cvals)
    values = tuple(t._value if isinstance(t, Tensor) else t for t in node.saved)
    return _vjp(node.fn, node.static, node.key, node.diff)(values, cvals)


_VJP_FLAT = _Cache(4096)
_PULLBACK_FLAT = _Cache(4096)


def _pullback_flat(
    fn: Callable[..., Any], key: Hashable, diff: tuple[int, ...], treedef: Any, n: int
) -> Callable[..., Any]:
    """The jitted ``(*residual leaves, *cotangents) -> input cotangents`` (lazy mode's record)."""
    pkey = (key, diff, treedef)
    jitted = _PULLBACK_FLAT.lookup(pkey)
    if jitted is None:

        def flat_pullback(*flat: Any) -> Any:
            pullback = jax.tree_util.tree_unflatten(treedef, flat[:n])
            return pullback(tuple(flat[n:]))

        jitted = _jit(flat_pullback, tuned=_uses_convolution(fn))
        _PULLBACK_FLAT.store(pkey, jitted)
    return jitted


def _vjp_flat(
    fn: Callable[..., Any], static: dict[str, Any], key: Hashable, diff: tuple[int, ...], nargs: int
) -> Callable[..., Any]:
    """The jitted vjp of :func:`_vjp` taking its inputs flat (as lazy mode records ops)."""
    vkey = (key, diff, nargs)
    jitted = _VJP_FLAT.lookup(vkey)
    if jitted is None:
        vjp = _vjp(fn, static, key, diff)

        def flat_vjp(*flat: Any) -> tuple[Any, ...]:
            return vjp(tuple(flat[:nargs]), tuple(flat[nargs:]))

        jitted = _jit(flat_vjp, tuned=_uses_convolution(fn))
        _VJP_FLAT.store(vkey, jitted)
    return jitted


def _raw_value(t: Tensor) -> Any:
    """A tensor's value without running pending ops: an array or a :class:`_Pending`."""
    data = t._data
    if type(data) is _Storage:
        return data._v
    raw = getattr(type(data), "raw", None)  # a view storage's value, pending or not
    return data.value if raw is None else raw(data)


def _user_frames() -> str:
    """The user's part of the current stack (frames outside compat, rustorch_fx and jax)."""
    import os
    import traceback

    import rustorch_fx

    skip = tuple(
        os.path.dirname(os.path.abspath(m.__file__)) + os.sep
        for m in (rustorch_fx, jax, sys.modules["compat"])
    )
    frames = [
        f for f in traceback.extract_stack() if not os.path.abspath(f.filename).startswith(skip)
    ]
    return "".join(traceback.format_list(frames[-8:]))


def _nonfinite(values: Any) -> int | None:
    """Index of the first leaf of ``values`` holding a NaN (or Inf), or None."""
    for k, v in enumerate(jax.tree_util.tree_leaves(values)):
        v = v._value if isinstance(v, Tensor) else v
        if v is not None and _inexact(v.dtype) and not bool(jnp.isfinite(v).all()):
            return k
    return None


def _anomaly_forward(fn: Callable[..., Any], out: Any) -> None:
    from rustorch_fx.errors import NonFiniteError

    if not _grad_mode._state.check_nan:
        return
    k = _nonfinite(out)
    if k is not None:
        raise NonFiniteError(
            f"Function '{_op_name(fn)}Backward0' returned nan values in its {k}th output "
            f"(forward of {_op_name(fn)}). The op was called from:\n{_user_frames()}"
        )


def _anomaly_backward(node: Node, grads: Any) -> None:
    from rustorch_fx.errors import NonFiniteError

    if not _grad_mode._state.check_nan:
        return
    k = _nonfinite(grads)
    if k is not None:
        where = node.trace or "(the forward ran before anomaly detection was enabled)\n"
        raise NonFiniteError(
            f"Function '{node.name()}' returned nan values in its {k}th output. "
            f"Traceback of the forward call that caused the error:\n{where}"
        )


# -- lazy mode ---------------------------------------------------------------------------------


def _lazy_from_env(value: str | None) -> bool:
    """Lazy mode's setting at import from ``COMPAT_LAZY``: on unless it says off."""
    return value is None or value.strip().lower() not in ("0", "false", "off", "no")


_LAZY = _lazy_from_env(os.environ.get("COMPAT_LAZY"))
# A segment with this many ops is run at once even if nothing reads its values.
_SEGMENT_LIMIT = 1024
# (op key, input avals) -> (output treedef, output avals)
_SHAPES = _Cache(8192)
# segment signature -> its _Seen record (runs, fused program); the records that hold a compiled
# program, least recently run first (at most _FUSED_LIMIT of them keep their program)
_SEEN: OrderedDict[_Key, _Seen] = OrderedDict()
_FUSED: OrderedDict[_Key, _Seen] = OrderedDict()
_SEEN_LIMIT = 4096
_FUSED_LIMIT = 256
_SCALARS = frozenset({int, float, bool, complex, type(None)})
_ARRAY_TYPES: frozenset[type] = frozenset({type(jnp.zeros(()))})
try:  # typed PRNG keys (dropout's key argument) are recorded like arrays
    from jax._src.random.prng import PRNGKeyArray as _PRNGKeyArray

    _ARRAY_TYPES = _ARRAY_TYPES | {_PRNGKeyArray}
except ImportError:  # another jax: such ops run eagerly
    pass
_NOT_LAZY = object()

#: Counters of lazy mode's work (reset with ``stats.clear()``): ``flushes`` (segments run),
#: ``values`` (values they computed: only those still referenced), ``op_by_op`` (segments run
#: op by op, first sightings), ``fused`` (segments run as one program), ``compiles`` (fused
#: programs built).
stats: collections.Counter[str] = collections.Counter()


class _Key:
    """A segment signature (a nested tuple) with its hash computed once."""

    __slots__ = ("hash", "sig")

    def __init__(self, sig: tuple[Any, ...]) -> None:
        self.sig = sig
        self.hash = hash(sig)

    def __hash__(self) -> int:
        return self.hash

    def __eq__(self, other: object) -> bool:
        return self is other or (
            type(other) is _Key and self.hash == other.hash and self.sig == other.sig
        )


class _Seen:
    """What lazy mode knows of one segment signature: runs so far and its fused program."""

    __slots__ = ("count", "key", "program")

    def __init__(self, key: _Key) -> None:
        self.key = key
        self.count = 0
        self.program: Callable[..., Any] | None = None


class _Pending:
    """A value that a recorded op will produce when its segment runs (lazy mode).

    Holds the output's abstract value (``shape``, ``dtype``, ``ndim``, ``size``), so shape
    logic never forces a run. :meth:`get` runs the segment if needed and returns the array.
    """

    __slots__ = ("__weakref__", "aval", "seg", "slot", "value")

    def __init__(self, seg: _Segment, slot: int, aval: Any) -> None:
        self.seg = seg
        self.slot = slot
        self.aval = aval
        self.value: Any = None

    @property
    def shape(self) -> tuple[int, ...]:
        return self.aval.shape

    @property
    def dtype(self) -> Any:
        return self.aval.dtype

    @property
    def ndim(self) -> int:
        return self.aval.ndim

    @property
    def size(self) -> int:
        return self.aval.size

    def get(self) -> jax.Array:
        """The concrete array: runs this value's segment first if it has not run."""
        if self.value is None:
            seg = self.seg
            if seg is not None:
                seg.flush()
            if self.value is None:
                raise AutogradError(
                    "lazy mode: a pending value could not be computed"
                    + (f" ({seg.error})" if seg is not None and seg.error else "")
                ) from (seg.error if seg is not None else None)
        return self.value

    def __repr__(self) -> str:
        return f"<pending {self.aval.str_short()}>"


class _Segment:
    """Ops recorded in lazy mode and not yet run: a small dataflow graph.

    ``ops`` holds ``(jitted fn, input refs, first output slot, number of outputs)``; an input
    ref ``r >= 0`` is
    output slot ``r`` of an earlier op of the segment, ``r < 0`` is external input ``~r``
    (an array or a Python scalar). ``outs`` holds weak references to the pending outputs, so
    the segment computes only the values still referenced when it runs.
    """

    __slots__ = ("error", "ext", "ext_avals", "ext_ids", "ops", "outs", "ran", "sig")

    def __init__(self) -> None:
        self.ops: list[tuple[Callable[..., Any], tuple[int, ...], int, int]] = []
        self.sig: list[Hashable] = []
        self.ext: list[Any] = []
        self.ext_avals: list[Hashable] = []
        self.ext_ids: dict[int, int] = {}
        self.outs: list[Any] = []
        self.ran = False
        self.error: BaseException | None = None

    def flush(self) -> None:
        """Run the segment: op by op the first time its signature is seen, fused after."""
        if self.ran:
            return
        self.ran = True
        state = _grad_mode._state
        if state.segment is self:
            state.segment = None
        live = self._live()
        if not live:
            self._clear()
            return
        ops, slot_map, ext, ext_avals, keys = self._prune([slot for slot, _ in live])
        self._clear()
        slots = tuple(slot_map[slot] for slot, _ in live)
        key = _Key((tuple(zip(keys, [op[1] for op in ops], strict=True)), tuple(ext_avals), slots))
        entry = _SEEN.get(key)
        if entry is None:
            entry = _SEEN[key] = _Seen(key)
            if len(_SEEN) > _SEEN_LIMIT:
                _SEEN.popitem(last=False)
        else:
            _SEEN.move_to_end(entry.key)  # the stored key: compared by identity
        stats["flushes"] += 1
        stats["values"] += len(live)
        try:
            # Concrete even when a value is first read inside a JAX trace (jit, compile).
            if _at_top_level():
                results = self._run(entry, ops, slots, ext)
            else:
                with jax.ensure_compile_time_eval():
                    results = self._run(entry, ops, slots, ext)
        except RusTorchError as exc:
            self.error = exc
            raise
        except (TypeError, ValueError, IndexError, jax.errors.JaxRuntimeError) as exc:
            self.error = exc
            raise _boundary.convert("lazy segment", exc) from exc
        for (_, p), value in zip(live, results, strict=True):
            p.value = value
            p.seg = None

    @staticmethod
    def _run(
        entry: _Seen, ops: list[Any], slots: tuple[int, ...], ext: list[Any]
    ) -> tuple[Any, ...]:
        """The values at ``slots``: op by op on a first sighting, else the fused program."""
        entry.count += 1
        if entry.count == 1:
            stats["op_by_op"] += 1
            return _run_ops(ops, slots, *ext)
        program = entry.program
        if program is None:
            # Always with the XLA:CPU options: a program without convolutions keeps its
            # instructions, scheduled for memory rather than concurrency (the CNN step of
            # benchmarks/layers.py: ~1-2% less CPU time, 8-21% less wall time on 2 cores).
            program = _jit(functools.partial(_run_ops, tuple(ops), slots))
            entry.program = program
            _FUSED[entry.key] = entry
            if len(_FUSED) > _FUSED_LIMIT:
                _FUSED.popitem(last=False)[1].program = None  # the least recently run
            stats["compiles"] += 1
        else:
            _FUSED.move_to_end(entry.key)
        stats["fused"] += 1
        return program(*ext)

    def _clear(self) -> None:
        self.ops = self.ext = self.outs = self.sig = self.ext_avals = ()  # type: ignore[assignment]
        self.ext_ids = {}

    def _live(self) -> list[tuple[int, _Pending]]:
        """``(slot, pending)`` of the outputs still referenced."""
        live = []
        for slot, ref in enumerate(self.outs):
            p = ref()
            if p is not None:
                live.append((slot, p))
        return live

    def compact(self) -> None:
        """Drop the ops whose results nobody can read any more (keeps the segment pending)."""
        live = self._live()
        ops, slot_map, ext, ext_avals, keys = self._prune([slot for slot, _ in live])
        outs: list[Any] = [_dead] * len(slot_map)
        for slot, p in live:
            p.slot = slot_map[slot]
            outs[p.slot] = weakref.ref(p)
        self.ops, self.sig, self.ext, self.ext_avals, self.outs = ops, keys, ext, ext_avals, outs
        self.ext_ids = {id(v): j for j, v in enumerate(ext)}

    def _prune(
        self, wanted: list[int]
    ) -> tuple[list[Any], dict[int, int], list[Any], list[Hashable], list[Hashable]]:
        """The ops that the ``wanted`` slots depend on, renumbered densely.

        Returns ``(ops, slot_map, ext, ext_avals, keys)``: the kept ops with their slots and
        external inputs renumbered, old slot -> new slot, the external inputs they read with
        their avals, and the kept ops' keys.
        """
        needed = set(wanted)
        keep = []
        all_ops = self.ops
        for j in range(len(all_ops) - 1, -1, -1):
            _, refs, base, n = all_ops[j]
            if base in needed if n == 1 else any(base + k in needed for k in range(n)):
                keep.append(j)
                for r in refs:
                    if r >= 0:
                        needed.add(r)
        keep.reverse()
        slot_map: dict[int, int] = {}
        ext_map: dict[int, int] = {}
        ops, ext, keys, ext_avals = [], [], [], []
        for j in keep:
            fn, refs, base, n = self.ops[j]
            new_refs = []
            for r in refs:
                if r >= 0:
                    new_refs.append(slot_map[r])
                else:
                    e = ext_map.get(r)
                    if e is None:
                        e = ext_map[r] = ~len(ext)
                        ext.append(self.ext[~r])
                        ext_avals.append(self.ext_avals[~r])
                    new_refs.append(e)
            start = len(slot_map)
            for k in range(n):
                slot_map[base + k] = start + k
            ops.append((fn, tuple(new_refs), start, n))
            keys.append(self.sig[j])
        return ops, slot_map, ext, ext_avals, keys


def _dead() -> None:
    """The weak reference of an output nobody holds (after :meth:`_Segment.compact`)."""
    return None


def _run_ops(
    ops: Sequence[tuple[Callable[..., Any], tuple[int, ...], int, int]],
    slots: tuple[int, ...],
    *ext: Any,
) -> tuple[Any, ...]:
    """Replay a segment's ops on its external inputs; the values at ``slots``."""
    env: list[Any] = []
    for fn, refs, _, _ in ops:
        out = fn(*[env[r] if r >= 0 else ext[~r] for r in refs])
        if isinstance(out, jax.Array):
            env.append(out)
        else:
            env.extend(jax.tree_util.tree_leaves(out))
    return tuple(env[s] for s in slots)


def _out_avals(fn: Callable[..., Any], skey: Hashable, values: Sequence[Any]) -> Any:
    """``(treedef, leaf avals)`` of ``fn``'s output for these inputs (cached per avals)."""
    known = _SHAPES.lookup(skey)
    if known is None:
        structs = [
            jax.ShapeDtypeStruct(v.shape, v.dtype, weak_type=v.aval.weak_type)
            if type(v) is _Pending
            else v
            for v in values
        ]
        out = jax.eval_shape(fn, *structs)
        leaves, treedef = jax.tree_util.tree_flatten(out)
        avals = tuple(jax.core.ShapedArray(s.shape, s.dtype, weak_type=s.weak_type) for s in leaves)
        known = (treedef, avals, len(avals) == 1 and treedef == _LEAF)
        _SHAPES.store(skey, known)
    return known


_LEAF = jax.tree_util.tree_structure(0)


def _record(fn: Callable[..., Any], opkey: Hashable, values: Sequence[Any]) -> Any:
    """Record ``fn(*values)`` in the thread's segment; its output as pending values.

    Returns ``_NOT_LAZY`` when an input cannot be recorded (a tracer, a numpy array): the
    caller then runs the op eagerly.
    """
    state = _grad_mode._state
    seg = state.segment
    if seg is None:
        seg = state.segment = _Segment()
    avals = []
    refs = []
    ext_ids = seg.ext_ids
    for v in values:
        tv = type(v)
        if tv is _Pending:
            if v.seg is seg:
                avals.append(v.aval)
                refs.append(v.slot)
                continue
            v = v.get()
            tv = type(v)
        if tv in _ARRAY_TYPES:
            aval = v.aval
        elif tv in _SCALARS:
            aval = tv
        else:
            # (inputs registered before this one stay unused: pruning drops them)
            return _NOT_LAZY
        avals.append(aval)
        j = ext_ids.get(id(v))
        if j is None:
            j = ext_ids[id(v)] = len(seg.ext)
            seg.ext.append(v)
            seg.ext_avals.append(aval)
        refs.append(~j)
    refs_t = tuple(refs)
    treedef, out_avals, single = _out_avals(fn, (opkey, tuple(avals)), values)
    base = len(seg.outs)
    pending = [_Pending(seg, base + k, aval) for k, aval in enumerate(out_avals)]
    seg.outs.extend(weakref.ref(p) for p in pending)
    seg.ops.append((fn, refs_t, base, len(pending)))
    seg.sig.append(opkey)
    if len(seg.ops) >= _SEGMENT_LIMIT:
        seg.compact()  # values nobody holds any more need no computing
        if len(seg.ops) >= _SEGMENT_LIMIT // 2:
            seg.flush()
    return pending[0] if single else jax.tree_util.tree_unflatten(treedef, pending)


def _concrete(v: Any) -> Any:
    """``v``, or the array of a pending value (running its segment)."""
    return v.get() if type(v) is _Pending else v


def _lazy_active() -> bool:
    state = _grad_mode._state
    return _LAZY and state.lazy_thread and not state.anomaly


def set_lazy(enabled: bool) -> bool:
    """Turn lazy mode (the default) on or off for the process: ops batched, or run one by one.

    In lazy mode :func:`apply` records ops instead of running them; their tensors hold pending
    values that run together, as one cached jitted program from the second time the same
    sequence of ops is seen (op by op the first time), when any value is read (``item``,
    ``tolist``, ``numpy``, printing, any direct use of the array), at the end of
    ``backward()``, or when a segment grows past a bound. Results are the same as eager
    mode's. Turning it off runs what is pending.

    Args:
        enabled: The new setting (at import it is on unless the environment variable
            ``COMPAT_LAZY`` is ``0``, ``false``, ``off`` or ``no``).

    Returns:
        The previous setting.

    Example:
        >>> from compat import _engine
        >>> previous = _engine.set_lazy(False)
        >>> _ = _engine.set_lazy(previous)
    """
    global _LAZY
    previous = _LAZY
    if not enabled:
        flush()
    _LAZY = bool(enabled)
    return previous


def is_lazy() -> bool:
    """Whether lazy mode is on (see :func:`set_lazy`).

    Returns:
        A bool.

    Example:
        >>> from compat import _engine
        >>> isinstance(_engine.is_lazy(), bool)
        True
    """
    return _LAZY


def flush() -> None:
    """Run the calling thread's pending ops now (nothing happens outside lazy mode).

    Example:
        >>> from compat import _engine
        >>> _engine.flush()
    """
    seg = _grad_mode._state.segment
    if seg is not None:
        seg.flush()


_ADD = jax.jit(operator.add)


def _add_values(a: Any, b: Any) -> Any:
    """``a + b`` for gradient accumulation: recorded when either value is pending."""
    if (type(a) is _Pending or type(b) is _Pending) and _lazy_active():
        out = _record(_ADD, "add", (a, b))
        if out is not _NOT_LAZY:
            return out
    return _concrete(a) + _concrete(b)
