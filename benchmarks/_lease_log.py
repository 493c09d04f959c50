"""Lease history from the drain's own workers, for emulators without DynamoDB Streams (dynalite).

Each worker process wraps its schedule-table client: every UpdateItem on a booking lease item that the
store *accepted* (no ConditionalCheckFailed) is logged with the values it wrote: a take writes
`lockedAt` (its start) and `lockUntil`; a release writes `lockUntil` = the release time. These are the
values the table holds and the next taker's condition compares against, the same evidence the moto
run reads from the stream. A hold runs from its take's `lockedAt` to the first accepted release by the
same owner at or after it (or to its `lockUntil` when never released); two holds of one item by
different owners overlap when one starts before the other ends.
"""

from __future__ import annotations

from datetime import datetime
from itertools import combinations
from typing import Any

LEASE_PREFIX = "bookingLease-"


class LeaseLog:
    """A DynamoDB client proxy recording accepted lease writes in `entries` (JSON-ready dicts)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.entries: list[dict[str, str]] = []

    def update_item(self, **request: Any) -> Any:
        answer = self._client.update_item(**request)  # a refused condition raises: nothing logged
        item = request["Key"]["_id"]["S"]
        if item.startswith(LEASE_PREFIX):
            values = {k: v["S"] for k, v in request["ExpressionAttributeValues"].items() if "S" in v}
            taking = "lockedAt" in request["UpdateExpression"]
            self.entries.append({
                "item": item, "owner": values[":owner"], "kind": "take" if taking else "release",
                "at": values[":now"], "until": values[":until"] if taking else values[":now"],
            })
        return answer

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def overlaps(entries: list[dict[str, str]]) -> tuple[int, int]:
    """(holds seen, pairs of holds of one item by different owners that overlap in time)."""
    holds: dict[str, list[tuple[str, datetime, datetime]]] = {}
    releases: dict[tuple[str, str], list[datetime]] = {}
    for entry in entries:
        if entry["kind"] == "release":
            releases.setdefault((entry["item"], entry["owner"]), []).append(_instant(entry["at"]))
    for entry in entries:
        if entry["kind"] != "take":
            continue
        start = _instant(entry["at"])
        ends = [r for r in releases.get((entry["item"], entry["owner"]), []) if r >= start]
        holds.setdefault(entry["item"], []).append((entry["owner"], start, min(ends, default=_instant(entry["until"]))))
    overlapping = sum(
        1 for item in holds.values() for a, b in combinations(item, 2) if a[0] != b[0] and a[1] < b[2] and b[1] < a[2]
    )
    return sum(len(item) for item in holds.values()), overlapping


def _instant(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")
