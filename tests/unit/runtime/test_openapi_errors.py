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
