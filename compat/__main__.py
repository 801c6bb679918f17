"""``python -m compat``: run an unmodified PyTorch script with ``torch`` resolved to compat.

Usage::

    python -m compat script.py [args...]
    python -m compat -m module [args...]

The script runs as ``python script.py args...`` would run it (``sys.argv``, ``__name__ ==
"__main__"``, its directory first on ``sys.path``, its exit status), after
:func:`compat.install_as_torch` made every ``import torch...`` give compat's modules.
"""

from __future__ import annotations

import importlib.util
import os
import runpy
import sys
from collections.abc import Sequence

from compat._install import install_as_torch

USAGE = """\
usage: python -m compat script.py [args...]
       python -m compat -m module [args...]

Runs a PyTorch script or module unchanged, with `import torch` (and torch.nn,
torch.nn.functional, torch.optim, torch.utils.data, ...) resolved to compat.
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Run a script or module with the ``torch`` alias installed, as ``python`` would.

    Args:
        argv: The command line after ``python -m compat`` (default ``sys.argv[1:]``):
            ``["script.py", *args]``, ``["-m", "module", *args]`` or ``["-h"]``.

    Returns:
        The exit status: 0 when the script returns, 2 for a bad command line (usage printed to
        stderr) or a script file that does not exist, 1 for a module that cannot be found. A
        ``SystemExit`` raised by the script (``sys.exit(3)``) and any exception it lets escape
        propagate unchanged, so ``python -m compat`` exits as ``python`` would.

    Example:
        >>> from compat.__main__ import main
        >>> main(["train.py", "--epochs", "1"])  # doctest: +SKIP
        0
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        sys.stderr.write(USAGE)
        return 2
    if args[0] in ("-h", "--help"):
        sys.stdout.write(USAGE)
        return 0
    if args[0] == "-m":
        return _run_module(args[1:])
    if args[0].startswith("-"):
        sys.stderr.write(f"python -m compat: unknown option {args[0]!r}\n{USAGE}")
        return 2
    return _run_script(args[0], args[1:])


def _run_script(path: str, args: list[str]) -> int:
    if not os.path.exists(path):
        sys.stderr.write(f"python -m compat: can't open file {path!r}: no such file\n")
        return 2
    install_as_torch()
    sys.argv = [path, *args]
    # As `python script.py` does: the script's directory (or the directory or zip file
    # itself) replaces the entry `-m compat` put first on sys.path.
    sys.path[0] = os.path.dirname(os.path.abspath(path)) if os.path.isfile(path) else path
    runpy.run_path(path, run_name="__main__")
    return 0


def _run_module(args: list[str]) -> int:
    if not args:
        sys.stderr.write(f"python -m compat: argument expected for the -m option\n{USAGE}")
        return 2
    name = args[0]
    install_as_torch()
    try:
        found = importlib.util.find_spec(name) is not None
    except ImportError:  # a parent package that does not exist
        found = False
    if not found:
        sys.stderr.write(f"python -m compat: no module named {name!r}\n")
        return 1
    sys.argv = [name, *args[1:]]  # run_module puts the module's file in argv[0]
    runpy.run_module(name, run_name="__main__", alter_sys=True)
    return 0


if __name__ == "__main__":  # pragma: no cover - run by `python -m compat` in a subprocess
    sys.exit(main())
