"""Small widget helpers shared by the tabs."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QSettings, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLineEdit, QPushButton

from vsr_app.gui import fmt
from vsr_app.models import ModelInfo


def path_row(edit: QLineEdit, browse: QPushButton, pick: Callable[[], None]) -> QHBoxLayout:
    """A path field stretched beside its button, which calls `pick`."""
    browse.clicked.connect(pick)
    row = QHBoxLayout()
    row.addWidget(edit, 1)
    row.addWidget(browse)
    return row


def self_ensemble_box(settings: QSettings, key: str) -> QCheckBox:
    """The option to upscale each frame's 8 flips and transposes and average them (inference.SelfEnsembleUpscaler),
    remembered under `key`."""
    box = QCheckBox("Self-ensemble the upscale (8x slower)")
    box.setToolTip("Upscale every flip and transpose of each frame and average the eight results: slightly better "
                   "(about +0.08 dB on Vid4 for the default student) for eight times the time")
    box.setChecked(settings.value(key, "false") in (True, "true"))
    return box


def add_model_item(combo: QComboBox, name: str, label: str, info: ModelInfo | None) -> None:
    """A model in a picker (its `name` the item's data): its label and size, and on hover what it is for (its card's
    description), so choosing among six upscalers does not need the About box. `info` None: no model (Source)."""
    size = f"  {fmt.params(info.params)}" if info is not None and info.params else ""
    combo.addItem(label + size, name)
    description = info.card.get("description") if info is not None else None
    if description:
        combo.setItemData(combo.count() - 1, str(description), Qt.ToolTipRole)


def open_with_system(path: Path | str) -> bool:
    """Open a file or folder in the app the system has for it (a player, a file manager); False where none did."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
