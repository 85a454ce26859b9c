"""Render the app icon from its one source, resources/opsconsole.svg, into every format
the platforms need, under resources/icons/:

* ``opsconsole-<N>.png`` for N in PNG_SIZES (Linux, the window icon at run time),
* ``opsconsole.ico``: a multi-size Windows icon (PNG-compressed entries),
* ``opsconsole.icns``: the macOS icon container (PNG entries, as ``iconutil`` writes them),
* ``SOURCE.sha256``: the SHA-256 of the SVG the files were made from (the tests use it
  to notice an SVG edited without running this script).

The generated files are committed, so builds never need to run this. After editing
the SVG::

    QT_QPA_PLATFORM=offscreen python installers/make_icons.py

``--check`` reports whether the generated files are in sync with the SVG instead of
writing them (exit 1 when not).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "src" / "opsconsole" / "resources" / "opsconsole.svg"
OUT = ROOT / "src" / "opsconsole" / "resources" / "icons"
NAME = "opsconsole"

#: PNGs written to resources/icons (freedesktop sizes, plus the large ones the others need)
PNG_SIZES = (16, 20, 24, 32, 40, 48, 64, 128, 256, 512, 1024)
#: sizes inside the .ico (Windows Explorer, taskbar, Start menu, shortcuts at 100-300 % scale)
ICO_SIZES = (16, 20, 24, 32, 40, 48, 64, 256)
#: (OSType, pixel size) inside the .icns; the @2x variants share pixels with the next size up
ICNS_TYPES = (
    ("icp4", 16),    # 16x16
    ("ic11", 32),    # 16x16@2x
    ("icp5", 32),    # 32x32
    ("ic12", 64),    # 32x32@2x
    ("ic07", 128),   # 128x128
    ("ic13", 256),   # 128x128@2x
    ("ic08", 256),   # 256x256
    ("ic14", 512),   # 256x256@2x
    ("ic09", 512),   # 512x512
    ("ic10", 1024),  # 512x512@2x
)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_name(size: int) -> str:
    return f"{NAME}-{size}.png"


def svg_digest(svg: Path = SVG) -> str:
    return hashlib.sha256(svg.read_bytes()).hexdigest()


def render_png(svg: Path, size: int) -> bytes:
    """The SVG rendered into a size x size PNG with transparency."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg}: not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.setAspectRatioMode(Qt.AspectRatioMode.KeepAspectRatio)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.convertToFormat(QImage.Format.Format_ARGB32).save(buffer, "PNG", 0)  # type: ignore[call-overload]  # 0 = smallest file
    buffer.close()
    return bytes(data.data())


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    if data[:8] != PNG_SIGNATURE or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    return struct.unpack(">II", data[16:24])


def build_ico(pngs: dict[int, bytes]) -> bytes:
    """An ICO container whose entries are PNGs (supported since Windows Vista)."""
    count = len(pngs)
    header = struct.pack("<HHH", 0, 1, count)  # reserved, type 1 = icon, image count
    offset = 6 + 16 * count
    entries, payload = b"", b""
    for size in sorted(pngs):
        data = pngs[size]
        dim = 0 if size >= 256 else size  # 0 means 256
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset)
        payload += data
        offset += len(data)
    return header + entries + payload


def parse_ico(data: bytes) -> list[tuple[int, int, bytes]]:
    """(width, height, image bytes) of every entry of an ICO file."""
    reserved, kind, count = struct.unpack_from("<HHH", data, 0)
    if reserved != 0 or kind != 1 or count == 0:
        raise ValueError("not an ICO file")
    found = []
    for i in range(count):
        w, h, _colors, _res, _planes, _bpp, length, offset = struct.unpack_from("<BBBBHHII", data, 6 + 16 * i)
        if offset + length > len(data):
            raise ValueError(f"ICO entry {i} runs past the end of the file")
        found.append((w or 256, h or 256, data[offset:offset + length]))
    return found


def build_icns(pngs: dict[int, bytes]) -> bytes:
    """An ICNS container: 'icns', total length, then (OSType, length, PNG) entries."""
    body = b""
    for ostype, size in ICNS_TYPES:
        data = pngs[size]
        body += ostype.encode("ascii") + struct.pack(">I", 8 + len(data)) + data
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def parse_icns(data: bytes) -> dict[str, bytes]:
    """OSType -> payload of every entry of an ICNS file."""
    if data[:4] != b"icns" or struct.unpack(">I", data[4:8])[0] != len(data):
        raise ValueError("not an ICNS file (bad magic or length)")
    entries, pos = {}, 8
    while pos < len(data):
        ostype = data[pos:pos + 4].decode("ascii")
        length = struct.unpack(">I", data[pos + 4:pos + 8])[0]
        if length < 8 or pos + length > len(data):
            raise ValueError(f"ICNS entry {ostype} has a bad length")
        entries[ostype] = data[pos + 8:pos + length]
        pos += length
    return entries


def generate(svg: Path = SVG) -> dict[str, bytes]:
    """File name -> content of everything this script writes."""
    sizes = sorted(set(PNG_SIZES) | set(ICO_SIZES) | {size for _, size in ICNS_TYPES})
    pngs = {size: render_png(svg, size) for size in sizes}
    files = {png_name(size): pngs[size] for size in PNG_SIZES}
    files[f"{NAME}.ico"] = build_ico({size: pngs[size] for size in ICO_SIZES})
    files[f"{NAME}.icns"] = build_icns(pngs)
    files["SOURCE.sha256"] = f"{svg_digest(svg)}  opsconsole.svg\n".encode()
    return files


def _qt_app():
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    return QGuiApplication.instance() or QGuiApplication([sys.argv[0]])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report whether resources/icons is in sync")
    args = parser.parse_args(argv)
    if args.check:
        recorded = (OUT / "SOURCE.sha256").read_text().split()[0] if (OUT / "SOURCE.sha256").exists() else ""
        if recorded != svg_digest():
            print("resources/icons is out of date: run python installers/make_icons.py", file=sys.stderr)
            return 1
        print("resources/icons is in sync with resources/opsconsole.svg")
        return 0
    app = _qt_app()  # noqa: F841 - keeps Qt's GUI side alive while rendering
    OUT.mkdir(parents=True, exist_ok=True)
    for name, data in generate().items():
        (OUT / name).write_bytes(data)
        print(f"wrote resources/icons/{name} ({len(data):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
