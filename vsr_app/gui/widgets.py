"""Small widget helpers shared by the tabs."""

from __future__ import annotations

import math
import os
import re
import urllib.parse
from pathlib import Path
from typing import Callable, Iterable

from PySide6.QtCore import QRect, QSettings, QSize, Qt, QUrl
from PySide6 import QtGui
from PySide6.QtGui import QAccessible, QDesktopServices, QFontMetricsF, QPixmap
from PySide6.QtWidgets import (QAbstractButton, QAbstractSpinBox, QCheckBox, QComboBox, QFormLayout, QHBoxLayout,
                               QLabel, QLayout, QLayoutItem, QLineEdit, QMessageBox, QPushButton, QWidget)

from vsr_app.gui import fmt
from vsr_app.gui.settings_values import setting
from vsr_app.models import ModelInfo
from vsr_app.resources import resource_path


def logo_label(widget: QWidget, size: int) -> QLabel:
    """The app's icon in a label, `size` px a side, drawn at the screen's own pixels (scaled without its device pixel
    ratio, it was blurred on a 2x screen); empty where the icon is not bundled."""
    label = QLabel()
    pixmap = QPixmap(str(resource_path("icon-256.png")))
    if not pixmap.isNull():
        dpr = widget.devicePixelRatioF()
        pixmap = pixmap.scaled(round(size * dpr), round(size * dpr), Qt.KeepAspectRatio, Qt.SmoothTransformation)
        pixmap.setDevicePixelRatio(dpr)
        label.setPixmap(pixmap)
    return label


def resize_within_screen(widget: QWidget, width: int, height: int, tall: tuple[int, int] = (9, 10)) -> None:
    """`widget` at `width` x `height`, but within 9/10 of its screen's free width and `tall` (a fraction) of its height:
    a size fixed for a large screen ran off a laptop's, or one at a scale of 2 (a dialog leaves room for its title
    bar: 17/20)."""
    room = widget.screen().availableGeometry()
    widget.resize(min(width, room.width() * 9 // 10), min(height, room.height() * tall[0] // tall[1]))


def path_row(edit: QLineEdit, browse: QPushButton, pick: Callable[[], None]) -> QHBoxLayout:
    """A path field stretched beside its button, which calls `pick`."""
    browse.clicked.connect(pick)
    row = QHBoxLayout()
    row.addWidget(edit, 1)
    row.addWidget(browse)
    return row


def accelerated(text: str, letter: str) -> str:
    """`text` with Alt+`letter` as its accelerator (an "&" before the letter's first appearance, either case), for a
    text also quoted in messages as it reads (a checkbox's), or used as a dialog's title (a folder row's)."""
    at = text.lower().index(letter.lower())
    return f"{text[:at]}&{text[at:]}"


def start_folder(*paths: Path | str | None) -> str:
    """Where a file dialog opens: the first of `paths` (full ones, as typed: `~` is the home folder) that is there, a
    file as itself (the dialog opens in its folder with it chosen), else the home folder. Given no folder, the dialog
    opened in whatever folder the app happened to be started from."""
    for path in paths:
        full = Path(str(path).strip()).expanduser() if path is not None and str(path).strip() else None
        if full is not None and full.is_absolute() and full.exists():
            return str(full)
    return str(Path.home())


def _remembered_box(text: str, tip: str, settings: QSettings, key: str, default: bool) -> QCheckBox:
    """A checkbox ticked as `settings` hold under `key` (as it was left last time), `default` until it is saved."""
    box = QCheckBox(text)
    box.setToolTip(tip)
    box.setChecked(setting(settings, key, default))
    return box


def self_ensemble_box(settings: QSettings, key: str) -> QCheckBox:
    """The option to upscale each frame's 8 flips and transposes and average them (inference.SelfEnsembleUpscaler),
    remembered under `key`."""
    return _remembered_box("Self-ensemble the upscale (8x slower)",
                           "Upscale every flip and transpose of each frame and average the eight results: slightly "
                           "better (about +0.08 dB on Vid4 for the default student) for eight times the time",
                           settings, key, default=False)


def deinterlace_box(settings: QSettings, key: str) -> QCheckBox:
    """`--deinterlace auto` ticked, `off` unticked (progressive video flagged interlaced by mistake, which bwdif
    softens), remembered under `key`."""
    return _remembered_box("Deinterlace interlaced frames",
                           "Frames flagged interlaced are deinterlaced where their pictures look interlaced. Untick "
                           "for progressive video flagged interlaced by mistake (some camcorders, captures, phone "
                           "apps), which deinterlacing softens. The Compare view always deinterlaces.",
                           settings, key, default=True)


def _add_model_item(combo: QComboBox, name: str, label: str, info: ModelInfo | None) -> None:
    """A model in a picker (its `name` the item's data): its label and size, and on hover what it is for (its card's
    description), so choosing among six upscalers does not need the About box. `info` None: no model (Source)."""
    size = f"  {fmt.params(info.params)}" if info is not None and info.params else ""
    combo.addItem(label + size, name)
    description = info.card.get("description") if info is not None else None
    if description:
        combo.setItemData(combo.count() - 1, str(description), Qt.ToolTipRole)


def fill_models(combo: QComboBox, items: Iterable[tuple[str, str, ModelInfo | None]],
                wanted: Iterable[str | None]) -> None:
    """Refill a model picker with `items` (_add_model_item's name, label, info) and choose the first of `wanted`
    (the picker's own order of preference: the pick kept, the saved one, the preferred model) that it lists, else
    its first item. Each picker's policy stays its own; this is the part they share."""
    combo.clear()
    for name, label, info in items:
        _add_model_item(combo, name, label, info)
    found = (combo.findData(name) for name in wanted if name is not None)
    combo.setCurrentIndex(next((index for index in found if index >= 0), 0))


def open_with_system(path: Path | str) -> bool:
    """Open a file or folder in the app the system has for it (a player, a file manager); False where none did."""
    return QDesktopServices.openUrl(file_url(path))


def file_url(path: Path | str) -> QUrl:
    """The file: URL of `path`. A name that is not UTF-8 (a Latin-1 name from an old USB drive) goes by its bytes,
    percent-encoded: as text it lost the odd byte, and a file of the shorter name was opened instead."""
    path = os.path.abspath(path)
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return QUrl.fromEncoded(b"file://" + urllib.parse.quote(os.fsencode(path)).encode("ascii"))
    return QUrl.fromLocalFile(path)


def announce(widget: QWidget, text: str) -> None:
    """Have a screen reader say `text` now, as the end of an export or a batch: shown in a plain label, it went
    unsaid. Qt before 6.8 has no announcements; there the label alone says it."""
    event_type = getattr(QtGui, "QAccessibleAnnouncementEvent", None)
    if event_type is not None:
        QAccessible.updateAccessibility(event_type(widget, text))


class ElidedLabel(QLabel):
    """One line, cut in its middle to the width it gets (the whole of it in the tooltip the caller sets): a file name
    with no space to wrap at set the side panel's least width, and a long one squeezed the video to 160 px."""

    def __init__(self, text: str = ""):
        super().__init__()
        self.setText(text)

    def sizeHint(self) -> QSize:
        return QSize(math.ceil(self._advance(self.whole)), super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        return QSize(math.ceil(self._advance("\u2026")), super().minimumSizeHint().height())

    def _advance(self, text: str) -> float:
        """`text`'s width as drawn, in fractions of a pixel: QFontMetrics rounds it (276 for 276.39), and a label
        sized by that was cut with 500 px free ("a_au\u2026.mp4")."""
        return QFontMetricsF(self.font(), self).horizontalAdvance(text)

    def setText(self, text: str) -> None:
        self.whole = text
        self._elide()
        self.updateGeometry()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        if self._advance(self.whole) <= self.width():  # whole where it fits: elidedText rounds the widths it compares
            super().setText(self.whole)
        else:
            super().setText(self.fontMetrics().elidedText(self.whole, Qt.ElideMiddle, max(self.width(), 1)))


def fit_long_words(box: QMessageBox) -> None:
    """Cut in its middle each word of a shown box's text that its label cannot wrap into its width (a path with a
    folder name too long for a line), the whole message kept under Show Details: such a word ran off the box's right
    edge with no sign that it was cut. A cut label is not selectable: a copy of it would not be the path."""
    label = box.findChild(QLabel, "qt_msgbox_label")  # the name Qt gives it, and tests by
    if label is None:
        return
    whole, metrics, width = box.text(), label.fontMetrics(), label.width()

    def fits(word: str) -> bool:  # wrapped as the label wraps it: after a slash or a hyphen too
        return metrics.boundingRect(QRect(0, 0, width, 1 << 20), Qt.TextWordWrap, word).width() <= width

    fitted = "".join(word if fits(word) else metrics.elidedText(word, Qt.ElideMiddle, width)
                     for word in re.split(r"(\s+)", whole))
    if fitted != whole:
        label.setMinimumWidth(width)  # the width Qt gave the long word: the box shrank to its usual 400 px without it
        box.setText(fitted)
        box.setDetailedText(whole)
        box.setTextInteractionFlags(Qt.NoTextInteraction)


class WarningLabel(QLabel):
    """A running job's standing warning (ProgressInfo.warning: its output will not fit on the disk), hidden while
    there is none; a screen reader says it as it appears, not again as its figures change."""

    def __init__(self):
        super().__init__()
        self.setProperty("role", "warning")
        self.setWordWrap(True)
        self.hide()

    def show_warning(self, text: str, aloud: bool | None = None) -> None:
        """Show `text` (none: hide it); a screen reader hears it as it appears, or as `aloud` says: True each time (a
        refusal pressed for again), False never (one the field that refused it has just said)."""
        appears = text and not self.text()
        self.setText(text)
        self.setVisible(bool(text))
        if text and (appears if aloud is None else aloud):
            announce(self, "Warning: " + text)


def bind_name(field: QWidget, name: str, label: QLabel | None = None) -> QLabel:
    """Name `field` for a screen reader by `label` (bound to it as its buddy; by default an empty label that shows
    nothing), which the caller puts beside it: Qt on Linux and macOS gives a drop-down's current item as its name and
    leaves its accessible name unsaid (a model picker was read as "vsr-x4-student 104 K"); a reader takes the name from
    a label bound to the field, which must share its parent."""
    if label is None:
        label = QLabel()
        label.setFixedSize(0, 0)
    label.setAccessibleName(name)
    label.setBuddy(field)
    field.setAccessibleName(name)
    return label


def name_form_fields(form: QFormLayout) -> None:
    """Give each row's fields its label's text as their accessible name, and bind the label to the first (its
    buddy). A screen reader read the group box's title ("Batch") for every field of a form, as a field beside a
    Browse button sits in a layout, which a form's label is bound to nothing in. A field already named keeps its
    name; a button is named after the row and its text or, an icon, its tooltip ("Input folder: Browse…")."""
    for row in range(form.rowCount()):
        label_item, field_item = form.itemAt(row, QFormLayout.LabelRole), form.itemAt(row, QFormLayout.FieldRole)
        label = label_item.widget() if label_item is not None else None
        if not isinstance(label, QLabel) or field_item is None or not label.text():
            continue
        text = label.text().replace("&", "").rstrip(":")
        fields = _fields_in(field_item)
        for field in fields:
            if field.accessibleName():
                continue
            if isinstance(field, QAbstractButton) and not isinstance(field, QCheckBox):  # Browse… of which field
                field.setAccessibleName(f"{text}: {field.text().replace('&', '') or field.toolTip() or 'choose'}")
            elif not isinstance(field, QCheckBox):  # a check box is read by its own text
                field.setAccessibleName(text)
        if fields:
            label.setBuddy(fields[0])


def _fields_in(item: QLayoutItem) -> list[QWidget]:
    """The input widgets of a form row's field: the widget itself, or those of its layout, in order."""
    inputs = (QLineEdit, QComboBox, QAbstractSpinBox, QAbstractButton)
    if item.widget() is not None:
        widget = item.widget()
        return [widget] if isinstance(widget, inputs) else [
            w for w in widget.findChildren(QWidget)  # not a spin box's or a combo's own line edit
            if isinstance(w, inputs) and not isinstance(w.parentWidget(), (QAbstractSpinBox, QComboBox))]
    layout: QLayout | None = item.layout()
    return [] if layout is None else [w for i in range(layout.count()) for w in _fields_in(layout.itemAt(i))]
