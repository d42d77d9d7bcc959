"""The import graph of ``seqgan`` has no cycles, and nothing imports the command line.

Every ``import`` of a ``seqgan`` module counts: absolute and relative, at module level and
inside functions; only imports under ``if TYPE_CHECKING:`` are skipped (they never run). A
package counts as its ``__init__.py``, so a submodule that imports its own package (``from
seqgan.losses import X`` inside ``seqgan/losses/_regularizers.py``) closes a cycle with the
``__init__`` that imports the submodule.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "seqgan"


def _modules() -> dict[str, Path]:
    """Dotted name -> file of every module under ``seqgan/`` (packages by ``__init__.py``)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement, except those in the body of ``if TYPE_CHECKING:``."""
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _targets(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The ``seqgan`` modules that module ``name`` (file ``path``) imports."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in _imports(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            bases = [alias.name for alias in node.names]
            names: list[str] = []
        else:
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            bases, names = [base], [alias.name for alias in node.names]
        for base in bases:
            if base != "seqgan" and not base.startswith("seqgan."):
                continue
            submodules = [f"{base}.{n}" for n in names if f"{base}.{n}" in modules]
            # `from seqgan.x import name`: the module seqgan.x.name when there is one; the
            # package itself for every other name (and for `import seqgan.x`)
            if len(submodules) < len(names) or not names:
                # `import seqgan.a.b` runs seqgan.a.b; the nearest module that exists counts
                target = base
                while target not in modules and "." in target:
                    target = target.rpartition(".")[0]
                out.add(target)
            out.update(submodules)
    out.discard(name)
    return out


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _targets(name, path, modules) for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]], limit: int = 100) -> list[list[str]]:
    """Every elementary cycle (the first ``limit``), as a path that starts and ends at its
    smallest module name."""
    found: list[list[str]] = []

    def walk(path: list[str], on_path: set[str]) -> None:
        for w in sorted(graph[path[-1]]):
            if len(found) >= limit:
                return
            if w == path[0]:
                found.append([*path, w])
            elif w > path[0] and w not in on_path:
                walk([*path, w], on_path | {w})

    for start in sorted(graph):
        walk([start], {start})
    return found


def test_the_graph_sees_every_kind_of_import():
    graph = _graph()
    assert "seqgan.models._registry" in graph["seqgan.models"]      # absolute, module level
    assert "seqgan.nn._rnn" in graph["seqgan.nn"]
    assert "seqgan.benchmark" in graph["seqgan.cli"]                 # inside a function


def test_relative_and_type_checking_imports(tmp_path):
    modules = {"seqgan": tmp_path / "__init__.py", "seqgan.a": tmp_path / "a" / "__init__.py",
               "seqgan.a.b": tmp_path / "a" / "b.py", "seqgan.c": tmp_path / "c.py"}
    source = ("from typing import TYPE_CHECKING\nfrom . import b\nfrom ..c import thing\n"
              "if TYPE_CHECKING:\n    import seqgan.d\nelse:\n    import seqgan.c\n"
              "def f():\n    from seqgan import c, version\n")
    path = tmp_path / "a" / "__init__.py"
    path.parent.mkdir()
    path.write_text(source)
    assert _targets("seqgan.a", path, modules) == {"seqgan.a.b", "seqgan.c", "seqgan"}


def test_no_import_cycles():
    cycles = _cycles(_graph())
    assert not cycles, "Import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_nothing_imports_the_command_line():
    importers = sorted(name for name, targets in _graph().items()
                       if "seqgan.cli" in targets and name != "seqgan.__main__")
    assert not importers, f"Modules importing seqgan.cli: {', '.join(importers)}"
