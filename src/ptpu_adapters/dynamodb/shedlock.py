"""ShedLock-compatible locks on the schedule table (SPEC §8). DynamoLock is ShedLock's DynamoDBLockProvider.
ScheduleCover shares the existing service's `scheduleLock`: ptpu pods take or extend it when free or a ptpu
pod's, never release it, and skip their cycles while the existing service holds it (each hold logged once)."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from ptpu_adapters.aws.errors import conditional_write
from ptpu_adapters.system_clock import SystemClock

log = logging.getLogger(__name__)


def shedlock_time(instant: datetime) -> str:
    """ShedLock's form: fixed width, so string order is time order."""
    utc = instant.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


# Every lockedBy this service writes starts with this; ShedLock writes the host name.
OWNER_PREFIX = "ptpu@"
_FREE = "attribute_not_exists(lockUntil) OR lockUntil <= :now"  # never taken, or its holder's time is up


def default_lock_owner() -> str:
    return f"{OWNER_PREFIX}{socket.gethostname()}:{os.getpid()}"


class LeaseItems:
    """Conditional updates of the ShedLock items (`_id` = name) of one table by one owner (`lockedBy`);
    `clock` returns an aware UTC datetime."""

    # The TTL attribute each write sets, and how long after the `lockUntil` it writes; None: items never expire.
    expires: tuple[str, timedelta] | None = None

    def __init__(
        self, dynamodb_client: Any, table_name: str, locked_by: str | None = None,
        clock: Callable[[], datetime] = SystemClock().now,
    ) -> None:
        self._client = dynamodb_client
        self._table = table_name
        self._owner = locked_by or default_lock_owner()
        self._clock = clock

    @property
    def locked_by(self) -> str:
        return self._owner

    def _write(
        self, doing: str, name: str, until: datetime, condition: str, values: dict[str, Any] | None = None,
        names: dict[str, str] | None = None, sets: tuple[str, ...] = (), **returns: str,
    ) -> tuple[bool, dict[str, Any]]:
        """SET lockUntil = `until` and `sets` on `condition`: conditional_write's answer (`:owner`, `:until` are
        always defined)."""
        values = {":owner": {"S": self._owner}, ":until": {"S": shedlock_time(until)}, **(values or {})}
        names = dict(names or {})
        sets = ("lockUntil = :until", *sets)
        if self.expires is not None:
            attribute, lifetime = self.expires
            sets += ("#expires = :expires",)
            names["#expires"] = attribute
            values[":expires"] = {"N": str(int((until + lifetime).timestamp()))}
        return conditional_write(
            self._client.update_item, doing, TableName=self._table, Key={"_id": {"S": name}},
            UpdateExpression="SET " + ", ".join(sets), ConditionExpression=condition,
            ExpressionAttributeValues=values, **({"ExpressionAttributeNames": names} if names else {}), **returns,
        )

    def _take_item(
        self, doing: str, name: str, now: datetime, until: datetime, condition: str, values: dict[str, Any],
        names: dict[str, str] | None = None, **returns: str,
    ) -> tuple[bool, dict[str, Any]]:
        """Ours from `now` (`:now`) to `until` on `condition`."""
        values = {":now": {"S": shedlock_time(now)}, **values}
        return self._write(doing, name, until, condition, values, names, ("lockedAt = :now", "lockedBy = :owner"),
                           **returns)


class DynamoLock(LeaseItems):
    def try_acquire(self, name: str, lock_at_most_seconds: float) -> bool:
        now = self._clock()
        until = now + timedelta(seconds=lock_at_most_seconds)
        return self._take_item(f"acquiring lock {name}", name, now, until, _FREE, {})[0]

    def release(self, name: str) -> None:
        """Free the lock now if we still hold it (it may have expired and passed on)."""
        released, _ = self._write(f"releasing lock {name}", name, self._clock(), "lockedBy = :owner")
        if not released:
            log.warning("Lock %s was no longer held by %s when released", name, self._owner)


class ScheduleCover(DynamoLock):
    # The existing service's hold this cover last reported sitting out for (lockedBy, lockedAt), or None.
    # One scheduler worker calls try_acquire at a time, so no lock guards it.
    _sitting_out: tuple[str, str] | None = None

    def try_acquire(self, name: str, lock_at_most_seconds: float) -> bool:
        """True when `name` is ours or another ptpu pod's until at least now + lock_at_most_seconds;
        False when the existing service holds it. StoreFailure when the table cannot be reached."""
        now = self._clock()
        until = now + timedelta(seconds=lock_at_most_seconds)
        ours_until = f"{_FREE} OR (begins_with(lockedBy, :ours) AND lockUntil <= :until)"
        taken, item = self._take_item(f"covering {name}", name, now, until, ours_until,
                                      {":ours": {"S": OWNER_PREFIX}}, ReturnValuesOnConditionCheckFailure="ALL_OLD")
        # Else held (the item as the condition saw it): by a ptpu pod whose cover already reaches past ours, or
        # by the existing service.
        if not taken:
            held = {key: value.get("S", "") for key, value in item.items()}
            holder, lock_until = held.get("lockedBy", ""), held.get("lockUntil", "")
            if not holder.startswith(OWNER_PREFIX) or lock_until < shedlock_time(until):
                self._sit_out(name, holder, lock_until, held.get("lockedAt", ""))
                return False
        if self._sitting_out is not None:
            log.info("%s is no longer held by the existing service (%s): processing resumes", name,
                     self._sitting_out[0])
            self._sitting_out = None
        return True

    def _sit_out(self, name: str, holder: str, lock_until: str, locked_at: str) -> None:
        if (holder, locked_at) != self._sitting_out:
            if _is_instant(lock_until):
                log.info(
                    "%s is held by the existing service (lockedBy %s, lockUntil %s): this pod processes no"
                    " records (they are stored) until it is released or expires",
                    name, holder, lock_until,
                )
            else:
                # ShedLock compares lockUntil as a string, so a damaged value never expires: say so at WARNING,
                # with the item to delete, rather than wait for good.
                log.warning(
                    "%s is held by %s with an unreadable lockUntil %r, which never expires: this pod processes"
                    " no records (they are stored) until the item (_id %s in table %s) is deleted or its"
                    " lockUntil set to now as an ISO instant string, e.g. 2026-11-30T06:03:50.000Z",
                    name, holder, lock_until, name, self._table,
                )
            self._sitting_out = (holder, locked_at)
        log.debug("%s is held by %s (not a ptpu pod): this cycle is skipped", name, holder)

    def release(self, name: str) -> None:
        """Nothing to do: the cover is shared with other ptpu pods and expires by itself."""


def _is_instant(text: str) -> bool:
    """As ShedLock writes it (Instant.toString(), e.g. 2026-11-30T04:31:45.024Z)."""
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True
