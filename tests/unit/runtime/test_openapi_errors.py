"""/v3/api-docs describes the errors the service gives: 400 in the HMPPS ErrorResponse shape, never 422."""

from __future__ import annotations


def test_no_operation_advertises_fastapi_422_and_every_error_has_the_hmpps_body(client) -> None:
    spec = client.get("/v3/api-docs").json()
    schemas = spec["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    assert set(schemas["ErrorResponse"]["properties"]) == {
        "status", "errorCode", "userMessage", "developerMessage", "moreInfo"
    }
    errors = 0
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            assert "422" not in operation["responses"], (method, path)
            for code, response in operation["responses"].items():
                if code[0] in "45":
                    errors += 1
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref == "#/components/schemas/ErrorResponse", (method, path, code)
    assert errors >= 10


def test_an_operation_with_input_documents_its_400_and_the_400_it_sends_matches(client, auth_headers) -> None:
    spec = client.get("/v3/api-docs").json()
    assert "400" in spec["paths"]["/report/not-matched"]["get"]["responses"]
    sent = client.get("/report/not-matched?daysOld=-1", headers=auth_headers("ROLE_PTPU_REPORT"))
    assert sent.status_code == 400
    required = spec["components"]["schemas"]["ErrorResponse"]["required"]
    assert set(required) <= set(sent.json())


def test_each_error_response_shows_its_own_example_matching_what_the_service_sends(client, auth_headers) -> None:
    """Swagger UI showed the 400's "Validation failure" example (the schema's) under 401 and 403 too."""
    spec = client.get("/v3/api-docs").json()
    assert "example" not in spec["components"]["schemas"]["ErrorResponse"]["properties"]["userMessage"]
    responses = spec["paths"]["/report/not-matched"]["get"]["responses"]
    examples = {code: responses[code]["content"]["application/json"]["example"] for code in ("400", "401", "403")}
    assert {code: example["status"] for code, example in examples.items()} == {"400": 400, "401": 401, "403": 403}
    sent_401 = client.get("/report/not-matched").json()
    sent_403 = client.get("/report/not-matched", headers=auth_headers("ROLE_OTHER")).json()
    assert examples["401"]["userMessage"] == sent_401["userMessage"]
    assert examples["403"]["userMessage"] == sent_403["userMessage"]
    assert examples["400"]["userMessage"].startswith("Validation failure")
    admin = spec["paths"]["/queue-admin/purge-event-dlq"]["put"]["responses"]["403"]["content"]["application/json"]
    assert admin["example"]["userMessage"] == "Forbidden, requires an authorisation with role ROLE_PTPU_QUEUE_ADMIN"
