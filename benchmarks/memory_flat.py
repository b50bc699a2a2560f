"""Does resident memory stay flat over a long video? (issue 7: growth under 50 MB after warm-up)

Generates a long clip of small frames (default 10,000 frames of 96x64 at 25 fps, with an AAC track as
long as the video), runs it through the same `process_video` the CLI, batch and GUI use, and samples the
process's resident set size (VmRSS from /proc/self/status; no psutil) as output frames are finished.
Warm-up is the first `--warmup` output frames (default 10%): allocator pools, the encoder's look-ahead and
torch's caches fill up there. Growth = the largest RSS after warm-up minus the RSS at the end of warm-up.

It also checks what users of similar tools complain about on long videos: every frame arrives (output
count = input count x rate factor), the video lasts as long as the input, and the audio still lasts as
long as the video at the end (no loss, no drift).

With `--files N` the same number of frames is split into N videos processed as one batch
(`vsr_app.batch.run_batch`), which measures what a long queue leaks per job rather than per frame.

    .venv/bin/python benchmarks/memory_flat.py                      # bicubic x4, 10,000 frames
    .venv/bin/python benchmarks/memory_flat.py --model student-untrained   # the real student's compute
    .venv/bin/python benchmarks/memory_flat.py --task interpolate --model blend
    .venv/bin/python benchmarks/memory_flat.py --files 100          # a queue of 100 videos of 100 frames

Prints one JSON object; exits 1 when the growth reaches --limit-mb (default 50).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_support import status_mb  # noqa: E402
from vsr_app.batch import run_batch  # noqa: E402
from vsr_app.bench import parse_size  # noqa: E402
from vsr_app.files import atomic_write  # noqa: E402
from vsr_app.nets.ops import set_threads  # noqa: E402
from vsr_app.video.packet_times import stream_durations  # noqa: E402
from vsr_app.video.pipeline import process_video  # noqa: E402

AUDIO_RATE = 48_000


def rss_mb() -> float:
    return status_mb("VmRSS")


def make_long_clip(path: Path, frames: int, width: int, height: int, fps: int) -> None:
    """A moving gradient with a slowly drifting colour (no scene cuts) plus a 440 Hz tone of the same length."""
    y, x = np.mgrid[0:height, 0:width]
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"preset": "ultrafast", "crf": "20"}
        audio = container.add_stream("aac", rate=AUDIO_RATE)
        audio.layout = "mono"
        samples_per_frame = AUDIO_RATE // fps
        sent = 0
        for i in range(frames):
            image = np.stack([(x * 3 + i) % 256, (y * 3 + i // 2) % 256, np.full_like(x, (i // 7) % 256)],
                             axis=-1).astype(np.uint8)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = i
            frame.time_base = Fraction(1, fps)
            container.mux(video.encode(frame))
            target = (i + 1) * samples_per_frame
            while sent < target:
                n = min(1024, target - sent)
                t = np.arange(sent, sent + n) / AUDIO_RATE
                chunk = av.AudioFrame.from_ndarray((0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None],
                                                   format="fltp", layout="mono")
                chunk.sample_rate, chunk.pts, chunk.time_base = AUDIO_RATE, sent, Fraction(1, AUDIO_RATE)
                container.mux(audio.encode(chunk))
                sent += n
        container.mux(video.encode(None))
        container.mux(audio.encode(None))


def untrained_student(folder: Path) -> str:
    """The student architecture at its default size with random weights: same memory behaviour as trained."""
    import torch

    from vsr_app.models import save_model
    from vsr_app.nets.vsr_student import VSRStudent

    torch.manual_seed(0)
    path = save_model(VSRStudent(), folder / "student-untrained", {"task": "upscale", "scale": 4,
                                                                   "arch": "vsr_student", "config": {}})
    return str(path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=10_000)
    parser.add_argument("--size", default="64x96", help="input HxW, as `vsr-app bench --size` (default 64x96)")
    parser.add_argument("--fps", type=int, default=25)
    parser.add_argument("--task", choices=("upscale", "interpolate"), default="upscale")
    parser.add_argument("--model", default=None, help="bicubic (default for upscale), blend, student-untrained, "
                                                         "or any model name/path")
    parser.add_argument("--codec", default="libx264")
    parser.add_argument("--preset", default=None, help="the encoder's speed preset (default: the app's)")
    parser.add_argument("--files", type=int, default=1, help="split the frames into this many videos, run as a batch")
    parser.add_argument("--warmup", type=int, default=None, help="output frames of warm-up (default 10%%)")
    parser.add_argument("--limit-mb", type=float, default=50.0)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument("--out", help="also write the JSON result here")
    args = parser.parse_args()

    if args.threads:
        set_threads(args.threads)
    height, width = parse_size(args.size)
    factor = 2 if args.task == "interpolate" else 1
    if args.frames % args.files:
        parser.error("--frames must be a multiple of --files")
    total_out = args.frames * factor
    warmup = args.warmup if args.warmup is not None else total_out // 10
    with tempfile.TemporaryDirectory(prefix="vsr-memflat-") as tmp:
        tmp = Path(tmp)
        src = tmp / "in" / "long.mp4"
        src.parent.mkdir()
        t0 = time.monotonic()
        make_long_clip(src, args.frames // args.files, width, height, args.fps)
        for i in range(1, args.files):
            shutil.copyfile(src, src.with_name(f"copy{i:04d}.mp4"))
        generate_s = time.monotonic() - t0
        model = args.model or ("bicubic" if args.task == "upscale" else "blend")
        if model == "student-untrained":
            model = untrained_student(tmp)
        samples: list[tuple[int, float]] = []

        def on_progress(info):
            samples.append((info.done, rss_mb()))

        start_rss = rss_mb()
        t0 = time.monotonic()
        if args.files == 1:
            summary = process_video(src, tmp / "out" / "long.mkv", codec=args.codec, preset=args.preset,
                                    progress=on_progress, **{args.task: model})
            frames_in, frames_out, (out_w, out_h) = summary.frames_in, summary.frames_out, summary.output_size
        else:
            report = run_batch(src.parent, tmp / "out", task=args.task, model=model, codec=args.codec,
                               preset=args.preset, progress=on_progress)
            frames_in = sum(f.frames_in or 0 for f in report.files)
            frames_out = sum(f.frames_out or 0 for f in report.files)
            out_w, out_h = report.files[0].output_size
        seconds = time.monotonic() - t0
        end_rss = rss_mb()
        after = [rss for done, rss in samples if done >= warmup]
        at_warmup = after[0] if after else end_rss
        growth = max(after + [end_rss]) - at_warmup
        first_output = next((tmp / "out").glob("long.*"))  # .mkv, or the input's .mp4 when a batch kept it
        src_seconds, out_seconds = stream_durations(src), stream_durations(first_output)

    result = {
        "task": args.task, "model": args.model or model, "input": f"{height}x{width}", "codec": args.codec,
        "preset": args.preset,
        "files": args.files, "frames_in": frames_in, "frames_out": frames_out, "expected_frames_out": total_out,
        "seconds": round(seconds, 1), "fps": round(frames_out / seconds, 1),
        "generate_seconds": round(generate_s, 1),
        "rss_mb": {"start": round(start_rss, 1), "end_of_warmup": round(at_warmup, 1), "end": round(end_rss, 1),
                   "max_after_warmup": round(max(after + [end_rss]), 1), "peak": round(status_mb("VmHWM"), 1)},
        # what limits.py's constants are calibrated from: the run's peak above its start, per output pixel
        "peak_bytes_per_output_pixel": round((status_mb("VmHWM") - start_rss) * 2**20 / (out_w * out_h)),
        "warmup_frames": warmup, "samples": len(samples),
        "growth_after_warmup_mb": round(growth, 1), "limit_mb": args.limit_mb,
        **{f"{kind}_seconds": {"input": round(src_seconds[kind], 3), "output": round(out_seconds[kind], 3)}
           for kind in ("video", "audio")},
        "flat": growth < args.limit_mb,
    }
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        atomic_write(Path(args.out), lambda tmp: tmp.write_text(text + "\n"))
    complete = frames_out == total_out
    return 0 if result["flat"] and complete else 1


if __name__ == "__main__":
    sys.exit(main())
