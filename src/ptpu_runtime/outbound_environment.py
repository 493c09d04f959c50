"""The standard outbound-proxy and CA-bundle variables, checked when the service starts.

They are not ptpu settings: requests reads them for the HMPPS APIs (once per API, see
ptpu_adapters.http.base.EnvironmentSettings) and botocore reads its own for AWS. A malformed one used to
surface late and badly: a proxy of only spaces crashed start-up inside botocore with an 87-line traceback,
and `http://127.0.0.1:notaport` or a missing CA bundle let the service start and then fail every call
(found by a newcomer trial). Each is now one configuration line, exit 2, like a bad setting. An empty
variable means unset, as both libraries read it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import urlsplit

from ptpu_runtime.redaction import without_credentials

PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")
NO_PROXY_VARIABLES = ("NO_PROXY", "no_proxy")
# requests: REQUESTS_CA_BUNDLE, else CURL_CA_BUNDLE; botocore: AWS_CA_BUNDLE. A file or a directory of certificates.
CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "AWS_CA_BUNDLE")
# What urllib3 can talk to (socks with its extra); requests and botocore prefix a bare host:port with http://.
PROXY_SCHEMES = frozenset({"http", "https", "socks4", "socks4a", "socks5", "socks5h"})


def outbound_problems(env: Mapping[str, str]) -> list[str]:
    """One line per malformed proxy, no-proxy or CA-bundle variable in `env` (empty list when all are fine
    or unset). A proxy URL's credentials are never shown."""
    problems: list[str] = []
    for name in (*PROXY_VARIABLES, *NO_PROXY_VARIABLES, *CA_BUNDLE_VARIABLES):
        value = env.get(name)
        if not value:
            continue
        if not value.strip():
            problems.append(f"{name}: set to only whitespace (give a value, or leave it empty or unset)")
        elif name in PROXY_VARIABLES and (problem := _proxy_problem(value.strip())):
            problems.append(f"{name}: {problem}")
        elif name in CA_BUNDLE_VARIABLES and not os.path.exists(value):
            problems.append(f"{name}: '{value}' is not a file or directory (a CA bundle)")
    return problems


def _proxy_problem(value: str) -> str | None:
    url = value if "://" in value else f"http://{value}"
    shown = without_credentials(url)
    parts = urlsplit(url)
    if parts.scheme.lower() not in PROXY_SCHEMES:
        return f"'{shown}' is not a proxy URL (http://, https:// or socks5://host:port)"
    try:
        port = parts.port
    except ValueError:
        return f"'{shown}' has a port that is not a number from 1 to 65535"
    if not parts.hostname:
        return f"'{shown}' names no host"
    if port == 0:
        return f"'{shown}' has a port that is not a number from 1 to 65535"
    return None
