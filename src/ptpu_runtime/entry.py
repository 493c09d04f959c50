"""The `ptpu` command; on a base install (the core alone) one line says to install `ptpu[service]`, exit 2."""

from __future__ import annotations

import sys
from collections.abc import Sequence

EXIT_NOT_INSTALLED = 2


def main(argv: Sequence[str] | None = None) -> int:
    try:
        from ptpu_runtime.cli import main as run
    except ModuleNotFoundError as error:
        missing = (error.name or "").partition(".")[0]
        if not missing or missing.startswith("ptpu"):
            raise
        print(f"ptpu: the `ptpu` command needs the service's dependencies ({missing} is not installed): "
              "pip install 'ptpu[service]' (from a clone: pip install -e '.[service]')", file=sys.stderr)
        return EXIT_NOT_INSTALLED
    return run(argv)
