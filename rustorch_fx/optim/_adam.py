"""Adam, AdamW, NAdam, RAdam, Adamax with torch's numerics."""

from __future__ import annotations

__all__: list[str] = []
