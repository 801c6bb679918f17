"""``torch.serialization`` for compat: ``save``, ``load`` and the allowlist of safe globals.

:func:`save` writes PyTorch's zip format (``torch.load(f, weights_only=True)`` reads what it
writes for tensors, state dicts and containers); :func:`load` reads torch zip files and
safetensors files, recognised by content whatever their name. Loading never runs code from the
file: the pickle inside a ``.pt`` file is read by a restricted unpickler
(:mod:`rustorch_fx.serialization._torch_zip`) that constructs only allowlisted objects.

What a checkpoint may construct:

* always (``weights_only=True``, torch 2.6+'s default): tensors and ``Parameter`` objects,
  storages, dtypes, devices, ``torch.Size``, ``OrderedDict``, ``Counter``, ``set``, ``bytes``,
  ``complex``, plain containers and values — what torch's ``weights_only`` unpickler allows —
  plus the globals added with :func:`add_safe_globals` or :class:`safe_globals`;
* with ``weights_only=False`` also whole objects: compat's own modules, optimizers and
  learning-rate schedulers, torch's module class paths mapped to compat's
  (``torch.nn.modules.rnn.LSTM`` loads as :class:`compat.nn.LSTM`) and ``torch.nn.functional``
  functions mapped to compat's (activations stored on modules), numpy arrays and scalars
  (object arrays excluded), ``defaultdict``.

Any other global (``os.system``, ``builtins.eval``, a user's class not added as safe) raises
:class:`~rustorch_fx.errors.SerializationError` naming it; nothing from the file runs, whatever
``weights_only`` says.
"""

from __future__ import annotations

import builtins
import collections
import importlib
import inspect
import io
import os
import pickle
import re
import warnings
from collections.abc import Callable
from typing import IO, Any

import jax
import numpy as np

from compat._device import device as _device_cls
from compat._dtype import dtype as _dtype_cls
from compat._tensor import Tensor
from rustorch_fx.errors import (
    ArgumentTypeError,
    InvalidArgumentError,
    SerializationError,
    UnsupportedError,
)
from rustorch_fx.serialization import _torch_zip as tz
from rustorch_fx.serialization._atomic import atomic_write

__all__ = [
    "DEFAULT_PROTOCOL",
    "add_safe_globals",
    "clear_safe_globals",
    "get_safe_globals",
    "load",
    "safe_globals",
    "save",
]

#: The pickle protocol of the files :func:`save` writes (torch's default).
DEFAULT_PROTOCOL = 2

_TRUE = ("1", "y", "yes", "true")
_user_globals: list[Any] = []


# -- the user's safe globals ------------------------------------------------------------------


def _qualname(entry: Any) -> tuple[str, Any]:
    if isinstance(entry, tuple):
        if len(entry) != 2 or not isinstance(entry[1], str):
            raise ArgumentTypeError(
                "add_safe_globals: expected an object or a tuple (object, 'module.name'), got "
                f"{entry!r}"
            )
        return entry[1], entry[0]
    module = getattr(entry, "__module__", None)
    name = getattr(entry, "__qualname__", None) or getattr(entry, "__name__", None)
    if not isinstance(module, str) or not isinstance(name, str):
        raise ArgumentTypeError(
            f"add_safe_globals: cannot tell the module and name of {entry!r}; pass "
            "(object, 'module.name')"
        )
    return f"{module}.{name}", entry


def add_safe_globals(safe_globals: list[Any]) -> None:
    """Allow checkpoints to construct these globals (classes or functions), as torch's.

    Args:
        safe_globals: Objects (found by their ``__module__`` and ``__qualname__``) or tuples
            ``(object, "module.name")`` naming the path a checkpoint refers to them by.

    Raises:
        ArgumentTypeError: If an entry's module and name cannot be told.

    Example:
        >>> from compat import serialization
        >>> class Point:
        ...     pass
        >>> serialization.add_safe_globals([Point])
        >>> Point in serialization.get_safe_globals()
        True
        >>> serialization.clear_safe_globals()
    """
    if not isinstance(safe_globals, list | tuple):
        raise ArgumentTypeError(
            f"add_safe_globals: expected a list, got {type(safe_globals).__name__}"
        )
    for entry in safe_globals:
        _qualname(entry)
    _user_globals.extend(safe_globals)


def get_safe_globals() -> list[Any]:
    """The globals added with :func:`add_safe_globals` (a copy).

    Returns:
        The entries, in the order they were added.

    Example:
        >>> from compat import serialization
        >>> serialization.get_safe_globals()
        []
    """
    return list(_user_globals)


def clear_safe_globals() -> None:
    """Forget every global added with :func:`add_safe_globals`.

    Example:
        >>> from compat import serialization
        >>> serialization.clear_safe_globals()
        >>> serialization.get_safe_globals()
        []
    """
    _user_globals.clear()


class safe_globals:
    """Context manager: allow these globals inside the ``with`` block only.

    Args:
        safe_globals: As for :func:`add_safe_globals`.

    Example:
        >>> from compat import serialization
        >>> class Point:
        ...     pass
        >>> with serialization.safe_globals([Point]):
        ...     Point in serialization.get_safe_globals()
        True
        >>> Point in serialization.get_safe_globals()
        False
    """

    def __init__(self, safe_globals: list[Any]) -> None:
        self._globals = safe_globals
        self._saved: list[Any] = []

    def __enter__(self) -> None:
        self._saved = list(_user_globals)
        add_safe_globals(self._globals)

    def __exit__(self, *exc: object) -> None:
        _user_globals[:] = self._saved


# -- saving ------------------------------------------------------------------------------------


def _affine(idx: np.ndarray) -> tuple[int, tuple[int, ...]] | None:
    """``(offset, strides)`` if flat positions ``idx`` form a strided view, else None."""
    if idx.size == 0:
        return None
    offset = int(idx.flat[0])
    strides = []
    for d, n in enumerate(idx.shape):
        if n == 1:
            strides.append(1)
            continue
        step = np.take(idx, 1, axis=d).flat[0] - offset
        strides.append(int(step))
    if min(strides) < 0:
        return None
    expected = offset + sum(
        np.arange(n).reshape([-1 if i == d else 1 for i in range(idx.ndim)]) * s
        for d, (n, s) in enumerate(zip(idx.shape, strides, strict=True))
    )
    if not np.array_equal(np.broadcast_to(expected, idx.shape), idx):
        return None
    return offset, tuple(strides)


def _record(t: Tensor) -> tz.TensorRecord:
    """The file record of a compat tensor, sharing its storage with the tensor's base."""
    from compat._views import _ViewStorage
    from compat.nn.parameter import Parameter

    value = np.asarray(t._value)
    is_param = isinstance(t, Parameter)
    data = t._data
    if isinstance(data, _ViewStorage):
        root = np.asarray(data.root.value)
        geometry = _affine(np.asarray(data.idx)) if root.dtype == value.dtype else None
        if geometry is None:  # not a strided view of its base: saved as its own storage
            return tz.TensorRecord(value, t.requires_grad, is_param)
        offset, stride = geometry
        return tz.TensorRecord(
            value, t.requires_grad, is_param, data.root, root.reshape(-1), offset, stride
        )
    strides = tuple(int(np.prod(value.shape[i + 1 :])) for i in range(value.ndim))
    return tz.TensorRecord(value, t.requires_grad, is_param, data, value.reshape(-1), 0, strides)


def _save_hook(obj: Any) -> Any:
    if isinstance(obj, Tensor):
        return _record(obj)
    if isinstance(obj, _dtype_cls):
        return tz.TorchDType(obj._name)
    if isinstance(obj, _device_cls):
        return tz.TorchDevice(obj.type, obj.index)
    return NotImplemented


def save(
    obj: Any,
    f: str | os.PathLike[str] | IO[bytes],
    pickle_module: Any = pickle,
    pickle_protocol: int = DEFAULT_PROTOCOL,
    _use_new_zipfile_serialization: bool = True,
    _disable_byteorder_record: bool = False,
) -> None:
    """Save an object in PyTorch's zip format, as ``torch.save``.

    Tensors keep their dtype (bfloat16 included), ``requires_grad`` and ``Parameter``-ness;
    tensors that share a storage (views of one base, tied weights) share it in the file.
    Writing to a path is atomic and durable: the data goes to a temporary file that is
    fsync'ed and renamed over ``f``, so a crash leaves the previous file whole.

    Args:
        obj: What to save: tensors, state dicts, containers, plain values; whole modules and
            optimizers too (loaded back with ``weights_only=False``).
        f: A path, or a binary file object open for writing.
        pickle_module: Only the standard ``pickle`` module is supported.
        pickle_protocol: Accepted for compatibility; files are written with protocol 2,
            torch's default, which every torch version reads.
        _use_new_zipfile_serialization: Must be True (the legacy format is not written).
        _disable_byteorder_record: Accepted for compatibility (the record is always written).

    Raises:
        SerializationError: If ``obj`` cannot be pickled or the file cannot be written.
        UnsupportedError: For the legacy format or another pickle module.

    Example:
        >>> import io, compat
        >>> from compat.serialization import load, save
        >>> buf = io.BytesIO()
        >>> save({"w": compat.ones(2)}, buf)
        >>> _ = buf.seek(0)
        >>> load(buf)["w"]
        tensor([1., 1.])
    """
    if not _use_new_zipfile_serialization:
        raise UnsupportedError(
            "save: the legacy (non-zip) format is not written; use the default "
            "_use_new_zipfile_serialization=True"
        )
    if pickle_module is not pickle:
        raise UnsupportedError(f"save: pickle_module={pickle_module!r} is not supported")
    if not isinstance(pickle_protocol, int) or not 2 <= pickle_protocol <= pickle.HIGHEST_PROTOCOL:
        raise InvalidArgumentError(f"save: pickle_protocol must be 2 to 5, got {pickle_protocol!r}")
    if isinstance(f, str | os.PathLike):
        with atomic_write(f, "save") as out:
            tz.write(out, obj, hook=_save_hook, numpy_as_tensor=False)
        return
    if not hasattr(f, "write"):
        raise ArgumentTypeError(f"save: expected a path or a binary file object, got {f!r}")
    seekable = getattr(f, "seekable", None)
    if seekable is not None and seekable():
        tz.write(f, obj, hook=_save_hook, numpy_as_tensor=False)
        return
    buf = io.BytesIO()
    tz.write(buf, obj, hook=_save_hook, numpy_as_tensor=False)
    f.write(buf.getvalue())


# -- loading -----------------------------------------------------------------------------------


class _MappedStorage:
    """What a ``map_location`` callable gets in place of a torch storage: where it would live.

    Its ``cpu()``, ``cuda(i)`` and ``to(device)`` return the storage moved there, as torch's
    do, so the usual callables (``lambda s, loc: s``, ``lambda s, loc: s.cuda(1)``) work.

    Attributes:
        location: The device string, as torch writes it (``"cpu"``, ``"cuda:1"``).
    """

    def __init__(self, location: str) -> None:
        self.location = location

    @property
    def device(self) -> _device_cls:
        """The storage's device."""
        return _device_cls(self.location)

    def cpu(self) -> _MappedStorage:
        """The storage on the CPU."""
        return _MappedStorage("cpu")

    def cuda(self, device: Any = None, non_blocking: bool = False) -> _MappedStorage:
        """The storage on a GPU (the current one if ``device`` is None)."""
        if device is None:
            return _MappedStorage("cuda")
        if isinstance(device, int):
            return _MappedStorage(f"cuda:{device}")
        return _MappedStorage(str(_device_cls(device)))

    def to(self, device: Any, *args: Any, **kwargs: Any) -> _MappedStorage:
        """The storage on ``device``."""
        return _MappedStorage(str(_device_cls(device)))


class _Placer:
    """Turns loaded records into compat tensors on the devices ``map_location`` picks."""

    def __init__(self, map_location: Any) -> None:
        self.map_location = map_location
        self.devices: dict[str, Any] = {}

    def target(self, location: str) -> str:
        m = self.map_location
        if m is None:
            return location
        if isinstance(m, str | _device_cls):
            return str(_device_cls(m))
        if isinstance(m, dict):
            found = m.get(location, location)
            return str(_device_cls(found))
        result = m(_MappedStorage(location), location)
        if result is None:
            return location
        if isinstance(result, _MappedStorage):
            return result.location
        raise ArgumentTypeError(
            "load: a map_location callable must return the storage it was given (moved with "
            f".cpu(), .cuda(i) or .to(device)) or None, got {type(result).__name__}"
        )

    def device(self, location: str) -> Any:
        from compat._device import _to_jax_device
        from rustorch_fx.errors import DeviceError

        target = self.target(location)
        found = self.devices.get(target)
        if found is None:
            try:
                found = self.devices[target] = _to_jax_device(target, "load")
            except DeviceError as exc:
                raise DeviceError(
                    f"{exc}; the checkpoint keeps this tensor on {location!r}: pass "
                    "map_location='cpu' (or another available device) to load it elsewhere"
                ) from None
        return found

    def __call__(self, rec: tz.TensorRecord) -> Tensor:
        from compat.nn.parameter import Parameter

        arr = rec.array
        dev = self.device(rec.location or "cpu")
        if isinstance(arr, np.memmap) or not arr.flags.writeable or not arr.flags.c_contiguous:
            value = jax.device_put(np.array(arr), dev)  # a copy: never alias a file map
        else:  # a buffer this load owns: JAX may use it in place
            value = jax.device_put(arr, dev, may_alias=True)
        t = Tensor._wrap(value, requires_grad=rec.requires_grad and not rec.is_parameter)
        if rec.is_parameter:
            return Parameter(t, rec.requires_grad)
        return t


def _compat_dtypes() -> dict[str, Any]:
    import compat._dtype as d

    return {n: getattr(d, n) for n in tz.DTYPE_NAMES if isinstance(getattr(d, n, None), _dtype_cls)}


class _NdarrayRef:
    """What ``numpy.ndarray`` resolves to: accepted by ``_reconstruct``, not a class to call."""


_NDARRAY = _NdarrayRef()


def _np_reconstruct(subtype: Any, shape: Any, dtype: Any) -> np.ndarray:
    if subtype is not _NDARRAY:
        raise SerializationError(f"load: numpy array subclass {subtype!r} is not supported")
    return np.ndarray.__new__(np.ndarray, shape, _np_dtype(dtype))


def _np_dtype(spec: Any, align: Any = False, copy: Any = False) -> np.dtype:
    dt = spec if isinstance(spec, np.dtype) else np.dtype(spec, align, copy)
    if dt.hasobject:
        raise SerializationError("load: numpy arrays of Python objects are not loaded")
    return dt


def _np_scalar(dtype: Any, data: Any = None) -> Any:
    dt = _np_dtype(dtype)
    if not isinstance(data, bytes) or len(data) != dt.itemsize:
        raise SerializationError("load: malformed numpy scalar")
    return np.frombuffer(data, dt)[0]


_NUMPY = {
    f"{m}.{n}": fn
    for m in ("numpy.core.multiarray", "numpy._core.multiarray")
    for n, fn in (("_reconstruct", _np_reconstruct), ("scalar", _np_scalar))
}
_NUMPY["numpy.ndarray"] = _NDARRAY
_NUMPY["numpy.dtype"] = _np_dtype
_NUMPY_DTYPE_MODULES = ("numpy.dtypes", "numpy._core.dtypes")


class _TorchModuleProxy:
    """What a torch module's pickle builds: its class's compat twin and torch's ``__dict__``."""

    _target: type
    _torch_name: str

    def __setstate__(self, state: Any) -> None:
        if not isinstance(state, dict):
            raise SerializationError(f"load: malformed state for {self._torch_name}")
        self.__dict__["_state"] = state


_proxies: dict[type, type] = {}


def _proxy_for(cls: type, qual: str) -> type:
    found = _proxies.get(cls)
    if found is None:
        found = type(f"_Torch{cls.__name__}", (_TorchModuleProxy,), {})
        found._target = cls
        found._torch_name = qual
        _proxies[cls] = found
    return found


def _compat_class(module: str, name: str) -> type | None:
    """The compat module, optimizer or scheduler class at ``module.name`` (compat's own path)."""
    if not (module == "compat" or module.startswith("compat.")) or "." in name:
        return None
    from compat.nn.modules.module import Module
    from compat.optim.lr_scheduler import LRScheduler
    from compat.optim.optimizer import Optimizer

    try:
        found = getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None
    if isinstance(found, type) and issubclass(found, Module | Optimizer | LRScheduler):
        return found
    return None


def _torch_module_class(module: str, name: str) -> type | None:
    """The compat twin of torch's module class ``torch.nn.modules.<file>.<Name>``."""
    if not module.startswith("torch.nn.modules.") and module != "torch.nn":
        return None
    import compat.nn
    from compat.nn.modules.module import Module

    found = getattr(compat.nn, name, None)
    if isinstance(found, type) and issubclass(found, Module):
        return found
    return None


class _Resolver:
    """Answers the globals outside the built-in allowlist, for one :func:`load` call."""

    def __init__(self, weights_only: bool) -> None:
        self.weights_only = weights_only
        self.dtypes = _compat_dtypes()
        self.user = dict(_qualname(e) for e in _user_globals)
        self.proxied = False  # whether a torch module class was mapped (then _finish runs)

    def __call__(self, module: str, name: str) -> Any:
        qual = f"{module}.{name}"
        if module == "torch":
            if name in self.dtypes:
                return self.dtypes[name]
            if name == "device":
                return _device_cls
        if qual in self.user:
            return self.user[qual]
        if self.weights_only:
            return None
        if qual in _NUMPY:
            return _NUMPY[qual]
        if module in _NUMPY_DTYPE_MODULES and name.endswith("DType"):
            return _np_dtype_class(module, name)
        if qual == "collections.defaultdict":
            return collections.defaultdict
        if qual in ("builtins.dict", "builtins.list", "builtins.int", "builtins.float"):
            return getattr(builtins, name)
        found = _compat_class(module, name)
        if found is not None:
            return found
        if module == "torch.nn.functional":  # activations stored on modules (Transformer)
            import compat.nn.functional as F

            fn = getattr(F, name, None)
            if inspect.isfunction(fn) and not name.startswith("_"):
                return fn
        cls = _torch_module_class(module, name)
        if cls is not None:
            self.proxied = True
            return _proxy_for(cls, qual)
        return None


def _np_dtype_class(module: str, name: str) -> Any:
    import numpy.dtypes

    found = getattr(numpy.dtypes, name, None)
    if isinstance(found, type) and issubclass(found, np.dtype) and name != "ObjectDType":
        return found
    return None


def _init_parameters(cls: type) -> list[tuple[str, inspect.Parameter]]:
    """The named constructor parameters of ``cls``, looking past ``(*args, **kwargs)`` inits."""
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        named = [
            (n, p)
            for n, p in list(inspect.signature(init).parameters.items())[1:]
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]
        if named or (klass is cls and not inspect.signature(init).parameters.get("args")):
            return named
    return []


def _construct(cls: type, state: dict[str, Any], qual: str) -> Any:
    """A compat ``cls`` built with the constructor arguments found in torch's ``state``.

    Returns None when a required argument is not among the saved attributes.
    """
    import compat

    params = state.get("_parameters") or {}
    kwargs: dict[str, Any] = {}
    for name, p in _init_parameters(cls):
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if name in state and not name.startswith("_"):
            kwargs[name] = state[name]
        elif name == "bias" and "bias" in params:
            kwargs[name] = params["bias"] is not None
        elif name == "elementwise_affine" and "weight" in params:
            kwargs[name] = params["weight"] is not None
        elif p.default is inspect.Parameter.empty:
            return None  # not recoverable from the state: the caller restores the attributes
    rng = compat.get_rng_state()
    try:
        for _ in range(len(kwargs) + 1):
            try:
                return cls(**kwargs)
            except TypeError as exc:  # an argument the subclass supplies itself (LSTM's mode)
                dup = re.search(r"multiple values for argument '(\w+)'", str(exc))
                if dup is None or dup.group(1) not in kwargs:
                    raise
                del kwargs[dup.group(1)]
        raise SerializationError(f"load: cannot find constructor arguments for {qual}")
    except SerializationError:
        raise
    except Exception as exc:
        raise SerializationError(
            f"load: cannot rebuild {qual} as {cls.__module__}.{cls.__name__} "
            f"({type(exc).__name__}: {exc})"
        ) from None
    finally:
        compat.set_rng_state(rng)


def _build_module(proxy: _TorchModuleProxy, convert: Callable[[Any], Any]) -> Any:
    state = proxy.__dict__.get("_state")
    qual = proxy._torch_name
    if state is None:
        raise SerializationError(f"load: {qual} was saved without its state")
    obj = _construct(proxy._target, state, qual)
    constructed = obj is not None
    if obj is None:  # restore torch's attributes on a bare instance (compat uses torch's names)
        from compat.nn.modules.module import Module

        obj = object.__new__(proxy._target)
        Module.__init__(obj)
        for key, value in state.items():
            if key not in obj.__dict__ and not key.endswith("_hooks") and key != "_modules":
                obj.__dict__[key] = convert(value)
    known = {**obj._parameters, **obj._buffers}
    for registry in ("_parameters", "_buffers"):
        for key, value in (state.get(registry) or {}).items():
            if constructed and key not in known and value is not None:
                raise SerializationError(
                    f"load: {qual} has {registry[1:-1]} {key!r}, which "
                    f"{type(obj).__name__} does not have"
                )
            if registry == "_parameters":
                obj._parameters[key] = value
            else:
                obj._buffers[key] = value
    obj._non_persistent_buffers_set = set(state.get("_non_persistent_buffers_set") or ())
    for key, child in (state.get("_modules") or {}).items():
        obj._modules[key] = convert(child)
    obj.training = bool(state.get("training", True))
    for key, value in state.items():
        if key.startswith("_") or key not in obj.__dict__ or not constructed:
            continue
        if isinstance(value, bool | int | float | str | tuple | type(None)):
            obj.__dict__[key] = value
    return obj


def _finish(obj: Any) -> Any:
    """Replace torch-module proxies by the compat modules they describe."""
    done: dict[int, Any] = {}

    def convert(x: Any) -> Any:
        key = id(x)
        if key in done:
            return done[key]
        if isinstance(x, _TorchModuleProxy):
            done[key] = built = _build_module(x, convert)
            return built
        done[key] = x
        if isinstance(x, dict):
            for k, v in list(x.items()):
                x[k] = convert(v)
        elif isinstance(x, list):
            x[:] = [convert(v) for v in x]
        elif isinstance(x, tuple):
            new = tuple(convert(v) for v in x)
            if any(a is not b for a, b in zip(new, x, strict=True)):
                done[key] = new = type(x)(new) if type(x) is tuple else new
                return new
        elif hasattr(x, "__dict__") and not isinstance(x, type | Tensor):
            for k, v in list(vars(x).items()):
                vars(x)[k] = convert(v)
        return x

    return convert(obj)


def _weights_only(value: bool | None) -> bool:
    force = os.getenv("TORCH_FORCE_WEIGHTS_ONLY_LOAD", "0").lower() in _TRUE
    force_no = os.getenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "0").lower() in _TRUE
    if force and force_no:
        raise InvalidArgumentError(
            "load: only one of TORCH_FORCE_WEIGHTS_ONLY_LOAD and "
            "TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD should be set, but both were set"
        )
    if force:
        return True
    if force_no and value is None:
        warnings.warn(
            "load: TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD is set and weights_only was not passed: "
            "loading with weights_only=False",
            UserWarning,
            stacklevel=3,
        )
        return False
    return True if value is None else bool(value)


def _check_map_location(map_location: Any) -> None:
    if map_location is None or callable(map_location):
        return
    if isinstance(map_location, str | _device_cls):
        _device_cls(map_location)  # validates
        return
    if isinstance(map_location, dict):
        for k, v in map_location.items():
            if not isinstance(k, str) or not isinstance(v, str | _device_cls):
                raise ArgumentTypeError(
                    f"load: map_location dict must map location strings to devices, got {k!r}: "
                    f"{v!r}"
                )
        return
    raise ArgumentTypeError(
        "load: map_location should be None, a string, a compat.device, a dict or a callable, "
        f"got {type(map_location).__name__}"
    )


def _head(f: Any) -> tuple[bytes, str]:
    """The first 16 bytes of a path or file object (whose position is kept)."""
    if isinstance(f, str | os.PathLike):
        try:
            with open(os.fspath(f), "rb") as fh:
                return fh.read(16), repr(os.fspath(f))
        except OSError as exc:
            raise SerializationError(
                f"load: cannot open {os.fspath(f)!r}: {exc.strerror or exc}"
            ) from None
    if not hasattr(f, "read"):
        raise ArgumentTypeError(f"load: expected a path or a binary file object, got {f!r}")
    desc = f"<{type(f).__name__}>"
    if not (getattr(f, "seekable", None) and f.seekable()):
        return b"", desc
    pos = f.tell()
    head = f.read(16)
    f.seek(pos)
    if not isinstance(head, bytes):
        raise ArgumentTypeError(f"load: {desc} is not opened in binary mode")
    return head, desc


def _load_safetensors(f: Any, mmap: bool, place: _Placer) -> dict[str, Tensor]:
    from rustorch_fx.serialization import _safetensors

    if isinstance(f, str | os.PathLike):
        arrays, _ = _safetensors.read(f, mmap=mmap)
    else:
        arrays, _ = _safetensors.read(f.read(), mmap=False)
    return {k: place(tz.TensorRecord(np.asarray(v), location="cpu")) for k, v in arrays.items()}


def load(
    f: str | os.PathLike[str] | IO[bytes],
    map_location: Any = None,
    pickle_module: Any = None,
    *,
    weights_only: bool | None = None,
    mmap: bool | None = None,
    **pickle_load_args: Any,
) -> Any:
    """Load an object saved by ``torch.save`` or :func:`save` (or a safetensors file).

    The format is recognised by content, not by the file name: a zip archive is read as a
    torch checkpoint, a safetensors file gives a dict of tensors, anything else (a legacy
    pre-zip torch file included) raises ``SerializationError``. Nothing from the file is run;
    see the module docstring for what ``weights_only`` allows.

    ``map_location`` picks each tensor's device from the location torch saved it at
    (``"cpu"``, ``"cuda:0"``), as in torch: None keeps it, a device string or
    :class:`compat.device` sends everything there, a dict maps location strings, and a callable
    ``fn(storage, location)`` returns the storage moved with ``.cpu()``, ``.cuda(i)`` or
    ``.to(device)`` (or None to keep it). ``cuda:i`` is JAX's i-th GPU; on a machine without
    one, a checkpoint saved on a GPU needs ``map_location="cpu"``, as in torch.

    Args:
        f: A path, or a binary file object positioned at the checkpoint.
        map_location: Where to put the tensors (see above).
        pickle_module: None or the standard ``pickle`` module.
        weights_only: Restrict the file to tensors and plain containers (the default, as in
            torch 2.6+); False also allows whole compat modules, optimizers and schedulers,
            torch module classes mapped to compat's, and numpy arrays. The environment
            variables ``TORCH_FORCE_WEIGHTS_ONLY_LOAD`` and ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD``
            act as in torch.
        mmap: Map the file rather than reading it (a path only); values are copied into JAX
            arrays as they are rebuilt, and storage checksums are not verified.
        **pickle_load_args: Only ``encoding`` (ignored: files are read as UTF-8, as torch).

    Returns:
        The saved object, with compat tensors, ``Parameter`` objects, dtypes and devices.

    Raises:
        SerializationError: If the file is corrupt, truncated, of an unknown format, or its
            pickle refers to a global outside the allowlist.
        ArgumentTypeError: For a bad ``f`` or ``map_location``.

    Example:
        >>> import io, compat
        >>> from compat.serialization import load, save
        >>> buf = io.BytesIO()
        >>> save({"step": 3, "w": compat.zeros(2, dtype=compat.bfloat16)}, buf)
        >>> _ = buf.seek(0)
        >>> out = load(buf)
        >>> out["step"], out["w"].dtype
        (3, torch.bfloat16)
    """
    if pickle_module not in (None, pickle):
        raise UnsupportedError(f"load: pickle_module={pickle_module!r} is not supported")
    unknown = set(pickle_load_args) - {"encoding"}
    if unknown:
        raise ArgumentTypeError(f"load: unexpected arguments {sorted(unknown)}")
    _check_map_location(map_location)
    place = _Placer(map_location)
    only = _weights_only(weights_only)
    use_mmap = bool(mmap)
    if use_mmap and not isinstance(f, str | os.PathLike):
        raise InvalidArgumentError("load: f must be a file path in order to use the mmap argument")
    head, _desc = _head(f)
    if not head and not isinstance(f, str | os.PathLike):
        data = f.read()
        f = io.BytesIO(data)
        head = data[:16]
    if tz.detect_format(head) == "safetensors":
        return _load_safetensors(f, use_mmap, place)
    hint = (
        "; if you trust this file, allow the global with "
        "compat.serialization.add_safe_globals([...]) or the safe_globals([...]) context manager"
    )
    if only:
        hint += " (weights_only=False also allows whole compat modules and numpy arrays)"
    resolver = _Resolver(only)
    result = tz.read(f, mmap=use_mmap, resolve=resolver, tensor=place, hint=hint, op="load")
    return _finish(result) if resolver.proxied else result
