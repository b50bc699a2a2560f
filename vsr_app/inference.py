"""One frame-sequence engine for CLI, batch, GUI and bench: turns a loaded net into a stream processor.

Upscalers take frames one at a time (`push`) and hand back finished frames in order; streaming recurrent
nets keep their state per tile, clip (bidirectional) nets get overlapping chunks. Interpolators get the
`num_inputs` frames around a gap and return the frame halfway between the two central ones.
Large frames are processed in overlapping tiles; on out-of-memory the tile shrinks and the step is retried.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import torch
import torch.nn.functional as F

from vsr_app.memory import keep_freed_memory
from vsr_app.errors import VsrAppError
from vsr_app.devices import autocast, autocast_dtype, precision_name, resolve_device
from vsr_app.models import LoadedModel

# Frames above this many input pixels are tiled (about 640x360 -> 2560x1440 output, a few hundred MB of features).
DEFAULT_MAX_TILE_PIXELS = 640 * 360
TILE_OVERLAP = 16  # input pixels of context around each tile: more than the nets' per-frame receptive field
MIN_TILE = 16  # smallest tile worth trying before giving up on memory
CLIP_CHUNK = 8  # frames a clip engine outputs per net call
CLIP_CONTEXT = 3  # extra input frames it feeds on each side of a chunk
# freed memory malloc keeps for the next frame when a trained net runs fp32 on the CPU, per output pixel: 24 fp32
# output-sized planes (the student needed 64-96 MiB at 720p and 160 MiB at 1080p to stop faulting, i.e. ~20)
FP32_KEPT_BYTES_PER_PIXEL = 24 * 4


def frame_to_tensor(frame: np.ndarray, device: torch.device) -> torch.Tensor:
    """uint8 HxWx3 -> float 1x3xHxW in [0, 1].

    On CUDA the uint8 frame goes up through pinned memory without blocking (torch's caching host allocator
    reuses the pinned block once the copy is done), and the float conversion happens on the GPU.
    """
    t = torch.from_numpy(np.ascontiguousarray(frame))
    if device.type == "cuda":
        t = t.pin_memory().to(device, non_blocking=True)
    else:
        t = t.to(device)
    return t.permute(2, 0, 1).unsqueeze(0).float().div_(255.0)


def tensor_to_frame(t: torch.Tensor) -> np.ndarray:
    """float 1x3xHxW (any dtype) -> contiguous uint8 HxWx3, clamped and rounded.

    Quantising and interleaving happen where the tensor lives, so a GPU sends 1 byte per sample, already in
    the layout encoders and Qt take; the caller's tensor is not modified.
    """
    t = t.detach()[0].float().clamp(0.0, 1.0).mul_(255.0).round_().to(torch.uint8)
    return t.permute(1, 2, 0).contiguous().cpu().numpy()


def _less_memory(device: torch.device) -> str:
    """What to try where a job ran out of memory: on a GPU, the CPU's larger memory too."""
    return "--device cpu or a smaller input" if device.type == "cuda" else "a smaller input, or closing other programs"


def _is_oom(exc: BaseException) -> bool:
    """CUDA's out-of-memory error, or torch's CPU allocator's ("DefaultCPUAllocator: can't allocate memory")."""
    text = str(exc).lower()
    return isinstance(exc, torch.OutOfMemoryError) or "out of memory" in text or "can't allocate memory" in text


@dataclass(frozen=True)
class Tile:
    """An input region processed in one go: `outer` includes context, `inner` is the part whose output is kept."""

    outer: tuple[int, int, int, int]  # y0, y1, x0, x1
    inner: tuple[int, int, int, int]


def tile_grid(height: int, width: int, tile: int, overlap: int = TILE_OVERLAP) -> list[Tile]:
    """Cover an HxW frame with tiles of at most `tile` pixels a side (inner), each padded by `overlap`."""

    def spans(size: int) -> list[tuple[int, int]]:
        count = max(1, -(-size // tile))
        edges = [round(i * size / count) for i in range(count + 1)]
        return list(zip(edges[:-1], edges[1:]))

    tiles = []
    for y0, y1 in spans(height):
        for x0, x1 in spans(width):
            outer = (max(0, y0 - overlap), min(height, y1 + overlap), max(0, x0 - overlap), min(width, x1 + overlap))
            tiles.append(Tile(outer, (y0, y1, x0, x1)))
    return tiles


def net_working_bytes(net: torch.nn.Module, pixels: int, device: torch.device) -> int:
    """Host memory `net`'s temporaries take at their peak on `pixels` input pixels at once: its measured
    `working_memory` (fp32 on the CPU; bf16 needs less). Zero on a GPU, whose memory is the device's, and for
    weightless baselines, which the pipeline's own figure was measured with (video/limits.py)."""
    fixed, per_pixel = getattr(net, "working_memory", (0, 0))
    return fixed + per_pixel * pixels if device.type == "cpu" and per_pixel else 0


class Engine:
    """Device, precision and memory-format handling shared by every torch-backed engine."""

    def __init__(self, loaded: LoadedModel, device: str | torch.device = "auto", precision: str = "auto"):
        self.model = loaded
        self.device = resolve_device(device)
        self.net = loaded.net.to(self.device).eval()
        self.scale = int(self.net.scale) if loaded.task == "upscale" else 1  # output pixels per input pixel, per side
        if self.device.type == "cuda":
            torch.backends.cudnn.benchmark = True  # frame sizes are fixed for a whole video: tune once
        weighted = any(True for _ in self.net.parameters())
        if precision == "fp32" or not weighted:  # a fixed function (bicubic, blend) has no convs to run in bf16:
            self.dtype = None  # it ran fp32 under autocast too, but was recorded as bf16
        elif precision == "auto":
            self.dtype = autocast_dtype(self.device)
        else:
            self.dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}[precision]
        # oneDNN's reduced-precision convs run channels-last natively; in fp32 it depends on the net's widths
        fp32_layout = self.device.type == "cpu" and getattr(self.net, "fp32_channels_last", False)  # measured there
        # a trained net's fp32 frame outgrows the 32 MiB malloc keeps by default (twice its bf16 size): 4,000-17,000
        # page faults per 320x180 student frame, 17-26% of its time (docs/RESULTS.md, Performance, "Session 16")
        fp32_cpu_net = self.device.type == "cpu" and self.dtype is None and weighted
        self.kept_per_pixel = FP32_KEPT_BYTES_PER_PIXEL if fp32_cpu_net else 0
        if self.dtype is not None or fp32_layout:
            for module in self.net.modules():
                if isinstance(module, torch.nn.Conv2d):
                    module.to(memory_format=torch.channels_last)
                elif isinstance(module, torch.nn.Conv3d):
                    module.to(memory_format=torch.channels_last_3d)

    def _net_bytes(self, pixels: int) -> int:
        return net_working_bytes(self.net, pixels, self.device)

    def working_bytes(self, width: int, height: int) -> int:
        """Memory the engine needs beyond the pipeline's on `width`x`height` input frames: refusing a job that
        cannot fit adds it (video/limits.py)."""
        return self._net_bytes(width * height)

    def run(self, fn, x: torch.Tensor, *args):
        """`fn(x, *args)` in inference mode and the engine's precision; `x` is the whole input (frame or clip).
        Tiled frames ask by their whole size: their big temporaries pass glibc's mmap ceiling anyway, and the amount
        is capped (`keep_freed_memory`)."""
        if self.kept_per_pixel:
            keep_freed_memory(self.kept_per_pixel * x.shape[-2] * x.shape[-1] * self.scale ** 2 >> 20)
        with torch.inference_mode(), autocast(self.device, self.dtype):
            return fn(x, *args)


class Upscaler(ABC):
    """Frames in, enlarged frames out, in order; may hold some frames back until `flush`."""

    scale: int

    @abstractmethod
    def push(self, frame: np.ndarray) -> list[np.ndarray]: ...

    @abstractmethod
    def flush(self) -> list[np.ndarray]: ...

    @abstractmethod
    def reset(self) -> None:
        """Forget all state (between videos or at a scene change)."""

    @abstractmethod
    def cut(self) -> None:
        """A new shot starts with the next frame (video.scenecut): no output frame may draw on the other shot. Carried
        over, a recurrent state left a ghost of the last shot for 3-5 frames, and a clip's look ahead cost the frames
        before a cut (docs/RESULTS.md, "Session 39: the recurrent state at scene cuts", "Session 40: the teacher at
        scene cuts")."""

    def flash(self) -> None:
        """An edge of a flash or one-frame shot is at the next frame (a cut from which no other shot goes on,
        `scenecut.cuts_at`: the picture goes back to the shot). A recurrent state is kept: thrown away at both edges
        it cost the frames after 0.2-0.7 dB (docs/RESULTS.md, "Session 39: the recurrent state at scene cuts")."""

    def at_break(self, cut: bool, new_shot: bool) -> None:
        """Told what lies before the next frame (`scenecut.cuts_at`): a new shot (`cut`), a flash's edge (`flash`) or
        nothing. An export and the Compare view both tell their engine through this, so their frames are the same."""
        if new_shot:
            self.cut()
        elif cut:
            self.flash()


class _TiledMixin:
    """Tile-size bookkeeping with automatic shrinking after an out-of-memory error, and tiled net calls."""

    scale: int
    device: torch.device
    # full-size fp32 output frames' worth held while tiles are assembled and converted, and freed memory kept for
    # the next call: fitted per engine to a tiled run's peak (docs/RESULTS.md, "Refusing jobs that cannot fit").
    # The streaming upscaler's, 2.6 at 1280x720 input: the assembled frame, tensor_to_frame's copy, its uint8 forms
    held_output_frames = 3
    _net_bytes: Callable[[int], int]

    def _init_tiling(self, tile: int | None):
        self.fixed_tile = tile
        self.tiled_size: tuple[int, int] | None = None  # the size of the frames last tiled (`_tile_for`)
        self.tile_sizes: dict[tuple[int, int], int] = {}  # each frame size's tile, as out-of-memory errors left it

    @property
    def tile_size(self) -> int | None:
        """The tile side of the frames last tiled; None before the first."""
        return self.tile_sizes.get(self.tiled_size)

    def _first_tile(self, height: int, width: int) -> int:
        """The tile side a video of this frame size starts with."""
        if self.fixed_tile:
            return self.fixed_tile
        if height * width <= DEFAULT_MAX_TILE_PIXELS:
            return max(height, width)
        return int(DEFAULT_MAX_TILE_PIXELS**0.5)

    def _tile_for(self, height: int, width: int) -> int:
        """The tile side for frames of this size: the first one, halved by each out-of-memory error at this size. Kept
        per size, as eval runs each sequence through one engine: a small sequence's tile cut a larger one after it
        into 20 tiles."""
        self.tiled_size = (height, width)
        return self.tile_sizes.setdefault(self.tiled_size, self._first_tile(height, width))

    def working_bytes(self, width: int, height: int) -> int:
        """Tiled frames: the net sees one tile at a time, but the output frames it assembles are whole."""
        tiles = tile_grid(height, width, self._first_tile(height, width))
        if len(tiles) == 1:
            return self._net_bytes(width * height)
        largest = max((y1 - y0) * (x1 - x0) for y0, y1, x0, x1 in (tile.outer for tile in tiles))
        net = self._net_bytes(largest)
        held = self.held_output_frames * 3 * 4 * self.scale ** 2 * width * height
        return net + held if net else 0

    def _shrink_tile(self, exc: BaseException) -> None:
        if self.tile_size is None or self.tile_size // 2 < MIN_TILE:
            raise VsrAppError(f"not enough memory to process this video even in small tiles; try "
                              f"{_less_memory(self.device)}") from exc
        self.tile_sizes[self.tiled_size] //= 2

    def _retry_on_oom(self, fn: Callable[[], Any], on_shrink: Callable[[], None] = lambda: None) -> Any:
        """`fn()`, called again with a halved tile after each out-of-memory error (`on_shrink` runs first)."""
        while True:
            try:
                return fn()
            except (RuntimeError, torch.OutOfMemoryError) as exc:
                if not _is_oom(exc):
                    raise
                self._shrink_tile(exc)
                on_shrink()

    def _tiled(self, x: torch.Tensor, run_tile: Callable[[torch.Tensor, int], torch.Tensor]) -> torch.Tensor:
        """`run_tile(part, index)` over the tile grid of `x` (...xHxW, a frame or a clip), assembled into the
        enlarged output; one call on the whole of `x` when a single tile covers it."""
        h, w = x.shape[-2:]
        s = self.scale
        tiles = tile_grid(h, w, self._tile_for(h, w))
        if len(tiles) == 1:
            return run_tile(x, 0)
        out = torch.empty((*x.shape[:-2], h * s, w * s), device=self.device)
        for i, tile in enumerate(tiles):
            oy0, oy1, ox0, ox1 = tile.outer
            iy0, iy1, ix0, ix1 = tile.inner
            hr = run_tile(x[..., oy0:oy1, ox0:ox1], i)
            out[..., iy0 * s:iy1 * s, ix0 * s:ix1 * s] = hr[..., (iy0 - oy0) * s:(iy1 - oy0) * s,
                                                         (ix0 - ox0) * s:(ix1 - ox0) * s]
        return out


class RecurrentUpscaler(_TiledMixin, Engine, Upscaler):
    """Streams frames through a net with `step(lr, state) -> (hr, state)`; O(1) memory in video length."""

    def __init__(self, loaded: LoadedModel, device="auto", precision="auto", tile: int | None = None):
        Engine.__init__(self, loaded, device, precision)
        self._init_tiling(tile)
        self.states: dict[int, object] = {}

    def _step(self, x: torch.Tensor, key: int) -> torch.Tensor:
        """One net step on one tile, carrying that tile's state."""
        out, state = self.net.step(x, self.states.get(key))
        self.states[key] = state
        return out

    def push(self, frame: np.ndarray) -> list[np.ndarray]:
        x = frame_to_tensor(frame, self.device)
        # on a retry the tile grid has changed: the old per-tile states no longer line up
        return [self._retry_on_oom(lambda: tensor_to_frame(self.run(self._tiled, x, self._step)),
                                   on_shrink=self.states.clear)]

    def flush(self) -> list[np.ndarray]:
        return []

    def reset(self) -> None:
        self.states.clear()

    def cut(self) -> None:
        self.reset()


class ClipUpscaler(_TiledMixin, Engine, Upscaler):
    """Feeds a bidirectional net overlapping chunks: each kept frame sees `context` frames on both sides."""

    def __init__(self, loaded: LoadedModel, device="auto", precision="auto", chunk: int = CLIP_CHUNK,
                 context: int = CLIP_CONTEXT, tile: int | None = None):
        Engine.__init__(self, loaded, device, precision)
        self._init_tiling(tile)
        self.chunk, self.context = chunk, context
        self.held_output_frames = chunk + 2 * context + 8  # 21.3 at 854x480: the chunk with its context, converted
        self.reset()

    def reset(self, lead_in: int = 0) -> None:
        """A new stream. Its first `lead_in` frames (at most `context`) are context only, not output: a viewer that
        jumps to the middle of a video starts on the chunk grid of an export from frame 0, so its frames are the
        export's."""
        self.frames: list[torch.Tensor] = []  # buffered inputs; frames[0] is stream frame `self.first`
        self.first = 0
        self.next_out = lead_in
        self.shot_starts: list[int] = []  # stream frames a new shot starts at, as far back as the buffer goes
        self.flash_edges: list[int] = []  # stream frames a flash's edge is at (`flash`), as far back as the buffer

    def cut(self) -> None:
        """The chunk grid stays (the Compare view matches an export after a seek by it); the net is run on each
        shot's part of a chunk and its context apart."""
        start = self.first + len(self.frames)
        if start not in self.shot_starts[-1:]:  # told twice: still one shot starting there
            self.shot_starts.append(start)

    def flash(self) -> None:
        """The flash frame (between two edges) is run alone and its shot's frames joined across it: carried through
        the bidirectional net, its features cost the 3 frames each side of it 0.15-0.27 dB on Vid4 (docs/RESULTS.md,
        "Session 43: the teacher at a flash")."""
        start = self.first + len(self.frames)
        if start not in self.flash_edges[-1:]:
            self.flash_edges.append(start)

    def push(self, frame: np.ndarray) -> list[np.ndarray]:
        self.frames.append(frame_to_tensor(frame, self.device))
        available = self.first + len(self.frames)
        if available >= self.next_out + self.chunk + self.context:
            return self._emit(self.next_out + self.chunk)
        return []

    def flush(self) -> list[np.ndarray]:
        out = []
        while self.next_out < self.first + len(self.frames):
            out += self._emit(min(self.next_out + self.chunk, self.first + len(self.frames)))
        return out

    def _emit(self, stop: int) -> list[np.ndarray]:
        """Output frames next_out..stop-1: the net run on each part of them with its context (a part that is context
        only is not run), one part's output held at a time."""
        made = {}
        for part in self._parts(max(self.first, self.next_out - self.context),
                                min(self.first + len(self.frames), stop + self.context)):
            wanted = [(j, i) for j, i in enumerate(part) if self.next_out <= i < stop]
            if wanted:
                hr = self._enlarge(part)
                made.update((i, tensor_to_frame(hr[:, j])) for j, i in wanted)
                del hr  # before the next part's net call
        frames = [made[i] for i in range(self.next_out, stop)]
        self.next_out = stop
        drop = max(0, self.next_out - self.context - self.first)
        self.frames = self.frames[drop:]
        self.first += drop
        self.shot_starts = [c for c in self.shot_starts if c > self.first]
        self.flash_edges = [c for c in self.flash_edges if c >= self.first]  # a flash may be the first frame kept
        return frames

    def _parts(self, lo: int, hi: int) -> list[list[int]]:
        """Stream frames lo..hi-1 as the net's runs: each flash frame alone, each shot's other frames together."""
        flashes = self._flash_frames(lo, hi)
        edges = [lo, *(c for c in self.shot_starts if lo < c < hi), hi]
        shots = [[i for i in range(a, b) if i not in flashes] for a, b in zip(edges, edges[1:])]
        return [part for part in shots if part] + [[i] for i in flashes]

    def _flash_frames(self, lo: int, hi: int) -> list[int]:
        """Frames lo..hi-1 between two flash edges; the last frame told, at an edge not after one, too (its closing
        edge is told with the next frame; the export and the Compare view, told alike, decide alike)."""
        told, edges = self.first + len(self.frames), set(self.flash_edges)
        return [i for i in range(lo, hi) if i in edges and (i + 1 in edges or i + 1 == told and i - 1 not in edges)]

    def _enlarge(self, indices: list[int]) -> torch.Tensor:
        """The net's output for buffered stream frames `indices` (in order) as one clip, 1xTx3xHxW."""
        clip = torch.stack([self.frames[i - self.first] for i in indices], dim=1)
        return self._retry_on_oom(lambda: self.run(self._tiled, clip, lambda part, _: self.net(part)))


# the 8 flips and transposes of a frame, as (transpose, flip rows, flip columns)
DIHEDRAL = tuple((t, a, b) for t in (False, True) for a in (False, True) for b in (False, True))


def _orient(frame: np.ndarray, transpose: bool, flip_rows: bool, flip_cols: bool) -> np.ndarray:
    if transpose:
        frame = frame.transpose(1, 0, 2)
    return frame[::-1 if flip_rows else 1, ::-1 if flip_cols else 1]


def _unorient(frame: np.ndarray, transpose: bool, flip_rows: bool, flip_cols: bool) -> np.ndarray:
    frame = frame[::-1 if flip_rows else 1, ::-1 if flip_cols else 1]
    return frame.transpose(1, 0, 2) if transpose else frame


def upscaler_label(name: str, self_ensemble: bool) -> str:
    """How an output records the upscaler that made it: a self-ensembled run is a different setting to `batch`."""
    return f"{name}+self-ensemble" if self_ensemble else name


class SelfEnsembleUpscaler(Upscaler):
    """The same net on a frame's 8 flips and transposes, each orientation a stream with its own state, the outputs
    turned back and averaged ("self-ensemble", Lim et al. 2017's EDSR+): on Vid4 +0.08-0.10 dB for the plain
    students, +0.12-0.13 for the motion-aligned ones, +0.17 for the teacher, for 8x the time. The members run one
    after another, but what each keeps between calls and the allocator's cache for two frame shapes add up: in fp32
    vsr-x4-student's and -aligned's peaks were 1.4-2.4 times a plain run's (means; 2.7 at most; 1,310 MB at 640x360),
    so a job is counted at 2.5 times one member's memory (docs/RESULTS.md, "Self-ensemble" and "Session 47: today's
    students self-ensembled")."""

    def __init__(self, make_member: Callable[[], Upscaler]):
        self.members = [(orientation, make_member()) for orientation in DIHEDRAL]
        self.scale = self.members[0][1].scale

    def _average(self, outputs: list[list[np.ndarray]]) -> list[np.ndarray]:
        frames = []
        for same_frame in zip(*outputs):  # every member emits the same count: emission depends on counts only
            total = sum(_unorient(out, *o).astype(np.float32) for (o, _), out in zip(self.members, same_frame))
            frames.append(np.rint(total / len(self.members)).astype(np.uint8))
        return frames

    def push(self, frame: np.ndarray) -> list[np.ndarray]:
        return self._average([m.push(np.ascontiguousarray(_orient(frame, *o))) for o, m in self.members])

    def flush(self) -> list[np.ndarray]:
        return self._average([m.flush() for _, m in self.members])

    def reset(self) -> None:
        for _, member in self.members:
            member.reset()

    def cut(self) -> None:
        for _, member in self.members:
            member.cut()

    def flash(self) -> None:
        for _, member in self.members:
            member.flash()

    def working_bytes(self, width: int, height: int) -> int:
        """A transposed member's figure is the same: its tiles are the transposed grid's, its frames as large."""
        return 5 * self.members[0][1].working_bytes(width, height) // 2


class Interpolator(ABC):
    """Given `num_inputs` consecutive frames, returns the frame halfway between the two central ones."""

    num_inputs: int

    @abstractmethod
    def midpoint(self, frames: list[np.ndarray]) -> np.ndarray: ...

    def working_bytes(self, width: int, height: int) -> int:
        """Memory needed beyond the pipeline's on `width`x`height` frames (torch engines measure theirs; OpenCV's and
        FFmpeg's were not)."""
        return 0


# Edge replication around every side before an interpolation net runs, cropped off after: the nets' own zero padding
# made their flows misbehave at the left border (the student turned a dark edge column grey in every in-between of a
# static shot, 45 levels off; on carphone with every other frame dropped its left 4 columns scored 24.8 dB, the
# others 32-35). 4 px: the student gained on every set measured (Middlebury +0.03 dB though Urban3 lost 0.46, UCF101
# +0.18, carphone +0.36, its left columns 32.1 dB, a still shot within 9 levels); 8 px lost 0.14 on Middlebury, all of
# it on Urban3, whose motion leaves the frame (docs/RESULTS.md, "Session 39: the interpolators' borders"). Training's
# validation calls the net without it.
BORDER_PAD = 4
class NetInterpolator(Engine, Interpolator):
    """Drives a torch interpolation net; pads inputs by edge replication: `BORDER_PAD` on every side, and up to the
    net's `size_multiple`."""

    def __init__(self, loaded: LoadedModel, device="auto", precision="auto"):
        Engine.__init__(self, loaded, device, precision)
        self.num_inputs = int(self.net.num_inputs)
        self.multiple = int(getattr(self.net, "size_multiple", 1))

    def _padded(self, height: int, width: int) -> tuple[int, int]:
        """The size the net works on: `BORDER_PAD` on every side, then up to its `size_multiple`."""
        pad = 2 * BORDER_PAD
        return (height + pad + (-(height + pad)) % self.multiple, width + pad + (-(width + pad)) % self.multiple)

    def working_bytes(self, width: int, height: int) -> int:
        """As the net sees the frames: with their border and the padding to its multiple."""
        padded_h, padded_w = self._padded(height, width)
        return self._net_bytes(padded_w * padded_h)

    def midpoint(self, frames: list[np.ndarray]) -> np.ndarray:
        if len(frames) != self.num_inputs:
            raise ValueError(f"{self.model.name} needs {self.num_inputs} frames, got {len(frames)}")
        x = torch.stack([frame_to_tensor(f, self.device)[0] for f in frames]).unsqueeze(0)  # 1xKx3xHxW
        h, w = x.shape[-2:]
        pad = BORDER_PAD
        padded_h, padded_w = self._padded(h, w)
        k = x.shape[1]
        x = F.pad(x.flatten(0, 1), (pad, padded_w - w - pad, pad, padded_h - h - pad),
                  mode="replicate").unflatten(0, (1, k))
        try:
            out = self.run(self.net, x)
        except (RuntimeError, torch.OutOfMemoryError) as exc:
            if not _is_oom(exc):
                raise
            if self.device.type == "cuda":
                torch.cuda.empty_cache()  # the failed call's blocks, for whatever runs next (the batch's next file)
            # not tiled as the upscalers are: the flows reach across the frame, and tile seams would show in motion
            raise VsrAppError(f"not enough {self.device.type.upper()} memory for {self.model.name} on {w}x{h} frames "
                              f"(interpolators work on whole frames): try {_less_memory(self.device)}") from exc
        return tensor_to_frame(out[..., pad:pad + h, pad:pad + w])


def engine_nets(engine) -> list[torch.nn.Module]:
    """The torch nets an engine runs (a self-ensemble's members share one); none for OpenCV's and FFmpeg's."""
    members = [member for _, member in engine.members] if isinstance(engine, SelfEnsembleUpscaler) else [engine]
    nets = {id(net): net for net in (getattr(m, "net", None) for m in members) if isinstance(net, torch.nn.Module)}
    return list(nets.values())


def run_settings(engine) -> dict[str, str]:
    """Where and in what precision an engine runs, as results record it: {"device": "cpu", "precision": "bf16"} (a
    self-ensemble's are its members')."""
    member = engine.members[0][1] if isinstance(engine, SelfEnsembleUpscaler) else engine
    device = getattr(member, "device", None)
    return {"device": str(device) if device is not None else "cpu",
            "precision": precision_name(getattr(member, "dtype", None))}


def make_upscaler(loaded: LoadedModel, device="auto", self_ensemble: bool = False, **options) -> Upscaler:
    """The engine matching the net's kind ('recurrent' streams, 'clip' chunks); `self_ensemble` runs it on every
    flip and transpose of each frame and averages (8x the time)."""
    if loaded.task != "upscale":
        raise VsrAppError(f"model '{loaded.name}' does frame interpolation, not upscaling (`vsr-app interpolate` "
                          "runs it, as does `upscale --interpolate`)")
    if self_ensemble:
        return SelfEnsembleUpscaler(lambda: make_upscaler(loaded, device, **options))
    kind = getattr(loaded.net, "kind", None)
    if kind == "recurrent":
        return RecurrentUpscaler(loaded, device, **options)
    if kind == "clip":
        return ClipUpscaler(loaded, device, **options)
    raise VsrAppError(f"model '{loaded.name}' has an unsupported kind '{kind}'")


def make_interpolator(loaded: LoadedModel, device="auto", **options) -> Interpolator:
    """A torch net gets the generic engine; built-ins that are engines already (OpenCV, FFmpeg) pass through."""
    if loaded.task != "interpolate":
        raise VsrAppError(f"model '{loaded.name}' upscales; it cannot interpolate frames (`vsr-app upscale` runs it, "
                          "as does `interpolate --upscale`)")
    if isinstance(loaded.net, Interpolator):
        return loaded.net
    return NetInterpolator(loaded, device, **options)
