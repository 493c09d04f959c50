"""The message table's keys and sparse indexes, shared by the store and by provisioning.

Why these indexes (SPEC §5 beyond): a processing cycle must read only what is due.
- pending-index (pendingShard, pendingSort): only unprocessed items carry the keys, and the sort key
  starts with the zero-padded retry count, so "initial, created before T" and each retry tier are
  single key ranges. Processing an item removes the keys, which drops it from the index.
- pending-booking-index (pendingBookingId): a booking's open records; keys only, then read
  consistently from the table, so a record processed a moment ago is never handed out again.
- pending-created-index (pendingShard, createdDate): the unprocessed records oldest first, so the
  in-progress and not-matched reports stream in the order they promise without sorting in memory.
- processed-index (processedShard, createdDate): the processed records oldest created first, the
  processed report's order; its processedDate range is a filter on that index.
- created-index (createdShard, createdDate): every record by created date, for the match summary.
The constant partition keys are deliberate: the volumes are a few thousand items a day, far below a
partition's throughput, and one partition keeps every range query a single Query.
"""

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
    """CreateTable arguments (on-demand billing)."""
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
