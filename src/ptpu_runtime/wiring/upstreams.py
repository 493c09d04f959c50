"""The upstreams wing: one HMPPS Auth token provider, an HTTP client per API, the three API clients."""

from __future__ import annotations

from dependency_injector import containers, providers

from ptpu_adapters.http.auth import HmppsAuthTokenProvider
from ptpu_adapters.http.base import CallSettings, TokenProvider, UpstreamClient, cookieless_session
from ptpu_adapters.http.calls import UpstreamCalls
from ptpu_adapters.http.community_api import CommunityApiClient
from ptpu_adapters.http.offender_search import OffenderSearchClient
from ptpu_adapters.http.prison_api import PrisonApiClient
from ptpu_runtime.config import Settings


class _NoTokens:
    """For a client that only pings (GET /health/ping needs no token): asking for one is a wiring bug."""

    def token(self) -> str:
        raise RuntimeError("hmpps-auth is only pinged: no call to it needs a token")

    def invalidate(self) -> None:
        return None


def _upstream(
    service: str, base_url: str, tokens: TokenProvider, settings: Settings, calls: UpstreamCalls | None = None
) -> UpstreamClient:
    return UpstreamClient(
        service, base_url, tokens,
        CallSettings(settings.http_connect_timeout.total_seconds(), settings.http_read_timeout.total_seconds()),
        # Every thread that may call at once keeps its connection: processing workers, listener, a ping.
        session=cookieless_session(settings.processor_workers + settings.listener_workers + 1),
        calls=calls,  # metrics and each API's recent calls on /health
    )


class Upstreams(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)
    observability = providers.DependenciesContainer()

    # One token provider: one cached token for the whole service.
    token_provider = providers.Singleton(
        HmppsAuthTokenProvider, settings.provided.oauth_endpoint_url, settings.provided.oauth_client_id,
        settings.provided.oauth_client_secret, providers.Singleton(cookieless_session))
    observer = observability.upstream_calls
    prison_http = providers.Singleton(
        _upstream, "prison-api", settings.provided.prison_endpoint_url, token_provider, settings, observer)
    community_http = providers.Singleton(
        _upstream, "community-api", settings.provided.community_endpoint_url, token_provider, settings, observer)
    search_http = providers.Singleton(
        _upstream, "offender-search", settings.provided.offender_search_endpoint_url, token_provider, settings,
        observer)
    # hmpps-auth is only pinged for /health: that client gets no token provider to misuse.
    auth_http = providers.Singleton(
        _upstream, "hmpps-auth", settings.provided.oauth_endpoint_url, providers.Object(_NoTokens()), settings)
    prison_api = providers.Singleton(PrisonApiClient, prison_http)
    offender_search = providers.Singleton(OffenderSearchClient, search_http)
    community_api = providers.Singleton(CommunityApiClient, community_http)
