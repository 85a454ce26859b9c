"""Who the user is: one answer from the AWS principal and the display name the user set."""

from __future__ import annotations

import pytest

from opsconsole.core.identity import Identity, IdentityStore, os_login, principal_name


@pytest.mark.parametrize(("arn", "name"), [
    ("arn:aws:sts::123456789012:assumed-role/MLOps-Operator/ana.lopes@example.com", "ana.lopes@example.com"),
    ("arn:aws:iam::123456789012:user/team/bob", "bob"),
    ("arn:aws:sts::123456789012:federated-user/carl", "carl"),
    ("arn:aws:iam::123456789012:root", "root"),
    ("", ""),
    ("not an arn", ""),
])
def test_the_principal_name_is_the_session_or_user_name(arn, name):
    assert principal_name(arn) == name


def test_who_acted_is_the_principal_never_the_display_name():
    role = "arn:aws:sts::1:assumed-role/Ops/ana"
    # Anyone can type anyone's name as display name: records others read name the principal.
    posing = Identity(arn=role, display_name="Ben (security)")
    assert posing.name == "ana"
    assert posing.label == "Ben (security) (ana)"  # the user sees both
    assert posing.describe() == f"Ben (security) ({role})"
    assert Identity(arn=role).name == Identity(arn=role).label == "ana"
    assert Identity(arn=role, display_name="ana").label == "ana"
    # Before AWS has answered: the display name, else the OS login.
    assert Identity(display_name=" Ana Lópes ").name == "Ana Lópes"
    assert Identity().name == os_login() and not Identity().known


def test_the_store_forgets_on_a_new_connection_and_ignores_a_late_answer():
    chosen = {"name": ""}
    store = IdentityStore(lambda: chosen["name"])
    heard: list[Identity] = []
    store.add_listener(heard.append)
    store.learn({"Arn": "arn:aws:sts::1:assumed-role/Ops/ana", "Account": "1"})
    assert store.current().name == "ana" and store.current().account == "1"
    store.forget()  # another connection
    store.learn({"Arn": "arn:aws:iam::2:user/old"}, generation=0)  # the previous connection's late answer
    assert heard[-1].arn == "" and not store.current().known
    chosen["name"] = "Ana"
    assert store.resolve(None).name == "Ana"  # no clients: nothing asked, the display name still counts
