"""ptpu domain core: the business rules of prison-to-probation-update, free of I/O.

Imports only the standard library and attrs. Adapters implement `ptpu_core.ports`.
"""
