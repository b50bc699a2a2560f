"""An input that is not there, or not what the command takes, is refused before torch is imported: `batch nothere`
took about 9 s on a laptop to say that the folder does not exist. The messages are those the commands said before."""

from __future__ import annotations

import errno
import os
import subprocess
import sys

import pytest

from vsr_app.video.opening import check_video_path

# runs the command line, then says whether torch was imported
RUN_AND_TELL = ("import sys\nfrom vsr_app.cli import main\ncode = main(sys.argv[1:])\n"
                "print('torch imported:', 'torch' in sys.modules, file=sys.stderr)\nsys.exit(code)")


def run_in_a_new_python(tmp_path, *argv: str) -> tuple[int, list[str]]:
    done = subprocess.run([sys.executable, "-c", RUN_AND_TELL, *argv], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    return done.returncode, done.stderr.strip().splitlines()


@pytest.mark.parametrize("case", ["missing folder", "file for a folder", "missing video", "folder for a video"])
def test_an_input_that_cannot_be_used_is_refused_before_torch_loads(tmp_path, case):
    (tmp_path / "clip.mp4").write_bytes(b"not read")
    (tmp_path / "videos").mkdir()
    argv, said = {
        "missing folder": (["batch", "nothere", "-o", "out"], f"'{tmp_path / 'nothere'}' does not exist"),
        "file for a folder": (["batch", "clip.mp4", "-o", "out"],
                              f"'{tmp_path / 'clip.mp4'}' is not a folder: batch takes a folder of videos (one video: "),
        "missing video": (["upscale", "missing.mp4", "-o", "up.mp4"], "'missing.mp4' does not exist"),
        "folder for a video": (["upscale", "videos", "-o", "up.mp4"], "'videos' is a folder, not a video file"),
    }[case]
    rc, lines = run_in_a_new_python(tmp_path, *argv)
    assert rc == 1 and lines[-2].startswith(f"vsr-app: error: {said}")
    assert lines[-1] == "torch imported: False"
    assert not (tmp_path / "out").exists()


def test_a_video_this_user_may_not_read_says_what_to_do(tmp_path, monkeypatch):
    """Root reads any file, so the refusal an ordinary user gets is simulated."""
    video = tmp_path / "no permission.mp4"
    video.write_bytes(b"some bytes")
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: mode != os.R_OK and real_access(path, mode, **kw))
    with pytest.raises(Exception) as refused:
        check_video_path(video)
    if os.name == "nt":
        assert str(refused.value).endswith("; check the Security tab of its Properties, or ask its owner")
    else:
        assert str(refused.value) == (f"cannot read '{video}': {os.strerror(errno.EACCES)}; make it readable "
                                      f"(`chmod u+r '{video}'`) or ask its owner")


@pytest.mark.parametrize("command, named", [(["eval", "--model", "bicubic", "--data", "x"], "{vsr,vfi}"),
                                            (["train", "--out", "x"], "{vsr,vfi}"), (["prune", "--out", "x"], "{vfi}")])
def test_a_missing_task_word_is_named_as_the_usage_shows_it(command, named, capsys):
    """`eval --model ... --data ...` said "required: task", a word its usage ({vsr,vfi}) never shows."""
    from vsr_app.cli import main

    with pytest.raises(SystemExit) as stop:
        main(command)
    assert stop.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1].endswith(f"error: the following arguments are required: {named}")
