"""The package's structure, read from its source with `ast` (nothing is imported):

- the generator does not depend on the study: no module outside chain/, data/, train/
  and the entry points (__main__.py and api.py, which wire the study in) imports
  vhdlgen.chain, vhdlgen.data or vhdlgen.train (the sweep is train.sweep);
- no import cycle between packages (vhdlgen.rtl, vhdlgen.sim, ...) or top-level modules
  (vhdlgen.fixed, ...), lazy imports inside functions included (the two known edges of
  KNOWN_CYCLE_EDGES aside, which must still exist: the list only shrinks);
- nothing in vhdlgen/ changes the process environment (os.environ[...] =, del os.environ[...],
  os.environ.setdefault/update/pop/clear, os.putenv, os.unsetenv): a subprocess is given its
  environment instead;
- modules under 500 lines, functions under 80 (the project's standard).

Each check is also run on a small made-up source, so that a check that cannot fail is caught.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "vhdlgen"
STUDY = ("vhdlgen.chain", "vhdlgen.data", "vhdlgen.train")
ENTRY_POINTS = ("__main__.py", "api.py")
ENV_CALLS = ("os.environ.setdefault", "os.environ.update", "os.environ.pop",
             "os.environ.clear", "os.environ.popitem", "os.putenv", "os.unsetenv")
MAX_MODULE_LINES, MAX_FUNCTION_LINES = 500, 80
# Known edges that close cycles, to be removed, not added to (none left).
KNOWN_CYCLE_EDGES: set[tuple[str, str]] = set()


def module_name(path: Path) -> str:
    """vhdlgen/rtl/build.py -> vhdlgen.rtl.build; a package's __init__.py -> the package."""
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(tree: ast.AST, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, imported module or name) of every import in `tree`, relative ones resolved."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = module.split(".")[: len(module.split(".")) - node.level + is_package]
                base = ".".join(parent + ([node.module] if node.module else []))
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def node_of(name: str) -> str:
    """The package or top-level module a module belongs to: vhdlgen.rtl.build -> vhdlgen.rtl."""
    return ".".join(name.split(".")[:2])


def sources() -> list[tuple[Path, str, ast.AST, str]]:
    return [(path, module_name(path), ast.parse(path.read_text(encoding="utf-8")),
             path.read_text(encoding="utf-8")) for path in sorted(PACKAGE.rglob("*.py"))]


def study_imports(path: Path, module: str, tree: ast.AST) -> list[str]:
    rel = path.relative_to(PACKAGE).as_posix()
    if node_of(module).startswith(STUDY) or rel in ENTRY_POINTS:
        return []
    return [f"{rel}:{line} imports {name}" for line, name in
            imports(tree, module, path.name == "__init__.py") if name.startswith(STUDY)]


def edges(modules: list[tuple[Path, str, ast.AST]]) -> dict[str, set[str]]:
    """Import edges between nodes (packages and top-level modules) that exist."""
    nodes = {node_of(module) for _, module, _ in modules}
    graph: dict[str, set[str]] = {}
    for path, module, tree in modules:
        for _, name in imports(tree, module, path.name == "__init__.py"):
            if name.startswith("vhdlgen.") and node_of(name) in nodes \
                    and node_of(name) != node_of(module):
                graph.setdefault(node_of(module), set()).add(node_of(name))
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every elementary cycle found by a depth-first search (each reported once per start)."""
    found, done = [], set()

    def visit(node: str, path: list[str]) -> None:
        for succ in sorted(graph.get(node, ())):
            if succ in path:
                found.append(path[path.index(succ):] + [succ])
            elif succ not in done:
                visit(succ, path + [succ])
        done.add(node)

    for start in sorted(graph):
        if start not in done:
            visit(start, [start])
    return found


def env_mutations(path: Path, tree: ast.AST) -> list[str]:
    problems = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) \
                else [node.target]
        if any(isinstance(t, ast.Subscript) and ast.unparse(t.value) in ("os.environ", "environ")
               for t in targets):
            problems.append(f"{path.name}:{node.lineno} writes os.environ[...]")
        if isinstance(node, ast.Call) and ast.unparse(node.func) in ENV_CALLS:
            problems.append(f"{path.name}:{node.lineno} calls {ast.unparse(node.func)}")
    return problems


def oversized(path: Path, tree: ast.AST, text: str) -> list[str]:
    problems = []
    if text.count("\n") + 1 > MAX_MODULE_LINES:
        problems.append(f"{path.name}: {text.count(chr(10)) + 1} lines")
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                problems.append(f"{path.name}:{node.lineno} {node.name}: {length} lines")
    return problems


# ------------------------------------------------------------------------------ the package
def test_the_generator_does_not_import_the_study() -> None:
    found = [p for path, module, tree, _ in sources() for p in study_imports(path, module, tree)]
    assert found == []


def test_no_import_cycles_between_packages_or_top_level_modules() -> None:
    graph = edges([(path, module, tree) for path, module, tree, _ in sources()])
    assert graph["vhdlgen.rtl"]  # the graph is not empty: rtl imports ir, fixed, ...
    assert {(a, b) for a, b in KNOWN_CYCLE_EDGES if b in graph.get(a, ())} == KNOWN_CYCLE_EDGES
    for a, b in KNOWN_CYCLE_EDGES:
        graph[a].discard(b)
    assert cycles(graph) == []


def test_nothing_changes_the_process_environment() -> None:
    assert [p for path, _, tree, _ in sources() for p in env_mutations(path, tree)] == []


def test_modules_and_functions_are_small() -> None:
    assert [p for path, _, tree, text in sources() for p in oversized(path, tree, text)] == []


# ------------------------------------------------------------------- the checks can fail
def _fake(rel: str, code: str) -> tuple[Path, str, ast.AST]:
    path = PACKAGE / rel
    return path, module_name(path), ast.parse(code)


@pytest.mark.parametrize("rel, code, bad", [
    ("rtl/x.py", "from vhdlgen.chain.rtl import render_chain", True),
    ("rtl/x.py", "def f():\n    import vhdlgen.data\n", True),
    ("rtl/x.py", "from ..train import metrics", True),
    ("sim/x.py", "from vhdlgen.train.sweep import grid", True),
    ("chain/x.py", "from vhdlgen.data import generate_events", False),
    ("api.py", "from vhdlgen.chain.client import ChainOptions", False),
    ("rtl/x.py", "from vhdlgen.rtl import names", False),
])
def test_study_import_check_sees_what_it_must(rel: str, code: str, bad: bool) -> None:
    path, module, tree = _fake(rel, code)
    assert bool(study_imports(path, module, tree)) is bad


def test_cycle_check_sees_a_cycle_through_a_lazy_import() -> None:
    graph = edges([_fake("rtl/a.py", "from vhdlgen.sim import runner"),
                   _fake("sim/b.py", "def f():\n    from vhdlgen.rtl.build import build\n"),
                   _fake("fixed.py", "import numpy")])
    assert graph == {"vhdlgen.rtl": {"vhdlgen.sim"}, "vhdlgen.sim": {"vhdlgen.rtl"}}
    assert cycles(graph) == [["vhdlgen.rtl", "vhdlgen.sim", "vhdlgen.rtl"]]
    assert cycles({"vhdlgen.rtl": {"vhdlgen.fixed"}}) == []


@pytest.mark.parametrize("code, bad", [
    ("import os\nos.environ['GHDL_BACKEND'] = 'llvm'", True),
    ("import os\nos.environ.setdefault('A', 'b')", True),
    ("import os\nos.putenv('A', 'b')", True),
    ("import os\ndel os.environ['A']", True),
    ("import os\nenv = {**os.environ, 'A': 'b'}", False),
    ("import os\nvalue = os.environ.get('A')", False),
])
def test_environment_check_sees_what_it_must(code: str, bad: bool) -> None:
    path, _, tree = _fake("sim/x.py", code)
    assert bool(env_mutations(path, tree)) is bad


def test_size_check_sees_a_long_function() -> None:
    code = "def f():\n" + "    x = 1\n" * MAX_FUNCTION_LINES
    path, _, tree = _fake("x.py", code)
    assert oversized(path, tree, code) == [f"x.py:1 f: {MAX_FUNCTION_LINES + 1} lines"]
    assert oversized(path, ast.parse("x = 1\n"), "x = 1\n") == []


def test_every_package_is_installed() -> None:
    """pyproject.toml lists its packages by name: a new package missing there works in the
    editable checkout and is absent from a wheel."""
    import tomllib

    root = Path(__file__).resolve().parents[1]
    listed = set(tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]
                 ["packages"])
    found = {module_name(p.parent / "__init__.py") for p in (root / "vhdlgen").rglob("__init__.py")
             if "templates" not in p.parts}
    assert found <= listed, f"not in pyproject.toml's packages: {sorted(found - listed)}"
