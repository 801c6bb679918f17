"""Functional layers with ``torch.nn.functional``'s names, signatures and semantics.

Pure functions over ``jax.Array`` (PyTorch's weight layouts: a Linear weight is ``[out, in]``, a
Conv2d weight ``[out, in/groups, kH, kW]``); ``compat.nn`` calls each of them as one op. Random
layers (dropout) take an explicit PRNG ``key``. Initialisers (``rustorch_fx.nn.init.kaiming_uniform``
and the others, in :mod:`rustorch_fx.nn.init`) draw arrays from torch's default distributions.
"""

from __future__ import annotations

from rustorch_fx.nn import (
    _activation,
    _attention,
    _clip,
    _conv,
    _distance,
    _dropout,
    _embedding,
    _fold,
    _grid,
    _linear,
    _normalization,
    _pooling,
    _rnn,
    _vision,
    init,
)
from rustorch_fx.nn._activation import *  # noqa: F403
from rustorch_fx.nn._attention import *  # noqa: F403
from rustorch_fx.nn._clip import *  # noqa: F403
from rustorch_fx.nn._conv import *  # noqa: F403
from rustorch_fx.nn._distance import *  # noqa: F403
from rustorch_fx.nn._dropout import *  # noqa: F403
from rustorch_fx.nn._embedding import *  # noqa: F403
from rustorch_fx.nn._fold import *  # noqa: F403
from rustorch_fx.nn._grid import *  # noqa: F403
from rustorch_fx.nn._linear import *  # noqa: F403
from rustorch_fx.nn._normalization import *  # noqa: F403
from rustorch_fx.nn._pooling import *  # noqa: F403
from rustorch_fx.nn._rnn import *  # noqa: F403
from rustorch_fx.nn._vision import *  # noqa: F403

__all__ = [
    *_attention.__all__,
    "init",
    *_activation.__all__,
    *_linear.__all__,
    *_conv.__all__,
    *_pooling.__all__,
    *_fold.__all__,
    *_grid.__all__,
    *_vision.__all__,
    *_normalization.__all__,
    *_dropout.__all__,
    *_embedding.__all__,
    *_rnn.__all__,
    *_clip.__all__,
    *_distance.__all__,
]
