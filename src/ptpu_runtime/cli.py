"""`ptpu <command>`: `serve`, `table backfill`, and what installed packages add through the `ptpu.commands` entry
points. Exit codes: 0 clean stop, 1 failure, 2 bad configuration (every problem printed, one line each)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from functools import partial
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

import uvicorn

from ptpu_core.errors import ConfigError
from ptpu_runtime.config import EXIT_CONFIG, EXIT_FAILURE, EXIT_OK, Settings, load_settings
from ptpu_runtime.config_kinds import SettingsError, help_text, specs
from ptpu_runtime.environment import lease_warning, mode_line, unread_variable_warnings
from ptpu_runtime.logging_setup import configure_logging, without_credentials
from ptpu_runtime.outbound_environment import OUTBOUND
from ptpu_runtime.startup_checks import check_listen
from ptpu_runtime.table_command import add_table, run_table

if TYPE_CHECKING:
    from ptpu_runtime.container import Container

log = logging.getLogger("ptpu.serve")

# name -> (how to declare its arguments, what to run)
Commands = dict[str, tuple[Callable[[argparse._SubParsersAction], None], Callable[[argparse.Namespace], int]]]


def run_serve(args: argparse.Namespace) -> int:
    settings = load_settings()
    configure_logging(args.log_level, settings.log_format)
    for warning in unread_variable_warnings():  # a misspelt setting, e.g. PRISONTOPROBATION_DRYRUN
        log.warning(warning)
    if (too_short := lease_warning(settings)) is not None:
        log.warning(too_short)
    service = Service(settings)
    code = service.run()
    if service.unfinished:  # a stage still running would hold the interpreter's exit (pool threads are joined)
        logging.shutdown()
        sys.stderr.flush()
        os._exit(code)
    return code


def endpoints_line(settings: Settings) -> str:
    """The settings named *_endpoint_url, for the start-up log, with any user-info masked."""
    return ", ".join(
        f"{spec.names[0]}={without_credentials(url)}" for field, spec, _ in specs(Settings)
        if field.endswith("_endpoint_url") and (url := getattr(settings, field)))


def report_config_error(error: ConfigError) -> int:
    """Print one `Configuration error: ...` line per problem (all of them) to stderr; returns EXIT_CONFIG."""
    problems = error.problems if isinstance(error, SettingsError) else [str(error)]
    for problem in problems:
        print(f"Configuration error: {problem}", file=sys.stderr)
    if len(problems) > 1:
        print(f"{len(problems)} settings to fix; `ptpu serve --help` lists every setting and its default.",
              file=sys.stderr)
    return EXIT_CONFIG


class Service:
    """Starts the listener, the scheduler and the HTTP server; on SIGTERM/SIGINT stops them in that order (with
    POST /resync's re-syncs before HTTP), within SHUTDOWN_TIMEOUT + STOP_MARGIN_SECONDS."""

    def __init__(self, settings: Settings, container: Container | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """`clock`: monotonic seconds, for the stop's deadline."""
        from ptpu_runtime.container import Container  # heavy imports only when serving

        self.settings = settings
        self.container = container or Container(settings=settings)
        self.stop_requested = threading.Event()  # set by SIGTERM/SIGINT, or by a failed HTTP server
        self.unfinished: list[str] = []  # what the stop left running when SHUTDOWN_TIMEOUT ran out
        self._clock = clock
        self._failed: str | None = None  # what failed, when that is why the service stops

    def run(self) -> int:
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_: self.stop_requested.set())
        try:
            check_listen(self.settings.server_address, self.settings.server_port)
            self.container.aws_preflight()  # before anything starts: a wrong name or credential is one line
        except ConfigError as error:
            return report_config_error(error)
        log.info("Endpoints: %s", endpoints_line(self.settings))
        log.info(mode_line(self.settings))
        try:
            server = self._start()
        except Exception:
            log.exception("Start-up failed")
            self._failed = "start-up failed (logged above)"
            self._stop(None)
            return EXIT_FAILURE
        log.info("ptpu serving on %s port %d", self.settings.server_address, self.settings.server_port)
        self.stop_requested.wait()
        log.info("Stop requested: finishing work in hand")
        return EXIT_OK if self._stop(server) else EXIT_FAILURE

    def _start(self) -> uvicorn.Server:
        c = self.container
        c.listener().start()
        c.scheduler().start()
        server = uvicorn.Server(uvicorn.Config(
            c.tracing().instrument_app(c.app()),  # request spans, except health, info and metrics
            host=self.settings.server_address, port=self.settings.server_port,
            log_level="warning", access_log=False, lifespan="off",
            log_config=None))  # uvicorn's records go through our handler and format (logging_setup)
        # Off the main thread uvicorn installs no signal handlers: ours decide when to stop.
        threading.Thread(target=self._serve_http, args=(server,), name="http", daemon=True).start()
        return server

    def _serve_http(self, server: uvicorn.Server) -> None:
        try:
            server.run()
        finally:
            if not server.should_exit:  # e.g. the port is taken: uvicorn logs why; the whole service stops
                log.error("HTTP server stopped unexpectedly")
                self._failed = "the HTTP server failed (logged above)"
                self.stop_requested.set()

    def _stop(self, server: uvicorn.Server | None) -> bool:
        """Within one SHUTDOWN_TIMEOUT from the stop request: at once, no job starts and the cycle and the re-syncs
        start no more bookings; then each stage, in order, is waited for what is left. Then HTTP and the trace
        flush. True if clean; else `unfinished` names what was left, and the last log line says what failed."""
        bound = self.settings.shutdown_timeout.total_seconds()
        deadline = self._clock() + bound
        c = self.container
        # Each on its own, so one failing does not skip the others; the scheduler's job then returns, unlocking.
        for ask, what in ((lambda: c.scheduler().pause(), "the scheduler's next jobs"),
                          (lambda: c.synchronisation().stop(), "the cycle"),
                          (lambda: c.resyncs().stop(), "the re-syncs")):
            _within(STAGE_FLOOR_SECONDS, ask, what)
        stages: list[tuple[str, Callable[[float], object]]] = [
            ("the listener's messages in hand", lambda left: c.listener().stop(left)),
            # Not released here: a job past the deadline may still write to Delius (the lock expires).
            (f"the scheduler's job in hand ({LOCK_LEFT})", lambda _: c.scheduler().shutdown(wait=True)),
            ("the re-syncs of POST /resync in hand", lambda left: c.resyncs().join(left)),
            # The jobs have ended (or the deadline passed): the processing workers finish what they hold and stop.
            ("the processing workers' bookings", lambda _: c.booking_runner().close()),
        ]
        for what, stop in stages:
            left = max(deadline - self._clock(), STAGE_FLOOR_SECONDS)
            if not _within(left + WAIT_EXTRA_SECONDS, partial(stop, left), what):
                self.unfinished.append(what)
        if server is not None:
            server.should_exit = True
        # An unreachable collector retries for 12-14 s: what is still buffered after the flush is dropped.
        if not _within(TRACE_FLUSH_SECONDS, c.tracing().shutdown, "trace exporters"):
            log.warning("Traces and events still buffered after %ds were dropped", TRACE_FLUSH_SECONDS)
        problems = [f"after {self._failed}"] if self._failed else []
        if self.unfinished:
            problems.append(f"with work left unfinished after SHUTDOWN_TIMEOUT ({bound:g}s): "
                            f"{', '.join(self.unfinished)}")
        if problems:
            log.error("Stopped %s; exit code %d", "; ".join(problems), EXIT_FAILURE)
        else:
            log.info("Stopped cleanly")
        return not problems


LOCK_LEFT = "scheduleLock stays held until PRISONTOPROBATION_LOCK_AT_MOST expires"
# After SHUTDOWN_TIMEOUT: a stage reached late still gets STAGE_FLOOR_SECONDS (an idle one ends at once); a stage
# given what is left is waited for WAIT_EXTRA_SECONDS more, so one ending right at the deadline counts as finished;
# then the trace flush. With the exit itself the stop ends within SHUTDOWN_TIMEOUT + STOP_MARGIN_SECONDS
# (4 stages: 4 x (0.1 + 0.25) + 3 = 4.4 s past it at most).
STAGE_FLOOR_SECONDS = 0.1
WAIT_EXTRA_SECONDS = 0.25
TRACE_FLUSH_SECONDS = 3
STOP_MARGIN_SECONDS = 5


def _within(seconds: float, action: Callable[[], object], what: str) -> bool:
    """True when `action` returned within `seconds` and not False. One that raises is logged and not finished;
    one still running goes on, on a daemon thread."""
    finished: list[bool] = []

    def run() -> None:
        try:
            finished.append(action() is not False)
        except Exception:
            log.exception("Stopping %s failed", what)
            finished.append(False)

    thread = threading.Thread(target=run, name="stop", daemon=True)
    thread.start()
    thread.join(seconds)
    return finished == [True]


SERVE_RULES = ("empty = the default (a true/false switch must say which); only whitespace = an error naming it",
               OUTBOUND.replace("\n", " "))


def add_serve(subparsers: argparse._SubParsersAction) -> None:
    serve = subparsers.add_parser(
        "serve", help="run the service (listener, schedulers, HTTP API)",
        description="Run the service: the SQS listener, the processing and retry schedules and the HTTP API. "
        "Settings come from the environment only; a missing or malformed one stops start-up with exit code 2.",
        epilog=help_text(Settings, SERVE_RULES), formatter_class=argparse.RawDescriptionHelpFormatter)
    serve.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                       help="lowest level of log line written (default INFO)")


COMMANDS: Commands = {"serve": (add_serve, run_serve), "table": (add_table, run_table)}


def all_commands() -> Commands:
    """COMMANDS plus the `ptpu.commands` entry points, except those that fail to load (warned unless absent)."""
    commands = dict(COMMANDS)
    for entry in entry_points(group="ptpu.commands"):
        if entry.name in commands:
            continue
        try:
            commands[entry.name] = entry.load()
        except ModuleNotFoundError:
            continue  # the development sandbox is not installed (the production image): nothing to offer
        except Exception as error:  # noqa: BLE001 - an optional command must not break the others
            print(f"warning: command {entry.name!r} unavailable: {error}", file=sys.stderr)
    return commands


def main(argv: Sequence[str] | None = None) -> int:
    commands = all_commands()
    parser = argparse.ArgumentParser(prog="ptpu", description="prison-to-probation-update")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for add, _ in commands.values():
        add(subparsers)
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # refused by the command's own parser, so its usage is the one printed (exit 2)
        subparsers.choices[args.command].error(f"unrecognized arguments: {' '.join(unknown)}")
    _, run = commands[args.command]
    try:
        return run(args)
    except ConfigError as error:  # a setting missing or malformed: every problem, one line each
        return report_config_error(error)
