"""``compat.compile``: a torch-style training step (or a module's forward) as one XLA program.

``compat.compile(fn)`` captures everything an eager step does — forward, ``loss.backward()``,
``optimizer.step()``, ``optimizer.zero_grad()``, BatchNorm's running statistics, dropout's
random draws, gradient clipping, a ``GradScaler`` — into one ``jax.jit`` program:

* **State discovery.** The tensors a step reads and writes are found from its arguments, its
  closure cells and the globals its code names (recursively through helper functions, lists,
  dicts and the attributes of plain objects): modules (parameters, buffers, their ``.grad``),
  optimizers (their parameters, ``state`` tensors and the traced hyperparameters of each
  group: ``lr``, ``betas``, ``momentum``, ...), schedulers, grad scalers (scale and growth
  tracker), compat's default random generator, and tensors named directly.
* **Tracing.** Every storage's value is swapped for a JAX tracer and the function runs once on
  the real Python objects; the state afterwards (by *path*: ``model.0.weight.grad``,
  ``optimizer.state[0][1].exp_avg``) gives the program's outputs; then every object is rolled
  back. Hyperparameters are traced inputs, so a scheduler's new ``lr`` needs no recompile.
* **Write-back.** After each call the outputs are written into the same Python objects:
  parameter and buffer storages in place (versions bump as eager would), ``.grad`` tensors
  (created or set to None as the step does), optimizer state, the scaler, the generator's
  counter. State inputs nobody else references are donated to XLA.
* **Eager glue.** ``scheduler.step()`` is plain Python arithmetic on counters: during the trace
  it is recorded, and after each compiled call it is replayed eagerly (with the loss, for
  ``ReduceLROnPlateau``). So it must come after ``optimizer.step()`` in the step (as torch
  requires anyway); a step that calls ``optimizer.step()`` after ``scheduler.step()`` is a
  graph break. ``GradScaler.step``'s data-dependent skip becomes a ``where``.
* **Warm-up.** The first call runs eagerly: lazily created state (optimizer state, ``.grad``)
  then exists, and the second call compiles. Each new signature (argument shapes, dtypes and
  Python values, state structure, train/eval mode, hyperparameters that are zero) compiles
  once; :func:`set_logs` (or ``COMPAT_LOGS=recompiles``) logs why a call recompiled. XLA
  programs have static shapes whatever ``dynamic`` says; past
  ``compat._dynamo.config.recompile_limit`` programs (8) one warning suggests fixed shapes.
* **Lean calls.** The program takes only the inputs it reads (a ``.grad`` that ``zero_grad``
  drops, the counter of a generator nothing draws from are left out), positionally, and its
  write-back is a flat list of storage writes and new tensors. Once a call leaves the state
  in the form its program was compiled for (the steady state of a training loop), the next
  call checks identities instead of signatures (:class:`_Fast`): two mutation counters
  (``compat.nn.modules.module._mutations``, bumped by module attribute assignments,
  registrations, ``load_state_dict`` and ``.to()``; each optimizer's own count, bumped by its
  steps, ``add_param_group`` and ``load_state_dict``), the closure and globals,
  the arguments' shapes, and that each state slot still holds the tensor, storage and array
  the last write-back left there. Anything else takes the full path, which re-arms it. A
  ``.grad`` that nobody else holds takes its new value in place (no new tensor object).
* **Shared counts.** Before a compile, an optimizer's equal scalar state entries (the
  per-parameter ``step`` counts) are made to hold one array (:func:`_share_equal_scalars`):
  the program reads it once, XLA merges the per-parameter bias corrections, and outputs
  proven equal by the structure of their computation are written back as one array
  (:func:`_merge_equal_outputs`), so the sharing lasts.
* **Outputs to backpropagate.** When the eager first call returns a tensor with a graph no
  backward ran through (``compat.compile(lambda x: model(x).sum())``), every call runs as one
  engine op (:func:`compat._engine.apply`) over the parameters and arguments, without
  donation: the returned tensors carry a ``grad_fn`` and ``loss.backward()`` after the call
  fills the same ``.grad`` as eager mode.
* **Graph breaks.** Reading a value into Python (``.item()``, ``bool(t)``, ``print(t)``,
  ``.tolist()``, ``.numpy()``) or calling a :func:`compat.compiler.disable` function cannot be
  traced: with ``fullgraph=True`` that raises a :class:`~rustorch_fx.errors.TracingError`
  naming the line; otherwise one warning names the line and the function runs through
  :func:`_run_with_breaks` from then on: in the engine's lazy mode, the ops between value
  reads run as cached compiled programs, the reads as eager glue.

``compat.compile(module)`` returns an :class:`OptimizedModule` whose forward is one engine op
(:func:`compat._engine.apply`) over the parameters, buffers and inputs: ``loss.backward()``
reaches the parameters' ``.grad`` through its vjp, BatchNorm buffers are updated, and dropout
draws from the default generator exactly as eager mode.
"""

from __future__ import annotations

import builtins
import copy
import functools
import itertools
import linecache
import logging
import operator
import os
import sys
import types
import warnings
import weakref
from collections.abc import Callable
from typing import Any

import jax
import jax.extend.core
import jax.numpy as jnp
import numpy as np

from compat import _engine, _grad_mode, _random, _views
from compat._engine import _Pending
from compat._tensor import Tensor, _Storage
from compat.nn.modules.module import Module
from compat.nn.modules.module import _mutations as _module_mutations
from rustorch_fx._xla import _jit
from rustorch_fx.errors import (
    ArgumentTypeError,
    InvalidArgumentError,
    OptimizerError,
    RusTorchError,
    TracingError,
)

__all__ = ["OptimizedModule", "compile", "set_logs"]

_LOG = logging.getLogger("compat.compile")
_SETTINGS = {"recompiles": "recompiles" in os.environ.get("COMPAT_LOGS", "").split(",")}

#: Counts across all compiled functions: ``compiles`` (programs traced), ``graph_breaks``.
counters: dict[str, int] = {"compiles": 0, "graph_breaks": 0}

# How many compiled functions are being traced now: a compiled module called inside one runs
# its forward inline (the enclosing program captures it, random draws included).
_TRACING = [0]

# Versions given to the storages while tracing (views recompute their values from them).
_TRACE_VERSION = 1 << 48

# Every compiled function and compiled forward alive (for :func:`reset`).
_LIVE: weakref.WeakSet[Any] = weakref.WeakSet()


class _Config:
    """``compat._dynamo.config``: the compile settings scripts set (torch's names).

    Attributes:
        recompile_limit: After this many programs for one compiled function (new shapes,
            dtypes or state structures), warn once (torch's ``recompile_limit``, 8).
        cache_size_limit: The older name of ``recompile_limit``.
        suppress_errors: Accepted (compat never hides an error).
    """

    __slots__ = ("recompile_limit", "suppress_errors")

    def __init__(self) -> None:
        self.recompile_limit = 8
        self.suppress_errors = False

    @property
    def cache_size_limit(self) -> int:
        """The older name of ``recompile_limit``."""
        return self.recompile_limit

    @cache_size_limit.setter
    def cache_size_limit(self, value: int) -> None:
        self.recompile_limit = value


config = _Config()

_VALUE_READS = (
    jax.errors.ConcretizationTypeError,
    jax.errors.TracerArrayConversionError,
    jax.errors.TracerIntegerConversionError,
)


def set_logs(*, recompiles: bool | None = None) -> None:
    """Turn compile logging on or off (torch's ``torch._logging.set_logs`` shape).

    With ``recompiles=True`` each recompilation of a compiled function logs, on the
    ``compat.compile`` logger (to stderr unless it has handlers), which argument or state
    entry changed and how. The environment variable ``COMPAT_LOGS=recompiles`` turns it on at
    import, as ``TORCH_LOGS=recompiles`` does for torch.

    Args:
        recompiles: Log recompilations (None leaves the setting unchanged).

    Example:
        >>> from compat._compile import set_logs
        >>> set_logs(recompiles=False)
    """
    if recompiles is not None:
        _SETTINGS["recompiles"] = bool(recompiles)
    if _SETTINGS["recompiles"] and not _LOG.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("[compat.compile] %(message)s"))
        _LOG.addHandler(handler)
    _LOG.setLevel(logging.INFO if _SETTINGS["recompiles"] else logging.WARNING)


# --------------------------------------------------------------------------- graph breaks


class _GraphBreak(Exception):
    """Raised inside a trace for something that cannot be captured (with a reason)."""


def _value_read(exc: BaseException | None) -> BaseException | None:
    """The JAX concretization error behind ``exc`` (following causes), or None."""
    seen = 0
    while exc is not None and seen < 8:
        if isinstance(exc, _VALUE_READS):
            return exc
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


_LIB_DIRS: tuple[str, ...] = ()


def _lib_dirs() -> tuple[str, ...]:
    global _LIB_DIRS
    if not _LIB_DIRS:
        import compat
        import rustorch_fx

        _LIB_DIRS = tuple(
            os.path.dirname(os.path.abspath(m.__file__)) + os.sep
            for m in (compat, rustorch_fx, jax, np)
        )
    return _LIB_DIRS


def _user_line(exc: BaseException) -> tuple[str, str]:
    """The innermost user frame of ``exc``'s traceback and the library call made there.

    Returns:
        ``("file:line: `source`", "item")``.
    """
    frames = _traceback_frames(exc.__traceback__)
    where, call = "<unknown>", ""
    libs = _lib_dirs()
    for i, (filename, lineno, name) in enumerate(frames):
        if not os.path.abspath(filename).startswith(libs):
            where = f"{filename}:{lineno}"
            nxt = frames[i + 1] if i + 1 < len(frames) else None
            call = nxt[2] if nxt is not None else name
    source = ""
    if where != "<unknown>":
        filename, _, lineno = where.rpartition(":")
        source = linecache.getline(filename, int(lineno)).strip()
    return f"{where}: `{source}`" if source else where, call


def _traceback_frames(tb: Any) -> list[tuple[str, int, str]]:
    """The ``(filename, lineno, function)`` of each frame of a traceback, outermost first."""
    out = []
    while tb is not None:
        code = tb.tb_frame.f_code
        out.append((code.co_filename, tb.tb_lineno, code.co_name))
        tb = tb.tb_next
    return out


_FALLBACK = (
    "From now on it runs in compat's lazy mode: the ops between value reads are batched into "
    "cached compiled programs, and the reads run as eager glue between them"
)


def _run_with_breaks(fn: Callable[..., Any], args: Any, kwargs: Any) -> Any:
    """Run a function that has graph breaks: compiled pieces with eager glue between them.

    The function runs in the engine's lazy mode (:func:`compat._engine.set_lazy`): its ops
    are recorded and run as one cached jitted program per piece between the points where a
    value is read into Python (``.item()``, ``if tensor:``, ``print``), which run eagerly.
    Results are those of eager mode.

    Args:
        fn: The function.
        args: Its positional arguments.
        kwargs: Its keyword arguments.

    Returns:
        What ``fn`` returns.

    Example:
        >>> import compat
        >>> _run_with_breaks(lambda t: (t * 2).sum().item(), (compat.ones(3),), {})
        6.0
    """
    previous = _engine.set_lazy(True)
    try:
        return fn(*args, **kwargs)
    finally:
        if not previous:
            _engine.set_lazy(False)


_BREAK_FIX = (
    "it reads a tensor's value into Python (.item(), bool()/if on a tensor, print, .tolist(), "
    ".numpy()), which a compiled program cannot do. Fix: return the tensor from the step and "
    "read it after the call, or use torch-style ops (torch.where, clamp) instead of Python "
    "branches on values"
)


# --------------------------------------------------------------------------- state discovery


def _kinds() -> dict[str, type]:
    from compat.amp.grad_scaler import GradScaler
    from compat.nn.modules.module import Module
    from compat.optim.lr_scheduler import LRScheduler
    from compat.optim.optimizer import Optimizer

    return {
        "module": Module,
        "optimizer": Optimizer,
        "scheduler": LRScheduler,
        "scaler": GradScaler,
        "generator": _random.Generator,
    }


class _Roots:
    """The stateful objects a function reaches, in discovery order."""

    def __init__(self) -> None:
        self.module: list[Any] = []
        self.optimizer: list[Any] = []
        self.scheduler: list[Any] = []
        self.scaler: list[Any] = []
        self.generator: list[Any] = [_random.default_generator]
        self.tensor: list[Tensor] = []
        self._seen: set[int] = {id(_random.default_generator)}
        # The modules' options (:func:`_options`) as of a value of the module mutation counter.
        self.options: tuple[int, list[Any]] = (-1, [])

    def ids(self) -> tuple[int, ...]:
        """The identity of every root, in order."""
        groups = (self.module, self.optimizer, self.scheduler, self.scaler, self.generator)
        return tuple(id(o) for group in (*groups, self.tensor) for o in group)


def _code_names(code: types.CodeType) -> list[str]:
    names = list(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names.extend(_code_names(const))
    return names


def _visit(obj: Any, roots: _Roots, kinds: dict[str, type], depth: int) -> None:
    if id(obj) in roots._seen or obj is None or isinstance(obj, (str, bytes, int, float, bool)):
        return
    roots._seen.add(id(obj))
    if isinstance(obj, Tensor):
        roots.tensor.append(obj)
        return
    for name, cls in kinds.items():
        if isinstance(obj, cls):
            getattr(roots, name).append(obj)
            if name == "scheduler":
                _visit(obj.optimizer, roots, kinds, depth)
            return
    if depth <= 0 or isinstance(obj, (type, types.ModuleType, np.ndarray, jax.Array)):
        return
    if isinstance(obj, (list, tuple, set, frozenset)):
        if len(obj) <= 256:
            for item in obj:
                _visit(item, roots, kinds, depth - 1)
        return
    if isinstance(obj, dict):
        if len(obj) <= 256:
            for item in obj.values():
                _visit(item, roots, kinds, depth - 1)
        return
    if isinstance(obj, (types.FunctionType, types.MethodType, functools.partial)):
        _visit_function(obj, roots, kinds, depth - 1)
        return
    attrs = getattr(obj, "__dict__", None)
    if isinstance(attrs, dict) and len(attrs) <= 256:
        for item in attrs.values():
            _visit(item, roots, kinds, depth - 1)


def _visit_function(fn: Any, roots: _Roots, kinds: dict[str, type], depth: int) -> None:
    if isinstance(fn, functools.partial):
        for item in (*fn.args, *fn.keywords.values(), fn.func):
            _visit(item, roots, kinds, depth)
        return
    if isinstance(fn, types.MethodType):
        _visit(fn.__self__, roots, kinds, depth)
        fn = fn.__func__
    code = getattr(fn, "__code__", None)
    if code is None:
        return
    for cell in fn.__closure__ or ():
        try:
            _visit(cell.cell_contents, roots, kinds, depth)
        except ValueError:  # an empty cell
            continue
    glb = fn.__globals__
    for name in _code_names(code):
        if name in glb:
            _visit(glb[name], roots, kinds, depth)


def _discover(fn: Callable[..., Any], args: Any, kwargs: Any, arg_tensors: list[Tensor]) -> _Roots:
    roots = _Roots()
    roots._seen.update(map(id, arg_tensors))  # the arguments' tensors are inputs of their own
    kinds = _kinds()
    _visit(args, roots, kinds, 4)
    _visit(kwargs, roots, kinds, 4)
    _visit_function(fn, roots, kinds, 3)
    return roots


# --------------------------------------------------------------------------- slots


class _Slot:
    """A place holding a tensor or None: ``(container, key)`` read and written by ``kind``.

    Kinds: ``"item"`` (``container[key]``), ``"attr"`` (``getattr(container, key)``),
    ``"state"`` (``optimizer.state[param][key]``, container ``(optimizer, param)``) and
    ``"fixed"`` (the tensor itself, changed in place only).
    """

    __slots__ = ("container", "key", "kind", "name")

    def __init__(self, name: str, kind: str, container: Any, key: Any) -> None:
        self.name = name
        self.kind = kind
        self.container = container
        self.key = key

    def get(self) -> Any:
        kind = self.kind
        if kind == "item":
            return self.container.get(self.key)
        if kind == "attr":
            return getattr(self.container, self.key)
        if kind == "state":
            opt, p = self.container
            st = opt.state.get(p)
            return None if st is None else st.get(self.key)
        return self.container

    def set(self, value: Any) -> None:
        kind = self.kind
        if kind == "item":
            self.container[self.key] = value
        elif kind == "attr":
            setattr(self.container, self.key, value)
        elif kind == "state":
            opt, p = self.container
            if value is None:
                opt.state.get(p, {}).pop(self.key, None)
            else:
                opt.state[p][self.key] = value


def _collect(roots: _Roots) -> tuple[list[_Slot], list[Any]]:
    """The slots of every tensor the roots hold (and the static, non-tensor state)."""
    slots: list[_Slot] = []
    static: list[Any] = []
    params: dict[int, tuple[str, Tensor]] = {}
    for mi, mod in enumerate(roots.module):
        for prefix, sub in mod.named_modules():
            static.append(
                (f"m{mi}.{prefix}", type(sub).__name__, sub.training, _options(sub.__dict__))
            )
            for reg in ("_parameters", "_buffers"):
                table = sub.__dict__[reg]
                for name, t in table.items():
                    full = f"model{mi}.{prefix}.{name}" if prefix else f"model{mi}.{name}"
                    slots.append(_Slot(full, "item", table, name))
                    if reg == "_parameters" and t is not None:
                        params.setdefault(id(t), (full, t))
    for oi, opt in enumerate(roots.optimizer):
        hyper_static = []
        for gi, group in enumerate(opt.param_groups):
            for pi, p in enumerate(group["params"]):
                name = f"optimizer{oi}.param_groups[{gi}][{pi}]"
                params.setdefault(id(p), (name, p))
                slots.append(_Slot(name, "fixed", p, None))
                st = opt.state.get(p)
                if st:
                    for key, v in st.items():
                        if isinstance(v, Tensor):
                            slots.append(_Slot(f"{name}.state.{key}", "state", (opt, p), key))
                        else:
                            static.append((f"{name}.state.{key}", _engine._freeze(v)))
            hyper_static.append(_group_static(opt, group))
        static.append((f"optimizer{oi}", type(opt).__name__, tuple(hyper_static)))
    for name, p in params.values():
        slots.append(_Slot(f"{name}.grad", "attr", p, "grad"))
    for si, scaler in enumerate(roots.scaler):
        static.append((f"scaler{si}", scaler._enabled, len(scaler._per_optimizer_states)))
        if scaler._enabled:
            slots.append(_Slot(f"scaler{si}._scale", "attr", scaler, "_scale"))
            slots.append(_Slot(f"scaler{si}._growth_tracker", "attr", scaler, "_growth_tracker"))
    for ti, t in enumerate(roots.tensor):
        slots.append(_Slot(f"tensor{ti}", "fixed", t, None))
    return slots, static


def _structure(roots: _Roots) -> tuple[Any, ...]:
    """A cheap fingerprint of what :func:`_collect` depends on (checked on every call).

    Per submodule: the identity of its parameter table and parameters (their ``.grad`` slots
    hold the objects), the identity and size of its buffer table (a replaced submodule has new
    tables), its number of children and its options (:func:`_options`); per optimizer: its groups
    (identity, size, options, and the zero-ness of traced hyperparameters) and the keys and
    non-tensor values of its state.
    """
    out: list[Any] = []
    append = out.append
    dicts = []
    for mod in roots.module:
        stack = [mod]
        while stack:
            d = stack.pop().__dict__
            dicts.append(d)
            params, buffers, children = d["_parameters"], d["_buffers"], d["_modules"]
            # (the parameters' identities: their ``.grad`` slots hold the objects)
            append((id(params), tuple(map(id, params.values())), id(buffers), len(buffers)))
            append(len(children))
            stack.extend(c for c in children.values() if c is not None)
    # Options change by attribute assignment only, which bumps the module mutation counter.
    version = _module_mutations[0]
    if roots.options[0] != version:
        roots.options = (version, [_options(d) for d in dicts])
    out.extend(roots.options[1])
    for opt in roots.optimizer:
        state = opt.state
        append((len(opt.param_groups), len(state)))
        for st in state.values():
            append(len(st))
            out.extend([v for v in st.values() if not isinstance(v, Tensor)])
        traced = _traced_keys(opt)
        for group in opt.param_groups:
            append(id(group))
            append(len(group["params"]))
            keys = tuple(group)
            append(keys)
            static_of, traced_keys = _group_keys(keys, traced)
            if static_of is not None:
                append(static_of(group))
            for k in traced_keys:
                v = group[k]
                if type(v) is float:
                    append(v == 0.0)
                elif _is_number_like(v):
                    append(_hyper_zero(v))
                else:
                    append(v)
    for sc in roots.scaler:
        append(sc._enabled)
    return tuple(out)


_OPTION_TYPES = frozenset({bool, int, float, str, type(None)})


def _options(attrs: dict[str, Any]) -> tuple[Any, ...]:
    """A module's public scalar attributes (``training``, ``p``, ``eps``, ``negative_slope``).

    The forward reads them as compile-time constants, so a change recompiles (torch's guards
    on module attributes do the same).
    """
    types_ = _OPTION_TYPES
    return tuple((k, v) for k, v in attrs.items() if type(v) in types_ and not k.startswith("_"))


@functools.lru_cache(maxsize=256)
def _group_keys(
    keys: tuple[str, ...], traced: tuple[str, ...]
) -> tuple[Callable[[dict[str, Any]], Any] | None, tuple[str, ...]]:
    """A group's compile-time options (an item getter) and its traced hyperparameters."""
    static = [k for k in keys if k not in traced and k != "params" and k != "param_names"]
    return (operator.itemgetter(*static) if static else None), tuple(k for k in keys if k in traced)


def _traced_keys(opt: Any) -> tuple[str, ...]:
    return _traced_of(type(opt))


@functools.cache
def _traced_of(cls: type) -> tuple[str, ...]:
    from compat.optim.optimizer import _FxOptimizer

    return cls._traced if issubclass(cls, _FxOptimizer) else ()


def _hyper_zero(value: Any) -> bool:
    if isinstance(value, tuple | list):
        return False
    return not isinstance(value, Tensor) and float(value) == 0.0


def _group_static(opt: Any, group: dict[str, Any]) -> Any:
    """A group's options that are compile-time constants (traced ones: only their zero-ness)."""
    traced = _traced_keys(opt)
    out = []
    for k, v in group.items():
        if k in ("params", "param_names"):
            continue
        if k in traced and _is_number_like(v):
            out.append((k, "zero" if _hyper_zero(v) else "traced"))
        else:
            out.append((k, _freeze_value(v)))
    return tuple(out)


def _is_number_like(v: Any) -> bool:
    if type(v) is float:
        return True
    if isinstance(v, tuple | list):
        return all(_is_number_like(x) for x in v)
    return isinstance(v, (int, float, np.floating, np.integer)) and not isinstance(v, bool)


def _freeze_value(v: Any) -> Any:
    if isinstance(v, Tensor):
        return ("tensor", tuple(v.shape), str(v.dtype))
    frozen = _engine._freeze(v)
    try:
        hash(frozen)
    except TypeError:
        return ("object", id(v))
    return frozen


# --------------------------------------------------------------------------- the program


class _Meta:
    """What a trace learned: the post-call layout of the state and the function's output."""

    def __init__(self) -> None:
        self.layout: list[tuple[_Slot, str, Any]] = []  # (slot, action, info)
        self.versions: list[tuple[int, int]] = []  # (storage index, version delta)
        self.out_tree: Any = None
        self.out_static: list[tuple[int, Any]] = []
        self.out_tensor_flags: list[bool] = []
        self.out_all_tensors = False
        self.out_single = False
        # Per output value: keeps its grad_fn (True), a detached tensor (False), an array (None).
        self.out_requires_grad: list[bool | None] = []
        self.hyper_writes: list[tuple[Any, str, Any]] = []  # (group, key, constant or index)
        self.draws: list[int] = []
        self.sched_calls: list[tuple[Any, Any, Any]] = []  # (sched, treedef, leaves spec)
        self.n_out = 0


def _hyper_inputs(roots: _Roots) -> tuple[list[tuple[Any, str]], list[Any]]:
    """The traced hyperparameters: ``(group, key)`` places and their float64 values."""
    places, values = [], []
    for opt in roots.optimizer:
        traced = _traced_keys(opt)
        for group in opt.param_groups:
            for k in traced:
                v = group.get(k)
                if v is None or not _is_number_like(v) or _hyper_zero(v):
                    continue
                places.append((group, k))
                values.append(
                    tuple(np.float64(x) for x in v)
                    if isinstance(v, tuple | list)
                    else np.float64(v)
                )
    return places, values


def _rng_inputs(roots: _Roots) -> list[Any]:
    words = []
    for gen in roots.generator:
        if gen._on_device is None:
            gen._on_device = (
                jax.device_put(_random._words(gen._seed)),
                jax.device_put(_random._words(gen._counter)),
            )
        words.append(gen._on_device)
    return words


class _Snapshot:
    """Everything a trace may change on the Python side, to roll it back afterwards."""

    def __init__(self, slots: list[_Slot], storages: list[Any], roots: _Roots) -> None:
        self.objects = [(s, s.get()) for s in slots if s.kind != "fixed"]
        self.storages = [(st, st.value, st.version) for st in storages]
        self.opt_state = [
            (opt, [(p, st, dict(st)) for p, st in opt.state.items()]) for opt in roots.optimizer
        ]
        self.groups = [
            (group, dict(group)) for opt in roots.optimizer for group in opt.param_groups
        ]
        self.scalers = [
            (
                sc,
                dict(sc.__dict__),
                [(d, dict(d)) for d in sc.__dict__.values() if isinstance(d, dict)],
            )
            for sc in roots.scaler
        ]
        self.modules = [
            (sub, dict(sub.__dict__)) for mod in roots.module for _, sub in mod.named_modules()
        ]
        self.grads = [(t, t.grad, t.grad_fn, t._requires_grad) for t in roots.tensor]

    def restore(self) -> None:
        for sub, d in self.modules:
            sub.__dict__.clear()
            sub.__dict__.update(d)
        for sc, d, inner in self.scalers:
            sc.__dict__.clear()
            sc.__dict__.update(d)
            for table, contents in inner:
                table.clear()
                table.update(contents)
        for group, d in self.groups:
            group.clear()
            group.update(d)
        for opt, state in self.opt_state:
            opt.state.clear()
            for p, st, contents in state:
                st.clear()
                st.update(contents)
                opt.state[p] = st
        for slot, obj in self.objects:
            if slot.kind == "state":
                if obj is not None:
                    slot.set(obj)
            elif slot.get() is not obj:
                slot.set(obj)
        for st, value, version in self.storages:
            st.value = value
            st.version = version
        for t, g, fn, rg in self.grads:
            t.grad, t.grad_fn, t._requires_grad = g, fn, rg


class _Interceptors:
    """Instance-level stand-ins installed on the step's objects for the length of a trace.

    The generators draw from traced counters, schedulers' ``step`` is recorded (replayed
    eagerly after the call), ``GradScaler.step`` skips by ``where``.
    """

    def __init__(self, roots: _Roots, rng: list[Any], meta: _Meta) -> None:
        self.roots = roots
        self.rng = rng
        self.meta = meta
        self.words = [w for _, w in rng]
        self.draws = [0] * len(rng)
        self.sched_calls: list[tuple[Any, tuple[Any, ...], dict[str, Any]]] = []
        self.handles: list[Any] = []
        self.order_error: str | None = None

    def __enter__(self) -> _Interceptors:
        _TRACING[0] += 1
        for i, gen in enumerate(self.roots.generator):
            gen.__dict__["_next_key"] = functools.partial(self._next_key, i)
        for sched in self.roots.scheduler:
            sched.__dict__["step"] = functools.partial(self._sched_step, sched)
        for scaler in self.roots.scaler:
            scaler.__dict__["step"] = functools.partial(self._scaler_step, scaler)
        for opt in self.roots.optimizer:
            self.handles.append(opt.register_step_pre_hook(self._opt_pre_hook))
        return self

    def __exit__(self, *exc: Any) -> None:
        _TRACING[0] -= 1
        for obj in (*self.roots.generator, *self.roots.scheduler):
            obj.__dict__.pop("_next_key", None)
            obj.__dict__.pop("step", None)
        for scaler in self.roots.scaler:
            scaler.__dict__.pop("step", None)
        for h in self.handles:
            h.remove()

    def _next_key(self, i: int) -> Any:
        key, self.words[i] = _random._step(self.rng[i][0], self.words[i])
        self.draws[i] += 1
        return key

    def _sched_step(self, sched: Any, *args: Any, **kwargs: Any) -> None:
        self.sched_calls.append((sched, args, kwargs))

    def _opt_pre_hook(self, opt: Any, args: Any, kwargs: Any) -> None:
        for sched, _, _ in self.sched_calls:
            if getattr(sched, "optimizer", None) is opt:
                self.order_error = (
                    f"{type(opt).__name__}.step() is called after "
                    f"{type(sched).__name__}.step() in the step: compat.compile replays "
                    "scheduler steps eagerly after the compiled call, so they must come after "
                    "optimizer.step() (torch also expects that order)"
                )

    def _scaler_step(self, scaler: Any, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        from compat.amp.grad_scaler import OptState

        if not scaler._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise OptimizerError("Closure use is not currently supported if GradScaler is enabled.")
        scaler._check_scale_growth_tracker("step")
        state = scaler._per_optimizer_states[id(optimizer)]
        if state["stage"] is OptState.STEPPED:
            raise OptimizerError("step() has already been called since the last update().")
        if state["stage"] is OptState.READY:
            scaler.unscale_(optimizer)
        if len(state["found_inf_per_device"]) == 0:
            raise OptimizerError("No inf checks were recorded for this optimizer.")
        found = jnp.any(jnp.stack([v._value for v in state["found_inf_per_device"].values()]))
        tensors = [p for g in optimizer.param_groups for p in g["params"]]
        tensors += [
            v for st in optimizer.state.values() for v in st.values() if isinstance(v, Tensor)
        ]
        before = {id(t._data): (t._data, t._data.value) for t in tensors}
        retval = optimizer.step(*args, **kwargs)
        for st, old in before.values():
            if st.value is not old:
                st.value = jnp.where(found, old, st.value)
        state["stage"] = OptState.STEPPED
        return retval


def _storages(objs: list[Any]) -> tuple[list[Any], list[Any]]:
    """Distinct (root) storages of the slot contents ``objs`` and per-slot signature entries."""
    storages: list[Any] = []
    index: dict[int, int] = {}
    desc: list[Any] = []
    view_type = _views._ViewStorage
    for t in objs:
        if not isinstance(t, Tensor):
            desc.append(None if t is None else ("object", type(t).__name__))
            continue
        data = t._data
        st = data.root if type(data) is view_type else data
        k = index.get(id(st))
        if k is None:
            k = index[id(st)] = len(storages)
            storages.append(st)
        v = data.value
        if st is data:
            desc.append((v.shape, v.dtype, t._requires_grad, k))
        else:
            desc.append((v.shape, v.dtype, t._requires_grad, k, st.value.shape))
    return storages, desc


def _getter(slot: _Slot) -> Callable[[], Any]:
    """A C-level callable reading ``slot`` (cheaper than :meth:`_Slot.get` on every call)."""
    if slot.kind == "item":
        return functools.partial(slot.container.get, slot.key)
    if slot.kind == "attr":
        return functools.partial(getattr, slot.container, slot.key)
    if slot.kind == "fixed":
        return itertools.repeat(slot.container).__next__
    return slot.get


class _Program:
    """One compiled signature: the jitted program and what its trace learned.

    ``jitted`` takes, positionally, only the inputs the program reads (``pick`` selects them
    from the state values in donation order, the hyperparameter leaves and the generator
    words): an input the step never reads (a ``.grad`` that ``zero_grad`` drops, the words of
    a generator nothing draws from) costs nothing per call.
    """

    def __init__(
        self,
        jitted: Any,
        meta: _Meta,
        donate: tuple[bool, ...],
        order: list[int],
        pick: Callable[[list[Any]], Any],
        out_tree: Any,
    ) -> None:
        self.jitted = jitted
        self.meta = meta
        self.donate = donate
        self.order = order
        self.pick = pick
        self.out_tree = out_tree
        self.first_outputs: Any = None
        self.op: Any = None  # the program as an engine op (engine mode), made on first use
        # The hyperparameter values compiled in as constants, or None (they are inputs).
        self.baked: tuple[float, ...] | None = None
        # Where the flat outputs split into state outputs, output values, scheduler arguments
        # and generator words.
        self.cuts = (0, 0, 0)
        # The write-back as flat lists (see :meth:`_compile_writeback`).
        self.writes: list[tuple[int, int, int]] = []
        self.news: list[tuple[Callable[[Any], None], int, bool]] = []
        self.news_names: list[str] = []  # the slot of each entry of ``news``
        self.nones: list[Callable[[Any], None]] = []
        self._compile_writeback()

    def _compile_writeback(self) -> None:
        """Turn the trace's layout into storage writes, new tensors and cleared slots."""
        for slot, action, info in self.meta.layout:
            if action == "storage":
                self.writes.append(info)
            elif action == "none":
                self.nones.append(_setter(slot))
            else:
                self.news.append((_setter(slot), *info))
                self.news_names.append(slot.name)

    def split(self, flat: Any) -> tuple[Any, Any, Any, Any]:
        """The flat outputs of :attr:`jitted` as ``(outs, out_values, sched_args, words)``."""
        a, b, c = self.cuts
        draws = self.meta.draws
        words: list[Any] = []
        j = c
        for n in draws:
            if n:
                words.append(flat[j])
                j += 1
            else:
                words.append(None)
        return flat[:a], flat[a:b], flat[b:c], words


def _setter(slot: _Slot) -> Callable[[Any], None]:
    """A (C-level where possible) callable writing ``slot``."""
    if slot.kind == "item":
        return functools.partial(operator.setitem, slot.container, slot.key)
    if slot.kind == "attr":
        return functools.partial(setattr, slot.container, slot.key)
    return slot.set


def _used_inputs(jaxpr: Any) -> list[bool]:
    """Which of a jaxpr's inputs its outputs (or effects) depend on (a backward sweep)."""
    var_type = jax.extend.core.Var
    live = {id(v) for v in jaxpr.outvars if isinstance(v, var_type)}
    for eqn in reversed(jaxpr.eqns):
        if eqn.effects or any(id(v) in live for v in eqn.outvars):
            live.update(id(v) for v in eqn.invars if isinstance(v, var_type))
    return [id(v) in live for v in jaxpr.invars]


def _picker(indices: list[int]) -> Callable[[list[Any]], tuple[Any, ...]]:
    """A C-level ``lambda xs: tuple(xs[i] for i in indices)``."""
    if not indices:
        return lambda xs: ()
    if len(indices) == 1:
        (i,) = indices
        return lambda xs: (xs[i],)
    return operator.itemgetter(*indices)


def _state_count(desc: list[Any], n_slots: int) -> int:
    """How many of the distinct storages of a call are the state's (the arguments' follow)."""
    ks = [d[3] for d in desc[:n_slots] if d is not None and len(d) > 2]
    return max(ks) + 1 if ks else 0


def _sharing(storages: list[Any], n_state: int) -> tuple[int, ...] | None:
    """Per state storage, the first state storage holding the same array (None: no sharing).

    A program compiled for a sharing pattern takes each shared array once; the fast path's
    identity checks of every storage's array keep the pattern.
    """
    first: dict[int, int] = {}
    share = tuple(first.setdefault(id(storages[k]._v), k) for k in range(n_state))
    return share if len(first) < n_state else None


def _share_equal_scalars(plan: _Plan, storages: list[Any]) -> bool:
    """Make the optimizers' equal scalar state entries hold one array (before a compile).

    Per-parameter ``step`` counts are scalars that every parameter of a group advances
    together: holding one array per distinct value, they become one program input, XLA
    merges the per-parameter bias corrections computed from it, and
    :func:`_merge_equal_outputs` writes one output back to all of them (so they stay shared).
    The values are unchanged (arrays are immutable; no version moves). Reads each candidate's
    value (scalars, once per compile).

    Returns:
        Whether any storage changed.
    """
    leaders: dict[tuple[Any, ...], Any] = {}
    changed = False
    seen: set[int] = set()
    for slot, get in zip(plan.slots, plan.getters, strict=True):
        if slot.kind != "state":
            continue
        t = get()
        if not isinstance(t, Tensor) or type(t._data) is not _Storage or id(t._data) in seen:
            continue
        seen.add(id(t._data))
        v = t._data._v
        if type(v) is not _ARRAY or v.shape != () or not jnp.issubdtype(v.dtype, jnp.floating):
            continue
        value = np.asarray(v).item()
        if value != value:  # NaN: not equal to itself
            continue
        opt, _ = slot.container  # (one optimizer's entries of one name: the same update)
        leader = leaders.setdefault((id(opt), slot.key, str(v.dtype), value), v)
        if leader is not v:
            t._data._v = leader
            changed = True
    del storages  # (the call's storages are the tensors' own: nothing else to update)
    return changed


class _TooBig(Exception):
    """An expression walk passed its budget (:func:`_merge_equal_outputs`)."""


_CALL_PRIMITIVES = frozenset({"jit", "pjit", "closed_call", "core_call"})
# The primitive whose presence gives a step program the CPU compiler options.
_CONVOLUTION = frozenset({"conv_general_dilated"})


def _tuned_convolution(eqn: Any) -> bool:
    """Whether a convolution equation is one the CPU options speed up.

    Ungrouped and not transposed: grouped ones ran about 2x slower with them, transposed ones
    slightly slower (see rustorch_fx.nn._conv). The backward of a strided convolution is a
    transposed one, but its forward is in the same program.
    """
    p = eqn.params
    return (
        p.get("feature_group_count", 1) == 1
        and p.get("batch_group_count", 1) == 1
        and all(d == 1 for d in p.get("lhs_dilation") or ())
    )


def _merge_equal_outputs(meta: _Meta, jaxpr: Any, n_state_outs: int) -> dict[int, int]:
    """Write one output back to every state entry whose new value is the same scalar expression.

    With shared ``step`` inputs (:func:`_share_equal_scalars`) every parameter computes the
    same new count from the same input; this finds such scalar state outputs by the structure
    of their computation (primitives, parameters, inputs; through nested jits), which proves
    them equal, and points their write-backs (``meta.layout``, ``meta.hyper_writes``) at the
    first, renumbered for a program that returns only the others: the storages keep holding
    one array, and the program computes and returns it once.

    Returns:
        Output index -> the index of the output it equals (empty when none merge).
    """
    candidates = [
        j
        for j in range(n_state_outs)
        if isinstance(jaxpr.outvars[j], jax.extend.core.Var) and jaxpr.outvars[j].aval.shape == ()
    ]
    if len(candidates) < 2:
        return {}
    budget = [200 + 50 * len(candidates)]
    try:
        keys = _expr_keys(jaxpr, [("in", i) for i in range(len(jaxpr.invars))], None, budget, {})
        found = {j: keys(jaxpr.outvars[j]) for j in candidates}
    except (_TooBig, KeyError, TypeError):
        return {}
    leader: dict[Any, int] = {}
    remap = {j: leader.setdefault(k, j) for j, k in found.items()}
    if all(j == r for j, r in remap.items()):
        return {}
    kept = [i for i in range(len(jaxpr.outvars)) if remap.get(i, i) == i]
    position = {i: n for n, i in enumerate(kept)}

    def new(j: int) -> int:
        return position[remap.get(j, j)]

    layout = []
    for slot, action, info in meta.layout:
        if action == "storage":
            k, j, delta = info
            info = (k, new(j), delta)
        elif action == "new":
            j, rg = info
            info = (new(j), rg)
        layout.append((slot, action, info))
    meta.layout = layout
    meta.hyper_writes = [
        (group, k, ("out", new(v)) if kind == "out" else (kind, v))
        for group, k, (kind, v) in meta.hyper_writes
    ]
    return remap


def _expr_keys(
    jaxpr: Any,
    in_keys: list[Any],
    const_keys: list[Any] | None,
    budget: list[int],
    producers: dict[int, dict[Any, Any]],
) -> Callable[[Any], Any]:
    """A function giving each variable of ``jaxpr`` a hashable key of its whole computation.

    ``producers`` caches each jaxpr's variable -> (equation, output index) table.
    """
    producer = producers.get(id(jaxpr))
    if producer is None:
        producer = producers[id(jaxpr)] = {}
        for eqn in jaxpr.eqns:
            for idx, v in enumerate(eqn.outvars):
                producer[v] = (eqn, idx)
    env: dict[Any, Any] = dict(zip(jaxpr.invars, in_keys, strict=True))
    if const_keys is not None:
        env.update(zip(jaxpr.constvars, const_keys, strict=True))
    else:
        env.update((c, ("const", id(c))) for c in jaxpr.constvars)
    literal = jax.extend.core.Literal

    def key(v: Any) -> Any:
        if isinstance(v, literal):
            return ("literal", str(v.aval), repr(v.val))
        k = env.get(v)
        if k is not None:
            return k
        budget[0] -= 1
        if budget[0] < 0:
            raise _TooBig
        eqn, idx = producer[v]
        ins = tuple(key(x) for x in eqn.invars)
        name = eqn.primitive.name
        if eqn.effects:
            k = ("effect", id(eqn), idx)
        elif name in _CALL_PRIMITIVES and "jaxpr" in eqn.params:
            sub = eqn.params["jaxpr"]
            inner = getattr(sub, "jaxpr", sub)
            consts = [("const", id(c)) for c in getattr(sub, "consts", ())]
            k = _expr_keys(inner, list(ins), consts or None, budget, producers)(inner.outvars[idx])
        else:
            params = tuple(
                sorted(
                    (p, ("jaxpr", id(x)) if hasattr(x, "eqns") or hasattr(x, "jaxpr") else repr(x))
                    for p, x in eqn.params.items()
                )
            )
            k = (name, idx, params, ins)
        env[v] = k
        return k

    return key


class _Plan:
    """The state a compiled function reaches, collected once per structure (see ``__call__``)."""

    def __init__(
        self, roots: _Roots, struct: Any, slots: list[_Slot], static: list[Any], plan_id: int
    ) -> None:
        self.roots = roots
        self.struct = struct
        self.slots = slots
        self.static = static
        self.plan_id = plan_id
        self.getters = [_getter(s) for s in slots]
        self.grad_index = [i for i, s in enumerate(slots) if s.key == "grad"]
        self.places = _hyper_inputs(roots)[0]
        self.scalers = bool(roots.scaler)
        self.guard: Any = None
        self.full_guard: Any = None
        # Per positional argument: None for a tensor, else the object itself (None: the last
        # call's arguments were not all positional leaves).
        self.positional: tuple[Any, ...] | None = None
        self.others_ident: Any = None
        self.arg_form: Any = None


def _fast_args(plan: _Plan, args: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """``args``'s tensors when the arguments have the form of the plan's last call, else None."""
    kinds = plan.positional
    if len(args) != len(kinds):
        return None
    others = False
    for a, kind in zip(args, kinds, strict=True):
        if kind is None:
            if not isinstance(a, Tensor):
                return None
        elif a is not kind:
            return None
        else:
            others = True
    if not others:
        return args
    if tuple(_ident(a) for a in args if not isinstance(a, Tensor)) != plan.others_ident:
        return None
    return tuple(a for a in args if isinstance(a, Tensor))


_MISS = object()  # what :meth:`_CompiledFunction._fast_call` returns when its guard fails
_CELL = operator.attrgetter("cell_contents")
_DATA_RG = operator.attrgetter("_data", "_requires_grad")
_RAW = operator.attrgetter("_v")
# The fields of a tensor just made by ``Tensor._wrap`` (``requires_grad`` is checked apart).
_FRESH = operator.attrgetter("grad", "grad_fn", "_hooks", "_retains", "_acc", "_view")
_FRESH_VALUES = (None, None, (), False, None, None)
try:  # jax's concrete array class: neither a tracer nor one of the engine's pending values
    from jax._src.array import ArrayImpl as _ARRAY
except ImportError:  # another jax
    _ARRAY = type(jax.device_put(np.zeros((), np.float32)))


# The code objects of generated fast-path checks, by structure (see _fast_check).
_CHECK_CODE: dict[tuple[Any, ...], types.CodeType] = {}


def _check_code(structure: tuple[Any, ...]) -> types.CodeType:
    """Compile the fast-path check for ``structure`` (see :meth:`_CompiledFunction._fast_check`)."""
    (nargs, n_cells, names, bound, opts, n_lookups, n_getters, n_tensors, n_storages, donated,
     statics, zero_keys) = structure  # fmt: skip
    lines = [
        "def check(args, values):",
        f"    if MOD_MUT[0] != MOD_VERSION or len(args) != {nargs} or TRACING[0]:",
        "        return None",
    ]
    if n_cells or names:
        lines.append("    try:")
        for i in range(n_cells):
            lines += [f"        if id(CELL{i}.cell_contents) != CID{i}:", "            return None"]
        for j, name in enumerate(names):
            lines += [f"        if id(GLB[{name!r}]) != GID{j}:", "            return None"]
        lines += ["    except (ValueError, KeyError):", "        return None"]
    if bound:
        lines += [
            '    a = getattr(BOUND, "__dict__", None)',
            "    if (tuple(map(id, a.values())) if a else ()) != ATTRS:",
            "        return None",
        ]
    for i in range(nargs):
        lines += [
            f"    a = args[{i}]",
            "    if type(a) is not Tensor and not isinstance(a, Tensor):",
            "        return None",
            f"    d{i} = a._data",
            f"    if type(d{i}) is not Storage or id(d{i}) in STABLE:",
            "        return None",
            f"    v = d{i}._v",
            f"    if v is not LAST[{i}]:",
            f"        if type(v) is not ARRAY or v.shape != SHAPE{i} or v.dtype != DTYPE{i}:",
            "            return None",
            f"        LAST[{i}] = v",
            f"    if a._requires_grad != RG{i}:",
            "        return None",
        ]
    if nargs > 1:
        ids = ", ".join(f"id(d{i})" for i in range(nargs))
        lines += [f"    if len({{{ids}}}) != {nargs}:", "        return None"]
    for j, n_members in enumerate(opts):
        same = "".join(f" or GROUPS{j}[{m}] is not MEMBER{j}_{m}" for m in range(n_members))
        lines += [
            f'    if (OPT{j}.__dict__.get("_mutation_count", 0) != COUNT{j}',
            f"            or OPT{j}.state is not STATE{j} or OPT{j}.param_groups is not GROUPS{j}",
            f"            or len(GROUPS{j}) != {n_members}{same}",
            f"            or len(STATE{j}) != NSTATE{j}",
            f"            or sum(map(len, STATE{j}.values())) != NENTRIES{j}):",
            "        return None",
        ]
    for j in range(n_lookups):
        lines += [f"    if LOOK{j}() is not SD{j}:", "        return None"]
    for j in range(n_getters):
        lines += [f"    if GET{j}() is not OBJS[{j}]:", "        return None"]
    for j in range(n_tensors):
        lines += [
            f"    t = TENSORS[{j}]",
            f"    d, rg = DATA_RG[{j}]",
            "    if t._data is not d or t._requires_grad != rg:",
            "        return None",
        ]
    for k in range(n_storages):
        lines += [f"    if STORAGES[{k}]._v is not values[{k}]:", "        return None"]
    # A donated value must have no holder but its storage, ``values`` and getrefcount's
    # argument (3): another holder would see its buffer deleted by the call.
    for k in donated:
        lines += [f"    if getrefcount(values[{k}]) > 3:", "        return None"]
    lines.append("    del values")
    for j, has_static in enumerate(statics):
        lines += [f'    if len(GROUP{j}) != GN{j} or len(GROUP{j}["params"]) != GNP{j}:']
        lines.append("        return None")
        if has_static:
            lines += [f"    if STATIC_OF{j}(GROUP{j}) != STATIC{j}:", "        return None"]
    if zero_keys:
        reads = ", ".join(f"ZG{j}.get({key!r})" for j, key in enumerate(zero_keys))
        lines += [f"    if [{reads}] != ZERO_VALUES:", "        return None"]
    data = ", ".join(f"d{i}" for i in range(nargs))
    lines += [
        "    state = grad_mode._state",
        "    if state.enabled is not ENABLED:",
        "        return None",
        "    if state.autocast is None:",
        "        if AUTOCAST is not None:",
        "            return None",
        "    elif autocast_key(state.autocast) != AUTOCAST:",
        "        return None",
        f"    return [{data}]",
    ]
    module = builtins.compile("\n".join(lines) + "\n", "<compat.compile guard>", "exec")
    (code,) = (c for c in module.co_consts if isinstance(c, types.CodeType))
    return code


def _globals_getter(names: list[str]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """A C-level reader of the named globals, as a tuple (KeyError when one is gone)."""
    if not names:
        return lambda glb: ()
    if len(names) == 1:
        (name,) = names
        return lambda glb: (glb[name],)
    return operator.itemgetter(*names)


def _autocast_key(caster: Any) -> Any:
    """What a program traced under an autocast region depends on: its device and dtype.

    (Each ``with autocast():`` makes a new caster object: a step called inside a fresh region
    every time reuses its program.)
    """
    if caster is None:
        return None
    device, dtype = getattr(caster, "device_type", None), getattr(caster, "dtype", None)
    if device is None or dtype is None:
        return ("caster", id(caster))
    return (type(caster).__qualname__, device, str(dtype))


def _simple(value: Any) -> bool:
    """Whether ``value`` is built of Python scalars, strings, None and tuples/lists of them."""
    if value is None or type(value) in (bool, int, float, str):
        return True
    if isinstance(value, tuple | list):
        return all(_simple(v) for v in value)
    return False


class _Fast:
    """What the next call checks to run the last program again without the slow path.

    Armed (by :meth:`_CompiledFunction._arm`) after a call whose program leaves the state in
    the form it found it (the signature of the state after the write-back equals the one the
    program was compiled for: a fixed point, the usual training step). The next call then
    checks identities, not signatures: one integer per mutation counter (modules, optimizers),
    the closure and globals, each argument's shape and dtype, that every state slot holds the
    very tensor the write-back left there with the same storage and value, that donated
    values have no other holder, and that optimizer groups and hyperparameters keep their
    form. Any difference falls back to the full path (which re-arms).
    """

    __slots__ = (
        "arg_values",
        "argspec",
        "autocast",
        "call",
        "check",
        "composed",
        "data_rg",
        "donated",
        "enabled",
        "getters",
        "groups",
        "guard",
        "hyper_form",
        "mod_mut",
        "mod_version",
        "nargs",
        "news",
        "no_rng",
        "objs",
        "opts",
        "plan",
        "program",
        "rng_fill",
        "simple",
        "stable_ids",
        "state_dicts",
        "state_lookups",
        "storages",
        "tensors",
        "uses_rng",
        "values",
        "zero_places",
        "zero_values",
    )


class _CompiledFunction:
    """A function compiled by :func:`compile` (see the module docstring)."""

    def __init__(self, fn: Callable[..., Any], fullgraph: bool, backend: Any) -> None:
        self._fn = fn
        self._fullgraph = fullgraph
        self._eager_backend = backend == "eager"
        self._programs: dict[Any, _Program] = {}
        self._last_key: Any = None
        self._warm = False
        self._eager_reason: str | None = None
        self._compiles = 0
        self._plan: _Plan | None = None
        self._hyper_cache: tuple[Any, Any, Any] = (None, None, None)
        self._hyper_leaves: list[Any] = []
        # Hyperparameters are compile-time constants until one changes (see :meth:`_bake`);
        # then every later program takes them as inputs.
        self._hyper_varied = False
        # The function returns tensors that the caller backpropagates through: each call is
        # one engine op (no donation), so its outputs carry a grad_fn.
        self._engine_mode = False
        self._plans_seen: list[Any] = []
        fn_code = fn.__func__ if isinstance(fn, types.MethodType) else fn
        code = getattr(fn_code, "__code__", None)
        glb = getattr(fn_code, "__globals__", {})
        self._global_names = (
            [n for n in dict.fromkeys(_code_names(code)) if n in glb] if code else []
        )
        self._globals = glb
        self._closure = getattr(fn_code, "__closure__", None) or ()
        self._bound = getattr(fn, "__self__", None)
        self._glob_get = _globals_getter(self._global_names)
        # The steady state of the last program (see :class:`_Fast`), or None.
        self._fast: _Fast | None = None
        # How often shared scalar state came back unshared (see ``__call__``).
        self._share_lost = 0
        functools.update_wrapper(self, fn)
        _LIVE.add(self)

    def _reset(self) -> None:
        """Forget the compiled programs, the discovery and any graph break (:func:`reset`)."""
        self._programs.clear()
        self._plan = None
        self._plans_seen.clear()
        self._last_key = None
        self._warm = False
        self._eager_reason = None
        self._compiles = 0
        self._hyper_cache = (None, None, None)
        self._hyper_varied = False
        self._limit_warned = False
        self._engine_mode = False
        self._fast = None
        self._share_lost = 0

    def _guard(self) -> tuple[Any, ...]:
        """Ids of what discovery starts from: closure cells, named globals, bound object."""
        glb = self._globals
        cells = []
        for c in self._closure:
            try:
                cells.append(id(c.cell_contents))
            except ValueError:
                cells.append(None)
        bound = self._bound
        attrs = getattr(bound, "__dict__", None) if bound is not None else None
        return (
            tuple(cells),
            tuple(id(glb.get(n)) for n in self._global_names),
            id(bound),
            tuple(map(id, attrs.values())) if isinstance(attrs, dict) else (),
        )

    def _fast_guard(self) -> Any:
        """:meth:`_guard` for the fast path (C-level reads; None when a cell or name is gone)."""
        try:
            cells = tuple(map(id, map(_CELL, self._closure)))
            glb = tuple(map(id, self._glob_get(self._globals)))
        except (ValueError, KeyError):
            return None
        bound = self._bound
        if bound is None:
            return cells, glb
        attrs = getattr(bound, "__dict__", None)
        return cells, glb, id(bound), tuple(map(id, attrs.values())) if attrs else ()

    def _arm(self, plan: _Plan, program: _Program, key: Any, args: Any, kwargs: Any) -> None:
        """After a call through the full path: arm :class:`_Fast` if the state is at a fixed point.

        Only for positional tensor arguments, without a GradScaler and outside engine mode.
        """
        from compat.nn.modules import module as module_mod

        self._fast = None
        if (
            kwargs
            or self._engine_mode
            or plan.scalers
            or plan.positional is None
            or any(k is not None for k in plan.positional)
            or _TRACING[0]
        ):
            return
        objs = [get() for get in plan.getters]
        storages, desc = _storages(objs)
        n_state = len(storages)
        state_ids = set(map(id, storages))
        arg_desc, argspec = [], []
        for i, a in enumerate(args):
            d = a._data
            if type(d) is not _Storage or id(d) in state_ids:
                return
            v = d.value
            arg_desc.append((v.shape, v.dtype, a._requires_grad, n_state + i))
            argspec.append((v.shape, v.dtype, a._requires_grad))
        if tuple(desc) + tuple(arg_desc) != key[3] or _sharing(storages, n_state) != key[8]:
            return  # the write-back changed the state's form: the next call recompiles
        # The slots the call checks: not the "fixed" ones (their getter returns the tensor
        # itself), and each tensor checked once (a parameter is a module's and an optimizer's).
        checked = [i for i, s in enumerate(plan.slots) if s.kind != "fixed"]
        cpos = {i: c for c, i in enumerate(checked)}
        index = {s.name: i for i, s in enumerate(plan.slots)}
        tpos: dict[int, int] = {}
        seen: dict[int, int] = {}
        tensors = []
        for i, o in enumerate(objs):
            if isinstance(o, Tensor):
                p = seen.get(id(o))
                if p is None:
                    p = seen[id(o)] = len(tensors)
                    tensors.append(o)
                tpos[i] = p
        news = []
        for name in program.news_names:
            i = index.get(name)
            if i is None or i not in tpos or i not in cpos:
                return
            news.append((cpos[i], tpos[i], desc[i][3]))
        opts, groups, zero_places = [], [], []
        for opt in plan.roots.optimizer:
            state = opt.state
            opts.append(
                (
                    opt,
                    opt.__dict__.get("_mutation_count", 0),
                    state,
                    opt.param_groups,
                    list(opt.param_groups),
                    len(state),
                    sum(map(len, state.values())),
                )
            )
            traced = _traced_keys(opt)
            for group in opt.param_groups:
                static_of, traced_keys = _group_keys(tuple(group), traced)
                static = static_of(group) if static_of is not None else None
                if not _simple(static):
                    return
                groups.append((group, len(group), len(group["params"]), static_of, static))
                for k in traced_keys:
                    v = group[k]
                    if v is None or (_is_number_like(v) and _hyper_zero(v)):
                        zero_places.append((group, k))
                    elif not _is_number_like(v):
                        return
        # The program's inputs straight from (state values, argument values, hyperparameter
        # leaves, generator words): ``program.pick`` composed with ``program.order``.
        n_storages = n_state + len(args)
        n_flat = n_storages + len(self._hyper_leaves) + 2 * len(plan.roots.generator)
        positions = program.pick(list(range(n_flat)))
        order = program.order
        composed = [order[p] if p < n_storages else p for p in positions]
        f = _Fast()
        f.plan = plan
        f.program = program
        # The jit itself (not rustorch_fx._xla's wrapper choosing between the tuned jit and
        # a plain one by trace state: the fast path runs on concrete arrays only).
        f.call = getattr(program.jitted, "_tuned", program.jitted)
        # Optimizer-state slots read straight from their per-parameter dicts (C-level), which
        # the call checks first are still the dicts ``optimizer.state`` holds.
        getters = list(plan.getters)
        dicts: dict[tuple[int, int], tuple[Any, Any]] = {}
        for i, slot in enumerate(plan.slots):
            if slot.kind != "state":
                continue
            opt, p = slot.container
            st = opt.state.get(p)
            if st is None:
                return
            dicts[(id(opt), id(p))] = (functools.partial(opt.state.get, p), st)
            getters[i] = functools.partial(st.get, slot.key)
        f.getters = [getters[i] for i in checked]
        f.state_lookups = [look for look, _ in dicts.values()]
        f.state_dicts = [st for _, st in dicts.values()]
        f.objs = [objs[i] for i in checked]
        f.tensors = tensors
        f.data_rg = list(map(_DATA_RG, tensors))
        # Arguments must not alias the state (the storages the write-back keeps).
        f.stable_ids = set(map(id, storages)) - {id(storages[k]) for _, _, k in news}
        f.storages = storages
        f.values = list(map(_RAW, storages))
        f.donated = [k for k in range(n_state) if program.donate[k]]
        f.news = news
        f.nargs = len(args)
        f.argspec = argspec
        f.opts = opts
        f.groups = groups
        f.zero_places = zero_places
        f.zero_values = [group.get(k) for group, k in zero_places]
        f.hyper_form = key[4]
        # The usual step (writes, new .grad tensors, one returned tensor) is written back
        # inline; anything else (cleared slots, hyperparameter writes, random draws, scheduler
        # replays, other outputs) goes through :meth:`_finish`.
        meta = program.meta
        f.simple = (
            not program.nones
            and not meta.hyper_writes
            and not any(meta.draws)
            and not meta.sched_calls
            and meta.out_single
        )
        state = _grad_mode._state
        f.enabled = state.enabled
        f.autocast = _autocast_key(state.autocast)
        f.composed = operator.itemgetter(*composed) if len(composed) > 1 else _picker(composed)
        # The generators' counters are read only when the program takes them as inputs
        # (something draws); otherwise placeholders keep the positions of ``composed``.
        n_gen = len(plan.roots.generator)
        f.uses_rng = any(p >= n_flat - 2 * n_gen for p in positions) or any(meta.draws)
        f.rng_fill = [None] * (2 * n_gen)
        f.no_rng = [(None, None)] * n_gen
        f.arg_values = [None] * len(args)
        f.guard = self._fast_guard()
        f.mod_mut = module_mod._mutations
        f.mod_version = f.mod_mut[0]
        if f.guard is not None and all(type(v) is not _Pending for v in f.values):
            f.check = self._fast_check(f)
            self._fast = f

    def _fast_check(self, f: _Fast) -> Callable[[tuple[Any, ...], list[Any]], list[Any] | None]:
        """The guard of :meth:`_fast_call` as Python code written for this ``f``.

        Returns ``check(args, values)`` (``values`` is ``f.values``): the arguments' storages
        when nothing changed since the last call, else None. The same tests as a loop over
        ``f``'s lists would make, unrolled (as torch.compile writes its guards): one
        comparison per closure cell, global, argument, optimizer, state slot and parameter
        group, against objects and values bound as names of the function. A tiny step's
        whole guard then costs about 2.5 us instead of 6. The lists the write-back updates in
        place (``objs``, ``tensors``, ``data_rg``, ``storages``) are read at call time;
        ``values`` (replaced after each call) is passed in.

        The source depends only on the structure (how many of each, the global names, the
        donated slots, the zero-hyperparameter keys), so its code object is compiled once per
        structure (:data:`_CHECK_CODE`) and re-arming after a miss (e.g. batches of two shapes
        alternating) only binds new names. Nothing the function refers to holds ``f`` or the
        function itself: dropping ``f`` releases everything at once (no reference cycle).
        """
        ns: dict[str, Any] = {
            "Tensor": Tensor,
            "Storage": _Storage,
            "ARRAY": _ARRAY,
            "TRACING": _TRACING,
            "MOD_MUT": f.mod_mut,
            "MOD_VERSION": f.mod_version,
            "GLB": self._globals,
            "BOUND": self._bound,
            "STABLE": f.stable_ids,
            "LAST": f.arg_values,
            "OBJS": f.objs,
            "TENSORS": f.tensors,
            "DATA_RG": f.data_rg,
            "STORAGES": f.storages,
            "ENABLED": f.enabled,
            "AUTOCAST": f.autocast,
            "getrefcount": sys.getrefcount,
            "grad_mode": _grad_mode,
            "autocast_key": _autocast_key,
        }
        cells, glb = f.guard[0], f.guard[1]
        for i, (cell, ident) in enumerate(zip(self._closure, cells, strict=True)):
            ns[f"CELL{i}"], ns[f"CID{i}"] = cell, ident
        for j, ident in enumerate(glb):
            ns[f"GID{j}"] = ident
        if self._bound is not None:
            ns["ATTRS"] = f.guard[3]
        for i, (shape, dtype, requires_grad) in enumerate(f.argspec):
            ns[f"SHAPE{i}"], ns[f"DTYPE{i}"], ns[f"RG{i}"] = shape, dtype, requires_grad
        for j, (opt, count, state, groups, members, n_state, n_entries) in enumerate(f.opts):
            ns[f"OPT{j}"], ns[f"COUNT{j}"], ns[f"STATE{j}"] = opt, count, state
            ns[f"GROUPS{j}"], ns[f"NSTATE{j}"], ns[f"NENTRIES{j}"] = groups, n_state, n_entries
            for m, member in enumerate(members):
                ns[f"MEMBER{j}_{m}"] = member
        for j, (look, st) in enumerate(zip(f.state_lookups, f.state_dicts, strict=True)):
            ns[f"LOOK{j}"], ns[f"SD{j}"] = look, st
        for j, get in enumerate(f.getters):
            ns[f"GET{j}"] = get
        for j, (group, n, n_params, static_of, static) in enumerate(f.groups):
            ns[f"GROUP{j}"], ns[f"GN{j}"], ns[f"GNP{j}"] = group, n, n_params
            if static_of is not None:
                ns[f"STATIC_OF{j}"], ns[f"STATIC{j}"] = static_of, static
        for j, (group, _) in enumerate(f.zero_places):
            ns[f"ZG{j}"] = group
        ns["ZERO_VALUES"] = f.zero_values
        structure = (
            f.nargs,
            len(cells),
            tuple(self._global_names),
            self._bound is not None,
            tuple(len(members) for _, _, _, _, members, _, _ in f.opts),
            len(f.state_lookups),
            len(f.getters),
            len(f.tensors),
            len(f.storages),
            tuple(f.donated),
            tuple(static_of is not None for _, _, _, static_of, _ in f.groups),
            tuple(key for _, key in f.zero_places),
        )
        code = _CHECK_CODE.get(structure)
        if code is None:
            code = _check_code(structure)
            if len(_CHECK_CODE) >= 256:
                _CHECK_CODE.clear()
            _CHECK_CODE[structure] = code
        return types.FunctionType(code, ns, "check")

    def _fast_call(self, f: _Fast, args: tuple[Any, ...]) -> Any:
        """Run the armed program if nothing changed since the last call, else :data:`_MISS`.

        Written for the per-call cost (a tiny step's whole overhead is a few microseconds):
        the guard is code generated for ``f`` (:meth:`_fast_check`), raw storage fields
        (``_v``) instead of properties, an argument's shape and dtype compared only when its
        array is not the one of the last call.
        """
        values = f.values
        arg_data = f.check(args, values)
        if arg_data is None:
            return _MISS
        state = _grad_mode._state
        plan = f.plan
        raw = [group[k] for group, k in plan.places]
        if raw != self._hyper_cache[0]:
            if f.program.baked is not None:  # (its hyperparameters are constants)
                self._hyper_varied = True
                return _MISS
            if not all(_is_number_like(v) and not _hyper_zero(v) for v in raw):
                return _MISS
            if self._hyper(raw)[1] != f.hyper_form:
                return _MISS
        source = values + [d._v for d in arg_data] if arg_data else list(values)
        source += self._hyper_leaves
        if f.uses_rng:
            rng = _rng_inputs(plan.roots)
            for pair in rng:
                source += pair
        else:
            rng = f.no_rng
            source += f.rng_fill
        program = f.program
        flat = f.call(*f.composed(source))
        del source
        storages, data_rg, objs, tensors = f.storages, f.data_rg, f.objs, f.tensors
        if f.simple:
            targets = storages + arg_data if arg_data else storages
            st = None
            for k, j, delta in program.writes:
                st = targets[k]
                st._v = flat[j]
                st.version += delta
            del targets, st  # (they would count as holders of the storages below)
            wrap = Tensor._wrap
            refs = sys.getrefcount
            inference = state.inference
            t = d = None
            for (setter, j, requires_grad), (i, p, k) in zip(program.news, f.news, strict=True):
                t = objs[i]
                d = t._data
                # A new tensor (a ``.grad``) replaces one nobody else can see: no reference
                # but the slot's, ``objs``, ``tensors``, this frame's and the argument's (5);
                # its storage held by it, ``storages``, ``data_rg``, this frame and the
                # argument's (5: no view of it); no weak reference, hook or autograd field.
                # Then the old object takes the new value (it is what eager mode's fresh
                # tensor would be); otherwise a new tensor is made.
                if (
                    refs(t) == 5
                    and refs(d) == 5
                    and _FRESH(t) == _FRESH_VALUES
                    and t._inference is inference
                    and not weakref.getweakrefcount(t)
                ):
                    d._v = flat[j]
                    d.version = 0
                    continue
                t = wrap(flat[j], requires_grad=requires_grad)
                setter(t)
                objs[i] = tensors[p] = t
                d = storages[k] = t._data
                data_rg[p] = (d, requires_grad)
            del t, d
            f.values = list(map(_RAW, storages))
            return wrap(flat[program.cuts[0]])
        outputs = program.split(flat)
        created: list[Tensor] = []
        result = self._finish(
            program,
            storages + arg_data if arg_data else storages,
            rng,
            plan.roots,
            outputs,
            created,
        )
        for (i, p, k), t in zip(f.news, created, strict=True):
            objs[i] = tensors[p] = t
            d = storages[k] = t._data
            data_rg[p] = (d, t._requires_grad)
        f.values = list(map(_RAW, storages))
        return result

    def _hyper(self, raw: list[Any]) -> tuple[Any, Any]:
        """The hyperparameters as device arrays (cached while ``raw`` stays equal)."""
        cache = self._hyper_cache
        if cache[0] == raw:
            return cache[1], cache[2]
        values = [tuple(v) if type(v) is list else v for v in raw]
        hyper = jax.device_put(
            [
                tuple(np.float64(x) for x in v) if isinstance(v, tuple) else np.float64(v)
                for v in values
            ]
        )
        hyper_form = tuple(len(h) if isinstance(h, tuple) else 0 for h in hyper)
        # (lists copied: a list edited in place must not compare equal next time)
        self._hyper_cache = ([list(v) if type(v) is list else v for v in raw], hyper, hyper_form)
        self._hyper_leaves = jax.tree_util.tree_leaves(hyper)
        return hyper, hyper_form

    def _bake(self, plan: _Plan, raw: list[Any]) -> tuple[float, ...] | None:
        """The hyperparameter values to compile in as constants, or None to take them as inputs.

        A constant costs the program call nothing (an input is one more argument to check and
        pass, and a float64 scalar to convert), so a step whose learning rate never changes
        gets the cheaper program. The first change (a new ``lr`` set by hand, a scheduler
        stepping inside it) recompiles once, with every hyperparameter as an input, and later
        changes reuse that program. A function that reaches a learning-rate scheduler, or
        groups one was attached to (``initial_lr`` set), take inputs from the start, as does
        engine mode.
        The numerics are the same either way: the constant is the float64 value the input
        would have held.
        """
        if self._hyper_varied or self._engine_mode or not raw:
            return None
        if plan.roots.scheduler or any("initial_lr" in group for group, _ in plan.places):
            return None
        if not all(map(_is_number_like, raw)):  # (a tensor, or a tracer of an outer trace)
            return None
        leaves: list[float] = []
        for v in raw:
            leaves.extend(float(x) for x in (v if isinstance(v, tuple | list) else (v,)))
        if len(leaves) != len(self._hyper_leaves) or any(x != x for x in leaves):
            return None  # (NaN: never equal to itself, so a program of it is never reused)
        bake = tuple(leaves)
        for program in self._programs.values():
            if program.baked is not None and program.baked != bake:
                # A baked program of other values exists: the values change.
                self._hyper_varied = True
                return None
        return bake

    @staticmethod
    def _arg_ids(arg_tensors: list[Tensor]) -> set[int]:
        return {id(_views.root_of(t._data)) for t in arg_tensors}

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        if obj is None:
            return self
        return types.MethodType(self, obj)

    def __repr__(self) -> str:
        return f"<compiled {getattr(self._fn, '__qualname__', self._fn)!r}>"

    # -- the call -----------------------------------------------------------------------------

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # (armed only after a compiled call: never with the eager backend, before the
        # warm-up or after a graph break, so it is checked first)
        fast = self._fast
        if fast is not None:
            if not kwargs:
                out = self._fast_call(fast, args)
                if out is not _MISS:
                    return out
            self._fast = fast = None  # (it holds the state values: donation checks holders)
        if self._eager_backend:
            return self._fn(*args, **kwargs)
        if self._eager_reason is not None:
            return _run_with_breaks(self._fn, args, kwargs)
        if not self._warm:
            # Warm-up: lazily created state (optimizer state, .grad) comes into existence,
            # and the eager result says whether the caller will backpropagate through it.
            out = self._fn(*args, **kwargs)
            self._warm = True
            self._engine_mode = _needs_backward(out)
            return out
        plan = self._plan
        # The fast path: positional arguments that are tensors or the very objects of the last
        # call, the same objects reached from the closure and globals, and the same state
        # structure as the last call.
        arg_tensors = None
        if (
            plan is not None
            and plan.positional is not None
            and not kwargs
            and self._guard() == plan.guard
            and _structure(plan.roots) == plan.struct
        ):
            arg_tensors = _fast_args(plan, args)
        if arg_tensors is not None:
            treedef, arg_static = plan.arg_form
        else:
            leaves, treedef = jax.tree_util.tree_flatten((args, kwargs), is_leaf=_is_tensor)
            arg_tensors = [x for x in leaves if isinstance(x, Tensor)]
            arg_static = tuple(
                ("tensor",) if isinstance(x, Tensor) else _freeze_value(x) for x in leaves
            )
            plan = self._slow_plan(args, kwargs, leaves, treedef, arg_tensors, arg_static)
        roots = plan.roots
        if plan.scalers and any(len(sc._per_optimizer_states) for sc in roots.scaler):
            return self._fall_back(
                "a GradScaler holds unscale_/step bookkeeping from before the call (call "
                "scaler.update() inside the step)",
                None,
                args,
                kwargs,
            )
        objs = [get() for get in plan.getters]
        objs.extend(arg_tensors)
        storages, desc = _storages(objs)
        # Donate a state value only when its storage is its only holder (a deepcopy of a
        # model shares its arrays); never the arguments' storages.
        # Nor gradients: the step usually replaces them (zero_grad sets them to None), and a
        # donated input that is not written back would have to be copied out again.
        keep = {desc[i][3] for i in plan.grad_index if desc[i] is not None and len(desc[i]) > 2}
        keep.update(d[3] for d in desc[len(plan.getters) :])
        if self._engine_mode:  # the engine keeps the inputs for the backward
            donate = (False,) * len(storages)
        else:
            donate = tuple(
                k not in keep and sys.getrefcount(st.value) <= 2 for k, st in enumerate(storages)
            )
        # The same hyperparameter values as last call: reuse their device arrays.
        raw = [group[k] for group, k in plan.places]
        hyper, hyper_form = self._hyper(raw)
        bake = self._bake(plan, raw)
        rng = _rng_inputs(roots)
        state = _grad_mode._state
        n_state = _state_count(desc, len(plan.getters))
        key = (
            treedef,
            arg_static,
            plan.plan_id,
            tuple(desc),
            hyper_form,
            state.enabled,
            _autocast_key(state.autocast),
            donate,
            _sharing(storages, n_state),
            bake,
        )
        program = self._programs.get(key)
        if (
            program is None
            and not self._engine_mode
            and self._share_lost < 2
            and _share_equal_scalars(plan, storages)
        ):
            # Equal scalar optimizer state (the per-parameter ``step`` counts) now holds one
            # array per value: the program takes it once (see :func:`_share_equal_scalars`).
            donate = tuple(
                k not in keep and sys.getrefcount(st.value) <= 2 for k, st in enumerate(storages)
            )
            key = (*key[:7], donate, _sharing(storages, n_state), bake)
            program = self._programs.get(key)
            # (a known program: its write-back did not keep the arrays shared; after twice,
            # stop reading values to share them)
            self._share_lost += program is not None
        if program is None:
            slots = plan.slots + [
                _Slot(f"arg{i}", "fixed", t, None) for i, t in enumerate(arg_tensors)
            ]
            named = {
                "arguments": (treedef, arg_static),
                **{slot.name: d for slot, d in zip(slots, desc, strict=True)},
                **{entry[0]: entry[1:] for entry in plan.static},
                "grad mode": state.enabled,
                "autocast": _autocast_key(state.autocast),
                "donation": donate,
                "hyperparameters": "inputs" if bake is None else f"constants {bake}",
            }
            self._log_recompile(named)
            values = [st.value for st in storages]
            try:
                program = self._trace(
                    roots,
                    slots,
                    storages,
                    plan.places,
                    hyper,
                    rng,
                    args,
                    kwargs,
                    donate,
                    values,
                    key[8],
                    bake,
                )
            except _GraphBreak as gb:
                return self._fall_back(str(gb), gb, args, kwargs)
            self._programs[key] = program
            self._last_key = named
            self._compiles += 1
            counters["compiles"] += 1
            _check_recompiles(self, len(self._programs), self._fn)
            del values
            first, program.first_outputs = program.first_outputs, None
            if not self._engine_mode:
                result = self._finish(program, storages, rng, roots, first)
                self._arm(plan, program, key, args, kwargs)
                return result
            # (engine mode: the first outputs carry no grad_fn; nothing was donated, so the
            # engine op below recomputes them from the same inputs)
        if self._engine_mode:
            return self._engine_call(program, storages, objs, rng, roots, args, kwargs)
        flat = [storages[k].value for k in program.order]
        flat += self._hyper_leaves
        for pair in rng:
            flat += pair
        result = self._finish(
            program, storages, rng, roots, program.split(program.jitted(*program.pick(flat)))
        )
        self._arm(plan, program, key, args, kwargs)
        return result

    def _engine_call(
        self,
        program: _Program,
        storages: list[Any],
        objs: list[Any],
        rng: list[Any],
        roots: _Roots,
        args: Any,
        kwargs: Any,
    ) -> Any:
        """Run ``program`` as one engine op over the tensors that own its input storages.

        The function's tensor outputs then carry a grad_fn whose vjp reaches the parameters
        and the arguments that require grad, as eager mode's graph would.
        """
        owners: list[Any] = [st.value for st in storages]
        index = {id(st): k for k, st in enumerate(storages)}
        for t in objs:
            if not isinstance(t, Tensor) or not t._requires_grad:
                continue
            data = t._data
            k = index.get(id(_views.root_of(data)))
            if k is None or isinstance(owners[k], Tensor):
                continue
            if data is not storages[k]:
                return self._fall_back(
                    "it returns tensors to backpropagate through, and a view that requires "
                    "grad is one of its inputs (a compiled function differentiates with "
                    "respect to whole tensors only)",
                    None,
                    args,
                    kwargs,
                )
            owners[k] = t
        flat = [owners[k] for k in program.order]
        flat += self._hyper_leaves
        for pair in rng:
            flat += pair
        if program.op is None:
            jitted, pick = program.jitted, program.pick

            def compiled_call(*values: Any) -> Any:
                return jitted(*pick(values))

            compiled_call.__name__ = compiled_call.__qualname__ = (
                f"compiled {getattr(self._fn, '__qualname__', 'function')}"
            )
            program.op = compiled_call
        result = _engine.apply(program.op, *flat)
        outs, out_values, sched_args, words = jax.tree_util.tree_unflatten(
            program.out_tree, jax.tree_util.tree_leaves(result, is_leaf=_is_tensor)
        )
        outputs = (
            [t._value for t in outs],
            [
                t if rg else t._value if rg is None else Tensor._wrap(t._value)
                for t, rg in zip(out_values, program.meta.out_requires_grad, strict=True)
            ],
            [t._value for t in sched_args],
            [None if w is None else w._value for w in words],
        )
        return self._finish(program, storages, rng, roots, outputs)

    def _slow_plan(
        self,
        args: Any,
        kwargs: Any,
        leaves: list[Any],
        treedef: Any,
        arg_tensors: list[Tensor],
        arg_static: tuple[Any, ...],
    ) -> _Plan:
        """Discover the state (or reuse the last discovery) and collect its slots."""
        others = [x for x in leaves if not isinstance(x, Tensor)]
        guard = self._guard()
        full_guard = (treedef, guard, tuple(map(_ident, others)))
        plan = self._plan
        if plan is None or plan.full_guard != full_guard:
            roots = _discover(self._fn, args, kwargs, arg_tensors)
        else:
            roots = plan.roots
        struct = _structure(roots)
        if plan is None or plan.roots is not roots or plan.struct != struct:
            slots, static = _collect(roots)
            # A program writes back into the objects it was traced with: other objects of the
            # same structure get a program of their own.
            ident = (roots.ids(), struct)
            known = [i for i, seen in enumerate(self._plans_seen) if seen == ident]
            plan_id = known[0] if known else len(self._plans_seen)
            if not known:
                self._plans_seen.append(ident)
            plan = _Plan(roots, struct, slots, static, plan_id)
        plan.guard = guard
        plan.full_guard = full_guard
        # Each positional argument one pytree leaf (a tensor, or an object that is not a
        # container): the next call may take the fast path.
        positional = (
            not kwargs
            and len(leaves) == len(args)
            and not any(isinstance(a, list | tuple | dict | set) for a in args)
        )
        plan.positional = (
            tuple(None if isinstance(a, Tensor) else a for a in args) if positional else None
        )
        plan.others_ident = full_guard[2]
        plan.arg_form = (treedef, arg_static)
        self._plan = plan
        return plan

    def _log_recompile(self, named: dict[str, Any]) -> None:
        if not _SETTINGS["recompiles"] or self._last_key is None:
            return
        old = self._last_key
        changes = []
        for k in sorted(set(old) | set(named), key=str):
            if old.get(k) != named.get(k):
                before, after = _fmt(old.get(k, "<absent>")), _fmt(named.get(k, "<absent>"))
                changes.append(f"  - {k}: {before} -> {after}")
        _LOG.info(
            "Recompiling function %s because:\n%s",
            getattr(self._fn, "__qualname__", self._fn),
            "\n".join(changes[:20]) or "  - (no change found in the signature)",
        )

    def _fall_back(self, reason: str, exc: BaseException | None, args: Any, kwargs: Any) -> Any:
        counters["graph_breaks"] += 1
        name = getattr(self._fn, "__qualname__", repr(self._fn))
        if self._fullgraph:
            raise TracingError(
                f"compat.compile(fullgraph=True): cannot capture {name}: {reason}"
            ) from exc
        warnings.warn(
            f"compat.compile: graph break in {name}: {reason}. {_FALLBACK} (pass "
            "fullgraph=True to make this an error).",
            UserWarning,
            stacklevel=3,
        )
        self._eager_reason = reason
        return _run_with_breaks(self._fn, args, kwargs)

    # -- tracing ------------------------------------------------------------------------------

    def _trace(
        self,
        roots: _Roots,
        slots: list[_Slot],
        storages: list[Any],
        places: list[tuple[Any, str]],
        hyper: list[Any],
        rng: list[Any],
        args: Any,
        kwargs: Any,
        donate: tuple[bool, ...],
        values: list[Any],
        share: tuple[int, ...] | None = None,
        bake: tuple[float, ...] | None = None,
    ) -> _Program:
        meta = _Meta()
        fn = self._fn
        n = len(storages)
        order = [i for i in range(n) if donate[i]] + [i for i in range(n) if not donate[i]]
        failure: list[BaseException] = []

        def program(given: list[Any], kept: list[Any], hyper_in: list[Any], rng_in: list[Any]):
            ins = [None] * n
            for i, v in zip(order, [*given, *kept], strict=True):
                ins[i] = v
            if share is not None:  # storages holding one array read one input
                for k, leader in enumerate(share):
                    ins[k] = ins[leader]
            snap = _Snapshot(slots, storages, roots)
            pre_objects = {s.name: s.get() for s in slots}
            pre_versions = [st.version for st in storages]
            try:
                for k, (st, v) in enumerate(zip(storages, ins, strict=True)):
                    st.value = v
                    # A fresh version: views of the storage drop their cached (concrete) values.
                    st.version = pre_versions[k] = _TRACE_VERSION + k
                for (group, k), v in zip(places, hyper_in, strict=True):
                    group[k] = tuple(v) if isinstance(v, tuple | list) else v
                with _Interceptors(roots, rng_in, meta) as icp:
                    try:
                        out = fn(*args, **kwargs)
                    except _GraphBreak:
                        raise
                    except Exception as exc:
                        read = _value_read(exc)
                        if read is None:
                            raise
                        where, call = _user_line(exc)
                        raise _GraphBreak(f"{where} ({call}): {_BREAK_FIX}") from exc
                if icp.order_error:
                    raise _GraphBreak(icp.order_error)
                return self._outputs(
                    meta,
                    roots,
                    slots,
                    storages,
                    ins,
                    pre_objects,
                    pre_versions,
                    places,
                    hyper_in,
                    icp,
                    out,
                    donate,
                )
            except BaseException as exc:
                failure.append(exc)
                raise
            finally:
                snap.restore()

        kept = [v for v, d in zip(values, donate, strict=True) if not d]
        given = [v for v, d in zip(values, donate, strict=True) if d]
        try:
            traced = jax.jit(program).trace(given, kept, hyper, rng)
        except Exception:
            if failure and isinstance(failure[0], _GraphBreak):
                raise failure[0] from failure[0].__cause__
            raise
        # Compile a program of the inputs it reads only, passed positionally (the C++
        # dispatch path, no per-call pytree of lists); the others become unused constants.
        closed = traced.jaxpr
        used = _used_inputs(closed.jaxpr)
        # Baked hyperparameters (see :meth:`_bake`) are constants of the program, not inputs:
        # the same jaxpr, with their values where their inputs were.
        consts: dict[int, Any] = {}
        if bake is not None:
            for j, v in enumerate(bake):
                consts[n + j] = np.asarray(v, closed.in_avals[n + j].dtype)
                used[n + j] = False
        used_idx = [i for i, u in enumerate(used) if u]
        fillers = [
            None if u else consts.get(i, jax.ShapeDtypeStruct(a.shape, a.dtype))
            for i, (u, a) in enumerate(zip(used, closed.in_avals, strict=True))
        ]
        fun = jax.extend.core.jaxpr_as_fun(closed)
        outs_info, values_info, sched_info, _ = traced.out_info
        a = len(outs_info)
        # State outputs proven equal to an earlier one are dropped (outside engine mode,
        # which unflattens the full output): their slots take the earlier one's array.
        keep = None
        if not self._engine_mode:
            remap = _merge_equal_outputs(meta, closed.jaxpr, a)
            if remap:
                keep = [i for i in range(len(closed.jaxpr.outvars)) if remap.get(i, i) == i]
                a -= len(closed.jaxpr.outvars) - len(keep)

        def flat_program(*used_values: Any) -> Any:
            full = [
                f if f is None or isinstance(f, np.ndarray) else jnp.zeros(f.shape, f.dtype)
                for f in fillers
            ]
            for i, v in zip(used_idx, used_values, strict=True):
                full[i] = v
            outs = fun(*full)
            return outs if keep is None else [outs[i] for i in keep]

        n_given = len(given)
        # The CPU compiler options of rustorch_fx._xla only for a step with ungrouped XLA
        # convolutions (they then use every thread; the memory-optimised schedule runs each
        # alone). Without such convolutions the options change only the schedule, and the
        # default one ran the MLP step of benchmarks/step.py 6-8% faster (three interleaved
        # runs, 2-core CPU).
        jitted = _jit(
            flat_program,
            tuned=_engine._has_primitive(closed.jaxpr, _CONVOLUTION, _tuned_convolution),
            donate_argnums=tuple(j for j, i in enumerate(used_idx) if i < n_given),
        )
        flat_in = jax.tree_util.tree_leaves((given, kept, hyper, rng))
        pick = _picker(used_idx)
        first = jitted(*pick(flat_in))
        out_tree = jax.tree_util.tree_structure(traced.out_info)
        prog = _Program(jitted, meta, donate, order, pick, out_tree)
        prog.baked = bake
        b = a + len(values_info)
        prog.cuts = (a, b, b + len(sched_info))
        prog.first_outputs = prog.split(first)
        return prog

    def _outputs(
        self,
        meta: _Meta,
        roots: _Roots,
        slots: list[_Slot],
        storages: list[Any],
        ins: list[Any],
        pre_objects: dict[str, Any],
        pre_versions: list[int],
        places: list[tuple[Any, str]],
        hyper_in: list[Any],
        icp: _Interceptors,
        out: Any,
        donated: tuple[bool, ...],
    ) -> Any:
        """Read the post-trace state into program outputs and ``meta`` (the write-back plan)."""
        post_slots, _ = _collect(roots)
        post_slots += [s for s in slots if s.name.startswith("arg")]
        storage_index = {id(st): i for i, st in enumerate(storages)}
        written: set[int] = set()
        outs: list[Any] = []
        out_of_storage: dict[int, int] = {}
        for s in post_slots:
            t = s.get()
            pre = pre_objects.get(s.name)
            if t is None:
                if pre is not None:
                    meta.layout.append((s, "none", None))
                continue
            if not isinstance(t, Tensor):
                continue
            st = _views.root_of(t._data)
            k = storage_index.get(id(st))
            if t is pre and k is not None:
                if k in written:
                    continue
                written.add(k)
                if st.value is ins[k] and st.version == pre_versions[k] and not donated[k]:
                    continue
                meta.layout.append((None, "storage", (k, len(outs), st.version - pre_versions[k])))
                outs.append(st.value)
                continue
            j = out_of_storage.get(id(t._data))
            if j is None:
                j = out_of_storage[id(t._data)] = len(outs)
                outs.append(t._value)
            meta.layout.append((s, "new", (j, t._requires_grad)))
        for k, st in enumerate(storages):
            if donated[k] and k not in written:  # a donated input must come back
                meta.layout.append((None, "storage", (k, len(outs), st.version - pre_versions[k])))
                outs.append(st.value)
        for (group, k), v in zip(places, hyper_in, strict=True):
            now = group[k]
            if now is v or (isinstance(v, tuple | list) and tuple(now) == tuple(v)):
                continue
            if isinstance(now, jax.core.Tracer):
                meta.hyper_writes.append((group, k, ("out", len(outs))))
                outs.append(now)
            else:
                meta.hyper_writes.append((group, k, ("const", now)))
        # The function's own output: tensors become outputs, the rest is static.
        leaves, tree = jax.tree_util.tree_flatten(out, is_leaf=_is_tensor)
        meta.out_tree = tree
        out_values = []
        for i, leaf in enumerate(leaves):
            if isinstance(leaf, Tensor):
                needs = leaf.grad_fn is not None and not _backpropagated(leaf.grad_fn)
                if needs and not self._engine_mode:
                    raise _GraphBreak(
                        "it returns a tensor that requires grad and was not backpropagated, "
                        "but its first (eager) call returned none: compiled with outputs "
                        "detached, the caller could not backpropagate through it. Return such "
                        "tensors from every call, or call backward() inside the step"
                    )
                meta.out_requires_grad.append(needs)
                out_values.append(leaf._value)
            elif isinstance(leaf, jax.core.Tracer):
                meta.out_requires_grad.append(None)
                out_values.append(leaf)
            else:
                meta.out_static.append((i, leaf))
        meta.out_tensor_flags = [isinstance(x, Tensor) for x in leaves]
        meta.out_all_tensors = all(meta.out_tensor_flags)
        meta.out_single = meta.out_all_tensors and tree.num_leaves == 1 and tree.num_nodes == 1
        # Scheduler calls, replayed eagerly after the call (tensor arguments become outputs).
        sched_args = []
        for sched, a, kw in icp.sched_calls:
            sleaves, stree = jax.tree_util.tree_flatten((a, kw), is_leaf=_is_tensor)
            spec = []
            for x in sleaves:
                if isinstance(x, Tensor):
                    spec.append(("t", len(sched_args)))
                    sched_args.append(x._value)
                else:
                    spec.append(("c", x))
            meta.sched_calls.append((sched, stree, spec))
        meta.draws = list(icp.draws)
        meta.n_out = len(outs)
        # A generator that drew nothing returns no counter (one output fewer per call).
        words = [w if n else None for w, n in zip(icp.words, icp.draws, strict=True)]
        return outs, out_values, sched_args, words

    # -- write-back ---------------------------------------------------------------------------

    def _finish(
        self,
        program: _Program,
        storages: list[Any],
        rng: list[Any],
        roots: _Roots,
        outputs: Any,
        created: list[Tensor] | None = None,
    ) -> Any:
        """Write ``outputs`` back into the state (``created`` collects the new tensors)."""
        meta = program.meta
        outs, out_values, sched_args, words = outputs
        wrap = Tensor._wrap
        for setter in program.nones:
            setter(None)
        for k, j, delta in program.writes:
            st = storages[k]
            st.value = outs[j]
            st.version += delta
        if created is None:
            for setter, j, requires_grad in program.news:
                setter(wrap(outs[j], requires_grad=requires_grad))
        else:
            for setter, j, requires_grad in program.news:
                t = wrap(outs[j], requires_grad=requires_grad)
                setter(t)
                created.append(t)
        for group, k, (kind, v) in meta.hyper_writes:
            group[k] = float(outs[v]) if kind == "out" else v
        if any(meta.draws):
            for gen, (seed_words, _), n, w in zip(
                roots.generator, rng, meta.draws, words, strict=True
            ):
                if n:
                    gen._counter = (gen._counter + n) & ((1 << 64) - 1)
                    gen._on_device = (seed_words, w)
        for sched, stree, spec in meta.sched_calls:
            leaves = [wrap(sched_args[v]) if kind == "t" else v for kind, v in spec]
            a, kw = jax.tree_util.tree_unflatten(stree, leaves)
            sched.step(*a, **kw)
        if meta.out_single:  # the function returns one tensor (a loss)
            v = out_values[0]
            return v if type(v) is Tensor else wrap(v)
        if meta.out_all_tensors:
            leaves = [v if type(v) is Tensor else wrap(v) for v in out_values]
        else:
            leaves = []
            it = iter(out_values)
            static = dict(meta.out_static)
            for i, is_tensor in enumerate(meta.out_tensor_flags):
                if is_tensor:
                    v = next(it)
                    leaves.append(v if type(v) is Tensor else Tensor._wrap(v))
                elif i in static:
                    leaves.append(static[i])
                else:
                    leaves.append(next(it))
        return jax.tree_util.tree_unflatten(meta.out_tree, leaves)


def _needs_backward(out: Any) -> bool:
    """Whether ``out`` holds a tensor with a graph that no backward has run through."""
    for leaf in jax.tree_util.tree_leaves(out, is_leaf=_is_tensor):
        if (
            isinstance(leaf, Tensor)
            and leaf.grad_fn is not None
            and not _backpropagated(leaf.grad_fn)
        ):
            return True
    return False


def _check_recompiles(owner: Any, n: int, fn: Any) -> None:
    """Warn once when ``owner`` (a compiled function or forward) holds more than the limit."""
    limit = config.recompile_limit
    if n <= limit or getattr(owner, "_limit_warned", False):
        return
    owner._limit_warned = True
    name = getattr(fn, "__qualname__", None) or type(fn).__name__
    warnings.warn(
        f"compat.compile: {name} has been compiled {n} times (recompile_limit is {limit}). "
        "XLA programs have static shapes: every new input shape or dtype, and every new "
        "state structure, compiles a new program (dynamic=True or None does not make one "
        "program shape-generic). Keep shapes fixed (DataLoader(drop_last=True), padding to "
        "a few bucket sizes); set_logs(recompiles=True) or COMPAT_LOGS=recompiles says what "
        "changed; raise compat._dynamo.config.recompile_limit to silence this.",
        UserWarning,
        stacklevel=4,
    )


def _backpropagated(node: Any) -> bool:
    """Whether a backward ran through the graph behind ``node`` (a node of it was released).

    A step returning its (backpropagated) loss, or a sum of such losses, is fine; a function
    returning a fresh forward result expects a backward after the call, which a compiled
    function cannot give.
    """
    stack, seen = [node], set()
    while stack and len(seen) < 10000:
        n = stack.pop()
        if id(n) in seen or not isinstance(n, _engine.Node):
            continue
        seen.add(id(n))
        if n.released:
            return True
        stack.extend(n.saved[i].grad_fn for i in n.diff if n.saved[i].grad_fn is not None)
    return False


def _ident(obj: Any) -> Any:
    """What discovery's cache checks of an argument: its id, and its attributes' ids."""
    attrs = getattr(obj, "__dict__", None)
    if isinstance(attrs, dict) and not isinstance(obj, Module):
        return (id(obj), tuple(map(id, attrs.values())))
    return id(obj)


def _fmt(value: Any) -> str:
    """A signature entry for the recompile log (dtypes by name)."""
    if isinstance(value, tuple):
        return "(" + ", ".join(_fmt(v) for v in value) + ")"
    if isinstance(value, np.dtype):
        return value.name
    return str(value)


def _is_tensor(x: Any) -> bool:
    return isinstance(x, Tensor)


def _shape_of(v: Any) -> Any:
    return tuple(0 for _ in v) if isinstance(v, tuple) else 0


# --------------------------------------------------------------------------- modules


class _CompiledForward:
    """A module's forward as one engine op over (parameters, buffers, inputs, RNG counter)."""

    def __init__(self, module: Any, fullgraph: bool, call: Any = None) -> None:
        self.module = module
        self.fullgraph = fullgraph
        # What runs the forward uncompiled: the module's call (OptimizedModule), or its own
        # forward (Module.compile, which installs this object as the instance's forward).
        self.call = module if call is None else call
        self.meta: dict[Any, Any] = {}
        self.eager_reason: str | None = None
        self.op = self._make_op()
        _LIVE.add(self)

    def _reset(self) -> None:
        """Forget the compiled signatures and any graph break (:func:`reset`)."""
        self.meta.clear()
        self.eager_reason = None
        self._limit_warned = False
        self.op = self._make_op()  # a new op: the engine compiles it afresh

    def __deepcopy__(self, memo: dict[int, Any]) -> _CompiledForward:
        # The op closes over the module: a copy gets its own op over the copied module.
        module = copy.deepcopy(self.module, memo)
        call = None if self.call is self.module else copy.deepcopy(self.call, memo)
        return _CompiledForward(module, self.fullgraph, call)

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled as what it is made of (the op and the per-signature metadata are rebuilt).
        call = None if self.call is self.module else self.call
        return (_CompiledForward, (self.module, self.fullgraph, call))

    def _make_op(self) -> Callable[..., Any]:
        module = self.module
        call = self.call
        metas = self.meta

        def compiled_forward(*arrays: Any, spec: Any) -> Any:
            names, n_params, n_buffers, treedef, arg_static, _ = spec
            n_state = n_params + n_buffers
            state, rest = arrays[:n_state], arrays[n_state:]
            seed_words, words = rest[-2], rest[-1]
            inputs = iter(rest[:-2])
            leaves = [Tensor._wrap(next(inputs)) if s == ("tensor",) else s for s in arg_static]
            args, kwargs = jax.tree_util.tree_unflatten(treedef, leaves)
            from compat.func import _reparametrized

            values = {name: Tensor._wrap(v) for name, v in zip(names, state, strict=True)}
            originals = dict(values)
            gen = _random.default_generator
            box = [words, 0]

            def next_key() -> Any:
                key, box[0] = _random._step(seed_words, box[0])
                box[1] += 1
                return key

            gen.__dict__["_next_key"] = next_key
            _TRACING[0] += 1
            try:
                with (
                    _grad_mode.no_grad(),
                    _reparametrized("compile", module, values, True, False) as placed,
                ):
                    out = call(*args, **kwargs)
            finally:
                _TRACING[0] -= 1
                gen.__dict__.pop("_next_key", None)
            out_leaves, out_tree = jax.tree_util.tree_flatten(out, is_leaf=_is_tensor)
            flags = [isinstance(x, Tensor) for x in out_leaves]
            static_out = [None if f else x for x, f in zip(out_leaves, flags, strict=True)]
            new_buffers = tuple(placed[name]._value for name in names[n_params:])
            changed = tuple(
                placed[name] is not originals[name]
                or placed[name]._value is not state[n_params + i]
                for i, name in enumerate(names[n_params:])
            )
            key = (spec, tuple((a.shape, str(a.dtype)) for a in arrays))
            metas[key] = (out_tree, flags, static_out, box[1], changed)
            return (
                tuple(x._value for x, f in zip(out_leaves, flags, strict=True) if f),
                new_buffers,
                box[0],
            )

        return compiled_forward

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        module = self.module
        if _TRACING[0]:
            return self.call(*args, **kwargs)
        if self.eager_reason is not None:
            return _run_with_breaks(self.call, args, kwargs)
        params = list(module.named_parameters())
        buffers = list(module.named_buffers())
        leaves, treedef = jax.tree_util.tree_flatten((args, kwargs), is_leaf=_is_tensor)
        arg_tensors = [x for x in leaves if isinstance(x, Tensor)]
        arg_static = tuple(
            ("tensor",) if isinstance(x, Tensor) else _freeze_value(x) for x in leaves
        )
        names = tuple(n for n, _ in params) + tuple(n for n, _ in buffers)
        training = tuple(m.training for _, m in module.named_modules())
        spec = (names, len(params), len(buffers), treedef, arg_static, training)
        gen = _random.default_generator
        ((seed_words, words),) = _rng_inputs(_Roots())
        tensors = [t for _, t in params] + [t for _, t in buffers] + arg_tensors
        try:
            hash(spec)
            result = _engine.apply(self.op, *tensors, seed_words, words, spec=spec)
        except Exception as exc:  # graph breaks (values read into Python) and unhashables
            read = _value_read(exc)
            if read is None and not isinstance(exc, TypeError | _GraphBreak):
                raise
            if read is None and isinstance(exc, RusTorchError):
                raise
            reason = (
                f"{_user_line(exc)[0]}: {_BREAK_FIX}"
                if read is not None
                else f"an argument cannot be a compile-time constant ({exc})"
            )
            counters["graph_breaks"] += 1
            if self.fullgraph:
                raise TracingError(
                    f"compat.compile(fullgraph=True): cannot capture "
                    f"{type(module).__name__}.forward: {reason}"
                ) from exc
            warnings.warn(
                f"compat.compile: graph break in {type(module).__name__}.forward: {reason}. "
                f"{_FALLBACK} (pass fullgraph=True to make this an error).",
                UserWarning,
                stacklevel=3,
            )
            self.eager_reason = reason
            return _run_with_breaks(self.call, args, kwargs)
        outs, new_buffers, new_words = result
        key = (
            spec,
            tuple(
                (a.shape, str(a.dtype)) for a in (*(t._value for t in tensors), seed_words, words)
            ),
        )
        out_tree, flags, static_out, draws, changed = self.meta[key]
        if len(self.meta) > config.recompile_limit:
            _check_recompiles(self, len(self.meta), type(module))
        for (_, buf), new, flag in zip(buffers, new_buffers, changed, strict=True):
            if flag:
                buf._data.value = new._value
                buf._data.version += 1
        if draws:
            gen._counter = (gen._counter + draws) & ((1 << 64) - 1)
            gen._on_device = (seed_words, new_words._value)
        it = iter(outs)
        leaves_out = [next(it) if f else s for f, s in zip(flags, static_out, strict=True)]
        return jax.tree_util.tree_unflatten(out_tree, leaves_out)


class OptimizedModule(Module):
    """What :func:`compile` returns for a module (torch's ``OptimizedModule``).

    It holds the original module as ``_orig_mod`` (so its ``state_dict`` keys start with
    ``"_orig_mod."``, as torch's), forwards attribute reads to it, and runs its forward as one
    compiled engine op: ``backward()`` reaches the parameters, BatchNorm buffers update, and
    dropout draws from the default generator as in eager mode.

    Args:
        mod: The module to compile.
        fullgraph: Raise at a graph break instead of running the forward eagerly.

    Example:
        >>> import compat
        >>> lin = compat.nn.Linear(2, 1)
        >>> fast = compat.compile(lin)
        >>> tuple(fast(compat.ones(3, 2)).shape)
        (3, 1)
    """

    def __init__(self, mod: Any, fullgraph: bool = False) -> None:
        super().__init__()
        self._orig_mod = mod
        object.__setattr__(self, "_compat_forward", _CompiledForward(mod, fullgraph))

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Run the original module's forward as one compiled op.

        Args:
            *args: The module's positional arguments.
            **kwargs: Its keyword arguments.

        Returns:
            What the module's forward returns.
        """
        return self.__dict__["_compat_forward"](*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(self.__dict__["_modules"]["_orig_mod"], name)


def _compile_in_place(module: Any, *args: Any, **kwargs: Any) -> None:
    """``Module.compile``: make ``module``'s own calls run its forward compiled.

    The compiled forward is installed as the instance's ``forward`` (hooks keep running
    eagerly around it, as for :class:`OptimizedModule`); the module keeps its identity, its
    ``state_dict`` keys and its parameters. ``disable=True`` or ``backend="eager"`` restores
    the eager forward.

    Args:
        module: The module to compile.
        *args: Refused (torch's method passes only keyword options on).
        **kwargs: :func:`compile`'s options (``fullgraph``, ``dynamic``, ``backend``, ``mode``,
            ``options``, ``disable``).

    Raises:
        ArgumentTypeError: For positional or unknown options.
        InvalidArgumentError: For an unknown ``backend`` or ``mode``.

    Example:
        >>> import compat
        >>> lin = compat.nn.Linear(2, 1)
        >>> _compile_in_place(lin, fullgraph=True)
        >>> tuple(lin(compat.ones(3, 2)).shape)
        (3, 1)
    """
    name = type(module).__name__
    if args:
        raise ArgumentTypeError(
            f"{name}.compile: takes compat.compile's options as keywords only, got "
            f"{len(args)} positional argument(s)"
        )
    unknown = sorted(set(kwargs) - set(_OPTIONS))
    if unknown:
        raise ArgumentTypeError(
            f"{name}.compile: unexpected option(s) {unknown} (expected some of {_OPTIONS})"
        )
    compile(None, **kwargs)  # validates the options
    current = module.__dict__.get("forward")
    eager = current.call if isinstance(current, _CompiledForward) else current
    if kwargs.get("disable") or kwargs.get("backend") == "eager":
        own = (
            isinstance(eager, types.MethodType)
            and eager.__self__ is module
            and eager.__func__ is type(module).forward
        )
        if eager is None or own:
            module.__dict__.pop("forward", None)
        else:
            module.__dict__["forward"] = eager
        return
    if eager is None:
        eager = types.MethodType(type(module).forward, module)
    module.__dict__["forward"] = _CompiledForward(module, kwargs.get("fullgraph", False), eager)


_OPTIONS = ("fullgraph", "dynamic", "backend", "mode", "options", "disable")


# --------------------------------------------------------------------------- compile()

_BACKENDS = ("inductor", "eager", "aot_eager", "xla", "openxla", "jax")
_MODES = (
    None,
    "default",
    "lite",
    "reduce-overhead",
    "max-autotune",
    "max-autotune-no-cudagraphs",
)


def compile(
    model: Callable[..., Any] | None = None,
    *,
    fullgraph: bool = False,
    dynamic: bool | None = None,
    backend: Any = "inductor",
    mode: str | None = None,
    options: dict[str, Any] | None = None,
    disable: bool = False,
) -> Any:
    """Compile a training step or a module into one XLA program, as ``torch.compile``.

    Use it as ``compat.compile(fn)``, ``@compat.compile`` or ``@compat.compile(...)``. For a
    function, the whole step (forward, backward, optimizer and scheduler steps, BatchNorm
    statistics, dropout, clipping, GradScaler) becomes one jitted program whose state is
    found automatically and written back after each call (see the module docstring). For a
    module, it returns an :class:`OptimizedModule` whose forward is one compiled op.

    Args:
        model: The function or module (None: return a decorator).
        fullgraph: Raise :class:`~rustorch_fx.errors.TracingError` at a graph break instead
            of running the function in lazy mode (compiled pieces with eager glue).
        dynamic: True, False or None, as torch's. XLA programs have static shapes, so every
            value specializes: each new shape compiles once, and past
            ``compat._dynamo.config.recompile_limit`` programs one warning suggests fixed
            shapes (``DataLoader(drop_last=True)``, padding to a few sizes).
        backend: ``"inductor"`` (the default; XLA here) or any name of ``_BACKENDS``;
            ``"eager"`` runs the function uncompiled; a callable backend is refused.
        mode: One of torch's modes (``"default"``, ``"lite"``, ``"reduce-overhead"``,
            ``"max-autotune"``, ``"max-autotune-no-cudagraphs"``); all compile the same XLA
            program here.
        options: torch's inductor options (a dict with string keys); they do not apply to
            XLA and are ignored. Not together with ``mode``, as in torch.
        disable: Return ``model`` unchanged (as does a :func:`compat.compiler.disable`
            function or module).

    Returns:
        The compiled callable (or a decorator when ``model`` is None).

    Raises:
        ArgumentTypeError: If ``model`` is not callable, ``options`` is not a dict of named
            options, or ``fullgraph``, ``dynamic`` or ``disable`` has the wrong type.
        InvalidArgumentError: For an unknown ``backend`` or ``mode``, or both ``mode`` and
            ``options``.
        TracingError: (At call time, with ``fullgraph=True``) for a graph break.

    Example:
        >>> import compat
        >>> model = compat.nn.Linear(3, 1)
        >>> opt = compat.optim.SGD(model.parameters(), lr=0.1)
        >>> @compat.compile
        ... def step(x, y):
        ...     opt.zero_grad()
        ...     loss = compat.nn.functional.mse_loss(model(x), y)
        ...     loss.backward()
        ...     opt.step()
        ...     return loss
        >>> x, y = compat.ones(4, 3), compat.zeros(4, 1)
        >>> losses = [step(x, y).item() for _ in range(3)]
        >>> losses[2] < losses[0]
        True
    """
    if backend not in _BACKENDS:
        if callable(backend):
            raise InvalidArgumentError(
                "compile: custom backends (callables) are not supported; compat compiles "
                f"with XLA (backend one of {_BACKENDS})"
            )
        raise InvalidArgumentError(
            f"compile: unknown backend {backend!r} (expected one of {_BACKENDS})"
        )
    if mode not in _MODES:
        raise InvalidArgumentError(f"compile: unknown mode {mode!r} (expected one of {_MODES})")
    if options is not None:
        if not isinstance(options, dict):
            raise ArgumentTypeError(
                f"compile: options must be a dict, got {type(options).__name__}"
            )
        bad = [k for k in options if not isinstance(k, str)]
        if bad:
            raise ArgumentTypeError(f"compile: option names must be strings, got {bad[0]!r}")
        if mode is not None:
            raise InvalidArgumentError(
                "compile: either mode or options can be specified, but both can't be specified "
                f"at the same time (got mode={mode!r} and options={sorted(options)})"
            )
    if not isinstance(fullgraph, bool):
        raise ArgumentTypeError(f"compile: fullgraph must be a bool, got {fullgraph!r}")
    if dynamic is not None and not isinstance(dynamic, bool):
        raise ArgumentTypeError(f"compile: dynamic must be True, False or None, got {dynamic!r}")
    if not isinstance(disable, bool):
        raise ArgumentTypeError(f"compile: disable must be a bool, got {disable!r}")

    def wrap(target: Any) -> Any:
        if disable or getattr(target, "_compat_compile_disabled", False):
            return target
        if isinstance(target, Module):
            if backend == "eager":
                return target
            return OptimizedModule(target, fullgraph)
        if not callable(target):
            raise ArgumentTypeError(
                f"compile: expected a function or a compat.nn.Module, got {type(target).__name__}"
            )
        return _CompiledFunction(target, fullgraph, backend)

    if model is None:
        return wrap
    return wrap(model)


if _SETTINGS["recompiles"]:
    set_logs()
