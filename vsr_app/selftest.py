"""`vsr-app --selftest`: prove, headless and in seconds, that an installed or frozen app works end to end.

Why it exists beside the test suite: the frozen bundle ships neither tests nor pytest, and what breaks in a
bundle is a missing piece (a Qt platform plugin, an FFmpeg encoder, a torch submodule, a model file), not
the logic. So this loads every shipped model, runs a few frames of the bundled sample clip through each of
them (and through the bicubic/blend built-ins, which is all there is before any model is trained), writes a
short H.264 video, reads it back, starts Qt offscreen, and reports each step with a reason when it fails.

Sanity bounds (`MIN_*_PSNR`) are deliberately loose: they catch garbage (wrong weights, broken dtype paths,
a decoder returning noise), not quality; quality is what `vsr-app eval` measures.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Callable

import numpy as np

from vsr_app import APP_NAME, __version__
from vsr_app.errors import VsrAppError
from vsr_app.resources import models_dir, resource_path

SAMPLE = "sample.mp4"
ICON = "icon.png"
UPSCALE_FRAMES = 4  # frames each upscaler processes: enough to exercise recurrent state and clip chunking
DECODE_FRAMES = 7  # a 4-input interpolator predicts frame 3 from frames 0, 2, 4, 6
CROP = (96, 160)  # H, W from the clip's centre: the teachers run ~5x faster than on the whole 320x180 frame
MIN_CONSISTENCY_PSNR = 20.0  # dB, Y: an x4 output shrunk back vs its input (bicubic scores ~40 here)
MIN_MIDPOINT_PSNR = 20.0  # dB, Y: a predicted midpoint vs the true frame of the 25 fps sample
MIN_READBACK_PSNR = 30.0  # dB, Y: the written H.264 (CRF 18) video vs the frames handed to the encoder
# Qt platform plugins the bundle must carry: headless runs and CI, plus X11/XWayland desktops on Linux.
REQUIRED_QT_PLATFORMS = ("offscreen", "minimal", "xcb") if sys.platform.startswith("linux") else ("offscreen", "minimal")
DESKTOP_QT_PLATFORMS = ("xcb", "wayland") if sys.platform.startswith("linux") else ()  # libq<name>.so: Linux names


@dataclass
class Check:
    """One step of the self-test: passed or not, what it found (or why it failed), how long it took."""

    name: str
    ok: bool
    detail: str
    seconds: float


@dataclass
class SelftestReport:
    checks: list[Check] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def lines(self) -> list[str]:
        """The printed summary: one line per check, then the verdict (the reasons again when it failed)."""
        width = max([28] + [len(c.name) + 2 for c in self.checks])  # a long model name keeps a gap before its detail
        out = [f"{'ok' if c.ok else 'FAIL':<5}{c.name:<{width}}{c.detail}  ({c.seconds:.1f} s)" for c in self.checks]
        if self.ok:
            out.append(f"selftest passed: {len(self.checks)} checks in {self.seconds:.1f} s")
        else:
            bad = self.failures
            out.append(f"selftest FAILED: {len(bad)} of {len(self.checks)} checks")
            out += [f"  {c.name}: {c.detail}" for c in bad]
        return out


class _Runner:
    """Runs named steps, turning any exception into a failed Check with a one-line reason."""

    def __init__(self, report: SelftestReport, progress: Callable[[Check], None] | None):
        self.report, self.progress = report, progress

    def __call__(self, name: str, step: Callable[[], str]) -> bool:
        started = time.monotonic()
        try:
            detail, ok = step(), True
        except VsrAppError as exc:
            detail, ok = str(exc), False
        except Exception as exc:  # a broken bundle fails in unforeseen ways: name the exception and where
            where = traceback.extract_tb(exc.__traceback__)[-1]
            detail, ok = f"{type(exc).__name__}: {exc} (at {Path(where.filename).name}:{where.lineno})", False
        check = Check(name, ok, detail, time.monotonic() - started)
        self.report.checks.append(check)
        if self.progress is not None:
            self.progress(check)
        return ok


def run_selftest(workdir: str | os.PathLike | None = None,
                 progress: Callable[[Check], None] | None = None) -> SelftestReport:
    """Run every check (later ones still run when an earlier one fails, unless they depend on it).

    `workdir` receives the test video (a temporary folder, removed afterwards, when None); `progress` is
    called with each finished Check.
    """
    report = SelftestReport()
    started = time.monotonic()
    check = _Runner(report, progress)
    state: dict = {}
    with tempfile.TemporaryDirectory(prefix="vsr-app-selftest-") as tmp:
        folder = Path(workdir) if workdir is not None else Path(tmp)
        check("runtime", _runtime)
        check("resources", _resources)
        if check("decode sample clip", lambda: _decode_sample(state)):
            check("deinterlacing filters", _deinterlacing)
            shipped = _shipped_model_files()
            check("shipped models", lambda: _describe_shipped(shipped))
            for path in shipped:
                check(f"model {path.stem}", lambda p=path: _model(p, state))
            check("built-in bicubic", lambda: _model("bicubic", state))
            check("built-in blend", lambda: _model("blend", state))
            check("write + read back video", lambda: _write_and_read_back(folder, state))
        check("Qt offscreen", _qt)
    report.seconds = time.monotonic() - started
    return report


# ---- the checks (each returns its one-line finding or raises) ----

def _runtime() -> str:
    import av
    import torch

    from vsr_app.cpu_precision import cpu_precision_note

    cuda = f"CUDA {torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else "no CUDA"
    return (f"{APP_NAME} {__version__}; torch {torch.__version__} ({torch.get_num_threads()} threads, CPU "
            f"{cpu_precision_note()}, {cuda}); PyAV {av.__version__} (FFmpeg {_ffmpeg_version(av)})")


def _ffmpeg_version(av) -> str:
    version = av.library_versions.get("libavcodec")
    return ".".join(map(str, version)) if version else "?"


def _resources() -> str:
    missing = [name for name in (SAMPLE, ICON) if not resource_path(name).is_file()]
    if missing:
        raise VsrAppError(f"missing from {resource_path()}: {', '.join(missing)}")
    return f"{resource_path()} holds {SAMPLE} and {ICON}"


def _decode_sample(state: dict) -> str:
    from vsr_app.video.reader import VideoReader

    reader = VideoReader(resource_path(SAMPLE))
    frames = [f.image for f in islice(reader.frames(), DECODE_FRAMES)]
    if len(frames) < DECODE_FRAMES:
        raise VsrAppError(f"{SAMPLE} gave only {len(frames)} frames, expected at least {DECODE_FRAMES}")
    h, w = frames[0].shape[:2]
    ch, cw = min(CROP[0], h), min(CROP[1], w)
    y, x = (h - ch) // 2, (w - cw) // 2
    state["frames"] = [np.ascontiguousarray(f[y:y + ch, x:x + cw]) for f in frames]
    state["fps"] = reader.info.fps
    return f"{len(frames)} frames {w}x{h} at {reader.info.fps:g} fps ({reader.info.codec}), centre {cw}x{ch} used"


def _deinterlacing() -> str:
    from vsr_app.video.deinterlace import check_filters

    return check_filters()


def _shipped_model_files() -> list[Path]:
    """Every weights file in the shipped models folder: each must load (list_models would skip broken ones)."""
    folder = models_dir()
    return sorted(folder.glob("*.safetensors")) if folder.is_dir() else []


def _describe_shipped(files: list[Path]) -> str:
    """What models/ holds; a card whose weights are gone fails, and so, in the packaged app, does a missing model
    the app reaches for by name (`shipped.PREFERRED`): a bundle built without them passed and failed at run time."""
    from vsr_app.shipped import PREFERRED

    folder = models_dir()
    orphans = sorted(p.name for p in folder.glob("*.json") if not p.with_suffix(".safetensors").is_file()) \
        if folder.is_dir() else []
    if orphans:
        raise VsrAppError(f"model card(s) without their weights in {folder}: {', '.join(orphans)}")
    if getattr(sys, "frozen", False):
        wanted = [name for p in PREFERRED.values() for name in (p.student, p.teacher)]
        missing = [name for name in wanted if not (folder / f"{name}.safetensors").is_file()]
        if missing:
            raise VsrAppError(f"the packaged app's models are missing from {folder}: {', '.join(missing)}")
    if not files:
        return f"none in {folder} yet: only the built-ins are tested"
    return f"{len(files)} in {folder}: {', '.join(p.stem for p in files)}"


def _model(name_or_path: str | Path, state: dict) -> str:
    from vsr_app.models import load_model

    loaded = load_model(str(name_or_path), "cpu")
    params = f"{loaded.info.params:,} params, " if loaded.info.params else ""
    if loaded.task == "upscale":
        finding = _upscale(loaded, state)
    elif loaded.task == "interpolate":
        finding = _interpolate(loaded, state["frames"])
    else:
        raise VsrAppError(f"card of {loaded.name} names an unknown task '{loaded.task}'")
    return f"{loaded.name}: {params}{finding}"


def _upscale(loaded, state: dict) -> str:
    import cv2

    from vsr_app.inference import make_upscaler
    from vsr_app.metrics import psnr_y

    frames = state["frames"][:UPSCALE_FRAMES]
    engine = make_upscaler(loaded, "cpu")
    started = time.monotonic()
    outputs = [out for frame in frames for out in engine.push(frame)] + engine.flush()
    seconds = time.monotonic() - started
    if len(outputs) != len(frames):
        raise VsrAppError(f"{loaded.name} returned {len(outputs)} frames for {len(frames)}")
    h, w = frames[0].shape[:2]
    scale = loaded.info.scale
    wrong = [o.shape for o in outputs if o.shape != (h * scale, w * scale, 3) or o.dtype != np.uint8]
    if wrong:
        raise VsrAppError(f"{loaded.name} returned {wrong[0]} frames, expected {(h * scale, w * scale, 3)} uint8")
    shrunk = [cv2.resize(o, (w, h), interpolation=cv2.INTER_AREA) for o in outputs]
    consistency = min(psnr_y(s, f) for s, f in zip(shrunk, frames))
    if consistency < MIN_CONSISTENCY_PSNR:
        raise VsrAppError(f"{loaded.name}'s output does not resemble its input (shrunk back: {consistency:.1f} dB "
                          f"Y-PSNR < {MIN_CONSISTENCY_PSNR:g}); the weights or the runtime are broken")
    if "upscaled" not in state:  # shipped models run first: the video check writes a trained net's output
        state["upscaled"], state["upscaled_from"] = outputs, loaded.name
    return (f"{len(frames)} frames {w}x{h} -> {w * scale}x{h * scale} in {seconds:.1f} s, "
            f"shrunk back {consistency:.1f} dB")


def _interpolate(loaded, frames: list[np.ndarray]) -> str:
    from vsr_app.inference import make_interpolator
    from vsr_app.metrics import psnr_y

    engine = make_interpolator(loaded, "cpu")
    k = engine.num_inputs
    centre = k - 1  # inputs are every other frame around it: 0, 2 for two inputs; 0, 2, 4, 6 for four
    inputs = frames[0:2 * k:2]
    if len(inputs) != k:
        raise VsrAppError(f"{loaded.name} wants {k} input frames; the self-test decodes {len(frames)}")
    started = time.monotonic()
    middle = engine.midpoint(inputs)
    seconds = time.monotonic() - started
    truth = frames[centre]
    if middle.shape != truth.shape or middle.dtype != np.uint8:
        raise VsrAppError(f"{loaded.name} returned a {middle.dtype} {middle.shape} frame, expected {truth.shape}")
    score = psnr_y(middle, truth)
    if score < MIN_MIDPOINT_PSNR:
        raise VsrAppError(f"{loaded.name}'s midpoint does not resemble the true frame ({score:.1f} dB Y-PSNR "
                          f"< {MIN_MIDPOINT_PSNR:g}); the weights or the runtime are broken")
    return f"{k} inputs -> midpoint in {seconds:.2f} s, {score:.1f} dB vs the true frame"


def _write_and_read_back(folder: Path, state: dict) -> str:
    from vsr_app.metrics import psnr_y
    from vsr_app.video.disk_space import size_text
    from vsr_app.video.reader import VideoReader
    from vsr_app.video.writer import VideoWriter

    frames = state.get("upscaled")
    if not frames:
        raise VsrAppError("no upscaled frames to write (every upscaling model failed above)")
    h, w = frames[0].shape[:2]
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "selftest.mp4"
    fps = state["fps"]
    with VideoWriter(target, width=w, height=h, frame_rate=fps, codec="libx264", crf=18, preset="veryfast",
                     overwrite=True) as writer:
        for i, frame in enumerate(frames):
            writer.write(frame, i / fps)
    result = writer.result
    reader = VideoReader(target)
    back = [f.image for f in reader.frames()]
    if len(back) != len(frames):
        raise VsrAppError(f"{target.name} reads back {len(back)} frames, {len(frames)} were written")
    if back[0].shape != frames[0].shape:
        raise VsrAppError(f"{target.name} reads back {back[0].shape[1]}x{back[0].shape[0]}, wrote {w}x{h}")
    score = min(psnr_y(a, b) for a, b in zip(back, frames))
    if score < MIN_READBACK_PSNR:
        raise VsrAppError(f"{target.name} reads back different pictures ({score:.1f} dB Y-PSNR < "
                          f"{MIN_READBACK_PSNR:g})")
    return (f"{result.frames} frames {w}x{h} ({state['upscaled_from']}) -> {result.codec}, "
            f"{size_text(result.size_bytes)}, read back at {score:.1f} dB")


def _qt() -> str:
    """Qt starts offscreen, finds its platform plugins, decodes the icon, and the GUI modules import."""
    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import QLibraryInfo
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QApplication

    from vsr_app.gui.app import platform_plugin_error, utf8_locale_for_qt

    plugins = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforms"
    # libqxcb.so / qxcb.dll / libqcocoa.dylib -> xcb, cocoa
    found = sorted(p.name.split(".")[0].removeprefix("lib").removeprefix("q")
                   for p in plugins.iterdir()) if plugins.is_dir() else []
    missing = [p for p in REQUIRED_QT_PLATFORMS if p not in found]
    if missing:
        raise VsrAppError(f"Qt platform plugins missing from {plugins}: {', '.join(missing)}")
    utf8_locale_for_qt()
    app = QApplication.instance() or QApplication([APP_NAME, "-platform", "offscreen"])
    image = QImage(str(resource_path(ICON)))
    if image.isNull():
        raise VsrAppError(f"Qt cannot decode {resource_path(ICON)} (image format plugins missing?)")
    import vsr_app.gui.main_window  # noqa: F401  - pyqtgraph, superqt and every panel must be importable

    # present is not enough: a library a desktop plugin links may be missing here (the desktop app then says which;
    # not a failure: the desktops it runs on may have it, as Qt's own wheels expect)
    why = {name: platform_plugin_error(name) for name in DESKTOP_QT_PLATFORMS if name in found}
    shown = [f"{name} (does not load here: {why[name]})" if why.get(name) else name for name in found]
    return (f"PySide6 {pyside_version} on '{app.platformName()}', platforms: {', '.join(shown)}; "
            f"icon {image.width()}x{image.height()}; GUI modules import")


def main() -> int:
    """Entry for `vsr-app --selftest`: prints each check as it finishes, then the verdict; exit 0 or 1."""
    report = run_selftest(progress=lambda c: print(report_line(c), flush=True))
    for line in report.lines()[len(report.checks):]:
        print(line, file=sys.stdout if report.ok else sys.stderr, flush=True)
    return 0 if report.ok else 1


def report_line(check: Check) -> str:
    return SelftestReport([check]).lines()[0]
