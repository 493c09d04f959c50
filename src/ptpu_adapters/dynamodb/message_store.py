"""The MessageRepository port on DynamoDB, reading by sparse index only. Processing queries leave out records
past their deleteBy (TTL deletion lags up to 48 hours); report queries stream in created order. An unreadable
item is skipped with a WARNING and `ptpu_unreadableRecord_total{type="item"}`, and left in the table."""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from ptpu_adapters.aws.errors import batch_get, conditional_write, store_errors
from ptpu_adapters.dynamodb import message_table as table
from ptpu_adapters.dynamodb import record_codec as codec
from ptpu_adapters.dynamodb.record_codec import Item, UnreadableRecord, format_date_time
from ptpu_adapters.observability.tracing import with_current_trace
from ptpu_adapters.system_clock import SystemClock
from ptpu_core.models.record import Message
from ptpu_core.models.service_time import wall_clock, wall_clock_between
from ptpu_core.ports import Clock, Metrics
from ptpu_core.rules.retry_policy import epoch_seconds

# Sorts after every digit and date character, so "0004#~" closes the range of retry count 4.
_AFTER_ANY_DATE = "~"
_NOT_EXPIRED = "deleteBy > :now"

log = logging.getLogger("ptpu.message_store")
# The report indexes' partition attribute and its one value.
_REPORT_SHARDS = {
    table.PENDING_CREATED_INDEX: (codec.PENDING_SHARD, codec.PENDING),
    table.PROCESSED_INDEX: (codec.PROCESSED_SHARD, codec.PROCESSED),
    table.CREATED_INDEX: (codec.CREATED_SHARD, codec.CREATED),
}


class DynamoMessageRepository:
    def __init__(
        self, dynamodb_client: Any, table_name: str, page_size: int = 200, clock: Clock | None = None,
        report_page_size: int | None = None, metrics: Metrics | None = None,
    ) -> None:
        """`page_size`: the Limit of the processing queries; `report_page_size` that of the report queries
        (None: DynamoDB's 1 MB pages); `clock` tells which records have expired, as the core reckons it."""
        self._client = dynamodb_client
        self._table = table_name
        self._page_size = page_size
        self._report_page_size = report_page_size
        self._clock = clock or SystemClock()
        self._metrics = metrics

    def add(self, message: Message) -> bool:
        """False, nothing written, when the id is taken: with ids from the SNS MessageId, a copy already stored
        (our own attempt botocore retried included). A record without a trace context takes the current one."""
        message = with_current_trace(message)
        added, _ = conditional_write(
            self._client.put_item, f"adding record {message.id}", TableName=self._table,
            Item=codec.message_to_item(message), ConditionExpression="attribute_not_exists(id)",
        )
        return added

    def update(self, message: Message) -> None:
        # A whole-item put: helper attributes of a state the record has left vanish with it.
        with store_errors(f"updating record {message.id}"):
            self._client.put_item(TableName=self._table, Item=codec.message_to_item(message))

    def record_applied_steps(self, message_id: str, steps: Collection[str]) -> None:
        """ADD `steps` to the item's `appliedSteps` in place; StoreFailure when the item is gone."""
        if not steps:
            return
        with store_errors(f"journalling steps of record {message_id}"):
            self._client.update_item(
                TableName=self._table,
                Key={"id": {"S": message_id}},
                UpdateExpression=f"ADD {codec.APPLIED_STEPS} :steps",
                ConditionExpression="attribute_exists(id)",
                ExpressionAttributeValues={":steps": {"SS": sorted(set(steps))}},
            )

    def delete(self, message: Message) -> None:
        with store_errors(f"deleting record {message.id}"):
            self._client.delete_item(TableName=self._table, Key={"id": {"S": message.id}})

    def get(self, message_id: str) -> Message | None:
        with store_errors(f"reading record {message_id}"):
            answer = self._client.get_item(TableName=self._table, Key={"id": {"S": message_id}}, ConsistentRead=True)
        item = answer.get("Item")
        return next(self._readable([item]), None) if item else None

    def unprocessed_created_before(self, created_before: datetime) -> Iterator[Message]:
        # "< 0000#T" holds exactly retry 0 created before T, which reaches past `created_before` in October's
        # repeated hour; the core keeps only the records truly created before it.
        upper = codec.pending_sort_key(0, format_date_time(codec.latest_wall_clock_before(created_before)))
        return self._pending("< :upper", {":upper": {"S": upper}})

    def unprocessed_for_booking(self, booking_id: int) -> list[Message]:
        found = self._query_items(self._page_size, table.PENDING_BOOKING_INDEX, f"{codec.PENDING_BOOKING_ID} = :b",
                                  {":b": {"N": str(booking_id)}})
        # The index is eventually consistent: confirm each record from the table itself.
        items, _ = batch_get(self._client, self._table, [{"id": item["id"]} for item in found], "batch read")
        now = epoch_seconds(self._clock.now())
        due = (m for m in self._readable(items) if not m.is_processed and m.delete_by > now)
        return sorted(due, key=lambda m: m.created_date)

    def unprocessed_with_retries(self, min_retries: int, max_retries: int | None) -> Iterator[Message]:
        highest = codec.MAX_SORTABLE_RETRIES if max_retries is None else max_retries
        return self._pending("BETWEEN :low AND :high", {
            ":low": {"S": f"{min(min_retries, codec.MAX_SORTABLE_RETRIES):04d}#"},
            ":high": {"S": f"{min(highest, codec.MAX_SORTABLE_RETRIES):04d}#{_AFTER_ANY_DATE}"},
        })

    def unprocessed(self, created_before: datetime | None = None) -> Iterator[Message]:
        found = self._report(table.PENDING_CREATED_INDEX, None, created_before)
        return (m for m in found if wall_clock_between(m.created_date, None, created_before))

    def processed_between(
        self,
        start: datetime | None,
        end: datetime | None,
        created_start: datetime | None = None,
        created_end: datetime | None = None,
    ) -> Iterator[Message]:
        # processed-index is in created order. A record is created before it is processed; on the wall
        # clock it can read up to an hour later (October's repeated hour), hence the hour's margin.
        created_limit = wall_clock(end) + timedelta(hours=1) if end is not None else None
        if created_limit is None or (created_end is not None and wall_clock(created_end) < created_limit):
            created_limit = created_end
        if created_start is not None and created_limit is not None and wall_clock(created_start) >= created_limit:
            return iter(())  # nothing can match, and DynamoDB refuses BETWEEN with low > high
        filters, values = [], {}
        for operator, name, when in ((">=", ":processedStart", start), ("<=", ":processedEnd", end)):
            if when is not None:
                filters.append(f"processedDate {operator} {name}")
                values[name] = {"S": format_date_time(when)}
        found = self._report(table.PROCESSED_INDEX, created_start, created_limit, filters, values)
        return (
            m
            for m in found
            if m.processed_date is not None
            and wall_clock_between(m.processed_date, start, end)
            and wall_clock_between(m.created_date, created_start, created_end)
        )

    def created_between(
        self, start: datetime | None, end: datetime | None, event_type: str | None
    ) -> Iterator[Message]:
        if event_type is None:
            found = self._report(table.CREATED_INDEX, start, end)
        else:
            found = self._report(table.CREATED_INDEX, start, end, ["eventType = :type"], {":type": {"S": event_type}})
        return (m for m in found if wall_clock_between(m.created_date, start, end))

    def _pending(self, sort_condition: str, values: Item) -> Iterator[Message]:
        values = {":shard": {"S": codec.PENDING}, ":now": {"N": str(epoch_seconds(self._clock.now()))}, **values}
        key_condition = f"{codec.PENDING_SHARD} = :shard AND {codec.PENDING_SORT} {sort_condition}"
        found = self._query_items(self._page_size, table.PENDING_INDEX, key_condition, values,
                                  FilterExpression=_NOT_EXPIRED)
        return self._readable(found)

    def _report(
        self, index: str, start: datetime | None, end: datetime | None, filters: Sequence[str] = (),
        values: Item | None = None,
    ) -> Iterator[Message]:
        """`index`'s shard in created order, createdDate in [start, end] (either end open; inclusive, as a key
        condition cannot hold two strict bounds and stored fractions vary in length: callers drop the ends)."""
        shard_attribute, shard = _REPORT_SHARDS[index]
        values = {":shard": {"S": shard}, **(values or {})}
        condition = f"{shard_attribute} = :shard"
        if start is not None and end is not None:
            condition += " AND createdDate BETWEEN :start AND :end"
        elif start is not None or end is not None:
            condition += " AND createdDate >= :start" if start is not None else " AND createdDate <= :end"
        ends = [(":start", start), (":end", end)]
        values.update({name: {"S": format_date_time(when)} for name, when in ends if when is not None})
        extra = {"FilterExpression": " AND ".join(filters)} if filters else {}
        return self._readable(self._query_items(self._report_page_size, index, condition, values, **extra))

    def _readable(self, items: Iterable[Item]) -> Iterator[Message]:
        for item in items:
            try:
                yield codec.message_from_item(item)
            except UnreadableRecord as error:
                log.warning("Skipped stored record %s, which cannot be read: %s", error.record_id, error.reason)
                if self._metrics is not None:
                    self._metrics.unreadable_record("item")

    def _query_items(
        self, limit: int | None, index: str, key_condition: str, values: Item, **extra: Any
    ) -> Iterator[Item]:
        """A page of `limit` (None: DynamoDB's 1 MB) at a time."""
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table, IndexName=index, KeyConditionExpression=key_condition,
            ExpressionAttributeValues=values, PaginationConfig={"PageSize": limit}, **extra,
        )
        with store_errors(f"query on {index}"):  # each page is read when the one before is used up
            for page in pages:
                yield from page.get("Items", [])
