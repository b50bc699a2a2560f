"""benchmarks/colour_path.py measures what it says: its clips are read as SDR, wide-gamut SDR, HLG and PQ, and a tiny
run gives every row of its tables, the whole clip read and the whole folder opened."""

from __future__ import annotations

import json
import runpy
from pathlib import Path
from types import SimpleNamespace

from av.video.reformatter import ColorPrimaries

from vsr_app.video.reader import VideoReader
from vsr_app.video.tonemap import HLG, PQ


def _bench() -> SimpleNamespace:
    """The script's functions (benchmarks/ is not a package)."""
    return SimpleNamespace(**runpy.run_path(str(Path(__file__).resolve().parent.parent / "benchmarks/colour_path.py")))


def test_the_clips_are_read_as_the_colour_each_is_named_for(tmp_path):
    infos = {name: VideoReader(path).info for name, path in _bench().write_clips(tmp_path, 64, 48, 2).items()}
    read_as = {name: (info.hdr.transfer if info.hdr else None, info.wide_gamut) for name, info in infos.items()}
    assert read_as == {"SDR BT.709": (None, None), "wide-gamut SDR (BT.2020)": (None, int(ColorPrimaries.BT2020)),
                       "HLG": (HLG, None), "PQ": (PQ, None)}
    assert infos["PQ"].hdr.peak == 1000  # its declared MaxCLL


def test_a_tiny_run_gives_every_row(capsys):
    bench = _bench()
    assert bench.main(["--sizes", "48x64,64x96", "--repeat", "2", "--frames", "3", "--passes", "2", "--files", "4",
                       "--folder-size", "32x48", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert [block["size"] for block in result["sizes"]] == ["64x48", "96x64"]  # HxW given as `vsr-app bench`; WxH shown
    assert result["folder_size"] == "48x32"
    for block in result["sizes"]:
        steps = [row["step"] for row in block["per_frame"]]
        assert steps[:4] == [f"{name}: frame to RGB" for name in bench.TAGS]
        assert len(steps) == 9 and all(row["cpu_ms"] > 0 and row["wall_min_ms"] <= row["wall_ms"]
                                       for row in block["per_frame"])
        assert [(row["clip"], row["frames"]) for row in block["reading"]] == [(name, 3) for name in bench.TAGS]
    assert [(row["format"], row["files"]) for row in result["folders"]] == [("JPG", 4), ("PNG", 4)]
    bench.print_tables(result)
    tables = capsys.readouterr().out
    assert tables.count("| PQ: frame to RGB |") == 2 and "| PNG | 4 |" in tables
