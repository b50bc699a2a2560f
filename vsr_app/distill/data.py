"""Training batches: HR clips sampled from the loaded sources -> (LR, HR) VSR batches. Kept here: the clip
sampler, the uint8 frame <-> float tensor conversions, each batch's generator and the threads that make batches ahead.

`HRClipSampler` is the task-independent part (also used by frame interpolation): random
consecutive frames, stills turned into pseudo-clips along a smooth random camera path with sub-pixel shifts (adds
texture that the little video data lacks), scale jitter (crop larger, area-downscale: never upsample the truth),
flips, transposition and temporal reversal. `vsr_batch` adds the x4 degradation. Frame interpolation
asks for clips whose frames are evenly spaced in time (a video's frame times are kept for that): across a
dropped frame or a variable-frame-rate stretch the middle frame is not the temporal middle it learns.

The degradation is MATLAB-style antialiased bicubic (`resize.imresize`), the same function evaluation
uses, so training and benchmark inputs match. Finding, checking and loading the sources is sources.py's; the
resize is resize.py's.
"""
from __future__ import annotations

import collections
import concurrent.futures
import itertools
import math

import cv2
import numpy as np
import torch

from vsr_app.distill.resize import downscale_x4
from vsr_app.distill.sources import Source, shrink
from vsr_app.media import first_names


def to_tensor(frames: np.ndarray) -> torch.Tensor:
    """uint8 [..., H, W, 3] -> float [..., 3, H, W] in [0, 1]."""
    return torch.from_numpy(np.ascontiguousarray(frames)).movedim(-1, -3).float() / 255.0


def to_frames(x: torch.Tensor) -> np.ndarray:
    """float [..., 3, H, W] in [0, 1], on any device -> uint8 [..., H, W, 3] (rounded): the inverse of `to_tensor`."""
    return (x.detach().float().clamp(0, 1).movedim(-3, -1) * 255).round().byte().cpu().numpy()


class HRClipSampler:
    """Random HR clips [T, size, size, 3] uint8 from the sources (augmented; see module docstring).

    `still_fraction` of clips come from stills (when there are any), the rest from sequences,
    each sequence weighted by its frame count. With `even_times` a sequence's clips are cut only where their
    frames are evenly spaced in time (`Source.clip_starts`).
    """

    def __init__(self, sources: list[Source], still_fraction: float = 0.3,
                 scale_jitter: tuple[float, float] = (0.6, 1.0), max_shift: float = 3.0, max_stride: int = 2,
                 even_times: bool = False):
        self.seqs = [s for s in sources if not s.is_still]
        self.stills = [s for s in sources if s.is_still]
        self.still_fraction = still_fraction if self.seqs else 1.0
        if not self.stills:
            self.still_fraction = 0.0
        self.seq_weights = np.array([len(s.frames) for s in self.seqs], dtype=np.float64)
        if len(self.seq_weights):
            self.seq_weights /= self.seq_weights.sum()
        self.scale_jitter = scale_jitter
        self.max_shift = max_shift
        self.max_stride = max_stride
        self.even_times = even_times
        self._starts: dict[tuple[int, int, int], np.ndarray] = {}  # (sequence, frames, stride) -> clip_starts

    def say_small(self, size: int, log, option: str) -> None:
        """Name the sources smaller than a `size` crop: their crops are enlarged, so the targets the net learns
        from are blurred (a tester's 12x13 frames trained without a word). `option`: the task's, which sets the crop
        (a VFI run's log named VSR's)."""
        small = [s.name for s in self.seqs + self.stills if min(s.frames[0].shape[:2]) < size]
        if small:
            log(f"data: {len(small)} source(s) smaller than the {size}x{size} training crop ({first_names(small)}): "
                f"their crops are enlarged, which blurs what the net learns from; a smaller {option} avoids it")

    def say_short(self, frames: int, log, options: str) -> None:
        """Name the sequences shorter than a `frames`-frame clip: theirs play forward and back to fill it, which
        burn-in, meant to stand for a state carried through a long video, trained on without a word. `options`: what
        makes the clip shorter."""
        short = [s.name for s in self.seqs if len(s.frames) < frames]
        if short:
            log(f"data: {len(short)} sequence(s) shorter than a training clip of {frames} frames "
                f"({first_names(short)}): their clips play forward and back to fill it; longer footage, or a smaller "
                f"{options}, avoids it")

    def sample(self, rng: np.random.Generator, frames: int, size: int) -> np.ndarray:
        if rng.random() < self.still_fraction:
            clip = self._from_still(rng, frames, size)
        else:
            clip = self._from_sequence(rng, frames, size)
        return augment(rng, clip)

    def _zoom(self, rng, size: int, h: int, w: int) -> float:
        """Area-downscale factor in the jitter range that still fits a size x size crop."""
        lo, hi = self.scale_jitter
        fit = size / min(h, w)
        return float(rng.uniform(max(lo, fit), max(hi, fit)))

    def _from_sequence(self, rng, frames: int, size: int) -> np.ndarray:
        k = int(rng.choice(len(self.seqs), p=self.seq_weights))
        src = self.seqs[k]
        idx = self._indices(rng, k, frames)
        h, w = src.frames[0].shape[:2]
        zoom = self._zoom(rng, size, h, w)
        crop = min(int(math.ceil(size / zoom)), h, w)
        y = int(rng.integers(0, h - crop + 1))
        x = int(rng.integers(0, w - crop + 1))
        out = [src.frames[i][y:y + crop, x:x + crop] for i in idx]
        if crop != size:
            out = [cv2.resize(f, (size, size), interpolation=cv2.INTER_AREA) for f in out]
        return np.stack(out)

    def _indices(self, rng, k: int, frames: int) -> list[int]:
        """Sequence k's frames for a clip: a random stride (up to max_stride when the sequence is long enough) from a
        random start, among the clips `_clip_starts` allows; a sequence with none (too short) plays forward and back.
        A sequence whose clips all fit draws what it drew before `even_times` existed: resumed runs continue alike."""
        n = len(self.seqs[k].frames)
        long = n >= frames * self.max_stride  # room for every stride
        starts = {s: self._clip_starts(k, frames, s) for s in (range(1, self.max_stride + 1) if long else [1])}
        strides = [s for s, found in starts.items() if len(found)]
        if not strides:
            cycle = list(range(n)) + list(range(n - 2, 0, -1)) or [0]
            return [cycle[i % len(cycle)] for i in range(frames)]
        stride = strides[int(rng.integers(len(strides)))] if long else strides[0]
        start = int(starts[stride][rng.integers(len(starts[stride]))])
        return [start + i * stride for i in range(frames)]

    def _clip_starts(self, k: int, frames: int, stride: int) -> np.ndarray:
        """Sequence k's `Source.clip_starts`, kept: checking a long video's frame times for every clip is slow."""
        key = (k, frames, stride)
        if key not in self._starts:
            self._starts[key] = self.seqs[k].clip_starts(frames, stride, self.even_times)
        return self._starts[key]

    def _from_still(self, rng, frames: int, size: int) -> np.ndarray:
        img = self.stills[int(rng.integers(len(self.stills)))].frames[0]
        h, w = img.shape[:2]
        zoom = self._zoom(rng, size, h, w)
        img = shrink(img, zoom)
        h, w = img.shape[:2]
        # Smooth camera path: constant velocity plus a little acceleration, in output pixels.
        vel = rng.uniform(-self.max_shift, self.max_shift, 2)
        acc = rng.uniform(-0.3, 0.3, 2)
        path = np.array([vel * t + 0.5 * acc * t * t for t in range(frames)])
        path -= path.min(0)
        space = np.array([w - size, h - size], dtype=np.float64)  # < 0 for an image smaller than the crop
        room, extent = np.maximum(space, 0.0), path.max(0)
        # a path too long for the image is slowed to fit (once it was dropped: a third of 103-frame clips stood still)
        too_long = extent > room
        path *= np.min(room[too_long] / extent[too_long], initial=1.0)
        origin = rng.uniform(0, 1, 2) * (space - path.max(0))
        out = []
        for off in origin + path:
            mat = np.array([[1, 0, off[0]], [0, 1, off[1]]], dtype=np.float64)
            out.append(cv2.warpAffine(img, mat, (size, size), flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP,
                                      borderMode=cv2.BORDER_REFLECT))
        return np.stack(out)


def augment(rng, clip: np.ndarray) -> np.ndarray:
    """Random flips, transposition and temporal reversal of a [T,H,W,3] clip (H == W)."""
    if rng.random() < 0.5:
        clip = clip[:, :, ::-1]
    if rng.random() < 0.5:
        clip = clip[:, ::-1]
    if rng.random() < 0.5:
        clip = clip.transpose(0, 2, 1, 3)
    if rng.random() < 0.5:
        clip = clip[::-1]
    return np.ascontiguousarray(clip)


def prefetched(make, start: int, workers: int):
    """make(start), make(start + 1), ... in order, each made ahead by one of `workers` threads: keeps a GPU fed that
    would otherwise wait for the clip sampling on one core; workers + 2 batches are held at a time. Threads, not
    processes: OpenCV, numpy and torch release the GIL for the pixel work, and forked DataLoader workers hung here
    once the data was loaded."""
    pool = concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="batches")
    try:
        ahead = collections.deque(pool.submit(make, step) for step in range(start, start + workers + 2))
        for step in itertools.count(start + workers + 2):
            batch = ahead.popleft().result()
            ahead.append(pool.submit(make, step))
            yield batch
    finally:  # the run ended or stopped: the batches not started yet are dropped, not made
        pool.shutdown(wait=False, cancel_futures=True)


def batch_rng(seed: int, rank: int, step: int) -> np.random.Generator:
    """The generator for one batch: a pure function of (seed, rank, step), so a resumed run
    draws exactly the batches an uninterrupted one would."""
    return np.random.default_rng([seed, rank, step])


def vsr_batch(sampler: HRClipSampler, rng, batch: int, frames: int, lr_size: int,
              degrade=None) -> dict[str, torch.Tensor]:
    """{'lr': [B,T,3,s,s], 'hr': [B,T,3,4s,4s]} float tensors. With `degrade` (a callable on uint8
    [T,s,s,3] clips, e.g. `degrade.DegradationMix`), 'lr' is degraded per clip and 'lr_clean' keeps the
    clean input (what a teacher trained on clean inputs is shown)."""
    hr = to_tensor(np.stack([sampler.sample(rng, frames, lr_size * 4) for _ in range(batch)]))
    lr = downscale_x4(hr)
    if degrade is None:
        return {"lr": lr, "hr": hr}
    clips = to_frames(lr)
    degraded = to_tensor(np.stack([degrade(clip, rng) for clip in clips]))
    return {"lr": degraded, "hr": hr, "lr_clean": lr}


def vsr_batch_at(sampler: HRClipSampler, seed: int, rank: int, batch: int, frames: int, lr_size: int, degrade,
                 step: int) -> dict[str, torch.Tensor]:
    """`vsr_batch` of training step `step`: a function of the step alone, so prefetching threads can make any step."""
    return vsr_batch(sampler, batch_rng(seed, rank, step), batch, frames, lr_size, degrade)
