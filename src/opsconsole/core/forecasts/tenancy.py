"""Tenant isolation: which resources and S3 paths a connection may see.

Every resource is tagged ``tenant=<id>`` and each tenant keeps its files under
``s3://<bucket>/<tenant>/...``. Forecast's list APIs are not tenant-scoped, so
the console checks the tag (ListTagsForResource) of every resource before it
shows it, and the path of every file before it reads it. A connection scoped to
a tenant (``Connection.tenant``) sees that tenant only; an unscoped one may pick
any tenant, one at a time.
"""

from __future__ import annotations

from typing import Any

from opsconsole.core.errors import DomainError

TENANT_TAG = "tenant"


class TenantRefused(DomainError):
    title = "Another tenant's data"


def tag_value(tags: list[dict[str, str]] | dict[str, str] | None, key: str = TENANT_TAG) -> str:
    """The value of ``key`` in Forecast's ``[{"Key", "Value"}]`` list (or a plain dict); "" when absent."""
    if not tags:
        return ""
    if isinstance(tags, dict):
        return str(tags.get(key, ""))
    for tag in tags:
        if tag.get("Key") == key:
            return str(tag.get("Value", ""))
    return ""


def resource_tenant(forecast: Any, arn: str) -> str:
    """The tenant tag of a Forecast resource ("" when untagged)."""
    return tag_value(forecast.list_tags_for_resource(ResourceArn=arn).get("Tags"))


def allowed(scope: str, tenant: str) -> bool:
    """May a connection scoped to ``scope`` ("" = every tenant) see a resource of ``tenant``?

    An untagged resource belongs to no tenant: only an unscoped connection sees it.
    """
    return not scope or (bool(tenant) and tenant == scope)


def require_tenant(forecast: Any, arn: str, tenant: str) -> None:
    """Refuse (before any data is read) unless ``arn`` carries ``tenant=<tenant>``."""
    found = resource_tenant(forecast, arn)
    if not tenant or found != tenant:
        raise TenantRefused(f"{arn} is not tagged tenant={tenant or '?'}; the console does not read it for this tenant.")


def require_path(path: str, tenant: str) -> None:
    """Refuse an S3 path outside ``s3://<bucket>/<tenant>/``."""
    if not path.startswith("s3://"):
        raise TenantRefused(f"{path!r} is not an S3 path.")
    _bucket, _, key = path[5:].partition("/")
    if not tenant or key.split("/", 1)[0] != tenant:
        raise TenantRefused(f"{path} is outside tenant {tenant}'s prefix (s3://<bucket>/{tenant}/...).")
