"""HEAD answers as Spring MVC does for every GET route: the GET's status and headers, no body."""

from __future__ import annotations


def test_head_of_a_probe_is_its_get_without_the_body(client) -> None:
    get = client.get("/health/ping")
    head = client.head("/health/ping")
    assert (head.status_code, get.status_code) == (200, 200)
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["content-length"] == str(len(get.content))


def test_head_of_a_report_keeps_its_auth_and_its_status(client, auth_headers) -> None:
    assert client.head("/report/match-summary").status_code == 401
    head = client.head("/report/match-summary", headers=auth_headers("ROLE_PTPU_REPORT"))
    assert head.status_code == 200 and head.content == b""


def test_head_of_a_path_without_get_is_still_refused(client) -> None:
    head = client.head("/queue-admin/retry-all-dlqs")
    assert head.status_code == 405
    assert "PUT" in head.headers["allow"]


def test_head_of_a_streamed_csv_report_sends_its_headers_and_no_rows(client, auth_headers) -> None:
    head = client.head("/report/in-progress", headers=auth_headers("ROLE_PTPU_REPORT"))
    assert head.status_code == 200
    assert head.headers["content-type"].startswith("text/csv")
    assert head.content == b""
