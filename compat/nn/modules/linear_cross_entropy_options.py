"""``torch.nn.modules.linear_cross_entropy_options`` for compat: the chunking options.

The class is :class:`rustorch_fx.losses.LinearCrossEntropyOptions` itself (the options
configure the pure function that compat's op calls); ``acc_dtype`` may be a compat dtype.
"""

from __future__ import annotations

from rustorch_fx.losses import LinearCrossEntropyOptions

__all__ = ["LinearCrossEntropyOptions"]
