"""Domain models. Field names are snake_case; adapters map them to each wire format."""
