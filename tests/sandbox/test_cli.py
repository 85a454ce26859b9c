"""``opsconsole-sandbox`` as a separate process: ready line, boto3 access, live activity, Ctrl-C.

A subprocess because moto's state is per process: this sandbox runs with live
activity next to the session's quiet one.
"""

from __future__ import annotations

import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

READY = re.compile(r"opsconsole sandbox ready at (http://127\.0\.0\.1:\d+) \(region (\S+)\) in [\d.]+ s")


class Cli:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "opsconsole.sandbox.cli", "--port", "0", "--seed", "7"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.output: list[str] = []

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)

    def next_line(self, timeout: float) -> str:
        line = self.lines.get(timeout=timeout)
        self.output.append(line)
        return line


@pytest.fixture(scope="module")
def cli() -> Iterator[tuple[Cli, Any]]:
    running = Cli()
    try:
        match = None
        while match is None:
            try:
                match = READY.search(running.next_line(timeout=30))
            except queue.Empty:
                pytest.fail(f"no ready line from the CLI; output so far: {running.output}")
        url, region = match.groups()
        sfn = boto3.session.Session().client("stepfunctions", endpoint_url=url, region_name=region,
                                             aws_access_key_id="sandbox", aws_secret_access_key="sandbox")
        yield running, sfn
    finally:
        if running.process.poll() is None:
            running.process.kill()
            running.process.wait(timeout=10)


pytestmark = pytest.mark.slow


def test_cli_prints_the_url_and_serves_boto3(cli):
    running, sfn = cli
    names = {m["name"] for m in sfn.list_state_machines()["stateMachines"]}
    assert {"mlops-training", "mlops-inference", "item-classification-transaction"} <= names
    assert any("aws stepfunctions list-state-machines --endpoint-url" in line for line in running.output
               + [running.next_line(timeout=5)])


def test_cli_prints_each_identitys_keys_and_they_are_enforced(cli):
    running, _ = cli
    while not any("operations:" in line for line in running.output):
        running.next_line(timeout=5)
    keys = dict(re.findall(r"^\s+([\w-]+): (\S+)$", "".join(running.output), re.MULTILINE))
    assert keys["admin"] == "sandbox"
    assert {"tenant-retail-compliance", "tenant-contact-center", "tenant-finance-ops",
            "agent", "operations"} <= set(keys)
    url = READY.search("".join(running.output)).group(1)
    finance = boto3.session.Session().client(
        "stepfunctions", endpoint_url=url, region_name="eu-west-1",
        aws_access_key_id=keys["tenant-finance-ops"], aws_secret_access_key=keys["tenant-finance-ops"])
    with pytest.raises(finance.exceptions.ClientError) as refused:
        finance.list_executions(stateMachineArn="arn:aws:states:eu-west-1:123456789012:stateMachine:mlops-training")
    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"


def test_live_activity_starts_new_executions(cli, wait_for):
    _, sfn = cli
    machines = [m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"]]

    def count() -> int:
        return sum(len(sfn.list_executions(stateMachineArn=arn, maxResults=1000)["executions"])
                   for arn in machines)

    before = count()
    wait_for(lambda: count() > before, timeout=20, interval=0.5, what="a live execution")


def test_cli_exits_cleanly_on_sigint(cli):
    running, _ = cli
    running.process.send_signal(signal.SIGINT)
    assert running.process.wait(timeout=20) == 0
    running.reader.join(timeout=20)  # stdout reaches EOF once the process has gone
    rest = []
    while True:
        try:
            rest.append(running.next_line(timeout=0))
        except queue.Empty:
            break
    assert any("stopped" in line for line in rest)
    assert not any("Traceback" in line for line in running.output)
