"""The composition root: one container per wing (`ptpu_runtime.wiring`), composed from `Settings`; the providers
callers use are named here too (tests: `container.<provider>.override(fake)`). Nothing runs at import time."""

from __future__ import annotations

from dependency_injector import containers, providers

from ptpu_runtime.config import Settings
from ptpu_runtime.wiring.aws import Aws
from ptpu_runtime.wiring.domain import Domain
from ptpu_runtime.wiring.observability import Observability
from ptpu_runtime.wiring.service import Service
from ptpu_runtime.wiring.upstreams import Upstreams


class Container(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)

    observability_wing = providers.Container(Observability, settings=settings)
    aws_wing = providers.Container(Aws, settings=settings, observability=observability_wing)
    upstreams_wing = providers.Container(Upstreams, settings=settings, observability=observability_wing)
    domain_wing = providers.Container(
        Domain, settings=settings, observability=observability_wing, cloud=aws_wing, upstreams=upstreams_wing)
    service_wing = providers.Container(
        Service, settings=settings, observability=observability_wing, cloud=aws_wing, upstreams=upstreams_wing,
        domain=domain_wing)

    clock, tracing, registry = observability_wing.clock, observability_wing.tracing, observability_wing.registry
    metrics, telemetry = observability_wing.metrics, observability_wing.telemetry
    aws, queue_urls, aws_preflight = aws_wing.clients, aws_wing.queue_urls, aws_wing.preflight
    repository, lock, booking_leases = aws_wing.repository, aws_wing.lock, aws_wing.booking_leases
    queue_admin, domain_events = aws_wing.queue_admin, aws_wing.domain_events
    token_provider, auth_http = upstreams_wing.token_provider, upstreams_wing.auth_http
    prison_http, community_http, search_http = (
        upstreams_wing.prison_http, upstreams_wing.community_http, upstreams_wing.search_http)
    prison_api, offender_search = upstreams_wing.prison_api, upstreams_wing.offender_search
    community_api = upstreams_wing.community_api
    receiver, ports, synchronisation = domain_wing.receiver, domain_wing.ports, domain_wing.synchronisation
    domain_settings = domain_wing.domain_settings
    resync, booking_runner, resyncs = domain_wing.resync, domain_wing.booking_runner, service_wing.resyncs
    listener, scheduler, scheduler_watch = service_wing.listener, service_wing.scheduler, service_wing.scheduler_watch
    version, health_checks, verifier, app = (
        service_wing.version, service_wing.health_checks, service_wing.verifier, service_wing.app)
