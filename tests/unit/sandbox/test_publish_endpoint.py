"""`ptpu publish` finds the emulator of a sandbox moved by PTPU_SANDBOX_PORT_BASE, as docs/sandbox.md says the
variable moves the whole block (found by a newcomer trial: it published to 4566 instead)."""

from __future__ import annotations

import argparse

import pytest

from ptpu_sandbox.commands import PORT_BASE_ENV, add_publish


def publish_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_publish(parser.add_subparsers(dest="command"))
    return parser.parse_args(["publish", "all", *argv])


def test_the_port_base_moves_the_default_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PORT_BASE_ENV, "9100")
    assert publish_args().endpoint == "http://127.0.0.1:9101"


def test_without_a_port_base_the_well_known_emulator_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PORT_BASE_ENV, raising=False)
    assert publish_args().endpoint == "http://127.0.0.1:4566"


def test_an_explicit_endpoint_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PORT_BASE_ENV, "9100")
    assert publish_args("--endpoint", "http://127.0.0.1:5000").endpoint == "http://127.0.0.1:5000"
