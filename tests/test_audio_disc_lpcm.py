"""Blu-ray/AVCHD and DVD LPCM, which only MPEG streams hold: kept bit for bit as plain PCM in .mkv and .mov (it was
re-encoded to lossy AAC there, while the README promised .mkv keeps LPCM), AAC only in .mp4."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest

from test_audio_carry import RATE, rewrite
from videogen import pattern_frame


def disc_lpcm(path, codec: str, sample_format: str, layout: str, seconds: float = 0.6):
    """An MPEG stream (.m2ts, .vob) of MPEG-2 video and `codec` LPCM of noise, 16 bits (s16) or 24 (s32)."""
    rng = np.random.default_rng(1)
    with av.open(str(path), "w") as container:
        video = container.add_stream("mpeg2video", rate=10)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        audio = container.add_stream(codec, rate=RATE)
        audio.layout, audio.format = layout, sample_format
        for i in range(round(seconds * 10)):
            container.mux(video.encode(av.VideoFrame.from_ndarray(pattern_frame(i, 64, 48), format="rgb24")))
        container.mux(video.encode(None))
        channels, size = av.AudioLayout(layout).nb_channels, 480
        bits = 16 if sample_format == "s16" else 24  # (24 bits are the top ones of s32 samples)
        for at in range(0, round(seconds * RATE), size):
            noise = rng.integers(-2 ** (bits - 1), 2 ** (bits - 1), (1, size * channels))
            data = noise.astype(np.int16) if bits == 16 else noise.astype(np.int32) << 8
            frame = av.AudioFrame.from_ndarray(data, format=sample_format, layout=layout)
            frame.sample_rate, frame.time_base, frame.pts = RATE, Fraction(1, RATE), at
            container.mux(audio.encode(frame))
        container.mux(audio.encode(None))
    return path


def samples(path) -> np.ndarray:
    """Every decoded sample of the file's audio, its channels interleaved."""
    with av.open(str(path)) as container:
        return np.concatenate([frame.to_ndarray().ravel() for frame in container.decode(audio=0)])


@pytest.mark.parametrize("codec, suffix, sample_format, layout, plain", [
    ("pcm_bluray", ".m2ts", "s16", "stereo", "pcm_s16le"),
    ("pcm_bluray", ".m2ts", "s32", "5.1(side)", "pcm_s24le"),
    ("pcm_dvd", ".vob", "s32", "stereo", "pcm_s24le")])
@pytest.mark.parametrize("out_suffix, kind", [(".mkv", "matroska"), (".mov", "mov")])
def test_disc_lpcm_is_kept_bit_for_bit(tmp_path, codec, suffix, sample_format, layout, plain, out_suffix, kind):
    source = disc_lpcm(tmp_path / f"disc{suffix}", codec, sample_format, layout)
    out = tmp_path / f"out{out_suffix}"
    result = rewrite(source, out)
    assert f"audio #1 {codec} converted to {plain}, bit for bit (the {kind} container cannot hold {codec})" \
        in result.notes
    with av.open(str(out)) as container:
        audio = container.streams.audio[0]
        assert (audio.codec_context.name, audio.sample_rate, audio.channels) == \
            (plain, RATE, av.AudioLayout(layout).nb_channels)
    kept, given = samples(out), samples(source)
    assert kept.dtype == given.dtype and np.array_equal(kept, given)


def test_disc_lpcm_is_re_encoded_to_aac_in_mp4_naming_the_outputs_that_keep_it(tmp_path):
    source = disc_lpcm(tmp_path / "disc.m2ts", "pcm_bluray", "s16", "stereo")
    result = rewrite(source, tmp_path / "out.mp4")
    assert ("audio #1 pcm_bluray re-encoded to aac (MP4 players rarely play pcm_bluray; use .mov or .mkv to keep it)"
            in result.notes)
