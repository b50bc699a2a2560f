"""Is an existing output the finished result of its input (what lets a rerun of a batch skip it)?"""

from videogen import make_video
from vsr_app.video.pipeline import process_video
from vsr_app.video.verify import output_mismatch, packet_span


def test_output_of_a_raw_stream_without_timestamps_counts_as_finished(media_dir, tmp_path):
    """A raw .h264 stream has no packet timestamps: its span is unknown, not 0 s, so a finished output of it
    must not be taken for an unfinished one (a rerun would redo it forever)."""
    src = make_video(media_dir / "raw.h264", frames=8)
    assert packet_span(src).start is None
    out = tmp_path / "raw.mp4"
    process_video(src, out, upscale="bicubic", device="cpu")
    assert output_mismatch(src, out, scale=4) is None


def test_a_cut_short_output_of_a_raw_stream_is_still_unfinished(media_dir, tmp_path):
    src = make_video(media_dir / "raw8.h264", frames=8)
    short = make_video(media_dir / "raw4.h264", frames=4)
    out = tmp_path / "raw.mp4"
    process_video(short, out, upscale="bicubic", device="cpu")
    assert "4 frames, expected 8" in output_mismatch(src, out, scale=4)
