"""benchmarks/joined_ts_seek.py measures what it says: run tiny, with the large-file path forced in its timed processes
(EAGER_BYTES 0), it gives every row for the joined file and the one without a join, its seeks land on the frame a
reader that read the joins through gives, the joins are found sampled and read through, and its files are removed."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

import pytest


def test_a_tiny_run_gives_every_row_and_its_seeks_land_on_frames(tmp_path, capsys):
    """(EAGER_BYTES is set in the timed processes only: set in this one, it sent later tests' files down the large-file
    path, and a joined recording's frames were counted as one part's.)"""
    from vsr_app.video import joins

    eager = joins.EAGER_BYTES
    bench = runpy.run_path(str(Path(__file__).resolve().parent.parent / "benchmarks/joined_ts_seek.py"))
    assert bench["main"](["--size-mb", "8", "--repeat", "1", "--eager-bytes", "0", "--folder", str(tmp_path),
                          "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert joins.EAGER_BYTES == eager
    assert list(tmp_path.iterdir()) == []  # the built files are gone
    assert result["eager_bytes"] == 0 and list(result["files"]) == ["joined", "no join"]
    step = 1 / bench["FPS"]
    for name, rows in result["files"].items():
        assert rows["mb"] > 6 and rows["seconds"] >= 8 and rows["open_s"] > 0
        wheres = [seek["where"] for seek in rows["seeks"]]
        assert wheres == ["start", "middle", "past the join" if name == "joined" else "past the middle", "end"]
        for seek in rows["seeks"]:
            assert seek["landed"] == pytest.approx(seek["at"] + step, abs=1.01 * step)  # the frame after, or the next
            assert seek["as_read_through"] and seek["s"] > 0 and seek["read_through_s"] > 0
        found = 1 if name == "joined" else 0
        sampled, full = rows["joins"]["sampled"], rows["joins"]["full"]
        assert (sampled["joins"], sampled["exact"]) == (found, False)  # the large-file path's sampling
        assert (full["joins"], full["exact"]) == (found, True) and sampled["s"] > 0 and full["s"] > 0
