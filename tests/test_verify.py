"""Is an existing output the finished result of its input (what lets a rerun of a batch skip it)?"""

from videogen import make_video
from vsr_app.video.packet_times import packet_span
from vsr_app.video.pipeline import process_video
from vsr_app.video.verify import output_mismatch


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


def test_the_output_of_an_mp4_whose_last_packets_are_damaged_counts_as_finished(tmp_path):
    """Its header says where the video ends, and the pipeline holds the last frame that decodes until then; the
    decoded span timed that frame by the interval before it, so a rerun of the batch kept the finished output as
    'exists' ('the existing output lasts 2.90 s, the input 2.60 s') instead of skipping it."""
    from badfiles import _packet_spans, _scramble, gradient_frames

    src = make_video(tmp_path / "tail.mp4", images=gradient_frames(30))
    _scramble(src, _packet_spans(src, "video")[-4:], seed=3)
    summary = process_video(src, tmp_path / "out.mp4", upscale="bicubic", device="cpu")
    assert summary.frames_in < 30  # the damaged packets did not decode
    assert output_mismatch(src, summary.output, scale=4) is None
