import pytest

from catalogue.records.store import Store


@pytest.fixture
def store(settings):
    """A store on the test's database (SQLite, or PostgreSQL under make test-postgres)."""
    s = Store(settings.db_url)
    yield s
    s.close()
