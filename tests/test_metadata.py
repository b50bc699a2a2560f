"""What of the source besides its pictures reaches the output: container tags, the user's comment beside the app's
record, carried streams' titles, languages and dispositions; and a note for what cannot come along (a second
video, alpha, HDR colours, subtitles the output cannot hold, with a container that can)."""

from __future__ import annotations

import json
import re
from fractions import Fraction

import av
import numpy as np
import pytest

from videogen import make_video, pattern_frame, video_and_picture
from vsr_app.video.encoding import MADE_BY_PREFIX, input_record, made_by, read_made_by
from vsr_app.video.pipeline import process_video
from vsr_app.video.probing import codec_name
from vsr_app.video.writer import VideoWriter

TAGS = {"title": "Holiday 2024", "artist": "Me", "comment": "my own note", "location": "+48.8584+002.2945/",
        "creation_time": "2024-07-01T10:00:00.000000Z"}
FORMATS = {".mp4": "mp4", ".mov": "mov", ".mkv": "matroska"}


def make_source(path, *, tags=None, audio=(), video=1, codec="libx264", pix_fmt="yuv420p", colour=None,
                options=None, alphas=(128,) * 4):
    """A 4-frame 32x24 clip with container `tags`, `video` video streams, and one short AAC stream per entry of
    `audio`: (metadata, disposition). `colour`: codec-context colour tags (color_primaries, color_trc, ...);
    `alphas`: each frame's alpha, for a `pix_fmt` with one."""
    with av.open(str(path), "w", format=FORMATS[path.suffix], options=options or {}) as out:
        out.metadata.update(tags or {})
        streams = []
        for _ in range(video):
            stream = out.add_stream(codec, rate=10)
            stream.width, stream.height, stream.pix_fmt = 32, 24, pix_fmt
            for key, value in (colour or {}).items():
                setattr(stream.codec_context, key, value)
            streams.append(stream)
        tracks = []
        for metadata, disposition in audio:
            track = out.add_stream("aac", rate=48_000)
            track.layout = "mono"
            track.metadata.update(metadata)
            track.disposition = disposition
            tracks.append(track)
        fmt = "rgba" if "a" in pix_fmt.removeprefix("yuv") else "rgb24"
        for i in range(4):
            image = pattern_frame(i, 32, 24)
            if fmt == "rgba":
                image = np.dstack([image, np.full((24, 32), alphas[i], np.uint8)])
            for stream in streams:
                frame = av.VideoFrame.from_ndarray(image, format=fmt)
                frame.pts, frame.time_base = i, Fraction(1, 10)
                out.mux(stream.encode(frame))
        for stream in streams:
            out.mux(stream.encode(None))
        for track in tracks:
            for k in range(4):
                frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
                frame.sample_rate, frame.pts = 48_000, k * 1024
                out.mux(track.encode(frame))
            out.mux(track.encode(None))
    return path


def write(source, out, **options):
    with VideoWriter(out, width=32, height=24, frame_rate=10, source=source, **options) as writer:
        for i in range(4):
            writer.write(pattern_frame(i, 32, 24), i / 10)
    return writer.result


def tags_of(path) -> dict[str, str]:
    with av.open(str(path)) as container:
        return {key.lower(): value for key, value in container.metadata.items()}


@pytest.mark.parametrize("src_suffix", [".mov", ".mp4", ".mkv"])
@pytest.mark.parametrize("out_suffix", [".mov", ".mp4", ".mkv"])
def test_the_sources_tags_and_the_users_comment_are_kept_beside_the_record(tmp_path, src_suffix, out_suffix):
    source = make_source(tmp_path / f"in{src_suffix}", tags=TAGS)
    out = tmp_path / f"out{out_suffix}"
    write(source, out, task="upscale", models=["m"])
    tags = tags_of(out)
    for key in ("title", "artist", "location", "creation_time"):
        assert tags.get(key) == TAGS[key], key
    assert tags["comment"].splitlines()[0] == "my own note"
    assert read_made_by(out) == {**made_by("upscale", ["m"], "libx264"), "input": input_record(source)}
    if out_suffix == ".mkv":  # the mov/mp4 demuxers' file-type fields are not tags to carry
        assert "major_brand" not in tags


def test_a_record_made_before_the_users_comment_was_kept_is_still_read(tmp_path):
    """Outputs of earlier versions hold the record alone in `comment`; a batch rerun must still skip them."""
    record = made_by("upscale", ["m"], "libx264")
    old = make_source(tmp_path / "old.mp4", tags={"comment": MADE_BY_PREFIX + json.dumps(record, sort_keys=True)})
    assert read_made_by(old) == record
    again = tmp_path / "again.mkv"  # an output processed once more: its own record is the one read
    write(old, again, task="interpolate", models=["v"])
    assert read_made_by(again) == {**made_by("interpolate", ["v"], "libx264"), "input": input_record(old)}


@pytest.mark.parametrize("out_suffix", [".mov", ".mp4"])
def test_a_phones_location_key_reaches_mp4_and_mov(tmp_path, out_suffix):
    """iPhones keep the place in a QuickTime key the mov/mp4 muxers do not write; `location` is the one they do."""
    place = "+48.8584+002.2945+035.000/"
    source = make_source(tmp_path / "phone.mov", tags={"com.apple.quicktime.location.ISO6709": place},
                         options={"movflags": "use_metadata_tags"})
    out = tmp_path / f"out{out_suffix}"
    write(source, out)
    numbers = [float(n) for n in re.findall(r"[+-][\d.]+", tags_of(out)["location"])]
    assert numbers == [48.8584, 2.2945, 35.0]  # the mp4 muxer rewrites it in its own format


@pytest.mark.parametrize("out_suffix", [".mov", ".mp4"])
def test_a_phones_quicktime_keys_reach_mov_and_mp4_beside_the_record(tmp_path, out_suffix):
    """An iPhone's make, model, software and local creation date (QuickTime keys, which photo libraries sort by)
    were dropped from .mov and .mp4 outputs without a note: those muxers write them only as such keys."""
    phone = {"com.apple.quicktime.make": "Apple", "com.apple.quicktime.model": "iPhone 15 Pro",
             "com.apple.quicktime.software": "17.4", "com.apple.quicktime.creationdate": "2024-05-01T12:00:00+0200",
             "com.apple.quicktime.location.ISO6709": "+48.8577+002.2950+035.000/"}  # Apple reads it in this case
    source = make_source(tmp_path / "phone.mov", tags={**phone, "title": "Holiday"},
                         options={"movflags": "use_metadata_tags"})
    out = tmp_path / f"out{out_suffix}"
    write(source, out, task="upscale", models=["m"])
    with av.open(str(out)) as container:
        tags = dict(container.metadata)
    assert {key: tags.get(key) for key in phone} == phone
    # written as keys, the standard tags are read by QuickTime under its own names only
    assert tags["title"] == tags["com.apple.quicktime.title"] == "Holiday"
    assert tags["com.apple.quicktime.comment"] == tags["comment"]
    assert read_made_by(out)["models"] == ["m"]  # a batch rerun still recognises its own output


@pytest.mark.parametrize("out_suffix", [".mov", ".mp4"])
def test_an_android_phones_keys_reach_mov_and_mp4(tmp_path, out_suffix):
    """Android's MediaMuxer writes the maker, model, OS version and capture rate (a slow-motion clip's) as keys too,
    under com.android: only Apple's were looked for, and an Android phone's were dropped without a note."""
    phone = {"com.android.manufacturer": "Google", "com.android.model": "Pixel 8", "com.android.version": "14",
             "com.android.capture.fps": "240.000000"}
    source = make_source(tmp_path / "phone.mp4", tags=phone, options={"movflags": "use_metadata_tags"})
    out = tmp_path / f"out{out_suffix}"
    write(source, out, task="upscale", models=["m"])
    with av.open(str(out)) as container:
        tags = dict(container.metadata)
    assert {key: tags.get(key) for key in phone} == phone
    assert read_made_by(out)["models"] == ["m"]


@pytest.mark.parametrize("out_suffix, language", [(".mkv", "deu"), (".mp4", "deu"), (".mov", "ger")])
def test_the_video_tracks_language_is_kept(tmp_path, out_suffix, language):
    """The audio and subtitle tracks kept their language and title, the video track lost its own."""
    source = tmp_path / "in.mkv"
    with av.open(str(source), "w") as container:
        video = container.add_stream("libx264", rate=10)
        video.width, video.height, video.pix_fmt = 32, 24, "yuv420p"
        video.metadata.update({"language": "deu", "title": "Kamera"})
        for i in range(4):
            container.mux(video.encode(av.VideoFrame.from_ndarray(pattern_frame(i, 32, 24), format="rgb24")))
        container.mux(video.encode(None))
    out = tmp_path / f"out{out_suffix}"
    write(source, out)
    with av.open(str(out)) as container:
        tags = {key.lower(): value for key, value in container.streams.video[0].metadata.items()}
    assert tags["language"] == language and "encoder" not in tags
    if out_suffix == ".mkv":
        assert tags["title"] == "Kamera"


AUDIO = [({"language": "eng", "title": "Main"}, av.stream.Disposition.default),
         ({"language": "deu", "title": "Commentary"}, av.stream.Disposition.comment)]


@pytest.mark.parametrize("src_suffix, out_suffix", [(".mkv", ".mkv"), (".mp4", ".mp4"), (".mp4", ".mkv"),
                                                    (".mkv", ".mp4")])
def test_carried_audio_keeps_its_title_language_and_disposition(tmp_path, src_suffix, out_suffix):
    source = make_source(tmp_path / f"in{src_suffix}", audio=AUDIO)
    out = tmp_path / f"out{out_suffix}"
    write(source, out)
    with av.open(str(out)) as container:
        got = [(s.metadata.get("language"), s.metadata.get("title") or s.metadata.get("name"), s.disposition)
               for s in container.streams.audio]
    assert got == [("eng", "Main", av.stream.Disposition.default),
                   ("deu", "Commentary", av.stream.Disposition.comment)]


def test_a_mov_output_keeps_a_language_in_the_form_it_holds_and_names_the_flags_it_cannot(tmp_path):
    """QuickTime's language table holds one code of each ISO 639-2 pair (fra, ger): `fre`/`deu` tracks (Matroska
    rips) came out with no language, and a commentary flag was lost, both without a word."""
    source = make_source(tmp_path / "in.mkv", audio=[({"language": "fre"}, av.stream.Disposition.default),
                                                     ({"language": "deu"}, av.stream.Disposition.comment)])
    result = write(source, tmp_path / "out.mov")
    with av.open(str(tmp_path / "out.mov")) as container:
        assert [s.metadata.get("language") for s in container.streams.audio] == ["fra", "ger"]
    assert "audio #2 aac: its comment flag not kept (the mov container cannot hold it)" in result.notes


def test_every_track_flag_an_output_drops_is_named(tmp_path):
    """A .mov kept neither an audio-description nor a hearing-impaired flag, and only the commentary and forced
    ones were noted: the finished file is checked for each flag its tracks had."""
    D = av.stream.Disposition
    source = make_source(tmp_path / "in.mkv", audio=[({}, D.default), ({}, D.visual_impaired),
                                                     ({}, D.hearing_impaired | D.forced)])
    assert [n for n in write(source, tmp_path / "out.mov").notes if "flag" in n] == [
        "audio #2 aac: its visual_impaired flag not kept (the mov container cannot hold it)",
        "audio #3 aac: its forced and hearing_impaired flags not kept (the mov container cannot hold them)"]
    assert not [n for n in write(source, tmp_path / "out.mp4").notes if "flag" in n]  # mp4 holds them all


def test_a_flag_kept_under_the_name_the_output_gives_it_is_not_said_lost(tmp_path):
    """An .mp4's caption track is read as hearing_impaired + captions; Matroska keeps the first, by which such a
    track is known there: "its captions flag not kept" was false."""
    D = av.stream.Disposition
    source = make_source(tmp_path / "in.mp4", audio=[({}, D.default), ({}, D.hearing_impaired | D.captions),
                                                     ({}, D.visual_impaired | D.descriptions)])
    assert not [n for n in write(source, tmp_path / "out.mkv").notes if "flag" in n]


def added_defaults(notes: list[str]) -> list[str]:
    return [note for note in notes if "marked default" in note]


@pytest.mark.parametrize("out_suffix", [".mp4", ".mov"])
def test_a_default_flag_the_output_adds_is_named(tmp_path, out_suffix):
    """A rip's tracks all unmarked (the player picks by language) came out of .mp4/.mov with the first audio and
    subtitle track marked default, without a word: those muxers mark the first of each kind where none is. Not
    for a first track the source marked, nor into Matroska, which keeps tracks unmarked."""
    D = av.stream.Disposition
    unmarked = make_source(tmp_path / "unmarked.mkv", audio=[({"language": "eng"}, D(0)), ({"language": "deu"}, D(0))])
    out = tmp_path / f"out{out_suffix}"
    kind = FORMATS[out_suffix]
    added = (f"marked default in the output, not in the source (the {kind} container marks the first track of each "
             "kind default when none is)")
    assert added_defaults(write(unmarked, out).notes) == [f"audio #1 aac: {added}"]
    with av.open(str(out)) as container:
        assert [s.disposition for s in container.streams.audio] == [D.default, D(0)]  # the muxer's, not the source's
    subtitles = subtitled(tmp_path / "subtitles.mkv", "subrip", [(0, 300, b"Hello")], disposition=D(0))
    assert added_defaults(write(subtitles, tmp_path / f"subtitles{out_suffix}").notes) == [
        f"subtitle #1 subrip: {added}"]
    assert not added_defaults(write(unmarked, tmp_path / "out.mkv").notes)
    first = make_source(tmp_path / "first.mkv", audio=[({}, D.default), ({}, D(0))])
    assert not added_defaults(write(first, tmp_path / f"first{out_suffix}").notes)


@pytest.mark.parametrize("src_suffix, audio", [(".ts", "aac"), (".avi", "pcm_s16le"), (".mkv", "aac")])
def test_a_lone_audio_track_the_output_marks_default_is_not_named(tmp_path, src_suffix, audio):
    """A camcorder's .mts, .avi or .mpg cannot mark a track default: a batch of them into .mp4 had the note on every
    file, where the only audio track plays whether marked or not."""
    source = make_video(tmp_path / f"camera{src_suffix}", frames=4, audio=audio)
    out = tmp_path / "out.mp4"
    assert not added_defaults(write(source, out).notes)
    with av.open(str(out)) as container:
        assert [s.disposition for s in container.streams.audio] == [av.stream.Disposition.default]  # the muxer's


def test_an_empty_tag_is_not_said_lost(tmp_path):
    """A title set to nothing was said not kept: no muxer writes an empty tag, and there was nothing to keep."""
    assert write(make_source(tmp_path / "in.mkv", tags={"title": ""}), tmp_path / "out.mp4").notes == []


def test_tags_an_output_cannot_hold_are_named_and_a_recording_date_kept_as_its_date(tmp_path):
    """A Matroska file's DATE_RECORDED and DESCRIPTION went into .mov and were gone, without a word."""
    source = make_source(tmp_path / "in.mkv", tags={**TAGS, "DATE_RECORDED": "2009-06-13", "DESCRIPTION": "Beach"})
    notes = write(source, tmp_path / "out.mov").notes
    assert notes == ["tag description not kept: the mov container cannot hold it; use .mkv to keep it"]
    assert tags_of(tmp_path / "out.mov")["date"] == "2009-06-13"
    assert write(source, tmp_path / "out.mp4").notes == []
    assert tags_of(tmp_path / "out.mp4")["description"] == "Beach"
    assert write(source, tmp_path / "out.mkv").notes == []
    assert tags_of(tmp_path / "out.mkv")["date_recorded"] == "2009-06-13"  # Matroska's own, kept as it was


def subtitled(path, codec, cues, *, time_base=Fraction(1, 1000), tags=None, disposition=None):
    """A 4-frame clip with one subtitle stream of `codec` holding `cues`: (start ms, duration ms, packet bytes)."""
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=10)
        video.width, video.height, video.pix_fmt = 32, 24, "yuv420p"
        sub = out.add_mux_stream(codec)
        sub.time_base = time_base
        sub.metadata.update(tags or {})
        if disposition is not None:
            sub.disposition = disposition
        for i in range(4):
            frame = av.VideoFrame.from_ndarray(pattern_frame(i, 32, 24), format="rgb24")
            frame.pts = i
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        for start, duration, data in cues:
            packet = av.Packet(data)
            packet.stream, packet.time_base = sub, time_base
            packet.pts = packet.dts = round(Fraction(start, 1000) / time_base)
            packet.duration = round(Fraction(duration, 1000) / time_base)
            out.mux(packet)
    return path


def shown_cues(path) -> list[tuple[str, int, int, str]]:
    """Each subtitle event of `path` as (codec, start ms, duration ms, its ASS text), as players get them."""
    cues = []
    with av.open(str(path)) as container:
        for stream in container.streams.subtitles:
            for packet in container.demux(stream):
                for event in packet.decode() if packet.size else ():
                    cues.append((codec_name(stream), round(packet.pts * packet.time_base * 1000),
                                 round(packet.duration * packet.time_base * 1000),
                                 event.ass.decode().split(",", 8)[8]))
    return cues


SRT_CUES = [(0, 150, "Hello <i>world</i>".encode()), (250, 100, "Line one\nline two, \u00fcn\u00efcode".encode())]


@pytest.mark.parametrize("suffix", [".mp4", ".mov"])
def test_text_subtitles_an_mp4_cannot_hold_are_converted_to_mov_text(tmp_path, suffix):
    """They were dropped: an .mkv's SRT track lost on the way to .mp4, though .mp4 holds text subtitles."""
    source = subtitled(tmp_path / "srt.mkv", "subrip", SRT_CUES, tags={"language": "fre", "title": "Dialogue"},
                       disposition=av.stream.Disposition.default)
    out = tmp_path / f"out{suffix}"
    notes = write(source, out).notes
    assert [n for n in notes if "subtitle" in n] == [
        f"subtitle #1 subrip converted to mov_text (the {suffix[1:]} container cannot hold subrip)"]
    assert shown_cues(out) == [("mov_text", 0, 150, "Hello {\\i1}world"),
                               ("mov_text", 250, 100, "Line one\\Nline two, \u00fcn\u00efcode")]
    with av.open(str(out)) as container:
        stream = container.streams.subtitles[0]
        assert stream.metadata.get("language") in ("fre", "fra") and stream.metadata.get("title", stream.metadata.get(
            "name")) == "Dialogue" and av.stream.Disposition.default in stream.disposition


def test_mov_text_is_converted_to_srt_for_matroska(tmp_path):
    source = subtitled(tmp_path / "movtext.mp4", "mov_text", [(100, 200, b"\x00\x02hi"), (400, 100, b"\x00\x03bye")],
                       tags={"language": "eng"})
    out = tmp_path / "out.mkv"
    notes = write(source, out).notes
    assert [n for n in notes if "subtitle" in n] == [
        "subtitle #1 mov_text converted to subrip (the matroska container cannot hold mov_text)"]
    assert shown_cues(out) == [("subrip", 100, 200, "hi"), ("subrip", 400, 100, "bye")]


def test_subtitles_saved_in_windows_1252_are_converted_not_dropped(tmp_path):
    """An .srt saved on Windows and muxed as it is: every line with an accent was dropped without a word (FFmpeg's
    decoders take UTF-8 only); players show them by a fallback character set, and so does the conversion."""
    lines = ["Bonjour, H\u00e9l\u00e8ne.", "Merci.", "C'\u00e9tait tr\u00e8s bien."]
    source = subtitled(tmp_path / "western.mkv", "subrip",
                       [(i * 100, 80, line.encode("cp1252")) for i, line in enumerate(lines)])
    notes = write(source, tmp_path / "out.mp4").notes
    assert [cue[3] for cue in shown_cues(tmp_path / "out.mp4")] == lines
    assert "subtitle #1 subrip: 2 lines not in UTF-8 read as Windows-1252 (Western European)" in notes


def test_subtitle_lines_without_a_duration_are_shown_until_the_next(tmp_path):
    """Converted for .mp4, a Matroska line with no duration was shown for no time at all."""
    source = subtitled(tmp_path / "untimed.mkv", "subrip", [(0, 0, b"first"), (250, 0, b"second"), (300, 50, b"third")])
    write(source, tmp_path / "out.mp4")
    assert shown_cues(tmp_path / "out.mp4") == [("mov_text", 0, 250, "first"), ("mov_text", 250, 50, "second"),
                                                ("mov_text", 300, 50, "third")]
    last = subtitled(tmp_path / "last.mkv", "subrip", [(100, 0, b"the end")])
    write(last, tmp_path / "out2.mp4")
    assert shown_cues(tmp_path / "out2.mp4") == [("mov_text", 100, 5000, "the end")]


def test_broadcast_captions_are_not_converted_line_by_line(tmp_path):
    """CEA-608 captions came out one frame long at the time they were cleared: their decoder gives a caption out only
    then, with its own times. They are dropped, with where to keep them, as before conversion."""
    def pair(a, b):  # a byte pair with odd parity, as CEA-608 sends it
        return bytes([0xFC] + [c | 0x80 if bin(c).count("1") % 2 == 0 else c for c in (a, b)])
    caption = [pair(0x14, 0x20), pair(0x14, 0x2E), pair(ord("H"), ord("I")), pair(0x14, 0x2F), pair(0x14, 0x2C)]
    source = subtitled(tmp_path / "cc.mov", "eia_608", [(i * 100, 100, data) for i, data in enumerate(caption)])
    assert [n for n in write(source, tmp_path / "out.mkv").notes if "subtitle" in n] == [
        "subtitle #1 eia_608 dropped: the matroska container cannot hold eia_608; use .mov to keep it"]


def test_a_line_in_a_style_the_header_lacks_is_shown_in_the_default_one(tmp_path):
    """A line left in a style deleted from the script (an editor's leftover) came out in mov_text at size 0,
    transparent: players show it in Default."""
    source = ass_subtitled(tmp_path / "orphan.mkv", event=b"0,0,Gone,,0,0,0,,orphan line")
    write(source, tmp_path / "out.mp4")
    assert shown_cues(tmp_path / "out.mp4") == [("mov_text", 0, 300, "orphan line")]


def test_a_line_the_output_codec_cannot_hold_is_skipped_not_the_job(tmp_path):
    """A line over 64 KiB failed the whole output ("Numerical result out of range"), naming no subtitle."""
    source = subtitled(tmp_path / "long.mkv", "subrip", [(0, 100, b"x" * 70_000), (200, 100, b"short")])
    notes = write(source, tmp_path / "out.mp4").notes
    assert shown_cues(tmp_path / "out.mp4") == [("mov_text", 200, 100, "short")]
    assert "subtitle #1 subrip: 1 line that could not be read or written skipped" in notes


def ass_subtitled(path, header: bytes | None = None, event: bytes = b"0,0,Default,,0,0,0,,{\\pos(10,10)}Top left"):
    """A 4-frame clip with ASS subtitles, their script header (`header`, or FFmpeg's default) in the track, as fansubs
    come: one `event`, by default placed at the top left."""
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=10)
        video.width, video.height, video.pix_fmt = 32, 24, "yuv420p"
        sub = out.add_stream("ass")
        default = av.CodecContext.create("subrip", "r")
        default.open()
        sub.codec_context.subtitle_header = header or default.subtitle_header
        sub.time_base = sub.codec_context.time_base = Fraction(1, 1000)
        for i in range(4):
            frame = av.VideoFrame.from_ndarray(pattern_frame(i, 32, 24), format="rgb24")
            frame.pts = i
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        packet = sub.codec_context.encode_subtitle(av.subtitles.subtitle.SubtitleSet.create(event, 0, 300))
        packet.stream, packet.time_base, packet.pts, packet.dts, packet.duration = sub, Fraction(1, 1000), 0, 0, 300
        out.mux(packet)
    return path


def test_ass_subtitles_converted_for_mp4_say_what_of_their_styling_is_lost(tmp_path):
    notes = write(ass_subtitled(tmp_path / "styled.mkv"), tmp_path / "out.mp4").notes
    assert [n for n in notes if "converted" in n] == [
        "subtitle #1 ass converted to mov_text (the mp4 container cannot hold ass; its positions, fonts, colours "
        "and effects are lost; use .mkv to keep it)"]
    assert shown_cues(tmp_path / "out.mp4") == [("mov_text", 0, 300, "Top left")]


@pytest.mark.parametrize("header", [None, b"[Script Info]\nScriptType: v4.00+\n\n[Events]\n"])
def test_subtitles_whose_styles_cannot_be_read_are_converted_in_the_default_style(tmp_path, header):
    """An ASS track without its header (a broken mux) failed the whole job as the output opened; one without styles
    came out in mov_text at size 0, transparent."""
    event = b"0,0,Default,,0,0,0,,Top left"
    source = (subtitled(tmp_path / "bare.mkv", "ass", [(0, 300, event)]) if header is None
              else ass_subtitled(tmp_path / "styleless.mkv", header=header))
    write(source, tmp_path / "out.mp4")
    assert shown_cues(tmp_path / "out.mp4") == [("mov_text", 0, 300, "Top left")]


def test_picture_subtitles_the_output_cannot_hold_name_a_container_that_can(tmp_path):
    """A Blu-ray's PGS subtitles are pictures: no text to convert."""
    source = subtitled(tmp_path / "pgs.mkv", "hdmv_pgs_subtitle", [(0, 100, b"\x16\x00\x00\x00\x00")])
    notes = write(source, tmp_path / "out.mp4").notes
    assert [n for n in notes if "subtitle" in n] == [
        "subtitle #1 hdmv_pgs_subtitle dropped: the mp4 container cannot hold hdmv_pgs_subtitle; use .mkv to keep it"]


def test_a_second_video_stream_and_a_cover_picture_are_noted(tmp_path):
    notes = write(make_source(tmp_path / "two.mkv", video=2), tmp_path / "out.mp4").notes
    assert notes == ["video #1 h264 dropped: only one video stream, #0, is processed"]
    covered = video_and_picture(tmp_path / "covered.mp4", picture_first=False, attached=True)
    assert write(covered, tmp_path / "out2.mp4").notes == [
        "cover picture #1 mjpeg dropped: only an .mkv output keeps a cover picture (as an attachment); use .mkv to "
        "keep it"]


def test_a_cover_picture_is_kept_as_an_attachment_in_matroska(tmp_path):
    """A Matroska file's cover.jpg (FFmpeg reads an image attachment as a one-picture video stream) was dropped even
    into .mkv, which held the font attached beside it; an .mp4's cover art too."""
    source = tmp_path / "covered.mkv"
    with av.open(str(source), "w") as out:
        video = out.add_stream("libx264", rate=10)
        video.width, video.height, video.pix_fmt = 32, 24, "yuv420p"
        out.add_attachment("front.jpg", "image/jpeg", b"\xff\xd8\xff\xe0 a picture")
        for i in range(4):
            frame = av.VideoFrame.from_ndarray(pattern_frame(i, 32, 24), format="rgb24")
            frame.pts = i
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
    assert write(source, tmp_path / "out.mkv").notes == ["cover picture #1 mjpeg copied as the attachment front.jpg"]
    with av.open(str(tmp_path / "out.mkv")) as container:
        (cover,) = [s for s in container.streams if s.metadata.get("filename") == "front.jpg"]
        assert cover.metadata.get("mimetype") == "image/jpeg"
        assert next(bytes(p) for p in container.demux(cover) if p.size) == b"\xff\xd8\xff\xe0 a picture"
    mp4_cover = video_and_picture(tmp_path / "covered.mp4", picture_first=False, attached=True)
    assert write(mp4_cover, tmp_path / "out2.mkv").notes == ["cover picture #1 mjpeg copied as the attachment cover.jpg"]


@pytest.mark.parametrize("alphas, note", [
    ((128,) * 4, "transparency: every frame had pixels that are not opaque; the alpha channel is dropped and the "
                 "output is opaque"),
    ((255, 0, 0, 0), "transparency: 3 frames had pixels that are not opaque; the alpha channel is dropped and the "
                     "output is opaque"),
    ((255,) * 4, None)])
def test_transparency_the_output_drops_is_noted_whichever_frames_have_it(tmp_path, alphas, note):
    """Only the first frame was looked at: a clip that starts opaque and fades out lost its transparency without a
    word; an alpha channel that is opaque throughout (as FFmpeg decodes every GIF) loses nothing."""
    source = make_source(tmp_path / "alpha.mov", codec="png", pix_fmt="rgba", alphas=alphas)
    notes = process_video(source, tmp_path / "out.mp4", upscale="bicubic", device="cpu").notes
    assert [n for n in notes if "transparen" in n or "alpha" in n] == ([note] if note else [])
    assert "video #0 png: RGB colour written as 4:2:0" in notes


def test_an_opaque_gif_is_not_said_to_lose_transparency(tmp_path):
    """FFmpeg decodes every GIF with an alpha channel: opaque ones were said to lose their transparency."""
    gif = tmp_path / "opaque.gif"
    with av.open(str(gif), "w") as out:
        stream = out.add_stream("gif", rate=10)
        stream.width, stream.height, stream.pix_fmt = 32, 24, "rgb8"
        for i in range(3):
            frame = av.VideoFrame.from_ndarray(pattern_frame(i, 32, 24), format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, 10)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    notes = process_video(gif, tmp_path / "out.mp4", upscale="bicubic", device="cpu").notes
    assert not any("alpha" in note or "transparen" in note for note in notes)


@pytest.mark.parametrize("pix_fmt, codec, suffix, expected", [
    ("yuv420p10le", "libx264", ".mp4", ["10-bit input reduced to 8 bits"]),
    ("yuv420p10le", "ffv1", ".mkv", ["10-bit input reduced to 8 bits"]),
    ("yuv444p", "libx264", ".mp4", ["4:4:4 chroma written as 4:2:0"]),
    ("yuv444p", "libx265", ".mkv", ["4:4:4 chroma written as 4:2:0"]),
    ("yuv444p", "prores", ".mov", ["4:4:4 chroma written as 4:2:2"]),
    ("yuv444p", "ffv1", ".mkv", []),
    ("yuv422p", "libx264", ".mp4", ["4:2:2 chroma written as 4:2:0"]),
    ("yuv422p", "prores", ".mov", []),
    ("yuv422p10le", "libx264", ".mkv", ["10-bit input reduced to 8 bits", "4:2:2 chroma written as 4:2:0"]),
    ("gray", "libx264", ".mp4", []),
])
def test_bit_depth_and_chroma_the_output_loses_are_noted(tmp_path, pix_fmt, codec, suffix, expected):
    """Frames are processed as 8-bit RGB and each codec writes its own chroma: what a finer source loses is named,
    and only that (FFV1 keeps 4:4:4, ProRes 4:2:2)."""
    source = make_source(tmp_path / "in.mkv", codec="ffv1", pix_fmt=pix_fmt)
    notes = write(source, tmp_path / f"out{suffix}", codec=codec).notes
    assert notes == [f"video #0 ffv1: {note}" for note in expected]


def test_hdr_and_wide_gamut_colours_are_noted(tmp_path):
    from av.video.reformatter import ColorPrimaries, ColorTrc

    pq = {"color_primaries": int(ColorPrimaries.BT2020), "color_trc": int(ColorTrc.SMPTE2084), "colorspace": 9}
    notes = write(make_source(tmp_path / "pq.mp4", colour=pq), tmp_path / "out.mp4").notes
    assert notes == ["video #0 h264: HDR (PQ) with BT.2020 colours tone-mapped to SDR BT.709"]
    wide = {"color_primaries": int(ColorPrimaries.BT2020), "color_trc": int(ColorTrc.BT2020_10), "colorspace": 9}
    notes = write(make_source(tmp_path / "wide.mp4", colour=wide), tmp_path / "out2.mp4").notes
    assert notes == ["video #0 h264: BT.2020 colours converted to BT.709"]
    assert write(make_source(tmp_path / "sdr.mp4"), tmp_path / "out3.mp4").notes == []
