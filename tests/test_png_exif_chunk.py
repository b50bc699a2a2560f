"""A PNG's size comes from its header unless it has an eXIf chunk (OpenCV turns it upright by its orientation). The
chunk is found by walking the chunks, not by searching the whole file for the four letters, which took half of a
1080p PNG's header check and sent a file that holds them elsewhere to be decoded."""

from __future__ import annotations

import zlib

import cv2
import numpy as np

from vsr_app.image_header import png_damage, png_size


def chunk(kind: bytes, body: bytes) -> bytes:
    return len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")


def png(width: int = 20, height: int = 40) -> bytes:
    return cv2.imencode(".png", np.zeros((height, width, 3), np.uint8))[1].tobytes()


def before_iend(data: bytes, added: bytes) -> bytes:
    """`data` with the chunk `added` after its image data, before its IEND chunk (the file's last 12 bytes)."""
    return data[:-12] + added + data[-12:]


def test_the_letters_exif_in_a_text_chunk_leave_the_size_to_the_header():
    data = before_iend(png(), chunk(b"tEXt", b"Comment\0the eXIf chunk is not here"))
    assert png_damage(data) is None and png_size(data) == (20, 40)


def test_an_exif_chunk_after_the_image_data_still_sends_the_file_to_be_decoded():
    data = before_iend(png(), chunk(b"eXIf", b"MM\0*\0\0\0\x08\0\0"))
    assert png_damage(data) is None and png_size(data) is None
    assert png_size(png()) == (20, 40)
