"""HTTP clients for the upstream APIs (SPEC §4): prison-api, community-api, offender search, HMPPS Auth."""

from ptpu_adapters.http.auth import HmppsAuthTokenProvider
from ptpu_adapters.http.base import UpstreamClient
from ptpu_adapters.http.community_api import CommunityApiClient
from ptpu_adapters.http.dry_run import DryRunCommunityApi
from ptpu_adapters.http.offender_search import OffenderSearchClient
from ptpu_adapters.http.prison_api import PrisonApiClient

__all__ = [
    "CommunityApiClient",
    "DryRunCommunityApi",
    "HmppsAuthTokenProvider",
    "OffenderSearchClient",
    "PrisonApiClient",
    "UpstreamClient",
]
