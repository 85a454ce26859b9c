"""Build opsconsole for this platform: the one-folder app, then what users download.

    python installers/build.py            # build, package, print sizes and times
    python installers/build.py --check    # ... then run the frozen app's checks
    python installers/build.py --check-only   # only the checks, on an existing build

Needs the project and PyInstaller installed in the running Python
(``pip install ".[build]"``); installs nothing itself. Outputs in dist/:

* every platform: ``dist/opsconsole/`` (the one-folder app);
* Linux: ``opsconsole-<version>-linux-<arch>.tar.gz``;
* Windows: ``opsconsole-<version>-windows-<arch>-setup.exe`` (Inno Setup 6's ``iscc``
  on PATH or in its default folder; ``--no-installer`` skips it); the app, its console
  build, the setup and the uninstaller signed through one command when signing is
  configured (see windows_sign_command), with a message saying so when it is not;
* macOS: ``dist/opsconsole.app`` and ``opsconsole-<version>-macos-<arch>.dmg``; signed
  and notarised when the signing secrets are in the environment (see
  installers/macos/*.sh), with a message saying so when they are not.

The same command runs in the release workflow and on a developer's machine.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import buildinfo

ROOT = buildinfo.ROOT
DIST = ROOT / "dist"
WORK = ROOT / "build" / "pyinstaller"
SPEC = ROOT / "installers" / "opsconsole.spec"
APP_DIR = DIST / buildinfo.APP_NAME
MAC_APP = DIST / f"{buildinfo.APP_NAME}.app"
#: seconds allowed for the frozen app's --sandbox --smoke-test
SMOKE_TIMEOUT = 300


class BuildError(SystemExit):
    def __init__(self, message: str):
        super().__init__(f"build.py: {message}")


def log(message: str) -> None:
    print(f"build.py: {message}", flush=True)


def folder_size(path: Path) -> int:
    """Bytes in files under path (symlinks not followed, counted once)."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            file = Path(root) / name
            if not file.is_symlink():
                total += file.stat().st_size
    return total


def mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def require_tools() -> None:
    """Fail early, with the fix, when something needed is missing."""
    if importlib.util.find_spec("PyInstaller") is None:
        raise BuildError(f'PyInstaller is not installed in {sys.executable}; install the build extra: pip install ".[build]"')
    if importlib.util.find_spec("opsconsole") is None:
        raise BuildError(f'opsconsole is not installed in {sys.executable}; pip install ".[build]" from the checkout')
    installed = _installed_version()
    if installed != buildinfo.version():
        raise BuildError(f"the installed opsconsole is {installed} but the checkout says {buildinfo.version()}: "
                         "reinstall it (pip install .) so the build packages this checkout")
    recorded = ROOT / "src" / "opsconsole" / "resources" / "icons" / "SOURCE.sha256"
    import make_icons

    if not recorded.is_file() or recorded.read_text().split()[0] != make_icons.svg_digest():
        raise BuildError("resources/icons is out of date with resources/opsconsole.svg: "
                         "run python installers/make_icons.py")


def _installed_version() -> str:
    out = subprocess.run([sys.executable, "-c", "import opsconsole; print(opsconsole.__version__)"],
                         capture_output=True, text=True, check=False, cwd=tempfile.gettempdir())
    return out.stdout.strip()


def run_pyinstaller(clean: bool) -> float:
    began = time.monotonic()
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
           "--distpath", str(DIST), "--workpath", str(WORK), str(SPEC)]
    if clean:
        cmd.insert(3, "--clean")
    log("+ " + " ".join(cmd))
    subprocess.run(cmd, check=True, cwd=ROOT)
    seconds = time.monotonic() - began
    log(f"PyInstaller finished in {seconds:.0f} s")
    return seconds


# -- stripped libraries that no longer load ------------------------------------
PAGE = 4096


def misaligned(path: Path) -> bool:
    """Whether a 64-bit ELF file has a loadable segment whose offset and address disagree modulo the page.

    The dynamic loader refuses such a file ("ELF load command address/offset
    not page-aligned"). ``strip`` produces them from some wheels' libraries
    (numpy 2.4's, built with large-page alignment), so the frozen app could not
    import numpy although the build succeeded.
    """
    import struct

    with open(path, "rb") as f:
        head = f.read(64)
        if len(head) < 64 or head[:4] != b"\x7fELF" or head[4] != 2:  # ELF64 only (the Linux build)
            return False
        endian = "<" if head[5] == 1 else ">"
        phoff, = struct.unpack_from(endian + "Q", head, 32)
        phentsize, phnum = struct.unpack_from(endian + "HH", head, 54)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    for i in range(phnum):
        p_type, _flags, p_offset, p_vaddr = struct.unpack_from(endian + "IIQQ", table, i * phentsize)
        if p_type == 1 and (p_vaddr - p_offset) % PAGE:  # PT_LOAD
            return True
    return False


def restore_unstripped(internal: Path, site_packages: list[Path]) -> list[str]:
    """Put back the installed copy of every library that stripping made unloadable; their names.

    A library with no installed copy to restore stops the build: the app would fail where it loads it.
    """
    restored = []
    for path in sorted(internal.rglob("*.so*")):
        if path.is_symlink() or not path.is_file() or not misaligned(path):
            continue
        relative = path.relative_to(internal)
        original = next((root / relative for root in site_packages if (root / relative).is_file()), None)
        if original is None or misaligned(original):
            raise BuildError(f"{relative} does not load after stripping and there is no loadable copy to restore")
        shutil.copy2(original, path)
        restored.append(str(relative))
    return restored


def _site_packages() -> list[Path]:
    import sysconfig

    return [Path(p) for p in dict.fromkeys((sysconfig.get_paths()["platlib"], sysconfig.get_paths()["purelib"]))]


# -- packaging ---------------------------------------------------------------
def package_linux() -> Path:
    out = DIST / f"{buildinfo.artefact_stem()}.tar.gz"
    log(f"writing {out.relative_to(ROOT)}")
    with tarfile.open(out, "w:gz", compresslevel=6) as tar:
        tar.add(APP_DIR, arcname=buildinfo.APP_NAME)  # keeps symlinks as symlinks
    return out


def _iscc() -> str:
    found = shutil.which("iscc") or shutil.which("ISCC")
    if found:
        return found
    for base in (os.environ.get("ProgramFiles(x86)"), os.environ.get("ProgramFiles"),
                 os.environ.get("LOCALAPPDATA") and str(Path(os.environ["LOCALAPPDATA"]) / "Programs")):
        if base and (Path(base) / "Inno Setup 6" / "ISCC.exe").is_file():
            return str(Path(base) / "Inno Setup 6" / "ISCC.exe")
    raise BuildError("Inno Setup 6 (iscc) not found: install it (choco install innosetup) or pass --no-installer")


#: the name under which build.py registers its signing command with Inno Setup (iscc /S)
INNO_SIGN_TOOL = "opsconsole"


def iscc_defines() -> dict[str, str]:
    """The /D values the Inno Setup script requires (it has no version of its own); with
    signing configured also SignToolName, so that Inno Setup signs the setup and the
    uninstaller it embeds (SignTool, SignedUninstaller) through ``build.py --sign``."""
    ver = buildinfo.version()
    defines = {
        "AppVersion": ver,
        "AppVersionNumeric": ".".join(str(n) for n in buildinfo.numeric_version(ver)),
        "SourceDir": str(APP_DIR),
        "OutputDir": str(DIST),
        "OutputBaseName": f"{buildinfo.artefact_stem(ver)}-setup",
        "IconFile": str(buildinfo.ICONS / "opsconsole.ico"),
        "MinWindows": buildinfo.WINDOWS_MINIMUM,
    }
    if windows_sign_command() is not None:
        defines["SignToolName"] = INNO_SIGN_TOOL
    return defines


def iscc_sign_tool() -> str:
    """iscc's /S value: Inno Setup runs ``build.py --sign <file>`` for the setup and its
    uninstaller, so one signing command (windows_sign_command) signs everything and its
    secrets stay in the environment. ($q is a quote, $f the quoted file, for Inno Setup.)"""
    return f"{INNO_SIGN_TOOL}=$q{sys.executable}$q $q{Path(__file__).resolve()}$q --sign $f"


def package_windows() -> Path:
    sign_windows([APP_DIR / f"{buildinfo.APP_NAME}.exe", APP_DIR / f"{buildinfo.CONSOLE_NAME}.exe"])
    defines = iscc_defines()
    cmd = [_iscc(), "/Q", *[f"/D{key}={value}" for key, value in defines.items()]]
    if "SignToolName" in defines:
        cmd.append(f"/S{iscc_sign_tool()}")
    cmd.append(str(ROOT / "installers" / "windows" / "opsconsole.iss"))
    log("+ " + " ".join(cmd))
    subprocess.run(cmd, check=True)
    out = DIST / f"{defines['OutputBaseName']}.exe"
    if "SignToolName" not in defines:
        sign_windows([out])  # says that it stays unsigned
    return out


def windows_sign_command() -> str | None:
    """The command that Authenticode-signs one file, ``{file}`` standing for it; None
    when no signing is configured. Either WINDOWS_SIGN_COMMAND, any command line (signtool
    with a certificate on a token or in a cloud key store, AzureSignTool, smctl, ...),
    which may refer to secrets as environment variables (%VAR% on Windows); or, for a
    .pfx file, WINDOWS_CERTIFICATE_PFX and WINDOWS_CERTIFICATE_PASSWORD (signtool)."""
    command = os.environ.get("WINDOWS_SIGN_COMMAND", "").strip()
    if command:
        if "{file}" not in command:
            raise BuildError("WINDOWS_SIGN_COMMAND must contain {file} where the file to sign goes")
        return command
    if os.environ.get("WINDOWS_CERTIFICATE_PFX") and os.environ.get("WINDOWS_CERTIFICATE_PASSWORD"):
        # the password stays in the environment: cmd expands it when the command runs
        return (f'"{_signtool()}" sign /f "%WINDOWS_CERTIFICATE_PFX%" /p "%WINDOWS_CERTIFICATE_PASSWORD%" '
                f"/fd sha256 /tr {TIMESTAMP_URL} /td sha256 {{file}}")
    return None


#: RFC 3161 timestamp server for signtool with a .pfx
TIMESTAMP_URL = "http://timestamp.digicert.com"
#: attempts per file: timestamp servers fail now and then
SIGN_ATTEMPTS = 3


def sign_windows(files: list[Path]) -> None:
    """Sign each file with windows_sign_command(), or say that the files stay unsigned.
    The command is never logged (it may hold secrets); a file that still fails after
    SIGN_ATTEMPTS tries fails the build."""
    command = windows_sign_command()
    if command is None:
        log("Windows signing skipped: neither WINDOWS_SIGN_COMMAND nor WINDOWS_CERTIFICATE_PFX/"
            "WINDOWS_CERTIFICATE_PASSWORD is set: " + ", ".join(f.name for f in files) + " stay unsigned "
            "(SmartScreen will warn about an unsigned installer)")
        return
    for file in files:
        for attempt in range(1, SIGN_ATTEMPTS + 1):
            done = subprocess.run(command.replace("{file}", f'"{file}"'), shell=True, check=False)  # noqa: S602
            if done.returncode == 0:
                break
            if attempt == SIGN_ATTEMPTS:
                raise BuildError(f"signing {file.name} failed {SIGN_ATTEMPTS} times (exit {done.returncode})")
            log(f"signing {file.name} failed (exit {done.returncode}), trying again in {5 * attempt} s")
            time.sleep(5 * attempt)
        log(f"signed {file.name}")


def _signtool() -> str:
    """signtool.exe: on PATH, else the newest in the Windows SDK."""
    found = shutil.which("signtool")
    if found:
        return found
    kits = Path(os.environ.get("ProgramFiles(x86)", r"C:\Program Files (x86)")) / "Windows Kits" / "10" / "bin"
    candidates = sorted(kits.glob("10.*/x64/signtool.exe"))
    if not candidates:
        raise BuildError("signtool.exe not found (install the Windows SDK)")
    return str(candidates[-1])


def check_macos_minimum(app: Path = MAC_APP) -> str:
    """The app's LSMinimumSystemVersion must be the highest minimum macOS of its Mach-O files."""
    import plistlib

    declared = plistlib.loads((app / "Contents" / "Info.plist").read_bytes()).get("LSMinimumSystemVersion")
    needed = buildinfo.macos_minimum(app)
    if declared != needed:
        raise BuildError(f"Info.plist says macOS {declared} but the bundle's files need {needed}")
    log(f"minimum macOS: {needed}")
    return needed


def package_macos() -> Path:
    scripts = ROOT / "installers" / "macos"
    dmg = DIST / f"{buildinfo.artefact_stem()}.dmg"
    check_macos_minimum()
    subprocess.run(["bash", str(scripts / "codesign.sh"), str(MAC_APP)], check=True)
    subprocess.run(["bash", str(scripts / "make_dmg.sh"), str(MAC_APP), str(dmg),
                    f"{buildinfo.DISPLAY_NAME} {buildinfo.version()}"], check=True)
    subprocess.run(["bash", str(scripts / "codesign.sh"), str(dmg)], check=True)
    subprocess.run(["bash", str(scripts / "notarize.sh"), str(dmg)], check=True)
    return dmg


def check_budget(unpacked: Path, download: Path | None) -> None:
    """The size budget (buildinfo.MAX_UNPACKED_MB, MAX_DOWNLOAD_MB), on every OS."""
    size = folder_size(unpacked)
    over = []
    if size > buildinfo.MAX_UNPACKED_MB * 1e6:
        over.append(f"the app is {mb(size)}, over the {buildinfo.MAX_UNPACKED_MB} MB budget")
    if download is not None and download.stat().st_size > buildinfo.MAX_DOWNLOAD_MB * 1e6:
        over.append(f"{download.name} is {mb(download.stat().st_size)}, over the {buildinfo.MAX_DOWNLOAD_MB} MB budget")
    if over:
        raise BuildError("; ".join(over) + " (docs/bundle.md lists what each dependency costs)")
    log(f"size budget: app {mb(size)} of {buildinfo.MAX_UNPACKED_MB} MB"
        + (f", download {mb(download.stat().st_size)} of {buildinfo.MAX_DOWNLOAD_MB} MB" if download else ""))


# -- checks of the frozen app -------------------------------------------------
def frozen_executable() -> Path:
    """What the checks run: on Windows the console build (the GUI one prints nowhere)."""
    if sys.platform == "darwin":
        return MAC_APP / "Contents" / "MacOS" / buildinfo.APP_NAME
    if sys.platform == "win32":
        return APP_DIR / f"{buildinfo.CONSOLE_NAME}.exe"
    return APP_DIR / buildinfo.APP_NAME


def check_frozen() -> None:
    """--version, then --sandbox --smoke-test offscreen: exit 0 with every panel loaded."""
    exe = frozen_executable()
    if not exe.is_file():
        raise BuildError(f"no frozen app at {exe}: build first")
    with tempfile.TemporaryDirectory(prefix="opsconsole-check-") as tmp:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "OPSCONSOLE_SELF_CHECK": "1",
               "OPSCONSOLE_DATA_DIR": str(Path(tmp) / "data"), "XDG_CONFIG_HOME": str(Path(tmp) / "config"),
               "AWS_CONFIG_FILE": str(Path(tmp) / "aws_config"),
               "AWS_SHARED_CREDENTIALS_FILE": str(Path(tmp) / "aws_credentials")}
        for args, expect in ((["--version"], f"opsconsole {buildinfo.version()}"),
                             (["--sandbox", "--smoke-test"], "executions: ")):
            began = time.monotonic()
            try:
                out = subprocess.run([str(exe), *args], capture_output=True, text=True, env=env,
                                     timeout=SMOKE_TIMEOUT, check=False)
            except subprocess.TimeoutExpired as exc:
                raise BuildError(f"frozen {' '.join(args)} did not finish in {SMOKE_TIMEOUT} s") from exc
            seconds = time.monotonic() - began
            sys.stdout.write(out.stdout)
            sys.stderr.write(out.stderr)
            if out.returncode != 0 or expect not in out.stdout or "resources: ok" not in out.stdout:
                raise BuildError(f"frozen {' '.join(args)} failed (exit {out.returncode})")
            log(f"frozen {' '.join(args)}: ok in {seconds:.1f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the opsconsole app and its installer for this platform.")
    parser.add_argument("--check", action="store_true", help="after building, run the frozen app's checks")
    parser.add_argument("--check-only", action="store_true", help="only run the checks on an existing build")
    parser.add_argument("--no-installer", action="store_true", help="stop after the one-folder app")
    parser.add_argument("--clean", action="store_true", help="empty PyInstaller's cache and work folder first")
    parser.add_argument("--expect-version", metavar="V",
                        help="fail unless the version is V (a leading 'v' is ignored), e.g. the release tag")
    parser.add_argument("--sign", nargs="+", metavar="FILE", type=Path,
                        help="only Authenticode-sign FILE (Windows; Inno Setup calls this for the setup and "
                             "its uninstaller)")
    args = parser.parse_args(argv)
    if args.sign:
        sign_windows(args.sign)
        return 0

    ver = buildinfo.version()
    if args.expect_version and args.expect_version.removeprefix("v") != ver:
        raise BuildError(f"version mismatch: asked for {args.expect_version}, the source says {ver}")
    if args.check_only:
        check_frozen()
        return 0

    require_tools()
    log(f"building opsconsole {ver} for {buildinfo.platform_tag()}-{buildinfo.arch_tag()} with {sys.executable}")
    seconds = run_pyinstaller(args.clean)
    if sys.platform.startswith("linux"):  # the spec strips binaries there
        for name in restore_unstripped(APP_DIR / "_internal", _site_packages()):
            log(f"kept unstripped (stripping made it unloadable): {name}")
    log(f"one-folder app: {APP_DIR.relative_to(ROOT)} ({mb(folder_size(APP_DIR))})")
    artefact = None
    if not args.no_installer:
        if sys.platform == "win32":
            artefact = package_windows()
        elif sys.platform == "darwin":
            artefact = package_macos()
        else:
            artefact = package_linux()
        log(f"artefact: {artefact.relative_to(ROOT)} ({mb(artefact.stat().st_size)})")
    check_budget(MAC_APP if sys.platform == "darwin" else APP_DIR, artefact)
    if args.check:
        check_frozen()
    log(f"done: build {seconds:.0f} s, bundle {mb(folder_size(APP_DIR))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
