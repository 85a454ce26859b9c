"""Page images on demand: drawn on their first GET (or HEAD), and by a background thread after start.

Drawing ~260 pages takes a few seconds of CPU, too much for the sandbox's
start. :func:`lazy_pages` answers nothing itself: it puts the PNG into moto's
S3 when it is missing and lets moto serve the request, so a GET of
``documents/<id>/page-<n>.png`` always finds the page. :class:`PageFiller`
draws those of the newest documents in the background (live sandboxes), so
listings show them too.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from typing import Any

from opsconsole.sandbox.scenario import catalog as c
from opsconsole.sandbox.scenario.docreview.documents import Document
from opsconsole.sandbox.scenario.docreview.render import render
from opsconsole.sandbox.scenario.background import Background

log = logging.getLogger(__name__)

#: path of a page image, path-style (/bucket/key) as boto3 sends it to an IP endpoint
PAGE_PATH = rf"/{re.escape(c.DOCUMENT_BUCKET)}/documents/(?P<doc>[^/]+)/page-(?P<page>\d+)\.png"


class Pages:
    """Draws and stores the page images of ``documents``, each once."""

    def __init__(self, documents: dict[str, Document], put_object: Callable[[str, bytes], None]):
        self.documents = documents
        self.put_object = put_object
        self._done: set[tuple[str, int]] = set()
        self._lock = threading.Lock()

    def ensure(self, doc_id: str, page: int) -> bool:
        """Store the page if it is not stored yet; False for a page that does not exist."""
        doc = self.documents.get(doc_id)
        if doc is None or not 1 <= page <= doc.pages:
            return False
        with self._lock:
            if (doc_id, page) in self._done:
                return True
            self.put_object(f"{doc.prefix}page-{page}.png", render(doc.layouts[page - 1]))
            self._done.add((doc_id, page))
        return True

    def handler(self, request: Any) -> None:
        """Extension route: make sure the page exists, then let moto answer the request."""
        params = request.path_params
        try:
            self.ensure(params["doc"], int(params["page"]))
        except Exception:  # moto answers NoSuchKey as it would
            log.exception("sandbox: could not draw %s", request.path)
        return None


class PageFiller(Background):
    """Draws the pages of the newest ``documents`` documents in a daemon thread, newest first
    (older documents' pages are drawn when asked for)."""

    thread_name = "sandbox-docreview-pages"

    def __init__(self, pages: Pages, documents: int = 200):
        self.pages = pages
        self.documents = documents
        super().__init__()

    def _run(self) -> None:
        newest = sorted(self.pages.documents.values(), key=lambda d: d.received, reverse=True)
        for doc in newest[:self.documents]:
            for page in range(1, doc.pages + 1):
                if self._stopping.wait(0.01):  # yield between pages: requests come first
                    return
                try:
                    self.pages.ensure(doc.document_id, page)
                except Exception:
                    log.exception("sandbox: could not draw a page of %s", doc.document_id)
