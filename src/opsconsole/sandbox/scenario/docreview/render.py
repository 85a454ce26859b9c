"""Page images of the seeded documents: a numpy raster, a 5x7 bitmap font, a PNG writer (zlib + struct).

No imaging library: the sandbox runs where Pillow is not installed and must
not import Qt. A page is drawn from its layout (:mod:`.documents`), the same
one the extraction's bounding boxes come from, so every box frames the text it
names. Lowercase letters are drawn as capitals (the font has no lowercase);
an "unreadable" field is drawn and then smudged.
"""

from __future__ import annotations

import functools
import struct
import zlib
from typing import Any

import numpy as np

#: Glyphs: 7 rows of 5 pixels each.
_FONT = {
    "A": "01110 10001 10001 11111 10001 10001 10001", "B": "11110 10001 10001 11110 10001 10001 11110",
    "C": "01110 10001 10000 10000 10000 10001 01110", "D": "11100 10010 10001 10001 10001 10010 11100",
    "E": "11111 10000 10000 11110 10000 10000 11111", "F": "11111 10000 10000 11110 10000 10000 10000",
    "G": "01110 10001 10000 10111 10001 10001 01111", "H": "10001 10001 10001 11111 10001 10001 10001",
    "I": "01110 00100 00100 00100 00100 00100 01110", "J": "00111 00010 00010 00010 00010 10010 01100",
    "K": "10001 10010 10100 11000 10100 10010 10001", "L": "10000 10000 10000 10000 10000 10000 11111",
    "M": "10001 11011 10101 10101 10001 10001 10001", "N": "10001 10001 11001 10101 10011 10001 10001",
    "O": "01110 10001 10001 10001 10001 10001 01110", "P": "11110 10001 10001 11110 10000 10000 10000",
    "Q": "01110 10001 10001 10001 10101 10010 01101", "R": "11110 10001 10001 11110 10100 10010 10001",
    "S": "01111 10000 10000 01110 00001 00001 11110", "T": "11111 00100 00100 00100 00100 00100 00100",
    "U": "10001 10001 10001 10001 10001 10001 01110", "V": "10001 10001 10001 10001 10001 01010 00100",
    "W": "10001 10001 10001 10101 10101 10101 01010", "X": "10001 10001 01010 00100 01010 10001 10001",
    "Y": "10001 10001 10001 01010 00100 00100 00100", "Z": "11111 00001 00010 00100 01000 10000 11111",
    "0": "01110 10001 10011 10101 11001 10001 01110", "1": "00100 01100 00100 00100 00100 00100 01110",
    "2": "01110 10001 00001 00010 00100 01000 11111", "3": "11111 00010 00100 00010 00001 10001 01110",
    "4": "00010 00110 01010 10010 11111 00010 00010", "5": "11111 10000 11110 00001 00001 10001 01110",
    "6": "00110 01000 10000 11110 10001 10001 01110", "7": "11111 00001 00010 00100 01000 01000 01000",
    "8": "01110 10001 10001 01110 10001 10001 01110", "9": "01110 10001 10001 01111 00001 00010 01100",
    ".": "00000 00000 00000 00000 00000 01100 01100", ",": "00000 00000 00000 00000 01100 00100 01000",
    "-": "00000 00000 00000 11111 00000 00000 00000", "/": "00001 00010 00010 00100 01000 01000 10000",
    ":": "00000 01100 01100 00000 01100 01100 00000", "#": "01010 01010 11111 01010 11111 01010 01010",
    "(": "00010 00100 01000 01000 01000 00100 00010", ")": "01000 00100 00010 00010 00010 00100 01000",
    "&": "01100 10010 10100 01000 10101 10010 01101", "'": "01100 00100 01000 00000 00000 00000 00000",
    "%": "11000 11001 00010 00100 01000 10011 00011", "+": "00000 00100 00100 11111 00100 00100 00000",
    "?": "01110 10001 00001 00010 00100 00000 00100", "!": "00100 00100 00100 00100 00100 00000 00100",
    "@": "01110 10001 00001 01101 10101 10101 01110", "*": "00000 00100 10101 01110 10101 00100 00000",
    "=": "00000 00000 11111 00000 11111 00000 00000", "_": "00000 00000 00000 00000 00000 00000 11111",
    " ": "00000 00000 00000 00000 00000 00000 00000",
}
GLYPH_W, GLYPH_H = 5, 7


def text_size(text: str, scale: int) -> tuple[int, int]:
    """Pixel width and height of ``text`` drawn at ``scale`` (one blank column between glyphs)."""
    return len(text) * (GLYPH_W + 1) * scale - scale, GLYPH_H * scale


@functools.lru_cache(maxsize=512)
def _glyph(char: str, scale: int) -> np.ndarray:
    rows = _FONT.get(char.upper(), _FONT["?"]).split()
    bits = np.array([[c == "1" for c in row] for row in rows], dtype=bool)
    return np.kron(bits, np.ones((scale, scale), dtype=bool))


def draw_text(page: np.ndarray, x: int, y: int, text: str, scale: int, ink: int = 20) -> None:
    for i, char in enumerate(text):
        if char == " ":
            continue
        glyph = _glyph(char, scale)
        left = x + i * (GLYPH_W + 1) * scale
        view = page[y:y + glyph.shape[0], left:left + glyph.shape[1]]
        view[glyph[:view.shape[0], :view.shape[1]]] = ink


def draw_box(page: np.ndarray, x: int, y: int, w: int, h: int, ink: int = 60, width: int = 2) -> None:
    page[y:y + width, x:x + w] = ink
    page[y + h - width:y + h, x:x + w] = ink
    page[y:y + h, x:x + width] = ink
    page[y:y + h, x + w - width:x + w] = ink


def smudge(page: np.ndarray, x: int, y: int, w: int, h: int, seed: int) -> None:
    """Make a drawn area unreadable: blotches and noise over it."""
    rng = np.random.default_rng(seed)
    area = page[y:y + h, x:x + w]
    noise = rng.integers(0, 255, size=area.shape)
    blot = rng.random(area.shape) < 0.55
    area[blot] = np.minimum(area[blot], noise[blot]) // 2 + 40


def render(layout: dict[str, Any]) -> bytes:
    """One page (``layout`` from :func:`.documents.page_layout`) as PNG bytes."""
    width, height = layout["width"], layout["height"]
    page = np.full((height, width), 250, dtype=np.uint8)
    for box in layout["boxes"]:
        draw_box(page, *box)
    for x, y, text, scale in layout["texts"]:
        draw_text(page, x, y, text, scale)
    for x, y, w, h, seed in layout["smudges"]:
        smudge(page, x, y, w, h, seed)
    # a scanner's grain, cheap: a few thousand specks
    rng = np.random.default_rng(layout["seed"])
    ys, xs = rng.integers(0, height, 4000), rng.integers(0, width, 4000)
    page[ys, xs] = rng.integers(150, 235, 4000).astype(np.uint8)
    return png_gray(page)


def png_gray(pixels: np.ndarray) -> bytes:
    """An 8-bit greyscale PNG of ``pixels`` (rows of uint8)."""
    height, width = pixels.shape
    raw = np.zeros((height, width + 1), dtype=np.uint8)  # filter byte 0 (None) before each row
    raw[:, 1:] = pixels

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw.tobytes(), 6))
            + chunk(b"IEND", b""))
