"""The message table's keys and sparse indexes (SPEC §5): pending-index (pendingShard, pendingSort) for the
selections as key ranges; pending-booking-index for a booking's open records; pending-created-, processed- and
created-index (shard, createdDate) for the reports. Only items in that state carry a key; the constant
partitions are deliberate (a few thousand items a day, one Query per range)."""

from __future__ import annotations

from typing import Any

from ptpu_adapters.dynamodb.record_codec import (
    CREATED_SHARD,
    PENDING_BOOKING_ID,
    PENDING_SHARD,
    PENDING_SORT,
    PROCESSED_SHARD,
)

PENDING_INDEX = "pending-index"
PENDING_BOOKING_INDEX = "pending-booking-index"
PENDING_CREATED_INDEX = "pending-created-index"
PROCESSED_INDEX = "processed-index"
CREATED_INDEX = "created-index"
TTL_ATTRIBUTE = "deleteBy"


def _index(name: str, hash_key: str, range_key: str | None, projection: str) -> dict[str, Any]:
    schema = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    if range_key is not None:
        schema.append({"AttributeName": range_key, "KeyType": "RANGE"})
    return {"IndexName": name, "KeySchema": schema, "Projection": {"ProjectionType": projection}}


def message_table_definition(table_name: str) -> dict[str, Any]:
    string_keys = ["id", PENDING_SHARD, PENDING_SORT, PROCESSED_SHARD, CREATED_SHARD, "createdDate"]
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": name, "AttributeType": "S"} for name in string_keys]
        + [{"AttributeName": PENDING_BOOKING_ID, "AttributeType": "N"}],
        "GlobalSecondaryIndexes": [
            _index(PENDING_INDEX, PENDING_SHARD, PENDING_SORT, "ALL"),
            _index(PENDING_BOOKING_INDEX, PENDING_BOOKING_ID, "createdDate", "KEYS_ONLY"),
            _index(PENDING_CREATED_INDEX, PENDING_SHARD, "createdDate", "ALL"),
            _index(PROCESSED_INDEX, PROCESSED_SHARD, "createdDate", "ALL"),
            _index(CREATED_INDEX, CREATED_SHARD, "createdDate", "ALL"),
        ],
    }


def schedule_table_definition(table_name: str) -> dict[str, Any]:
    """The ShedLock lock table: `_id` is the lock name."""
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "_id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "_id", "AttributeType": "S"}],
    }
