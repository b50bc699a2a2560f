"""`files.file_stamp` tells another file at a path, or a changed one: on FAT's 2-second clock a checkpoint saved by
rename with the same size in one tick read as unchanged (the Train tab said nothing was trained)."""

from __future__ import annotations

import os

from vsr_app.files import file_stamp


def test_another_file_of_the_same_size_and_time_renamed_into_place_is_another_stamp(tmp_path):
    path, new = tmp_path / "checkpoint.json", tmp_path / "checkpoint.json.tmp"
    path.write_text('{"step": 100}')
    new.write_text('{"step": 200}')  # made while the old one exists: another inode
    before = os.stat(path)
    os.utime(new, ns=(before.st_atime_ns, before.st_mtime_ns))  # one tick of a coarse clock
    was = file_stamp(path)
    os.replace(new, path)
    after = os.stat(path)
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert after.st_ino != before.st_ino
    assert file_stamp(path) != was


def test_an_untouched_file_keeps_its_stamp_and_a_missing_one_has_none(tmp_path):
    path = tmp_path / "model.pt"
    path.write_bytes(b"weights")
    assert file_stamp(path) == file_stamp(path) and file_stamp(path).size == 7
    assert file_stamp(tmp_path / "gone.pt") is None
