"""The banner states the running service's mode from its GET /info: a dry run, a capability switched off or
processing switched off is never a surprise."""

from __future__ import annotations

import socket

import pytest
from pytest_httpserver import HTTPServer
from test_banner_in_readme import well_known_stack

from ptpu_sandbox.banner import ServiceMode, banner, service_mode

CAPABILITIES = {"matching": True, "location": True, "keyDates": True, "merges": True}


@pytest.mark.parametrize(("dry_run", "off", "shown"), [
    (False, [], "LIVE: writes to (simulated) Delius"),
    (True, [], "DRY RUN: nothing is written to Delius"),
    (True, ["location", "keyDates"], "DRY RUN: nothing is written to Delius; switched off: location, keyDates"),
])
def test_the_mode_is_read_from_info(httpserver: HTTPServer, dry_run: bool, off: list[str], shown: str) -> None:
    capabilities = {name: name not in off for name in CAPABILITIES}
    httpserver.expect_request("/info").respond_with_json(
        {"build": {}, "mode": {"dryRun": dry_run, "capabilities": capabilities}})
    assert service_mode(httpserver.url_for("").rstrip("/")) == ServiceMode(shown, processing=True)


def test_processing_switched_off_is_on_the_mode_line_and_records_are_said_to_be_stored(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/info").respond_with_json(
        {"build": {}, "mode": {"dryRun": False, "capabilities": CAPABILITIES, "messageProcessorEnabled": False}})
    mode = service_mode(httpserver.url_for("").rstrip("/"))
    assert mode == ServiceMode(
        "LIVE: writes to (simulated) Delius; processing OFF (PRISONTOPROBATION_MESSAGE_PROCESSOR_ENABLED=false)",
        processing=False)
    printed = banner(well_known_stack(), "3s", mode)  # type: ignore[arg-type]
    assert "Records are stored, not processed (PRISONTOPROBATION_MESSAGE_PROCESSOR_ENABLED=false)." in printed
    assert "processed 3s after they arrive" not in printed
    assert f"\n  mode             {mode.shown}\n" in printed


def test_a_service_limited_to_some_prisons_says_so(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/info").respond_with_json(
        {"mode": {"dryRun": False, "capabilities": CAPABILITIES, "onlyPrisons": ["MDI", "XYZ"]}})
    assert service_mode(httpserver.url_for("").rstrip("/")) == ServiceMode(
        "LIVE: writes to (simulated) Delius; only prisons MDI, XYZ (events from others are ignored)", processing=True)


def test_a_service_that_does_not_answer_is_shown_as_unknown() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    mode = service_mode(f"http://127.0.0.1:{port}")
    assert mode.shown.startswith("unknown: GET /info failed (")
    assert mode.processing is None  # not claimed either way

    printed = banner(well_known_stack(), "3s", mode)  # type: ignore[arg-type]
    assert "\nptpu sandbox is up. Whether records are processed is unknown: GET /info failed. Ctrl-C" in printed
    assert "processed 3s after they arrive" not in printed
