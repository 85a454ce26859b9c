"""Fixtures for the forecasts sandbox tests: Forecast, forecastquery and S3 clients, the seeded summary."""

from __future__ import annotations

import io
from types import SimpleNamespace
from typing import Any

import boto3
import pandas as pd
import pytest
from botocore.config import Config


@pytest.fixture(scope="session")
def forecast(client: Any) -> Any:
    return client("forecast")


@pytest.fixture(scope="session")
def fquery(client: Any) -> Any:
    return client("forecastquery")


@pytest.fixture(scope="session")
def s3(client: Any) -> Any:
    return client("s3")


@pytest.fixture(scope="session")
def raw(sandbox: Any):
    """``raw("forecast")``: a client that skips botocore's own parameter checks, so requests
    that break the model reach the sandbox (which must refuse them as AWS does)."""
    def make(service: str) -> Any:
        return boto3.session.Session().client(
            service, endpoint_url=sandbox.endpoint_url, region_name=sandbox.region,
            config=Config(retries={"max_attempts": 1}, parameter_validation=False), **sandbox.credentials)
    return make


@pytest.fixture(scope="session")
def seeded(sandbox: Any) -> dict[str, Any]:
    """Scenario.forecasts of the session's sandbox."""
    return sandbox.scenario.forecasts


@pytest.fixture(scope="session")
def files() -> SimpleNamespace:
    """Helpers to read the export bucket: ``split(path)``, ``list_keys(s3, path)``, ``read_csv_parts(s3, path)``."""
    return SimpleNamespace(split=split, list_keys=list_keys, read_csv_parts=read_csv_parts)


def split(path: str) -> tuple[str, str]:
    """s3://bucket/prefix -> (bucket, prefix)."""
    bucket, _, prefix = path.removeprefix("s3://").partition("/")
    return bucket, prefix


def list_keys(s3: Any, path: str, **extra: Any) -> list[dict[str, Any]]:
    bucket, prefix = split(path)
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix, **extra)
    return [obj for page in pages for obj in page.get("Contents", [])]


def read_csv_parts(s3: Any, path: str) -> tuple[list[str], pd.DataFrame, list[str]]:
    """(keys, all parts concatenated, the header of every part)."""
    bucket, _ = split(path)
    keys = [obj["Key"] for obj in list_keys(s3, path)]
    frames, headers = [], []
    for key in keys:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        headers.append(body.split(b"\n", 1)[0].decode())
        frames.append(pd.read_csv(io.BytesIO(body), keep_default_na=False, na_values=[""]))
    return keys, pd.concat(frames, ignore_index=True), headers
