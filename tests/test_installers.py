"""The installers' inputs: icons in sync with their SVG and well formed, one version
everywhere, the spec bundling what the sandbox serves, scripts consistent with the
build entry point. Fast: no PyInstaller build here (.ci/run builds after the tests)."""

from __future__ import annotations

import ast
import importlib.util
import os
import plistlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
INSTALLERS = ROOT / "installers"
ICONS = ROOT / "src" / "opsconsole" / "resources" / "icons"


def _load(name: str):
    """A module from installers/ (not a package; build.py imports its siblings by name)."""
    if str(INSTALLERS) not in sys.path:
        sys.path.insert(0, str(INSTALLERS))
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, INSTALLERS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


buildinfo = _load("buildinfo")
make_icons = _load("make_icons")


# -- icons ---------------------------------------------------------------------
def test_icons_were_made_from_the_current_svg():
    recorded = (ICONS / "SOURCE.sha256").read_text().split()[0]
    assert recorded == make_icons.svg_digest(), (
        "resources/opsconsole.svg changed since the icons were made: run python installers/make_icons.py")


@pytest.mark.parametrize("size", make_icons.PNG_SIZES)
def test_png_sizes(size):
    data = (ICONS / make_icons.png_name(size)).read_bytes()
    assert make_icons.png_size(data) == (size, size)


def test_ico_holds_every_windows_size_as_png():
    entries = make_icons.parse_ico((ICONS / "opsconsole.ico").read_bytes())
    assert sorted(w for w, _, _ in entries) == sorted(make_icons.ICO_SIZES)
    for width, height, image in entries:
        assert width == height
        assert make_icons.png_size(image) == (width, height)


def test_icns_holds_every_macos_size_as_png():
    entries = make_icons.parse_icns((ICONS / "opsconsole.icns").read_bytes())
    assert set(entries) == {ostype for ostype, _ in make_icons.ICNS_TYPES}
    for ostype, size in make_icons.ICNS_TYPES:
        assert make_icons.png_size(entries[ostype]) == (size, size), ostype


def test_icon_containers_round_trip():
    pngs = {size: (ICONS / make_icons.png_name(size)).read_bytes() for size in (16, 32, 256)}
    assert [(w, img) for w, _, img in make_icons.parse_ico(make_icons.build_ico(pngs))] == sorted(pngs.items())
    with pytest.raises(ValueError):
        make_icons.parse_ico(b"\x00\x00\x02\x00\x01\x00")  # a cursor, not an icon
    with pytest.raises(ValueError):
        make_icons.parse_icns(b"icns\x00\x00\x00\x20")  # length beyond the data


def test_pngs_look_like_the_svg(qapp):
    """Rendered now (any Qt version) and as committed: nearly the same pixels."""
    from PySide6.QtGui import QImage

    size = 64
    fresh = QImage.fromData(make_icons.render_png(make_icons.SVG, size))
    committed = QImage(str(ICONS / make_icons.png_name(size)))
    assert fresh.size() == committed.size()
    diff = 0
    for y in range(0, size, 2):
        for x in range(0, size, 2):
            a, b = fresh.pixelColor(x, y), committed.pixelColor(x, y)
            diff += abs(a.red() - b.red()) + abs(a.green() - b.green()) + abs(a.blue() - b.blue()) + abs(a.alpha() - b.alpha())
    assert diff / ((size // 2) ** 2 * 4) < 8  # mean difference per channel, out of 255


# -- resources, found the same way everywhere ----------------------------------
def test_resources_are_found_where_the_frozen_app_looks():
    """What the frozen app's self-check requires, via the app's own lookup (in CI:
    the installed wheel, so the package data must carry the icons)."""
    from opsconsole.core import paths

    launcher = _load("launcher")
    for name in launcher.REQUIRED_RESOURCES:
        assert paths.resource(name).is_file(), name
    for size in make_icons.PNG_SIZES:
        assert paths.resource(f"icons/{make_icons.png_name(size)}").is_file()


# -- one version ------------------------------------------------------------------
def test_build_reads_the_package_version():
    from opsconsole import __version__

    assert buildinfo.version() == __version__
    assert buildinfo.numeric_version("1.2.3rc1") == (1, 2, 3, 0)
    assert buildinfo.numeric_version("2.0") == (2, 0, 0, 0)


def test_info_plist():
    from opsconsole import __version__

    info = buildinfo.info_plist()
    assert info["CFBundleShortVersionString"] == __version__
    assert info["CFBundleVersion"] == ".".join(str(n) for n in buildinfo.numeric_version()[:3])
    assert re.fullmatch(r"[A-Za-z0-9.-]+", info["CFBundleIdentifier"])
    assert info["NSHighResolutionCapable"] is True
    assert info["NSRequiresAquaSystemAppearance"] is False  # follows dark mode
    plistlib.loads(plistlib.dumps(info))  # serialisable as a plist


def test_windows_version_info():
    from opsconsole import __version__

    info = buildinfo.windows_version_info()
    assert info["strings"]["ProductVersion"] == __version__
    assert info["filevers"] == buildinfo.numeric_version()


def test_inno_script_takes_its_values_from_the_build():
    iss = (INSTALLERS / "windows" / "opsconsole.iss").read_text()
    required = set(re.findall(r"#ifndef (\w+)\s+#error", iss))
    build = _load("build")
    passed = set(build.iscc_defines())
    assert {"AppVersion", "AppVersionNumeric", "SourceDir"} <= required <= passed
    used = set(re.findall(r"\{#(\w+)\}", iss))
    defined_here = set(re.findall(r"#define (\w+)", iss))
    assert used <= passed | defined_here, used - passed - defined_here
    assert not re.search(r"^\s*AppVersion\s*=\s*\d", iss, re.MULTILINE), "no hard-coded version"
    assert re.search(r"^PrivilegesRequired=lowest$", iss, re.MULTILINE)  # per user, no admin
    assert re.search(r"^AppId=\{\{[0-9A-F-]{36}\}$", iss, re.MULTILINE)  # stable: upgrades in place
    assert "desktopicon" in iss and "{autoprograms}" in iss


def test_expect_version_guards_a_release_tag():
    from opsconsole import __version__

    out = subprocess.run([sys.executable, str(INSTALLERS / "build.py"), "--expect-version", "v0.0.0-not-this"],
                         check=False, capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert f"the source says {__version__}" in out.stderr


def test_build_fails_clearly_without_pyinstaller(monkeypatch):
    build = _load("build")
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "PyInstaller" else real(name, *a))
    with pytest.raises(SystemExit, match=r'pip install "\.\[build\]"'):
        build.require_tools()


# -- the spec ------------------------------------------------------------------------
def _spec_list(name: str) -> list[str]:
    tree = ast.parse((INSTALLERS / "opsconsole.spec").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError(f"opsconsole.spec has no {name} list")


def test_spec_bundles_every_moto_service_the_sandbox_serves():
    from opsconsole.sandbox.server import MOTO_SERVICES

    bundled = set(_spec_list("SANDBOX_MOTO_SERVICES"))
    assert set(MOTO_SERVICES) <= bundled, f"add {set(MOTO_SERVICES) - bundled} to SANDBOX_MOTO_SERVICES"
    assert "sts" in bundled  # the connection check
    for name in bundled:
        assert importlib.util.find_spec(f"moto.{name}") is not None, name


def test_spec_keeps_the_qt_modules_the_app_needs():
    modules = set(_spec_list("QT_MODULES"))
    assert {"QtCore", "QtGui", "QtWidgets", "QtSvg"} <= modules
    assert not modules & {"QtQml", "QtQuick", "QtWebEngineCore", "QtMultimedia", "Qt3DCore"}


# -- scripts agree with each other ------------------------------------------------
def test_workflow_uses_the_build_entry_point():
    yaml = pytest.importorskip("yaml")
    text = (ROOT / ".github" / "workflows" / "release.yml").read_text()
    workflow = yaml.safe_load(text)
    steps = [step for job in workflow["jobs"].values() for step in job.get("steps", [])]
    runs = "\n".join(step.get("run", "") for step in steps)
    assert "python installers/build.py --check" in runs
    assert '".[build]"' in runs
    for path in re.findall(r"installers/[\w./-]+\.(?:py|sh|iss)", text):
        assert (ROOT / path).is_file(), path
    # the uploaded files are the ones build.py writes (buildinfo.artefact_stem)
    assert buildinfo.artefact_stem().startswith(f"opsconsole-{buildinfo.version()}-")
    uploads = next(s["with"]["path"] for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
    patterns = uploads.split()
    for suffix in (".tar.gz", "-setup.exe", ".dmg"):
        assert any(p.startswith("dist/opsconsole-") and p.endswith(suffix) for p in patterns), suffix


def test_ci_builds_and_runs_the_frozen_app():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "installers/build.py" in ci
    assert "--sandbox --smoke-test" in ci and "--version" in ci
    assert "QT_QPA_PLATFORM=offscreen" in ci


def test_entitlements_are_a_valid_plist():
    entitlements = plistlib.loads((INSTALLERS / "macos" / "entitlements.plist").read_bytes())
    assert entitlements["com.apple.security.cs.allow-unsigned-executable-memory"] is True


@pytest.mark.skipif(shutil.which("bash") is None or sys.platform == "win32", reason="needs bash")
@pytest.mark.parametrize("script", ["codesign.sh", "notarize.sh"])
def test_signing_steps_skip_clearly_without_secrets(script, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MACOS_", "APPLE_", "NOTARY_"))}
    out = subprocess.run(["bash", str(INSTALLERS / "macos" / script), str(tmp_path / "opsconsole.dmg")],
                         check=False, capture_output=True, text=True, env=env, timeout=30)
    assert out.returncode == 0, out.stderr
    assert "skipped" in out.stdout and "MACOS_SIGNING_IDENTITY" in out.stdout


def test_every_aws_client_the_app_makes_has_its_model_in_the_bundle():
    """The frozen build keeps only listed botocore models; a client outside them would fail there."""
    import ast
    import re

    root = Path(__file__).resolve().parents[1]
    spec = (root / "installers" / "opsconsole.spec").read_text(encoding="utf-8")
    listed = ast.literal_eval(re.search(r"BOTOCORE_SERVICES = (\[.*?\])", spec, re.S).group(1))
    used = set()
    for path in (root / "src" / "opsconsole").rglob("*.py"):
        if "sandbox" in path.parts:
            continue  # the sandbox's own clients are moto services, kept through the closure
        used |= set(re.findall(r"""client\(\s*["']([a-z0-9-]+)["']""", path.read_text(encoding="utf-8")))
    assert used, "found no client() calls: the pattern is out of date"
    assert used - set(listed) == set()
