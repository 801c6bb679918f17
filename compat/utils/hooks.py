"""``torch.utils.hooks``: the handle that removes a registered hook."""

from __future__ import annotations

import itertools
import weakref
from collections import OrderedDict
from typing import Any

__all__ = ["RemovableHandle"]

_ids = itertools.count()


class RemovableHandle:
    """A handle returned by ``register_*_hook``: ``remove()`` unregisters the hook.

    Also a context manager that removes the hook on exit.

    Args:
        hooks_dict: The ordered dict the hook was stored in (under :attr:`id`).
        extra_dict: Other dicts (or a list of them) keyed by the same id, such as the set of
            hooks that take keyword arguments; the id is removed from them too.

    Example:
        >>> import compat
        >>> m = compat.nn.Identity()
        >>> with m.register_forward_hook(lambda mod, args, out: out * 2):
        ...     print(m(compat.tensor(1.0)).item())
        2.0
        >>> m(compat.tensor(1.0)).item()
        1.0
    """

    def __init__(self, hooks_dict: Any, *, extra_dict: Any = None) -> None:
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.id = next(_ids)
        extras = extra_dict if isinstance(extra_dict, list) else [extra_dict]
        self.extra_dict_ref = tuple(weakref.ref(d) for d in extras if d is not None)

    def remove(self) -> None:
        """Unregister the hook (a no-op if it is already gone)."""
        hooks = self.hooks_dict_ref()
        if hooks is not None:
            hooks.pop(self.id, None)
        for ref in self.extra_dict_ref:
            extra = ref()
            if extra is not None:
                extra.pop(self.id, None)

    def __getstate__(self) -> tuple[Any, ...]:
        """Pickle and deepcopy keep the hook tables themselves (weak references cannot be)."""
        return (self.hooks_dict_ref(), self.id, tuple(ref() for ref in self.extra_dict_ref))

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        hooks, self.id = state[0], state[1]
        # a table that no longer exists becomes a dead reference, so remove() does nothing
        self.hooks_dict_ref = weakref.ref(hooks if hooks is not None else OrderedDict())
        extras = state[2] if len(state) > 2 else ()
        self.extra_dict_ref = tuple(weakref.ref(d) for d in extras if d is not None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()
