"""Counts in messages take one plural rule: the hand-written ones that added the "s" only above 1 said "0 file"."""

from __future__ import annotations

import pytest

from vsr_app.batch_report import with_no_video
from vsr_app.words import counted


@pytest.mark.parametrize(("n", "said"), [(0, "0 frames"), (1, "1 frame"), (2, "2 frames")])
def test_a_count_is_singular_at_one_only(n, said):
    assert counted(n, "frame") == said


@pytest.mark.parametrize(("n", "said"), [(0, "0 flashes"), (1, "1 flash"), (3, "3 flashes")])
def test_an_irregular_plural_is_given(n, said):
    assert counted(n, "flash", "flashes") == said


def test_no_files_with_no_video_read_as_a_plural():
    """A message that said "0 file with no video"."""
    assert with_no_video(0) == "0 files with no video"
    assert with_no_video(1) == "1 file with no video"
