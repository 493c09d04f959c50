"""Headless Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`: commands
on fd 3, answers and events on fd 4, each a JSON message ended by NUL), with no library beyond the
standard one. It loads a page, waits until the page says it is ready, and reports the rendered DOM
and every URL the page requested (Network.requestWillBeSent: documents, scripts, styles, XHR, images).

    with HeadlessChromium(binary, profile, proxy_url) as browser:
        page = browser.load(url, ready_js="document.querySelectorAll('.opblock').length > 3")
        page.dom, page.requested
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from attrs import frozen

# Chromium's own background traffic (updates, sign-in, safe browsing) is not the page's: switched off
# where a switch exists; what remains is refused by the test's proxy and never reaches the network.
QUIET = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-default-apps", "--disable-extensions",
    "--disable-domain-reliability", "--disable-client-side-phishing-detection", "--no-pings",
    "--metrics-recording-only", "--disable-breakpad", "--password-store=basic",
    "--disable-features=OptimizationHints,MediaRouter,Translate,AutofillServerCommunication",
]


@frozen
class LoadedPage:
    dom: str
    requested: list[str]


class HeadlessChromium:
    def __init__(self, binary: str, profile: Path, proxy_url: str) -> None:
        self._commands_read, self._commands_write = os.pipe()
        self._events_read, self._events_write = os.pipe()
        arguments = [*QUIET, f"--user-data-dir={profile}", f"--proxy-server={proxy_url}",
                     "--proxy-bypass-list=<-loopback>", "--remote-debugging-pipe", "about:blank"]
        # bash puts the two pipe ends on fds 3 and 4, where Chromium expects them, then execs it.
        self._process = subprocess.Popen(
            ["bash", "-c", f'exec "$0" "$@" 3<&{self._commands_read} 4>&{self._events_write}', binary, *arguments],
            pass_fds=(self._commands_read, self._events_write), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        os.close(self._commands_read)
        os.close(self._events_write)
        self._messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self._events: list[dict[str, Any]] = []
        self._next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def load(self, url: str, ready_js: str, timeout: float = 60.0) -> LoadedPage:
        """Open `url` in a new tab; once `ready_js` is true (or `timeout` passes), the DOM and requests."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.call("Network.enable", session=session)
        self.call("Page.navigate", {"url": url}, session=session)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.evaluate(ready_js, session):
            time.sleep(0.2)
        time.sleep(0.5)  # anything the page starts once drawn (icons, badges) is asked for now
        dom = str(self.evaluate("document.documentElement.outerHTML", session))
        requested = [event["params"]["request"]["url"] for event in self._events
                     if event.get("sessionId") == session and event.get("method") == "Network.requestWillBeSent"]
        return LoadedPage(dom, requested)

    def evaluate(self, expression: str, session: str) -> Any:
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=session)
        return result.get("result", {}).get("value")

    def call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None,
             timeout: float = 30.0) -> dict[str, Any]:
        """Send one command and wait for its answer (events met meanwhile are kept). RuntimeError on error."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        os.write(self._commands_write, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            answer = self._messages.get(timeout=max(0.0, deadline - time.monotonic()))
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return dict(answer.get("result", {}))

    def _read(self) -> None:
        buffer = b""
        with os.fdopen(self._events_read, "rb", buffering=0) as events:
            while chunk := events.read(65536):
                buffer += chunk
                *complete, buffer = buffer.split(b"\0")
                for raw in complete:
                    message = json.loads(raw)
                    if "id" in message:
                        self._messages.put(message)
                    else:
                        self._events.append(message)

    def __enter__(self) -> HeadlessChromium:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        with contextlib.suppress(Exception):  # closing regardless
            self.call("Browser.close", timeout=5)
        try:
            self._process.wait(10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(10)
        os.close(self._commands_write)
