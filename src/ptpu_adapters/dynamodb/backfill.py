"""`ptpu table backfill`: adds the sparse-index helpers to the existing service's items, each by an UpdateItem
conditional on the item still lacking them and holding the values read (safe beside either service). Scans in
`segments` paced threads, resuming from a JSON checkpoint (written whole after each page, removed at the end)."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

import cattrs
from attrs import asdict, define, field, frozen
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ptpu_adapters.aws.errors import conditional_write
from ptpu_adapters.dynamodb.message_table import CREATED_INDEX, PENDING_BOOKING_INDEX, PENDING_INDEX, PROCESSED_INDEX
from ptpu_adapters.dynamodb.record_codec import (
    CREATED_SHARD,
    HELPER_ATTRIBUTES,
    Item,
    UnreadableRecord,
    message_from_item,
    message_to_item,
)
from ptpu_core.models.record import Message, state_text

log = logging.getLogger("ptpu.backfill")

REQUIRED_INDEXES = (PENDING_INDEX, PENDING_BOOKING_INDEX, PROCESSED_INDEX, CREATED_INDEX)


# What the condition compares with the values read (absent must stay absent).
_GUARDED = ("retryCount", "processedDate", "createdDate", "bookingId")


def index_update(item: Item) -> tuple[dict[str, Any], Message] | None:
    """The UpdateItem arguments (less TableName) and the record read; None when `item` has the helpers."""
    if CREATED_SHARD in item:
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
    request = {
        "Key": {"id": item["id"]},
        "UpdateExpression": "SET " + ", ".join(assignments),
        "ConditionExpression": " AND ".join(conditions),
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }
    return request, record


class BackfillError(Exception):
    """The backfill cannot start: the table lacks the indexes, or the checkpoint is for another job."""


@frozen
class BackfillOptions:
    segments: int = 4
    page_size: int = 100
    max_items_per_second: float | None = None
    dry_run: bool = False
    checkpoint: Path | None = None


@define
class BackfillCounts:
    """`statuses` counts the updated items by stored status."""

    scanned: int = 0
    already_indexed: int = 0
    indexed_pending: int = 0
    indexed_processed: int = 0
    changed_meanwhile: int = 0  # written by someone else between our read and our update: left alone
    unreadable: int = 0  # cannot be read as a record: left alone, logged
    statuses: Counter[str] = field(factory=Counter)

    @property
    def indexed(self) -> int:
        return self.indexed_pending + self.indexed_processed

    def add(self, other: BackfillCounts) -> None:
        for name, value in asdict(other, recurse=False).items():
            setattr(self, name, getattr(self, name) + value)


class Pacer:
    """`rate` items a second over every thread: each call reserves its share of time and sleeps until its
    turn (a page may weigh more than a second's allowance, which token buckets refuse)."""

    def __init__(self, rate: float | None, sleep: Callable[[float], None] = time.sleep) -> None:
        self._rate = rate
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next = time.monotonic()

    def take(self, items: int) -> None:
        if self._rate is None or items <= 0:
            return
        with self._lock:
            now = time.monotonic()
            start = max(self._next, now)
            self._next = start + items / self._rate
        if start > now:
            self._sleep(start - now)


@define
class Position:
    """A segment's: finished, or the key its next Scan page starts from (None: the segment's first)."""

    done: bool
    start_key: Item | None  # "startKey" in the file


@define
class Job:
    """What the checkpoint file holds: JSON of this unstructured by cattrs, keyed by the field names (but
    `startKey`), as `test_a_checkpoint_keeps_each_segments_position_and_the_counts` pins."""

    table: str
    segments: int
    positions: dict[int, Position]
    counts: BackfillCounts


_JSON = cattrs.Converter(detailed_validation=False)  # a bad file raises KeyError, ValueError, TypeError...
_START_KEY = override(rename="startKey")
_JSON.register_structure_hook(Position, make_dict_structure_fn(Position, _JSON, start_key=_START_KEY))
_JSON.register_unstructure_hook(Position, make_dict_unstructure_fn(Position, _JSON, start_key=_START_KEY))


class Checkpoint:
    """The job's position and counts so far, kept in `path` (None: in memory only)."""

    def __init__(self, path: Path | None, table: str, segments: int) -> None:
        self._path = path
        self._lock = threading.Lock()
        self.job = Job(table, segments, {i: Position(False, None) for i in range(segments)}, BackfillCounts())
        self.resumed = False
        if path is None:
            return
        if path.is_dir() or not path.parent.is_dir() or not os.access(path.parent, os.W_OK):
            raise BackfillError(f"checkpoint {path}: not a file in a folder this process can write to")
        if not path.exists():
            return
        try:
            saved = _JSON.structure(json.loads(path.read_text()), Job)
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            raise BackfillError(
                f"checkpoint {path} cannot be read ({type(error).__name__}: {error}); delete it to start again"
            ) from None
        if (saved.table, saved.segments, saved.positions.keys()) != (table, segments, self.job.positions.keys()):
            raise BackfillError(
                f"checkpoint {path} is for table {saved.table} with {saved.segments} segments; "
                f"run with those, or delete it to start again"
            )
        self.job, self.resumed = saved, True

    def page_done(self, segment: int, next_key: Item | None, counts: BackfillCounts) -> None:
        with self._lock:
            self.job.positions[segment] = Position(next_key is None, next_key)
            self.job.counts.add(counts)
            if self._path is None:
                return
            temporary = self._path.with_name(self._path.name + ".tmp")
            temporary.write_text(json.dumps(_JSON.unstructure(self.job)))
            os.replace(temporary, self._path)

    def finished(self) -> None:
        if self._path is not None and all(position.done for position in self.job.positions.values()):
            self._path.unlink(missing_ok=True)


Progress = Callable[[BackfillCounts], None]


class TableBackfill:
    def __init__(self, dynamodb_client: Any, table_name: str, options: BackfillOptions) -> None:
        if options.segments < 1 or options.page_size < 1:
            raise BackfillError("segments and page size must be at least 1")
        self._client = dynamodb_client
        self._table = table_name
        self._options = options
        self._pacer = Pacer(options.max_items_per_second)
        rate = options.max_items_per_second
        self._limit = options.page_size if rate is None else max(1, min(options.page_size, int(rate)))
        self._stop = threading.Event()
        self._checkpoint = Checkpoint(None if options.dry_run else options.checkpoint, table_name, options.segments)

    def resuming(self) -> bool:
        """Whether the run resumes from a checkpoint (never in a dry run)."""
        return self._checkpoint.resumed

    def approximate_item_count(self) -> int:
        """DynamoDB's ItemCount (refreshed about every six hours); BackfillError, unless dry-running, when
        the table lacks one of the indexes."""
        table = self._client.describe_table(TableName=self._table)["Table"]
        present = {index["IndexName"] for index in table.get("GlobalSecondaryIndexes", [])}
        missing = [name for name in REQUIRED_INDEXES if name not in present]
        if missing and not self._options.dry_run:
            raise BackfillError(f"table {self._table} lacks the indexes {', '.join(missing)}: add them first")
        return int(table.get("ItemCount", 0))

    def run(self, progress: Progress | None = None) -> BackfillCounts:
        """The counts of the whole job (earlier runs included), each page's also to `progress`. Raises what a
        segment raised, the others stopped at their next page and the checkpoint left for a re-run."""
        job = self._checkpoint.job
        if self._checkpoint.resumed:
            log.info("Resuming from %s: %d items read before", self._options.checkpoint, job.counts.scanned)
        todo = [i for i, position in job.positions.items() if not position.done]
        with ThreadPoolExecutor(max_workers=max(1, len(todo)), thread_name_prefix="backfill") as pool:
            futures = [pool.submit(self._segment, i, progress) for i in todo]
            try:
                wait(futures, return_when=FIRST_EXCEPTION)
            finally:  # a segment failed, all are done, or Ctrl-C: the others stop after their page
                self._stop.set()
            for future in futures:
                future.result()  # re-raises the first failure
        self._checkpoint.finished()
        return job.counts

    def _segment(self, segment: int, progress: Progress | None) -> None:
        start_key = self._checkpoint.job.positions[segment].start_key
        pages = self._client.get_paginator("scan").paginate(
            TableName=self._table, Segment=segment, TotalSegments=self._options.segments,
            PaginationConfig={"PageSize": self._limit}, **({"ExclusiveStartKey": start_key} if start_key else {}),
        )
        for page in pages:  # the next page is only read when asked for, so a stop takes effect between pages
            items = page.get("Items", [])
            self._pacer.take(max(len(items), 1))
            counts = self._page(items)
            self._checkpoint.page_done(segment, page.get("LastEvaluatedKey"), counts)
            if progress is not None:
                progress(counts)
            if self._stop.is_set():
                return

    def _page(self, items: list[Item]) -> BackfillCounts:
        counts = BackfillCounts(scanned=len(items))
        for item in items:
            try:
                update = index_update(item)
            except UnreadableRecord as error:
                counts.unreadable += 1
                log.warning("Record %s cannot be read, left as it is: %s", error.record_id, error.reason)
                continue
            if update is None:
                counts.already_indexed += 1
                continue
            request, record = update
            if not self._options.dry_run and not self._apply(request):
                counts.changed_meanwhile += 1
                continue
            if record.is_processed:
                counts.indexed_processed += 1
            else:
                counts.indexed_pending += 1
            counts.statuses[(state_text(record.status) if record.status is not None else "") or "(none)"] += 1
        return counts

    def _apply(self, request: dict[str, Any]) -> bool:
        doing = f"backfilling record {request['Key']['id'].get('S')}"
        made, _ = conditional_write(self._client.update_item, doing, TableName=self._table, **request)
        if not made:
            log.info("Record %s was written meanwhile; left to its writer", request["Key"]["id"].get("S"))
        return made
