"""A real Prometheus scrapes the service through a prison-api outage, and the dashboard's own queries (and
the alert rules' expressions) show it within a minute of the first failure.

The service is the real container (AWS emulator, loopback prison-api answering 500 to every /api/ call while
its ping answers) served by uvicorn on a free loopback port; Prometheus is Debian's `prometheus` package
(`.ci/run` installs it; the test skips without it), scraping /prometheus every second with the label
namespace="test", as Cloud Platform's Prometheus adds the pod's namespace. The queries are read from
helm_deploy's templates with the namespace and Grafana's `$__rate_interval` filled in."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import uvicorn
import yaml
from pytest_httpserver import HTTPServer
from test_runtime_container import env, pings_answer  # noqa: F401 - the env fixture, shared

from ptpu_core.models.record import Message, SynchroniseState
from ptpu_core.rules.retry_policy import initial_delete_by
from ptpu_runtime.config import load_settings
from ptpu_runtime.container import Container
from ptpu_sandbox.ports import free_port

pytestmark = pytest.mark.skipif(shutil.which("prometheus") is None, reason="no prometheus binary (apt-get install "
                                "prometheus; .ci/run does)")

TEMPLATES = Path(__file__).resolve().parents[3] / "helm_deploy" / "prison-to-probation-update" / "templates"
NAMESPACE = "test"
RATE_INTERVAL = "30s"
SHOWN_WITHIN = 60.0  # seconds from the first failing cycle
# The panels (by id) and alerts that must show a prison-api outage, with what each must show.
PANELS = {32: "records failed", 33: "upstream calls failing", 34: "requests answered 500", 38: "DLQ depth"}
ALERTS = ("PtpuRecordFailureRate", "PtpuUpstreamFailing", "PtpuDlqNotEmpty")
ALERT_VALUES = {"failureRateWindow": "10m", "failureRateThreshold": "0.2", "failureRateMinimum": "5",
                "noProcessingMinutes": "15", "dlqThreshold": "0"}


def _fill(expr: str) -> str:
    return (expr.replace("{{ .Release.Namespace }}", NAMESPACE).replace("{{ $ns }}", NAMESPACE)
            .replace("$__rate_interval", RATE_INTERVAL).replace("$__range", "1h"))


def dashboard_queries() -> dict[int, list[str]]:
    """The expressions of the operations panels, by panel id, as Grafana would send them."""
    text = (TEMPLATES / "grafana-dashboard.yaml").read_text("utf-8")
    found: dict[int, list[str]] = {}
    for block in re.split(r'\n {8}\{\n', text):
        panel = re.search(r'\n {10}"id": (\d+),', block)
        if panel:
            exprs = re.findall(r'"expr": "((?:[^"\\]|\\.)*)"', block)
            found[int(panel.group(1))] = [_fill(expr.replace('\\"', '"')) for expr in exprs]
    return found


def alert_expressions() -> dict[str, str]:
    text = (TEMPLATES / "prometheus-rules.yaml").read_text("utf-8")
    for name, value in ALERT_VALUES.items():
        text = text.replace("{{ $t." + name + " }}", value)
    text = re.sub(r"\{\{-[^}]*\}\}\n?", "", text)  # the template's own set-up lines
    text = re.sub(r"\{\{[^}]*\}\}", lambda match: _fill(match.group(0)) if "$ns" in match.group(0) else "x", text)
    rules = yaml.safe_load(text)["spec"]["groups"][0]["rules"]
    return {rule["alert"]: rule["expr"] for rule in rules}


@pytest.fixture
def service(env: dict[str, str], httpserver: HTTPServer) -> Iterator[tuple[Container, str]]:  # noqa: F811
    pings_answer(httpserver)
    httpserver.expect_request("/auth/oauth/token", method="POST").respond_with_json(
        {"access_token": "t", "token_type": "bearer", "expires_in": 3600})
    httpserver.expect_request(re.compile(r"/prison/api/.*")).respond_with_data("down", status=500)
    container = Container(settings=load_settings(env))
    container.queue_urls()
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(container.app(), host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield container, f"127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def prometheus(service: tuple[Container, str], tmp_path: Path) -> Iterator[str]:
    _, target = service
    config = tmp_path / "prometheus.yml"
    config.write_text(yaml.safe_dump({
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "scrape_configs": [{"job_name": "ptpu", "metrics_path": "/prometheus",
                            "static_configs": [{"targets": [target], "labels": {"namespace": NAMESPACE}}]}],
    }))
    url = f"http://127.0.0.1:{free_port()}"
    process = subprocess.Popen(
        ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'data'}",
         f"--web.listen-address={url.removeprefix('http://')}", "--log.level=warn"],
        stdout=subprocess.DEVNULL, stderr=(tmp_path / "prometheus.log").open("w"),
    )
    try:
        _wait_for(lambda: _query(url, 'up{job="ptpu"}') == [1.0], 30, "Prometheus scraping the service")
        _wait_for(lambda: bool(_query(url, "ptpu_records_total")), 30, "a first scrape of ptpu_records_total")
        yield url
    finally:
        process.terminate()
        process.wait(10)


def _query(url: str, expr: str) -> list[float]:
    try:
        answer = requests.get(f"{url}/api/v1/query", params={"query": expr}, timeout=5).json()
    except requests.RequestException:
        return []
    assert answer["status"] == "success", (expr, answer)
    return [float(result["value"][1]) for result in answer["data"]["result"]]


def _wait_for(ready: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not ready():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)


def _store_records(container: Container, count: int) -> None:
    created = datetime.now(UTC) - timedelta(hours=2)  # well past any hold-back
    for _ in range(count):
        booking = int(uuid.uuid4().int % 1_000_000) + 1_000_000
        container.repository().add(Message(
            id=str(uuid.uuid4()), booking_id=booking, event_type="IMPRISONMENT_STATUS-CHANGED",
            message=json.dumps({"eventType": "IMPRISONMENT_STATUS-CHANGED", "bookingId": booking,
                                "imprisonmentStatusSeq": 0}),
            created_date=created, delete_by=initial_delete_by(created), reportable=True,
            status=SynchroniseState.VALIDATED,
        ))


def test_a_prison_api_outage_shows_in_the_dashboard_queries_and_the_alerts_within_a_minute(
    service: tuple[Container, str], prometheus: str
) -> None:
    container, _ = service
    panels, alerts = dashboard_queries(), alert_expressions()
    assert set(PANELS) <= set(panels) and set(ALERTS) <= set(alerts)
    for queries in panels.values():  # every panel's query is valid PromQL for this Prometheus
        for expr in queries:
            _query(prometheus, expr)
    aws = container.aws()
    aws.dlq_sqs.send_message(QueueUrl=container.queue_urls().dlq_url, MessageBody="{}")

    started, shown = time.monotonic(), {}
    while len(shown) < len(PANELS) + len(ALERTS) and time.monotonic() - started < SHOWN_WITHIN:
        _store_records(container, 3)  # the outage goes on: new records keep failing, cycle after cycle
        container.synchronisation().process_due()
        for panel in PANELS:
            if panel not in shown and any(value > 0 for expr in panels[panel] for value in _query(prometheus, expr)):
                shown[panel] = time.monotonic() - started
        for alert in ALERTS:
            if alert not in shown and _query(prometheus, alerts[alert]):
                shown[alert] = time.monotonic() - started
        time.sleep(1)

    missing = [PANELS.get(key, key) for key in (*PANELS, *ALERTS) if key not in shown]
    assert missing == [], f"not shown within {SHOWN_WITHIN:.0f} s: {missing}; shown: {shown}"
    print({PANELS.get(key, key): round(seconds, 1) for key, seconds in shown.items()})
