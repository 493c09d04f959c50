"""SQS_ERROR_VISIBILITY_TIMEOUT and its hmpps-sqs names.

hmpps-sqs (ministryofjustice/hmpps-spring-boot-sqs) reads `hmpps.sqs.queues.<id>.errorVisibilityTimeout`,
a comma list of seconds; Spring binds it from HMPPS_SQS_QUEUES_PRISONEVENTQUEUE_ERROR_VISIBILITY_TIMEOUT
(the spelling its README uses for QUEUE_NAME) and from ..._ERRORVISIBILITYTIMEOUT (Spring's canonical form).
"""

import pytest
from required_settings import REQUIRED

from ptpu_runtime.config import Settings, load_settings
from ptpu_runtime.config_kinds import SettingsError

HMPPS_NAMES = (
    "HMPPS_SQS_QUEUES_PRISONEVENTQUEUE_ERROR_VISIBILITY_TIMEOUT",
    "HMPPS_SQS_QUEUES_PRISONEVENTQUEUE_ERRORVISIBILITYTIMEOUT",
)


def settings_with(**env: str) -> Settings:
    return load_settings({**REQUIRED, **env})


def test_the_default_backs_off_0_then_60_then_300_seconds():
    assert settings_with().sqs_error_visibility_timeout == (0, 60, 300)


@pytest.mark.parametrize("name", ["SQS_ERROR_VISIBILITY_TIMEOUT", *HMPPS_NAMES])
def test_each_name_sets_the_list(name):
    assert settings_with(**{name: " 5, 30,600 "}).sqs_error_visibility_timeout == (5, 30, 600)


def test_the_same_list_two_ways_is_fine_and_different_lists_are_a_problem_naming_both():
    assert settings_with(SQS_ERROR_VISIBILITY_TIMEOUT="1,2", **{HMPPS_NAMES[0]: "1, 2"}) \
        .sqs_error_visibility_timeout == (1, 2)
    with pytest.raises(SettingsError) as raised:
        settings_with(SQS_ERROR_VISIBILITY_TIMEOUT="1,2", **{HMPPS_NAMES[0]: "1,3"})
    assert raised.value.problems == [
        f"SQS_ERROR_VISIBILITY_TIMEOUT and {HMPPS_NAMES[0]}: the same setting given different values (1,2 vs 1,3)"
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("1,,2", "'1,,2' is not a comma-separated list of whole seconds"),
        ("1.5", "'1.5' is not a comma-separated list of whole seconds"),
        ("0,-1", "'0,-1': each must be 0-43200 seconds"),
        ("43201", "'43201': each must be 0-43200 seconds"),
    ],
)
def test_a_malformed_list_is_one_line_naming_the_variable(text, problem):
    with pytest.raises(SettingsError) as raised:
        settings_with(SQS_ERROR_VISIBILITY_TIMEOUT=text)
    assert raised.value.problems == [f"SQS_ERROR_VISIBILITY_TIMEOUT: {problem}"]
