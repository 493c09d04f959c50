import re

import pytest
from fastapi.testclient import TestClient

from ptpu_adapters.aws.errors import QueueDoesNotExist
from ptpu_adapters.http.base import PingAnswer
from ptpu_core.testing import RecordingTelemetry
from ptpu_runtime.health_checks import QueueHealth, UpstreamHealth, overall_health, spring_status_name
from ptpu_runtime.testing import InMemoryQueueAdmin

UPSTREAMS = ("prisonApiHealth", "communityApiHealth", "searchApiHealth", "OAuthApiHealth")


def test_health_is_up_with_every_component(client, container):
    container.queue_admin().queues["prison_to_probation_dlq"].append(("m1", "{}"))
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "UP"
    components = body["components"]
    # The existing service's bean names and details (services/health/HealthCheck.kt, QueueHealth.kt).
    for name in UPSTREAMS:
        assert components[name] == {"status": "UP", "details": {"HttpStatus": "OK"}}, name
    assert components["queueHealth"]["details"] == {
        "queueName": "prison_to_probation_queue",
        "MessagesOnQueue": 0,
        "MessagesInFlight": 0,
        "dlqName": "prison_to_probation_dlq",
        "dlqStatus": "UP",
        "MessagesOnDLQ": 1,
    }
    assert components["healthInfo"]["details"]["version"] == "1.2.3"


def test_health_is_503_down_when_an_upstream_is_down(client, container):
    container.upstreams.answers["communityApiHealth"] = PingAnswer(404, '{"error":"not here"}')
    response = client.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "DOWN"
    assert body["components"]["communityApiHealth"] == {
        "status": "DOWN", "details": {"HttpStatus": "NOT_FOUND", "body": '{"error":"not here"}'},
    }
    assert body["components"]["prisonApiHealth"]["status"] == "UP"


def test_an_upstream_that_does_not_answer_is_down_with_the_kind_of_failure(client, container):
    container.upstreams.answers["OAuthApiHealth"] = PingAnswer(None, error="ConnectTimeout")
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["components"]["OAuthApiHealth"] == {"status": "DOWN", "details": {"error": "ConnectTimeout"}}


@pytest.mark.parametrize(
    ("code", "name"),
    [(200, "OK"), (404, "NOT_FOUND"), (418, "I_AM_A_TEAPOT"), (503, "SERVICE_UNAVAILABLE"),
     (413, "PAYLOAD_TOO_LARGE"), (422, "UNPROCESSABLE_ENTITY"), (599, "599")],
)
def test_http_status_is_named_as_spring_names_it(code, name):
    # The existing service's HealthCheckIntegrationTest expects "OK", "NOT_FOUND" and "I_AM_A_TEAPOT".
    assert spring_status_name(code) == name


def test_health_is_down_when_no_dlq_is_attached(container):
    container.queue_admin.override(InMemoryQueueAdmin(dlq=None))  # before the app is built
    response = TestClient(container.app()).get("/health")
    assert response.status_code == 503
    queue = response.json()["components"]["queueHealth"]
    assert queue["status"] == "DOWN"
    assert queue["details"]["dlqStatus"] == "The queue does not have a dead letter queue attached"


class DeletedDlq(InMemoryQueueAdmin):
    def message_count(self, queue_name: str) -> int:
        if queue_name == self.dlq_name():
            raise QueueDoesNotExist("SQS read attributes failed: AWS.SimpleQueueService.NonExistentQueue")
        return super().message_count(queue_name)


def test_health_says_when_the_dlq_does_not_exist(container):
    container.queue_admin.override(DeletedDlq())
    response = TestClient(container.app()).get("/health")
    assert response.status_code == 503
    queue = response.json()["components"]["queueHealth"]
    assert queue["status"] == "DOWN"
    assert queue["details"]["dlqStatus"] == "The queue does not exist"
    assert "NonExistentQueue" not in response.text


ARN = "arn:aws:iam::123456789012:role/ptpu-service-role"
ACCESS_DENIED = f"An error occurred (AccessDenied): User: {ARN} is not authorized to perform sqs:GetQueueAttributes"


class DeniedQueues(InMemoryQueueAdmin):
    def message_count(self, queue_name: str) -> int:
        raise PermissionError(ACCESS_DENIED)


def test_a_failing_health_check_shows_a_fixed_detail_and_logs_the_error(container, caplog):
    # The AWS error text (role ARN, account id) never reaches the open /health endpoint.
    container.queue_admin.override(DeniedQueues())  # before the app is built
    response = TestClient(container.app()).get("/health")
    assert response.status_code == 503
    queue = response.json()["components"]["queueHealth"]
    assert queue["status"] == "DOWN"
    assert queue["details"]["error"] == "PermissionError"
    assert ARN not in response.text
    assert ARN in caplog.text


def test_a_health_check_that_raises_shows_a_fixed_detail_and_logs_the_error(caplog):
    def ping() -> PingAnswer:
        raise RuntimeError(ACCESS_DENIED)

    health = overall_health([UpstreamHealth("prisonApiHealth", ping)])
    assert health["components"]["prisonApiHealth"] == {"status": "DOWN", "details": {"error": "RuntimeError"}}
    assert ARN in caplog.text


def test_ping_liveness_and_readiness_answer_up(client):
    for path in ("/health/ping", "/health/liveness", "/health/readiness"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.json() == {"status": "UP"}


def test_info_carries_build_name_and_version(client):
    assert client.get("/info").json()["build"] == {"name": "prison-to-probation-update", "version": "1.2.3"}


def test_prometheus_exposes_the_existing_metric_names(client, container):
    container.metrics().status_change("success")
    response = client.get("/prometheus")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert 'ptpu_statusChange_total{type="success"} 1.0' in response.text
    assert "ptpu_movement_total" in response.text


def test_openapi_document_lists_every_endpoint(client):
    response = client.get("/v3/api-docs")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/health", "/info", "/report/in-progress", "/report/not-matched", "/report/processed",
                 "/report/match-summary", "/queue-admin/transfer-event-dlq", "/queue-admin/purge-event-dlq",
                 "/queue-admin/queue-housekeeping", "/queue-admin/retry-dlq/{dlqName}",
                 "/queue-admin/retry-all-dlqs", "/queue-admin/purge-queue/{queueName}",
                 "/queue-admin/get-dlq-messages/{dlqName}"):
        assert path in paths, path
    assert {p["name"] for p in paths["/report/processed"]["get"]["parameters"]} >= {
        "locationId", "eventType", "processedDateStartDateTime", "createdDateEndDateTime"
    }


def test_swagger_ui_is_served_at_springdocs_path_with_its_assets_from_the_service(client):
    response = client.get("/swagger-ui/index.html")
    assert response.status_code == 200
    assert "/v3/api-docs" in response.text
    # Every script, stylesheet and icon the page loads is a path on this service: nothing from a CDN.
    assets = re.findall(r'(?:src|href)=["\']([^"\']+)["\']', response.text)
    assert assets, response.text
    assert [url for url in assets if not url.startswith("/")] == []
    for url in assets:
        asset = client.get(url)
        assert asset.status_code == 200, url
    assert len(client.get("/swagger-ui/assets/swagger-ui-bundle.js").content) > 500_000  # the real bundle
    assert '"validatorUrl": null' in response.text  # no badge fetched from validator.swagger.io


@pytest.mark.parametrize("path", ["/swagger-ui.html", "/"])
def test_the_legacy_page_and_the_root_redirect_to_swagger_ui(client, path):
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == "/swagger-ui/index.html"


def test_the_report_and_queue_admin_operations_declare_the_bearer_scheme(client):
    spec = client.get("/v3/api-docs").json()
    schemes = spec["components"]["securitySchemes"]
    assert [(scheme["type"], scheme["scheme"]) for scheme in schemes.values()] == [("http", "bearer")]
    name = next(iter(schemes))
    secured = {(method.upper(), path) for path, operations in spec["paths"].items()
               for method, operation in operations.items() if {name: []} in operation.get("security", [])}
    assert {("GET", "/report/in-progress"), ("GET", "/report/not-matched"), ("GET", "/report/processed"),
            ("GET", "/report/match-summary"), ("PUT", "/queue-admin/transfer-event-dlq"),
            ("PUT", "/queue-admin/purge-event-dlq"), ("PUT", "/queue-admin/retry-dlq/{dlqName}"),
            ("PUT", "/queue-admin/purge-queue/{queueName}"),
            ("GET", "/queue-admin/get-dlq-messages/{dlqName}"), ("POST", "/resync"),
            ("POST", "/retry-system-failures")} == secured


def test_unknown_path_is_404_in_hmpps_shape(client):
    response = client.get("/no-such-thing")
    assert response.status_code == 404
    assert set(response.json()) == {"status", "errorCode", "userMessage", "developerMessage", "moreInfo"}
    assert response.json()["status"] == 404


def test_telemetry_provider_is_the_recording_fake(container):
    assert isinstance(container.telemetry(), RecordingTelemetry)


def test_queue_health_is_down_when_the_given_redrive_check_finds_no_dlq():
    # The redrive check is passed in explicitly, not found by getattr on the queue admin.
    queue = QueueHealth(InMemoryQueueAdmin(), dlq_attached=lambda: False).check()
    assert queue["status"] == "DOWN"
    assert queue["details"]["dlqStatus"] == "The queue does not have a dead letter queue attached"
    assert QueueHealth(InMemoryQueueAdmin(), dlq_attached=lambda: True).check()["status"] == "UP"


def test_queue_health_is_down_when_the_redrive_check_fails(caplog):
    def unreadable() -> bool:
        raise PermissionError(ACCESS_DENIED)

    queue = QueueHealth(InMemoryQueueAdmin(), dlq_attached=unreadable).check()
    assert queue["status"] == "DOWN"
    assert queue["details"]["dlqStatus"] == "The queue cannot be interrogated"
    assert ARN not in str(queue) and ARN in caplog.text


def test_a_down_upstreams_body_is_shown_without_url_credentials(client, container):
    # An upstream's error page that echoes a URL with user-info must not show it on /health.
    echoed = '{"error": "upstream https://svc-user:s3cret@auth.internal/auth refused"}'
    container.upstreams.answers["OAuthApiHealth"] = PingAnswer(502, echoed)
    response = client.get("/health")
    assert response.json()["components"]["OAuthApiHealth"]["details"] == {
        "HttpStatus": "BAD_GATEWAY", "body": '{"error": "upstream https://******@auth.internal/auth refused"}',
    }
    assert "s3cret" not in response.text
