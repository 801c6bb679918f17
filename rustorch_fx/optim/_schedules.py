"""Learning-rate schedules as pure functions of the step, with torch's values."""

from __future__ import annotations

__all__: list[str] = []
