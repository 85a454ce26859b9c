"""The document-review area while the sandbox runs: page images on demand, the workforce, the intake.

:class:`DocReviewActivity` always serves page images (drawn on first GET);
it starts the pipeline's executions in the background once the sandbox is
ready (``DocReviewSeed.ready`` is set when they wait with their tokens in the
table); with ``live=True`` it also draws the remaining pages in the background, lets
the simulated A2I workforce answer loops and turns new review requests in the
queue into WAITING items every few seconds.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from opsconsole.sandbox.a2i import service as a2i_service
from opsconsole.sandbox.scenario import catalog as c
from opsconsole.sandbox.scenario.docreview.pages import PAGE_PATH, PageFiller, Pages
from opsconsole.sandbox.scenario.docreview.seed import DocReviewSeed, intake, put_object
from opsconsole.sandbox.scenario.docreview.workforce import Workforce

log = logging.getLogger(__name__)


class DocReviewActivity:
    def __init__(self, seeded: DocReviewSeed, registry: Any, *, stepfunctions: Any, sqs: Any, dynamodb: Any,
                 seed: int, live: bool, interval: float = 4.0):
        self.seeded = seeded
        self.registry = registry
        self.live = live
        self.sqs, self.dynamodb = sqs, dynamodb
        self.interval = interval
        self.pages = Pages(seeded.documents, put_object)
        truths = {doc_id: doc.truth for doc_id, doc in seeded.documents.items()}
        self.workforce = Workforce(a2i_service.backend(c.REGION, c.ACCOUNT_ID), put_object, stepfunctions, seed,
                                   truths)
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
                self.seeded.finish()
        except Exception:
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
        """One round: new review requests into the table, the workforce's answers."""
        intake(self.sqs, self.dynamodb, self.seeded.summary["queue_url"])
        self.workforce.step()

    def _run(self) -> None:
        self.seeded.ready.wait()
        while not self._stopping.wait(self.interval):
            try:
                self.tick()
            except Exception:
                if not self._stopping.is_set():
                    log.exception("sandbox: document review activity failed a round")
