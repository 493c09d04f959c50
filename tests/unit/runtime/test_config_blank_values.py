"""A variable set to only whitespace: a start-up error naming it, whatever its kind (as an empty
true/false switch is). An empty variable keeps meaning the
default, as docs/configuration.md documents. The prison filter too: only whitespace, or only commas, is
refused (read as empty it would widen the filter to every prison)."""

from __future__ import annotations

import pytest
from required_settings import REQUIRED

from ptpu_core.errors import ConfigError
from ptpu_runtime.cli import main
from ptpu_runtime.config import EXIT_CONFIG, Settings, load_settings
from ptpu_runtime.config_kinds import FLAG, specs

SETTINGS = specs(Settings)
# A true/false switch has its own rule (set but empty, or set to only whitespace), tested below.
# Every variable that is one value (a key pair's two halves are below), with its aliases.
SINGLE = [
    (name, spec.required)
    for _, spec, _ in SETTINGS
    if spec.kind is not FLAG and len(spec.names) == 1
    for name in (spec.names[0], *spec.aliases)
]
KEY_HALVES = [name for _, spec, _ in SETTINGS if len(spec.names) == 2 for name in spec.names]
OPTIONAL = [(field, spec.names[0], default) for field, spec, default in SETTINGS
            if not spec.required and spec.kind is not FLAG and len(spec.names) == 1]


def test_the_kinds_a_blank_value_must_stop_are_all_covered():
    # A URL, an SNS ARN, numbers, durations, crons, seconds lists, regions, choices and names are all here.
    names = {name for name, _ in SINGLE}
    assert {"PRISON_ENDPOINT_URL", "HMPPS_SQS_TOPICS_DOMAINEVENTTOPIC_ARN", "SERVER_PORT", "SQS_LISTENER_WORKERS",
            "PRISONTOPROBATION_HOLD_BACK_DURATION", "SQS_VISIBILITY_TIMEOUT", "RETRY_SCHEDULES_SHORT_CRON",
            "SQS_ERROR_VISIBILITY_TIMEOUT", "AWS_REGION", "AWS_PROVIDER", "SQS_QUEUE_NAME", "OAUTH_CLIENT_SECRET",
            "HMPPS_SQS_QUEUES_PRISONEVENTQUEUE_QUEUE_NAME", "PRISONTOPROBATION_ONLY_PRISONS"} <= names


@pytest.mark.parametrize(("name", "required"), SINGLE)
@pytest.mark.parametrize("blank", [" ", "   ", "\t", " \n"])
def test_a_value_of_only_whitespace_stops_start_up_naming_the_variable(name: str, required: bool, blank: str):
    with pytest.raises(ConfigError) as raised:
        load_settings({**REQUIRED, name: blank})
    fix = "give a value" if required else "give a value, or leave it empty or unset for the default"
    assert f"{name}: set to only whitespace ({fix})" in str(raised.value).split("; ")


@pytest.mark.parametrize("name", KEY_HALVES)
def test_half_a_key_pair_of_only_whitespace_stops_start_up(name: str):
    with pytest.raises(ConfigError) as raised:
        load_settings({**REQUIRED, name: "  "})
    assert str(raised.value) == (
        f"{name}: set to only whitespace (give a value, or leave it empty or unset for the default)"
    )


@pytest.mark.parametrize(("field", "name", "default"), OPTIONAL)
def test_an_empty_value_still_means_the_default(field: str, name: str, default: object):
    assert getattr(load_settings({**REQUIRED, name: ""}), field) == default


def test_an_empty_prison_list_still_means_every_prison():
    # Documented: "empty means every prison", as the existing service's empty list does.
    assert load_settings({**REQUIRED, "PRISONTOPROBATION_ONLY_PRISONS": ""}).only_prisons == frozenset()


@pytest.mark.parametrize("value", [",", " , ", ",,,"])
def test_a_prison_list_of_only_commas_is_refused(value: str):
    with pytest.raises(ConfigError) as raised:
        load_settings({**REQUIRED, "PRISONTOPROBATION_ONLY_PRISONS": value})
    assert str(raised.value) == (
        f"PRISONTOPROBATION_ONLY_PRISONS: '{value.strip()}' names no prison (leave it empty for every prison)"
    )


@pytest.mark.parametrize(("value", "said"), [("", "set but empty"), ("  ", "set to only whitespace")])
def test_a_blank_switch_says_whether_it_is_empty_or_spaces(value: str, said: str):
    with pytest.raises(ConfigError) as raised:
        load_settings({**REQUIRED, "PRISONTOPROBATION_DRY_RUN": value})
    assert str(raised.value) == f"PRISONTOPROBATION_DRY_RUN: {said} (write true or false)"


def test_serve_with_a_topic_arn_of_spaces_prints_one_line_and_exits_2(monkeypatch, capsys):
    for name, value in REQUIRED.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HMPPS_SQS_TOPICS_DOMAINEVENTTOPIC_ARN", " ")
    assert main(["serve"]) == EXIT_CONFIG
    assert capsys.readouterr().err == (
        "Configuration error: HMPPS_SQS_TOPICS_DOMAINEVENTTOPIC_ARN: set to only whitespace "
        "(give a value, or leave it empty or unset for the default)\n"
    )
