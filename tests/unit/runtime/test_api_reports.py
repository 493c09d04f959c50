from datetime import datetime, timedelta

import pytest

from ptpu_core.models.record import Message, SynchroniseState

NOW = datetime(2021, 3, 10, 12, 0, 0)  # the FixedClock of the container fixture
STATUS = "IMPRISONMENT_STATUS-CHANGED"


@pytest.fixture
def reporter(auth_headers) -> dict[str, str]:
    return auth_headers("ROLE_PTPU_REPORT")


def store(container, id: str, created: datetime, **fields) -> Message:
    message = Message(id=id, booking_id=int(id), event_type=fields.pop("event_type", STATUS), message="{}",
                      created_date=created, delete_by=0, **fields)
    container.repository().add(message)
    return message


def rows(response) -> list[list[str]]:
    return [line.split('","')[0].strip('"') for line in response.text.strip().split("\n")[1:]]  # booking ids


def test_in_progress_lists_unprocessed_records_oldest_first_as_csv(client, container, reporter):
    store(container, "2", NOW - timedelta(hours=1))
    store(container, "1", NOW - timedelta(hours=2))
    store(container, "3", NOW - timedelta(hours=3), processed_date=NOW)
    response = client.get("/report/in-progress", headers=reporter)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text.startswith('"BOOKINGID","BOOKINGNO"')
    assert rows(response) == ["1", "2"]


def test_not_matched_honours_days_old(client, container, reporter):
    store(container, "1", NOW - timedelta(days=8), status=SynchroniseState.NO_MATCH)
    store(container, "2", NOW - timedelta(days=3), status=SynchroniseState.TOO_MANY_MATCHES)
    store(container, "3", NOW - timedelta(days=9), status=SynchroniseState.BOOKING_NUMBER_NOT_ASSIGNED)
    assert rows(client.get("/report/not-matched", headers=reporter)) == ["1"]
    assert rows(client.get("/report/not-matched?daysOld=2", headers=reporter)) == ["1", "2"]


def test_processed_filters_by_every_parameter(client, container, reporter):
    store(container, "1", NOW - timedelta(days=2), processed_date=NOW - timedelta(days=1), location_id="MDI")
    store(container, "2", NOW - timedelta(days=2), processed_date=NOW - timedelta(days=1), location_id="LEI")
    store(container, "3", NOW - timedelta(days=5), processed_date=NOW - timedelta(days=4), location_id="MDI",
          event_type="SENTENCE_DATES-CHANGED")
    store(container, "4", NOW - timedelta(days=1))
    everything = client.get("/report/processed", headers=reporter)
    assert everything.text.split("\n")[0].count("PROCESSEDDATE") == 1
    assert rows(everything) == ["3", "1", "2"]
    assert rows(client.get("/report/processed?locationId=MDI", headers=reporter)) == ["3", "1"]
    assert rows(client.get(f"/report/processed?eventType={STATUS}", headers=reporter)) == ["1", "2"]
    since = (NOW - timedelta(days=3)).isoformat()
    assert rows(client.get(f"/report/processed?processedDateStartDateTime={since}", headers=reporter)) == ["1", "2"]
    assert rows(client.get(f"/report/processed?createdDateEndDateTime={since}", headers=reporter)) == ["3"]
    assert rows(client.get(f"/report/processed?createdDateStartDateTime={since}&processedDateEndDateTime="
                           f"{NOW.isoformat()}", headers=reporter)) == ["1", "2"]


def test_match_summary_answers_json_in_the_spec_shape(client, container, reporter):
    store(container, "1", NOW - timedelta(days=10), processed_date=NOW, status=SynchroniseState.COMPLETED)
    store(container, "2", NOW - timedelta(days=10), retry_count=3, status=SynchroniseState.NO_MATCH)
    store(container, "3", NOW - timedelta(days=1))
    response = client.get("/report/match-summary?slaDays=5", headers=reporter)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"total", "completed", "waiting", "exceeded-sla"}
    assert set(body["completed"]) == {"total", "success", "rejected"}
    assert set(body["waiting"]) == {"total", "new", "retry", "category"}
    assert set(body["exceeded-sla"]) == {"total", "category"}
    assert set(body["waiting"]["category"]) >= {"no-match", "no-match-sentence", "too-many-matches",
                                                "book-number-set-fail", "location-set-fail",
                                                "key-dates-set-fail", "error-fail"}
    assert body["total"] == 3
    assert body["completed"]["success"] == 1
    assert body["exceeded-sla"]["total"] == 1
    assert body["exceeded-sla"]["category"]["no-match"] == 1
    relaxed = client.get("/report/match-summary?slaDays=20", headers=reporter).json()
    assert relaxed["exceeded-sla"]["total"] == 0


def test_match_summary_filters_by_location_and_created_dates(client, container, reporter):
    store(container, "1", NOW - timedelta(days=2), location_id="MDI")
    store(container, "2", NOW - timedelta(days=2), location_id="LEI")
    store(container, "3", NOW - timedelta(days=20), location_id="MDI")
    since = (NOW - timedelta(days=5)).isoformat()
    url = f"/report/match-summary?locationId=MDI&createdDateStartDateTime={since}&createdDateEndDateTime={NOW}"
    assert client.get(url.replace(" ", "T"), headers=reporter).json()["total"] == 1


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("/report/not-matched?daysOld=seven", "daysOld"),
        ("/report/not-matched?daysOld=-1", "daysOld"),
        ("/report/processed?processedDateStartDateTime=yesterday", "processedDateStartDateTime"),
        ("/report/processed?createdDateEndDateTime=2021-01-01T10:00:00Z", "createdDateEndDateTime"),
        ("/report/match-summary?slaDays=x", "slaDays"),
        ("/report/match-summary?createdDateStartDateTime=2021-13-01T00:00:00", "createdDateStartDateTime"),
        # A reversed range is a bad parameter (400), not a store failure (503) from DynamoDB.
        ("/report/processed?processedDateStartDateTime=2021-03-02T00:00:00"
         "&processedDateEndDateTime=2021-03-01T00:00:00", "processedDateEndDateTime"),
        ("/report/processed?createdDateStartDateTime=2021-03-02T00:00:00"
         "&createdDateEndDateTime=2021-03-01T00:00:00", "createdDateEndDateTime"),
        ("/report/match-summary?createdDateStartDateTime=2021-03-02T00:00:00"
         "&createdDateEndDateTime=2021-03-01T00:00:00", "createdDateStartDateTime"),
    ],
)
def test_bad_query_parameters_get_400_in_hmpps_shape(client, reporter, url, named):
    response = client.get(url, headers=reporter)
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400
    assert named in body["userMessage"]
    assert set(body) == {"status", "errorCode", "userMessage", "developerMessage", "moreInfo"}


def test_reports_need_the_report_role(client, auth_headers):
    admin = auth_headers("ROLE_PTPU_QUEUE_ADMIN")
    for path in ("/report/in-progress", "/report/not-matched", "/report/processed", "/report/match-summary"):
        assert client.get(path).status_code == 401, path
        assert client.get(path, headers=admin).status_code == 403, path


def test_reports_list_a_state_this_service_does_not_know_verbatim(client, container, reporter):
    # The existing service's own tests store statuses such as MATCHED.
    store(container, "1", NOW - timedelta(days=2), status="MATCHED")
    store(container, "2", NOW - timedelta(days=2), processed_date=NOW - timedelta(days=1), status="MATCHED")
    store(container, "3", NOW - timedelta(days=2), status=SynchroniseState.NO_MATCH)

    in_progress = client.get("/report/in-progress", headers=reporter)
    processed = client.get("/report/processed", headers=reporter)
    summary = client.get("/report/match-summary", headers=reporter)

    assert in_progress.status_code == processed.status_code == summary.status_code == 200
    assert [line.rsplit(",", 1)[-1] for line in in_progress.text.strip().split("\n")[1:]] == ['"MATCHED"', '"NO_MATCH"']
    assert processed.text.strip().split("\n")[1].endswith('"MATCHED"')
    assert summary.json()["waiting"]["total"] == 2
    assert summary.json()["waiting"]["category"]["no-match"] == 1


def test_date_filters_are_exclusive_as_the_existing_services_is_after_and_is_before(client, container, reporter):
    """ProcessedReport / MatchSummaryReport keep date.isAfter(start) && date.isBefore(end)."""
    created, processed = NOW - timedelta(days=2), NOW - timedelta(days=1)
    store(container, "1", created, processed_date=processed)
    at_created, at_processed = created.isoformat(), processed.isoformat()
    just_before = (created - timedelta(seconds=1)).isoformat()
    just_after = (processed + timedelta(seconds=1)).isoformat()

    def processed_rows(query: str) -> list[str]:
        return rows(client.get(f"/report/processed?{query}", headers=reporter))

    def summary_total(query: str) -> int:
        return client.get(f"/report/match-summary?{query}", headers=reporter).json()["total"]

    assert processed_rows(f"createdDateStartDateTime={at_created}") == []
    assert processed_rows(f"createdDateEndDateTime={at_created}") == []
    assert processed_rows(f"processedDateStartDateTime={at_processed}") == []
    assert processed_rows(f"processedDateEndDateTime={at_processed}") == []
    assert processed_rows(f"createdDateStartDateTime={just_before}&processedDateEndDateTime={just_after}") == ["1"]
    assert summary_total(f"createdDateStartDateTime={at_created}") == 0
    assert summary_total(f"createdDateEndDateTime={at_created}") == 0
    assert summary_total(f"createdDateStartDateTime={just_before}&createdDateEndDateTime={at_processed}") == 1
