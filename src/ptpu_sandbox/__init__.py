"""The local stack (AWS emulator + simulated HMPPS systems + `ptpu serve`), `ptpu sandbox` and `ptpu publish`.

`from ptpu_sandbox import LocalStack` (see stack.py). Loaded lazily: the stack imports moto,
and `ptpu serve` imports this package's commands without needing it.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "LocalStack": "ptpu_sandbox.stack",
    "StackPorts": "ptpu_sandbox.ports",
    "ServiceProcess": "ptpu_sandbox.service_process",
    "ServiceFailedToStart": "ptpu_sandbox.service_process",
    "telemetry_events": "ptpu_sandbox.service_process",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
