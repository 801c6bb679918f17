"""``torch.optim.Optimizer``: parameter groups, per-parameter state, state dicts and hooks.

The update math lives in :mod:`rustorch_fx.optim`: each optimizer there is an optax chain whose
core ``scale_by_*`` transform keeps its state under torch's names (``exp_avg``,
``momentum_buffer``, ...). An optimizer of this package holds torch's ``param_groups`` and
``state`` and, at :meth:`Optimizer.step`, runs **one** jitted program per parameter group that
loads each parameter's state into that chain, applies the update and returns the new parameters
and state, which are then written back in place (parameter versions bump as in torch). In the
engine's lazy mode (the default) that program is recorded like any op instead of run at once:
the new parameters and state are pending values, so pending gradients (``clip_grad_norm_``
after ``backward()``) force nothing to run and the update runs with the next forward and
backward as one program.

Hyperparameters (``lr``, ``betas``, ``weight_decay``, ...) enter that program as traced arrays,
so a scheduler changing ``group["lr"]`` every step never recompiles it; only the options that
change the program's structure (``amsgrad``, ``maximize``, ``nesterov``, whether ``momentum`` or
``weight_decay`` is zero, ...) are part of the compilation key, with the parameters' shapes and
dtypes. torch's per-parameter ``step`` counts are kept per parameter.
"""

from __future__ import annotations

import copy
import functools
import itertools
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

import jax
import jax.numpy as jnp
import numpy as np
import optax

from compat import _engine
from compat._grad_mode import enable_grad, no_grad
from compat._tensor import Tensor
from compat.utils.hooks import RemovableHandle
from rustorch_fx.errors import (
    ArgumentTypeError,
    OptimizerError,
    UnsupportedError,
)

__all__ = [
    "Optimizer",
    "register_optimizer_step_post_hook",
    "register_optimizer_step_pre_hook",
    "required",
]


class _RequiredParameter:
    """Singleton marking a hyperparameter that every parameter group must give."""

    def __repr__(self) -> str:
        return "<required parameter>"


#: Default value of a hyperparameter that has none (torch's ``torch.optim.optimizer.required``).
required = _RequiredParameter()


def _changed(opt: Any) -> None:
    """Count a change of ``opt``'s groups or state (a step, a new group, a loaded state).

    ``compat.compile``'s per-call guard compares the optimizer's count (the instance attribute
    ``_mutation_count``) instead of re-reading its groups and state.

    Example:
        >>> import compat
        >>> opt = compat.optim.SGD([compat.nn.Parameter(compat.ones(1))], lr=0.1)
        >>> before = opt._mutation_count
        >>> _changed(opt)
        >>> opt._mutation_count - before
        1
    """
    d = opt.__dict__
    d["_mutation_count"] = d.get("_mutation_count", 0) + 1


_GLOBAL_STEP_PRE_HOOKS: OrderedDict[int, Callable[..., Any]] = OrderedDict()
_GLOBAL_STEP_POST_HOOKS: OrderedDict[int, Callable[..., Any]] = OrderedDict()

# State tensors that torch keeps as scalars of the default float dtype (float32).
_SCALAR_STATE = frozenset({"step", "mu_product", "eta", "mu"})
# Group options that only pick a torch kernel; compat's step is one compiled program anyway.
_HOOK_DICTS = (
    "_optimizer_step_pre_hooks",
    "_optimizer_step_post_hooks",
    "_optimizer_state_dict_pre_hooks",
    "_optimizer_state_dict_post_hooks",
    "_optimizer_load_state_dict_pre_hooks",
    "_optimizer_load_state_dict_post_hooks",
)


def register_optimizer_step_pre_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """Register a pre-hook for the ``step`` of every optimizer (torch's global hook).

    Args:
        hook: ``hook(optimizer, args, kwargs) -> None or (new_args, new_kwargs)``.

    Returns:
        A handle whose ``remove()`` unregisters the hook.

    Example:
        >>> handle = register_optimizer_step_pre_hook(lambda opt, args, kwargs: None)
        >>> handle.remove()
    """
    handle = RemovableHandle(_GLOBAL_STEP_PRE_HOOKS)
    _GLOBAL_STEP_PRE_HOOKS[handle.id] = hook
    return handle


def register_optimizer_step_post_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """Register a post-hook for the ``step`` of every optimizer (torch's global hook).

    Args:
        hook: ``hook(optimizer, args, kwargs) -> None``.

    Returns:
        A handle whose ``remove()`` unregisters the hook.

    Example:
        >>> handle = register_optimizer_step_post_hook(lambda opt, args, kwargs: None)
        >>> handle.remove()
    """
    handle = RemovableHandle(_GLOBAL_STEP_POST_HOOKS)
    _GLOBAL_STEP_POST_HOOKS[handle.id] = hook
    return handle


def _with_step_hooks(func: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a subclass's ``step`` so that the global and per-instance step hooks run."""

    @functools.wraps(func)
    def step(self: Optimizer, *args: Any, **kwargs: Any) -> Any:
        if self.__dict__.get("_in_step"):
            # A subclass's step calling super().step(): the hooks already ran.
            return func(self, *args, **kwargs)
        self._in_step = True
        try:
            return _run_hooked(func, self, args, kwargs)
        finally:
            self._in_step = False

    step._compat_hooked = True  # type: ignore[attr-defined]
    return step


def _run_hooked(func: Callable[..., Any], self: Optimizer, args: Any, kwargs: Any) -> Any:
    """Run ``func`` between the global and per-instance step pre- and post-hooks."""
    for hook in itertools.chain(
        _GLOBAL_STEP_PRE_HOOKS.values(), self._optimizer_step_pre_hooks.values()
    ):
        result = hook(self, args, kwargs)
        if result is not None:
            if not (isinstance(result, tuple) and len(result) == 2):
                raise OptimizerError(
                    f"{func.__qualname__}: a step pre-hook must return None or a tuple of "
                    f"(new_args, new_kwargs), but got {result!r}"
                )
            args, kwargs = result
    try:
        out = func(self, *args, **kwargs)
    finally:
        _changed(self)  # lazily created state
    for hook in itertools.chain(
        self._optimizer_step_post_hooks.values(), _GLOBAL_STEP_POST_HOOKS.values()
    ):
        hook(self, args, kwargs)
    return out


def _typename(value: Any) -> str:
    if isinstance(value, Tensor):
        return "compat.Tensor"
    return type(value).__module__ + "." + type(value).__qualname__


def _check_kernel_options(name: str, defaults: dict[str, Any]) -> None:
    """Check ``foreach``/``fused``/``differentiable`` as torch does in ``__init__``."""
    if defaults.get("fused") and defaults.get("foreach"):
        raise OptimizerError(f"{name}: `fused` and `foreach` cannot be `True` together.")
    if defaults.get("differentiable"):
        raise UnsupportedError(
            f"{name}: differentiable=True (differentiating through the optimizer step) is not "
            "supported by compat.optim; use rustorch_fx.optim's transforms under "
            "rustorch_fx.grad to differentiate through updates"
        )


class Optimizer:
    """Base class of all optimizers (``torch.optim.Optimizer``).

    Holds ``param_groups`` (a list of dicts, each with ``'params'`` and every hyperparameter,
    defaults filled in) and ``state`` (per-parameter dicts keyed by the parameter tensor).
    Subclasses implement :meth:`step`; the built-in optimizers delegate their update to
    :mod:`rustorch_fx.optim`.

    Args:
        params: An iterable of tensors, of ``(name, tensor)`` pairs, or of dicts (parameter
            groups, each with a ``'params'`` entry and per-group hyperparameters).
        defaults: Default hyperparameters, used where a group does not give them.

    Raises:
        ArgumentTypeError: If ``params`` is a single tensor or holds non-tensors.
        OptimizerError: If ``params`` is empty, a parameter is not a leaf, or a parameter
            appears in more than one group.

    Example:
        >>> import compat
        >>> from compat.optim import SGD
        >>> w = compat.nn.Parameter(compat.ones(2))
        >>> opt = SGD([{"params": [w], "lr": 0.5}], lr=0.1)
        >>> opt.param_groups[0]["lr"]
        0.5
    """

    _step_name: ClassVar[str] = "Optimizer"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "_compat_hooked", False):
            cls.step = _with_step_hooks(step)  # type: ignore[method-assign]

    def __init__(self, params: Any, defaults: dict[str, Any]) -> None:
        """Build the parameter groups (see the class docstring)."""
        self.defaults = defaults
        self._optimizer_step_pre_hooks: OrderedDict[int, Callable[..., Any]] = OrderedDict()
        self._optimizer_step_post_hooks: OrderedDict[int, Callable[..., Any]] = OrderedDict()
        self._optimizer_state_dict_pre_hooks: OrderedDict[int, Callable[..., Any]] = OrderedDict()
        self._optimizer_state_dict_post_hooks: OrderedDict[int, Callable[..., Any]] = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks: OrderedDict[int, Callable[..., Any]] = (
            OrderedDict()
        )
        self._optimizer_load_state_dict_post_hooks: OrderedDict[int, Callable[..., Any]] = (
            OrderedDict()
        )
        name = type(self).__name__
        if isinstance(params, Tensor):
            raise ArgumentTypeError(
                f"{name}: params argument given to the optimizer should be an iterable of "
                f"Tensors or dicts, but got {_typename(params)}"
            )
        self.state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if not groups:
            raise OptimizerError(f"{name}: optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __getstate__(self) -> dict[str, Any]:
        """What pickling and ``copy.deepcopy`` keep: ``defaults``, ``state``, ``param_groups``."""
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restore a pickled optimizer (hooks and compiled programs are not kept)."""
        self.__dict__.update(state)
        _changed(self)
        for name in _HOOK_DICTS:
            self.__dict__.setdefault(name, OrderedDict())
        self._restore()

    def _restore(self) -> None:
        """Subclass hook: rebuild what :meth:`__getstate__` leaves out."""

    # -- groups ------------------------------------------------------------------------------

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a parameter group (fine-tuning: unfreeze layers as training goes on).

        Args:
            param_group: A dict with ``'params'`` (a tensor, or an ordered iterable of tensors
                or ``(name, tensor)`` pairs) and optional per-group hyperparameters.

        Raises:
            ArgumentTypeError: If ``param_group`` is not a dict, its params are a set, or one
                of them is not a tensor.
            OptimizerError: For a non-leaf tensor, a missing required hyperparameter, a
                parameter already in another group, or groups mixing named and unnamed params.

        Example:
            >>> import compat
            >>> from compat.optim import SGD
            >>> a, b = compat.nn.Parameter(compat.ones(2)), compat.nn.Parameter(compat.ones(3))
            >>> opt = SGD([a], lr=0.1)
            >>> opt.add_param_group({"params": b, "lr": 0.01})
            >>> len(opt.param_groups)
            2
        """
        _changed(self)
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise ArgumentTypeError(
                f"{name}: param_group must be a dict, but got {type(param_group).__name__}"
            )
        if "params" not in param_group:
            raise OptimizerError(f"{name}: param_group must have a 'params' entry")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise ArgumentTypeError(
                f"{name}: optimizer parameters need to be organized in ordered collections, but "
                "the ordering of tensors in sets will change between runs. Please use a list "
                "instead."
            )
        tensors, names = [], []
        for entry in params:
            if isinstance(entry, tuple):
                names.append(entry[0])
                tensors.append(entry[1])
            else:
                tensors.append(entry)
        param_group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise OptimizerError(
                    f"{name}: all optimizer params should be with/without names. Some param "
                    "names are missing"
                )
            param_group["param_names"] = names
        for p in tensors:
            if not isinstance(p, Tensor):
                raise ArgumentTypeError(
                    f"{name}: optimizer can only optimize Tensors, but one of the params is "
                    f"{_typename(p)}"
                )
            if not (p.is_leaf or p.retains_grad):
                raise OptimizerError(
                    f"{name}: can't optimize a non-leaf Tensor (a {p._describe()}); optimize "
                    "the leaf it was computed from, or pass t.detach().requires_grad_()"
                )
        for key, default in self.defaults.items():
            if default is required and key not in param_group:
                raise OptimizerError(
                    f"{name}: parameter group didn't specify a value of required optimization "
                    f"parameter {key}"
                )
            param_group.setdefault(key, default)
        seen: set[int] = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise OptimizerError(
                    f"{name}: all optimizer param groups should be with/without names. cannot "
                    f"add param group {which} to the optimizer"
                )
        if any(id(p) in seen for p in tensors):
            raise OptimizerError(f"{name}: some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimized tensors.

        Args:
            set_to_none: Set ``.grad`` to None (the default) instead of filling it with zeros;
                a parameter whose grad is None is skipped by :meth:`step`.

        Example:
            >>> import compat
            >>> from compat.optim import SGD
            >>> w = compat.nn.Parameter(compat.ones(2))
            >>> (w * w).sum().backward()
            >>> opt = SGD([w], lr=0.1)
            >>> opt.zero_grad()
            >>> w.grad is None
            True
        """
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                    continue
                if p.grad.grad_fn is not None:
                    p.grad.detach_()
                else:
                    p.grad.requires_grad_(False)
                p.grad.zero_()

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; subclasses implement it.

        Args:
            closure: A function that re-evaluates the model and returns the loss.

        Returns:
            The closure's loss (or None).

        Raises:
            UnsupportedError: Always, on the base class (a NotImplementedError, as in torch).

        Example:
            >>> import compat
            >>> from compat.optim import SGD
            >>> w = compat.nn.Parameter(compat.ones(2))
            >>> SGD([w], lr=0.1).step()
        """
        raise UnsupportedError(
            f"{type(self).__name__}.step: Optimizer subclasses must implement step(closure=None)"
        )

    def __repr__(self) -> str:
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {key}: {group[key]}" for key in sorted(group) if key != "params")
        return "\n".join(lines) + "\n)"

    # -- hooks -------------------------------------------------------------------------------

    @staticmethod
    def _register(hooks: OrderedDict[int, Any], hook: Any, prepend: bool) -> RemovableHandle:
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        return handle

    def register_step_pre_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Register ``hook(optimizer, args, kwargs) -> None or (args, kwargs)`` before step.

        Args:
            hook: The hook; returning ``(new_args, new_kwargs)`` replaces step's arguments.

        Returns:
            A handle whose ``remove()`` unregisters the hook.

        Example:
            >>> import compat
            >>> from compat.optim import SGD
            >>> opt = SGD([compat.nn.Parameter(compat.ones(2))], lr=0.1)
            >>> handle = opt.register_step_pre_hook(lambda o, args, kwargs: None)
            >>> handle.remove()
        """
        return self._register(self._optimizer_step_pre_hooks, hook, False)

    def register_step_post_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Register ``hook(optimizer, args, kwargs) -> None`` to run after each step.

        Args:
            hook: The hook.

        Returns:
            A handle whose ``remove()`` unregisters the hook.

        Example:
            >>> import compat
            >>> from compat.optim import SGD
            >>> opt = SGD([compat.nn.Parameter(compat.ones(2))], lr=0.1)
            >>> handle = opt.register_step_post_hook(lambda o, args, kwargs: None)
        """
        return self._register(self._optimizer_step_post_hooks, hook, False)

    def register_state_dict_pre_hook(
        self, hook: Callable[..., Any], prepend: bool = False
    ) -> RemovableHandle:
        """Register ``hook(optimizer) -> None``, called at the start of :meth:`state_dict`.

        Args:
            hook: The hook.
            prepend: Run it before the hooks already registered.

        Returns:
            A handle whose ``remove()`` unregisters the hook.

        Example:
            >>> import compat
            >>> from compat.optim import SGD
            >>> opt = SGD([compat.nn.Parameter(compat.ones(2))], lr=0.1)
            >>> handle = opt.register_state_dict_pre_hook(lambda o: None)
        """
        return self._register(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(
        self, hook: Callable[..., Any], prepend: bool = False
    ) -> RemovableHandle:
        """Register ``hook(optimizer, state_dict) -> state_dict or None`` after :meth:`state_dict`.

        Args:
            hook: The hook; a returned dict replaces the state dict.
            prepend: Run it before the hooks already registered.

        Returns:
            A handle whose ``remove()`` unregisters the hook.

        Example:
            >>> import compat
            >>> from compat.optim import SGD
            >>> opt = SGD([compat.nn.Parameter(compat.ones(2))], lr=0.1)
            >>> handle = opt.register_state_dict_post_hook(lambda o, sd: None)
        """
        return self._register(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(
        self, hook: Callable[..., Any], prepend: bool = False
    ) -> RemovableHandle:
        """Register ``hook(optimizer, state_dict) -> state_dict or None`` before loading.

        Args:
            hook: The hook; a returned dict is loaded instead.
            prepend: Run it before the hooks already registered.

        Returns:
            A handle whose ``remove()`` unregisters the hook.

        Example:
            >>> import compat
            >>> from compat.optim import SGD
            >>> opt = SGD([compat.nn.Parameter(compat.ones(2))], lr=0.1)
            >>> handle = opt.register_load_state_dict_pre_hook(lambda o, sd: None)
        """
        return self._register(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(
        self, hook: Callable[..., Any], prepend: bool = False
    ) -> RemovableHandle:
        """Register ``hook(optimizer) -> None``, called at the end of :meth:`load_state_dict`.

        Args:
            hook: The hook.
            prepend: Run it before the hooks already registered.

        Returns:
            A handle whose ``remove()`` unregisters the hook.

        Example:
            >>> import compat
            >>> from compat.optim import SGD
            >>> opt = SGD([compat.nn.Parameter(compat.ones(2))], lr=0.1)
            >>> handle = opt.register_load_state_dict_post_hook(lambda o: None)
        """
        return self._register(self._optimizer_load_state_dict_post_hooks, hook, prepend)

    # -- state dicts -------------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state in torch's layout, parameters replaced by their indices.

        Returns:
            ``{"state": {index: {name: value}}, "param_groups": [{..., "params": [indices]}]}``;
            the state tensors are the optimizer's own (not copies), as in torch. Indices
            number the parameters in group order.

        Example:
            >>> import compat
            >>> from compat.optim import Adam
            >>> w = compat.nn.Parameter(compat.ones(2))
            >>> opt = Adam([w])
            >>> opt.state_dict()["param_groups"][0]["params"]
            [0]
        """
        for hook in self._optimizer_state_dict_pre_hooks.values():
            hook(self)
        mapping: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                mapping.setdefault(id(p), len(mapping))
            packed["params"] = [mapping[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {(mapping[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        out: dict[str, Any] = {"state": state, "param_groups": groups}
        for hook in self._optimizer_state_dict_post_hooks.values():
            result = hook(self, out)
            if result is not None:
                out = result
        return out

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state dict made by :meth:`state_dict` (of compat or, converted, of torch).

        State tensors are copied and cast to their parameter's dtype, except ``'step'``, as
        torch does; groups take the saved hyperparameters (schedulers' ``initial_lr``
        included) and keep their own parameters.

        Args:
            state_dict: ``{"state": ..., "param_groups": ...}``; tensors must be compat
                tensors (convert torch's with ``compat.tensor(t.numpy())``).

        Raises:
            OptimizerError: If the number of groups or of parameters in a group differs.

        Example:
            >>> import compat
            >>> from compat.optim import Adam
            >>> w = compat.nn.Parameter(compat.ones(2))
            >>> opt = Adam([w])
            >>> opt.load_state_dict(opt.state_dict())
        """
        _changed(self)
        name = type(self).__name__
        state_dict = dict(state_dict)
        for hook in self._optimizer_load_state_dict_pre_hooks.values():
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        groups = self.param_groups
        saved = copy.deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved):
            raise OptimizerError(
                f"{name}.load_state_dict: loaded state dict has a different number of parameter "
                f"groups ({len(saved)}, the optimizer has {len(groups)})"
            )
        for i, (g, s) in enumerate(zip(groups, saved, strict=True)):
            if len(g["params"]) != len(s["params"]):
                raise OptimizerError(
                    f"{name}.load_state_dict: loaded state dict contains a parameter group that "
                    f"doesn't match the size of optimizer's group (group {i}: "
                    f"{len(s['params'])} saved parameters, {len(g['params'])} in the optimizer)"
                )
        id_map = dict(
            zip(
                itertools.chain.from_iterable(s["params"] for s in saved),
                itertools.chain.from_iterable(g["params"] for g in groups),
                strict=True,
            )
        )
        state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key in id_map:
                param = id_map[key]
                state[param] = {k: _cast_state(param, k, v) for k, v in value.items()}
            else:
                state[key] = value
        new_groups = []
        for g, s in zip(groups, saved, strict=True):
            s["params"] = g["params"]
            if "param_names" in g and "param_names" not in s:
                s["param_names"] = g["param_names"]
            for key, default in self.defaults.items():
                s.setdefault(key, default)
            new_groups.append(s)
        self.state = state
        self.param_groups = new_groups
        self._after_load()
        for hook in self._optimizer_load_state_dict_post_hooks.values():
            hook(self)

    def _after_load(self) -> None:
        """Subclass hook run after :meth:`load_state_dict` (torch's ``__setstate__`` fix-ups)."""


_raw_value = _engine._raw_value


def _cast_state(param: Tensor, key: Any, value: Any) -> Any:
    """A copy of a loaded state value: tensors cast to the parameter's dtype, except 'step'."""
    if isinstance(value, Tensor):
        array = value._value
        if key != "step" and param.is_floating_point() and array.dtype != param._value.dtype:
            array = array.astype(param._value.dtype)
        return Tensor._wrap(array)
    if isinstance(value, dict):
        return {k: _cast_state(param, k, v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_state(param, None, v) for v in value)
    return copy.deepcopy(value)


# --------------------------------------------------------------------------- the generic step


def _hyper_array(value: Any) -> Any:
    """A group hyperparameter as a float64 scalar (a tuple for pairs like ``betas``).

    A concrete value becomes a numpy scalar; a JAX tracer (``compat.compile`` traces the
    hyperparameters a scheduler changes) stays traced, as float64.
    """
    if isinstance(value, (tuple, list)):
        return tuple(_hyper_array(v) for v in value)
    if isinstance(value, Tensor):
        value = value._value if isinstance(value._value, jax.core.Tracer) else value.item()
    if isinstance(value, jax.core.Tracer):
        return value.astype(np.float64)
    return np.asarray(value, np.float64)


def _is_zero(value: Any) -> bool:
    if isinstance(value, Tensor):
        value = value._value if isinstance(value._value, jax.core.Tracer) else value.item()
    if isinstance(value, jax.core.Tracer):  # compat.compile traces nonzero values only
        return False
    return float(value) == 0.0


class _FxOptimizer(Optimizer):
    """An optimizer whose update is a rustorch_fx optax chain (the built-in optimizers).

    Subclasses set:

    * ``_core``: the chain's core state NamedTuple (e.g. ``rustorch_fx.optim.ScaleByAdamState``);
    * ``_fields``: torch state name -> core field (``{"step": "count", "exp_avg": ...}``);
    * ``_traced``: group keys passed as traced arrays;
    * ``_nonzero``: traced keys whose being zero changes the program (weight decay, momentum);
    * ``_static``: group keys that are compile-time options (bools);
    * ``_transform(h)``: the rustorch_fx chain for hyperparameters ``h`` (a dict).
    """

    _core: ClassVar[type]
    _fields: ClassVar[dict[str, str]]
    _traced: ClassVar[tuple[str, ...]] = ("lr",)
    _nonzero: ClassVar[tuple[str, ...]] = ("weight_decay",)
    _static: ClassVar[tuple[str, ...]] = ("maximize",)

    @staticmethod
    def _transform(h: dict[str, Any]) -> optax.GradientTransformation:
        raise UnsupportedError("_FxOptimizer._transform: subclasses define the transform")

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step: one compiled update per parameter group.

        Parameters whose ``.grad`` is None are skipped (their state is untouched).

        Args:
            closure: A function that re-evaluates the model and returns the loss; it is
                called under ``enable_grad`` before the update.

        Returns:
            The closure's loss, or None without a closure.

        Raises:
            UnsupportedError: For complex or sparse parameters.
            DTypeError: If a gradient's dtype or shape differs from its parameter's.

        Example:
            >>> import compat
            >>> from compat.optim import SGD
            >>> w = compat.nn.Parameter(compat.ones(2))
            >>> opt = SGD([w], lr=0.5)
            >>> (w * w).sum().backward()
            >>> opt.step()
            >>> w.tolist()
            [0.0, 0.0]
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            self._update_group(group)
        return loss

    def _update_group(self, group: dict[str, Any]) -> None:
        params = [p for p in group["params"] if p.grad is not None]
        if not params:
            return
        name = type(self).__name__
        for p in params:
            if p.is_complex():
                raise UnsupportedError(
                    f"{name}.step: complex parameters are not supported (got a {p._describe()})"
                )
            g = p.grad
            if g.shape != p.shape or g.dtype != p.dtype:
                raise OptimizerError(
                    f"{name}.step: a gradient of shape {tuple(g.shape)} and dtype {g.dtype} "
                    f"does not match its parameter of shape {tuple(p.shape)} and dtype {p.dtype}"
                )
        update = _update_fn(type(self), self._static_key(group))
        hyper = {
            k: _hyper_array(group[k])
            for k in self._traced
            if not (k in self._nonzero and _is_zero(group[k]))
        }
        states = tuple(self._export_state(p) for p in params)
        args = (
            tuple(_raw_value(p) for p in params),
            tuple(_raw_value(p.grad) for p in params),
            states,
            hyper,
        )
        new_params, new_states = _run_update(update, args)
        with no_grad():
            for p, value, new in zip(params, new_params, new_states, strict=True):
                p._inplace(f"{name}.step", Tensor._wrap(value))
                if new:
                    self._import_state(p, new)

    def _static_key(self, group: dict[str, Any]) -> tuple[Any, ...]:
        static = tuple((k, bool(group[k])) for k in self._static)
        zeros = tuple((k, _is_zero(group[k])) for k in self._nonzero)
        return static + zeros

    def _export_state(self, p: Tensor) -> dict[str, Any] | None:
        """The parameter's state as a dict of arrays for the update program (None if empty)."""
        st = self.state.get(p)
        if not st:
            return None
        out = {}
        for key in self._fields:
            value = st.get(key)
            if value is None:
                continue
            out[key] = _raw_value(value) if isinstance(value, Tensor) else np.asarray(value)
        return out

    def _import_state(self, p: Tensor, new: dict[str, Any]) -> None:
        st = self.state[p]
        for key, value in new.items():
            old = st.get(key)
            if isinstance(old, Tensor) and old.shape == value.shape:
                dtype = _raw_value(old).dtype
                if value.dtype != dtype:
                    value = _engine._concrete(value).astype(dtype)
                old._data.value = value
                old._data.version += 1
            else:
                st[key] = Tensor._wrap(value)

    def _after_load(self) -> None:
        # Old checkpoints hold 'step' as a Python number; torch converts it to a tensor.
        for st in self.state.values():
            if isinstance(st, dict) and "step" in st and not isinstance(st["step"], Tensor):
                st["step"] = Tensor._wrap(jax.device_put(np.asarray(float(st["step"]), np.float32)))


@functools.cache
def _update_fn(cls: type[_FxOptimizer], static: tuple[Any, ...]) -> Callable[..., Any]:
    """The jitted group update of ``cls`` for one set of static options (cached).

    jax.jit then caches one program per parameter shapes/dtypes and state structure.
    """
    options = dict(static)

    def update(
        params: tuple[Any, ...],
        grads: tuple[Any, ...],
        states: tuple[dict[str, Any] | None, ...],
        hyper: dict[str, Any],
    ) -> tuple[tuple[Any, ...], tuple[dict[str, Any], ...]]:
        h: dict[str, Any] = {k: 0.0 for k in cls._nonzero}
        h.update({k: v for k, v in options.items() if k in cls._static})
        h.update(hyper)
        tx = cls._transform(h)
        new_params, new_states = [], []
        for p, g, st in zip(params, grads, states, strict=True):
            chain = _load_core(cls, tx.init(p), st)
            updates, chain = tx.update(g, chain, p)
            new_params.append(optax.apply_updates(p, updates))
            new_states.append(_dump_core(cls, chain, st, p))
        return tuple(new_params), tuple(new_states)

    return jax.jit(update)


def _run_update(update: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    """``update(*args)``: recorded in lazy mode, so the step joins the pending program.

    In lazy mode (:func:`compat._engine.set_lazy`) the update is recorded like any op: pending
    gradients (``clip_grad_norm_`` after ``backward()``) force nothing to run, and the new
    parameters and state stay pending until something reads them (usually the next forward and
    backward, which then run with this update as one program). Hyperparameters enter the record
    as Python floats (a new ``lr`` is a new input, not a new program) and become float64 arrays
    inside, as in the eager call. Anything the engine cannot record (tracers under
    ``compat.compile``, numpy state loaded from an old checkpoint) runs the jitted update now.
    """
    if _engine._lazy_active():
        params, grads, states, hyper = args
        floats = jax.tree_util.tree_map(
            lambda v: v if isinstance(v, jax.core.Tracer) else float(v), hyper
        )
        leaves, treedef = jax.tree_util.tree_flatten((params, grads, states, floats))
        op = _recorded_update(update, treedef)
        out = _engine._record(op, op, leaves)
        if out is not _engine._NOT_LAZY:
            return out
    return update(*jax.tree_util.tree_map(_engine._concrete, args))


@functools.lru_cache(maxsize=256)
def _recorded_update(update: Callable[..., Any], treedef: Any) -> Callable[..., Any]:
    """The jitted update of flat inputs (as the lazy engine records ops), per input structure."""

    def flat_update(*leaves: Any) -> Any:
        params, grads, states, floats = jax.tree_util.tree_unflatten(treedef, leaves)
        hyper = jax.tree_util.tree_map(lambda v: jnp.asarray(v, jnp.float64), floats)
        return update(params, grads, states, hyper)

    return jax.jit(flat_update)


def _core_index(cls: type[_FxOptimizer], chain: tuple[Any, ...]) -> int | None:
    for i, s in enumerate(chain):
        if isinstance(s, cls._core):
            return i
    return None


def _load_core(cls: type[_FxOptimizer], chain: Any, st: dict[str, Any] | None) -> Any:
    """The chain's initial state with torch's per-parameter state ``st`` loaded into its core."""
    if st is None:
        return chain
    i = _core_index(cls, chain)
    if i is None:
        return chain
    core = chain[i]
    fields = {}
    for key, field in cls._fields.items():
        init = getattr(core, field)
        if key in st and init is not None:
            fields[field] = st[key].astype(init.dtype).reshape(init.shape)
    if "count" not in fields:
        # No 'step' in torch's state (SGD): a state exists only after the first step.
        fields["count"] = core.count + 1
    return (*chain[:i], core._replace(**fields), *chain[i + 1 :])


def _dump_core(
    cls: type[_FxOptimizer], chain: Any, st: dict[str, Any] | None, p: Any
) -> dict[str, Any]:
    """The per-parameter state in torch's layout from the chain's core, dtypes kept."""
    i = _core_index(cls, chain)
    if i is None:
        return {}
    core = chain[i]
    out = {}
    for key, field in cls._fields.items():
        value = getattr(core, field)
        if value is None:
            continue
        if st is not None and key in st:
            dtype = st[key].dtype
        elif key in _SCALAR_STATE:
            dtype = np.float32
        else:
            dtype = p.dtype
        out[key] = value.astype(dtype)
    return out


def _validate(name: str, checks: Iterable[tuple[bool, str]]) -> None:
    """Raise torch's ``ValueError`` message (as OptimizerError) for the first failing check."""
    for ok, message in checks:
        if not ok:
            raise OptimizerError(f"{name}: {message}")


def _number(name: str, key: str, value: Any) -> float:
    if isinstance(value, Tensor):
        if value.numel() != 1:
            raise OptimizerError(f"{name}: Tensor {key} must be 1-element")
        return float(value.item())
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise ArgumentTypeError(f"{name}: {key} must be a number, got {type(value).__name__}")
    return float(value)


def _pair(name: str, key: str, value: Any) -> tuple[float, float]:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ArgumentTypeError(f"{name}: {key} must be a pair of numbers, got {value!r}")
    return _number(name, f"{key}[0]", value[0]), _number(name, f"{key}[1]", value[1])


def _closure_required(name: str, closure: Any) -> None:
    if closure is None:
        raise OptimizerError(
            f"{name}.step: a closure that re-evaluates the model and returns the loss is required"
        )
