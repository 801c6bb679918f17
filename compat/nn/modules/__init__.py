"""``torch.nn.modules`` for compat: the module classes.

One file per torch file, so that torch's class paths (``torch.nn.modules.rnn.LSTM``) map one
to one.
"""

from __future__ import annotations

from compat.nn.modules import (
    activation,
    adaptive,
    attention,
    batchnorm,
    channelshuffle,
    container,
    conv,
    distance,
    dropout,
    flatten,
    fold,
    instancenorm,
    linear,
    linear_cross_entropy,
    linear_cross_entropy_options,
    loss,
    module,
    normalization,
    padding,
    pixelshuffle,
    pooling,
    rnn,
    sparse,
    transformer,
    upsampling,
)
from compat.nn.modules.activation import *  # noqa: F403
from compat.nn.modules.adaptive import *  # noqa: F403
from compat.nn.modules.attention import *  # noqa: F403
from compat.nn.modules.batchnorm import *  # noqa: F403
from compat.nn.modules.channelshuffle import *  # noqa: F403
from compat.nn.modules.container import *  # noqa: F403
from compat.nn.modules.conv import *  # noqa: F403
from compat.nn.modules.distance import *  # noqa: F403
from compat.nn.modules.dropout import *  # noqa: F403
from compat.nn.modules.flatten import *  # noqa: F403
from compat.nn.modules.fold import *  # noqa: F403
from compat.nn.modules.instancenorm import *  # noqa: F403
from compat.nn.modules.linear import *  # noqa: F403
from compat.nn.modules.linear_cross_entropy import *  # noqa: F403
from compat.nn.modules.linear_cross_entropy_options import *  # noqa: F403
from compat.nn.modules.loss import *  # noqa: F403
from compat.nn.modules.module import *  # noqa: F403
from compat.nn.modules.normalization import *  # noqa: F403
from compat.nn.modules.padding import *  # noqa: F403
from compat.nn.modules.pixelshuffle import *  # noqa: F403
from compat.nn.modules.pooling import *  # noqa: F403
from compat.nn.modules.rnn import *  # noqa: F403
from compat.nn.modules.sparse import *  # noqa: F403
from compat.nn.modules.transformer import *  # noqa: F403
from compat.nn.modules.upsampling import *  # noqa: F403

__all__ = [
    *transformer.__all__,
    *attention.__all__,
    *distance.__all__,
    *module.__all__,
    *container.__all__,
    *activation.__all__,
    *linear.__all__,
    *conv.__all__,
    *pooling.__all__,
    *fold.__all__,
    *channelshuffle.__all__,
    *adaptive.__all__,
    *batchnorm.__all__,
    *normalization.__all__,
    *instancenorm.__all__,
    *dropout.__all__,
    *sparse.__all__,
    *rnn.__all__,
    *loss.__all__,
    *linear_cross_entropy.__all__,
    *linear_cross_entropy_options.__all__,
    *flatten.__all__,
    *pixelshuffle.__all__,
    *upsampling.__all__,
    *padding.__all__,
]
