"""Turn botocore's errors into the core's StoreFailure / SystemFailure, saying what was being done."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import BotoCoreError, ClientError

from ptpu_core.errors import StoreFailure, SystemFailure


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


@contextmanager
def store_errors(doing: str) -> Iterator[None]:
    try:
        yield
    except ClientError as error:
        raise StoreFailure(f"DynamoDB {doing} failed: {error_code(error)} {error}") from error
    except BotoCoreError as error:  # connection, timeout, credentials
        raise StoreFailure(f"DynamoDB {doing} failed: {error}") from error


# The codes SQS (and its emulators) give for a queue URL that names no queue.
_NO_SUCH_QUEUE = frozenset({"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"})


class QueueDoesNotExist(SystemFailure):
    """The queue was deleted (or never made): /health names this case apart (dlqStatus)."""


@contextmanager
def queue_errors(doing: str) -> Iterator[None]:
    try:
        yield
    except ClientError as error:
        failure = QueueDoesNotExist if error_code(error) in _NO_SUCH_QUEUE else SystemFailure
        raise failure(f"SQS {doing} failed: {error_code(error)} {error}") from error
    except BotoCoreError as error:
        raise SystemFailure(f"SQS {doing} failed: {error}") from error
