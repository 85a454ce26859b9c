"""How fast documents get reviewed: documents per hour and time per document, per reviewer and overall.

Two sources, one shape: the console's own reviews (the table's REVIEWED items:
reviewer, time, seconds spent) and A2I's outputs in S3 (each ``humanAnswers``
entry: worker, submission time, ``timeSpentInSeconds``). Outputs are read for
the last days only, day by day through their dated prefixes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd

from opsconsole.core import paging
from opsconsole.core.aws import Clients
from opsconsole.core.docreview.config import CONFIG, CONSOLE_FLOW, ReviewConfig
from opsconsole.core.docreview.loops import parse_output
from opsconsole.core.docreview.store import utcnow
from opsconsole.core.docreview.submit import loop_name
from opsconsole.core.docreview.tasks import iter_done

COLUMNS = ["reviewer", "source", "submitted", "seconds", "item"]


@dataclass(frozen=True)
class Review:
    """One finished review: who, where (console or a flow definition), when, how long."""

    reviewer: str
    source: str
    submitted: datetime
    seconds: float | None
    #: The loop (or the document) reviewed: with several workers per loop, one document, several answers.
    item: str = ""


def from_table(clients: Clients, config: ReviewConfig = CONFIG, since: datetime | None = None) -> list[Review]:
    """The console's reviews (REVIEWED items) finished since ``since``."""
    out = []
    for page in iter_done(clients, config):
        for task in page:
            if task.reviewed_at and (since is None or task.reviewed_at >= since):
                out.append(Review(task.reviewed_by or "?", "console", task.reviewed_at, None,
                                  f"console/{task.document_id}"))
    return out


def _flows(clients: Clients, config: ReviewConfig) -> list[str]:
    s3 = clients.client("s3")
    out = s3.list_objects_v2(Bucket=config.bucket, Prefix=config.output_prefix + "/", Delimiter="/")
    return [p["Prefix"].rstrip("/").rsplit("/", 1)[-1] for p in out.get("CommonPrefixes") or []]


def from_outputs(clients: Clients, config: ReviewConfig = CONFIG, since: datetime | None = None,
                 now: datetime | None = None, limit: int = 3000) -> list[Review]:
    """Every answer of every output.json (A2I's and the console's) dated since ``since``; at most ``limit`` files."""
    now = now or utcnow()
    since = since or now - timedelta(days=1)
    s3 = clients.client("s3")
    reviews: list[Review] = []
    read = 0
    for flow in _flows(clients, config):
        day = since.date()
        while day <= now.date() and read < limit:
            prefix = f"{config.output_prefix}/{flow}/{day:%Y/%m/%d}/"
            for obj in paging.items(s3, "list_objects_v2", "Contents", Bucket=config.bucket, Prefix=prefix):
                if not obj["Key"].endswith("/output.json") or read >= limit:
                    continue
                read += 1
                try:
                    data = json.loads(s3.get_object(Bucket=config.bucket, Key=obj["Key"])["Body"].read())
                except ValueError:
                    continue
                _input, answers = parse_output(data)
                source = "console" if flow == CONSOLE_FLOW else flow
                item = f"{flow}/{data.get('humanLoopName') or obj['Key']}"
                for a in answers:
                    when = a.submitted or obj.get("LastModified")
                    if when and when >= since:
                        reviews.append(Review(a.worker_id or "?", source, when, a.time_spent_s, item))
            day += timedelta(days=1)
    return reviews


def frame(reviews: Iterable[Review]) -> pd.DataFrame:
    rows = [(r.reviewer, r.source, pd.Timestamp(r.submitted), r.seconds, r.item) for r in reviews]
    df = pd.DataFrame(rows, columns=COLUMNS)
    if not df.empty:
        df["submitted"] = pd.to_datetime(df["submitted"], utc=True)
    return df


def load(clients: Clients, config: ReviewConfig = CONFIG, hours: int = 24, now: datetime | None = None) -> pd.DataFrame:
    """Every review of the last ``hours``: outputs (A2I and console) plus console reviews without an output."""
    now = now or utcnow()
    since = now - timedelta(hours=hours)
    outputs = from_outputs(clients, config, since, now)
    df = frame(outputs)
    have = set(df["item"]) if not df.empty else set()
    extra = [r for r in from_table(clients, config, since)
             if f"{CONSOLE_FLOW}/{loop_name(r.item.split('/', 1)[1])}" not in have]
    return pd.concat([df, frame(extra)], ignore_index=True) if extra else df


def per_hour(df: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Documents reviewed per hour (rows: hour; one column 'all', or one per reviewer/source).

    Overall and per source a document counts once, at its last answer; per reviewer each answer counts.
    """
    if df.empty:
        return pd.DataFrame()
    if by != "reviewer":
        df = df.sort_values("submitted").drop_duplicates("item", keep="last")
    hours = df["submitted"].dt.floor("h")
    if by is None:
        return df.groupby(hours).size().to_frame("all")
    return df.groupby([hours, df[by]]).size().unstack(fill_value=0)


@dataclass(frozen=True)
class ReviewerFigures:
    reviewer: str
    source: str
    documents: int
    per_hour: float
    median_seconds: float | None


def per_reviewer(df: pd.DataFrame, hours: float) -> list[ReviewerFigures]:
    """Per reviewer: documents, documents per hour over the window, median seconds per document; busiest first."""
    if df.empty:
        return []
    out = []
    for (reviewer, source), g in df.groupby(["reviewer", "source"]):
        secs = g["seconds"].dropna()
        out.append(ReviewerFigures(str(reviewer), str(source), len(g), len(g) / max(hours, 1e-9),
                                   float(secs.median()) if len(secs) else None))
    return sorted(out, key=lambda f: -f.documents)


def overall(df: pd.DataFrame, hours: float) -> ReviewerFigures:
    """Documents (each once, however many workers answered) per hour, and the median time per answer."""
    secs = df["seconds"].dropna() if not df.empty else pd.Series(dtype=float)
    documents = int(df["item"].nunique()) if not df.empty else 0
    return ReviewerFigures("all", "all", documents, documents / max(hours, 1e-9),
                           float(secs.median()) if len(secs) else None)
