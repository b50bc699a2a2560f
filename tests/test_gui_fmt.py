"""How the GUI writes numbers: timestamps, ETAs, parameter counts, scores, model cards."""

from __future__ import annotations

from vsr_app.gui import fmt


def test_times_and_counts():
    assert fmt.clock(62.48) == "01:02.48" and fmt.clock(3723) == "1:02:03.00"
    assert fmt.duration(42) == "42 s" and fmt.duration(185) == "3 min 05 s" and fmt.duration(4320) == "1 h 12 min"
    assert fmt.eta(25, 100, 10.0) == 30.0 and fmt.eta(0, 100, 5.0) is None and fmt.eta(5, None, 1.0) is None
    assert fmt.eta_suffix(185) == "   \u00b7   3 min 05 s left" and fmt.eta_suffix(None) == ""
    assert fmt.params(117_064) == "117 K" and fmt.params(1_600_000) == "1.6 M" and fmt.params(12) == "12"
    assert fmt.psnr(100.0) == "100.00" and fmt.psnr(None) == "\u2014" and fmt.ssim(0.91234) == "0.9123"


def test_card_html_shows_sections_and_escapes():
    html = fmt.card_html("my<model>", "upscale", 4, 117_064, {
        "description": "a & b", "training": {"steps": 10000, "data": ["a", "b"], "distill": "std"},
        "metrics": {"val_psnr": 27.123456}, "created": "2025-01-01"})
    assert "my&lt;model&gt;" in html and "a &amp; b" in html
    assert "upscale \u00d74 \u00b7 117 K parameters" in html
    assert "10,000" in html and "a, b" in html and "27.12" in html and "created 2025-01-01" in html
