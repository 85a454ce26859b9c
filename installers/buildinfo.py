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
DISPLAY_NAME = "opsconsole"
DESCRIPTION = "Operations console for an ML platform on AWS"
PUBLISHER = "opsconsole"
COPYRIGHT = "Copyright (c) opsconsole. All rights reserved."
#: macOS bundle identifier. QSettings derives its macOS file name from the organisation
#: ("com.opsconsole.opsconsole.plist"), so the two read alike in ~/Library/Preferences.
BUNDLE_ID = "com.opsconsole.opsconsole"
#: oldest macOS the app runs on when the Qt wheel does not say (PySide6 6.10+ wheels need 13)
MACOS_MINIMUM = "13.0"

_VERSION_LINE = re.compile(r'^__version__\s*=\s*["\']([^"\']+)["\']', re.MULTILINE)


def version() -> str:
    """``opsconsole.__version__``, read from the source file (no import)."""
    text = (ROOT / "src" / "opsconsole" / "__init__.py").read_text(encoding="utf-8")
    found = _VERSION_LINE.search(text)
    if not found:
        raise RuntimeError("src/opsconsole/__init__.py has no __version__ line")
    return found.group(1)


def numeric_version(ver: str | None = None) -> tuple[int, int, int, int]:
    """Four integers for Windows file versions and CFBundleVersion: 1.2.3rc1 -> (1, 2, 3, 0)."""
    parts = [int(re.match(r"\d*", p).group() or 0) for p in (ver or version()).split(".")[:4]]  # type: ignore[union-attr]
    return tuple((parts + [0, 0, 0, 0])[:4])  # type: ignore[return-value]


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


def macos_minimum() -> str:
    """The oldest macOS the installed PySide6 wheel is built for (its wheel tag), e.g. "13.0"."""
    from importlib import metadata

    for dist in ("PySide6_Essentials", "PySide6-Essentials", "shiboken6"):
        try:
            wheel = metadata.distribution(dist).read_text("WHEEL") or ""
        except metadata.PackageNotFoundError:
            continue
        found = re.search(r"^Tag: .*-macosx_(\d+)_(\d+)_", wheel, re.MULTILINE)
        if found:
            return f"{found.group(1)}.{found.group(2)}"
    return MACOS_MINIMUM


def info_plist(ver: str | None = None, minimum: str | None = None) -> dict[str, object]:
    """Info.plist entries for the macOS .app (PyInstaller adds executable and icon names)."""
    ver = ver or version()
    return {
        "CFBundleName": DISPLAY_NAME,
        "CFBundleDisplayName": DISPLAY_NAME,
        "CFBundleIdentifier": BUNDLE_ID,
        "CFBundleShortVersionString": ver,
        "CFBundleVersion": ".".join(str(n) for n in numeric_version(ver)[:3]),
        "CFBundlePackageType": "APPL",
        "CFBundleInfoDictionaryVersion": "6.0",
        "CFBundleDevelopmentRegion": "en",
        "NSHumanReadableCopyright": COPYRIGHT,
        "LSApplicationCategoryType": "public.app-category.developer-tools",
        "LSMinimumSystemVersion": minimum or (macos_minimum() if sys.platform == "darwin" else MACOS_MINIMUM),
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
