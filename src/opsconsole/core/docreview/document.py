"""A document as the reviewer sees it: its extraction (fields, confidences, boxes) and page images.

Reading is two S3 calls per document plus one per page: ``extraction.json``
(what Textract and Comprehend found) and ``page-<n>.png``. Reviewing a field
is a :class:`Decision` (accepted, edited, missing); the corrected record the
state machine continues with is built from the decisions by
:func:`corrected_record`. Values are checked per entity type where the
reviewer types them (:func:`check_value`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from opsconsole.core.aws import Clients
from opsconsole.core.docreview.config import CONFIG, ReviewConfig
from opsconsole.core.docreview.store import error_code
from opsconsole.core.errors import DomainError

ENTITY_TYPES = ("VENDOR", "INVOICE_NUMBER", "DATE", "TOTAL", "CURRENCY", "TAX", "HS_CODE",
                "COUNTRY_OF_ORIGIN", "CONSIGNEE", "WEIGHT", "OTHER")
ACCEPTED, EDITED, MISSING = "accepted", "edited", "missing"


class DocumentUnreadable(DomainError):
    """The document's extraction is missing or not what the pipeline writes."""

    title = "Document cannot be read"


@dataclass(frozen=True)
class Box:
    """Textract's bounding box: fractions of the page's width and height."""

    left: float
    top: float
    width: float
    height: float

    @classmethod
    def from_api(cls, raw: Mapping[str, Any] | None) -> Box | None:
        if not raw:
            return None
        try:
            return cls(float(raw["Left"]), float(raw["Top"]), float(raw["Width"]), float(raw["Height"]))
        except (KeyError, TypeError, ValueError):
            return None


@dataclass(frozen=True)
class Field:
    """One extracted field."""

    id: str
    key: str
    value: str | None
    confidence: float
    entity_type: str
    page: int = 1
    box: Box | None = None

    def low(self, threshold: float) -> bool:
        return self.confidence < threshold


@dataclass(frozen=True)
class Page:
    number: int
    image: str
    width: int
    height: int


@dataclass
class Document:
    """The extraction of one document and its page images (PNG bytes, by page number)."""

    document_id: str
    doc_type: str
    tenant: str
    fields: list[Field]
    pages: list[Page]
    threshold: float = 0.95
    images: dict[int, bytes] = field(default_factory=dict, repr=False)
    #: Pages whose image could not be read, and why.
    missing_images: dict[int, str] = field(default_factory=dict)

    @classmethod
    def from_extraction(cls, data: Mapping[str, Any]) -> Document:
        try:
            fields = [Field(str(f["id"]), str(f.get("key", "")), None if f.get("value") is None else str(f["value"]),
                            float(f.get("confidence", 0) or 0), str(f.get("entityType") or "OTHER"),
                            int(f.get("page", 1) or 1), Box.from_api(f.get("boundingBox")))
                      for f in data.get("fields") or []]
            pages = [Page(int(p.get("page", i + 1)), str(p.get("image", f"page-{i + 1}.png")),
                          int(p.get("width", 0) or 0), int(p.get("height", 0) or 0))
                     for i, p in enumerate(data.get("pages") or [])]
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DocumentUnreadable(f"extraction.json is not in the pipeline's layout ({exc})") from None
        return cls(str(data.get("documentId", "")), str(data.get("docType", "")), str(data.get("tenant", "")),
                   fields, pages, float(data.get("threshold", 0.95) or 0.95))

    def review_order(self) -> list[Field]:
        """Fields to review: under the threshold first (lowest confidence first), then the rest in page order."""
        low = sorted((f for f in self.fields if f.low(self.threshold)), key=lambda f: (f.confidence, f.page))
        rest = [f for f in self.fields if not f.low(self.threshold)]
        return low + rest

    def field(self, field_id: str) -> Field | None:
        return next((f for f in self.fields if f.id == field_id), None)


def split_uri(uri: str) -> tuple[str, str]:
    """'s3://bucket/a/b' -> ('bucket', 'a/b')."""
    if not uri.startswith("s3://"):
        raise ValueError(f"not an S3 URI: {uri}")
    bucket, _, key = uri[5:].partition("/")
    return bucket, key


def read_json(clients: Clients, bucket: str, key: str) -> Any:
    body = clients.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    return json.loads(body)


def load_document(clients: Clients, document_id: str, config: ReviewConfig = CONFIG, *,
                  document_uri: str = "", with_images: bool = True) -> Document:
    """``extraction.json`` and (``with_images``) every page's PNG."""
    bucket, prefix = split_uri(document_uri) if document_uri else (config.bucket, config.document_prefix(document_id))
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    s3 = clients.client("s3")
    try:
        data = read_json(clients, bucket, prefix + "extraction.json")
    except json.JSONDecodeError as exc:
        raise DocumentUnreadable(f"extraction.json of {document_id} is not JSON ({exc})") from None
    doc = Document.from_extraction(data)
    doc.document_id = doc.document_id or document_id
    if with_images:
        for page in doc.pages or [Page(1, "page-1.png", 0, 0)]:
            try:
                doc.images[page.number] = s3.get_object(Bucket=bucket, Key=prefix + page.image)["Body"].read()
            except ClientError as exc:
                if error_code(exc) not in ("NoSuchKey", "404", "AccessDenied"):
                    raise
                # The fields can still be reviewed; the page view says the image is missing.
                doc.missing_images[page.number] = f"{page.image}: {error_code(exc)}"
    return doc


# -- values ---------------------------------------------------------------------------------
_NUMBER = re.compile(r"^-?\d{1,3}(,\d{3})*(\.\d+)?$|^-?\d+(\.\d+)?$")
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4})$")
_HS = re.compile(r"^\d{4}(\.?\d{2}){1,3}$")
_WEIGHT = re.compile(r"^\d+([.,]\d+)?\s*(kg|g|t|lb|lbs)?$", re.IGNORECASE)


def check_value(entity_type: str, value: str) -> str | None:
    """Why ``value`` cannot be a value of ``entity_type`` (a sentence), or None when it can."""
    text = value.strip()
    if not text:
        return "Type a value, or mark the field missing (M)"
    if "\n" in text or len(text) > 500:
        return "One line of at most 500 characters"
    if entity_type in ("TOTAL", "TAX") and not _NUMBER.match(text.replace(" ", "")):
        return "An amount: digits with an optional decimal point (1,234.50)"
    if entity_type == "DATE" and not _DATE.match(text):
        return "A date: 2026-11-30 or 30/11/2026"
    if entity_type == "CURRENCY" and not re.fullmatch(r"[A-Z]{3}", text):
        return "A currency code: three capital letters (EUR, USD)"
    if entity_type == "HS_CODE" and not _HS.match(text):
        return "An HS code: 6 to 10 digits (8471.30 or 847130)"
    # Letters of any script (Côte d'Ivoire, Curaçao, Åland), spaces, dots, apostrophes and hyphens.
    if entity_type == "COUNTRY_OF_ORIGIN" and not re.fullmatch(r"[^\W\d_](?:[^\W\d_]|[ .'’-]){1,59}", text):
        return "A country: its name or ISO code (DE, Germany)"
    if entity_type == "WEIGHT" and not _WEIGHT.match(text):
        return "A weight: a number with an optional unit (12.5 kg)"
    return None


@dataclass(frozen=True)
class Decision:
    """What the reviewer said about one field."""

    field_id: str
    status: str  # accepted | edited | missing
    value: str | None = None
    entity_type: str = ""


def corrected_record(doc: Document, decisions: Mapping[str, Decision], reviewed_by: str,
                     output_uri: str = "") -> dict[str, Any]:
    """The record the state machine continues with: every field, with the reviewer's decision.

    Fields with no decision count as accepted when the machine was confident
    (at or over the threshold); an undecided low-confidence field is an error
    (the reviewer has not looked at it).
    """
    out = []
    undecided = []
    for f in doc.fields:
        d = decisions.get(f.id)
        if d is None:
            if f.low(doc.threshold):
                undecided.append(f.key or f.id)
                continue
            d = Decision(f.id, ACCEPTED)
        etype = d.entity_type or f.entity_type
        if d.status == MISSING:
            value = None
        elif d.status == EDITED:
            value = d.value
        else:
            value = f.value
        status = d.status
        if status == ACCEPTED and etype != f.entity_type:
            status = EDITED  # only the entity type changed: still an edit
        out.append({"id": f.id, "key": f.key, "value": value, "entityType": etype, "status": status})
    if undecided:
        raise DocumentUnreadable(f"Not reviewed yet: {', '.join(undecided)}", title="Review not finished")
    return {"documentId": doc.document_id, "fields": out, "reviewedBy": reviewed_by, "outputUri": output_uri}


def undecided_fields(doc: Document, decisions: Mapping[str, Decision]) -> list[Field]:
    """The low-confidence fields the reviewer has not decided on yet."""
    return [f for f in doc.review_order() if f.low(doc.threshold) and f.id not in decisions]


def changed_fields(doc: Document, decisions: Iterable[Decision]) -> int:
    return sum(1 for d in decisions if d.status in (EDITED, MISSING))
