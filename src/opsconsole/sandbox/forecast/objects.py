"""An S3 bucket whose objects are generated on first read: the Forecast export files.

Tens of millions of rows of actuals, forecasts and backtests cannot be put into
moto's S3 at sandbox start (that would take minutes and gigabytes). Instead the
scenario registers each object's key, time and a function that builds its bytes
(deterministic, from the seed); this module serves the bucket in front of moto
with S3's REST-XML answers:

* ``ListObjectsV2`` (prefix, delimiter, max-keys, continuation-token, start-after,
  encoding-type=url) and ``ListObjects`` (marker), ``HeadBucket``, ``GetBucketLocation``;
* ``GetObject`` (with ``Range``: 206 and ``Content-Range``; 416 ``InvalidRange``) and
  ``HeadObject``; ``NoSuchKey`` (404; HEAD answers a bare 404 as S3 does);
* writes (PUT, POST, DELETE) answer 403 ``AccessDenied``: the bucket is Forecast's output.

An object is built when it is first listed, read or headed (a listing needs each
object's size and ETag, which are then remembered); its bytes stay in a
bounded LRU cache and are rebuilt identically if evicted. The bucket also
exists in moto (empty) so that ``ListBuckets`` shows it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import format_datetime
from urllib.parse import parse_qs, quote
from xml.sax.saxutils import escape

from opsconsole.sandbox.server import (
    ExtensionRegistry,
    ExtensionRequest,
    ExtensionResponse,
)

CACHE_BYTES = 96 * 1024 * 1024
_NS = "http://s3.amazonaws.com/doc/2006-03-01/"


@dataclass
class LazyObject:
    key: str
    modified: dt.datetime
    build: Callable[[], bytes]
    content_type: str = "text/csv"
    size: int | None = None
    etag: str | None = None


class LazyBucket:
    """The objects of one bucket, built on demand."""

    def __init__(self, name: str, region: str, created: dt.datetime):
        self.name, self.region, self.created = name, region, created
        self.objects: dict[str, LazyObject] = {}
        self._keys: list[str] | None = None
        self._lock = threading.Lock()
        self._build_locks: dict[str, threading.Lock] = {}

    def put(self, key: str, modified: dt.datetime, build: Callable[[], bytes], content_type: str = "text/csv") -> None:
        with self._lock:
            self.objects[key] = LazyObject(key, modified, build, content_type)
            self._keys = None

    def keys(self) -> list[str]:
        with self._lock:
            if self._keys is None:
                self._keys = sorted(self.objects)
            return self._keys

    def body(self, key: str) -> bytes:
        obj = self.objects[key]
        cached = _cache.get((self.name, key))
        if cached is not None:
            return cached
        with self._lock:
            lock = self._build_locks.setdefault(key, threading.Lock())
        with lock:  # two readers of the same part build it once
            cached = _cache.get((self.name, key))
            if cached is not None:
                return cached
            data = obj.build()
            obj.size = len(data)
            obj.etag = '"' + hashlib.md5(data, usedforsecurity=False).hexdigest() + '"'
            _cache.put((self.name, key), data)
            return data

    def stat(self, key: str) -> LazyObject:
        obj = self.objects[key]
        if obj.size is None:
            self.body(key)
        return obj


class _Cache:
    """Bytes of built objects, least recently used dropped beyond CACHE_BYTES."""

    def __init__(self) -> None:
        self._items: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> bytes | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple[str, str], data: bytes) -> None:
        with self._lock:
            if key in self._items:
                return
            self._items[key] = data
            self._size += len(data)
            while self._size > CACHE_BYTES and len(self._items) > 1:
                _, dropped = self._items.popitem(last=False)
                self._size -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._size = 0


log = logging.getLogger(__name__)
_cache = _Cache()
_buckets: dict[str, LazyBucket] = {}
_buckets_lock = threading.Lock()


def bucket(name: str, region: str, created: dt.datetime) -> LazyBucket:
    """The lazy bucket ``name`` (created on first call; also created, empty, in moto for ListBuckets)."""
    with _buckets_lock:
        if name not in _buckets:
            _buckets[name] = LazyBucket(name, region, created)
            _create_in_moto(name, region)
        return _buckets[name]


def _create_in_moto(name: str, region: str) -> None:
    try:
        from moto.s3.models import s3_backends

        from opsconsole.sandbox.server import DEFAULT_ACCOUNT_ID

        s3_backends[DEFAULT_ACCOUNT_ID]["aws"].create_bucket(name, region)
    except Exception:  # ListBuckets will just not show it
        log.warning("sandbox: could not create bucket %s in moto", name, exc_info=True)


def reset() -> None:
    with _buckets_lock:
        _buckets.clear()
    _cache.clear()


# -- wire ---------------------------------------------------------------------------------------
def _xml(status: int, body: str, headers: dict[str, str] | None = None) -> ExtensionResponse:
    data = ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode()
    return ExtensionResponse(status, data, {"Content-Type": "application/xml", **(headers or {})})


def _error(status: int, code: str, message: str, method: str, **extra: str) -> ExtensionResponse:
    if method == "HEAD":  # S3 answers HEAD errors without a body
        return ExtensionResponse(status, b"", {"x-amz-error-code": code})
    more = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in extra.items())
    return _xml(status, f"<Error><Code>{code}</Code><Message>{escape(message)}</Message>{more}"
                        f"<RequestId>sandbox</RequestId></Error>")


def _time(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _http_time(value: dt.datetime) -> str:
    return format_datetime(value.astimezone(dt.timezone.utc), usegmt=True)


def handle_bucket(request: ExtensionRequest) -> ExtensionResponse | None:
    found = _buckets.get(request.path_params["bucket"])
    if found is None:
        return None  # not ours: moto answers (NoSuchBucket or its own bucket)
    query = parse_qs(request.query, keep_blank_values=True)
    if request.method == "HEAD":
        return ExtensionResponse(200, b"", {"x-amz-bucket-region": found.region})
    if request.method != "GET":
        return _error(403, "AccessDenied", "Access Denied", request.method)
    if "location" in query:
        return _xml(200, f'<LocationConstraint xmlns="{_NS}">{found.region}</LocationConstraint>')
    if any(k in query for k in ("tagging", "policy", "acl", "versioning", "encryption", "cors", "lifecycle")):
        return None  # bucket configuration: moto's (empty) bucket answers
    return _list(found, query)


def _list(found: LazyBucket, query: dict[str, list[str]]) -> ExtensionResponse:
    def one(name: str, default: str = "") -> str:
        return query.get(name, [default])[0]

    v2 = one("list-type") == "2"
    prefix, delimiter = one("prefix"), one("delimiter")
    encode = one("encoding-type") == "url"
    try:
        max_keys = int(one("max-keys", "1000"))
    except ValueError:
        return _error(400, "InvalidArgument", "Provided max-keys not an integer or within integer range", "GET")
    max_keys = max(0, min(max_keys, 1000))
    if v2:
        token = one("continuation-token")
        after = one("start-after")
        if token:
            try:
                after = base64.urlsafe_b64decode(token.encode()).decode()
            except (ValueError, UnicodeDecodeError):
                return _error(400, "InvalidArgument", "The continuation token provided is incorrect", "GET")
    else:
        after = one("marker")

    entries: list[tuple[str, str]] = []  # (kind, key or prefix)
    seen_prefixes: set[str] = set()
    truncated = False
    for key in found.keys():
        if not key.startswith(prefix) or (after and key <= after):
            continue
        if delimiter:
            cut = key.find(delimiter, len(prefix))
            if cut >= 0:
                common = key[:cut + len(delimiter)]
                if common in seen_prefixes or (after and common <= after):
                    continue
                if len(entries) >= max_keys:
                    truncated = True
                    break
                seen_prefixes.add(common)
                entries.append(("prefix", common))
                continue
        if len(entries) >= max_keys:
            truncated = True
            break
        entries.append(("key", key))

    def enc(value: str) -> str:
        return escape(quote(value, safe="/") if encode else value)

    parts = [f'<ListBucketResult xmlns="{_NS}">', f"<Name>{escape(found.name)}</Name>",
             f"<Prefix>{enc(prefix)}</Prefix>", f"<MaxKeys>{max_keys}</MaxKeys>"]
    if delimiter:
        parts.append(f"<Delimiter>{enc(delimiter)}</Delimiter>")
    if encode:
        parts.append("<EncodingType>url</EncodingType>")
    parts.append(f"<IsTruncated>{'true' if truncated else 'false'}</IsTruncated>")
    if v2:
        parts.append(f"<KeyCount>{len(entries)}</KeyCount>")
        if one("continuation-token"):
            parts.append(f"<ContinuationToken>{escape(one('continuation-token'))}</ContinuationToken>")
        if one("start-after"):
            parts.append(f"<StartAfter>{enc(one('start-after'))}</StartAfter>")
        if truncated and entries:
            token = base64.urlsafe_b64encode(entries[-1][1].encode()).decode()
            parts.append(f"<NextContinuationToken>{token}</NextContinuationToken>")
    else:
        parts.append(f"<Marker>{enc(after)}</Marker>")
        if truncated and delimiter and entries:
            parts.append(f"<NextMarker>{enc(entries[-1][1])}</NextMarker>")
    for kind, value in entries:
        if kind == "key":
            obj = found.stat(value)
            parts.append(f"<Contents><Key>{enc(value)}</Key><LastModified>{_time(obj.modified)}</LastModified>"
                         f"<ETag>{escape(obj.etag or '')}</ETag><Size>{obj.size}</Size>"
                         "<StorageClass>STANDARD</StorageClass></Contents>")
    for kind, value in entries:
        if kind == "prefix":
            parts.append(f"<CommonPrefixes><Prefix>{enc(value)}</Prefix></CommonPrefixes>")
    parts.append("</ListBucketResult>")
    return _xml(200, "".join(parts))


def handle_object(request: ExtensionRequest) -> ExtensionResponse | None:
    found = _buckets.get(request.path_params["bucket"])
    if found is None:
        return None
    key = request.path_params["key"]
    if request.method not in ("GET", "HEAD"):
        return _error(403, "AccessDenied", "Access Denied", request.method)
    query = parse_qs(request.query, keep_blank_values=True)
    if any(k in query for k in ("tagging", "acl", "attributes", "retention", "legal-hold")):
        return _error(403, "AccessDenied", "Access Denied", request.method)
    if key not in found.objects:
        return _error(404, "NoSuchKey", "The specified key does not exist.", request.method, Key=key)
    obj = found.stat(key)
    headers = {"Content-Type": obj.content_type, "ETag": obj.etag or "", "Last-Modified": _http_time(obj.modified),
               "Accept-Ranges": "bytes", "x-amz-server-side-encryption": "aws:kms"}
    wanted = request.headers.get("Range")
    if request.headers.get("If-None-Match") == obj.etag:
        return ExtensionResponse(304, b"", headers)
    if_match = request.headers.get("If-Match")
    if if_match and if_match != obj.etag:
        return _error(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold",
                      request.method, Condition="If-Match")
    size = obj.size or 0
    if wanted:
        span = _range(wanted, size)
        if span is None:
            return _error(416, "InvalidRange", "The requested range is not satisfiable", request.method,
                          RangeRequested=wanted, ActualObjectSize=str(size))
        first, last = span
        headers["Content-Range"] = f"bytes {first}-{last}/{size}"
        body = b"" if request.method == "HEAD" else found.body(key)[first:last + 1]
        return _sized(206, body, headers, last - first + 1, request.method)
    body = b"" if request.method == "HEAD" else found.body(key)
    return _sized(200, body, headers, size, request.method)


def _sized(status: int, body: bytes, headers: dict[str, str], length: int, method: str) -> ExtensionResponse:
    response = ExtensionResponse(status, body, headers)
    if method == "HEAD":  # the server sets Content-Length from the (empty) body; say the object's
        response.headers["Content-Length"] = str(length)
    return response


def _range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) byte of a single ``bytes=`` range, or None when it cannot be satisfied."""
    if not header.startswith("bytes=") or "," in header:
        return (0, size - 1) if size else None  # S3 ignores ranges it cannot parse
    first_s, _, last_s = header[6:].partition("-")
    try:
        if not first_s:
            count = int(last_s)
            return (max(0, size - count), size - 1) if count > 0 and size else None
        first = int(first_s)
        last = int(last_s) if last_s else size - 1
    except ValueError:
        return (0, size - 1) if size else None
    if first >= size or last < first:
        return None
    return first, min(last, size - 1)


def register(registry: ExtensionRegistry) -> None:
    """Serve the lazy buckets in front of moto's S3 (and start with none)."""
    reset()
    for method in ("GET", "HEAD", "PUT", "POST", "DELETE"):
        registry.add_rest(method, r"/(?P<bucket>[^/]+)/?", handle_bucket, service="s3")
        registry.add_rest(method, r"/(?P<bucket>[^/]+)/(?P<key>.+)", handle_object, service="s3")

