"""Locate bundled files (models/, resources/) from source checkouts and frozen (PyInstaller) apps alike."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def app_root() -> Path:
    """Folder holding models/ and resources/: the bundle dir when frozen, else the project root."""
    frozen_dir = getattr(sys, "_MEIPASS", None)
    if frozen_dir:
        return Path(frozen_dir)
    return Path(__file__).resolve().parent.parent


def resource_path(*parts: str) -> Path:
    """Path of a file under resources/ (icons, sample clip)."""
    return app_root().joinpath("resources", *parts)


def models_dir() -> Path:
    """Folder of the shipped models (*.safetensors + *.json cards)."""
    return app_root() / "models"


def _xdg_folder(variable: str, default: Path) -> Path:
    """The folder XDG base-directory `variable` names where it is an absolute path, else `default`: the spec says to
    ignore a relative one, and an unset or empty one means the default."""
    given = os.environ.get(variable, "")
    return Path(given) if os.path.isabs(given) else default


def data_home() -> Path:
    """The user's data folder: XDG_DATA_HOME, else ~/.local/share."""
    return _xdg_folder("XDG_DATA_HOME", Path.home() / ".local" / "share")


def cache_home() -> Path:
    """The user's cache folder (what the app can measure again if lost): XDG_CACHE_HOME, else ~/.cache."""
    return _xdg_folder("XDG_CACHE_HOME", Path.home() / ".cache")


def user_models_dir() -> Path:
    """Folder where models trained by the user are registered (survives app updates): under the user's data folder,
    but ~/.local/share's while it has one and the data folder XDG_DATA_HOME names has none: earlier versions kept
    them there whatever XDG_DATA_HOME said, and an update must not lose them."""
    folder = data_home() / "vsr-app" / "models"
    earlier = Path.home() / ".local" / "share" / "vsr-app" / "models"
    return earlier if not folder.is_dir() and earlier.is_dir() else folder


# PyInstaller's PySide6 hook points these at the bundle's Qt; Qt has read them once its application exists
BUNDLE_QT_VARIABLES = ("QT_PLUGIN_PATH", "QML2_IMPORT_PATH")
_users_library_path: list[str | None] = []  # LD_LIBRARY_PATH as the user had it, once give_back_library_path ran


def _packaged_on_linux() -> bool:
    return bool(getattr(sys, "frozen", False)) and sys.platform.startswith("linux")


def give_back_library_path() -> None:
    """In the packaged app on Linux, put the user's LD_LIBRARY_PATH back for the programs the app starts. PyInstaller's
    bootloader points it at the bundle (the loader has read it by the time Python runs): the system's player or file
    manager, opened from the Batch tab and the Export dialog, would load the bundle's Qt, GLib and libstdc++ over their
    own and fail on a newer system. The app's own children (Train tab, bench) are the bundle's executable, whose
    bootloader sets it again."""
    if not _packaged_on_linux():
        return
    original = os.environ.pop("LD_LIBRARY_PATH_ORIG", None)
    _users_library_path[:] = [original]
    _set_library_path(original)


def give_back_qt_environment() -> None:
    """Once the app's QApplication exists, drop the bundle's Qt plugin paths from the environment too, and undo the
    LD_LIBRARY_PATH OpenCV's import sets again: a system Qt program the app opens (a player, a file manager)
    inherited them and loaded the bundle's plugins over its own (a packaged-app tester's find)."""
    if not _packaged_on_linux():
        return
    for name in BUNDLE_QT_VARIABLES:
        os.environ.pop(name, None)
    if _users_library_path:
        _set_library_path(_users_library_path[0])


def _set_library_path(value: str | None) -> None:
    if value is None:
        os.environ.pop("LD_LIBRARY_PATH", None)
    else:
        os.environ["LD_LIBRARY_PATH"] = value
