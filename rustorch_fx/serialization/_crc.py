"""CRC-32, the one checksum of every file format here (zip records, safetensors checkpoints).

ISA-L's implementation (the ``isal`` package, a runtime dependency) is about ten times faster
than zlib's and gives the same values; zlib's is the fallback where ``isal`` has no build. Both
release the GIL on large buffers, so checksums can run on worker threads while data is written.
"""

from __future__ import annotations

try:
    from isal.isal_zlib import crc32
except ImportError:  # pragma: no cover - isal has wheels for the platforms we test on
    from zlib import crc32

__all__ = ["crc32"]
