"""URL paths built from data: every value is one percent-encoded path segment, never URL structure.

An upstream value (a NOMS number, CRN or booking number from prison-api, offender
search or community-api) is data. Placed into a path as it is, a value such as
`../../crn/X200006` is resolved by `requests`/urllib3 (they remove dot segments) and the write
lands on another offender; `?`, `#` and `%` would cut or rewrite the path the same way. The
existing Kotlin service interpolated values straight into the URI template string
(`"/secure/offenders/nomsNumber/$offenderNo/..."` in CommunityService.kt), so Spring encoded them
as template text, leaving `/` as structure: the same hole. Here each value is encoded with
`quote(value, safe="")` so `/ ? # %` and everything else reserved become `%XX`, and the only
values that encoding leaves meaningful as structure, `.` and `..` (and the empty segment,
which would make `//`), are refused outright.
"""

from __future__ import annotations

from urllib.parse import quote

_STRUCTURAL = frozenset({"", ".", ".."})


class UnsafePathSegment(ValueError):
    """A value that no encoding can make a plain path segment: empty, `.` or `..`."""

    def __init__(self, value: str) -> None:
        super().__init__(f"{value!r} cannot be a URL path segment")
        self.value = value


def segment(value: str | int) -> str:
    """One path segment holding `value`, percent-encoded (UTF-8); raises UnsafePathSegment for
    the empty string, `.` and `..` (which percent-encoding leaves as they are)."""
    text = str(value)
    if text in _STRUCTURAL:
        raise UnsafePathSegment(text)
    return quote(text, safe="")


class TemplatedPath(str):
    """A path that remembers the template it was built from (`template`), so a metric can name the call
    by its template rather than by each offender's path (Micrometer's `uri` tag is the URI template)."""

    template: str

    def __new__(cls, text: str, template: str) -> TemplatedPath:
        built = super().__new__(cls, text)
        built.template = template
        return built


def template_of(built: str) -> str:
    """The template `built` was made from by `path`; a path built otherwise is its own template."""
    return built.template if isinstance(built, TemplatedPath) else built


def path(template: str, *values: str | int) -> TemplatedPath:
    """`template` with each `{}` replaced by `segment(value)`, in order.

    `path("/secure/offenders/crn/{}/convictions", crn)`; the template's own `/` are the only
    structure the result has. Raises ValueError when the count of `{}` and values differ.
    """
    parts = template.split("{}")
    if len(parts) != len(values) + 1:
        raise ValueError(f"{template!r} has {len(parts) - 1} placeholders for {len(values)} values")
    encoded = [segment(value) for value in values]
    text = parts[0] + "".join(value + rest for value, rest in zip(encoded, parts[1:], strict=True))
    return TemplatedPath(text, template)
