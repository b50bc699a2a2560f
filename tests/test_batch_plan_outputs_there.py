"""The Batch tab's listing judges the files at the outputs' names as the batch then does: an output folder holding
finished outputs, a foreign video and a text file at output names was listed with every row "queued", and the user
learned only after Process all that most were skipped and two files kept."""

from __future__ import annotations

import shutil
from functools import partial

from videogen import make_video
from vsr_app.batch import run_batch
from vsr_app.batch_plan import list_queue
from vsr_app.batch_report import EXISTS, OK, SKIPPED
from vsr_app.batch_resume import NOT_A_VIDEO, listed_settings

BICUBIC = partial(listed_settings, "upscale", "bicubic", "libx264", None, False, True)


def listed(in_dir, out_dir, settings):
    return list_queue(in_dir, out_dir, "mp4", False, "libx264", "upscale", False, settings=settings)


def test_the_listing_says_which_outputs_the_batch_skips_and_which_files_it_keeps(small_video, tmp_path):
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    in_dir.mkdir()
    for i in range(5):
        shutil.copy(small_video, in_dir / f"clip{i}.mp4")
    run_batch(in_dir, out_dir, model="bicubic", report_path=None)
    (out_dir / "clip1.mp4").unlink()  # to do
    make_video(out_dir / "clip2.mp4", frames=2)  # another program's video
    (out_dir / "clip3.mp4").write_text("notes")  # not a video
    queue = listed(in_dir, out_dir, BICUBIC)
    there = {src.name: kept for src, kept in queue.there.items()}
    assert there["clip0.mp4"] is None and there["clip4.mp4"] is None and "clip1.mp4" not in there
    assert there["clip2.mp4"].startswith("an existing video with no record") and there["clip3.mp4"] == NOT_A_VIDEO
    report = run_batch(in_dir, out_dir, model="bicubic", report_path=None, listed=queue)  # what the batch then does
    statuses = {f.input: f.status for f in report.files}
    assert statuses == {"clip0.mp4": SKIPPED, "clip1.mp4": OK, "clip2.mp4": EXISTS, "clip3.mp4": EXISTS,
                        "clip4.mp4": SKIPPED}
    # other settings: kept too, saying which
    crf_30 = listed(in_dir, out_dir, partial(listed_settings, "upscale", "bicubic", "libx264", 30, False, True))
    assert crf_30.there[in_dir / "clip0.mp4"].startswith("an existing output made with other settings: crf ")


def test_the_model_is_loaded_only_where_a_file_is_at_an_output_s_name(small_video, tmp_path):
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    in_dir.mkdir()
    shutil.copy(small_video, in_dir / "clip.mp4")
    asked = []
    assert listed(in_dir, out_dir, lambda: asked.append(1) or {}).there == {} and asked == []
    out_dir.mkdir()
    (out_dir / "clip.mp4").write_text("x")
    # a model that cannot be loaded for the task judges nothing: the batch refuses it as it starts
    unloadable = partial(listed_settings, "interpolate", "bicubic", "libx264")
    assert listed(in_dir, out_dir, unloadable).there == {}
