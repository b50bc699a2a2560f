"""The difference gain as the settings keep it: its box takes whole numbers (viewer_toolbar), and a saved 2.5 was
handed to it as a float and cut to 2; versions before kept a float ("8.0")."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from gui_support import gui_env  # noqa: F401


def test_a_saved_gain_is_shown_and_used_rounded_to_a_whole_number(gui_env, qtbot):
    from vsr_app.gui.viewer import Viewer

    for saved, whole in ((2.5, 3), ("2.5", 3), (15.7, 16), ("16.0", 16), (12, 12), ("a lot", 8), (None, 8)):
        QSettings().setValue("viewer/gain", saved)
        viewer = Viewer(QSettings())
        qtbot.addWidget(viewer, before_close_func=lambda v: v.shutdown())  # its frame worker thread stopped
        assert (viewer.toolbar.gain.value(), viewer.view.gain) == (whole, whole), saved
