"""`--deinterlace off`: progressive video flagged interlaced by mistake (some camcorders, broadcast captures, phone
apps) is softened by bwdif; off passes every frame through as decoded, its fields woven, and says so."""

from __future__ import annotations

import av
import numpy as np
import pytest

from test_batch import rewrite_record
from videogen import make_video, woven_fields
from vsr_app.batch import EXISTS_HINT, run_batch
from vsr_app.cli import main
from vsr_app.cli_args import parse_command_line
from vsr_app.evaluate import eval_vfi
from vsr_app.video.encoding import read_made_by
from vsr_app.video.pipeline import process_video
from vsr_app.video.reader import VideoReader

OFF_NOTE = "6 frames flagged interlaced were not deinterlaced (--deinterlace off)"


@pytest.fixture
def interlaced(tmp_path):
    """6 frames of woven fields, flagged interlaced; 4:4:4, so PyAV's RGB of a decoded frame is the reader's."""
    (tmp_path / "in").mkdir()
    return make_video(tmp_path / "in" / "25i.mkv", images=woven_fields(6), fps=25, interlaced=True,
                      pix_fmt="yuv444p")


def decoded(path) -> list[np.ndarray]:
    """The file's pictures as decoded, fields woven, each checked to be flagged interlaced."""
    with av.open(str(path)) as container:
        frames = list(container.decode(video=0))
    assert all(frame.interlaced_frame for frame in frames)
    return [frame.to_ndarray(format="rgb24") for frame in frames]


def test_off_passes_the_woven_frames_through_and_says_so(interlaced, tmp_path):
    summary = process_video(interlaced, tmp_path / "x2.mkv", interpolate="blend", device="cpu", codec="ffv1",
                            deinterlace=False)
    kept = [frame.image for frame in VideoReader(summary.output).frames()][::2]  # blend keeps its inputs (lossless)
    assert all(np.array_equal(out, woven) for out, woven in zip(kept, decoded(interlaced), strict=True))
    assert OFF_NOTE in summary.notes and not any("deinterlaced (bwdif)" in note for note in summary.notes)
    auto = process_video(interlaced, tmp_path / "auto.mkv", interpolate="blend", device="cpu", codec="ffv1")
    assert any("deinterlaced (bwdif)" in note for note in auto.notes) and OFF_NOTE not in auto.notes
    assert not np.array_equal(list(VideoReader(auto.output).frames())[0].image, kept[0])


def test_the_reader_counts_the_frames_it_left_woven(interlaced):
    reader = VideoReader(interlaced, deinterlace=False)
    images = [frame.image for frame in reader.frames()]
    assert all(np.array_equal(a, b) for a, b in zip(images, decoded(interlaced), strict=True))
    assert (reader.woven_frames, reader.interlaced_frames) == (6, 0)


@pytest.mark.parametrize("command", [["upscale", "in.mp4", "-o", "out.mp4"], ["interpolate", "in.mp4", "-o", "o.mp4"],
                                     ["batch", "in", "-o", "out"], ["eval", "vsr", "--model", "m", "--data", "d"]])
def test_every_command_that_reads_video_takes_the_switch(command, capsys):
    assert parse_command_line(command).deinterlace == "auto"
    assert parse_command_line([*command, "--deinterlace", "off"]).deinterlace == "off"
    with pytest.raises(SystemExit) as exited:
        parse_command_line([*command, "--deinterlace", "yes"])
    assert exited.value.code == 2 and "invalid choice: 'yes'" in capsys.readouterr().err


def test_the_cli_and_batch_pass_it_on(interlaced, tmp_path, capsys):
    assert main(["interpolate", str(interlaced), "-o", str(tmp_path / "x2.mp4"), "--model", "blend",
                 "--deinterlace", "off"]) == 0
    assert OFF_NOTE in capsys.readouterr().out
    report = run_batch(interlaced.parent, tmp_path / "out", task="interpolate", model="blend", deinterlace=False)
    assert [OFF_NOTE in file.notes for file in report.files] == [True]


def test_eval_scores_the_woven_frames_with_off(interlaced):
    off = eval_vfi("blend", interlaced, device="cpu", deinterlace=False)
    assert not any("deinterlaced" in note for note in off.get("notes", []))
    assert any("deinterlaced" in note for note in eval_vfi("blend", interlaced, device="cpu")["notes"])


def batch_again(interlaced, out, **options) -> tuple[str, str]:
    (file,) = run_batch(interlaced.parent, out, task="interpolate", model="blend", **options).files
    return file.status, file.reason


def test_a_batch_with_the_other_setting_does_not_take_the_outputs_for_its_own(interlaced, tmp_path):
    """An output made with auto was skipped as complete by a batch with off (and the reverse): its woven frames
    were never made."""
    out = tmp_path / "out"
    assert batch_again(interlaced, out)[0] == "ok"
    assert batch_again(interlaced, out, deinterlace=False) == (
        "exists", f"kept an existing output made with other settings: deinterlace auto (this run: off); {EXISTS_HINT}")
    assert batch_again(interlaced, out, deinterlace=False, overwrite=True) == (
        "ok", "replaced an existing output made with other settings: deinterlace auto (this run: off)")
    assert read_made_by(out / interlaced.name)["deinterlace"] == "off"
    assert batch_again(interlaced, out, deinterlace=False) == ("skipped", "a complete output already exists")
    assert batch_again(interlaced, out)[1].startswith("kept an existing output made with other settings: deinterlace "
                                                      "off (this run: auto);")


def test_an_output_recorded_before_the_setting_was_counts_as_auto(interlaced, tmp_path):
    out = tmp_path / "out"
    batch_again(interlaced, out)
    rewrite_record(out / interlaced.name, lambda record: record.pop("deinterlace"))
    assert batch_again(interlaced, out) == ("skipped", "a complete output already exists")
    assert batch_again(interlaced, out, deinterlace=False)[0] == "exists"


def test_a_progressive_input_takes_an_output_of_either_setting_for_its_own(tmp_path):
    """With the box unticked, a batch run again kept every output as made with other settings, though for a video
    with no frame flagged interlaced the setting changes nothing; the interlaced one above is still told apart."""
    (tmp_path / "in").mkdir()
    progressive = make_video(tmp_path / "in" / "25p.mkv", frames=6, fps=25)
    out = tmp_path / "out"
    assert batch_again(progressive, out)[0] == "ok"
    assert batch_again(progressive, out, deinterlace=False) == ("skipped", "a complete output already exists")
    assert batch_again(progressive, out) == ("skipped", "a complete output already exists")
    assert read_made_by(out / progressive.name)["deinterlace"] == "auto"
