"""Up-front refusal of jobs that cannot finish well: frames the encoder cannot take, more memory than is free, or
more frames a second than the output file's clock can tell apart.

Why refuse instead of trying: an x4 upscale of a 4K video makes 15360x8640 frames; an upscaler's share
is bounded by tiling (inference.py), but the frames themselves still pass through the queues, the colour
conversion and the encoder, whose look-ahead buffers dozens of them. Running out of memory on a CPU does
not raise an error - the kernel kills the process - and an encoder's size limit only shows as an opaque
"Generic error in an external library" after decoding has begun. Checking the numbers first gives a
person one sentence with the sizes and the memory involved, before any work or any output file.

The constants are measured on this project's machine (benchmarks/memory_flat.py, numbers in
docs/RESULTS.md): peak resident memory of a whole `process_video` run divided by output pixels, by frame size,
with the default presets and bicubic, plus what another preset's encoder holds. A model's own temporaries come on
top, from its engine
(`working_bytes`, measured per net): the VFI student alone takes ~1.8 GB at 1280x720, as interpolators are
not tiled.

Matroska's clock is the other limit: FFmpeg's muxer stores every time in whole milliseconds (its TimestampScale is
fixed; this FFmpeg has no option to change it, and MP4/MOV count in the stream's own time base). Frames under 1 ms
apart get the same timestamp without a word from FFmpeg: 600 fps doubled into .mkv gave every sixth pair one
timestamp, 1200 fps doubled put two or three frames on each millisecond, and a reader spacing them out plays the
video 2.4 times too slow. So such an output is refused before any work, naming the kinds of file that work.
"""

from __future__ import annotations

import math
import os
from fractions import Fraction
from pathlib import Path
from typing import Callable

from vsr_app.errors import VsrAppError
from vsr_app.video.disk_space import size_text, size_texts
from vsr_app.video.encoding import CONTAINER_FORMATS, codec_spec

# Largest picture side each encoder accepts (measured: libx264 encodes 16384 px, refuses 16400; prores_ks
# encodes 32768 and fails at 65536; ffv1 encodes 65536). Encoders not listed are limited only by memory.
MAX_SIDE = {"libx264": 16384, "prores_ks": 32768}
# Smallest picture side: libx265 (the build PyAV ships) corrupts its heap on frames narrower than its 64-px
# coding tree unit - 34x20 aborted the process every time, 40x64 and 48x32 now and then (in the GUI too) - and
# refuses 8x8. A process abort cannot be caught, so such sizes are refused before the encoder sees a frame.
MIN_SIDE = {"libx265": 64}

# Peak memory per output pixel of a whole run at the codec's default preset (queues, RGB/YUV conversions, the
# engine's output tensor, the encoder's buffers), measured with benchmarks/memory_flat.py --frames 60 --threads 1
# (peak RSS above the start, bicubic x4; docs/RESULTS.md, "Memory per output pixel"), as (output pixels, bytes per
# pixel): it falls as frames grow (large buffers go back to the system when freed, small ones stay in the
# allocator's pools), so figures between are interpolated and beyond the largest kept flat. One figure for every
# size, as before, overstated a 1080p -> 8K job 3x (11.6 GB for a measured 4.2) and refused jobs that fit.
BYTES_PER_OUTPUT_PIXEL = {
    "libx264": ((921_600, 230), (2_073_600, 206), (8_294_400, 141), (33_177_600, 115)),  # veryfast
    "libx265": ((921_600, 383), (2_073_600, 324), (8_294_400, 276)),  # medium
}
DEFAULT_BYTES_PER_OUTPUT_PIXEL = ((2_073_600, 183), (8_294_400, 159))  # ffv1; prores taken alike
# What a preset other than the default adds a pixel, where measured (the same way; x264 over veryfast, x265 over
# medium). veryslow and placebo hold more than their look-ahead: 16 reference frames, 8 and 16 B-frames.
PRESET_BYTES_PER_PIXEL = {
    "libx264": {"medium": ((921_600, 112), (2_073_600, 108), (8_294_400, 106)),
                "veryslow": ((921_600, 396), (8_294_400, 219)),
                "placebo": ((921_600, 549), (2_073_600, 392), (8_294_400, 410))},
    "libx265": {"veryslow": ((921_600, 175),)},
}
# The presets not measured: each frame the encoder holds beyond its default preset's (look-ahead + reference frames
# + B-frames, from the encoders' own preset tables: x264 `--fullhelp`, x265 "Preset Options") takes about this much
# a pixel (x264 medium's 32 more frames: 3.5 B/px each at 720p, rounded up; x265 veryslow's 26 more: 6.7).
FRAME_BYTES_PER_PIXEL = {"libx264": 3.7, "libx265": 6.7}
FRAMES_HELD = {
    "libx264": {"ultrafast": 1, "superfast": 4, "veryfast": 14, "faster": 25, "fast": 35, "medium": 46, "slow": 58,
                "slower": 71, "veryslow": 84, "placebo": 92},
    "libx265": {"ultrafast": 9, "superfast": 14, "veryfast": 21, "faster": 21, "fast": 22, "medium": 27, "slow": 33,
                "slower": 53, "veryslow": 53, "placebo": 73},
}
MARGIN = 1.1  # each figure is one run's peak
# Decoded input frames waiting in the decode queue and in interpolation windows, in RGB and YUV.
BYTES_PER_INPUT_PIXEL = 40
# What the process needs besides frames (Python, torch, FFmpeg libraries, a model): kept as headroom.
BASE_BYTES = 400 * 2**20


# The Compare view holds more per output pixel than an export: full-size images of both sides, float copies for
# PSNR/SSIM, and a clip (bidirectional) engine's whole chunk of output frames; while playing, its frame cache
# fills up to its budget on top (check_preview_fits adds it). Measured with benchmarks/preview_memory.py (peak RSS
# above the opened video, three frames, x4; docs/RESULTS.md, "Session 39: the Compare view's memory by size"), as
# (output pixels, bytes per pixel) from 320x180 to 1920x1080 input: student vs bicubic 175 MB to 3.5 GB, student vs
# teacher 658 MB to 8.9 GB. Like an export's, the figure falls as frames grow (the teacher is tiled): a straight line
# through the two smallest sizes said 21 GB for the teacher at 1080p, 2.4 times what it took, and refused it on
# a 16 GB machine.
PREVIEW_BYTES_PER_OUTPUT_PIXEL = {
    "stream": ((921_600, 199), (3_686_400, 149), (14_745_600, 149), (33_177_600, 111)),
    "clip": ((921_600, 749), (3_686_400, 691), (14_745_600, 334), (33_177_600, 281)),
}
PREVIEW_BASE_BYTES = 200 * 2**20

# One tick of a Matroska file's clock, in seconds; and the output kinds that keep each frame's own time instead.
MATROSKA_TICK = Fraction(1, 1000)
FINE_CLOCK_SUFFIXES = (".mp4", ".mov")


def available_memory() -> int | None:
    """Bytes the system can give this process without swapping (Linux MemAvailable), or less where its memory
    cgroup says so; None when unknown."""
    free = None
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    free = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError, IndexError):
        pass
    if free is None:
        try:
            free = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            pass
    known = [n for n in (free, cgroup_room()) if n is not None]
    return min(known) if known else None


CGROUP_FILES = {"v2": ("memory.max", "memory.current", "inactive_file"),
                "v1": ("memory.limit_in_bytes", "memory.usage_in_bytes", "total_inactive_file")}
NO_LIMIT = 2**60  # cgroup v1 writes "no limit" as the largest page-aligned number


def cgroup_room(root: Path = Path("/sys/fs/cgroup"), own: Path = Path("/proc/self/cgroup")) -> int | None:
    """Bytes this process's memory cgroup still lets it take (a container's `--memory`, a systemd slice's
    MemoryMax): the tightest of its own and its parents' limits, less what they hold, page cache the kernel can drop
    counted as free. None without a limit. Past it the kernel kills the process, however much the system has free:
    a job checked against MemAvailable alone was killed with no message."""
    try:
        lines = own.read_text(encoding="ascii").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    rooms = []
    for line in lines:
        number, controllers, path = (line.split(":", 2) + ["", ""])[:3]
        if number == "0":
            base, files = (root if (root / "cgroup.controllers").exists() else root / "unified"), CGROUP_FILES["v2"]
        elif "memory" in controllers.split(","):
            base, files = root / "memory", CGROUP_FILES["v1"]
        else:
            continue
        folder = base / path.lstrip("/")
        if not folder.is_dir():  # in a container's namespace its own cgroup is the root it sees
            folder = base
        while True:
            room = _room_in(folder, *files)
            if room is not None:
                rooms.append(room)
            if folder == base or base not in folder.parents:
                break
            folder = folder.parent
    return min(rooms) if rooms else None


def _room_in(folder: Path, limit_file: str, usage_file: str, cache_key: str) -> int | None:
    """What one cgroup's limit leaves (None: no limit, or none readable there)."""
    try:
        limit = (folder / limit_file).read_text(encoding="ascii").strip()
        if limit == "max" or int(limit) >= NO_LIMIT:
            return None
        used = int((folder / usage_file).read_text(encoding="ascii"))
    except (OSError, ValueError):
        return None
    cache = 0
    try:
        for line in (folder / "memory.stat").read_text(encoding="ascii").splitlines():
            key, _, value = line.partition(" ")
            if key == cache_key:
                cache = int(value)
    except (OSError, ValueError):
        pass
    return max(0, int(limit) - used + cache)


def estimated_memory(in_w: int, in_h: int, out_w: int, out_h: int, encoder: str, engine_bytes: int = 0,
                     preset: str | None = None) -> int:
    """Bytes a `process_video` run is expected to hold at its peak for these frame sizes and the encoder's `preset`
    (None: its default), with `engine_bytes` for the models' own temporaries (`working_bytes` of each engine: the
    figures above were measured with bicubic)."""
    pixels = out_w * out_h
    per_out = _per_pixel(BYTES_PER_OUTPUT_PIXEL.get(encoder, DEFAULT_BYTES_PER_OUTPUT_PIXEL), pixels)
    held = FRAMES_HELD.get(encoder, {})
    default = codec_spec(encoder).preset
    if preset in held and preset != default:
        measured = PRESET_BYTES_PER_PIXEL.get(encoder, {}).get(preset)
        extra = (_per_pixel(measured, pixels) if measured
                 else FRAME_BYTES_PER_PIXEL[encoder] * (held[preset] - held[default]))
        per_out = max(per_out + extra, per_out / 2)  # a faster preset holds less, never nothing
    return int(BASE_BYTES + pixels * per_out * MARGIN + in_w * in_h * BYTES_PER_INPUT_PIXEL + engine_bytes)


def _per_pixel(measured: tuple[tuple[int, int], ...], pixels: int) -> float:
    """Bytes a pixel at `pixels` a frame, between the measured sizes on a log scale, the nearest one's beyond."""
    if pixels <= measured[0][0]:
        return measured[0][1]
    for (small, low), (large, high) in zip(measured, measured[1:]):
        if pixels <= large:
            share = math.log(pixels / small) / math.log(large / small)
            return low + share * (high - low)
    return measured[-1][1]


def check_job_fits(in_w: int, in_h: int, out_w: int, out_h: int, encoder: str,
                   available: int | None = None, engine_bytes: int = 0, preset: str | None = None) -> None:
    """Raise VsrAppError when `in_w`x`in_h` -> `out_w`x`out_h` frames cannot be encoded or would not fit in
    memory (`available` bytes; default: what the system reports now) with the models' `engine_bytes` and the
    encoder's `preset`."""
    limit = MAX_SIDE.get(encoder)
    if limit is not None and max(out_w, out_h) > limit:
        raise VsrAppError(f"the output frames would be {out_w}x{out_h}, but {encoder} cannot encode more than "
                          f"{limit} pixels a side; use a smaller input, or --codec ffv1 with a .mkv output")
    smallest = MIN_SIDE.get(encoder)
    if smallest is not None and min(out_w, out_h) < smallest:
        raise VsrAppError(f"the output frames would be {out_w}x{out_h}, but {encoder} needs at least {smallest} "
                          "pixels a side; use --codec libx264 (H.264)")
    need = estimated_memory(in_w, in_h, out_w, out_h, encoder, engine_bytes, preset)
    heavy = engine_bytes >= 2**30 // 10  # shown from 0.1 GB: what a lighter model would save
    # what the encoder's preset holds over its default's, named from as much as the models' share is: placebo's 56 GB
    # of a 4K x4 job's 77 went unsaid, and the advice was a smaller input. Worded for the command line's --preset and
    # the Export dialog's Preset list alike
    encoder_bytes = need - estimated_memory(in_w, in_h, out_w, out_h, encoder, engine_bytes)
    slow_preset = encoder_bytes >= max(engine_bytes, 2**30 // 10)
    shares = sorted(([(encoder_bytes, f"the encoder at its {preset} preset")] if slow_preset else []) + (
        [(engine_bytes, "the models' computations")] if heavy else []), key=lambda share: -share[0])
    ways = (["a faster preset"] if slow_preset else []) + ["a smaller input"] + (["a lighter model"] if heavy else [])
    check_memory(need, available, f"processing {in_w}x{in_h} into {out_w}x{out_h} frames",
                 f"use {', '.join(ways)} or close other programs", _shares_text(shares))


def _shares_text(shares: list[tuple[int, str]]) -> str:
    """" (60 GB of it for X, 5.0 GB for Y)": the parts of a refusal's memory worth naming, each a way to need less;
    nothing for none."""
    said = [f"{size_text(size)}{' of it' if i == 0 else ''} for {what}" for i, (size, what) in enumerate(shares)]
    return f" ({', '.join(said)})" if said else ""


def check_timestamps_fit(rate: Fraction | float, suffix: str, codec: str,
                         measured: Callable[[], float | None] = lambda: None) -> None:
    """Raise VsrAppError when frames `rate` a second would share timestamps in a `suffix` file (see above).
    `measured`, asked only then, is the rate the frames' own times give: a header can state far more (a Matroska
    track's default duration of 600 fps over frames 40 ms apart was refused), and the frames' times are written."""
    if CONTAINER_FORMATS.get(suffix.lower()) != "matroska" or Fraction(rate) * MATROSKA_TICK <= 1:
        return
    actual = measured()
    if actual and Fraction(actual) * MATROSKA_TICK <= 1:
        return
    others = [other for other in FINE_CLOCK_SUFFIXES if other in codec_spec(codec).containers]
    advice = (f"write {' or '.join(others)} instead" if others
              else f"{codec} goes only in .mkv: use --codec prores with a .mov output")
    raise VsrAppError(f"the output would have {float(rate):g} frames a second, but a .mkv file counts time in whole "
                      f"milliseconds, so its frames would share timestamps; {advice}")


def check_preview_fits(model: str, in_w: int, in_h: int, scale: int, clip: bool, cache_bytes: int,
                       available: int | None = None, engine_bytes: int = 0) -> None:
    """Raise VsrAppError when comparing `model`'s x`scale` frames of an `in_w`x`in_h` video would not fit in memory
    (`clip`: a bidirectional engine, which holds a chunk of output frames; `cache_bytes`: what the viewer's frame
    cache may fill up to while playing, beyond the few frames measured; `engine_bytes`: an interpolator's own
    temporaries, which the upscalers' measured figures include and an export needs as well). The viewer checks each
    side as it first computes it, so a second side is checked against what the first already took."""
    out_w, out_h = in_w * scale, in_h * scale
    need = preview_memory(out_w * out_h, clip, cache_bytes, engine_bytes)
    export = "" if engine_bytes else ", or export the video, which streams its frames and needs less"
    shown = f" (as {out_w}x{out_h})" if scale != 1 else ""
    check_memory(need, available, f"showing {model} on {in_w}x{in_h} frames{shown}",
                  f"compare on a smaller video or with a lighter model{export}")


def preview_memory(out_pixels: int, clip: bool, cache_bytes: int, engine_bytes: int = 0) -> int:
    """Bytes the Compare view is expected to hold for frames of `out_pixels` (check_preview_fits)."""
    per_pixel = _per_pixel(PREVIEW_BYTES_PER_OUTPUT_PIXEL["clip" if clip else "stream"], out_pixels)
    return int(PREVIEW_BASE_BYTES + cache_bytes + out_pixels * per_pixel * MARGIN + engine_bytes)


def check_memory(need: int, available: int | None, what: str, advice: str, share: str = "") -> None:
    """Refuse `what` when its `need` (bytes) passes the free memory, in the one wording every such refusal uses (the
    pipeline's jobs, the viewer's frames, eval's sequences), `advice` saying what to do instead."""
    available = available_memory() if available is None else available
    if available is not None and need > available:
        need_text, free_text = size_texts(need, available)
        raise VsrAppError(f"{what} needs about {need_text} of memory{share}, but only {free_text} is free; {advice}")
