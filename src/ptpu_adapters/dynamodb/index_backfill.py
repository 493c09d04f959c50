"""What the cut-over backfill writes to one item: pure, no I/O.

Items the existing service wrote (`entity/Message.kt` through the AWS SDK v1 mapper) carry none of
the helper attributes that place a record in this service's sparse indexes, so the cycle never
selects them and the reports never list them. `index_update` gives the one conditional UpdateItem
that adds them, computed by the same codec the store writes with, so a backfilled item is
indistinguishable (in its indexes) from one this service wrote itself.

An item already carries the helpers iff it has `createdShard`: this service writes that on every
put. Everything else about the item is left as it is (`createdDate` keeps Java's format; the index
order of mixed formats is still time order, see `parse_local_date_time`), except that a missing
`deleteBy` gets the record lifetime from its created date, so TTL can remove it one day.

The condition makes the update safe beside a running service, either one: it applies only if the
item still lacks the helpers and still has the retry count, processed date, created date and
booking it was read with; otherwise someone wrote it since (this service adds the helpers itself;
the existing service's retry changes the retry count) and it is counted, not overwritten.
"""

from __future__ import annotations

from typing import Any

from attrs import frozen

from ptpu_adapters.dynamodb.record_codec import (
    CREATED_SHARD,
    HELPER_ATTRIBUTES,
    Item,
    message_from_item,
    message_to_item,
)
from ptpu_core.models.record import state_text

# What the condition compares with the values read (absent must stay absent).
_GUARDED = ("retryCount", "processedDate", "createdDate", "bookingId")


@frozen
class IndexUpdate:
    """One item's UpdateItem arguments (less TableName), and what it is, for the summary.

    `pending`: the record is unprocessed (it joins the pending indexes) rather than processed;
    `status`: its stored status verbatim ("" when it has none)."""

    key: Item
    update_expression: str
    condition_expression: str
    names: dict[str, str]
    values: Item
    pending: bool
    status: str

    def request(self, table_name: str) -> dict[str, Any]:
        return {
            "TableName": table_name,
            "Key": self.key,
            "UpdateExpression": self.update_expression,
            "ConditionExpression": self.condition_expression,
            "ExpressionAttributeNames": self.names,
            "ExpressionAttributeValues": self.values,
        }


def is_indexed(item: Item) -> bool:
    """True when this service wrote the item (or the backfill already ran over it)."""
    return CREATED_SHARD in item


def index_update(item: Item) -> IndexUpdate | None:
    """The update adding the index helpers to `item`; None when it already has them.

    Raises record_codec.UnreadableRecord when the item cannot be read as a record (then no index
    value can be computed for it)."""
    if is_indexed(item):
        return None
    record = message_from_item(item)
    written = message_to_item(record)
    helpers = {name: written[name] for name in HELPER_ATTRIBUTES if name in written}
    names = {f"#{name}": name for name in (*helpers, "id", "deleteBy", *_GUARDED)}
    values: Item = {f":{name}": value for name, value in helpers.items()}
    assignments = [f"#{name} = :{name}" for name in helpers]
    assignments.append("#deleteBy = if_not_exists(#deleteBy, :deleteBy)")
    values[":deleteBy"] = written["deleteBy"]
    conditions = ["attribute_exists(#id)", f"attribute_not_exists(#{CREATED_SHARD})"]
    for name in _GUARDED:
        if name in item:
            conditions.append(f"#{name} = :was_{name}")
            values[f":was_{name}"] = item[name]
        else:
            conditions.append(f"attribute_not_exists(#{name})")
    return IndexUpdate(
        key={"id": item["id"]},
        update_expression="SET " + ", ".join(assignments),
        condition_expression=" AND ".join(conditions),
        names=names,
        values=values,
        pending=not record.is_processed,
        status=state_text(record.status) if record.status is not None else "",
    )
