"""Per-event processing (SPEC §7): each processor turns one stored event into an Outcome;
matching finds the probation case a prisoner belongs to.

`dispatch.MessageProcessor` is the entry point; it picks the processor by event type.
"""

from ptpu_core.processors.dispatch import MessageProcessor

__all__ = ["MessageProcessor"]
