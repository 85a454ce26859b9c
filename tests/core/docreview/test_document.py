"""A document as the reviewer sees it: fields flagged under the confidence threshold, the values typed, the record
sent on, and the extraction and page images read from S3 as S3 answers (Stubber)."""

from __future__ import annotations

import copy
import json

import pytest
from docreview_support import EXTRACTION, png_bytes
from stubbed_aws import StubbedClients, body

from opsconsole.core.docreview.config import ReviewConfig
from opsconsole.core.docreview.document import (
    ACCEPTED,
    EDITED,
    MISSING,
    Box,
    Decision,
    Document,
    DocumentUnreadable,
    Field,
    changed_fields,
    check_value,
    corrected_record,
    load_document,
    split_uri,
    undecided_fields,
)
from opsconsole.core.settings import MemoryStore, Settings


def test_a_field_exactly_at_the_threshold_is_not_flagged_for_review():
    f = Field("f", "Total", "1", 0.95, "TOTAL")
    assert not f.low(0.95)
    assert f.low(0.951)
    assert Field("g", "Total", "1", 0.9499, "TOTAL").low(0.95)


def test_low_fields_come_first_lowest_confidence_first_then_by_page_and_the_rest_in_page_order():
    data = {"fields": [
        {"id": "a", "key": "Vendor", "confidence": 0.99, "page": 1},
        {"id": "b", "key": "Total", "confidence": 0.70, "page": 2},
        {"id": "c", "key": "Tax", "confidence": 0.70, "page": 1},
        {"id": "d", "key": "Date", "confidence": 0.96, "page": 1},
        {"id": "e", "key": "Currency", "confidence": 0.50, "page": 3},
        {"id": "f", "key": "Weight", "confidence": 0.95, "page": 2},
    ]}
    doc = Document.from_extraction(data)
    assert [f.id for f in doc.review_order()] == ["e", "c", "b", "a", "d", "f"]
    assert [f.id for f in undecided_fields(doc, {})] == ["e", "c", "b"]
    assert [f.id for f in undecided_fields(doc, {"c": Decision("c", ACCEPTED)})] == ["e", "b"]


def test_the_documents_own_threshold_decides_which_fields_are_flagged():
    data = {"threshold": 0.6, "fields": [{"id": "a", "confidence": 0.62}, {"id": "b", "confidence": 0.55}]}
    doc = Document.from_extraction(data)
    assert doc.threshold == 0.6
    assert [f.id for f in undecided_fields(doc, {})] == ["b"]
    # No threshold (or 0) in the extraction: the platform's 0.95.
    assert Document.from_extraction({"fields": []}).threshold == 0.95
    assert Document.from_extraction({"threshold": 0}).threshold == 0.95


def test_the_extraction_is_read_with_its_fields_boxes_and_pages():
    doc = Document.from_extraction(EXTRACTION)
    assert (doc.document_id, doc.doc_type, doc.tenant) == ("inv-0001", "invoice", "acme")
    total = doc.field("f2")
    assert total == Field("f2", "Total", "1,234.50", 0.62, "TOTAL", 1, Box(0.6, 0.8, 0.2, 0.03))
    assert doc.field("nope") is None
    (page,) = doc.pages
    assert (page.number, page.image, page.width, page.height) == (1, "page-1.png", 1240, 1754)


def test_what_the_extraction_leaves_out_takes_the_pipelines_defaults():
    doc = Document.from_extraction({"fields": [{"id": 7, "value": 12.5}, {"id": "x", "value": None,
                                                                          "confidence": None, "page": None,
                                                                          "entityType": None}],
                                    "pages": [{}, {"page": 5, "image": "scan.png", "width": None}]})
    a, b = doc.fields
    assert (a.id, a.key, a.value, a.confidence, a.entity_type, a.page, a.box) == ("7", "", "12.5", 0.0, "OTHER", 1, None)
    assert (b.value, b.confidence, b.entity_type, b.page) == (None, 0.0, "OTHER", 1)
    assert [(p.number, p.image, p.width, p.height) for p in doc.pages] == [(1, "page-1.png", 0, 0),
                                                                           (5, "scan.png", 0, 0)]
    assert (doc.document_id, doc.doc_type, doc.tenant) == ("", "", "")


@pytest.mark.parametrize("raw", [None, {}, {"Left": 0.1, "Top": 0.1, "Width": 0.2},
                                 {"Left": "x", "Top": 0.1, "Width": 0.2, "Height": 0.1},
                                 {"Left": None, "Top": 0.1, "Width": 0.2, "Height": 0.1}])
def test_a_missing_or_damaged_bounding_box_is_no_box(raw):
    assert Box.from_api(raw) is None


def test_a_bounding_box_is_fractions_of_the_page():
    assert Box.from_api({"Left": "0.25", "Top": 0.5, "Width": 0.1, "Height": 0.05}) == Box(0.25, 0.5, 0.1, 0.05)


@pytest.mark.parametrize("data", [{"fields": [{"key": "no id"}]}, {"fields": [{"id": "a", "confidence": "high"}]},
                                  {"fields": ["not an object"]}, {"pages": [{"page": "one"}]}])
def test_an_extraction_not_in_the_pipelines_layout_cannot_be_read(data):
    with pytest.raises(DocumentUnreadable, match="extraction.json is not in the pipeline's layout"):
        Document.from_extraction(data)


def test_the_record_says_what_the_reviewer_did_and_a_confident_field_left_alone_is_accepted():
    doc = Document.from_extraction(EXTRACTION)
    record = corrected_record(doc, {
        "f2": Decision("f2", EDITED, "1,243.50"),
        "f3": Decision("f3", EDITED, "2026-11-30", entity_type="OTHER"),
    }, "Ana", "s3://out/k")
    assert record["documentId"] == "inv-0001" and record["reviewedBy"] == "Ana" and record["outputUri"] == "s3://out/k"
    fields = {f["id"]: f for f in record["fields"]}
    assert [f["id"] for f in record["fields"]] == ["f1", "f2", "f3", "f4"]
    assert fields["f1"] == {"id": "f1", "key": "Vendor", "value": "Acme GmbH", "entityType": "VENDOR",
                            "status": "accepted"}
    assert fields["f2"]["value"] == "1,243.50" and fields["f2"]["status"] == "edited"
    assert fields["f3"]["entityType"] == "OTHER" and fields["f3"]["status"] == "edited"
    assert corrected_record(doc, {"f2": Decision("f2", ACCEPTED), "f3": Decision("f3", ACCEPTED)}, "Ana")[
        "outputUri"] == ""


def test_only_the_entity_type_changed_is_still_an_edit():
    doc = Document.from_extraction(EXTRACTION)
    record = corrected_record(doc, {"f2": Decision("f2", EDITED, "1,234.50", "TAX"),
                                    "f3": Decision("f3", ACCEPTED)}, "Ana")
    total = next(f for f in record["fields"] if f["id"] == "f2")
    assert total == {"id": "f2", "key": "Total", "value": "1,234.50", "entityType": "TAX", "status": "edited"}


def test_a_value_accepted_under_another_entity_type_is_an_edit():
    # Marked missing, its type changed, then accepted after all: the value stays, the type change is an edit.
    doc = Document.from_extraction(EXTRACTION)
    record = corrected_record(doc, {"f2": Decision("f2", ACCEPTED, entity_type="TAX"),
                                    "f3": Decision("f3", ACCEPTED, entity_type="DATE")}, "Ana")
    fields = {f["id"]: f for f in record["fields"]}
    assert fields["f2"] == {"id": "f2", "key": "Total", "value": "1,234.50", "entityType": "TAX", "status": "edited"}
    assert fields["f3"]["status"] == "accepted"  # the same type named again is no change


def test_every_unreviewed_low_field_is_named_and_a_field_without_a_key_by_its_id():
    data = copy.deepcopy(EXTRACTION)
    data["fields"][2]["key"] = ""
    doc = Document.from_extraction(data)
    with pytest.raises(DocumentUnreadable, match="Not reviewed yet: Total, f3") as caught:
        corrected_record(doc, {}, "Ana")
    assert caught.value.title == "Review not finished"


def test_edits_and_missing_fields_count_as_changes():
    decisions = [Decision("a", ACCEPTED), Decision("b", EDITED, "x"), Decision("c", MISSING), Decision("d", MISSING)]
    assert changed_fields(Document.from_extraction(EXTRACTION), decisions) == 3
    assert changed_fields(Document.from_extraction(EXTRACTION), []) == 0


@pytest.mark.parametrize(("etype", "value", "why"), [
    ("VENDOR", "", "Type a value, or mark the field missing (M)"),
    ("VENDOR", " \t ", "Type a value, or mark the field missing (M)"),
    ("VENDOR", "Acme\nGmbH", "One line of at most 500 characters"),
    ("VENDOR", "x" * 501, "One line of at most 500 characters"),
    ("VENDOR", "x" * 500, None),
    ("VENDOR", "  Acme GmbH  ", None),
    ("TOTAL", "1 234.50", None),
    ("TOTAL", "-12", None),
    ("TOTAL", "1234,5", "An amount: digits with an optional decimal point (1,234.50)"),
    ("TAX", "19 %", "An amount: digits with an optional decimal point (1,234.50)"),
    ("TAX", "0.19", None),
    ("DATE", "30/11/2026", None),
    ("DATE", "30.11.26", None),
    ("DATE", "Nov 30", "A date: 2026-11-30 or 30/11/2026"),
    ("CURRENCY", "EURO", "A currency code: three capital letters (EUR, USD)"),
    ("CURRENCY", "Eur", "A currency code: three capital letters (EUR, USD)"),
    ("HS_CODE", "847130", None),
    ("HS_CODE", "8471.30.00.10", None),
    ("HS_CODE", "8471.3", "An HS code: 6 to 10 digits (8471.30 or 847130)"),
    ("COUNTRY_OF_ORIGIN", "DE", None),
    ("COUNTRY_OF_ORIGIN", "Germany!", "A country: its name or ISO code (DE, Germany)"),
    ("COUNTRY_OF_ORIGIN", "Guinea-Bissau", None),
    ("COUNTRY_OF_ORIGIN", "Côte d'Ivoire", None),
    ("COUNTRY_OF_ORIGIN", "Curaçao", None),
    ("COUNTRY_OF_ORIGIN", "Åland", None),
    ("COUNTRY_OF_ORIGIN", "D3", "A country: its name or ISO code (DE, Germany)"),
    ("COUNTRY_OF_ORIGIN", "United States", None),
    ("COUNTRY_OF_ORIGIN", "D", "A country: its name or ISO code (DE, Germany)"),
    ("COUNTRY_OF_ORIGIN", "49", "A country: its name or ISO code (DE, Germany)"),
    ("WEIGHT", "12,5 KG", None),
    ("WEIGHT", "3 lbs", None),
    ("WEIGHT", "twelve", "A weight: a number with an optional unit (12.5 kg)"),
    ("OTHER", "anything at all", None),
    ("CONSIGNEE", "12O.00", None),
])
def test_a_typed_value_is_checked_for_its_entity_type_with_a_sentence_saying_what_fits(etype, value, why):
    assert check_value(etype, value) == why


def test_an_s3_uri_is_split_into_bucket_and_key():
    assert split_uri("s3://docs/documents/inv-1/") == ("docs", "documents/inv-1/")
    assert split_uri("s3://docs") == ("docs", "")
    with pytest.raises(ValueError, match="not an S3 URI: https://docs"):
        split_uri("https://docs")


def get(stub, key: str, data: bytes, bucket: str = "ml-platform-documents") -> None:
    stub.add_response("get_object", {"Body": body(data), "ContentLength": len(data)}, {"Bucket": bucket, "Key": key})


def test_a_document_is_its_extraction_and_every_pages_image():
    clients = StubbedClients("s3")
    stub = clients.stub("s3")
    data = copy.deepcopy(EXTRACTION)
    data["pages"].append({"page": 2, "image": "page-2.png", "width": 1240, "height": 1754})
    get(stub, "documents/inv-0001/extraction.json", json.dumps(data).encode())
    get(stub, "documents/inv-0001/page-1.png", png_bytes())
    get(stub, "documents/inv-0001/page-2.png", b"second")
    with clients.active():
        doc = load_document(clients, "inv-0001")
    assert doc.images == {1: png_bytes(), 2: b"second"} and doc.missing_images == {}
    assert [f.key for f in doc.review_order()][:2] == ["Total", "Invoice date"]


def test_a_document_is_read_where_its_task_says_and_named_by_its_id_when_the_extraction_has_none():
    clients = StubbedClients("s3")
    stub = clients.stub("s3")
    data = {k: v for k, v in EXTRACTION.items() if k not in ("documentId", "pages")}
    get(stub, "in/2026/inv-9/extraction.json", json.dumps(data).encode(), bucket="other")
    get(stub, "in/2026/inv-9/page-1.png", b"png", bucket="other")
    with clients.active():
        doc = load_document(clients, "inv-9", document_uri="s3://other/in/2026/inv-9")
    assert doc.document_id == "inv-9" and doc.images == {1: b"png"}


def test_without_images_only_the_extraction_is_read():
    clients = StubbedClients("s3")
    get(clients.stub("s3"), "docs/inv-0001/extraction.json", json.dumps(EXTRACTION).encode(), bucket="b")
    with clients.active():
        doc = load_document(clients, "inv-0001", ReviewConfig(bucket="b", documents_prefix="docs"),
                            with_images=False)
    assert doc.images == {} and len(doc.fields) == 4


@pytest.mark.parametrize("code", ["NoSuchKey", "AccessDenied"])
def test_a_page_image_that_cannot_be_read_leaves_the_fields_reviewable_and_says_why(code):
    clients = StubbedClients("s3")
    stub = clients.stub("s3")
    get(stub, "documents/inv-0001/extraction.json", json.dumps(EXTRACTION).encode())
    stub.add_client_error("get_object", code, "no", 404 if code == "NoSuchKey" else 403)
    with clients.active():
        doc = load_document(clients, "inv-0001")
    assert doc.images == {} and doc.missing_images == {1: f"page-1.png: {code}"}
    assert len(doc.fields) == 4


def test_other_errors_reading_a_page_are_not_hidden():
    from botocore.exceptions import ClientError

    clients = StubbedClients("s3")
    stub = clients.stub("s3")
    get(stub, "documents/inv-0001/extraction.json", json.dumps(EXTRACTION).encode())
    stub.add_client_error("get_object", "SlowDown", "slow", 503)
    with clients.active(), pytest.raises(ClientError, match="SlowDown"):
        load_document(clients, "inv-0001")


def test_an_extraction_that_is_not_json_says_which_document():
    clients = StubbedClients("s3")
    get(clients.stub("s3"), "documents/inv-0001/extraction.json", b"{not json")
    with clients.active(), pytest.raises(DocumentUnreadable, match="extraction.json of inv-0001 is not JSON"):
        load_document(clients, "inv-0001")


def test_the_review_layout_comes_from_settings_with_the_lease_at_least_a_minute():
    settings = Settings(MemoryStore())
    config = ReviewConfig.from_settings(settings)
    assert (config.bucket, config.table, config.output_prefix, config.lease_seconds) == (
        "ml-platform-documents", "document-review-tasks", "a2i-output", 600)
    assert config.threshold == 0.95 and config.documents_prefix == "documents"
    from opsconsole.core.docreview import config as cfg

    settings.set(cfg.BUCKET, "acme-docs")
    settings.set(cfg.TABLE, "acme-review")
    settings.set(cfg.OUTPUT_PREFIX, "/reviews/out/")
    settings.set(cfg.LEASE_MINUTES, 0)
    config = ReviewConfig.from_settings(settings, threshold=0.8)
    assert (config.bucket, config.table, config.output_prefix, config.lease_seconds, config.threshold) == (
        "acme-docs", "acme-review", "reviews/out", 60, 0.8)
    settings.set(cfg.OUTPUT_PREFIX, "/XRAY-X/")
    assert ReviewConfig.from_settings(settings).output_prefix == "XRAY-X"
    settings.set(cfg.LEASE_MINUTES, 2)
    assert ReviewConfig.from_settings(settings).lease_seconds == 120
    assert config.document_prefix("inv-7") == "documents/inv-7/"
