"""The back-off rule of hmpps-sqs's HmppsErrorVisibilityHandler, restated: failure n waits
timeouts[n-1], later failures the last entry, an empty list 0; the receive before redrive waits 0."""

import pytest

from ptpu_adapters.sqs.error_visibility import max_receive_count_of, next_visibility_seconds


@pytest.mark.parametrize(
    ("receive_count", "seconds"),
    [(1, 0), (2, 60), (3, 300), (4, 300), (9, 300), (10, 0), (11, 0)],
)
def test_the_pause_grows_with_the_receive_count_and_is_zero_on_the_last_receive(receive_count, seconds):
    assert next_visibility_seconds((0, 60, 300), receive_count, max_receive_count=10) == seconds


def test_no_redrive_policy_means_no_last_receive_and_an_empty_list_means_at_once():
    assert next_visibility_seconds((5, 7), 50, max_receive_count=None) == 7
    assert next_visibility_seconds((), 2, max_receive_count=None) == 0


@pytest.mark.parametrize(
    ("policy", "count"),
    [
        ('{"deadLetterTargetArn": "arn:aws:sqs:eu-west-2:1:dlq", "maxReceiveCount": "3"}', 3),
        ('{"deadLetterTargetArn": "arn:aws:sqs:eu-west-2:1:dlq", "maxReceiveCount": 5}', 5),
        (None, None), ("", None), ("not json", None), ("[]", None), ('{"maxReceiveCount": "x"}', None),
    ],
)
def test_max_receive_count_is_read_from_the_redrive_policy(policy, count):
    assert max_receive_count_of(policy) == count
