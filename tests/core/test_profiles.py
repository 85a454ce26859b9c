"""Profiles come from the user's AWS files; typed keys go to the keyring only."""

from __future__ import annotations

import os

import keyring
import pytest

from opsconsole.core import profiles


def test_profiles_of_every_kind_are_listed():
    with open(os.environ["AWS_CONFIG_FILE"], "w") as fh:
        fh.write(
            "[profile ml-sso]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = MLOps\nregion = eu-central-1\n\n"
            "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n\n"
            "[profile ml-admin]\nrole_arn = arn:aws:iam::111122223333:role/Admin\nsource_profile = base\n\n"
            "[profile base]\nregion = us-east-1\n"
        )
    with open(os.environ["AWS_SHARED_CREDENTIALS_FILE"], "w") as fh:
        fh.write("[base]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n")
    found = {p.name: p for p in profiles.list_profiles()}
    assert found["ml-sso"].kind == "sso" and found["ml-sso"].region == "eu-central-1"
    assert found["ml-admin"].kind == "assume-role"
    assert found["base"].kind == "keys"


def test_keys_round_trip_through_the_keyring_only(memory_keyring, tmp_path):
    profiles.save_keys("ops", "AKIATESTKEY", "s3cret")
    assert profiles.load_keys("ops") == ("AKIATESTKEY", "s3cret")
    assert any("s3cret" in v for v in memory_keyring.store.values())
    # nothing of ours on disk holds the secret
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert b"s3cret" not in path.read_bytes(), path
    profiles.delete_keys("ops")
    assert profiles.load_keys("ops") is None


def test_bad_key_input_is_refused_with_a_reason(memory_keyring):
    with pytest.raises(ValueError, match="name"):
        profiles.save_keys(" ", "A", "B")
    with pytest.raises(ValueError, match="Both"):
        profiles.save_keys("x", "", "B")


def test_no_keyring_is_said_plainly():
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        with pytest.raises(profiles.KeyringUnavailable, match="keyring"):
            profiles.save_keys("x", "AKIA", "secret")
    finally:
        keyring.set_keyring(previous)
