"""The package layout keeps its promises: stages import downstream only, no cycles, no private
names across modules, one error root, thin commands, small modules, a test file per module.

The import rules read the source (imports inside functions included), so a lazy import
cannot hide an upward dependency.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "jazzgen"
STAGES = ("errors", "music", "io", "corpus", "output", "model", "generate", "live", "evaluate",
          "cli")
"""Stages in data-flow order: a module may import its own stage and the ones before it."""
MAX_MODULE_LINES = 400
MAX_COMMAND_BODY_LINES = 20


def _modules() -> dict[str, Path]:
    """Dotted name -> file of every module of the package."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _resolve(name: str) -> str:
    """The module an imported dotted name refers to (``jazzgen.io.atomic`` from ``from
    jazzgen.io import atomic``, else its longest prefix that is a module)."""
    while name not in MODULES and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def _imports(path: Path) -> list[tuple[str, str, int]]:
    """(imported module, imported name or "", line) for every jazzgen import in ``path``."""
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out += [(_resolve(a.name), "", node.lineno) for a in node.names
                    if a.name.split(".")[0] == "jazzgen"]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                and node.module.split(".")[0] == "jazzgen":
            for a in node.names:
                full = f"{node.module}.{a.name}"
                if full in MODULES:
                    out.append((full, "", node.lineno))
                else:
                    out.append((_resolve(node.module), a.name, node.lineno))
    return out


def _stage(module: str) -> int | None:
    """Index of the module's stage in STAGES (None for the package root and ``__main__``)."""
    parts = module.split(".")
    return STAGES.index(parts[1]) if len(parts) > 1 and parts[1] in STAGES else None


def test_every_module_belongs_to_a_stage():
    loose = [m for m in MODULES if _stage(m) is None and m not in ("jazzgen", "jazzgen.__main__")]
    assert loose == []
    assert len({m.split(".")[1] for m in MODULES if _stage(m) is not None}) >= 5


def test_imports_point_downstream_only():
    upward = []
    for module, path in MODULES.items():
        mine = _stage(module)
        for target, _, line in _imports(path):
            theirs = _stage(target)
            if mine is not None and theirs is not None and theirs > mine:
                upward.append(f"{path.relative_to(ROOT)}:{line} ({STAGES[mine]}) imports "
                              f"{target} ({STAGES[theirs]})")
    assert upward == []


def test_no_import_cycles():
    graph = {m: {t for t, _, _ in _imports(p) if t != m and t != "jazzgen"}
             for m, p in MODULES.items()}
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return path[path.index(node):] + [node]
        if node in done:
            return None
        for nxt in sorted(graph.get(node, ())):
            cycle = visit(nxt, path + [node])
            if cycle:
                return cycle
        done.add(node)
        return None

    cycles = [c for m in graph if (c := visit(m, []))]
    assert cycles == []


def _private_attributes(path: Path) -> list[str]:
    """``alias._name`` uses where ``alias`` is a jazzgen module imported in ``path``."""
    tree = ast.parse(path.read_text())
    aliases = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("jazzgen"):
            aliases |= {a.asname or a.name for a in node.names
                        if f"{node.module}.{a.name}" in MODULES}
        elif isinstance(node, ast.Import):
            aliases |= {a.asname for a in node.names if a.asname and a.name in MODULES}
    return [f"{path.name}:{n.lineno} {n.value.id}.{n.attr}" for n in ast.walk(tree)
            if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
            and n.value.id in aliases and n.attr.startswith("_") and not n.attr.startswith("__")]


def test_no_private_name_is_used_outside_its_module():
    taken = [f"{p.relative_to(ROOT)}:{line} imports {t}.{name}"
             for m, p in MODULES.items() for t, name, line in _imports(p)
             if name.startswith("_") and not name.startswith("__")]
    taken += [use for p in MODULES.values() for use in _private_attributes(p)]
    assert taken == []


def test_every_exception_class_is_under_jazzgen_error():
    from jazzgen.errors import JazzgenError

    strays = []
    for module in MODULES:
        mod = importlib.import_module(module)
        for name, obj in vars(mod).items():
            if inspect.isclass(obj) and issubclass(obj, BaseException) \
                    and obj.__module__.startswith("jazzgen") and not issubclass(obj, JazzgenError):
                strays.append(f"{module}.{name}")
    assert strays == []
    assert len(JazzgenError.__subclasses__()) >= 5


UNSAFE_CALLS = {"pickle", "marshal", "shelve", "dill", "cloudpickle", "joblib"}
"""Modules that run code from data: none may be imported by jazzgen."""


def _unsafe_uses(path: Path) -> list[str]:
    """Imports of code-from-data modules, ``allow_pickle=True``, ``safe_mode=False``,
    ``eval``/``exec`` calls, and music21 parse calls that may use its pickle cache."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) \
                else [node.module or ""]
            found += [f"{path.name}:{node.lineno} imports {n}" for n in names
                      if n.split(".")[0] in UNSAFE_CALLS]
        elif isinstance(node, ast.keyword) and node.arg in ("allow_pickle", "safe_mode") \
                and not (isinstance(node.value, ast.Constant) and node.value.value is
                         (node.arg == "safe_mode")):
            found.append(f"{path.name}:{node.value.lineno} {node.arg}={ast.unparse(node.value)}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in ("eval", "exec"):
            found.append(f"{path.name}:{node.lineno} calls {node.func.id}")
    return found


def test_nothing_runs_code_from_data():
    """No pickle (NumPy loads say allow_pickle=False), Keras loads in safe mode, no eval."""
    bad = [u for path in MODULES.values() for u in _unsafe_uses(path)]
    assert not bad, bad


def test_the_code_from_data_rule_catches_each_case(tmp_path):
    src = tmp_path / "m.py"
    src.write_text("import pickle\nfrom joblib import load\nimport numpy as np\n"
                   "np.load('x', allow_pickle=True)\nm.load_model('x', safe_mode=False)\n"
                   "eval('1')\nnp.load('y', allow_pickle=False)\n")
    assert len(_unsafe_uses(src)) == 5


def test_no_module_is_over_the_size_limit():
    big = {str(p.relative_to(ROOT)): n for p in MODULES.values()
           if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES}
    assert big == {}


def _body_lines(func) -> int:
    """Lines of a function's body, its docstring left out."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    fn = tree.body[0]
    body = fn.body[1:] if ast.get_docstring(fn) is not None else fn.body
    return body[-1].end_lineno - body[0].lineno + 1 if body else 0


@pytest.mark.parametrize("name", sorted(importlib.import_module("jazzgen.cli").main.commands))
def test_command_bodies_are_thin(name):
    from jazzgen.cli import main

    callback = inspect.unwrap(main.commands[name].callback)
    assert _body_lines(callback) <= MAX_COMMAND_BODY_LINES


def test_body_line_count_counts_what_it_should():
    def sample():
        """Doc."""
        a = 1
        return a

    assert _body_lines(sample) == 2


@pytest.mark.parametrize("module", sorted(m for m in MODULES
                                          if _stage(m) is not None and m.count(".") == 2))
def test_every_module_has_a_test_file(module):
    _, stage, name = module.split(".")
    assert (ROOT / "tests" / f"test_{stage}_{name}.py").is_file()


def test_errors_module_has_its_tests():
    assert (ROOT / "tests" / "test_errors.py").is_file()


def test_the_rules_catch_what_they_are_for(tmp_path):
    # An upward import inside a function, and a private name, are found in source text.
    path = tmp_path / "probe.py"
    path.write_text("def f():\n    from jazzgen.cli.app import main\n"
                    "from jazzgen.music.notes import _hidden\n")
    found = _imports(path)
    assert ("jazzgen.cli.app", "main", 2) in found
    assert ("jazzgen.music.notes", "_hidden", 3) in found
    assert _stage("jazzgen.cli.app") > _stage("jazzgen.music.notes")
