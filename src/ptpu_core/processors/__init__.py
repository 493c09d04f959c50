"""Per-event processing (SPEC §7): `dispatch.process(message, work)` picks the processor by event type;
each takes the event and the booking's unit of work and answers an Outcome."""
