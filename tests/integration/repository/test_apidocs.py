"""`make apidocs` writes the core's API reference from its docstrings (pdoc): the public names of
`ptpu_core.__all__`, each with its documentation, and nothing of the service's private machinery."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
MAKE = shutil.which("make")
pytestmark = pytest.mark.skipif(MAKE is None, reason="no `make` on this machine")


def test_make_apidocs_documents_the_public_api(tmp_path: Path) -> None:
    out = tmp_path / "apidocs"
    assert MAKE is not None
    made = subprocess.run([MAKE, "-s", "-o", ".venv/.installed", "apidocs", f"APIDOCS_OUT={out}"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)

    assert made.returncode == 0, made.stdout + made.stderr
    assert (out / "index.html").is_file()
    page = (out / "ptpu_core.html").read_text(encoding="utf-8")
    for public in ("DomainSettings", "OffenderMatcher", "parse_envelope", "PrisonApi", "HmppsDomainEvent"):
        assert f'id="{public}"' in page, public
    assert "a single string is refused" in page  # DomainSettings' docstring, rendered
    assert 'id="SynchronisationService"' not in page  # the service's cycle is not public API
