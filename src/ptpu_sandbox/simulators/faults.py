"""Fault injection for the simulated APIs: make a share of requests fail or stall, reproducibly."""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping
from typing import Any

from attrs import asdict, define, field

MAX_DELAY_SECONDS = 600


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value  # not NaN


@define(frozen=True)
class FaultRule:
    """Which requests to disturb and how.

    `status=None` with a delay only slows requests down (for timeout tests). `times` caps how many
    requests are disturbed in total, e.g. `times=1` for "the first write fails, the retry succeeds".
    """

    status: int | None = 500
    rate: float = 1.0
    delay_seconds: float = 0.0
    paths: str | None = None
    methods: frozenset[str] | None = field(
        default=None, converter=lambda m: None if m is None else frozenset(x.upper() for x in m)
    )
    times: int | None = None
    seed: int = 0

    def __attrs_post_init__(self) -> None:
        # Checked here, when the rule is set: a bad value taken would crash every request.
        if self.status is not None and not (_whole(self.status) and 200 <= self.status <= 599):
            raise ValueError(f"status must be an HTTP status from 200 to 599 (or null), got {self.status!r}")
        if not (_number(self.rate) and 0.0 <= self.rate <= 1.0):
            raise ValueError(f"rate must be a number from 0 to 1, got {self.rate!r}")
        if not (_number(self.delay_seconds) and 0 <= self.delay_seconds <= MAX_DELAY_SECONDS):
            raise ValueError(
                f"delay_seconds must be a number from 0 to {MAX_DELAY_SECONDS}, got {self.delay_seconds!r}"
            )
        if self.paths is not None and not (isinstance(self.paths, str) and self.paths):
            raise ValueError(f"paths must be a non-empty prefix (or null), got {self.paths!r}")
        if self.times is not None and not (_whole(self.times) and self.times >= 1):
            raise ValueError(f"times must be a whole number of 1 or more (or null), got {self.times!r}")
        if not _whole(self.seed):
            raise ValueError(f"seed must be a whole number, got {self.seed!r}")

    @classmethod
    def from_json(cls, body: Any) -> FaultRule:
        """A rule from a POST /__sim/faults body; ValueError (a 400) saying what is wrong."""
        if not isinstance(body, Mapping):
            raise ValueError("the body must be a JSON object")
        known = {"status", "rate", "delay_seconds", "paths", "methods", "times", "seed"}
        unknown = set(body) - known
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        paths = body.get("paths")
        if paths is not None and not (isinstance(paths, str) and paths.startswith("/")):
            # A simulator matches the request path; the reliability tests' AWS proxy, the X-Amz-Target.
            raise ValueError(f"paths must be a path prefix starting with / (or null), got {paths!r}")
        methods = body.get("methods")
        if methods is not None and not (
            isinstance(methods, list) and methods and all(isinstance(m, str) and m.isalpha() for m in methods)
        ):
            raise ValueError(f"methods must be a list of HTTP methods such as [\"PUT\"] (or null), got {methods!r}")
        return cls(**body)

    def applies_to(self, method: str, path: str) -> bool:
        if self.paths is not None and not path.startswith(self.paths):
            return False
        return self.methods is None or method.upper() in self.methods

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["methods"] = None if self.methods is None else sorted(self.methods)
        return data


class FaultInjector:
    """Holds at most one active rule; a seeded RNG makes `rate` reproducible run to run."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rule: FaultRule | None = None
        self._random = random.Random(0)
        self._remaining: int | None = None
        self.injected_count = 0

    def set(self, rule: FaultRule) -> None:
        with self._lock:
            self._rule = rule
            self._random = random.Random(rule.seed)
            self._remaining = rule.times
            self.injected_count = 0

    def clear(self) -> None:
        with self._lock:
            self._rule = None
            self._remaining = None

    @property
    def rule(self) -> FaultRule | None:
        return self._rule

    def pick(self, method: str, path: str) -> FaultRule | None:
        """The rule to apply to this request, or None to serve it normally."""
        with self._lock:
            rule = self._rule
            if rule is None or not rule.applies_to(method, path):
                return None
            if self._remaining is not None and self._remaining <= 0:
                return None
            if self._random.random() >= rule.rate:
                return None
            if self._remaining is not None:
                self._remaining -= 1
            self.injected_count += 1
            return rule
