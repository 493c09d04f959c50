"""docs/library.md's example type-checks under `mypy --strict` against the core's own hints (py.typed).

The example implements only the methods matching calls (`PrisonerLookup`, `ProbationCases`), so this
also holds `OffenderMatcher` to asking for no more of a port than it uses.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from test_core_library_install import library_example

ROOT = Path(__file__).resolve().parents[3]


def test_the_library_example_passes_mypy_strict(tmp_path: Path) -> None:
    code, _ = library_example()
    example = tmp_path / "library_example.py"
    example.write_text(code, encoding="utf-8")
    (tmp_path / "mypy.ini").write_text("[mypy]\n", encoding="utf-8")  # not the repository's relaxed settings
    env = {**os.environ, "MYPYPATH": str(ROOT / "src")}

    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--config-file", "mypy.ini", "--cache-dir", "cache",
         example.name],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )

    assert checked.returncode == 0, checked.stdout + checked.stderr
