"""Test and benchmark support for the DynamoDB adapters: what a client read, counted from its answers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from attrs import define


@define
class ReadStats:
    """Queries made, the items they evaluated (ScannedCount) and returned (Count); items read by key (GetItem,
    BatchGetItem)."""

    queries: int = 0
    scanned: int = 0
    returned: int = 0
    items_got: int = 0


@contextmanager
def counted_reads(dynamodb_client: Any) -> Iterator[ReadStats]:
    """Counts the reads `dynamodb_client` makes (from any thread) until the block ends."""
    stats = ReadStats()
    lock = threading.Lock()

    def query(parsed: dict[str, Any], **_: Any) -> None:
        with lock:
            stats.queries += 1
            stats.scanned += parsed.get("ScannedCount", 0)
            stats.returned += parsed.get("Count", 0)

    def get_item(parsed: dict[str, Any], **_: Any) -> None:
        with lock:
            stats.items_got += 1 if parsed.get("Item") else 0

    def batch_get_item(parsed: dict[str, Any], **_: Any) -> None:
        with lock:
            stats.items_got += sum(len(items) for items in parsed.get("Responses", {}).values())

    handlers = {"Query": query, "GetItem": get_item, "BatchGetItem": batch_get_item}
    events = dynamodb_client.meta.events
    for operation, handler in handlers.items():
        events.register(f"after-call.dynamodb.{operation}", handler)
    try:
        yield stats
    finally:
        for operation, handler in handlers.items():
            events.unregister(f"after-call.dynamodb.{operation}", handler)
