"""The desktop menu entry (freedesktop .desktop file and icon), written for the program that runs this code.

`vsr-app --install-desktop-entry` writes it for the packaged app (its executable) or a source checkout (its `run`
script): someone given only the bundle folder had no .desktop file to copy. The entry names the program by its full
path (a desktop session often lacks ~/.local/bin on its PATH, and an entry whose program it cannot find is not
shown), quoted, so a folder with a space in its name works.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from vsr_app import APP_NAME, __version__
from vsr_app.errors import VsrAppError
from vsr_app.files import atomic_write, shown_name
from vsr_app.resources import app_root, data_home, resource_path

MIME_TYPES = ("video/mp4", "video/x-matroska", "video/quicktime", "video/webm", "video/x-msvideo", "video/mpeg",
              "video/x-m4v", "video/mp2t", "video/x-dv", "video/ogg", "video/3gpp", "video/x-ms-wmv", "video/x-flv",
              "application/mxf")


def program() -> Path:
    """What the entry starts: the packaged app's executable, or a checkout's `run` script (which sets itself up)."""
    return Path(sys.executable) if getattr(sys, "frozen", False) else app_root() / "run"


def exec_quoted(program_path: Path) -> str:
    """The path as the Desktop Entry spec writes an Exec argument: in double quotes with \\ " ` $ escaped by a
    backslash, then, as every string value, each backslash doubled (the file holds \\\\$ for a $)."""
    return escaped_value('"' + "".join("\\" + c if c in '\\"`$' else c for c in str(program_path)) + '"')


def check_program_path(program_path: Path) -> None:
    """Refuse a path no desktop can start: GLib looks for the program before it undoes a doubled %, and a line
    break or a byte that is not UTF-8 cannot be written in the entry."""
    text = str(program_path)
    if "%" in text or "\n" in text or "\r" in text:
        raise VsrAppError(f"a menu entry cannot start '{shown_name(text)}': its path holds a % or a line break; move "
                          "the app to a folder whose path has neither")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise VsrAppError(f"a menu entry cannot start '{shown_name(text)}': its path is not valid UTF-8; move the "
                          "app to a folder with a UTF-8 name") from None


def escaped_value(text: str) -> str:
    """A string value as the spec escapes it: a backslash doubled (`\\s` would read as a space)."""
    return text.replace("\\", "\\\\")


def entry_text(program_path: Path) -> str:
    check_program_path(program_path)
    quoted = exec_quoted(program_path)
    return "\n".join([
        "[Desktop Entry]", "Type=Application", "Version=1.0", f"Name={APP_NAME}", "GenericName=Video Enhancer",
        "Comment=x4 video super-resolution and x2 frame interpolation with compact distilled models",
        f"Exec={quoted} %f", f"TryExec={escaped_value(str(program_path))}", f"Icon={APP_NAME}", "Terminal=false",
        "Categories=AudioVideo;Video;", f"MimeType={';'.join(MIME_TYPES)};",
        "Keywords=upscale;super-resolution;interpolation;frame rate;video;", f"StartupWMClass={APP_NAME}",
        f"X-AppVersion={__version__}", ""])


def install() -> list[Path]:
    """Write the entry and its icon under the user's data folder; returns what was written. The desktop's list of
    which app opens which video type is refreshed where its tool is installed (without it, "Open with" may not list
    the app until the next login)."""
    text = entry_text(program())  # a path no desktop can start is refused before anything is written
    share = data_home()
    entry = share / "applications" / f"{APP_NAME}.desktop"
    icon = share / "icons" / "hicolor" / "256x256" / "apps" / f"{APP_NAME}.png"
    for target in (entry, icon):
        target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(entry, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    atomic_write(icon, lambda tmp: shutil.copyfile(resource_path("icon-256.png"), tmp))
    update = shutil.which("update-desktop-database")
    if update:
        try:
            subprocess.run([update, str(entry.parent)], check=False, timeout=30,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except (OSError, subprocess.SubprocessError):  # the files are written; the list catches up at next login
            pass
    return [entry, icon]
