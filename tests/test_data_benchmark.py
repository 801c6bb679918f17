"""The data-loading benchmark runs (quick mode) and prints every case with its ratio."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.filterwarnings("ignore:os.fork:RuntimeWarning")
def test_data_benchmark_quick_prints_every_case(capsys):
    spec = importlib.util.spec_from_file_location("data_bench", ROOT / "benchmarks" / "data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows = module.main(["--quick"])
    text = capsys.readouterr().out
    labels = [r[0] for r in rows]
    assert [label.split(",")[-1].strip() for label in labels] == ["w0", "w2", "w0"]
    assert labels[2].startswith("TensorDataset")
    assert all(ours > 0 and theirs > 0 for _, ours, theirs in rows)
    assert "target" in text and ">= 1.0x torch" in text
