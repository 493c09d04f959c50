"""DynamoLock against DynamoDB (moto server): ShedLock layout, mutual exclusion, release, expiry."""

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest

from ptpu_adapters.aws.clients import AwsClients
from ptpu_adapters.dynamodb.shedlock import DynamoLock, shedlock_time
from ptpu_adapters.provisioning import ProvisionedResources
from ptpu_core.errors import StoreFailure
from ptpu_sandbox.emulator import AwsResourceNames

LOCK = "ptpu-message-processor"
TWENTY_MINUTES = 20 * 60


class SettableClock:
    def __init__(self) -> None:
        self.now = datetime(2021, 3, 4, 10, 11, 12, 123456, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock()


@pytest.fixture
def locks(aws_clients: AwsClients, resources: ProvisionedResources, names: AwsResourceNames, clock: SettableClock):
    def lock_for(owner: str) -> DynamoLock:
        return DynamoLock(aws_clients.schedule_dynamodb, names.schedule_table, locked_by=owner, clock=clock)

    return lock_for


def test_acquiring_writes_the_shedlock_item(locks, aws_clients: AwsClients, names: AwsResourceNames) -> None:
    assert locks("pod-a").try_acquire(LOCK, TWENTY_MINUTES)
    item = aws_clients.schedule_dynamodb.get_item(TableName=names.schedule_table, Key={"_id": {"S": LOCK}})["Item"]
    assert item == {
        "_id": {"S": LOCK},
        "lockedAt": {"S": "2021-03-04T10:11:12.123Z"},
        "lockUntil": {"S": "2021-03-04T10:31:12.123Z"},
        "lockedBy": {"S": "pod-a"},
    }


def test_shedlock_time_is_utc_with_milliseconds() -> None:
    one_hour_ahead = datetime(2021, 3, 4, 12, 0, 0, 5999, tzinfo=timezone(timedelta(hours=1)))
    assert shedlock_time(one_hour_ahead) == "2021-03-04T11:00:00.005Z"


def test_of_two_racing_pods_exactly_one_wins(locks) -> None:
    contenders = [locks(f"pod-{n}") for n in range(8)]
    start = threading.Barrier(len(contenders))
    results: dict[str, bool] = {}

    def contend(lock: DynamoLock) -> None:
        start.wait()
        results[lock.locked_by] = lock.try_acquire(LOCK, TWENTY_MINUTES)

    threads = [threading.Thread(target=contend, args=(lock,)) for lock in contenders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results.values()) == [False] * 7 + [True]


def test_release_lets_the_other_pod_in(locks) -> None:
    first, second = locks("pod-a"), locks("pod-b")
    assert first.try_acquire(LOCK, TWENTY_MINUTES)
    assert not second.try_acquire(LOCK, TWENTY_MINUTES)
    first.release(LOCK)
    assert second.try_acquire(LOCK, TWENTY_MINUTES)


def test_a_lock_not_held_is_not_released_by_a_stranger(locks) -> None:
    holder, stranger = locks("pod-a"), locks("pod-b")
    assert holder.try_acquire(LOCK, TWENTY_MINUTES)
    stranger.release(LOCK)
    assert not stranger.try_acquire(LOCK, TWENTY_MINUTES)


def test_an_expired_lock_passes_to_the_other_pod(locks, clock: SettableClock) -> None:
    first, second = locks("pod-a"), locks("pod-b")
    assert first.try_acquire(LOCK, TWENTY_MINUTES)
    clock.now += timedelta(minutes=19)
    assert not second.try_acquire(LOCK, TWENTY_MINUTES)
    clock.now += timedelta(minutes=1)
    assert second.try_acquire(LOCK, TWENTY_MINUTES)
    first.release(LOCK)  # too late: it no longer holds it
    assert not first.try_acquire(LOCK, TWENTY_MINUTES)


def test_locks_of_other_names_are_independent(locks) -> None:
    assert locks("pod-a").try_acquire("job-1", TWENTY_MINUTES)
    assert locks("pod-b").try_acquire("job-2", TWENTY_MINUTES)


def test_a_lock_table_that_cannot_be_reached_is_a_store_failure(aws_clients: AwsClients, clock: SettableClock) -> None:
    lock = DynamoLock(aws_clients.schedule_dynamodb, "no-such-table", locked_by="pod-a", clock=clock)
    with pytest.raises(StoreFailure, match="ResourceNotFound"):
        lock.try_acquire(LOCK, TWENTY_MINUTES)
