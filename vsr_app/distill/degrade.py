"""Degradations of real low-resolution video: H.264 compression and sensor noise.

Why: the benchmark degradation (clean x4 bicubic) is not what users feed the app. Camera and web
video is noisy and H.264-compressed, and a net trained only on clean downscales gains much less
on it (docs/RESULTS.md, "Inputs degraded like real video"). The same functions build the
robustness benchmark's inputs and, with `DegradationMix`, a training mix, so the two agree.

Noise goes in before compression (a camera records noise, then the encoder smooths and blocks
it); compression codes a clip as one stream, so it has real inter-frame coding.
"""
from __future__ import annotations

import io
from dataclasses import asdict, dataclass

import numpy as np

from vsr_app.distill.options import is_number


def h264_round_trip(frames: list[np.ndarray], crf: int) -> list[np.ndarray]:
    """uint8 RGB frames encoded as one libx264 stream (yuv420p, preset medium, one thread) and decoded again.
    PyAV is imported here, not with the module: clean training on folders of images needs no PyAV (a GPU machine's
    image may lack it; scripts/device_round.py)."""
    import av

    from vsr_app.video.pictures import RGB_FLAGS

    buf = io.BytesIO()
    h, w = frames[0].shape[:2]
    eh, ew = h - h % 2, w - w % 2
    with av.open(buf, "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=25, options={"crf": str(crf), "threads": "1"})
        stream.width, stream.height, stream.pix_fmt = ew, eh, "yuv420p"
        for f in frames:
            out.mux(stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(f[:eh, :ew]), format="rgb24")))
        out.mux(stream.encode())
    buf.seek(0)
    with av.open(buf) as src:  # converted as the app's reader converts a user's video
        decoded = [f.to_ndarray(format="rgb24", interpolation=RGB_FLAGS) for f in src.decode(video=0)]
    # an odd edge row/column (x264 needs even sizes) is taken from the clean input
    return [np.concatenate([np.concatenate([d, f[:eh, ew:]], 1), f[eh:]], 0) for d, f in zip(decoded, frames)]


def add_noise(frames: list[np.ndarray], sigma: float, rng: np.random.Generator) -> list[np.ndarray]:
    """Independent Gaussian noise of `sigma` grey levels on every pixel and channel."""
    return [np.clip(f + rng.normal(0, sigma, f.shape), 0, 255).round().astype(np.uint8) for f in frames]


def apply_condition(frames: list[np.ndarray], condition: str, rng: np.random.Generator) -> list[np.ndarray]:
    """A named condition: "clean", "crfN", "noiseS", or parts joined by "+" (applied left to right)."""
    for part in condition.split("+"):
        if part.startswith("crf"):
            frames = h264_round_trip(frames, int(part[3:]))
        elif part.startswith("noise"):
            frames = add_noise(frames, float(part[5:]), rng)
        elif part != "clean":
            raise ValueError(f"unknown degradation {part!r} (clean, crfN, noiseS, joined by +)")
    return frames


@dataclass
class DegradationMix:
    """Per clip: noise with probability `noise_p` (sigma uniform in `noise_sigma`), then H.264 with
    probability `compress_p` (CRF uniform in `crf`, an integer); the rest stay clean. The defaults are the
    recipe of the shipped `vsr-x4-student`'s real-footage stages (configs/vsr/round_h/ and
    configs/vsr/round_r/student_real.json)."""

    compress_p: float = 0.5
    crf: tuple[int, int] = (18, 32)
    noise_p: float = 0.3
    noise_sigma: tuple[float, float] = (1.0, 6.0)

    @classmethod
    def from_options(cls, options: dict | None) -> "DegradationMix | None":
        """None: no degradation; a dict (empty: the defaults above) of field overrides: the mix."""
        if options is None:
            return None
        unknown = set(options) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown degradation options: {', '.join(sorted(unknown))}")
        mix = cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in options.items()})
        mix._check()
        return mix

    def _check(self) -> None:
        """Refuse values that would fail only at the first batch (a CRF of 99, a range given as one number)."""
        for name in ("compress_p", "noise_p"):
            value = getattr(self, name)
            if not (is_number(value) and 0 <= value <= 1):
                raise ValueError(f"{name} must be a probability between 0 and 1, not {value!r}")
        for name, low, high in (("crf", 0, 51), ("noise_sigma", 0, 255)):
            pair = getattr(self, name)
            if not (isinstance(pair, tuple) and len(pair) == 2 and all(is_number(v) and low <= v <= high for v in pair)
                    and pair[0] <= pair[1]):
                raise ValueError(f"{name} must be a range [low, high] within {low}-{high}, not {pair!r}")

    def as_options(self) -> dict:
        """The inverse of `from_options`: every field, as a run's JSON config writes it (ranges as lists)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    def condition(self, rng: np.random.Generator) -> str:
        """The condition one clip gets (drawn from `rng`, so batches stay a pure function of the seed)."""
        parts = []
        if rng.random() < self.noise_p:
            parts.append(f"noise{rng.uniform(*self.noise_sigma):.2f}")
        if rng.random() < self.compress_p:
            parts.append(f"crf{int(rng.integers(self.crf[0], self.crf[1] + 1))}")
        return "+".join(parts) or "clean"

    def __call__(self, clip: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """uint8 [T, h, w, 3] clip -> the same clip degraded."""
        return np.stack(apply_condition(list(clip), self.condition(rng), rng))
