"""The dependency rules in CONTRIBUTING.md, checked on the source: every import of every module under catalogue/,
web/ and harvesters/ (module-level and inside functions, absolute and relative) is resolved to the module it
names, and the rules are asserted on that graph. No new dependency: the standard library's `ast` reads the code.

- catalogue/ imports nothing from web/ or harvesters/; web/ and harvesters/ never import each other.
- No import cycles between modules (counting the package __init__.py that an import runs first).
- Feature sub-packages of catalogue/ never import each other, and the base layers never import a feature or the CLI.
- Every module of catalogue/ is in a base layer, a feature or the CLI, so a new sub-package has to pick one.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support.paths import ROOT

PACKAGES = ("catalogue", "web", "harvesters")
# Features own one concern each and may use the base layers and catalogue.cli, never one another.
FEATURES = ("catalogue.publishing", "catalogue.audit", "catalogue.provenance", "catalogue.linkage",
            "catalogue.sparql")
# Base layers: used by the features, the CLI, web/ and harvesters/; they import no feature and not the CLI.
BASE = ("catalogue.records", "catalogue.formats", "catalogue.search", "catalogue.settings", "catalogue.errors",
        "catalogue.collector")
CLI = "catalogue.cli"
# Cycles being untangled by someone else's change, each named exactly (a module joining one fails the test).
# Remove an entry as soon as its cycle is gone: the test then fails on a stale entry.
KNOWN_CYCLES: dict[frozenset[str], str] = {}


def module_files(root: Path = ROOT, packages=PACKAGES) -> dict[str, Path]:
    """Dotted module name -> source file, for every .py under the given top-level packages."""
    modules = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _known(name: str, modules) -> str | None:
    """The longest prefix of `name` that is one of our modules (`a.b.func` -> `a.b`), or None if outside."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def imports_of(name: str, path: Path, modules) -> dict[str, int]:
    """Our modules that `name` imports anywhere in its file (target -> first line number)."""
    is_package = path.name == "__init__.py"
    found: dict[str, int] = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = name.split(".") if is_package else name.split(".")[:-1]
                package = package[:len(package) - (node.level - 1)]
                base = ".".join(package + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            # `from pkg import sub` names the submodule pkg.sub when there is one, else something inside pkg.
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        for target in targets:
            module = _known(target, modules)
            if module and module != name:
                found.setdefault(module, node.lineno)
    return found


def import_graph(root: Path = ROOT, packages=PACKAGES) -> dict[str, dict[str, int]]:
    modules = module_files(root, packages)
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def with_package_inits(graph) -> dict[str, dict[str, int]]:
    """The graph plus what runs on import: importing a.b.c first runs a/__init__.py and a/b/__init__.py, so add an
    edge to each such package that is not already running (the importer's own packages are)."""
    full = {name: dict(targets) for name, targets in graph.items()}
    for importer, targets in graph.items():
        for target, line in targets.items():
            parts = target.split(".")
            for depth in range(1, len(parts)):
                package = ".".join(parts[:depth])
                if package in graph and not _within(importer, package):
                    full[importer].setdefault(package, line)
    return full


def layer_violations(graph) -> list[str]:
    """Every import that breaks the direction rules, as 'importer:line -> imported (rule)'."""
    def owner(module: str, groups) -> str | None:
        return next((group for group in groups if _within(module, group)), None)

    problems = []
    for importer, targets in sorted(graph.items()):
        for target, line in sorted(targets.items()):
            where = f"{importer}:{line} -> {target}"
            top_importer, top_target = importer.split(".")[0], target.split(".")[0]
            if top_importer == "catalogue" and top_target in ("web", "harvesters"):
                problems.append(f"{where} (catalogue/ imports nothing from web/ or harvesters/)")
            if {top_importer, top_target} == {"web", "harvesters"}:
                problems.append(f"{where} (web/ and harvesters/ never import each other)")
            feature_in, feature_out = owner(importer, FEATURES), owner(target, FEATURES)
            if feature_in and feature_out and feature_in != feature_out:
                problems.append(f"{where} (feature {feature_in} imports sibling feature {feature_out})")
            if owner(importer, BASE) and feature_out:
                problems.append(f"{where} (base layer imports feature {feature_out})")
            if owner(importer, BASE) and _within(target, CLI):
                problems.append(f"{where} (base layer imports the CLI)")
            if _within(importer, CLI) and feature_out:
                problems.append(f"{where} (the CLI gathers feature commands by entry point, never by import)")
    return problems


def cycles(graph) -> list[tuple[list[str], list[str]]]:
    """Per strongly connected group of modules (Tarjan): one concrete cycle (a -> b -> ... -> a) and all members."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(node: str) -> None:  # recursion depth is bounded by the number of modules (~100)
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)

    found = []
    for group in groups:
        start = min(group)
        # Breadth-first from start, inside the group, until an edge leads back: the shortest cycle through start.
        previous: dict[str, str | None] = {start: None}
        queue = [start]
        while queue:
            current = queue.pop(0)
            if start in graph[current]:
                chain = [current]
                while previous[chain[-1]] is not None:
                    chain.append(previous[chain[-1]])
                found.append((chain[::-1] + [start], sorted(group)))
                break
            for nxt in sorted(graph[current]):
                if nxt in group and nxt not in previous:
                    previous[nxt] = current
                    queue.append(nxt)
    return sorted(found)


@pytest.fixture(scope="module")
def graph():
    return import_graph()


def test_the_graph_sees_every_kind_of_import(graph):
    """Guard for the checker itself: it finds absolute, relative and function-level imports."""
    assert len(graph) > 40
    assert "catalogue.records.store" in graph["catalogue.records.service"]
    assert any(_within(target, "catalogue") for target in graph["web"])
    assert any(_within(target, "catalogue") for target in graph["harvesters.runner"])


def test_every_core_module_has_a_layer(graph):
    unplaced = [name for name in sorted(graph) if _within(name, "catalogue") and name != "catalogue"
                and not any(_within(name, group) for group in (*BASE, *FEATURES, CLI))]
    assert not unplaced, f"Add these to BASE or FEATURES in {__name__} (and to the map in CONTRIBUTING.md): {unplaced}"


def test_dependency_direction(graph):
    problems = layer_violations(graph)
    assert not problems, "Imports against the rules in CONTRIBUTING.md:\n" + "\n".join(problems)


def test_no_import_cycles(graph):
    found = cycles(with_package_inits(graph))
    stale = set(KNOWN_CYCLES) - {frozenset(group) for _, group in found}
    assert not stale, f"These cycles are gone: remove them from KNOWN_CYCLES: {[sorted(g) for g in stale]}"
    found = [(cycle, group) for cycle, group in found if frozenset(group) not in KNOWN_CYCLES]
    assert not found, "Import cycles:\n" + "\n".join(
        " -> ".join(cycle) + f"  (modules in this tangle: {', '.join(group)})" for cycle, group in found)


# The checker on a small tree it must reject, so these tests can fail.

FIXTURE = {
    "catalogue/__init__.py": "",
    "catalogue/errors.py": "",
    "catalogue/records/__init__.py": "",
    "catalogue/records/store.py": "from . import service\n",
    "catalogue/records/service.py": "def f():\n    from .store import Store\n",
    "catalogue/audit/__init__.py": "",
    "catalogue/audit/service.py": "from ..publishing import uploads\nfrom catalogue.records.store import Base\n",
    "catalogue/publishing/__init__.py": "",
    "catalogue/publishing/uploads.py": "import catalogue.errors\n",
    "catalogue/search/__init__.py": "from catalogue.audit.service import x\n",
    "web/__init__.py": "def create_app():\n    import harvesters.runner\n",
    "harvesters/__init__.py": "",
    "harvesters/runner.py": "from catalogue.records import service\n",
    "catalogue/formats/__init__.py": "from web import create_app\n",
    # A cycle only through a package's __init__: importing dcat.vocab runs dcat/__init__, which imports read.
    "catalogue/formats/normalise.py": "from catalogue.formats.dcat.vocab import FREQ\n",
    "catalogue/formats/dcat/__init__.py": "from .read import graph_to_records\n",
    "catalogue/formats/dcat/read.py": "from ..normalise import slug\n",
    "catalogue/formats/dcat/vocab.py": "",
}


def test_the_checker_rejects_each_kind_of_violation(tmp_path):
    for name, text in FIXTURE.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    fixture_graph = import_graph(tmp_path)
    assert fixture_graph["harvesters.runner"] == {"catalogue.records.service": 1}
    assert with_package_inits(fixture_graph)["harvesters.runner"] == {"catalogue.records.service": 1,
                                                                      "catalogue.records": 1, "catalogue": 1}
    assert fixture_graph["catalogue.publishing.uploads"] == {"catalogue.errors": 1}
    problems = "\n".join(layer_violations(fixture_graph))
    assert "catalogue.formats:1 -> web (catalogue/ imports nothing from web/ or harvesters/)" in problems
    assert "web:2 -> harvesters.runner (web/ and harvesters/ never import each other)" in problems
    assert ("catalogue.audit.service:1 -> catalogue.publishing.uploads "
            "(feature catalogue.audit imports sibling feature catalogue.publishing)") in problems
    assert "catalogue.search:1 -> catalogue.audit.service (base layer imports feature catalogue.audit)" in problems
    assert len(problems.splitlines()) == 4
    assert cycles(fixture_graph) == [(["catalogue.records.service", "catalogue.records.store",
                                       "catalogue.records.service"],
                                      ["catalogue.records.service", "catalogue.records.store"])]
    assert cycles(with_package_inits(fixture_graph)) == [
        (["catalogue.formats.dcat", "catalogue.formats.dcat.read", "catalogue.formats.normalise",
          "catalogue.formats.dcat"],
         ["catalogue.formats.dcat", "catalogue.formats.dcat.read", "catalogue.formats.normalise"]),
        (["catalogue.records.service", "catalogue.records.store", "catalogue.records.service"],
         ["catalogue.records.service", "catalogue.records.store"])]
