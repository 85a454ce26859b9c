"""The layer rules of the design, checked on the source: core/ has no Qt, ui/ has no boto3."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "opsconsole"
QT = ("PySide6", "shiboken6", "pyqtgraph", "superqt", "qtpy", "PyQt5", "PyQt6")
AWS = ("boto3", "botocore")


def imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def offenders(folder: str, banned: tuple[str, ...], root: Path = SRC) -> list[str]:
    found = []
    for path in sorted((root / folder).rglob("*.py")):
        for name in imported_modules(path):
            if name.split(".")[0] in banned or any(name.startswith(b + ".") or name == b for b in banned):
                found.append(f"{path.relative_to(root)} imports {name}")
    return found


def test_sources_exist():
    assert (SRC / "core").is_dir() and any((SRC / "core").glob("*.py"))
    assert (SRC / "ui").is_dir() and any((SRC / "ui").rglob("*.py"))


def test_core_imports_no_qt():
    assert offenders("core", QT) == []


def test_core_imports_nothing_above_it():
    assert offenders("core", ("opsconsole.ui", "opsconsole.jobs.runner", "opsconsole.app", "opsconsole.sandbox")) == []


def test_ui_imports_no_boto3():
    assert offenders("ui", AWS) == []


def test_ui_does_not_use_item_per_cell_tables():
    hits = [p for p in (SRC / "ui").rglob("*.py") if "QTableWidget" in p.read_text(encoding="utf-8")]
    assert hits == []


def test_jobs_import_no_ui():
    assert [n for n in imported_modules(SRC / "jobs" / "runner.py") if n.startswith("opsconsole.ui")] == []


def test_checker_catches_a_violation(tmp_path):
    """The check itself must be able to fail."""
    bad = tmp_path / "opsconsole" / "core"
    bad.mkdir(parents=True)
    (bad / "oops.py").write_text("from PySide6.QtCore import QObject\n")
    assert offenders("core", QT, root=tmp_path / "opsconsole") == ["core/oops.py imports PySide6.QtCore"]


@pytest.mark.parametrize("module", ["opsconsole.core.aws", "opsconsole.core.errors", "opsconsole.core.audit"])
def test_core_modules_import_without_qt_loaded(module):
    import subprocess
    import sys

    code = f"import sys, {module}; assert not any(m.startswith('PySide6') for m in sys.modules), 'Qt got imported'"
    subprocess.run([sys.executable, "-c", code], check=True)
