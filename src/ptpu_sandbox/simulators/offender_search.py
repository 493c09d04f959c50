"""Simulated probation-offender-search `POST /match`, deciding from the simulated Delius.

Like the real service it tries ever looser rules and answers with the first that finds anyone:
ALL_SUPPLIED (NOMS number + names + date of birth), HMPPS_KEY (NOMS number), EXTERNAL_KEY
(PNC or CRO number), NAME (names + date of birth), PARTIAL_NAME (surname + date of birth).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from ptpu_sandbox.simulators.delius import DeliusStore
from ptpu_sandbox.simulators.http import Route, SimRequest, SimResponse, ok
from ptpu_sandbox.simulators.payloads import Json
from ptpu_sandbox.simulators.server import HttpSimulator, TokenVerifier, accept_any_token

Rule = Callable[[Json, Json], bool]


def _same(a: Any, b: Any) -> bool:
    return a is not None and b is not None and str(a).strip().lower() == str(b).strip().lower()


def _noms(o: Json, q: Json) -> bool:
    return _same(o["otherIds"]["nomsNumber"], q.get("nomsNumber"))


def _name_and_dob(o: Json, q: Json) -> bool:
    return _same(o["firstName"], q.get("firstName")) and _surname_and_dob(o, q)


def _surname_and_dob(o: Json, q: Json) -> bool:
    return _same(o["surname"], q.get("surname")) and _same(o["dateOfBirth"], q.get("dateOfBirth"))


def _external_key(o: Json, q: Json) -> bool:
    ids = o["otherIds"]
    return _same(ids["pncNumber"], q.get("pncNumber")) or _same(ids["croNumber"], q.get("croNumber"))


RULES: list[tuple[str, Rule]] = [
    ("ALL_SUPPLIED", lambda o, q: _noms(o, q) and _name_and_dob(o, q)),
    ("HMPPS_KEY", _noms),
    ("EXTERNAL_KEY", _external_key),
    ("NAME", _name_and_dob),
    ("PARTIAL_NAME", _surname_and_dob),
]


def match(offenders: list[Json], query: Json) -> Json:
    """The /match answer for `query` among `offenders` (read only; the answer shares no object with them).
    With `activeSentence`, only offenders with an active sentence count; that check runs on a rule's hits
    only, so a rule costs one pass of cheap comparisons over the store."""
    active_only = bool(query.get("activeSentence"))
    for matched_by, rule in RULES:
        found = [o for o in offenders if rule(o, query) and (not active_only or _has_active_sentence(o))]
        if found:
            return {"matches": [{"offender": _summary(o)} for o in found], "matchedBy": matched_by}
    return {"matches": [], "matchedBy": "NOTHING"}


def _has_active_sentence(offender: Json) -> bool:
    return any(c.get("active") and "sentence" in c for c in offender["convictions"])


def _summary(offender: Json) -> Json:
    return {
        "offenderId": offender["offenderId"],
        "firstName": offender["firstName"],
        "surname": offender["surname"],
        "dateOfBirth": offender["dateOfBirth"],
        "gender": offender["gender"],
        "otherIds": copy.deepcopy(offender["otherIds"]),
        "softDeleted": offender["softDeleted"],
        "currentDisposal": "1" if _has_active_sentence(offender) else "0",
    }


class OffenderSearchSimulator(HttpSimulator):
    name = "probation-offender-search"

    def __init__(self, store: DeliusStore, token_verifier: TokenVerifier = accept_any_token) -> None:
        self.store = store
        super().__init__(token_verifier)

    def routes(self) -> list[Route]:
        return [
            Route("GET", "/health/ping", lambda _request: ok({"status": "UP"}), secured=False),
            Route("POST", "/match", self._match),
        ]

    def _match(self, request: SimRequest) -> SimResponse:
        query = request.json()
        if not isinstance(query, dict) or not query.get("surname") or not query.get("dateOfBirth"):
            raise ValueError("surname and dateOfBirth are required")
        return ok(self.store.query(lambda offenders: match(offenders, query)))
