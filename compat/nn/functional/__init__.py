"""``torch.nn.functional`` over compat tensors.

Each function is one op of :mod:`rustorch_fx.nn` or :mod:`rustorch_fx.losses`.

Every function runs its rustorch_fx counterpart through the one op path
(:func:`compat._engine.apply`): the input tensors are traced, hyperparameters are static.
Random functions (dropout) draw their key from compat's default generator, so
``compat.manual_seed`` makes them reproducible.
"""

from __future__ import annotations

from compat.nn.functional import (
    _activation,
    _attention,
    _conv,
    _distance,
    _dropout,
    _embedding,
    _linear,
    _linear_ce,
    _loss,
    _normalization,
    _pooling,
    _vision,
)
from compat.nn.functional._activation import *  # noqa: F403
from compat.nn.functional._attention import *  # noqa: F403
from compat.nn.functional._conv import *  # noqa: F403
from compat.nn.functional._distance import *  # noqa: F403
from compat.nn.functional._dropout import *  # noqa: F403
from compat.nn.functional._embedding import *  # noqa: F403
from compat.nn.functional._linear import *  # noqa: F403
from compat.nn.functional._linear_ce import *  # noqa: F403
from compat.nn.functional._loss import *  # noqa: F403
from compat.nn.functional._normalization import *  # noqa: F403
from compat.nn.functional._pooling import *  # noqa: F403
from compat.nn.functional._vision import *  # noqa: F403

__all__ = [
    *_attention.__all__,
    *_distance.__all__,
    *_activation.__all__,
    *_linear.__all__,
    *_conv.__all__,
    *_pooling.__all__,
    *_vision.__all__,
    *_normalization.__all__,
    *_dropout.__all__,
    *_embedding.__all__,
    *_loss.__all__,
    *_linear_ce.__all__,
]
