"""What the colour path costs: the HDR tone map and wide-gamut conversion a frame, reading an HDR clip against the same
clip tagged SDR, and a folder of frames' sizes read from the files' headers against decoding each file.

Why: the project quotes these timings (tonemap.py, image_header.py, docs/ARCHITECTURE.md); they are measured here,
by one command, so a quoted number can be checked and measured again after a change.

    .venv/bin/python benchmarks/colour_path.py [--sizes 1080x1920,2160x3840] [--repeat 30] [--passes 5] [--json]

1. Per frame: one decoded frame of a synthetic 10-bit HEVC clip (libx265, 4:2:0, a textured panning picture), coded
   once and tagged four ways (SDR BT.709; wide-gamut SDR, BT.2020 primaries; HLG; PQ with a 1000-nit MaxCLL, as a
   phone writes them), through the reader's per-frame conversion (`pictures.to_rgb`, without the decode): SDR takes
   the 8-bit path, the others 16-bit RGB then `tonemap`. Then its steps alone: the 16-bit RGB conversion, and the tone
   map (`tonemap.to_sdr`) on its strip threads and on one thread. Of `--repeat` runs: the wall milliseconds' median,
   least and quartiles, and the median CPU milliseconds (every thread of the process; steadier on a busy machine).
2. Reading: each clip (`--frames` frames) through `VideoReader.frames()`, decode included, `--passes` times.
3. A folder of `--files` frames (`--folder-size`, JPEG quality 95 and PNG): `media.image_size` (from the header,
   which reads the whole file and, for a PNG, checks its chunks' CRCs) against `media.read_image` (OpenCV's decode),
   in ms a file, and opening the folder as the Compare tab does (`FrameFolder`, the sizes from headers).

Everything is written to a temporary folder, removed at the end; the files were just written, so they are read from
the page cache, not the disk. The machine's cores and load average are printed: on a shared machine other work's
load shows in the quartiles.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import av
import cv2
import numpy as np
from av.video.reformatter import ColorPrimaries, ColorRange, Colorspace, ColorTrc

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_support import load_average, machine  # noqa: E402
from vsr_app.bench import parse_size  # noqa: E402
from vsr_app.media import image_size, read_image  # noqa: E402
from vsr_app.video import tonemap  # noqa: E402
from vsr_app.video.frame_folder import FrameFolder  # noqa: E402
from vsr_app.video.pictures import RGB_FLAGS, _white_16bit, to_rgb  # noqa: E402
from vsr_app.video.reader import VideoReader  # noqa: E402
from vsr_app.video.tonemap import SOURCE_PEAK, hdr_of, to_sdr  # noqa: E402
from vsr_app.video.writer import repair_decode_time  # noqa: E402

# (matrix, primaries, transfer) of each tagging of the same coded picture; SDR first: the tables compare with it
TAGS = {
    "SDR BT.709": (Colorspace.ITU709, ColorPrimaries.BT709, ColorTrc.BT709),
    "wide-gamut SDR (BT.2020)": (Colorspace.BT2020, ColorPrimaries.BT2020, ColorTrc.BT709),
    "HLG": (Colorspace.BT2020, ColorPrimaries.BT2020, ColorTrc.ARIB_STD_B67),
    "PQ": (Colorspace.BT2020, ColorPrimaries.BT2020, ColorTrc.SMPTE2084),
}
PAN = 4  # pixels the picture moves a frame
X265_PARAMS = {"PQ": ":hdr10=1:max-cll=1000,400"}  # a PQ phone clip declares its peak (tonemap reads it each frame)


def picture(width: int, height: int, frames: int) -> np.ndarray:
    """An R'G'B' signal (0-1, float32) wide enough to pan `frames` frames across: gradients, waves, fine texture and a
    little noise, so that codecs and lookups see something like a scene rather than a flat or random field."""
    y, x = np.mgrid[0:height, 0:width + PAN * frames].astype(np.float32)
    waves = 0.15 * np.sin(x / 37) * np.cos(y / 23) + 0.05 * np.sin(0.9 * x + 0.4 * y)
    rgb = np.stack([x / x.max(), y / max(height - 1, 1), 0.5 + 2 * waves], -1) * 0.8 + 0.1
    rgb += np.random.default_rng(0).normal(0, 0.01, rgb.shape).astype(np.float32)
    return np.clip(rgb, 0, 1)


def write_clips(folder: Path, width: int, height: int, frames: int) -> dict[str, Path]:
    """The same panning picture coded once per tagging in TAGS, as 10-bit 4:2:0 HEVC in Matroska."""
    scene = picture(width, height, frames)
    paths = {name: folder / f"{name.split()[0].lower()}_{width}x{height}.mkv" for name in TAGS}
    containers = {name: av.open(str(path), "w") for name, path in paths.items()}
    try:
        streams = {name: _hevc_stream(containers[name], name, width, height) for name in TAGS}
        for t in range(frames):
            rgb48 = (scene[:, PAN * t:PAN * t + width] * 65535).astype(np.uint16)
            frame = av.VideoFrame.from_ndarray(rgb48, format="rgb48le").reformat(format="yuv420p10le")
            frame.pts = t
            for name, stream in streams.items():
                containers[name].mux(stream.encode(frame))
        for name, stream in streams.items():
            for packet in stream.encode():
                repair_decode_time(packet, "libx265", frames)
                containers[name].mux(packet)
    finally:
        for container in containers.values():
            container.close()
    return paths


def _hevc_stream(container, name: str, width: int, height: int):
    stream = container.add_stream("libx265", rate=25)
    stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p10le"
    stream.options = {"crf": "20", "preset": "ultrafast", "x265-params": "log-level=error" + X265_PARAMS.get(name, "")}
    matrix, primaries, transfer = TAGS[name]
    ctx = stream.codec_context
    ctx.colorspace, ctx.color_primaries, ctx.color_trc, ctx.color_range = (
        int(matrix), int(primaries), int(transfer), int(ColorRange.MPEG))
    return stream


def first_frame(path: Path) -> av.VideoFrame:
    """The clip's first frame as the decoder gives it to the reader."""
    with av.open(str(path)) as container:
        return next(container.decode(video=0))


def timed(call, repeat: int, per: int = 1) -> dict:
    """Wall ms of `repeat` calls of `call` (after one to warm up): median, least (the least disturbed by other work)
    and quartiles; the median CPU ms (all threads); each divided by `per`."""
    call()
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        call()
        walls.append((time.perf_counter() - wall) * 1000 / per)
        cpus.append((time.process_time() - cpu) * 1000 / per)
    q1, q3 = np.percentile(walls, [25, 75])
    return {"wall_ms": statistics.median(walls), "wall_min_ms": min(walls), "wall_q1_ms": float(q1),
            "wall_q3_ms": float(q3), "cpu_ms": statistics.median(cpus)}


@contextmanager
def strip_threads(count: int):
    """The tone map with its strips on `count` threads instead of one a core (`tonemap._strip_workers`)."""
    made = tonemap._strip_workers
    with ThreadPoolExecutor(count) as pool:
        tonemap._strip_workers = lambda: pool
        try:
            yield
        finally:
            tonemap._strip_workers = made


def per_frame(clips: dict[str, Path], repeat: int) -> list[dict]:
    """The reader's conversion of one frame of each tagging, then the HDR steps alone."""
    frames = {name: first_frame(path) for name, path in clips.items()}
    rows = []
    for name, frame in frames.items():
        peak = hdr.peak if (hdr := hdr_of(frame)) else SOURCE_PEAK
        rows.append({"step": f"{name}: frame to RGB", **timed(lambda: to_rgb(frame, (0, False), peak), repeat)})
    deep = frames["PQ"].to_ndarray(format="gbrp16le", interpolation=RGB_FLAGS)
    rows.append({"step": "16-bit RGB alone (HDR, wide gamut)",
                 **timed(lambda: frames["PQ"].to_ndarray(format="gbrp16le", interpolation=RGB_FLAGS), repeat)})
    for name in ("HLG", "PQ"):
        hdr, white = hdr_of(frames[name]), _white_16bit(frames[name])
        tone_map = lambda: to_sdr(deep, hdr, white)  # noqa: E731
        rows.append({"step": f"{name}: tone map alone", **timed(tone_map, repeat)})
        with strip_threads(1):
            rows.append({"step": f"{name}: tone map alone, 1 thread", **timed(tone_map, repeat)})
    return rows


def reading(clips: dict[str, Path], passes: int) -> list[dict]:
    """Each clip read through the app's reader, decode and conversion, in ms a frame."""
    rows = []
    for name, path in clips.items():
        reader = VideoReader(path)
        read = lambda: sum(1 for _ in reader.frames())  # noqa: E731
        count = read()
        rows.append({"clip": name, "frames": count, **timed(read, passes, per=count)})
    return rows


def write_folder(folder: Path, ext: str, width: int, height: int, files: int) -> list[Path]:
    """`files` frames of a panning 8-bit picture, `ext` (".jpg": quality 95, ".png": OpenCV's default level)."""
    folder.mkdir()
    scene = (picture(width, height, files) * 255).astype(np.uint8)
    paths = [folder / f"{k:04d}{ext}" for k in range(files)]
    quality = [cv2.IMWRITE_JPEG_QUALITY, 95] if ext == ".jpg" else []
    for k, path in enumerate(paths):
        cv2.imwrite(str(path), scene[:, PAN * k:PAN * k + width], quality)
    return paths


def frame_folders(root: Path, width: int, height: int, files: int, passes: int) -> list[dict]:
    """Per format: the size from the header and the full decode, ms a file; opening the folder as the Compare tab
    does, ms in all."""
    rows = []
    for ext in (".jpg", ".png"):
        paths = write_folder(root / ext.lstrip("."), ext, width, height, files)
        rows.append({"format": ext.lstrip(".").upper(), "files": files,
                     "mb_per_file": sum(p.stat().st_size for p in paths) / files / 1e6,
                     "header": timed(lambda: [image_size(p, "frame") for p in paths], passes, per=files),
                     "decode": timed(lambda: [read_image(p, "frame") for p in paths], passes, per=files),
                     "open_folder": timed(lambda: FrameFolder(paths[0].parent), passes)})
    return rows


def print_tables(result: dict) -> None:
    """The result as Markdown tables, to paste into docs/RESULTS.md with the command that made them."""
    start, end = result["machine"], result["load_average_end"]
    print(f"{start['cpu']}, {start['cores']} cores (shared: load average {start['load_average']} at the start, "
          f"{end} at the end); tone map on {start['tone_map_threads']} threads; PyAV {start['av']}, "
          f"OpenCV {start['opencv']}, numpy {start['numpy']}")
    for block in result["sizes"]:
        print(f"\n{block['size']}, a frame: median of {result['repeat']} runs (wall ms, its least and quartiles; "
              "CPU ms of all threads)\n")
        print("| step | wall ms | least | Q1-Q3 | CPU ms | CPU ms over SDR |")
        print("|---|---:|---:|---:|---:|---:|")
        sdr = block["per_frame"][0]["cpu_ms"]
        for r in block["per_frame"]:
            over = f"{r['cpu_ms'] - sdr:+.1f}" if r["step"].endswith("frame to RGB") else ""
            print(f"| {r['step']} | {_wall(r)} | {r['cpu_ms']:.1f} | {over} |")
        print(f"\n{block['size']}, reading a {block['reading'][0]['frames']}-frame HEVC clip with VideoReader "
              f"(median of {result['passes']} passes, ms a frame)\n")
        print("| clip | frames/s | wall ms a frame | least | Q1-Q3 | CPU ms a frame | CPU ms over SDR |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        sdr = block["reading"][0]["cpu_ms"]
        for r in block["reading"]:
            print(f"| {r['clip']} | {1000 / r['wall_ms']:.1f} | {_wall(r)} | {r['cpu_ms']:.1f} | "
                  f"{r['cpu_ms'] - sdr:+.1f} |")
    print(f"\nA folder of {result['folder_size']} frames (median of {result['passes']} passes)\n")
    print("| format | files | MB a file | header ms a file | CPU | decode ms a file | CPU | decode / header (CPU) "
          "| open folder ms | CPU |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in result["folders"]:
        header, decode, opening = r["header"], r["decode"], r["open_folder"]
        print(f"| {r['format']} | {r['files']} | {r['mb_per_file']:.2f} | {header['wall_ms']:.2f} | "
              f"{header['cpu_ms']:.2f} | {decode['wall_ms']:.2f} | {decode['cpu_ms']:.2f} | "
              f"{decode['cpu_ms'] / header['cpu_ms']:.0f}x | {opening['wall_ms']:.0f} | {opening['cpu_ms']:.0f} |")


def _wall(timing: dict) -> str:
    """A timing's wall-clock cells: median, least, quartiles."""
    return (f"{timing['wall_ms']:.1f} | {timing['wall_min_ms']:.1f} | "
            f"{timing['wall_q1_ms']:.1f}-{timing['wall_q3_ms']:.1f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1080x1920,2160x3840",
                    help="frame sizes of the clips, HxW as `vsr-app bench --size`, comma-separated")
    ap.add_argument("--repeat", type=int, default=30, help="timed runs of each per-frame step")
    ap.add_argument("--frames", type=int, default=30, help="frames of each clip read")
    ap.add_argument("--passes", type=int, default=5, help="timed reads of each clip and of each folder")
    ap.add_argument("--files", type=int, default=200, help="frames in each folder of JPEGs or PNGs")
    ap.add_argument("--folder-size", default="1080x1920", help="the folder's frame size, HxW")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    folder_height, folder_width = parse_size(args.folder_size)
    result = {"machine": {**machine(), "opencv": cv2.__version__,
                          "tone_map_threads": tonemap._strip_workers()._max_workers},
              "repeat": args.repeat, "passes": args.passes, "folder_size": f"{folder_width}x{folder_height}",
              "sizes": []}
    with tempfile.TemporaryDirectory(prefix="colour_path_") as tmp:
        for text in args.sizes.split(","):
            height, width = parse_size(text)
            clips = write_clips(Path(tmp), width, height, args.frames)
            result["sizes"].append({"size": f"{width}x{height}", "per_frame": per_frame(clips, args.repeat),
                                    "reading": reading(clips, args.passes)})
            for path in clips.values():
                path.unlink()
        result["folders"] = frame_folders(Path(tmp), folder_width, folder_height, args.files, args.passes)
    result["load_average_end"] = load_average()
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print_tables(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
