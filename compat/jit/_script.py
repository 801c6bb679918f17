"""``compat.jit``'s machinery: compat modules and functions as exported StableHLO programs.

A traced module is a :class:`ScriptModule` that holds a ``rustorch_fx.export.ScriptModule``
(the program, a pure function of the parameters, buffers and inputs) and the module's
parameters and buffers as compat tensors, under their ``state_dict`` names. Calling it runs the
whole program as one op of the autograd engine, so ``backward()`` reaches the parameters and
the inputs that require grad.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import json
import os
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import IO, Any

import jax
import numpy as np

from compat import _engine
from compat._device import _to_jax_device
from compat._grad_mode import no_grad
from compat._tensor import Tensor
from compat.func import _to_tensors, functional_call
from compat.nn.modules.module import Module
from compat.nn.parameter import Parameter
from rustorch_fx import export
from rustorch_fx.errors import (
    ArgumentTypeError,
    ExportError,
    InvalidArgumentError,
    RusTorchError,
    SerializationError,
    ShapeError,
    TracingError,
    UnsupportedError,
)

_META_KEY = "compat.jit"
_META_VERSION = 1
_tracing_depth = 0


class TracingCheckError(TracingError):
    """The traced program's outputs differ from the eager call's (``check_trace``)."""


def is_tracing() -> bool:
    """Whether the code runs inside :func:`trace` (or a first call of :func:`script`).

    Returns:
        True while a module or function is being traced.

    Example:
        >>> import compat
        >>> compat.jit.is_tracing()
        False
    """
    return _tracing_depth > 0


def is_scripting() -> bool:
    """Always False: compat never compiles Python source (``torch.jit.is_scripting``).

    Code guarded by ``if not torch.jit.is_scripting():`` therefore takes its Python path, which
    is the one :func:`script` traces.

    Returns:
        False.

    Example:
        >>> import compat
        >>> compat.jit.is_scripting()
        False
    """
    return False


def ignore(drop: Any = False, **kwargs: Any) -> Any:
    """Mark a function to be left as a Python call (``torch.jit.ignore``): a no-op here.

    compat traces Python, so every function already runs as Python while tracing; its tensor
    operations are recorded into the program.

    Args:
        drop: The decorated function, or a flag (``@ignore(drop=True)``); ignored.
        **kwargs: Accepted for torch's signature; ignored.

    Returns:
        The function unchanged, or a decorator returning it unchanged.

    Example:
        >>> import compat
        >>> @compat.jit.ignore
        ... def helper(x):
        ...     return x
        >>> helper(3)
        3
    """
    if callable(drop):
        return drop
    return lambda fn: fn


def unused(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a method as unused by scripting (``torch.jit.unused``): a no-op here.

    Args:
        fn: The function.

    Returns:
        ``fn`` unchanged.

    Example:
        >>> import compat
        >>> compat.jit.unused(abs)(-2)
        2
    """
    return fn


@contextlib.contextmanager
def _tracing() -> Iterator[None]:
    global _tracing_depth
    _tracing_depth += 1
    try:
        yield
    finally:
        _tracing_depth -= 1


# -- modules and functions as pure functions of arrays ----------------------------------------


def _to_arrays(op: str, tree: Any) -> Any:
    """The outputs of a traced call as arrays; anything but tensors is refused, as in torch."""

    def leaf(x: Any) -> Any:
        if isinstance(x, Tensor):
            return x._value
        raise ExportError(
            f"{op}: only tensors and (nested) tuples, lists and dicts of tensors can be output "
            f"from traced functions, got {type(x).__name__}"
        )

    return jax.tree_util.tree_map(leaf, tree, is_leaf=lambda x: isinstance(x, Tensor))


def _input_arrays(op: str, tree: Any) -> Any:
    """Example inputs as arrays (the program's input specs come from their shapes)."""

    def leaf(x: Any) -> Any:
        if isinstance(x, Tensor):
            return x._value
        if isinstance(x, (jax.Array, np.ndarray, bool, int, float)):
            return x
        raise ArgumentTypeError(
            f"{op}: example inputs must be tensors or (nested) tuples, lists and dicts of "
            f"tensors, got {type(x).__name__}"
        )

    return jax.tree_util.tree_map(leaf, tree, is_leaf=lambda x: isinstance(x, Tensor))


def _module_pure(op: str, module: Module, nargs: int, kwarg_names: tuple[str, ...]) -> Any:
    """``module`` as ``pure(state, *inputs) -> (outputs, buffer updates)`` over arrays.

    The buffers the call changes in place (BatchNorm's running statistics in training mode)
    come back as the second output, by name, so that the traced module can store them.
    """
    buffers = {k for k, v in module.named_buffers() if v is not None}

    def pure(params: dict[str, Any], *inputs: Any) -> Any:
        args = _to_tensors(tuple(inputs[:nargs]))
        kwargs = _to_tensors(inputs[nargs]) if kwarg_names else {}
        state = {k: Tensor._wrap(v) for k, v in params.items()}
        with _tracing(), no_grad():
            out = functional_call(module, state, args, kwargs, tie_weights=True)
        updates = {k: state[k]._value for k in buffers if state[k]._value is not params[k]}
        return _to_arrays(op, out), updates

    pure.__name__ = type(module).__name__
    return pure


def _function_pure(op: str, fn: Callable[..., Any], nargs: int, kwarg_names: tuple[str, ...]):
    def pure(*inputs: Any) -> Any:
        args = _to_tensors(tuple(inputs[:nargs]))
        kwargs = _to_tensors(inputs[nargs]) if kwarg_names else {}
        with _tracing(), no_grad():
            out = fn(*args, **kwargs)
        return _to_arrays(op, out)

    pure.__name__ = getattr(fn, "__name__", "fn")
    return pure


def _state(module: Module) -> dict[str, Tensor]:
    """The module's parameters and buffers by name (tied duplicates once), sorted by name."""
    found = dict(module.named_parameters())
    found.update((k, v) for k, v in module.named_buffers() if v is not None)
    return dict(sorted(found.items()))


def _dynamic_specs(examples: list[Any]) -> list[Any] | None:
    """Specs with each leading dimension of size >= 2 made symbolic (equal sizes share a name).

    A leading size of 1 stays fixed: code often treats a size-1 dimension specially
    (broadcasting, squeezing), which a symbolic dimension could not reproduce.
    """
    names: dict[int, str] = {}
    any_symbolic = False

    def leaf(x: Any) -> Any:
        nonlocal any_symbolic
        shape = tuple(np.shape(x))
        dtype = np.dtype(x.dtype) if hasattr(x, "dtype") else None
        if dtype is None or not shape or shape[0] < 2:
            return x
        any_symbolic = True
        name = names.setdefault(shape[0], "batch" if not names else f"batch{len(names)}")
        return export.spec((name, *shape[1:]), dtype)

    specs = [jax.tree_util.tree_map(leaf, e) for e in examples]
    return specs if any_symbolic else None


def _export(
    op: str,
    pure: Callable[..., Any],
    examples: list[Any],
    params: dict[str, Any] | None,
    dynamic: bool,
) -> tuple[export.ScriptModule, str | None]:
    """Export ``pure``, with a symbolic batch size when it traces; else for the exact shapes."""
    note = None
    specs = _dynamic_specs(examples) if dynamic else None
    if specs is not None:
        try:
            return export.script(pure, *specs, params=params), None
        except Exception as exc:  # whatever the code raises for symbolic sizes: trace exactly
            text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            note = f"it could not be traced for any batch size ({text})"
    return export.trace(pure, *examples, params=params), note


# -- the module ------------------------------------------------------------------------------


class ScriptModule(Module):
    """A traced compat module (or function): a compiled program called like the original.

    Made by :func:`trace`, :func:`script` or :func:`load`. Its parameters and buffers are compat
    tensors under the original ``state_dict`` names (in the same process, the original
    module's own tensors, as torch's traced modules share them), so ``parameters()``,
    ``state_dict()``, ``load_state_dict()`` and optimizers work. A call runs the program as one
    autograd op: ``backward()`` reaches the parameters and inputs that require grad (first
    order; ``create_graph=True`` through it is not available).

    The program is fixed at trace time: the module's mode (``train()``/``eval()``), Python
    control flow and random draws (dropout masks) are those of the trace. Buffers the traced
    call changes in place (BatchNorm's running statistics, traced in training mode) are
    updated in place at each call, as in torch.

    Example:
        >>> import compat
        >>> lin = compat.nn.Linear(3, 2)
        >>> traced = compat.jit.trace(lin, compat.ones(4, 3))
        >>> traced(compat.ones(5, 3)).shape
        (5, 2)
        >>> sorted(traced.state_dict())
        ['bias', 'weight']
    """

    def __init__(self) -> None:
        super().__init__()
        object.__setattr__(self, "_program", None)
        object.__setattr__(self, "_source", None)
        object.__setattr__(self, "_names", ())
        object.__setattr__(self, "_slots", ())
        object.__setattr__(self, "_kwarg_names", ())
        object.__setattr__(self, "_nargs", 0)
        object.__setattr__(self, "_has_params", False)
        object.__setattr__(self, "_original_name", "")
        object.__setattr__(self, "_note", None)
        object.__setattr__(self, "_op", None)
        object.__setattr__(self, "_in_tree", None)

    # -- construction --------------------------------------------------------------------

    def _attach(self, state: Mapping[str, Tensor], persistent: set[str]) -> None:
        """Register ``state`` under its dotted names (intermediate modules made as needed)."""
        slots = []
        for name, tensor in state.items():
            *path, attr = name.split(".")
            owner: Module = self
            for part in path:
                child = owner._modules.get(part)
                if child is None:
                    child = Module()
                    owner.add_module(part, child)
                owner = child
            if isinstance(tensor, Parameter):
                owner.register_parameter(attr, tensor)
                slots.append((owner._parameters, attr))
            else:
                owner.register_buffer(attr, tensor, persistent=name in persistent)
                slots.append((owner._buffers, attr))
        object.__setattr__(self, "_names", tuple(state))
        object.__setattr__(self, "_slots", tuple(slots))

    def _set_program(self, program: export.ScriptModule, note: str | None = None) -> None:
        object.__setattr__(self, "_program", program)
        object.__setattr__(self, "_note", note)
        names, has_params = self._names, self._has_params
        in_tree = jax.tree_util.tree_structure(program.in_specs)
        object.__setattr__(self, "_in_tree", in_tree)

        def script_module(*flat: Any) -> Any:
            inputs = jax.tree_util.tree_unflatten(in_tree, flat[len(names) :])
            if not has_params:
                return program(*inputs)
            return program.apply(dict(zip(names, flat[: len(names)], strict=True)), *inputs)

        object.__setattr__(self, "_op", script_module)

    # -- calling ------------------------------------------------------------------------------

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Run the program on ``args`` (and the keyword inputs it was traced with).

        Args:
            *args: The inputs: tensors, or (nested) tuples, lists and dicts of tensors, with
                the shapes and dtypes the program accepts.
            **kwargs: The keyword inputs given as ``example_kwarg_inputs`` when tracing.

        Returns:
            The outputs as compat tensors, in the structure the original returned.

        Raises:
            ArgumentTypeError: For a wrong number or structure of inputs.
            ShapeError: For a shape the program does not accept.
            DTypeError: For a wrong dtype.
        """
        if self._program is None:
            if self._source is None:
                raise UnsupportedError(
                    "ScriptModule: compat cannot build a ScriptModule from a subclass or from "
                    "scratch; make one with compat.jit.trace, compat.jit.script or "
                    "compat.jit.load"
                )
            self._trace_first_call(args, kwargs)
        if sorted(kwargs) != sorted(self._kwarg_names):
            raise ArgumentTypeError(
                f"{self._display()}: expected keyword inputs {list(self._kwarg_names)}, got "
                f"{sorted(kwargs)}"
            )
        if len(args) != self._nargs:
            raise ArgumentTypeError(
                f"{self._display()}: expected {self._nargs} positional input(s), got {len(args)}"
            )
        inputs = (*args, dict(kwargs)) if self._kwarg_names else tuple(args)
        flat, tree = jax.tree_util.tree_flatten(inputs, is_leaf=lambda x: isinstance(x, Tensor))
        if tree != self._in_tree:
            raise ArgumentTypeError(
                f"{self._display()}: the inputs have the structure {tree}, the program was "
                f"traced for {self._in_tree}"
            )
        state = [registry[attr] for registry, attr in self._slots]
        try:
            result = _engine.apply(self._op, *state, *flat)
        except ShapeError as exc:
            if self._fixed_shapes():
                why = f": {self._note}" if self._note else ""
                raise ShapeError(
                    f"{exc.message} (the program was traced for fixed shapes{why}; trace it "
                    "again for these shapes, or use compat.jit.script(..., input_specs=...) "
                    "for symbolic sizes)"
                ) from exc
            raise
        if not self._has_params:
            return result
        out, updates = result
        if updates:
            with no_grad():
                for name, value in updates.items():
                    registry, attr = self._slots[self._names.index(name)]
                    registry[attr].copy_(value)
        return out

    def _fixed_shapes(self) -> bool:
        return not any(
            jax.export.is_symbolic_dim(d)
            for s in jax.tree_util.tree_leaves(self._program.in_specs)
            for d in s.shape
        )

    def _trace_first_call(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        source = self._source
        object.__setattr__(self, "_nargs", len(args))
        object.__setattr__(self, "_kwarg_names", tuple(sorted(kwargs)))
        program, note = _trace_program("script", source, args, kwargs, self._has_params)
        self._set_program(program, note)

    def _display(self) -> str:
        return f"ScriptModule({self._original_name})"

    # -- inspection ---------------------------------------------------------------------------

    def _require_program(self, what: str) -> export.ScriptModule:
        if self._program is None:
            raise ExportError(
                f"{self._display()}.{what}: not traced yet; script(obj) without example_inputs "
                "or input_specs is traced at its first call: call it once, or pass "
                "example_inputs"
            )
        return self._program

    @property
    def graph(self) -> str:
        """The program as StableHLO text (torch shows its TorchScript IR graph here)."""
        return self._require_program("graph").graph

    @property
    def inlined_graph(self) -> str:
        """The same text as :attr:`graph` (StableHLO calls are already inlined)."""
        return self.graph

    @property
    def code(self) -> str:
        """The program as StableHLO text (torch shows TorchScript source here)."""
        return self._require_program("code").code

    @property
    def original_name(self) -> str:
        """The traced module's class name (or the function's name)."""
        return self._original_name

    @property
    def program(self) -> export.ScriptModule:
        """The underlying :class:`rustorch_fx.export.ScriptModule`.

        Its stored parameters are those of trace time; this module passes its current ones at
        each call. For a module it returns ``(outputs, buffer updates)``.
        """
        return self._require_program("program")

    def extra_repr(self) -> str:
        """``original_name`` and the input specs."""
        if self._program is None:
            return f"original_name={self._original_name}, not traced yet"
        ins = ", ".join(
            f"{np.dtype(s.dtype).name}[{', '.join(str(d) for d in s.shape)}]"
            for s in jax.tree_util.tree_leaves(self._program.in_specs)
        )
        return f"original_name={self._original_name}, inputs=[{ins}]"

    def _get_name(self) -> str:
        return type(self).__name__

    # -- saving ---------------------------------------------------------------------------

    def save(self, f: str | os.PathLike[str] | IO[bytes], **kwargs: Any) -> None:
        """Write the program with the current parameters and buffers (``torch.jit.save``).

        Args:
            f: A path (written atomically) or a binary file object.
            **kwargs: ``_extra_files``: a dict of file name to str or bytes stored alongside.

        Raises:
            ExportError: If the module was never traced.
            SerializationError: If the file cannot be written.

        Example:
            >>> import compat
            >>> traced = compat.jit.trace(compat.nn.Linear(2, 2), compat.ones(1, 2))
            >>> traced.save("/tmp/lin.pt")  # doctest: +SKIP
        """
        extra = kwargs.pop("_extra_files", None)
        if kwargs:
            raise ArgumentTypeError(f"ScriptModule.save: unexpected arguments {sorted(kwargs)}")
        program = self._require_program("save")
        meta = {
            "version": _META_VERSION,
            "kind": "function" if isinstance(self, ScriptFunction) else "module",
            "original_name": self._original_name,
            "names": list(self._names),
            "parameters": [
                n
                for n, (reg, a) in zip(self._names, self._slots, strict=True)
                if isinstance(reg[a], Parameter)
            ],
            "requires_grad": [
                n
                for n, (reg, a) in zip(self._names, self._slots, strict=True)
                if reg[a].requires_grad
            ],
            "non_persistent": [
                n
                for n, (reg, a) in zip(self._names, self._slots, strict=True)
                if not isinstance(reg[a], Parameter) and not _persistent(self, n)
            ],
            "training": self.training,
            "nargs": self._nargs,
            "kwarg_names": list(self._kwarg_names),
            "extra_files": _encode_extra(extra),
        }
        out = copy.copy(program)
        if self._has_params:
            out.params = {
                n: reg[a]._value for n, (reg, a) in zip(self._names, self._slots, strict=True)
            }
        metadata = {_META_KEY: json.dumps(meta)}
        try:
            out.save(f, metadata=metadata)
        except ExportError as exc:
            if "derivative" not in exc.message:
                raise
            warnings.warn(
                f"{self._display()}.save: {exc.message.removeprefix('ScriptModule.save: ')}; "
                "saving the forward program only (backward through the loaded module raises)",
                UserWarning,
                stacklevel=2,
            )
            out.save(f, vjp_order=0, metadata=metadata)


class ScriptFunction(ScriptModule):
    """A traced function (``torch.jit.ScriptFunction``): a :class:`ScriptModule` without state.

    Example:
        >>> import compat
        >>> f = compat.jit.trace(lambda x: x * 2, compat.ones(3))
        >>> f(compat.ones(3)).tolist()
        [2.0, 2.0, 2.0]
    """


def _persistent(module: ScriptModule, name: str) -> bool:
    *path, attr = name.split(".")
    owner = module.get_submodule(".".join(path)) if path else module
    return attr not in owner._non_persistent_buffers_set


def _encode_extra(extra: Any) -> dict[str, str]:
    if extra is None:
        return {}
    if not isinstance(extra, Mapping):
        raise ArgumentTypeError("save: _extra_files must be a dict of file name to str or bytes")
    out = {}
    for k, v in extra.items():
        if isinstance(v, str):
            v = v.encode("utf-8")
        if not isinstance(k, str) or not isinstance(v, (bytes, bytearray)):
            raise ArgumentTypeError(
                "save: _extra_files must be a dict of file name to str or bytes"
            )
        out[k] = base64.b64encode(bytes(v)).decode("ascii")
    return out


# -- trace ------------------------------------------------------------------------------------


def _as_args(op: str, example_inputs: Any) -> tuple[Any, ...]:
    if example_inputs is None:
        return ()
    if isinstance(example_inputs, Tensor):
        return (example_inputs,)
    if isinstance(example_inputs, (tuple, list)):
        return tuple(example_inputs)
    raise ArgumentTypeError(
        f"{op}: example_inputs must be a tensor or a tuple of tensors, got "
        f"{type(example_inputs).__name__}"
    )


def _trace_program(
    op: str,
    source: Any,
    args: tuple[Any, ...],
    kwargs: Mapping[str, Any],
    is_module: bool,
    specs: Sequence[Any] | None = None,
    dynamic: bool = True,
) -> tuple[export.ScriptModule, str | None]:
    kwarg_names = tuple(sorted(kwargs))
    nargs = len(args) if specs is None else len(specs)
    if is_module:
        pure = _module_pure(op, source, nargs, kwarg_names)
        params = {k: v._value for k, v in _state(source).items()}
    else:
        pure = _function_pure(op, source, nargs, kwarg_names)
        params = None
    if specs is not None:
        return export.script(pure, *specs, params=params), None
    examples = [_input_arrays(op, a) for a in args]
    if kwarg_names:
        examples.append({k: _input_arrays(op, kwargs[k]) for k in kwarg_names})
    return _export(op, pure, examples, params, dynamic=dynamic)


def _new(source: Any, nargs: int, kwarg_names: tuple[str, ...]) -> ScriptModule:
    is_module = isinstance(source, Module)
    m = ScriptModule() if is_module else ScriptFunction()
    if is_module:
        persistent = {k for k, _ in source.state_dict(keep_vars=True).items()}
        m._attach(_state(source), persistent)
        m.train(source.training)
        name = type(source).__name__
    else:
        name = getattr(source, "__name__", type(source).__name__)
    object.__setattr__(m, "_has_params", is_module)
    object.__setattr__(m, "_original_name", name)
    object.__setattr__(m, "_nargs", nargs)
    object.__setattr__(m, "_kwarg_names", kwarg_names)
    object.__setattr__(m, "_source", source)
    return m


def _check_source(op: str, obj: Any) -> None:
    if isinstance(obj, type):
        raise UnsupportedError(
            f"{op}: compat cannot compile the class {obj.__name__}; trace an instance with "
            "compat.jit.trace(instance, example_inputs) instead"
        )
    if not callable(obj):
        raise ArgumentTypeError(
            f"{op}: expected a compat nn.Module or a function, got {type(obj).__name__}"
        )


def trace(
    func: Any,
    example_inputs: Any = None,
    optimize: Any = None,
    check_trace: bool = True,
    check_inputs: Sequence[Any] | None = None,
    check_tolerance: float = 1e-5,
    strict: bool = True,
    _force_outplace: bool = False,
    _module_class: Any = None,
    _compilation_unit: Any = None,
    example_kwarg_inputs: Mapping[str, Any] | None = None,
    _store_inputs: bool = True,
) -> ScriptModule:
    """Trace a compat module or function into a compiled program (``torch.jit.trace``).

    The module runs once on ``example_inputs`` with its parameters and buffers as inputs of
    the trace, and the recorded program is exported as StableHLO (for CPU and CUDA). Where the
    code allows it, the leading dimension of each input of size >= 2 is made symbolic, so the
    result accepts any batch size (inputs with the same example size share it); otherwise the
    program accepts the example shapes only. As in torch, Python control flow and size
    arithmetic are fixed by the example.

    Args:
        func: A compat ``nn.Module`` or a function of compat tensors.
        example_inputs: A tensor or a tuple of positional inputs (tensors or nested tuples,
            lists and dicts of tensors).
        optimize: Deprecated in torch; ignored.
        check_trace: Run the traced program and the original on the example inputs (and
            ``check_inputs``) and compare the results.
        check_inputs: More input tuples to check with (shapes the program accepts).
        check_tolerance: ``rtol`` and ``atol`` of that comparison.
        strict: As in torch, refuse list and dict outputs (their structure is fixed by the
            trace); pass False to allow them.
        _force_outplace: Ignored.
        _module_class: Ignored.
        _compilation_unit: Ignored.
        example_kwarg_inputs: Keyword example inputs (a dict), instead of or with
            ``example_inputs``; the traced module then takes these keywords.
        _store_inputs: Ignored.

    Returns:
        A :class:`ScriptModule` for a module, a :class:`ScriptFunction` for a function.

    Raises:
        ArgumentTypeError: For a bad ``func`` or bad example inputs.
        UnsupportedError: For a class instead of an instance.
        TracingError: If the code needs concrete values, or ``strict`` refuses the output.
        TracingCheckError: If ``check_trace`` finds different results.
        ExportError: If the program cannot be exported.

    Example:
        >>> import compat
        >>> f = compat.jit.trace(lambda x, y: x @ y, (compat.ones(2, 3), compat.ones(3, 4)))
        >>> f(compat.ones(2, 3), compat.ones(3, 4)).shape
        (2, 4)
    """
    op = "jit.trace"
    if isinstance(func, ScriptModule):
        return func
    _check_source(op, func)
    args = _as_args(op, example_inputs)
    kwargs = dict(example_kwarg_inputs or {})
    if not args and not kwargs:
        raise ArgumentTypeError(f"{op}: example_inputs (or example_kwarg_inputs) must be given")
    m = _new(func, len(args), tuple(sorted(kwargs)))
    program, note = _trace_program(op, func, args, kwargs, isinstance(func, Module))
    if strict:
        _check_strict(op, program.out_specs[0] if isinstance(func, Module) else program.out_specs)
    m._set_program(program, note)
    if check_trace:
        checks = [(args, kwargs)] + [(_as_args(op, c), kwargs) for c in check_inputs or ()]
        try:
            for i, (a, k) in enumerate(checks):
                _check_against_eager(op, func, m, a, k, check_tolerance, i)
        except TracingCheckError:
            if m._fixed_shapes():
                raise
            # Python code comparing a size with the example's (``x.size(0) == 4``) sees a
            # symbolic size as different: trace again for the exact shapes, as torch would.
            program, _ = _trace_program(
                op, func, args, kwargs, isinstance(func, Module), dynamic=False
            )
            m._set_program(program, "its any-batch program differs from the Python function")
            for i, (a, k) in enumerate(checks):
                _check_against_eager(op, func, m, a, k, check_tolerance, i)
    return m


def _check_strict(op: str, specs: Any) -> None:
    containers = (list, dict)
    found = []

    def visit(x: Any) -> None:
        if isinstance(x, containers):
            found.append(type(x).__name__)
        if isinstance(x, (list, tuple)):
            for v in x:
                visit(v)
        elif isinstance(x, dict):
            for v in x.values():
                visit(v)

    visit(specs)
    if found:
        raise TracingError(
            f"{op}: encountering a {found[0]} at the output of the tracer might cause the trace "
            "to be incorrect (its structure is fixed by the example); pass strict=False if "
            "that is intended, or return a tuple"
        )


def _check_against_eager(
    op: str,
    func: Any,
    traced: ScriptModule,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    tol: float,
    index: int,
) -> None:
    buffers = list(traced.buffers())
    saved = [b._value for b in buffers]
    with no_grad():
        expected = func(*args, **kwargs)
        got = traced(*args, **kwargs)
        for b, value in zip(buffers, saved, strict=True):  # the check leaves no trace
            b.copy_(Tensor._wrap(value))
    is_t = lambda x: isinstance(x, Tensor)  # noqa: E731
    e_leaves, e_tree = jax.tree_util.tree_flatten(expected, is_leaf=is_t)
    g_leaves, g_tree = jax.tree_util.tree_flatten(got, is_leaf=is_t)
    where = "the example inputs" if index == 0 else f"check_inputs[{index - 1}]"
    if e_tree != g_tree:
        raise TracingCheckError(
            f"{op}: on {where} the traced output has the structure {g_tree}, the Python "
            f"function returns {e_tree}"
        )
    for k, (e, g) in enumerate(zip(e_leaves, g_leaves, strict=True)):
        ev = np.asarray(e._value) if isinstance(e, Tensor) else np.asarray(e)
        gv = np.asarray(g._value)
        if ev.shape != gv.shape or not np.allclose(gv, ev, rtol=tol, atol=tol, equal_nan=True):
            diff = (
                float(np.max(np.abs(gv.astype(np.float64) - ev.astype(np.float64))))
                if ev.shape == gv.shape and ev.size
                else None
            )
            raise TracingCheckError(
                f"{op}: on {where}, output {k} of the traced function does not match the "
                f"Python function (shapes {gv.shape} vs {ev.shape}, max abs difference {diff}, "
                f"tolerance {tol}); the trace may depend on randomness (dropout in training "
                "mode) or on Python control flow"
            )


# -- script -----------------------------------------------------------------------------------


def script(
    obj: Any,
    optimize: Any = None,
    _frames_up: int = 0,
    _rcb: Any = None,
    example_inputs: Any = None,
    *,
    input_specs: Sequence[Any] | None = None,
) -> ScriptModule:
    """``torch.jit.script``, by tracing: compat cannot compile Python source.

    * With ``input_specs`` (one per positional input: a shape string such as ``"b, 3"``, a
      :func:`rustorch_fx.export.spec` or a ``jax.ShapeDtypeStruct``), the module is exported
      with those symbolic dimensions: one program for every shape the specs allow.
    * With ``example_inputs`` (torch's list of input tuples), it is :func:`trace` d with the
      first tuple and checked against the others.
    * With neither, the returned module is traced at its first call, with that call's inputs
      (any batch size afterwards where the code allows it, see :func:`trace`).

    Data-dependent Python control flow (``if x.sum() > 0``) cannot be captured and raises
    :class:`~rustorch_fx.errors.TracingError`; size-dependent control flow is fixed by the
    example, as with ``torch.jit.trace``.

    Args:
        obj: A compat ``nn.Module`` or a function (a ScriptModule is returned as is).
        optimize: Ignored (deprecated in torch).
        _frames_up: Ignored.
        _rcb: Ignored.
        example_inputs: A list of input tuples (or one tuple).
        input_specs: Symbolic input specs (see above).

    Returns:
        A :class:`ScriptModule` (a :class:`ScriptFunction` for a function).

    Raises:
        UnsupportedError: For a class (compat cannot compile classes).
        ArgumentTypeError: For an object that is neither a module nor callable.
        ExportError: If the code cannot be exported for ``input_specs``.

    Example:
        >>> import compat
        >>> m = compat.jit.script(compat.nn.Linear(3, 2), input_specs=["b, 3"])
        >>> [m(compat.ones(n, 3)).shape[0] for n in (1, 7)]
        [1, 7]
    """
    op = "jit.script"
    if isinstance(obj, ScriptModule):
        return obj
    _check_source(op, obj)
    if input_specs is not None and example_inputs is not None:
        raise InvalidArgumentError(f"{op}: pass either example_inputs or input_specs, not both")
    if example_inputs is not None:
        if isinstance(example_inputs, (tuple, Tensor)):
            example_inputs = [example_inputs]
        if not isinstance(example_inputs, list) or not example_inputs:
            raise ArgumentTypeError(f"{op}: example_inputs must be a non-empty list of tuples")
        first, *rest = example_inputs
        return trace(obj, first, check_inputs=rest or None)
    if input_specs is None:
        return _new(obj, 0, ())
    if isinstance(input_specs, (str, jax.ShapeDtypeStruct)):
        input_specs = [input_specs]
    specs = [export.spec(s) if isinstance(s, str) else s for s in input_specs]
    m = _new(obj, len(specs), ())
    program, _ = _trace_program(op, obj, (), {}, isinstance(obj, Module), specs)
    m._set_program(program)
    return m


# -- freezing -----------------------------------------------------------------------------------


def freeze(
    mod: ScriptModule, preserved_attrs: Sequence[str] | None = None, optimize_numerics: bool = True
) -> ScriptModule:
    """A copy of a traced module whose parameters are constants (``torch.jit.freeze``).

    The frozen module computes the same outputs with a snapshot of the parameters and buffers,
    which are no longer parameters: ``parameters()`` and ``state_dict()`` are empty and later
    changes to the original do not reach it.

    Args:
        mod: A :class:`ScriptModule` in eval mode.
        preserved_attrs: Accepted for torch's signature; ignored (nothing else is kept).
        optimize_numerics: Accepted for torch's signature; ignored (XLA optimizes the program).

    Returns:
        The frozen :class:`ScriptModule`.

    Raises:
        ExportError: If ``mod`` is not a ScriptModule, or is in training mode.

    Example:
        >>> import compat
        >>> traced = compat.jit.trace(compat.nn.Linear(2, 2).eval(), compat.ones(1, 2))
        >>> frozen = compat.jit.freeze(traced)
        >>> list(frozen.parameters()), frozen(compat.ones(1, 2)).shape
        ([], (1, 2))
    """
    if not isinstance(mod, ScriptModule):
        raise ExportError(
            "jit.freeze: freezing expects a ScriptModule as input; use compat.jit.script or "
            f"compat.jit.trace to script your {type(mod).__name__!r}"
        )
    if mod.training:
        raise ExportError(
            "jit.freeze: freezing is only implemented for modules in eval mode; call .eval() on "
            "your module before freezing"
        )
    program = mod._require_program("freeze")
    frozen = ScriptModule() if type(mod) is ScriptModule else type(mod)()
    state = {
        n: Tensor._wrap(registry[attr]._value)
        for n, (registry, attr) in zip(mod._names, mod._slots, strict=True)
    }
    frozen._attach(state, persistent=set())
    frozen.train(False)
    for name in ("_has_params", "_original_name", "_nargs", "_kwarg_names"):
        object.__setattr__(frozen, name, getattr(mod, name))
    frozen._set_program(program, mod._note)
    return frozen


def optimize_for_inference(mod: ScriptModule, other_methods: Any = None) -> ScriptModule:
    """Put ``mod`` in eval mode and freeze it (``torch.jit.optimize_for_inference``).

    Args:
        mod: A :class:`ScriptModule` (traced in the mode it should run in).
        other_methods: Accepted for torch's signature; ignored.

    Returns:
        The frozen module (see :func:`freeze`).

    Raises:
        ExportError: If ``mod`` is not a ScriptModule.

    Example:
        >>> import compat
        >>> traced = compat.jit.trace(compat.nn.ReLU(), compat.ones(2))
        >>> compat.jit.optimize_for_inference(traced)(-compat.ones(2)).tolist()
        [0.0, 0.0]
    """
    if not isinstance(mod, ScriptModule):
        raise ExportError(
            "jit.optimize_for_inference: expects a ScriptModule as input; use "
            f"compat.jit.script or compat.jit.trace to script your {type(mod).__name__!r}"
        )
    return freeze(mod.eval())


# -- save and load ----------------------------------------------------------------------------


def save(m: Any, f: str | os.PathLike[str] | IO[bytes], _extra_files: Any = None) -> None:
    """Save a :class:`ScriptModule` to a file (``torch.jit.save``).

    The file holds the StableHLO program and the current parameters and buffers;
    :func:`load` needs nothing else (no model code).

    Args:
        m: The module from :func:`trace` or :func:`script`.
        f: A path (written atomically) or a binary file object.
        _extra_files: Optional dict of name to str or bytes saved with it.

    Raises:
        ArgumentTypeError: If ``m`` is not a ScriptModule.
        ExportError: If it was never traced.
        SerializationError: If the file cannot be written.

    Example:
        >>> import compat
        >>> m = compat.jit.trace(compat.nn.ReLU(), compat.ones(2))
        >>> compat.jit.save(m, "/tmp/relu.pt")  # doctest: +SKIP
    """
    if not isinstance(m, ScriptModule):
        raise ArgumentTypeError(
            f"jit.save: expected a ScriptModule (from compat.jit.trace or script), got "
            f"{type(m).__name__}; use compat.save for a module's state_dict"
        )
    m.save(f, _extra_files=_extra_files)


def load(
    f: str | os.PathLike[str] | IO[bytes],
    map_location: Any = None,
    _extra_files: dict[str, Any] | None = None,
) -> ScriptModule:
    """Load a module saved by :func:`save` (``torch.jit.load``); no model code is needed.

    Args:
        f: A path or a binary file object.
        map_location: A device (``"cpu"``, ``"cuda:0"``, a device object) to place the
            parameters on; None keeps JAX's default device.
        _extra_files: A dict whose keys name extra files to read back; their contents
            (bytes) are filled in, as in torch.

    Returns:
        The :class:`ScriptModule` (or :class:`ScriptFunction`), with parameters that require
        grad as they did when saved.

    Raises:
        SerializationError: If the file is missing, damaged or not a compat.jit file.
        ExportError: For a newer format or a program for other platforms.
        DeviceError: For an unavailable ``map_location``.

    Example:
        >>> import compat
        >>> m = compat.jit.load("/tmp/relu.pt")  # doctest: +SKIP
    """
    device = None if map_location is None else _to_jax_device(map_location, "jit.load")
    program = export.load(f)
    meta = _read_meta(program)
    names = meta["names"]
    if program.params is not None and sorted(program.params) != sorted(names):
        raise SerializationError("jit.load: the saved parameter names do not match the program")
    is_module = meta["kind"] == "module"
    m = ScriptModule() if is_module else ScriptFunction()
    if is_module:
        params = set(meta["parameters"])
        grads = set(meta["requires_grad"])
        state: dict[str, Tensor] = {}
        for n in names:
            value = program.params[n]
            if device is not None:
                value = jax.device_put(value, device)
            t = Tensor._wrap(value)
            state[n] = Parameter(t, requires_grad=n in grads) if n in params else t
        persistent = set(names) - set(meta["non_persistent"])
        m._attach(state, persistent)
        m.train(bool(meta["training"]))
    object.__setattr__(m, "_has_params", is_module)
    object.__setattr__(m, "_original_name", str(meta["original_name"]))
    object.__setattr__(m, "_nargs", int(meta["nargs"]))
    object.__setattr__(m, "_kwarg_names", tuple(meta["kwarg_names"]))
    m._set_program(program)
    if _extra_files is not None:
        saved = meta["extra_files"]
        for k in list(_extra_files):
            if k in saved:
                _extra_files[k] = base64.b64decode(saved[k])
    return m


def _read_meta(program: export.ScriptModule) -> dict[str, Any]:
    text = program.metadata.get(_META_KEY)
    if text is None:
        raise SerializationError(
            "jit.load: the file is a rustorch_fx.export program, not a compat.jit module; load "
            "it with rustorch_fx.export.load"
        )
    try:
        meta = json.loads(text)
        if meta["version"] > _META_VERSION:
            raise ExportError(
                f"jit.load: the file has compat.jit format {meta['version']}, this compat reads "
                f"up to {_META_VERSION}"
            )
        for key, kind in (
            ("names", list),
            ("parameters", list),
            ("requires_grad", list),
            ("non_persistent", list),
            ("kwarg_names", list),
            ("extra_files", dict),
            ("kind", str),
        ):
            if not isinstance(meta[key], kind):
                raise TypeError(key)
        meta["nargs"] = int(meta["nargs"])
    except RusTorchError:
        raise
    except (ValueError, TypeError, KeyError) as exc:
        raise SerializationError(f"jit.load: the compat.jit metadata is damaged ({exc})") from exc
    return meta
