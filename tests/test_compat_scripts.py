"""An unmodified PyTorch script gives the same losses under torch and under ``python -m compat``."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "examples" / "torch_regression.py"


def _losses(*cmd: str) -> tuple[float, float, str]:
    out = subprocess.run(
        [sys.executable, *cmd, str(SCRIPT), "--steps", "40"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        timeout=300,
    ).stdout
    m = re.search(r"loss ([0-9.]+) -> ([0-9.]+) after 40 steps \((\w+)\)", out)
    assert m, out
    return float(m.group(1)), float(m.group(2)), m.group(3)


def test_torch_script_runs_unchanged_under_compat_with_torchs_numbers():
    first_t, final_t, lib_t = _losses()
    first_c, final_c, lib_c = _losses("-m", "compat")
    assert (lib_t, lib_c) == ("torch", "compat")
    assert final_c < first_c
    assert abs(first_c - first_t) <= 1e-5 * first_t
    assert abs(final_c - final_t) <= 1e-4 * final_t
