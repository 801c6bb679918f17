"""Checkpoints and interop: safetensors save/load, PyTorch ``.pt`` files without pickle execution."""

from rustorch_fx.serialization._atomic import atomic_write
from rustorch_fx.serialization._torch_zip import TensorRecord, load_torch, save_torch
from rustorch_fx.serialization._tree import LoadReport, compare, load, load_metadata, save

__all__ = [
    "atomic_write",
    "save",
    "load",
    "compare",
    "load_metadata",
    "LoadReport",
    "TensorRecord",
    "load_torch",
    "save_torch",
]
