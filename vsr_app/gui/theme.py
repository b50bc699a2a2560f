"""The app's dark look: one Fusion palette + a short style sheet, so every platform renders the same.

Why a palette and not only a style sheet: palette colours reach every widget (dialogs, menus, pyqtgraph
axes) while the sheet only adds spacing and shapes. Colours used by custom-painted widgets live here too.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QFontInfo, QPalette
from PySide6.QtWidgets import QApplication

WINDOW = "#1b1d22"
BASE = "#14161a"
PANEL = "#22252b"
RAISED = "#2b2f37"
BORDER = "#363b45"
TEXT = "#e3e6eb"
MUTED = "#8b93a1"
DISABLED = "#5d636e"  # the text of a control that is locked
ACCENT = "#4c9bff"
# the accent dark enough to carry white text, as a selection and an accent button do: 4.9:1 (ACCENT gave 2.8:1)
ACCENT_STRONG = "#2d6fd0"
ACCENT_DIM = "#2d4a73"  # the accent greyed: a checked control that is locked, or a toggle that is on
FOCUS = "#9cc4ff"  # the ring of the control with keyboard focus: lighter than the accent, to show on accent buttons
SIDE_A = "#ffb347"  # left / first side of a comparison
SIDE_B = "#5ad1c4"  # right / second side
WARNING = "#ffb347"  # a running job's warning (a disk too small for its output)
PSNR_COLOUR = "#4c9bff"
SSIM_COLOUR = "#b39ddb"
CURVE_COLOURS = ("#4c9bff", "#ffb347", "#5ad1c4", "#f06292", "#b39ddb", "#aed581", "#ffd54f", "#90a4ae")


FALLBACK_TEXT_PT = 10.0  # the text size where the system says none


def style_sheet(text_pt: float) -> str:
    """The sheet for a desktop whose text is `text_pt` points: titles, headings and figures in proportion to it (fixed
    at 20, 11 and 15 pt, a figure came out smaller than its caption at a 20 pt desktop font)."""
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
QCheckBox::indicator {{ width: 14px; height: 14px; border: 1px solid #4a5160; border-radius: 3px; background: {BASE}; }}
QCheckBox::indicator:checked {{ background: {ACCENT}; border-color: {ACCENT}; }}
QCheckBox::indicator:disabled {{ background: {PANEL}; border-color: {BORDER}; }}
QCheckBox::indicator:checked:disabled {{ background: {ACCENT_DIM}; border-color: {ACCENT_DIM}; }}
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
QPushButton:focus, QToolButton:focus, QCheckBox::indicator:focus {{ border: 2px solid {FOCUS}; }}
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
