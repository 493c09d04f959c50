"""The docs name real code: every source path and dotted module name in README.md and docs/ exists (decision
records apart: they may name what a decision replaced), and every class, function or method the architecture's
module map names is defined in a module its row gives. A module renamed or merged without its docs fails here,
not in a newcomer's first five minutes."""

from __future__ import annotations

import importlib
import inspect
import keyword
import re
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[3]
DOCUMENTS = [ROOT / "README.md",
             *sorted(path for path in (ROOT / "docs").rglob("*.md") if "decisions" not in path.parts)]
SOURCE_PATH = re.compile(r"\b(ptpu_(?:core|adapters|runtime|sandbox)/[\w/]+\.py)\b")
HTTP_METHODS = {"GET", "POST", "PUT", "DELETE", "HEAD"}
DOTTED = re.compile(r"`(ptpu_(?:core|adapters|runtime|sandbox)(?:\.\w+)+)")


def resolves(dotted: str) -> bool:
    """A module, or a name defined in one (`ptpu_core.__all__`, `ptpu_runtime.scheduling.Lock`)."""
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            target: object = importlib.import_module(".".join(parts[:split]))
        except ModuleNotFoundError:
            continue
        for name in parts[split:]:
            if not hasattr(target, name):
                return False
            target = getattr(target, name)
        return True
    return False


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_named_source_file_and_module_exists(document: Path) -> None:
    text = document.read_text(encoding="utf-8")
    missing_files = sorted({path for path in SOURCE_PATH.findall(text) if not (ROOT / "src" / path).is_file()})
    missing_modules = sorted({name for name in DOTTED.findall(text) if not resolves(name)})
    assert (missing_files, missing_modules) == ([], [])


def module_map_rows() -> list[tuple[list[str], list[str]]]:
    """(module paths, backticked names) of each row of the architecture's module map table."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    table = text.split("## Module map", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in table.splitlines():
        cells = line.split("|")
        if len(cells) < 4 or "---" in line:
            continue
        paths = re.findall(r"`(ptpu_[\w/]+\.py)`", cells[2])
        names = [name for name in re.findall(r"`([A-Za-z_][\w.]*)", cells[3])
                 if not (keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in HTTP_METHODS)]
        if paths and names:
            rows.append((paths, names))
    return rows


def defined(name: str, modules: list[ModuleType]) -> bool:
    """`Class`, `function`, `Class.method`, `module.function` (a module of the row) or a class's `_method`."""
    first, *rest = name.split(".")
    for module in modules:
        if first == module.__name__.rsplit(".", 1)[-1]:
            target: object = module
        elif hasattr(module, first):
            target = getattr(module, first)
        elif first.startswith("_"):
            if any(first in vars(cls) for _, cls in inspect.getmembers(module, inspect.isclass)):
                return True
            continue
        else:
            continue
        for part in rest:
            if not hasattr(target, part):
                break
            target = getattr(target, part)
        else:
            return True
    return False


def test_the_module_map_has_rows() -> None:
    assert len(module_map_rows()) >= 10


@pytest.mark.parametrize("paths,names", module_map_rows(), ids=lambda value: ",".join(value)[:60])
def test_each_module_map_row_names_code_its_modules_define(paths: list[str], names: list[str]) -> None:
    modules = [importlib.import_module(path.removesuffix(".py").replace("/", ".")) for path in paths]
    assert [name for name in names if not defined(name, modules)] == []
