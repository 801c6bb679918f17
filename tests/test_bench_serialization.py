"""The checkpoint benchmark runs (quick mode) and prints every case with a ratio."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_serialization_benchmark_quick_reports_save_and_load(capsys, tmp_path):
    spec = importlib.util.spec_from_file_location(
        "serialization_bench", ROOT / "benchmarks" / "serialization.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows = module.main(["--quick", "--dir", str(tmp_path)])
    text = capsys.readouterr().out
    assert [r[0].split(":")[0] for r in rows] == ["save", "save", "load", "load"]
    assert all(ours > 0 and theirs > 0 for _, ours, theirs, _ in rows)
    assert "MB/s" in text.splitlines()[1] and "fsync" in text
