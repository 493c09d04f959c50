import time

import pytest
import requests

from conftest import offender_of
from ptpu_sandbox.simulators import SimulatedHmpps

CONVICTIONS = "/secure/offenders/crn/X142620/convictions"


def _statuses(hmpps: SimulatedHmpps, api: requests.Session, count: int, path: str = CONVICTIONS) -> list[int]:
    return [api.get(f"{hmpps.community_url}{path}", timeout=5).status_code for _ in range(count)]


def test_rate_one_fails_every_request_until_cleared(hmpps: SimulatedHmpps, api: requests.Session) -> None:
    set_fault = requests.post(f"{hmpps.community_url}/__sim/faults", json={"status": 500, "rate": 1.0}, timeout=5)
    failing = _statuses(hmpps, api, 3)
    clear = requests.delete(f"{hmpps.community_url}/__sim/faults", timeout=5)

    assert set_fault.status_code == clear.status_code == 204
    assert failing == [500, 500, 500]
    assert _statuses(hmpps, api, 1) == [200]


def test_a_partial_rate_is_reproducible_with_the_same_seed(hmpps: SimulatedHmpps, api: requests.Session) -> None:
    hmpps.community.inject_fault(status=503, rate=0.3, seed=7)
    first_run = _statuses(hmpps, api, 40)
    hmpps.community.inject_fault(status=503, rate=0.3, seed=7)
    second_run = _statuses(hmpps, api, 40)

    assert first_run == second_run
    assert set(first_run) == {200, 503}
    assert 4 <= first_run.count(503) <= 24


def test_times_limits_the_faults_so_a_retry_succeeds(hmpps: SimulatedHmpps, api: requests.Session) -> None:
    hmpps.community.inject_fault(status=500, times=1, methods=["PUT"])
    url = f"{hmpps.community_url}/secure/offenders/crn/X142620/nomsNumber"

    attempts = [api.put(url, json={"nomsNumber": "A5089DY"}, timeout=5).status_code for _ in range(2)]

    assert attempts == [500, 200]
    assert [r.status for r in hmpps.community.requests_log] == [500, 200]
    assert offender_of(hmpps, "X142620")["otherIds"]["nomsNumber"] == "A5089DY"


def test_faults_can_target_a_path_prefix(hmpps: SimulatedHmpps, api: requests.Session) -> None:
    requests.post(
        f"{hmpps.community_url}/__sim/faults", json={"status": 502, "paths": "/secure/offenders/nomsNumber"}, timeout=5
    )

    assert _statuses(hmpps, api, 1) == [200]
    merged = f"{hmpps.community_url}/secure/offenders/nomsNumber/A9996DY/nomsNumber"
    response = api.put(merged, json={"nomsNumber": "A5096DY"}, timeout=5)
    assert response.status_code == 502
    assert offender_of(hmpps, "X200007")["otherIds"]["nomsNumber"] == "A9996DY"


def test_a_delay_without_status_only_slows_the_answer(hmpps: SimulatedHmpps, api: requests.Session) -> None:
    hmpps.prison.inject_fault(status=None, delay_seconds=0.01)

    response = api.get(f"{hmpps.prison_url}/api/bookings/1200835", timeout=5)

    assert response.status_code == 200
    assert hmpps.prison.faults.injected_count == 1


def test_a_bad_fault_definition_is_a_400(hmpps: SimulatedHmpps) -> None:
    bad_rate = requests.post(f"{hmpps.community_url}/__sim/faults", json={"rate": 3}, timeout=5)
    unknown = requests.post(f"{hmpps.community_url}/__sim/faults", json={"colour": "red"}, timeout=5)

    assert bad_rate.status_code == unknown.status_code == 400
    assert hmpps.community.faults.rule is None


@pytest.mark.parametrize("body", [
    {"status": "abc"}, {"status": 999}, {"status": True}, {"times": -1}, {"times": 0}, {"times": 1.5},
    {"rate": "1"}, {"delay_seconds": -1}, {"delay_seconds": "slow"}, {"paths": 5}, {"paths": "api"},
    {"methods": "PUT"}, {"methods": [1]}, {"seed": "x"}, ["status", 500], "500",
])
def test_every_malformed_fault_is_a_400_naming_it_and_the_simulator_keeps_serving(
    hmpps: SimulatedHmpps, api: requests.Session, body: object
) -> None:
    """Each of these is refused when set; taken, it would crash every request to the simulator (500/no answer)."""
    answer = requests.post(f"{hmpps.community_url}/__sim/faults", json=body, timeout=5)
    assert answer.status_code == 400, answer.text
    if isinstance(body, dict):
        assert next(iter(body)) in answer.text
    assert hmpps.community.faults.rule is None
    assert _statuses(hmpps, api, 2) == [200, 200]


def test_reset_clears_faults_and_state(hmpps: SimulatedHmpps, api: requests.Session) -> None:
    api.put(f"{hmpps.community_url}/secure/offenders/crn/X142620/nomsNumber", json={"nomsNumber": "A5089DY"}, timeout=5)
    hmpps.community.inject_fault(status=500)

    hmpps.reset()

    assert offender_of(hmpps, "X142620")["otherIds"]["nomsNumber"] is None
    assert hmpps.community.requests_log == []
    assert _statuses(hmpps, api, 1) == [200]


def test_a_client_that_gives_up_on_a_delay_leaves_no_traceback(
    hmpps: SimulatedHmpps, api: requests.Session, capfd: pytest.CaptureFixture[str]
) -> None:
    """`make run` shares its console with the service: a timed-out call must not print a BrokenPipeError."""
    hmpps.prison.inject_fault(status=None, delay_seconds=0.5)
    with pytest.raises(requests.ReadTimeout):
        api.get(f"{hmpps.prison_url}/api/bookings/1200835", timeout=0.1)
    deadline = time.monotonic() + 10
    while hmpps.prison.clients_gone == 0 and time.monotonic() < deadline:  # the delayed answer finds it gone
        time.sleep(0.05)
    hmpps.prison.clear_faults()
    assert hmpps.prison.clients_gone == 1

    printed = capfd.readouterr().err
    assert "Traceback" not in printed
    assert "BrokenPipe" not in printed and "ConnectionReset" not in printed
