"""The upstream APIs' camelCase JSON through a cattrs converter: unknown keys ignored, a missing or null
optional field None (or its default), None fields not written; unreadable: an `UpstreamFailure` naming the
field. A path value is one percent-encoded segment, never URL structure (the Kotlin service interpolated
values into its URI templates, so `../../crn/X` would have redirected a write to another offender)."""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar
from urllib.parse import quote

import attrs
from cattrs import Converter, transform_error
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ptpu_core.errors import UpstreamFailure
from ptpu_core.models.probation import OffenderMatch

T = TypeVar("T")


def camel_case(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def make_converter() -> Converter:
    converter = Converter()
    # cattrs would turn null into "None" and "false" into True; upstream JSON has real types.
    converter.register_structure_hook(str, _structure_str)
    converter.register_structure_hook(bool, _structure_bool)
    converter.register_structure_hook(date, lambda value, _: date.fromisoformat(value))
    converter.register_unstructure_hook(date, lambda value: value.isoformat())
    converter.register_structure_hook(datetime, lambda value, _: datetime.fromisoformat(value))
    converter.register_unstructure_hook(datetime, lambda value: value.isoformat())
    # offender-search nests the one thing we use three levels down.
    converter.register_structure_hook(
        OffenderMatch, lambda value, _: OffenderMatch(crn=value["offender"]["otherIds"]["crn"])
    )
    converter.register_unstructure_hook(
        OffenderMatch, lambda match: {"offender": {"otherIds": {"crn": match.crn}}}
    )
    converter.register_structure_hook_factory(attrs.has, lambda cl: _camel_structure_fn(cl, converter))
    converter.register_unstructure_hook_factory(attrs.has, lambda cl: _camel_unstructure_fn(cl, converter))
    return converter


def read(converter: Converter, data: Any, cl: type[T], service: str) -> T:
    try:
        return converter.structure(data, cl)
    except Exception as error:  # cattrs raises ExceptionGroups of KeyError/ValueError/TypeError...
        raise UpstreamFailure(service, f"unreadable {_type_name(cl)} response: {_describe(error)}") from error


def _camel_renames(cl: type) -> dict[str, Any]:
    attrs.resolve_types(cl)
    return {f.name: override(rename=camel_case(f.name)) for f in attrs.fields(cl)}


def _camel_structure_fn(cl: type, converter: Converter) -> Callable[[Any, type], Any]:
    structure: Callable[[Any, Any], Any] = make_dict_structure_fn(cl, converter, **_camel_renames(cl))
    fields = attrs.fields(cl)
    # Jackson upstreams omit nulls or send them: a field takes its default, an optional one None.
    defaulted = [camel_case(f.name) for f in fields if f.default is not attrs.NOTHING]
    optional = [camel_case(f.name) for f in fields if f.default is attrs.NOTHING and _is_optional(f.type)]

    def structure_lenient(value: Any, _: type) -> Any:
        if not isinstance(value, dict):
            raise TypeError(f"expected a JSON object for {cl.__name__}, got {type(value).__name__}")
        data = {key: item for key, item in value.items() if not (item is None and key in defaulted)}
        for key in optional:
            data.setdefault(key, None)
        return structure(data, cl)

    return structure_lenient


def _camel_unstructure_fn(cl: type, converter: Converter) -> Callable[[Any], dict[str, Any]]:
    unstructure: Callable[[Any], dict[str, Any]] = make_dict_unstructure_fn(cl, converter, **_camel_renames(cl))

    def unstructure_without_nones(obj: Any) -> dict[str, Any]:
        return {key: value for key, value in unstructure(obj).items() if value is not None}

    return unstructure_without_nones


def _structure_str(value: Any, _: type) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)  # an id sent as a number is still the same id
    raise TypeError(f"expected a string, got {type(value).__name__}")


def _structure_bool(value: Any, _: type) -> bool:
    if isinstance(value, bool):
        return value
    raise TypeError(f"expected true or false, got {type(value).__name__}")


def _is_optional(field_type: Any) -> bool:
    is_union = typing.get_origin(field_type) in (typing.Union, types.UnionType)
    return is_union and type(None) in typing.get_args(field_type)


def _describe(error: Exception) -> str:
    try:
        messages = transform_error(error)
    except Exception:  # transform_error only understands cattrs' own errors
        return f"{type(error).__name__}: {error}"
    # cattrs paths name the Python attribute; operators reading logs know the wire name.
    return "; ".join(_ATTRIBUTE_IN_PATH.sub(lambda m: "." + camel_case(m.group(1)), msg) for msg in messages)


_ATTRIBUTE_IN_PATH = re.compile(r"\.([a-z][a-z0-9_]*)")


def _type_name(cl: Any) -> str:
    args = typing.get_args(cl)
    name = getattr(typing.get_origin(cl) or cl, "__name__", str(cl))
    return f"{name}[{', '.join(_type_name(arg) for arg in args)}]" if args else name


class UnsafePathSegment(ValueError):
    """The empty string, `.` or `..`, which percent-encoding leaves as they are."""


def _segment(value: str | int) -> str:
    text = str(value)
    if text in ("", ".", ".."):
        raise UnsafePathSegment(f"{text!r} cannot be a URL path segment")
    return quote(text, safe="")


class TemplatedPath(str):
    """A path that keeps its `template`, which metrics name it by (Micrometer's `uri` tag)."""

    template: str

    def __new__(cls, text: str, template: str) -> TemplatedPath:
        built = super().__new__(cls, text)
        built.template = template
        return built


def template_of(built: str) -> str:
    return built.template if isinstance(built, TemplatedPath) else built


def path(template: str, *values: str | int) -> TemplatedPath:
    """`template` with each `{}` replaced by its value as one segment (UTF-8, percent-encoded), e.g.
    `path("/secure/offenders/crn/{}/convictions", crn)`; ValueError when the counts differ."""
    parts = template.split("{}")
    if len(parts) != len(values) + 1:
        raise ValueError(f"{template!r} has {len(parts) - 1} placeholders for {len(values)} values")
    encoded = [_segment(value) for value in values]
    text = parts[0] + "".join(value + rest for value, rest in zip(encoded, parts[1:], strict=True))
    return TemplatedPath(text, template)
