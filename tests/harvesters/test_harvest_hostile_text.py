"""Harvested text that no store can hold (lone surrogates, NUL) fails that record only, with a clear reason."""
import pytest
from tests.support.fake_servers import ckan_package
from tests.support.fake_servers import fake_ckan  # noqa: F401 - fixture
from tests.support.harvest_helpers import add_source, by_action, run

pytestmark = pytest.mark.postgres


@pytest.mark.parametrize("bad", ["\ud800", "a\x00b"])
def test_unstorable_text_in_a_harvested_record_fails_that_record_only(empty_catalogue, fake_ckan, bad):
    cat = empty_catalogue
    packages = [ckan_package(i) for i in range(3)]
    packages[1]["notes"] = f"Broken {bad} text"
    fake = fake_ckan(packages)
    add_source(cat, "portal", "ckan", fake.url)
    result = run(cat, "portal")
    acts = by_action(result)
    assert result.run.status == "partial", result.run.error
    assert sorted(o["dataset_id"] for o in acts["created"]) == ["ds-0000", "ds-0002"]
    [failed] = acts["failed"]
    assert failed["reason"].startswith("rejected by the store: $.description: The text contains")
    assert failed["code"] == "rejected"
    assert cat.store.get("ds-0001") is None
    again = run(cat, "portal")  # the stored raw payload and its digest survive a second run
    assert set(by_action(again)) <= {"unchanged", "failed"}
