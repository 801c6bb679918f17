"""Shared pieces of the optimizers: scalar bias corrections, weight decay, momentum, state helpers."""

from __future__ import annotations

__all__: list[str] = []
