"""`ptpu sandbox` (what `make run` runs) and `ptpu publish`: argument parsing and the console side."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from ptpu_adapters.aws.clients import LOCALSTACK, make_clients
from ptpu_adapters.provisioning import AwsResourceNames
from ptpu_sandbox.banner import DEFAULT_EMULATOR_URL, banner, service_mode
from ptpu_sandbox.ports import PORT_BASE_ENV, StackPorts, parse_port_base, port_base_from_env
from ptpu_sandbox.publishing import publish_scenarios, topic_arn_for
from ptpu_sandbox.service_process import ServiceFailedToStart, ServiceProcess
from ptpu_sandbox.simulators.seed import SCENARIOS

if TYPE_CHECKING:  # the stack imports moto: only `ptpu sandbox` pays for that, not `ptpu serve`
    from ptpu_sandbox.stack import LocalStack

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
REGION = "eu-west-2"
HOLD_BACK, ONLY_PRISONS = "PRISONTOPROBATION_HOLD_BACK_DURATION", "PRISONTOPROBATION_ONLY_PRISONS"
PROCESSOR_DELAY = "PRISONTOPROBATION_MESSAGE_PROCESSOR_DELAY"
# What `ptpu sandbox` gives `ptpu serve` to show every seeded scenario quickly. Defaults only: a value set in
# the shell wins and `ptpu serve` checks it like any setting. Where the stack is (ports, endpoints, names,
# credentials) is always the sandbox's: LocalStack.service_env.
SANDBOX_DEFAULTS = {HOLD_BACK: "3s", PROCESSOR_DELAY: "500ms", ONLY_PRISONS: "", "SHUTDOWN_TIMEOUT": "10s"}


# --- ptpu sandbox ----------------------------------------------------------------------------
def add_sandbox(subparsers: argparse._SubParsersAction) -> None:
    sandbox = subparsers.add_parser(
        "sandbox",
        help="run the service locally against an AWS emulator and simulated HMPPS systems",
        description="Run the whole service on loopback: moto (SNS, SQS, DynamoDB), simulated HMPPS Auth, "
        "prison-api, offender search and community-api seeded with scenarios, and `ptpu serve`.",
    )
    sandbox.add_argument("--demo", action="store_true",
                         help="publish every scenario, print the outcomes, stop; exit 1 if one is unexpected")
    sandbox.add_argument("--port-base", type=_port_base_argument, default=None,
                         help="service N, emulator N+1, auth N+2, prison-api N+3, search N+4, community-api N+5; "
                         "0 = free ports (default: 8080, 4566, 8090-8093; env " + PORT_BASE_ENV + ")")
    sandbox.add_argument("--hold-back", help=f"how long a record waits before processing (default: {HOLD_BACK} "
                         "if set, else 3s)")
    sandbox.add_argument("--processor-delay-ms", type=int,
                         help=f"processing job delay (default: {PROCESSOR_DELAY} if set, else 500ms)")
    sandbox.add_argument("--timeout", type=float, default=60.0, help="--demo: seconds to wait for outcomes (60)")
    sandbox.add_argument("--log-file", type=Path,
                         help="write the service's log here (default: the terminal; with --demo a temp file)")


def service_settings(
    environ: Mapping[str, str], hold_back: str | None = None, processor_delay_ms: int | None = None,
) -> tuple[dict[str, str], list[str]]:
    """Each of SANDBOX_DEFAULTS as given by its flag (--hold-back, --processor-delay-ms), else as set (not
    empty) in `environ`, else the default; and one "NAME=value (sandbox default D)" per default the shell changed."""
    flags = {HOLD_BACK: hold_back, PROCESSOR_DELAY: None if processor_delay_ms is None else f"{processor_delay_ms}ms"}
    chosen, from_shell = {}, []
    for name, default in SANDBOX_DEFAULTS.items():
        flag, shell = flags.get(name), environ.get(name, "")
        if flag is not None:
            chosen[name] = flag
        elif shell.strip() and shell != default:
            chosen[name] = shell
            from_shell.append(f"{name}={shell} (sandbox default {default or 'empty: every prison'})")
        else:
            chosen[name] = default
    return chosen, from_shell


LOOPBACK_HOSTS = ("127.0.0.1", "localhost")


def bypass_proxies_for_loopback(environ: dict[str, str] | None = None) -> None:
    """Add the loopback hosts to NO_PROXY and no_proxy (kept if already there) in `environ` (default
    os.environ, which the emulator, the service and every child inherit): everything the sandbox runs is on
    loopback, and a developer's corporate HTTP(S)_PROXY would otherwise carry those calls to the proxy (the
    sandbox would die in a botocore traceback at its first AWS call)."""
    env = os.environ if environ is None else environ
    for name in ("NO_PROXY", "no_proxy"):
        hosts = [host.strip() for host in env.get(name, "").split(",") if host.strip()]
        env[name] = ",".join([*hosts, *(host for host in LOOPBACK_HOSTS if host not in hosts)])


def run_sandbox(args: argparse.Namespace) -> int:
    from ptpu_sandbox.stack import LocalStack

    bypass_proxies_for_loopback()
    try:
        base = args.port_base if args.port_base is not None else port_base_from_env()
    except ValueError as error:
        return _usage_error("sandbox", error)
    ports = StackPorts.well_known() if base is None else StackPorts.from_base(base)
    ports, notes = ports.with_taken_replaced()
    for note in notes:
        print(f"note: {note}")
    log_path = args.log_file or (_temp_log() if args.demo else None)
    settings, from_shell = service_settings(os.environ, args.hold_back, args.processor_delay_ms)
    signals = StopSignals()
    stack = None
    try:
        print("Starting the AWS emulator and the simulated HMPPS systems ...", flush=True)
        stack = LocalStack.start(ports=ports)
        print(f"Starting ptpu serve on port {stack.service_port} ...", flush=True)
        service = stack.start_service(env_overrides=settings, log_path=log_path)
        if args.demo:
            result = _demo(stack, args.timeout, log_path, from_shell)
        else:
            result = _serve(stack, service, settings[HOLD_BACK], from_shell)
    except KeyboardInterrupt:
        result = EXIT_OK
    except ServiceFailedToStart as failure:
        print(f"ptpu sandbox: {failure}", file=sys.stderr)
        result = EXIT_FAILURE
    finally:
        signals.stopping = True  # first: a signal from here on must not skip the clean-up
        stopped_cleanly = stack is None or _stop(stack, log_path)
    return result if stopped_cleanly else EXIT_FAILURE


def _serve(stack: LocalStack, service: ServiceProcess, hold_back: str, from_shell: Sequence[str]) -> int:
    """Print the banner, then wait for a stop signal (KeyboardInterrupt); EXIT_FAILURE if the service exits first."""
    print(banner(stack, hold_back, service_mode(stack.service_url), from_shell), flush=True)
    while service.running:
        time.sleep(0.5)
    print(f"ptpu serve exited unexpectedly with code {service.returncode}", file=sys.stderr)
    return EXIT_FAILURE


def _stop(stack: LocalStack, log_path: Path | None) -> bool:
    """Stop the whole stack; False if `ptpu serve`, still running when asked to stop, ended with a code other
    than 0 (work left unfinished at SHUTDOWN_TIMEOUT: 1; killed after its grace: -9), which one line says."""
    print("Stopping the service, the simulators and the emulator ...", flush=True)
    asked = stack.service is not None and stack.service.running
    code = stack.stop()
    print("Stopped.", flush=True)
    if asked and code:
        where = "above" if log_path is None else f"in {log_path}"
        print(f"ptpu serve stopped with exit code {code}: see its log {where}", file=sys.stderr, flush=True)
        return False
    return True


def _demo(stack: LocalStack, timeout: float, log_path: Path | None, from_shell: Sequence[str]) -> int:
    from ptpu_sandbox.demo import render_table, run_demo, summary

    print(f"Service up at {stack.service_url} (log: {log_path})", flush=True)
    for line in from_shell:
        print(f"from your shell: {line}", flush=True)
    results = run_demo(stack, list(SCENARIOS.values()), timeout, progress=lambda line: print(line, flush=True))
    print()
    print(render_table(results))
    print()
    print(summary(results), flush=True)
    if stack.domain_events is not None:  # What each scenario announced on the domain-events topic
        from ptpu_sandbox.domain_event_watch import render_domain_events

        print()
        print(render_domain_events(stack.domain_events.drain(), [(s.name, s.crns) for s in SCENARIOS.values()]))
    return EXIT_OK if all(result.as_expected for result in results) else EXIT_FAILURE


class StopSignals:
    """SIGINT and SIGTERM from now on: the first raises KeyboardInterrupt to start the stop, unless `stopping` is
    set (the clean-up has begun: --demo done, the service gone); that one and every later one are ignored, so
    none can cut the clean-up short (`kill -TERM -- -PGID` of `make run` delivers SIGTERM twice: to the group,
    and from make). Installed even when SIGINT was ignored at start (`make run &` from a script), where Python
    installs no Ctrl-C handler."""

    def __init__(self) -> None:
        self.stopping = False
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._interrupt)

    def _interrupt(self, signum: int, frame: FrameType | None) -> None:
        if not self.stopping:
            self.stopping = True
            raise KeyboardInterrupt


def _temp_log() -> Path:
    handle, name = tempfile.mkstemp(prefix="ptpu-sandbox-", suffix=".log")
    os.close(handle)
    return Path(name)


def _port_base_argument(text: str) -> int:
    try:
        return parse_port_base(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _usage_error(command: str, error: Exception) -> int:
    print(f"ptpu {command}: {error}", file=sys.stderr)
    return EXIT_USAGE


# --- ptpu publish ----------------------------------------------------------------------------
def default_emulator_url() -> str:
    """The emulator of a sandbox started with the same PTPU_SANDBOX_PORT_BASE (its port base + 1);
    DEFAULT_EMULATOR_URL when that is unset."""
    base = port_base_from_env()
    if not base:
        return DEFAULT_EMULATOR_URL
    return f"http://127.0.0.1:{StackPorts.from_base(base).emulator}"


def add_publish(subparsers: argparse._SubParsersAction) -> None:
    publish = subparsers.add_parser(
        "publish",
        help="publish the SNS events of seeded scenarios to a running sandbox",
        description="Publish the offender events of one scenario (or all) to the sandbox's SNS topic.",
    )
    publish.add_argument("scenario", choices=[*SCENARIOS, "all"], metavar="SCENARIO|all",
                         help="one of: " + ", ".join(SCENARIOS) + "; or all")
    publish.add_argument("--endpoint", default=None,
                         help=f"the sandbox's AWS emulator (default {DEFAULT_EMULATOR_URL}, or port base + 1 "
                         f"when {PORT_BASE_ENV} is set, as for `ptpu sandbox`)")
    publish.add_argument("--topic", default=AwsResourceNames().topic, help="SNS topic name (offender_events)")
    publish.add_argument("--region", default=REGION, help=f"AWS region of the emulator's topic (default {REGION})")


def run_publish(args: argparse.Namespace) -> int:
    bypass_proxies_for_loopback()
    try:
        args.endpoint = args.endpoint or default_emulator_url()
    except ValueError as error:
        return _usage_error("publish", error)
    scenarios = list(SCENARIOS.values()) if args.scenario == "all" else [SCENARIOS[args.scenario]]
    try:
        sns = make_clients(LOCALSTACK, args.region, args.endpoint).sns
        published = publish_scenarios(sns, topic_arn_for(sns, args.topic), scenarios)
    except Exception as error:  # most likely no sandbox at that endpoint
        print(f"ptpu publish: could not publish to {args.endpoint}: {error}", file=sys.stderr)
        return EXIT_FAILURE
    for event in published:
        print(f"published {event.scenario}: {event.event_type} booking {event.booking_id} "
              f"(SNS message {event.sns_message_id})")
    return EXIT_OK


# `ptpu.commands` entry points (pyproject.toml): the runtime's CLI finds these without importing this package.
SANDBOX_COMMAND = (add_sandbox, run_sandbox)
PUBLISH_COMMAND = (add_publish, run_publish)
