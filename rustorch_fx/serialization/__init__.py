"""Checkpoints and interop: safetensors save/load, PyTorch ``.pt`` files without pickle execution."""

from rustorch_fx.serialization._atomic import atomic_write

__all__ = ["atomic_write"]
