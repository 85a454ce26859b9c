"""The embedded local AWS: server, Step Functions interpreter, seeded scenario, live activity.

``Sandbox(port=0, seed=7, live=True).start()`` returns once the server answers
and the scenario is seeded. moto keeps its state per process, so only one
sandbox may run in a process at a time; :meth:`Sandbox.stop` resets moto so
that the next one starts clean.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
from types import ModuleType, TracebackType
from typing import Any

from opsconsole.sandbox.a2i import service as a2i
from opsconsole.sandbox.access import ADMIN_CREDENTIALS, IDENTITIES, AccessMiddleware
from opsconsole.sandbox.cloudwatch import service as cloudwatch
from opsconsole.sandbox.dynamodb import atomic_writes, indexes, item_pages
from opsconsole.sandbox.forecast import service as forecast
from opsconsole.sandbox.lexv2 import service as lexv2
from opsconsole.sandbox.scenario.seeding import Clients, LiveActivity, LiveAlerts, Scenario, seed
from opsconsole.sandbox.faults import FaultMiddleware, parse_spec
from opsconsole.sandbox.server import ExtensionRegistry, SandboxServer, import_moto_services, make_app
from opsconsole.sandbox.scenario.docreview import DocReviewActivity
from opsconsole.sandbox.sqs import service as sqs
from opsconsole.sandbox.stepfunctions import extensions, redrive

log = logging.getLogger(__name__)

#: Modules whose ``register(registry)`` adds AWS operations (or fixes) to every sandbox.
#: Later work (RedriveExecution, Lex V2 model building, ...) adds its module here.
EXTENSION_MODULES: tuple[ModuleType, ...] = (extensions, redrive, lexv2, cloudwatch, sqs, forecast, a2i)

_active_lock = threading.Lock()
_active: Sandbox | None = None
#: unique id of the botocore hook that sends the interpreter's calls to the bound address
_BOUND_ADDRESS_HOOK = "opsconsole-sandbox-bound-address"
#: moto loggers that report every Fail state and failed task (business as usual here) as errors
_NOISY_LOGGERS = ("moto.stepfunctions.parser.asl.component.eval_component",
                  "moto.stepfunctions.parser.asl.component.state.exec.execute_state")


class Sandbox:
    """An AWS-compatible server on 127.0.0.1 seeded with the domain scenario."""

    region = "eu-west-1"

    def __init__(self, port: int = 0, seed: int = 7, live: bool = True, *, seeded: bool = True,
                 now: dt.datetime | None = None, faults: str | None = None):
        """``seeded=False`` serves an empty account (no scenario, no live activity);
        ``now`` pins the scenario's clock (default: the time of :meth:`start`);
        ``faults``: a fault SPEC (see :mod:`opsconsole.sandbox.faults`), injected once ready."""
        self.fault_rules = parse_spec(faults) if faults else []  # a bad SPEC fails here, before anything starts
        self.faults: FaultMiddleware | None = None
        self.port = port
        self.seed = seed
        self.live = live and seeded
        self.seeded = seeded
        self.now = now if now is None or now.tzinfo else now.replace(tzinfo=dt.timezone.utc)
        self.extensions = ExtensionRegistry()
        self.scenario: Scenario | None = None
        self.startup_seconds: float | None = None
        self._server: SandboxServer | None = None
        #: On a fixed port: the listener others connect to, opened once the scenario is seeded.
        self._public: SandboxServer | None = None
        self._server_public: SandboxServer | None = None
        self._live: LiveActivity | None = None
        self._live_alerts: LiveAlerts | None = None
        self._docreview: DocReviewActivity | None = None
        self._saved: dict[str, Any] = {}
        self._tag_clients: dict[str, Any] = {}
        self._started = False

    # -- public interface -------------------------------------------------
    @staticmethod
    def running() -> Sandbox | None:
        """The sandbox running in this process, if any (there can be only one)."""
        return _active if _active is not None and _active._server is not None else None

    @property
    def endpoint_url(self) -> str:
        if self._public is not None:
            return self._public.url
        if self._server is None:
            raise RuntimeError("sandbox not started")
        return self._server.url

    @property
    def credentials(self) -> dict[str, str]:
        """The admin keys: every call allowed, unchecked; these are not secrets."""
        return dict(ADMIN_CREDENTIALS)

    @staticmethod
    def identities() -> tuple[str, ...]:
        """Names of the identities besides the admin (``tenant-<id>``, ``agent``, ``operations``)."""
        return tuple(IDENTITIES)

    @staticmethod
    def credentials_for(identity: str) -> dict[str, str]:
        """The keys of one identity (``admin`` or a name from :meth:`identities`)."""
        if identity == "admin":
            return dict(ADMIN_CREDENTIALS)
        if identity not in IDENTITIES:
            from opsconsole.core.errors import DomainError

            raise DomainError(f"The sandbox has no identity {identity!r}: use admin, {', '.join(IDENTITIES)}.",
                              title="Unknown sandbox identity")
        return IDENTITIES[identity].credentials

    @staticmethod
    def tenant_of(identity: str) -> str:
        """The tenant an identity is scoped to ("" for the admin and the roles)."""
        found = IDENTITIES.get(identity)
        return found.tags.get("tenant", "") if found is not None else ""

    def client(self, service: str, **config: Any) -> Any:
        """A boto3 client for ``service`` pointed at the sandbox."""
        from botocore.config import Config

        return _session().client(
            service, endpoint_url=self.endpoint_url, region_name=self.region,
            config=Config(**{"retries": {"max_attempts": 2, "mode": "standard"},
                             "max_pool_connections": 32, **config}), **self.credentials)

    def start(self) -> Sandbox:
        """Start the server, seed the scenario (and live activity); blocks until ready."""
        global _active
        with _active_lock:
            if _active is not None:
                raise RuntimeError("a sandbox is already running in this process (moto state is per process)")
            _active = self
        began = time.perf_counter()
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.perf_counter() - began
        log.info("sandbox ready at %s in %.1f s", self.endpoint_url, self.startup_seconds)
        return self

    def stop(self) -> None:
        """Stop live activity and running executions, shut the server down, reset moto. Idempotent."""
        global _active
        if self._live is not None:
            self._live.stop()
            self._live = None
        if self._live_alerts is not None:
            self._live_alerts.stop()
            self._live_alerts = None
        if self._docreview is not None:
            self._docreview.stop()
            self._docreview = None
        sqs.tasks.stop()
        if self.faults is not None:
            self.faults.stop()  # black-holed requests end, so the servers can stop
        if self._started:
            _stop_running_executions()
        for public in (self._public, self._server_public):
            if public is not None:
                public.stop()
        self._public = self._server_public = None
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._started:
            _reset_moto()
            self._restore()
            self._started = False
        with _active_lock:
            if _active is self:
                _active = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()

    # -- internals --------------------------------------------------------
    def _start(self) -> None:
        from moto.core.config import default_user_config
        from moto.stepfunctions.parser.models import stepfunctions_parser_backends

        import_moto_services()
        log.debug("sandbox: moto imported")
        _reset_moto()
        self._started = True
        sfn_config = default_user_config.setdefault("stepfunctions", {})
        self._saved = {"execute": sfn_config.get("execute_state_machine", False),
                       "port": os.environ.get("MOTO_PORT"),
                       "levels": {name: logging.getLogger(name).level for name in _NOISY_LOGGERS}}
        sfn_config["execute_state_machine"] = True
        for name in _NOISY_LOGGERS:
            logging.getLogger(name).setLevel(logging.CRITICAL)
        for module in EXTENSION_MODULES:
            module.register(self.extensions)
        atomic_writes.install()
        indexes.install()  # after: its write hooks wrap the locked writes
        item_pages.install()

        # On a fixed port, clients that know it (a console reconnecting, a script) must not see a
        # half-seeded account: the port is taken now but refuses connections until the scenario is
        # in; seeding and the interpreter's callbacks use a private listener on a free port.
        # Injected faults reach what clients send, never the seeding (they start once ready).
        base = AccessMiddleware(make_app(self.extensions), self._tags_of)
        if self.fault_rules:
            self.faults = FaultMiddleware(base, self.fault_rules, self.seed)
        served = self.faults or base
        public_url = None
        if self.port:
            self._public = SandboxServer(self.extensions, port=self.port, app=served)
            self._public.bind()
            public_url = self._public.url
            self._server = SandboxServer(self.extensions, port=0, app=base)
            self._server_public, self._public = self._public, None  # endpoint_url: private until ready
        else:
            self._server = SandboxServer(self.extensions, port=self.port, app=served)
            self._server_public = None
        self._server.start()
        # the interpreter's service integrations call back on http://localhost:$MOTO_PORT;
        # they are sent to the address the server is bound to (see _to_bound_address)
        os.environ["MOTO_PORT"] = str(self._server.port)
        _session().events.register("before-send", self._to_bound_address, unique_id=_BOUND_ADDRESS_HOOK)
        log.debug("sandbox: serving on %s", self._server.url)

        if not self.seeded:
            self._open_public()
            return
        clients = Clients(stepfunctions=self.client("stepfunctions"), sqs=self.client("sqs"),
                          sns=self.client("sns"), dynamodb=self.client("dynamodb"),
                          cloudwatch=self.client("cloudwatch"))
        now = self.now or dt.datetime.now(dt.timezone.utc)
        backend = stepfunctions_parser_backends["123456789012"][self.region]
        self.scenario = seed(clients, seed_value=self.seed, now=now, endpoint_url=public_url or self.endpoint_url,
                             sfn_backend=backend)
        self._docreview = DocReviewActivity(self.scenario.docreview_seed, self.extensions,
                                            stepfunctions=clients.stepfunctions, sqs=clients.sqs,
                                            dynamodb=clients.dynamodb, seed=self.seed, live=self.live).start()
        if self.live:

            self._live = LiveActivity(clients, self.scenario.state_machines, self.seed).start()
            self._live_alerts = LiveAlerts(clients.cloudwatch, self.seed).start()
        self._open_public()

    def _open_public(self) -> None:
        """Ready: start accepting connections on the fixed port (and injecting faults, if asked).

        A fixed port opens on the whole scenario: the document pipeline's runs,
        started in the background, are waited for first (the embedded sandbox
        does not wait; its documents arrive as they would live).
        """
        documents = getattr(self.scenario, "docreview_seed", None)
        if self._server_public is not None and documents is not None:
            documents.wait_ready()
        if self.faults is not None:
            self.faults.activate()
        if self._server_public is not None:
            self._public, self._server_public = self._server_public, None
            self._public.listen()

    def _tags_of(self, service: str, key: str) -> dict[str, str]:
        """A resource's tags as the admin sees them (``key``: its ARN, or a queue's URL), for IAM's checks."""
        client = self._tag_client
        if service == "sqs":
            return dict(client("sqs").list_queue_tags(QueueUrl=key).get("Tags", {}))
        if service == "dynamodb":
            tags = client("dynamodb").list_tags_of_resource(ResourceArn=key).get("Tags", [])
            return {t["Key"]: t["Value"] for t in tags}
        if service == "sns":
            tags = client("sns").list_tags_for_resource(ResourceArn=key).get("Tags", [])
            return {t["Key"]: t["Value"] for t in tags}
        if service == "states":
            tags = client("stepfunctions").list_tags_for_resource(resourceArn=key).get("tags", [])
            return {t["key"]: t["value"] for t in tags}
        if service == "lex":
            return dict(client("lexv2-models").list_tags_for_resource(resourceARN=key).get("tags", {}))
        if service == "forecast":
            tags = client("forecast").list_tags_for_resource(ResourceArn=key).get("Tags", [])
            return {t["Key"]: t["Value"] for t in tags}
        return {}

    def _tag_client(self, service: str) -> Any:
        """One admin client per service on the private listener (never the injected faults)."""
        with _active_lock:
            made = self._tag_clients.get(service)
            if made is None:
                from botocore.config import Config

                server = self._server
                if server is None:
                    raise RuntimeError("sandbox not started")
                made = self._tag_clients[service] = _session().client(
                    service, endpoint_url=server.url, region_name=self.region,
                    config=Config(retries={"max_attempts": 1}), **self.credentials)
        return made

    def _to_bound_address(self, request: Any, **_: Any) -> None:
        """botocore's before-send hook: a call to http://localhost:<our port> (moto's
        interpreter builds that URL) goes to the address the server is bound to, so it
        never tries ::1 first (on Windows a refused ::1 costs about 2 s per call)."""
        if self._server is not None:
            local = f"http://localhost:{self._server.port}"
            if request.url == local or request.url.startswith((local + "/", local + "?")):
                request.url = self._server.url + request.url[len(local):]

    def _restore(self) -> None:
        from moto.core.config import default_user_config

        if not self._saved:
            return
        item_pages.uninstall()
        indexes.uninstall()
        _session().events.unregister("before-send", unique_id=_BOUND_ADDRESS_HOOK)
        atomic_writes.uninstall()
        default_user_config.setdefault("stepfunctions", {})["execute_state_machine"] = self._saved["execute"]
        if self._saved["port"] is None:
            os.environ.pop("MOTO_PORT", None)
        else:
            os.environ["MOTO_PORT"] = self._saved["port"]
        for name, level in self._saved["levels"].items():
            logging.getLogger(name).setLevel(level)
        self._saved = {}


def _session() -> Any:
    """boto3's default session: the interpreter creates its clients there, so its loaded
    service models are shared instead of being parsed once more per session."""
    import boto3

    if boto3.DEFAULT_SESSION is None:
        boto3.setup_default_session()
    return boto3.DEFAULT_SESSION


def _stop_running_executions() -> None:
    """Abort real executions still running, so their threads end with the sandbox."""
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    now = dt.datetime.now(dt.timezone.utc)
    for account in list(stepfunctions_parser_backends.values()):
        for backend in list(account.values()):
            for machine in backend.state_machines:
                for execution in list(machine.executions):
                    env = getattr(getattr(execution, "exec_worker", None), "env", None)
                    if execution.exec_status is not None and execution.status == "RUNNING" and env is not None:
                        try:
                            execution.stop(stop_date=now, error=None, cause="sandbox stopped")
                        except Exception:  # an execution mid-start has no environment yet
                            log.debug("could not stop %s", execution.exec_arn, exc_info=True)


def _reset_moto() -> None:
    """Forget every resource moto holds in this process (what /moto-api/reset does)."""
    from moto.core.base_backend import BackendDict
    from moto.core.model_instances import reset_model_data

    BackendDict.reset()
    reset_model_data()
