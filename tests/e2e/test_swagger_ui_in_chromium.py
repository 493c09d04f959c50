"""Swagger UI as a person sees it: the running service's page rendered by headless Chromium,
listing every operation and offering Authorize, with every request the page makes staying on loopback.

Chromium reaches the service as http://ptpu.test:PORT, a non-loopback name as a deployed instance has
(Swagger UI calls out to its validator only for such hosts), through a recording proxy that forwards that
name to the service and refuses everything else, so nothing leaves the machine whatever the page asks
for. The page's own requests are read over the DevTools protocol (headless_chromium.py). Needs Debian's
`chromium` (`.ci/run` installs it when missing); without it the test skips saying so.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest
import requests

from e2e.headless_chromium import HeadlessChromium
from e2e.recording_proxy import RecordingProxy
from ptpu_sandbox.stack import LocalStack

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium on this machine: `apt-get install -y chromium` (.ci/run does it)"
)
HOST = "ptpu.test"
OPERATION = re.compile(r'class="opblock opblock-(get|put|post|delete|patch)\b.*?data-path="([^"]+)"', re.DOTALL)


def test_swagger_ui_renders_every_operation_with_authorize_and_no_request_off_the_machine(
    stack: LocalStack, tmp_path: Path
) -> None:
    assert CHROMIUM is not None
    spec = requests.get(f"{stack.service_url}/v3/api-docs", timeout=10).json()
    documented = {(method, path) for path, operations in spec["paths"].items() for method in operations}
    assert len(documented) >= 15
    base = f"http://{HOST}:{stack.service_port}"

    with RecordingProxy({HOST: stack.service_port}) as proxy, \
            HeadlessChromium(CHROMIUM, tmp_path / "profile", proxy.url) as browser:
        page = browser.load(f"{base}/", ready_js=f"document.querySelectorAll('.opblock').length >= {len(documented)}")

    rendered = {(method, html.unescape(path)) for method, path in OPERATION.findall(page.dom)}
    assert rendered == documented, f"missing: {documented - rendered}; the page requested: {page.requested}"
    assert re.search(r'<button class="btn authorize', page.dom), "no Authorize button"
    assert [url for url in page.requested if not url.startswith(f"{base}/") and not url.startswith("data:")] == []
    assert {f"{base}/", f"{base}/swagger-ui/index.html", f"{base}/v3/api-docs",
            f"{base}/swagger-ui/assets/swagger-ui-bundle.js"} <= set(page.requested)
    assert not [line for line in proxy.refused if HOST in line]  # and nothing of ours was refused
