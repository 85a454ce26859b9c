"""Every package in the source tree is listed for installation (a wheel must not miss one)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    found = {
        ".".join(path.parent.relative_to(ROOT / "src").parts)
        for path in (ROOT / "src").rglob("__init__.py")
    }
    assert found - listed == set(), "packages missing from pyproject's list"
    assert "opsconsole.resources" in listed
    assert config["package-dir"]["opsconsole.resources"] == "resources"


def test_resources_resolve_to_real_files():
    from opsconsole.core.paths import resource

    assert resource("opsconsole.svg").is_file()
