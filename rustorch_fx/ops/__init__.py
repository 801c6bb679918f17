"""Tensor operations with PyTorch's semantics, as pure functions over ``jax.Array``.

Argument names and return conventions follow ``torch``: ``dim``/``keepdim``, ``max(x, dim)``
returning ``(values, indices)``, stable sorts, out-of-range indices raising instead of wrapping
or clamping. Type promotion follows PyTorch where it differs from NumPy's (see
:func:`result_type`). Index outputs are ``int32`` in both of JAX's modes (PyTorch: ``int64``).
"""

from rustorch_fx._dtypes import result_type
from rustorch_fx.ops import (
    _arithmetic,
    _comparison,
    _creation,
    _indexing,
    _linalg,
    _random,
    _reduction,
    _scatter_views,
    _shape,
    _signal,
    _sorting,
)
from rustorch_fx.ops._arithmetic import *  # noqa: F403
from rustorch_fx.ops._comparison import *  # noqa: F403
from rustorch_fx.ops._creation import *  # noqa: F403
from rustorch_fx.ops._indexing import *  # noqa: F403
from rustorch_fx.ops._linalg import *  # noqa: F403
from rustorch_fx.ops._random import *  # noqa: F403
from rustorch_fx.ops._reduction import *  # noqa: F403
from rustorch_fx.ops._scatter_views import *  # noqa: F403
from rustorch_fx.ops._shape import *  # noqa: F403
from rustorch_fx.ops._signal import *  # noqa: F403
from rustorch_fx.ops._sorting import *  # noqa: F403

__all__ = [
    "result_type",
    *_creation.__all__,
    *_arithmetic.__all__,
    *_comparison.__all__,
    *_indexing.__all__,
    *_linalg.__all__,
    *_random.__all__,
    *_reduction.__all__,
    *_scatter_views.__all__,
    *_shape.__all__,
    *_signal.__all__,
    *_sorting.__all__,
]
