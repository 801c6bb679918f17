"""The ``torch`` import alias: run unmodified PyTorch scripts on compat.

:func:`install_as_torch` puts a finder at the front of :data:`sys.meta_path` that answers every
``import torch...`` with the matching compat module object itself (``torch.nn is compat.nn``), for
any ``compat.X.Y`` that can be imported. A ``torch`` submodule or name that compat does not
provide imports as a placeholder, so a script that imports it but never uses it still runs; using
it raises :class:`~rustorch_fx.errors.UnsupportedError` naming it. While the alias is installed,
compat's public modules carry a module-level ``__getattr__`` that turns a missing name into an
:class:`UnsupportedAttributeError` (an ``UnsupportedError`` that is also an ``AttributeError``, so
``hasattr(torch, name)`` stays False). :func:`uninstall_as_torch` undoes all of it.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.abc
import importlib.machinery
import importlib.metadata
import importlib.util
import sys
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any, NoReturn

from rustorch_fx.errors import RusTorchError, UnsupportedError

__all__ = [
    "TorchAliasError",
    "UnsupportedAttributeError",
    "install_as_torch",
    "uninstall_as_torch",
    "torch_alias",
]

_ALIAS = "torch"
_TARGET = "compat"


class UnsupportedAttributeError(UnsupportedError, AttributeError):
    """A name compat does not provide, looked up on a module through the ``torch`` alias.

    Both an :class:`~rustorch_fx.errors.UnsupportedError` and an ``AttributeError``, so
    ``hasattr(torch, name)`` is False and ``getattr(torch, name, default)`` returns ``default``,
    while the message still says what is missing.

    Example:
        >>> err = UnsupportedAttributeError("torch.foo is not provided by compat")
        >>> isinstance(err, AttributeError), isinstance(err, UnsupportedError)
        (True, True)
    """


class TorchAliasError(RusTorchError, RuntimeError):
    """The ``torch`` alias cannot be installed: the real ``torch`` is already imported.

    Example:
        >>> isinstance(TorchAliasError("install_as_torch: ..."), RuntimeError)
        True
    """


def _version() -> str:
    try:
        return importlib.metadata.version("rustorch-fx")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - only from a bare tree
        return "unknown"


def _not_provided(qualname: str, detail: str) -> str:
    return f"{qualname} is not provided by compat (compat {_version()}): {detail}"


def _alias_name(compat_name: str) -> str:
    return _ALIAS + compat_name[len(_TARGET) :]


def _is_ours(name: str) -> bool:
    return name == _TARGET or name.startswith(_TARGET + ".")


def _is_public(name: str) -> bool:
    return not any(part.startswith("_") for part in name.split("."))


class _PlaceholderModule(ModuleType):
    """Stands in for a ``torch`` module or name that compat does not provide.

    Importing it works; looking anything up on it, calling it or subclassing it raises
    :class:`~rustorch_fx.errors.UnsupportedError` naming what was used. ``isinstance(x, it)``
    is False: no compat object is an instance of something compat does not provide.
    """

    def __init__(self, name: str) -> None:
        super().__init__(name, f"Placeholder for {name}, which compat does not provide.")
        self.__path__: list[str] = []  # a package, so that deeper imports work too

    def __getattr__(self, name: str) -> NoReturn:
        qualname = f"{self.__name__}.{name}"
        raise UnsupportedAttributeError(
            _not_provided(qualname, f"{self.__name__} is only a placeholder module")
        )

    def __call__(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise UnsupportedError(
            _not_provided(self.__name__, "it was imported as a placeholder and cannot be called")
        )

    def __mro_entries__(self, bases: tuple[Any, ...]) -> NoReturn:
        raise UnsupportedError(
            _not_provided(
                self.__name__, "it was imported as a placeholder and cannot be subclassed"
            )
        )

    def __instancecheck__(self, instance: Any) -> bool:
        return False

    def __subclasscheck__(self, subclass: Any) -> bool:
        return False

    def __repr__(self) -> str:
        return f"<placeholder module {self.__name__!r}: not provided by compat>"


def _make_hook(
    module: ModuleType, original: Callable[[str], Any] | None, alias: str
) -> Callable[[str], Any]:
    is_package = "__path__" in vars(module)

    def __getattr__(name: str) -> Any:
        if original is not None:
            try:
                value = original(name)
            except UnsupportedAttributeError:
                raise
            except AttributeError as exc:
                cause: BaseException | None = exc
            else:
                if isinstance(value, ModuleType) and _is_ours(value.__name__):
                    _state.adopt(value)  # a submodule the module's own __getattr__ loads lazily
                return value
        else:
            cause = None
        if name == "__path__" and not is_package:
            # Lets `from torch.x import missing` reach the finder for a module that is not a
            # package, so it gets a placeholder like a missing name in a package does.
            return []
        message = _not_provided(f"{alias}.{name}", f"{module.__name__} has no attribute {name!r}")
        raise UnsupportedAttributeError(message) from cause

    __getattr__._compat_alias_hook = True  # type: ignore[attr-defined]
    return __getattr__


class _AliasState:
    """What the alias changed, so that :func:`uninstall_as_torch` can put it back."""

    def __init__(self) -> None:
        self.finder: _TorchFinder | None = None
        self.saved: dict[str, ModuleType] = {}  # real torch entries removed by force=True
        self.registered: set[str] = set()  # torch.* names this alias put in sys.modules
        self.hooked: dict[int, tuple[ModuleType, Any]] = {}  # id -> (module, old __getattr__)
        self.placeholders: list[tuple[ModuleType, str, ModuleType]] = []  # (parent, attr, module)

    def hook(self, module: ModuleType, alias: str) -> None:
        if id(module) in self.hooked or not _is_public(alias) or not _is_ours(module.__name__):
            return  # private modules, and foreign modules bound as attributes, stay as they are
        original = vars(module).get("__getattr__")
        self.hooked[id(module)] = (module, original)
        module.__getattr__ = _make_hook(module, original, alias)  # type: ignore[method-assign]

    def adopt(self, module: ModuleType, exclude: str = "") -> None:
        """Give a compat module its torch name in ``sys.modules`` (unless ``exclude``), and hook it."""
        alias = _alias_name(module.__name__)
        if alias not in sys.modules and alias != exclude:
            sys.modules[alias] = module
            self.registered.add(alias)
        self.hook(module, alias)

    def sync(self, exclude: str = "") -> None:
        """Adopt every compat module imported so far."""
        for name, module in list(sys.modules.items()):
            if _is_ours(name) and isinstance(module, ModuleType) and module.__name__ == name:
                self.adopt(module, exclude)


_state = _AliasState()


class _AliasLoader(importlib.abc.Loader):
    """Hands the import system an existing module instead of executing anything."""

    def __init__(self, module: ModuleType) -> None:
        self.module = module
        self.spec = vars(module).get("__spec__")

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return self.module

    def exec_module(self, module: ModuleType) -> None:
        # The import system stamped the torch.* spec on the module; compat's own spec stays.
        if not isinstance(module, _PlaceholderModule):
            module.__spec__ = self.spec


class _TorchFinder(importlib.abc.MetaPathFinder):
    """Resolves ``torch`` and ``torch.*`` to compat's modules, or to placeholders.

    It also answers a public ``compat.*`` name that does not exist with the placeholder of its
    ``torch`` name: ``from torch import onnx`` imports ``compat.onnx``, because the import system
    builds the submodule's name from the module's ``__name__`` (``compat``).
    """

    def find_spec(
        self, fullname: str, path: Any = None, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname == _ALIAS or fullname.startswith(_ALIAS + "."):
            # The name being found must stay out of sys.modules: the import system would take
            # the __spec__ of a module found there and run compat's file again under it.
            _state.sync(exclude=fullname)
            module = self._resolve_alias(fullname)
        elif fullname.startswith(_TARGET + ".") and _is_public(fullname):
            module = self._resolve_missing(fullname)
        else:
            return None
        if module is None:
            return None
        _state.registered.add(fullname)
        if not isinstance(module, _PlaceholderModule):
            _state.hook(module, fullname)
        is_package = "__path__" in vars(module)
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(module), is_package=is_package)

    def _resolve_alias(self, fullname: str) -> ModuleType | None:
        compat_name = _TARGET + fullname[len(_ALIAS) :]
        if compat_name == _TARGET:
            return importlib.import_module(_TARGET)
        parent_alias, _, child = fullname.rpartition(".")
        parent = sys.modules[parent_alias]
        if isinstance(parent, _PlaceholderModule):
            return _placeholder(fullname, compat_name)
        attribute = vars(parent).get(child)
        if isinstance(attribute, ModuleType):
            return attribute
        if attribute is not None:
            return None  # a class or function, not a module: import fails as it does in torch
        if self._exists(compat_name, parent):
            return importlib.import_module(compat_name)
        return _placeholder(fullname, compat_name, parent)

    def _resolve_missing(self, fullname: str) -> ModuleType | None:
        parent_name, _, child = fullname.rpartition(".")
        parent = sys.modules.get(parent_name)
        if isinstance(parent, _PlaceholderModule):
            return _placeholder(fullname, _alias_name(fullname))
        if parent is None or id(parent) not in _state.hooked or child in vars(parent):
            return None
        if self._exists(fullname, parent):
            return None  # an existing compat module: the usual finders load it
        return _placeholder(fullname, _alias_name(fullname), parent)

    def _exists(self, name: str, parent: ModuleType) -> bool:
        path = vars(parent).get("__path__")
        if path is None:
            return False
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            if finder is not self and find is not None and find(name, path) is not None:
                return True
        return False


def _placeholder(name: str, other: str, parent: ModuleType | None = None) -> _PlaceholderModule:
    """The placeholder found under ``name``, also registered under its other name ``other``."""
    existing = sys.modules.get(other)
    if isinstance(existing, _PlaceholderModule):
        placeholder = existing
    else:
        placeholder = _PlaceholderModule(name if name.startswith(_ALIAS) else other)
        sys.modules[other] = placeholder
        _state.registered.add(other)
    if parent is not None:
        _state.placeholders.append((parent, name.rpartition(".")[2], placeholder))
    return placeholder


def _foreign_torch_entries() -> list[str]:
    return [
        name
        for name, module in sys.modules.items()
        if (name == _ALIAS or name.startswith(_ALIAS + "."))
        and name not in _state.registered
        and not (isinstance(module, ModuleType) and _is_ours(module.__name__))
    ]


def install_as_torch(force: bool = False) -> ModuleType:
    """Make ``import torch`` (and every ``torch.*`` import) give compat's modules.

    After this call, ``import torch.nn as nn`` binds ``compat.nn`` itself, ``from torch.utils.data
    import DataLoader`` reads ``compat.utils.data``, and so on for every compat submodule that
    exists. A ``torch`` submodule or name compat does not provide (``torch.onnx``) imports as a
    placeholder whose use raises :class:`~rustorch_fx.errors.UnsupportedError` naming it; a name
    missing from a compat module raises :class:`UnsupportedAttributeError`. Calling it again
    while installed does nothing.

    Args:
        force: If the real ``torch`` is already imported, remove its ``sys.modules`` entries
            (kept, and put back by :func:`uninstall_as_torch`) instead of refusing. Modules that
            already hold a reference to the real ``torch`` keep it.

    Returns:
        The ``compat`` module, which ``import torch`` now gives.

    Raises:
        TorchAliasError: The real ``torch`` (or one of its submodules) is already imported and
            ``force`` is False.

    Example:
        >>> import compat
        >>> torch = compat.install_as_torch()
        >>> import torch.autograd
        >>> torch is compat, torch.autograd is compat.autograd
        (True, True)
        >>> hasattr(torch, "no_such_name")
        False
        >>> compat.uninstall_as_torch()
    """
    compat = importlib.import_module(_TARGET)
    foreign = _foreign_torch_entries()
    if foreign:
        if not force:
            raise TorchAliasError(
                f"install_as_torch: the real torch is already imported ({len(foreign)} "
                f"sys.modules entries, such as {sorted(foreign)[0]!r}); expected no torch module "
                "before the alias is installed. Install the alias before anything imports "
                "torch, or pass force=True to replace those entries"
            )
        for name in foreign:
            _state.saved[name] = sys.modules.pop(name)
    if _state.finder is None:
        _state.finder = _TorchFinder()
        sys.meta_path.insert(0, _state.finder)
    _state.sync()
    return compat


def uninstall_as_torch() -> None:
    """Remove the ``torch`` alias and restore what :func:`install_as_torch` changed.

    The finder leaves :data:`sys.meta_path`, the ``torch.*`` entries the alias created leave
    :data:`sys.modules` (real ``torch`` entries removed by ``force=True`` come back), compat's
    modules get their own ``__getattr__`` (or none) again and lose the placeholder attributes
    that imports through the alias set on them. Does nothing when the alias is not installed.

    Example:
        >>> import sys
        >>> import compat
        >>> _ = compat.install_as_torch()
        >>> compat.uninstall_as_torch()
        >>> "torch" in sys.modules
        False
    """
    global _state
    state = _state
    if state.finder is None:
        return
    with contextlib.suppress(ValueError):
        sys.meta_path.remove(state.finder)
    for name in state.registered:
        sys.modules.pop(name, None)
    sys.modules.update(state.saved)
    for module, original in state.hooked.values():
        current = vars(module).get("__getattr__")
        if getattr(current, "_compat_alias_hook", False):
            if original is None:
                del module.__getattr__
            else:
                module.__getattr__ = original  # type: ignore[method-assign]
    for parent, child, placeholder in state.placeholders:
        if vars(parent).get(child) is placeholder:
            delattr(parent, child)
    _state = _AliasState()


@contextlib.contextmanager
def torch_alias(force: bool = False) -> Iterator[ModuleType]:
    """Install the ``torch`` alias for the duration of a ``with`` block.

    If the alias was already installed when the block starts, it stays installed after it.

    Args:
        force: As for :func:`install_as_torch`.

    Returns:
        A context manager that yields the ``compat`` module.

    Raises:
        TorchAliasError: As for :func:`install_as_torch`.

    Example:
        >>> import compat
        >>> with compat.torch_alias():
        ...     import torch
        ...     import torch.onnx  # not provided by compat: imports as a placeholder
        >>> torch is compat
        True
    """
    was_installed = _state.finder is not None
    compat = install_as_torch(force=force)
    try:
        yield compat
    finally:
        if not was_installed:
            uninstall_as_torch()
