"""The report CSV, byte-compatible with the original (OpenCSV bean writer): every field quoted, header
upper-case in alphabetical order, nulls as "", date-times as Java's LocalDateTime.toString(); beyond it, a cell
a spreadsheet would read as a formula is neutralised (OWASP's CSV-injection rule)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from ptpu_core.models.record import Message
from ptpu_core.models.service_time import wall_clock

COLUMNS = ["BOOKINGID", "BOOKINGNO", "CREATEDDATE", "CRNS", "DELETEBY", "EVENTTYPE", "LEGALSTATUS",
           "LOCATION", "LOCATIONID", "OFFENDERNO", "RECALL", "STATUS"]
PROCESSED_COLUMNS = COLUMNS[:10] + ["PROCESSEDDATE"] + COLUMNS[10:]


def java_local_date_time(moment: datetime | None) -> str:
    """LocalDateTime.toString(): seconds only when non-zero, fractions in 3, 6 or 9 digits. An aware
    `moment` is shown as London wall-clock time (the existing service's zone); a naive one as it is."""
    if moment is None:
        return ""
    if moment.tzinfo is not None:
        moment = wall_clock(moment)
    text = moment.strftime("%Y-%m-%dT%H:%M")
    if moment.second or moment.microsecond:
        text += f":{moment.second:02d}"
    if moment.microsecond:
        millis, micros = divmod(moment.microsecond, 1000)
        text += f".{millis:03d}" if micros == 0 else f".{moment.microsecond:06d}"
    return text


def _delete_by(epoch_seconds: int) -> str:
    # The original shows deleteBy as the UTC local date-time of the epoch.
    return java_local_date_time(datetime.fromtimestamp(epoch_seconds, UTC).replace(tzinfo=None))


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(getattr(value, "value", value))


# OWASP "CSV Injection": cells starting with these are formulas (or become one) in Excel / LibreOffice.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(cell: str) -> str:
    """`cell` behind a single quote (a spreadsheet shows it as typed) when it starts with a formula character."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def _row(message: Message, with_processed: bool) -> dict[str, str]:
    row = {
        "BOOKINGID": str(message.booking_id),
        "BOOKINGNO": _text(message.booking_no),
        "CREATEDDATE": java_local_date_time(message.created_date),
        "CRNS": _text(message.matching_crns),
        "DELETEBY": _delete_by(message.delete_by),
        "EVENTTYPE": message.event_type,
        "LEGALSTATUS": _text(message.legal_status),
        "LOCATION": _text(message.location_description),
        "LOCATIONID": _text(message.location_id),
        "OFFENDERNO": _text(message.offender_no),
        "RECALL": _text(message.recall),
        "STATUS": _text(message.status)}
    if with_processed:
        row["PROCESSEDDATE"] = java_local_date_time(message.processed_date)
    return {column: neutralised(cell) for column, cell in row.items()}


ROWS_PER_CHUNK = 500


def csv_chunks(messages: Iterable[Message], with_processed: bool = False) -> Iterator[str]:
    """The report as text chunks (the header and up to ROWS_PER_CHUNK rows each), in the order given,
    taking `messages` one at a time: a streamed report holds one chunk, never the whole selection."""
    columns = PROCESSED_COLUMNS if with_processed else COLUMNS
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow({column: column for column in columns})
    pending = 0
    for message in messages:
        writer.writerow(_row(message, with_processed))
        pending += 1
        if pending == ROWS_PER_CHUNK:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
            pending = 0
    if out.tell():
        yield out.getvalue()


def to_csv(messages: Iterable[Message], with_processed: bool = False) -> str:
    """The whole report as one string (the report functions give the records oldest first)."""
    return "".join(csv_chunks(messages, with_processed))
