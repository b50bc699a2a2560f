"""The app's dark look: one Fusion palette + a short style sheet, so every platform renders the same.

Why a palette and not only a style sheet: palette colours reach every widget (dialogs, menus, pyqtgraph
axes) while the sheet only adds spacing and shapes. The colours themselves are in gui/colours.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import cache
from pathlib import Path

from PySide6.QtGui import QColor, QFontInfo, QPalette
from PySide6.QtWidgets import QApplication

from vsr_app.gui.colours import (ACCENT, ACCENT_DIM, ACCENT_STRONG, BASE, BORDER, DISABLED, FOCUS, MUTED, PANEL,
                                  RAISED, TEXT, WARNING, WINDOW)
from vsr_app.gui.icons import drawn


FALLBACK_TEXT_PT = 10.0  # the text size where the system says none
# the tick's lines in grid units of the icons' 24 px (gui/icons), shown in a check box's 12: 1.8 px on screen
TICK_LINE_WIDTH = 3.6


@cache
def tick_images() -> tuple[str, str]:
    """The ticked check box's mark, in a box that can be changed and in a locked one, as PNG files: a style sheet
    takes an image by file name only. Drawn here in the theme's colours (a file shipped in resources/ would repeat
    them, and an SVG needs a Qt plugin the bundle may lack) into a folder of this process's, removed as it ends;
    drawn at 3x the icons' grid, which the style sheet scales down, sharp on a 3x screen too."""
    folder = Path(tempfile.mkdtemp(prefix="vsr-app-theme-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    for name, colour in (("tick.png", BASE), ("tick-locked.png", MUTED)):
        drawn("tick", colour, 3, TICK_LINE_WIDTH).save(str(folder / name))
    return (folder / "tick.png").as_posix(), (folder / "tick-locked.png").as_posix()


def style_sheet(text_pt: float) -> str:
    """The sheet for a desktop whose text is `text_pt` points: titles, headings and figures in proportion to it (fixed
    at 20, 11 and 15 pt, a figure came out smaller than its caption at a 20 pt desktop font). A ticked check box shows
    a tick on the accent: an accent square alone was taken for an unticked one on the dark theme. Its focus ring grows
    into a margin kept round the box: a border widened in place moved the label 2 px and shrank the tick."""
    tick, locked_tick = tick_images()
    return f"""
QMainWindow, QDialog {{ background: {WINDOW}; }}
QToolBar {{ background: {PANEL}; border: none; border-bottom: 1px solid {BORDER}; spacing: 6px; padding: 4px 8px; }}
QToolBar QLabel {{ color: {MUTED}; padding: 0 2px 0 8px; }}
QToolButton {{ border: 1px solid transparent; border-radius: 5px; padding: 4px 6px; }}
QToolButton:hover {{ background: {RAISED}; border-color: {BORDER}; }}
QToolButton:checked {{ background: {ACCENT_DIM}; border-color: {ACCENT}; }}
QTabWidget::pane {{ border: none; }}
QTabBar::tab {{ background: transparent; color: {MUTED}; padding: 8px 18px; border: 1px solid transparent;
               border-bottom: 2px solid transparent; }}
QTabBar::tab:selected {{ color: {TEXT}; border-bottom: 2px solid {ACCENT}; }}
QTabBar::tab:hover {{ color: {TEXT}; }}
QTabBar::tab:focus {{ border-color: {FOCUS} {FOCUS} {ACCENT} {FOCUS}; }}
QGroupBox {{ border: 1px solid {BORDER}; border-radius: 8px; margin-top: 8px; padding: 26px 10px 10px 10px;
             background: {PANEL}; }}
QGroupBox::title {{ subcontrol-origin: padding; subcontrol-position: top left; left: 12px; top: 8px;
                    color: {MUTED}; }}
QComboBox, QSpinBox, QDoubleSpinBox, QLineEdit {{ background: {BASE}; border: 1px solid {BORDER};
    border-radius: 4px; padding: 3px 6px; min-height: 20px; }}
QComboBox:hover, QSpinBox:hover, QDoubleSpinBox:hover, QLineEdit:hover {{ border-color: #4a5160; }}
QComboBox:focus, QSpinBox:focus, QDoubleSpinBox:focus, QLineEdit:focus {{ border-color: {ACCENT}; }}
QAbstractSpinBox::up-button, QAbstractSpinBox::down-button {{ width: 0; border: none; }}
QCheckBox::indicator {{ width: 14px; height: 14px; margin: 1px; border: 1px solid #4a5160; border-radius: 3px;
                        background: {BASE}; }}
QCheckBox::indicator:checked {{ background: {ACCENT}; border-color: {ACCENT}; image: url("{tick}"); }}
QCheckBox::indicator:disabled {{ background: {PANEL}; border-color: {BORDER}; }}
QCheckBox::indicator:checked:disabled {{ background: {ACCENT_DIM}; border-color: {ACCENT_DIM};
                                         image: url("{locked_tick}"); }}
QPushButton {{ background: {RAISED}; border: 1px solid {BORDER}; border-radius: 5px; padding: 5px 14px; }}
QPushButton:hover {{ border-color: #4a5160; background: #323742; }}
QPushButton:pressed {{ background: #262a31; }}
QPushButton:disabled {{ color: {DISABLED}; }}
QPushButton[accent="true"] {{ background: {ACCENT_STRONG}; border-color: #3b82e6; color: white; }}
QPushButton[accent="true"]:hover {{ background: #3a7be0; }}
QPushButton[accent="true"]:disabled {{ background: #28364a; color: #7d8594; border-color: #2f3d52; }}
QPushButton[link="true"] {{ background: transparent; border: 2px solid transparent; color: {ACCENT};
                           padding: 0 6px; }}
QPushButton[link="true"]:hover {{ text-decoration: underline; }}
QPushButton:focus, QToolButton:focus {{ border: 2px solid {FOCUS}; }}
QCheckBox::indicator:focus {{ margin: 0; border: 2px solid {FOCUS}; }}
QSlider::groove:horizontal {{ height: 4px; background: {BORDER}; border-radius: 2px; }}
QSlider::sub-page:horizontal {{ background: {ACCENT}; border-radius: 2px; }}
QSlider::handle:horizontal {{ background: {TEXT}; width: 12px; height: 12px; margin: -4px 0; border-radius: 6px; }}
QProgressBar {{ background: {BASE}; border: 1px solid {BORDER}; border-radius: 4px; text-align: center;
                min-height: 16px; }}
QProgressBar::chunk {{ background: {ACCENT}; border-radius: 3px; }}
QProgressBar:focus, QListWidget:focus, QPlainTextEdit:focus {{ border: 1px solid {FOCUS}; }}
QStatusBar {{ background: {PANEL}; border-top: 1px solid {BORDER}; color: {MUTED}; }}
QStatusBar::item {{ border: none; }}
QPlainTextEdit, QTextBrowser, QTableWidget, QTreeWidget {{ background: {BASE}; border: 1px solid {BORDER};
    border-radius: 4px; }}
QHeaderView::section {{ background: {PANEL}; color: {MUTED}; border: none; border-bottom: 1px solid {BORDER};
                        padding: 4px 6px; }}
QSplitter::handle {{ background: {WINDOW}; }}
QScrollArea {{ border: none; }}
QLabel[role="muted"] {{ color: {MUTED}; }}
QLabel[role="warning"] {{ color: {WARNING}; }}
QLabel[role="heading"] {{ font-weight: 600; font-size: {round(text_pt * 1.2)}pt; }}
QLabel[role="metric"] {{ font-size: {round(text_pt * 1.65)}pt; font-weight: 600; }}
QLabel[role="title"] {{ font-size: {round(text_pt * 2.2)}pt; font-weight: 600; }}
QToolTip {{ background: {RAISED}; color: {TEXT}; border: 1px solid {BORDER}; padding: 4px; }}
"""


def dark_palette() -> QPalette:
    p = QPalette()
    colours = {
        QPalette.Window: WINDOW, QPalette.WindowText: TEXT, QPalette.Base: BASE, QPalette.AlternateBase: PANEL,
        QPalette.ToolTipBase: RAISED, QPalette.ToolTipText: TEXT, QPalette.Text: TEXT, QPalette.Button: RAISED,
        QPalette.ButtonText: TEXT, QPalette.BrightText: "#ffffff", QPalette.Highlight: ACCENT_STRONG,
        QPalette.HighlightedText: "#ffffff", QPalette.Link: ACCENT, QPalette.PlaceholderText: MUTED,
        QPalette.Mid: BORDER, QPalette.Dark: BASE, QPalette.Light: RAISED, QPalette.Midlight: BORDER,
        QPalette.Shadow: "#000000",
    }
    for role, colour in colours.items():
        p.setColor(role, QColor(colour))
    # a locked empty field's placeholder too: in MUTED it looked editable while a batch ran
    for role in (QPalette.WindowText, QPalette.Text, QPalette.ButtonText, QPalette.PlaceholderText):
        p.setColor(QPalette.Disabled, role, QColor(DISABLED))
    return p


def apply_theme(app: QApplication) -> None:
    """Fusion + dark palette + style sheet; pyqtgraph plots follow the same colours."""
    import pyqtgraph as pg

    app.setStyle("Fusion")
    app.setPalette(dark_palette())
    text_pt = QFontInfo(app.font()).pointSizeF()  # the desktop's text size, however set
    # (0 where the system has no fonts at all, a slim container's: every sized label warned "Point size <= 0")
    app.setStyleSheet(style_sheet(text_pt if text_pt > 0 else FALLBACK_TEXT_PT))
    pg.setConfigOptions(background=BASE, foreground=MUTED, antialias=True)
    _working_plot_exports()


def _working_plot_exports() -> None:
    """A plot's right-click Export... offers what works here, CSV and image, and says in a box why one fails (CSV of
    the whole scene, say). Matplotlib (not installed) and SVG (pyqtgraph 0.14 fails on these plots) failed with a
    traceback only a terminal saw."""
    from pyqtgraph.exporters import Exporter

    Exporter.Exporters[:] = [_told(kind) for kind in Exporter.Exporters if kind.__name__ in WORKING_EXPORTS]


def _told(kind: type) -> type:
    """The exporter `kind`, its failure said in a box (pyqtgraph's export dialog lets it reach the terminal alone)."""
    from PySide6.QtWidgets import QMessageBox

    if getattr(kind, "told", False):  # (apply_theme runs again in tests)
        return kind

    class Told(kind):
        told = True

        def export(self, *args, **kwargs):
            try:
                return super().export(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - any failure is said, and nothing was written
                QMessageBox.warning(None, "Cannot export the plot", f"{kind.Name}: {exc}")
                return None

    Told.__name__ = kind.__name__
    return Told


WORKING_EXPORTS = ("CSVExporter", "ImageExporter")
