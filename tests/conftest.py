"""Test-wide setup: offscreen Qt, isolated settings and data dirs, one sandbox per session."""

from __future__ import annotations

import json

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import keyring  # noqa: E402
import keyring.backend  # noqa: E402
import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

# Property tests check what comes out, never how long it took: a per-example deadline only made them
# fail when the machine was busy.
settings.register_profile("opsconsole", deadline=None)
settings.load_profile("opsconsole")


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path, monkeypatch):
    """Settings, logs, audit log and AWS config never touch the real user's."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("OPSCONSOLE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / "aws_config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "aws_credentials"))
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    try:
        from PySide6.QtCore import QSettings

        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    except ImportError:  # pragma: no cover
        pass
    yield


_FULL_EVERY = 40
_tests_run = [0]


@pytest.fixture(autouse=True, scope="session")
def _garbage_collected_on_the_main_thread_only():
    """As in the app (ui/shell/collector): Python never collects garbage by itself, on whatever thread
    happens to allocate. A test's widgets, models and lambdas in a cycle collected on a job's or the
    sandbox's thread delete Qt objects off their own thread, which crashes the run later, elsewhere."""
    import gc

    was_enabled = gc.isenabled()
    gc.disable()
    yield
    if was_enabled:
        gc.enable()


@pytest.fixture(autouse=True)
def _collect_after_each_test():
    """The young generations after every test, everything every ``_FULL_EVERY`` tests: on this thread."""
    import gc

    yield
    _tests_run[0] += 1
    gc.collect() if _tests_run[0] % _FULL_EVERY == 0 else gc.collect(1)


@pytest.fixture
def local_time_zone(monkeypatch):
    """``local_time_zone("Asia/Tokyo")``: the console runs on a machine whose local time is that zone's (TZ),
    until the test ends."""
    import time

    def set_zone(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield set_zone
    monkeypatch.undo()
    time.tzset()


@pytest.fixture(scope="session")
def sandbox():
    """The embedded local AWS, started once, with the default scenario, no live activity."""
    from opsconsole.sandbox import Sandbox

    sb = Sandbox(port=0, seed=7, live=False)
    sb.start()
    yield sb
    sb.stop()


@pytest.fixture(scope="session")
def sandbox_connection(sandbox):
    from opsconsole.core.aws import Connection

    return Connection(
        region=sandbox.region,
        endpoint_url=sandbox.endpoint_url,
        sandbox=True,
        access_key=sandbox.credentials["aws_access_key_id"],
        secret_key=sandbox.credentials["aws_secret_access_key"],
    )


@pytest.fixture(scope="session")
def person_connection(sandbox, sandbox_connection):
    """``connect(name)``: the sandbox as the person ``name``, a session of the ``ConsoleUsers`` role.

    As people reach AWS through SSO: STS AssumeRole with the person's name as the
    session name, so GetCallerIdentity (and every record the console writes) names
    them. Two people in one test are two principals, as they would be in AWS.
    """
    import boto3

    from opsconsole.core.aws import Connection

    admin = {"region_name": sandbox.region, "endpoint_url": sandbox.endpoint_url, **sandbox.credentials}
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"AWS": "arn:aws:iam::123456789012:root"}}]}
    iam = boto3.client("iam", **admin)
    try:
        role_arn = iam.create_role(RoleName="ConsoleUsers", AssumeRolePolicyDocument=json.dumps(trust),
                                   MaxSessionDuration=43200)["Role"]["Arn"]
    except iam.exceptions.EntityAlreadyExistsException:
        role_arn = iam.get_role(RoleName="ConsoleUsers")["Role"]["Arn"]
    sts = boto3.client("sts", **admin)
    made: dict[str, Connection] = {}

    def connect(name: str) -> Connection:
        if name not in made:
            creds = sts.assume_role(RoleArn=role_arn, RoleSessionName=name, DurationSeconds=43200)["Credentials"]
            made[name] = Connection(region=sandbox.region, endpoint_url=sandbox.endpoint_url, sandbox=True,
                                    access_key=creds["AccessKeyId"], secret_key=creds["SecretAccessKey"],
                                    session_token=creds["SessionToken"])
        return made[name]

    return connect


@pytest.fixture(scope="session")
def sandbox_clients(sandbox_connection):
    from opsconsole.core.aws import Clients

    return Clients(sandbox_connection)


#: STS GetCallerIdentity's answer from the scripted endpoint (its XML form, as botocore reads it).
IDENTITY_XML = ("<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult>"
                "<Arn>arn:aws:iam::123456789012:user/scripted</Arn><UserId>AIDASCRIPTED</UserId>"
                "<Account>123456789012</Account></GetCallerIdentityResult>"
                "<ResponseMetadata><RequestId>0</RequestId></ResponseMetadata></GetCallerIdentityResponse>")
#: The scripted endpoint's principal may not simulate its policies: IAM's AccessDenied, every action stays offered.
SIMULATE_DENIED_XML = ("<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender</Type>"
                       "<Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/scripted is not "
                       "authorized to perform: iam:SimulatePrincipalPolicy</Message></Error>"
                       "<RequestId>0</RequestId></ErrorResponse>")
_IDENTITY_CALLS = {b"Action=GetCallerIdentity": (200, IDENTITY_XML),
                   b"Action=SimulatePrincipalPolicy": (403, SIMULATE_DENIED_XML)}


class ScriptedEndpoint:
    """A real HTTP endpoint on 127.0.0.1 that answers AWS JSON calls from a script.

    For error shapes and timings the sandbox cannot produce (throttling,
    access denied, a call that hangs until the test lets it go). Each entry of
    ``script`` is ``(status, body_dict)``; the last one repeats. ``gate``, when
    set, holds every request until the test sets it. GetCallerIdentity and
    SimulatePrincipalPolicy (which every new connection asks) are answered as
    STS and IAM would, outside the script.
    """

    def __init__(self, port: int = 0) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.script: list[tuple[int, dict]] = [(200, {})]
        self.requests: list[str] = []
        self.gate: threading.Event | None = None
        self.waiting = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length", 0))
                payload = self.rfile.read(length)
                answer = _IDENTITY_CALLS.get(payload.split(b"&", 1)[0]) if not self.headers.get("X-Amz-Target") else None
                if answer is not None:
                    # Who-am-I and what-may-I, asked by every connection, answered as STS and IAM do:
                    # the script is the calls under test.
                    status, data = answer[0], answer[1].encode()
                    self.send_response(status)
                    self.send_header("Content-Type", "text/xml")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                outer.requests.append(self.headers.get("X-Amz-Target", ""))
                if outer.gate is not None:
                    outer.waiting.set()
                    outer.gate.wait(30)
                index = min(len(outer.requests) - 1, len(outer.script) - 1)
                status, body = outer.script[index]
                import json

                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.0")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):  # keep test output clean
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def connection(self):
        from opsconsole.core.aws import Connection

        return Connection(region="eu-west-1", endpoint_url=self.url, access_key="AKIDTEST", secret_key="test-secret")

    def close(self) -> None:
        if self.gate is not None:
            self.gate.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def scripted_endpoint():
    ep = ScriptedEndpoint()
    yield ep
    ep.close()


@pytest.fixture
def closed_port():
    """A local port nothing listens on: calls to it fail at once with 'connection refused'."""
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class BlackHole:
    """A local endpoint that accepts connections and never answers (nor closes them)."""

    def __init__(self) -> None:
        import socket
        import threading

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.accepted: list = []
        self._stop = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def connection(self):
        from opsconsole.core.aws import Connection

        return Connection(region="eu-west-1", endpoint_url=self.url, access_key="AKIDTEST", secret_key="test-secret")

    def close(self) -> None:
        self._stop = True
        self.sock.close()
        for conn in self.accepted:
            conn.close()


@pytest.fixture
def frozen_heap():
    """What the app does once its window is up (app._freeze_heap): the long-lived objects (here the
    session's sandbox, millions of them) out of the cyclic collector's way, so its full passes do not
    stall the GUI thread for seconds in timing-sensitive tests."""
    import gc

    gc.collect()
    gc.freeze()
    yield
    gc.unfreeze()


@pytest.fixture
def black_hole():
    hole = BlackHole()
    yield hole
    hole.close()


@pytest.fixture
def make_scripted_endpoint():
    """Start scripted endpoints on chosen ports during a test; all closed afterwards."""
    made: list[ScriptedEndpoint] = []

    def make(port: int = 0) -> ScriptedEndpoint:
        ep = ScriptedEndpoint(port)
        made.append(ep)
        return ep

    yield make
    for ep in made:
        ep.close()


class MemoryKeyring(keyring.backend.KeyringBackend):
    """The OS keyring, in memory: what the console stores there and nowhere else."""

    priority = 1

    def __init__(self):
        super().__init__()
        self.store = {}

    def get_password(self, service, username):
        return self.store.get((service, username))

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def delete_password(self, service, username):
        self.store.pop((service, username), None)


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    kr = MemoryKeyring()
    keyring.set_keyring(kr)
    yield kr
    keyring.set_keyring(previous)
