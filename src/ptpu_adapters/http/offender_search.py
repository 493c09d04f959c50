"""probation-offender-search (SPEC §4): find Delius offenders matching a prisoner."""

from __future__ import annotations

from ptpu_adapters.http.base import UpstreamClient
from ptpu_adapters.http.wire import path
from ptpu_core.models.probation import MatchRequest, OffenderMatches


class OffenderSearchClient:
    def __init__(self, http: UpstreamClient) -> None:
        self._http = http

    def match(self, request: MatchRequest) -> OffenderMatches:
        return self._http.read(self._http.call("POST", path("/match"), json=request), OffenderMatches)
