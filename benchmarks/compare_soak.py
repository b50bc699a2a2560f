"""Resident memory of the Compare tab's frame worker over a long playback, with and without its heap trim.

Plays a generated clip front to back through the GUI's own `FrameWorker` (the thread the Compare tab renders on:
each frame requested with the next one to prefetch, as playback does), headless, and samples the process's
resident set size (VmRSS) every `--every` frames. The worker's cache holds at most `--cache-mb` of frames; what
the process holds above the cache is per-frame garbage the allocator kept. `--no-trim` turns off the worker's
`malloc_trim` (vsr_app.memory.release_free_memory) to measure what it saves.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/compare_soak.py --frames 600
    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/compare_soak.py --frames 600 --no-trim

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_support import make_clip, status_mb  # noqa: E402
from vsr_app.bench import parse_size  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=600)
    parser.add_argument("--size", default="180x320", help="input HxW, as `vsr-app bench --size`")
    parser.add_argument("--sides", default="vsr-x4-student,bicubic", help="two upscale models")
    parser.add_argument("--cache-mb", type=int, default=768, help="the worker's frame cache (the app's default)")
    parser.add_argument("--every", type=int, default=25, help="frames between memory samples")
    parser.add_argument("--no-trim", action="store_true", help="without the worker's periodic malloc_trim")
    args = parser.parse_args()
    height, width = parse_size(args.size)

    from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

    from vsr_app.gui import workers
    from vsr_app.gui.processing import Request
    from vsr_app.nets.ops import set_threads

    set_threads(2)
    if args.no_trim:
        workers.release_free_memory = lambda: None
    app = QCoreApplication.instance() or QCoreApplication([])
    sides = tuple(args.sides.split(","))
    with tempfile.TemporaryDirectory() as tmp:
        clip = Path(tmp) / "clip.mp4"
        make_clip(clip, width, height, frames=args.frames)
        worker = workers.FrameWorker(args.cache_mb << 20)
        loop = QEventLoop()
        shown: list[int] = []
        worker.opened.connect(lambda _info: loop.quit())
        worker.rendered.connect(lambda rendered: (shown.append(rendered.position), loop.quit()))
        worker.failed.connect(lambda title, message: sys.exit(f"{title}: {message}"))
        worker.start()
        worker.open(str(clip))
        loop.exec()
        start = status_mb("VmRSS")
        stuck = QTimer(singleShot=True, interval=600_000)  # a stuck render ends the run instead of hanging it
        stuck.timeout.connect(loop.quit)
        samples = []
        began = time.perf_counter()
        for k in range(args.frames):
            worker.request(Request(k, "upscale", sides, "cpu"), Request(k + 1, "upscale", sides, "cpu"))
            stuck.start()
            loop.exec()
            if (k + 1) % args.every == 0:
                samples.append(status_mb("VmRSS"))
        seconds = time.perf_counter() - began
        worker.stop()
    app.processEvents()
    print(json.dumps({
        "frames": args.frames, "shown": len(shown), "size": args.size, "sides": list(sides),
        "cache_mb": args.cache_mb, "trim": not args.no_trim, "seconds": round(seconds, 1),
        "fps": round(len(shown) / seconds, 2), "rss_after_open_mb": round(start),
        "rss_peak_mb": round(max(samples)), "rss_end_mb": round(samples[-1]),
        "rss_samples_mb": [round(s) for s in samples],
    }))


if __name__ == "__main__":
    main()
