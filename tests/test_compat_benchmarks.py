"""The compat overhead benchmark runs (quick mode) and prints every case."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_overhead_benchmark_quick_prints_every_case(capsys):
    spec = importlib.util.spec_from_file_location(
        "overhead_bench", ROOT / "benchmarks" / "overhead.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows = module.main(["--quick"])
    text = capsys.readouterr().out
    labels = [r[0] for r in rows]
    assert "backward per node" in labels
    assert labels[-1].startswith("train step MLP 32-64-64-10")
    assert all(ours > 0 and theirs > 0 for _, ours, theirs, _ in rows)
    assert "target" in text.splitlines()[1]


def test_transformer_benchmark_quick_reports_medians_and_ratio(capsys):
    spec = importlib.util.spec_from_file_location(
        "transformer_bench", ROOT / "benchmarks" / "transformer.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = module.main(["--quick"])
    assert result and all(v > 0 for v in result.values())
    assert "target" in capsys.readouterr().out


def test_optim_benchmark_quick_reports_both_comparisons_and_state_sizes(capsys):
    spec = importlib.util.spec_from_file_location("optim_bench", ROOT / "benchmarks" / "optim.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows = module.main(["--quick"])
    assert [r[0].split()[0] for r in rows] == ["compat", "rustorch_fx"]
    assert all(ours > 0 and theirs > 0 for _, ours, theirs, _, _ in rows)
    assert "bfloat16 moments" in capsys.readouterr().out
