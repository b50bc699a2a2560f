"""How the GUI writes numbers: timestamps, ETAs, parameter counts, scores, model cards."""

from __future__ import annotations

import errno
from dataclasses import replace
from pathlib import Path

import pytest

from vsr_app.batch import STOPPED_REASON
from vsr_app.distill import checkpoint
from vsr_app.distill.sources import check_held_out, load_sources
from vsr_app.distill.runs import check_new_run, check_resumable, resume_command, resumed_data
from vsr_app.distill.runs import resumed_teacher, resumed_val
from vsr_app.errors import RESUME_HINT, VsrAppError
from vsr_app.gui import fmt
from vsr_app.progress import ProgressInfo
from vsr_app.video.pipeline import DEINTERLACE_OFF


def test_times_and_counts():
    assert fmt.clock(62.48) == "01:02.48" and fmt.clock(3723) == "1:02:03.00"
    assert fmt.duration(42) == "42 s" and fmt.duration(185) == "3 min 05 s" and fmt.duration(4320) == "1 h 12 min"
    assert fmt.duration(0.3) == "< 1 s" and fmt.duration(0.6) == "1 s"  # a tiny file's time read "0 s"
    assert fmt.eta(25, 100, 10.0) == 30.0 and fmt.eta(0, 100, 5.0) is None and fmt.eta(5, None, 1.0) is None
    assert fmt.eta_suffix(185) == "   \u00b7   3\u00a0min\u00a005\u00a0s\u00a0left" and fmt.eta_suffix(None) == ""
    assert fmt.params(117_064) == "117 K" and fmt.params(1_600_000) == "1.6 M" and fmt.params(12) == "12"
    assert fmt.psnr(100.0) == "100.00" and fmt.psnr(None) == "\u2014" and fmt.ssim(0.91234) == "0.9123"


def test_a_progress_line_says_what_its_counts_are_and_keeps_each_figure_on_one_line():
    """"frame 14 / 360 (10 more made)" left unsaid what was made, and a batch's "[1/5] flash.mp4 (10 more made)"
    (no count) read as 10 more files; a wrapped line ended in "1 min 12" and began with "s left"."""
    info = ProgressInfo(14, 360, 4.8, 30.0, 72.0, "vsr-x4-student", waiting=10)
    assert fmt.progress_line(info.stage, info) == ("vsr-x4-student: frame\u00a014\u00a0/\u00a0360 (10 more in the "
                                                   "encoder)   \u00b7   4.8\u00a0fps   \u00b7   "
                                                   "1\u00a0min\u00a012\u00a0s\u00a0left")
    batch = replace(info, stage="[1/5] flash.mp4", total=1800, eta=None)
    assert fmt.progress_line(batch.stage, batch, " of the batch") == (
        "[1/5] flash.mp4: frame\u00a014\u00a0/\u00a01800 of the batch (10 more in the encoder)   \u00b7   "
        "4.8\u00a0fps")


def test_notes_and_reasons_name_the_gui_s_box_and_button_not_the_command_line_s_switches():
    """An export or a batch row said "(--deinterlace off)", and a stopped file "(Cancel, Ctrl-C or a stop signal)"."""
    note = "; ".join([f"6 frames flagged interlaced were not deinterlaced ({DEINTERLACE_OFF})", STOPPED_REASON])
    assert fmt.for_gui(note, "Replace", deinterlace_label="Deinterlace interlaced frames") == (
        '6 frames flagged interlaced were not deinterlaced ("Deinterlace interlaced frames" unticked); '
        "stopped by Cancel before it ended; no output was written")


def test_card_html_shows_sections_and_escapes():
    html = fmt.card_html("my<model>", "upscale", 4, 117_064, {
        "description": "a & b", "arch": "vfi_mini", "config": {"kernels": [5, 3], "mix": True},
        "training": {"steps": 10000, "data": ["a", "b"], "distill": "std"},
        "metrics": {"val_psnr": 27.123456}, "created": "2025-01-01"})
    assert "my&lt;model&gt;" in html and "a &amp; b" in html
    assert "upscale \u00d74 \u00b7 117 K parameters" in html
    assert "10,000" in html and "a, b" in html and "27.12" in html and "created 2025-01-01" in html
    assert html.index("<i>architecture</i>") < html.index("<i>training</i>")
    assert "vfi_mini" in html and "5, 3" in html and ">yes<" in html


def worded(call, *args) -> str:
    """The error `call(*args)` raises, as the Train tab shows it."""
    with pytest.raises(VsrAppError) as raised:
        call(*args)
    return fmt.for_train_tab(str(raised.value))


def test_training_errors_name_the_train_tab_s_fields_not_the_command_line_s_options(tmp_path, monkeypatch):
    """The Train tab passed the trainer's words on: "give --val a clip outside --data", "leave --steps out" (it always
    passes --steps), "resume with --data naming its new location"."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "clip.mp4").write_bytes(b"")
    said = [worded(check_held_out, [str(data / "clip.mp4")], [str(data)]),
            worded(check_held_out, [str(data / "clip.mp4")], [str(data)], []),
            worded(resumed_data, [str(tmp_path / "gone")], None, tmp_path, print),
            worded(resumed_teacher, str(tmp_path / "gone.safetensors"), None, "prunes", print)]
    monkeypatch.setattr(checkpoint, "resume_step", lambda run_dir: 4)
    said.append(worded(checkpoint.check_steps, tmp_path, 2))
    said.append(worded(resumed_val, [str(tmp_path / "gone.mp4")], None, tmp_path, print))
    (data / "broken.png").write_text("not an image")  # the box showed only the first line of a two-line error
    said.append(worded(load_sources, [str(data)], print))
    assert said[6].endswith("; remove it from the training folder, or put the files to use in the Data list")
    assert said[5].endswith("if it has moved, choose its new place as Validation clip")
    assert said[0].endswith("it would be trained on; choose a Validation clip outside the Data folders")
    assert said[1].endswith('outside the Data folders or hold it out with "exclude" in Extra options')
    assert said[2].endswith("if it has moved, add its new place to the Data list")
    assert said[3].endswith("if it has moved, choose it as Teacher")
    assert said[4].endswith('is at step 4: Steps 2 would end it before that; set Steps (or "steps" in Extra options, '
                            'which wins) above 4 to extend it')
    assert not any("--" in text for text in said)


def test_the_trainer_s_resume_hints_name_the_train_tab_s_buttons(tmp_path):
    """A full disk's failure said "(continue with --resume once this is fixed)" in the Train tab, where the user
    presses Resume; a pruning's is worded apart (tests/test_train_user_runs.py). The command line's hint names the
    whole command now, as a pruning's does: a template the tab reads as its button."""
    def full_disk(resume_hint: str) -> None:
        with checkpoint.saving("the checkpoint", run, resume_hint):
            raise OSError(errno.ENOSPC, "No space left on device")

    run = tmp_path / "run"
    run.mkdir()
    (run / "checkpoint.safetensors").write_bytes(b"")
    training = RESUME_HINT.format(command=resume_command("vsr", tmp_path / "my run"))  # what a training run says
    assert "`vsr-app train vsr --out '" in training  # the whole command, quoted (tests/test_train_vsr.py)
    assert worded(full_disk, training).endswith("; the last complete checkpoint is intact (press Resume once this is "
                                                "fixed)")
    assert worded(check_new_run, run).endswith("already holds a run; press Resume to continue it, or choose another "
                                               "model name")
    assert worded(check_resumable, tmp_path / "none").endswith("; press Start to begin a new run")


def test_a_prunings_resume_hint_is_one_template_the_train_tab_reads_as_its_button():
    """The pruner's hint and the Train tab's pattern for it were spelled apart (`vfi_task`, `fmt`): one change of the
    command's words would have left the tab showing a command line where it has a button."""
    from vsr_app.errors import PRUNE_RESUME_HINT
    from vsr_app.shell import command_line

    said = f"stopped at step 3 of 8: checkpoint written; {PRUNE_RESUME_HINT.format(run=command_line(['/r/my run']))}"
    assert fmt.for_train_tab(said) == "stopped at step 3 of 8: checkpoint written; press Continue pruning"


def test_files_of_the_same_name_are_told_apart_by_their_folder(monkeypatch, tmp_path):
    """Two clip.mp4 from different shoots looked alike in Open recent and on the Welcome page."""
    monkeypatch.setenv("HOME", str(tmp_path))
    paths = [str(tmp_path / "shoot1" / "clip.mp4"), "/media/card/clip.mp4", str(tmp_path / "other.mkv")]
    assert fmt.file_labels(paths) == ["clip.mp4 \u2014 ~/shoot1", "clip.mp4 \u2014 /media/card", "other.mkv"]


def test_a_codec_the_command_line_names_is_named_as_the_codec_list_shows_it():
    """The Export dialog said "use a smaller input, or --codec ffv1 with a .mkv output": a flag the GUI has not."""
    from vsr_app.errors import VsrAppError
    from vsr_app.gui.fmt import for_gui
    from vsr_app.video.limits import check_job_fits

    with pytest.raises(VsrAppError) as refused:
        check_job_fits(8000, 4000, 32000, 16000, "libx264", available=2**50)
    assert for_gui(str(refused.value), "Replace").endswith(
        'use a smaller input, or Codec "FFV1 (lossless)" with a .mkv output')
    with pytest.raises(VsrAppError) as refused:
        check_job_fits(8, 8, 32, 32, "libx265", available=2**50)
    assert str(refused.value).endswith("use --codec libx264 (H.264)")
    assert for_gui(str(refused.value), "Replace") == (
        'the output frames would be 32x32, but H.265 / HEVC needs at least 64 pixels a side; use Codec "H.264"')


def test_an_encoder_ffmpeg_names_is_named_as_the_codec_list_shows_it_but_not_in_a_path():
    """"but libx265 needs at least 64 pixels a side": a name the Codec list does not show."""
    from vsr_app.gui.fmt import for_gui

    assert for_gui("but prores_ks cannot encode more than 32768 pixels a side", "Replace") == (
        "but ProRes 422 cannot encode more than 32768 pixels a side")
    assert for_gui("codec libx264 cannot go in a .webm file", "Replace") == "codec H.264 cannot go in a .webm file"
    for untouched in ("cannot create '/Volumes/Mum's drive/prores/a.mov': Permission denied",
                      'writing "/tmp/libx264/out.mp4" failed', "a complete output already exists as prores.mov"):
        assert for_gui(untouched, "Replace") == untouched  # a path or a file name holds such words too


@pytest.mark.parametrize("source", ["shoot 1/a, b.mp4", "shoot 1/a\nb.mp4"])
def test_an_earlier_output_s_reason_leads_with_what_to_do_and_names_the_app_s_export(source):
    """The Batch tab said "... with `vsr-app upscale` or the app's Export", a command in backticks, and its cell, cut
    in the middle, hid "not upscaled a second time (move it out of the input folder", the part that says what to do.
    The tab's sentence was then the command line's reworded by a pattern, which a name with a line break (a legal
    name on Linux) slipped past, as would any change to the command line's wording: both come from the same facts."""
    from vsr_app.batch_resume import EarlierOutput
    from vsr_app.gui.fmt import left_as_it_is

    earlier = EarlierOutput("interpolate", Path(source))
    assert left_as_it_is(earlier) == (
        "not interpolated a second time (move it out of the input folder, or interpolate it on its own with Export in "
        f"the Compare tab): this app's interpolated output of {source}, which this batch interpolates too")
    assert earlier.reason() == (
        f"this app's interpolated output of {source}, which this batch interpolates too: not interpolated a second "
        "time (move it out of the input folder, or interpolate it on its own with `vsr-app interpolate` or the app's "
        "Export)")
