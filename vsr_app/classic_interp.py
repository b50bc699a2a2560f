"""Classical frame interpolation baselines that need no training: the bars a learned net must clear.

- `OpenCVFlowInterpolator` ("opencv-flow"): DIS optical flow both ways between the two frames, the
  intermediate flows approximated from them as in Super SloMo (t = 0.5), backward warping of both
  frames with `cv2.remap` and an average.
- `FFmpegMCIInterpolator` ("ffmpeg-mci"): FFmpeg's motion-compensated `minterpolate` filter run
  through PyAV's filter graph, with its default options: what most users already have.
- `RepeatInterpolator` ("repeat"): the frame before, repeated: no interpolation at all, what a frame-rate
  doubling by duplicating frames shows, and the floor every interpolation paper reports its method above.
All implement `vsr_app.inference.Interpolator` (uint8 RGB frames in, one uint8 RGB frame out).
"""

from __future__ import annotations

from fractions import Fraction

import av
import cv2
import numpy as np

from vsr_app.inference import Interpolator
from vsr_app.nets.motion_prior import middle_flow


class OpenCVFlowInterpolator(Interpolator):
    """Midpoint by bidirectional DIS optical flow and backward warping (two frames in)."""

    num_inputs = 2

    def __init__(self, preset: int = cv2.DISOPTICAL_FLOW_PRESET_MEDIUM):
        self.preset = preset

    def midpoint(self, frames: list[np.ndarray]) -> np.ndarray:
        f0, f1 = frames
        g0, g1 = (cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in (f0, f1))
        flow_t1 = middle_flow(g0, g1, self.preset)  # the middle frame sees f1 at q + d and f0 at q - d
        flow_t0 = -flow_t1
        h, w = g0.shape
        grid = np.stack(np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32)), axis=-1)
        warp0 = cv2.remap(f0, grid + flow_t0, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        warp1 = cv2.remap(f1, grid + flow_t1, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        return ((warp0.astype(np.uint16) + warp1 + 1) // 2).astype(np.uint8)


MCI_MIN_SIDE = 32  # measured: minterpolate takes 32x32 and 33x35 frames, refuses 31x64, 64x31 and 16x16


class FFmpegMCIInterpolator(Interpolator):
    """FFmpeg `minterpolate` (mi_mode=mci, defaults otherwise) on frames (t-1, t0, t1, t2).

    The filter looks at neighbouring frames for its motion estimation, so it gets the same four
    frames a 4-input net gets; the output frame at time 1.5 is the one between t0 and t1.
    """

    num_inputs = 4

    def __init__(self, options: str = "fps=2:mi_mode=mci"):
        self.options = options

    def midpoint(self, frames: list[np.ndarray]) -> np.ndarray:
        h, w = frames[0].shape[:2]
        if min(h, w) < MCI_MIN_SIDE:  # the filter refuses ("Invalid argument") frames under two 16-px blocks
            pad = ((0, max(0, MCI_MIN_SIDE - h)), (0, max(0, MCI_MIN_SIDE - w)), (0, 0))
            return self.midpoint([np.pad(f, pad, mode="edge") for f in frames])[:h, :w]
        graph = av.filter.Graph()
        src = graph.add_buffer(width=w, height=h, format="yuv444p", time_base=Fraction(1, 1))
        graph.link_nodes(src, graph.add("minterpolate", self.options), graph.add("buffersink")).configure()
        outputs = []
        for i, frame in enumerate([*frames, None]):
            if frame is not None:
                frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24").reformat(format="yuv444p")
                frame.pts, frame.time_base = i, Fraction(1, 1)
            graph.push(frame)
            while True:
                try:
                    outputs.append(graph.pull())
                except (av.error.BlockingIOError, av.error.EOFError):
                    break
        for out in outputs:
            if out.pts is not None and out.pts * out.time_base == Fraction(3, 2):
                return out.to_ndarray(format="rgb24")
        raise RuntimeError("minterpolate returned no frame at the midpoint")  # a filter bug, not a user error


class RepeatInterpolator(Interpolator):
    """The first of the two frames, as it is: the trivial baseline (a held-out frame scored against the frame before
    it), which tells how much of any interpolator's score the unchanged picture already gives."""

    num_inputs = 2

    def midpoint(self, frames: list[np.ndarray]) -> np.ndarray:
        return frames[0].copy()  # a copy: a caller may keep or change the output, never the input frame
