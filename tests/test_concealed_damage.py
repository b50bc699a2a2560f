"""Damage the decoder conceals: bytes flipped inside a frame's data raise no decode error, FFmpeg fills what it
could not decode from the frames around (grey or smeared blocks), and the output was said "ok" with no note."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from badfiles import _packet_spans
from videogen import make_video
from vsr_app.batch import run_batch
from vsr_app.video.pipeline import process_video
from vsr_app.video.reader import VideoReader

DAMAGED_FRAME = 9  # (from 0) the frame whose packet has bytes flipped: a P-frame, far from the first keyframe
NOTE = "the decoder concealed damage in frame 10: it and the frames after"


def flipped_in_one_frame(src: Path, dst: Path, frame: int = DAMAGED_FRAME, at: float = 0.5) -> Path:
    """A copy of `src` with 4 bytes flipped `at` (a share of the way) through `frame`'s packet (H.264 without
    B-frames: packets in the order the frames are shown), as a bad sector or a broken download leaves it."""
    shutil.copy(src, dst)
    pos, size = _packet_spans(dst, "video")[frame]
    data = bytearray(dst.read_bytes())
    for i in range(pos + int(size * at), pos + int(size * at) + 16, 4):
        data[i] ^= 0xFF
    dst.write_bytes(data)
    return dst


@pytest.fixture
def clean(tmp_path) -> Path:
    return make_video(tmp_path / "clean.mp4", frames=20)


@pytest.fixture
def damaged(tmp_path, clean) -> Path:
    return flipped_in_one_frame(clean, tmp_path / "damaged.mp4")


def test_the_reader_counts_the_frames_made_over_concealed_damage(damaged, clean):
    reader = VideoReader(damaged)
    assert len(list(reader.frames())) == 20  # every frame kept, as players show them
    assert reader.decode_errors == 0  # nothing failed to decode: the damage was concealed
    assert reader.concealed == (1, DAMAGED_FRAME)
    reader = VideoReader(clean)
    list(reader.frames())
    assert reader.concealed == (0, None)


@pytest.mark.parametrize("task", [dict(upscale="bicubic"), dict(interpolate="blend")], ids=["upscale", "interpolate"])
def test_concealed_damage_is_a_note_of_the_summary(tmp_path, damaged, clean, task):
    notes = process_video(damaged, tmp_path / "out.mp4", device="cpu", **task).notes
    assert any(note.startswith(NOTE) for note in notes), notes
    notes = process_video(clean, tmp_path / "clean_out.mp4", device="cpu", **task).notes
    assert not any("concealed" in note for note in notes), notes


def test_a_batch_shows_the_note_under_its_ok(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    flipped_in_one_frame(make_video(tmp_path / "clean.mp4", frames=20), src / "damaged.mp4")
    report = run_batch(src, tmp_path / "out", model="bicubic")
    [entry] = report.files
    assert entry.status == "ok" and any(note.startswith(NOTE) for note in entry.shown_notes), entry.notes
