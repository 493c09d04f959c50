"""helm_deploy/, checked without a helm binary: every file parses, every variable the chart
sets is one ptpu (or the platform) reads and together they start the service, and the ingress denies
exactly the endpoints that answer without a token.

The shape follows the existing service's helm_deploy/ (ministryofjustice/prison-to-probation-update) and the
HMPPS generic-service / generic-prometheus-alerts values (ministryofjustice/hmpps-helm-charts).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import CollectorRegistry

from ptpu_adapters.http.calls import Exchange, UpstreamCalls
from ptpu_adapters.observability.metrics import PrometheusMetrics
from ptpu_adapters.sqs.queue_depth import SampledQueueDepth
from ptpu_runtime.cli import STOP_MARGIN_SECONDS
from ptpu_runtime.config import Settings, load_settings
from ptpu_runtime.config_kinds import specs
from ptpu_runtime.testing import InMemoryQueueAdmin

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "helm_deploy"
CHART = DEPLOY / "prison-to-probation-update"
ENVIRONMENTS = ["dev", "preprod", "prod"]
HMPPS_CHARTS = "https://ministryofjustice.github.io/hmpps-helm-charts"
# Read by something other than Settings: the container (BUILD_NUMBER) or boto3's default chain (IRSA).
PLATFORM = {"BUILD_NUMBER", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_DEFAULT_REGION"}
# Read by the Azure Monitor exporter itself (its opt-outs from calls to Microsoft); checked against its source.
AZURE_EXPORTER = {
    "APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL", "APPLICATIONINSIGHTS_SDKSTATS_DISABLED",
    "APPLICATIONINSIGHTS_CONTROLPLANE_DISABLED",
}
# Public by design (Kubernetes probes, /info, the API description): open, and reachable through the ingress.
PUBLIC = re.compile(r"^/(health(/.*)?|info|v3/api-docs|swagger-ui\.html|docs/oauth2-redirect)$")
_WHOLE_LINE = re.compile(r"^(\s*)\{\{-?[^}]*\}\}\s*$", re.MULTILINE)
_RAW = re.compile(r"\{\{`(.*?)`\}\}")  # helm's escape: {{`"{{le}}"`}} renders as "{{le}}"
_INLINE = re.compile(r"\{\{-?.*?-?\}\}")


def _parse(path: Path) -> list[Any]:
    """A chart file as YAML: a template line on its own becomes a key, an inline `{{ }}` a word."""
    text = _RAW.sub(lambda match: match.group(1).replace("{{", "<<").replace("}}", ">>"), path.read_text("utf-8"))
    counter = iter(range(10_000))
    text = _WHOLE_LINE.sub(lambda match: f"{match.group(1)}templated_{next(counter)}: \"\"", text)
    return list(yaml.safe_load_all(_INLINE.sub("TEMPLATED", text)))


def _values(environment: str) -> dict[str, Any]:
    """values.yaml with values-<environment>.yaml over it (helm's deep merge of maps)."""

    def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
        merged = dict(base)
        for key, value in over.items():
            both_maps = isinstance(value, dict) and isinstance(base.get(key), dict)
            merged[key] = merge(base[key], value) if both_maps else value
        return merged

    (base,) = _parse(CHART / "values.yaml")
    (over,) = _parse(DEPLOY / f"values-{environment}.yaml")
    return merge(base, over)


def _variables(values: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """(plain env, env from namespace secrets as {VARIABLE: secret/key}) that generic-service would set."""
    service = values["generic-service"]
    plain = {name: str(value) for name, value in service.get("env", {}).items()}
    secret = {name: f"{secret_name}/{key}" for secret_name, keys in service.get("namespace_secrets", {}).items()
              for name, key in keys.items()}
    return plain, secret


def _read_by_ptpu() -> set[str]:
    return {name for _, spec, _ in specs(Settings) for name in (*spec.names, *spec.aliases)}


def test_every_file_in_helm_deploy_parses():
    files = sorted(path for path in DEPLOY.rglob("*.yaml"))
    assert {path.relative_to(DEPLOY).as_posix() for path in files} >= {
        "prison-to-probation-update/Chart.yaml", "prison-to-probation-update/values.yaml",
        "values-dev.yaml", "values-preprod.yaml", "values-prod.yaml",
        "prison-to-probation-update/templates/housekeeping-cronjob.yaml",
        "prison-to-probation-update/templates/grafana-dashboard.yaml",
        "prison-to-probation-update/templates/prometheus-rules.yaml",
    }
    for path in files:
        documents = _parse(path)
        assert documents and all(isinstance(document, dict) for document in documents), path


def test_the_chart_depends_on_the_hmpps_generic_charts():
    (chart,) = _parse(CHART / "Chart.yaml")
    assert chart["name"] == "prison-to-probation-update"
    assert {(dependency["name"], dependency["repository"]) for dependency in chart["dependencies"]} == {
        ("generic-service", HMPPS_CHARTS), ("generic-prometheus-alerts", HMPPS_CHARTS)}


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_variable_the_chart_sets_is_one_ptpu_or_the_platform_reads(environment):
    plain, secret = _variables(_values(environment))
    unknown = sorted((set(plain) | set(secret)) - (_read_by_ptpu() | PLATFORM | AZURE_EXPORTER))
    assert unknown == [], f"values-{environment}: nothing reads {unknown}"
    assert {"HMPPS_SQS_QUEUES_PRISONEVENTQUEUE_QUEUE_NAME", "HMPPS_SQS_TOPICS_DOMAINEVENTTOPIC_ARN"} <= set(secret)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_chart_settings_start_the_service_with_irsa_and_the_hmpps_sqs_names(environment):
    plain, secret = _variables(_values(environment))
    from_secrets = {name: "arn:aws:sns:eu-west-2:000000000000:domain-events" if name.endswith("_ARN") else ref
                    for name, ref in secret.items()}
    irsa = {"AWS_ROLE_ARN": "arn:aws:iam::000000000000:role/ptpu", "AWS_WEB_IDENTITY_TOKEN_FILE": "/var/run/token"}
    settings = load_settings({**plain, **from_secrets, **irsa})
    assert settings.use_web_token is True and settings.aws_provider == "aws"
    # The namespace's queue secrets hold the name under QUEUE_NAME (cloud-platform-environments
    # prison-to-probation-update-<env>/resources/prison-to-probation-update-queue.tf).
    assert settings.sqs_queue_name == "prison-to-probation-update-queue/QUEUE_NAME"
    assert settings.sqs_dlq_name == "prison-to-probation-update-dlq/QUEUE_NAME"
    assert settings.domain_event_topic_arn is not None
    assert (settings.sqs_credentials, settings.dynamodb_credentials) == (None, None)
    assert not [name for name in (*plain, *secret) if "ACCESS_KEY" in name or name.startswith("SQS_")]
    assert _values(environment)["generic-service"]["serviceAccountName"] == "prison-to-probation-update"


# Kubernetes' terminationGracePeriodSeconds when the pod spec names none; generic-service renders none (to 3.12.4).
KUBERNETES_GRACE_SECONDS = 30
GRACE_MARGIN_SECONDS = 10  # the chart's stated margin of the grace period over SHUTDOWN_TIMEOUT


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_pod_stops_and_logs_what_it_left_before_kubernetes_kills_it(environment):
    values = _values(environment)
    plain, _ = _variables(values)
    assert "SHUTDOWN_TIMEOUT" in plain, "set beside the grace period it must fit, not left to the default"
    # A value generic-service does not render would look set and change nothing.
    assert "terminationGracePeriodSeconds" not in values["generic-service"]
    (spec,) = [spec for field, spec, _ in specs(Settings) if field == "shutdown_timeout"]
    shutdown_timeout = spec.kind.parse(plain["SHUTDOWN_TIMEOUT"]).total_seconds()
    assert KUBERNETES_GRACE_SECONDS - shutdown_timeout == GRACE_MARGIN_SECONDS >= STOP_MARGIN_SECONDS


def _denied_paths(environment: str) -> set[str]:
    annotations = _values(environment)["generic-service"]["ingress"]["annotations"]
    snippet = "\n".join(str(value) for key, value in annotations.items() if key.endswith("snippet"))
    return set(re.findall(r"location\s+(/\S*)\s*\{\s*deny all;\s*return 401;", snippet))


def _operations(client) -> dict[str, dict[str, Any]]:
    """The app's own description of its endpoints: {path: {method: operation}} from /v3/api-docs."""
    return client.get("/v3/api-docs").json()["paths"]  # type: ignore[no-any-return]


def test_the_ingress_denies_exactly_the_endpoints_that_answer_without_a_token(client):
    # "Internal" = answers with no token and is not a probe/info/API-description endpoint: those must not be
    # reachable from outside, and nothing else need be denied. Derived from the app, not listed by hand.
    internal = set()
    for path, operations in _operations(client).items():
        if PUBLIC.match(path):
            continue
        for method in operations:
            if client.request(method.upper(), re.sub(r"\{[^}]+\}", "x", path)).status_code not in (401, 403):
                internal.add(path)
    assert internal == {"/prometheus", "/queue-admin/retry-all-dlqs", "/queue-admin/queue-housekeeping"}
    for environment in ENVIRONMENTS:
        assert _denied_paths(environment) == internal, environment


def test_the_housekeeping_cronjob_puts_to_the_queue_housekeeping_endpoint(client):
    (cronjob,) = _parse(CHART / "templates" / "housekeeping-cronjob.yaml")
    assert cronjob["kind"] == "CronJob" and cronjob["spec"]["concurrencyPolicy"] == "Forbid"
    (container,) = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    command = container["args"][-1]
    assert re.search(r"curl .*-XPUT http://\S+/queue-admin/queue-housekeeping$", command)
    assert list(_operations(client)["/queue-admin/queue-housekeeping"]) == ["put"]


def _dashboard(path: Path) -> dict[str, Any]:
    (configmap,) = _parse(path)
    assert configmap["kind"] == "ConfigMap" and "grafana_dashboard" in configmap["metadata"]["labels"]
    (dashboard,) = configmap["data"].values()
    return json.loads(dashboard)  # type: ignore[no-any-return]


def test_the_grafana_dashboard_keeps_every_panel_of_the_existing_services_as_it_was():
    ours = _dashboard(CHART / "templates" / "grafana-dashboard.yaml")
    original = _dashboard(ROOT / "tests" / "fixtures" / "original-2021" / "grafana-dashboard.yaml")
    by_id = {panel["id"]: panel for panel in ours["panels"]}
    assert len(by_id) == len(ours["panels"]), "panel ids are unique"
    for panel in original["panels"]:
        assert by_id[panel["id"]] == panel, panel["title"]
    assert {key: value for key, value in ours.items() if key != "panels"} == {
        key: value for key, value in original.items() if key != "panels"}


def _exposed_names() -> set[str]:
    """Every series name ptpu's own collectors expose, each with a sample."""
    registry = CollectorRegistry()
    PrometheusMetrics(registry)
    calls = UpstreamCalls(registry, ["prison-api"])
    calls.exchanged(Exchange("localhost", "GET", "/api/bookings/{}", 200, None, 0.1))
    depth = SampledQueueDepth(InMemoryQueueAdmin(), registry, start=lambda sample: sample())
    depth.sample()
    return {sample.name for family in registry.collect() for sample in family.samples}


# Exposed by the scheduler's watch, not by the collectors above.
SCHEDULER_SERIES = {"ptpu_scheduler_last_success_timestamp_seconds"}


def test_every_series_the_dashboard_and_the_alerts_query_is_one_ptpu_exposes():
    texts = [(CHART / "templates" / name).read_text("utf-8") for name in ("grafana-dashboard.yaml",
                                                                         "prometheus-rules.yaml")]
    queried = {name for text in texts for name in re.findall(r"\b(ptpu_\w+|http_client_requests_seconds\w*)\{", text)}
    assert len(queried) >= 14
    assert sorted(queried - _exposed_names() - SCHEDULER_SERIES) == []


def test_the_alert_rules_cover_failures_processing_and_the_dlq_in_the_generic_shape():
    (rule,) = _parse(CHART / "templates" / "prometheus-rules.yaml")
    assert rule["kind"] == "PrometheusRule" and rule["metadata"]["labels"]["prometheus"] == "cloud-platform"
    ((group),) = rule["spec"]["groups"]
    alerts = {alert["alert"]: alert for alert in group["rules"]}
    assert set(alerts) == {"PtpuRecordFailureRate", "PtpuUpstreamFailing", "PtpuNoSuccessfulProcessingCycle",
                           "PtpuDlqNotEmpty"}
    for alert in alerts.values():
        assert {"message", "runbook_url", "dashboard_url"} <= set(alert["annotations"])
        assert set(alert["labels"]) == {"severity"} and alert["for"]
    (values,) = _parse(CHART / "values.yaml")
    assert set(values["ptpuAlerts"]) == {"failureRateWindow", "failureRateThreshold", "failureRateMinimum",
                                         "noProcessingMinutes", "dlqThreshold"}


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_sqs_alerts_cover_the_oldest_message_and_any_dlq_message(environment):
    alerts = _values(environment)["generic-prometheus-alerts"]
    assert alerts["targetApplication"] == "prison-to-probation-update"
    (queue,) = alerts["sqsOldestAlertQueueNames"]
    (dlq,) = alerts["sqsNumberAlertQueueNames"]
    # cloud-platform-terraform-sqs names a queue "<team_name>-<environment>-<sqs_name>"; the namespace's sqs_name
    # values are prison-to-probation-update-queue / -dlq (cloud-platform-environments, per environment).
    assert queue.endswith(f"-{environment}-prison-to-probation-update-queue")
    assert dlq == queue.removesuffix("-queue") + "-dlq"
    assert alerts["sqsAlertsOldestThreshold"] > 0
    assert alerts["sqsAlertsTotalMessagesThreshold"] == 0  # more than 0 messages on the DLQ alerts


def test_the_azure_opt_outs_the_chart_sets_are_read_by_the_installed_exporter():
    import azure.monitor.opentelemetry.exporter as exporter

    source = "".join(path.read_text(encoding="utf-8") for path in Path(exporter.__file__).parent.rglob("*.py"))
    assert [name for name in sorted(AZURE_EXPORTER) if name not in source] == []
