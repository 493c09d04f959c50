"""ScheduleCover: ptpu pods share `scheduleLock` so the existing service stays out during a side-by-side run.

The existing Kotlin service runs every job under ShedLock's `scheduleLock` item in the schedule table
(`@SchedulerLock(name = "scheduleLock")`, `defaultLockAtMostFor = "PT20M"`, DynamoDBLockProvider: it takes
the item only when `lockUntil` has passed, and writes its host name as `lockedBy`). ptpu pods now share
work by per-booking leases, so `scheduleLock` is no longer what keeps ptpu pods apart; it is kept only to
keep the two services apart:

- a ptpu pod takes or extends the item before each cycle when it is free, or already held by a ptpu pod
  (`lockedBy` starts with `ptpu@`); `lockUntil` only ever moves later, so every ptpu pod's cycle is
  covered and the existing service's ShedLock finds the lock held and skips its run;
- while the existing service holds it (any other `lockedBy`, `lockUntil` not passed), ptpu pods skip
  their cycles, as they did under the single lock;
- a ptpu pod never shortens the item (no release): another pod may still be inside the cover. The
  existing service can take it again at most the lease length (PRISONTOPROBATION_LOCK_AT_MOST) after
  the last ptpu cycle.

Sitting out is logged at INFO once per hold (one `lockedBy` + `lockedAt`: each ShedLock take writes a new
`lockedAt`), naming the holder and its `lockUntil`; processing resuming is logged at INFO once too. Records
arriving meanwhile are stored, not processed, so without these lines an operator sees nothing at INFO.

It implements the Lock port, so the runtime's SharedLock (deadline, outage handling) works unchanged.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from ptpu_adapters.aws.errors import store_errors
from ptpu_adapters.dynamodb.lock import OWNER_PREFIX, DynamoLock, conditional_update, shedlock_time

log = logging.getLogger(__name__)


class ScheduleCover(DynamoLock):
    # The existing service's hold this cover last reported sitting out for (lockedBy, lockedAt), or None.
    # One scheduler worker calls try_acquire at a time, so no lock guards it.
    _sitting_out: tuple[str, str] | None = None

    def try_acquire(self, name: str, lock_at_most_seconds: float) -> bool:
        """True when `name` is ours or another ptpu pod's until at least now + lock_at_most_seconds;
        False when the existing service holds it. StoreFailure when the table cannot be reached."""
        now = self._clock()
        until = shedlock_time(now + timedelta(seconds=lock_at_most_seconds))
        taken = conditional_update(
            self._client, self._table, f"covering {name}",
            Key={"_id": {"S": name}},
            UpdateExpression="SET lockUntil = :until, lockedAt = :now, lockedBy = :owner",
            ConditionExpression=(
                "attribute_not_exists(lockUntil) OR lockUntil <= :now"
                " OR (begins_with(lockedBy, :ours) AND lockUntil <= :until)"
            ),
            ExpressionAttributeValues={
                ":until": {"S": until},
                ":now": {"S": shedlock_time(now)},
                ":owner": {"S": self._owner},
                ":ours": {"S": OWNER_PREFIX},
            },
        )
        if taken:
            self._resumed(name)
            return True
        # Held: by a ptpu pod whose cover already reaches past ours, or by the existing service.
        with store_errors(f"reading {name}"):
            item = self._client.get_item(TableName=self._table, Key={"_id": {"S": name}}, ConsistentRead=True)
        held = item.get("Item", {})
        holder = held.get("lockedBy", {}).get("S", "")
        lock_until = held.get("lockUntil", {}).get("S", "")
        if holder.startswith(OWNER_PREFIX) and lock_until >= until:
            self._resumed(name)
            return True
        hold = (holder, held.get("lockedAt", {}).get("S", ""))
        if hold != self._sitting_out:
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
            self._sitting_out = hold
        log.debug("%s is held by %s (not a ptpu pod): this cycle is skipped", name, holder)
        return False

    def _resumed(self, name: str) -> None:
        """Logs, once, that a hold reported by try_acquire is over."""
        if self._sitting_out is not None:
            holder = self._sitting_out[0]
            log.info("%s is no longer held by the existing service (%s): processing resumes", name, holder)
            self._sitting_out = None

    def release(self, name: str) -> None:
        """Nothing to do: the cover is shared with other ptpu pods and expires by itself (module docstring)."""
        return None


def _is_instant(text: str) -> bool:
    """True when `text` is an ISO-8601 instant as ShedLock writes it (Instant.toString(), e.g.
    2026-11-30T04:31:45.024Z)."""
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True
