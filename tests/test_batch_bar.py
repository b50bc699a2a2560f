"""The command line's batch bar: its figures said to be the whole batch's."""

from __future__ import annotations

from vsr_app.cli_output import BatchBar
from vsr_app.progress import ProgressInfo


def test_the_batch_bar_says_its_figures_are_the_batch_s_not_the_file_s():
    """"batch [9/11] sub1/clip.mp4: 61.4% 35/57 frames ... ETA 0:43" read as the file's progress; the percentage,
    the frames and the time left are the whole batch's."""
    info = ProgressInfo(35, 57, 1.2, 10.0, 43.0, "[9/11] sub1/clip: take 2.mp4")  # a ": " in a name is no figure
    for columns in (None, 120, 60):
        line = BatchBar().line(info, columns)
        assert line.startswith("[9/11] sub1/clip: take 2.mp4: batch ") and line.endswith(" ETA 0:43"), line
        assert " 61.4% 35/57" in line and (columns is None or len(line) <= columns)
    ended = BatchBar().line(ProgressInfo(0, 0, 0.0, 1.0, 0.0, "nothing to do: all 3 outputs already exist",
                                         ended=True))
    assert ended.startswith("batch [") and ended.endswith("] 100.0% nothing to do: all 3 outputs already exist")
