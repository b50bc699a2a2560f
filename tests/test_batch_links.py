"""A batch's links in its input tree: a file reached by two names is processed once, and a link in an output folder
inside the input folder leads to no video counted as the output folder's."""

from __future__ import annotations

from videogen import make_video
from vsr_app.batch import run_batch
from vsr_app.batch_plan import list_queue, plan_batch
from vsr_app.gui.wording import left_as_it_is


def test_a_file_reached_by_a_link_is_processed_once_and_the_link_said_to_be_it(tmp_path):
    """loopy/link_to_v.mp4 -> v.mp4 was processed twice, into two identical outputs (linked folders are visited
    once). The name reached through no link is the one processed, whichever comes first."""
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    make_video(src / "v.mp4", frames=2)
    (src / "link_to_v.mp4").symlink_to("v.mp4")
    report = run_batch(src, out, model="bicubic")
    assert [(f.input, f.status, f.output, f.reason) for f in report.files] == [
        ("link_to_v.mp4", "ignored", None, "the same file as v.mp4 by another name (a link): not upscaled a second "
                                           "time"),
        ("v.mp4", "ok", str(out / "v.mp4"), None)]
    assert sorted(p.name for p in out.iterdir()) == ["v.mp4"]
    assert report.summary().startswith("1 ok, 0 skipped, 0 failed, 1 duplicate left as it is in ")
    assert report.exit_code == 0
    queue = list_queue(src, out, "mp4", False, "libx264", "upscale", find_foreign=False)  # the Batch tab's, alike
    assert left_as_it_is(queue.earlier[src / "link_to_v.mp4"]) == (
        "not upscaled a second time: the same file as v.mp4 by another name (a link)")


def test_a_link_out_of_an_output_folder_in_the_input_folder_counts_no_video_as_its_own(tmp_path):
    """An output folder inside the input folder, with sub-folders included, was refused as holding "8 videos with no
    record of being made by vsr-app (... sub1/loop/-dash.mp4 ...)": the user's own inputs, reached through a link
    in it back up the tree."""
    src = tmp_path / "in"
    (src / "done" / "sub1").mkdir(parents=True)
    make_video(src / "a.mp4", frames=2)
    (src / "done" / "sub1" / "loop").symlink_to("../..")  # back to the input folder
    inputs, outputs, _ = plan_batch(src, src / "done", "mp4", True, "libx264")
    assert inputs == [src / "a.mp4"] and outputs == [src / "done" / "a.mp4"]
