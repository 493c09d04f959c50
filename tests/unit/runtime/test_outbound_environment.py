"""The standard proxy and CA-bundle variables are checked at start-up: one line each, exit 2 (unchecked,
a proxy of only spaces crashes start-up inside botocore; a malformed one, or a missing CA bundle, lets
the service start and fail every call)."""

from __future__ import annotations

from pathlib import Path

import pytest
from required_settings import REQUIRED

from ptpu_core.errors import ConfigError
from ptpu_runtime.cli import main
from ptpu_runtime.config import EXIT_CONFIG, load_settings
from ptpu_runtime.outbound_environment import CA_BUNDLE_VARIABLES, PROXY_VARIABLES, outbound_problems


@pytest.mark.parametrize("value", ["http://proxy.internal:3128", "https://proxy:443", "proxy.internal:3128",
                                   "http://user:secret@proxy:3128", "http://us%2Fer:p%23ss@proxy:3128",
                                   "http://bob:p@ss@proxy:3128", "http://[::1]:3128", ""])
def test_well_formed_or_empty_proxies_pass(value: str):
    assert outbound_problems({"HTTPS_PROXY": value, "NO_PROXY": "localhost,.svc"}) == []


BAD_PORT = "has a port that is not a number from 1 to 65535"
IN_CREDENTIALS = "has '/', '?' or '#' in its credentials: percent-encode them (%2F, %3F, %23)"


@pytest.mark.parametrize(("value", "problem"), [
    ("  ", "HTTP_PROXY: set to only whitespace (give a value, or leave it empty or unset)"),
    ("http://127.0.0.1:notaport", f"HTTP_PROXY: 'http://127.0.0.1:notaport' {BAD_PORT}"),
    ("http://proxy:0", f"HTTP_PROXY: 'http://proxy:0' {BAD_PORT}"),
    ("ftp://proxy:21", "HTTP_PROXY: 'ftp://proxy:21' is not an http:// or https:// proxy URL (SOCKS is not supported)"),
    ("http://:3128", "HTTP_PROXY: 'http://:3128' names no host"),
    ("http://user:secret@proxy:x", f"HTTP_PROXY: 'http://******@proxy:x' {BAD_PORT}"),
    # The password stays masked when it holds '/' or '#'; SOCKS is refused (botocore would print the URL
    # with its password); whitespace inside is refused at once.
    ("http://bob:pa/ss@proxy:3128", f"HTTP_PROXY: 'http://******@proxy:3128' {IN_CREDENTIALS}"),
    ("http://bob:p#ss@proxy:3128", f"HTTP_PROXY: 'http://******@proxy:3128' {IN_CREDENTIALS}"),
    ("http://bob:p@ss@proxy:x", f"HTTP_PROXY: 'http://******@proxy:x' {BAD_PORT}"),
    ("http://bob:a://b@proxy:3128", f"HTTP_PROXY: 'http://******@proxy:3128' {IN_CREDENTIALS}"),
    ("bob:s3cret@proxy:3128", "HTTP_PROXY: 'http://******@proxy:3128' has credentials but no scheme:"
     " write http://user:password@host:port"),
    ("socks5://bob:s3cret@127.0.0.1:1",
     "HTTP_PROXY: 'socks5://******@127.0.0.1:1' is not an http:// or https:// proxy URL (SOCKS is not supported)"),
    ("http://pro xy:3128", "HTTP_PROXY: 'http://pro xy:3128' contains whitespace (a proxy URL has none;"
     " percent-encode it in a password)"),
    (" http://proxy:3128", "HTTP_PROXY: ' http://proxy:3128' contains whitespace (a proxy URL has none;"
     " percent-encode it in a password)"),
    ("http://bob:p ss@proxy:3128", "HTTP_PROXY: 'http://******@proxy:3128' contains whitespace (a proxy URL"
     " has none; percent-encode it in a password)"),
])
def test_a_malformed_proxy_is_one_line_naming_it_and_never_its_password(value: str, problem: str):
    assert outbound_problems({"HTTP_PROXY": value}) == [problem]


@pytest.mark.parametrize("name", PROXY_VARIABLES)
def test_every_proxy_variable_is_checked(name: str):
    assert outbound_problems({name: "http://proxy:port"}) == [
        f"{name}: 'http://proxy:port' has a port that is not a number from 1 to 65535"
    ]


@pytest.mark.parametrize("name", CA_BUNDLE_VARIABLES)
def test_a_ca_bundle_must_exist(name: str, tmp_path: Path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    assert outbound_problems({name: str(bundle)}) == []
    assert outbound_problems({name: str(tmp_path)}) == []  # a directory of certificates
    assert outbound_problems({name: "/nonexistent/ca.pem"}) == [
        f"{name}: '/nonexistent/ca.pem' is not a file or directory (a CA bundle)"
    ]


def test_no_proxy_of_only_spaces_is_refused():
    assert outbound_problems({"no_proxy": " "}) == [
        "no_proxy: set to only whitespace (give a value, or leave it empty or unset)"
    ]


def test_settings_report_them_with_every_other_problem():
    with pytest.raises(ConfigError) as raised:
        load_settings({**REQUIRED, "HTTP_PROXY": "  ", "SERVER_PORT": "x"})
    assert "HTTP_PROXY: set to only whitespace (give a value, or leave it empty or unset)" in str(raised.value)
    assert "SERVER_PORT" in str(raised.value)


def test_serve_with_a_proxy_of_spaces_prints_one_line_and_exits_2(monkeypatch, capsys):
    for name, value in REQUIRED.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HTTP_PROXY", "  ")
    assert main(["serve"]) == EXIT_CONFIG
    assert capsys.readouterr().err == (
        "Configuration error: HTTP_PROXY: set to only whitespace (give a value, or leave it empty or unset)\n"
    )
