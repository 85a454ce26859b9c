"""What each dependency costs in the one-folder app: bytes on disk and in the download.

    python installers/bundle_sizes.py [dist/opsconsole] [--markdown]

Needs PyInstaller (it reads the Python modules packed into the executable's archive).
Every file of the bundle is counted once, for the distribution it came from:

* files under ``_internal/<name>/`` (and ``<name>.libs/``, ``<name>-*.dist-info``) count
  for ``<name>``; shiboken6 counts for PySide6;
* shared libraries PyInstaller moved to the top of ``_internal`` count for the package
  whose folder links to them (``PySide6/Qt/lib/libQt6Core.so.6 -> ...``), else as
  "system libraries" (what Qt's plugins link against on the build machine);
* modules in the executable's PYZ archive count for their top-level package (the
  standard library as "python"), at their compressed size there.

"download" is each group's files compressed alone with gzip -6 (as the .tar.gz is), so
the column adds up to about the artefact's size.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import zlib
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: folder or module names that belong to another distribution's row
ALIASES = {"shiboken6": "PySide6", "python3.11": "python", "_sysconfigdata__linux_x86_64-linux-gnu": "python", "_cffi_backend": "cffi", "_yaml": "pyyaml", "base_library": "python",
           "lib-dynload": "python", "libpython": "python", "pyi_splash": "python", "_distutils_hack": "setuptools",
           "yaml": "pyyaml", "dateutil": "python-dateutil", "_pyinstaller_hooks_contrib": "pyinstaller"}


def _group_of(name: str) -> str:
    """Group for a top-level name under _internal (file or folder)."""
    name = re.sub(r"(\.libs|-[\d.]+\.dist-info|\.dist-info|\.cpython-.*|\.abi3\.so.*|\.so.*|\.zip)$", "", name)
    name = re.sub(r"-[0-9a-f]{8}$", "", name)
    if name.startswith("libpython"):
        return "python"
    return ALIASES.get(name, name)


def _pyz_sizes(executable: Path) -> dict[str, int]:
    """Compressed bytes per top-level module in the executable's PYZ archive."""
    from PyInstaller.archive.readers import CArchiveReader

    sizes: dict[str, int] = defaultdict(int)
    pkg = CArchiveReader(str(executable))
    stdlib = set(sys.stdlib_module_names)
    for name, entry in pkg.toc.items():
        if entry[-1] == "z":  # the PYZ
            pyz = pkg.open_embedded_archive(name)
            for module, (_typecode, _offset, length) in pyz.toc.items():
                top = module.split(".")[0]
                sizes["python" if top in stdlib or top.startswith("_") and top[1:] in stdlib else _group_of(top)] += length
        else:
            sizes["python (bootstrap)"] += entry[1]
    return sizes


def measure(bundle: Path) -> list[tuple[str, int, int]]:
    """(group, bytes on disk, gzip -6 bytes) per group, largest first."""
    internal = bundle / "_internal"
    owner: dict[Path, str] = {}
    for link in internal.rglob("*"):
        if link.is_symlink():
            target = link.resolve()
            if target.parent == internal.resolve():
                top = link.relative_to(internal).parts[0]
                owner.setdefault(target, _group_of(top))
    disk: dict[str, int] = defaultdict(int)
    packed: dict[str, int] = defaultdict(int)
    for root, _dirs, files in os.walk(bundle):
        for name in files:
            path = Path(root) / name
            if path.is_symlink():
                continue
            rel = path.relative_to(bundle)
            if rel.parts[0] != "_internal":
                continue  # the executable: measured through its archive below
            if len(rel.parts) == 2:
                group = owner.get(path.resolve()) or (
                    "system libraries" if name.startswith("lib") and ".so" in name else _group_of(name))
            else:
                group = _group_of(rel.parts[1])
            data = path.read_bytes()
            disk[group] += len(data)
            packed[group] += len(zlib.compress(data, 6))
    executable = next(p for p in bundle.iterdir() if p.is_file() and not p.is_symlink())
    pyz = _pyz_sizes(executable)
    bootloader = executable.stat().st_size - sum(pyz.values())
    pyz["python (bootstrap)"] += bootloader
    for group, size in pyz.items():
        disk[group] += size
        packed[group] += size  # already compressed in the archive
    rows = [(group, disk[group], packed[group]) for group in disk]
    return sorted(rows, key=lambda row: -row[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bundle", nargs="?", default=str(ROOT / "dist" / "opsconsole"))
    parser.add_argument("--markdown", action="store_true", help="a Markdown table")
    parser.add_argument("--min-mb", type=float, default=0.5, help="rows below this many MB are summed as 'other'")
    args = parser.parse_args(argv)
    rows = measure(Path(args.bundle))
    total_disk, total_packed = sum(r[1] for r in rows), sum(r[2] for r in rows)
    small = [r for r in rows if r[1] < args.min_mb * 1e6]
    rows = [r for r in rows if r[1] >= args.min_mb * 1e6]
    if small:
        rows.append((f"other ({len(small)}: {', '.join(r[0] for r in small)})",
                     sum(r[1] for r in small), sum(r[2] for r in small)))
    if args.markdown:
        print("| in the bundle | unpacked (MB) | download (MB) |")
        print("| --- | ---: | ---: |")
        for group, size, packed in rows:
            print(f"| {group} | {size / 1e6:.1f} | {packed / 1e6:.1f} |")
        print(f"| **total** | **{total_disk / 1e6:.1f}** | **{total_packed / 1e6:.1f}** |")
    else:
        for group, size, packed in rows:
            print(f"{size / 1e6:8.1f} MB {packed / 1e6:7.1f} MB  {group}")
        print(f"{total_disk / 1e6:8.1f} MB {total_packed / 1e6:7.1f} MB  total")
    return 0


if __name__ == "__main__":
    sys.exit(main())
