"""The effective mode is never a surprise: one start-up line and GET /info say whether the service writes to
Delius (PRISONTOPROBATION_DRY_RUN, the safety switch of the first roll-out), which capabilities it takes on,
the hold-back, the prison filter, the workers and the leases, from the same settings; /health and /prometheus
say the dry run, the switches and whether records are processed."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry
from required_settings import REQUIRED

from ptpu_runtime.config import load_settings
from ptpu_runtime.container import Container
from ptpu_runtime.environment import mode_info, mode_line, register_mode_metrics
from ptpu_runtime.health_checks import BuildInfoHealth
from ptpu_runtime.scheduler_watch import PROCESSING_OFF

FINAL_FORM = {"PRISONTOPROBATION_SYNC_LOCATION": "false", "PRISONTOPROBATION_SYNC_KEYDATES": "false"}


def test_the_default_mode_line_says_it_writes_to_delius_and_everything_it_takes_on() -> None:
    line = mode_line(load_settings(REQUIRED))
    assert line == (
        "Mode: LIVE, writing to Delius (PRISONTOPROBATION_DRY_RUN=false); "
        "capabilities on: matching, location, keyDates, merges; hold-back 15m; prisons: all; "
        "processing every 1s; workers: 4 processing, 2 listener; booking lease 10m, lock at most 20m"
    )


def test_a_dry_run_with_capabilities_switched_off_says_so_first_and_names_the_switches() -> None:
    settings = load_settings({
        **REQUIRED, **FINAL_FORM, "PRISONTOPROBATION_DRY_RUN": "true", "PRISONTOPROBATION_ONLY_PRISONS": "MDI,LEI",
        "PRISONTOPROBATION_HOLD_BACK_DURATION": "60m", "PRISONTOPROBATION_PROCESSOR_WORKERS": "8",
    })
    line = mode_line(settings)
    assert line.startswith("Mode: DRY RUN, nothing is written to Delius (PRISONTOPROBATION_DRY_RUN=true); ")
    assert ("capabilities on: matching, merges; switched off, left to other services: "
            "PRISONTOPROBATION_SYNC_LOCATION=false, PRISONTOPROBATION_SYNC_KEYDATES=false;") in line
    assert "; hold-back 1h; prisons: LEI,MDI; " in line
    assert "workers: 8 processing" in line


def test_processing_switched_off_is_on_the_line() -> None:
    line = mode_line(load_settings({**REQUIRED, "PRISONTOPROBATION_MESSAGE_PROCESSOR_ENABLED": "false"}))
    assert "processing and retry schedules OFF (PRISONTOPROBATION_MESSAGE_PROCESSOR_ENABLED=false)" in line


@pytest.mark.parametrize("dry_run", ["true", "false"])
def test_info_shows_the_same_mode(dry_run: str) -> None:
    settings = load_settings({**REQUIRED, **FINAL_FORM, "PRISONTOPROBATION_DRY_RUN": dry_run,
                              "PRISONTOPROBATION_ONLY_PRISONS": "MDI"})
    assert mode_info(settings) == {
        "dryRun": dry_run == "true",
        "writesToDelius": dry_run == "false",
        "capabilities": {"matching": True, "location": False, "keyDates": False, "merges": True},
        "holdBack": "15m",
        "onlyPrisons": ["MDI"],
        "messageProcessorEnabled": True,
        "messageProcessorDelay": "1s",
        "processorWorkers": 4,
        "listenerWorkers": 2,
        "bookingLease": "10m",
        "lockAtMost": "20m",
    }


def test_get_info_carries_the_mode_beside_the_build(client, container) -> None:
    body = client.get("/info").json()
    assert body["build"] == {"name": "prison-to-probation-update", "version": "1.2.3"}
    assert body["mode"] == mode_info(container.settings())
    assert body["mode"]["dryRun"] is False


def test_health_states_a_dry_run_and_the_switched_off_capabilities() -> None:
    settings = load_settings({**REQUIRED, **FINAL_FORM, "PRISONTOPROBATION_DRY_RUN": "true"})
    assert BuildInfoHealth("1.2.3", mode_info(settings)).check() == {
        "status": "UP", "details": {"version": "1.2.3", "dryRun": True, "switchedOff": ["location", "keyDates"],
                                    "messageProcessorEnabled": True}}


def test_health_states_that_processing_is_switched_off() -> None:
    settings = load_settings({**REQUIRED, "PRISONTOPROBATION_MESSAGE_PROCESSOR_ENABLED": "false"})
    details = BuildInfoHealth("1.2.3", mode_info(settings)).check()["details"]
    assert details["messageProcessorEnabled"] is False


@pytest.mark.parametrize("dry_run", ["true", "false"])
def test_prometheus_carries_the_dry_run_and_each_capability(dry_run: str) -> None:
    registry = register_mode_metrics(CollectorRegistry(), mode_info(load_settings(
        {**REQUIRED, **FINAL_FORM, "PRISONTOPROBATION_DRY_RUN": dry_run})))
    assert registry.get_sample_value("ptpu_dry_run") == (1.0 if dry_run == "true" else 0.0)
    enabled = {name: registry.get_sample_value("ptpu_capability_enabled", {"capability": name})
               for name in ("matching", "location", "keyDates", "merges")}
    assert enabled == {"matching": 1.0, "location": 0.0, "keyDates": 0.0, "merges": 1.0}


@pytest.mark.parametrize("processing", ["true", "false"])
def test_prometheus_carries_whether_records_are_processed(processing: str) -> None:
    registry = register_mode_metrics(CollectorRegistry(), mode_info(load_settings(
        {**REQUIRED, "PRISONTOPROBATION_MESSAGE_PROCESSOR_ENABLED": processing})))
    assert registry.get_sample_value("ptpu_message_processor_enabled") == (1.0 if processing == "true" else 0.0)


def test_the_service_serves_its_mode_on_prometheus(client) -> None:
    text = client.get("/prometheus").text
    assert "\nptpu_dry_run 0.0\n" in text
    assert 'ptpu_capability_enabled{capability="keyDates"} 1.0' in text
    assert "\nptpu_message_processor_enabled 1.0\n" in text


def test_the_wired_scheduler_component_says_processing_is_switched_off() -> None:
    settings = load_settings({**REQUIRED, "PRISONTOPROBATION_MESSAGE_PROCESSOR_ENABLED": "false"})
    component = Container(settings=settings).scheduler_watch().check()
    assert component["details"]["state"] == PROCESSING_OFF
