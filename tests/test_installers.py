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
needs_bash = pytest.mark.skipif(shutil.which("bash") is None or sys.platform == "win32", reason="needs bash")


# -- icons ---------------------------------------------------------------------
def test_icons_were_made_from_the_current_svg():
    recorded = (ICONS / "SOURCE.sha256").read_text().split()[0]
    assert recorded == make_icons.svg_digest(), (
        "src/opsconsole/resources/opsconsole.svg changed since the icons were made: run python installers/make_icons.py")


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
    assert buildinfo.release_parts("1.2.3rc1") == (1, 2, 3)
    assert buildinfo.release_parts("2.0") == (2, 0, 0)
    buildinfo.numeric_version()  # the current version fits


def test_windows_versions_tell_pre_releases_from_finals_in_order():
    order = ["1.2.3.dev1", "1.2.3a1", "1.2.3a2", "1.2.3b1", "1.2.3rc1", "1.2.3rc2", "1.2.3",
             "1.2.3.post1", "1.2.4a1", "1.3", "2.0.0"]
    numbers = [buildinfo.numeric_version(v) for v in order]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    assert buildinfo.numeric_version("1.2.3rc1") == (1, 2, 3, 30001)
    assert buildinfo.numeric_version("1.2.3") == (1, 2, 3, 40000)
    assert buildinfo.numeric_version("2.0") == (2, 0, 0, 40000)
    # spellings PEP 440 treats as the same release get the same number
    assert buildinfo.numeric_version("1.2.3-rc.1") == buildinfo.numeric_version("1.2.3c1") == (1, 2, 3, 30001)
    assert buildinfo.numeric_version("1.2.3alpha2") == buildinfo.numeric_version("1.2.3a2")
    assert buildinfo.numeric_version("65535.65535.65535") == (65535, 65535, 65535, 40000)


@pytest.mark.parametrize("bad", ["65536.0.0", "1.70000", "1.2.3.4", "1.2.3rc10000", "1.2.3.post25536",
                                 "1.2.3rc1.dev1", "1.2.3a1.post1", "latest", ""])
def test_windows_versions_refuse_what_does_not_fit(bad):
    with pytest.raises(ValueError):
        buildinfo.numeric_version(bad)


def test_info_plist():
    from opsconsole import __version__

    info = buildinfo.info_plist(minimum="14.0")
    assert info["CFBundleShortVersionString"] == __version__
    assert info["CFBundleVersion"] == ".".join(str(n) for n in buildinfo.release_parts())
    assert re.fullmatch(r"\d+(\.\d+){0,2}", info["CFBundleVersion"])  # Apple: up to three integers
    assert info["LSMinimumSystemVersion"] == "14.0"
    assert buildinfo.info_plist()["LSMinimumSystemVersion"] == buildinfo.MACOS_FLOOR
    assert re.fullmatch(r"[A-Za-z0-9.-]+", info["CFBundleIdentifier"])
    assert info["NSHighResolutionCapable"] is True
    assert info["NSRequiresAquaSystemAppearance"] is False  # follows dark mode
    plistlib.loads(plistlib.dumps(info))  # serialisable as a plist


def test_windows_version_info():
    from opsconsole import __version__

    info = buildinfo.windows_version_info()
    assert info["strings"]["ProductVersion"] == __version__
    assert info["filevers"] == buildinfo.numeric_version()
    assert buildinfo.windows_version_info("1.0rc1")["filevers"] != buildinfo.windows_version_info("1.0")["filevers"]


# -- the oldest macOS, from the bundle's Mach-O headers -----------------------------
macho = _load("macho")


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_macho_reads_the_minimum_os_of_thin_files(tmp_path):
    arm = macho.build_thin([(0x19, b"\0" * 64), macho.build_version_command((14, 0, 0))])
    assert macho.minimum_macos(_write(tmp_path / "numpy.so", arm)) == (14, 0, 0)
    old = macho.build_thin([macho.version_min_command((10, 13, 0))], is_64=False)
    assert macho.minimum_macos(_write(tmp_path / "old.dylib", old)) == (10, 13, 0)
    swapped = macho.build_thin([macho.build_version_command((13, 3, 1), order=">")], order=">")
    assert macho.minimum_macos(_write(tmp_path / "be", swapped)) == (13, 3, 1)
    ios = macho.build_thin([macho.build_version_command((17, 0, 0), platform=2)])
    assert macho.minimum_macos(_write(tmp_path / "ios.dylib", ios)) is None  # not a macOS minimum
    assert macho.minimum_macos(_write(tmp_path / "script.py", b"print('hello')\n")) is None
    assert macho.minimum_macos(_write(tmp_path / "empty", b"")) is None


def test_macho_takes_the_highest_slice_of_a_universal_file(tmp_path):
    x86 = macho.build_thin([macho.build_version_command((11, 0, 0))], cputype=0x01000007)
    arm = macho.build_thin([macho.build_version_command((14, 2, 0))])
    for wide in (False, True):
        fat = _write(tmp_path / f"universal-{wide}.so", macho.build_fat([x86, arm], wide=wide))
        assert macho.minimum_macos(fat) == (14, 2, 0)
    java = b"\xca\xfe\xba\xbe\x00\x00\x00\x34" + b"\0" * 64  # a class file shares the magic
    assert macho.minimum_macos(_write(tmp_path / "Main.class", java)) is None


def test_macho_refuses_headers_that_do_not_hold_together(tmp_path):
    good = macho.build_thin([macho.build_version_command((14, 0, 0))])
    with pytest.raises(macho.MachOError):
        macho.minimum_macos(_write(tmp_path / "cut", good[:40]))
    bad_size = bytearray(good)
    bad_size[36:40] = (4).to_bytes(4, "little")  # cmdsize below the 8-byte minimum
    with pytest.raises(macho.MachOError):
        macho.minimum_macos(_write(tmp_path / "bad", bytes(bad_size)))


def test_bundle_minimum_is_the_highest_of_every_mach_o_file(tmp_path):
    app = tmp_path / "opsconsole.app" / "Contents"
    _write(app / "MacOS" / "opsconsole", macho.build_thin([macho.build_version_command((11, 0, 0))]))
    _write(app / "Frameworks" / "PySide6" / "Qt" / "lib" / "QtCore.framework" / "Versions" / "A" / "QtCore",
           macho.build_thin([macho.build_version_command((13, 0, 0))]))
    numpy = _write(app / "Frameworks" / "numpy" / "_core" / "_multiarray_umath.cpython-311-darwin.so",
                   macho.build_thin([macho.build_version_command((14, 0, 0))]))
    _write(app / "Resources" / "opsconsole.icns", b"icns\0\0\0\x08")
    (app / "Frameworks" / "link.so").symlink_to(numpy)
    assert macho.bundle_minimum_macos(tmp_path) == ((14, 0, 0), numpy)
    assert buildinfo.macos_minimum(tmp_path) == "14.0"
    assert buildinfo.info_plist(minimum=buildinfo.macos_minimum(tmp_path))["LSMinimumSystemVersion"] == "14.0"
    numpy.unlink()
    (app / "Frameworks" / "link.so").unlink()
    assert buildinfo.macos_minimum(tmp_path) == buildinfo.MACOS_FLOOR  # never below the floor
    assert buildinfo.macos_minimum(tmp_path / "nothing-here") == buildinfo.MACOS_FLOOR
    assert macho.format_version((13, 3, 1)) == "13.3.1"


def test_readme_states_the_minimum_the_macos_build_needs():
    """The README's minimums are those of the release build (macos-14 runner: numpy's
    arm64 wheels need macOS 14; Windows: Qt 6's 10.0.17763)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "macOS 14 or newer" in readme
    assert "macOS 13 or newer" not in readme
    assert "Windows 10 version 1809" in readme


def test_inno_script_takes_its_values_from_the_build(monkeypatch):
    iss = (INSTALLERS / "windows" / "opsconsole.iss").read_text()
    required = set(re.findall(r"#ifndef (\w+)\s+#error", iss))
    build = _load("build")
    monkeypatch.setenv("WINDOWS_SIGN_COMMAND", "signtool sign {file}")
    passed = set(build.iscc_defines())
    assert {"AppVersion", "AppVersionNumeric", "SourceDir"} <= required <= passed
    used = set(re.findall(r"\{#(\w+)\}", iss))
    defined_here = set(re.findall(r"#define (\w+)", iss))
    assert used <= passed | defined_here, used - passed - defined_here
    assert not re.search(r"^\s*AppVersion\s*=\s*\d", iss, re.MULTILINE), "no hard-coded version"
    assert re.search(r"^PrivilegesRequired=lowest$", iss, re.MULTILINE)  # per user, no admin
    assert re.search(r"^AppId=\{\{[0-9A-F-]{36}\}$", iss, re.MULTILINE)  # stable: upgrades in place
    assert "desktopicon" in iss and "{autoprograms}" in iss
    # Qt 6's oldest Windows, from the build and as the script's own default
    assert re.search(r"^MinVersion=\{#MinWindows\}$", iss, re.MULTILINE)
    assert build.iscc_defines()["MinWindows"] == buildinfo.WINDOWS_MINIMUM == "10.0.17763"
    assert re.search(r'#define MinWindows "10\.0\.17763"', iss)
    # signed setup and uninstaller when (and only when) signing is configured
    assert re.search(r"#ifdef SignToolName\s+(;.*\s+)*SignTool=\{#SignToolName\}\s+SignedUninstaller=yes\s+#endif", iss)
    monkeypatch.delenv("WINDOWS_SIGN_COMMAND")
    monkeypatch.delenv("WINDOWS_CERTIFICATE_PFX", raising=False)
    assert "SignToolName" not in build.iscc_defines()
    # the console build is packaged next to the GUI one
    assert '#define ConsoleExe "opsconsole-cli.exe"' in iss and buildinfo.CONSOLE_NAME == "opsconsole-cli"


def _no_signing_env(monkeypatch):
    for name in ("WINDOWS_SIGN_COMMAND", "WINDOWS_CERTIFICATE_PFX", "WINDOWS_CERTIFICATE_PASSWORD"):
        monkeypatch.delenv(name, raising=False)


def test_windows_signing_goes_through_one_configurable_command(tmp_path, monkeypatch, capsys):
    build = _load("build")
    _no_signing_env(monkeypatch)
    files = [tmp_path / "opsconsole.exe", tmp_path / "opsconsole cli.exe"]
    assert build.windows_sign_command() is None
    build.sign_windows(files)
    assert "Windows signing skipped" in capsys.readouterr().out

    signed = tmp_path / "signed.log"
    monkeypatch.setenv("WINDOWS_SIGN_COMMAND", f'echo {{file}} >> "{signed}"')
    build.sign_windows(files)
    assert signed.read_text().splitlines() == [str(f) for f in files]  # quoted: spaces survive
    # Inno Setup signs the setup and the uninstaller through build.py --sign with the same command
    assert build.iscc_defines()["SignToolName"] == build.INNO_SIGN_TOOL
    tool = build.iscc_sign_tool()
    assert tool.startswith(f"{build.INNO_SIGN_TOOL}=$q") and tool.endswith("build.py$q --sign $f")

    monkeypatch.setenv("WINDOWS_SIGN_COMMAND", "signtool sign")
    with pytest.raises(SystemExit, match=r"\{file\}"):
        build.windows_sign_command()


def test_a_failing_signing_command_is_retried_then_fails_the_build(tmp_path, monkeypatch):
    build = _load("build")
    _no_signing_env(monkeypatch)
    tries = tmp_path / "tries"
    monkeypatch.setenv("WINDOWS_SIGN_COMMAND", f'echo x >> "{tries}"; exit 3 # {{file}}')
    monkeypatch.setattr(build.time, "sleep", lambda seconds: None)
    with pytest.raises(SystemExit, match="failed 3 times"):
        build.sign_windows([tmp_path / "opsconsole.exe"])
    assert len(tries.read_text().splitlines()) == build.SIGN_ATTEMPTS


@pytest.mark.skipif(sys.platform == "win32", reason="the test's command is a POSIX shell line")
def test_build_sign_is_what_inno_setup_calls(tmp_path):
    signed = tmp_path / "signed.log"
    setup = tmp_path / "opsconsole-0.1.0-windows-x86_64-setup.exe"
    env = {**os.environ, "WINDOWS_SIGN_COMMAND": f'TOKEN=hunter2; echo {{file}} >> "{signed}"'}
    out = subprocess.run([sys.executable, str(INSTALLERS / "build.py"), "--sign", str(setup)],
                         check=False, capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    assert signed.read_text().strip() == str(setup)
    assert "hunter2" not in out.stdout + out.stderr  # the command (it may hold secrets) is never logged
    assert f"signed {setup.name}" in out.stdout


def test_expect_version_guards_a_release_tag():
    from opsconsole import __version__

    out = subprocess.run([sys.executable, str(INSTALLERS / "build.py"), "--expect-version", "v0.0.0-not-this"],
                         check=False, capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert f"the source says {__version__}" in out.stderr


def test_checks_run_the_console_build_on_windows(monkeypatch):
    build = _load("build")
    monkeypatch.setattr(sys, "platform", "win32")
    assert build.frozen_executable().name == "opsconsole-cli.exe"
    monkeypatch.setattr(sys, "platform", "linux")
    assert build.frozen_executable().name == "opsconsole"


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
def _workflow() -> tuple[str, dict, list[dict]]:
    import yaml  # a test dependency (pyproject.toml): the workflow checks never skip
    text = (ROOT / ".github" / "workflows" / "release.yml").read_text()
    workflow = yaml.safe_load(text)
    steps = workflow["jobs"]["build"]["steps"]
    return text, workflow, steps


def test_workflow_uses_the_build_entry_point():
    text, workflow, _build_steps = _workflow()
    steps = [step for job in workflow["jobs"].values() for step in job.get("steps", [])]
    runs = "\n".join(step.get("run", "") for step in steps)
    assert "python installers/build.py --check" in runs
    assert '".[build]"' in runs
    for path in re.findall(r"installers/[\w./-]+\.(?:py|sh|iss|ps1)", text):
        assert (ROOT / path).is_file(), path
    # the uploaded files are the ones build.py writes (buildinfo.artefact_stem)
    assert buildinfo.artefact_stem().startswith(f"opsconsole-{buildinfo.version()}-")
    uploads = next(s["with"]["path"] for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
    patterns = uploads.split()
    for suffix in (".tar.gz", "-setup.exe", ".dmg"):
        assert any(p.startswith("dist/opsconsole-") and p.endswith(suffix) for p in patterns), suffix


def test_workflow_installs_and_runs_each_installer_before_uploading_it(tmp_path):
    _text, _workflow_, steps = _workflow()
    names = [step.get("name", step.get("uses", "")) for step in steps]
    build = next(i for i, s in enumerate(steps) if "installers/build.py --check" in s.get("run", ""))
    upload = next(i for i, s in enumerate(steps) if s.get("uses", "").startswith("actions/upload-artifact"))
    expected = {"Windows": ("installers/windows/install_test.ps1", '-setup.exe"', "pwsh"),
                "macOS": ("installers/macos/install_test.sh", '.dmg"', "bash"),
                "Linux": ("installers/linux_install_test.sh", '.tar.gz"', "bash")}
    for os_name, (script, artefact, shell) in expected.items():
        index, step = next((i, s) for i, s in enumerate(steps) if script in s.get("run", ""))
        assert build < index < upload, f"{names[index]} must run after the build and before the upload"
        assert step["if"] == f"runner.os == '{os_name}'"
        assert step["shell"] == shell
        assert "steps.names.outputs.stem" in step["run"] and artefact in step["run"]
        assert "steps.names.outputs.version" in step["run"]
        assert not step.get("continue-on-error"), "a failed install test must fail the job"
    names_step = next(s for s in steps if s.get("id") == "names")
    assert names_step["shell"] == "python"
    output = tmp_path / "github_output"
    done = subprocess.run([sys.executable, "-c", names_step["run"]], cwd=ROOT, check=False, capture_output=True,
                          text=True, timeout=60, env={**os.environ, "GITHUB_OUTPUT": str(output)})
    assert done.returncode == 0, done.stderr
    assert output.read_bytes().decode() == f"version={buildinfo.version()}\nstem={buildinfo.artefact_stem()}\n"
    # the .ps1 checks what the .iss installs, under the .iss's AppId
    ps1 = (INSTALLERS / "windows" / "install_test.ps1").read_text()
    iss = (INSTALLERS / "windows" / "opsconsole.iss").read_text()
    app_id = re.search(r"^AppId=\{(\{[0-9A-F-]{36}\})$", iss, re.MULTILINE).group(1)
    assert f"$appId = '{app_id}'" in ps1
    for exe in ("opsconsole.exe", "opsconsole-cli.exe", "unins000.exe"):
        assert exe in ps1
    assert "QT_QPA_PLATFORM = 'windows'" in ps1 and "'--sandbox', '--smoke-test'" in ps1
    mac = (INSTALLERS / "macos" / "install_test.sh").read_text()
    assert "QT_QPA_PLATFORM=cocoa" in mac and "spctl -a -vv" in mac and "stapler validate" in mac


def test_workflow_covers_notarisation_and_signing():
    text, workflow, steps = _workflow()
    job = workflow["jobs"]["build"]
    build_step = next(s for s in steps if "installers/build.py --check" in s.get("run", ""))
    # the job outlasts the longest notarisation wait (NOTARY_TIMEOUT) with room for the rest
    wait = build_step["env"]["NOTARY_TIMEOUT"]
    assert re.fullmatch(r"\d+m", wait)
    assert job["timeout-minutes"] >= int(wait[:-1]) + 30
    assert 'timeout=${NOTARY_TIMEOUT:-30m}' in (INSTALLERS / "macos" / "notarize.sh").read_text()
    # every variable the signing code reads reaches the build step
    build = _load("build")
    import inspect

    read = set(re.findall(r'os\.environ\.get\("(WINDOWS_\w+)"', inspect.getsource(build.windows_sign_command)))
    assert read == {"WINDOWS_SIGN_COMMAND", "WINDOWS_CERTIFICATE_PFX", "WINDOWS_CERTIFICATE_PASSWORD"}
    assert "WINDOWS_CERTIFICATE_PFX=" in text  # written to GITHUB_ENV by the certificate step
    assert {"WINDOWS_SIGN_COMMAND", "WINDOWS_CERTIFICATE_PASSWORD", "MACOS_SIGNING_IDENTITY"} <= set(build_step["env"])
    # a decoded key file is removed even when a step before failed
    cleanup = next(s for s in steps if "signing.pfx" in s.get("run", "") and "Remove-Item" in s["run"])
    assert cleanup["if"].startswith("always()")


def test_ci_builds_and_runs_the_frozen_app():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "installers/build.py" in ci
    assert "QT_QPA_PLATFORM=offscreen" in ci
    assert 'bash installers/linux_install_test.sh "$tarball" "$version"' in ci
    assert "buildinfo.MAX_UNPACKED_MB" in ci and "buildinfo.MAX_DOWNLOAD_MB" in ci
    script = (INSTALLERS / "linux_install_test.sh").read_text()
    assert 'run_frozen "opsconsole $version" --version' in script
    assert 'run_frozen "executions: " --sandbox --smoke-test' in script


def test_size_budget():
    assert (buildinfo.MAX_UNPACKED_MB, buildinfo.MAX_DOWNLOAD_MB) == (250, 100)
    doc = (ROOT / "docs" / "bundle.md").read_text(encoding="utf-8")
    assert "250 MB" in doc and "100 MB" in doc


def test_build_enforces_the_size_budget(tmp_path, monkeypatch):
    build = _load("build")
    app = tmp_path / "opsconsole"
    app.mkdir()
    (app / "lib.so").write_bytes(b"\0" * 3000)
    download = tmp_path / "opsconsole.tar.gz"
    download.write_bytes(b"\0" * 1500)
    monkeypatch.setattr(buildinfo, "MAX_UNPACKED_MB", 0.004)
    monkeypatch.setattr(buildinfo, "MAX_DOWNLOAD_MB", 0.002)
    build.check_budget(app, download)
    monkeypatch.setattr(buildinfo, "MAX_UNPACKED_MB", 0.002)
    with pytest.raises(SystemExit, match="over the 0.002 MB budget"):
        build.check_budget(app, download)
    monkeypatch.setattr(buildinfo, "MAX_UNPACKED_MB", 0.004)
    monkeypatch.setattr(buildinfo, "MAX_DOWNLOAD_MB", 0.001)
    with pytest.raises(SystemExit, match="opsconsole.tar.gz is"):
        build.check_budget(app, download)


def test_bundle_sizes_counts_each_file_for_its_package():
    sizes = _load("bundle_sizes")
    assert {name: sizes._group_of(name) for name in (
        "numpy", "numpy.libs", "PySide6", "shiboken6", "botocore-1.44.8.dist-info", "libpython3.11.so.1.0",
        "python3.11", "base_library.zip", "_cffi_backend.cpython-311-x86_64-linux-gnu.so", "_yaml",
        "markupsafe-3.0.4.dist-info")} == {
        "numpy": "numpy", "numpy.libs": "numpy", "PySide6": "PySide6", "shiboken6": "PySide6",
        "botocore-1.44.8.dist-info": "botocore", "libpython3.11.so.1.0": "python", "python3.11": "python",
        "base_library.zip": "python", "_cffi_backend.cpython-311-x86_64-linux-gnu.so": "cffi", "_yaml": "pyyaml",
        "markupsafe-3.0.4.dist-info": "markupsafe"}


def _fake_tarball(tmp_path: Path, app_script: str, extra: str | None = None) -> Path:
    import tarfile

    folder = tmp_path / "src" / "opsconsole"
    folder.mkdir(parents=True)
    (folder / "_internal").mkdir()
    exe = folder / "opsconsole"
    exe.write_text("#!/usr/bin/env bash\n" + app_script)
    exe.chmod(0o755)
    tarball = tmp_path / "opsconsole-0.1.0-linux-x86_64.tar.gz"
    with tarfile.open(tarball, "w:gz") as tar:
        tar.add(folder, arcname="opsconsole")
        if extra:
            tar.add(exe, arcname=extra)
    return tarball


_FAKE_APP = """echo "resources: ok $(dirname "$0")/_internal/opsconsole/resources"
case "$1" in --version) echo "opsconsole 0.1.0";; --sandbox) echo "executions: 14";; esac
"""


@needs_bash
@pytest.mark.parametrize("case", ["ok", "writes-into-its-folder", "fails", "stray-file"])
def test_linux_install_test(tmp_path, case):
    script = {"ok": _FAKE_APP, "fails": _FAKE_APP + "exit 3\n",
              "writes-into-its-folder": _FAKE_APP + 'touch "$(dirname "$0")/_internal/cache.db"\n',
              "stray-file": _FAKE_APP}[case]
    tarball = _fake_tarball(tmp_path, script, extra="README" if case == "stray-file" else None)
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    out = subprocess.run(["bash", str(INSTALLERS / "linux_install_test.sh"), str(tarball), "0.1.0"],
                         check=False, capture_output=True, text=True, timeout=60, env=env)
    if case == "ok":
        assert out.returncode == 0, out.stdout + out.stderr
        assert "frozen --sandbox --smoke-test: exit 0" in out.stdout
        assert not [p for p in tmp_path.iterdir() if p.name.startswith("tmp.")]  # the unpacked app is removed
    else:
        assert out.returncode != 0
        assert {"writes-into-its-folder": "changed its own folder", "fails": "failed (exit 3)",
                "stray-file": "one folder, opsconsole/"}[case] in out.stderr


def test_entitlements_are_a_valid_plist():
    entitlements = plistlib.loads((INSTALLERS / "macos" / "entitlements.plist").read_bytes())
    assert entitlements["com.apple.security.cs.allow-unsigned-executable-memory"] is True


@needs_bash
@pytest.mark.parametrize("script", ["codesign.sh", "notarize.sh"])
def test_signing_steps_skip_clearly_without_secrets(script, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MACOS_", "APPLE_", "NOTARY_"))}
    out = subprocess.run(["bash", str(INSTALLERS / "macos" / script), str(tmp_path / "opsconsole.dmg")],
                         check=False, capture_output=True, text=True, env=env, timeout=30)
    assert out.returncode == 0, out.stderr
    assert "skipped" in out.stdout and "MACOS_SIGNING_IDENTITY" in out.stdout


# -- the macOS scripts, run against stand-ins for Apple's tools --------------------------
def _stub(bin_dir: Path, name: str, body: str) -> None:
    bin_dir.mkdir(exist_ok=True)
    path = bin_dir / name
    path.write_text("#!/usr/bin/env bash\n" + body + "\n")
    path.chmod(0o755)


def _apple_tools(tmp_path: Path, codesign_fails_on: str = "") -> tuple[dict[str, str], Path]:
    """PATH with uname (Darwin), file, plutil and codesign stand-ins; codesign logs each call."""
    bin_dir, calls = tmp_path / "bin", tmp_path / "calls.log"
    _stub(bin_dir, "uname", 'echo Darwin')
    _stub(bin_dir, "file", 'if grep -q MACHO "$2" 2>/dev/null; then echo "Mach-O 64-bit dynamically linked shared library arm64"; '
                           'else echo "ASCII text"; fi')
    _stub(bin_dir, "plutil", 'echo opsconsole')
    _stub(bin_dir, "codesign", f'printf "%s\\n" "$*" >> "{calls}"\n'
                               + (f'case "$*" in *{codesign_fails_on}*) exit 1;; esac' if codesign_fails_on else ""))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MACOS_", "APPLE_", "NOTARY_"))}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    return env, calls


def _fake_app(tmp_path: Path) -> Path:
    """An .app laid out as PyInstaller lays out opsconsole.app, with marker 'Mach-O' files."""
    app = tmp_path / "opsconsole.app"
    contents = app / "Contents"
    qt = contents / "Frameworks" / "PySide6" / "Qt" / "lib" / "QtCore.framework"
    files = {
        contents / "MacOS" / "opsconsole": "MACHO main",
        contents / "Frameworks" / "numpy" / "_core" / "_multiarray_umath.cpython-311-darwin.so": "MACHO ext",
        contents / "Frameworks" / "libcrypto.3.dylib": "MACHO lib",
        contents / "Frameworks" / "PySide6" / "Qt" / "plugins" / "platforms" / "libqcocoa.dylib": "MACHO plugin",
        qt / "Versions" / "A" / "QtCore": "MACHO framework",
        # collected without its Info.plist: not a bundle codesign can sign, so a plain file
        contents / "Frameworks" / "Python.framework" / "Versions" / "3.11" / "Python": "MACHO python",
        qt / "Versions" / "A" / "Resources" / "Info.plist": "<plist/>",
        contents / "Frameworks" / "opsconsole" / "resources" / "opsconsole.svg": "<svg/>",
        contents / "Info.plist": "<plist/>",
    }
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (contents / "MacOS" / "opsconsole").chmod(0o755)
    (qt / "Versions" / "Current").symlink_to("A")
    (qt / "QtCore").symlink_to("Versions/Current/QtCore")
    return app


@needs_bash
@pytest.mark.parametrize("identity", ["Developer ID Application: Example Ltd (TEAMID1234)", ""])
def test_codesign_signs_inside_out_with_entitlements_on_the_app_only(tmp_path, identity):
    app = _fake_app(tmp_path)
    env, calls = _apple_tools(tmp_path)
    if identity:
        env["MACOS_SIGNING_IDENTITY"] = identity
    out = subprocess.run(["bash", str(INSTALLERS / "macos" / "codesign.sh"), str(app)],
                         check=False, capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    lines = calls.read_text().splitlines()
    signed = [line.rsplit(" ", 1)[-1] for line in lines if "--sign" in line]
    contents = f"{app}/Contents"
    framework = f"{contents}/Frameworks/PySide6/Qt/lib/QtCore.framework/Versions/A"
    loose = {f"{contents}/Frameworks/numpy/_core/_multiarray_umath.cpython-311-darwin.so",
             f"{contents}/Frameworks/libcrypto.3.dylib",
             f"{contents}/Frameworks/PySide6/Qt/plugins/platforms/libqcocoa.dylib",
             f"{contents}/Frameworks/Python.framework/Versions/3.11/Python"}
    # every loose Mach-O file once, then the framework at its version folder, then the app
    assert set(signed[:4]) == loose and len(signed) == 6
    assert signed[4:] == [framework, str(app)]
    # entitlements: on the app (its main executable) only
    assert [line for line in lines if "--entitlements" in line] == [next(line for line in lines if line.endswith(str(app)) and "--sign" in line)]
    assert "--verify --deep --strict" in lines[-1] and lines[-1].endswith(str(app))
    if identity:
        assert all("--options runtime" in line and "--timestamp" in line and identity in line
                   for line in lines if "--sign" in line)
        assert "signed opsconsole.app as Developer ID" in out.stdout
    else:  # ad hoc: the seals must still hold
        assert all("--sign -" in line and "--options runtime" not in line for line in lines if "--sign" in line)
        assert "ad hoc" in out.stdout


@needs_bash
def test_a_failed_ad_hoc_signature_fails_the_build(tmp_path):
    app = _fake_app(tmp_path)
    env, _calls = _apple_tools(tmp_path, codesign_fails_on="--verify")
    out = subprocess.run(["bash", str(INSTALLERS / "macos" / "codesign.sh"), str(app)],
                         check=False, capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode != 0


@needs_bash
def test_codesign_leaves_no_key_behind_when_signing_fails(tmp_path):
    """The decoded .p12 and the temporary keychain go, whatever fails."""
    app = _fake_app(tmp_path)
    env, _calls = _apple_tools(tmp_path, codesign_fails_on="--sign")
    keys = tmp_path / "tmp"
    keys.mkdir()
    _stub(tmp_path / "bin", "security", f'echo "security $*" >> "{tmp_path}/security.log"')
    _stub(tmp_path / "bin", "uuidgen", "echo 00000000-0000-0000-0000-000000000000")
    env.update(MACOS_SIGNING_IDENTITY="Developer ID Application: Example Ltd (TEAMID1234)",
               MACOS_CERTIFICATE_P12_BASE64="c2VjcmV0", MACOS_CERTIFICATE_PASSWORD="pw", TMPDIR=str(keys))
    out = subprocess.run(["bash", str(INSTALLERS / "macos" / "codesign.sh"), str(app)],
                         check=False, capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode != 0
    assert list(keys.iterdir()) == []
    assert "security delete-keychain" in (tmp_path / "security.log").read_text()


def _notary_tools(tmp_path: Path, status: str) -> dict[str, str]:
    env, _calls = _apple_tools(tmp_path)
    log = tmp_path / "xcrun.log"
    _stub(tmp_path / "bin", "xcrun", f"""echo "xcrun $*" >> "{log}"
case "$1 $2" in
  "notarytool submit") echo '{{"id":"2f1e-77","status":"{status}","message":"Processing complete"}}' ;;
  "notarytool log") echo '{{"issues":[{{"path":"opsconsole.app/Contents/Frameworks/libfoo.dylib","message":"The signature of the binary is invalid."}}]}}' ;;
esac""")
    env.update(MACOS_SIGNING_IDENTITY="Developer ID Application: Example Ltd (TEAMID1234)",
               APPLE_ID="dev@example.com", APPLE_TEAM_ID="TEAMID1234", APPLE_APP_SPECIFIC_PASSWORD="x")
    return env


@needs_bash
def test_notarisation_fails_with_apples_log_unless_accepted(tmp_path):
    env = _notary_tools(tmp_path, "Invalid")
    out = subprocess.run(["bash", str(INSTALLERS / "macos" / "notarize.sh"), str(tmp_path / "a.dmg")],
                         check=False, capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 1
    assert "status 'Invalid'" in out.stderr and "The signature of the binary is invalid" in out.stderr
    calls = (tmp_path / "xcrun.log").read_text()
    assert "notarytool log 2f1e-77" in calls and "stapler" not in calls


@needs_bash
def test_accepted_notarisation_is_stapled(tmp_path):
    env = _notary_tools(tmp_path, "Accepted")
    out = subprocess.run(["bash", str(INSTALLERS / "macos" / "notarize.sh"), str(tmp_path / "a.dmg")],
                         check=False, capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    calls = (tmp_path / "xcrun.log").read_text()
    assert "--output-format json" in calls and "--timeout 30m" in calls
    assert "stapler staple" in calls and "stapler validate" in calls


@needs_bash
def test_make_dmg_retries_a_busy_hdiutil(tmp_path):
    env, _calls = _apple_tools(tmp_path)
    count = tmp_path / "hdiutil.count"
    _stub(tmp_path / "bin", "ditto", 'cp -R "$1" "$2"')
    _stub(tmp_path / "bin", "hdiutil", f"""n=$(( $(cat "{count}" 2>/dev/null || echo 0) + 1 )); echo $n > "{count}"
if [ $n -lt 3 ]; then echo "hdiutil: create failed - Resource busy" >&2; exit 1; fi
for last; do :; done; echo image > "$last"
""")
    env["DMG_RETRY_WAIT"] = "0"
    app = _fake_app(tmp_path)
    dmg = tmp_path / "out.dmg"
    out = subprocess.run(["bash", str(INSTALLERS / "macos" / "make_dmg.sh"), str(app), str(dmg)],
                         check=False, capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    assert count.read_text().strip() == "3" and dmg.is_file()
    assert "trying again" in out.stderr
    env["DMG_ATTEMPTS"] = "2"
    count.unlink()
    out = subprocess.run(["bash", str(INSTALLERS / "macos" / "make_dmg.sh"), str(app), str(dmg)],
                         check=False, capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 1 and "failed 2 times" in out.stderr


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck is not installed")
def test_shell_scripts_pass_shellcheck():
    scripts = [*sorted((INSTALLERS / "macos").glob("*.sh")), ROOT / ".ci" / "run"]
    out = subprocess.run(["shellcheck", *map(str, scripts)], check=False, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout


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


# -- libraries that stripping leaves unloadable ----------------------------------------------------
def _elf(vaddr: int, offset: int, marker: bytes = b"") -> bytes:
    """A minimal little-endian ELF64 file with one PT_LOAD program header."""
    import struct

    header = bytearray(64)
    header[:6] = b"\x7fELF\x02\x01"
    struct.pack_into("<Q", header, 32, 64)  # e_phoff
    struct.pack_into("<HH", header, 54, 56, 1)  # e_phentsize, e_phnum
    program = struct.pack("<IIQQQQQQ", 1, 5, offset, vaddr, vaddr, 0x100, 0x100, 0x1000)
    return bytes(header) + program + marker


def test_a_library_whose_load_segment_is_off_the_page_is_found(tmp_path):
    build = _load("build")
    good, bad, text = tmp_path / "good.so", tmp_path / "bad.so", tmp_path / "notes.so"
    good.write_bytes(_elf(0x5000, 0x1000))
    bad.write_bytes(_elf(0x5000, 0x1200))  # what strip left of numpy 2.4's OpenBLAS
    text.write_bytes(b"not an ELF file at all")
    assert not build.misaligned(good) and build.misaligned(bad) and not build.misaligned(text)


def test_the_installed_copy_replaces_a_library_stripping_broke(tmp_path):
    build = _load("build")
    internal, site = tmp_path / "_internal", tmp_path / "site-packages"
    (internal / "numpy.libs").mkdir(parents=True)
    (site / "numpy.libs").mkdir(parents=True)
    (internal / "numpy.libs" / "libopenblas.so").write_bytes(_elf(0x5000, 0x1200))
    (site / "numpy.libs" / "libopenblas.so").write_bytes(_elf(0x5000, 0x1000, b"symbols"))
    (internal / "fine.so").write_bytes(_elf(0x5000, 0x1000))
    assert build.restore_unstripped(internal, [site]) == ["numpy.libs/libopenblas.so"]
    assert (internal / "numpy.libs" / "libopenblas.so").read_bytes().endswith(b"symbols")
    (internal / "lonely.so").write_bytes(_elf(0x5000, 0x1200))
    with pytest.raises(build.BuildError, match="lonely.so"):
        build.restore_unstripped(internal, [site])


def test_pyqtgraph_imports_with_the_opengl_stand_ins(tmp_path):
    """The frozen app leaves Qt's OpenGL bindings out; pyqtgraph's plot items must still import and draw."""
    code = (
        "import builtins, runpy, sys\n"
        "real = builtins.__import__\n"
        "def without(name, *a, **k):\n"
        "    if name.startswith(('PySide6.QtOpenGL',)):\n"
        "        raise ImportError(name)\n"
        "    return real(name, *a, **k)\n"
        "builtins.__import__ = without\n"
        "import importlib\n"
        "real_module = importlib.import_module\n"
        "importlib.import_module = lambda n, *a: (_ for _ in ()).throw(ImportError(n)) "
        "if n.startswith('PySide6.QtOpenGL') and n not in sys.modules else real_module(n, *a)\n"
        f"runpy.run_path({str(INSTALLERS / 'rthook_no_opengl.py')!r})\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "import pyqtgraph as pg\n"
        "w = pg.PlotWidget(); w.plot([1, 2, 3]); w.resize(200, 100); w.grab()\n"
        "print('drawn', type(sys.modules['PySide6.QtOpenGLWidgets']).__name__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 0, out.stderr
    assert "drawn module" in out.stdout
