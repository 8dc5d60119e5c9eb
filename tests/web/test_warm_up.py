"""A served worker builds its link index in the background as it starts (web/server.py), not in a request."""
import logging

from web.services import KEY, warm_up


def test_warm_up_builds_the_link_index_that_pages_then_use(writable_app):
    services = writable_app.extensions[KEY]
    assert "links" not in services.__dict__  # built on first use unless warmed
    warm_up(writable_app).join(timeout=60)
    index = services.__dict__["links"]
    with writable_app.test_client() as client:
        assert client.get("/datasets/dfe-national-pupil-database").status_code == 200
    assert services.__dict__["links"] is index  # the page used the warmed index, not a second build


def test_a_failed_warm_up_is_logged_and_the_index_is_built_on_first_use(writable_app, monkeypatch, caplog):
    services = writable_app.extensions[KEY]

    def broken(*_args):
        raise RuntimeError("store unreachable")

    monkeypatch.setattr(type(services), "link_index", broken)
    with caplog.at_level(logging.ERROR):
        warm_up(writable_app).join(timeout=60)
    assert "built on first use" in caplog.text
    monkeypatch.undo()
    assert "links" not in services.__dict__
    with writable_app.test_client() as client:
        assert client.get("/datasets/dfe-national-pupil-database").status_code == 200
    assert "links" in services.__dict__
