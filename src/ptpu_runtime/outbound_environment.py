"""The proxy and CA-bundle variables requests and botocore read, checked at start-up like a setting (empty: unset)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import urlsplit

# The variables' rules as docs/configuration.md and `ptpu serve --help` state them.
OUTBOUND = """The standard outbound variables are honoured too, and checked at start-up the same way (a malformed
proxy URL or a CA bundle that does not exist is one line, exit 2): `HTTPS_PROXY`, `HTTP_PROXY`,
`ALL_PROXY` and `NO_PROXY` (either case), `REQUESTS_CA_BUNDLE` (else `CURL_CA_BUNDLE`) for the HMPPS APIs,
`AWS_CA_BUNDLE` for AWS. The HMPPS API clients read them once, at start-up, for each API's base URL, and
never read `~/.netrc`. `NO_PROXY` must also name the AWS endpoints if AWS is not to go through the proxy."""

PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")
NO_PROXY_VARIABLES = ("NO_PROXY", "no_proxy")
# requests: REQUESTS_CA_BUNDLE, else CURL_CA_BUNDLE; botocore: AWS_CA_BUNDLE. A file or a directory of certificates.
CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "AWS_CA_BUNDLE")
# What both clients can talk to: botocore has no SOCKS support, requests needs PySocks (not installed).
PROXY_SCHEMES = frozenset({"http", "https"})


def outbound_problems(env: Mapping[str, str]) -> list[str]:
    """One line per malformed proxy, no-proxy or CA-bundle variable in `env`, never showing credentials."""
    problems: list[str] = []
    for name in (*PROXY_VARIABLES, *NO_PROXY_VARIABLES, *CA_BUNDLE_VARIABLES):
        value = env.get(name)
        if not value:
            continue
        if not value.strip():
            problems.append(f"{name}: set to only whitespace (give a value, or leave it empty or unset)")
        elif name in PROXY_VARIABLES and (problem := _proxy_problem(value)):
            problems.append(f"{name}: {problem}")
        elif name in CA_BUNDLE_VARIABLES and not os.path.exists(value):
            problems.append(f"{name}: '{value}' is not a file or directory (a CA bundle)")
    return problems


def masked_proxy(value: str) -> str:
    """`value` with everything between `://` and its last `@` masked, unparsed: a password may hold `/`, `#`, `@`."""
    scheme, separator, rest = value.partition("://") if "://" in value else ("", "", value)
    if "@" in rest:
        rest = "******@" + rest.rsplit("@", 1)[1]
    return f"{scheme}{separator}{rest}"


def _proxy_problem(value: str) -> str | None:
    url = value if "://" in value else f"http://{value}"
    shown = masked_proxy(url)
    if any(character.isspace() for character in value):
        return f"'{shown}' contains whitespace (a proxy URL has none; percent-encode it in a password)"
    if "://" not in value and "@" in value:
        return f"'{shown}' has credentials but no scheme: write http://user:password@host:port"
    scheme, _, rest = url.partition("://")
    if scheme.lower() not in PROXY_SCHEMES:
        return f"'{shown}' is not an http:// or https:// proxy URL (SOCKS is not supported)"
    credentials, _, host_part = rest.rpartition("@")
    if any(character in credentials for character in "/?#"):
        # A URL parser ends the host at the first of these: part of the password would be read as the host.
        return f"'{shown}' has '/', '?' or '#' in its credentials: percent-encode them (%2F, %3F, %23)"
    parts = urlsplit(f"{scheme}://{host_part}")  # the host part only, after any credentials
    try:
        port = parts.port
    except ValueError:
        return f"'{shown}' has a port that is not a number from 1 to 65535"
    if not parts.hostname:
        return f"'{shown}' names no host"
    if port == 0:
        return f"'{shown}' has a port that is not a number from 1 to 65535"
    return None
