"""The Compare tab's Audio fact tells a broadcast's tracks apart by their language and title (it listed "mp2 ..., aac
..."; subtitles: just "subrip")."""

from __future__ import annotations

from fractions import Fraction

import av

from test_audio_carry import RATE, add_video, encoded, mux_frames
from vsr_app.gui.inspector import video_facts
from vsr_app.video.reader import probe


def test_the_audio_fact_names_each_tracks_language_and_title(tmp_path):
    source = tmp_path / "broadcast.mkv"
    with av.open(str(source), "w") as container:
        video = add_video(container)
        tracks = []
        for codec, tags in (("mp2", {"language": "deu", "title": "Audiodeskription"}), ("aac", {"language": "eng"}),
                            ("aac", {"language": "und"})):
            audio = container.add_stream(codec, rate=RATE)
            audio.layout = "mono"
            audio.metadata.update(tags)
            tracks.append((audio, codec))
        subtitles = container.add_mux_stream("subrip")
        subtitles.time_base = Fraction(1, 1000)
        subtitles.metadata["language"] = "fra"
        mux_frames(container, video, [i / 10 for i in range(5)])
        cue = av.Packet(b"cue")
        cue.stream, cue.pts, cue.dts, cue.duration, cue.time_base = subtitles, 0, 0, 200, Fraction(1, 1000)
        container.mux(cue)
        for audio, codec in tracks:
            for packet in encoded(codec, "mono", 0.0, 0.5):
                packet.stream = audio
                container.mux(packet)
    assert video_facts(probe(source))["Audio"] == (
        "mp2 48000 Hz mono (deu, Audiodeskription), aac 48000 Hz mono (eng), aac 48000 Hz mono; "
        "subtitles: subrip (fra)")
