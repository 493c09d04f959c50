"""probation-offender-search (SPEC §4): find Delius offenders matching a prisoner."""

from __future__ import annotations

from ptpu_adapters.http.base import UpstreamClient
from ptpu_adapters.http.wire import make_converter, path, read
from ptpu_core.models.probation import MatchRequest, OffenderMatches


class OffenderSearchClient:
    def __init__(self, http: UpstreamClient) -> None:
        self._http = http
        self._converter = make_converter()

    def match(self, request: MatchRequest) -> OffenderMatches:
        response = self._http.call("POST", path("/match"), json=self._converter.unstructure(request))
        return read(self._converter, self._http.json(response), OffenderMatches, self._http.service)
