"""The ``torch`` import alias (``compat.install_as_torch``) and ``python -m compat``.

The real torch is imported in this process (it is the tests' oracle), so in-process tests install
the alias with ``force=True`` and uninstall it afterwards; the end-to-end runs of ``python -m
compat`` happen in fresh subprocesses, where no real torch is imported.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch as real_torch

import compat
from compat import _install
from compat.__main__ import USAGE, main
from compat._install import (
    TorchAliasError,
    UnsupportedAttributeError,
    install_as_torch,
    torch_alias,
    uninstall_as_torch,
)
from rustorch_fx.errors import RusTorchError, UnsupportedError

# A stand-in compat package, put on compat.__path__ by the ``fake_pkg`` fixture, so that the
# generic mapping is tested without depending on which compat submodules exist today.
_FAKE_FILES = {
    "aliasfake/__init__.py": """
        import json as alias_json  # a foreign module bound as an attribute

        value = 1

        def __getattr__(name):
            if name == "lazy":
                return "from __getattr__"
            if name == "lazy_mod":
                import importlib

                return importlib.import_module(__name__ + ".lazy_mod")
            if name == "explicit":
                from compat._install import UnsupportedAttributeError

                raise UnsupportedAttributeError("explicit: raised by the module itself")
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    """,
    "aliasfake/functional.py": """
        def relu(x):
            return max(x, 0)
    """,
    "aliasfake/sub/__init__.py": "",
    "aliasfake/lazy_mod.py": "x = 1\n",
}


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def _drop(prefix: str) -> None:
    for name in [n for n in sys.modules if n == prefix or n.startswith(prefix + ".")]:
        del sys.modules[name]


@pytest.fixture
def fake_pkg(tmp_path, monkeypatch):
    root = tmp_path / "fakeroot"
    _write(root, _FAKE_FILES)
    monkeypatch.setattr(compat, "__path__", [*compat.__path__, str(root)])
    importlib.invalidate_caches()
    yield importlib.import_module("compat.aliasfake")
    _drop("compat.aliasfake")
    vars(compat).pop("aliasfake", None)


@pytest.fixture
def alias():
    real = {n: m for n, m in sys.modules.items() if n == "torch" or n.startswith("torch.")}
    assert real["torch"] is real_torch
    yield install_as_torch(force=True)
    uninstall_as_torch()
    assert {n: m for n, m in sys.modules.items() if n == "torch" or n.startswith("torch.")} == real


def _finders() -> list[object]:
    return [f for f in sys.meta_path if isinstance(f, _install._TorchFinder)]


# ------------------------------------------------------------------------- install / uninstall


def test_refuses_when_the_real_torch_is_imported():
    meta_path = list(sys.meta_path)
    with pytest.raises(TorchAliasError, match=r"install_as_torch: the real torch is already") as e:
        install_as_torch()
    assert "'torch'" in str(e.value)
    assert "force=True" in str(e.value)
    assert isinstance(e.value, RusTorchError)
    assert isinstance(e.value, RuntimeError)
    assert sys.meta_path == meta_path
    assert sys.modules["torch"] is real_torch
    assert "__getattr__" not in vars(compat)


def test_torch_and_its_submodules_are_compat_modules(fake_pkg, alias):
    assert alias is compat
    torch = importlib.import_module("torch")
    assert torch is compat
    assert torch.__name__ == "compat"
    assert importlib.import_module("torch.aliasfake") is fake_pkg
    functional = importlib.import_module("torch.aliasfake.functional")
    assert functional is sys.modules["compat.aliasfake.functional"]
    assert torch.aliasfake.functional is functional
    assert functional.relu(-2) == 0
    # The module keeps its own spec (the import system would stamp torch.*'s on it).
    assert functional.__spec__.name == "compat.aliasfake.functional"
    sub = importlib.import_module("torch.aliasfake.sub")
    assert sub is sys.modules["compat.aliasfake.sub"]
    assert sub.__spec__.name == "compat.aliasfake.sub"
    namespace: dict[str, object] = {}
    exec("import torch.aliasfake as af\nfrom torch.aliasfake import functional as F", namespace)
    assert namespace["af"] is fake_pkg
    assert namespace["F"] is functional
    # Generic: every compat module imported so far answers to its torch name.
    for name, module in list(sys.modules.items()):
        if name == "compat" or name.startswith("compat."):
            assert sys.modules["torch" + name[len("compat") :]] is module, name


def test_install_is_idempotent(alias):
    state = _install._state
    assert install_as_torch() is compat
    assert install_as_torch(force=True) is compat
    assert _install._state is state
    assert len(_finders()) == 1
    assert sys.meta_path[0] is state.finder
    assert importlib.import_module("torch") is compat
    del sys.modules["torch"]  # found again by the finder
    assert importlib.import_module("torch") is compat


def test_finder_ignores_other_names(alias):
    finder = _finders()[0]
    assert finder.find_spec("json") is None
    assert finder.find_spec("torchvision") is None
    assert finder.find_spec("torchaudio.io") is None


def test_a_foreign_module_bound_in_compat_is_given_unhooked(fake_pkg, alias):
    import json

    assert importlib.import_module("torch.aliasfake.alias_json") is json
    assert "__getattr__" not in vars(json)


def test_a_non_module_attribute_does_not_import_as_a_module(fake_pkg):
    # As in torch, where `import torch.nn.Linear` is a ModuleNotFoundError.
    with pytest.raises(ModuleNotFoundError, match=r"torch\.nn\.Linear"):
        importlib.import_module("torch.nn.Linear")
    with torch_alias(force=True):
        with pytest.raises(ModuleNotFoundError, match=r"torch\.aliasfake\.value"):
            importlib.import_module("torch.aliasfake.value")
        assert "torch.aliasfake.value" not in sys.modules


def test_private_compat_modules_are_mapped_but_not_hooked(alias):
    private = [n for n in sys.modules if n.startswith("compat._")]
    assert private
    for name in private:
        module = sys.modules[name]
        assert sys.modules["torch" + name[len("compat") :]] is module
        assert "__getattr__" not in vars(module) or not getattr(
            vars(module)["__getattr__"], "_compat_alias_hook", False
        )


# ------------------------------------------------------------------------------ missing names


def test_missing_name_is_unsupported_and_attribute_error(alias):
    torch = importlib.import_module("torch")
    # As in torch itself: hasattr is False and getattr's default applies.
    assert hasattr(real_torch, "definitely_missing") is False
    assert hasattr(torch, "definitely_missing") is False
    assert getattr(torch, "definitely_missing", 5) == 5
    with pytest.raises(
        UnsupportedAttributeError,
        match=r"^torch\.definitely_missing is not provided by compat \(compat 0\.1\.0\): "
        r"compat has no attribute 'definitely_missing'$",
    ) as e:
        torch.definitely_missing
    assert isinstance(e.value, UnsupportedError)
    assert isinstance(e.value, AttributeError)
    assert isinstance(e.value, NotImplementedError)
    assert e.value.__cause__ is None


def test_hook_keeps_a_modules_own_getattr(fake_pkg, alias):
    torch = importlib.import_module("torch")
    assert torch.aliasfake.value == 1
    assert torch.aliasfake.lazy == "from __getattr__"
    with pytest.raises(UnsupportedAttributeError, match=r"^explicit: raised by the module itself$"):
        torch.aliasfake.explicit
    with pytest.raises(
        UnsupportedAttributeError,
        match=r"torch\.aliasfake\.nothing is not provided by compat .*"
        r"compat\.aliasfake has no attribute 'nothing'",
    ) as e:
        torch.aliasfake.nothing
    assert isinstance(e.value.__cause__, AttributeError)
    assert not isinstance(e.value.__cause__, UnsupportedError)
    assert not hasattr(torch.aliasfake, "nothing")
    # A submodule the module's own __getattr__ loads lazily gets its torch name and the hook.
    assert "compat.aliasfake.lazy_mod" not in sys.modules
    lazy = torch.aliasfake.lazy_mod
    assert lazy.x == 1
    assert sys.modules["torch.aliasfake.lazy_mod"] is lazy
    assert not hasattr(lazy, "y")
    with pytest.raises(UnsupportedAttributeError, match=r"^torch\.aliasfake\.lazy_mod\.y is not"):
        lazy.y


def test_missing_submodules_import_as_placeholders(alias):
    namespace: dict[str, object] = {}
    exec(
        "import torch\n"
        "import torch.aliasmissing\n"
        "import torch.aliasmissing.deep.er as deeper\n"
        "from torch.aliasmissing import export\n",
        namespace,
    )
    torch = namespace["torch"]
    placeholder = torch.aliasmissing
    assert placeholder is sys.modules["torch.aliasmissing"]
    assert placeholder.__name__ == "torch.aliasmissing"
    assert namespace["deeper"].__name__ == "torch.aliasmissing.deep.er"
    assert namespace["export"] is placeholder.export
    assert repr(placeholder) == "<placeholder module 'torch.aliasmissing': not provided by compat>"
    with pytest.raises(
        UnsupportedAttributeError,
        match=r"^torch\.aliasmissing\.save is not provided by compat \(compat 0\.1\.0\): "
        r"torch\.aliasmissing is only a placeholder module$",
    ):
        placeholder.save
    assert not hasattr(placeholder, "save")
    with pytest.raises(
        UnsupportedError,
        match=r"^torch\.aliasmissing\.export is not provided by compat .*cannot be called$",
    ):
        namespace["export"](object(), "model.onnx")
    with pytest.raises(UnsupportedError, match=r"torch\.aliasmissing\.export .*cannot be subclass"):
        exec("class Model(export):\n    pass\n", namespace)
    assert not isinstance(3, namespace["export"])
    assert not issubclass(int, namespace["export"])


def test_missing_names_from_compat_modules_import_as_placeholders(fake_pkg, alias):
    namespace: dict[str, object] = {}
    exec(
        "from torch.aliasfake import Transformer\n"
        "from torch.aliasfake.functional import gelu\n"  # a module that is not a package
        "import torch.aliasfake.functional.deeper\n",
        namespace,
    )
    with pytest.raises(UnsupportedError, match=r"^torch\.aliasfake\.Transformer is not provided"):
        namespace["Transformer"](d_model=8)
    with pytest.raises(UnsupportedError, match=r"^torch\.aliasfake\.functional\.gelu is not"):
        namespace["gelu"](1.0)
    assert sys.modules["torch.aliasfake.functional.deeper"].__name__ == (
        "torch.aliasfake.functional.deeper"
    )


def test_from_imports_of_missing_submodules_give_the_same_placeholders(fake_pkg, alias):
    namespace: dict[str, object] = {}
    exec("from torch import aliasmissing\nfrom torch.aliasfake import extra", namespace)
    placeholder = namespace["aliasmissing"]
    # Named as torch names it, found under both names.
    assert placeholder.__name__ == "torch.aliasmissing"
    assert importlib.import_module("torch.aliasmissing") is placeholder
    assert sys.modules["compat.aliasmissing"] is placeholder
    assert namespace["extra"] is sys.modules["torch.aliasfake.extra"]
    deep = importlib.import_module("compat.aliasmissing.deep")
    assert deep.__name__ == "torch.aliasmissing.deep"
    assert importlib.import_module("torch.aliasmissing.deep") is deep
    del sys.modules["torch.aliasmissing.deep"]  # found again: the same placeholder
    assert importlib.import_module("torch.aliasmissing.deep") is deep
    # compat's own imports of modules that exist, or of private names, are left alone.
    assert importlib.import_module("compat.aliasfake.lazy_mod").x == 1
    with pytest.raises(ModuleNotFoundError, match=r"compat\._no_such_module"):
        importlib.import_module("compat._no_such_module")
    with pytest.raises(ModuleNotFoundError, match=r"compat\.aliasfake\.value"):
        importlib.import_module("compat.aliasfake.value")


def test_uninstall_restores_everything(fake_pkg):
    original_getattr = vars(fake_pkg)["__getattr__"]
    install_as_torch(force=True)
    try:
        importlib.import_module("torch.aliasfake.functional")
        importlib.import_module("torch.aliasfake.sub")
        importlib.import_module("torch.aliasmissing")
        importlib.import_module("torch.aliasgone")
        exec("from torch.aliasfake import Missing", {})
        assert vars(fake_pkg)["__getattr__"] is not original_getattr
        assert "__getattr__" in vars(compat)
        # Someone replacing a hook or a placeholder attribute keeps their value.
        compat.aliasgone = "replaced"
        replaced_hook = vars(fake_pkg.sub)["__getattr__"]
        fake_pkg.sub.__getattr__ = lambda name: name
        assert replaced_hook._compat_alias_hook
    finally:
        uninstall_as_torch()
    assert sys.modules["torch"] is real_torch
    assert not [n for n in sys.modules if n.startswith("torch.alias")]
    assert not _finders()
    assert "__getattr__" not in vars(compat)
    assert vars(fake_pkg)["__getattr__"] is original_getattr
    assert vars(fake_pkg.sub)["__getattr__"]("x") == "x"
    assert "aliasmissing" not in vars(compat)
    assert "Missing" not in vars(fake_pkg)
    assert compat.aliasgone == "replaced"
    del compat.aliasgone
    del fake_pkg.sub.__getattr__
    with pytest.raises(AttributeError) as e:
        compat.definitely_missing
    assert not isinstance(e.value, UnsupportedError)
    uninstall_as_torch()  # not installed: nothing to do
    assert sys.modules["torch"] is real_torch


def test_torch_alias_context_manager():
    with torch_alias(force=True) as module:
        assert module is compat
        assert importlib.import_module("torch") is compat
    assert sys.modules["torch"] is real_torch
    assert not _finders()
    with pytest.raises(TorchAliasError, match="force=True"), torch_alias():
        pass  # pragma: no cover - not reached
    assert not _finders()


def test_torch_alias_inside_an_installed_alias_leaves_it_installed(alias):
    with torch_alias() as module:
        assert module is compat
    assert len(_finders()) == 1
    assert importlib.import_module("torch") is compat


# ---------------------------------------------------------------------- python -m compat, here


@pytest.fixture
def cli(alias, monkeypatch):
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    monkeypatch.setattr(sys, "path", list(sys.path))
    return main


def test_main_runs_a_script_as_python_would(cli, tmp_path, capsys):
    script = tmp_path / "train.py"
    script.write_text(
        "import sys\n"
        "import torch\n"
        "import torch.aliasmissing\n"
        "print(torch.__name__, __name__, sys.argv[1:], sys.argv[0].endswith('train.py'))\n"
        "print(sys.path[0])\n"
    )
    assert cli([str(script), "--epochs", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == ["compat __main__ ['--epochs', '2'] True", str(tmp_path)]
    assert sys.argv == [str(script), "--epochs", "2"]


def test_main_propagates_the_scripts_exit(cli, tmp_path):
    script = tmp_path / "fail.py"
    script.write_text("import sys\nsys.exit(3)\n")
    with pytest.raises(SystemExit) as e:
        cli([str(script)])
    assert e.value.code == 3
    script.write_text("raise ValueError('from the script')\n")
    with pytest.raises(ValueError, match="from the script"):
        cli([str(script)])


def test_main_runs_a_directory_with_a_main_file(cli, tmp_path, capsys):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__main__.py").write_text("import torch\nprint(torch.__name__)\n")
    assert cli([str(tmp_path / "app")]) == 0
    assert capsys.readouterr().out == "compat\n"


def test_main_runs_a_module(cli, tmp_path, monkeypatch, capsys):
    (tmp_path / "alias_demo_mod.py").write_text(
        "import sys\nimport torch\nprint(torch.__name__, __name__, sys.argv[1:])\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert cli(["-m", "alias_demo_mod", "a", "b"]) == 0
    assert capsys.readouterr().out == "compat __main__ ['a', 'b']\n"


@pytest.mark.parametrize(
    ("argv", "code", "stderr"),
    [
        ([], 2, USAGE),
        (["-m"], 2, "argument expected for the -m option"),
        (["--force", "x.py"], 2, "unknown option '--force'"),
        (["does_not_exist.py"], 2, "can't open file 'does_not_exist.py'"),
        (["-m", "alias_no_such_module"], 1, "no module named 'alias_no_such_module'"),
        (["-m", "alias_no_such_pkg.mod"], 1, "no module named 'alias_no_such_pkg.mod'"),
    ],
)
def test_main_bad_command_lines(cli, capsys, argv, code, stderr):
    assert cli(argv) == code
    assert stderr in capsys.readouterr().err


def test_main_help(cli, capsys):
    assert cli(["--help"]) == 0
    assert capsys.readouterr().out == USAGE


# ---------------------------------------------------------------- python -m compat, end to end


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "compat", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
        timeout=120,
    )


_SCRIPT = """
import sys
import torch
import torch.onnx
from torch.nn import functional
import torch.autograd as autograd
import compat
from rustorch_fx.errors import UnsupportedError

print(torch.__name__)
print(torch is compat, autograd is compat.autograd, sys.modules["torch"] is compat)
print(sys.argv, __name__, sys.path[0])
print(hasattr(torch, "definitely_missing"), getattr(torch, "definitely_missing", "default"))
try:
    torch.definitely_missing
except AttributeError as e:
    print(type(e).__name__, isinstance(e, UnsupportedError))
    print(e)
import torch.aliasmissing
try:
    torch.aliasmissing.export
except NotImplementedError as e:
    print(e)
sys.exit(int(sys.argv[1]))
"""


def test_python_m_compat_runs_an_unmodified_script(tmp_path):
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    (scripts / "train.py").write_text(_SCRIPT)
    proc = _run(["scripts/train.py", "7", "--flag"], cwd=tmp_path)
    assert proc.returncode == 7, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "compat"
    assert lines[1] == "True True True"
    assert lines[2] == f"['scripts/train.py', '7', '--flag'] __main__ {scripts}"
    assert lines[3] == "False default"
    assert lines[4] == "UnsupportedAttributeError True"
    assert lines[5] == (
        "torch.definitely_missing is not provided by compat (compat 0.1.0): "
        "compat has no attribute 'definitely_missing'"
    )
    assert lines[6] == (
        "torch.aliasmissing.export is not provided by compat (compat 0.1.0): "
        "torch.aliasmissing is only a placeholder module"
    )


def test_python_m_compat_module_and_uncaught_error(tmp_path):
    (tmp_path / "alias_mod.py").write_text(
        "import sys, torch\nprint(torch.__name__, sys.argv[1:])\nraise ValueError('boom')\n"
    )
    proc = _run(["-m", "alias_mod", "x"], cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout == "compat ['x']\n"
    assert "ValueError: boom" in proc.stderr


def test_python_m_compat_without_arguments_prints_usage(tmp_path):
    proc = _run([], cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr == USAGE


def test_version_reads_like_torchs():
    from packaging.version import Version

    import compat

    v = Version(compat.__version__)
    assert (v.major, v.minor) == (2, 13)
    assert v.local == "compat.0.1.0"
