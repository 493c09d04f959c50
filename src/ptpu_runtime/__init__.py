"""The runtime: configuration, wiring, schedulers, HTTP API and CLI around the domain core."""
