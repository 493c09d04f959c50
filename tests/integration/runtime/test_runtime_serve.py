"""`ptpu serve` as a process: starts against the emulator, answers HTTP, stops cleanly on SIGTERM, and within
SHUTDOWN_TIMEOUT + STOP_MARGIN_SECONDS when an upstream hangs."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid

import requests
from werkzeug import Request, Response

from ptpu_runtime.cli import EXIT_FAILURE, STOP_MARGIN_SECONDS
from ptpu_sandbox.lifeline import bound_to_this_process
from ptpu_sandbox.ports import free_port


def wait_for(url: str, process: subprocess.Popen, seconds: float = 60) -> requests.Response:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve exited early with {process.returncode}")
        try:
            return requests.get(url, timeout=1)
        except requests.ConnectionError:
            time.sleep(0.2)
    raise AssertionError(f"{url} never answered")


def serve_env(aws_emulator, httpserver, port: int) -> dict[str, str]:
    suffix = uuid.uuid4().hex[:8]
    return {
        **os.environ,
        "SERVER_PORT": str(port),
        "AWS_PROVIDER": "localstack",
        "SQS_ENDPOINT_URL": aws_emulator.endpoint_url,
        "DYNAMODB_ENDPOINT": aws_emulator.endpoint_url,
        "SQS_QUEUE_NAME": f"queue-{suffix}",
        "SQS_DLQ_NAME": f"dlq-{suffix}",
        "DYNAMODB_TABLENAME": f"messages-{suffix}",
        "DYNAMODB_SCHEDULE_TABLENAME": f"schedule-{suffix}",
        "OAUTH_ENDPOINT_URL": httpserver.url_for("/auth"),
        "OAUTH_CLIENT_ID": "client",
        "OAUTH_CLIENT_SECRET": "secret",
        "PRISON_ENDPOINT_URL": httpserver.url_for("/prison"),
        "COMMUNITY_ENDPOINT_URL": httpserver.url_for("/community"),
        "OFFENDER_SEARCH_ENDPOINT_URL": httpserver.url_for("/search"),
        "PRISONTOPROBATION_MESSAGE_PROCESSOR_DELAY": "200ms",
        "SQS_LISTENER_WAIT_SECONDS": "1",
    }


def serve(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        bound_to_this_process([sys.executable, "-m", "ptpu_runtime", "serve", "--log-level", "WARNING"]),
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def test_serve_starts_answers_and_stops_on_sigterm(aws_emulator, httpserver):
    port = free_port()
    process = serve(serve_env(aws_emulator, httpserver, port))
    try:
        base = f"http://127.0.0.1:{port}"
        assert wait_for(f"{base}/health/ping", process).json() == {"status": "UP"}
        assert requests.get(f"{base}/info", timeout=5).json()["build"]["name"] == "prison-to-probation-update"
        assert requests.get(f"{base}/report/in-progress", timeout=5).status_code == 401
        head = requests.head(f"{base}/health/ping", timeout=5)  # `curl -I`, as Spring answers it
        assert (head.status_code, head.content, head.headers["content-type"]) == (200, b"", "application/json")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0  # 0 only when listener, scheduler and workers all stopped in time
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    stderr = process.stderr.read()
    assert "Traceback" not in stderr


def test_serve_with_its_port_taken_is_one_configuration_line_and_exit_2(aws_emulator, httpserver):
    # A taken port is found before the listener and scheduler start.
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        process = serve({**serve_env(aws_emulator, httpserver, port), "SHUTDOWN_TIMEOUT": "10s"})
        try:
            assert process.wait(timeout=60) == 2
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    stderr = process.stderr.read()
    assert "Configuration error: SERVER_ADDRESS/SERVER_PORT: cannot listen on " in stderr
    assert f":{port} (Address already in use)" in stderr
    assert "Traceback" not in stderr and "serving on" not in stderr


def test_serve_with_prison_api_hanging_exits_1_within_shutdown_timeout_and_names_what_it_left(
        aws_emulator, aws_clients, httpserver):
    # The operator trial: a message whose validation waits on a prison-api that never answers.
    asked, release = threading.Event(), threading.Event()

    def hang(request: Request) -> Response:
        asked.set()
        release.wait(60)
        return Response("{}", status=500)

    httpserver.expect_request("/auth/oauth/token", method="POST").respond_with_json(
        {"access_token": "t", "token_type": "bearer", "expires_in": 3600})
    httpserver.expect_request(re.compile(r"/prison/.*")).respond_with_handler(hang)
    port = free_port()
    env = {**serve_env(aws_emulator, httpserver, port), "SHUTDOWN_TIMEOUT": "2s"}
    process = serve(env)
    try:
        wait_for(f"http://127.0.0.1:{port}/health/ping", process)
        queue_url = aws_clients.sqs.get_queue_url(QueueName=env["SQS_QUEUE_NAME"])["QueueUrl"]
        event = {"eventType": "IMPRISONMENT_STATUS-CHANGED", "bookingId": 1200001}
        aws_clients.sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps({
            "Type": "Notification", "MessageId": str(uuid.uuid4()), "Message": json.dumps(event),
            "MessageAttributes": {"eventType": {"Type": "String", "Value": event["eventType"]}}}))
        assert asked.wait(30), "the message never reached prison-api"
        stopping = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=2 + STOP_MARGIN_SECONDS + 5) == EXIT_FAILURE
        took = time.monotonic() - stopping
    finally:
        release.set()
        if process.poll() is None:
            process.kill()
            process.wait()
    assert took < 2 + STOP_MARGIN_SECONDS
    unfinished = [line for line in process.stderr.read().splitlines() if "left unfinished" in line]
    assert len(unfinished) == 1 and "after SHUTDOWN_TIMEOUT (2s): the listener's messages in hand" in unfinished[0]
