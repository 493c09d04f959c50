"""Credentials never shown: a URL's user-info (`https://user:pass@host`) is masked wherever a URL is
logged or shown on an open endpoint, as Spring Boot's actuator sanitises URIs."""

from __future__ import annotations

import re

MASK = "******"
# scheme://  then the user-info: everything up to the last '@' before the host's end ('/', '?', '#', space).
_USER_INFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^/\s?#]*@")


def without_credentials(text: str) -> str:
    """`text` with the user-info of every URL in it replaced by a mask; everything else unchanged.

    >>> without_credentials("https://user:p@ss@auth.example/auth")
    'https://******@auth.example/auth'
    """
    return _USER_INFO.sub(lambda match: f"{match.group(1)}{MASK}@", text)
