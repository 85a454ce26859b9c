"""The user's AWS profiles (config/credentials files) and keys kept in the OS keyring."""

from __future__ import annotations

import json
from dataclasses import dataclass

import botocore.session
import keyring
import keyring.errors

KEYRING_SERVICE = "opsconsole"


@dataclass(frozen=True)
class Profile:
    name: str
    kind: str  # "sso", "assume-role", "keys", "process", "other"
    region: str | None = None
    sso_session: str | None = None

    @property
    def description(self) -> str:
        return {
            "sso": "SSO",
            "assume-role": "assume role",
            "keys": "access keys",
            "process": "credential process",
        }.get(self.kind, "profile")


def list_profiles() -> list[Profile]:
    """Profiles from ~/.aws/config and ~/.aws/credentials (or AWS_CONFIG_FILE etc.).

    Reads the files only; never resolves credentials (that could start an SSO
    or MFA prompt on the wrong thread).
    """
    session = botocore.session.Session()
    profiles = session.full_config.get("profiles", {})
    out = []
    for name in sorted(profiles):
        cfg = profiles[name] or {}
        if "sso_session" in cfg or "sso_start_url" in cfg or "sso_account_id" in cfg:
            kind = "sso"
        elif "role_arn" in cfg:
            kind = "assume-role"
        elif "aws_access_key_id" in cfg:
            kind = "keys"
        elif "credential_process" in cfg:
            kind = "process"
        else:
            kind = "other"
        out.append(Profile(name, kind, cfg.get("region"), cfg.get("sso_session")))
    return out


class KeyringUnavailable(RuntimeError):
    """No usable OS keyring: keys can't be stored, and we won't store them anywhere else."""


def _check_backend() -> None:
    from keyring.backends import fail

    if isinstance(keyring.get_keyring(), fail.Keyring):
        raise KeyringUnavailable(
            "No OS keyring is available on this system, so access keys cannot be stored. "
            "Use a profile from your AWS config instead (aws configure / aws sso login)."
        )


def save_keys(name: str, access_key_id: str, secret_access_key: str) -> None:
    """Store keys under ``name`` in the OS keyring (and nowhere else)."""
    if not name.strip():
        raise ValueError("Give the keys a name.")
    if not access_key_id.strip() or not secret_access_key.strip():
        raise ValueError("Both the access key ID and the secret access key are needed.")
    _check_backend()
    payload = json.dumps({"aws_access_key_id": access_key_id.strip(), "aws_secret_access_key": secret_access_key.strip()})
    try:
        keyring.set_password(KEYRING_SERVICE, name.strip(), payload)
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailable(f"The OS keyring refused to store the keys: {exc}") from exc


def load_keys(name: str) -> tuple[str, str] | None:
    """The (access key id, secret) stored under ``name``, or None."""
    try:
        raw = keyring.get_password(KEYRING_SERVICE, name)
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailable(f"The OS keyring could not be read: {exc}") from exc
    if not raw:
        return None
    data = json.loads(raw)
    return data["aws_access_key_id"], data["aws_secret_access_key"]


def delete_keys(name: str) -> None:
    try:
        keyring.delete_password(KEYRING_SERVICE, name)
    except keyring.errors.PasswordDeleteError:
        pass
