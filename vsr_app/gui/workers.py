"""Background threads for the GUI: models and decoding never run on the GUI thread; only signals cross.

- `FrameWorker` serves the viewer: it owns the video's `FrameService` and always works on the newest
  request (scrubbing the slider replaces, not queues, requests), then pre-computes the next frame. A side made
  while the other's model is still at work is sent `early`, for the viewer to show at once.
- `Job` runs any Qt-free long operation that takes `progress` and `cancel` (export, analysis) on Qt's thread
  pool and turns its outcome into signals: done / failed(message) / cancelled.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThread, QThreadPool, Signal

from vsr_app.memory import release_free_memory
from vsr_app.errors import Cancelled, VsrAppError
from vsr_app.gui.processing import FrameService, KnownFailure, Request
from vsr_app.gui.source_frames import PastTheEnd

# Renders between giving the frame worker's free heap back: each frame's temporaries are freed between cached
# frames, where glibc's trim threshold cannot reach (a 2.7 GB peak for a 768 MB cache measured without; 1.4 GB with a
# trim every 25 renders, playback speed unchanged: docs/RESULTS.md).
TRIM_EVERY = 25

log = logging.getLogger(__name__)


def error_message(exc: BaseException) -> str:
    """What the user is told: our own errors as written, anything else with its type (a bug, not their fault)."""
    if isinstance(exc, VsrAppError):
        return str(exc)
    log.error("unexpected error in a background task", exc_info=exc)
    return f"Unexpected error ({type(exc).__name__}): {exc}"


class FrameWorker(QThread):
    """Opens videos and renders comparisons on its own thread, newest request first."""

    opened = Signal(object)  # VideoInfo of the video now open
    rendered = Signal(object)  # processing.Rendered
    early = Signal(object)  # processing.Rendered of one side, the other's model still at work (`Rendered.pending`)
    failed = Signal(str, str)  # title, message: for a dialog
    # request, why that view has nothing to show: too few frames (not an error), a render that failed (after
    # `failed`), a side whose model failed to load before (said once: no new dialog)
    unavailable = Signal(object, str)
    busy = Signal(str)  # what is being computed; "" when idle

    def __init__(self, cache_bytes: int = 768 << 20, parent=None):
        super().__init__(parent)
        self.cache_bytes = cache_bytes
        self._cond = threading.Condition()
        self._path: str | None = None
        self._request: Request | None = None
        self._prefetch: Request | None = None
        self._forget = False
        self._quit = False
        self.service: FrameService | None = None  # touched only on the worker thread
        self.renders = 0

    # ---- called from the GUI thread ----
    def open(self, path: str) -> None:
        """Open `path`; a frame asked for meanwhile is still made if it fails to (the open video stays)."""
        with self._cond:
            self._path, self._prefetch = path, None
            self._cond.notify()

    def request(self, request: Request, prefetch: Request | None = None) -> None:
        """Render `request` (replacing any not yet started), then quietly compute `prefetch` into the cache."""
        with self._cond:
            self._request, self._prefetch = request, prefetch
            self._cond.notify()

    def forget_models(self) -> None:
        """Reload engines on next use (new models were trained, or the device changed)."""
        with self._cond:
            self._forget = True
            self._cond.notify()

    def stop(self) -> None:
        with self._cond:
            self._quit = True
            self._cond.notify()
        self.wait()

    # ---- worker thread ----
    def _superseded(self, rendering: Request | None = None, serves=None) -> bool:
        """Whether newer work waits: a quit, an Open, a request. Inside a net's call (`serves`: whether finishing it
        helps reach a position) a request for the same choices that it helps does not count: playing asks for the
        frame being prefetched."""
        if self._quit or self._path is not None:
            return True
        newer = self._request
        if newer is None:
            return False
        same_choices = rendering is not None and newer.same_choices(rendering)
        return not (serves is not None and same_choices and serves(newer.position))

    def run(self) -> None:
        while True:
            with self._cond:
                while not (self._quit or self._path or self._request or self._forget or self._prefetch):
                    self._cond.wait()
                if self._quit:
                    break
                path, self._path = self._path, None
                forget, self._forget = self._forget, False
                request, self._request = self._request, None
                prefetch = None
                if request is None:
                    prefetch, self._prefetch = self._prefetch, None
            if path is not None and self._open(path):
                request = None  # asked of the video that was open before
            if forget and self.service is not None:
                self.service.forget_models()
            if request is not None:
                self._render(request, emit=True)
            elif prefetch is not None:
                self._render(prefetch, emit=False)
            self.busy.emit("")
        if self.service is not None:
            self.service.close()

    def _open(self, path: str) -> bool:
        """Whether `path` is now the open video."""
        self.busy.emit(f"opening {path}")
        try:
            service = FrameService(path, self.cache_bytes)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a dialog, the old video stays open
            what = "folder of frames" if Path(path).is_dir() else "video"
            self.failed.emit(f"Cannot open {what}", error_message(exc))
            return False
        if self.service is not None:
            self.service.close()
            release_free_memory()  # the old video's cached frames
        self.service = service
        self.opened.emit(service.info)
        return True

    def _render(self, request: Request, emit: bool) -> None:
        if self.service is None:
            return
        try:
            rendered = self.service.render(request, self.busy.emit if emit else lambda _: None,
                                           lambda serves=None: self._superseded(request, serves),
                                           self.early.emit if emit else None)
        except PastTheEnd:  # only the video's end: an IndexError from a model is a failure, said below
            if emit:
                self.unavailable.emit(request, "This video has too few frames for this view.")
            return
        except KnownFailure as known:
            if emit:
                self.unavailable.emit(request, error_message(known.cause))
            return
        except Exception as exc:  # noqa: BLE001
            if emit and not self._superseded():  # not a dialog about choices the user has already left
                message = error_message(exc)
                # a refusal (the memory, a model of the other task) is not a failure of the app
                self.failed.emit("Cannot show this comparison" if isinstance(exc, VsrAppError) else "Processing failed",
                                 message)
                self.unavailable.emit(request, message)  # or the view keeps the last choices' picture and figures
            return
        if rendered is None and emit:  # superseded; by an open, the frame is still wanted if that open fails
            with self._cond:
                self._request = self._request or request
        elif emit:
            self.rendered.emit(rendered)
        self.renders += 1
        if self.renders % TRIM_EVERY == 0:
            release_free_memory()


class _Outcome(QObject):
    """What a job's thread says, to its Job on the GUI thread. Not the Job's child: a Job deleted with its window
    only drops the connections, and the thread goes on emitting into nothing."""

    progressed = Signal(tuple)
    returned = Signal(object)
    errored = Signal(object)
    finished = Signal()


class _Run(QRunnable):
    """`fn` on a pool thread, its outcome emitted; silently where Qt has deleted the emitter: the app quit with the
    job running, and PySide's "Signal source has been deleted" traceback reached the terminal."""

    running: set[_Run] = set()  # every job started and not ended, for `finish_jobs`

    def __init__(self, fn, args, kwargs, outcome: _Outcome, cancel: threading.Event):
        super().__init__()
        self.call = lambda: fn(*args, progress=self.progress, cancel=cancel, **kwargs)
        self.outcome = outcome
        self.cancel = cancel

    def progress(self, *values) -> None:
        self.emit(self.outcome.progressed, values)

    def run(self) -> None:
        try:
            value = self.call()
        except Exception as exc:  # noqa: BLE001 - every failure is the Job's `failed` (or `cancelled`)
            self.emit(self.outcome.errored, exc)
        else:
            self.emit(self.outcome.returned, value)
        self.emit(self.outcome.finished)
        _Run.running.discard(self)

    @staticmethod
    def emit(signal, *values) -> None:
        try:
            signal.emit(*values)
        except RuntimeError:  # Signal source has been deleted: the app is quitting, nobody is there to tell
            pass


def finish_jobs(timeout_ms: int = 30_000) -> bool:
    """Cancel every job still running and wait for them (up to `timeout_ms`), so that they end before Python does:
    a parameter count started as the window closed ran on into the interpreter's exit (a torch INTERNAL ASSERT).
    Whether all have ended."""
    for run in list(_Run.running):
        run.cancel.set()
    return QThreadPool.globalInstance().waitForDone(timeout_ms)


class Job(QObject):
    """`fn(*args, progress=..., cancel=..., **kwargs)` on a worker thread; progress arrives as a tuple signal."""

    progressed = Signal(tuple)
    done = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    finished = Signal()  # after any of the three above

    def __init__(self, fn, *args, parent=None, **kwargs):
        super().__init__(parent)
        self.cancel_event = threading.Event()
        self.running = False
        self._outcome = _Outcome()
        self._outcome.progressed.connect(self.progressed)
        self._outcome.returned.connect(self._returned)
        self._outcome.errored.connect(self._errored)
        self._outcome.finished.connect(self._finished)
        self._run = _Run(fn, args, kwargs, self._outcome, self.cancel_event)

    # `running` turns False before the outcome is announced: a handler of done/failed/cancelled (a dialog that
    # closes itself, a test that closes it) must not see the job as still running and ask to cancel it
    def _returned(self, value) -> None:
        self.running = False
        self.done.emit(value)

    def _errored(self, exc: BaseException) -> None:
        self.running = False
        if isinstance(exc, Cancelled):
            self.cancelled.emit()
        else:
            self.failed.emit(error_message(exc))

    def _finished(self) -> None:
        self.running = False
        self.finished.emit()
        self.deleteLater()  # its owner keeps at most the Python side (`running` and `cancel` still work)

    def start(self) -> None:
        # the global QThreadPool is sized to the CPU count; jobs last minutes, so a third one on a 2-core machine
        # would silently wait for a free thread: grow the pool instead.
        pool = QThreadPool.globalInstance()
        if pool.activeThreadCount() >= pool.maxThreadCount():
            pool.setMaxThreadCount(pool.activeThreadCount() + 1)
        self.running = True
        _Run.running.add(self._run)
        pool.start(self._run)

    def cancel(self) -> None:
        self.cancel_event.set()

    @property
    def cancelling(self) -> bool:
        """Cancel was asked and the work has not ended yet (a frame in work, the teacher's on a CPU, takes long)."""
        return self.running and self.cancel_event.is_set()
