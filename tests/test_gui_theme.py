"""The app's style sheet as it renders: states that mean different things must look different."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QCheckBox, QStyle, QStyleOptionButton
from superqt.utils import qimage_to_array

from gui_support import gui_env  # noqa: F401


def indicator(qtbot, checked: bool, enabled: bool):
    """The pixels inside a check box's indicator, its border left out, drawn with the app's style sheet (RGB)."""
    box = QCheckBox("Upscale \u00d74")
    qtbot.addWidget(box)
    box.setChecked(checked)
    box.setEnabled(enabled)
    box.adjustSize()
    option = QStyleOptionButton()
    box.initStyleOption(option)
    # (the rect holds the room the focus ring grows into, then the border, its corners rounded into the inside)
    inside = box.style().subElementRect(QStyle.SE_CheckBoxIndicator, option, box).adjusted(3, 3, -3, -3)
    pixels = qimage_to_array(box.grab().toImage())
    return pixels[inside.top():inside.bottom() + 1, inside.left():inside.right() + 1, :3].astype(int)


def indicator_colour(qtbot, checked: bool, enabled: bool) -> tuple[int, ...]:
    """The colour at the centre of a check box's indicator."""
    pixels = indicator(qtbot, checked, enabled)
    return tuple(int(c) for c in pixels[pixels.shape[0] // 2, pixels.shape[1] // 2])


def test_a_ticked_box_still_looks_ticked_while_it_is_locked(gui_env, qtbot):
    """Locked during an export or a batch, a ticked option looked unticked: the user could not see what ran."""
    colours = {(checked, enabled): indicator_colour(qtbot, checked, enabled)
               for checked in (True, False) for enabled in (True, False)}
    assert colours[True, True] != colours[False, True]
    assert colours[True, False] != colours[False, False]
    assert colours[True, False] != colours[True, True]  # greyed, not as if it could be changed


def test_a_ticked_box_shows_a_tick_locked_or_not(gui_env, qtbot):
    """A ticked box was a plain accent square and an unticked one a dark square: on the dark theme one was taken for
    the other. A ticked one has a mark of another colour on its square (locked too); an unticked one is plain."""
    def spread(pixels) -> int:  # how far the colours inside differ from the most common one, summed over R, G, B
        colours, counts = np.unique(pixels.reshape(-1, 3), axis=0, return_counts=True)
        return int(np.abs(pixels - colours[counts.argmax()]).sum(axis=2).max())

    for enabled in (True, False):
        assert spread(indicator(qtbot, True, enabled)) > 150
        assert spread(indicator(qtbot, False, enabled)) < 30


def test_the_control_with_keyboard_focus_shows_it(gui_env, qtbot):
    """Buttons, tool buttons and check boxes looked the same with and without focus: a keyboard user could not
    tell which one Space would press."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QListWidget, QProgressBar, QPushButton, QToolButton, QWidget

    holder = QWidget()
    qtbot.addWidget(holder)
    row = QHBoxLayout(holder)
    elsewhere = QLineEdit()
    bar = QProgressBar()
    bar.setFocusPolicy(Qt.TabFocus)  # where a started batch or export puts the focus
    controls = [QPushButton("Process all"), QToolButton(), QCheckBox("Replace"), bar, QListWidget()]
    for widget in (elsewhere, *controls):
        row.addWidget(widget)
    holder.show()
    qtbot.waitExposed(holder)
    holder.activateWindow()
    for control in controls:
        elsewhere.setFocus()
        qtbot.waitUntil(elsewhere.hasFocus)
        without = qimage_to_array(control.grab().toImage())
        control.setFocus()
        qtbot.waitUntil(control.hasFocus)
        assert not np.array_equal(without, qimage_to_array(control.grab().toImage())), type(control).__name__


def test_a_check_box_keeps_its_tick_and_its_label_where_they_are_when_focused(gui_env, qtbot):
    """The focus ring was a 2 px border in place of the 1 px one: the label moved 2 px right as the box grew and the
    tick shrank. The ring grows into room kept around the box: the box's inside and its label stay as they were."""
    from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

    holder = QWidget()
    qtbot.addWidget(holder)
    column = QVBoxLayout(holder)
    elsewhere, box = QLineEdit(), QCheckBox("Replace")
    box.setChecked(True)
    column.addWidget(elsewhere)
    column.addWidget(box)
    holder.show()
    qtbot.waitExposed(holder)
    holder.activateWindow()
    elsewhere.setFocus()
    qtbot.waitUntil(elsewhere.hasFocus)
    option = QStyleOptionButton()
    box.initStyleOption(option)
    ring = box.style().subElementRect(QStyle.SE_CheckBoxIndicator, option, box)
    inside = ring.adjusted(3, 3, -3, -3)  # the tick's square, within any border the focus may draw
    without = qimage_to_array(box.grab().toImage())
    box.setFocus()
    qtbot.waitUntil(box.hasFocus)
    focused = qimage_to_array(box.grab().toImage())
    assert not np.array_equal(without, focused)  # the focus shows
    assert np.array_equal(without[:, ring.right() + 1:], focused[:, ring.right() + 1:])  # the label stays
    square = np.s_[inside.top():inside.bottom() + 1, inside.left():inside.right() + 1]
    assert np.array_equal(without[square], focused[square])  # the tick too


def test_figures_and_headings_keep_their_size_over_the_text_at_a_large_desktop_font(gui_env, qtbot):
    """At 11, 15 and 20 pt whatever the desktop's text size, a PSNR figure came out smaller than its caption at 20 pt
    (and the Welcome page's title the size of its text)."""
    from PySide6.QtGui import QFont, QFontInfo
    from PySide6.QtWidgets import QApplication, QLabel

    from vsr_app.gui.theme import apply_theme

    app = QApplication.instance()
    usual = app.font()
    large = QFont(usual)
    large.setPointSize(20)
    app.setFont(large)
    try:
        apply_theme(app)  # as the app starts on a desktop with that font
        sizes = {}
        for role in ("title", "metric", "heading", None):
            label = QLabel("39.31")
            qtbot.addWidget(label)
            label.setProperty("role", role)
            label.ensurePolished()
            sizes[role] = QFontInfo(label.font()).pointSizeF()
        assert sizes["title"] > sizes["metric"] > sizes["heading"] > sizes[None] >= 20
    finally:
        app.setFont(usual)
        apply_theme(app)


def test_a_plots_export_menu_offers_only_formats_that_work(gui_env, qtbot, tmp_path):
    """Its Matplotlib and SVG entries failed with a traceback on stderr, which a double-click user never sees."""
    import pyqtgraph as pg
    from pyqtgraph.exporters import Exporter

    assert [kind.__name__ for kind in Exporter.Exporters] == ["CSVExporter", "ImageExporter"]
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    plot.plot([1, 2, 3], [4, 5, 6])
    for kind, name in zip(Exporter.Exporters, ("curve.csv", "curve.png")):
        kind(plot.getPlotItem()).export(str(tmp_path / name))
        assert (tmp_path / name).stat().st_size > 0


def test_a_plot_export_that_fails_says_why_in_a_box(gui_env, qtbot, monkeypatch):
    """CSV of the whole scene (the dialog's first item) raised "Must have a PlotItem selected" on stderr alone."""
    import pyqtgraph as pg
    from PySide6.QtWidgets import QMessageBox
    from pyqtgraph.exporters import Exporter

    said = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: said.append((title, text)))
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    csv = next(kind for kind in Exporter.Exporters if kind.__name__ == "CSVExporter")
    csv(plot.scene()).export("never.csv")
    assert said == [("Cannot export the plot", "CSV of original plot data: Must have a PlotItem selected for CSV export.")]


def test_a_locked_empty_fields_placeholder_is_greyed_as_locked_text_is(gui_env):
    """Only the text roles were greyed: a locked empty field kept its placeholder in the colour of an editable one,
    and looked editable while a batch ran."""
    from PySide6.QtGui import QPalette

    from vsr_app.gui.theme import dark_palette

    palette = dark_palette()
    locked = palette.color(QPalette.Disabled, QPalette.PlaceholderText)
    assert locked == palette.color(QPalette.Disabled, QPalette.Text)
    assert locked != palette.color(QPalette.Active, QPalette.PlaceholderText)


def test_a_system_without_fonts_gets_sized_headings_not_zero_point_ones(gui_env, monkeypatch):
    """With no fonts installed Qt gives the text size as 0 pt: every heading and figure was sized 0 pt (86 lines of
    "QFont::setPointSizeF: Point size <= 0" from a screenshot)."""
    from PySide6.QtWidgets import QApplication

    from vsr_app.gui import theme

    app = QApplication.instance()
    monkeypatch.setattr(theme, "QFontInfo", lambda font: type("NoFonts", (), {"pointSizeF": lambda self: 0.0})())
    try:
        theme.apply_theme(app)
        assert theme.style_sheet(theme.FALLBACK_TEXT_PT) == app.styleSheet() and " 0pt;" not in app.styleSheet()
    finally:
        monkeypatch.undo()
        theme.apply_theme(app)
