"""DynamoLock: the Lock port on a ShedLock-compatible DynamoDB table (SPEC §8)."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from ptpu_adapters.aws.errors import error_code, store_errors
from ptpu_core.errors import StoreFailure

log = logging.getLogger(__name__)

_CONDITION_FAILED = "ConditionalCheckFailedException"


def shedlock_time(instant: datetime) -> str:
    """ShedLock's form, ISO-8601 UTC with milliseconds: fixed width, so string order is time order."""
    utc = instant.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _utc_now() -> datetime:
    return datetime.now(UTC)


# Every lockedBy this service writes starts with this: the side-by-side cover (aws/schedule_cover.py)
# tells a ptpu pod's hold of `scheduleLock` from the existing service's (ShedLock writes the host name).
OWNER_PREFIX = "ptpu@"


def default_lock_owner() -> str:
    """`ptpu@<host>:<pid>`: unique per process, and recognisably ours."""
    return f"{OWNER_PREFIX}{socket.gethostname()}:{os.getpid()}"


def conditional_update(client: Any, table: str, doing: str, **request: Any) -> bool:
    """UpdateItem on `table`; False when its condition failed, other failures raise StoreFailure."""
    try:
        with store_errors(doing):
            client.update_item(TableName=table, **request)
    except StoreFailure as failure:
        cause = failure.__cause__
        if isinstance(cause, ClientError) and error_code(cause) == _CONDITION_FAILED:
            return False
        raise
    return True


def conditional_update_old(client: Any, table: str, doing: str, **request: Any) -> tuple[bool, dict[str, Any]]:
    """UpdateItem on `table` returning (done, the item as it stood before, typed values; {} when absent),
    whether its condition held or failed (ReturnValues / ReturnValuesOnConditionCheckFailure ALL_OLD: no extra
    read is spent). Other failures raise StoreFailure."""
    try:
        with store_errors(doing):
            answer = client.update_item(
                TableName=table, ReturnValues="ALL_OLD", ReturnValuesOnConditionCheckFailure="ALL_OLD", **request
            )
    except StoreFailure as failure:
        cause = failure.__cause__
        if isinstance(cause, ClientError) and error_code(cause) == _CONDITION_FAILED:
            old: Any = cause.response.get("Item") or {}
            return False, dict(old)
        raise
    return True, dict(answer.get("Attributes") or {})


class DynamoLock:
    def __init__(
        self,
        dynamodb_client: Any,
        table_name: str,
        locked_by: str | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        """`clock` returns an aware UTC datetime (ShedLock compares instants, not local times)."""
        self._client = dynamodb_client
        self._table = table_name
        self._owner = locked_by or default_lock_owner()
        self._clock = clock

    @property
    def locked_by(self) -> str:
        return self._owner

    def try_acquire(self, name: str, lock_at_most_seconds: float) -> bool:
        now = self._clock()
        until = now + timedelta(seconds=lock_at_most_seconds)
        return self._conditional_update(
            f"acquiring lock {name}",
            Key={"_id": {"S": name}},
            UpdateExpression="SET lockUntil = :until, lockedAt = :now, lockedBy = :owner",
            # A free lock is one never taken or whose holder's time is up.
            ConditionExpression="attribute_not_exists(lockUntil) OR lockUntil <= :now",
            ExpressionAttributeValues={
                ":until": {"S": shedlock_time(until)},
                ":now": {"S": shedlock_time(now)},
                ":owner": {"S": self._owner},
            },
        )

    def release(self, name: str) -> None:
        """Free the lock now, but only if we still hold it (it may have expired and passed on)."""
        released = self._conditional_update(
            f"releasing lock {name}",
            Key={"_id": {"S": name}},
            UpdateExpression="SET lockUntil = :now",
            ConditionExpression="lockedBy = :owner",
            ExpressionAttributeValues={
                ":now": {"S": shedlock_time(self._clock())},
                ":owner": {"S": self._owner},
            },
        )
        if not released:
            log.warning("Lock %s was no longer held by %s when released", name, self._owner)

    def _conditional_update(self, doing: str, **request: Any) -> bool:
        """False when the condition failed (someone else holds the lock); other failures raise StoreFailure."""
        return conditional_update(self._client, self._table, doing, **request)
