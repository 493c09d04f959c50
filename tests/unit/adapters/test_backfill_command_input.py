"""`ptpu table backfill` refuses what it cannot use before it reads the table: a
--segments beyond its range, a garbage or an unwritable checkpoint file is a usage error, not a failure after
a page was written."""

from __future__ import annotations

import argparse
import os
import signal
from pathlib import Path

import pytest

from ptpu_adapters.dynamodb.backfill import BackfillError, Checkpoint
from ptpu_runtime.table_command import MAX_SEGMENTS, _stop_on_signals, add_table


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_table(parser.add_subparsers(dest="command"))
    return parser.parse_args(["table", "backfill", *argv])


def test_segments_are_bounded(capsys: pytest.CaptureFixture[str]) -> None:
    assert parse("--segments", str(MAX_SEGMENTS)).segments == MAX_SEGMENTS
    with pytest.raises(SystemExit) as exited:
        parse("--segments", "100000")
    assert exited.value.code == 2
    assert f"must be at most {MAX_SEGMENTS}" in capsys.readouterr().err


@pytest.mark.parametrize("content", ["", "not json", "[]", '{"table": "messages"}', '{"positions": 3}'])
def test_an_unreadable_checkpoint_says_to_delete_it(tmp_path: Path, content: str) -> None:
    path = tmp_path / "c.json"
    path.write_text(content)
    with pytest.raises(BackfillError, match="delete it to start again"):
        Checkpoint(path, "messages", 2)


def test_a_checkpoint_that_is_a_folder_or_in_no_folder_is_refused_before_any_work(tmp_path: Path) -> None:
    with pytest.raises(BackfillError, match="not a file in a folder"):
        Checkpoint(tmp_path, "messages", 2)
    with pytest.raises(BackfillError, match="not a file in a folder"):
        Checkpoint(tmp_path / "no-such-folder" / "c.json", "messages", 2)


def test_sigterm_and_sigint_stop_it_even_when_sigint_was_ignored() -> None:
    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # as `cmd &` from a script without job control
        _stop_on_signals()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with pytest.raises(KeyboardInterrupt):
                os.kill(os.getpid(), signum)
                signal.sigtimedwait([], 0.5)  # let the handler run
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)
