"""`ptpu publish` finds the emulator of a sandbox moved by PTPU_SANDBOX_PORT_BASE, as docs/sandbox.md says the
variable moves the whole block (not localstack's 4566)."""

from __future__ import annotations

import argparse

import pytest

from ptpu_runtime.cli import main
from ptpu_sandbox.commands import PORT_BASE_ENV, add_publish, default_emulator_url


def publish_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_publish(parser.add_subparsers(dest="command"))
    return parser.parse_args(["publish", "all", *argv])


def test_the_port_base_moves_the_default_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PORT_BASE_ENV, "9100")
    assert publish_args().endpoint is None  # resolved when run, so a bad variable is a usage error then
    assert default_emulator_url() == "http://127.0.0.1:9101"


def test_without_a_port_base_the_well_known_emulator_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PORT_BASE_ENV, raising=False)
    assert default_emulator_url() == "http://127.0.0.1:4566"


def test_an_explicit_endpoint_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PORT_BASE_ENV, "9100")
    assert publish_args("--endpoint", "http://127.0.0.1:5000").endpoint == "http://127.0.0.1:5000"


@pytest.fixture
def loopback_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The commands add loopback to NO_PROXY in os.environ: restored after the test."""
    monkeypatch.setenv("NO_PROXY", "")
    monkeypatch.setenv("no_proxy", "")


@pytest.mark.parametrize("value", ["abc", "-1", "65531", "8080x", "1e3"])
@pytest.mark.parametrize("command", [["publish", "all"], ["sandbox"]])
def test_a_port_base_variable_that_is_not_one_is_a_one_line_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], loopback_env: None, value: str,
    command: list[str],
) -> None:
    """A bad value is an error: ignored, the sandbox would take the default ports, and `ptpu publish`
    would publish into whichever sandbox was on them."""
    monkeypatch.setenv(PORT_BASE_ENV, value)
    assert main(command) == 2
    err = capsys.readouterr().err
    assert err == (f"ptpu {command[0]}: {PORT_BASE_ENV}: '{value}' is not a port base: 0 (free ports) or a whole "
                   "number from 1 to 65530\n")


@pytest.mark.parametrize("value", ["65533", "abc", "-5"])
def test_a_port_base_option_that_is_not_one_is_a_usage_error_not_a_traceback(
    capsys: pytest.CaptureFixture[str], value: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["sandbox", "--port-base", value])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --port-base: '{value}' is not a port base" in err
    assert "Traceback" not in err
