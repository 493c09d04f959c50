"""Settings for every test tier.

Hypothesis's per-example deadline (200 ms by default) is a wall-clock limit: on a 2-core machine running
the suites over four pytest-xdist workers an ordinary example can take longer, and a test would fail for
the machine's load, not for what it checks. Speed is measured in benchmarks/, never asserted in a test.
"""

from hypothesis import settings

settings.register_profile("ptpu", deadline=None)
settings.load_profile("ptpu")
