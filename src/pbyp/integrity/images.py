"""Perceptual hashes of photos, and searching them by Hamming distance (pure functions).

- dHash: the image as 9×8 greys; each bit says whether a pixel is brighter than its right
  neighbour.
- pHash: the image as 32×32 greys; the 8×8 lowest frequencies of its 2-D DCT (without the
  constant term) compared with their median. Both survive resizing and recompression.
- Photos of written pages (worksheets, exercise books) all look alike to perceptual hashes: mostly
  light paper with dark marks. They are recognised (mostly light and colourless) and not
  hashed; their text is not read from the image (no OCR), so they are compared by exact file
  hash only.
- Multi-index hashing: a 64-bit hash is stored as four 16-bit chunks, each indexed. Two hashes
  within distance 7 agree to within one bit on at least one chunk (pigeonhole: four chunks each
  differing in 2+ bits would be 8+ apart), so looking up each chunk's value and its 16 one-bit
  neighbours finds every candidate with 4 × 17 indexed lookups, whatever the number of photos.
"""

import io
import math
from functools import cache

from PIL import Image, ImageOps

CHUNKS = 4
CHUNK_BITS = 16
SEARCH_RADIUS = 7  # distances up to this are guaranteed found by the chunk lookups
PHASH_MATCH = 6  # a photo is a near copy when both hashes are this close…
DHASH_MATCH = 10  # …and this close


def _grey(image: Image.Image, size: tuple[int, int]) -> list[int]:
    small = ImageOps.exif_transpose(image).convert("L").resize(size, Image.Resampling.LANCZOS)
    return list(small.tobytes())


def _signed(bits: int) -> int:
    return bits - (1 << 64) if bits >= 1 << 63 else bits


def dhash(image: Image.Image) -> int:
    px = _grey(image, (9, 8))
    bits = 0
    for row in range(8):
        for col in range(8):
            bits = (bits << 1) | (px[row * 9 + col] > px[row * 9 + col + 1])
    return _signed(bits)


@cache
def _cosines() -> list[list[float]]:
    return [[math.cos((2 * x + 1) * u * math.pi / 64) for x in range(32)] for u in range(8)]


def phash(image: Image.Image) -> int:
    px = _grey(image, (32, 32))
    cos = _cosines()
    # Rows first (32 rows × 8 frequencies), then columns: the 8×8 low-frequency block.
    rows = [
        [sum(px[y * 32 + x] * cos[u][x] for x in range(32)) for u in range(8)] for y in range(32)
    ]
    block = [sum(rows[y][u] * cos[v][y] for y in range(32)) for v in range(8) for u in range(8)]
    values = block[1:]  # without the constant term
    middle = sorted(values)[len(values) // 2]
    bits = 0
    for value in block:
        bits = (bits << 1) | (value > middle)
    return _signed(bits)


def looks_like_a_page(image: Image.Image) -> bool:
    """A photo of writing or a worksheet: mostly light and nearly colourless (thin pen strokes
    vanish at this size, so they are not counted)."""
    small = ImageOps.exif_transpose(image).convert("RGB").resize((64, 64))
    data = small.tobytes()
    pixels = [tuple(data[i : i + 3]) for i in range(0, len(data), 3)]
    light = sum(1 for r, g, b in pixels if min(r, g, b) > 150) / len(pixels)
    colourful = sum(1 for r, g, b in pixels if max(r, g, b) - min(r, g, b) > 60) / len(pixels)
    return light > 0.55 and colourful < 0.10


def hashes_of(data: bytes) -> tuple[int, int] | None:
    """(pHash, dHash) of a photo, or None for a photo of a page or an unreadable image."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            if looks_like_a_page(image):
                return None
            return phash(image), dhash(image)
    except (OSError, ValueError, Image.DecompressionBombError):
        return None


def distance(a: int, b: int) -> int:
    return ((a ^ b) & ((1 << 64) - 1)).bit_count()


def chunks(value: int) -> list[int]:
    """The hash's four 16-bit chunks, first to last."""
    unsigned = value & ((1 << 64) - 1)
    mask = (1 << CHUNK_BITS) - 1
    return [(unsigned >> (CHUNK_BITS * (CHUNKS - 1 - i))) & mask for i in range(CHUNKS)]


def chunk_neighbours(value: int) -> list[tuple[int, list[int]]]:
    """For each chunk position, the chunk's value and every value one bit away."""
    return [
        (position, [chunk] + [chunk ^ (1 << bit) for bit in range(CHUNK_BITS)])
        for position, chunk in enumerate(chunks(value))
    ]
