"""JwksCache rules with a scripted fetch and a hand-moved clock:
one fetch in flight, bounded waits, at most one retrieval per interval, garbage is a miss not a crash,
a withdrawn key stops being trusted once the set is re-read."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from ptpu_adapters.http.jwks import JwksCache, KeyUnavailable, parse_jwks

_KEYS = [rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(2)]


def jwk(kid: str, index: int = 0) -> dict[str, Any]:
    return {**RSAAlgorithm.to_jwk(_KEYS[index].public_key(), as_dict=True), "kid": kid, "use": "sig", "alg": "RS256"}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class ScriptedAuth:
    """Answers each fetch with the next scripted answer (a document, or an exception to raise); counts them.
    `gate`, when given, holds every fetch until it is set (a stalled HMPPS Auth)."""

    def __init__(self, *answers: Any, gate: threading.Event | None = None) -> None:
        self.answers = list(answers)
        self.calls = 0
        self.gate = gate

    def __call__(self) -> Any:
        self.calls += 1
        if self.gate is not None:
            self.gate.wait(30)
        answer = self.answers[min(self.calls, len(self.answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer


def cache(fetch: Callable[[], Any], clock: Clock, **options: float) -> JwksCache:
    settings = {"wait_seconds": 5.0, **options}
    return JwksCache("http://auth.invalid/.well-known/jwks.json", fetch=fetch, clock=clock, **settings)


def test_the_first_use_reads_the_set_and_later_uses_are_served_from_it():
    auth, clock = ScriptedAuth({"keys": [jwk("k1")]}), Clock()
    keys = cache(auth, clock)
    assert [keys.key("k1").key_id for _ in range(5)] == ["k1"] * 5
    assert auth.calls == 1


def test_many_callers_share_one_fetch_in_flight():
    gate = threading.Event()
    auth, clock = ScriptedAuth({"keys": [jwk("k1")]}, gate=gate), Clock()
    keys = cache(auth, clock)
    found: list[str] = []
    callers = [threading.Thread(target=lambda: found.append(keys.key("k1").key_id)) for _ in range(20)]
    for caller in callers:
        caller.start()
    gate.set()
    for caller in callers:
        caller.join(10)
    assert found == ["k1"] * 20
    assert auth.calls == 1


def test_a_stalled_auth_makes_callers_wait_a_bounded_time_then_refuses():
    gate = threading.Event()  # never set while the callers wait
    auth, clock = ScriptedAuth({"keys": [jwk("k1")]}, gate=gate), Clock()
    keys = cache(auth, clock, wait_seconds=0.2)
    outcomes: list[str] = []

    def call() -> None:
        try:
            keys.key("k1")
            outcomes.append("key")
        except KeyUnavailable:
            outcomes.append("refused")

    callers = [threading.Thread(target=call) for _ in range(10)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join(10)  # a caller still waiting here would be left out of `outcomes`
    gate.set()
    assert outcomes == ["refused"] * 10
    assert auth.calls == 1


def test_unknown_kids_refetch_at_most_once_per_interval_whatever_the_traffic():
    auth, clock = ScriptedAuth({"keys": [jwk("k1")]}), Clock()
    keys = cache(auth, clock, min_interval_seconds=30)
    keys.key("k1")
    for n in range(200):
        with pytest.raises(KeyUnavailable):
            keys.key(f"made-up-{n}")
    assert auth.calls == 1  # the first read was under 30 s ago: no refetch at all
    clock.now += 30
    for n in range(200):
        with pytest.raises(KeyUnavailable):
            keys.key(f"made-up-{n}")
    assert auth.calls == 2


def test_an_auth_answering_errors_is_asked_once_per_interval():
    auth, clock = ScriptedAuth(RuntimeError("500 Server Error")), Clock()
    keys = cache(auth, clock, min_interval_seconds=30)
    for n in range(200):
        with pytest.raises(KeyUnavailable):
            keys.key(f"kid-{n}")
    assert auth.calls == 1


def test_a_key_rotated_in_is_found_by_refetching_for_its_unknown_kid():
    auth, clock = ScriptedAuth({"keys": [jwk("k1")]}, {"keys": [jwk("k1"), jwk("k2", 1)]}), Clock()
    keys = cache(auth, clock, min_interval_seconds=30)
    keys.key("k1")
    clock.now += 31
    assert keys.key("k2").key_id == "k2"
    assert auth.calls == 2


def test_a_withdrawn_key_is_no_longer_trusted_once_the_set_is_re_read(caplog):
    auth, clock = ScriptedAuth({"keys": [jwk("k1"), jwk("k2", 1)]}, {"keys": [jwk("k1")]}), Clock()
    keys = cache(auth, clock, ttl_seconds=300)
    assert keys.key("k2").key_id == "k2"
    clock.now += 301  # the set is stale: the next use re-reads it
    caplog.set_level(logging.INFO)
    keys.key("k1")  # served at once from the stale set while the re-read runs
    for _ in range(100):  # the re-read runs on its own thread
        if "withdrawn" in caplog.text:
            break
        threading.Event().wait(0.05)
    with pytest.raises(KeyUnavailable):
        keys.key("k2")
    assert auth.calls == 2
    assert "['k2']" in caplog.text


def test_a_failed_re_read_keeps_the_keys_already_trusted():
    auth, clock = ScriptedAuth({"keys": [jwk("k1")]}, ValueError("not JSON")), Clock()
    keys = cache(auth, clock, ttl_seconds=300, min_interval_seconds=30)
    keys.key("k1")
    clock.now += 301
    with pytest.raises(KeyUnavailable):
        keys.key("k9")  # triggers the (failing) re-read and waits for it
    assert auth.calls == 2
    assert keys.key("k1").key_id == "k1"


@pytest.mark.parametrize(
    "document",
    [ValueError("Expecting value: line 1 column 1"), "<html>login</html>", [], 42, None, {"keys": "all"},
     {"keys": [{"kty": "RSA"}]}, {"keys": [{"kid": "k1", "kty": "RSA", "n": "!!", "e": "AQAB"}]},
     {"keys": [{"kid": "k1", "kty": "oct", "k": "c2VjcmV0"}]}, {"keys": [{**jwk("k1"), "use": "enc"}]},
     {"nokeys": []}],
    ids=["not-json", "html", "list", "number", "null", "keys-not-a-list", "no-kid", "bad-modulus", "hmac-key",
         "encryption-key", "no-keys"],
)
def test_a_garbage_jwks_is_a_miss_and_a_log_line_never_an_exception(document, caplog):
    auth, clock = ScriptedAuth(document), Clock()
    with caplog.at_level(logging.ERROR), pytest.raises(KeyUnavailable):
        cache(auth, clock).key("k1")
    assert "Cannot read the JWKS from http://auth.invalid/.well-known/jwks.json" in caplog.text


def test_parse_keeps_only_usable_rsa_signing_keys():
    keys = parse_jwks({"keys": [jwk("k1"), {"kid": "h", "kty": "oct", "k": "c2VjcmV0"}, "junk", jwk("k2", 1)]})
    assert sorted(keys) == ["k1", "k2"]


@pytest.mark.parametrize(("document", "message"), [
    ([], "not a JWKS document"),
    ({"keys": "k1"}, "not a JWKS document"),
    ({}, "not a JWKS document"),
    ({"keys": []}, "no usable RSA signing key"),
    ({"keys": [{"kid": "h", "kty": "oct", "k": "c2VjcmV0"}]}, "no usable RSA signing key"),
    ({"keys": [{"kid": "r", "kty": "RSA", "e": "AQAB"}]}, "no usable RSA signing key"),  # no modulus
])
def test_a_document_without_a_usable_key_is_a_value_error_saying_which(document: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_jwks(document)
