"""The Batch tab's queue sorts by a click on a column's header, and each row stays its file's: rows were known by
their number, so the table could not be sorted at all."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtTest import QTest

from gui_support import gui_env  # noqa: F401
from vsr_app.batch_report import FileResult

NAMES = ["a.mp4", "b.mp4", "c.mp4", "d.mp4"]


@pytest.fixture
def panel(gui_env, qtbot, tmp_path):  # noqa: F811
    """The Batch tab on its own, shown (headers are clicked), listing NAMES (empty files: never opened here)."""
    from vsr_app.gui.batch_panel import BatchPanel

    in_dir = tmp_path / "in"
    in_dir.mkdir()
    for name in NAMES:
        (in_dir / name).touch()
    panel = BatchPanel(QSettings())
    qtbot.addWidget(panel, before_close_func=BatchPanel.shutdown)
    panel.in_dir.setText(str(in_dir))
    panel.out_dir.setText(str(tmp_path / "out"))
    panel.show()
    qtbot.waitExposed(panel)
    relist(qtbot, panel)
    return panel


def relist(qtbot, panel) -> None:
    with qtbot.waitSignal(panel.listed, timeout=30_000):
        panel.scan()


def click_header(panel, column: int) -> None:
    header = panel.table.horizontalHeader()
    QTest.mouseClick(header.viewport(), Qt.LeftButton, pos=QPoint(header.sectionViewportPosition(column) + 5, 5))


def rows(panel) -> list[tuple[str, ...]]:
    table = panel.table
    return [tuple(table.item(r, c).text() for c in range(table.columnCount())) for r in range(table.rowCount())]


def finish(panel, name: str, status: str, seconds: float = 0.0, reason: str | None = None) -> None:
    panel.fileFinished.emit(1, len(NAMES), FileResult(name, f"/out/{name}", status=status, reason=reason,
                                                      seconds=seconds))


def test_the_queue_stays_in_the_batch_order_until_a_header_is_clicked(panel, qtbot):
    assert [row[0] for row in rows(panel)] == NAMES
    click_header(panel, 0)
    click_header(panel, 0)
    assert [row[0] for row in rows(panel)] == NAMES[::-1]


def test_a_queue_listed_again_while_sorted_keeps_each_file_in_its_own_row(panel, qtbot):
    """Sorting on while a row was filled moved it as its File cell went in: its other cells went to another row."""
    click_header(panel, 0)
    click_header(panel, 0)
    relist(qtbot, panel)
    assert [row[0] for row in rows(panel)] == NAMES[::-1]
    assert all(output.endswith(name) for name, _, _, output in rows(panel))


def test_progress_and_results_go_to_the_file_s_row_once_sorted(panel):
    click_header(panel, 0)
    click_header(panel, 0)  # d, c, b, a
    table = panel.table
    table.selectRow(2)
    panel.fileStarted.emit(2, len(NAMES), FileResult("b.mp4", "/out/b.mp4"))
    assert rows(panel)[2][:2] == ("b.mp4", "processing")
    finish(panel, "b.mp4", "ok", seconds=5)
    assert [row[:3] for row in rows(panel)] == [("d.mp4", "queued", ""), ("c.mp4", "queued", ""),
                                                 ("b.mp4", "ok", "5 s"), ("a.mp4", "queued", "")]
    assert rows(panel)[2][3] == "/out/b.mp4"

    click_header(panel, 1)  # by status: a status that changes moves its row, before its other cells are shown
    finish(panel, "c.mp4", "failed", seconds=3, reason="broken")
    assert rows(panel)[:2] == [("c.mp4", "failed", "", "broken"), ("b.mp4", "ok", "5 s", "/out/b.mp4")]
    assert [table.item(index.row(), 0).text() for index in table.selectionModel().selectedRows()] == ["b.mp4"]


def test_times_sort_by_their_seconds_not_their_text(panel):
    """By text, "1 h 01 min" came before "10 s", and "10 s" before "9 s"."""
    for name, seconds in (("a.mp4", 9), ("b.mp4", 3700), ("c.mp4", 10)):
        finish(panel, name, "ok", seconds=seconds)
    finish(panel, "d.mp4", "failed", seconds=2, reason="broken")  # its time is not shown: sorted as none
    click_header(panel, 2)
    assert [row[:3] for row in rows(panel)] == [("d.mp4", "failed", ""), ("a.mp4", "ok", "9 s"),
                                                 ("c.mp4", "ok", "10 s"), ("b.mp4", "ok", "1 h 01 min")]
