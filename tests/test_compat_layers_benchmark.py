"""The layers benchmark runs (quick mode) and prints the CNN row, and the LSTM row or its note."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_layers_benchmark_quick_prints_every_case(capsys):
    spec = importlib.util.spec_from_file_location("layers_bench", ROOT / "benchmarks" / "layers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows = module.main(["--quick"])
    text = capsys.readouterr().out
    labels = [r[0] for r in rows]
    assert labels[0].startswith("cnn 3-8-16 16x16, batch 8")
    assert all(ours > 0 and theirs > 0 for _, ours, theirs, _, _ in rows)
    assert rows[0][4] is not None and rows[0][4] > 0
    assert "target" in text
    if (ROOT / "benchmarks" / "_layers_lstm.py").exists():
        assert "lstm" in labels
    else:
        assert "lstm row skipped" in text
