"""The import graph of grover_train follows the data flow (docs/design.md section 10).

The graph is built statically with :mod:`ast` from every ``import`` statement of the package,
also those inside functions (a lazy import is still a dependency; it only hides a cycle from
Python's import machinery), and from registry strings (``"module:Class"``, loaded at run
time). Imports under ``if TYPE_CHECKING:`` are left out: they never run.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "grover_train"


def _module_name(path: Path) -> tuple[str, bool]:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    return ".".join(parts[:-1] if is_package else parts), is_package


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST):
    """Every Import / ImportFrom node, skipping ``if TYPE_CHECKING:`` bodies."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            yield from (n for child in node.orelse for n in _imports_of(child))
            continue
        yield from _imports_of(node)


def _imports_of(node: ast.AST):
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node
    else:
        yield from _imports(node)


_TARGET = re.compile(r"grover_train(?:\.\w+)+(?::\w+)?")


def _registry_targets(tree: ast.AST) -> set[str]:
    """Modules named by registry strings ("module:Class", also built as ``_PREFIX + "x:Y"``
    from a module-level string constant): a registry entry loads its module at run time, so
    it is a dependency as much as an import is."""
    consts: dict[str, str] = {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            consts[node.targets[0].id] = node.value.value

    def value(node) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            return consts.get(node.id)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = value(node.left), value(node.right)
            return None if left is None or right is None else left + right
        return None

    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr):  # docstrings and bare strings name nothing
            continue
        if isinstance(node, ast.Constant | ast.BinOp):
            text = value(node)
            if text and _TARGET.fullmatch(text) and ":" in text:
                found.add(text.split(":")[0])
    return found


@cache
def import_graph() -> dict[str, frozenset[str]]:
    """module -> the grover_train modules it imports (a package's ``__init__`` is the package)."""
    files = {_module_name(p): p for p in ROOT.rglob("*.py")}
    modules = {name for name, _ in files}
    graph: dict[str, frozenset[str]] = {}
    for (name, is_package), path in files.items():
        targets: set[str] = set()
        tree = ast.parse(path.read_text(), str(path))
        targets.update(_registry_targets(tree))
        for node in _imports(tree):
            if isinstance(node, ast.Import):
                targets.update(a.name for a in node.names)
                continue
            if node.level:  # relative: resolve against this module's package
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            for alias in node.names:  # "from pkg import module" imports that module
                sub = f"{mod}.{alias.name}"
                targets.add(sub if sub in modules else mod)
        graph[name] = frozenset(t for t in targets if t in modules and t != name)
    return graph


def cycles(graph) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _stage(module: str) -> str:
    """The subpackage of a module (``grover_train.model.deep`` -> ``model``); a top-level module
    is a stage of its own (``grover_train.errors`` -> ``errors``)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else module


def test_the_graph_sees_known_edges():
    graph = import_graph()
    assert "grover_train.model.network" in graph["grover_train.model.landscape"]
    assert "grover_train.finders.base" in graph["grover_train.finders.annealing"]
    # a lazy import inside a function counts
    assert "grover_train.studies" in graph["grover_train.runs.runners"]
    # a registry string too: the study registry names its study modules
    assert "grover_train.studies.search_level" in graph["grover_train.studies"]
    # so does a registry string, built from a prefix constant ("module:Class")
    backends = graph["grover_train.finders.coherent.backends"]
    assert "grover_train.finders.coherent.backends.ibm" in backends
    assert "grover_train.finders.random" in graph["grover_train.finders.registry"]
    assert len(graph) > 80


def test_cycle_finder_finds_a_cycle_and_only_it():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_between_modules():
    found = cycles(import_graph())
    assert not found, "import cycles (break each by moving the shared piece below both): " + (
        "; ".join(" <-> ".join(c) for c in found)
    )


def test_no_import_cycles_between_subpackages():
    stages: dict[str, set[str]] = {}
    for module, targets in import_graph().items():
        stages.setdefault(_stage(module), set()).update(
            _stage(t) for t in targets if _stage(t) != _stage(module)
        )
    assert not cycles(stages), cycles(stages)


@pytest.mark.parametrize(
    "above", ["finders", "train", "analysis", "studies", "runs", "reporting", "cli"]
)
def test_model_imports_nothing_from_the_stages_after_it(above):
    wrong = sorted(
        f"{module} -> {target}"
        for module, targets in import_graph().items()
        if _stage(module) == "model"
        for target in targets
        if _stage(target) == above
    )
    assert not wrong, wrong
