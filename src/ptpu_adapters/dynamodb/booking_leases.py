"""The BookingLeases port as ShedLock-layout items `bookingLease-<id>` in the schedule table (TTL `Expires`).
A take is one conditional UpdateItem: granted when absent, expired or ours (a lost release); refused to a cycle
when freed since it began, and to a retry run stamped by the same tick. Keep: ShedLock's KeepAliveLockProvider
rule. Release: `lockUntil` = now while `lockedBy` is us. A time not in our form counts as expired."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from ptpu_adapters.aws.errors import batch_get
from ptpu_adapters.dynamodb.lease_values import LOCK_UNTIL, UnreadableLeaseValues, readable, run_time
from ptpu_adapters.dynamodb.shedlock import LeaseItems, shedlock_time
from ptpu_adapters.system_clock import SystemClock
from ptpu_core.errors import StoreFailure
from ptpu_core.rules.retry_policy import RetryTier
from ptpu_core.work.cycle import KEEP_SHARE, LeaseRun

log = logging.getLogger(__name__)

LEASE_PREFIX = "bookingLease-"
RUN_STAMPS = {
    RetryTier.SHORT: "retryShortTermRun",
    RetryTier.MEDIUM: "retryMediumTermRun",
    RetryTier.LONG: "retryLongTermRun",
}
EXPIRES = "Expires"  # the TTL attribute of cloud-platform-terraform-dynamodb-cluster's tables by default
ITEM_LIFETIME = timedelta(days=7)  # how long an item outlives its last lease's lockUntil
UNPROCESSED_ROUNDS = 4  # reads of keys DynamoDB left unprocessed (throttling) before giving up on them
# Free to take: never taken, a time not a string (never ours: `NOT attribute_type` counts it expired ahead of
# the comparison, which would fail on it), run out by `:freeBy` (`_free_by`), or ours (no worker of ours holds it:
# a lost release). `_try_take` joins them into this condition (as DynamoDB receives it; `[...]` only when that
# unreadable value was seen, the `#run` clause only for a retry run):
#   (attribute_not_exists(lockUntil) OR NOT attribute_type(lockUntil, :string) OR lockUntil <= :freeBy
#       OR lockedBy = :owner [OR lockUntil = :seenUntil])
#   AND (attribute_not_exists(#run) OR NOT attribute_type(#run, :string) OR #run < :notBefore [OR #run = :seenRun])
_FREE = ("(attribute_not_exists(lockUntil) OR NOT attribute_type(lockUntil, :string) OR lockUntil <= :freeBy"
         " OR lockedBy = :owner{})")
_RUN_FREE = "(attribute_not_exists(#run) OR NOT attribute_type(#run, :string) OR #run < :notBefore{})"


def lease_name(booking_id: int) -> str:
    return f"{LEASE_PREFIX}{booking_id}"


def _stamp(run: LeaseRun) -> str | None:
    """The attribute a retry run stamps; None for other runs."""
    return RUN_STAMPS[run.tier] if run.tier is not None and run.started is not None else None


def _time_attributes(run: LeaseRun) -> tuple[str, ...]:
    stamp = _stamp(run)
    return (LOCK_UNTIL,) if stamp is None else (LOCK_UNTIL, stamp)


def _not_before(run: LeaseRun) -> str:
    """A retry run refuses a booking stamped at or after this."""
    assert run.started is not None
    return run_time(run.started - run.same_run_within)


class DynamoBookingLeases(LeaseItems):
    expires = (EXPIRES, ITEM_LIFETIME)

    def __init__(
        self, dynamodb_client: Any, table_name: str, lease: timedelta, locked_by: str | None = None,
        clock: Callable[[], datetime] = SystemClock().now,
    ) -> None:
        """`lease` must outlast the longest one-booking pass; `clock` returns an aware UTC datetime."""
        super().__init__(dynamodb_client, table_name, locked_by, clock)
        self.lease = lease
        self._cycle_started: datetime | None = None
        self._held: dict[int, datetime | None] = {}  # booking -> the lockUntil we wrote (None: being taken)
        self._held_lock = threading.Lock()
        self._unreadable = UnreadableLeaseValues()

    def new_cycle(self) -> None:
        self._cycle_started = self._clock()

    def try_lease(self, booking_id: int, run: LeaseRun) -> bool:
        """False, without a call, while another worker of this process holds it; StoreFailure when the
        table cannot be written."""
        with self._held_lock:
            if booking_id in self._held:
                return False
            self._held[booking_id] = None
        until = None
        try:
            until = self._take(booking_id, run)
        finally:
            with self._held_lock:
                if until is None:
                    del self._held[booking_id]
                else:
                    self._held[booking_id] = until
        return until is not None

    def keep(self, booking_id: int, run: LeaseRun) -> bool:
        """No call while KEEP_SHARE of the lease is left; else extended on condition the item is as we left it."""
        now = self._clock()
        with self._held_lock:
            until = self._held.get(booking_id)
        if until is None:
            return False
        if until - now >= self.lease * KEEP_SHARE:
            return True
        extended = now + self.lease
        try:
            kept, _ = self._write(f"extending the lease of booking {booking_id}", lease_name(booking_id), extended,
                                  "lockedBy = :owner AND lockUntil = :held", {":held": {"S": shedlock_time(until)}})
        except StoreFailure as failure:
            log.warning("Lease of booking %s could not be extended (%s); this pod writes nothing more for it",
                        booking_id, failure)
            return False
        if not kept:
            log.warning("Lease of booking %s (ours until %s) was taken by another pod after it ran out; this pod"
                        " writes nothing more for it", booking_id, shedlock_time(until))
            return False
        with self._held_lock:
            if booking_id in self._held:
                self._held[booking_id] = extended
        return True

    def _take(self, booking_id: int, run: LeaseRun) -> datetime | None:
        """The `lockUntil` written, None when refused. Refused on a time value newly seen unreadable
        (lease_values.py), it is tried once more accepting exactly that value."""
        until, old = self._try_take(booking_id, run)
        if self._unreadable.note(booking_id, old, _time_attributes(run)) and until is None:
            until, _ = self._try_take(booking_id, run)
        if until is not None:
            self._unreadable.taken(booking_id)
        return until

    def _try_take(self, booking_id: int, run: LeaseRun) -> tuple[datetime | None, dict[str, Any]]:
        """(the `lockUntil` written or None, the item before: ALL_OLD either way)."""
        now = self._clock()
        seen = self._unreadable.seen(booking_id)
        values = {":string": {"S": "S"}, ":freeBy": {"S": self._free_by(run, now)}}
        stamp = _stamp(run)
        # Exactly the unreadable value seen counts as expired; a valid lease written since still wins.
        for attribute, placeholder in ((LOCK_UNTIL, ":seenUntil"), (stamp, ":seenRun")):
            if attribute in seen:
                values[placeholder] = seen[attribute]
        # The full expression is written out above `_FREE`.
        condition = _FREE.format(" OR lockUntil = :seenUntil" if ":seenUntil" in values else "")
        names = {}
        if stamp is not None:
            condition += " AND " + _RUN_FREE.format(" OR #run = :seenRun" if ":seenRun" in values else "")
            names["#run"] = stamp
            values[":notBefore"] = {"S": _not_before(run)}
        taken, old = self._take_item(
            f"leasing booking {booking_id}", lease_name(booking_id), now, now + self.lease, condition, values, names,
            ReturnValues="ALL_OLD", ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
        return (now + self.lease if taken else None), old

    def _free_by(self, run: LeaseRun, now: datetime) -> str:
        """A take needs `lockUntil` at or before this (or the lease ours): now, and for a cycle's run also the
        cycle's start (freed since its selection was read: another pod synced the booking)."""
        if self._cycle_started is None or run.on_request:
            return shedlock_time(now)
        return shedlock_time(min(now, self._cycle_started))

    def leased_elsewhere(self, booking_ids: Sequence[int], run: LeaseRun) -> set[int]:
        """The bookings whose items, read now (consistent: a lease just taken must be seen), `_take` would
        refuse (ShedLock times compare as strings: fixed width): a hint only. StoreFailure when a read fails."""
        free_by = self._free_by(run, self._clock())
        stamp = _stamp(run)
        times = _time_attributes(run)
        by_name = {lease_name(booking_id): booking_id for booking_id in booking_ids}
        keys = [{"_id": {"S": name}} for name in by_name]
        items, left = batch_get(self._client, self._table, keys, f"reading the leases of {len(by_name)} bookings",
                                rounds=UNPROCESSED_ROUNDS, partial=True)
        if left:
            log.info("Lease look-ahead: %d keys left unprocessed; their leases are tried without it", left)
        skipped: set[int] = set()
        for found in items:
            booking_id = by_name[found["_id"]["S"]]
            self._unreadable.note(booking_id, found, times)
            # An unreadable time counts as expired: read as absent, so the take is tried.
            item = {
                name: value["S"] for name, value in found.items()
                if "S" in value and (name not in times or readable(name, value))
            }
            until = item.get(LOCK_UNTIL)
            held = until is not None and until > free_by and item.get("lockedBy") != self._owner
            if held or (stamp is not None and item.get(stamp, "") >= _not_before(run)):
                skipped.add(booking_id)
        return skipped

    def release(self, booking_id: int, run: LeaseRun) -> None:
        """Free the lease if we still hold it, stamping a retry run; never raises. The booking is forgotten as
        held whatever fails, the clock and the formatting included."""
        try:
            self._release(booking_id, run)
        except Exception:
            log.exception("Lease of booking %s not released; this pod takes it again next cycle, "
                          "others after it expires", booking_id)
        finally:
            with self._held_lock:
                self._held.pop(booking_id, None)

    def _release(self, booking_id: int, run: LeaseRun) -> None:
        doing = f"releasing booking {booking_id}"
        stamp = _stamp(run)
        if stamp is None:
            released, _ = self._write(doing, lease_name(booking_id), self._clock(), "lockedBy = :owner")
        else:
            assert run.started is not None
            released, _ = self._write(doing, lease_name(booking_id), self._clock(), "lockedBy = :owner",
                                      {":started": {"S": run_time(run.started)}}, {"#run": stamp}, ("#run = :started",))
        if not released:
            log.warning("Lease of booking %s was no longer held by %s when released", booking_id, self._owner)
