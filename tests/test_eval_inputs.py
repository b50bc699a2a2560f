"""`vsr-app eval` on folders it cannot score, and its JSON on perfect predictions: one error line (exit 1) or a
usage error (exit 2), never a traceback, a silent nan or a JSON `Infinity`."""

import json
import re
import subprocess
import sys

import cv2
import numpy as np
import pytest

from vsr_app.cli import main
from vsr_app.errors import VsrAppError
from vsr_app.media import read_image
from vsr_app.metrics import PSNR_MAX_DB


def _write_seq(folder, frames):
    folder.mkdir(parents=True)
    for i, f in enumerate(frames):
        cv2.imwrite(str(folder / f"{i:03d}.png"), f)


def _frames(sizes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for h, w in sizes]


def _strict(text):
    """json.loads that refuses NaN/Infinity, as strict parsers (and the JSON spec) do."""
    def refuse(name):
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


def _error(capsys, *args):
    code = main(["eval", *args])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    return err


@pytest.mark.parametrize("task, model", [("vsr", "bicubic"), ("vfi", "blend")])
def test_a_sequence_mixing_frame_sizes_is_one_error_line(tmp_path, capsys, task, model):
    """eval vsr raised the net's RuntimeError (720- then 704-wide frames); eval vfi already refused it."""
    _write_seq(tmp_path / "seq", _frames([(24, 36), (24, 32), (24, 36)]))
    err = _error(capsys, task, "--model", model, "--data", str(tmp_path))
    assert "sequence 'seq' mixes frame sizes" in err


@pytest.mark.parametrize("make, says", [(lambda p: p.write_bytes(b"video"), "it is not a video file FFmpeg can open"),
                                         (lambda p: None, "not found")])
def test_data_that_is_no_folder_says_what_it_is(tmp_path, capsys, make, says):
    make(tmp_path / "clip.mp4")
    assert says in _error(capsys, "vsr", "--model", "bicubic", "--data", str(tmp_path / "clip.mp4"))


@pytest.mark.parametrize("task, model, size, minimum", [
    ("vsr", "bicubic", (3, 40), "12x12"),  # was ZeroDivisionError: nothing left after the crop to a multiple of 4
    ("vsr", "bicubic", (40, 8), "12x12"),  # was a silent Y-SSIM nan: smaller than the 11x11 window
    ("vfi", "blend", (10, 40), "11x11"),
])
def test_frames_too_small_to_score_are_refused_naming_size_and_minimum(tmp_path, capsys, task, model, size, minimum):
    _write_seq(tmp_path / "tiny", _frames([size] * 3))
    err = _error(capsys, task, "--model", model, "--data", str(tmp_path))
    h, w = size
    assert f"sequence 'tiny' has {w}x{h} frames" in err and f"at least {minimum}" in err


def test_the_smallest_scorable_frames_get_finite_scores(tmp_path, capsys):
    _write_seq(tmp_path / "seq", _frames([(12, 12)] * 3))
    for task, model in (("vsr", "bicubic"), ("vfi", "blend")):
        assert main(["eval", task, "--model", model, "--data", str(tmp_path), "--json"]) == 0
        mean = _strict(capsys.readouterr().out)["mean"]
        assert all(np.isfinite(v) for v in mean.values()), (task, mean)


@pytest.mark.parametrize("args", [["vsr", "--frames", "0"], ["vsr", "--frames", "-2"], ["vfi", "--frames", "2"],
                                  ["vsr", "--frames", "two"]])
def test_frames_out_of_range_is_a_usage_error(tmp_path, capsys, args):
    with pytest.raises(SystemExit) as exc:
        main(["eval", args[0], "--model", "bicubic", "--data", str(tmp_path), *args[1:]])
    assert exc.value.code == 2
    assert "--frames" in capsys.readouterr().err


def test_options_may_come_before_or_after_the_task(tmp_path, capsys):
    """The contract's form is `eval vsr --model ...`; options before the task parsed too, and still do (the
    per-task --frames minimum is checked after parsing)."""
    _write_seq(tmp_path / "seq", _frames([(12, 12)] * 3))
    outputs = []
    for argv in (["eval", "vsr", "--model", "bicubic", "--data", str(tmp_path), "--json"],
                 ["eval", "--json", "--model", "bicubic", "vsr", "--data", str(tmp_path)]):
        assert main(argv) == 0
        outputs.append(_strict(capsys.readouterr().out))
    assert outputs[0] == outputs[1]
    for frames in ("2", "0"):  # 0 was "must be at least 1", the minimum of eval vsr
        with pytest.raises(SystemExit) as exc:
            main(["eval", "--frames", frames, "--model", "blend", "--data", str(tmp_path), "vfi"])
        assert exc.value.code == 2 and f"at least 3 for eval vfi, not {frames}" in capsys.readouterr().err


def test_the_parser_reads_the_scorer_table_without_importing_numpy_cv2_or_torch():
    """`eval`'s choices and --frames minimums come from evaluate.EVAL_COMMANDS; building the parser (every command,
    `--help`) must not pay for the scorers' heavy imports."""
    code = ("import sys; from vsr_app.cli_args import build_parser; build_parser(); "
            "print(sorted(m for m in ('numpy', 'cv2', 'torch', 'av') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_identical_frames_give_strict_json_with_the_psnr_ceiling(tmp_path, capsys):
    """Three identical frames: blend is perfect, and the JSON said "psnr_y": Infinity (the mean too)."""
    still = _frames([(16, 20)])[0]
    _write_seq(tmp_path / "still", [still] * 3)
    _write_seq(tmp_path / "moving", _frames([(16, 20)] * 3, seed=1))
    assert main(["eval", "vfi", "--model", "blend", "--data", str(tmp_path), "--json"]) == 0
    out = _strict(capsys.readouterr().out)
    assert out["sequences"]["still"]["psnr_y"] == PSNR_MAX_DB
    assert out["mean"]["psnr_y"] == pytest.approx((PSNR_MAX_DB + out["sequences"]["moving"]["psnr_y"]) / 2)


def test_loose_images_beside_sequence_folders_are_refused_not_scored_alone(tmp_path, capsys):
    """A stray preview.png beside the sequence folders made eval score that one image and skip every sequence."""
    for name in ("a", "b"):
        _write_seq(tmp_path / name, _frames([(24, 24)] * 2))
    cv2.imwrite(str(tmp_path / "preview.png"), _frames([(24, 24)])[0])
    err = _error(capsys, "vsr", "--model", "bicubic", "--data", str(tmp_path))
    assert "holds both loose images (preview.png) and folders of frames (a, b):" in err


def test_hidden_folders_and_files_are_not_scored(tmp_path, capsys):
    """A .thumbnails folder was scored as a sequence, and macOS's ._000.png stopped eval as an unreadable frame."""
    _write_seq(tmp_path / "a", _frames([(24, 24)] * 2))
    _write_seq(tmp_path / ".b", _frames([(24, 24)] * 2))
    (tmp_path / "a" / "._000.png").write_bytes(b"\x00\x05\x16\x07 AppleDouble")
    assert main(["eval", "vsr", "--model", "bicubic", "--data", str(tmp_path), "--json"]) == 0
    assert list(json.loads(capsys.readouterr().out)["sequences"]) == ["a"]


def test_a_folder_of_neither_videos_nor_frames_is_told_what_eval_reads(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("not a sequence")
    err = _error(capsys, "vsr", "--model", "bicubic", "--data", str(tmp_path))
    assert "holds no videos and no folders of frames (*.bmp, *.jpeg" in err


def test_sub_folders_without_frames_are_refused_not_skipped(tmp_path, capsys):
    """A sequence saved as a video (or not copied yet) was left out of the scores and the mean without a word."""
    _write_seq(tmp_path / "a", _frames([(24, 24)] * 2))
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "clip.mp4").write_bytes(b"video")
    (tmp_path / "c").mkdir()
    err = _error(capsys, "vsr", "--model", "bicubic", "--data", str(tmp_path))
    assert "sub-folders with no frames (b, c)" in err


def test_frames_numbered_without_zero_padding_are_read_in_number_order(tmp_path, capsys):
    """f10.png sorted before f2.png, so eval vfi blended the wrong neighbours: a silently wrong score."""
    folder = tmp_path / "ramp"
    folder.mkdir()
    for i in range(1, 12):  # a linear brightness ramp: blend predicts every middle frame exactly
        cv2.imwrite(str(folder / f"f{i}.png"), np.full((24, 24, 3), 20 * i, np.uint8))
    assert main(["eval", "vfi", "--model", "blend", "--data", str(tmp_path), "--json"]) == 0
    assert _strict(capsys.readouterr().out)["mean"]["psnr_y"] == PSNR_MAX_DB


def test_a_truncated_jpeg_frame_is_refused_not_scored_half_grey(tmp_path, capsys):
    """OpenCV decodes a JPEG cut short (a copy that stopped), greys out the rows it lacks, and eval scored that."""
    _write_seq(tmp_path / "seq", [])
    for i, frame in enumerate(_frames([(32, 32)] * 2)):
        cv2.imwrite(str(tmp_path / "seq" / f"{i:03d}.jpg"), frame)
    cut = tmp_path / "seq" / "001.jpg"
    cut.write_bytes(cut.read_bytes()[:-200])
    err = _error(capsys, "vsr", "--model", "bicubic", "--data", str(tmp_path))
    assert f"cannot read frame {cut}: it ends before its end-of-image marker (truncated)" in err


def test_a_jpeg_with_data_after_its_end_is_read_and_one_named_png_is_still_checked(tmp_path):
    """A phone's motion photo appends a video after the JPEG's end marker: not a truncation. A JPEG saved under a
    .png name is still a JPEG."""
    photo = np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)  # noise: most bytes are the scan
    data = cv2.imencode(".jpg", photo)[1].tobytes()
    whole = tmp_path / "motion.jpg"
    whole.write_bytes(data + b"\xff\xd8 an appended video")
    assert read_image(whole).shape == (32, 32, 3)
    cut = tmp_path / "download.png"
    cut.write_bytes(data[:-100])
    with pytest.raises(VsrAppError, match="truncated"):
        read_image(cut)


@pytest.mark.parametrize("damage, message", [
    (lambda data: data[:len(data) // 2], "it ends before its IEND chunk (truncated)"),
    (lambda data: data[:60] + bytes([data[60] ^ 0xFF]) + data[61:], "its IDAT chunk fails its checksum (damaged)"),
])
def test_a_damaged_png_is_refused_in_one_message_of_ours(tmp_path, capfd, damage, message):
    """libpng printed "libpng error: IDAT: CRC error" on the terminal before the app's own message."""
    noise = np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)  # most bytes are image data
    data = cv2.imencode(".png", noise)[1].tobytes()
    assert data[37:41] == b"IDAT" and len(data) > 100  # signature (8) + IHDR (25), then the image data
    bad = tmp_path / "frame.png"
    bad.write_bytes(damage(data))
    with pytest.raises(VsrAppError, match=re.escape(f"cannot read image {bad}: {message}")):
        read_image(bad)
    assert "libpng" not in capfd.readouterr().err


def test_a_png_with_a_damaged_text_chunk_is_read_as_libpng_reads_it(tmp_path):
    """An ancillary chunk (here tEXt) with a bad checksum is skipped with a warning by libpng: the pixels are intact."""
    noise = np.random.default_rng(0).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    data = cv2.imencode(".png", noise)[1].tobytes()
    text = (10).to_bytes(4, "big") + b"tEXtComment\0hi" + b"\0\0\0\0"  # length 10 ("Comment", 0, "hi"), CRC 0
    path = tmp_path / "tagged.png"
    path.write_bytes(data[:33] + text + data[33:])  # after IHDR
    np.testing.assert_array_equal(read_image(path), noise[..., ::-1])


def test_folders_a_system_makes_beside_the_sequences_are_skipped(tmp_path, capsys):
    """An unzipped Mac archive's __MACOSX and a Synology NAS's @eaDir are not sequences someone forgot to fill."""
    _write_seq(tmp_path / "a", _frames([(24, 24)] * 2))
    for name in ("__MACOSX", "@eaDir"):
        (tmp_path / name).mkdir()
    assert main(["eval", "vsr", "--model", "bicubic", "--data", str(tmp_path), "--json"]) == 0
    assert list(_strict(capsys.readouterr().out)["sequences"]) == ["a"]


def _decoded(path):
    from vsr_app.video.reader import VideoReader

    return [f.image for f in VideoReader(path).frames()]


def test_a_video_is_one_sequence_scored_on_its_decoded_frames(tmp_path, capsys):
    """`--data clip.mp4` was "is a file, not a folder of frames". Its frames as decoded are the truth: the same
    frames saved as PNG score the same; a video's frames are named by their index."""
    from videogen import make_video

    clip = make_video(tmp_path / "clip.mp4", frames=5)
    _write_seq(tmp_path / "png" / "clip", [cv2.cvtColor(f, cv2.COLOR_RGB2BGR) for f in _decoded(clip)[:3]])
    seqs = []
    for data in (clip, tmp_path / "png"):
        assert main(["eval", "vsr", "--model", "bicubic", "--data", str(data), "--frames", "3", "--json"]) == 0
        seqs.append(_strict(capsys.readouterr().out)["sequences"]["clip"])  # the video named by its file's stem
    video, frames = seqs
    assert [f.pop("frame") for f in video["per_frame"]] == ["0", "1", "2"]
    assert [f.pop("frame") for f in frames["per_frame"]] == ["000.png", "001.png", "002.png"]
    assert video == frames and video["frames"] == video["frames_read"] == 3


def test_frames_limits_what_is_decoded_of_a_video(tmp_path, monkeypatch):
    """A long video must not be decoded (and held) whole when --frames keeps its start."""
    from videogen import make_video

    from vsr_app.evaluate import eval_vsr
    from vsr_app.video.reader import VideoReader

    decoded = []
    frames = VideoReader.frames

    def counted(self, *args, **kwargs):
        for frame in frames(self, *args, **kwargs):
            decoded.append(frame.index)
            yield frame

    monkeypatch.setattr(VideoReader, "frames", counted)
    result = eval_vsr("bicubic", make_video(tmp_path / "long.mp4", frames=30), frames=2, device="cpu")
    assert result["sequences"]["long"]["frames"] == 2 and decoded == [0, 1]


def test_a_folder_of_videos_scores_each_one_as_a_sequence(tmp_path, capsys):
    from videogen import make_video

    make_video(tmp_path / "a.mp4", frames=7)
    make_video(tmp_path / "b.mov", frames=6)
    (tmp_path / "._a.mp4").write_bytes(b"\x00\x05\x16\x07 AppleDouble")  # hidden: skipped
    assert main(["eval", "vfi", "--model", "blend", "--data", str(tmp_path), "--json"]) == 0
    out = _strict(capsys.readouterr().out)
    assert {name: [f["frame"] for f in seq["per_frame"]] for name, seq in out["sequences"].items()} == {
        "a": ["1", "3", "5"], "b": ["1", "3"]}


@pytest.mark.parametrize("layout, says", [
    ({"clip.mp4": "video", "seq/000.png": "frame"}, "holds both videos (clip.mp4) and folders of frames (seq): "),
    ({"clip.mp4": "video", "000.png": "frame"}, "holds both loose images (000.png) and videos (clip.mp4): "),
    ({"clip.mp4": "video", "clip.mkv": "video"}, "holds videos that share a name (clip.mkv, clip.mp4)"),
    ({"clip.mp4": "video", "more/other.mp4": "video"}, "holds sub-folders with no frames (more) beside videos"),
])
def test_a_folder_mixing_sequence_kinds_is_refused_naming_them(tmp_path, capsys, layout, says):
    """Scoring one kind, or one of two videos of one name, would leave the others out of the mean without a word."""
    from videogen import make_video

    for name, kind in layout.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        if kind == "video":
            make_video(tmp_path / name, frames=3)
        else:
            cv2.imwrite(str(tmp_path / name), _frames([(24, 24)])[0])
    assert says in _error(capsys, "vsr", "--model", "bicubic", "--data", str(tmp_path))


def test_csv_has_a_row_per_scored_frame_and_replaces_only_an_earlier_one(tmp_path, capsys):
    _write_seq(tmp_path / "data" / "seq", _frames([(24, 24)] * 4))
    scores = tmp_path / "out" / "scores.csv"  # its folder is made
    for _ in range(2):  # the second run replaces the first's CSV, as a batch replaces its report
        assert main(["eval", "vfi", "--model", "blend", "--data", str(tmp_path / "data"), "--csv", str(scores),
                     "--json"]) == 0
        out, err = capsys.readouterr()
    frame = _strict(out)["sequences"]["seq"]["per_frame"][0]
    comment, *lines = scores.read_text().splitlines()
    assert comment.startswith(f"# vsr-app eval: blend (0 parameters) on {tmp_path / 'data'}; ran on cpu, fp32; ")
    notes = _strict(out)["notes"]  # seq's last frame, not scored; its scene cut
    assert lines[:len(notes)] == [f"# note: {note}" for note in notes] and len(notes) == 2
    assert lines[len(notes):] == ["sequence,frame,psnr_y,ssim_y,scene_cut",
                     f"seq,001.png,{frame['psnr_y']!r},{frame['ssim_y']!r},{int(frame['scene_cut'])}"]
    assert f"eval: per-frame scores written to {scores}" in err
    assert sorted(p.name for p in scores.parent.iterdir()) == ["scores.csv"]  # no temporary file left


@pytest.mark.parametrize("target, says", [
    ("clip.mp4", "would replace a video or an image"),  # the --data itself
    ("notes.csv", "would replace a file that is not an eval CSV"),
    ("folder", "is a folder"),
])
def test_csv_refuses_to_replace_another_file_before_scoring(tmp_path, capsys, monkeypatch, target, says):
    import dataclasses

    from videogen import make_video

    from vsr_app import evaluate

    clip = make_video(tmp_path / "clip.mp4", frames=3)
    (tmp_path / "notes.csv").write_text("mine\n")
    (tmp_path / "folder").mkdir()
    before = {p: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    monkeypatch.setattr(evaluate, "eval_vsr", lambda *a, **k: pytest.fail("scored before the --csv check"))
    monkeypatch.setitem(evaluate.EVAL_COMMANDS, "vsr",
                        dataclasses.replace(evaluate.EVAL_COMMANDS["vsr"], scorer=evaluate.eval_vsr))
    err = _error(capsys, "vsr", "--model", "bicubic", "--data", str(clip), "--csv", str(tmp_path / target))
    assert says in err
    assert {p: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == before


@pytest.mark.parametrize("task, says, hidden", [
    ("vsr", ["usage: vsr-app eval vsr ", "cropped (top-left) to a multiple of 4", "at least 1 ", "--self-ensemble",
             "(sequence, frame, psnr_y, ssim_y; ", "later frames (a clip model, the teacher) also reads the few after "
             "them that its last chunk takes as context, unscored"], ["{vsr,vfi}", "odd frame", "scene_cut"]),
    ("vfi", ["usage: vsr-app eval vfi ", "each odd frame is predicted", "at least 3 ", "not scored",
             "(sequence, frame, psnr_y, ssim_y, scene_cut: 1 where a scene cut lies"],
     ["{vsr,vfi}", "--self-ensemble", "cropped"]),
])
def test_each_task_has_its_own_help(capsys, task, says, hidden):
    """`eval vfi --help` showed eval's: both tasks, --self-ensemble (for vsr only) and both --frames minimums; and
    each task's --csv its own columns (vfi's scene_cut was not named)."""
    with pytest.raises(SystemExit) as exc:
        main(["eval", task, "--help"])
    text = " ".join(capsys.readouterr().out.split())  # as one line: the help wraps at the terminal's width
    assert exc.value.code == 0
    assert [s for s in says if s not in text] == [] and [s for s in hidden if s in text] == []
    assert "`vsr-app models` lists them" in text and "compressed video is a weaker one than lossless frames" in text
    assert "a .safetensors file or a training run's folder" in text  # --model takes a run folder too (models.resolve)


def _decode_log(monkeypatch, log):
    """Log each video's frames as they are decoded ("decode NAME"), not its header (probe)."""
    from vsr_app.video.reader import VideoReader

    frames = VideoReader.frames

    def logged(self, *args, **kwargs):
        log.append(f"decode {self.path.stem}")
        yield from frames(self, *args, **kwargs)

    monkeypatch.setattr(VideoReader, "frames", logged)


def test_each_sequence_is_checked_first_then_read_and_scored_one_at_a_time(tmp_path, monkeypatch):
    """Every sequence was read into memory before the first was scored: a folder of ten 1-minute 1080p videos needed
    ~110 GB. A sequence that cannot be scored is still refused before any is decoded, from its header."""
    from videogen import make_video

    from vsr_app.evaluate import eval_vsr

    make_video(tmp_path / "a.mp4", frames=4)
    make_video(tmp_path / "b.mp4", frames=3)
    log = []
    _decode_log(monkeypatch, log)
    eval_vsr("bicubic", tmp_path, device="cpu", on_sequence=lambda scored: log.append(f"scored {scored.name}"))
    assert log == ["decode a", "scored a", "decode b", "scored b"]
    make_video(tmp_path / "c.mp4", frames=3, width=6, height=48)
    log.clear()
    with pytest.raises(VsrAppError, match="sequence 'c' has 6x48 frames, too small to score"):
        eval_vsr("bicubic", tmp_path, device="cpu", on_sequence=lambda scored: log.append(f"scored {scored.name}"))
    assert log == []


def _peak_bytes(score) -> int:
    import tracemalloc

    tracemalloc.start()
    try:
        score()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("task, model", [("vsr", "bicubic"), ("vfi", "blend")])
def test_a_sequence_s_frames_are_freed_before_the_next_is_read(tmp_path, monkeypatch, task, model):
    """Three videos take no more memory to score than one: what a sequence held is gone before the next is read."""
    import dataclasses

    from videogen import make_video

    from vsr_app.evaluate import EVAL_COMMANDS
    from vsr_app.video.reader import VideoReader

    frames = VideoReader.frames

    def traced(self, *args, **kwargs):  # tracemalloc sees numpy's allocations, not those of the decoder's colour step
        for frame in frames(self, *args, **kwargs):
            yield dataclasses.replace(frame, image=frame.image.copy())

    monkeypatch.setattr(VideoReader, "frames", traced)
    scorer = EVAL_COMMANDS[task].scorer
    for folder, names in (("one", "a"), ("three", "abc")):
        (tmp_path / folder).mkdir()
        for name in names:
            make_video(tmp_path / folder / f"{name}.mp4", frames=24, width=160, height=120)
    scorer(model, tmp_path / "one", device="cpu")  # imports and first-use allocations out of the way
    one = _peak_bytes(lambda: scorer(model, tmp_path / "one", device="cpu"))
    three = _peak_bytes(lambda: scorer(model, tmp_path / "three", device="cpu"))
    assert one > 24 * 160 * 120 * 3 and three < 1.2 * one, (one, three)  # (each one's frames: 1.4 MB)


def test_a_sequence_too_large_for_memory_is_refused_before_scoring_suggesting_frames(tmp_path, capsys, monkeypatch):
    """A sequence is held whole while it is scored (eval vsr: the truth, its downscale and the output): one that
    cannot fit is refused up front, saying how many frames --frames can keep, instead of the kernel killing eval."""
    from videogen import make_video

    from vsr_app import evaluate
    from vsr_app.video import limits

    clip = make_video(tmp_path / "clip.mp4", frames=30)
    per_frame = 64 * 48 * 3 * evaluate.VSR_COPIES  # bicubic needs no memory of its own
    monkeypatch.setattr(limits, "available_memory", lambda: int(10.5 * per_frame))
    scored = []
    monkeypatch.setattr("vsr_app.cli.say_scored", scored.append)
    err = _error(capsys, "vsr", "--model", "bicubic", "--data", str(clip))
    assert "scoring sequence 'clip' (30 frames of 64x48) needs about " in err and " of memory, but only " in err
    assert "--frames 10 scores the first 10 of each sequence" in err and scored == []
    assert main(["eval", "vsr", "--model", "bicubic", "--data", str(clip), "--frames", "10", "--json"]) == 0
    assert _strict(capsys.readouterr().out)["sequences"]["clip"]["frames"] == 10



@pytest.mark.parametrize("name, times, says, decoded_frames", [
    ("raw.h264", None, "(30 frames of 64x48)", 0),
    ("fast.mkv", [0.092 * i for i in range(11)], "(at least 11 frames of 64x48)", 11),
], ids=["no length: counted first", "estimated short: refused as read"])
def test_a_video_whose_header_gives_no_frame_count_is_refused_when_too_large(tmp_path, capsys, monkeypatch, name,
                                                                             times, says, decoded_frames):
    """A raw .h264 stream's header gives neither a frame count nor a duration, so the check before scoring passed it
    by, and its frames filled memory until the kernel killed eval: its packets are counted now, before a frame is
    decoded. A count still estimated, and short (a Matroska file's frames 9% faster than its stated rate: 10 said, 11
    there), is read no further than one frame past what fits, then refused in the same words."""
    from videogen import make_video

    from vsr_app import evaluate
    from vsr_app.video import limits
    from vsr_app.video.reader import VideoReader

    video = make_video(tmp_path / name, frames=len(times) if times else 30, times=times)
    per_frame = 64 * 48 * 3 * evaluate.VSR_COPIES  # bicubic needs no memory of its own
    monkeypatch.setattr(limits, "available_memory", lambda: int(10.5 * per_frame))
    decoded = []
    frames = VideoReader.frames
    monkeypatch.setattr(VideoReader, "frames",
                        lambda self, *args, **kwargs: (decoded.append(f) or f for f in frames(self, *args, **kwargs)))
    err = _error(capsys, "vsr", "--model", "bicubic", "--data", str(video))
    assert f"scoring sequence '{video.stem}' {says} needs about " in err and " of memory, but only " in err
    assert "--frames 10 scores the first 10 of each sequence" in err and len(decoded) == decoded_frames
    assert main(["eval", "vsr", "--model", "bicubic", "--data", str(video), "--frames", "10", "--json"]) == 0
    assert _strict(capsys.readouterr().out)["sequences"][video.stem]["frames"] == 10


def test_a_variable_frame_rate_video_is_planned_by_the_frames_it_has(tmp_path, capsys, monkeypatch):
    """A screen recording's .mkv states no frame count, and its duration x frame rate can be ten times the frames
    there are: eval planned 110 frames of this one's 20, and refused it for memory they fit in."""
    from videogen import make_video

    from vsr_app import eval_plan, evaluate
    from vsr_app.video import limits

    times = [0.1 * i for i in range(10)] + [10 + 0.1 * i for i in range(10)]  # a 9 s pause: no change on the screen
    video = make_video(tmp_path / "screen.mkv", frames=20, times=times)
    assert [plan.frames for plan in eval_plan.plan_sequences(video, None, 1, 1)] == [20]
    monkeypatch.setattr(limits, "available_memory", lambda: int(30.5 * 64 * 48 * 3 * evaluate.VSR_COPIES))
    assert main(["eval", "vsr", "--model", "bicubic", "--data", str(video), "--json"]) == 0
    assert _strict(capsys.readouterr().out)["sequences"]["screen"]["frames"] == 20


def test_eval_decodes_each_png_frame_once(tmp_path, monkeypatch):
    """The check before scoring decoded every PNG frame for its size, then scoring decoded it again: a fifth of eval's
    time on Vid4. The size is read from the PNG's header."""
    from vsr_app.evaluate import eval_vsr

    _write_seq(tmp_path / "seq", _frames([(32, 48)] * 3))
    decoded = []
    monkeypatch.setattr(cv2, "imdecode", lambda data, flags, real=cv2.imdecode: decoded.append(1) or real(data, flags))
    assert eval_vsr("bicubic", tmp_path, device="cpu")["sequences"]["seq"]["frames"] == 3
    assert len(decoded) == 3


def _with_chunk(png: bytes, kind: bytes, body: bytes) -> bytes:
    """`png` with a chunk added after its IHDR."""
    import zlib

    chunk = len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")
    return png[:33] + chunk + png[33:]


def test_an_image_s_size_is_the_one_read_image_gives_and_a_damaged_png_is_refused_as_it_refuses_it(tmp_path):
    """A PNG's size comes from its header, unless it has an eXIf chunk: OpenCV turns such a PNG upright by its
    orientation, as it does a JPEG, and a frame turned on its side has its sides swapped."""
    from vsr_app.media import image_size

    frame = _frames([(20, 40)])[0]
    png = cv2.imencode(".png", frame)[1].tobytes()
    orientation_6 = b"\x01\x12" + b"\x00\x03" + (1).to_bytes(4, "big") + b"\x00\x06\x00\x00"  # tag, a SHORT, one, 6
    on_its_side = b"MM\x00\x2a" + (8).to_bytes(4, "big") + b"\x00\x01" + orientation_6 + bytes(4)  # TIFF, 1 entry
    files = {"plain.png": png, "turned.png": _with_chunk(png, b"eXIf", on_its_side),
             "photo.jpg": cv2.imencode(".jpg", frame)[1].tobytes()}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        assert image_size(tmp_path / name) == read_image(tmp_path / name).shape[1::-1], name
    assert image_size(tmp_path / "turned.png") == (20, 40)  # (orientation 6: turned a quarter clockwise)
    cut = tmp_path / "cut.png"
    cut.write_bytes(png[:len(png) // 2])
    with pytest.raises(VsrAppError, match=re.escape(f"cannot read frame {cut}: it ends before its IEND chunk")):
        image_size(cut, "frame")


def test_csv_dash_is_a_usage_error_not_a_file_named_dash(tmp_path, capsys, monkeypatch):
    """`--csv -` wrote a file named "-" in the current folder: stdout holds the result, so it is refused."""
    monkeypatch.chdir(tmp_path)
    _write_seq(tmp_path / "data" / "seq", _frames([(24, 24)] * 2))
    with pytest.raises(SystemExit) as exc:
        main(["eval", "vsr", "--model", "bicubic", "--data", "data", "--csv", "-"])
    assert exc.value.code == 2 and "argument --csv: '-' is not standard output here" in capsys.readouterr().err
    assert not (tmp_path / "-").exists()


def test_csv_replaces_an_empty_file_as_mktemp_makes_it(tmp_path, capsys):
    """An empty file (a script's `mktemp`) was refused as "not an eval CSV"."""
    _write_seq(tmp_path / "data" / "seq", _frames([(24, 24)] * 2))
    (tmp_path / "tmp.XXXX").touch()
    assert main(["eval", "vsr", "--model", "bicubic", "--data", str(tmp_path / "data"), "--csv",
                 str(tmp_path / "tmp.XXXX")]) == 0
    assert (tmp_path / "tmp.XXXX").read_text().splitlines()[1] == "sequence,frame,psnr_y,ssim_y"


def _interlaced(path):
    from videogen import make_video, woven_fields

    return make_video(path, images=woven_fields(6), fps=25, interlaced=True)


def _gif(path):
    from videogen import make_video

    return make_video(path, frames=5, codec="gif", pix_fmt="rgb8")


def _damaged(path):
    import badfiles
    from videogen import make_video

    make_video(path, frames=12, width=32, height=24, codec="mjpeg", pix_fmt="yuvj420p")
    badfiles._scramble(path, [span for i, span in enumerate(badfiles._packet_spans(path, "video")) if i in (4, 5)], 5)
    return path


@pytest.mark.parametrize("make, name, note", [
    (_interlaced, "25i.mkv", "25i: interlaced: 6 of its 6 frames were deinterlaced (bwdif) before scoring"),
    (_gif, "anim.gif", "anim: a GIF: its 256 colours and their dither are counted as the truth"),
    (_damaged, "damaged.mov", "damaged: damaged: 2 packets did not decode and their frames are missing"),
])
def test_a_video_whose_frames_are_not_its_own_pictures_is_said(tmp_path, capsys, make, name, note):
    """An interlaced video's frames were scored deinterlaced, a damaged one's with frames missing, and a GIF's dither
    was counted as truth, without a word."""
    from videogen import make_video

    make(tmp_path / name)
    assert main(["eval", "vfi", "--model", "blend", "--data", str(tmp_path / name), "--json"]) == 0
    notes = _strict(capsys.readouterr().out).get("notes", [])
    assert [n for n in notes if n.startswith(note)] != [], notes
    assert main(["eval", "vfi", "--model", "blend", "--data", str(make_video(tmp_path / "plain.mp4", frames=5))]) == 0
    assert "note:" not in capsys.readouterr().out  # a progressive, undamaged video needs none


def test_the_benchmark_folder_missing_says_where_it_should_be(tmp_path):
    """A clone without ../shared/data beside it read only "evaluation data not found" for the README's own command."""
    from vsr_app.sequences import sequence_sources

    with pytest.raises(VsrAppError, match=r"not found: .*shared/data/eval/vid4 \(the project's data folder, beside "
                                          r"the checkout: README.md's Command line section"):
        sequence_sources(tmp_path / "shared" / "data" / "eval" / "vid4")
    with pytest.raises(VsrAppError, match=r"not found: .*mine$"):
        sequence_sources(tmp_path / "mine")
