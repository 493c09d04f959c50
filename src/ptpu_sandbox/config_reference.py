"""docs/configuration.md, generated from `Settings` by `make docs`
(`python -m ptpu_sandbox.config_reference docs/configuration.md`); a unit test fails when it is stale."""

from __future__ import annotations

import sys
from pathlib import Path

from attrs import NOTHING

from ptpu_runtime.config import Settings
from ptpu_runtime.config_kinds import Spec, show_default, specs
from ptpu_runtime.outbound_environment import OUTBOUND

_HEADER = """# Configuration reference

<!-- Generated from src/ptpu_runtime/config.py by `make docs`; do not edit by hand. -->

`ptpu serve` reads these environment variables once, at start-up (the names are the existing
service's, SPEC §11 of the behaviour description). A missing or malformed one stops it with exit code 2
and one line per problem, all problems at once. `ptpu serve --help` prints the same list.
A name followed by "(or `HMPPS_SQS_...`)" may also be given by the hmpps-sqs library's name for it;
giving both with different values is a start-up error naming both.
An empty variable means its default (a true/false switch excepted: it must say which); one set to only
whitespace is a start-up error naming it. So `PRISONTOPROBATION_ONLY_PRISONS` empty means every prison,
and spaces or only commas there are an error.
Durations take Spring's forms (`500ms`, `3s`, `15m`, `1h`, `2d`, ISO-8601 `PT15M`; a bare number is
milliseconds). Secrets are never printed. `BUILD_NUMBER` (shown by `/info` and `/health`; default the
package version) is read by the container, not here.
A variable in one of the service's own name families (`PRISONTOPROBATION_`, `SQS_`, `DYNAMODB_`,
`HMPPS_SQS_`, `RETRY_SCHEDULES_`, ...) that it does not read is a start-up WARNING naming the closest
real name (`PRISONTOPROBATION_DRYRUN ... did you mean PRISONTOPROBATION_DRY_RUN?`). Start-up logs one
`Mode:` line (dry run or live, capabilities, hold-back, prisons, processing on or off, workers, lease);
`/info` shows the same under `mode`; `/health`'s `healthInfo` (`dryRun`, `switchedOff`,
`messageProcessorEnabled`), `/prometheus` (`ptpu_dry_run`, `ptpu_capability_enabled`,
`ptpu_message_processor_enabled`) and `make run`'s banner state the dry run, the switches and processing.

{outbound}

| variable | default | kind | what it does |
|---|---|---|---|
"""


def markdown() -> str:
    """One table row per setting, in the order Settings declares them."""
    rows = [
        f"| {_name_cell(spec)} | {_default_cell(spec, default)} | {_cell(spec.kind.unit)} "
        f"| {_cell(spec.meaning)}{' (secret)' if spec.secret else ''} |"
        for _, spec, default in specs(Settings)
    ]
    return _HEADER.replace("{outbound}", OUTBOUND) + "\n".join(rows) + "\n"


def _name_cell(spec: Spec) -> str:
    return " + ".join(f"`{name}`" for name in spec.names) + "".join(f" (or `{alias}`)" for alias in spec.aliases)


def _default_cell(spec: Spec, default: object) -> str:
    """A value in code style; "required" or a description as plain words."""
    literal = spec.shown_default is None and default is not NOTHING and default is not None
    shown = _cell(show_default(spec, default))
    return f"`{shown}`" if literal and not shown.startswith("(") else shown


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


if __name__ == "__main__":
    text = markdown()
    if len(sys.argv) > 1:
        Path(sys.argv[1]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
