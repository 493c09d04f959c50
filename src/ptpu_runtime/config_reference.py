"""The configuration reference, generated from `Settings` (the one place settings are defined).

`help_text()` is the epilog of `ptpu serve --help`; `markdown()` is docs/configuration.md. Regenerate the
file with `make docs` (`python -m ptpu_runtime.config_reference docs/configuration.md`); a unit test fails
when the committed file differs from what the code would write.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

from attrs import NOTHING

from ptpu_runtime.config import Settings
from ptpu_runtime.config_kinds import Spec, show_default, specs

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
`Mode:` line (dry run or live, capabilities, hold-back, prisons, workers, lease); `/info` shows the same
under `mode`.

{outbound}

| variable | default | kind | what it does |
|---|---|---|---|
"""


OUTBOUND = """The standard outbound variables are honoured too, and checked at start-up the same way (a malformed
proxy URL or a CA bundle that does not exist is one line, exit 2): `HTTPS_PROXY`, `HTTP_PROXY`,
`ALL_PROXY` and `NO_PROXY` (either case), `REQUESTS_CA_BUNDLE` (else `CURL_CA_BUNDLE`) for the HMPPS APIs,
`AWS_CA_BUNDLE` for AWS. The HMPPS API clients read them once, at start-up, for each API's base URL, and
never read `~/.netrc`. `NO_PROXY` must also name the AWS endpoints if AWS is not to go through the proxy."""


def _names(spec: Spec) -> str:
    return " + ".join(spec.names) + "".join(f" (or {alias})" for alias in spec.aliases)


def markdown() -> str:
    """docs/configuration.md: one table row per setting, in the order Settings declares them."""
    rows = [
        f"| {_name_cell(spec)} | {_default_cell(spec, default)} | {_cell(spec.kind.unit)} "
        f"| {_cell(spec.meaning)}{' (secret)' if spec.secret else ''} |"
        for _, spec, default in specs(Settings)
    ]
    return _HEADER.replace("{outbound}", OUTBOUND) + "\n".join(rows) + "\n"


def _name_cell(spec: Spec) -> str:
    """`A` + `B` for a key pair; `A` (or `ALIAS`) for a setting with other names."""
    return " + ".join(f"`{name}`" for name in spec.names) + "".join(f" (or `{alias}`)" for alias in spec.aliases)


def _default_cell(spec: Spec, default: object) -> str:
    """A value in code style; "required" or a description as plain words."""
    literal = spec.shown_default is None and default is not NOTHING and default is not None
    shown = _cell(show_default(spec, default))
    return f"`{shown}`" if literal and not shown.startswith("(") else shown


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def help_text() -> str:
    """Every variable with its default, then its meaning indented below, for `ptpu serve --help`."""
    lines = [
        f"  {_names(spec)}  [{show_default(spec, default)}]\n      {spec.meaning}"
        for _, spec, default in specs(Settings)
    ]
    rules = ("empty = the default (a true/false switch must say which); only whitespace = an error naming it",
             OUTBOUND.replace("\n", " "))
    return ("environment variables [default] (also docs/configuration.md):\n" + "\n".join(lines)
            + "\n\n" + "\n".join(textwrap.fill(rule, 100) for rule in rules))


def main(argv: list[str]) -> int:
    """`python -m ptpu_runtime.config_reference [PATH]`: write the reference to PATH (stdout without one)."""
    text = markdown()
    if len(argv) > 1:
        Path(argv[1]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
