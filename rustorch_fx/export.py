"""Export: capture a function as portable StableHLO, save it, and run it with no Python source.

:func:`trace` captures ``fn`` for the shapes and dtypes of example arguments; :func:`script`
captures it for *specs* whose dimensions may be symbolic (``spec("b, 3")``: any batch size), so
one artifact serves every shape the spec allows. Both return a :class:`ScriptModule`: a callable
holding the program (a ``jax.export.Exported``, lowered for CPU and CUDA at once) and, with
``params=``, the parameters it closes over. :meth:`ScriptModule.save` writes one file and
:func:`load` rebuilds the module from that file alone, in any process, without the code that
defined the model.

The file is a zip archive: ``manifest.json`` (format version, platforms, parameter names, a
SHA-256 per member), ``program.jaxexport`` (JAX's serialized ``Exported``, with its first-order
vjp) and ``params.safetensors``.

Example:
    >>> import jax.numpy as jnp
    >>> from rustorch_fx import export
    >>> m = export.script(lambda x: jnp.tanh(x) * 2, export.spec("b, 3"))
    >>> m(jnp.zeros((5, 3))).shape
    (5, 3)
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from collections.abc import Callable, Mapping, Sequence
from typing import IO, Any

import jax
import jax.numpy as jnp
import numpy as np

from rustorch_fx import _boundary, _checks
from rustorch_fx.errors import (
    ArgumentTypeError,
    AutogradError,
    DTypeError,
    ExportError,
    InvalidArgumentError,
    RusTorchError,
    SerializationError,
    ShapeError,
    UnsupportedError,
)
from rustorch_fx.serialization import atomic_write

__all__ = ["ScriptModule", "load", "script", "spec", "trace"]

#: The archive format this module writes; :func:`load` reads versions up to this one.
FORMAT = "rustorch_fx.export"
FORMAT_VERSION = 1

_PROGRAM = "program.jaxexport"
_PARAMS = "params.safetensors"
_MANIFEST = "manifest.json"
_PLATFORMS = ("cpu", "cuda", "rocm", "tpu")


def spec(
    shape: str | Sequence[int | str], dtype: Any = jnp.float32
) -> jax.ShapeDtypeStruct | _Spec:
    """Describe one input of :func:`script`: a shape whose dimensions may be symbolic.

    Args:
        shape: The dimensions, as a string (``"b, 3"``, ``"b, 2*b"``) or a sequence of ints and
            names (``("b", 3)``). Names are symbolic dimensions (each at least 1); the same name
            in several specs of one :func:`script` call is the same size.
        dtype: The input's dtype (default float32).

    Returns:
        A spec for :func:`script`. A shape with no name is returned as a plain
        ``jax.ShapeDtypeStruct``.

    Raises:
        ArgumentTypeError: If ``shape`` is neither a string nor a sequence of ints and strings.
        InvalidArgumentError: If the shape string cannot be parsed.

    Example:
        >>> from rustorch_fx import export
        >>> export.spec("b, 3")
        spec('b, 3', float32)
    """
    if not isinstance(shape, str):
        if not isinstance(shape, (list, tuple)) or not all(
            isinstance(d, str) or _checks.is_int(d) for d in shape
        ):
            raise ArgumentTypeError(
                f"spec: shape must be a string such as 'b, 3' or a sequence of ints and "
                f"names, got {shape!r}"
            )
        shape = ", ".join(str(d) for d in shape)
    try:
        parsed = jax.export.symbolic_shape(shape)
    except (ValueError, TypeError) as exc:
        raise InvalidArgumentError(f"spec: cannot parse the shape {shape!r}: {exc}") from exc
    dtype = np.dtype(dtype)
    if not any(jax.export.is_symbolic_dim(d) for d in parsed):
        return jax.ShapeDtypeStruct(tuple(int(d) for d in parsed), dtype)
    return _Spec(shape, dtype)


class _Spec:
    """A symbolic shape and a dtype, made concrete by :func:`script` in one shared scope."""

    __slots__ = ("dtype", "shape")

    def __init__(self, shape: str, dtype: np.dtype) -> None:
        self.shape = shape
        self.dtype = dtype

    def __repr__(self) -> str:
        return f"spec({self.shape!r}, {self.dtype.name})"


# -- the module ------------------------------------------------------------------------------


class ScriptModule:
    """An exported program (StableHLO) and its parameters, called like the function it came from.

    Made by :func:`trace`, :func:`script` or :func:`load`, not directly. Calling it checks the
    inputs against :attr:`in_specs` and runs the compiled program. It composes with ``jax.jit``
    and with reverse-mode differentiation (``jax.grad``, ``jax.vjp``: the program carries its
    vjp, to the order given to :meth:`save`); ``jax.jvp``, ``jax.hessian`` and ``jax.vmap``
    raise :class:`~rustorch_fx.errors.UnsupportedError` (JAX's export does not provide them;
    script with a symbolic batch dimension instead of vmapping).

    Args:
        exported: The program, from ``jax.export``; its first argument is the parameter
            pytree when ``has_params``.
        params: The parameter pytree to call it with.
        has_params: Whether the program takes ``params`` before the inputs.
        metadata: String key-value pairs kept with the module and written by :meth:`save`.

    Attributes:
        params: The parameter pytree the program is called with (None without parameters).
        metadata: String key-value pairs saved with the module (empty unless given to
            :meth:`save`).

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import export
        >>> m = export.trace(lambda p, x: x @ p["w"], jnp.ones((2, 3)), params={"w": jnp.ones((3, 4))})
        >>> m(jnp.ones((2, 3))).shape
        (2, 4)
        >>> m.in_specs
        (ShapeDtypeStruct(shape=(2, 3), dtype=float32),)
    """

    def __init__(
        self,
        exported: jax.export.Exported,
        params: Any = None,
        *,
        has_params: bool,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        self._exported = exported
        self._has_params = has_params
        self.params = params
        self.metadata: dict[str, str] = dict(metadata or {})
        specs = [jax.ShapeDtypeStruct(a.shape, a.dtype) for a in exported.in_avals]
        args, _ = jax.tree_util.tree_unflatten(exported.in_tree, specs)
        self._params_specs = args[0] if has_params else None
        self._in_specs = tuple(args[1:]) if has_params else tuple(args)
        self._in_leaves, self._in_treedef = jax.tree_util.tree_flatten_with_path(self._in_specs)
        outs = [jax.ShapeDtypeStruct(a.shape, a.dtype) for a in exported.out_avals]
        self._out_specs = jax.tree_util.tree_unflatten(exported.out_tree, outs)
        call = exported.call if exported.has_vjp() else _without_vjp(exported)
        self._jitted = jax.jit(call)
        self.__name__ = exported.fun_name

    @property
    def name(self) -> str:
        """The exported function's name."""
        return self._exported.fun_name

    @property
    def exported(self) -> jax.export.Exported:
        """The underlying ``jax.export.Exported`` program."""
        return self._exported

    @property
    def in_specs(self) -> tuple[Any, ...]:
        """The inputs the module accepts, one ``jax.ShapeDtypeStruct`` pytree per argument.

        Symbolic dimensions appear as JAX's symbolic dimension objects (``b``).
        """
        return self._in_specs

    @property
    def out_specs(self) -> Any:
        """The output pytree of ``jax.ShapeDtypeStruct``."""
        return self._out_specs

    @property
    def platforms(self) -> tuple[str, ...]:
        """The platforms the program was lowered for, such as ``("cpu", "cuda")``."""
        return tuple(self._exported.platforms)

    @property
    def graph(self) -> str:
        """The program as StableHLO (MLIR) text: what runs, operation by operation."""
        return self._exported.mlir_module()

    @property
    def code(self) -> str:
        """The same StableHLO text as :attr:`graph` (torch's ``ScriptModule.code``)."""
        return self.graph

    def __repr__(self) -> str:
        ins = ", ".join(_spec_str(s) for s in jax.tree_util.tree_leaves(self._in_specs))
        return (
            f"ScriptModule({self.name}, inputs=[{ins}], params={self._has_params}, "
            f"platforms={self.platforms})"
        )

    def __str__(self) -> str:
        return f"// {self!r}\n{self.graph}"

    def __call__(self, *args: Any) -> Any:
        """Run the program on ``args`` with the stored parameters.

        Args:
            *args: The inputs, pytrees of arrays matching :attr:`in_specs` (Python numbers are
                accepted where a 0-d input is expected).

        Returns:
            The output pytree.

        Raises:
            ArgumentTypeError: For a wrong number or structure of inputs, or a non-array leaf.
            ShapeError: For a shape the program (or its spec) does not allow.
            DTypeError: For an input of the wrong dtype.
        """
        if self._has_params:
            return self.apply(self.params, *args)
        leaves = self._check_inputs(args)
        return self._run(leaves)

    def apply(self, params: Any, *args: Any) -> Any:
        """Run the program with ``params`` in place of the stored parameters (a pure function).

        ``jax.grad(lambda p: loss(m.apply(p, x)))(m.params)`` differentiates with respect to
        the parameters.

        Args:
            params: A pytree with the structure, shapes and dtypes of :attr:`params`.
            *args: The inputs, as for :meth:`__call__`.

        Returns:
            The output pytree.

        Raises:
            ArgumentTypeError: On a module exported without parameters, or for bad inputs.
            ShapeError: For a shape the program does not allow.
            DTypeError: For an input or parameter of the wrong dtype.
        """
        if not self._has_params:
            raise ArgumentTypeError(
                f"ScriptModule({self.name}).apply: the module was exported without params; "
                "call it with the inputs only"
            )
        p_leaves = self._check_params(params)
        leaves = self._check_inputs(args)
        return self._run(p_leaves + leaves)

    def _run(self, leaves: list[Any]) -> Any:
        args = jax.tree_util.tree_unflatten(self._exported.in_tree, leaves)[0]
        try:
            return self._jitted(*args)
        except RusTorchError:
            raise
        except ValueError as exc:
            text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            # a symbolic relation the pre-checks could not decide
            raise ShapeError(
                f"ScriptModule({self.name}): the inputs do not fit the exported specs "
                f"{self._describe_specs()}: {text}"
            ) from exc
        except (TypeError, NotImplementedError) as exc:
            text = str(exc).splitlines()[0].rstrip(".") if str(exc) else type(exc).__name__
            if "jvp" in text or "Batching" in text:
                raise UnsupportedError(
                    f"ScriptModule({self.name}): {text}; exported programs support jax.jit and "
                    "reverse mode (jax.grad, jax.vjp, to the vjp_order saved) only, not jax.jvp, "
                    "jacfwd, hessian or jax.vmap (script with a symbolic batch dimension instead)"
                ) from exc
            raise

    def _describe_specs(self) -> str:
        return (
            "[" + ", ".join(_spec_str(s) for s in jax.tree_util.tree_leaves(self._in_specs)) + "]"
        )

    def _check_params(self, params: Any) -> list[Any]:
        leaves, treedef = jax.tree_util.tree_flatten(params)
        expected = jax.tree_util.tree_structure(self._params_specs)
        if treedef != expected:
            raise ArgumentTypeError(
                f"ScriptModule({self.name}).apply: params have the structure {treedef}, "
                f"expected {expected}"
            )
        specs = jax.tree_util.tree_flatten_with_path(self._params_specs)[0]
        return [
            _check_leaf(self.name, f"params{jax.tree_util.keystr(path)}", leaf, s, {})
            for leaf, (path, s) in zip(leaves, specs, strict=True)
        ]

    def _check_inputs(self, args: tuple[Any, ...]) -> list[Any]:
        n = len(self._in_specs)
        if len(args) != n:
            raise ArgumentTypeError(
                f"ScriptModule({self.name}): expected {n} input(s) {self._describe_specs()}, "
                f"got {len(args)}"
            )
        leaves, treedef = jax.tree_util.tree_flatten(tuple(args))
        if treedef != self._in_treedef:
            raise ArgumentTypeError(
                f"ScriptModule({self.name}): the inputs have the structure {treedef}, the "
                f"module was exported for {self._in_treedef}"
            )
        env: dict[str, int] = {}
        return [
            _check_leaf(self.name, _input_name(path), leaf, s, env)
            for leaf, (path, s) in zip(leaves, self._in_leaves, strict=True)
        ]

    def save(
        self,
        path: str | os.PathLike[str] | IO[bytes],
        *,
        vjp_order: int = 1,
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        """Write the program and its parameters to one file, atomically.

        Args:
            path: A file path (written through a temporary file renamed into place, so a crash
                leaves any previous file whole) or a binary file object.
            vjp_order: How many orders of reverse-mode derivative to store with the program
                (``jax.export``'s ``vjp_order``): 1 lets ``jax.grad`` run through the loaded
                module, 0 stores the forward only.
            metadata: String key-value pairs to save (read back as :attr:`metadata`); by
                default the module's own :attr:`metadata`.

        Raises:
            ExportError: If the program's vjp cannot be exported (pass ``vjp_order=0``).
            SerializationError: If the file cannot be written.
            ArgumentTypeError: For metadata that is not a mapping of strings.

        Example:
            >>> import jax.numpy as jnp
            >>> from rustorch_fx import export
            >>> m = export.trace(jnp.sin, jnp.zeros(3))
            >>> m.save("/tmp/sin.rtx")  # doctest: +SKIP
        """
        data = self._archive(vjp_order, self.metadata if metadata is None else metadata)
        if hasattr(path, "write"):
            try:
                path.write(data)  # type: ignore[union-attr]
            except (OSError, ValueError) as exc:
                raise SerializationError(f"ScriptModule.save: cannot write: {exc}") from exc
            return
        if not isinstance(path, (str, os.PathLike)):
            raise ArgumentTypeError(
                f"ScriptModule.save: path must be a path or a binary file, got "
                f"{type(path).__name__}"
            )
        with atomic_write(path, "ScriptModule.save") as f:
            f.write(data)

    def _serialize(self, vjp_order: int) -> bytes:
        try:
            return bytes(self._exported.serialize(vjp_order=vjp_order))
        except Exception as exc:  # jax raises many kinds while exporting and serializing
            text = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            if vjp_order > 0 and self._serializes_forward():
                raise ExportError(
                    f"ScriptModule.save: cannot export the derivative of {self.name} "
                    f"({text}); pass vjp_order=0 to save the forward program only"
                ) from exc
            raise ExportError(
                f"ScriptModule.save: cannot serialize {self.name} ({text}); outputs and inputs "
                "must be arrays in tuples, lists, dicts or NamedTuples registered with "
                "jax.export.register_namedtuple_serialization"
            ) from exc

    def _serializes_forward(self) -> bool:
        try:
            self._exported.serialize(vjp_order=0)
        except Exception:  # the forward itself cannot be serialized
            return False
        return True

    def _archive(self, vjp_order: int, metadata: Mapping[str, str]) -> bytes:
        if not _checks.is_int(vjp_order) or vjp_order < 0:
            raise InvalidArgumentError(
                f"ScriptModule.save: vjp_order must be a non-negative int, got {vjp_order!r}"
            )
        if not isinstance(metadata, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()
        ):
            raise ArgumentTypeError("ScriptModule.save: metadata must map str to str")
        program = self._serialize(vjp_order)
        names, arrays = _param_arrays(self.params if self._has_params else None)
        params = _safetensors_bytes(arrays)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "jax_version": jax.__version__,
            "fun_name": self.name,
            "platforms": list(self.platforms),
            "calling_convention_version": self._exported.calling_convention_version,
            "vjp_order": vjp_order,
            "has_params": self._has_params,
            "param_names": names,
            "metadata": dict(metadata),
            "sha256": {
                _PROGRAM: hashlib.sha256(program).hexdigest(),
                _PARAMS: hashlib.sha256(params).hexdigest(),
            },
        }
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as z:
            z.writestr(_MANIFEST, json.dumps(manifest, indent=1, sort_keys=True))
            z.writestr(_PROGRAM, program)
            z.writestr(_PARAMS, params)
        return buf.getvalue()


def _without_vjp(exported: jax.export.Exported) -> Callable[..., Any]:
    """``exported.call`` whose derivative raises :class:`AutogradError` (no vjp was saved)."""

    @jax.custom_vjp
    def call(*args: Any) -> Any:
        return exported.call(*args)

    def fwd(*args: Any) -> tuple[Any, None]:
        return exported.call(*args), None

    def bwd(_: None, cotangent: Any) -> Any:
        raise AutogradError(
            f"ScriptModule({exported.fun_name}): the program was saved without its derivative "
            "(vjp_order=0); save it with vjp_order=1 to differentiate it"
        )

    call.defvjp(fwd, bwd)
    return call


def _input_name(path: tuple[Any, ...]) -> str:
    """``input 0`` for a positional input, ``input 1['mask']`` inside a pytree input."""
    return f"input {path[0].idx}{jax.tree_util.keystr(tuple(path[1:]))}"


def _spec_str(s: jax.ShapeDtypeStruct) -> str:
    return f"{np.dtype(s.dtype).name}[{', '.join(str(d) for d in s.shape)}]"


def _check_leaf(
    name: str, where: str, leaf: Any, s: jax.ShapeDtypeStruct, env: dict[str, int]
) -> Any:
    """Check one input against its spec, binding symbolic names in ``env``; return the array."""
    if isinstance(leaf, (bool, int, float, complex, np.generic)) and not s.shape:
        leaf = jnp.asarray(leaf, dtype=s.dtype)
    elif getattr(getattr(leaf, "aval", leaf), "weak_type", False) and not s.shape:
        leaf = leaf.astype(s.dtype)  # a Python number turned into a (weakly typed) array
    if not (hasattr(leaf, "shape") and hasattr(leaf, "dtype")):
        raise ArgumentTypeError(
            f"ScriptModule({name}): {where} must be an array, got {type(leaf).__name__}"
        )
    if np.dtype(leaf.dtype) != np.dtype(s.dtype):
        raise DTypeError(
            f"ScriptModule({name}): {where} has dtype {np.dtype(leaf.dtype).name}, the program "
            f"expects {_spec_str(s)}"
        )
    shape = tuple(leaf.shape)
    bad = len(shape) != len(s.shape)
    for got, want in zip(shape, s.shape, strict=False):
        if bad:
            break
        if not jax.export.is_symbolic_dim(want):
            bad = got != want
        elif str(want).isidentifier():
            bad = got < 1 or env.setdefault(str(want), got) != got
    if bad:
        bound = ", ".join(f"{k}={v}" for k, v in env.items())
        raise ShapeError(
            f"ScriptModule({name}): {where} has shape {shape}, the program expects "
            f"{_spec_str(s)}" + (f" (with {bound})" if bound else "")
        )
    return leaf


# -- trace and script ------------------------------------------------------------------------


def trace(
    fn: Callable[..., Any],
    *example_args: Any,
    params: Any = None,
    platforms: Sequence[str] = ("cpu", "cuda"),
) -> ScriptModule:
    """Capture ``fn`` as a StableHLO program for the shapes and dtypes of ``example_args``.

    Args:
        fn: A JAX-traceable function of pytrees of arrays (``fn(*args)``, or ``fn(params,
            *args)`` when ``params`` is given) returning a pytree of arrays.
        *example_args: Example inputs (pytrees of arrays or numbers); only their shapes and
            dtypes are used.
        params: A pytree of arrays stored in the module and passed as ``fn``'s first argument;
            the module is then called with the inputs only.
        platforms: The platforms to lower for, at once (a GPU is not needed to lower for
            ``"cuda"``).

    Returns:
        A :class:`ScriptModule` accepting exactly the example shapes and dtypes.

    Raises:
        ArgumentTypeError: If ``fn`` is not callable or an example is not array-like.
        InvalidArgumentError: For an unknown platform.
        TracingError: If ``fn`` needs concrete values (Python control flow on array values).
        ExportError: If JAX cannot export ``fn``.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import export
        >>> m = export.trace(lambda x, y: {"sum": x + y}, jnp.ones(2), jnp.ones(2))
        >>> m(jnp.ones(2), jnp.zeros(2))["sum"].tolist()
        [1.0, 1.0]
    """
    specs = [_example_spec("trace", i, a) for i, a in enumerate(example_args)]
    return _export("trace", fn, specs, params, platforms)


def script(
    fn: Callable[..., Any],
    *input_specs: Any,
    params: Any = None,
    constraints: Sequence[str] = (),
    platforms: Sequence[str] = ("cpu", "cuda"),
) -> ScriptModule:
    """Capture ``fn`` for input specs with symbolic dimensions: one program for many shapes.

    Args:
        fn: As for :func:`trace`. It must not depend on the concrete value of a symbolic
            dimension (``x.shape[0] == 4`` in Python control flow fails with
            :class:`ExportError`).
        *input_specs: One pytree per argument, of :func:`spec` results,
            ``jax.ShapeDtypeStruct`` (with ``jax.export.symbolic_shape`` dimensions or
            concrete ones) or arrays (taken as fixed shapes). Names are shared across specs.
        params: As for :func:`trace`.
        constraints: Extra relations between dimension names, such as ``("b >= 2",)``
            (``jax.export.symbolic_shape``'s constraints).
        platforms: As for :func:`trace`.

    Returns:
        A :class:`ScriptModule` accepting every shape the specs allow; other shapes raise
        :class:`ShapeError` naming the input, its shape and the spec.

    Raises:
        ArgumentTypeError: For a spec of the wrong type.
        ExportError: If ``fn`` cannot be exported for symbolic shapes.

    Example:
        >>> import jax.numpy as jnp
        >>> from rustorch_fx import export
        >>> m = export.script(lambda x: x.sum(axis=1), export.spec("b, 3"))
        >>> [m(jnp.ones((n, 3))).shape for n in (1, 4)]
        [(1,), (4,)]
    """
    scope = _scope_of(input_specs)
    if constraints:
        if scope is not None:
            raise InvalidArgumentError(
                "script: pass constraints either here or in the specs' own SymbolicScope"
            )
        try:
            scope = jax.export.SymbolicScope(tuple(constraints))
        except (ValueError, TypeError) as exc:
            raise InvalidArgumentError(f"script: bad constraints {constraints!r}: {exc}") from exc
    scope = scope or jax.export.SymbolicScope()
    specs = [_input_spec(i, s, scope) for i, s in enumerate(input_specs)]
    return _export("script", fn, specs, params, platforms)


def _scope_of(specs: Any) -> jax.export.SymbolicScope | None:
    for leaf in jax.tree_util.tree_leaves(specs, is_leaf=lambda x: isinstance(x, _Spec)):
        for d in getattr(leaf, "shape", ()):
            if jax.export.is_symbolic_dim(d):
                return d.scope
    return None


def _input_spec(index: int, s: Any, scope: jax.export.SymbolicScope) -> Any:
    def one(leaf: Any) -> jax.ShapeDtypeStruct:
        if isinstance(leaf, _Spec):
            try:
                shape = jax.export.symbolic_shape(leaf.shape, scope=scope)
            except ValueError as exc:
                raise InvalidArgumentError(f"script: spec {leaf!r}: {exc}") from exc
            return jax.ShapeDtypeStruct(shape, leaf.dtype)
        if isinstance(leaf, jax.ShapeDtypeStruct):
            return leaf
        return _example_spec("script", index, leaf)

    return jax.tree_util.tree_map(one, s, is_leaf=lambda x: isinstance(x, _Spec))


def _example_spec(op: str, index: int, example: Any) -> Any:
    def one(leaf: Any) -> jax.ShapeDtypeStruct:
        if isinstance(leaf, jax.ShapeDtypeStruct):
            return leaf
        if hasattr(leaf, "shape") and hasattr(leaf, "dtype"):
            return jax.ShapeDtypeStruct(tuple(leaf.shape), np.dtype(leaf.dtype))
        array = _checks.as_array(op, f"example input {index}", leaf)
        return jax.ShapeDtypeStruct(array.shape, array.dtype)

    return jax.tree_util.tree_map(one, example)


def _check_platforms(op: str, platforms: Any) -> tuple[str, ...]:
    if isinstance(platforms, str):
        platforms = (platforms,)
    if not isinstance(platforms, (list, tuple)) or not platforms:
        raise InvalidArgumentError(
            f"{op}: platforms must be a non-empty sequence of {_PLATFORMS}, got {platforms!r}"
        )
    unknown = [p for p in platforms if p not in _PLATFORMS]
    if unknown:
        raise InvalidArgumentError(
            f"{op}: unknown platform(s) {unknown}; choose among {list(_PLATFORMS)}"
        )
    return tuple(dict.fromkeys(platforms))


def _export(
    op: str, fn: Callable[..., Any], specs: list[Any], params: Any, platforms: Sequence[str]
) -> ScriptModule:
    if not callable(fn):
        raise ArgumentTypeError(f"{op}: fn must be callable, got {type(fn).__name__}")
    platforms = _check_platforms(op, platforms)
    name = getattr(fn, "__name__", type(fn).__name__)
    if not name.isidentifier():
        name = "fn"
    has_params = params is not None
    if has_params:
        params = jax.tree_util.tree_map(lambda p: _checks.as_array(op, "params", p), params)

        def program(p: Any, *args: Any) -> Any:
            return fn(p, *args)

        args = (params, *specs)
    else:

        def program(*args: Any) -> Any:
            return fn(*args)

        args = tuple(specs)
    program.__name__ = program.__qualname__ = name
    try:
        exported = jax.export.export(jax.jit(program), platforms=platforms)(*args)
    except RusTorchError:
        raise
    except _boundary._TRACING_ERRORS as exc:
        raise _boundary.convert(op, exc) from exc
    except Exception as exc:  # jax raises many kinds while tracing and lowering
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        hint = ""
        if "symbolic" in text.lower() or "inconclusive" in text.lower():
            hint = " (the function depends on the value of a symbolic dimension)"
        raise ExportError(f"{op}({name}): cannot export: {text}{hint}") from exc
    return ScriptModule(exported, params, has_params=has_params)


# -- saving and loading ----------------------------------------------------------------------


def _param_arrays(params: Any) -> tuple[list[str], dict[str, np.ndarray]]:
    """Name each parameter leaf by its path (a flat dict of strings keeps its keys)."""
    if params is None:
        return [], {}
    paths, _ = jax.tree_util.tree_flatten_with_path(params)
    flat = isinstance(params, Mapping) and all(isinstance(k, str) for k in params)
    names = []
    arrays = {}
    for i, (path, leaf) in enumerate(paths):
        key = path[0].key if flat and len(path) == 1 else jax.tree_util.keystr(path)
        if not key or key in arrays:
            key = f"{i}:{key}"
        names.append(key)
        arrays[key] = np.asarray(leaf)
    return names, arrays


def _safetensors_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    from rustorch_fx.serialization import _safetensors

    buf = io.BytesIO()
    _safetensors.write(buf, arrays, None)
    return buf.getvalue()


def load(path: str | os.PathLike[str] | IO[bytes] | bytes) -> ScriptModule:
    """Rebuild a :class:`ScriptModule` from a file written by :meth:`ScriptModule.save`.

    Needs only the file: the Python code that defined the model is not imported.

    Args:
        path: A path, a binary file object, or the file's bytes.

    Returns:
        The module, with its parameters and metadata.

    Raises:
        SerializationError: If the file is missing, truncated, corrupted or not an export.
        ExportError: If it was written by a newer format version, for a JAX calling
            convention this JAX cannot run, or for platforms that do not include this
            process's backend.

    Example:
        >>> from rustorch_fx import export
        >>> m = export.load("/tmp/sin.rtx")  # doctest: +SKIP
    """
    data = _read_source(path)
    members, manifest = _read_archive(data)
    version = manifest.get("format_version")
    if not _checks.is_int(version):
        raise SerializationError("export.load: the manifest has no valid format_version")
    if version > FORMAT_VERSION:
        raise ExportError(
            f"export.load: the file has format version {version}, this rustorch_fx reads "
            f"versions up to {FORMAT_VERSION}; upgrade rustorch_fx"
        )
    try:
        exported = jax.export.deserialize(bytearray(members[_PROGRAM]))
    except Exception as exc:  # flatbuffers and jax raise many kinds on bad bytes
        raise SerializationError(f"export.load: cannot decode the program: {exc}") from exc
    cc = exported.calling_convention_version
    low = jax.export.minimum_supported_calling_convention_version
    high = jax.export.maximum_supported_calling_convention_version
    if not low <= cc <= high:
        raise ExportError(
            f"export.load: the program uses JAX calling convention {cc} (saved with jax "
            f"{manifest.get('jax_version')}); this jax {jax.__version__} runs {low} to {high}"
        )
    backend = _backend_platform()
    if backend not in exported.platforms:
        raise ExportError(
            f"export.load: the program was lowered for {tuple(exported.platforms)}, this "
            f"process runs on {backend!r}; trace or script it again with platforms including "
            f"{backend!r}"
        )
    params = _read_params(members[_PARAMS], manifest, exported)
    metadata = manifest.get("metadata", {})
    if not isinstance(metadata, dict):
        raise SerializationError("export.load: the manifest's metadata is not a mapping")
    return ScriptModule(
        exported, params, has_params=bool(manifest.get("has_params")), metadata=metadata
    )


def _backend_platform() -> str:
    backend = jax.default_backend()
    if backend == "gpu":
        return jax.devices()[0].platform
    return backend


def _read_source(path: Any) -> bytes:
    if isinstance(path, (bytes, bytearray, memoryview)):
        return bytes(path)
    if hasattr(path, "read"):
        try:
            data = path.read()
        except (OSError, ValueError) as exc:
            raise SerializationError(f"export.load: cannot read the file object: {exc}") from exc
        if not isinstance(data, bytes):
            raise ArgumentTypeError("export.load: the file object must be opened in binary mode")
        return data
    if not isinstance(path, (str, os.PathLike)):
        raise ArgumentTypeError(
            f"export.load: expected a path, a binary file or bytes, got {type(path).__name__}"
        )
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise SerializationError(
            f"export.load: cannot read {os.fspath(path)!r}: {exc.strerror or exc}"
        ) from exc


def _read_archive(data: bytes) -> tuple[dict[str, bytes], dict[str, Any]]:
    """Read and verify the archive's members (CRC and SHA-256) and its manifest."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            missing = [n for n in (_MANIFEST, _PROGRAM, _PARAMS) if n not in z.namelist()]
            if missing:
                raise SerializationError(
                    f"export.load: not an export file: member(s) {missing} missing"
                )
            members = {n: z.read(n) for n in (_MANIFEST, _PROGRAM, _PARAMS)}
        manifest = json.loads(members[_MANIFEST].decode("utf-8"))
    except SerializationError:
        raise
    except Exception as exc:  # zipfile, zlib, json and unicode errors on damaged files
        raise SerializationError(
            f"export.load: the file is not a valid export archive (truncated or corrupted?): "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise SerializationError(
            f"export.load: not a {FORMAT} file (the manifest names "
            f"{manifest.get('format') if isinstance(manifest, dict) else manifest!r})"
        )
    digests = manifest.get("sha256")
    for name in (_PROGRAM, _PARAMS):
        if not isinstance(digests, dict) or hashlib.sha256(
            members[name]
        ).hexdigest() != digests.get(name):
            raise SerializationError(f"export.load: member {name} is corrupted (checksum mismatch)")
    return members, manifest


def _read_params(data: bytes, manifest: dict[str, Any], exported: jax.export.Exported) -> Any:
    if not manifest.get("has_params"):
        return None
    from rustorch_fx.serialization import _safetensors

    try:
        arrays, _ = _safetensors.read(data, mmap=False)
    except RusTorchError as exc:
        raise SerializationError(f"export.load: cannot read the parameters: {exc}") from exc
    names = manifest.get("param_names")
    args_tree = exported.in_tree.children()[0]
    params_tree = args_tree.children()[0]
    if not isinstance(names, list) or len(names) != params_tree.num_leaves:
        raise SerializationError("export.load: the parameter names do not match the program")
    try:
        leaves = [jnp.asarray(arrays[n]) for n in names]
    except KeyError as exc:
        raise SerializationError(f"export.load: parameter {exc} missing from the file") from exc
    specs = jax.tree_util.tree_leaves(
        jax.tree_util.tree_unflatten(
            exported.in_tree, [jax.ShapeDtypeStruct(a.shape, a.dtype) for a in exported.in_avals]
        )[0][0]
    )
    for n, leaf, s in zip(names, leaves, specs, strict=True):
        if leaf.shape != tuple(s.shape) or leaf.dtype != s.dtype:
            raise SerializationError(
                f"export.load: parameter {n!r} is {_spec_str(leaf)}, the program expects "
                f"{_spec_str(s)}"
            )
    return jax.tree_util.tree_unflatten(params_tree, leaves)
