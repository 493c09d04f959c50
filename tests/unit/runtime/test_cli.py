import pytest

from ptpu_runtime.cli import COMMANDS, EXIT_CONFIG, build_parser, main

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


def test_every_command_has_a_subparser():
    parser = build_parser()
    required_arguments = {"publish": ["all"], "table": ["backfill"]}
    for name in COMMANDS:
        assert parser.parse_args([name, *required_arguments.get(name, [])]).command == name


def test_an_unknown_command_is_a_usage_error():
    with pytest.raises(SystemExit) as exited:
        main(["frobnicate"])
    assert exited.value.code == 2

