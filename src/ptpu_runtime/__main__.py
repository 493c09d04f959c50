"""`python -m ptpu_runtime serve` is `ptpu serve`."""

import sys

from ptpu_runtime.cli import main

sys.exit(main())
