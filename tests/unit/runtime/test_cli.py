import os

import pytest

from ptpu_runtime.cli import COMMANDS, main
from ptpu_runtime.config import EXIT_CONFIG, Settings
from ptpu_runtime.config_kinds import show_default, specs

REQUIRED = ["OAUTH_ENDPOINT_URL", "OAUTH_CLIENT_ID", "OAUTH_CLIENT_SECRET", "PRISON_ENDPOINT_URL",
            "COMMUNITY_ENDPOINT_URL", "OFFENDER_SEARCH_ENDPOINT_URL", "DYNAMODB_TABLENAME",
            "DYNAMODB_SCHEDULE_TABLENAME"]


def test_serve_with_a_missing_setting_prints_one_line_and_exits_2(monkeypatch, capsys):
    for name in REQUIRED:
        monkeypatch.setenv(name, "http://x.local")
    monkeypatch.delenv("OAUTH_CLIENT_SECRET")
    assert main(["serve"]) == EXIT_CONFIG
    err = capsys.readouterr().err
    assert err == "Configuration error: OAUTH_CLIENT_SECRET: required but not set\n"


def test_serve_with_a_malformed_setting_names_it_and_hides_secrets(monkeypatch, capsys):
    for name in REQUIRED:
        monkeypatch.setenv(name, "http://x.local")
    monkeypatch.setenv("OAUTH_CLIENT_SECRET", "very-secret")
    monkeypatch.setenv("RETRY_SCHEDULES_SHORT_CRON", "every hour")
    assert main(["serve"]) == EXIT_CONFIG
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("Configuration error: RETRY_SCHEDULES_SHORT_CRON: ")
    assert "very-secret" not in err


def test_publish_of_an_unknown_scenario_is_a_usage_error(capsys):
    # (`ptpu sandbox` itself runs until Ctrl-C: tests/e2e/test_sandbox_command.py runs it as a subprocess.)
    with pytest.raises(SystemExit) as exited:
        main(["publish", "no-such-scenario"])
    assert exited.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize("name", [*COMMANDS, "sandbox", "publish"])  # the last two: `ptpu.commands` entry points
def test_every_command_has_its_own_parser(name, capsys):
    with pytest.raises(SystemExit) as exited:
        main([name, "--help"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: ptpu {name} ")


def test_an_unknown_command_is_a_usage_error():
    with pytest.raises(SystemExit) as exited:
        main(["frobnicate"])
    assert exited.value.code == 2



def test_serve_with_an_empty_environment_prints_every_missing_variable_in_one_go(monkeypatch, capsys):
    # One run names all eight, one line each, then a pointer to --help.
    for name in list(os.environ):
        monkeypatch.delenv(name)
    assert main(["serve"]) == EXIT_CONFIG
    lines = capsys.readouterr().err.splitlines()
    assert lines == [f"Configuration error: {name}: required but not set" for name in REQUIRED] + [
        "8 settings to fix; `ptpu serve --help` lists every setting and its default."
    ]


def test_serve_help_lists_every_variable_with_its_default_from_the_settings_definition(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for _, spec, default in specs(Settings):
        line = next(line for line in out.splitlines() if line.strip().startswith(spec.names[0]))
        assert f"[{show_default(spec, default)}]" in line
        assert spec.meaning[:30] in " ".join(out.split())
    assert "PRISONTOPROBATION_HOLD_BACK_DURATION" in out and "[15m]" in out
    assert "PRISONTOPROBATION_DRY_RUN" in out and "[false]" in out
    assert "SERVER_ADDRESS" in out and "[0.0.0.0]" in out


@pytest.mark.parametrize(("argv", "usage"), [
    (["serve", "--bogus"], "usage: ptpu serve "),
    (["serve", "extra"], "usage: ptpu serve "),
    (["table", "backfill", "--bogus"], "usage: ptpu table "),
])
def test_a_wrong_argument_is_refused_with_its_commands_usage(argv, usage, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(usage)
    assert f"error: unrecognized arguments: {argv[-1]}" in err
