"""The use cases: receive an event, synchronise due records, re-sync on request, report."""
