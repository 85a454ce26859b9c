"""The architecture rules of docs/architecture.md, checked on the source.

Layers: core has no Qt and imports nothing above it; ui has no boto3 and never
imports the sandbox; the sandbox never imports ui, jobs or the app; jobs never
imports ui. Areas: a module of one area never imports another area's internals
(its packages are its public face; its plain modules are internal). No import cycles anywhere in src/, counting
imports inside functions and ``if TYPE_CHECKING:`` blocks, so a cycle cannot be
hidden. Every rule has a case below proving that its check can fail.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
QT = ("PySide6", "shiboken6", "pyqtgraph", "superqt", "qtpy", "PyQt5", "PyQt6")
AWS = ("boto3", "botocore")
AREAS = ("executions", "lexreview", "alerts", "forecasts", "docreview")
#: Where an area has a package of its own, by layer.
AREA_LAYERS = ("opsconsole.core", "opsconsole.ui", "opsconsole.sandbox.scenario")
#: The wiring at the top: the command lines, and the scenario's seeding order. They
#: put areas together, so they may reach into them; nothing else may.
WIRING = ("opsconsole.app", "opsconsole.graphcli", "opsconsole.sandbox.scenario.seeding")


# -- reading the source -------------------------------------------------------------
def modules(root: Path = SRC) -> dict[str, Path]:
    """Dotted module name -> file, for every module under ``root``."""
    found = {}
    for path in root.rglob("*.py"):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _package_of(name: str, path: Path) -> str:
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def imports(name: str, path: Path, known: dict[str, Path]) -> list[str]:
    """What the module imports, as dotted names, wherever the import statement is.

    ``from pkg import sub`` counts as importing ``pkg.sub`` when that is a module,
    and ``pkg`` otherwise; relative imports are resolved.
    """
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = _package_of(name, path).split(".")
                pkg = pkg[: len(pkg) - (node.level - 1)]
                base = ".".join(pkg + ([node.module] if node.module else []))
            subs = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in known]
            found += subs
            if len(subs) < len(node.names):
                found.append(base)
    return found


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def offenders(layer: str, banned: tuple[str, ...], root: Path = SRC) -> list[str]:
    """Modules of ``layer`` (a dotted prefix) importing anything under ``banned``."""
    known = modules(root)
    return [f"{name} imports {target}"
            for name, path in sorted(known.items()) if _within(name, (layer,))
            for target in imports(name, path, known) if _within(target, banned)]


def area_of(name: str) -> tuple[str, str] | None:
    """(layer, area) of a module inside an area package, else None."""
    for layer in AREA_LAYERS:
        for area in AREAS:
            if _within(name, (f"{layer}.{area}",)):
                return layer, area
    return None


def area_trespasses(root: Path = SRC) -> list[str]:
    """Imports of another area's internals.

    A package (its ``__init__``) is a public face: the area's own, or a
    sub-package's such as ``core.executions.asl``. A plain module below them
    (``ui.executions.detail``) is an internal.
    """
    known = modules(root)
    found = []
    for name, path in sorted(known.items()):
        mine = area_of(name)
        if name in WIRING:
            continue
        for target in imports(name, path, known):
            theirs = area_of(target)
            if theirs is None or (mine is not None and mine[1] == theirs[1]):
                continue
            if target in known and known[target].name != "__init__.py":
                found.append(f"{name} imports {target}")
    return found


def cycles(root: Path = SRC) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), plus self-imports."""
    known = modules(root)
    edges = {n: {t for t in imports(n, p, known) if t in known and t != n} for n, p in known.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return groups


# -- the rules ------------------------------------------------------------------------
def test_sources_exist():
    assert len(modules()) > 100
    for layer in AREA_LAYERS:
        for area in AREAS:
            package = SRC / Path(*layer.split(".")) / area / "__init__.py"
            assert package.is_file(), f"{layer}.{area} has no package"


def test_core_imports_no_qt():
    assert offenders("opsconsole.core", QT) == []


def test_core_imports_nothing_above_it():
    above = ("opsconsole.ui", "opsconsole.jobs", "opsconsole.app", "opsconsole.graphcli", "opsconsole.sandbox")
    assert offenders("opsconsole.core", above) == []


def test_ui_imports_no_boto3_and_never_the_sandbox():
    assert offenders("opsconsole.ui", AWS + ("opsconsole.sandbox",)) == []


def test_sandbox_never_imports_ui_jobs_or_the_app():
    assert offenders("opsconsole.sandbox", QT + ("opsconsole.ui", "opsconsole.jobs", "opsconsole.app")) == []


def test_jobs_import_no_ui_and_no_sandbox():
    assert offenders("opsconsole.jobs", ("opsconsole.ui", "opsconsole.sandbox", "opsconsole.app")) == []


def test_an_area_uses_only_the_public_face_of_another():
    assert area_trespasses() == []


def test_no_import_cycles():
    assert cycles() == []


def test_ui_does_not_use_item_per_cell_tables():
    hits = [p for p in (SRC / "opsconsole" / "ui").rglob("*.py") if "QTableWidget" in p.read_text(encoding="utf-8")]
    assert hits == []


# -- each check can fail --------------------------------------------------------------
def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        for parent in path.relative_to(tmp_path).parents:
            init = tmp_path / parent / "__init__.py"
            if parent != Path(".") and not init.exists():
                init.write_text("")
    return tmp_path


def test_layer_check_can_fail(tmp_path):
    root = _tree(tmp_path, {
        "opsconsole/core/oops.py": "from PySide6.QtCore import QObject\n",
        "opsconsole/ui/bad.py": "def f():\n    import boto3\n    from opsconsole import sandbox\n",
        "opsconsole/sandbox/worse.py": "from opsconsole.ui import bad\n",
    })
    assert offenders("opsconsole.core", QT, root) == ["opsconsole.core.oops imports PySide6.QtCore"]
    assert offenders("opsconsole.ui", AWS + ("opsconsole.sandbox",), root) == [
        "opsconsole.ui.bad imports boto3", "opsconsole.ui.bad imports opsconsole.sandbox"]
    assert offenders("opsconsole.sandbox", ("opsconsole.ui",), root) == ["opsconsole.sandbox.worse imports opsconsole.ui.bad"]


def test_area_check_can_fail(tmp_path):
    root = _tree(tmp_path, {
        "opsconsole/core/executions/history/runs.py": "X = 1\n",
        "opsconsole/core/alerts/rules.py": (
            "from opsconsole.core.executions.history.runs import X\n"   # internals: refused
            "from opsconsole.core import executions\n"                  # public face: fine
            "from opsconsole.core.alerts import rules\n"),              # own area: fine
        "opsconsole/ui/alerts/panel.py": "from ..executions import detail\n",
        "opsconsole/ui/executions/detail.py": "Y = 2\n",
    })
    assert area_trespasses(root) == [
        "opsconsole.core.alerts.rules imports opsconsole.core.executions.history.runs",
        "opsconsole.ui.alerts.panel imports opsconsole.ui.executions.detail",
    ]


def test_cycle_check_can_fail_even_when_hidden(tmp_path):
    root = _tree(tmp_path, {
        "opsconsole/core/a.py": "from opsconsole.core import b\n",
        "opsconsole/core/b.py": (
            "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from opsconsole.core.c import C\n"),
        "opsconsole/core/c.py": "def f():\n    from . import a\n",
        "opsconsole/core/d.py": "import opsconsole.core.a\n",
    })
    assert cycles(root) == [["opsconsole.core.a", "opsconsole.core.b", "opsconsole.core.c"]]


@pytest.mark.parametrize("module", ["opsconsole.core.aws", "opsconsole.core.errors", "opsconsole.core.audit",
                                    "opsconsole.core.settings", "opsconsole.core.executions.history"])
def test_core_modules_import_without_qt_loaded(module):
    code = f"import sys, {module}; assert not any(m.startswith('PySide6') for m in sys.modules), 'Qt got imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_importing_the_sandbox_package_does_not_start_moto():
    """The app imports the sandbox only for --sandbox; its package and seed data must not drag moto in."""
    code = ("import sys, opsconsole.sandbox; "
            "loaded = [m for m in sys.modules if m.startswith('moto')]; assert not loaded, loaded[:5]")
    subprocess.run([sys.executable, "-c", code], check=True)
