"""Locate bundled files (models/, resources/) from source checkouts and frozen (PyInstaller) apps alike."""

from __future__ import annotations

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
