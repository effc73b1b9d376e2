"""Draw the app icons (the favicon's emblem: a white diamond on the top bar's red) as PNG files, with nothing
but the standard library. Run from the repository root after changing the emblem:

    .venv/bin/python scripts/make_icons.py
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from pathlib import Path

RED = (0xB3, 0x12, 0x1F)
WHITE = (0xFF, 0xFF, 0xFF)
SAMPLES = 4  # per axis: 16 samples per pixel smooth the edges
OUT = Path(__file__).resolve().parents[1] / "static" / "pwa"  # where the manifest and pages load them

Shape = Callable[[float, float], bool]  # (x, y) in 0..1 → inside?


def png(width: int, height: int, rows: list[bytes]) -> bytes:
    """An 8-bit RGBA PNG from its rows (each row 4 * width bytes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + row for row in rows)  # filter type 0 (none) on every row
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def rounded_square(radius: float) -> Shape:
    def inside(x: float, y: float) -> bool:
        dx = max(radius - x, 0.0, x - (1 - radius))
        dy = max(radius - y, 0.0, y - (1 - radius))
        return dx * dx + dy * dy <= radius * radius

    return inside


def diamond(half_width: float, half_height: float) -> Shape:
    def inside(x: float, y: float) -> bool:
        return abs(x - 0.5) / half_width + abs(y - 0.5) / half_height <= 1.0

    return inside


def draw(size: int, background: Shape | None, emblem: Shape) -> bytes:
    """Background red (None: transparent), emblem white; anti-aliased by supersampling."""
    rows = []
    step = 1.0 / (size * SAMPLES)
    for py in range(size):
        row = bytearray()
        for px in range(size):
            bg = fg = 0
            for sy in range(SAMPLES):
                y = (py * SAMPLES + sy + 0.5) * step
                for sx in range(SAMPLES):
                    x = (px * SAMPLES + sx + 0.5) * step
                    if emblem(x, y):
                        fg += 1
                    elif background is not None and background(x, y):
                        bg += 1
            total = SAMPLES * SAMPLES
            alpha = fg + bg
            if alpha == 0:
                row += b"\x00\x00\x00\x00"
                continue
            colour = [round((WHITE[i] * fg + RED[i] * bg) / alpha) for i in range(3)]
            row += bytes([*colour, round(255 * alpha / total)])
        rows.append(bytes(row))
    return png(size, size, rows)


def main() -> None:
    # The favicon's proportions: a 32-unit square with corner radius 6, a diamond 18 wide and 22 high.
    corner, emblem = rounded_square(6 / 32), diamond(9 / 32, 11 / 32)
    full = rounded_square(0.0001)
    # Maskable icons are cropped to a circle of 80% of the size: the emblem stays inside it.
    small_emblem = diamond(9 / 32 * 0.8, 11 / 32 * 0.8)
    icons = {
        "icon-192.png": draw(192, corner, emblem),
        "icon-512.png": draw(512, corner, emblem),
        "icon-maskable-512.png": draw(512, full, small_emblem),
        "apple-touch-icon.png": draw(180, full, small_emblem),
        "badge-96.png": draw(96, None, emblem),  # monochrome: Android uses only its alpha
    }
    for name, data in icons.items():
        (OUT / name).write_bytes(data)


if __name__ == "__main__":
    main()
