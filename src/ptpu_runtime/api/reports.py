"""GET /report/* (SPEC §9): CSV reports (streamed page by page) and the match summary, for ROLE_PTPU_REPORT.
The CSV is byte-compatible with the original's OpenCSV bean writer, except that formula cells are neutralised."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import chain
from typing import Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response, StreamingResponse

from ptpu_core.models.record import Message
from ptpu_core.models.service_time import wall_clock
from ptpu_core.ports import Clock, MessageRepository
from ptpu_core.use_cases import reports
from ptpu_runtime.api.errors import ApiError, bad_request
from ptpu_runtime.api.security import ROLE_REPORT, TokenVerifier, require_role, role_errors

CSV = "text/csv"
CSV_ANSWER: dict[str, Any] = {"response_class": Response, "responses": {200: {"content": {CSV: {}}}}}

DEFAULT_MAX_CONCURRENT_REPORTS = 2
RETRY_AFTER_SECONDS = 10


class ReportGate:
    """Counts reports in progress; `slot()` raises ApiError(429, Retry-After) when `limit` are running."""

    def __init__(self, limit: int = DEFAULT_MAX_CONCURRENT_REPORTS):
        if limit < 1:
            raise ValueError(f"at least one report must be allowed, not {limit}")
        self._slots = threading.BoundedSemaphore(limit)
        self.limit = limit

    @contextmanager
    def slot(self) -> Iterator[None]:
        """One report's slot, given back when the block ends, fails or (a stream) is closed."""
        if not self._slots.acquire(blocking=False):
            raise ApiError(
                429,
                f"Too many reports running (at most {self.limit} at once); try again later",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
        try:
            yield
        finally:
            self._slots.release()


DateRange = tuple[datetime | None, datetime | None]


def local_date_time(name: str, value: str | None) -> datetime | None:
    """A query parameter as a naive local date-time (ISO, as Spring's LocalDateTime); 400 otherwise."""
    if value is None or value == "":
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise bad_request(f"{name} '{value}' is not a date-time like 2021-01-31T13:45:00") from None
    if parsed.tzinfo is not None:
        raise bad_request(f"{name} '{value}' must be a local date-time, without a zone or offset")
    return parsed


def date_range(prefix: str, start_value: str | None, end_value: str | None) -> DateRange:
    """`{prefix}StartDateTime` and `{prefix}EndDateTime`; 400 when reversed (DynamoDB's BETWEEN would fail: a 503)."""
    start_name, end_name = f"{prefix}StartDateTime", f"{prefix}EndDateTime"
    start, end = local_date_time(start_name, start_value), local_date_time(end_name, end_value)
    if start is not None and end is not None and start > end:
        raise bad_request(f"{start_name} '{start_value}' is after {end_name} '{end_value}'")
    return start, end


MAX_DAYS = 36_500  # beyond a century "now minus days" leaves the calendar (OverflowError)


def days_query(default: int, alias: str, description: str) -> Any:
    return Query(default, alias=alias, ge=0, le=MAX_DAYS, description=description)


LOCAL_DATE_TIME_FORMAT = "local-date-time"
LOCAL_DATE_TIME_EXAMPLE = "2021-01-31T13:45:00"


def date_time_query(alias: str, description: str) -> Any:
    return Query(
        None, alias=alias,
        description=f"{description}: a London local date-time, no offset (yyyy-MM-ddTHH:mm[:ss[.fraction]])",
        json_schema_extra={"format": LOCAL_DATE_TIME_FORMAT, "example": LOCAL_DATE_TIME_EXAMPLE})


def created_dates(
    start: str | None = date_time_query("createdDateStartDateTime", "Created after"),
    end: str | None = date_time_query("createdDateEndDateTime", "Created before"),
) -> DateRange:
    return date_range("createdDate", start, end)


def processed_dates(
    start: str | None = date_time_query("processedDateStartDateTime", "Processed after"),
    end: str | None = date_time_query("processedDateEndDateTime", "Processed before"),
) -> DateRange:
    return date_range("processedDate", start, end)


DOCUMENTED_ERRORS = role_errors(ROLE_REPORT, {
    400: "Validation failure: a query parameter of the wrong form or out of range, or a date range whose start "
         "is after its end",
    429: "Too many reports running at once; try again after Retry-After seconds"})


# Column: the Message attribute it shows, in the header's (alphabetical) order.
FIELDS = {
    "BOOKINGID": "booking_id", "BOOKINGNO": "booking_no", "CREATEDDATE": "created_date", "CRNS": "matching_crns",
    "DELETEBY": "delete_by", "EVENTTYPE": "event_type", "LEGALSTATUS": "legal_status",
    "LOCATION": "location_description", "LOCATIONID": "location_id", "OFFENDERNO": "offender_no",
    "PROCESSEDDATE": "processed_date", "RECALL": "recall", "STATUS": "status"}


def java_local_date_time(moment: datetime) -> str:
    """LocalDateTime.toString(): seconds only when non-zero, fractions in 3, 6 or 9 digits; aware as London time."""
    if moment.tzinfo is not None:
        moment = wall_clock(moment)
    text = moment.strftime("%Y-%m-%dT%H:%M")
    if moment.second or moment.microsecond:
        text += f":{moment.second:02d}"
    if moment.microsecond:
        millis, micros = divmod(moment.microsecond, 1000)
        text += f".{millis:03d}" if micros == 0 else f".{moment.microsecond:06d}"
    return text


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return java_local_date_time(value)
    return str(getattr(value, "value", value))


# OWASP "CSV Injection": cells starting with these are formulas (or become one) in Excel / LibreOffice.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(cell: str) -> str:
    """`cell` behind a single quote (a spreadsheet shows it as typed) when it starts with a formula character."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def _row(message: Message, columns: list[str]) -> dict[str, str]:
    row = {column: getattr(message, FIELDS[column]) for column in columns}
    # The original shows deleteBy (epoch seconds) as the UTC local date-time.
    row["DELETEBY"] = datetime.fromtimestamp(message.delete_by, UTC).replace(tzinfo=None)
    return {column: neutralised(_text(value)) for column, value in row.items()}


ROWS_PER_CHUNK = 500


def csv_chunks(messages: Iterable[Message], with_processed: bool = False) -> Iterator[str]:
    """The report as text chunks (the header and up to ROWS_PER_CHUNK rows each), `messages` read lazily."""
    columns = [column for column in FIELDS if with_processed or column != "PROCESSEDDATE"]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writeheader()
    for count, message in enumerate(messages, 1):
        writer.writerow(_row(message, columns))
        if count % ROWS_PER_CHUNK == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    if out.tell():
        yield out.getvalue()


def to_csv(messages: Iterable[Message], with_processed: bool = False) -> str:
    """The whole report as one string (the report functions give the records oldest first)."""
    return "".join(csv_chunks(messages, with_processed))


def streamed_csv(gate: ReportGate, select: Callable[[], Iterable[Message]], with_processed: bool = False) -> Response:
    """The CSV of `select()`, streamed under a gate's slot; the first page read first (a store down: 503, not 200)."""

    def chunks() -> Iterator[str]:
        with gate.slot():
            yield from csv_chunks(select(), with_processed)

    stream = chunks()
    first = next(stream)
    return StreamingResponse(chain([first], stream), media_type=CSV)


def report_router(repository: MessageRepository, clock: Clock, verifier: TokenVerifier, gate: ReportGate) -> APIRouter:
    router = APIRouter(
        prefix="/report", tags=["reports"], dependencies=[Depends(require_role(verifier, ROLE_REPORT))],
        responses=DOCUMENTED_ERRORS)

    @router.get("/in-progress", **CSV_ANSWER, summary="A report of all matches currently in progress")
    def in_progress() -> Response:
        return streamed_csv(gate, lambda: reports.in_progress(repository))

    @router.get("/not-matched", **CSV_ANSWER,
                summary="Unprocessed records with no single match, created more than daysOld days ago")
    def not_matched(
        days_old: int = days_query(7, "daysOld", "Only records created more than this many days ago"),
    ) -> Response:
        return streamed_csv(gate, lambda: reports.not_matched(repository, clock, days_old))

    @router.get("/processed", **CSV_ANSWER, summary="A report of records that have been processed")
    def processed(
        location_id: str | None = Query(None, alias="locationId"),
        event_type: str | None = Query(None, alias="eventType"),
        processed: DateRange = Depends(processed_dates),
        created: DateRange = Depends(created_dates),
    ) -> Response:
        chosen = reports.ProcessedFilter(
            location_id=location_id or None, event_type=event_type or None,
            processed_from=processed[0], processed_to=processed[1], created_from=created[0], created_to=created[1])
        return streamed_csv(gate, lambda: reports.processed(repository, chosen), with_processed=True)

    @router.get("/match-summary", summary="How the imprisonment status changes have been matched")
    def match_summary(
        location_id: str | None = Query(None, alias="locationId"),
        created: DateRange = Depends(created_dates),
        sla_days: int = days_query(7, "slaDays", "Days within which a record should have been matched"),
    ) -> dict[str, Any]:
        with gate.slot():
            return reports.match_summary(repository, clock, location_id or None, *created, sla_days)

    return router
