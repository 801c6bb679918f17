"""``torch.nn.utils`` for compat: gradient clipping, parameter vectors, ``rnn`` sequence packing."""

from __future__ import annotations

from compat.nn.utils import rnn

__all__ = ["rnn"]
