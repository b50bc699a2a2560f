"""What an image file's structure says without decoding it: a PNG's or a JPEG's size from its header, and the
damage its chunks or segments show (a PNG chunk cut short or failing its checksum, a JPEG cut short, a JPEG header
libjpeg would refuse). `media.image_size` and `media.read_image` use it: eval checks every frame's size before it
scores any, and a folder of 300 1080p JPEGs took 3.3 s to open in the Compare tab when each was decoded for its size
(0.3 s from the headers; `benchmarks/colour_path.py`: 0.8 CPU-ms a file from its header, 9.7 to decode it). Damage
inside a JPEG's compressed data is found only by decoding it."""

from __future__ import annotations

import os
import re
import zlib
from typing import Iterator

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_START = b"\xff\xd8\xff"  # a JPEG, whatever its name says
# start-of-frame markers of the Huffman-coded JPEGs libjpeg decodes everywhere: baseline, extended, progressive
JPEG_SOF_MARKERS = frozenset({0xC0, 0xC1, 0xC2})
JPEG_PROGRESSIVE = 0xC2
JPEG_MAX_SIDE = 65500  # libjpeg's JPEG_MAX_DIMENSION: a longer side is refused
# the Huffman tables (class: 0 DC, 1 AC; id) libjpeg supplies where a sequential JPEG has none (motion JPEG's frames)
JPEG_STANDARD_HUFFMAN = frozenset({(0, 0), (0, 1), (1, 0), (1, 1)})
JPEG_MAX_MCU_BLOCKS = 10  # libjpeg's D_MAX_BLOCKS_IN_MCU: what an interleaved scan's unit may hold


def png_size(data: bytes) -> tuple[int, int] | None:
    """A PNG's (width, height) from its header; None where it has an eXIf chunk (OpenCV turns it upright by it). The
    chunks are walked without their checksums: searching the whole file for "eXIf" took 2.1 ms of a 3.9 MB frame's
    4 ms, more than `png_damage`'s walk with them."""
    if data[12:16] != b"IHDR" or any(kind == b"eXIf" for kind, _, _ in _png_chunks(data)):
        return None
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def png_damage(data: bytes) -> str | None:
    """What is wrong with a PNG file's chunks, or None: one cut short, or an image chunk whose checksum fails.

    libpng would refuse both too, but it writes its own "libpng error: ..." line to the terminal first; checking
    here gives one message, ours. Walking the chunks with their CRCs costs ~1 ms per megabyte."""
    for kind, pos, end in _png_chunks(data):
        critical = not kind[0] & 0x20  # libpng only warns about an ancillary chunk (text, colour profile) and skips it
        if critical and zlib.crc32(memoryview(data)[pos + 4:end - 4]) != int.from_bytes(data[end - 4:end], "big"):
            return f"its {kind.decode('latin-1')} chunk fails its checksum (damaged)"
        if kind == b"IEND":
            return None
    return "it ends before its IEND chunk (truncated)"


def _png_chunks(data: bytes) -> Iterator[tuple[bytes, int, int]]:
    """Each whole chunk of a PNG file, up to its IEND or the first cut short: its type, where it starts (its length)
    and where it ends (after its CRC)."""
    pos = len(PNG_SIGNATURE)
    while pos + 12 <= len(data):
        end = pos + 12 + int.from_bytes(data[pos:pos + 4], "big")  # length, type, data, CRC
        if end > len(data):
            return
        kind = data[pos + 4:pos + 8]
        yield kind, pos, end
        if kind == b"IEND":
            return
        pos = end


def jpeg_truncated(data: bytes) -> bool:
    """Whether a JPEG file stops inside its image data, before the end-of-image marker: libjpeg only warns
    ("Premature end of JPEG file") and fills the rest in grey. Headers are skipped segment by segment (an EXIF
    thumbnail holds an end marker of its own); in the image data an 0xFF byte is never followed by 0xD9, so the
    first FF D9 after the first scan starts is the end marker (data appended after it, a phone's motion photo,
    is ignored). A file with no scan is left to OpenCV to refuse."""
    for marker, pos in _jpeg_headers(data):
        if marker == 0xDA:  # start of scan
            return data.find(b"\xff\xd9", pos) < 0
    return False


def jpeg_size(data: bytes) -> tuple[int, int] | None:
    """A JPEG's (width, height) from its start-of-frame header, once the walk through its headers has reached a scan
    and found every segment on the way sound (`_JpegHeaders`); None, to decode it (which refuses a damaged one in its
    own words), where one is not, where the frame is not one libjpeg surely decodes (8 bits, grey or colour), where it
    has no scan (OpenCV refuses it), or where EXIF data may turn the picture (OpenCV applies its orientation)."""
    headers = _JpegHeaders()
    for marker, pos in _jpeg_headers(data):
        if marker != 0xFF and not headers.take(marker, _jpeg_segment(data, pos)):  # (0xFF: a fill byte)
            return None
        if marker == 0xDA:
            return headers.size
    return None


def _jpeg_segment(data: bytes, pos: int) -> bytes | None:
    """The bytes of the JPEG segment whose marker is at `pos`, after its length; None where that length is less than
    its own two bytes or runs past the file."""
    end = pos + 2 + int.from_bytes(data[pos + 2:pos + 4], "big")
    return data[pos + 4:end] if pos + 4 <= end <= len(data) else None


class _JpegHeaders:
    """What a JPEG's headers set up before its first scan, each segment checked as libjpeg-turbo checks it before it
    decodes (jdmarker.c, jdinput.c, jdhuff.c, jdphuff.c, jdsample.c): a JPEG whose headers say its size but which
    OpenCV then refuses stopped the Compare tab's playback, and eval's scoring, at that frame. A segment `take` turns
    down is one the decode refuses, or one not read here (EXIF data, a marker libjpeg seldom meets), so the file is
    decoded. Cheap: a few hundred bytes of tables a file; the compressed image data after them is never read."""

    def __init__(self):
        self.size: tuple[int, int] | None = None
        self.progressive = False
        self.components: dict[int, tuple[int, int, int]] = {}  # the frame's, by id: sampling (h, v), quant. table
        self.quant_tables: set[int] = set()
        self.huffman_tables: set[tuple[int, int]] = set()  # (class: 0 DC, 1 AC; id)

    def take(self, marker: int, body: bytes | None) -> bool:
        """Whether the segment `marker`, holding `body` (None: its length is wrong), is sound and read here."""
        if body is None or marker == 0xE1 and body.startswith(b"Exif\0\0"):  # an orientation can swap the sides
            return False
        if marker in JPEG_SOF_MARKERS:
            return self._frame(marker, body)
        if marker == 0xC4:
            return self._huffman(body)
        if marker == 0xDB:
            return self._quantisation(body)
        if marker == 0xDA:
            return self._scan(body)
        if marker == 0xDD:  # restart interval
            return len(body) == 2
        return 0xE0 <= marker <= 0xEF or marker == 0xFE  # application data, comment

    def _frame(self, marker: int, body: bytes) -> bool:
        """The frame (SOF), the file's only one: 8-bit samples, a size libjpeg and OpenCV take, 1 or 3 components with
        distinct ids and sampling factors 1-4 that each divide the largest (libjpeg has no fractional upsampling)."""
        count = body[5] if len(body) >= 6 else 0
        if self.size or count not in (1, 3) or len(body) != 6 + 3 * count or body[0] != 8:
            return False
        height, width = int.from_bytes(body[1:3], "big"), int.from_bytes(body[3:5], "big")
        self.components = {body[k]: (body[k + 1] >> 4, body[k + 1] & 15, body[k + 2]) for k in range(6, len(body), 3)}
        factors = [(h, v) for h, v, _ in self.components.values()]
        top_h, top_v = max(h for h, _ in factors), max(v for _, v in factors)
        sampled = all(1 <= h <= 4 and 1 <= v <= 4 and top_h % h == top_v % v == 0 for h, v in factors)
        self.size, self.progressive = (width, height), marker == JPEG_PROGRESSIVE
        return len(self.components) == count and sampled and _decodable_size(width, height)

    def _huffman(self, body: bytes) -> bool:
        """Huffman tables (DHT, one or more): class 0 (DC) or 1 (AC), id 0-3, at most 256 codes that fit their lengths
        with none all ones, a DC table's values 0-15, and together they fill the segment."""
        pos = 0
        while pos < len(body):
            kind, table, counts = body[pos] >> 4, body[pos] & 15, body[pos + 1:pos + 17]
            total = sum(counts)
            values = body[pos + 17:pos + 17 + total]
            if (kind > 1 or table > 3 or len(counts) < 16 or len(values) < total or total > 256
                    or not _huffman_codes_fit(counts) or kind == 0 and max(values, default=0) > 15):
                return False
            self.huffman_tables.add((kind, table))
            pos += 17 + len(values)
        return True

    def _quantisation(self, body: bytes) -> bool:
        """Quantisation tables (DQT, one or more): id 0-3, 64 values of 8 or 16 bits by the table's precision (0 or
        1), and together they fill the segment."""
        pos = 0
        while pos < len(body):
            precision, table = body[pos] >> 4, body[pos] & 15
            pos += 1 + 64 * (precision + 1)
            if precision > 1 or table > 3 or pos > len(body):
                return False
            self.quant_tables.add(table)
        return True

    def _scan(self, body: bytes) -> bool:
        """The first scan's header (SOS), after the frame: 1-4 distinct components of the frame whose tables are set,
        at most JPEG_MAX_MCU_BLOCKS blocks to a unit where it interleaves them, and in a progressive JPEG a band and
        bit positions libjpeg takes."""
        count = body[0] if body else 0
        ids, tables = body[1:1 + 2 * count:2], body[2:2 + 2 * count:2]
        if not self.size or not 1 <= count <= 4 or len(body) != 4 + 2 * count or len(set(ids)) != count:
            return False
        if not all(i in self.components and self.components[i][2] in self.quant_tables for i in ids):
            return False
        if count > 1 and sum(self.components[i][0] * self.components[i][1] for i in ids) > JPEG_MAX_MCU_BLOCKS:
            return False
        start, stop, high, low = body[-3], body[-2], body[-1] >> 4, body[-1] & 15
        dc, ac = {(0, t >> 4) for t in tables}, {(1, t & 15) for t in tables}
        if not self.progressive:  # libjpeg supplies the standard tables to a sequential decode only
            return dc | ac <= self.huffman_tables | JPEG_STANDARD_HUFFMAN
        # a first DC scan decodes with DC tables, a refinement of it with none, an AC band (one component) with AC ones
        band = stop == 0 if start == 0 else start <= stop < 64 and count == 1
        needed = ac if start else set() if high else dc
        return band and high in (0, low + 1) and low <= 13 and needed <= self.huffman_tables


def _huffman_codes_fit(counts: bytes) -> bool:
    """Whether Huffman codes this many of each length (1 to 16 bits) exist with none all ones, as libjpeg requires."""
    code = 0
    for length, count in enumerate(counts, 1):
        code += count
        if code >= 1 << length:
            return False
        code <<= 1
    return True


def _decodable_size(width: int, height: int) -> bool:
    """Whether libjpeg and OpenCV decode a picture this large: libjpeg up to JPEG_MAX_SIDE pixels a side, OpenCV up to
    2^30 pixels in all and 2^20 a side, or what OPENCV_IO_MAX_IMAGE_PIXELS, _WIDTH and _HEIGHT say in the environment
    (as plain digits: a limit written otherwise, "64MB", leaves every JPEG to the decode)."""
    limits = ((width * height, "PIXELS", 1 << 30), (width, "WIDTH", 1 << 20), (height, "HEIGHT", 1 << 20))
    within = all(value <= _opencv_limit(f"OPENCV_IO_MAX_IMAGE_{name}", default) for value, name, default in limits)
    return 0 < width <= JPEG_MAX_SIDE and 0 < height <= JPEG_MAX_SIDE and within


def _opencv_limit(variable: str, default: int) -> int:
    """An OpenCV image-size limit: the environment's `variable` as plain digits, `default` where unset, 0 otherwise."""
    value = os.environ.get(variable, str(default))
    return int(value) if re.fullmatch("[0-9]+", value) else 0


def _jpeg_headers(data: bytes) -> Iterator[tuple[int, int]]:
    """Each marker of a JPEG file's headers and where it is, up to and with the first start of scan (0xDA): walked
    segment by segment after the start-of-image marker, so an EXIF thumbnail's markers are skipped with it."""
    pos = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        yield marker, pos
        if marker == 0xDA:
            return
        pos += 1 if marker == 0xFF else 2 + int.from_bytes(data[pos + 2:pos + 4], "big")  # fill byte, or a segment
