"""benchmarks/ is run by hand, not by `make test`: every name it imports from the ptpu packages must still
exist, or a benchmark fails at its first line the next time someone measures."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def ptpu_imports() -> list[tuple[str, str, str]]:
    """(benchmark:line, module, name) for every `from ptpu_... import name` in benchmarks/*.py."""
    found = []
    for path in sorted(BENCHMARKS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ptpu"):
                found += [(f"{path.name}:{node.lineno}", node.module, alias.name) for alias in node.names]
    return found


def resolves(module: str, name: str) -> bool:
    try:
        imported = importlib.import_module(module)
    except ImportError:
        return False
    if hasattr(imported, name):
        return True
    try:
        importlib.import_module(f"{module}.{name}")
    except ImportError:
        return False
    return True


def test_every_ptpu_name_a_benchmark_imports_exists() -> None:
    imports = ptpu_imports()
    assert len(imports) > 20, "the walk found too few imports to be reading the benchmarks"
    assert [f"{where} {module}.{name}" for where, module, name in imports if not resolves(module, name)] == []


def test_a_moved_module_is_seen() -> None:
    assert not resolves("ptpu_runtime.tracing_setup", "start_tracing")
    assert resolves("ptpu_runtime.tracing", "start_tracing")
