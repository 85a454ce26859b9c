"""The call-center agent's triage: how well intents are ranked, and how the agent view answers its keys.

Prints one JSON object per measurement (see docs/benchmarks.md):

* ``agent_ranking``: per locale, top-1 and top-3 accuracy of the intent ranking
  on a held-out split of the seeded conversations (their missed turns, labelled
  with the intent a reviewer would choose), with the approved review history
  (the train split's phrases) and, side by side, the sample utterances alone
  (the ranking before the history counted). Two splits: by conversation (what
  an agent meets: phrasings come back from call to call) and by text (every
  test phrasing new to the ranking).
* ``agent_keys``: the real agent view (offscreen Qt, the job layer, the audited
  write path) driven with key presses against the sandbox, the way an agent
  works: the right intent's digit (or / and its name), Ctrl+Enter, N past a
  turn the bank's bot is not for, Ctrl+Backspace when only such turns are
  left. Keys per conversation, and the app's time per key (key press -> the
  view shows its result, painted; after Ctrl+Enter that is the next phrase
  with its intents ranked), median / p90 / max and the number over 100 ms,
  with 0 ms and ``--latency`` ms added before every AWS request (a botocore
  ``before-send`` handler sleeping in the worker thread: the network, never
  the GUI thread). Also how often a conversation showed before its locale's
  intents were in (``shown_without_intents``) and the time for the writes to
  drain after the last key.

The sandbox (seeded scenario) runs in a child process. Before the drive, the
train split's phrases are put in as approved review items (the history the
ranking learns from). Each run takes ``--conversations`` fresh conversations
from the queue; latencies alternate run by run.

Run: python benchmarks/operator_agent.py [--runs 3] [--conversations 20] [--latency 60]
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any


def emit(**fields: Any) -> None:
    print(json.dumps(fields), flush=True)


def load_average() -> float | None:
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None


# -- the server side -------------------------------------------------------------------------------
def serve() -> None:
    """Child process: the seeded sandbox; prints where and the bot, serves until stdin closes."""
    from opsconsole.sandbox import Sandbox

    sb = Sandbox(port=0, seed=7, live=False)
    sb.start()
    lex = sb.scenario.lex
    print(json.dumps({"endpoint": sb.endpoint_url, "region": sb.region, "credentials": sb.credentials,
                      "bot_id": lex["bot_id"], "bot_name": lex["bot_name"], "tables": lex["tables"]}), flush=True)
    sys.stdin.read()
    sb.stop()


# -- labelled data -----------------------------------------------------------------------------------
def reviewer_labels() -> dict[tuple[str, str], str | None]:
    """(locale, normalised text) -> the intent a reviewer forwards it to (None: not for this bot).

    The scenario's own answer sheet: the conversation table stores only what Lex saw.
    """
    from opsconsole.core.lexreview.similarity import normalise
    from opsconsole.sandbox.scenario.lexreview.utterances import CHAT_ONLY, LONG, MISSED

    labels: dict[tuple[str, str], str | None] = {}
    for table in (MISSED, CHAT_ONLY, LONG):
        for locale, phrases in table.items():
            for text, intent, _weight in phrases:
                labels[(locale, normalise(text))] = intent
    return labels


def labelled_examples(conversations: list[Any], labels: dict[tuple[str, str], str | None]) -> list[Any]:
    from opsconsole.core.lexreview.ranking import LabelledPhrase
    from opsconsole.core.lexreview.similarity import normalise

    out = []
    for conv in conversations:
        for turn in conv.missed_turns:
            intent = labels.get((conv.locale_id, normalise(turn.text)))
            if intent:
                out.append(LabelledPhrase(conv.locale_id, turn.text, intent, conv.contact_id))
    return out


def put_approved(clients: Any, where: dict[str, Any], train: list[Any]) -> int:
    """The train split's phrases as APPROVED review items: the review history before today."""
    from opsconsole.core.lexreview.store import to_attrs
    from opsconsole.core.lexreview.triage import Phrase, new_item

    ddb = clients.client("dynamodb")
    for ex in train:
        item = new_item(Phrase(ex.text, ex.intent), bot_id=where["bot_id"], bot_name=where["bot_name"],
                        locale_id=ex.locale_id, by="bench.agent", contact_id=ex.group,
                        item_id=f"bench-{uuid.uuid4()}")
        record = item.to_record()
        record.update(status="APPROVED", status_updated=f"APPROVED#{record['updated_at']}", updated_by="bench.ops")
        ddb.put_item(TableName=where["tables"]["review_items"], Item=to_attrs(record))
    return len(train)


def ranking(clients: Any, where: dict[str, Any], examples: list[Any]) -> list[Any]:
    """Emit top-1/top-3 per locale and split, with the history and with the samples alone; the train split."""
    from opsconsole.core.lexreview.bot import BotLocale, load_locale_model
    from opsconsole.core.lexreview.ranking import evaluate, held_out_split

    samples = {}
    for locale_id in sorted({ex.locale_id for ex in examples}):
        model = load_locale_model(clients, BotLocale(where["bot_id"], where["bot_name"], locale_id))
        samples[locale_id] = model.utterances()
    by_conversation_train: list[Any] = []
    for split in ("conversation", "text"):
        train, test = held_out_split(examples, 0.3, by="group" if split == "conversation" else "text")
        if split == "conversation":
            by_conversation_train = train
        with_history = {s.locale_id: s for s in evaluate(samples, train, test)}
        alone = {s.locale_id: s for s in evaluate(samples, train, test, use_history=False)}
        for locale_id, score in with_history.items():
            base = alone[locale_id]
            emit(bench="agent_ranking", split=split, locale=locale_id, test_phrases=score.n,
                 train_phrases=sum(1 for ex in train if ex.locale_id == locale_id),
                 top1=round(score.top1, 3), top3=round(score.top3, 3),
                 samples_only_top1=round(base.top1, 3), samples_only_top3=round(base.top3, 3),
                 goal_top1=0.85, goal_top3=0.97)
    return by_conversation_train


# -- driving the agent view -------------------------------------------------------------------------
class Latency:
    """Sleeps ``seconds`` before every AWS request is sent, on the thread sending it."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._pause = threading.Event()  # never set: a wait that cannot be cut short

    def __call__(self, **_kwargs: Any) -> None:
        if self.seconds:
            self._pause.wait(self.seconds)

    def attach(self, clients: Any) -> None:
        clients.session()._session.register("before-send", self)  # clients made from now on
        for service in ("dynamodb", "lexv2-models", "sts"):
            clients.client(service).meta.events.register("before-send", self)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def drive(connection: Any, latency_s: float, conversations: int,
          labels: dict[tuple[str, str], str | None]) -> dict[str, Any]:
    """Triage ``conversations`` conversations from the keyboard; the figures of the run."""
    from PySide6.QtCore import QEventLoop, QSettings, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from opsconsole.core.audit import AuditLog
    from opsconsole.core.settings import REVIEW_ROLE, Settings
    from opsconsole.core.lexreview.similarity import normalise
    from opsconsole.jobs.runner import JobRunner
    from opsconsole.ui.context import AppContext
    from opsconsole.ui.lexreview.panel import ReviewPanel

    app = QApplication.instance() or QApplication([])
    folder = Path(tempfile.mkdtemp(prefix="agent-bench-"))
    runner = JobRunner()
    ctx = AppContext(runner, AuditLog(folder / "audit.jsonl"),
                     settings=Settings(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)))
    ctx.settings.set(REVIEW_ROLE, "agent")
    ctx.set_display_name("bench.agent")
    ctx.set_connection(connection)
    Latency(latency_s).attach(ctx.clients)
    panel = ReviewPanel(ctx)
    panel.resize(1400, 860)
    panel.show()
    panel.activateWindow()
    view = panel.agent_view
    picker = view.picker

    def wait(what: str, ready: Callable[[], bool], seconds: float = 120.0) -> None:
        if ready():
            return
        loop, deadline = QEventLoop(), time.monotonic() + seconds
        timer = QTimer()
        timer.timeout.connect(lambda: loop.quit() if ready() or time.monotonic() > deadline else None)
        timer.start(1)  # a poll, not a busy loop: the workers need the GIL too
        loop.exec()
        timer.stop()
        if not ready():
            raise TimeoutError(f"the agent view never reached {what!r}")

    key_ms: dict[str, list[float]] = {}
    keys = 0
    shown_without_intents = 0
    slow: list[dict[str, Any]] = []
    key_cpu_ms: list[float] = []  # the GUI thread's own CPU per key: what the load of the machine moves least

    def press(name: str, key: Any, ready: Callable[[], bool], modifier: Any = Qt.KeyboardModifier.NoModifier,
              ) -> None:
        nonlocal keys
        target = QApplication.focusWidget() or view.transcript
        began, cpu = time.perf_counter(), time.thread_time()
        if isinstance(key, str):
            QTest.keyClicks(target, key)
        else:
            QTest.keyClick(target, key, modifier)
        handled = time.perf_counter()
        state_then = view_state()
        wait(name, ready)
        ready_at = time.perf_counter()
        app.processEvents()  # the repaint the change asked for
        ms = (time.perf_counter() - began) * 1000
        key_ms.setdefault(name, []).append(ms)
        key_cpu_ms.append((time.thread_time() - cpu) * 1000)
        keys += 1
        if ms > 50:  # where a slow key's time went: the key's own handling, waiting, the repaint
            slow.append({"key": name, "ms": round(ms, 1), "handled_ms": round((handled - began) * 1000, 1),
                         "waited_ms": round((ready_at - handled) * 1000, 1),
                         "painted_ms": round((time.perf_counter() - ready_at) * 1000, 1),
                         "when_handled": state_then})

    def view_state() -> dict[str, Any]:
        # What a key that waits was waiting for: the view as it stood once the key was handled.
        conv = view.current
        key = (conv.bot_id, conv.locale_id) if conv else None
        return {"since_load_s": round(time.perf_counter() - began, 2), "bot": key[0] if key else None, "row": view.model.row_of(conv.contact_id) if conv else None,
                "queue_rows": view.model.rowCount(), "locales_loaded": len(view.session.models()),
                "locale": key[1] if key else None, "intents_loaded": bool(key and key in view.session.models()),
                "intents_loading": bool(key and view.session.loading(*key)), "intents_shown": picker.model.rowCount(),
                "turn": view.turn_index, "deferred_submit": bool(getattr(view, "_pending_submit", False))}

    def intents_shown() -> bool:
        return view.current is None or picker.model.rowCount() > 0

    began = time.perf_counter()
    locale_ready_s: dict[str, float] = {}  # from the panel's load to each locale's intents in
    view.session.model_loaded.connect(lambda m: locale_ready_s.setdefault(
        m.locale.locale_id, round(time.perf_counter() - began, 2)))
    panel.load()
    wait("a conversation", lambda: view.current is not None)
    first_shown_s = time.perf_counter() - began
    wait("its intents", intents_shown)
    gc.collect()
    gc.freeze()  # as the app does once it has started
    done = 0
    try:
        while done < conversations and view.current is not None:
            conv = view.current
            skipped: set[int] = set()
            while view.current is conv:
                # A console that refuses keys while a write is on its way: the agent waits to see it land.
                wait("the last write", lambda: not getattr(view, "_busy", lambda: False)())
                turn = view.turn_index
                text = view.phrase_edit.text()
                intent = labels.get((conv.locale_id, normalise(text))) if turn is not None else None
                open_turns = [t for t in view._open_missed(conv) if t not in skipped]
                if turn is None or intent is None or intent not in picker.model.names():
                    skipped.add(turn)
                    if [t for t in open_turns if t != turn]:
                        press("N", Qt.Key.Key_N, lambda t=turn: view.turn_index != t)
                    else:
                        press("Ctrl+Backspace", Qt.Key.Key_Backspace, lambda: view.current is not conv
                              and intents_shown(), Qt.KeyboardModifier.ControlModifier)
                    continue
                rank = picker.model.names().index(intent)
                if rank < 9:
                    press("digit", getattr(Qt.Key, f"Key_{rank + 1}"), lambda i=intent: picker.chosen_intent == i)
                else:
                    press("/", Qt.Key.Key_Slash, lambda: QApplication.focusWidget() is picker.search)
                    for ch in intent:
                        press("search typing", ch, lambda: True)
                    press("Enter", Qt.Key.Key_Return, lambda i=intent: picker.chosen_intent == i)
                press("Ctrl+Enter", Qt.Key.Key_Return,
                      lambda t=turn: (view.current is not conv or view.turn_index != t) and intents_shown(),
                      Qt.KeyboardModifier.ControlModifier)
            done += 1
            if view.current is not None and not picker.model.rowCount():
                shown_without_intents += 1
        drain_began = time.perf_counter()
        outbox = getattr(view, "outbox", None)  # None: a console from before submits went on behind
        wait("every write landed", lambda: outbox.in_flight == 0 if outbox else not view.review_actions.busy, 300.0)
        drain_s = time.perf_counter() - drain_began
        unsaved = len(view.unsaved.entries) if outbox else 0
        audited = [(r.action, r.result) for r in ctx.audit.read()]
    finally:
        panel.cancel_jobs()
        panel.close()
        runner.shutdown(wait_ms=120_000)
        panel.deleteLater()
        app.processEvents()
    every = [ms for values in key_ms.values() for ms in values]
    return {
        "conversations": done, "keys": keys, "keys_per_conversation": round(keys / max(done, 1), 2),
        "key_median_ms": round(statistics.median(every), 1), "key_p90_ms": round(percentile(every, 0.9), 1),
        "key_max_ms": round(max(every), 1), "keys_over_100ms": sum(1 for ms in every if ms > 100),
        "key_cpu_median_ms": round(statistics.median(key_cpu_ms), 1),
        "key_cpu_p90_ms": round(percentile(key_cpu_ms, 0.9), 1), "key_cpu_max_ms": round(max(key_cpu_ms), 1),
        "ctrl_enter_median_ms": round(statistics.median(key_ms.get("Ctrl+Enter", [0.0])), 1),
        "ctrl_enter_max_ms": round(max(key_ms.get("Ctrl+Enter", [0.0])), 1),
        "digit_median_ms": round(statistics.median(key_ms.get("digit", [0.0])), 1),
        "first_conversation_shown_s": round(first_shown_s, 2), "locale_ready_s": locale_ready_s, "shown_without_intents": shown_without_intents,
        "writes_drained_s": round(drain_s, 2), "unsaved": unsaved,
        "writes_ok": sum(1 for _a, result in audited if result == "ok"), "writes": len(audited),
        "slow_keys": slow[:8],
    }


def connection_of(where: dict[str, Any]) -> Any:
    from opsconsole.core.aws import Connection

    return Connection(region=where["region"], endpoint_url=where["endpoint"], sandbox=True,
                      access_key=where["credentials"]["aws_access_key_id"],
                      secret_key=where["credentials"]["aws_secret_access_key"])


def drive_elsewhere(src: str, where: dict[str, Any], latency_s: float, conversations: int) -> dict[str, Any]:
    """:func:`drive` with the console in ``src`` (a child process with it first on the path)."""
    env = {**os.environ, "PYTHONPATH": os.path.abspath(src)}
    out = subprocess.run([sys.executable, __file__, "--drive", json.dumps(where), str(latency_s), str(conversations)],
                         env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--conversations", type=int, default=20, help="conversations triaged per run")
    parser.add_argument("--latency", type=float, default=60.0, help="ms added before every AWS request")
    parser.add_argument("--no-drive", action="store_true", help="the ranking figures only")
    parser.add_argument("--baseline", metavar="SRC",
                        help="also drive the agent view of the console in SRC (e.g. a checkout's src/), side by side")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)  # the server process
    parser.add_argument("--drive", nargs=3, help=argparse.SUPPRESS)  # one drive in this process: WHERE LATENCY N
    args = parser.parse_args()
    if args.serve:
        serve()
        return
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    logging.getLogger("opsconsole").setLevel(logging.CRITICAL)
    if args.drive:
        where, latency_s, n = json.loads(args.drive[0]), float(args.drive[1]), int(args.drive[2])
        print(json.dumps(drive(connection_of(where), latency_s, n, reviewer_labels())), flush=True)
        return

    from opsconsole.core.aws import Clients
    from opsconsole.core.lexreview.conversations import iter_conversations

    child = subprocess.Popen([sys.executable, __file__, "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True)
    try:
        where = json.loads(child.stdout.readline())
        connection = connection_of(where)
        clients = Clients(connection)
        conversations = [c for page in iter_conversations(clients) for c in page]
        labels = reviewer_labels()
        examples = labelled_examples(conversations, labels)
        train = ranking(clients, where, examples)
        if args.no_drive:
            return
        approved = put_approved(clients, where, train)
        for run in range(args.runs):
            for latency_ms in ((0.0, args.latency) if run % 2 == 0 else (args.latency, 0.0)):
                sides = [("this console", None), ("baseline", args.baseline)] if args.baseline else [
                    ("this console", None)]
                for side, src in (sides if run % 2 == 0 else sides[::-1]):
                    if src is None:
                        figures = drive(connection, latency_ms / 1000, args.conversations, labels)
                    else:
                        figures = drive_elsewhere(src, where, latency_ms / 1000, args.conversations)
                    emit(bench="agent_keys", side=side, run=run + 1, added_latency_ms=latency_ms,
                         approved_history=approved, goal_key_ms=50, goal_keys_per_conversation=3.3, **figures,
                         load_average=load_average(), python=sys.version.split()[0])
    finally:
        child.stdin.close()
        child.wait(60)


if __name__ == "__main__":
    main()
