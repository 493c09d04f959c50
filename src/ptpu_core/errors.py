"""One exception hierarchy for the service. Adapters translate library errors into these."""

from __future__ import annotations


class PtpuError(Exception):
    """Base of every error the service raises on purpose."""


class SystemFailure(PtpuError):
    """Something outside failed (5xx, timeout, connection, store). Retry later; lose nothing."""


class UpstreamFailure(SystemFailure):
    def __init__(self, service: str, detail: str, status: int | None = None) -> None:
        super().__init__(f"{service}: {detail}" + (f" (HTTP {status})" if status is not None else ""))
        self.service = service
        self.detail = detail
        self.status = status


class StoreFailure(SystemFailure):
    """The message store or lock table could not be reached or refused the write."""


PURGE_INTERVAL_SECONDS = 60  # SQS: one PurgeQueue per queue in this many seconds


class PurgeTooSoon(PtpuError):
    """The queue was purged less than PURGE_INTERVAL_SECONDS ago (SQS's PurgeQueueInProgress): try again later."""

    def __init__(self, queue_name: str) -> None:
        super().__init__(
            f"{queue_name} was purged less than {PURGE_INTERVAL_SECONDS} seconds ago: SQS allows one purge of a"
            f" queue every {PURGE_INTERVAL_SECONDS} seconds; try again in a minute"
        )
        self.queue_name = queue_name


class InvalidMessage(PtpuError):
    """A poison message: not a valid envelope or its inner message lacks a required field."""

    def __init__(self, reason: str, message_id: str | None = None) -> None:
        super().__init__(reason if message_id is None else f"message {message_id}: {reason}")
        self.reason = reason
        self.message_id = message_id


class ConfigError(PtpuError):
    """A missing or malformed setting; the message names it."""
