"""The document-review area while the sandbox runs: page images on demand, the workforce, the intake.

:class:`DocReviewActivity` always serves page images (drawn on first GET);
it starts the pipeline's executions in the background once the sandbox is
ready (``DocReviewSeed.ready`` is set when they wait with their tokens in the
table); with ``live=True`` a new document arrives about every 30 s (a real
execution of the pipeline), and it also draws the remaining pages in the background, lets
the simulated A2I workforce answer loops and turns new review requests in the
queue into WAITING items every few seconds.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import threading
from typing import Any

from opsconsole.sandbox.a2i import service as a2i_service
from opsconsole.sandbox.scenario import catalog as c
from opsconsole.sandbox.scenario.docreview.documents import arrival
from opsconsole.sandbox.scenario.docreview.pages import PAGE_PATH, PageFiller, Pages
from opsconsole.sandbox.scenario.docreview.seed import (
    DocReviewSeed,
    execution_input,
    intake,
    put_object,
)
from opsconsole.sandbox.scenario.docreview.workforce import Workforce

log = logging.getLogger(__name__)

#: a new document arrives every this many seconds on average
ARRIVAL_SECONDS = 30.0


class DocReviewActivity:
    def __init__(self, seeded: DocReviewSeed, registry: Any, *, stepfunctions: Any, sqs: Any, dynamodb: Any,
                 seed: int, live: bool, interval: float = 4.0):
        self.seeded = seeded
        self.registry = registry
        self.live = live
        self.sqs, self.dynamodb, self.stepfunctions = sqs, dynamodb, stepfunctions
        self.seed = seed
        self.arrived: list[str] = []
        self._rng = random.Random(f"{seed}:docreview:live")
        self.interval = interval
        self.pages = Pages(seeded.documents, put_object)
        truths = _Truths(seeded.documents)
        self.workforce = Workforce(a2i_service.backend(c.REGION, c.ACCOUNT_ID), put_object, stepfunctions, seed,
                                   truths, started_at=dt.datetime.now(dt.timezone.utc))
        self._filler: PageFiller | None = None
        self._finishing = threading.Thread(target=self._finish, name="sandbox-docreview-seed", daemon=True)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> DocReviewActivity:
        for method in ("GET", "HEAD"):
            self.registry.add_rest(method, PAGE_PATH, self.pages.handler, service="s3")
        self._finishing.start()
        if self.live:
            self._filler = PageFiller(self.pages).start()
            self._thread = threading.Thread(target=self._run, name="sandbox-docreview-live", daemon=True)
            self._thread.start()
        return self

    def _finish(self) -> None:
        try:
            if self.seeded.finish is not None:
                self.seeded.finish(self._stopping)
        except Exception:  # SeedStopped too: the sandbox is stopping, the rest is not needed
            if not self._stopping.is_set():
                log.exception("sandbox: the document pipeline's executions could not be started")
        finally:
            self.seeded.ready.set()

    def stop(self) -> None:
        self._stopping.set()
        if self._finishing.is_alive():
            self._finishing.join(30)
        if self._filler is not None:
            self._filler.stop()
        if self._thread is not None and self._thread.is_alive():
            self._thread.join(10)
        self.registry.remove(self.pages.handler)

    def tick(self) -> None:
        """One round: now and then a new document, new review requests into the table, the workforce's answers."""
        if self._rng.random() < self.interval / ARRIVAL_SECONDS:
            self.arrive()
        intake(self.sqs, self.dynamodb, self.seeded.summary["queue_url"])
        self.workforce.step()

    def arrive(self, route: str | None = None) -> str:
        """A new document: its extraction in S3 and a real execution of the pipeline (to the console's
        queue or to A2I when the document needs review; ``route`` chooses); returns its id."""
        now = dt.datetime.now(dt.timezone.utc)
        doc = arrival(self.seed, len(self.arrived), now)
        put_object(f"{doc.prefix}extraction.json", json.dumps(doc.extraction()).encode())
        self.seeded.documents[doc.document_id] = doc
        chosen = "a2i" if self._rng.random() < 0.35 else "console"
        route = route or chosen
        summary = self.seeded.summary
        self.stepfunctions.start_execution(
            stateMachineArn=summary["state_machine"], name=doc.document_id,
            input=json.dumps(execution_input(doc, route, summary["flow_definitions"])))
        self.arrived.append(doc.document_id)
        return doc.document_id

    def _run(self) -> None:
        self.seeded.ready.wait()
        while not self._stopping.wait(self.interval):
            try:
                self.tick()
            except Exception:
                if not self._stopping.is_set():
                    log.exception("sandbox: document review activity failed a round")


class _Truths:
    """document id -> its true field values, for documents the seed adds later too."""

    def __init__(self, documents: dict[str, Any]):
        self.documents = documents

    def get(self, doc_id: str, default: Any = None) -> Any:
        doc = self.documents.get(doc_id)
        return doc.truth if doc is not None else default
