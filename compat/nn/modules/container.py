"""``torch.nn`` containers for compat: Sequential, ModuleList, ModuleDict, ParameterList/Dict."""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from itertools import islice
from typing import Any

from compat._tensor import Tensor
from compat.nn.modules.module import Module, _addindent, _structure_changed
from compat.nn.parameter import Parameter
from rustorch_fx.errors import (
    ArgumentTypeError,
    IndexOutOfRangeError,
    InvalidArgumentError,
    MissingAttributeError,
    UnsupportedError,
)

__all__ = ["ModuleDict", "ModuleList", "ParameterDict", "ParameterList", "Sequential"]


def _abs_index(op: str, idx: Any, size: int) -> int:
    try:
        i = operator.index(idx)
    except TypeError as exc:
        raise ArgumentTypeError(
            f"{op}: indices must be integers or slices, not {type(idx).__name__}"
        ) from exc
    if not -size <= i < size:
        raise IndexOutOfRangeError(f"{op}: index {i} is out of range for length {size}")
    return i % size if size else i


def _iterable(op: str, values: Any) -> Iterable[Any]:
    if not isinstance(values, Iterable):
        raise ArgumentTypeError(
            f"{op} should be called with an iterable, but got {type(values).__name__}"
        )
    return values


class Sequential(Module):
    """Modules applied in order: ``Sequential(a, b)(x) == b(a(x))``.

    Built from modules (named ``"0"``, ``"1"``, ...) or from one ``OrderedDict`` of named
    modules. Indexing, slicing (a new Sequential of the same modules), ``len``, iteration,
    ``append``, ``insert``, ``extend``, ``pop``, ``del``, ``+`` and ``*`` behave as torch's.

    Args:
        *args: Modules, or a single ``OrderedDict[str, Module]``.

    Shape:
        Whatever the first module takes; whatever the last returns.

    Example:
        >>> import compat
        >>> from compat import nn
        >>> net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
        >>> net(compat.ones(3, 4)).shape, len(net), type(net[1]).__name__
        ((3, 2), 3, 'ReLU')
    """

    def __init__(self, *args: Any) -> None:
        """Build from modules or an ``OrderedDict`` (see the class docstring)."""
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for key, module in args[0].items():
                self.add_module(key, module)
        else:
            for idx, module in enumerate(args):
                self.add_module(str(idx), module)

    def _renumber(self) -> None:
        self.__dict__["_modules"] = {str(i): m for i, m in enumerate(self._modules.values())}

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return self.__class__(OrderedDict(list(self._modules.items())[idx]))
        i = _abs_index("Sequential", idx, len(self))
        return next(islice(self._modules.values(), i, None))

    def __setitem__(self, idx: int, module: Module) -> None:
        i = _abs_index("Sequential", idx, len(self))
        setattr(self, next(islice(self._modules.keys(), i, None)), module)

    def __delitem__(self, idx: int | slice) -> None:
        if isinstance(idx, slice):
            for key in list(self._modules.keys())[idx]:
                delattr(self, key)
        else:
            i = _abs_index("Sequential", idx, len(self))
            delattr(self, next(islice(self._modules.keys(), i, None)))
        self._renumber()

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __add__(self, other: Sequential) -> Sequential:
        if not isinstance(other, Sequential):
            raise ArgumentTypeError(
                f"add operator supports only objects of Sequential class, but {type(other).__name__} is given."
            )
        return self.__class__(*self, *other)

    def __iadd__(self, other: Sequential) -> Sequential:
        if not isinstance(other, Sequential):
            raise ArgumentTypeError(
                f"add operator supports only objects of Sequential class, but {type(other).__name__} is given."
            )
        for module in list(other):
            self.append(module)
        return self

    def __mul__(self, other: int) -> Sequential:
        if not isinstance(other, int) or isinstance(other, bool):
            raise ArgumentTypeError(
                f"unsupported operand type(s) for *: {type(self).__name__} and {type(other).__name__}"
            )
        if other <= 0:
            raise InvalidArgumentError(
                f"Non-positive multiplication factor {other} for {type(self).__name__}"
            )
        return self.__class__(*(list(self) * other))

    __rmul__ = __mul__

    def __imul__(self, other: int) -> Sequential:
        result = self * other
        self.__dict__["_modules"] = dict(result._modules)
        _structure_changed()
        return self

    def append(self, module: Module) -> Sequential:
        """Add ``module`` at the end.

        Args:
            module: The module.

        Returns:
            This Sequential.

        Example:
            >>> import compat
            >>> len(compat.nn.Sequential().append(compat.nn.ReLU()))
            1
        """
        self.add_module(str(len(self)), module)
        return self

    def insert(self, index: int, module: Module) -> Sequential:
        """Insert ``module`` before position ``index`` (``-len <= index <= len``).

        Args:
            index: The position.
            module: The module.

        Returns:
            This Sequential.

        Raises:
            ArgumentTypeError: If ``module`` is not a Module.
            IndexOutOfRangeError: For an index out of range.

        Example:
            >>> import compat
            >>> s = compat.nn.Sequential(compat.nn.ReLU()).insert(0, compat.nn.Tanh())
            >>> type(s[0]).__name__
            'Tanh'
        """
        if not isinstance(module, Module):
            raise ArgumentTypeError(
                f"module should be of type: Module, got {type(module).__name__}"
            )
        n = len(self)
        if not -n <= index <= n:
            raise IndexOutOfRangeError(f"Index out of range: {index}")
        index = index + n if index < 0 else index
        modules = list(self._modules.values())
        modules.insert(index, module)
        self.__dict__["_modules"] = {str(i): m for i, m in enumerate(modules)}
        _structure_changed()
        return self

    def extend(self, sequential: Iterable[Module]) -> Sequential:
        """Append every module of ``sequential`` (any iterable of modules).

        Args:
            sequential: The modules.

        Returns:
            This Sequential.

        Example:
            >>> import compat
            >>> len(compat.nn.Sequential().extend([compat.nn.ReLU(), compat.nn.Tanh()]))
            2
        """
        for module in _iterable("Sequential.extend", sequential):
            self.append(module)
        return self

    def pop(self, key: int | slice) -> Module:
        """Remove the module at ``key`` and return it.

        Args:
            key: The index.

        Returns:
            The removed module.

        Example:
            >>> import compat
            >>> type(compat.nn.Sequential(compat.nn.ReLU()).pop(0)).__name__
            'ReLU'
        """
        value = self[key]
        del self[key]
        return value

    def forward(self, input: Any) -> Any:
        """Apply the modules in order.

        Args:
            input: The first module's input.

        Returns:
            The last module's output.
        """
        for module in self:
            input = module(input)
        return input


class ModuleList(Module):
    """A list of modules, registered as children (``"0"``, ``"1"``, ...).

    Args:
        modules: An iterable of modules.

    Example:
        >>> import compat
        >>> layers = compat.nn.ModuleList([compat.nn.Linear(2, 2) for _ in range(3)])
        >>> len(list(layers.parameters()))
        6
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        """Build from an iterable of modules."""
        super().__init__()
        if modules is not None:
            self += modules

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return self.__class__(list(self._modules.values())[idx])
        return self._modules[str(_abs_index("ModuleList", idx, len(self)))]

    def __setitem__(self, idx: int, module: Module) -> None:
        setattr(self, str(_abs_index("ModuleList", idx, len(self))), module)

    def __delitem__(self, idx: int | slice) -> None:
        if isinstance(idx, slice):
            for k in range(len(self._modules))[idx]:
                delattr(self, str(k))
        else:
            delattr(self, str(_abs_index("ModuleList", idx, len(self))))
        self.__dict__["_modules"] = {str(i): m for i, m in enumerate(self._modules.values())}

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        combined = ModuleList()
        for i, module in enumerate([*self, *other]):
            combined.add_module(str(i), module)
        return combined

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before position ``index``.

        Args:
            index: The position (negative counts from the end).
            module: The module.

        Example:
            >>> import compat
            >>> ml = compat.nn.ModuleList([compat.nn.ReLU()]); ml.insert(0, compat.nn.Tanh())
            >>> [type(m).__name__ for m in ml]
            ['Tanh', 'ReLU']
        """
        modules = list(self._modules.values())
        modules.insert(index, module)
        self.__dict__["_modules"] = {}
        for i, m in enumerate(modules):
            self.add_module(str(i), m)

    def append(self, module: Module) -> ModuleList:
        """Add ``module`` at the end.

        Args:
            module: The module.

        Returns:
            This list.

        Example:
            >>> import compat
            >>> len(compat.nn.ModuleList().append(compat.nn.ReLU()))
            1
        """
        self.add_module(str(len(self)), module)
        return self

    def pop(self, key: int | slice) -> Module:
        """Remove the module at ``key`` and return it.

        Args:
            key: The index.

        Returns:
            The removed module.

        Example:
            >>> import compat
            >>> type(compat.nn.ModuleList([compat.nn.ReLU()]).pop(0)).__name__
            'ReLU'
        """
        value = self[key]
        del self[key]
        return value

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Append every module of an iterable.

        Args:
            modules: The modules.

        Returns:
            This list.

        Raises:
            ArgumentTypeError: If ``modules`` is not iterable.

        Example:
            >>> import compat
            >>> len(compat.nn.ModuleList().extend([compat.nn.ReLU(), compat.nn.Tanh()]))
            2
        """
        offset = len(self)
        for i, module in enumerate(_iterable("ModuleList.extend", modules)):
            self.add_module(str(offset + i), module)
        return self

    def __repr__(self) -> str:
        reprs = [repr(m) for m in self]
        if not reprs:
            return self._get_name() + "()"
        # Runs of identical modules print once, as torch 2 does: "(0-2): 3 x Linear(...)".
        blocks: list[list[Any]] = []
        for i, r in enumerate(reprs):
            if blocks and blocks[-1][2] == r:
                blocks[-1][1] = i
            else:
                blocks.append([i, i, r])
        lines = []
        for start, end, r in blocks:
            head = f"({start}): " if start == end else f"({start}-{end}): {end - start + 1} x "
            lines.append(_addindent(head + r, 2))
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"


class ModuleDict(Module):
    """An ordered dict of modules, registered as children under their keys.

    Args:
        modules: A mapping or an iterable of ``(key, module)`` pairs.

    Example:
        >>> import compat
        >>> heads = compat.nn.ModuleDict({"cls": compat.nn.Linear(4, 3), "reg": compat.nn.Linear(4, 1)})
        >>> list(heads), heads["reg"].out_features
        (['cls', 'reg'], 1)
    """

    def __init__(self, modules: Any = None) -> None:
        """Build from a mapping or pairs."""
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        if key not in self._modules:
            raise MissingAttributeError(f"ModuleDict has no key {key!r}")
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]
        _structure_changed()

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def clear(self) -> None:
        """Remove every module."""
        self._modules.clear()
        _structure_changed()

    def pop(self, key: str) -> Module:
        """Remove the module under ``key`` and return it.

        Args:
            key: The key.

        Returns:
            The removed module.
        """
        value = self[key]
        del self[key]
        return value

    def keys(self) -> Iterable[str]:
        """The keys, in insertion order."""
        return self._modules.keys()

    def items(self) -> Iterable[tuple[str, Module]]:
        """``(key, module)`` pairs, in insertion order."""
        return self._modules.items()

    def values(self) -> Iterable[Module]:
        """The modules, in insertion order."""
        return self._modules.values()

    def update(self, modules: Any) -> None:
        """Add or replace modules from a mapping or an iterable of ``(key, module)`` pairs.

        Args:
            modules: The modules.

        Raises:
            ArgumentTypeError: If ``modules`` is not iterable or an element is not a pair.
            InvalidArgumentError: If an element is not of length 2.
        """
        if isinstance(modules, Mapping | ModuleDict):
            for key, module in modules.items():
                self[key] = module
            return
        for j, m in enumerate(_iterable("ModuleDict.update", modules)):
            if not isinstance(m, Iterable):
                raise ArgumentTypeError(
                    f"ModuleDict update sequence element #{j} should be Iterable; is {type(m).__name__}"
                )
            pair = list(m)
            if len(pair) != 2:
                raise InvalidArgumentError(
                    f"ModuleDict update sequence element #{j} has length {len(pair)}; 2 is required"
                )
            self[pair[0]] = pair[1]


def _param_line(key: Any, p: Any, legacy_type: bool = False) -> str:
    # ParameterList prints the dtype, ParameterDict the legacy type name, as torch does.
    if isinstance(p, Tensor):
        size = "x".join(str(s) for s in p.shape)
        kind = "Parameter" if isinstance(p, Parameter) else "Tensor"
        device = f" ({p.device})" if p.device.type == "cuda" else ""
        dtype = p.type() if legacy_type else p.dtype
        return f"  ({key}): {kind} containing: [{dtype} of size {size}{device}]"
    return f"  ({key}): Object of type: {type(p).__name__}"


class ParameterList(Module):
    """A list of parameters, registered under ``"0"``, ``"1"``, ...

    Tensors that are not Parameters are wrapped in one; other objects are stored as they are.

    Args:
        values: An iterable of tensors or parameters.

    Example:
        >>> import compat
        >>> ps = compat.nn.ParameterList([compat.zeros(2), compat.ones(3)])
        >>> [n for n, _ in ps.named_parameters()], ps[1].requires_grad
        (['0', '1'], True)
    """

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        """Build from an iterable of tensors."""
        super().__init__()
        self.__dict__["_size"] = 0
        if values is not None:
            self += values

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return self.__class__([self[i] for i in range(len(self))[idx]])
        return getattr(self, str(_abs_index("ParameterList", idx, len(self))))

    def __setitem__(self, idx: int, param: Any) -> None:
        key = str(_abs_index("ParameterList", idx, len(self)))
        if isinstance(param, Tensor) and not isinstance(param, Parameter):
            param = Parameter(param)
        setattr(self, key, param)

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[Any]:
        return (self[i] for i in range(len(self)))

    def __iadd__(self, parameters: Iterable[Any]) -> ParameterList:
        return self.extend(parameters)

    def append(self, value: Any) -> ParameterList:
        """Add ``value`` at the end (a tensor becomes a Parameter).

        Args:
            value: The tensor or object.

        Returns:
            This list.
        """
        self.__dict__["_size"] += 1
        self[len(self) - 1] = value
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        """Append every value of an iterable.

        Args:
            values: The tensors.

        Returns:
            This list.

        Raises:
            ArgumentTypeError: If ``values`` is not iterable (or is a single tensor).
        """
        if isinstance(values, Tensor):
            raise ArgumentTypeError(
                "ParameterList.extend should be called with an iterable, but got Tensor"
            )
        for value in _iterable("ParameterList.extend", values):
            self.append(value)
        return self

    def extra_repr(self) -> str:
        """One line per entry: kind, dtype and size."""
        return "\n".join(_param_line(k, p) for k, p in enumerate(self))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Containers of parameters cannot be called."""
        raise UnsupportedError("ParameterList should not be called.")


class ParameterDict(Module):
    """An ordered dict of parameters, registered under their (string) keys.

    Args:
        parameters: A mapping or an iterable of ``(key, tensor)`` pairs.

    Example:
        >>> import compat
        >>> pd = compat.nn.ParameterDict({"scale": compat.ones(1)})
        >>> list(pd), isinstance(pd["scale"], compat.nn.Parameter)
        (['scale'], True)
    """

    def __init__(self, parameters: Any = None) -> None:
        """Build from a mapping or pairs."""
        super().__init__()
        self.__dict__["_keys"] = {}
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key: str) -> Any:
        if key not in self._keys:
            raise MissingAttributeError(f"ParameterDict has no key {key!r}")
        return getattr(self, key)

    def __setitem__(self, key: str, value: Any) -> None:
        if not isinstance(key, str):
            raise ArgumentTypeError(f"ParameterDict keys must be strings, got {type(key).__name__}")
        self._keys[key] = None
        if isinstance(value, Tensor) and not isinstance(value, Parameter):
            value = Parameter(value)
        setattr(self, key, value)

    def __delitem__(self, key: str) -> None:
        del self._keys[key]
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __reversed__(self) -> Iterator[str]:
        return reversed(list(self._keys))

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def copy(self) -> ParameterDict:
        """A new ParameterDict holding the same parameters."""
        return ParameterDict(OrderedDict((k, self[k]) for k in self._keys))

    def setdefault(self, key: str, default: Any = None) -> Any:
        """``self[key]``, after setting it to ``default`` if absent."""
        if key not in self:
            self[key] = default
        return self[key]

    def clear(self) -> None:
        """Remove every parameter."""
        for k in list(self._keys):
            del self[k]

    def pop(self, key: str) -> Any:
        """Remove ``key`` and return its value."""
        value = self[key]
        del self[key]
        return value

    def popitem(self) -> tuple[str, Any]:
        """Remove and return the last inserted ``(key, value)``."""
        key = list(self._keys)[-1]
        value = self[key]
        del self[key]
        return key, value

    def get(self, key: str, default: Any = None) -> Any:
        """``self[key]`` if present, else ``default``."""
        return self[key] if key in self._keys else default

    def fromkeys(self, keys: Iterable[str], default: Any = None) -> ParameterDict:
        """A new ParameterDict with ``keys`` all set to ``default``."""
        return ParameterDict((k, default) for k in keys)

    def keys(self) -> Iterable[str]:
        """The keys, in insertion order."""
        return self._keys.keys()

    def items(self) -> Iterable[tuple[str, Any]]:
        """``(key, parameter)`` pairs."""
        return ((k, self[k]) for k in self._keys)

    def values(self) -> Iterable[Any]:
        """The parameters."""
        return (self[k] for k in self._keys)

    def update(self, parameters: Any) -> None:
        """Add or replace entries from a mapping or an iterable of ``(key, tensor)`` pairs.

        Args:
            parameters: The entries.

        Raises:
            ArgumentTypeError: If an element is not a pair.
            InvalidArgumentError: If an element is not of length 2.
        """
        if isinstance(parameters, Mapping | ParameterDict):
            items = parameters.items()
            if isinstance(parameters, dict) and not isinstance(parameters, OrderedDict):
                items = sorted(items)  # torch sorts a plain dict's keys
            for key, value in items:
                self[key] = value
            return
        for j, p in enumerate(_iterable("ParameterDict.update", parameters)):
            if not isinstance(p, Iterable):
                raise ArgumentTypeError(
                    f"ParameterDict update sequence element #{j} should be Iterable; is {type(p).__name__}"
                )
            pair = list(p)
            if len(pair) != 2:
                raise InvalidArgumentError(
                    f"ParameterDict update sequence element #{j} has length {len(pair)}; 2 is required"
                )
            self[pair[0]] = pair[1]

    def __or__(self, other: ParameterDict) -> ParameterDict:
        out = self.copy()
        out.update(other)
        return out

    def __ror__(self, other: ParameterDict) -> ParameterDict:
        out = other.copy()
        out.update(self)
        return out

    def __ior__(self, other: ParameterDict) -> ParameterDict:
        self.update(other)
        return self

    def extra_repr(self) -> str:
        """One line per entry: kind, dtype and size."""
        return "\n".join(_param_line(k, self[k], legacy_type=True) for k in self._keys)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Containers of parameters cannot be called."""
        raise UnsupportedError("ParameterDict should not be called.")
