"""`python -m ptpu_runtime serve` is `ptpu serve`."""

import sys

from ptpu_runtime.entry import main

sys.exit(main())
