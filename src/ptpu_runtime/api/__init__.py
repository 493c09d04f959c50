"""The HTTP API (SPEC §9)."""
