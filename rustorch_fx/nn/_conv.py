"""Convolutions and transposed convolutions."""

from __future__ import annotations

__all__: list[str] = []
