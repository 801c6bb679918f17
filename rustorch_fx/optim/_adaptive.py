"""Adagrad, Adadelta, RMSprop, Rprop, ASGD with torch's numerics."""

from __future__ import annotations

__all__: list[str] = []
