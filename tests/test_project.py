"""Project-level invariants: README vs CI, documented public names, dependencies, JAX config."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import x64_mode

import compat
import rustorch_fx
import rustorch_fx.ops

ROOT = Path(__file__).resolve().parents[1]

TEST_COMMAND = (
    'python3 -m venv .venv && . .venv/bin/activate && pip install -e ".[test]" && '
    "pytest -n 2 --cov --cov-fail-under=95"
)
EXAMPLE_COMMAND = (
    'python3 -m venv .venv && . .venv/bin/activate && pip install -e ".[examples]" && '
    "python -m compat examples/quickstart.py"
)


def _readme_commands() -> list[str]:
    """Every line of the README's bash code blocks."""
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.DOTALL)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def test_readme_test_command_is_what_ci_runs():
    commands = _readme_commands()
    tests = [c for c in commands if "pytest" in c and "--cov-fail-under" in c]
    assert tests == [TEST_COMMAND]
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert tests[0] in ci_lines


def test_readme_main_example_command():
    assert EXAMPLE_COMMAND in _readme_commands()
    assert (ROOT / "examples" / "quickstart.py").is_file()


def _public(module, names):
    for name in names:
        assert hasattr(module, name), f"{module.__name__}.__all__ lists {name!r}, not defined"
        yield name, getattr(module, name)


@pytest.mark.parametrize("module", [rustorch_fx, rustorch_fx.ops, compat], ids=lambda m: m.__name__)
def test_every_public_name_resolves_and_has_a_docstring(module):
    names = module.__all__
    assert len(names) == len(set(names)), f"duplicates in {module.__name__}.__all__"
    assert inspect.getdoc(module)
    for name, obj in _public(module, names):
        if inspect.ismodule(obj) or inspect.isclass(obj) or callable(obj):
            doc = obj.__doc__  # a class's own docstring, not inherited
        else:
            doc = inspect.getdoc(obj)
        assert doc, f"{module.__name__}.{name} has no docstring"
        assert doc.strip(), f"{module.__name__}.{name} has an empty docstring"


def test_runtime_dependencies_are_the_five_flatbuffers_and_isal():
    # flatbuffers: jax.export serializes programs with it but does not depend on it.
    # isal: CRC-32 at ten times zlib's speed, for checkpoint integrity at torch's throughput.
    # (tomllib is Python 3.11+; the project supports 3.10, so read the list directly)
    text = (ROOT / "pyproject.toml").read_text()
    project = text.split("[project]", 1)[1].split("\n[", 1)[0]
    block = re.search(r"^dependencies\s*=\s*\[(.*?)\]", project, flags=re.DOTALL | re.MULTILINE)
    deps = re.findall(r'"([^"]+)"', block.group(1))
    names = [re.match(r"[A-Za-z0-9_.\-]+", dep).group(0).lower() for dep in deps]
    assert sorted(names) == ["flatbuffers", "flax", "isal", "jax", "jaxlib", "numpy", "optax"]


_IMPORT_SCRIPT = """
import importlib, pkgutil, jax
before = jax.config.jax_enable_x64
import rustorch_fx
for info in pkgutil.walk_packages(rustorch_fx.__path__, "rustorch_fx."):
    importlib.import_module(info.name)
print(before, jax.config.jax_enable_x64, jax.numpy.zeros(1).dtype)
"""


@pytest.mark.parametrize(("env_value", "expected"), [(None, "False"), ("1", "True")])
def test_importing_rustorch_fx_leaves_jax_config_alone(env_value, expected):
    env = {k: v for k, v in os.environ.items() if k != "JAX_ENABLE_X64"}
    if env_value is not None:
        env["JAX_ENABLE_X64"] = env_value
    proc = subprocess.run(
        [sys.executable, "-c", _IMPORT_SCRIPT],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.split()
    dtype = "float64" if expected == "True" else "float32"
    assert out == [expected, expected, dtype]


def test_docs_nav_pages_exist_and_reference_importable_modules():
    config = (ROOT / "mkdocs.yml").read_text()
    pages = re.findall(r"^\s*-\s*[^:\n]+:\s*(\S+\.md)\s*$", config, flags=re.MULTILINE)
    assert {"index.md", "getting-started.md", "autodiff.md", "ops.md", "errors.md"} <= set(pages)
    for page in pages:
        text = (ROOT / "docs" / page).read_text()
        for target in re.findall(r"^::: ([\w.]+)", text, flags=re.MULTILINE):
            assert inspect.ismodule(importlib.import_module(target)), (page, target)


def _docs_extension():
    spec = importlib.util.spec_from_file_location(
        "_griffe_docstrings", ROOT / "docs" / "griffe_docstrings.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docs_extension_rewrites_examples_roles_and_rst_tables():
    adapt = _docs_extension().adapt
    text = (
        "Summary with :func:`~rustorch_fx.ops.gather` and :class:`ShapeError`.\n"
        "\n"
        "=========  ===============\n"
        "name       meaning\n"
        "=========  ===============\n"
        ":func:`a`  first thing\n"
        "b          second  thing\n"
        "=========  ===============\n"
        "\n"
        "Example:\n"
        "    >>> 1 + 1\n"
        "    2\n"
    )
    assert adapt(text) == (
        "Summary with `gather` and `ShapeError`.\n"
        "\n"
        "| name | meaning |\n"
        "|---|---|\n"
        "| `a` | first thing |\n"
        "| b | second  thing |\n"
        "\n"
        "Examples:\n"
        "    >>> 1 + 1\n"
        "    2"
    )
    # Text that is neither is left alone (an "Example:" inside a sentence included).
    plain = "Args:\n    x: See the Example: below.\n    y: [0, 1] and [2]."
    assert adapt(plain) == plain


def _python_blocks(relpath: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", (ROOT / relpath).read_text(), flags=re.DOTALL)


@pytest.mark.parametrize(
    "page",
    [
        "README.md",
        "docs/index.md",
        "docs/getting-started.md",
        "docs/ops.md",
        "docs/errors.md",
        "docs/nn.md",
        "docs/modules.md",
        "docs/losses.md",
        "docs/optim.md",
        "docs/data.md",
        "docs/transformer.md",
        "docs/quickstart.md",
        "docs/checkpoints.md",
        "docs/export.md",
        "docs/torch_checkpoints.md",
        "docs/compile.md",
        "docs/compat-tensor.md",
        "docs/layers-conv.md",
        "docs/layers-rnn.md",
    ],
)
def test_python_examples_in_readme_and_docs_run(page, capsys):
    # A page's code blocks run in order in one namespace, as a reader would paste them.
    # (docs/compat-scripts.md is not listed: it installs compat as ``torch`` in a process that
    # already holds the real torch.)
    blocks = _python_blocks(page)
    assert blocks
    namespace = {"__name__": "__doc_example__"}
    # A page that imports compat runs as a compat program does: with JAX's 64-bit mode on.
    with x64_mode("import compat" in "".join(blocks)):
        for i, block in enumerate(blocks):
            exec(compile(block, f"{page}[{i}]", "exec"), namespace)
    capsys.readouterr()
