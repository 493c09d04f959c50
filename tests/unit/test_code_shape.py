"""The production code's shape: constructor width, no capability discovery by Protocol, and its size.

Read with `ast` over src/ptpu_core, src/ptpu_adapters and src/ptpu_runtime, the `testing.py` modules apart.
Constructor parameters are an `__init__`'s, `self` out, keyword-only and `*args`/`**kwargs` in; for an attrs
class or dataclass without its own `__init__`, its fields the generated `__init__` takes. Value types whose width
follows the records, reports and wire shapes they model are named in VALUE_TYPES and may be wider. Issue
references are checked over every tracked file by
tests/unit/runtime/test_readme_docs.py.
"""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

MAX_CONSTRUCTOR_PARAMETERS = 7
# Generated-constructor classes allowed more fields: stored records, upstream models, reports and settings.
VALUE_TYPES = frozenset({
    "Booking", "SentenceDetail", "Message", "ResyncItem", "CycleSummary", "Settings", "Spec"})
# The size is a ratchet: at most what the production code measures now (11,000 lines, 7,860 code-only), so
# it can only shrink. The restructuring's goal was 11,000 and 7,000; docs/decisions/0009 says why the code
# stops short of the second. Lower these as code leaves, never raise them.
MAX_LINES = 11_000
MAX_CODE_LINES = 7_860  # not blank, not a comment, not a docstring

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGES = ("ptpu_core", "ptpu_adapters", "ptpu_runtime")


def production_files() -> list[Path]:
    return [path for package in PACKAGES for path in sorted((SRC / package).rglob("*.py"))
            if path.name != "testing.py"]


def parsed() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text(encoding="utf-8"), str(path))) for path in production_files()]


def where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(SRC.parent)}:{getattr(node, 'lineno', 0)}"


def constructor_parameters(init: ast.FunctionDef) -> int:
    arguments = init.args
    positional = len(arguments.posonlyargs) + len(arguments.args) - 1  # self out
    return positional + len(arguments.kwonlyargs) + (arguments.vararg is not None) + (arguments.kwarg is not None)


GENERATED_INIT = {"define", "frozen", "mutable", "attrs", "dataclass"}


def decorator_name(decorator: ast.expr) -> str:
    if isinstance(decorator, ast.Call):
        decorator = decorator.func
    return base_name(decorator)


def generated_init_fields(node: ast.ClassDef) -> int:
    """The annotated fields an attrs or dataclass `__init__` takes: not ClassVar, not `init=False`."""
    return sum(1 for member in node.body if isinstance(member, ast.AnnAssign)
               and "ClassVar" not in ast.unparse(member.annotation)
               and not (member.value is not None and "init=False" in ast.unparse(member.value)))


def constructor_widths() -> dict[str, int]:
    """Each class ("file:line Class") with its constructor's parameter count: its own `__init__`'s, else the
    one attrs or dataclasses generate; value types (VALUE_TYPES) apart."""
    widths = {}
    for path, tree in parsed():
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef):
                continue
            inits = [member for member in node.body
                     if isinstance(member, ast.FunctionDef) and member.name == "__init__"]
            if inits:
                widths[f"{where(path, node)} {node.name}"] = constructor_parameters(inits[0])
            elif node.name not in VALUE_TYPES and GENERATED_INIT & {decorator_name(d) for d in node.decorator_list}:
                widths[f"{where(path, node)} {node.name}"] = generated_init_fields(node)
    return widths


def test_a_generated_constructor_counts_its_fields():
    tree = ast.parse("@attrs.frozen\nclass Use:\n    a: int\n    b: ClassVar[int] = 1\n"
                     "    c: str = field(init=False)\n    d: str = ''\n")
    node = tree.body[0]
    assert isinstance(node, ast.ClassDef)
    assert {decorator_name(d) for d in node.decorator_list} == {"frozen"}
    assert generated_init_fields(node) == 2  # a and d


def test_no_constructor_takes_more_than_the_maximum():
    widths = constructor_widths()
    assert len(widths) > 20, "the walk found too few constructors to be reading the source"
    offenders = {name: count for name, count in sorted(widths.items(), key=lambda item: -item[1])
                 if count > MAX_CONSTRUCTOR_PARAMETERS}
    assert offenders == {}, f"constructors over {MAX_CONSTRUCTOR_PARAMETERS} parameters: {offenders}"


def base_name(base: ast.expr) -> str:
    if isinstance(base, ast.Subscript):  # Protocol[T]
        base = base.value
    if isinstance(base, ast.Attribute):
        return base.attr
    return base.id if isinstance(base, ast.Name) else ""


def protocol_classes() -> set[str]:
    """Names of the classes under src/ that list `Protocol` (typing's or typing_extensions') among their bases."""
    trees = [ast.parse(path.read_text(encoding="utf-8")) for path in sorted(SRC.rglob("*.py"))]
    return {node.name for tree in trees for node in ast.walk(tree)
            if isinstance(node, ast.ClassDef) and "Protocol" in {base_name(base) for base in node.bases}}


def isinstance_against(protocols: set[str]) -> list[str]:
    found = []
    for path, tree in parsed():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "isinstance" \
                    and len(node.args) == 2:
                kinds = node.args[1].elts if isinstance(node.args[1], ast.Tuple) else [node.args[1]]
                named = sorted({base_name(kind) for kind in kinds} & protocols)
                if named:
                    found.append(f"{where(path, node)} isinstance(..., {', '.join(named)})")
    return found


def test_no_capability_is_discovered_by_isinstance_against_a_protocol():
    protocols = protocol_classes()
    assert len(protocols) > 5, "the walk found too few Protocols to be reading the source"
    assert isinstance_against(protocols) == []


def test_the_rule_sees_an_isinstance_against_a_protocol():
    tree = ast.parse("if isinstance(store, (dict, Leases)) or isinstance(x, ports.Clock): pass")
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
    kinds = [{base_name(kind) for kind in (call.args[1].elts if isinstance(call.args[1], ast.Tuple)
                                           else [call.args[1]])} for call in calls]
    assert kinds == [{"dict", "Leases"}, {"Clock"}]


def code_lines(source: str) -> int:
    """Lines holding a token other than a comment, and not part of a module, class or function docstring."""
    docstrings: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                docstrings.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    skipped = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
    lines: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in skipped:
            lines.update(range(token.start[0], token.end[0] + 1))
    return len(lines - docstrings)


def test_code_lines_leave_out_blanks_comments_and_docstrings():
    source = ('"""Module.\n\nMore."""\n\n# a comment\nx = (\n    1,  # one\n)\n\n\n'
              'def f():\n    """Doc."""\n    return x\n')
    assert code_lines(source) == 5  # x = ( / 1, / ) / def f(): / return x


def test_the_production_code_is_within_its_size():
    sources = [path.read_text(encoding="utf-8") for path in production_files()]
    lines = sum(len(source.splitlines()) for source in sources)
    code = sum(code_lines(source) for source in sources)
    assert lines <= MAX_LINES and code <= MAX_CODE_LINES, \
        f"{lines} lines ({code} code-only) against at most {MAX_LINES} ({MAX_CODE_LINES})"
