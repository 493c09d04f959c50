"""DynamoBookingLeases: the core's BookingLeases port as ShedLock-layout items in the schedule table.

One item per booking, `_id` = `bookingLease-<bookingId>`, with ShedLock's attributes: `lockUntil`,
`lockedAt` (ISO-8601 UTC, milliseconds), `lockedBy` (`ptpu@<host>:<pid>`). Taking a lease is one
conditional UpdateItem that succeeds only when the item is absent or its `lockUntil` has passed, so two
pods never hold one booking at once, and a lease whose holder died frees itself at `lockUntil`.
Releasing sets `lockUntil` to now, only while `lockedBy` is still us (ShedLock's own release). The
next lease of the booking reuses its item.

Items do not pile up where the table's TTL is on: every take and release also writes `Expires` (epoch
seconds) = `lockUntil` + ITEM_LIFETIME (7 days), the attribute the Cloud Platform's DynamoDB module
(cloud-platform-terraform-dynamodb-cluster, which made the schedule table with hash key `_id` and no
`ttl_attribute`) enables TTL on by default. DynamoDB then deletes an item days after its last lease ran
out, never while held (each take pushes `Expires` past the new `lockUntil`). A deleted item reads as a
free lease, as an expired one would, and the rules that read old values (a cycle's start, a retry run's
stamp) look back minutes, not days. Where TTL is off or on another attribute, `Expires` is inert and
the items stay (about 150 bytes per booking ever synced). `scheduleLock` (ShedLock's) never gets one.

A lease this process still holds in the table but no worker of it is using (its release was lost to a
store outage, or its answer was) is taken again by this process at once instead of waiting for
`lockUntil`: the process keeps the set of bookings its workers hold, refuses a second worker the same
booking, and accepts an item `lockedBy` itself only when no worker holds it. Other pods still wait.

A lease is kept while its booking is in hand (`keep`, asked before each Delius write, publish and outcome
save): while at least half of it is left, nothing is called; with less, one conditional UpdateItem moves
`lockUntil` (and `Expires`) to a whole lease from now, on condition that the item is exactly as this pod's
take or last extension left it (`lockedBy` us and `lockUntil` the value we wrote). That is ShedLock's
contract for extending a lock (its storage accessors' extend: `locked_by` = this node and `lock_until` still
in the future; its KeepAliveLockProvider extends for the whole lockAtMostFor once half has passed), with one
difference: a lease that ran out but that nobody took since is extended too, since every take rewrites
`lockUntil`, so an unchanged item proves no other pod has worked the booking. A refused extension means
another pod holds the booking: `keep` answers False and the pass writes nothing more for it.

A lease another pod freed after the current cycle began is refused to that cycle (`new_cycle`): the
cycle's selection predates that pod's work, so the booking would only be leased, read and found done.
A run on request (`LeaseRun.on_request`, the re-sync endpoint) read no selection, so that rule spares it.

Looking ahead (`leased_elsewhere`): before a cycle tries the leases of its next bookings (up to 100) it
reads their items in one strongly consistent BatchGetItem and skips, without a write, each whose lease the
conditional UpdateItem would refuse as the item stands: `lockUntil` after now (held) or after the cycle's
start (freed since: another pod has worked the booking since our selection; a lease taken since the start
has `lockedAt`, so `lockUntil`, after it too), `lockedBy` not us; or the tier's run stamp of this tick.
The read mirrors the write's condition and is only a hint: the UpdateItem alone grants a lease (a booking
read as free can still be refused), and a skipped booking stays due for the next cycle. Keys DynamoDB
leaves unprocessed are read again a few times, then counted as free (tried as without the look-ahead).

A retry tier's run also stamps the item on release with the run's start (`retryShortTermRun`,
`retryMediumTermRun`, `retryLongTermRun`), and takes the lease only when that stamp is older than its
own start minus `LeaseRun.same_run_within`: every pod's scheduler fires a tier at the same cron tick,
and a booking one pod retried in this tick must not be retried again by a pod that reaches it later.

A `lockUntil` or run stamp that is not a time in the form written here (another type, or a string such
as "garbage" that sorts after every time) counts as expired, so one bad item cannot hold its booking for
ever: see aws/lease_values.py for the atomic rule and its WARNING.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from ptpu_adapters.aws.errors import store_errors
from ptpu_adapters.dynamodb.lease_values import LOCK_UNTIL, UnreadableLeaseValues, readable
from ptpu_adapters.dynamodb.lock import (
    _utc_now,
    conditional_update,
    conditional_update_old,
    default_lock_owner,
    shedlock_time,
)
from ptpu_core.errors import StoreFailure
from ptpu_core.rules.retry_policy import RetryTier
from ptpu_core.work.booking_work import KEEP_SHARE, LeaseRun

log = logging.getLogger(__name__)

LEASE_PREFIX = "bookingLease-"
RUN_STAMPS = {
    RetryTier.SHORT: "retryShortTermRun",
    RetryTier.MEDIUM: "retryMediumTermRun",
    RetryTier.LONG: "retryLongTermRun",
}


EXPIRES = "Expires"  # the TTL attribute of cloud-platform-terraform-dynamodb-cluster's tables by default
ITEM_LIFETIME = timedelta(days=7)  # how long an item outlives its last lease's lockUntil
BATCH_GET_KEYS = 100  # DynamoDB's limit of keys per BatchGetItem
UNPROCESSED_ROUNDS = 4  # reads of keys DynamoDB left unprocessed (throttling) before giving up on them


def lease_name(booking_id: int) -> str:
    """The `_id` of a booking's lease item."""
    return f"{LEASE_PREFIX}{booking_id}"


def _expires(lock_until: datetime) -> dict[str, str]:
    """The item's TTL value: epoch seconds ITEM_LIFETIME after `lock_until` (aware), as DynamoDB reads TTL."""
    return {"N": str(int((lock_until + ITEM_LIFETIME).timestamp()))}


def _time_attributes(run: LeaseRun) -> tuple[str, ...]:
    """The time attributes a take by `run` compares: `lockUntil`, and a retry run's stamp."""
    if run.tier is not None and run.started is not None:
        return (LOCK_UNTIL, RUN_STAMPS[run.tier])
    return (LOCK_UNTIL,)


def _run_time(instant: datetime) -> str:
    """A retry run's stamp: `instant`'s wall-clock digits, no zone suffix (the core gives aware UTC, so UTC:
    never London time, whose October hour repeats). Fixed width (microseconds always written), so string
    order is time order. Pods of different versions compare it: never change the form."""
    return instant.strftime("%Y-%m-%dT%H:%M:%S.%f")


class DynamoBookingLeases:
    def __init__(
        self,
        dynamodb_client: Any,
        table_name: str,
        lease: timedelta,
        locked_by: str | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        """`lease`: how long a lease lasts when its holder never releases it (it must outlast the longest
        one-booking pass); `clock` returns an aware UTC datetime."""
        self._client = dynamodb_client
        self._table = table_name
        self._lease = lease
        self._owner = locked_by or default_lock_owner()
        self._clock = clock
        self._cycle_started: datetime | None = None
        self._held: dict[int, datetime | None] = {}  # booking -> the lockUntil we wrote (None: being taken)
        self._held_lock = threading.Lock()
        self._unreadable = UnreadableLeaseValues()

    @property
    def locked_by(self) -> str:
        return self._owner

    @property
    def lease(self) -> timedelta:
        return self._lease

    def new_cycle(self) -> None:
        """See BookingLeases.new_cycle: leases freed after now are refused until the next cycle."""
        self._cycle_started = self._clock()

    def try_lease(self, booking_id: int, run: LeaseRun) -> bool:
        """True when we now hold the booking's lease; StoreFailure when the table cannot be written.

        False, without a call, while another worker of this process holds it."""
        with self._held_lock:
            if booking_id in self._held:
                return False
            self._held[booking_id] = None
        try:
            until = self._take(booking_id, run)
        except BaseException:
            self._forget(booking_id)
            raise
        if until is None:
            self._forget(booking_id)
            return False
        with self._held_lock:
            self._held[booking_id] = until
        return True

    def _forget(self, booking_id: int) -> None:
        with self._held_lock:
            self._held.pop(booking_id, None)

    def keep(self, booking_id: int, run: LeaseRun) -> bool:
        """See BookingLeases.keep and the module docstring: no call while KEEP_SHARE of the lease is left."""
        now = self._clock()
        with self._held_lock:
            until = self._held.get(booking_id)
        if until is None:
            return False
        if until - now >= self._lease * KEEP_SHARE:
            return True
        extended = now + self._lease
        request: dict[str, Any] = {
            "Key": {"_id": {"S": lease_name(booking_id)}},
            "UpdateExpression": "SET lockUntil = :until, #expires = :expires",
            "ConditionExpression": "lockedBy = :owner AND lockUntil = :held",
            "ExpressionAttributeNames": {"#expires": EXPIRES},
            "ExpressionAttributeValues": {
                ":until": {"S": shedlock_time(extended)},
                ":held": {"S": shedlock_time(until)},
                ":owner": {"S": self._owner},
                ":expires": _expires(extended),
            },
        }
        try:
            kept = conditional_update(self._client, self._table, f"extending the lease of booking {booking_id}",
                                      **request)
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
        """The conditional take: the `lockUntil` written, None when refused. Refused on an item with a time
        value not seen before that is unreadable (aws/lease_values.py), it is tried once more accepting
        exactly that value."""
        until, old = self._try_take(booking_id, run)
        if self._unreadable.note(booking_id, old, _time_attributes(run)) and until is None:
            until, _ = self._try_take(booking_id, run)
        if until is not None:
            self._unreadable.taken(booking_id)
        return until

    def _try_take(self, booking_id: int, run: LeaseRun) -> tuple[datetime | None, dict[str, Any]]:
        """(the `lockUntil` written, None when refused; the item as it stood before: ALL_OLD, returned whether
        taken or refused, at no extra read).

        A time of another type than string (a number) is never one this service wrote: it counts as expired
        in the condition itself (`NOT attribute_type`, ahead of the comparisons, which would fail on it)."""
        now = self._clock()
        seen = self._unreadable.seen(booking_id)
        # Exactly the unreadable value seen counts as expired; a valid lease written since still wins.
        bad_until = " OR lockUntil = :seenUntil" if LOCK_UNTIL in seen else ""
        # `lockedBy = :owner`: ours, and no worker of ours holds it (checked above): a lost release.
        condition = (
            "(attribute_not_exists(lockUntil) OR NOT attribute_type(lockUntil, :string) OR lockUntil <= :now"
            f" OR lockedBy = :owner{bad_until})"
        )
        values = {
            ":until": {"S": shedlock_time(now + self._lease)},
            ":now": {"S": shedlock_time(now)},
            ":owner": {"S": self._owner},
            ":expires": _expires(now + self._lease),
            ":string": {"S": "S"},
        }
        if self._cycle_started is not None and not run.on_request:
            # Freed after this cycle's selection was read, by another pod: it synced the booking since.
            condition += (
                " AND (attribute_not_exists(lockUntil) OR NOT attribute_type(lockUntil, :string)"
                f" OR lockUntil <= :cycle OR lockedBy = :owner{bad_until})"
            )
            values[":cycle"] = {"S": shedlock_time(self._cycle_started)}
        if bad_until:
            values[":seenUntil"] = seen[LOCK_UNTIL]
        names = {"#expires": EXPIRES}  # a placeholder: safe from reserved words
        if run.tier is not None and run.started is not None:
            stamp = RUN_STAMPS[run.tier]
            bad_run = " OR #run = :seenRun" if stamp in seen else ""
            condition += (
                f" AND (attribute_not_exists(#run) OR NOT attribute_type(#run, :string) OR #run < :notBefore{bad_run})"
            )
            names["#run"] = stamp
            values[":notBefore"] = {"S": _run_time(run.started - run.same_run_within)}
            if bad_run:
                values[":seenRun"] = seen[stamp]
        request: dict[str, Any] = {
            "Key": {"_id": {"S": lease_name(booking_id)}},
            "UpdateExpression": "SET lockUntil = :until, lockedAt = :now, lockedBy = :owner, #expires = :expires",
            "ConditionExpression": condition,
            "ExpressionAttributeValues": values,
        }
        request["ExpressionAttributeNames"] = names
        taken, old = conditional_update_old(self._client, self._table, f"leasing booking {booking_id}", **request)
        return (now + self._lease if taken else None), old

    def leased_elsewhere(self, booking_ids: Sequence[int], run: LeaseRun) -> set[int]:
        """See BookingLeases.leased_elsewhere (the rule and why): the booking ids whose items, read now in
        strongly consistent BatchGetItems of up to 100 keys, `_take`'s condition would refuse.
        Raises StoreFailure when a read fails."""
        now = shedlock_time(self._clock())
        cycle = None if self._cycle_started is None or run.on_request else shedlock_time(self._cycle_started)
        not_before = None
        if run.tier is not None and run.started is not None:
            not_before = _run_time(run.started - run.same_run_within)
        times = _time_attributes(run)
        by_name = {lease_name(booking_id): booking_id for booking_id in booking_ids}
        names = list(by_name)
        skipped: set[int] = set()
        for start in range(0, len(names), BATCH_GET_KEYS):
            for found in self._read(names[start : start + BATCH_GET_KEYS]):
                booking_id = by_name[found["_id"]["S"]]
                self._unreadable.note(booking_id, found, times)
                # An unreadable time counts as expired: read as absent, so the take is tried.
                values = {
                    name: value["S"] for name, value in found.items()
                    if "S" in value and (name not in times or readable(name, value))
                }
                if self._refused(values, now, cycle, run.tier, not_before):
                    skipped.add(booking_id)
        return skipped

    def _refused(
        self, item: dict[str, str], now: str, cycle: str | None, tier: RetryTier | None, not_before: str | None
    ) -> bool:
        """True when `_take`'s condition fails on `item` (ShedLock times compare as strings: fixed width)."""
        until = item.get("lockUntil")
        held_or_freed_since = until is not None and (until > now or (cycle is not None and until > cycle))
        if held_or_freed_since and item.get("lockedBy") != self._owner:
            return True
        stamp = None if tier is None else item.get(RUN_STAMPS[tier])
        return stamp is not None and not_before is not None and stamp >= not_before

    def _read(self, names: list[str]) -> list[dict[str, Any]]:
        """The items named (absent ones are not returned); UnprocessedKeys are asked again a few times."""
        request: dict[str, Any] = {
            self._table: {
                "Keys": [{"_id": {"S": name}} for name in names],
                "ConsistentRead": True,  # a lease just taken must be seen
            }
        }
        items: list[dict[str, Any]] = []
        for round_ in range(UNPROCESSED_ROUNDS):
            with store_errors(f"reading the leases of {len(names)} bookings"):
                answer = self._client.batch_get_item(RequestItems=request)
            items.extend(answer.get("Responses", {}).get(self._table, []))
            request = answer.get("UnprocessedKeys") or {}
            if not request:
                return items
            if round_ + 1 < UNPROCESSED_ROUNDS:
                time.sleep(0.05 * 2**round_)  # DynamoDB asks for a back-off before unprocessed keys
        left = len(request.get(self._table, {}).get("Keys", []))
        log.info("Lease look-ahead: %d keys left unprocessed; their leases are tried without it", left)
        return items

    def release(self, booking_id: int, run: LeaseRun) -> None:
        """Free the lease if we still hold it (and stamp a retry run); never raises."""
        try:
            self._release(booking_id, run)
        finally:
            self._forget(booking_id)

    def _release(self, booking_id: int, run: LeaseRun) -> None:
        now = self._clock()
        update = "SET lockUntil = :now, #expires = :expires"
        values = {":now": {"S": shedlock_time(now)}, ":owner": {"S": self._owner}, ":expires": _expires(now)}
        names = {"#expires": EXPIRES}  # a placeholder: safe from reserved words
        if run.tier is not None and run.started is not None:
            update += ", #run = :started"
            names["#run"] = RUN_STAMPS[run.tier]
            values[":started"] = {"S": _run_time(run.started)}
        request: dict[str, Any] = {
            "Key": {"_id": {"S": lease_name(booking_id)}},
            "UpdateExpression": update,
            "ConditionExpression": "lockedBy = :owner",
            "ExpressionAttributeValues": values,
        }
        request["ExpressionAttributeNames"] = names
        try:
            released = conditional_update(self._client, self._table, f"releasing booking {booking_id}", **request)
        except Exception:
            log.exception(
                "Lease of booking %s not released; this pod takes it again next cycle, others after it expires",
                booking_id,
            )
            return
        if not released:
            log.warning("Lease of booking %s was no longer held by %s when released", booking_id, self._owner)
