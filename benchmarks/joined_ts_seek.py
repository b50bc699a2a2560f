"""What a first seek costs in a large MPEG-TS of two recordings joined end to end (`cat a.ts b.ts`), and what finding
its joins costs, sampled and read through; the same for a file of the same size with no join.

Why: docs/ARCHITECTURE.md and `video/joins.py` quote these timings (a first seek anywhere in a 1.3 GB file, the
joins sampled against read through); they are measured here, by one command, so a quoted number can be checked and
measured again after a change.

    .venv/bin/python benchmarks/joined_ts_seek.py [--size-mb 1300] [--repeat 3] [--json]

The files are built cheaply in a temporary folder (removed at the end): a 2 s clip (480x272 H.264 and MP2 sound in
MPEG-TS) is encoded once per recording and its packets stream-copied over and over, their times moved on, to half
the size each; the joined file is the two recordings byte for byte, whose clock starts again half-way, the other is
one recording of the whole size. Each timing is taken in a fresh process (nothing read before, the joins' cache
empty; the files were just written, so they are read from the page cache, not the disk), the best of `--repeat`:
opening (`VideoReader`), a first seek near the start, in the middle (before the join), past the join and near the end
(`VideoReader.frames(start)` to its first frame), the joins sampled (`joins.file_joins(path, sampled=True)`, as a
seek reads them) and read through (`joins.file_joins(path)`, as a run's carried streams do). Each seek is taken
once more by a reader that reads the joins through first and the keyframes from the start (a file up to
EAGER_BYTES's path: "read through first"), timed, and the fast path must land on its frame (time and picture).
`--eager-bytes` sets `joins.EAGER_BYTES` in those processes, so a tiny file takes the large-file
path (the test does). The machine's cores and load average are printed: on a shared machine other work's load shows.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_support import load_average, machine  # noqa: E402
from vsr_app.video import joins  # noqa: E402
from vsr_app.video.reader import VideoReader  # noqa: E402

FPS, RATE, CLIP_SECONDS = 25, 48_000, 2
WIDTH, HEIGHT = 480, 272
TICKS = 90_000  # MPEG-TS's clock
EDGE = 10.5  # seconds from the start or the end, and past the join, a seek goes to (less in a short file)
LINE = 120  # characters a line of the printed text wraps at (as docs/RESULTS.md's)
EVERY_FRAME = 1 << 62  # joins.EAGER_BYTES for a reader that reads the joins through at its first packet


def clip(path: Path, seed: int) -> None:
    """A 2 s recording: a panning noise picture marked by `seed` (each recording's frames differ) and noise sound."""
    rng = np.random.default_rng(seed)
    with av.open(str(path), "w", format="mpegts") as out:
        video = out.add_stream("libx264", rate=FPS)
        video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        video.time_base = Fraction(1, FPS)
        video.options = {"preset": "ultrafast", "g": str(FPS), "crf": "27", "bf": "2"}
        audio = out.add_stream("mp2", rate=RATE)
        audio.layout = "mono"
        base = rng.integers(0, 255, (HEIGHT, WIDTH, 3), dtype=np.uint8)
        for i in range(FPS * CLIP_SECONDS):
            image = np.roll(base, 7 * i, axis=1)
            image[:40, :40 + 10 * i % 440] = (seed * 97 + 5 * i) % 256
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = i
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        for start in range(0, CLIP_SECONDS * RATE, 1152):
            sound = av.AudioFrame.from_ndarray(rng.integers(-3000, 3000, (1, 1152)).astype(np.int16), format="s16",
                                               layout="mono")
            sound.sample_rate, sound.pts, sound.time_base = RATE, start, Fraction(1, RATE)
            out.mux(audio.encode(sound))
        out.mux(audio.encode(None))


def recording(path: Path, clip_path: Path, repeats: int) -> None:
    """`clip_path`'s packets `repeats` times over, each time CLIP_SECONDS later: one recording on one clock."""
    with av.open(str(clip_path)) as source:
        packets = sorted(((p.stream.index, bytes(p), p.pts, p.dts, p.duration, p.is_keyframe, p.time_base)
                          for p in source.demux() if p.size), key=lambda p: float(p[3] * p[6]))
        with av.open(str(path), "w", format="mpegts") as out:
            streams = [out.add_stream_from_template(s) for s in source.streams]
            for r in range(repeats):
                for index, data, pts, dts, duration, keyframe, time_base in packets:
                    packet = av.Packet(data)
                    packet.stream, packet.time_base = streams[index], time_base
                    moved = r * CLIP_SECONDS * TICKS
                    packet.pts, packet.dts = pts + moved, dts + moved
                    packet.duration, packet.is_keyframe = duration, keyframe
                    out.mux(packet)


def build(folder: Path, size_mb: float) -> tuple[dict[str, Path], float]:
    """The joined file and the one with no join, each about `size_mb` MB, and their length in seconds."""
    clips = [folder / f"clip{k}.ts" for k in (0, 1)]
    for k, path in enumerate(clips):
        clip(path, k + 1)
    half = max(1, round(size_mb * 1e6 / 2 / clips[0].stat().st_size))
    files = {"joined": folder / "joined.ts", "no join": folder / "one.ts"}
    recording(files["no join"], clips[0], 2 * half)
    parts = [folder / f"part{k}.ts" for k in (0, 1)]
    for path, clip_path in zip(parts, clips):
        recording(path, clip_path, half)
    with open(files["joined"], "wb") as joined:
        for path in parts:
            with open(path, "rb") as part:
                shutil.copyfileobj(part, joined, 1 << 24)
            path.unlink()
    return files, 2 * half * CLIP_SECONDS


def seek_times(seconds: float, joined: bool) -> dict[str, float]:
    """Where each first seek goes, seconds from the start: the join is half-way (the other file's at the same times)."""
    middle, edge = seconds / 2, min(EDGE, seconds // 8 + 0.5)  # (between two frames)
    return {"start": edge, "middle": middle - edge, "past the join" if joined else "past the middle": middle + edge,
            "end": seconds - edge}


def measure(what: str, path: str, at: float) -> dict:
    """One timing in this process (`--measure`): "seek" opens a reader and takes its first frame from `at` seconds
    on; "sampled" and "full" read the file's joins."""
    if what != "seek":
        t0 = time.perf_counter()
        found = joins.file_joins(path, sampled=what == "sampled")
        return {"s": time.perf_counter() - t0, "joins": len(found.starts), "exact": found.exact}
    t0 = time.perf_counter()
    reader = VideoReader(path)
    t1 = time.perf_counter()
    frames = reader.frames(start=reader.info.start_time + at)
    frame = next(frames, None)
    frames.close()
    t2 = time.perf_counter()
    return {"open_s": t1 - t0, "s": t2 - t1,
            "landed": None if frame is None else frame.time - reader.info.start_time,
            "picture": None if frame is None else hashlib.md5(frame.image.tobytes()).hexdigest()}


def in_fresh_process(what: str, path: Path, at: float, eager_bytes: int | None) -> dict:
    """`measure` in a process of its own, `joins.EAGER_BYTES` set to `eager_bytes` there (None: left)."""
    command = [sys.executable, __file__, "--measure", what, "--file", str(path), "--at", repr(at)]
    if eager_bytes is not None:
        command += ["--eager-bytes", str(eager_bytes)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def best(runs: list[dict], key: str = "s") -> dict:
    """The run with the least `key`: the one other work on the machine disturbed least."""
    return min(runs, key=lambda run: run[key])


def file_rows(path: Path, seconds: float, joined: bool, repeat: int, eager_bytes: int | None) -> dict:
    """Every timing of one file, each the best of `repeat` fresh processes; each seek's frame and time once with the
    joins read through first (the path a file up to EAGER_BYTES takes: the keyframes read from the start)."""
    seeks, openings = [], []
    for where, at in seek_times(seconds, joined).items():
        runs = [in_fresh_process("seek", path, at, eager_bytes) for _ in range(repeat)]
        reference = in_fresh_process("seek", path, at, EVERY_FRAME)
        openings += runs
        fastest = best(runs)
        seeks.append({"where": where, "at": at, "s": fastest["s"], "read_through_s": reference["s"],
                      "landed": fastest["landed"],
                      "as_read_through": fastest["landed"] is not None and (fastest["landed"], fastest["picture"])
                      == (reference["landed"], reference["picture"])})
    found = {what: best([in_fresh_process(what, path, 0.0, eager_bytes) for _ in range(repeat)])
             for what in ("sampled", "full")}
    return {"mb": path.stat().st_size / 1e6, "seconds": seconds, "open_s": best(openings, "open_s")["open_s"],
            "seeks": seeks, "joins": found}


def table_lines(result: dict) -> Iterator[str]:
    """The result as a Markdown table, to paste into docs/RESULTS.md with the command that made it."""
    start = result["machine"]
    yield textwrap.fill(f"{start['cpu']}, {start['cores']} cores (load average {start['load_average']} at the start, "
                        f"{result['load_average_end']} at the end); PyAV {start['av']}, libavformat "
                        f"{result['libavformat']}; joins.EAGER_BYTES {result['eager_bytes']:,}", LINE)
    yield "\n" + textwrap.fill(
        f"Seconds, best of {result['repeat']} fresh processes; a seek's time is from the opened reader to its first "
        "frame; 'read through first' is one run of the same seek by a reader that reads the joins through first and "
        "then the keyframes from the start (a file up to EAGER_BYTES's path), and 'same frame' whether it gave the "
        "same frame (time and picture)", LINE) + "\n"
    yield "| file | MB | length s | step | s | landed at s | read through first s | same frame |"
    yield "|---|---:|---:|---|---:|---:|---:|---|"
    for name, rows in result["files"].items():
        lead = f"| {name} | {rows['mb']:.0f} | {rows['seconds']:.0f}"
        yield f"{lead} | opening | {rows['open_s']:.3f} | | | |"
        for seek in rows["seeks"]:
            landed = "no frame" if seek["landed"] is None else f"{seek['landed']:.2f}"
            yield (f"{lead} | first seek to {seek['at']:.1f} s ({seek['where']}) | {seek['s']:.3f} | {landed} | "
                   f"{seek['read_through_s']:.3f} | {'yes' if seek['as_read_through'] else 'NO'} |")
        for what, label in (("sampled", "joins sampled"), ("full", "joins read through")):
            found = rows["joins"][what]
            yield f"{lead} | {label} ({found['joins']} found) | {found['s']:.3f} | | | |"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size-mb", type=float, default=1300, help="size of each file (MB, 10^6 bytes)")
    ap.add_argument("--repeat", type=int, default=3, help="fresh processes each timing is the best of")
    ap.add_argument("--eager-bytes", type=int, default=None,
                    help="joins.EAGER_BYTES in the timed processes (default the app's): a smaller file than it "
                         "takes the large-file path")
    ap.add_argument("--folder", default=None, help="where the temporary folder is made (default the system's)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--measure", choices=("seek", "sampled", "full"), help=argparse.SUPPRESS)
    ap.add_argument("--file", help=argparse.SUPPRESS)
    ap.add_argument("--at", type=float, default=0.0, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.measure:  # a timed process of its own: its EAGER_BYTES is set here only (a test runs `main` in-process)
        if args.eager_bytes is not None:
            joins.EAGER_BYTES = args.eager_bytes
        print(json.dumps(measure(args.measure, args.file, args.at)))
        return 0

    result = {"machine": machine(), "libavformat": ".".join(map(str, av.library_versions["libavformat"])),
              "repeat": args.repeat, "eager_bytes": joins.EAGER_BYTES if args.eager_bytes is None else args.eager_bytes,
              "files": {}}
    with tempfile.TemporaryDirectory(prefix="joined_ts_seek_", dir=args.folder) as tmp:
        files, seconds = build(Path(tmp), args.size_mb)
        for name, path in files.items():
            result["files"][name] = file_rows(path, seconds, name == "joined", args.repeat, args.eager_bytes)
    result["load_average_end"] = load_average()
    print(json.dumps(result, indent=1) if args.json else "\n".join(table_lines(result)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
