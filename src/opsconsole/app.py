"""The `opsconsole` command: options, logging, the main window, the optional sandbox."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import traceback
from pathlib import Path

from opsconsole import __version__

log = logging.getLogger("opsconsole")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="opsconsole", description="Operations console for an ML platform on AWS.")
    p.add_argument("--sandbox", action="store_true", help="start the embedded local AWS and connect to it")
    p.add_argument("--seed", type=int, default=7, help="scenario seed for --sandbox (default 7)")
    p.add_argument("--sandbox-identity", metavar="NAME", default="admin",
                   help="with --sandbox: connect as this sandbox identity, its IAM policies enforced: admin "
                        "(default), tenant-retail-compliance, tenant-contact-center, tenant-finance-ops, agent, "
                        "operations (see opsconsole-sandbox)")
    p.add_argument("--faults", metavar="SPEC",
                   help="with --sandbox: inject faults, e.g. throttle:states:0.3,blackhole:sqs:0.05 "
                        "(see opsconsole-sandbox --help)")
    p.add_argument("--profile", help="AWS profile from your config/credentials files")
    p.add_argument("--region", help="AWS region, e.g. eu-west-1")
    p.add_argument("--endpoint-url", help="send every AWS call to this URL (LocalStack, your own moto)")
    p.add_argument("--version", action="version", version=f"opsconsole {__version__}")
    p.add_argument(
        "--smoke-test",
        action="store_true",
        help="open the window, load every panel's first data, print a line per panel and exit",
    )
    p.add_argument("--screenshot", metavar="DIR", help="like --smoke-test, then save one PNG per panel into DIR")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds allowed for --smoke-test/--screenshot")
    args = p.parse_args(argv)
    from opsconsole.core.aws import validate_endpoint, validate_region

    if args.endpoint_url:
        problem = validate_endpoint(args.endpoint_url)
        if problem:
            p.error(f"--endpoint-url: {problem}")
    if args.region:
        problem = validate_region(args.region)
        if problem:
            p.error(f"--region: {problem}")
    if args.sandbox and (args.profile or args.endpoint_url):
        p.error("--sandbox picks its own endpoint and credentials; leave out --profile/--endpoint-url")
    if args.sandbox_identity != "admin" and not args.sandbox:
        p.error("--sandbox-identity needs --sandbox")
    if args.faults:
        if not args.sandbox:
            p.error("--faults needs --sandbox (faults are injected by the embedded sandbox)")
        from opsconsole.sandbox.faults import FaultSpecError, parse_spec

        try:
            parse_spec(args.faults)
        except FaultSpecError as exc:
            p.error(f"--faults: {exc}")
    return args


def _install_qt_logging() -> None:
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    levels = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
        QtMsgType.QtCriticalMsg: logging.ERROR,
        QtMsgType.QtFatalMsg: logging.CRITICAL,
    }
    qt_log = logging.getLogger("qt")

    def handler(mode, context, message) -> None:  # noqa: ANN001 - Qt's signature
        qt_log.log(levels.get(mode, logging.INFO), message)

    qInstallMessageHandler(handler)


def initial_connection(args: argparse.Namespace, settings):  # noqa: ANN001 - a core.settings.Settings
    """From the command line, else what was used last time, else the default chain."""
    from opsconsole.core import profiles
    from opsconsole.core.aws import DEFAULT_REGION, Connection
    from opsconsole.core.settings import CONNECTION_ENDPOINT, CONNECTION_KEYRING_NAME, CONNECTION_PROFILE, CONNECTION_REGION

    if args.profile or args.region or args.endpoint_url:
        region = args.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        if not region and args.profile:
            region = next((p.region for p in profiles.list_profiles() if p.name == args.profile and p.region), None)
        return Connection(profile=args.profile, region=region or DEFAULT_REGION, endpoint_url=args.endpoint_url)
    region = settings.get(CONNECTION_REGION) or os.environ.get("AWS_REGION") or DEFAULT_REGION
    endpoint = settings.get(CONNECTION_ENDPOINT) or None
    keyring_name = settings.get(CONNECTION_KEYRING_NAME)
    if keyring_name:
        try:
            keys = profiles.load_keys(keyring_name)
        except profiles.KeyringUnavailable:
            keys = None
        if keys:
            return Connection(region=region, endpoint_url=endpoint, access_key=keys[0], secret_key=keys[1], keyring_name=keyring_name)
    profile = settings.get(CONNECTION_PROFILE) or None
    return Connection(profile=profile, region=region, endpoint_url=endpoint)


def data_paths(paths):  # noqa: ANN001, ANN201 - the core.paths module
    """(log file or None, audit file, "" or the sentence saying the data folder cannot be used).

    A data folder that cannot be created or written does not stop the console:
    it runs without a log file, and every write to AWS is refused (its audit
    record must be on disk first) until the folder is fixed.
    """
    problems: list[str] = []
    try:
        log_file = paths.log_dir() / "opsconsole.log"
    except OSError as exc:
        log_file = None
        problems.append(f"{exc.strerror or exc}")
    try:
        audit_path = paths.audit_log_path()
    except OSError as exc:
        audit_path = paths.audit_log_path(create=False)
        problems.append(f"{exc.strerror or exc}")
    if not problems:
        return log_file, audit_path, ""
    folder = audit_path.parent
    return log_file, audit_path, (
        f"The data folder {folder} cannot be written ({problems[0]}): the console runs without its log file, "
        "and writes to AWS are refused until it can be (each write needs its audit record first). "
        "Fix the folder's permissions or free some space, or set OPSCONSOLE_DATA_DIR to another folder.")


def sandbox_identity(sb, name: str):  # noqa: ANN001, ANN201 - a started Sandbox; a core.aws.Connection
    """The connection to the running sandbox as its identity ``name`` (admin, agent, operations, tenant-…)."""
    from opsconsole.core.aws import Connection

    keys = sb.credentials_for(name)
    return Connection(region=sb.region, endpoint_url=sb.endpoint_url, sandbox=True,
                      access_key=keys["aws_access_key_id"], secret_key=keys["aws_secret_access_key"],
                      tenant=sb.tenant_of(name), sandbox_identity=name)


def _freeze_heap() -> None:
    import gc

    gc.collect()
    gc.freeze()


def _app_icon(paths):  # noqa: ANN001, ANN202 - Qt types are imported late
    """The window icon from the rendered PNGs (crisp at every size), else the SVG."""
    from PySide6.QtCore import QSize
    from PySide6.QtGui import QIcon

    icon = QIcon()
    for size in (16, 20, 24, 32, 40, 48, 64, 128, 256, 512, 1024):
        png = paths.resource(f"icons/opsconsole-{size}.png")
        if png.is_file():
            icon.addFile(str(png), QSize(size, size))
    return icon if not icon.isNull() else QIcon(str(paths.resource("opsconsole.svg")))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["graph"]:
        # `opsconsole graph DEFINITION.json --out FILE`: render without a window.
        from opsconsole.graphcli import main as graph_main

        return graph_main(argv[1:])
    if argv[:1] == ["audit"]:
        # `opsconsole audit verify [FILE]`: check the audit log's hash chain.
        from opsconsole.auditcli import main as audit_main

        return audit_main(argv[1:])
    args = parse_args(argv)
    headless = args.smoke_test or args.screenshot
    if headless and not os.environ.get("QT_QPA_PLATFORM") and sys.platform.startswith("linux") and not os.environ.get("DISPLAY"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"

    from PySide6.QtCore import QSettings, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from opsconsole.core import logbuffer, paths
    from opsconsole.core.audit import AuditLog
    from opsconsole.core.settings import Settings
    from opsconsole.ui.context import AppContext
    from opsconsole.ui.shell.main_window import MainWindow
    from opsconsole.ui.shell.smoke import SmokeRun
    from opsconsole.jobs.runner import JobRunner

    started = time.monotonic()
    log_file, audit_path, folder_problem = data_paths(paths)
    logbuffer.install(str(log_file) if log_file else None)
    if headless:
        # Nobody watches a window in these modes: problems go to stderr too.
        stderr = logging.StreamHandler(sys.stderr)
        stderr.setLevel(logging.ERROR)
        stderr.setFormatter(logbuffer.RedactingFormatter("%(levelname)s %(name)s: %(message)s"))
        logging.getLogger().addHandler(stderr)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName("opsconsole")
    app.setApplicationName("opsconsole")
    app.setApplicationVersion(__version__)
    app.setWindowIcon(_app_icon(paths))
    app.setDesktopFileName("opsconsole")
    # Garbage collected on this (the GUI) thread only, never on a job's, and in full only at quiet moments.
    from opsconsole.ui.shell import collector

    collector.install(app)
    _install_qt_logging()
    log.info("opsconsole %s starting", __version__)
    if folder_problem:
        log.error("%s", folder_problem)
        if headless:
            print(f"opsconsole: {folder_problem}", file=sys.stderr, flush=True)

    # The one settings store of the app; everything reads and writes it through ctx.settings.
    settings = Settings(QSettings())
    runner = JobRunner()
    ctx = AppContext(runner, AuditLog(audit_path), settings=settings)
    window = MainWindow(ctx)
    if folder_problem and not headless:
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(QMessageBox.Icon.Warning, "Data folder not writable", folder_problem,
                          QMessageBox.StandardButton.Ok, window)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setModal(False)
        QTimer.singleShot(0, box.show)
    exit_code = {"value": 0}
    sandbox_holder: dict[str, object] = {}

    def excepthook(exc_type, exc, tb) -> None:  # noqa: ANN001
        text = "".join(traceback.format_exception(exc_type, exc, tb))
        log.error("unhandled exception:\n%s", text)
        from opsconsole.core.errors import describe

        ctx.notices.report_unexpected(describe(exc), text)
        if headless:
            exit_code["value"] = 1

    sys.excepthook = excepthook

    smoke = None
    if headless:
        smoke = SmokeRun(window, Path(args.screenshot) if args.screenshot else None, timeout_s=args.timeout)
        smoke.finished.connect(lambda code: (exit_code.__setitem__("value", max(code, exit_code["value"])), app.quit()))

    if args.sandbox:
        from opsconsole.sandbox import Sandbox

        window.set_status("starting sandbox…")

        def start_sandbox(seed: int) -> Sandbox:
            Sandbox.credentials_for(args.sandbox_identity)  # an unknown name fails before the sandbox starts
            sb = Sandbox(port=0, seed=seed, live=not headless, faults=args.faults).start()
            documents = getattr(sb.scenario, "docreview_seed", None)
            if headless and documents is not None:
                # The document pipeline queues its reviews just after start: the smoke run reports them all.
                documents.wait_ready()
            return sb

        job = runner.submit(start_sandbox, args.seed, name="start sandbox")

        def sandbox_ready(sb: Sandbox) -> None:
            sandbox_holder["sb"] = sb
            _freeze_heap()
            log.info("sandbox ready at %s after %.1f s", sb.endpoint_url, time.monotonic() - started)
            identities = {name: sandbox_identity(sb, name) for name in ("admin", *sb.identities())}
            window.offer_sandbox_identities(identities)  # Ctrl+K switches between them
            ctx.set_connection(identities[args.sandbox_identity])

        def sandbox_failed(err) -> None:  # noqa: ANN001
            window.set_status(f"sandbox failed: {err.message}", False)
            if smoke is not None:
                smoke.fail_all(f"sandbox did not start: {err}")

        job.done.connect(sandbox_ready)
        job.failed.connect(sandbox_failed)
    else:
        QTimer.singleShot(0, lambda: ctx.set_connection(initial_connection(args, settings)))

    window.show()

    stopped = {"all": True}

    def shutdown() -> None:
        window.save()
        ctx.notices.close()
        # Bounded: a call stuck on an endpoint that never answers is abandoned (and logged), not waited for.
        stopped["all"] = ctx.shutdown(5000)
        sb = sandbox_holder.get("sb")
        if sb is not None:
            sb.stop()
        log.info("opsconsole stopped")

    app.aboutToQuit.connect(shutdown)
    # Objects alive once the window is up (Qt wrappers, botocore models, the
    # sandbox's data) live as long as the app: move them out of the cyclic
    # collector's way so its full passes stop stalling the GUI for 100+ ms.
    QTimer.singleShot(0, _freeze_heap)
    code = app.exec()
    code = max(code, exit_code["value"])
    if not stopped["all"]:
        # Threads still blocked in a socket read would hold the exit until their timeout:
        # what they were doing is logged (and audited, for writes); leave now.
        logging.shutdown()
        os._exit(code)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
