"""The Export dialog's form: what Enter presses once anything to export changes, the preset each codec gets, and a
refusal that goes when the form it was about changes."""

from __future__ import annotations

import shutil

from PySide6.QtCore import QSettings, Qt

from gui_support import gui_env, open_and_wait, type_into, window  # noqa: F401
from vsr_app.gui.export_dialog import ExportDialog
from vsr_app.models import list_models
from vsr_app.video.encoding import CODECS


def opened_dialog(window, qtbot, video, out=None):
    """The Export dialog of `video`, saving as `out` (None: the name it suggests), its window active for keys."""
    open_and_wait(qtbot, window, video)
    window.export()
    dialog = window.export_dialog
    if out is not None:
        dialog.output.setText(str(out))
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    return dialog


def test_after_an_export_any_change_to_what_would_be_exported_makes_enter_export_it(window, qtbot, small_video,
                                                                                   tmp_path):
    """After one export Enter closed the dialog (it had started a second export), and only a name typed made it
    Export again: a CRF typed and Entered closed the dialog and exported nothing, and one out of range was refused
    out of sight as the dialog closed."""
    video = tmp_path / "clip.mp4"
    shutil.copy(small_video, video)
    dialog = opened_dialog(window, qtbot, video)  # each export suggests the next free name
    dialog.codec.setCurrentIndex(dialog.codec.findData("libx264"))
    exported = []
    dialog.exported.connect(exported.append)
    with qtbot.waitSignal(dialog.exported, timeout=60_000):
        dialog.start()
    assert dialog.close_button.isDefault()
    type_into(qtbot, dialog.crf, "30")
    qtbot.keyClick(dialog.crf, Qt.Key_Return)
    assert dialog.isVisible() and dialog.job.running
    qtbot.waitUntil(lambda: len(exported) == 2, timeout=60_000)
    assert exported[1] == str(tmp_path / "clip_x4 (2).mp4")
    assert dialog.settings.value("export/crf/libx264") == 30  # exported at the CRF typed
    type_into(qtbot, dialog.crf, "60")
    qtbot.keyClick(dialog.crf, Qt.Key_Return)
    assert dialog.isVisible() and not dialog.running
    assert dialog.warning.text().startswith("Not started: CRF: \u201c60\u201d not taken") and dialog.warning.isVisible()
    upscale, interpolate = dialog.steps["upscale"][0], dialog.steps["interpolate"]
    for change in (lambda: dialog.codec.setCurrentIndex(dialog.codec.findData("libx265")),
                   lambda: dialog.crf.setValue(dialog.crf.value() + 1),
                   lambda: dialog.preset.setCurrentText("slow"),
                   lambda: interpolate[0].setChecked(True),
                   lambda: interpolate[1].setCurrentIndex(interpolate[1].count() - 1),
                   lambda: upscale.setChecked(False),
                   lambda: dialog.self_ensemble.setChecked(True),
                   lambda: dialog.deinterlace.setChecked(False),
                   lambda: dialog.overwrite.setChecked(True),
                   lambda: dialog.output.setText(str(tmp_path / "browsed.mp4"))):  # as Browse... sets it
        dialog._default_to(dialog.close_button)  # as the end of an export leaves it
        change()
        assert dialog.start_button.isDefault() and not dialog.close_button.isDefault()
    dialog.close()


def test_the_preset_follows_the_codec_as_the_crf_does(window, qtbot, small_video, tmp_path):
    """H.265 kept H.264's "veryfast", while the Batch tab gave it its own default ("medium"): the same codec encoded
    differently per tab. Each codec shows the preset chosen for it, else the one saved for it, else its own default;
    a codec without presets shows none."""
    window.settings.setValue("export/preset", "faster")  # the one preset saved before each codec had its own
    dialog = opened_dialog(window, qtbot, small_video, tmp_path / "out.mp4")

    def show(codec: str) -> str | None:
        dialog.codec.setCurrentIndex(dialog.codec.findData(codec))
        return dialog.options()["preset"]

    assert show("libx265") == CODECS["libx265"].preset == "medium"  # as the Batch tab encodes it
    assert show("libx264") == "faster"  # the old setting was H.264's
    dialog.preset.setCurrentText("slow")
    assert show("ffv1") is None and dialog.preset.currentText() == ""  # not H.264's, greyed as if FFV1 took it
    assert show("libx264") == "slow"  # the one chosen survives a look at another codec
    assert show("libx265") == "medium"
    dialog.preset.setCurrentText("fast")
    with qtbot.waitSignal(dialog.exported, timeout=60_000):
        dialog.start()
    assert window.settings.value("export/preset/libx265") == "fast"
    dialog.close()
    again = ExportDialog(str(small_video), list_models(), {}, "upscale", "cpu", window.settings, window)
    assert again.codec.currentData() == "libx265" and again.preset.currentText() == "fast"
    again.codec.setCurrentIndex(again.codec.findData("libx264"))
    assert again.preset.currentText() == "faster"  # not the one saved for H.265
    again.close()


def test_a_refusal_goes_when_the_form_changes(window, qtbot, small_video, tmp_path):
    """A refused CRF's "Not started: CRF: ... not taken" stayed up after switching to FFV1, whose CRF is greyed: it
    told of a field that no longer counted."""
    dialog = opened_dialog(window, qtbot, small_video, tmp_path / "out.mp4")
    dialog.codec.setCurrentIndex(dialog.codec.findData("libx264"))
    type_into(qtbot, dialog.crf, "2.5")
    dialog.start_button.click()
    assert dialog.job is None and dialog.warning.text().startswith("Not started: CRF:") and dialog.warning.isVisible()
    dialog.codec.setCurrentIndex(dialog.codec.findData("ffv1"))
    assert dialog.warning.isHidden() and dialog.warning.text() == ""
    dialog.output.clear()
    dialog.start_button.click()
    assert dialog.warning.text() == "Not started: Choose where to save the video."
    qtbot.keyClicks(dialog.output, "x")
    assert dialog.warning.isHidden()
    dialog.close()


def test_a_preset_saved_for_no_codec_listed_gets_the_codecs_own(gui_env, qtbot, small_video):
    """A hand-edited or outdated preset ("placebo" is not offered, "turbo" is no preset) leaves the codec's default,
    not whatever the box held."""
    settings = QSettings()
    settings.setValue("export/preset", "turbo")
    settings.setValue("export/preset/libx265", "placebo")
    dialog = ExportDialog(str(small_video), list_models(), {}, "upscale", "cpu", settings)
    qtbot.addWidget(dialog)
    for codec in ("libx264", "libx265"):
        dialog.codec.setCurrentIndex(dialog.codec.findData(codec))
        assert dialog.preset.currentText() == CODECS[codec].preset, codec
