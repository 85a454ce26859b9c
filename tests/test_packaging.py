"""Every package in the source tree is listed for installation (a wheel must not miss one)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_source_folder_is_a_package_that_pyproject_finds():
    """pyproject finds packages itself; a folder of modules without __init__.py would be left out."""
    from setuptools import find_packages

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert "packages" not in config or "find" in config["packages"], "packages are listed by hand again"
    found = set(find_packages(str(ROOT / "src"), include=["opsconsole*"]))
    folders = {
        ".".join(path.parent.relative_to(ROOT / "src").parts)
        for path in (ROOT / "src").rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert folders - found == set(), "folders of modules that the installed package would miss"
    assert "opsconsole.resources" in found


def test_the_package_finder_check_can_fail(tmp_path):
    from setuptools import find_packages

    (tmp_path / "opsconsole" / "area").mkdir(parents=True)
    (tmp_path / "opsconsole" / "__init__.py").write_text("")
    (tmp_path / "opsconsole" / "area" / "rules.py").write_text("")
    assert "opsconsole.area" not in set(find_packages(str(tmp_path)))


def test_resources_resolve_to_real_files():
    from opsconsole.core.paths import resource

    assert resource("opsconsole.svg").is_file()
