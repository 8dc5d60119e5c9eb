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


def test_the_core_reads_only_columns_that_the_harvesters_tables_have():
    from catalogue import provenance
    from harvesters.store import LinkRow, ObjectRow

    for core, table in ((provenance._OBJECTS, ObjectRow.__table__), (provenance._LINKS, LinkRow.__table__)):
        assert core.name == table.name
        assert {c.name for c in core.c} <= {c.name for c in table.c}


def test_the_core_reads_provenance_before_and_after_anything_was_harvested(empty_catalogue):
    from catalogue.provenance import ProvenanceRepository
    from harvesters.store import HarvestRepository

    reader = ProvenanceRepository(empty_catalogue.store)  # as the web builds it: no harvest tables yet
    assert reader.provenance("ds-1") == [] and reader.links() == []
    writer = HarvestRepository(empty_catalogue.store)
    run_id = writer.start_run("src", "full")
    payload = {"remote_id": "r1", "remote_name": "one", "dataset_id": "ds-1", "payload": "{}", "payload_format": "json",
               "payload_hash": "h", "schema_version": "4.0.0"}
    writer.save_objects("src", run_id, [payload], set())
    writer.save_links("src", run_id, [{"remote_id": "r2", "duplicate_of": "ds-1", "rule": "same identifier"}])
    [where] = reader.provenance("ds-1")
    assert (where["source"], where["remote_id"], where["schema_version"], where["run_id"]) == ("src", "r1", "4.0.0",
                                                                                              run_id)
    assert reader.links(source="src") == [{"source": "src", "remote_id": "r2", "duplicate_of": "ds-1",
                                           "rule": "same identifier", "run_id": run_id}]
