"""Views: tensors that alias part of another tensor's storage, as in PyTorch.

JAX arrays are immutable, so a view cannot share memory with its base. It shares the base's
*storage object* instead, through a :class:`_ViewStorage` that knows which elements of the
root storage's (flattened) value it shows: a flat index map ``idx`` computed, when first
needed, by running the view ops themselves on ``arange(n).reshape(shape)``. That one mechanism
covers every view op (slicing, ``select``, ``view``, ``permute``, ``expand``, ``diagonal``,
``unbind``...):

* reading a view gathers ``root.value.reshape(-1)[idx]``, cached until the root's version moves;
* writing a view (any in-place op) scatters into the root and bumps the one shared version
  counter, so the base and every other view see the change;
* for autograd, an in-place op on a view rewrites the history of its *base* (the non-view tensor
  it was taken from) as ``CopySlices`` (``base.flat.at[idx].set(new)``) through the engine, and
  every live view of that base gets ``AsStridedBackward0`` (a gather of the base) as its new
  ``grad_fn``, so later uses of the base or of any view backpropagate through the write.

Non-views keep a plain :class:`compat._tensor._Storage`: the op path reads ``_data.value`` as
one attribute access, and only view storages pay for the property.
"""

from __future__ import annotations

import math
import weakref
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from compat import _engine, _grad_mode
from rustorch_fx import ops
from rustorch_fx.errors import AutogradError, InvalidArgumentError

__all__: list[str] = []


@jax.jit
def _gather_flat(root: jax.Array, idx: jax.Array) -> jax.Array:
    return ops.take(root, idx)


@jax.jit
def _scatter_flat(root: jax.Array, idx: jax.Array, new: jax.Array) -> jax.Array:
    return ops.put(root, idx, new.astype(root.dtype))


def as_strided(base: jax.Array, idx: jax.Array) -> jax.Array:
    """The view of ``base`` at flat positions ``idx`` (a view's ``grad_fn`` after a write)."""
    return ops.take(base, idx)


def copy_slices(base: jax.Array, src: jax.Array, idx: jax.Array) -> jax.Array:
    """``base`` with the flat positions ``idx`` replaced by ``src`` (torch's ``CopySlices``)."""
    return ops.put(base, idx, src.astype(base.dtype))


def _positions(shape: tuple[int, ...]) -> jax.Array:
    n = math.prod(shape)
    return jnp.arange(n, dtype=jnp.int32 if n < 2**31 else jnp.int64).reshape(shape)


class _ViewStorage:
    """The storage of a view: a window on a root storage, with the root's version counter.

    Attributes:
        root: The :class:`~compat._tensor._Storage` that holds the values.
        src: The storage of the view's base tensor (the root, or another view storage when
            the base is itself a detached view).
        base_shape: The base's shape when the view was made.
        chain: The view ops from the base, each ``(fn, static, key, rest, k)``: the op's pure
            function, static arguments and cache key, its other traced values, and which
            output leaf (``k``) the view is, for ops with several outputs.
    """

    __slots__ = (
        "_cache",
        "_cver",
        "_idx",
        "_local",
        "_overlap",
        "base_shape",
        "chain",
        "root",
        "src",
    )

    def __init__(self, src: Any, base_shape: tuple[int, ...], chain: tuple, value: Any) -> None:
        self.src = src
        self.root = src.root if isinstance(src, _ViewStorage) else src
        self.base_shape = base_shape
        self.chain = chain
        self._cache = value
        self._cver = self.root.version
        self._idx = None
        self._local = None
        self._overlap: bool | None = None

    @property
    def local(self) -> jax.Array:
        """Flat positions of the view's elements in its base (shaped like the view)."""
        if self._local is None:
            ids = _positions(self.base_shape)
            for fn, static, key, rest, k in self.chain:
                out = _engine._forward(fn, static, key)(ids, *rest)
                ids = out if k is None else jax.tree_util.tree_leaves(out)[k]
            self._local = ids
        return self._local

    @property
    def idx(self) -> jax.Array:
        """Flat positions of the view's elements in the root storage."""
        if self._idx is None:
            src = self.src
            self._idx = self.local if src is self.root else _gather_flat(src.idx, self.local)
        return self._idx

    @property
    def overlapping(self) -> bool:
        """Whether two elements of the view are the same memory location (``expand``)."""
        if self._overlap is None:
            idx = np.asarray(self.idx).reshape(-1)
            self._overlap = bool(np.unique(idx).size != idx.size)
        return self._overlap

    @property
    def value(self) -> jax.Array:
        root = self.root
        if self._cver != root.version:
            self._cache = _gather_flat(root.value, self.idx)
            self._cver = root.version
        elif type(self._cache) is _engine._Pending:
            self._cache = self._cache.get()
        return self._cache

    def raw(self) -> Any:
        """The view's value without running pending ops (an array or a pending value)."""
        return self._cache if self._cver == self.root.version else self.value

    @value.setter
    def value(self, new: jax.Array) -> None:
        root = self.root
        root.value = _scatter_flat(root.value, self.idx, new)
        self._cache = new
        self._cver = root.version

    @property
    def version(self) -> int:
        return self.root.version

    @version.setter
    def version(self, v: int) -> None:
        fresh = self._cver == self.root.version
        self.root.version = v
        if fresh:
            self._cver = v


def root_of(storage: Any) -> Any:
    """The storage that holds the values of ``storage`` (itself unless it is a view's)."""
    return storage.root if isinstance(storage, _ViewStorage) else storage


# id(base tensor) -> {id(view): weakref to the view}: the live views of each base, for the
# grad_fn refresh after an in-place op. Keyed by id: Tensor.__eq__ is elementwise, so tensors
# cannot be keys of a WeakKeyDictionary or members of a WeakSet.
_VIEWS: dict[int, dict[int, Any]] = {}


def _forget_base(key: int) -> Any:
    return lambda _ref: _VIEWS.pop(key, None)


def _forget_view(key: int, vkey: int) -> Any:
    def forget(_ref: Any) -> None:
        views = _VIEWS.get(key)
        if views is not None:
            views.pop(vkey, None)

    return forget


def make_views(base: Any, out: Any, fn: Any, static: dict[str, Any], rest: tuple) -> Any:
    """Turn the outputs ``out`` of view op ``fn`` applied to ``base`` into views of it.

    Args:
        base: The input tensor of the view op.
        out: What :func:`compat._engine.apply` returned: a tensor or a sequence of tensors.
        fn: The op's pure function.
        static: Its static arguments (the engine's compile-cache key).
        rest: The op's other traced arguments (``expand_as``'s ``other``).

    Returns:
        ``out``, each tensor now aliasing ``base``'s storage.
    """
    key = _engine._static_key(fn, static) if static else fn
    rest = tuple(r._value if isinstance(r, _engine.Tensor) else r for r in rest)
    if base._view is not None:
        root_base, chain = base._view[0], base._data.chain
        src, base_shape = base._data.src, base._data.base_shape
    else:
        root_base, chain = base, ()
        src, base_shape = base._data, base.shape
    if isinstance(out, _engine.Tensor):
        _attach(out, root_base, src, base_shape, (*chain, (fn, static, key, rest, None)), False)
        return out
    for k, t in enumerate(out):
        _attach(t, root_base, src, base_shape, (*chain, (fn, static, key, rest, k)), True)
    return out


def _attach(t: Any, base: Any, src: Any, shape: tuple, chain: tuple, multi: bool) -> None:
    t._data = _ViewStorage(src, shape, chain, _engine._raw_value(t))
    t._view = (base, multi)
    key = id(base)
    views = _VIEWS.get(key)
    if views is None:
        views = _VIEWS[key] = {}
        # the views hold their base alive; this ref only clears the entry when it goes
        views[0] = weakref.ref(base, _forget_base(key))
    views[id(t)] = weakref.ref(t, _forget_view(key, id(t)))


def check_inplace(view: Any, op: str) -> None:
    """Raise torch's errors for an in-place op on ``view`` that autograd cannot record."""
    base, multi = view._view
    if view._data.overlapping:
        raise InvalidArgumentError(
            f"{op}: unsupported operation: more than one element of the written-to tensor "
            "refers to a single memory location. Please clone() the tensor before performing "
            "the operation."
        )
    if not _grad_mode._state.enabled:
        return
    if base.grad_fn is None and base._requires_grad:
        raise AutogradError(
            f"{op}: a view of a leaf Variable that requires grad is being used in an in-place "
            "operation."
        )
    if multi and base._requires_grad:
        name = view.grad_fn.name() if view.grad_fn is not None else "a multi-output view op"
        raise AutogradError(
            f"{op}: Output {view._output_nr} of {name} is a view and is being modified "
            "inplace. This view is the output of a function that returns multiple views. Such "
            "functions do not allow the output views to be modified inplace. You should "
            "replace the inplace operation by an out-of-place one."
        )


def record_inplace(view: Any, result: Any) -> None:
    """Rewrite the base's history after ``result`` was written into ``view`` (grad mode).

    Called before the write lands: the base's current value and ``grad_fn`` are the inputs of
    the recorded ``CopySlices``.
    """
    base = view._view[0]
    if not (result.grad_fn is not None or base._requires_grad):
        return
    new = _engine.apply(copy_slices, base, result, view._data.local)
    new.grad_fn._name = "CopySlices"
    node = new.grad_fn
    # The base's old value is a snapshot the node owns; the write below must not trip it.
    node.storages = tuple(
        None if st is not None and root_of(st) is view._data.root else st for st in node.storages
    )
    base.grad_fn = node
    base._output_nr = 0
    base._requires_grad = True


def refresh(base: Any) -> None:
    """Give every live view of ``base`` a ``grad_fn`` reading the base's current history."""
    views = _VIEWS.get(id(base))
    if not views or not base._requires_grad:
        return
    for vkey, ref in list(views.items()):
        v = ref()
        if vkey == 0 or v is None or v._view is None or v._view[0] is not base:
            continue
        if not _engine._inexact(v._value.dtype):
            continue
        local = v._data.local
        node = _engine.Node(
            as_strided, {}, as_strided, (base, local), (0,), [(local.shape, v._value.dtype)]
        )
        v.grad_fn = node
        v._output_nr = 0
        v._requires_grad = True


def _live_views(base: Any) -> list[Any]:
    views = _VIEWS.get(id(base))
    if not views:
        return []
    live = [ref() for vkey, ref in views.items() if vkey != 0]
    return [v for v in live if v is not None and v._view is not None and v._view[0] is base]


def _register(t: Any) -> None:
    base = t._view[0]
    views = _VIEWS.get(id(base))
    if views is None:
        views = _VIEWS[id(base)] = {0: weakref.ref(base, _forget_base(id(base)))}
    views[id(t)] = weakref.ref(t, _forget_view(id(base), id(t)))


def _hand_over(base: Any) -> Any:
    """Move ``base``'s role (storage, history, live views) to a new hidden tensor; return it.

    Used when a base with live views changes its own shape in place: the views keep reading the
    old layout through the hidden tensor, and ``base`` becomes a view of it.
    """
    hidden = _engine.Tensor._wrap(base._data.value)
    hidden._data = base._data
    hidden.grad_fn = base.grad_fn
    hidden._output_nr = base._output_nr
    hidden._requires_grad = base._requires_grad
    for v in _live_views(base):
        v._view = (hidden, v._view[1])
        _register(v)
    _VIEWS.pop(id(base), None)
    return hidden


def inplace_view(t: Any, op: str, make: Any) -> Any:
    """Make ``t`` itself become ``make(t)``, a view of its own storage (``t_``, ``squeeze_``...).

    torch changes the tensor's sizes and strides in place and bumps its version. Here ``t`` takes
    over the new view's storage window and history; the elements it aliases do not change, so a
    write through ``t`` afterwards still reaches its base and every other view.

    Args:
        t: The tensor whose shape changes.
        op: The in-place op's name, for errors.
        make: The out-of-place view op, ``t -> view of t``.

    Returns:
        ``t``.

    Raises:
        AutogradError: If ``t`` is a leaf that requires grad (in grad mode), as in torch.
    """
    if _grad_mode._state.enabled and t.grad_fn is None and t._requires_grad:
        raise AutogradError(
            f"{op}: a leaf Variable that requires grad is being used in an in-place operation."
        )
    if t._view is None and not _live_views(t):
        # The common case: nothing else aliases t, so it simply gets a storage of the new shape.
        new = make(t)
        storage = type(t._data)(new._value)
        storage.version = t._data.version + 1
        t._data = storage
        t.grad_fn, t._output_nr = new.grad_fn, new._output_nr
        return t
    base = _hand_over(t) if t._view is None else t
    new = make(base)
    t._data, t._view = new._data, new._view
    t.grad_fn, t._output_nr = new.grad_fn, new._output_nr
    t._requires_grad = new._requires_grad
    _register(t)
    root = t._data.root
    node = t.grad_fn
    if node is not None and isinstance(node, _engine.Node):
        # the node read the old window, which it keeps as a snapshot: the bump must not trip it
        node.storages = tuple(
            None if st is not None and root_of(st) is root else st for st in node.storages
        )
    root.version += 1
    return t
