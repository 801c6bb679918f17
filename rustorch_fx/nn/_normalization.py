"""Batch, layer, group, instance and local-response normalisation."""

from __future__ import annotations

__all__: list[str] = []
