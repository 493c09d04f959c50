"""A container whose outside-world providers are overridden with in-memory fakes, and signed test tokens."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from dependency_injector import providers
from fastapi.testclient import TestClient
from jwt.algorithms import RSAAlgorithm
from prometheus_client import CollectorRegistry

from ptpu_adapters.aws.clients import AwsClients
from ptpu_adapters.http.base import PingAnswer
from ptpu_adapters.http.jwks import KeyUnavailable, parse_jwks
from ptpu_core.testing import (
    FakeCommunityApi,
    FakeOffenderSearch,
    FakePrisonApi,
    FixedClock,
    InMemoryMessageRepository,
    RecordingTelemetry,
)
from ptpu_core.work.cycle import NoLeases
from ptpu_runtime.api.security import TokenVerifier
from ptpu_runtime.config import Settings
from ptpu_runtime.container import Container
from ptpu_runtime.environment import mode_info
from ptpu_runtime.health_checks import BuildInfoHealth, QueueHealth, UpstreamHealth
from ptpu_runtime.testing import InMemoryLock, InMemoryQueueAdmin

KID = "test-key"
UPSTREAM_COMPONENTS = ("prisonApiHealth", "communityApiHealth", "searchApiHealth", "OAuthApiHealth")
NOW = datetime(2021, 3, 10, 12, 0, 0)


@pytest.fixture(scope="session")
def signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwks_of(key: rsa.RSAPrivateKey, kid: str = KID) -> dict:
    jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {"keys": [{**jwk, "kid": kid, "use": "sig", "alg": "RS256"}]}


class InMemoryJwks:
    """Stands in for JwksCache: the same lookup, keys from memory instead of the network."""

    def __init__(self, jwks: dict) -> None:
        self._keys = parse_jwks(jwks)

    def key(self, kid: str) -> jwt.PyJWK:
        if kid not in self._keys:
            raise KeyUnavailable(kid)
        return self._keys[kid]


def make_token(key: rsa.RSAPrivateKey, roles: list[str], kid: str = KID, expires_in: int = 3600) -> str:
    claims = {"sub": "ptpu-test", "authorities": roles, "exp": int(time.time()) + expires_in}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_settings() -> Settings:
    return Settings(
        oauth_endpoint_url="http://auth.invalid/auth",
        oauth_client_id="client",
        oauth_client_secret="secret",
        prison_endpoint_url="http://prison.invalid",
        community_endpoint_url="http://community.invalid",
        offender_search_endpoint_url="http://search.invalid",
        dynamodb_table_name="messages",
        schedule_table_name="schedule",
    )


class Upstreams:
    """What each upstream's /health/ping answers, by health component name; tests change these."""

    def __init__(self) -> None:
        self.answers = {name: PingAnswer(200, '{"status":"UP"}') for name in UPSTREAM_COMPONENTS}

    def checks(self) -> list[UpstreamHealth]:
        return [UpstreamHealth(name, lambda name=name: self.answers[name]) for name in self.answers]


@pytest.fixture(scope="session")
def aws_clients() -> AwsClients:
    """The boto3 clients the settings make, built once: about a second each time (botocore loads its JSON
    service models), and nothing here ever calls them (every AWS-backed provider is overridden below)."""
    return Container(settings=make_settings()).aws()


@pytest.fixture
def container(signing_key, aws_clients) -> Iterator[Container]:
    container = Container(settings=make_settings())
    container.aws.override(aws_clients)
    clock = FixedClock(NOW)
    container.clock.override(clock)
    container.telemetry.override(RecordingTelemetry())
    container.registry.override(CollectorRegistry())
    container.repository.override(InMemoryMessageRepository())
    container.lock.override(InMemoryLock(clock))
    container.booking_leases.override(NoLeases())  # POST /resync's leases: no AWS clients built per test
    container.queue_admin.override(InMemoryQueueAdmin())
    container.prison_api.override(FakePrisonApi())
    container.community_api.override(FakeCommunityApi())
    container.offender_search.override(FakeOffenderSearch())
    container.verifier.override(
        TokenVerifier("http://auth.invalid/auth", keys=InMemoryJwks(jwks_of(signing_key)))
    )
    upstreams = Upstreams()
    container.upstreams = upstreams  # type: ignore[attr-defined]
    build_info = BuildInfoHealth("1.2.3", mode_info(make_settings()))
    container.health_checks.override(
        providers.Callable(lambda queues: [*upstreams.checks(), QueueHealth(queues), build_info], container.queue_admin)
    )
    container.version.override("1.2.3")
    yield container
    container.unwire()


@pytest.fixture
def client(container) -> Iterator[TestClient]:
    with TestClient(container.app(), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def auth_headers(signing_key):
    """auth_headers(*roles) -> an Authorization header with a valid token carrying those roles."""

    def headers(*roles: str) -> dict[str, str]:
        return bearer(make_token(signing_key, list(roles)))

    return headers
