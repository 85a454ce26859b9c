"""The sandbox on a fixed port listens only once its scenario is seeded: nobody ever sees part of it."""

from __future__ import annotations

import socket
import subprocess
import sys

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError
from support import wait_until

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_fixed_port_refuses_connections_until_the_scenario_is_seeded():
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "opsconsole.sandbox.cli", "--port", str(port), "--no-live"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sfn = boto3.client("stepfunctions", endpoint_url=f"http://127.0.0.1:{port}", region_name="eu-west-1",
                       aws_access_key_id="sandbox", aws_secret_access_key="sandbox",
                       config=Config(retries={"max_attempts": 0}, connect_timeout=1, read_timeout=30))
    answers: list[int] = []
    refused = [0]

    def three_answers() -> bool:
        try:
            machines = sfn.list_state_machines()["stateMachines"]
            executions = sfn.list_executions(stateMachineArn=machines[0]["stateMachineArn"])["executions"] \
                if machines else []
            answers.append(len(machines) * 1000 + len(executions))
        except EndpointConnectionError:
            refused[0] += 1
        return len(answers) >= 3

    try:
        wait_until(three_answers, timeout=90, what="the sandbox to become ready")
        assert refused[0] > 0, "the port answered before the process could possibly have seeded"
        # Every answer, from the first on, is the whole scenario.
        assert len(set(answers)) == 1 and answers[0] >= 1001, answers
    finally:
        process.terminate()
        process.wait(timeout=20)
