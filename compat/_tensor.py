"""``compat.Tensor``: a torch-shaped tensor over a ``jax.Array``, differentiated by the engine.

A tensor holds its value in a small mutable storage shared by the tensors that alias it
(``detach()``, ``.data``), so in-place ops on one are seen by the others, with one version
counter, as in PyTorch. Every computation goes through :func:`compat._engine.apply` with a pure
function from :mod:`rustorch_fx.ops`.
"""

from __future__ import annotations

import builtins
import copy
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from compat import _engine, _grad_mode, _views
from rustorch_fx import ops
from rustorch_fx.errors import (
    ArgumentTypeError,
    AutogradError,
    DTypeError,
    InvalidArgumentError,
    ShapeError,
)

__all__ = ["Tensor"]


class _Storage:
    """The value shared by aliasing tensors, and their version counter.

    In lazy mode (:func:`compat._engine.set_lazy`) the value may be pending; reading
    ``value`` runs the pending ops first, so only the engine ever sees a pending value.
    """

    __slots__ = ("_v", "version")

    def __init__(self, value: jax.Array) -> None:
        self._v = value
        self.version = 0

    @property
    def value(self) -> Any:
        v = self._v
        if type(v) is _Pending:
            v = self._v = v.get()
        return v

    @value.setter
    def value(self, value: Any) -> None:
        self._v = value


_Pending = _engine._Pending
_raw_value = _engine._raw_value


class _HookHandle:
    """Returned by ``register_hook``; ``remove()`` unregisters the hook."""

    def __init__(self, hooks: list[Callable[..., Any]], hook: Callable[..., Any]) -> None:
        self._hooks = hooks
        self._hook = hook

    def remove(self) -> None:
        """Unregister the hook (a second call does nothing)."""
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def _value(x: Any) -> Any:
    return x._value if isinstance(x, Tensor) else x


class Tensor:
    """A multi-dimensional array with PyTorch's autograd semantics.

    Create tensors with :func:`compat.tensor`, :func:`compat.zeros`, ... rather than calling
    the class. Operations on tensors that require grad (in grad mode) record the graph;
    :meth:`backward` accumulates gradients into the ``.grad`` of leaf tensors.

    Example:
        >>> import compat
        >>> x = compat.tensor([1.0, 2.0, 3.0], requires_grad=True)
        >>> (x * x).sum().backward()
        >>> x.grad.tolist()
        [2.0, 4.0, 6.0]
    """

    __slots__ = (
        "__weakref__",
        "_acc",
        "_data",
        "_hooks",
        "_inference",
        "_output_nr",
        "_requires_grad",
        "_retains",
        "_view",
        "grad",
        "grad_fn",
    )

    __array_priority__ = 1000  # numpy defers to our reflected operators

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise ArgumentTypeError(
            "Tensor: create tensors with compat.tensor(data), compat.zeros(...), ... "
            "(the legacy Tensor(...) constructor is not provided)"
        )

    # -- construction (internal) -------------------------------------------------------------

    @classmethod
    def _wrap(
        cls, value: Any, grad_fn: Any = None, output_nr: int = 0, requires_grad: bool = False
    ) -> Tensor:
        t = object.__new__(cls)
        t._data = _Storage(value)
        t._requires_grad = requires_grad or grad_fn is not None
        t.grad = None
        t.grad_fn = grad_fn
        t._output_nr = output_nr
        t._hooks = ()
        t._retains = False
        t._acc = None
        t._view = None
        t._inference = _grad_mode._state.inference
        return t

    def _grad_accumulator(self) -> Any:
        """This leaf's AccumulateGrad node (the same object each time, as in torch)."""
        if self._acc is None:
            self._acc = _engine.AccumulateGrad(self)
        return self._acc

    def _saved(self) -> Tensor:
        """What a node keeps of this input: the leaf itself, or a frozen snapshot."""
        if self.grad_fn is None:
            return self
        snap = Tensor._wrap(_raw_value(self), self.grad_fn, self._output_nr)
        return snap

    def _describe(self) -> str:
        where = (
            f", which is output {self._output_nr} of {self.grad_fn.name()}" if self.grad_fn else ""
        )
        return f"Tensor of shape {tuple(self.shape)} and dtype {np.dtype(self._value.dtype).name}{where}"

    @property
    def _value(self) -> jax.Array:
        return self._data.value

    # -- autograd ----------------------------------------------------------------------------

    @property
    def requires_grad(self) -> bool:
        """Whether operations on this tensor are recorded for differentiation."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place on a leaf tensor and return it.

        Args:
            requires_grad: The new flag.

        Returns:
            This tensor.

        Raises:
            AutogradError: If the tensor is not a leaf.
            DTypeError: If asked to require grad on a non-floating tensor.

        Example:
            >>> import compat
            >>> compat.zeros(2).requires_grad_().requires_grad
            True
        """
        if self.grad_fn is not None:
            raise AutogradError(
                "requires_grad_: you can only change requires_grad flags of leaf variables. "
                "If you want to use a computed variable in a subgraph that doesn't require "
                "differentiation use var_no_grad = var.detach()."
            )
        if requires_grad and not jnp.issubdtype(self._value.dtype, jnp.inexact):
            raise DTypeError(
                "requires_grad_: only Tensors of floating point and complex dtype can require "
                f"gradients, got {np.dtype(self._value.dtype).name}"
            )
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded operation."""
        return self.grad_fn is None

    def retain_grad(self) -> None:
        """Keep the gradient of this non-leaf tensor in ``.grad`` during backward.

        Raises:
            AutogradError: If the tensor does not require grad.

        Example:
            >>> import compat
            >>> x = compat.ones(2, requires_grad=True)
            >>> y = x * 3
            >>> y.retain_grad()
            >>> y.sum().backward()
            >>> y.grad.tolist()
            [1.0, 1.0]
        """
        if not self._requires_grad:
            raise AutogradError(
                "retain_grad: can't retain_grad on Tensor that has requires_grad=False"
            )
        if self.grad_fn is None or self._retains:
            return
        import weakref

        self._retains = True
        if self.grad_fn.retained is _engine._NO_HOOKS:
            self.grad_fn.retained = {}
        self.grad_fn.retained[self._output_nr] = weakref.ref(self)

    @property
    def retains_grad(self) -> bool:
        """Whether :meth:`retain_grad` was called on this non-leaf tensor."""
        return self._retains

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> _HookHandle:
        """Register a function called with this tensor's gradient during backward.

        The hook may return a tensor to replace the gradient.

        Args:
            hook: ``hook(grad) -> Tensor or None``.

        Returns:
            A handle whose ``remove()`` unregisters the hook.

        Raises:
            AutogradError: If the tensor does not require grad.
            ArgumentTypeError: If ``hook`` is not callable.

        Example:
            >>> import compat
            >>> x = compat.ones(2, requires_grad=True)
            >>> _ = x.register_hook(lambda g: g * 2)
            >>> x.sum().backward()
            >>> x.grad.tolist()
            [2.0, 2.0]
        """
        if not callable(hook):
            raise ArgumentTypeError(
                f"register_hook: hook must be callable, got {type(hook).__name__}"
            )
        if not self._requires_grad:
            raise AutogradError(
                "register_hook: cannot register a hook on a tensor that doesn't require gradient"
            )
        if self.grad_fn is None:
            if not isinstance(self._hooks, list):
                self._hooks = []
            hooks = self._hooks
        else:
            if self.grad_fn.hooks is _engine._NO_HOOKS:
                self.grad_fn.hooks = {}
            hooks = self.grad_fn.hooks.setdefault(self._output_nr, [])
        hooks.append(hook)
        return _HookHandle(hooks, hook)

    def backward(
        self,
        gradient: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Any = None,
    ) -> None:
        """Compute the gradient of this tensor and accumulate it into the leaves' ``.grad``.

        Args:
            gradient: The gradient of some scalar with respect to this tensor; required unless
                the tensor has one element.
            retain_graph: Keep the graph for another backward (defaults to ``create_graph``).
            create_graph: Record the backward, for higher-order derivatives.
            inputs: Tensors to accumulate into; by default every leaf of the graph.

        Raises:
            AutogradError: If the tensor does not require grad, ``gradient`` is missing for a
                non-scalar, or the graph was already freed.
            ShapeError: If ``gradient`` has the wrong shape.

        Example:
            >>> import compat
            >>> x = compat.tensor([1.0, 2.0], requires_grad=True)
            >>> (x ** 2).backward(compat.tensor([1.0, 1.0]))
            >>> x.grad.tolist()
            [2.0, 4.0]
        """
        from compat import autograd

        autograd.backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def _accumulate(self, g: Any, create_graph: bool) -> None:
        if create_graph:
            g = g if isinstance(g, Tensor) else Tensor._wrap(g)
            self.grad = g if self.grad is None else self.grad + g
        else:
            g = _raw_value(g) if isinstance(g, Tensor) else g
            if self.grad is None:
                self.grad = Tensor._wrap(g)
            else:
                self.grad._data.value = _engine._add_values(_raw_value(self.grad), g)
                self.grad._data.version += 1
        acc = self._acc
        if acc is not None and acc.post_hooks:  # register_post_accumulate_grad_hook
            for hook in tuple(acc.post_hooks):
                hook(self)

    def _set_grad(self, g: Any) -> None:
        self.grad = g if isinstance(g, Tensor) else Tensor._wrap(g)

    def detach(self) -> Tensor:
        """A tensor sharing this one's storage, outside the graph (``requires_grad=False``).

        In-place changes to either are seen by both.

        Returns:
            The detached tensor.

        Example:
            >>> import compat
            >>> x = compat.zeros(2, requires_grad=True)
            >>> d = x.detach()
            >>> _ = d.add_(1.0)
            >>> x.tolist()
            [1.0, 1.0]
        """
        t = Tensor._wrap(None)
        t._data = self._data
        return t

    def detach_(self) -> Tensor:
        """Detach this tensor from the graph in place and return it.

        Returns:
            This tensor, now a leaf that does not require grad.

        Example:
            >>> import compat
            >>> y = compat.ones(2, requires_grad=True) * 2
            >>> y.detach_().is_leaf
            True
        """
        self.grad_fn = None
        self._output_nr = 0
        self._requires_grad = False
        return self

    @property
    def data(self) -> Tensor:
        """The tensor's data as a detached tensor sharing its storage (``p.data.add_(...)``)."""
        return self.detach()

    @data.setter
    def data(self, other: Tensor) -> None:
        if not isinstance(other, Tensor):
            raise ArgumentTypeError(f"data: expected a Tensor, got {type(other).__name__}")
        # a plain storage takes a pending value as it is (lazy mode); a view's write scatters now
        self._data.value = _raw_value(other) if type(self._data) is _Storage else other._value
        self._data.version += 1

    # -- in-place machinery ------------------------------------------------------------------

    def _inplace(self, op: str, result: Tensor) -> Tensor:
        """Make ``result`` (computed from this tensor's old value) this tensor's new value."""
        if self.grad_fn is None and self._requires_grad and _grad_mode.is_grad_enabled():
            raise AutogradError(
                f"{op}: a leaf Variable that requires grad is being used in an in-place operation."
            )
        value = _raw_value(result)
        mine = _raw_value(self)
        if value.shape != mine.shape:
            raise ShapeError(
                f"{op}: output with shape {list(mine.shape)} doesn't match the "
                f"broadcast shape {list(value.shape)}"
            )
        if value.dtype != mine.dtype:
            if jnp.issubdtype(value.dtype, jnp.inexact) and not jnp.issubdtype(
                mine.dtype, jnp.inexact
            ):
                raise DTypeError(
                    f"{op}: result type {np.dtype(value.dtype).name} can't be cast to the "
                    f"desired output type {np.dtype(mine.dtype).name}"
                )
            value = result._value.astype(mine.dtype)
        view = self._view
        if view is not None:
            _views.check_inplace(self, op)
        if type(self._data) is not _Storage:
            value = _engine._concrete(value)  # a view's write scatters into its root now
        old = _raw_value(self)
        node = result.grad_fn
        if node is not None and isinstance(node, _engine.Node):
            # The op's own input is this tensor's old value, which the node keeps as an
            # immutable snapshot: the version bump below must not invalidate it (torch
            # likewise lets `y.mul_(w); y.add_(1)` backpropagate).
            root = _views.root_of(self._data)
            _snapshot_leaf_inputs(node, root, old)
            node.storages = tuple(
                None if st is not None and _views.root_of(st) is root else st
                for st in node.storages
            )
        if view is not None:
            # The base's history becomes CopySlices; every view of it reads that history.
            grad = _grad_mode._state.enabled
            if grad:
                _views.record_inplace(self, result)
            self._data.value = value
            self._data.version += 1
            if grad:
                _views.refresh(view[0])
            return self
        self._data.value = value
        self._data.version += 1
        if result.grad_fn is not None:
            self.grad_fn = result.grad_fn
            self._output_nr = result._output_nr
            self._requires_grad = True
            if _views._VIEWS:
                _views.refresh(self)
        return self

    @property
    def _version(self) -> int:
        return self._data.version

    # -- basic properties --------------------------------------------------------------------

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape, a tuple of ints (torch: ``torch.Size``)."""
        return tuple(_raw_value(self).shape)

    def size(self, dim: int | None = None) -> Any:
        """The shape, or the size of dimension ``dim``.

        Args:
            dim: A dimension (negative counts from the end).

        Returns:
            A tuple of ints, or an int.

        Raises:
            IndexOutOfRangeError: If ``dim`` is out of range.

        Example:
            >>> import compat
            >>> compat.zeros(2, 3).size(-1)
            3
        """
        if dim is None:
            return self.shape
        from rustorch_fx import _checks

        return self.shape[_checks.normalize_dim("size", dim, self.ndim)] if self.ndim else 1

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return _raw_value(self).ndim

    def dim(self) -> int:
        """Number of dimensions.

        Returns:
            An int.

        Example:
            >>> import compat
            >>> compat.zeros(2, 3).dim()
            2
        """
        return _raw_value(self).ndim

    def numel(self) -> int:
        """Number of elements.

        Returns:
            An int.

        Example:
            >>> import compat
            >>> compat.zeros(2, 3).numel()
            6
        """
        return int(_raw_value(self).size)

    @property
    def dtype(self) -> Any:
        """The element type, a :class:`compat.dtype` (``compat.float32``, ...)."""
        from compat import _dtype

        return _dtype._from_any(np.dtype(_raw_value(self).dtype))

    @property
    def device(self) -> Any:
        """The device holding the values, a :class:`compat.device`."""
        from compat import _device

        value = _raw_value(self)
        if type(value) is _Pending and len(jax.devices()) > 1:
            value = value.get()  # (with one device, a pending value's device is known)
        if type(value) is _Pending or isinstance(value, jax.core.Tracer):
            # a tracer (compat.compile, a transform) has no device: its values live on the
            # default device, as do pending results on a single-device machine
            return _device._from_jax_device(jax.devices()[0])
        return _device._from_jax_device(next(iter(value.devices())))

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number.

        Returns:
            A Python bool, int, float or complex.

        Raises:
            ShapeError: If the tensor has more than one element.

        Example:
            >>> import compat
            >>> compat.tensor([2.5]).item()
            2.5
        """
        if self._value.size != 1:
            raise ShapeError(
                f"item: a Tensor with {self._value.size} elements cannot be converted to Scalar"
            )
        return np.asarray(self._value).reshape(()).item()

    def tolist(self) -> Any:
        """The values as (nested) Python lists.

        Returns:
            A list, or a number for a 0-d tensor.

        Example:
            >>> import compat
            >>> compat.tensor([[1, 2]]).tolist()
            [[1, 2]]
        """
        return np.asarray(self._value).tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The values as a numpy array (a copy: JAX arrays cannot share memory with numpy).

        Args:
            force: Accepted for torch compatibility (the result is always a copy).

        Returns:
            A numpy array.

        Raises:
            AutogradError: If the tensor requires grad (call ``detach()`` first), as torch.

        Example:
            >>> import compat
            >>> compat.tensor([1.0]).numpy()
            array([1.], dtype=float32)
        """
        if self._requires_grad and not force:
            raise AutogradError(
                "numpy: can't call numpy() on Tensor that requires grad. "
                "Use tensor.detach().numpy() instead."
            )
        return np.array(self._value)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        arr = np.asarray(self._value)
        return arr.astype(dtype) if dtype is not None else arr

    def __len__(self) -> int:
        if self.ndim == 0:
            raise ArgumentTypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __bool__(self) -> bool:
        if self._value.size != 1:
            raise InvalidArgumentError(
                f"bool: Boolean value of Tensor with {self._value.size} values is ambiguous"
            )
        return bool(np.asarray(self._value).reshape(()))

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._value.size != 1 or not jnp.issubdtype(self._value.dtype, jnp.integer):
            raise ArgumentTypeError(
                "__index__: only integer tensors of a single element can be converted to an index"
            )
        return int(self.item())

    def __hash__(self) -> int:
        return id(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> Tensor:
        if id(self) in memo:
            return memo[id(self)]
        if self.grad_fn is not None:
            raise AutogradError(
                "deepcopy: only tensors created explicitly by the user (graph leaves) support "
                "the deepcopy protocol; detach() the tensor first"
            )
        # JAX arrays are immutable: the new storage may hold the same array.
        new = type(self)._wrap(self._value, requires_grad=self._requires_grad)
        if self.grad is not None:
            new.grad = self.grad.__deepcopy__(memo)
        for name, value in getattr(self, "__dict__", {}).items():
            setattr(new, name, copy.deepcopy(value, memo))
        memo[id(self)] = new
        return new

    def __reduce_ex__(self, protocol: Any) -> Any:
        if self.grad_fn is not None:
            raise AutogradError(
                "pickle: only graph leaves can be pickled (got a tensor with grad_fn="
                f"{self.grad_fn.name()}); detach() it first"
            )
        return (_rebuild_tensor, (np.asarray(self._value), self._requires_grad))

    def __repr__(self) -> str:
        arr = np.asarray(self._value)
        integral = (
            arr.dtype.kind != "f" or not np.isfinite(arr).all() or (arr == np.round(arr)).all()
        )
        body = np.array2string(
            arr,
            separator=", ",
            prefix="tensor(",
            precision=4,
            floatmode="maxprec_equal" if integral else "fixed",
        )
        extras = []
        if np.dtype(self._value.dtype) not in (np.float32, np.int64, np.bool_):
            extras.append(f"dtype=torch.{np.dtype(self._value.dtype).name}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.name()}>")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + body + "".join(", " + e for e in extras) + ")"

    # -- ops -------------------------------------------------------------------------------

    def clone(self) -> Tensor:
        """A copy with its own storage, recorded in the graph (gradients flow through).

        Returns:
            The copy.

        Example:
            >>> import compat
            >>> compat.tensor([1.0]).clone().tolist()
            [1.0]
        """
        return _engine.apply(_copy, self)

    def __neg__(self) -> Tensor:
        return _engine.apply(ops.neg, self)

    def __add__(self, other: Any) -> Tensor:
        return _engine.apply(ops.add, self, other)

    def __radd__(self, other: Any) -> Tensor:
        return _engine.apply(ops.add, other, self)

    def __sub__(self, other: Any) -> Tensor:
        return _engine.apply(ops.sub, self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return _engine.apply(ops.sub, other, self)

    def __mul__(self, other: Any) -> Tensor:
        return _engine.apply(ops.mul, self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return _engine.apply(ops.mul, other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return _engine.apply(ops.div, self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _engine.apply(ops.div, other, self)

    def __pow__(self, other: Any) -> Tensor:
        return _engine.apply(ops.pow, self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return _engine.apply(ops.pow, other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return _engine.apply(ops.matmul, self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return _engine.apply(ops.matmul, other, self)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _engine.apply(ops.eq, self, other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _engine.apply(ops.ne, self, other)

    def __lt__(self, other: Any) -> Tensor:
        return _engine.apply(ops.lt, self, other)

    def __le__(self, other: Any) -> Tensor:
        return _engine.apply(ops.le, self, other)

    def __gt__(self, other: Any) -> Tensor:
        return _engine.apply(ops.gt, self, other)

    def __ge__(self, other: Any) -> Tensor:
        return _engine.apply(ops.ge, self, other)

    def __getitem__(self, index: Any) -> Tensor:
        spec, arrays = _index_spec(index)
        _check_index_bounds(self.shape, spec, arrays)
        out = _engine.apply(_getitem, self, *arrays, spec=spec)
        if not arrays and all(
            item is None or item is Ellipsis or item[0] != "bool" for item in spec
        ):
            # basic indexing (ints, slices, None, ...) is a view of this tensor, as in torch
            return _views.make_views(self, out, _getitem, {"spec": spec}, ())
        return out

    def __format__(self, spec: str) -> str:
        if spec and self._value.size == 1:
            return format(self.item(), spec)
        return format(repr(self), spec)

    def is_floating_point(self) -> bool:
        """Whether the dtype is a floating point type (float16/bfloat16/float32/float64).

        Returns:
            True for floating dtypes.

        Example:
            >>> import compat
            >>> compat.zeros(1).is_floating_point(), compat.zeros(1, dtype=compat.int64).is_floating_point()
            (True, False)
        """
        return bool(jnp.issubdtype(self._value.dtype, jnp.floating))

    def is_complex(self) -> bool:
        """Whether the dtype is complex.

        Returns:
            True for complex64/complex128.

        Example:
            >>> import compat
            >>> compat.zeros(1, dtype=compat.complex64).is_complex()
            True
        """
        return bool(jnp.issubdtype(self._value.dtype, jnp.complexfloating))

    @property
    def is_cuda(self) -> bool:
        """Whether the values are on a GPU."""
        return self.device.type == "cuda"

    @property
    def is_cpu(self) -> bool:
        """Whether the values are on the CPU."""
        return self.device.type == "cpu"

    def type(self, dtype: Any = None) -> Any:
        """The legacy type name (``"torch.FloatTensor"``), or a copy cast to ``dtype``.

        Args:
            dtype: A dtype or a legacy type name such as ``"torch.DoubleTensor"``.

        Returns:
            The type name when ``dtype`` is None, else the cast tensor.

        Raises:
            DTypeError: If ``dtype`` is not a dtype or a known type name.

        Example:
            >>> import compat
            >>> compat.ones(2).type()
            'torch.FloatTensor'
        """
        from compat import _dtype

        if dtype is None:
            name = _LEGACY_NAMES.get(np.dtype(self._value.dtype).name, "Tensor")
            return f"torch.{'cuda.' if self.is_cuda else ''}{name}"
        if (
            isinstance(dtype, str)
            and dtype.removeprefix("torch.").removeprefix("cuda.") in _LEGACY_DTYPES
        ):
            dtype = _LEGACY_DTYPES[dtype.removeprefix("torch.").removeprefix("cuda.")]
        return self.to(_dtype._from_any(dtype, "type"))

    def _new(self, op: str, value: Any, dtype: Any, requires_grad: bool) -> Tensor:
        from compat import _creation

        dt = _creation._np_dtype(op, dtype) or np.dtype(self._value.dtype)
        return _creation._finish(jnp.asarray(value, dtype=dt), requires_grad)

    def new_tensor(
        self, data: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
    ) -> Tensor:
        """A new leaf tensor from ``data``, with this tensor's dtype unless ``dtype`` is given.

        Args:
            data: The values.
            dtype: The dtype.
            device: Accepted for torch compatibility.
            requires_grad: Make the result require grad.

        Returns:
            The tensor.

        Example:
            >>> import compat
            >>> compat.ones(1, dtype=compat.float64).new_tensor([1, 2]).dtype
            torch.float64
        """
        if isinstance(data, Tensor):
            data = data._value
        return self._new("new_tensor", np.asarray(data), dtype, requires_grad)

    def new_zeros(
        self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
    ) -> Tensor:
        """Zeros of ``size`` with this tensor's dtype (unless ``dtype`` is given).

        Args:
            *size: The shape.
            dtype: The dtype.
            device: Accepted for torch compatibility.
            requires_grad: Make the result require grad.

        Returns:
            The tensor.

        Example:
            >>> import compat
            >>> compat.ones(1).new_zeros(2).tolist()
            [0.0, 0.0]
        """
        from rustorch_fx import _checks

        return self._new(
            "new_zeros", np.zeros(_checks.size_arg("new_zeros", size)), dtype, requires_grad
        )

    def new_ones(
        self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
    ) -> Tensor:
        """Ones of ``size`` with this tensor's dtype (unless ``dtype`` is given).

        Args:
            *size: The shape.
            dtype: The dtype.
            device: Accepted for torch compatibility.
            requires_grad: Make the result require grad.

        Returns:
            The tensor.

        Example:
            >>> import compat
            >>> compat.zeros(1).new_ones(2).tolist()
            [1.0, 1.0]
        """
        from rustorch_fx import _checks

        return self._new(
            "new_ones", np.ones(_checks.size_arg("new_ones", size)), dtype, requires_grad
        )

    def new_empty(
        self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
    ) -> Tensor:
        """Like :meth:`new_zeros` (JAX has no uninitialised memory).

        Args:
            *size: The shape.
            dtype: The dtype.
            device: Accepted for torch compatibility.
            requires_grad: Make the result require grad.

        Returns:
            The tensor.

        Example:
            >>> import compat
            >>> compat.ones(1).new_empty(3).shape
            (3,)
        """
        return self.new_zeros(*size, dtype=dtype, requires_grad=requires_grad)

    def new_full(
        self,
        size: Any,
        fill_value: Any,
        *,
        dtype: Any = None,
        device: Any = None,
        requires_grad: bool = False,
    ) -> Tensor:
        """``fill_value`` in ``size`` with this tensor's dtype (unless ``dtype`` is given).

        Args:
            size: The shape.
            fill_value: The value.
            dtype: The dtype.
            device: Accepted for torch compatibility.
            requires_grad: Make the result require grad.

        Returns:
            The tensor.

        Example:
            >>> import compat
            >>> compat.ones(1).new_full((2,), 3.0).tolist()
            [3.0, 3.0]
        """
        from rustorch_fx import _checks

        shape = _checks.size_arg("new_full", size)
        return self._new("new_full", np.full(shape, fill_value), dtype, requires_grad)

    def cpu(self) -> Tensor:
        """This tensor on the CPU (itself when it is there already).

        Returns:
            A tensor on ``compat.device("cpu")``.

        Example:
            >>> import compat
            >>> compat.ones(2).cpu().device
            device(type='cpu')
        """
        return self.to("cpu")

    def cuda(self, device: Any = None, non_blocking: bool = False) -> Tensor:
        """This tensor on a GPU (``cuda:0`` by default), through JAX's device placement.

        Args:
            device: A GPU index or device (default: the current GPU).
            non_blocking: Accepted for torch compatibility.

        Returns:
            A tensor on the GPU.

        Raises:
            DeviceError: If JAX sees no GPU.

        Example:
            >>> import compat
            >>> if compat.cuda.is_available():
            ...     _ = compat.ones(2).cuda()
        """
        from compat import _device

        target = "cuda" if device is None else device
        if isinstance(target, int):
            target = f"cuda:{target}"
        return self.to(_device._as_device(target, "cuda"))

    def __setitem__(self, index: Any, value: Any) -> None:
        """Indexed assignment, in place: ``x[mask] = v``, ``x[idx] += 1``, ``x[0, 1:] = t``.

        Recorded like any in-place op, so gradients flow to ``value`` (and to the untouched
        elements of ``self``). Raises as torch for an index out of range, or on a leaf that
        requires grad in grad mode.
        """
        spec, arrays = _index_spec(index)
        _check_index_bounds(self.shape, spec, arrays)
        result = _engine.apply(_setitem, self, value, *arrays, spec=spec)
        self._inplace("__setitem__", result)

    def __dlpack__(self, *args: Any, **kwargs: Any) -> Any:
        """Export the values through DLPack (``torch.from_dlpack(t)``, ``np.from_dlpack(t)``)."""
        return self._value.__dlpack__(*args, **kwargs)

    def __dlpack_device__(self) -> Any:
        """The DLPack device of the values."""
        return self._value.__dlpack_device__()

    def add_(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """In-place :func:`add` (``self += alpha * other``).

        Args:
            other: Tensor or number.
            alpha: Multiplier of ``other``.

        Returns:
            This tensor.

        Raises:
            AutogradError: On a leaf that requires grad, in grad mode.

        Example:
            >>> import compat
            >>> compat.zeros(2).add_(1.0, alpha=2).tolist()
            [2.0, 2.0]
        """
        return self._inplace("add_", _engine.apply(ops.add, self, other, alpha=alpha))

    def sub_(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """In-place :func:`sub`.

        Args:
            other: Tensor or number.
            alpha: Multiplier of ``other``.

        Returns:
            This tensor.

        Raises:
            AutogradError: On a leaf that requires grad, in grad mode.

        Example:
            >>> import compat
            >>> compat.ones(2).sub_(1.0).tolist()
            [0.0, 0.0]
        """
        return self._inplace("sub_", _engine.apply(ops.sub, self, other, alpha=alpha))

    def mul_(self, other: Any) -> Tensor:
        """In-place :func:`mul`.

        Args:
            other: Tensor or number.

        Returns:
            This tensor.

        Raises:
            AutogradError: On a leaf that requires grad, in grad mode.

        Example:
            >>> import compat
            >>> compat.ones(2).mul_(3.0).tolist()
            [3.0, 3.0]
        """
        return self._inplace("mul_", _engine.apply(ops.mul, self, other))

    def div_(self, other: Any) -> Tensor:
        """In-place :func:`div`.

        Args:
            other: Tensor or number.

        Returns:
            This tensor.

        Raises:
            AutogradError: On a leaf that requires grad, in grad mode.

        Example:
            >>> import compat
            >>> compat.ones(2).div_(2.0).tolist()
            [0.5, 0.5]
        """
        return self._inplace("div_", _engine.apply(ops.div, self, other))

    def zero_(self) -> Tensor:
        """Fill with zeros in place.

        Returns:
            This tensor.

        Raises:
            AutogradError: On a leaf that requires grad, in grad mode.

        Example:
            >>> import compat
            >>> compat.ones(2).zero_().tolist()
            [0.0, 0.0]
        """
        return self._inplace("zero_", _engine.apply(ops.mul, self, 0))

    def copy_(self, src: Tensor) -> Tensor:
        """Copy ``src`` into this tensor in place (broadcast, cast to this dtype).

        Args:
            src: The source tensor.

        Returns:
            This tensor.

        Raises:
            AutogradError: On a leaf that requires grad, in grad mode.
            ShapeError: If ``src`` does not broadcast to this shape.

        Example:
            >>> import compat
            >>> compat.zeros(2).copy_(compat.tensor([1.0, 2.0])).tolist()
            [1.0, 2.0]
        """
        return self._inplace("copy_", _engine.apply(_copy_into, self, src))

    def sum(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
        """Sum over ``dim`` (all dims by default); see :func:`rustorch_fx.ops.sum`.

        Args:
            dim: Dimension(s) to reduce.
            keepdim: Keep reduced dims with size 1.
            dtype: Accumulate in this dtype.

        Returns:
            The sum.

        Raises:
            IndexOutOfRangeError: If a dim is out of range.

        Example:
            >>> import compat
            >>> compat.ones(2, 3).sum(1).tolist()
            [3.0, 3.0]
        """
        return _engine.apply(ops.sum, self, dim=dim, keepdim=keepdim, dtype=_jax_dtype(dtype))

    def mean(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
        """Mean over ``dim`` (all dims by default); see :func:`rustorch_fx.ops.mean`.

        Args:
            dim: Dimension(s) to reduce.
            keepdim: Keep reduced dims with size 1.
            dtype: Compute in this dtype.

        Returns:
            The mean.

        Raises:
            DTypeError: For integer input without a floating ``dtype``.

        Example:
            >>> import compat
            >>> compat.tensor([1.0, 3.0]).mean().item()
            2.0
        """
        return _engine.apply(ops.mean, self, dim=dim, keepdim=keepdim, dtype=_jax_dtype(dtype))


def _snapshot_leaf_inputs(node: Any, storage: _Storage, old: jax.Array) -> None:
    """Give the node of an in-place op the old value of inputs it reads through a leaf.

    A leaf input is saved as the tensor itself (``y.mul_(x)`` with ``y`` a leaf that does not
    require grad, or an alias of it made by ``detach()``), so once the write lands it would
    read the new value, and releasing the graph would free the user's tensor: save a snapshot
    of the value the op read instead.
    """
    saved = list(node.saved)
    for i, st in enumerate(node.storages):
        t = saved[i]
        if (
            st is not None
            and _views.root_of(st) is storage
            and t.grad_fn is None
            and not t._requires_grad
        ):
            saved[i] = Tensor._wrap(_raw_value(t))  # read before the write lands
    node.saved = tuple(saved)


_engine.Tensor = Tensor
_engine._Storage = _Storage

# torch's legacy tensor type names, by numpy dtype name.
_LEGACY_NAMES = {
    "float32": "FloatTensor",
    "float64": "DoubleTensor",
    "float16": "HalfTensor",
    "bfloat16": "BFloat16Tensor",
    "int8": "CharTensor",
    "int16": "ShortTensor",
    "int32": "IntTensor",
    "int64": "LongTensor",
    "uint8": "ByteTensor",
    "bool": "BoolTensor",
    "complex64": "ComplexFloatTensor",
    "complex128": "ComplexDoubleTensor",
}
_LEGACY_DTYPES = {v: k for k, v in _LEGACY_NAMES.items()}


def _rebuild_tensor(value: np.ndarray, requires_grad: bool) -> Tensor:
    """Unpickle a tensor (see ``Tensor.__reduce_ex__``)."""
    return Tensor._wrap(jnp.asarray(value), requires_grad=requires_grad)


def _jax_dtype(dtype: Any) -> Any:
    if dtype is None:
        return None
    from compat import _dtype

    return _dtype._to_numpy_dtype(dtype, "dtype")


def _copy(x: jax.Array) -> jax.Array:
    return jnp.array(x, copy=True)


def _copy_into(x: jax.Array, src: jax.Array) -> jax.Array:
    return jnp.broadcast_to(src, x.shape).astype(x.dtype)


def _index_spec(index: Any) -> tuple[Any, list[Any]]:
    """A hashable description of an index plus the arrays it holds (traced, not static)."""
    items = index if isinstance(index, tuple) else (index,)
    spec = []
    arrays: list[Any] = []
    for item in items:
        if isinstance(item, slice):
            spec.append(
                (
                    "slice",
                    _int_or_none(item.start),
                    _int_or_none(item.stop),
                    _int_or_none(item.step),
                )
            )
        elif item is None or item is Ellipsis:
            spec.append(item)
        elif isinstance(item, builtins.bool):
            spec.append(("bool", item))
        elif isinstance(item, int | np.integer):
            spec.append(("int", int(item)))
        elif isinstance(item, Tensor | np.ndarray | jax.Array | list):
            arr = _value(item) if isinstance(item, Tensor) else np.asarray(item)
            if np.dtype(arr.dtype) == np.bool_:
                # A mask selects a data-dependent number of elements: index by its positions.
                for pos in np.nonzero(np.asarray(arr)):
                    spec.append(("array", len(arrays)))
                    arrays.append(jnp.asarray(pos))
                continue
            if not jnp.issubdtype(arr.dtype, jnp.integer):
                raise ArgumentTypeError(
                    "index: tensors used as indices must be long, int, byte or bool tensors, "
                    f"got {np.dtype(arr.dtype).name}"
                )
            spec.append(("array", len(arrays)))
            arrays.append(arr)
        else:
            raise ArgumentTypeError(
                "index: only integers, slices (`:`), ellipsis (`...`), None and long or bool "
                f"tensors are valid indices, got {type(item).__name__}"
            )
    return tuple(spec), arrays


def _int_or_none(v: Any) -> int | None:
    if v is None:
        return None
    if isinstance(v, Tensor):
        return int(v)
    if not isinstance(v, int | np.integer):
        raise ArgumentTypeError(
            f"index: slice indices must be integers or None, got {type(v).__name__}"
        )
    return int(v)


def _getitem(x: jax.Array, *arrays: jax.Array, spec: tuple[Any, ...]) -> jax.Array:
    return _checked_getitem(x, _index_items(spec, arrays))


def _checked_getitem(x: jax.Array, index: tuple[Any, ...]) -> jax.Array:
    dim = 0
    for item in index:
        if item is Ellipsis:
            dim = (
                x.ndim
                - builtins.sum(
                    1
                    for i in index
                    if i is not None and i is not Ellipsis and not isinstance(i, builtins.bool)
                )
                + dim
            )
            continue
        if item is None or isinstance(item, builtins.bool):
            continue
        if dim >= x.ndim:
            from rustorch_fx.errors import IndexOutOfRangeError

            raise IndexOutOfRangeError(f"index: too many indices for tensor of dimension {x.ndim}")
        if isinstance(item, int) and not -x.shape[dim] <= item < x.shape[dim]:
            from rustorch_fx.errors import IndexOutOfRangeError

            raise IndexOutOfRangeError(
                f"index: index {item} is out of bounds for dimension {dim} with size {x.shape[dim]}"
            )
        dim += 1
    return x[index]


def _index_items(spec: tuple[Any, ...], arrays: Sequence[Any]) -> tuple[Any, ...]:
    """The index ``_index_spec`` described, with its arrays put back."""
    index: list[Any] = []
    for item in spec:
        if item is None or item is Ellipsis:
            index.append(item)
        elif item[0] == "slice":
            index.append(slice(item[1], item[2], item[3]))
        elif item[0] == "array":
            index.append(arrays[item[1]])
        else:
            index.append(item[1])
    return tuple(index)


def _check_index_bounds(
    shape: tuple[int, ...], spec: tuple[Any, ...], arrays: Sequence[Any]
) -> None:
    """Raise for integer or integer-tensor indices out of range (JAX would clamp or drop them)."""
    from rustorch_fx.errors import IndexOutOfRangeError

    consuming = [it for it in spec if it is not None and it is not Ellipsis and it[0] != "bool"]
    if len(consuming) > len(shape):
        raise IndexOutOfRangeError(f"index: too many indices for tensor of dimension {len(shape)}")
    dim = 0
    for item in spec:
        if item is Ellipsis:
            dim += len(shape) - len(consuming)
            continue
        if item is None or item[0] == "bool":
            continue
        size = shape[dim]
        if item[0] == "int":
            bad = None if -size <= item[1] < size else item[1]
        elif item[0] == "array":
            values = np.asarray(arrays[item[1]])
            bad = None
            if values.size and (values.min() < -size or values.max() >= size):
                bad = int(values.max() if values.max() >= size else values.min())
        else:
            bad = None
        if bad is not None:
            raise IndexOutOfRangeError(
                f"index: index {bad} is out of bounds for dimension {dim} with size {size}"
            )
        dim += 1


def _setitem(x: jax.Array, value: Any, *arrays: jax.Array, spec: tuple[Any, ...]) -> jax.Array:
    value = jnp.asarray(value)
    if value.dtype != x.dtype:
        value = value.astype(x.dtype)
    return x.at[_index_items(spec, arrays)].set(value)
