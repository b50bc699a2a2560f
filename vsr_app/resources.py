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


def user_models_dir() -> Path:
    """Folder where models trained by the user are registered (survives app updates)."""
    return Path.home() / ".local" / "share" / "vsr-app" / "models"


def give_back_library_path() -> None:
    """In the packaged app on Linux, put the user's LD_LIBRARY_PATH back for the programs the app starts. PyInstaller's
    bootloader points it at the bundle (the loader has read it by the time Python runs): the system's player or file
    manager, opened from the Batch tab and the Export dialog, would load the bundle's Qt, GLib and libstdc++ over their
    own and fail on a newer system. The app's own children (Train tab, bench) are the bundle's executable, whose
    bootloader sets it again."""
    if not (getattr(sys, "frozen", False) and sys.platform.startswith("linux")):
        return
    original = os.environ.pop("LD_LIBRARY_PATH_ORIG", None)
    if original is None:
        os.environ.pop("LD_LIBRARY_PATH", None)
    else:
        os.environ["LD_LIBRARY_PATH"] = original
