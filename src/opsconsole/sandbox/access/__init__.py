"""The sandbox's IAM: per-tenant and per-role identities whose policies every request of theirs must pass.

See ``docs/sandbox-fidelity.md`` (Identities and access) for what is enforced and why moto's own
IAM enforcement is not used.
"""

from __future__ import annotations

from opsconsole.sandbox.access.identities import ADMIN_CREDENTIALS, IDENTITIES, SandboxIdentity
from opsconsole.sandbox.access.middleware import AccessMiddleware

__all__ = ["ADMIN_CREDENTIALS", "IDENTITIES", "AccessMiddleware", "SandboxIdentity"]
