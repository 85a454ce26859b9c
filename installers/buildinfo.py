"""Names, version and metadata shared by the PyInstaller spec, build.py and the tests.

Plain Python (no PyInstaller, no Qt, no import of opsconsole), so it loads the same
way from the spec, from build.py and from pytest. The version is read from
src/opsconsole/__init__.py at build time: it is written down in exactly one place.
"""

from __future__ import annotations

import platform
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTALLERS = ROOT / "installers"
ICONS = ROOT / "src" / "opsconsole" / "resources" / "icons"

APP_NAME = "opsconsole"
#: Windows: the console build of the app, for the command line (the GUI one prints nowhere)
CONSOLE_NAME = "opsconsole-cli"
DISPLAY_NAME = "opsconsole"
DESCRIPTION = "Operations console for an ML platform on AWS"
PUBLISHER = "opsconsole"
COPYRIGHT = "Copyright (c) opsconsole. All rights reserved."
#: macOS bundle identifier. QSettings derives its macOS file name from the organisation
#: ("com.opsconsole.opsconsole.plist"), so the two read alike in ~/Library/Preferences.
BUNDLE_ID = "com.opsconsole.opsconsole"
#: oldest macOS the app is ever declared for: Qt 6.8+ needs macOS 12, PySide6 6.10+ wheels 13.
#: The bundle's real minimum is read from its Mach-O files (see macos_minimum) and is
#: higher when a wheel needs more (numpy's arm64 wheels are built for macOS 14).
MACOS_FLOOR = "13.0"
#: oldest Windows: Qt 6's minimum, Windows 10 1809 (build 17763); the .iss has it as MinVersion
WINDOWS_MINIMUM = "10.0.17763"

#: size budget of the app with all five areas, on every OS: the installed (unpacked)
#: app and the download (tarball, setup, disk image), in MB (10**6 bytes). Enforced by
#: build.py and .ci/run; docs/bundle.md lists what each dependency costs.
MAX_UNPACKED_MB = 250
MAX_DOWNLOAD_MB = 100

_VERSION_LINE = re.compile(r'^__version__\s*=\s*["\']([^"\']+)["\']', re.MULTILINE)


def version() -> str:
    """``opsconsole.__version__``, read from the source file (no import)."""
    text = (ROOT / "src" / "opsconsole" / "__init__.py").read_text(encoding="utf-8")
    found = _VERSION_LINE.search(text)
    if not found:
        raise RuntimeError("src/opsconsole/__init__.py has no __version__ line")
    return found.group(1)


_PEP440 = re.compile(
    r"^v?(?P<release>\d+(?:\.\d+)*)"
    r"(?:[-_.]?(?P<pre>a|alpha|b|beta|rc|c|pre|preview)[-_.]?(?P<pre_n>\d*))?"
    r"(?:[-_.]?(?P<post>post|rev|r)[-_.]?(?P<post_n>\d*))?"
    r"(?:[-_.]?(?P<dev>dev)[-_.]?(?P<dev_n>\d*))?"
    r"(?:\+[a-z0-9.]+)?$", re.IGNORECASE)
#: the fourth Windows version component: a release's kind, then its number (0-9999).
#: dev < alpha < beta < rc < final < post, so a later release always has a higher number.
_KIND_BASE = {"dev": 0, "a": 10000, "b": 20000, "rc": 30000, "final": 40000, "post": 40000}
_PRE_NAMES = {"a": "a", "alpha": "a", "b": "b", "beta": "b", "rc": "rc", "c": "rc", "pre": "rc", "preview": "rc"}
MAX_COMPONENT = 65535


def release_parts(ver: str | None = None) -> tuple[int, int, int]:
    """The release numbers, three of them: 1.2.3rc1 -> (1, 2, 3), 2.0 -> (2, 0, 0)."""
    ver = ver if ver is not None else version()
    found = _PEP440.match(ver)
    if not found:
        raise ValueError(f"{ver!r} is not a PEP 440 version")
    parts = [int(p) for p in found.group("release").split(".")]
    if len(parts) > 3:
        raise ValueError(f"{ver!r}: at most three release numbers (major.minor.patch)")
    return tuple((parts + [0, 0])[:3])  # type: ignore[return-value]


def numeric_version(ver: str | None = None) -> tuple[int, int, int, int]:
    """Four integers for the Windows file and product versions (VERSIONINFO, Inno Setup's
    VersionInfoVersion): major.minor.patch and the release's kind and number, so that a
    pre-release and its final release differ and sort in order, e.g. 1.2.3a2 ->
    1.2.3.10002, 1.2.3rc1 -> 1.2.3.30001, 1.2.3 -> 1.2.3.40000, 1.2.3.post1 -> 1.2.3.40001.
    Each component is at most 65535 (Windows stores 16 bits); anything that does not fit
    is refused rather than written wrong."""
    ver = ver if ver is not None else version()
    found = _PEP440.match(ver)
    if not found:
        raise ValueError(f"{ver!r} is not a PEP 440 version")
    kinds = [k for k in ("pre", "post", "dev") if found.group(k)]
    if len(kinds) > 1:
        raise ValueError(f"{ver!r}: one of a/b/rc, .post or .dev at a time, not {' and '.join(kinds)}")
    if not kinds:
        kind, number = "final", 0
    else:
        kind = _PRE_NAMES[found.group("pre").lower()] if kinds[0] == "pre" else kinds[0]
        number = int(found.group(f"{kinds[0]}_n") or 0)
    limit = MAX_COMPONENT - _KIND_BASE["post"] if kind == "post" else 9999
    if number > limit:
        raise ValueError(f"{ver!r}: the {kind} number is over {limit}")
    parts = (*release_parts(ver), _KIND_BASE[kind] + number)
    if any(p > MAX_COMPONENT for p in parts):
        raise ValueError(f"{ver!r}: a Windows version component is over {MAX_COMPONENT}")
    return parts  # type: ignore[return-value]


def platform_tag() -> str:
    """windows / macos / linux, for artefact names."""
    if sys.platform.startswith("win"):
        return "windows"
    if sys.platform == "darwin":
        return "macos"
    return "linux"


def arch_tag() -> str:
    machine = platform.machine().lower()
    return {"amd64": "x86_64", "x64": "x86_64", "aarch64": "arm64"}.get(machine, machine or "unknown")


def artefact_stem(ver: str | None = None) -> str:
    """e.g. opsconsole-0.1.0-linux-x86_64"""
    return f"{APP_NAME}-{ver or version()}-{platform_tag()}-{arch_tag()}"


def macos_minimum(bundle: str | Path | None = None) -> str:
    """The oldest macOS the bundle runs on: the highest minimum OS (LC_BUILD_VERSION /
    LC_VERSION_MIN_MACOSX) of every Mach-O file under ``bundle``, never below
    MACOS_FLOOR; MACOS_FLOOR itself without a bundle or on a bundle without Mach-O files
    (a Linux or Windows build)."""
    if str(INSTALLERS) not in sys.path:
        sys.path.insert(0, str(INSTALLERS))
    import macho

    floor = tuple(int(p) for p in MACOS_FLOOR.split(".")) + (0,)
    found = macho.bundle_minimum_macos(bundle) if bundle is not None else None
    if found is None or found[0] <= floor[:3]:
        return MACOS_FLOOR
    return macho.format_version(found[0])


def info_plist(ver: str | None = None, minimum: str | None = None) -> dict[str, object]:
    """Info.plist entries for the macOS .app (PyInstaller adds executable and icon names);
    ``minimum`` is the bundle's macos_minimum() (the spec reads it from the collected files)."""
    ver = ver or version()
    return {
        "CFBundleName": DISPLAY_NAME,
        "CFBundleDisplayName": DISPLAY_NAME,
        "CFBundleIdentifier": BUNDLE_ID,
        "CFBundleShortVersionString": ver,
        "CFBundleVersion": ".".join(str(n) for n in release_parts(ver)),
        "CFBundlePackageType": "APPL",
        "CFBundleInfoDictionaryVersion": "6.0",
        "CFBundleDevelopmentRegion": "en",
        "NSHumanReadableCopyright": COPYRIGHT,
        "LSApplicationCategoryType": "public.app-category.developer-tools",
        "LSMinimumSystemVersion": minimum or MACOS_FLOOR,
        # Retina: draw at full resolution instead of being scaled up
        "NSHighResolutionCapable": True,
        # follow the system's dark mode (Qt picks the palette up from the system)
        "NSRequiresAquaSystemAppearance": False,
        "NSSupportsAutomaticGraphicsSwitching": True,
        "NSPrincipalClass": "NSApplication",
    }


def windows_version_info(ver: str | None = None) -> dict[str, object]:
    """File version resource values for opsconsole.exe (the spec turns them into a VSVersionInfo)."""
    ver = ver or version()
    return {
        "filevers": numeric_version(ver),
        "prodvers": numeric_version(ver),
        "strings": {
            "CompanyName": PUBLISHER,
            "FileDescription": DESCRIPTION,
            "FileVersion": ver,
            "InternalName": APP_NAME,
            "LegalCopyright": COPYRIGHT,
            "OriginalFilename": f"{APP_NAME}.exe",
            "ProductName": DISPLAY_NAME,
            "ProductVersion": ver,
        },
    }
