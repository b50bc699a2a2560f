"""A keyboard and small-screen tester's findings: Esc on a running batch asks first, Alt+letter reaches the Batch and
Train tabs' fields and buttons (no two of a tab on one letter), Open recent and the status bar fit a small screen, F1
lists every key, folder pickers open somewhere useful, and a selection can be read."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from types import SimpleNamespace

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QKeySequence, QPalette
from PySide6.QtWidgets import (QAbstractButton, QApplication, QFileDialog, QFormLayout, QLabel, QMessageBox,
                               QProgressBar, QPushButton, QWidget)

from gui_support import gui_env, window  # noqa: F401
from vsr_app.gui.welcome import RECENT_COLUMNS
from vsr_app.gui.workers import Job


def active(qtbot, window, tab: QWidget) -> None:
    """`tab` shown in the active window: shortcuts act only there."""
    window.tabs.setCurrentWidget(tab)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5_000)


class HeldBatch(Job):
    """A running batch's job that is never started: the panel's questions (`cancel`, `cancelling`) go to the real
    Job's answers."""

    def __init__(self):
        super().__init__(lambda **_: None)
        self.running = True


def test_esc_asks_before_cancelling_a_batch_and_the_cancel_button_does_not(window, qtbot, monkeypatch):
    """One Esc cancelled a running batch, and the file in progress (hours of a long video) was lost."""
    panel = window.batch
    active(qtbot, window, panel)
    asked, answer = [], []
    with monkeypatch.context() as m:  # undone before the window closes, or closing would ask to stop the batch
        m.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or answer[-1])
        m.setattr(panel, "job", HeldBatch())
        panel._set_running(True)
        panel.table.setFocus()
        answer.append(QMessageBox.No)
        qtbot.keyClick(panel.table, Qt.Key_Escape)
        assert asked == ["Cancel the batch? (The batch keeps the files it finished, not the one in progress.)"]
        assert not panel.job.cancel_event.is_set()
        answer.append(QMessageBox.Yes)
        qtbot.keyClick(panel.table, Qt.Key_Escape)
        assert len(asked) == 2 and panel.job.cancel_event.is_set()
        m.setattr(panel, "job", HeldBatch())
        qtbot.mouseClick(panel.cancel_button, Qt.LeftButton)  # a click is meant: it stops at once
        assert len(asked) == 2 and panel.job.cancel_event.is_set()
        panel._set_running(False)


def test_open_recent_cuts_long_names_keeps_ampersands_and_shows_paths(window, qtbot, tmp_path):
    """A 240-character name made an item 1,584 px wide, "R&D review.mp4" read "RD review.mp4", and the full path set as
    each item's tooltip never showed."""
    names = ["R&D review.mp4", "Tom & Jerry.mp4", "x" * 236 + ".mp4"]
    paths = [str(tmp_path / name) for name in names]
    for path in paths:
        Path(path).write_bytes(b"")
    window.settings.setValue("window/recent", paths)
    window._refresh_recent()
    menu = window.recent_menu
    qtbot.waitUntil(lambda: len(menu.actions()) == 3)  # looked for on a worker thread
    texts = [a.text() for a in menu.actions()]
    assert texts[:2] == ["R&&D review.mp4", "Tom && Jerry.mp4"]  # "&&" shows one "&"
    head, tail = texts[2].split("\u2026")
    assert set(head) == {"x"} and tail.endswith("x.mp4") and len(texts[2]) == RECENT_COLUMNS
    assert menu.sizeHint().width() < 800
    assert [a.toolTip() for a in menu.actions()] == paths and menu.toolTipsVisible()


def test_the_status_bar_cuts_long_texts_and_keeps_them_whole_in_tooltips(window, qtbot, monkeypatch):
    """In a 720-px window "Training: step 12,345 / 100,000 \u00b7 Exporting: 4" was cut mid-word and "Batch running"
    dropped, with no way to read them; a long busy text held the window wider than that."""
    window.resize(720, 540)
    qtbot.waitUntil(lambda: window.width() == 720)
    busy = "running vsr-x4-teacher on a frame of 2023-08-14_Wedding_Ceremony_Main_Camera_Final_Export_v2.mp4"
    work = "Training: step 12,345 / 100,000   \u00b7   Exporting: 45%   \u00b7   Batch running: 42%"
    bar = window.statusBar()

    def cut_to_fit(label, whole: str) -> bool:
        head, _, tail = label.text().partition("\u2026")
        return (label.toolTip() == whole and bool(tail) and whole.startswith(head) and whole.endswith(tail)
                and label.geometry().right() < bar.width())

    with monkeypatch.context() as m:  # undone before the window closes, or closing would ask to stop them
        m.setattr(window.train, "running", lambda: True)
        m.setattr(window.batch, "job", HeldBatch())
        export = QProgressBar()
        export.setValue(45)
        m.setattr(window, "export_dialog", SimpleNamespace(running=True, cancelling=False, progress=export))
        window.train.total_steps = 100_000
        window.train.plots.add_records([{"step": 12_345, "loss": 0.5}])
        window.batch.progress.setValue(420)
        window._show_busy(busy)
        assert cut_to_fit(window.busy_text, busy) and window.work_text.text() == work  # the work said first
        large = QFont(window.work_text.font())
        large.setPointSize(20)  # a large desktop font: the work is wider than the window
        window.work_text.setFont(large)
        qtbot.waitUntil(lambda: cut_to_fit(window.work_text, work))
        window._show_busy("")


def test_the_shortcut_list_names_ctrl_tab_and_both_zoom_keys(window):
    """F1 left out Ctrl+Tab and showed only "+" for zooming in, though "=" works too."""
    rows = dict(window.shortcut_rows())
    assert rows["Zoom in"] == "+ or ="
    assert rows["Next / previous tab"] == "Ctrl+Tab / Ctrl+Shift+Tab"


def mnemonic(widget: QWidget) -> str:
    """The Alt+letter of a button or of a label bound to a field, "" for none."""
    return QKeySequence.mnemonic(widget.text()).toString()


def form_labels(form: QFormLayout) -> list[QLabel]:
    """The labels of a form's rows that name a field (not a row of figures, as Parameters)."""
    labels = [form.itemAt(row, QFormLayout.LabelRole) for row in range(form.rowCount())]
    return [item.widget() for item in labels if item is not None and item.widget().buddy() is not None
            and not isinstance(item.widget().buddy(), QLabel)]


def test_the_batch_and_train_forms_fields_and_buttons_have_alt_letters_no_two_alike(window):
    """No label or button of either form had one: a keyboard user went through every field before with Tab. No two
    controls of a tab, nor a control and a menu, share a letter: Qt says nothing of it, and Alt+letter then only moves
    the focus between them."""
    batch, train = window.batch, window.train.form
    labels = form_labels(batch.form.layout()) + form_labels(train.boxes[0].layout()) + form_labels(
        train.boxes[3].layout()) + [w for w in train.boxes[1].findChildren(QLabel) if w.buddy() is not None]
    buttons = [batch.start_button, batch.report_button, batch.folder_button, batch.form.recursive,
               batch.form.overwrite, train.prune_button,
               *[b for b in train.boxes[1].findChildren(QAbstractButton) if b.text()]]
    assert len(labels) == 15 and len(buttons) == 8
    assert [w.text() for w in labels + buttons if not mnemonic(w)] == []
    menus = [mnemonic(a) for a in window.menuBar().actions()]
    for tab in (window.compare, window.batch, window.train):
        controls = [w for w in tab.findChildren(QWidget)
                    if isinstance(w, QAbstractButton) or isinstance(w, QLabel) and w.buddy() is not None]
        keys = [key for key in menus + [mnemonic(w) for w in controls] if key]
        assert [key for key, count in Counter(keys).items() if count > 1] == [], type(tab).__name__


def test_alt_letters_reach_a_field_and_the_folder_pickers_open_at_home(window, qtbot, monkeypatch, tmp_path):
    """Alt+I goes to the Batch tab's input folder, Alt+L adds a training folder; the pickers opened in the folder the
    app was started from (here the tests' own), not the last folder used or the home folder."""
    opened = []
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda parent, title, start: opened.append(start) or "")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda parent, title, start, kinds: opened.append(start)
                        or ("", ""))
    home = str(Path.home())
    batch = window.batch
    batch.in_dir.setText("")
    batch.out_dir.setText("")
    active(qtbot, window, batch)
    batch.table.setFocus()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_I, Qt.AltModifier)
    assert batch.in_dir.hasFocus()
    in_browse, out_browse, _ = batch.form.browse_buttons
    in_browse.click()
    batch.in_dir.setText(str(tmp_path))
    out_browse.click()  # an empty output folder: the input folder's
    assert opened == [home, str(tmp_path)]
    train = window.train.form
    train.data.clear()
    train.val.setText("")
    active(qtbot, window, window.train)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_L, Qt.AltModifier)
    qtbot.waitUntil(lambda: len(opened) == 3)  # a button's Alt+letter clicks it once it has shown itself pressed
    train.val_browse.click()
    data = tmp_path / "footage" / "beach"
    data.mkdir(parents=True)
    train.data.addItem(str(data))
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_L, Qt.AltModifier)  # the next folder beside the last one
    qtbot.waitUntil(lambda: len(opened) == 5)
    train.val_browse.click()  # a held-out clip: beside the training folders, not in them
    assert opened[2:] == [home, home, str(data.parent), str(data.parent)]


def test_selected_text_is_readable(gui_env):
    """White on the accent blue, selected text had a contrast of 2.8:1; WCAG asks 4.5:1 of normal text."""
    from vsr_app.gui.theme import dark_palette

    def luminance(colour) -> float:
        channels = [c / 255 for c in colour.getRgb()[:3]]
        r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    palette = dark_palette()
    light, dark = sorted((luminance(palette.color(role)) for role in (QPalette.HighlightedText, QPalette.Highlight)),
                         reverse=True)
    assert (light + 0.05) / (dark + 0.05) >= 4.5


def test_a_newline_in_a_files_name_is_shown_escaped_in_a_progress_line_and_titles():
    """The CLI and the queue table escaped it; the Batch tab's status line broke in two at it."""
    from vsr_app.gui import fmt
    from vsr_app.progress import ProgressInfo

    line = fmt.progress_line("two  spaces\nnewline.mkv", ProgressInfo(done=71, total=91, fps=4.0, elapsed=3.0, eta=None))
    assert "\n" not in line and line.startswith("two  spaces\\nnewline.mkv: frame")


def test_remove_takes_the_current_training_folder_where_none_is_selected(window):
    """Reached with Alt+G, the list had a current folder but none selected, and Alt+E (Remove) did nothing."""
    form = window.train.form
    form.data.clear()
    form.data.addItems(["/footage/a", "/footage/b"])
    form.data.setCurrentRow(1)
    form.data.clearSelection()
    remove = next(b for b in form.findChildren(QPushButton) if b.text() == "R&emove")
    remove.click()
    assert [form.data.item(i).text() for i in range(form.data.count())] == ["/footage/a"]
