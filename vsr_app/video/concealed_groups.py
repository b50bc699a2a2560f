"""Which frames of a pass show damage the decoder concealed, for training to leave out.

FFmpeg marks only the frame it concealed damage in (`is_corrupt`), yet every frame decoded from that one shows the
damage too: those after it up to the next keyframe (4 bytes flipped in frame 5 of an H.264 clip: 16 dB in frames 5-11
alike, none from keyframe 12), and, with B-frames, those shown before it but decoded after it (libx264, 3 B-frames:
damage in the P-frame shown third left the B-frame shown second at 11 dB; with an open GOP, damage in keyframe 12 left
frame 11 at 11 dB). So a marked frame is left out with the B-frames shown just before it and every frame after it up
to the next keyframe. Checked with every packet of a 36-frame clip (gop 12, 3 B-frames, closed and open GOPs) damaged
in turn: wherever a frame was marked, the frames left out were exactly those that differed from the clean decode
(leaving out its whole group of pictures, as first done, also left out up to 13 clean frames before the damage: up to
249 at x264's default keyframe interval).
"""

from __future__ import annotations

import av

B_FRAME = av.video.frame.PictureType.B


class ConcealedGroups:
    """The frames of one pass, numbered in display order, that the decoder marked corrupt (`marked`) and that show
    the damage it concealed (`frames`): `add` each frame as it is shown."""

    def __init__(self) -> None:
        self.marked: list[int] = []
        self.frames: list[int] = []
        self._damaged = False  # a frame since the latest keyframe was marked corrupt
        self._b_from: int | None = None  # the first of the B-frames the latest frames are, if they are B-frames

    def add(self, index: int, frame: av.VideoFrame) -> None:
        if frame.is_corrupt:
            self.marked.append(index)
        if frame.key_frame:
            self._damaged = False
        if frame.is_corrupt and not self._damaged:
            self._damaged = True
            done = self.frames[-1] + 1 if self.frames else 0  # (B-frames already left out with the damage before)
            self.frames.extend(range(max(index if self._b_from is None else self._b_from, done), index))
        if self._damaged:
            self.frames.append(index)
        b_frame = frame.pict_type == B_FRAME
        self._b_from = (index if self._b_from is None else self._b_from) if b_frame else None
