"""``torch.amp`` for compat: :class:`autocast` regions and dynamic loss scaling (:class:`GradScaler`).

The scaling arithmetic is :mod:`rustorch_fx.optim`'s (``scale_loss``, ``unscale_grads``,
``all_finite``, ``update_loss_scale``); this package holds the scaler's state and torch's
per-optimizer protocol.
"""

from compat.amp import autocast_mode, grad_scaler
from compat.amp._custom import custom_bwd, custom_fwd
from compat.amp.autocast_mode import (
    autocast,
    get_autocast_dtype,
    is_autocast_available,
    is_autocast_enabled,
)
from compat.amp.grad_scaler import GradScaler

__all__ = [
    "GradScaler",
    "autocast",
    "autocast_mode",
    "custom_bwd",
    "custom_fwd",
    "get_autocast_dtype",
    "grad_scaler",
    "is_autocast_available",
    "is_autocast_enabled",
]
