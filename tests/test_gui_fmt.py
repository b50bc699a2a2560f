"""How the GUI writes numbers: timestamps, ETAs, parameter counts, scores, model cards."""

from __future__ import annotations

from dataclasses import replace

from vsr_app.gui import fmt
from vsr_app.progress import ProgressInfo


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
    assert fmt.progress_line(info.stage, info) == ("vsr-x4-student: frame\u00a014\u00a0/\u00a0360 (10 still in the "
                                                   "encoder)   \u00b7   4.8\u00a0fps   \u00b7   "
                                                   "1\u00a0min\u00a012\u00a0s\u00a0left")
    batch = replace(info, stage="[1/5] flash.mp4", total=1800, eta=None)
    assert fmt.progress_line(batch.stage, batch, " of the batch") == (
        "[1/5] flash.mp4: frame\u00a014\u00a0/\u00a01800 of the batch (10 still in the encoder)   \u00b7   "
        "4.8\u00a0fps")


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


def test_files_of_the_same_name_are_told_apart_by_their_folder(monkeypatch, tmp_path):
    """Two clip.mp4 from different shoots looked alike in Open recent and on the Welcome page."""
    monkeypatch.setenv("HOME", str(tmp_path))
    paths = [str(tmp_path / "shoot1" / "clip.mp4"), "/media/card/clip.mp4", str(tmp_path / "other.mkv")]
    assert fmt.file_labels(paths) == ["clip.mp4 \u2014 ~/shoot1", "clip.mp4 \u2014 /media/card", "other.mkv"]
