"""The modules of ``matcher.store`` import one another in one direction only (issue 12: it was a 12-module
cycle through ``db.create_all`` -> ``tables`` -> every table module -> ``db.metadata``).

Every import counts, wherever it stands (inside a function or under ``TYPE_CHECKING`` too): a deferred import
hides a cycle from the interpreter, not from a reader.
"""

from __future__ import annotations

import ast
from pathlib import Path

import matcher.store

PACKAGE = "matcher.store"


def store_imports(folder: Path, package: str = PACKAGE) -> dict[str, set[str]]:
    """Module -> the modules of the package it imports (the package itself is ``package``, its ``__init__``)."""
    modules = {package if p.stem == "__init__" else f"{package}.{p.stem}": p for p in folder.glob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        here = name if path.stem == "__init__" else name.rpartition(".")[0]
        edges: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                edges.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: from . import x / from .x import y
                    base = ".".join(filter(None, [here.rsplit(".", node.level - 1)[0], base]))
                # ``from matcher.store import versions`` imports the module ``versions``, not the package
                edges.update(f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names)
        graph[name] = {e for e in edges if e in modules and e != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path that ends where it starts, or None (depth-first, three colours)."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state and (found := visit(nxt)) is not None:
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)) is not None:
            return found
    return None


def test_the_store_has_no_import_cycle() -> None:
    graph = store_imports(Path(matcher.store.__file__).parent)
    assert len(graph) >= 10  # found the modules
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_no_table_module_imports_the_engine() -> None:
    graph = store_imports(Path(matcher.store.__file__).parent)
    importers = sorted(m for m, edges in graph.items() if "matcher.store.db" in edges)
    assert importers == ["matcher.store"]  # only the package, to re-export Database


def test_the_check_finds_a_cycle_through_a_deferred_import_and_a_package_import(tmp_path: Path) -> None:
    (tmp_path / "__init__.py").write_text("from pkg.db import Database\n")
    (tmp_path / "db.py").write_text("class Database:\n    def create_all(self):\n        from pkg import tables\n")
    (tmp_path / "tables.py").write_text("from pkg import firms\n")
    (tmp_path / "firms.py").write_text("from .db import Database\n")
    graph = store_imports(tmp_path, "pkg")
    assert graph["pkg.db"] == {"pkg.tables"} and graph["pkg.tables"] == {"pkg.firms"}
    assert find_cycle(graph) == ["pkg.db", "pkg.tables", "pkg.firms", "pkg.db"]
    (tmp_path / "firms.py").write_text("from pkg import versions\n")
    (tmp_path / "versions.py").write_text("import os\n")
    assert find_cycle(store_imports(tmp_path, "pkg")) is None
