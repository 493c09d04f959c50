"""Settings for every test tier, and the order the tests are handed to the pytest-xdist workers.

Hypothesis's per-example deadline (200 ms by default) is a wall-clock limit: on a 2-core machine running
the suites over four pytest-xdist workers an ordinary example can take longer, and a test would fail for
the machine's load, not for what it checks. Speed is measured in benchmarks/, never asserted in a test.

`make test` hands out whole files (`--dist loadfile`, so a module-scoped stack is built once, not once per
worker) in the order set here: the `slow` cases first, then the tiers that start services, the unit tests
last, so short files fill the workers' tails instead of one long case starting at the end.
"""

import pytest
from hypothesis import settings

settings.register_profile("ptpu", deadline=None)
settings.load_profile("ptpu")

_TIER_ORDER = ("reliability", "e2e", "integration", "smoke", "unit")  # a tier not named comes before unit


def _start_rank(item: pytest.Item) -> tuple[int, int]:
    parts = item.path.relative_to(item.config.rootpath).parts  # ("tests", tier, ..., module)
    rank = _TIER_ORDER.index(parts[1]) if len(parts) > 2 and parts[1] in _TIER_ORDER else 3
    return (0 if item.get_closest_marker("slow") else 1, rank)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_start_rank)  # stable: each module's tests keep their order
