"""What the browser tests share: Debian's Chromium driven by Playwright (one browser per test
module), a watch on the console for refusals by the Content Security Policy, and a live
server running an application in a thread."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

# `make test` installs Chromium first and sets CHROMIUM, so there a missing browser fails;
# a bare `pytest` on a machine without it skips these tests and says why.
needs_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and "CHROMIUM" not in os.environ,
    reason="no Chromium: `make test` installs it (the Makefile's browser target)",
)

#: Errors the browser's console reports that concern the Content Security Policy: a refused
#: script, style, image, plugin or frame breaks a page silently, so each test asserts there
#: are none (a test clears the list first).
CSP_ERRORS: list[str] = []


def watch_console(message) -> None:
    """A context's console listener: keeps the messages about the Content Security Policy."""
    if message.type == "error" and "Content Security Policy" in message.text:
        CSP_ERRORS.append(f"{message.location.get('url')}: {message.text}")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def serve(app):
    """Serve ``app`` on a free port of 127.0.0.1 from a thread; returns (base URL, server),
    to be stopped with ``server.shutdown()``."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server
