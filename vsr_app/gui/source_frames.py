"""The viewer's source frames by index: decoded from the video (seeking only where a jump is long), their times, and
in ground truth mode eval's input and truth made of them. No Qt here."""

from __future__ import annotations

import logging

import numpy as np

from vsr_app.errors import VsrAppError
from vsr_app.eval_protocol import degrade_x4
from vsr_app.gui.frame_cache import FrameCache
from vsr_app.gui.frame_times import Gaps, long_gaps, uneven_rate
from vsr_app.gui.timeline import source_frame
from vsr_app.video.frame_folder import FrameFolder
from vsr_app.video.packet_times import with_counted_frames
from vsr_app.video.probing import RAW_STREAM_FORMATS, VideoInfo
from vsr_app.video.reader import VideoReader
from vsr_app.video.restarts import clock_restarts

log = logging.getLogger(__name__)

FORWARD_DECODE = 48  # a jump forward by at most this many frames decodes through instead of seeking
TIMES_AT_OPEN = 5_000  # a video of at most this many frames has its packets' times read as it opens (demuxing: ~0.2 s)
NEAR = 8  # a rendered frame carries the times of the source frames this many either side of it, where known


class PastTheEnd(Exception):
    """A frame asked for past the end of the video: the timeline's end, not a failure. Not an IndexError, which a
    coding error inside a model raises too: that one was taken for the end, shown as "too few frames", and an analysis
    stopped early without a word."""


class SourceFrames:
    """Random access to the decoded frames of one video; cheap when moving forward, seeks otherwise."""

    def __init__(self, reader: VideoReader | FrameFolder, cache: FrameCache):
        self.reader = reader
        self.info: VideoInfo = with_counted_frames(reader.info)
        self.cache = cache
        self.length = self.info.estimated_frames or 1  # corrected when decoding reaches the real end
        self.length_exact = False
        self.times: dict[int, float] = {}
        # read as a short video opens, else on the first seek (None after: the packets have none); never changed after
        self._packet_times: list[float] | None = None
        self._packets_read = False
        self._frames = None
        self._next = 0
        self._seeked = False  # the frames come from a seek, and none has come yet
        self.variable_fps: float | None = None  # `uneven_rate` of the packets' times, once they are read
        self.gaps: Gaps | None = None  # `long_gaps` in the packets' times, once they are read
        self.restarts: tuple[float, ...] = ()  # `clock_restarts`, once the packets' times are read
        self.deinterlaced = False  # a frame decoded so far was deinterlaced (the reader's bwdif), not shown as woven
        if (self.info.estimated_frames or 0) <= TIMES_AT_OPEN:  # the viewer then times every frame from the start
            try:
                self.packet_times()  # (which counts the packets)
            except VsrAppError:  # the video still opens; a seek says what is wrong with its packets
                pass

    def get(self, k: int) -> np.ndarray:
        """Frame k as HxWx3 uint8 RGB; PastTheEnd past the end of the video."""
        if k < 0 or (self.length_exact and k >= self.length):
            raise PastTheEnd(k)
        image = self.cache.get(("src", k))
        if image is not None:
            return image
        if self._frames is None or not self._next <= k <= self._next + FORWARD_DECODE:
            self._open_at(k)
        while self._next <= k:
            try:
                frame = next(self._frames, None)
            except BaseException:
                self._frames = None  # a failed decode is not the end of the video: the next request starts over
                raise
            if frame is None and self._seeked:  # the seek found nothing: decode from the start instead
                self._frames, self._next, self._seeked = self.reader.frames(), 0, False
                continue
            if frame is None:
                self._frames = None
                self.length, self.length_exact = self._next, True
                raise PastTheEnd(k)
            self._seeked = False
            self.cache.put(("src", self._next), frame.image)
            self.times[self._next] = frame.time
            self.deinterlaced = self.deinterlaced or self.reader.interlaced_frames > 0
            self._next += 1
            if self._next > self.length:
                self.length = self._next
        return self.cache.get(("src", k))

    def time(self, k: int) -> float:
        """Presentation time of frame k (seconds, file clock): `known_time`, else from the frame rate."""
        known = self.known_time(k)
        return self.info.start_time + k / self.info.fps if known is None else known

    def known_time(self, k: int) -> float | None:
        """Presentation time of frame k (seconds, file clock) where known: decoded, else from the packets' times when
        they have been read; else None."""
        if k in self.times:
            return self.times[k]
        if self._packet_times and 0 <= k < len(self._packet_times):
            return self._packet_times[k]
        return None

    def times_near(self, k: int) -> dict[int, float]:
        """The known times of frames k - NEAR to k + NEAR, in seconds from the start: what the viewer learns with a
        frame (its clock and playback run on another thread, and guessed k / average rate for a frame not shown)."""
        return {i: t - self.info.start_time for i in range(max(0, k - NEAR), k + NEAR + 1)
                if (t := self.known_time(i)) is not None}

    def _open_at(self, k: int) -> None:
        if self._frames is not None:
            self._frames.close()
        self._next, start = self._seek_point(k)
        self._frames = self.reader.frames(start=start)
        self._seeked = start is not None

    @property
    def packet_times_read(self) -> list[float] | None:
        """The packets' times where they have been read, without reading them."""
        return self._packet_times

    def packet_times(self) -> list[float] | None:
        """Each frame's packet time, read once (a demux, no decoding; None for packets without times). Their count
        is taken where it is more than the length known, an estimate from duration x frame rate (a Matroska file states
        no count, and a variable frame rate's can be short by half; recordings joined end to end state one part's
        duration): the end was found one frame at a time, and the slider reached the second part only after going to
        the end, also where a seek had read the times. Decoding still finds the real end where packets do not decode."""
        if not self._packets_read:
            times = self._packet_times = self.reader.times()
            self._packets_read = True
            if times and not self.length_exact and len(times) > self.length:
                self.length = len(times)
            self.restarts = self._clock_restarts()
            start = self.info.start_time
            self.variable_fps = uneven_rate(times, float(self.info.time_base), start, self.restarts)
            self.gaps = long_gaps(times, start, self.restarts)
        return self._packet_times

    def _clock_restarts(self) -> tuple[float, ...]:
        """`clock_restarts`, or none where the video's packets do not read a second time: the frame rate and the gaps
        are still found (they were left unknown, the failure unsaid), and playing is not refused for it."""
        try:
            return clock_restarts(self.info)
        except (VsrAppError, OSError) as exc:
            log.warning("%s: where its clock starts again is not known: %s", self.info.path, exc)
            return ()

    def _seek_point(self, k: int) -> tuple[int, float | None]:
        """The frame to decode from for frame k, and where to seek for it: halfway between its packet time and the
        one before, so rounding cannot skip it, and exact when the frame rate varies (k / fps lands on another frame
        there). Past the last packet, from the last one: decoding finds the real end (a time from the frame rate
        landed before it on a variable frame rate, numbering it one too far: a frame that is not there). None: decode
        from the first frame, for a raw stream (.h264: FFmpeg cannot seek it) or packets without times. The packets
        are read on the first seek only: a video played from its start never needs them."""
        if k == 0 or RAW_STREAM_FORMATS & set(self.info.container.split(",")):
            return 0, None
        times = self.packet_times()
        k = min(k, len(times) - 1) if times else 0
        return (k, (times[k - 1] + times[k]) / 2) if k else (0, None)

    def close(self) -> None:
        if self._frames is not None:
            self._frames.close()
            self._frames = None


class DegradedFrames:
    """The source as `eval vsr`'s input and truth: each frame's `eval_protocol.degrade_x4` (the frame cropped to a
    multiple of 4, and its MATLAB-style x4 downscale), kept in the frame cache under keys of their own."""

    def __init__(self, source: SourceFrames, cache: FrameCache):
        self.source, self.cache = source, cache

    def get(self, k: int) -> np.ndarray:
        """The x4-smaller input of frame k; PastTheEnd past the end of the video."""
        return self._pair(k)[1]

    def truth(self, k: int) -> np.ndarray:
        """Frame k cropped to a multiple of 4: what the models' outputs are scored against."""
        return self._pair(k)[0]

    def _pair(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        truth, small = self.cache.get(("truth", k)), self.cache.get(("degraded", k))
        if truth is None or small is None:
            truth, small = degrade_x4(self.source.get(k))
            self.cache.put(("truth", k), truth)
            self.cache.put(("degraded", k), small)
        return truth, small


def held_out_frame(source: SourceFrames, k: int) -> int:
    """The frame position k holds out in interpolation's ground truth mode, 2k + 1; PastTheEnd where no frame follows
    it (eval vfi scores no last frame: nothing after it to predict it from)."""
    held_out = source_frame(k, "interpolate", truth=True)
    source.get(held_out + 1)
    return held_out


def frame_exists(source: SourceFrames, k: int) -> bool:
    """Whether source frame k is there (decoding it); a frame that fails to decode says so."""
    try:
        source.get(k)
    except PastTheEnd:
        return False
    return True


def decode_quietly(source: SourceFrames, k: int) -> None:
    """Decode source frame k for what decoding it tells (its time, the real length); the end, or a frame that does
    not decode, is left to whoever asks for that frame, which says so."""
    try:
        source.get(k)
    except (PastTheEnd, VsrAppError):
        pass
