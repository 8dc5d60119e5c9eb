"""Where harvesting code lives: the contract imports no implementation, and the registry lists every type once."""
from __future__ import annotations

import ast

from harvesters.ckan import CkanHarvester
from harvesters.dcat import DcatHarvester
from harvesters.hdruk import HdrukHarvester
from harvesters.registry import HARVESTERS, SOURCE_TYPES
from tests.support.paths import ROOT


def imported_modules(path) -> set[str]:
    """Every module a file imports, anywhere in it (module level or inside functions)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            found.add(node.module or "")
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def test_the_contract_imports_no_implementation():
    imported = imported_modules(ROOT / "harvesters" / "contract.py")
    implementations = {"harvesters.ckan", "harvesters.dcat", "harvesters.hdruk", "harvesters.registry",
                       "harvesters.runner"}
    assert "harvesters.http" in imported  # the checker reads the file
    assert not imported & implementations


def test_the_registry_lists_exactly_the_three_harvester_types():
    assert HARVESTERS == {"ckan": CkanHarvester, "dcat": DcatHarvester, "hdruk": HdrukHarvester}
    assert SOURCE_TYPES == ("ckan", "dcat", "hdruk")
