"""The real container wired against the AWS emulator and loopback upstreams: provisioning, health, wiring."""

import json
import threading
import uuid
from datetime import timedelta

import attrs
import pytest
from fastapi.testclient import TestClient

from ptpu_adapters.aws.clients import LOCALSTACK, make_clients
from ptpu_adapters.dynamodb.booking_leases import DynamoBookingLeases
from ptpu_adapters.dynamodb.message_store import DynamoMessageRepository
from ptpu_adapters.dynamodb.shedlock import ScheduleCover
from ptpu_adapters.http.community_api import CommunityApiClient, DryRunCommunityApi
from ptpu_adapters.sqs.listener import SqsListener
from ptpu_core.errors import ConfigError
from ptpu_core.rules.booking_order import PodSpread
from ptpu_runtime.cli import Service
from ptpu_runtime.config import EXIT_CONFIG, load_settings
from ptpu_runtime.container import Container
from ptpu_runtime.scheduling import SynchronisationScheduler
from ptpu_sandbox.ports import free_port

UPSTREAMS = ("/auth", "/prison", "/community", "/search")


@pytest.fixture
def env(aws_emulator, httpserver) -> dict[str, str]:
    suffix = uuid.uuid4().hex[:8]
    return {
        "AWS_PROVIDER": "localstack",
        "SQS_ENDPOINT_URL": aws_emulator.endpoint_url,
        "DYNAMODB_ENDPOINT": aws_emulator.endpoint_url,
        "SQS_QUEUE_NAME": f"queue-{suffix}",
        "SQS_DLQ_NAME": f"dlq-{suffix}",
        "SNS_TOPIC_NAME": f"topic-{suffix}",
        "DYNAMODB_TABLENAME": f"messages-{suffix}",
        "DYNAMODB_SCHEDULE_TABLENAME": f"schedule-{suffix}",
        "OAUTH_ENDPOINT_URL": httpserver.url_for("/auth"),
        "OAUTH_CLIENT_ID": "client",
        "OAUTH_CLIENT_SECRET": "secret",
        "PRISON_ENDPOINT_URL": httpserver.url_for("/prison"),
        "COMMUNITY_ENDPOINT_URL": httpserver.url_for("/community"),
        "OFFENDER_SEARCH_ENDPOINT_URL": httpserver.url_for("/search"),
        "SERVER_PORT": str(free_port()),  # never the default 8080, which another process may hold
    }


def pings_answer(httpserver, down: str | None = None) -> None:
    for base in UPSTREAMS:
        status = 500 if base == down else 200
        httpserver.expect_request(f"{base}/health/ping").respond_with_json({"status": "UP"}, status=status)


def test_localstack_start_up_provisions_and_health_is_up(env, httpserver):
    pings_answer(httpserver)
    container = Container(settings=load_settings(env))
    urls = container.queue_urls()
    assert urls.queue_url.endswith(env["SQS_QUEUE_NAME"])
    assert urls.dlq_url is not None and urls.dlq_url.endswith(env["SQS_DLQ_NAME"])
    response = TestClient(container.app()).get("/health")
    assert response.status_code == 200, response.text
    components = response.json()["components"]
    assert components["messageTable"]["details"]["tableName"] == env["DYNAMODB_TABLENAME"]
    assert components["scheduleTable"]["details"]["tableName"] == env["DYNAMODB_SCHEDULE_TABLENAME"]
    assert components["messageTable"]["details"] == {
        "tableName": env["DYNAMODB_TABLENAME"], "rows": 0, "tableStatus": "ACTIVE",
    }
    assert components["queueHealth"]["details"]["dlqStatus"] == "UP"
    assert components["queueHealth"]["details"]["MessagesOnDLQ"] == 0
    assert components["OAuthApiHealth"] == {"status": "UP", "details": {"HttpStatus": "OK"}}
    for name in ("prisonApiHealth", "communityApiHealth", "searchApiHealth"):
        assert components[name]["status"] == "UP", name
        assert components[name]["details"]["HttpStatus"] == "OK", name
        assert components[name]["details"]["recentCalls"]["failing"] is False, name


def test_health_is_503_when_an_upstream_ping_fails(env, httpserver):
    pings_answer(httpserver, down="/search")
    container = Container(settings=load_settings(env))
    container.queue_urls()
    response = TestClient(container.app()).get("/health")
    assert response.status_code == 503
    search = response.json()["components"]["searchApiHealth"]
    assert (search["status"], search["details"]["HttpStatus"]) == ("DOWN", "INTERNAL_SERVER_ERROR")
    assert json.loads(search["details"]["body"]) == {"status": "UP"}  # the body the stub answered with


def test_health_says_when_the_dlq_does_not_exist(env, httpserver):
    # The existing service's dlqStatus for a DLQ that is gone (QueueHealth.kt, DlqStatus.NOT_FOUND).
    pings_answer(httpserver)
    container = Container(settings=load_settings(env))
    urls = container.queue_urls()
    container.aws().dlq_sqs.delete_queue(QueueUrl=urls.dlq_url)
    response = TestClient(container.app()).get("/health")
    assert response.status_code == 503
    queue = response.json()["components"]["queueHealth"]
    assert (queue["status"], queue["details"]["dlqStatus"]) == ("DOWN", "The queue does not exist")


def test_health_is_503_when_a_table_is_missing(env, httpserver):
    pings_answer(httpserver)
    container = Container(settings=load_settings(env))
    container.queue_urls()
    missing = attrs.evolve(container.settings(), dynamodb_table_name="no-such-table")
    container.settings.override(missing)
    response = TestClient(container.app()).get("/health")
    assert response.status_code == 503
    assert response.json()["components"]["messageTable"]["status"] == "DOWN"


def test_health_reports_the_domain_event_topic_as_hmpps_sqs_does_and_is_503_once_it_is_deleted(
    env, aws_emulator, httpserver
):
    # hmpps-spring-boot-sqs's HmppsTopicHealth, registered as "<topic id>-health": topicArn and the
    # subscription counts while GetTopicAttributes answers; DOWN (so /health 503) once it does not.
    pings_answer(httpserver)
    sns = make_clients(LOCALSTACK, "eu-west-2", endpoint_url=aws_emulator.endpoint_url).sns
    topic = sns.create_topic(Name=f"domain-events-{uuid.uuid4().hex[:8]}")["TopicArn"]
    container = Container(settings=load_settings({**env, "HMPPS_SQS_TOPICS_DOMAINEVENTTOPIC_ARN": topic}))
    container.queue_urls()
    client = TestClient(container.app())

    response = client.get("/health")
    assert response.status_code == 200, response.text
    assert response.json()["components"]["domaineventtopic-health"] == {
        "status": "UP",  # moto keeps both subscription counts at 0, whatever subscribes
        "details": {"topicArn": topic, "subscriptionsConfirmed": "0", "subscriptionsPending": "0"},
    }

    sns.delete_topic(TopicArn=topic)
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["status"] == "DOWN"
    assert response.json()["components"]["domaineventtopic-health"] == {
        "status": "DOWN", "details": {"topicArn": topic, "error": "NotFoundException"},
    }
    assert response.json()["components"]["queueHealth"]["status"] == "UP"  # only the topic went


def test_health_has_no_topic_component_without_a_domain_event_topic(env, httpserver):
    pings_answer(httpserver)
    container = Container(settings=load_settings(env))
    container.queue_urls()
    response = TestClient(container.app()).get("/health")
    assert response.status_code == 200, response.text
    assert "domaineventtopic-health" not in response.json()["components"]


def test_every_service_is_built_from_settings(env):
    container = Container(settings=load_settings(env))
    container.queue_urls()
    assert isinstance(container.repository(), DynamoMessageRepository)
    assert isinstance(container.lock(), ScheduleCover)
    assert isinstance(container.booking_leases(), DynamoBookingLeases)
    assert isinstance(container.listener(), SqsListener)
    assert isinstance(container.scheduler(), SynchronisationScheduler)
    assert isinstance(container.community_api(), CommunityApiClient)
    # One token provider shared by every upstream client.
    assert container.prison_http()._tokens is container.community_http()._tokens is container.search_http()._tokens


def test_processing_workers_leases_and_connection_pools_come_from_settings(env):
    # N bookings at once, per-booking leases, and every calling thread keeps a connection.
    settings = load_settings({**env, "PRISONTOPROBATION_PROCESSOR_WORKERS": "8", "SQS_LISTENER_WORKERS": "3",
                              "PRISONTOPROBATION_BOOKING_LEASE": "2m"})
    container = Container(settings=settings)
    service = container.synchronisation()
    assert service._cycle.runner.workers == 8
    assert service._leases is container.booking_leases()
    # Pods walk a selection in their own order, drawn from their lease owner (ptpu_core.rules.booking_order).
    assert isinstance(service._cycle.booking_order, PodSpread)
    assert service._cycle.booking_order._seed == container.booking_leases().locked_by
    assert container.booking_leases().lease == timedelta(minutes=2)
    assert service._ports is container.ports()
    for http in (container.prison_http(), container.community_http(), container.search_http()):
        adapter = http._session.get_adapter("http://prison-api")
        assert adapter._pool_maxsize == 8 + 3 + 1


def test_the_listener_takes_one_message_per_worker_with_the_configured_visibility_timeout(env):
    # With 10 messages on 2 workers and SQS's 30s default, messages still waiting in hand would
    # come back (inflated receive counts, healthy messages on the DLQ) when upstreams are slow.
    settings = load_settings({**env, "SQS_LISTENER_WORKERS": "3", "SQS_VISIBILITY_TIMEOUT": "4m"})
    request = Container(settings=settings).listener()._receive_request
    assert request["VisibilityTimeout"] == 240
    assert request["MaxNumberOfMessages"] == 3


def test_the_listener_backs_off_failed_messages_by_the_hmpps_sqs_setting(env):
    # errorVisibilityTimeout by its hmpps-sqs name; the provisioned queue's maxReceiveCount is 3.
    settings = load_settings({**env, "HMPPS_SQS_QUEUES_PRISONEVENTQUEUE_ERROR_VISIBILITY_TIMEOUT": "7,8"})
    backoff = Container(settings=settings).listener()._error_visibility
    assert backoff is not None
    assert (backoff.timeouts, backoff.max_receive_count()) == ((7, 8), 3)


def test_hmpps_auth_is_only_pinged_and_never_handed_the_token_provider(env, httpserver):
    # auth_http is not given the shared token provider, which it does not use.
    pings_answer(httpserver)
    container = Container(settings=load_settings(env))
    auth = container.auth_http()
    assert auth._tokens is not container.token_provider()
    assert auth.ping_answer().ok
    with pytest.raises(RuntimeError, match="only pinged"):
        auth.call("GET", "/api/anything")
    assert [request.path for request, _ in httpserver.log] == ["/auth/health/ping"]


def test_dry_run_wraps_the_community_api_of_scheduled_processing(env):
    live = Container(settings=load_settings(env)).synchronisation()._ports.community_api
    assert not isinstance(live, DryRunCommunityApi)
    container = Container(settings=load_settings({**env, "PRISONTOPROBATION_DRY_RUN": "true"}))
    assert isinstance(container.synchronisation()._ports.community_api, DryRunCommunityApi)


def on_aws_without_the_queues(env: dict[str, str], aws_emulator, create: tuple[str, ...] = ()) -> Container:
    """AWS_PROVIDER=aws (queues looked up, never created), its clients aimed at the emulator."""
    aws_env = {k: v for k, v in env.items() if k not in ("AWS_PROVIDER", "SQS_ENDPOINT_URL", "DYNAMODB_ENDPOINT")}
    container = Container(settings=load_settings(aws_env))
    clients = make_clients(LOCALSTACK, "eu-west-2", endpoint_url=aws_emulator.endpoint_url)
    for name in create:
        clients.sqs.create_queue(QueueName=env[name])
    container.aws.override(clients)
    return container


@pytest.mark.parametrize(("missing", "present"), [("SQS_QUEUE_NAME", ()), ("SQS_DLQ_NAME", ("SQS_QUEUE_NAME",))])
def test_a_missing_queue_at_start_up_is_a_one_line_config_error(env, aws_emulator, missing, present):
    # QueueDoesNotExist is a configuration error, not a stack trace.
    container = on_aws_without_the_queues(env, aws_emulator, create=present)
    with pytest.raises(ConfigError) as raised:
        container.queue_urls()
    assert str(raised.value) == f"{missing}: queue '{env[missing]}' not found"


def test_serve_with_a_missing_queue_prints_one_line_and_exits_2(env, aws_emulator, capsys):
    container = on_aws_without_the_queues(env, aws_emulator)
    service = Service(container.settings(), container)
    outcome: list[int] = []
    thread = threading.Thread(target=lambda: outcome.append(service.run()))  # no signal handlers off main
    thread.start()
    thread.join(timeout=30)
    assert outcome == [EXIT_CONFIG]
    assert capsys.readouterr().err == (
        f"Configuration error: SQS_QUEUE_NAME: queue '{env['SQS_QUEUE_NAME']}' not found\n"
    )
