"""ApiError: `str()` is the user message (a log line shows it), and the developer message defaults to it."""

from __future__ import annotations

from ptpu_runtime.api.errors import ApiError, bad_request, error_body


def test_str_is_the_user_message_and_the_developer_message_defaults_to_it() -> None:
    error = ApiError(404, "No such booking")

    assert str(error) == "No such booking"
    assert error.developer_message == "No such booking"
    assert error.status == 404
    assert error.headers is None


def test_a_given_developer_message_is_kept() -> None:
    error = bad_request("maxBookings must be at most 100")

    assert str(error) == "Validation failure: maxBookings must be at most 100"
    assert error.developer_message == "maxBookings must be at most 100"
    assert error_body(error.status, error.user_message, error.developer_message)["developerMessage"] == (
        "maxBookings must be at most 100")
