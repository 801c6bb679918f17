"""``torch.nn.modules.lazy`` for compat: the mixin of the lazy modules.

A lazy module (``LazyLinear``, ``LazyConv2d``, ``LazyBatchNorm1d``, ...) holds
:class:`~compat.nn.UninitializedParameter` placeholders until its first forward, which infers
their shapes from the input, materialises and initialises them, and turns the module into its
ordinary class (``cls_to_become``: a ``LazyLinear`` becomes a ``Linear``). Loading a state dict
into a lazy module materialises its placeholders to the loaded shapes first. As in torch.
"""

from __future__ import annotations

import itertools
import weakref
from typing import Any

from compat._grad_mode import no_grad
from compat.nn.parameter import is_lazy
from compat.utils.hooks import RemovableHandle
from rustorch_fx.errors import SerializationError, UnsupportedError

__all__ = ["LazyModuleMixin"]


class LazyModuleMixin:
    """Mixin for modules whose parameter shapes come from their first input (torch's).

    Put it first among the bases (``class LazyLinear(LazyModuleMixin, Linear)``); the module
    defines ``initialize_parameters(*args, **kwargs)``, which materialises its placeholders
    from the forward arguments, and may set ``cls_to_become``.

    Example:
        >>> import compat
        >>> fc = compat.nn.LazyLinear(3)
        >>> fc.weight
        <UninitializedParameter>
        >>> fc(compat.ones(2, 5)).shape, type(fc).__name__, fc.weight.shape
        ((2, 3), 'Linear', (3, 5))
    """

    cls_to_become: type | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Register the load pre-hook and the forward pre-hook that infer the shapes."""
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        self._load_hook = self._register_load_state_dict_pre_hook(  # type: ignore[attr-defined]
            self._lazy_load_hook
        )
        self._initialize_hook = self.register_forward_pre_hook(  # type: ignore[attr-defined]
            self._infer_parameters, with_kwargs=True
        )

    def __getstate__(self) -> dict[str, Any]:
        # The two handles hold weak references to this module's hook tables: keep their ids,
        # and rebuild them against the copy's tables (deepcopy and pickle).
        state = dict(self.__dict__)
        for name in ("_load_hook", "_initialize_hook"):
            if name in state:
                state[name] = state[name].id
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)  # type: ignore[misc]
        tables = {
            "_load_hook": (self._load_state_dict_pre_hooks, ()),  # type: ignore[attr-defined]
            "_initialize_hook": (
                self._forward_pre_hooks,  # type: ignore[attr-defined]
                (self._forward_pre_hooks_with_kwargs,),  # type: ignore[attr-defined]
            ),
        }
        for name, (table, extras) in tables.items():
            if isinstance(state.get(name), int):
                handle = RemovableHandle.__new__(RemovableHandle)
                handle.hooks_dict_ref = weakref.ref(table)
                handle.id = state[name]
                handle.extra_dict_ref = tuple(weakref.ref(d) for d in extras)
                self.__dict__[name] = handle

    def _save_to_state_dict(
        self, destination: dict[str, Any], prefix: str, keep_vars: bool
    ) -> None:
        # Placeholders are saved as they are (detaching one would need its shape).
        params = self._parameters.items()  # type: ignore[attr-defined]
        buffers = (
            (k, v)
            for k, v in self._buffers.items()  # type: ignore[attr-defined]
            if k not in self._non_persistent_buffers_set  # type: ignore[attr-defined]
        )
        for name, value in itertools.chain(params, buffers):
            if value is not None:
                keep = keep_vars or is_lazy(value)
                destination[prefix + name] = value if keep else value.detach()

    def _lazy_load_hook(
        self,
        state_dict: dict[str, Any],
        prefix: str,
        local_metadata: dict[str, Any],
        strict: bool,
        missing_keys: list[str],
        unexpected_keys: list[str],
        error_msgs: list[str],
    ) -> None:
        members = itertools.chain(
            self._parameters.items(),  # type: ignore[attr-defined]
            self._buffers.items(),  # type: ignore[attr-defined]
        )
        for name, value in members:
            key = prefix + name
            if key in state_dict and value is not None and is_lazy(value):
                given = state_dict[key]
                if not is_lazy(given):
                    with no_grad():
                        value.materialize(tuple(given.shape))

    def initialize_parameters(self, *args: Any, **kwargs: Any) -> None:
        """Materialise the placeholders from the forward arguments (each lazy module's own).

        Raises:
            UnsupportedError: On a class that does not define it.
        """
        raise UnsupportedError(
            f"initialize_parameters is not implemented for {type(self).__name__}"
        )

    def has_uninitialized_params(self) -> bool:
        """Whether a parameter or buffer is still a placeholder.

        Returns:
            True while the module is not fully initialised.
        """
        values = itertools.chain(
            self._parameters.values(),  # type: ignore[attr-defined]
            self._buffers.values(),  # type: ignore[attr-defined]
        )
        return any(is_lazy(v) for v in values)

    def _infer_parameters(
        self, module: Any, args: tuple[Any, ...], kwargs: dict[str, Any] | None = None
    ) -> None:
        module.initialize_parameters(*args, **(kwargs or {}))
        if module.has_uninitialized_params():
            raise SerializationError(
                f"module {self._get_name()} has not been fully initialized"  # type: ignore[attr-defined]
            )
        module._initialize_hook.remove()
        module._load_hook.remove()
        delattr(module, "_initialize_hook")
        delattr(module, "_load_hook")
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become
