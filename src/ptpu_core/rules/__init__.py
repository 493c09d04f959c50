"""The rules: which events matter, aggregation per booking, key dates, identifiers, retry tiers, capabilities."""
