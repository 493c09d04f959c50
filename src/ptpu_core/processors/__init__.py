"""Per-event processing (SPEC §7): `dispatch.process(message, work)` picks the processor by event type."""
