"""The seeded documents: invoices and customs forms of a logistics business, with what extraction read.

Pure and deterministic for a seed: each :class:`Document` has its page layouts
(what is printed where: :mod:`.render` draws them), the fields extraction
returned (key, value, confidence, entity type, Textract-style normalised
bounding box of the printed value) and the truth (what a careful reviewer
types). Defects: ``clean`` (everything above the threshold), ``missing_total``
(no total printed or read), ``wrong_vendor`` (the vendor read as another
company), ``unreadable`` (one or two smudged fields read as garbage) and
``low_confidence`` (a right value read with little confidence).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from opsconsole.sandbox.scenario import catalog as c
from opsconsole.sandbox.scenario.docreview.render import text_size

PAGE_W, PAGE_H = 1240, 1754
THRESHOLD = 0.95
DEFECTS = {"clean": 50, "missing_total": 13, "wrong_vendor": 13, "unreadable": 13, "low_confidence": 11}

VENDORS = ("Nordic Freight AB", "Baltic Shipping Lines", "Rhein Logistik GmbH", "Iberia Cargo SL",
           "Adriatic Forwarding SpA", "Polska Spedycja Sp. z o.o.", "Atlantic Container Co.",
           "Holland Haulage BV", "Danube Trucking Kft", "Alpine Rail Cargo AG", "Celtic Port Services Ltd",
           "Marseille Transit SARL")
CONSIGNEES = ("Acme Retail Europe", "Northwind Traders", "Globex Distribution", "Initech Supplies",
              "Umbrella Wholesale", "Stark Home & Garden", "Wayne Outdoor GmbH", "Hooli Devices BV")
COUNTRIES = ("China", "Vietnam", "India", "Turkey", "Bangladesh", "Mexico", "United States", "Japan",
             "South Korea", "Morocco")
CURRENCIES = ("EUR", "USD", "GBP", "SEK", "PLN")
GOODS = (("Cotton T-shirts", "6109.10"), ("Running shoes", "6404.11"), ("LED lamps", "8539.50"),
         ("Steel bolts", "7318.15"), ("Kitchen knives", "8211.91"), ("Plastic toys", "9503.00"),
         ("Laptop bags", "4202.12"), ("Ceramic mugs", "6912.00"), ("Bicycle parts", "8714.99"))
SERVICES = ("Sea freight FCL 40HC", "Road haulage", "Customs clearance", "Terminal handling",
            "Warehousing (pallet/week)", "Fuel surcharge", "Documentation fee", "Insurance")
#: documents belong to these tenants (tagged on the document and its review task)
TENANT_BY_TYPE = {"invoice": c.TENANT_FINANCE, "customs_form": c.TENANT_RETAIL}


@dataclass
class Document:
    document_id: str
    doc_type: str
    tenant: str
    received: dt.datetime
    defect: str
    fields: list[dict[str, Any]]
    truth: dict[str, str | None]
    layouts: list[dict[str, Any]] = field(repr=False)

    @property
    def pages(self) -> int:
        return len(self.layouts)

    @property
    def min_confidence(self) -> float:
        return min(f["confidence"] for f in self.fields)

    @property
    def prefix(self) -> str:
        return f"documents/{self.document_id}/"

    @property
    def loop_name(self) -> str:
        return f"doc-{self.document_id}".lower()

    def reasons(self) -> list[dict[str, Any]]:
        """The fields under the threshold, lowest first: why the document needs a person."""
        low = sorted((f for f in self.fields if f["confidence"] < THRESHOLD), key=lambda f: f["confidence"])
        return [{"field": f["id"], "key": f["key"], "confidence": f["confidence"]} for f in low]

    def extraction(self) -> dict[str, Any]:
        return {"documentId": self.document_id, "docType": self.doc_type, "tenant": self.tenant,
                "pages": [{"page": n + 1, "image": f"page-{n + 1}.png", "width": PAGE_W, "height": PAGE_H}
                          for n in range(self.pages)],
                "fields": self.fields, "threshold": THRESHOLD}

    def corrected_fields(self, reviewer_edits: dict[str, str | None] | None = None) -> list[dict[str, Any]]:
        """The fields as a careful reviewer leaves them (the truth), with the contract's status."""
        out = []
        for f in self.fields:
            true = (reviewer_edits or {}).get(f["id"], self.truth[f["id"]])
            status = "missing" if true is None else "accepted" if true == f["value"] else "edited"
            out.append({"id": f["id"], "key": f["key"], "value": true, "entityType": f["entityType"],
                        "status": status})
        return out


class _Page:
    """Collects what one page prints and where."""

    def __init__(self, seed: int):
        self.texts: list[tuple[int, int, str, int]] = []
        self.boxes: list[tuple[int, int, int, int]] = []
        self.smudges: list[tuple[int, int, int, int, int]] = []
        self.seed = seed

    def text(self, x: int, y: int, text: str, scale: int = 2) -> tuple[int, int, int, int]:
        self.texts.append((x, y, text, scale))
        w, h = text_size(text, scale)
        return x, y, w, h

    def layout(self) -> dict[str, Any]:
        return {"width": PAGE_W, "height": PAGE_H, "texts": self.texts, "boxes": self.boxes,
                "smudges": self.smudges, "seed": self.seed}


def _bbox(x: int, y: int, w: int, h: int, pad: int = 4) -> dict[str, float]:
    return {"Left": round((x - pad) / PAGE_W, 5), "Top": round((y - pad) / PAGE_H, 5),
            "Width": round((w + 2 * pad) / PAGE_W, 5), "Height": round((h + 2 * pad) / PAGE_H, 5)}


def _misread(rng: random.Random, value: str) -> str:
    """What OCR makes of a smudged value."""
    swaps = {"0": "O", "1": "l", "5": "S", "8": "B", "2": "Z", "6": "b", ".": ",", "E": "F", "A": "4"}
    chars = [swaps.get(ch, ch) if rng.random() < 0.5 else ch for ch in value]
    for _ in range(rng.randint(1, 2)):
        chars.insert(rng.randrange(len(chars) + 1), rng.choice("#?~%"))
    return "".join(chars)


def _money(amount: float) -> str:
    return f"{amount:,.2f}"


def generate(seed: int, count: int, now: dt.datetime, span_days: float = 14.0, series: int = 10000,
             label: str = "documents") -> list[Document]:
    """``count`` documents received over the ``span_days`` before ``now``, oldest first (numbers from ``series``)."""
    rng = random.Random(f"{seed}:docreview:{label}")
    docs = []
    received = sorted(now - dt.timedelta(seconds=rng.uniform(600, span_days * 86400)) for _ in range(count))
    for n, when in enumerate(received):
        doc_type = "invoice" if rng.random() < 0.6 else "customs_form"
        defect = rng.choices(list(DEFECTS), list(DEFECTS.values()))[0]
        number = series + n * 7 + rng.randint(0, 6)
        doc_id = f"{'INV' if doc_type == 'invoice' else 'CUS'}-{when:%y%m%d}-{number}"
        build = _invoice if doc_type == "invoice" else _customs
        docs.append(build(random.Random(f"{seed}:docreview:{doc_id}"), doc_id, when, defect))
    return docs


def arrival(seed: int, n: int, when: dt.datetime) -> Document:
    """The ``n``-th document arriving while the sandbox runs (numbers from 90000)."""
    rng = random.Random(f"{seed}:docreview:arrival:{n}")
    doc_type = "invoice" if rng.random() < 0.6 else "customs_form"
    defect = rng.choices(list(DEFECTS), list(DEFECTS.values()))[0]
    doc_id = f"{'INV' if doc_type == 'invoice' else 'CUS'}-{when:%y%m%d}-{90000 + n}"
    build = _invoice if doc_type == "invoice" else _customs
    return build(random.Random(f"{seed}:docreview:{doc_id}"), doc_id, when, defect)


class _Builder:
    def __init__(self, rng: random.Random, doc_id: str, defect: str):
        self.rng, self.doc_id, self.defect = rng, doc_id, defect
        self.pages: list[_Page] = []
        self.fields: list[dict[str, Any]] = []
        self.truth: dict[str, str | None] = {}

    def page(self) -> _Page:
        self.pages.append(_Page(self.rng.randrange(2**31)))
        return self.pages[-1]

    def field(self, page: _Page, x: int, y: int, key: str, value: str | None, entity: str,
              scale: int = 3, label: str | None = None, label_above: bool = False) -> None:
        """Print ``label`` and ``value`` and record what extraction read there."""
        _, _, lw, lh = page.text(x, y, (label or key) + ":", 2)
        vx, vy = (x, y + lh + 10) if label_above else (x + lw + 18, y - (scale - 2) * 3)
        fid = f"f{len(self.fields) + 1:02d}"
        self.truth[fid] = value
        if value is None:  # nothing printed: extraction found the key and an empty value
            w, h = text_size("0000.00", scale)
            self.fields.append({"id": fid, "key": key, "value": None, "entityType": entity,
                                "confidence": round(self.rng.uniform(0.18, 0.55), 3),
                                "page": len(self.pages), "boundingBox": _bbox(vx, vy, w, h)})
            return
        bx, by, bw, bh = page.text(vx, vy, value, scale)
        self.fields.append({"id": fid, "key": key, "value": value, "entityType": entity,
                            "confidence": round(self.rng.uniform(0.955, 0.999), 3),
                            "page": len(self.pages), "boundingBox": _bbox(bx, by, bw, bh)})
        self._boxes[fid] = (page, bx, by, bw, bh)

    _boxes: dict[str, Any]

    def finish(self, when: dt.datetime, doc_type: str) -> Document:
        rng = self.rng
        by_type = {f["entityType"]: f for f in self.fields}
        if self.defect == "wrong_vendor" and "VENDOR" in by_type:
            f = by_type["VENDOR"]
            f["value"] = rng.choice([v for v in VENDORS if v != f["value"]])
            f["confidence"] = round(rng.uniform(0.62, 0.91), 3)
        elif self.defect == "unreadable":
            candidates = [f for f in self.fields if f["value"] and f["entityType"] != "VENDOR"]
            for f in rng.sample(candidates, min(len(candidates), rng.randint(1, 2))):
                page, bx, by, bw, bh = self._boxes[f["id"]]
                page.smudges.append((bx - 2, by - 2, bw + 4, bh + 4, rng.randrange(2**31)))
                f["value"] = _misread(rng, f["value"])
                f["confidence"] = round(rng.uniform(0.21, 0.58), 3)
        elif self.defect == "low_confidence":
            f = rng.choice(self.fields)
            f["confidence"] = round(rng.uniform(0.80, 0.945), 3)
        # every document's weakest field is still a little uncertain now and then
        if self.defect != "clean" and rng.random() < 0.3:
            f = rng.choice([f for f in self.fields if f["confidence"] >= THRESHOLD] or self.fields)
            f["confidence"] = round(rng.uniform(0.90, 0.949), 3)
        return Document(self.doc_id, doc_type, TENANT_BY_TYPE[doc_type], when, self.defect, self.fields,
                        self.truth, [p.layout() for p in self.pages])


def _invoice(rng: random.Random, doc_id: str, when: dt.datetime, defect: str) -> Document:
    b = _Builder(rng, doc_id, defect)
    b._boxes = {}
    vendor, consignee = rng.choice(VENDORS), rng.choice(CONSIGNEES)
    currency = rng.choice(CURRENCIES)
    p = b.page()
    p.text(80, 80, vendor, 4)
    p.text(80, 125, f"{rng.randint(1, 240)} Harbour Road, {rng.choice(['Gothenburg', 'Hamburg', 'Rotterdam', 'Gdansk', 'Valencia', 'Genoa'])}", 2)
    p.text(80, 150, f"VAT ID {rng.choice(['SE', 'DE', 'NL', 'PL', 'ES', 'IT'])}{rng.randint(10**8, 10**9 - 1)}", 2)
    p.text(880, 80, "INVOICE", 6)
    p.boxes.append((60, 220, 1120, 230))
    b.field(p, 90, 250, "Vendor", vendor, "VENDOR")
    b.field(p, 90, 305, "Invoice number", f"{rng.choice(['NF', 'BS', 'RL', 'IC'])}-{rng.randint(100000, 999999)}",
            "INVOICE_NUMBER")
    b.field(p, 90, 360, "Invoice date", f"{when:%Y-%m-%d}", "DATE")
    b.field(p, 640, 360, "Due date", f"{when + dt.timedelta(days=30):%Y-%m-%d}", "DATE")
    b.field(p, 90, 410, "PO number", f"PO-{rng.randint(40000, 99999)}", "OTHER")
    b.field(p, 90, 500, "Bill to", consignee, "CONSIGNEE", label_above=True)
    # line items: printed, not extracted as fields
    p.boxes.append((60, 620, 1120, 60 + 50 * 6))
    p.text(80, 640, "DESCRIPTION", 2)
    p.text(720, 640, "QTY", 2)
    p.text(860, 640, "UNIT", 2)
    p.text(1020, 640, "AMOUNT", 2)
    subtotal = 0.0
    for row, service in enumerate(rng.sample(SERVICES, rng.randint(2, 6))):
        qty, unit = rng.randint(1, 12), round(rng.uniform(40, 2400), 2)
        subtotal += qty * unit
        y = 700 + row * 45
        p.text(80, y, service, 2)
        p.text(720, y, str(qty), 2)
        p.text(860, y, _money(unit), 2)
        p.text(1020, y, _money(qty * unit), 2)
    tax = round(subtotal * rng.choice([0.19, 0.21, 0.25, 0.23, 0.0]), 2)
    b.field(p, 640, 1060, "Subtotal", _money(subtotal), "OTHER")
    b.field(p, 640, 1115, "VAT", _money(tax), "TAX")
    b.field(p, 640, 1170, "Total", None if defect == "missing_total" else _money(subtotal + tax), "TOTAL")
    b.field(p, 640, 1225, "Currency", currency, "CURRENCY")
    p.text(80, 1500, "Payment within 30 days. Bank: IBAN SE45 5000 0000 0583 9825 7466", 2)
    p.text(80, 1530, f"Thank you for shipping with {vendor}.", 2)
    return b.finish(when, "invoice")


def _customs(rng: random.Random, doc_id: str, when: dt.datetime, defect: str) -> Document:
    b = _Builder(rng, doc_id, defect)
    b._boxes = {}
    exporter, consignee = rng.choice(VENDORS), rng.choice(CONSIGNEES)
    currency = rng.choice(CURRENCIES)
    p = b.page()
    p.text(80, 70, "CUSTOMS DECLARATION", 5)
    p.text(80, 125, "Single Administrative Document - export/import", 2)
    p.boxes.append((60, 180, 1120, 420))
    b.field(p, 90, 210, "Exporter", exporter, "VENDOR", label_above=True)
    b.field(p, 640, 210, "Consignee", consignee, "CONSIGNEE", label_above=True)
    b.field(p, 90, 320, "Declaration date", f"{when:%Y-%m-%d}", "DATE")
    b.field(p, 90, 375, "Reference", f"MRN {when:%y}SE{rng.randint(10**9, 10**10 - 1)}", "OTHER")
    b.field(p, 90, 430, "Country of origin", rng.choice(COUNTRIES), "COUNTRY_OF_ORIGIN")
    b.field(p, 90, 485, "Gross weight (kg)", f"{rng.uniform(120, 24000):.1f}", "WEIGHT")
    p.boxes.append((60, 640, 1120, 400))
    p.text(80, 660, "GOODS", 3)
    value = 0.0
    goods = rng.sample(GOODS, rng.randint(1, 3))
    for row, (name, hs) in enumerate(goods):
        y = 720 + row * 100
        p.text(90, y, name, 2)
        amount = round(rng.uniform(800, 60000), 2)
        value += amount
        p.text(900, y, _money(amount), 2)
        b.field(p, 90, y + 35, f"HS code {row + 1}", hs, "HS_CODE")
    b.field(p, 640, 1100, "Declared value", None if defect == "missing_total" else _money(value), "TOTAL")
    b.field(p, 640, 1155, "Currency", currency, "CURRENCY")
    if rng.random() < 0.5:  # a continuation page: declarant and signature
        p2 = b.page()
        p2.text(80, 70, "CUSTOMS DECLARATION - CONTINUATION", 4)
        p2.boxes.append((60, 160, 1120, 300))
        b.field(p2, 90, 200, "Declarant", rng.choice(["J. Lindqvist", "M. Kowalski", "A. Moreau", "S. Rossi"]),
                "OTHER")
        b.field(p2, 90, 260, "Customs office", rng.choice(["SE000001", "DEHAM001", "NLRTM001", "PLGDN001"]),
                "OTHER")
        p2.text(90, 380, "I declare that the particulars given are true and complete.", 2)
    return b.finish(when, "customs_form")


def page_layout(doc: Document, page: int) -> dict[str, Any]:
    """What :func:`.render.render` draws for ``page`` (1-based) of ``doc``."""
    return doc.layouts[page - 1]
