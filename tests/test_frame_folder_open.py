"""Opening a folder of frames: each frame's size read from its header (PNG and JPEG), a JPEG whose headers libjpeg
would refuse decoded to be refused in eval's words, the folder listed once, the frames' times asked of every reader by
one name, a benchmark's root dropped on the window refused as File › Open folder of frames refuses it, and a dropped
folder told apart on a worker thread, each folder listed once."""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QApplication

from gui_support import gui_env, window  # noqa: F401
from test_gui_viewer import _drop
from vsr_app import media, sequences
from vsr_app.errors import VsrAppError
from vsr_app.eval_plan import plan_sequences
from vsr_app.eval_protocol import vsr_min_side
from vsr_app.gui.frame_cache import FrameCache
from vsr_app.gui.source_frames import SourceFrames
from vsr_app.media import image_size, read_image
from vsr_app.video.frame_folder import FrameFolder, opens_as_frames
from vsr_app.video.reader import VideoReader
from vsr_app.video.packet_times import frame_times

# an APP1 segment whose EXIF says orientation 6 (turned a quarter clockwise): big-endian TIFF, one IFD0 entry
ORIENTATION_6 = b"\x01\x12" + b"\x00\x03" + (1).to_bytes(4, "big") + b"\x00\x06\x00\x00"
EXIF_TURNED = b"Exif\0\0" + b"MM\x00\x2a" + (8).to_bytes(4, "big") + b"\x00\x01" + ORIENTATION_6 + bytes(4)
APP1_TURNED = b"\xff\xe1" + (len(EXIF_TURNED) + 2).to_bytes(2, "big") + EXIF_TURNED


def jpeg(width: int, height: int, *params: int, grey: bool = False) -> bytes:
    picture = np.random.default_rng(width * height).integers(0, 256, (height, width, 3), dtype=np.uint8)
    return cv2.imencode(".jpg", picture[..., 0] if grey else picture, list(params))[1].tobytes()


def write_jpegs(folder: Path, count: int, width: int = 70, height: int = 54) -> Path:
    folder.mkdir(parents=True)
    for k in range(count):
        (folder / f"f{k}.jpg").write_bytes(jpeg(width, height))
    return folder


def header_segments(data: bytes, marker: int) -> list[tuple[int, int]]:
    """(start, end) of each segment with `marker` among a JPEG's headers, up to and with its first scan's."""
    spans, pos = [], 2
    while True:
        end = pos + 2 + int.from_bytes(data[pos + 2:pos + 4], "big")
        spans += [(pos, end)] * (data[pos + 1] == marker)
        if data[pos + 1] == 0xDA:
            return spans
        pos = end


def without(data: bytes, marker: int) -> bytes:
    """The JPEG without its `marker` segments."""
    kept = bytearray(data)
    for start, end in reversed(header_segments(data, marker)):
        del kept[start:end]
    return bytes(kept)


def tables_joined(data: bytes, marker: int) -> bytes:
    """The JPEG with its `marker` segments (tables; libjpeg writes one a segment) joined into one where the first was,
    as other encoders write them."""
    spans = header_segments(data, marker)
    body = b"".join(data[start + 4:end] for start, end in spans)
    at, kept = spans[0][0], without(data, marker)
    return kept[:at] + bytes([0xFF, marker]) + (len(body) + 2).to_bytes(2, "big") + body + kept[at:]


def damaged(data: bytes, marker: int, offset: int, written: bytes) -> bytes:
    """The JPEG with `written` over its bytes from `offset` into its first `marker` segment."""
    pos = header_segments(data, marker)[0][0] + offset
    return data[:pos] + written + data[pos + len(written):]


@pytest.fixture
def decodes(monkeypatch) -> list[int]:
    """One entry per image OpenCV decodes."""
    decoded: list[int] = []
    monkeypatch.setattr(cv2, "imdecode", lambda data, flags, real=cv2.imdecode: decoded.append(1) or real(data, flags))
    return decoded


def test_a_folder_of_jpegs_opens_and_is_planned_without_decoding_a_frame(tmp_path, decodes):
    """Each JPEG was decoded to learn its size: a folder of 300 1080p frames took 3.3 s to open in the Compare tab
    (and as long in eval's check before scoring), 0.3 s with the sizes read from the frames' headers."""
    folder = write_jpegs(tmp_path / "seq", 5)
    opened = FrameFolder(folder)
    planned = plan_sequences(folder, None, min_frames=1, min_side=vsr_min_side())
    assert (opened.info.width, opened.info.height, opened.info.frame_count) == (70, 54, 5)
    assert (planned[0].width, planned[0].height, planned[0].frames) == (70, 54, 5)
    assert decodes == []


@pytest.mark.parametrize("odd", ["size", "truncated"])
def test_a_folder_of_jpegs_eval_refuses_is_refused_in_its_words_without_a_decode(tmp_path, decodes, odd):
    folder = write_jpegs(tmp_path / "seq", 5)
    if odd == "size":
        (folder / "f3.jpg").write_bytes(jpeg(72, 54))
    else:
        (folder / "f3.jpg").write_bytes(jpeg(70, 54)[:-200])
    assert ("mixes frame sizes (70x54, 72x54)" if odd == "size" else "(truncated)") in refusal_at_opening(folder)
    assert decodes == []


def refusal_at_opening(folder: Path) -> str:
    """What eval's check before scoring says of `folder`, which opening it in the Compare tab says too."""
    with pytest.raises(VsrAppError) as said_by_eval:
        plan_sequences(folder, None, min_frames=1, min_side=vsr_min_side())
    with pytest.raises(VsrAppError) as said:
        FrameFolder(folder)
    assert str(said.value) == str(said_by_eval.value)
    return str(said.value)


@pytest.mark.parametrize("damage, marker, offset, written", [
    ("Huffman code counts past the table's end", 0xC4, 5, b"\xff" * 16),
    ("quantisation table id 4 (of 0-3)", 0xDB, 4, b"\x04"),
    ("scan of 9 components", 0xDA, 4, b"\x09"),
    ("scan component the frame lacks", 0xC0, 13, b"\x09"),  # the frame's second component renamed
    ("65535x65535 (libjpeg: at most 65500 a side)", 0xC0, 5, b"\xff" * 4),
    ("40000x40000 (OpenCV: at most 2^30 pixels)", 0xC0, 5, (40000).to_bytes(2, "big") * 2),
])
def test_a_jpeg_with_a_damaged_header_is_refused_at_opening_in_eval_s_words(tmp_path, decodes, damage, marker,
                                                                            offset, written):
    """Read from a sound-looking frame header, such a frame's size passed: the Compare tab opened the folder and
    stopped playback at that frame, and eval stopped partway through scoring after running models on the sequences
    before it. Its headers are now checked as libjpeg checks them, and the frame decoded (refused) where they fail."""
    folder = write_jpegs(tmp_path / "seq", 1)  # (one frame: beside others, a size read wrong would mix sizes)
    (folder / "f0.jpg").write_bytes(damaged(jpeg(70, 54), marker, offset, written))
    assert refusal_at_opening(folder) == f"cannot read frame {folder / 'f0.jpg'}", damage
    assert len(decodes) == 2, damage  # decoded once by eval's check, once by the opening


@pytest.mark.parametrize("kind, data, size, decoded", [
    ("baseline", jpeg(17, 9), (17, 9), 0),
    ("progressive", jpeg(640, 481, cv2.IMWRITE_JPEG_PROGRESSIVE, 1), (640, 481), 0),
    ("grey", jpeg(33, 20, grey=True), (33, 20), 0),
    ("optimised", jpeg(1, 1, cv2.IMWRITE_JPEG_OPTIMIZE, 1), (1, 1), 0),
    ("4:2:0", jpeg(35, 19, cv2.IMWRITE_JPEG_SAMPLING_FACTOR, cv2.IMWRITE_JPEG_SAMPLING_FACTOR_420), (35, 19), 0),
    ("tables several to a segment", tables_joined(tables_joined(jpeg(17, 9), 0xC4), 0xDB), (17, 9), 0),
    ("progressive, tables several to a segment", tables_joined(jpeg(17, 9, cv2.IMWRITE_JPEG_PROGRESSIVE, 1), 0xC4),
     (17, 9), 0),
    ("no Huffman tables (motion JPEG: libjpeg's own)", without(jpeg(17, 9), 0xC4), (17, 9), 0),
    ("turned by EXIF", b"\xff\xd8" + APP1_TURNED + jpeg(40, 20)[2:], (20, 40), 1),  # OpenCV turns it upright
    ("no scan", jpeg(17, 9)[:jpeg(17, 9).index(b"\xff\xda")], None, 1),  # OpenCV refuses it
])
def test_a_jpeg_s_size_is_the_one_read_image_gives_decoded_only_where_its_header_cannot_say(tmp_path, decodes, kind,
                                                                                          data, size, decoded):
    path = tmp_path / "frame.jpg"
    path.write_bytes(data)
    if size is None:
        with pytest.raises(VsrAppError, match=f"cannot read frame {re.escape(str(path))}"):
            image_size(path, "frame")
    else:
        assert image_size(path) == size == read_image(path).shape[1::-1], kind
    assert len(decodes) == decoded + (size is not None), kind  # (read_image's own decode counted too)


def test_a_folder_of_frames_is_listed_once_as_it_opens(tmp_path, monkeypatch):
    """Its frames were listed, then eval's check of what lies beside them listed the folder three times more."""
    folder = write_jpegs(tmp_path / "seq", 3)
    listed = []  # each listing of a folder, by either way of listing one
    monkeypatch.setattr(Path, "iterdir", lambda self, real=Path.iterdir: listed.append(self) or real(self))
    monkeypatch.setattr(os, "scandir", lambda path, real=os.scandir: listed.append(Path(path)) or real(path))
    FrameFolder(folder)
    assert listed.count(folder) == 1


def test_every_reader_gives_its_frames_times_by_one_name(tmp_path, small_video):
    """The viewer's source asked a folder of frames for its times and a video's packets by another route, telling
    them apart by their class: any reader with `times()` is timed by it."""
    video = VideoReader(small_video)
    assert video.times() == pytest.approx(frame_times(video.info))
    folder = FrameFolder(write_jpegs(tmp_path / "seq", 3))

    class Reader:  # neither a VideoReader nor a FrameFolder
        info = folder.info
        interlaced_frames = 0

        def times(self) -> list[float]:
            return [0.0, 0.5, 2.0]

    assert SourceFrames(Reader(), FrameCache(1 << 20)).packet_times() == [0.0, 0.5, 2.0]
    assert SourceFrames(folder, FrameCache(1 << 20)).packet_times() == [0.0, 0.04, 0.08]


def test_a_dropped_benchmark_root_is_refused_as_open_folder_of_frames_refuses_it(window, qtbot, tmp_path,
                                                                                small_video):
    """Vid4's root, dropped, went to the Batch tab, which found no videos there, without a word; File › Open folder of
    frames said to open one of its sequences. A folder of albums, each its videos and a cover image, still goes to
    the Batch tab."""
    bench = tmp_path / "vid4"
    for name in ("city", "walk"):
        write_jpegs(bench / name, 2)
    with pytest.raises(VsrAppError) as said_by_open:
        FrameFolder(bench)
    assert "it holds folders of frames (city, walk): open one of them" in str(said_by_open.value)
    _drop(window, bench)
    qtbot.waitUntil(lambda: window.error_box is not None and window.error_box.isVisible(), timeout=30_000)
    assert window.error_box.windowTitle() == "Cannot open folder of frames"
    assert window.error_box.text() == str(said_by_open.value)
    assert window.tabs.currentIndex() == 0 and window.batch.in_dir.text() != str(bench)
    albums = tmp_path / "albums"
    (albums / "summer").mkdir(parents=True)
    (albums / "summer" / "clip.mp4").write_bytes(small_video.read_bytes())
    (albums / "summer" / "folder.jpg").write_bytes(jpeg(16, 16))
    assert not opens_as_frames(albums)
    _drop(window, albums)
    qtbot.waitUntil(lambda: window.batch.in_dir.text() == str(albums))  # its kind told on a worker thread
    assert window.tabs.currentWidget() is window.batch


def test_a_dropped_folder_of_frames_beside_a_folder_of_frames_is_refused_as_open_folder_of_frames_refuses_it(
        window, qtbot, tmp_path, small_video):
    """Its look swallowed the refusal: the folder became the Batch tab's input, which said only "No videos with these
    extensions in the input folder.". Now it is refused as File › Open folder of frames refuses it, in the GUI's
    words (eval's said to point --data at one of them); a folder of videos with a cover image is still the Batch
    tab's."""
    mixed = write_jpegs(tmp_path / "frames plus sub", 2)
    write_jpegs(mixed / "inner", 2)
    assert opens_as_frames(mixed)
    _drop(window, mixed)
    qtbot.waitUntil(lambda: window.error_box is not None and window.error_box.isVisible(), timeout=30_000)
    assert window.error_box.windowTitle() == "Cannot open folder of frames"
    assert window.error_box.text() == (
        f"{mixed} holds both loose images (f0.jpg, f1.jpg) and folders of frames (inner): the Compare tab opens one "
        "kind at a time; open one of its videos or folders of frames on its own, or move the others out")
    assert window.tabs.currentIndex() == 0 and window.batch.in_dir.text() != str(mixed)
    album = tmp_path / "album"
    album.mkdir()
    (album / "clip.mp4").write_bytes(small_video.read_bytes())
    (album / "folder.jpg").write_bytes(jpeg(16, 16))
    assert not opens_as_frames(album)


def held_listings(monkeypatch, held: Path, answer: threading.Event) -> list[tuple[str, bool]]:
    """Each listing of `held` or a folder in it from now on, as (the folder's name, whether on the GUI thread); that
    of `held` itself waits for `answer` (5 s at most: a drop that lists it on the GUI thread goes on then)."""
    listed = []

    def counted(list_folder):
        def listing(folder="."):
            if Path(folder) == held or held in Path(folder).parents:
                listed.append((Path(folder).name, threading.current_thread() is threading.main_thread()))
            if Path(folder) == held:
                answer.wait(5)
            return list_folder(folder)
        return listing

    monkeypatch.setattr(os, "scandir", counted(os.scandir))
    monkeypatch.setattr(os, "listdir", counted(os.listdir))  # (pathlib's iterdir)
    return listed


def test_a_dropped_folder_is_looked_at_off_the_gui_thread_each_folder_listed_once(window, qtbot, tmp_path,
                                                                                monkeypatch):
    """A root of 40 folders of 2,000 frames held the window 7 s as it was dropped: on the GUI thread it was listed
    twice and each of its folders three times, every listing naturally sorted. Now each is listed once, unsorted, on
    a worker thread, and the status bar says which folder is looked at meanwhile."""
    bench = tmp_path / "vid4"
    for name in ("city", "walk"):
        write_jpegs(bench / name, 2)
    answer, sorted_paths = threading.Event(), []
    listed = held_listings(monkeypatch, bench, answer)
    order = media.natural_order
    for module in (media, sequences):
        monkeypatch.setattr(module, "natural_order", lambda path: sorted_paths.append(path) or order(path))
    opened = []
    monkeypatch.setattr(window.viewer, "open", opened.append)
    _drop(window, bench)
    said = window.statusBar().currentMessage()
    answer.set()
    qtbot.waitUntil(lambda: opened == [str(bench)], timeout=30_000)  # (where it is refused, as above)
    assert said == "Looking at vid4\u2026" and window.statusBar().currentMessage() == ""
    assert sorted(listed) == [("city", False), ("vid4", False), ("walk", False)] and sorted_paths == []


def test_of_two_folders_dropped_one_soon_after_the_other_the_latest_is_taken(window, qtbot, tmp_path, small_video,
                                                                            monkeypatch):
    """A dropped folder is looked at on a worker thread: one dropped while the one before is still looked at is the
    one wanted now, whichever answer comes first."""
    bench = tmp_path / "vid4"
    write_jpegs(bench / "city", 2)
    answer = threading.Event()
    held_listings(monkeypatch, bench, answer)
    opened = []
    monkeypatch.setattr(window.viewer, "open", opened.append)
    _drop(window, bench)
    _drop(window, small_video.parent)
    qtbot.waitUntil(lambda: window.batch.in_dir.text() == str(small_video.parent), timeout=30_000)
    answer.set()
    assert QThreadPool.globalInstance().waitForDone(30_000)
    QApplication.processEvents()  # the first folder's answer arrives
    assert opened == [] and window.tabs.currentWidget() is window.batch
    assert window.statusBar().currentMessage() == ""
