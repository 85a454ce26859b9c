"""The oldest macOS a Mach-O file runs on, read from its load commands (no Xcode tools).

``vtool -show-build`` and ``otool -l`` print the same, but only on a Mac; this reads
the headers itself so that the build and the tests can use it anywhere:

* thin files (``MH_MAGIC``/``MH_MAGIC_64``, either byte order) and universal ("fat")
  files (``FAT_MAGIC``/``FAT_MAGIC_64``), every architecture slice;
* ``LC_BUILD_VERSION`` (platform and ``minos``, what current toolchains write) and the
  older ``LC_VERSION_MIN_MACOSX``.

``minimum_macos(path)`` gives the highest macOS minimum over a file's slices (None for
a file that is not Mach-O or has no macOS version command); ``bundle_minimum_macos(folder)``
the highest over every Mach-O file under a folder, with the file that sets it.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

MH_MAGIC = 0xFEEDFACE
MH_MAGIC_64 = 0xFEEDFACF
MH_CIGAM = 0xCEFAEDFE
MH_CIGAM_64 = 0xCFFAEDFE
FAT_MAGIC = 0xCAFEBABE
FAT_MAGIC_64 = 0xCAFEBABF
LC_VERSION_MIN_MACOSX = 0x24
LC_BUILD_VERSION = 0x32
PLATFORM_MACOS = 1
PLATFORM_MACCATALYST = 6
#: a universal file has a handful of slices; Java class files share FAT_MAGIC and have 45+ here
_MAX_FAT_ARCHS = 20
#: load commands are read only this far into a slice (real headers are a few KB)
_MAX_SIZEOFCMDS = 16 * 1024 * 1024

Version = tuple[int, int, int]


class MachOError(ValueError):
    """A file that starts like Mach-O but whose headers do not hold together."""


def decode_version(packed: int) -> Version:
    """Mach-O's packed version ``xxxx.yy.zz`` (16.8.8 bits): 0x000E0000 -> (14, 0, 0)."""
    return (packed >> 16) & 0xFFFF, (packed >> 8) & 0xFF, packed & 0xFF


def encode_version(version: Version) -> int:
    major, minor, patch = version
    return (major << 16) | (minor << 8) | patch


def format_version(version: Version) -> str:
    """(14, 0, 0) -> "14.0"; (13, 3, 1) -> "13.3.1" (the form Info.plist uses)."""
    major, minor, patch = version
    return f"{major}.{minor}" + (f".{patch}" if patch else "")


def _slices(stream: BinaryIO) -> Iterator[int]:
    """Offsets of the thin Mach-O images in the file (one for a thin file)."""
    stream.seek(0)
    head = stream.read(8)
    if len(head) < 8:
        return
    magic_be = struct.unpack(">I", head[:4])[0]
    if magic_be in (FAT_MAGIC, FAT_MAGIC_64):
        count = struct.unpack(">I", head[4:8])[0]
        if not 0 < count <= _MAX_FAT_ARCHS:
            return  # a Java class file, not a universal binary
        entry = 32 if magic_be == FAT_MAGIC_64 else 20
        table = stream.read(entry * count)
        if len(table) < entry * count:
            raise MachOError("universal header cut short")
        for i in range(count):
            if magic_be == FAT_MAGIC_64:
                offset = struct.unpack_from(">IIQQII", table, i * entry)[2]
            else:
                offset = struct.unpack_from(">IIIII", table, i * entry)[2]
            yield offset
        return
    magic_le = struct.unpack("<I", head[:4])[0]
    if MH_MAGIC in (magic_le, magic_be) or MH_MAGIC_64 in (magic_le, magic_be):
        yield 0


def _slice_minimum(stream: BinaryIO, offset: int) -> Version | None:
    stream.seek(offset)
    raw = stream.read(4)
    if len(raw) < 4:
        raise MachOError(f"no Mach-O header at offset {offset}")
    if struct.unpack("<I", raw)[0] in (MH_MAGIC, MH_MAGIC_64):
        order = "<"
    elif struct.unpack(">I", raw)[0] in (MH_MAGIC, MH_MAGIC_64):
        order = ">"
    else:
        raise MachOError(f"no Mach-O header at offset {offset}")
    is_64 = struct.unpack(order + "I", raw)[0] == MH_MAGIC_64
    rest = stream.read((32 if is_64 else 28) - 4)
    if len(rest) < (28 if is_64 else 24):
        raise MachOError("Mach-O header cut short")
    _cputype, _subtype, _filetype, ncmds, sizeofcmds = struct.unpack_from(order + "iiIII", rest)
    if sizeofcmds > _MAX_SIZEOFCMDS:
        raise MachOError(f"implausible load command size {sizeofcmds}")
    commands = stream.read(sizeofcmds)
    if len(commands) < sizeofcmds:
        raise MachOError("load commands cut short")
    found: Version | None = None
    position = 0
    for _ in range(ncmds):
        if position + 8 > len(commands):
            raise MachOError("load command beyond sizeofcmds")
        cmd, cmdsize = struct.unpack_from(order + "II", commands, position)
        if cmdsize < 8 or position + cmdsize > len(commands):
            raise MachOError(f"bad load command size {cmdsize}")
        version: Version | None = None
        if cmd == LC_BUILD_VERSION and cmdsize >= 24:
            platform, minos = struct.unpack_from(order + "II", commands, position + 8)
            if platform == PLATFORM_MACOS:
                version = decode_version(minos)
        elif cmd == LC_VERSION_MIN_MACOSX and cmdsize >= 16:
            version = decode_version(struct.unpack_from(order + "I", commands, position + 8)[0])
        if version is not None and (found is None or version > found):
            found = version
        position += cmdsize
    return found


def minimum_macos(path: str | os.PathLike[str]) -> Version | None:
    """The highest macOS minimum over the file's architecture slices, or None."""
    with open(path, "rb") as stream:
        found: Version | None = None
        for offset in _slices(stream):
            version = _slice_minimum(stream, offset)
            if version is not None and (found is None or version > found):
                found = version
        return found


def bundle_minimum_macos(folder: str | os.PathLike[str]) -> tuple[Version, Path] | None:
    """The highest macOS minimum of every Mach-O file under ``folder`` (symlinks not
    followed) and the file that sets it; None when no file says."""
    best: tuple[Version, Path] | None = None
    for root, _dirs, files in os.walk(folder):
        for name in files:
            path = Path(root) / name
            if path.is_symlink() or not path.is_file():
                continue
            version = minimum_macos(path)
            if version is not None and (best is None or version > best[0]):
                best = (version, path)
    return best


# -- writing, for tests -----------------------------------------------------------
def build_thin(commands: list[tuple[int, bytes]], *, is_64: bool = True, order: str = "<",
               cputype: int = 0x0100000C) -> bytes:
    """A minimal thin Mach-O image: header plus ``(cmd, payload)`` load commands."""
    body = b""
    for cmd, payload in commands:
        size = 8 + len(payload)
        size += -size % 8
        body += struct.pack(order + "II", cmd, size) + payload.ljust(size - 8, b"\0")
    magic = MH_MAGIC_64 if is_64 else MH_MAGIC
    header = struct.pack(order + "IiiIIII", magic, cputype, 0, 6, len(commands), len(body), 0)
    if is_64:
        header += b"\0\0\0\0"
    return header + body


def build_version_command(minos: Version, platform: int = PLATFORM_MACOS, sdk: Version = (15, 0, 0),
                          order: str = "<") -> tuple[int, bytes]:
    """An LC_BUILD_VERSION load command (no tool entries)."""
    return LC_BUILD_VERSION, struct.pack(order + "IIII", platform, encode_version(minos), encode_version(sdk), 0)


def version_min_command(version: Version, order: str = "<") -> tuple[int, bytes]:
    """An LC_VERSION_MIN_MACOSX load command."""
    return LC_VERSION_MIN_MACOSX, struct.pack(order + "II", encode_version(version), encode_version(version))


def build_fat(slices: list[bytes], *, wide: bool = False, align: int = 12) -> bytes:
    """A universal file holding ``slices`` (each aligned to 2**align bytes)."""
    entry = 32 if wide else 20
    offset = 8 + entry * len(slices)
    table, data = b"", b""
    for image in slices:
        start = -(-offset // (1 << align)) * (1 << align)
        data += b"\0" * (start - offset) + image
        cputype = struct.unpack_from("<i", image, 4)[0]
        if wide:
            table += struct.pack(">IIQQII", cputype & 0xFFFFFFFF, 0, start, len(image), align, 0)
        else:
            table += struct.pack(">IIIII", cputype & 0xFFFFFFFF, 0, start, len(image), align)
        offset = start + len(image)
    return struct.pack(">II", FAT_MAGIC_64 if wide else FAT_MAGIC, len(slices)) + table + data
