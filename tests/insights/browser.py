"""Debian's headless chromium driven over the W3C WebDriver protocol (chromedriver, plain HTTP, no client library),
with the screen of a phone: 390 CSS pixels wide. Missing chromium or chromedriver fails the test, never skips it."""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

PHONE = {"width": 390, "height": 844, "pixelRatio": 3.0}


def _tool(*names: str) -> str:
    found = next((path for name in names if (path := shutil.which(name))), None)
    if found is None:
        pytest.fail(f"{names[0]} is not installed: `apt-get install -y chromium chromium-driver` (.ci/run does it)")
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _call(url: str, method: str = "GET", body: dict[str, Any] | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())["value"]


@contextlib.contextmanager
def phone_browser() -> Iterator[Any]:
    """Yields run(path, async_script) -> the script's result, in one headless chromium with a phone's screen."""
    chromium, driver = _tool("chromium", "chromium-browser"), _tool("chromedriver")
    port = _free_port()
    server = subprocess.Popen([driver, f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if _call(f"{base}/status").get("ready"):
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("chromedriver did not start")
            time.sleep(0.1)
        options = {"binary": chromium, "args": ["--headless", "--no-sandbox", "--disable-gpu"],
                   "mobileEmulation": {"deviceMetrics": PHONE}}
        session = _call(f"{base}/session", "POST", {"capabilities": {"alwaysMatch": {
            "browserName": "chrome", "goog:chromeOptions": options}}})["sessionId"]

        def run(page: Path, script: str) -> Any:
            _call(f"{base}/session/{session}/url", "POST", {"url": page.as_uri()})
            return _call(f"{base}/session/{session}/execute/async", "POST", {"script": script, "args": []})

        try:
            yield run
        finally:
            _call(f"{base}/session/{session}", "DELETE")
    finally:
        server.terminate()
        server.wait(timeout=30)
