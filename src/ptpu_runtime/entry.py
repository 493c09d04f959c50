"""The `ptpu` command's entry point (`[project.scripts]`): runs `ptpu_runtime.cli.main`.

On a base install (`pip install ptpu`, the domain core alone) the command's dependencies are absent: it
then says, in one line on stderr, to install `ptpu[service]`, and exits 2, instead of a traceback ending
in `ModuleNotFoundError`. A missing module of ptpu's own is a fault, not an install choice: it is raised.
"""

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
