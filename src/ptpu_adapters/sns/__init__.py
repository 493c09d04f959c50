"""sns adapters."""
