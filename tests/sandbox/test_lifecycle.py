"""Start, stop and start again in one process: the second sandbox starts clean.

Runs in a subprocess (the test session already has its sandbox) with empty
sandboxes (``seeded=False``), which start in about a second.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.slow

SCRIPT = textwrap.dedent('''
    import json, os
    import boto3
    from moto.core.config import default_user_config
    from opsconsole.sandbox import Sandbox

    def clients(sb):
        kw = dict(endpoint_url=sb.endpoint_url, region_name=sb.region, **sb.credentials)
        return boto3.client("stepfunctions", **kw), boto3.client("sqs", **kw)

    first = Sandbox(port=0, seeded=False).start()
    assert os.environ["MOTO_PORT"] == first.endpoint_url.rsplit(":", 1)[1]
    sfn, sqs = clients(first)
    sfn.create_state_machine(name="leftover", roleArn="arn:aws:iam::123456789012:role/r",
                             definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}))
    sqs.create_queue(QueueName="leftover")
    first.stop()
    first.stop()
    assert "MOTO_PORT" not in os.environ
    assert default_user_config["stepfunctions"]["execute_state_machine"] is False
    assert Sandbox.running() is None

    with Sandbox(port=0, seeded=False) as second:
        sfn, sqs = clients(second)
        assert sfn.list_state_machines()["stateMachines"] == []
        assert "QueueUrls" not in sqs.list_queues()
    print("clean")
''')


def test_a_second_sandbox_starts_clean():
    env = {k: v for k, v in __import__("os").environ.items() if k != "MOTO_PORT"}
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().endswith("clean")
