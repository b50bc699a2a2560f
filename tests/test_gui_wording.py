"""How the GUI words what the command line says: its boxes, lists and buttons named where the command line names its
options."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from vsr_app.batch import STOPPED_REASON
from vsr_app.distill import checkpoint
from vsr_app.distill.sources import check_held_out, load_sources
from vsr_app.distill.runs import check_new_run, check_resumable, resume_command, resumed_data
from vsr_app.distill.runs import resumed_teacher, resumed_val
from vsr_app.errors import RESUME_HINT, VsrAppError
from vsr_app.gui import wording
from vsr_app.sequences import contents_sources, folder_contents
from vsr_app.video.pipeline import DEINTERLACE_OFF


def test_notes_and_reasons_name_the_gui_s_box_and_button_not_the_command_line_s_switches():
    """An export or a batch row said "(--deinterlace off)", and a stopped file "(Cancel, Ctrl-C or a stop signal)"."""
    note = "; ".join([f"6 frames flagged interlaced were not deinterlaced ({DEINTERLACE_OFF})", STOPPED_REASON])
    assert wording.for_gui(note, "Replace", deinterlace_label="Deinterlace interlaced frames") == (
        '6 frames flagged interlaced were not deinterlaced ("Deinterlace interlaced frames" unticked); '
        "stopped by Cancel before it ended; no output was written")


def worded(call, *args) -> str:
    """The error `call(*args)` raises, as the Train tab shows it."""
    with pytest.raises(VsrAppError) as raised:
        call(*args)
    return wording.for_train_tab(str(raised.value))


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


@pytest.mark.parametrize("program", [["vsr-app"], ["/home/me/vsr app/.venv/bin/vsr-app"]])
def test_a_prunings_resume_hint_is_one_template_the_train_tab_reads_as_its_button(monkeypatch, program):
    """The pruner's hint and the Train tab's pattern for it were spelled apart (`vfi_task`, `fmt`): one change of the
    command's words would have left the tab showing a command line where it has a button. The hint names the whole
    command as a training run's does (a checkout's .venv/bin/vsr-app, which no PATH holds), and is still the tab's
    Continue pruning, not its Resume."""
    from vsr_app import shell

    monkeypatch.setattr(shell, "_app_program", lambda: program)
    hint = RESUME_HINT.format(command=resume_command("prune", Path("/r/my run")))  # what the pruner says
    said = f"stopped at step 3 of 8: checkpoint written; {hint}"
    assert wording.for_train_tab(said) == "stopped at step 3 of 8: checkpoint written; press Continue pruning"


def test_a_codec_the_command_line_names_is_named_as_the_codec_list_shows_it():
    """The Export dialog said "use a smaller input, or --codec ffv1 with a .mkv output": a flag the GUI has not."""
    from vsr_app.errors import VsrAppError
    from vsr_app.video.limits import check_job_fits

    with pytest.raises(VsrAppError) as refused:
        check_job_fits(8000, 4000, 32000, 16000, "libx264", available=2**50)
    assert wording.for_gui(str(refused.value), "Replace").endswith(
        'use a smaller input, or Codec "FFV1 (lossless)" with a .mkv output')
    with pytest.raises(VsrAppError) as refused:
        check_job_fits(8, 8, 32, 32, "libx265", available=2**50)
    assert str(refused.value).endswith("use --codec libx264 (H.264)")
    assert wording.for_gui(str(refused.value), "Replace") == (
        'the output frames would be 32x32, but H.265 / HEVC needs at least 64 pixels a side; use Codec "H.264"')


def test_an_encoder_ffmpeg_names_is_named_as_the_codec_list_shows_it_but_not_in_a_path():
    """"but libx265 needs at least 64 pixels a side": a name the Codec list does not show."""
    assert wording.for_gui("but prores_ks cannot encode more than 32768 pixels a side", "Replace") == (
        "but ProRes 422 cannot encode more than 32768 pixels a side")
    assert wording.for_gui("codec libx264 cannot go in a .webm file", "Replace") == (
        "codec H.264 cannot go in a .webm file")
    for untouched in ("cannot create '/Volumes/Mum's drive/prores/a.mov': Permission denied",
                      'writing "/tmp/libx264/out.mp4" failed', "a complete output already exists as prores.mov"):
        assert wording.for_gui(untouched, "Replace") == untouched  # a path or a file name holds such words too


@pytest.mark.parametrize("source", ["shoot 1/a, b.mp4", "shoot 1/a\nb.mp4"])
def test_an_earlier_output_s_reason_leads_with_what_to_do_and_names_the_app_s_export(source):
    """The Batch tab said "... with `vsr-app upscale` or the app's Export", a command in backticks, and its cell, cut
    in the middle, hid "not upscaled a second time (move it out of the input folder", the part that says what to do.
    The tab's sentence was then the command line's reworded by a pattern, which a name with a line break (a legal
    name on Linux) slipped past, as would any change to the command line's wording: both come from the same facts."""
    from vsr_app.batch_resume import EarlierOutput

    earlier = EarlierOutput("interpolate", Path(source))
    assert wording.left_as_it_is(earlier) == (
        "not interpolated a second time (move it out of the input folder, or interpolate it on its own with Export in "
        f"the Compare tab): this app's interpolated output of {source}, which this batch interpolates too")
    assert earlier.reason() == (
        f"this app's interpolated output of {source}, which this batch interpolates too: not interpolated a second "
        "time (move it out of the input folder, or interpolate it on its own with `vsr-app interpolate` or the app's "
        "Export)")


def test_a_folder_of_frames_refused_for_its_kinds_is_told_what_to_open_not_to_point_data(tmp_path):
    """The Compare tab refused a folder of frames beside a folder of frames in eval's words: "point --data at one of
    them"."""
    (tmp_path / "inner").mkdir()
    for frame in ("000.png", "inner/000.png"):
        (tmp_path / frame).write_bytes(b"")
    with pytest.raises(VsrAppError) as refused:
        contents_sources(folder_contents(tmp_path))
    assert wording.for_compare_tab(str(refused.value)) == (
        f"{tmp_path} holds both loose images (000.png) and folders of frames (inner): the Compare tab opens one kind "
        "at a time; open one of its videos or folders of frames on its own, or move the others out")


def test_the_options_listing_is_named_as_the_command_line_s_for_extra_options():
    """The trainer's "`vsr-app train vsr --list-options` lists every option" read in the Train tab as if it had such a
    command; it lists no options."""
    from vsr_app.distill.vfi_task import split_options
    from vsr_app.distill.vsr_task import check_options

    said = worded(check_options, {"scale": 2})
    assert said.endswith('{"net_config": {"scale": ...}}; `vsr-app train vsr --list-options` on the command line '
                         "lists every option Extra options take")
    assert worded(split_options, {"kernals": 3}).endswith(
        "`vsr-app train vfi --list-options` or `vsr-app prune vfi --list-options` on the command line lists every "
        "option Extra options take")
