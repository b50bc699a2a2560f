"""A job stopped right after its output was opened (Ctrl-C at the first progress report, which came before the
encoding's own cleanup began) left the folders made for its output and the source it carries audio from open."""

from __future__ import annotations

import pytest

from vsr_app.video import writer
from vsr_app.video.pipeline import process_video


def test_a_stop_at_the_first_progress_report_removes_what_the_output_made(small_video, tmp_path, monkeypatch):
    opened = []

    class Recorded(writer.CarriedStreams):
        """The source's audio carried into the output, remembered with whether it was closed."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.closed = False
            opened.append(self)

        def close(self) -> None:
            self.closed = True
            super().close()

    monkeypatch.setattr(writer, "CarriedStreams", Recorded)

    def stopped(info):
        raise KeyboardInterrupt  # a Ctrl-C or SIGTERM, as the CLI raises them

    with pytest.raises(KeyboardInterrupt):
        process_video(small_video, tmp_path / "new" / "place" / "out.mp4", upscale="bicubic", device="cpu",
                      progress=stopped)
    assert list(tmp_path.iterdir()) == []  # no folder made for it, no temporary file
    assert len(opened) == 1 and opened[0].closed  # the source's audio (small_video has some) was carried, and closed
