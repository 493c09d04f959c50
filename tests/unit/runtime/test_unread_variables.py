"""A variable in one of the service's own name families that it does not read is a start-up WARNING naming the
closest real name: `PRISONTOPROBATION_DRYRUN=true` otherwise left dry run off without a word. What the
platform sets (Kubernetes service links, IRSA, the chart's own values) is never warned about."""

from __future__ import annotations

import logging

import pytest
from required_settings import REQUIRED
from test_helm_deploy import ENVIRONMENTS, _values, _variables

from ptpu_runtime import cli
from ptpu_runtime.environment import closest, own_families, read_names, unread_variable_warnings


def test_the_families_are_derived_from_the_settings_and_leave_out_the_libraries_own() -> None:
    families = own_families()
    assert {"PRISONTOPROBATION_", "SQS_", "DYNAMODB_", "HMPPS_SQS_", "RETRY_SCHEDULES_"} <= families
    assert not families & {"AWS_", "OTEL_", "APPLICATIONINSIGHTS_", "PRISON_"}  # boto3, OpenTelemetry, one-offs
    assert all(any(name.startswith(family) for name in read_names()) for family in families)


@pytest.mark.parametrize(("set_as", "meant"), [
    ("PRISONTOPROBATION_DRYRUN", "PRISONTOPROBATION_DRY_RUN"),
    ("PRISONTOPROBATION_HOLDBACK_DURATION", "PRISONTOPROBATION_HOLD_BACK_DURATION"),
    ("PRISONTOPROBATION_SYNC_KEY_DATES", "PRISONTOPROBATION_SYNC_KEYDATES"),
    ("SQS_QUEUENAME", "SQS_QUEUE_NAME"),
    ("DYNAMODB_ENDPOINT_URL", "DYNAMODB_ENDPOINT"),
    ("HMPPS_SQS_QUEUES_PRISONEVENTQUEUE_DLQNAME", "HMPPS_SQS_QUEUES_PRISONEVENTQUEUE_DLQ_NAME"),
    ("RETRY_SCHEDULES_SHORT_CRONS", "RETRY_SCHEDULES_SHORT_CRON"),
    ("prisontoprobation_dry_run", "PRISONTOPROBATION_DRY_RUN"),  # only upper case is read
])
def test_a_misspelt_setting_is_named_with_the_closest_real_name(set_as: str, meant: str) -> None:
    assert unread_variable_warnings({**REQUIRED, set_as: "true"}) == [
        f"{set_as} is set but this service does not read it: did you mean {meant}?"
    ]


def test_a_long_shared_family_does_not_make_an_unrelated_name_close() -> None:
    # hmpps-sqs's own DLQ property, which this service does not read: not "did you mean ..._DLQ_NAME?".
    name = "HMPPS_SQS_QUEUES_PRISONEVENTQUEUE_DLQ_MAX_RECEIVE_COUNT"
    assert closest(name, read_names()) is None
    assert unread_variable_warnings({name: "5"}) == [
        f"{name} is set but this service does not read it: `ptpu serve --help` lists every setting"
    ]


def test_kubernetes_service_links_of_a_service_in_a_family_are_not_warned_about() -> None:
    """The variables the kubelet sets for each service of the namespace (kubernetes/kubernetes
    pkg/kubelet/envvars/envvars.go: FromServices, with the docker-link forms), for a service `sqs-exporter`."""
    links = {
        "SQS_EXPORTER_SERVICE_HOST": "10.0.0.11", "SQS_EXPORTER_SERVICE_PORT": "9434",
        "SQS_EXPORTER_SERVICE_PORT_METRICS": "9434", "SQS_EXPORTER_PORT": "tcp://10.0.0.11:9434",
        "SQS_EXPORTER_PORT_9434_TCP": "tcp://10.0.0.11:9434", "SQS_EXPORTER_PORT_9434_TCP_PROTO": "tcp",
        "SQS_EXPORTER_PORT_9434_TCP_PORT": "9434", "SQS_EXPORTER_PORT_9434_TCP_ADDR": "10.0.0.11",
    }
    assert unread_variable_warnings({**REQUIRED, **links}) == []
    # A _PORT whose value is not a link's is ours to question.
    assert unread_variable_warnings({"SQS_PORT": "4566"})[0].startswith("SQS_PORT is set but")


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_what_the_chart_and_the_platform_set_is_never_warned_about(environment: str) -> None:
    plain, secret = _variables(_values(environment))
    platform = {  # IRSA's webhook, the image, the proxy and CA variables the service checks, another library's
        "AWS_ROLE_ARN": "arn", "AWS_WEB_IDENTITY_TOKEN_FILE": "/t", "AWS_DEFAULT_REGION": "eu-west-2",
        "AWS_STS_REGIONAL_ENDPOINTS": "regional", "BUILD_NUMBER": "1", "HTTP_PROXY": "http://p:3128",
        "OTEL_RESOURCE_ATTRIBUTES": "a=b", "PRISON_TO_PROBATION_UPDATE_SERVICE_HOST": "10.0.0.1",
    }
    assert unread_variable_warnings({**plain, **dict.fromkeys(secret, "x"), **platform}) == []


def test_serve_logs_a_warning_for_each_before_it_starts(monkeypatch, caplog) -> None:
    started = []
    monkeypatch.setattr(cli, "Service", lambda settings: type(
        "S", (), {"run": lambda self: started.append(1) or 0, "unfinished": []})())
    monkeypatch.setattr(cli, "configure_logging", lambda *args: None)
    for name, value in {**REQUIRED, "PRISONTOPROBATION_DRYRUN": "true"}.items():
        monkeypatch.setenv(name, value)
    with caplog.at_level(logging.WARNING, logger="ptpu.serve"):
        assert cli.main(["serve"]) == 0
    assert started == [1]
    assert [(r.levelname, r.getMessage()) for r in caplog.records if "DRYRUN" in r.getMessage()] == [
        ("WARNING", "PRISONTOPROBATION_DRYRUN is set but this service does not read it: "
                    "did you mean PRISONTOPROBATION_DRY_RUN?")
    ]
