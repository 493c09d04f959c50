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

# Column: the Message attribute it shows, in the header's (alphabetical) order.
FIELDS = {
    "BOOKINGID": "booking_id", "BOOKINGNO": "booking_no", "CREATEDDATE": "created_date", "CRNS": "matching_crns",
    "DELETEBY": "delete_by", "EVENTTYPE": "event_type", "LEGALSTATUS": "legal_status",
    "LOCATION": "location_description", "LOCATIONID": "location_id", "OFFENDERNO": "offender_no",
    "PROCESSEDDATE": "processed_date", "RECALL": "recall", "STATUS": "status"}


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
    """The report as text chunks (the header and up to ROWS_PER_CHUNK rows each), in the order given,
    taking `messages` one at a time: a streamed report holds one chunk, never the whole selection."""
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
