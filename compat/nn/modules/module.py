"""``torch.nn.Module`` for compat: parameters, buffers and submodules, state dicts, hooks, modes.

A :class:`Module` holds state (its :class:`~compat.nn.Parameter` objects, buffers, child modules
and the ``training`` flag) and computes nothing itself: ``forward`` calls
:mod:`compat.nn.functional`, whose math is :mod:`rustorch_fx.nn`. The behaviour is torch's,
including the attribute rules (assigning a ``Parameter`` registers it, assigning ``None`` to a
registered name keeps the slot), the order of ``state_dict`` keys (own parameters, own persistent
buffers, then children, depth first), the printed form, and hook semantics.

Differences from torch kept on purpose:

- ``register_module_*`` global backward hooks are not provided. State-dict hooks are torch's
  (public and private forms, same call order and arguments); ``_save_to_state_dict`` and
  ``_load_from_state_dict`` can be overridden as in torch.
- ``register_backward_hook`` (deprecated in torch) behaves like ``register_full_backward_hook``.
- ``share_memory()`` returns the module unchanged: JAX arrays cannot live in shared memory.
"""

from __future__ import annotations

import itertools
import weakref
from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

from compat import _dtype
from compat._creation import as_tensor, empty_like
from compat._engine import apply
from compat._grad_mode import no_grad
from compat._tensor import Tensor
from compat.nn.parameter import Buffer, Parameter
from compat.utils.hooks import RemovableHandle
from rustorch_fx.errors import (
    ArgumentTypeError,
    DTypeError,
    InvalidArgumentError,
    InvalidNameError,
    MissingAttributeError,
    SerializationError,
    ShapeError,
    UnsupportedError,
)

__all__ = [
    "Module",
    "register_module_forward_hook",
    "register_module_forward_pre_hook",
]

_global_forward_pre_hooks: OrderedDict[int, Callable[..., Any]] = OrderedDict()
_global_forward_hooks: OrderedDict[int, Callable[..., Any]] = OrderedDict()

#: Bumped by every attribute assignment or deletion on a module, every registration, state
#: load and conversion (``.to()``): ``compat.compile``'s per-call guard compares this one
#: integer instead of re-walking the module tree. Code writing straight into ``_parameters``,
#: ``_buffers`` or ``_modules`` (or replacing them) calls :func:`_structure_changed`.
_mutations = [0]


def _structure_changed() -> None:
    """Note a change of some module's structure (see ``_mutations``).

    Example:
        >>> _structure_changed()
    """
    _mutations[0] += 1


def register_module_forward_pre_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """Register a forward pre-hook run before every module's forward (before its own hooks).

    Args:
        hook: ``hook(module, args) -> None | new_args``.

    Returns:
        A handle whose ``remove()`` unregisters the hook.

    Example:
        >>> import compat
        >>> seen = []
        >>> h = register_module_forward_pre_hook(lambda m, args: seen.append(type(m).__name__))
        >>> _ = compat.nn.Identity()(compat.zeros(1)); h.remove(); seen
        ['Identity']
    """
    handle = RemovableHandle(_global_forward_pre_hooks)
    _global_forward_pre_hooks[handle.id] = hook
    return handle


def register_module_forward_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """Register a forward hook run after every module's forward (before its own hooks).

    Args:
        hook: ``hook(module, args, output) -> None | new_output``.

    Returns:
        A handle whose ``remove()`` unregisters the hook.

    Example:
        >>> import compat
        >>> h = register_module_forward_hook(lambda m, args, out: out + 1)
        >>> compat.nn.Identity()(compat.zeros(1)).tolist(); h.remove()
        [1.0]
    """
    handle = RemovableHandle(_global_forward_hooks)
    _global_forward_hooks[handle.id] = hook
    return handle


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What :meth:`Module.load_state_dict` returns: the missing and the unexpected keys."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def _addindent(text: str, spaces: int) -> str:
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    return lines[0] + "\n" + "\n".join(" " * spaces + line for line in lines[1:])


def _typename(value: Any) -> str:
    if isinstance(value, Tensor):
        return "compat.Tensor"
    module = type(value).__module__
    name = type(value).__qualname__
    return name if module == "builtins" else f"{module}.{name}"


def _as_compat(key: str, value: Any) -> Tensor | None:
    """A state-dict value as a compat tensor: compat, torch and JAX tensors, numpy arrays."""
    if isinstance(value, Tensor):
        return value
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor
        value = value.detach().cpu()
        if getattr(value, "is_conj", lambda: False)():
            value = value.resolve_conj()
        return as_tensor(np.asarray(value.numpy()))
    if isinstance(value, np.ndarray | np.generic) or hasattr(value, "__jax_array__"):
        return as_tensor(np.asarray(value))
    if type(value).__module__.startswith("jax"):
        return as_tensor(np.asarray(value))
    return None


class _WrappedHook:
    """A hook that gets its module (held weakly) as first argument, as torch's ``_WrappedHook``."""

    def __init__(self, hook: Callable[..., Any], module: Module | None = None) -> None:
        self.hook = hook
        self.with_module = module is not None
        if module is not None:
            self.module = weakref.ref(module)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not self.with_module:
            return self.hook(*args, **kwargs)
        module = self.module()
        if module is None:
            raise SerializationError("You are trying to call the hook of a dead Module!")
        return self.hook(module, *args, **kwargs)

    def __getstate__(self) -> dict[str, Any]:
        state = {"hook": self.hook, "with_module": self.with_module}
        if self.with_module:
            state["module"] = self.module()
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.hook = state["hook"]
        self.with_module = state["with_module"]
        if self.with_module:
            self.module = weakref.ref(state["module"])


_STATE_DICT_HOOK_TABLES = (
    "_state_dict_hooks",
    "_state_dict_pre_hooks",
    "_load_state_dict_pre_hooks",
    "_load_state_dict_post_hooks",
)


def _shape_list(t: Any) -> list[int]:
    return [int(d) for d in t.shape]


class _BackwardHooks:
    """Full backward (pre-)hooks of one module call: identity ops around inputs and outputs.

    The tensor inputs that require grad go through one identity op, the tensor outputs through
    another; the nodes' pre-hooks see all gradients of the outputs (``grad_output``) and then
    of the inputs (``grad_input``) at once, as torch's ``BackwardHookFunction`` does.
    """

    def __init__(self, module: Module) -> None:
        self.module = module
        self.n_inputs = 0
        # For each input that requires grad: its index among the tensor inputs.
        self.slots: list[int] = []
        # Zeros for the tensor inputs that do not require grad (torch reports zeros for them).
        self.zeros: list[Any] = []
        self.grad_outputs: tuple[Any, ...] = ()

    def setup_inputs(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        tensors = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        self.n_inputs = len(tensors)
        grad_positions = [i for i in tensors if args[i].requires_grad]
        self.slots = [tensors.index(i) for i in grad_positions]
        if not grad_positions:
            return args
        self.zeros = [None if args[i].requires_grad else args[i] for i in tensors]
        wrapped = apply(_backward_hook_identity, *(args[i] for i in grad_positions))
        wrapped[0].grad_fn.prehooks = (self._input_hook,)
        out = list(args)
        for i, w in zip(grad_positions, wrapped, strict=True):
            out[i] = w
        return tuple(out)

    def setup_outputs(self, result: Any) -> Any:
        single = isinstance(result, Tensor)
        outs = (result,) if single else result
        if not isinstance(outs, tuple):
            return result
        positions = [i for i, o in enumerate(outs) if isinstance(o, Tensor) and o.requires_grad]
        if not positions:
            return result
        wrapped = apply(_backward_hook_identity, *(outs[i] for i in positions))
        wrapped[0].grad_fn.prehooks = (self._output_hook,)
        new = list(outs)
        for i, w in zip(positions, wrapped, strict=True):
            new[i] = w
        return new[0] if single else type(outs)(new)

    def _output_hook(self, grads: tuple[Any, ...]) -> Any:
        module = self.module
        replaced = None
        for hook in module._backward_pre_hooks.values():
            out = hook(module, grads)
            if out is not None:
                grads = replaced = tuple(out) if isinstance(out, tuple | list) else (out,)
        self.grad_outputs = grads
        if not self.slots:
            # No input requires grad: the hooks run now, with grad_input all None.
            none = (None,) * self.n_inputs
            for hook in module._backward_hooks.values():
                hook(module, none, grads)
        return replaced

    def _input_hook(self, grads: tuple[Any, ...]) -> Any:
        module = self.module
        full: list[Any] = [None if t is None else t.new_zeros(t.shape) for t in self.zeros]
        for g, slot in zip(grads, self.slots, strict=True):
            full[slot] = g
        grad_input = tuple(full)
        replaced = False
        for hook in module._backward_hooks.values():
            out = hook(module, grad_input, self.grad_outputs)
            if out is None:
                continue
            out = tuple(out) if isinstance(out, tuple | list) else (out,)
            if len(out) != len(grad_input):
                raise InvalidArgumentError(
                    f"backward hook of {module._get_name()} returned {len(out)} gradients, "
                    f"expected {len(grad_input)}"
                )
            grad_input = out
            replaced = True
        return tuple(grad_input[slot] for slot in self.slots) if replaced else None


def _backward_hook_identity(*xs: Any) -> tuple[Any, ...]:
    return xs


class Module:
    """Base class for all neural network modules, with ``torch.nn.Module``'s behaviour.

    Subclasses call ``super().__init__()`` first, then assign parameters, buffers and child
    modules as attributes, and define :meth:`forward`. Call the module (``model(x)``), not
    ``forward``, so that hooks run.

    Example:
        >>> import compat
        >>> from compat import nn
        >>> class Net(nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.fc = nn.Linear(4, 2)
        ...         self.register_buffer("steps", compat.zeros((), dtype=compat.int64))
        ...     def forward(self, x):
        ...         return self.fc(x).relu()
        >>> list(Net().state_dict())
        ['steps', 'fc.weight', 'fc.bias']
    """

    _version: int = 1
    training: bool
    call_super_init: bool = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Initialise the module's registries (call it first in a subclass's ``__init__``)."""
        if self.call_super_init is False and (args or kwargs):
            raise ArgumentTypeError(
                f"{type(self).__name__}.__init__() got unexpected arguments "
                f"{', '.join([repr(a) for a in args] + list(kwargs))}"
            )
        setattr_ = super().__setattr__
        setattr_("training", True)
        setattr_("_parameters", {})
        setattr_("_buffers", {})
        setattr_("_non_persistent_buffers_set", set())
        setattr_("_modules", {})
        setattr_("_forward_pre_hooks", OrderedDict())
        setattr_("_forward_pre_hooks_with_kwargs", OrderedDict())
        setattr_("_forward_hooks", OrderedDict())
        setattr_("_forward_hooks_with_kwargs", OrderedDict())
        setattr_("_forward_hooks_always_called", OrderedDict())
        setattr_("_backward_hooks", OrderedDict())
        setattr_("_backward_pre_hooks", OrderedDict())
        for name in _STATE_DICT_HOOK_TABLES:
            setattr_(name, OrderedDict())

    # -- forward and calling ---------------------------------------------------------------

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation; every subclass defines it.

        Raises:
            UnsupportedError: On a module that does not define ``forward``.
        """
        raise UnsupportedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function'
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run :meth:`forward` with the registered hooks (call the module, not ``forward``)."""
        if not (
            self._forward_pre_hooks
            or self._forward_hooks
            or self._backward_hooks
            or self._backward_pre_hooks
            or _global_forward_pre_hooks
            or _global_forward_hooks
        ):
            return self.forward(*args, **kwargs)
        return self._call_with_hooks(args, kwargs)

    def _call_with_hooks(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        for hook_id, hook in (*_global_forward_pre_hooks.items(), *self._forward_pre_hooks.items()):
            if hook_id in self._forward_pre_hooks_with_kwargs:
                res = hook(self, args, kwargs)
                if res is not None:
                    if not (isinstance(res, tuple) and len(res) == 2):
                        raise InvalidArgumentError(
                            "forward pre-hook must return None or a tuple of (new_args, "
                            f"new_kwargs), but got {res!r}"
                        )
                    args, kwargs = res
            else:
                res = hook(self, args)
                if res is not None:
                    args = res if isinstance(res, tuple) else (res,)
        bw = None
        if self._backward_hooks or self._backward_pre_hooks:
            bw = _BackwardHooks(self)
            args = bw.setup_inputs(args)
        try:
            result = self.forward(*args, **kwargs)
        except BaseException:
            for hook_id, hook in self._forward_hooks.items():
                if hook_id in self._forward_hooks_always_called:
                    try:
                        if hook_id in self._forward_hooks_with_kwargs:
                            hook(self, args, kwargs, None)
                        else:
                            hook(self, args, None)
                    except Exception:
                        pass
            raise
        for hook_id, hook in (*_global_forward_hooks.items(), *self._forward_hooks.items()):
            if hook_id in self._forward_hooks_with_kwargs:
                res = hook(self, args, kwargs, result)
            else:
                res = hook(self, args, result)
            if res is not None:
                result = res
        if bw is not None:
            result = bw.setup_outputs(result)
        return result

    # -- attribute protocol ----------------------------------------------------------------

    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            table = d.get(registry)
            if table is not None and name in table:
                return table[name]
        raise MissingAttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __setattr__(self, name: str, value: Any) -> None:
        _mutations[0] += 1
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise MissingAttributeError(
                    "cannot assign parameters before Module.__init__() call"
                )
            self._remove_name(name, keep="_parameters")
            self.register_parameter(name, value)
            return
        if params is not None and name in params:
            if value is not None:
                raise ArgumentTypeError(
                    f"cannot assign '{_typename(value)}' as parameter '{name}' "
                    "(compat.nn.Parameter or None expected)"
                )
            self.register_parameter(name, value)
            return
        modules = d.get("_modules")
        if isinstance(value, Module):
            if modules is None:
                raise MissingAttributeError("cannot assign module before Module.__init__() call")
            self._remove_name(name, keep="_modules")
            modules[name] = value
            return
        if modules is not None and name in modules:
            if value is not None:
                raise ArgumentTypeError(
                    f"cannot assign '{_typename(value)}' as child module '{name}' "
                    "(compat.nn.Module or None expected)"
                )
            modules[name] = value
            return
        buffers = d.get("_buffers")
        if isinstance(value, Buffer) or (buffers is not None and name in buffers):
            if value is not None and not isinstance(value, Tensor):
                raise ArgumentTypeError(
                    f"cannot assign '{_typename(value)}' as buffer '{name}' "
                    "(compat.nn.Buffer, compat.Tensor or None expected)"
                )
            if isinstance(value, Buffer):
                persistent = value.persistent
            else:
                persistent = name not in self._non_persistent_buffers_set
            self._remove_name(name, keep=None)
            self.register_buffer(name, value, persistent)
            return
        object.__setattr__(self, name, value)

    def _remove_name(self, name: str, keep: str | None) -> None:
        self.__dict__.pop(name, None)
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry != keep:
                self.__dict__[registry].pop(name, None)
        if keep != "_buffers":
            self._non_persistent_buffers_set.discard(name)

    def __delattr__(self, name: str) -> None:
        _mutations[0] += 1
        if name in self._parameters:
            del self._parameters[name]
        elif name in self._buffers:
            del self._buffers[name]
            self._non_persistent_buffers_set.discard(name)
        elif name in self._modules:
            del self._modules[name]
        else:
            super().__delattr__(name)

    def __dir__(self) -> list[str]:
        keys = [*dir(type(self)), *self.__dict__, *self._parameters, *self._modules, *self._buffers]
        return sorted(k for k in set(keys) if not k[:1].isdigit())

    def __setstate__(self, state: dict[str, Any]) -> None:
        _mutations[0] += 1
        self.__dict__.update(state)
        for name in ("_forward_pre_hooks_with_kwargs", "_forward_hooks_with_kwargs"):
            self.__dict__.setdefault(name, OrderedDict())
        self.__dict__.setdefault("_forward_hooks_always_called", OrderedDict())
        self.__dict__.setdefault("_backward_pre_hooks", OrderedDict())
        for name in _STATE_DICT_HOOK_TABLES:
            self.__dict__.setdefault(name, OrderedDict())

    # -- registration ----------------------------------------------------------------------

    def _check_name(self, kind: str, name: Any, registry: str) -> None:
        if not isinstance(name, str):
            raise ArgumentTypeError(f"{kind} name should be a string. Got {type(name).__name__}")
        if "." in name:
            raise InvalidNameError(f'{kind} name can\'t contain ".", got: {name}')
        if name == "":
            raise InvalidNameError(f'{kind} name can\'t be empty string ""')
        if hasattr(self, name) and name not in self.__dict__[registry]:
            raise InvalidNameError(f"attribute '{name}' already exists")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or a ``None`` slot) under ``name``.

        Args:
            name: The attribute name: a non-empty string without ``"."``, not already an
                attribute of another kind.
            param: A :class:`Parameter`, or None for an optional parameter that is absent
                (such as a disabled bias).

        Raises:
            MissingAttributeError: Before ``Module.__init__`` ran.
            ArgumentTypeError: If ``param`` is not a Parameter or None, or ``name`` not a str.
            InvalidNameError: For an empty or dotted name, or one already taken.
            InvalidArgumentError: For a non-leaf parameter (one computed from others).

        Example:
            >>> import compat
            >>> m = compat.nn.Module()
            >>> m.register_parameter("scale", compat.nn.Parameter(compat.ones(1)))
            >>> [n for n, _ in m.named_parameters()]
            ['scale']
        """
        if "_parameters" not in self.__dict__:
            raise MissingAttributeError("cannot assign parameter before Module.__init__() call")
        self._check_name("parameter", name, "_parameters")
        if param is not None and not isinstance(param, Parameter):
            raise ArgumentTypeError(
                f"cannot assign '{_typename(param)}' object to parameter '{name}' "
                "(compat.nn.Parameter or None required)"
            )
        if param is not None and param.grad_fn is not None:
            raise InvalidArgumentError(
                f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be "
                "created explicitly. To express '{name}' as a function of another Tensor, "
                "compute the value in the forward() method."
            )
        self._parameters[name] = param
        _mutations[0] += 1

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add a buffer: state that is not a parameter (running statistics, counters).

        Args:
            name: The attribute name.
            tensor: The buffer, or None (the slot exists, ``state_dict`` skips it).
            persistent: Whether ``state_dict`` includes it.

        Raises:
            MissingAttributeError: Before ``Module.__init__`` ran.
            ArgumentTypeError: If ``tensor`` is not a Tensor or None.
            InvalidNameError: For an empty or dotted name, or one already taken.

        Example:
            >>> import compat
            >>> m = compat.nn.Module()
            >>> m.register_buffer("mean", compat.zeros(3))
            >>> m.mean.tolist()
            [0.0, 0.0, 0.0]
        """
        if "_buffers" not in self.__dict__:
            raise MissingAttributeError("cannot assign buffer before Module.__init__() call")
        self._check_name("buffer", name, "_buffers")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise ArgumentTypeError(
                f"cannot assign '{_typename(tensor)}' object to buffer '{name}' "
                "(compat Tensor or None required)"
            )
        if isinstance(tensor, Buffer):
            tensor = tensor.detach()
        self._buffers[name] = tensor
        _mutations[0] += 1
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module under ``name`` (``self.name = module`` does the same).

        Args:
            name: The attribute name.
            module: A Module, or None for an empty slot.

        Raises:
            ArgumentTypeError: If ``module`` is not a Module or None.
            InvalidNameError: For an empty or dotted name, or one already taken.

        Example:
            >>> import compat
            >>> m = compat.nn.Module(); m.add_module("act", compat.nn.ReLU())
            >>> m
            Module(
              (act): ReLU()
            )
        """
        if module is not None and not isinstance(module, Module):
            raise ArgumentTypeError(f"{_typename(module)} is not a Module subclass")
        self._check_name("module", name, "_modules")
        self._modules[name] = module
        _mutations[0] += 1

    register_module = add_module

    def get_submodule(self, target: str) -> Module:
        """The submodule at a dotted path (``"encoder.layers.0"``); ``""`` is the module.

        Args:
            target: The dotted path.

        Returns:
            The submodule.

        Raises:
            MissingAttributeError: If a step of the path is missing or not a module.

        Example:
            >>> import compat
            >>> net = compat.nn.Sequential(compat.nn.Linear(2, 2))
            >>> net.get_submodule("0")
            Linear(in_features=2, out_features=2, bias=True)
        """
        if target == "":
            return self
        mod: Module = self
        for item in target.split("."):
            if item not in mod._modules:
                raise MissingAttributeError(f"{mod._get_name()} has no attribute `{item}`")
            child = mod._modules[item]
            if not isinstance(child, Module):
                raise MissingAttributeError(f"`{item}` is not an nn.Module")
            mod = child
        return mod

    def set_submodule(self, target: str, module: Module, strict: bool = False) -> None:
        """Set the submodule at a dotted path, replacing it or (unless ``strict``) adding it.

        Args:
            target: The dotted path (``"encoder.layers.0"``); its parent must exist.
            module: The module to put there.
            strict: Only replace an existing submodule; never add one.

        Raises:
            InvalidArgumentError: For an empty ``target`` or a ``module`` that is not a Module
                (also ValueError, as torch's).
            MissingAttributeError: If the parent path is missing, the name is missing with
                ``strict``, or the name holds something that is not a Module.

        Example:
            >>> import compat
            >>> net = compat.nn.Sequential(compat.nn.Linear(2, 2))
            >>> net.set_submodule("0", compat.nn.ReLU())
            >>> net
            Sequential(
              (0): ReLU()
            )
        """
        if target == "":
            raise InvalidArgumentError("Cannot set the submodule without a target name!")
        if not isinstance(module, Module):
            raise InvalidArgumentError(f"`module` is not an nn.Module, found {type(module)}")
        parent_path, _, name = target.rpartition(".")
        parent = self.get_submodule(parent_path)
        if not hasattr(parent, name):
            if strict:
                raise MissingAttributeError(f"{parent._get_name()} has no attribute `{name}`")
        elif not isinstance(getattr(parent, name), Module):
            raise MissingAttributeError(f"`{name}` is not an nn.Module")
        setattr(parent, name, module)

    def _get_member(self, target: str, registry: str, what: str) -> Any:
        module_path, _, name = target.rpartition(".")
        mod = self.get_submodule(module_path)
        if name not in mod.__dict__[registry]:
            raise MissingAttributeError(f"{mod._get_name()} has no {what} `{name}`")
        return mod.__dict__[registry][name]

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at a dotted path (``"fc.weight"``).

        Args:
            target: The dotted path.

        Returns:
            The parameter.

        Raises:
            MissingAttributeError: If the path does not name a parameter.

        Example:
            >>> import compat
            >>> compat.nn.Sequential(compat.nn.Linear(2, 3)).get_parameter("0.bias").shape
            (3,)
        """
        return self._get_member(target, "_parameters", "parameter")

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at a dotted path (``"bn.running_mean"``).

        Args:
            target: The dotted path.

        Returns:
            The buffer.

        Raises:
            MissingAttributeError: If the path does not name a buffer.

        Example:
            >>> import compat
            >>> m = compat.nn.Module(); m.register_buffer("b", compat.zeros(1))
            >>> m.get_buffer("b").tolist()
            [0.0]
        """
        return self._get_member(target, "_buffers", "buffer")

    # -- traversal -------------------------------------------------------------------------

    def _named_members(
        self, get: Callable[[Module], Any], prefix: str, recurse: bool, remove_duplicate: bool
    ) -> Iterator[tuple[str, Any]]:
        memo: set[int] = set()
        modules = (
            self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
            if recurse
            else [(prefix, self)]
        )
        for module_prefix, module in modules:
            for name, value in get(module):
                if value is None or (remove_duplicate and id(value) in memo):
                    continue
                if remove_duplicate:
                    memo.add(id(value))
                yield (module_prefix + ("." if module_prefix else "") + name, value)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """The parameters of this module (and, with ``recurse``, of its descendants).

        Args:
            recurse: Include submodules' parameters.

        Yields:
            Each parameter once, in registration order, depth first.

        Example:
            >>> import compat
            >>> sum(p.numel() for p in compat.nn.Linear(3, 2).parameters())
            8
        """
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """``(dotted name, parameter)`` pairs, as :meth:`parameters`.

        Args:
            prefix: Prepended to every name.
            recurse: Include submodules' parameters.
            remove_duplicate: Yield a parameter shared by several modules only once.

        Yields:
            ``(name, parameter)``.

        Example:
            >>> import compat
            >>> [n for n, _ in compat.nn.Linear(3, 2).named_parameters(prefix="fc")]
            ['fc.weight', 'fc.bias']
        """
        yield from self._named_members(
            lambda m: m._parameters.items(), prefix, recurse, remove_duplicate
        )

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """The buffers (persistent or not) of this module and, with ``recurse``, its descendants.

        Args:
            recurse: Include submodules' buffers.

        Yields:
            Each buffer once.

        Example:
            >>> import compat
            >>> len(list(compat.nn.BatchNorm1d(3).buffers()))
            3
        """
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        """``(dotted name, buffer)`` pairs, as :meth:`buffers`.

        Args:
            prefix: Prepended to every name.
            recurse: Include submodules' buffers.
            remove_duplicate: Yield a shared buffer only once.

        Yields:
            ``(name, buffer)``.

        Example:
            >>> import compat
            >>> [n for n, _ in compat.nn.BatchNorm1d(3).named_buffers()]
            ['running_mean', 'running_var', 'num_batches_tracked']
        """
        yield from self._named_members(
            lambda m: m._buffers.items(), prefix, recurse, remove_duplicate
        )

    def children(self) -> Iterator[Module]:
        """The immediate child modules.

        Yields:
            Each child once.

        Example:
            >>> import compat
            >>> len(list(compat.nn.Sequential(compat.nn.ReLU(), compat.nn.Tanh()).children()))
            2
        """
        for _, m in self.named_children():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """``(name, child)`` for the immediate children.

        Yields:
            ``(name, module)``, each module once.

        Example:
            >>> import compat
            >>> [n for n, _ in compat.nn.Sequential(compat.nn.ReLU()).named_children()]
            ['0']
        """
        memo: set[int] = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in memo:
                memo.add(id(module))
                yield name, module

    def modules(self) -> Iterator[Module]:
        """This module and all its descendants, depth first, each once.

        Yields:
            The modules.

        Example:
            >>> import compat
            >>> [type(m).__name__ for m in compat.nn.Sequential(compat.nn.ReLU()).modules()]
            ['Sequential', 'ReLU']
        """
        for _, m in self.named_modules():
            yield m

    def named_modules(
        self, memo: set[Any] | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """``(dotted name, module)`` for this module (name ``prefix``) and its descendants.

        Args:
            memo: Modules already seen (skipped).
            prefix: The name of this module.
            remove_duplicate: Yield a module reachable by several paths only once.

        Yields:
            ``(name, module)``.

        Example:
            >>> import compat
            >>> [n for n, _ in compat.nn.Sequential(compat.nn.ReLU()).named_modules()]
            ['', '0']
        """
        if memo is None:
            memo = set()
        if self in memo:
            return
        if remove_duplicate:
            memo.add(self)
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            sub = prefix + ("." if prefix else "") + name
            yield from module.named_modules(memo, sub, remove_duplicate)

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other

    # -- modes and gradients ---------------------------------------------------------------

    def train(self, mode: bool = True) -> Module:
        """Set training mode on this module and its descendants (dropout, batch norm).

        Args:
            mode: True for training, False for evaluation.

        Returns:
            The module.

        Raises:
            InvalidArgumentError: If ``mode`` is not a bool.

        Example:
            >>> import compat
            >>> compat.nn.Dropout().train(False).training
            False
        """
        if not isinstance(mode, bool):
            raise InvalidArgumentError(f"training mode is expected to be boolean, got {mode!r}")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode (``train(False)``).

        Returns:
            The module.

        Example:
            >>> import compat
            >>> compat.nn.Dropout().eval().training
            False
        """
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set ``requires_grad`` on every parameter (freeze or unfreeze).

        Args:
            requires_grad: The new flag.

        Returns:
            The module.

        Example:
            >>> import compat
            >>> m = compat.nn.Linear(2, 2).requires_grad_(False)
            >>> any(p.requires_grad for p in m.parameters())
            False
        """
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters.

        Args:
            set_to_none: Set ``.grad`` to None (the default) instead of filling it with zeros.

        Example:
            >>> import compat
            >>> m = compat.nn.Linear(2, 1); m(compat.ones(1, 2)).sum().backward()
            >>> m.zero_grad(); m.weight.grad is None
            True
        """
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                if p.grad.grad_fn is not None:
                    p.grad.detach_()
                else:
                    p.grad.requires_grad_(False)
                p.grad.zero_()

    # -- conversion ------------------------------------------------------------------------

    def _apply(self, fn: Callable[[Tensor], Tensor], recurse: bool = True) -> Module:
        _mutations[0] += 1
        if recurse:
            for module in self.children():
                module._apply(fn)
        for param in self._parameters.values():
            if param is None:
                continue
            with no_grad():
                new = fn(param)
            if new is not param:
                param.data = new
            if param.grad is not None:
                with no_grad():
                    new_grad = fn(param.grad)
                if new_grad is not param.grad:
                    param.grad.data = new_grad
        for name, buf in self._buffers.items():
            if buf is not None:
                self._buffers[name] = fn(buf)
        return self

    def to_empty(self, *, device: Any, recurse: bool = True) -> Module:
        """Replace every parameter and buffer by an uninitialised one on ``device``.

        JAX has no uninitialised memory: the new values are zeros (``compat.empty_like``).
        Parameters stay the same objects; re-initialise them afterwards (for example with
        ``reset_parameters()``), as with torch.

        Args:
            device: The device (``None`` keeps each tensor's).
            recurse: Also convert the submodules' parameters and buffers.

        Returns:
            The module.

        Raises:
            DeviceError: For a device that is not available.

        Example:
            >>> import compat
            >>> compat.nn.Linear(2, 2).to_empty(device="cpu").weight.sum().item()
            0.0
        """

        def convert(t: Tensor) -> Tensor:
            return empty_like(t, device=device)

        return self._apply(convert, recurse=recurse)

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Call ``fn`` on every submodule (children first) and then on this module.

        Args:
            fn: A function of one module, such as a custom initialiser.

        Returns:
            The module.

        Example:
            >>> import compat
            >>> def init(m):
            ...     if isinstance(m, compat.nn.Linear):
            ...         compat.nn.init.zeros_(m.weight)
            >>> net = compat.nn.Sequential(compat.nn.Linear(2, 2)).apply(init)
            >>> net[0].weight.abs().sum().item()
            0.0
        """
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """Move and/or cast parameters and buffers in place.

        Forms: ``to(device)``, ``to(dtype)``, ``to(device, dtype)``, ``to(tensor)``.

        Only floating point (and complex) parameters and buffers change dtype; integer buffers
        such as ``num_batches_tracked`` keep theirs. Parameters stay the same objects (an
        optimizer built before ``to`` still holds them).

        Args:
            *args: A device, a dtype, both, or a tensor whose device and dtype to take.
            **kwargs: ``device``, ``dtype``, ``tensor``; ``non_blocking`` and
                ``memory_format`` are accepted and ignored.

        Returns:
            The module.

        Raises:
            DTypeError: For a dtype that is not floating point or complex.
            DeviceError: For a device that is not available.

        Example:
            >>> import compat
            >>> compat.nn.Linear(2, 2).to(compat.float64).weight.dtype
            torch.float64
        """
        device = kwargs.pop("device", None)
        dtype = kwargs.pop("dtype", None)
        tensor = kwargs.pop("tensor", None)
        kwargs.pop("non_blocking", None)
        kwargs.pop("memory_format", None)
        if kwargs:
            raise ArgumentTypeError(
                f"to: got an unexpected keyword argument '{next(iter(kwargs))}'"
            )
        for a in args:
            if isinstance(a, Tensor):
                tensor = a
            elif isinstance(a, bool):
                continue
            elif isinstance(a, _dtype.dtype):
                dtype = a
            else:
                device = a
        if tensor is not None:
            dtype = dtype if dtype is not None else tensor.dtype
            device = device if device is not None else tensor.device
        if dtype is not None:
            dtype = _dtype._from_any(dtype, "to")
            if not (dtype.is_floating_point or dtype.is_complex):
                raise DTypeError(
                    "nn.Module.to only accepts floating point or complex dtypes, but got "
                    f"desired dtype={dtype}"
                )

        def convert(t: Tensor) -> Tensor:
            target = (
                dtype if dtype is not None and (t.is_floating_point() or t.is_complex()) else None
            )
            if device is None and target is None:
                return t
            if device is None:
                return t.to(target)
            if target is None:
                return t.to(device)
            return t.to(device, target)

        return self._apply(convert)

    def _cast_floating(self, dtype: Any) -> Module:
        return self._apply(lambda t: t.to(dtype) if t.is_floating_point() else t)

    def float(self) -> Module:
        """Cast floating point parameters and buffers to float32.

        Returns:
            The module.

        Example:
            >>> import compat
            >>> compat.nn.Linear(1, 1).double().float().weight.dtype
            torch.float32
        """
        return self._cast_floating(_dtype.float32)

    def double(self) -> Module:
        """Cast floating point parameters and buffers to float64.

        Returns:
            The module.

        Example:
            >>> import compat
            >>> compat.nn.Linear(1, 1).double().weight.dtype
            torch.float64
        """
        return self._cast_floating(_dtype.float64)

    def half(self) -> Module:
        """Cast floating point parameters and buffers to float16.

        Returns:
            The module.

        Example:
            >>> import compat
            >>> compat.nn.Linear(1, 1).half().weight.dtype
            torch.float16
        """
        return self._cast_floating(_dtype.float16)

    def bfloat16(self) -> Module:
        """Cast floating point parameters and buffers to bfloat16.

        Returns:
            The module.

        Example:
            >>> import compat
            >>> compat.nn.Linear(1, 1).bfloat16().weight.dtype
            torch.bfloat16
        """
        return self._cast_floating(_dtype.bfloat16)

    def type(self, dst_type: Any) -> Module:
        """Cast all parameters and buffers to ``dst_type``.

        Args:
            dst_type: A dtype.

        Returns:
            The module.

        Example:
            >>> import compat
            >>> compat.nn.Linear(1, 1).type(compat.float64).bias.dtype
            torch.float64
        """
        return self._apply(lambda t: t.to(dst_type))

    def cpu(self) -> Module:
        """Move parameters and buffers to the CPU.

        Returns:
            The module.

        Example:
            >>> import compat
            >>> compat.nn.Linear(1, 1).cpu().weight.device.type
            'cpu'
        """
        return self._apply(lambda t: t.cpu())

    def cuda(self, device: Any = None) -> Module:
        """Move parameters and buffers to a GPU.

        Args:
            device: The GPU index or device (default: the current one).

        Returns:
            The module.

        Raises:
            DeviceError: Without a GPU.

        Example:
            >>> import compat
            >>> m = compat.nn.Linear(1, 1)
            >>> m = m.cuda() if compat.cuda.is_available() else m
        """
        return self._apply(lambda t: t.cuda(device))

    def share_memory(self) -> Module:
        """Return the module unchanged (JAX arrays cannot be placed in shared memory).

        Returns:
            The module.

        Example:
            >>> import compat
            >>> m = compat.nn.Linear(1, 1); m.share_memory() is m
            True
        """
        return self

    # -- state dict ------------------------------------------------------------------------

    def _save_to_state_dict(
        self, destination: dict[str, Any], prefix: str, keep_vars: bool
    ) -> None:
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buf in self._buffers.items():
            if buf is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = buf if keep_vars else buf.detach()
        if type(self).get_extra_state is not Module.get_extra_state:
            destination[prefix + "_extra_state"] = self.get_extra_state()

    def state_dict(
        self, *args: Any, destination: Any = None, prefix: str = "", keep_vars: bool = False
    ) -> OrderedDict[str, Any]:
        """The module's state: parameters and persistent buffers by dotted name.

        Keys, order, shapes and dtypes are torch's for the same module, so the result loads
        into torch (after conversion) and torch's loads here. Values are detached tensors
        sharing storage with the module's (``keep_vars=True`` returns the parameters
        themselves). The mapping has torch's ``_metadata`` attribute (each module's version).

        Args:
            *args: Torch's deprecated positional ``(destination, prefix, keep_vars)``.
            destination: A mapping to fill (a new ``OrderedDict`` by default).
            prefix: Prepended to every key.
            keep_vars: Return parameters and buffers undetached.

        Returns:
            The ordered mapping.

        Example:
            >>> import compat
            >>> {k: v.shape for k, v in compat.nn.Linear(3, 2).state_dict().items()}
            {'weight': (2, 3), 'bias': (2,)}
        """
        if args:
            names = ("destination", "prefix", "keep_vars")
            if len(args) > 3:
                raise ArgumentTypeError(
                    f"state_dict: expected at most 3 positional arguments, got {len(args)}"
                )
            given = dict(zip(names, args, strict=False))
            destination = given.get("destination", destination)
            prefix = given.get("prefix", prefix)
            keep_vars = given.get("keep_vars", keep_vars)
        if destination is None:
            destination = OrderedDict()
            destination._metadata = OrderedDict()  # type: ignore[attr-defined]
        local_metadata = {"version": self._version}
        metadata = getattr(destination, "_metadata", None)
        if metadata is not None:
            metadata[prefix[:-1]] = local_metadata
        for hook in self._state_dict_pre_hooks.values():
            hook(self, prefix, keep_vars)
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(
                    destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars
                )
        for hook in self._state_dict_hooks.values():
            result = hook(self, destination, prefix, local_metadata)
            if getattr(hook, "_from_public_api", False):
                if result is not None:
                    raise SerializationError("state_dict post-hook must return None")
            elif result is not None:
                # The private API's old behaviour: a returned mapping replaces the result
                # (only the root's return value reaches the caller, as in torch).
                destination = result
        return destination

    def get_extra_state(self) -> Any:
        """Extra state for ``state_dict`` (override together with :meth:`set_extra_state`).

        Raises:
            UnsupportedError: On a module that does not override it.
        """
        raise UnsupportedError(
            "Reached a code path in Module.get_extra_state() that should never be called: "
            "override get_extra_state() and set_extra_state() together"
        )

    def set_extra_state(self, state: Any) -> None:
        """Restore what :meth:`get_extra_state` returned.

        Args:
            state: The ``_extra_state`` entry of a state dict.

        Raises:
            UnsupportedError: On a module that does not override it.
        """
        raise UnsupportedError(
            "Reached a code path in Module.set_extra_state() that should never be called: "
            "override get_extra_state() and set_extra_state() together"
        )

    def _load_from_state_dict(
        self,
        state_dict: Mapping[str, Any],
        prefix: str,
        local_metadata: dict[str, Any],
        strict: bool,
        missing_keys: list[str],
        unexpected_keys: list[str],
        error_msgs: list[str],
    ) -> None:
        for hook in self._load_state_dict_pre_hooks.values():
            hook(
                state_dict,
                prefix,
                local_metadata,
                strict,
                missing_keys,
                unexpected_keys,
                error_msgs,
            )
        persistent = {
            k: v for k, v in self._buffers.items() if k not in self._non_persistent_buffers_set
        }
        local_state = {
            k: v
            for k, v in itertools.chain(self._parameters.items(), persistent.items())
            if v is not None
        }
        assign = local_metadata.get("assign_to_params_buffers", False)
        for name, param in local_state.items():
            key = prefix + name
            if key not in state_dict:
                if strict:
                    missing_keys.append(key)
                continue
            value = _as_compat(key, state_dict[key])
            if value is None:
                error_msgs.append(
                    f'While copying the parameter named "{key}", expected a tensor (compat, '
                    f"torch or numpy) from checkpoint but received {type(state_dict[key]).__name__}"
                )
                continue
            if param.ndim == 0 and value.ndim == 1 and value.shape[0] == 1:
                value = value[0]
            if tuple(value.shape) != tuple(param.shape):
                error_msgs.append(
                    f"size mismatch for {key}: copying a param with shape "
                    f"{_shape_list(value)} from checkpoint, the shape in current model is "
                    f"{_shape_list(param)}."
                )
                continue
            with no_grad():
                if assign:
                    if isinstance(param, Parameter):
                        new = Parameter(value.detach(), requires_grad=param.requires_grad)
                    else:
                        new = value.detach()
                    setattr(self, name, new)
                else:
                    param.copy_(value)
        extra_key = prefix + "_extra_state"
        if type(self).set_extra_state is not Module.set_extra_state:
            if extra_key in state_dict:
                self.set_extra_state(state_dict[extra_key])
            elif strict:
                missing_keys.append(extra_key)
        if strict:
            for key in state_dict:
                if not key.startswith(prefix) or key == extra_key:
                    continue
                head, dot, _ = key[len(prefix) :].partition(".")
                if dot:
                    if head not in self._modules:
                        unexpected_keys.append(key)
                elif head not in local_state:
                    unexpected_keys.append(key)

    def load_state_dict(
        self, state_dict: Mapping[str, Any], strict: bool = True, assign: bool = False
    ) -> _IncompatibleKeys:
        """Copy parameters and buffers from ``state_dict`` into this module (in place).

        Values may be compat tensors, torch tensors or numpy arrays; each is cast to the dtype
        of the parameter it fills. With ``strict``, the keys must match :meth:`state_dict`'s
        exactly.

        Args:
            state_dict: A mapping from dotted names to tensors.
            strict: Require exactly the module's keys.
            assign: Replace the parameters and buffers by the given tensors (keeping each
                parameter's ``requires_grad``) instead of copying into them.

        Returns:
            ``IncompatibleKeys(missing_keys, unexpected_keys)`` (torch's named tuple).

        Raises:
            ShapeError: If a value's shape differs from its parameter's; the message names the
                key and both shapes (and lists any other problem found).
            SerializationError: For missing or unexpected keys with ``strict``, or a value that
                is not a tensor.
            ArgumentTypeError: If ``state_dict`` is not a mapping.

        Example:
            >>> import compat
            >>> src, dst = compat.nn.Linear(2, 2), compat.nn.Linear(2, 2)
            >>> dst.load_state_dict(src.state_dict())
            <All keys matched successfully>
        """
        if not isinstance(state_dict, Mapping):
            raise ArgumentTypeError(
                f"load_state_dict: expected state_dict to be dict-like, got {type(state_dict).__name__}"
            )
        _mutations[0] += 1
        missing: list[str] = []
        unexpected: list[str] = []
        errors: list[str] = []
        metadata = getattr(state_dict, "_metadata", None)
        # A copy, so that load pre-hooks may edit it without touching the caller's mapping.
        state_dict = OrderedDict(state_dict)
        if metadata is not None:
            state_dict._metadata = metadata  # type: ignore[attr-defined]

        def load(module: Module, local: Mapping[str, Any], prefix: str) -> None:
            local_metadata = {} if metadata is None else dict(metadata.get(prefix[:-1], {}))
            if assign:
                local_metadata["assign_to_params_buffers"] = True
            module._load_from_state_dict(
                local, prefix, local_metadata, True, missing, unexpected, errors
            )
            for name, child in module._modules.items():
                if child is not None:
                    child_prefix = prefix + name + "."
                    load(
                        child,
                        {k: v for k, v in local.items() if k.startswith(child_prefix)},
                        child_prefix,
                    )
            # Hooks may edit the key lists in place (and so change what strict raises).
            incompatible = _IncompatibleKeys(missing, unexpected)
            for hook in module._load_state_dict_post_hooks.values():
                if hook(module, incompatible) is not None:
                    raise SerializationError(
                        "Hooks registered with ``register_load_state_dict_post_hook`` are not "
                        "expected to return new values, if incompatible_keys need to be "
                        "modified, it should be done inplace."
                    )

        load(self, state_dict, "")
        if strict:
            if unexpected:
                errors.insert(
                    0,
                    "Unexpected key(s) in state_dict: "
                    + ", ".join(f'"{k}"' for k in unexpected)
                    + ". ",
                )
            if missing:
                errors.insert(
                    0,
                    "Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ". ",
                )
        if errors:
            message = (
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                + "\n\t".join(errors)
            )
            cls = (
                ShapeError
                if any(e.startswith("size mismatch") for e in errors)
                else SerializationError
            )
            raise cls(message, missing_keys=missing, unexpected_keys=unexpected)
        return _IncompatibleKeys(missing, unexpected)

    # -- hooks -----------------------------------------------------------------------------

    @staticmethod
    def _add_hook(
        table: OrderedDict[int, Any], hook: Any, prepend: bool, extra: list[Any]
    ) -> RemovableHandle:
        handle = RemovableHandle(table, extra_dict=extra)
        table[handle.id] = hook
        if prepend:
            table.move_to_end(handle.id, last=False)
        return handle

    def register_forward_pre_hook(
        self, hook: Callable[..., Any], *, prepend: bool = False, with_kwargs: bool = False
    ) -> RemovableHandle:
        """Run ``hook`` before every forward; it may replace the inputs.

        Args:
            hook: ``hook(module, args) -> None | new_args`` (a non-tuple is wrapped in one),
                or with ``with_kwargs``: ``hook(module, args, kwargs) -> None | (args, kwargs)``.
            prepend: Run before the hooks already registered.
            with_kwargs: Pass the keyword arguments too.

        Returns:
            A handle whose ``remove()`` unregisters the hook.

        Example:
            >>> import compat
            >>> m = compat.nn.Identity()
            >>> _ = m.register_forward_pre_hook(lambda mod, args: (args[0] * 10,))
            >>> m(compat.tensor(1.0)).item()
            10.0
        """
        handle = self._add_hook(
            self._forward_pre_hooks, hook, prepend, [self._forward_pre_hooks_with_kwargs]
        )
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs[handle.id] = True
        return handle

    def compile(self, *args: Any, **kwargs: Any) -> None:
        """Compile this module's forward in place (``compat.compile``'s module path).

        Later calls ``module(x)`` run the forward as one compiled op; the module keeps its
        identity, ``state_dict`` keys and hooks (which run eagerly around the forward).

        Args:
            *args: Refused (options are keywords).
            **kwargs: ``compat.compile``'s options (``fullgraph``, ``backend``, ``mode``,
                ``dynamic``, ``options``, ``disable``; ``disable=True`` restores eager).

        Raises:
            ArgumentTypeError: For positional or unknown options.
            InvalidArgumentError: For an unknown ``backend`` or ``mode``.

        Example:
            >>> import compat
            >>> lin = compat.nn.Linear(2, 1)
            >>> lin.compile()
            >>> tuple(lin(compat.ones(3, 2)).shape)
            (3, 1)
        """
        from compat._compile import _compile_in_place

        _compile_in_place(self, *args, **kwargs)

    def register_forward_hook(
        self,
        hook: Callable[..., Any],
        *,
        prepend: bool = False,
        with_kwargs: bool = False,
        always_call: bool = False,
    ) -> RemovableHandle:
        """Run ``hook`` after every forward; it may replace the output.

        Args:
            hook: ``hook(module, args, output) -> None | new_output``, or with
                ``with_kwargs``: ``hook(module, args, kwargs, output)``.
            prepend: Run before the hooks already registered.
            with_kwargs: Pass the keyword arguments too.
            always_call: Also run (with ``output=None``) when the forward raises.

        Returns:
            A handle whose ``remove()`` unregisters the hook.

        Example:
            >>> import compat
            >>> m = compat.nn.Identity(); outs = []
            >>> _ = m.register_forward_hook(lambda mod, args, out: outs.append(out.item()))
            >>> _ = m(compat.tensor(2.0)); outs
            [2.0]
        """
        handle = self._add_hook(
            self._forward_hooks,
            hook,
            prepend,
            [self._forward_hooks_with_kwargs, self._forward_hooks_always_called],
        )
        if with_kwargs:
            self._forward_hooks_with_kwargs[handle.id] = True
        if always_call:
            self._forward_hooks_always_called[handle.id] = True
        return handle

    def register_full_backward_hook(
        self, hook: Callable[..., Any], prepend: bool = False
    ) -> RemovableHandle:
        """Run ``hook(module, grad_input, grad_output)`` when the gradients of the inputs are known.

        ``grad_input`` has one entry per positional tensor input (None where it does not
        require grad), ``grad_output`` one per tensor output. The hook may return new
        ``grad_input`` values. With no input requiring grad it runs with all-None
        ``grad_input`` as soon as ``grad_output`` is known.

        Args:
            hook: The hook.
            prepend: Run before the hooks already registered.

        Returns:
            A handle whose ``remove()`` unregisters the hook.

        Example:
            >>> import compat
            >>> m = compat.nn.Linear(2, 1); seen = []
            >>> _ = m.register_full_backward_hook(lambda mod, gi, go: seen.append(go[0].shape))
            >>> m(compat.ones(3, 2)).sum().backward(); seen
            [(3, 1)]
        """
        return self._add_hook(self._backward_hooks, hook, prepend, [])

    register_backward_hook = register_full_backward_hook

    def register_full_backward_pre_hook(
        self, hook: Callable[..., Any], prepend: bool = False
    ) -> RemovableHandle:
        """Run ``hook(module, grad_output)`` when the gradients of the outputs are known.

        Args:
            hook: The hook; it may return new ``grad_output`` values.
            prepend: Run before the hooks already registered.

        Returns:
            A handle whose ``remove()`` unregisters the hook.

        Example:
            >>> import compat
            >>> m = compat.nn.Identity(); x = compat.ones(2, requires_grad=True)
            >>> _ = m.register_full_backward_pre_hook(lambda mod, go: (go[0] * 3,))
            >>> m(x).sum().backward(); x.grad.tolist()
            [3.0, 3.0]
        """
        return self._add_hook(self._backward_pre_hooks, hook, prepend, [])

    # -- printing --------------------------------------------------------------------------

    def register_state_dict_pre_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Call ``hook(module, prefix, keep_vars)`` before :meth:`state_dict` saves this module.

        Args:
            hook: The callable; its return value is ignored.

        Returns:
            A handle whose ``remove()`` unregisters the hook.

        Example:
            >>> import compat
            >>> seen = []
            >>> m = compat.nn.Linear(2, 2)
            >>> h = m.register_state_dict_pre_hook(lambda mod, prefix, kv: seen.append(prefix))
            >>> _ = m.state_dict(prefix="net."); seen
            ['net.']
        """
        return self._add_hook(self._state_dict_pre_hooks, hook, False, [])

    def register_state_dict_post_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Call ``hook(module, state_dict, prefix, local_metadata)`` after this module is saved.

        The hook may edit ``state_dict`` in place (after this module's own entries and its
        children's are in it) and must return None.

        Args:
            hook: The callable.

        Returns:
            A handle whose ``remove()`` unregisters the hook.

        Raises:
            SerializationError: At ``state_dict()`` time, if the hook returns a value (also
                RuntimeError, as torch's).

        Example:
            >>> import compat
            >>> def drop_bias(mod, sd, prefix, meta):
            ...     del sd[prefix + "bias"]
            >>> m = compat.nn.Linear(2, 2)
            >>> h = m.register_state_dict_post_hook(drop_bias)
            >>> list(m.state_dict())
            ['weight']
        """
        if getattr(hook, "_from_public_api", None) is None:
            try:
                hook._from_public_api = True  # type: ignore[attr-defined]
            except AttributeError:
                # A bound method or builtin: wrap it so that the flag can be set.
                hook = _WrappedHook(hook)
                hook._from_public_api = True  # type: ignore[attr-defined]
        return self._add_hook(self._state_dict_hooks, hook, False, [])

    def _register_state_dict_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Torch's private state-dict post-hook: ``hook(module, state_dict, prefix, meta)``.

        Unlike :meth:`register_state_dict_post_hook`, a returned mapping replaces the state
        dict (respected only for the module ``state_dict()`` was called on, as in torch).

        Args:
            hook: The callable.

        Returns:
            A handle whose ``remove()`` unregisters the hook.

        Raises:
            InvalidArgumentError: If ``hook`` was registered through the public API before
                (also RuntimeError).

        Example:
            >>> import compat
            >>> m = compat.nn.Linear(2, 2)
            >>> h = m._register_state_dict_hook(lambda mod, sd, p, meta: {"w": sd["weight"]})
            >>> list(m.state_dict())
            ['w']
        """
        if getattr(hook, "_from_public_api", False):
            raise InvalidArgumentError(
                "Cannot register the same function as the state dict post hook that was "
                "previously registered via register_state_dict_post_hook"
            )
        return self._add_hook(self._state_dict_hooks, hook, False, [])

    def register_load_state_dict_pre_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Call a hook before this module loads its part of a state dict.

        The signature is ``hook(module, state_dict, prefix, local_metadata, strict,
        missing_keys, unexpected_keys, error_msgs)``; ``state_dict`` is a copy of the caller's
        mapping (restricted to this module's prefix below the root) and may be edited in place
        to rename or convert entries.

        Args:
            hook: The callable; its return value is ignored.

        Returns:
            A handle whose ``remove()`` unregisters the hook.

        Example:
            >>> import compat
            >>> def rename(mod, sd, prefix, *rest):
            ...     if prefix + "w" in sd:
            ...         sd[prefix + "weight"] = sd.pop(prefix + "w")
            >>> m = compat.nn.Linear(2, 2, bias=False)
            >>> h = m.register_load_state_dict_pre_hook(rename)
            >>> m.load_state_dict({"w": compat.ones(2, 2)})
            <All keys matched successfully>
        """
        return self._register_load_state_dict_pre_hook(hook, with_module=True)

    def _register_load_state_dict_pre_hook(
        self, hook: Callable[..., Any], with_module: bool = False
    ) -> RemovableHandle:
        """Torch's private load pre-hook: the module is passed first only with ``with_module``.

        Args:
            hook: ``hook([module,] state_dict, prefix, local_metadata, strict, missing_keys,
                unexpected_keys, error_msgs)``.
            with_module: Pass this module (held weakly) as the first argument.

        Returns:
            A handle whose ``remove()`` unregisters the hook.

        Example:
            >>> import compat
            >>> calls = []
            >>> m = compat.nn.Linear(2, 2)
            >>> h = m._register_load_state_dict_pre_hook(lambda sd, prefix, *r: calls.append(prefix))
            >>> _ = m.load_state_dict(m.state_dict()); calls
            ['']
        """
        wrapped = _WrappedHook(hook, self if with_module else None)
        return self._add_hook(self._load_state_dict_pre_hooks, wrapped, False, [])

    def register_load_state_dict_post_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Call ``hook(module, incompatible_keys)`` after this module and its children load.

        ``incompatible_keys`` holds the ``missing_keys`` and ``unexpected_keys`` lists found
        so far; the hook may edit them in place (clearing them avoids a strict error) and must
        return None.

        Args:
            hook: The callable.

        Returns:
            A handle whose ``remove()`` unregisters the hook.

        Raises:
            SerializationError: At load time, if the hook returns a value (also RuntimeError;
                torch raises AssertionError).

        Example:
            >>> import compat
            >>> m = compat.nn.Linear(2, 2)
            >>> h = m.register_load_state_dict_post_hook(lambda mod, keys: keys.missing_keys.clear())
            >>> m.load_state_dict({})
            <All keys matched successfully>
        """
        return self._add_hook(self._load_state_dict_post_hooks, hook, False, [])

    def _get_name(self) -> str:
        return type(self).__name__

    def extra_repr(self) -> str:
        """The module-specific part of the printed form (override it; empty by default).

        Returns:
            A string, possibly with several lines.
        """
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [
            f"({key}): " + _addindent(repr(module), 2) for key, module in self._modules.items()
        ]
        lines = extra_lines + child_lines
        main = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                main += extra_lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"
