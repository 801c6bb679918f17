"""Optimizers as optax ``GradientTransformation``s with PyTorch's exact update rules, and schedules.

Every optimizer takes PyTorch's argument names and defaults (``lr``, ``betas``, ``eps``,
``weight_decay``...); learning rates may be floats or schedules (functions of the step count).
Where an optax transform of the same name computes different numbers, the docstring says how.
"""

from __future__ import annotations

from rustorch_fx.optim import (
    _adam,
    _adaptive,
    _base,
    _lbfgs,
    _line_search,
    _plateau,
    _precision,
    _schedule_steps,
    _schedules,
    _sgd,
)
from rustorch_fx.optim._adam import *  # noqa: F403
from rustorch_fx.optim._adaptive import *  # noqa: F403
from rustorch_fx.optim._base import *  # noqa: F403
from rustorch_fx.optim._lbfgs import *  # noqa: F403
from rustorch_fx.optim._line_search import *  # noqa: F403
from rustorch_fx.optim._plateau import *  # noqa: F403
from rustorch_fx.optim._precision import *  # noqa: F403
from rustorch_fx.optim._schedule_steps import *  # noqa: F403
from rustorch_fx.optim._schedules import *  # noqa: F403
from rustorch_fx.optim._sgd import *  # noqa: F403

__all__ = [
    *_base.__all__,
    *_sgd.__all__,
    *_adam.__all__,
    *_adaptive.__all__,
    *_precision.__all__,
    *_schedule_steps.__all__,
    *_schedules.__all__,
    *_plateau.__all__,
    *_lbfgs.__all__,
    *_line_search.__all__,
]
