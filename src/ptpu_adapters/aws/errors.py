"""Turn botocore's errors into the core's StoreFailure / SystemFailure, saying what was being done; and the
DynamoDB call shapes whose answers need reading with them (conditional writes, batch reads)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ptpu_core.errors import StoreFailure, SystemFailure


def error_code(error: BaseException) -> str:
    """A ClientError's code; "" for any other error."""
    return str(error.response.get("Error", {}).get("Code", "")) if isinstance(error, ClientError) else ""


def described(error: BaseException) -> str:
    """A ClientError's code and text; another error's (connection, timeout, credentials) text."""
    return f"{error_code(error)} {error}" if isinstance(error, ClientError) else str(error)


@contextmanager
def store_errors(doing: str) -> Iterator[None]:
    try:
        yield
    except (ClientError, BotoCoreError) as error:
        raise StoreFailure(f"DynamoDB {doing} failed: {described(error)}") from error


def conditional_write(write: Callable[..., Any], doing: str, **request: Any) -> tuple[bool, dict[str, Any]]:
    """A conditional DynamoDB write (`client.put_item`, `client.update_item`): (True, the Attributes returned) when
    made; (False, the item returned under ReturnValuesOnConditionCheckFailure, {} without) when its condition
    failed; StoreFailure for any other failure."""
    with store_errors(doing):
        try:
            answer = write(**request)
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
            item: Any = error.response.get("Item") or {}
            return False, dict(item)
    return True, dict(answer.get("Attributes") or {})


BATCH_GET_KEYS = 100  # DynamoDB's limit of keys per BatchGetItem
BATCH_GET_ROUNDS = 8  # reads of a call's keys, the unprocessed (throttled) ones asked again after a back-off


def batch_get(
    client: Any, table: str, keys: list[dict[str, Any]], doing: str, rounds: int = BATCH_GET_ROUNDS,
    partial: bool = False,
) -> tuple[list[Any], int]:
    """The items of `keys` that exist (consistent reads, BATCH_GET_KEYS a call), and how many keys were left unread:
    keys DynamoDB still leaves unprocessed after `rounds` reads a call are counted with `partial`, else a
    StoreFailure."""
    found: list[Any] = []
    left = 0
    for start in range(0, len(keys), BATCH_GET_KEYS):
        request: dict[str, Any] = {table: {"Keys": keys[start : start + BATCH_GET_KEYS], "ConsistentRead": True}}
        for round_ in range(rounds):
            if round_:
                time.sleep(0.05 * 2 ** min(round_ - 1, 4))  # DynamoDB asks for a back-off before unprocessed keys
            with store_errors(doing):
                answer = client.batch_get_item(RequestItems=request)
            found.extend(answer.get("Responses", {}).get(table, []))
            request = answer.get("UnprocessedKeys") or {}
            if not request:
                break
        unread = len(request[table]["Keys"]) if request else 0
        if unread and not partial:
            raise StoreFailure(f"DynamoDB {doing} failed: {unread} keys still unprocessed after {rounds} reads")
        left += unread
    return found, left


# The codes SQS (and its emulators) give for a queue URL that names no queue.
NO_SUCH_QUEUE = frozenset({"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"})


class QueueDoesNotExist(SystemFailure):
    """The queue was deleted (or never made): /health names this case apart (dlqStatus)."""


@contextmanager
def queue_errors(doing: str) -> Iterator[None]:
    try:
        yield
    except (ClientError, BotoCoreError) as error:
        failure = QueueDoesNotExist if error_code(error) in NO_SUCH_QUEUE else SystemFailure
        raise failure(f"SQS {doing} failed: {described(error)}") from error
