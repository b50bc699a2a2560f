"""Start the desktop app (or render its screenshot headless): Qt application setup in one place."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

from vsr_app import APP_NAME
from vsr_app.errors import VsrAppError

SIGNAL_CHECK_MS = 200  # how often Python gets the chance to run a signal handler while Qt's event loop runs
SPLASH_ICON_PX = 256
# a file the app appends "<moment> <time.time()>" to as the window shows and as its model lists are filled
# (benchmarks/first_window.py times the start with it)
STARTUP_MARKS = "VSR_APP_STARTUP_MARKS"


def _missing_display() -> str | None:
    """Why Qt's platform finds no display on Linux, or None where it has one or needs none (offscreen, vnc): Qt
    would abort (SIGABRT) blaming xcb-cursor0. A QT_QPA_PLATFORM set for every session (/etc/environment) names a
    display over SSH too; "wayland;xcb" names those Qt tries in turn, and one whose display is there is enough."""
    if not sys.platform.startswith("linux"):
        return None
    chosen = os.environ.get("QT_QPA_PLATFORM")
    if not chosen:
        if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):  # (Qt takes xcb where neither is set)
            return None
        return "DISPLAY or WAYLAND_DISPLAY is not set"
    needed = [_display_variable(platform) for platform in chosen.split(";") if platform.strip()]
    if not needed or not all(needed) or any(_has_display(variable) for variable in needed):
        return None
    needed = list(dict.fromkeys(needed))
    unset = "which is not" if len(needed) == 1 else "neither"
    return f"QT_QPA_PLATFORM={chosen} needs {' or '.join(needed)}, {unset} set"


def _display_variable(platform: str) -> str | None:
    """The variable naming the display Qt's platform `platform` ("xcb", "wayland-egl:option") shows on, or None
    for one that needs no display server."""
    name = platform.split(":")[0].strip()
    if name == "xcb":
        return "DISPLAY"
    return "WAYLAND_DISPLAY" if name.startswith("wayland") else None


def _has_display(variable: str) -> bool:
    """Whether the display `variable` names is set; for Wayland also its default socket, which its clients connect
    to when WAYLAND_DISPLAY is not set."""
    if os.environ.get(variable):
        return True
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    return variable == "WAYLAND_DISPLAY" and bool(runtime) and os.path.exists(os.path.join(runtime, "wayland-0"))


# The Debian/Ubuntu packages of the X11 libraries Qt's xcb plugin links (Qt's own list for Qt 6)
XCB_PACKAGES = ("libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-shape0 "
                "libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0")
WAYLAND_PACKAGES = "libwayland-client0 libwayland-cursor0 libxkbcommon0"  # what Qt's wayland plugin links
GUI_PACKAGES = "libgl1 libegl1 libxkbcommon0 libfontconfig1"  # what QtGui itself links from the system


def platform_plugin_error(name: str) -> str | None:
    """Why Qt's platform plugin `name` ('xcb') cannot load here (a library it links is missing), or None. Qt then
    aborts naming libxcb-cursor0 whichever library is missing, so the app asks the loader first."""
    import _ctypes  # not ctypes.CDLL: in the packaged app PyInstaller's wrapper replaces the loader's message

    from PySide6.QtCore import QLibraryInfo

    folder = os.path.join(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath), "platforms")
    plugin = os.path.join(folder, f"libq{name}.so")
    if not os.path.isfile(plugin):
        return f"{plugin} is missing"
    try:
        _ctypes.dlopen(plugin, os.RTLD_NOW)
    except OSError as exc:
        return str(exc).removeprefix(f"{plugin}: ")
    return None


def _wayland_only() -> bool:
    """True where Qt will use its wayland plugin and no other: Linux with a Wayland display and wayland chosen, or
    no platform chosen (a container or distrobox session may lack the plugin's libraries)."""
    if not (sys.platform.startswith("linux") and os.environ.get("WAYLAND_DISPLAY")):
        return False
    return os.environ.get("QT_QPA_PLATFORM") in (None, "", "wayland")


def _wayland_or_x11() -> str | None:
    """Where Qt's wayland plugin does not load, the session's X11 server (XWayland) if xcb loads, chosen for Qt, which
    would abort instead; else why the window cannot open, as one line. None where nothing stands in the way."""
    why = platform_plugin_error("wayland")
    if why is None:
        return None
    if os.environ.get("DISPLAY") and not platform_plugin_error("xcb"):
        os.environ["QT_QPA_PLATFORM"] = "xcb"
        return None
    return (f"the desktop app cannot open the Wayland display: Qt's wayland plugin does not load ({why}); install the "
            f"Wayland libraries it needs (Debian/Ubuntu: sudo apt install {WAYLAND_PACKAGES}) or use an X11 session; "
            "the command-line tools work without a display")


def _gui_library_error() -> str | None:
    """Why Qt's GUI library does not load here (a system library it links is missing: OpenGL on a bare server), as
    one line, or None: its ImportError was a traceback, in the packaged app "Failed to execute script"."""
    try:
        import PySide6.QtGui  # noqa: F401
    except ImportError as exc:
        return (f"the desktop app cannot load Qt's GUI library ({exc}); install the graphics libraries it needs "
                f"(Debian/Ubuntu: sudo apt install {GUI_PACKAGES}); the command-line tools work without them")
    return None


def _refuse(message: str | None) -> None:
    """Stop the start with `message` (None: go on), also as a desktop notification for a user with no terminal."""
    if message is not None:
        _notify_desktop(message)
        raise VsrAppError(message)


def _x11_only() -> bool:
    """True where Qt will use its xcb plugin: Linux with an X11 display and xcb chosen, or no platform chosen and no
    Wayland display."""
    if not (sys.platform.startswith("linux") and os.environ.get("DISPLAY")):
        return False
    chosen = os.environ.get("QT_QPA_PLATFORM")
    return chosen == "xcb" or (not chosen and not os.environ.get("WAYLAND_DISPLAY"))


def _headless_if_no_display() -> None:
    """--screenshot must work over SSH and in CI: use Qt's offscreen platform when there is no display, or an X11
    one Qt's xcb plugin cannot load for (it needs no display: Qt would abort). That platform's notes on every window
    ("This plugin does not support propagateSizeHints()") are left out of the terminal."""
    if _missing_display() or (_x11_only() and platform_plugin_error("xcb")):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    if os.environ.get("QT_QPA_PLATFORM") == "offscreen":  # chosen here or by the user
        _without_offscreen_notes()


def _without_offscreen_notes() -> None:
    """Qt's messages go where they went, less the offscreen platform's note on every window."""
    from PySide6.QtCore import qInstallMessageHandler

    def handler(mode, context, message: str) -> None:
        if message == "This plugin does not support propagateSizeHints()":
            return
        if previous is not None:
            previous(mode, context, message)
        else:
            print(message, file=sys.stderr)

    previous = qInstallMessageHandler(handler)


SCREENSHOT_FORMATS = {"png", "jpg", "jpeg", "webp", "bmp", "tif", "tiff"}


def screenshot_format(path: str) -> str:
    """The image format a screenshot named `path` is written in, by its extension (none: PNG); VsrAppError for one
    Qt cannot write (a `.txt` got PNG data)."""
    from PySide6.QtGui import QImageWriter

    suffix = os.path.splitext(path)[1].lower().lstrip(".") or "png"
    writable = {bytes(f).decode() for f in QImageWriter.supportedImageFormats()} & SCREENSHOT_FORMATS
    if suffix not in writable:  # (Qt writes icons and cursors too: a 1600x960 .ico is no picture to look at)
        raise VsrAppError(f"cannot write a screenshot as '.{suffix}': name it .png (or one of "
                          f"{', '.join('.' + f for f in sorted(writable - {'png'}))})")
    return suffix


def check_screenshot_folder(path: str) -> None:
    """VsrAppError for a screenshot its folder cannot take, said before the window renders (45 s on a loaded
    machine), with its reason: a folder that is not there is refused, not made (a mistyped path made a tree of
    folders, as root at /), and one not writable is named."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        why = "not a folder" if os.path.exists(folder) else "No such folder"
        raise VsrAppError(f"cannot write the screenshot to {path}: {why}: {folder}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise VsrAppError(f"cannot write the screenshot to {path}: the folder {folder} is not writable")
    if os.path.isdir(path):
        raise VsrAppError(f"cannot write the screenshot to {path}: it is a folder")


@contextlib.contextmanager
def _scratch_settings():
    """A copy of the user's settings, thrown away after: a screenshot shows their saved choices (models, view) but
    leaves them as they were (a scripted screenshot had put its video first in Open recent). Written out before the
    folder goes, however the screenshot ended: a failed one's were written by Qt after, into the folder made again,
    readable by all (its user's folders and runs), one more left in the temporary folder each time."""
    from PySide6.QtCore import QSettings

    with tempfile.TemporaryDirectory(prefix="vsr-app-screenshot-") as folder:
        scratch = QSettings(os.path.join(folder, "settings.ini"), QSettings.IniFormat)
        user = QSettings()
        for key in user.allKeys():
            scratch.setValue(key, user.value(key))
        try:
            yield scratch
        finally:
            scratch.sync()


def _notify_desktop(message: str) -> None:
    """Say `message` as a desktop notification too where no terminal shows stderr (started by a double-click or a
    menu entry): the X11 libraries missing were said only there, and nothing seemed to happen. Best effort."""
    if sys.stderr is not None and sys.stderr.isatty():
        return
    notify = shutil.which("notify-send")
    if notify is None:
        return
    try:
        subprocess.run([notify, "--app-name", APP_NAME, f"{APP_NAME} cannot start", message], timeout=5,
                       check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        pass


def utf8_locale_for_qt() -> None:
    """Qt needs a UTF-8 locale and, in the C one (no LANG: a bare container, a cron job, a service), switches to
    C.UTF-8 itself with a four-line warning on stderr. Python does the same for itself (PEP 538), quietly, but the
    packaged app's interpreter does not: switched here first, before Qt starts. A LC_ALL the user set is theirs."""
    import locale

    codeset = getattr(locale, "nl_langinfo", None)  # Unix only; Qt on Windows and macOS does not ask
    if codeset and not os.environ.get("LC_ALL") and codeset(locale.CODESET).upper().replace("-", "") != "UTF8":
        os.environ["LC_CTYPE"] = "C.UTF-8"


def application():
    """The QApplication, created once with the app's names (they key QSettings), icon, theme and DPI policy."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QIcon
    from PySide6.QtWidgets import QApplication

    from vsr_app.gui.theme import apply_theme
    from vsr_app.resources import resource_path

    app = QApplication.instance()
    if app is None:
        utf8_locale_for_qt()
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication([sys.argv[0]])
        app.libraryPaths()  # read now, from the bundle's QT_PLUGIN_PATH, which run() then hands back
    app.setOrganizationName(APP_NAME)
    app.setApplicationName(APP_NAME)
    app.setWindowIcon(QIcon(str(resource_path("icon.png"))))
    apply_theme(app)
    return app


def run(video: str | None = None, screenshot: str | None = None) -> int:
    """Open the main window (optionally with `video`); with `screenshot`, save the window as that picture and exit."""
    _refuse(_gui_library_error())
    if screenshot:
        _headless_if_no_display()
        screenshot_format(screenshot)  # a name or a folder it cannot write is said now, not after the first frame
        check_screenshot_folder(screenshot)
    elif why := _missing_display():  # checked before Qt loads: its own message is a plugin error and it aborts
        raise VsrAppError(f"no display found: the desktop app needs a graphical session ({why}); the command-line "
                          "tools work without one, see --help")
    elif _x11_only() and (why := platform_plugin_error("xcb")):
        _refuse(f"the desktop app cannot open the X11 display: Qt's xcb plugin does not load ({why}); install the "
                f"X11 libraries it needs (Debian/Ubuntu: sudo apt install {XCB_PACKAGES}) or use a Wayland "
                "session; the command-line tools work without a display")
    elif _wayland_only():
        _refuse(_wayland_or_x11())
    app = application()
    splash = None if screenshot else _splash()
    from PySide6.QtCore import QTimer

    from vsr_app.gui.main_window import MainWindow
    from vsr_app.gui.workers import finish_jobs
    from vsr_app.resources import give_back_qt_environment, resource_path

    give_back_qt_environment()  # after the window's imports: OpenCV's sets LD_LIBRARY_PATH again

    if screenshot:
        with _scratch_settings() as settings:
            window = MainWindow(settings)
            window.resize(1600, 960)
            try:
                window.screenshot(video or str(resource_path("sample.mp4")), screenshot)
            finally:
                window.close()
        return 0
    window = _main_window(lambda: MainWindow(tabs_after_show=True))
    _close_on_signals(window)
    window.show()
    splash.finish(window)
    QTimer.singleShot(0, lambda: mark_startup("window"))  # once the event loop has painted it
    if video:
        window.open(video)
    code = app.exec()
    finish_jobs()  # one started as the window closed ends before Python does
    return code


def mark_startup(moment: str) -> None:
    """Note the time of `moment` of the start in the file STARTUP_MARKS names, if it names one; a file it cannot
    write is passed over (a benchmark's hook must not stop the app's start)."""
    path = os.environ.get(STARTUP_MARKS)
    if path:
        try:
            with open(path, "a", encoding="utf-8") as marks:
                marks.write(f"{moment} {time.time()}\n")
        except OSError:
            pass


def _splash():
    """A "Starting…" picture shown while the window's modules load: with torch among them they take seconds (9 on
    a loaded 2-core machine), and a double-click showed nothing meanwhile."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QSplashScreen

    splash = QSplashScreen(QApplication.windowIcon().pixmap(SPLASH_ICON_PX))
    splash.showMessage("Starting\u2026", Qt.AlignBottom | Qt.AlignHCenter, Qt.white)  # on the dark icon
    splash.show()
    QApplication.processEvents()  # painted now: the imports that follow hold the event loop
    return splash


def _main_window(make):
    """The main window, made by `make`; an error on the way is printed whole and said as a desktop notification, and
    the process exits 1 at once: a double-click user saw nothing of the traceback, and the workers the window had
    started made Qt abort at exit (134)."""
    try:
        return make()
    except Exception as exc:
        traceback.print_exc()
        _notify_desktop(f"the desktop app could not start: {type(exc).__name__}: {exc}")
        sys.stderr.flush()
        os._exit(1)


def _close_on_signals(window) -> None:
    """Ctrl+C in the terminal, SIGTERM (`kill`, logging out) and SIGHUP (the terminal closed) close the window as
    Quit does, without its question (nobody is there to answer), and the app exits 130 like any stopped command:
    running work stops and an unfinished export is removed. Unhandled, SIGTERM killed the app mid-export and Ctrl+C
    did nothing. Python runs its handlers only between its own bytecodes, never inside Qt's event loop, so a timer
    wakes it up; the handler only posts the close, which runs from the event loop."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from vsr_app.gui.trainer_process import INTERRUPTED_EXIT
    from vsr_app.stop_signals import handle_stops

    def stop() -> None:
        window.quit_without_asking()
        QApplication.exit(INTERRUPTED_EXIT)

    handle_stops(lambda *_: QTimer.singleShot(0, stop))
    wake = QTimer(window)
    wake.timeout.connect(lambda: None)
    wake.start(SIGNAL_CHECK_MS)
