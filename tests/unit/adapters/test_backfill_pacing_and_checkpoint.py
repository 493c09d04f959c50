"""The backfill's pacing and checkpoint file, without DynamoDB."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ptpu_adapters.dynamodb.backfill import BackfillCounts, BackfillError, Checkpoint, Pacer, Position


def test_the_pacer_spreads_items_over_time_across_calls() -> None:
    slept: list[float] = []
    pacer = Pacer(100, sleep=slept.append)  # 100 items a second

    pacer.take(50)  # the first half second's share: no wait
    pacer.take(50)  # must wait for the first 50 to have had their half second
    pacer.take(100)  # starts once the second 50 have had theirs: a second after the start

    assert len(slept) == 2
    assert 0.4 < slept[0] <= 0.5
    assert 0.9 < slept[1] <= 1.0


def test_an_unpaced_run_never_waits() -> None:
    slept: list[float] = []
    pacer = Pacer(None, sleep=slept.append)
    for _ in range(10):
        pacer.take(1000)
    assert slept == []


def test_a_checkpoint_keeps_each_segments_position_and_the_counts(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    first = Checkpoint(path, "messages", 2)
    first.page_done(0, {"id": {"S": "k1"}}, BackfillCounts(scanned=10, indexed_pending=4, already_indexed=6))
    first.page_done(1, None, BackfillCounts(scanned=3, indexed_processed=3))

    resumed = Checkpoint(path, "messages", 2)

    assert resumed.resumed
    assert resumed.job.positions == {0: Position(False, {"id": {"S": "k1"}}), 1: Position(True, None)}
    assert (resumed.job.counts.scanned, resumed.job.counts.indexed) == (13, 7)
    assert json.loads(path.read_text()) == {  # the file's form
        "table": "messages",
        "segments": 2,
        "positions": {
            "0": {"done": False, "startKey": {"id": {"S": "k1"}}},
            "1": {"done": True, "startKey": None},
        },
        "counts": {"scanned": 13, "already_indexed": 6, "indexed_pending": 4, "indexed_processed": 3,
                   "changed_meanwhile": 0, "unreadable": 0, "statuses": {}},
    }
    resumed.finished()
    assert path.exists()  # segment 0 is not done yet
    resumed.page_done(0, None, BackfillCounts(scanned=1))
    resumed.finished()
    assert not path.exists()


@pytest.mark.parametrize(("table", "segments"), [("other", 2), ("messages", 3)])
def test_a_checkpoint_of_another_job_is_refused(tmp_path: Path, table: str, segments: int) -> None:
    path = tmp_path / "c.json"
    Checkpoint(path, "messages", 2).page_done(0, None, BackfillCounts())
    with pytest.raises(BackfillError, match="delete it to start again"):
        Checkpoint(path, table, segments)
