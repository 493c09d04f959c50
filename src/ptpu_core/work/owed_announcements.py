"""An announcement a re-sync could not publish is kept, never lost."""

from __future__ import annotations

import logging
import uuid

from attrs import evolve

from ptpu_core.errors import SystemFailure, UpstreamFailure
from ptpu_core.models.domain_event import HmppsDomainEvent
from ptpu_core.models.record import Message
from ptpu_core.ports import DomainEventPublisher, MessageRepository
from ptpu_core.rules.retry_policy import initial_delete_by
from ptpu_core.work.domain_events import owed_step

log = logging.getLogger(__name__)

DOMAIN_EVENTS = "domain-events topic"


class KeptWhenUnpublished:
    """A re-sync's publisher: a failed publish stores `record` (as an IMPRISONMENT_STATUS-CHANGED) owing the
    event (`owed_step`) for scheduled processing to publish first, then raises UpstreamFailure(DOMAIN_EVENTS)."""

    def __init__(self, real: DomainEventPublisher, store: MessageRepository, record: Message) -> None:
        self._real = real
        self._store = store
        self._record = record

    def publish(self, event: HmppsDomainEvent) -> None:
        try:
            self._real.publish(event)
        except SystemFailure as failure:
            owed = evolve(self._record, id=f"resync-owed-{uuid.uuid4()}", applied_steps=frozenset({owed_step(event)}),
                          delete_by=initial_delete_by(self._record.created_date))
            self._store.add(owed)  # a StoreFailure here is this booking's ERROR too
            log.warning("Re-sync could not publish %s (%s): kept on record %s for scheduled processing",
                        event.event_type, failure, owed.id)
            kept = f"publishing {event.event_type} failed; kept on {owed.id}"
            raise UpstreamFailure(DOMAIN_EVENTS, kept) from failure
