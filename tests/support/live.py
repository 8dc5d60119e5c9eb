"""A real server on 127.0.0.1 for an app, and Debian's Chromium for the browser tests (`make test-browser`)."""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

BROWSER = os.environ.get("CATALOGUE_BROWSER")
BROWSER_MARKS = [pytest.mark.browser,
                 pytest.mark.skipif(not BROWSER, reason="set CATALOGUE_BROWSER to a Chromium executable")]
# as the machine notes start Chromium: without the background-networking flags the closed network refuses its calls
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


@contextmanager
def serving(app, quiet: bool = False):
    """The app on a threaded Werkzeug server at a free port; yields its base URL and stops it afterwards."""
    server = make_server("127.0.0.1", 0, app, threaded=True,
                         request_handler=QuietHandler if quiet else WSGIRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def chromium():
    """A headless Chromium (CATALOGUE_BROWSER) driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=BROWSER, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
