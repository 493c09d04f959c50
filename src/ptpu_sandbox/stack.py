"""LocalStack: the whole service's world on loopback, for the sandbox, e2e, reliability and benchmarks.

    with LocalStack.start(hold_back="2s", short_retry_cron="*/2 * * * * *") as stack:
        stack.start_service(log_path=tmp / "service.log")     # `ptpu serve` as a child process
        stack.publish("IMPRISONMENT_STATUS-CHANGED", {...})   # through SNS, like NOMIS
        stack.records()                                       # what the service stored in DynamoDB
        stack.hmpps.community.requests_log                    # what it wrote to simulated Delius
        stack.report_token()                                  # a JWT with ROLE_PTPU_REPORT

It runs in this process: the moto emulator (topic, filtered subscription, queue + DLQ, both tables, and
the HMPPS domain-events topic with a queue watching it)
and the four simulated HMPPS systems; only the service is a separate process. `stop()` (or leaving
the `with`) stops everything it started and frees every port.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ptpu_adapters.aws.clients import LOCALSTACK, AwsClients
from ptpu_adapters.dynamodb.record_codec import message_from_item
from ptpu_adapters.provisioning import AwsResourceNames, ProvisionedResources, provision
from ptpu_core.models.record import Message
from ptpu_sandbox.domain_event_watch import DOMAIN_EVENT_TOPIC_SETTING, DomainEventWatch
from ptpu_sandbox.emulator import MotoEmulator
from ptpu_sandbox.ports import StackPorts, free_port
from ptpu_sandbox.publishing import publish_event
from ptpu_sandbox.service_process import ServiceProcess
from ptpu_sandbox.simulators.auth import DEFAULT_CLIENTS, REPORT_ROLE
from ptpu_sandbox.simulators.cluster import SimulatedHmpps

log = logging.getLogger(__name__)

SERVICE_CLIENT_ID = "prison-to-probation-update"
REPORTER_CLIENT_ID = "ptpu-sandbox-reporter"  # ROLE_PTPU_REPORT
ADMIN_CLIENT_ID = "ptpu-sandbox-admin"


class LocalStack:
    def __init__(
        self,
        emulator: MotoEmulator,
        hmpps: SimulatedHmpps,
        resources: ProvisionedResources,
        names: AwsResourceNames,
        service_port: int,
        settings_env: Mapping[str, str],
        domain_events: DomainEventWatch | None = None,
    ) -> None:
        self.emulator = emulator
        self.hmpps = hmpps
        self.resources = resources
        self.names = names
        self.service_port = service_port
        self._settings_env = dict(settings_env)
        self.aws: AwsClients = emulator.clients()
        self.service: ServiceProcess | None = None
        self.domain_events = domain_events  # the domain-events topic, watched

    @classmethod
    def start(
        cls,
        hold_back: str = "2s",
        processor_delay_ms: int = 500,
        ports: StackPorts | None = None,
        short_retry_cron: str | None = None,
        medium_retry_cron: str | None = None,
        long_retry_cron: str | None = None,
        names: AwsResourceNames | None = None,
    ) -> LocalStack:
        """Start the emulator (provisioned) and the simulators. `ports`: default all free.
        The retry crons are Spring 6-field crons; None keeps the service's defaults (hourly and slower)."""
        ports = ports or StackPorts()
        names = names or AwsResourceNames()
        emulator = MotoEmulator(port=ports.emulator).start()
        try:
            resources = provision(emulator.clients(), names)
            domain_events = DomainEventWatch.create(emulator.clients(), f"{names.topic}-hmpps-domain-events")
            hmpps = SimulatedHmpps.start(ports=ports.simulator_ports())
        except BaseException:
            emulator.stop()
            raise
        tuning = {
            "PRISONTOPROBATION_HOLD_BACK_DURATION": hold_back,
            "PRISONTOPROBATION_MESSAGE_PROCESSOR_DELAY": f"{processor_delay_ms}ms",
            "RETRY_SCHEDULES_SHORT_CRON": short_retry_cron,
            "RETRY_SCHEDULES_MEDIUM_CRON": medium_retry_cron,
            "RETRY_SCHEDULES_LONG_CRON": long_retry_cron,
        }
        settings_env = {name: value for name, value in tuning.items() if value is not None}
        settings_env[DOMAIN_EVENT_TOPIC_SETTING] = domain_events.topic_arn
        return cls(emulator, hmpps, resources, names, ports.service or free_port(), settings_env, domain_events)

    # --- where things are --------------------------------------------------------------------
    @property
    def emulator_url(self) -> str:
        return self.emulator.endpoint_url

    @property
    def service_url(self) -> str:
        return f"http://127.0.0.1:{self.service_port}"

    @property
    def topic_arn(self) -> str:
        return self.resources.topic_arn

    def service_env(self, overrides: Mapping[str, str] | None = None) -> dict[str, str]:
        """The environment (SPEC §11 names) that points `ptpu serve` at this stack, on top of os.environ."""
        env = dict(os.environ)
        env.update(
            {
                "SERVER_PORT": str(self.service_port),
                "SERVER_ADDRESS": "127.0.0.1",  # the sandbox serves this machine only (the image: all interfaces)
                "AWS_PROVIDER": LOCALSTACK,
                "AWS_REGION": self.emulator.region,
                "SQS_ENDPOINT_URL": self.emulator_url,
                "SNS_ENDPOINT_URL": self.emulator_url,
                "DYNAMODB_ENDPOINT": self.emulator_url,
                "SQS_QUEUE_NAME": self.names.queue,
                "SQS_DLQ_NAME": self.names.dlq,
                "SNS_TOPIC_NAME": self.names.topic,
                "DYNAMODB_TABLENAME": self.names.message_table,
                "DYNAMODB_SCHEDULE_TABLENAME": self.names.schedule_table,
                "OAUTH_ENDPOINT_URL": self.hmpps.auth_url,
                "OAUTH_CLIENT_ID": SERVICE_CLIENT_ID,
                "OAUTH_CLIENT_SECRET": DEFAULT_CLIENTS[SERVICE_CLIENT_ID].secret,
                "PRISON_ENDPOINT_URL": self.hmpps.prison_url,
                "COMMUNITY_ENDPOINT_URL": self.hmpps.community_url,
                "OFFENDER_SEARCH_ENDPOINT_URL": self.hmpps.search_url,
                "PRISONTOPROBATION_ONLY_PRISONS": "",  # every seeded prison is of interest
                "SHUTDOWN_TIMEOUT": "10s",
                "PYTHONUNBUFFERED": "1",  # log lines reach the log file as they happen
            }
        )
        env.update(self._settings_env)
        env.update(overrides or {})
        return env

    # --- the service -------------------------------------------------------------------------
    def start_service(
        self,
        env_overrides: Mapping[str, str] | None = None,
        log_path: Path | None = None,
        timeout: float = 60.0,
    ) -> ServiceProcess:
        """Run `python -m ptpu_runtime serve` against this stack and wait for /health/ping.
        `log_path`: where its output goes (None: this process's stdout)."""
        if self.service is not None and self.service.running:
            raise RuntimeError(f"the service is already running at {self.service.url}")
        service = ServiceProcess(self.service_env(env_overrides), self.service_port, log_path)
        self.service = service
        try:
            service.wait_until_up(timeout)
        except BaseException:
            self.stop_service()
            raise
        return service

    def stop_service(self) -> int | None:
        """Stop the service (gracefully, then by force). Its exit code, or None if it was not started."""
        service, self.service = self.service, None
        return service.stop() if service is not None else None

    # --- acting on the stack -----------------------------------------------------------------
    def publish(self, event_type: str, message: dict[str, Any]) -> str:
        """Publish one offender event to the topic; returns the SNS message id."""
        return publish_event(self.aws.sns, self.topic_arn, event_type, message)

    def records(self) -> list[Message]:
        """Every record in the message table (a scan: fine for the small tables of tests and demos)."""
        items: list[dict[str, Any]] = []
        for page in self.aws.dynamodb.get_paginator("scan").paginate(TableName=self.names.message_table):
            items.extend(page.get("Items", []))
        return [message_from_item(item) for item in items]

    def queue_depth(self) -> int:
        """Messages on the queue, visible or in flight (0 once the listener has handled everything)."""
        attributes = self.aws.sqs.get_queue_attributes(
            QueueUrl=self.resources.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])

    def report_token(self, roles: tuple[str, ...] = (REPORT_ROLE,)) -> str:
        """A JWT signed by the simulated HMPPS Auth, valid for an hour, with these roles."""
        return self.hmpps.auth.mint_token(list(roles))

    # --- lifecycle ---------------------------------------------------------------------------
    def stop(self) -> int | None:
        """Stop the service, the simulators and the emulator; every port this stack bound is freed.
        The service's exit code (stop_service), None if it was not started."""
        try:
            return self.stop_service()
        finally:
            try:
                self.hmpps.stop()
            finally:
                self.emulator.stop()

    def __enter__(self) -> LocalStack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
