"""The panel beside the comparison: this frame's PSNR/SSIM (first: in a small window the rest scrolls), the video's
facts, and both models' cards."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QTextOption
from PySide6.QtWidgets import (QFormLayout, QFrame, QGroupBox, QHBoxLayout, QLabel, QPushButton, QScrollArea,
                               QSizePolicy, QTextBrowser, QVBoxLayout, QWidget)

from vsr_app.gui import fmt, theme
from vsr_app.gui.icons import icon
from vsr_app.gui.widgets import ElidedLabel
from vsr_app.video.reader import VideoInfo

FACTS = ("File", "Size", "Frame rate", "Duration", "Frames", "Video", "Audio", "Container")
INTERLACED = "Interlaced"  # a row shown once the Compare view has deinterlaced a frame (`set_deinterlaced`)


def video_facts(info: VideoInfo) -> dict[str, str]:
    """The rows of the Video box, as a person would want to read them."""
    size = f"{info.width} \u00d7 {info.height}"
    if info.sample_aspect_ratio:
        size += f" (pixel aspect {info.sample_aspect_ratio})"
    if info.rotation:
        size += f", rotated {info.rotation}\u00b0"
    if info.mirrored:
        size += ", mirrored"
    audio = ", ".join(f"{s.codec} {s.detail}".strip() for s in info.audio) or "none"
    if info.subtitles:
        audio += f"; subtitles: {', '.join(s.codec for s in info.subtitles)}"
    return {
        "File": Path(info.path).name,
        "Size": size,
        "Frame rate": rate_text(info.fps),
        "Duration": fmt.clock(info.duration) if info.duration is not None else "unknown",
        "Frames": str(info.estimated_frames) if info.estimated_frames else "unknown",
        "Video": f"{info.codec}, {info.pix_fmt}",
        "Audio": audio,
        "Container": container_name(info),
    }


def rate_text(fps: float, variable_fps: float | None = None) -> str:
    """'29.97 fps'; 'variable, 15.2 fps on average' where the frame times are uneven (`processing.uneven_rate`):
    there the header's rate is an average (15.167 for 30 fps with a 3 s pause) or the recorder's nominal one."""
    if variable_fps is not None:
        return f"variable, {variable_fps:.1f} fps on average"
    return f"{fps:.3f}".rstrip("0").rstrip(".") + " fps"


def container_name(info: VideoInfo) -> str:
    """FFmpeg names a demuxer by every format it reads ('mov,mp4,m4a,3gp,3g2,mj2'): the one this file's extension
    names, else the first."""
    names = info.container.split(",")
    extension = Path(info.path).suffix.lower().lstrip(".")
    return extension if extension in names else names[0]


class CardView(QTextBrowser):
    """A model card that wraps to the panel's width, breaking a long path or value anywhere if it must (a QLabel
    breaks only between words, so one long path widened the panel or was cut), and is as tall as its text."""

    def __init__(self):
        super().__init__()
        self.setFrameShape(QFrame.NoFrame)
        self.viewport().setAutoFillBackground(False)
        self.setStyleSheet("QTextBrowser { background: transparent; border: none; padding: 0; }")
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setWordWrapMode(QTextOption.WrapAtWordBoundaryOrAnywhere)
        self.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        self.document().setDocumentMargin(0)
        self.document().documentLayout().documentSizeChanged.connect(
            lambda size: self.setFixedHeight(int(size.height()) + 2))

    def wheelEvent(self, event) -> None:
        event.ignore()  # never scrolls itself (it is as tall as its text): the panel around it scrolls


def _section(title: str) -> tuple[QGroupBox, QVBoxLayout]:
    box = QGroupBox(title)
    layout = QVBoxLayout(box)
    layout.setSpacing(6)
    return box, layout


class Inspector(QScrollArea):
    analyseRequested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setAccessibleName("Details: the video, the scores and the models")
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(8, 0, 8, 8)
        column.setSpacing(4)

        box, layout = _section("This frame")
        numbers = QHBoxLayout()
        numbers.setSpacing(2 * self.fontMetrics().horizontalAdvance("M"))  # "44.69 0.9935" ran together
        self.psnr = self._metric(numbers, "PSNR (dB)")
        self.ssim = self._metric(numbers, "SSIM")
        layout.addLayout(numbers)
        self.metric_note = QLabel()
        self.metric_note.setProperty("role", "muted")
        self.metric_note.setWordWrap(True)
        layout.addWidget(self.metric_note)
        self.analyse = QPushButton(icon("chart"), "Analyse all frames")
        self.analyse.setToolTip("Plot PSNR / SSIM between the two sides for every frame; a click on the plot, "
                                "or Go to worst (Alt+W), shows that frame")
        self.analyse.clicked.connect(self.analyseRequested)
        layout.addWidget(self.analyse)
        column.addWidget(box)

        box, layout = _section("Video")
        form = QFormLayout()
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(4)
        form.setLabelAlignment(Qt.AlignRight)
        self.facts: dict[str, QLabel] = {}
        for name in (*FACTS, INTERLACED):
            label = ElidedLabel("\u2014") if name == "File" else QLabel("\u2014")
            label.setWordWrap(name != "File")
            label.setTextInteractionFlags(Qt.TextSelectableByMouse)
            caption = QLabel(name)
            caption.setProperty("role", "muted")
            form.addRow(caption, label)
            self.facts[name] = label
        self.facts[INTERLACED].setText("shown deinterlaced (bwdif)")
        self.facts[INTERLACED].setToolTip("The Compare view deinterlaces the frames flagged interlaced whose pictures "
                                          "look interlaced (FFmpeg's idet and bwdif), as an export does by default; "
                                          "an export with deinterlacing unticked keeps their fields woven.")
        self.video_form = form
        self.set_deinterlaced(False)
        layout.addLayout(form)
        column.addWidget(box)

        self.fps = 0.0  # the open video's stated rate
        self.cards = []
        for title, colour in (("Left", theme.SIDE_A), ("Right", theme.SIDE_B)):
            box, layout = _section(f"{title} model")
            box.setStyleSheet(f"QGroupBox::title {{ color: {colour}; }}")
            card = CardView()
            layout.addWidget(card)
            column.addWidget(box)
            self.cards.append(card)
        column.addStretch(1)
        self.setWidget(body)
        self.set_metrics(None, None, "")

    def minimumSizeHint(self) -> QSize:
        """As narrow as its contents allow, so the video keeps the room in a small window; narrower, the figures and
        the cards were cut at their right edge (at 720 px, or at 1,280 with a 20 pt font), as it scrolls only down."""
        margins = self.verticalScrollBar().sizeHint().width() + 2 * self.frameWidth()
        return QSize(self.widget().minimumSizeHint().width() + margins, super().minimumSizeHint().height())

    @staticmethod
    def _metric(row: QHBoxLayout, caption: str) -> QLabel:
        cell = QVBoxLayout()
        value = QLabel("\u2014")
        value.setProperty("role", "metric")
        name = QLabel(caption)
        name.setProperty("role", "muted")
        cell.addWidget(value)
        cell.addWidget(name)
        row.addLayout(cell, 1)
        return value

    def set_video(self, info: VideoInfo) -> None:
        self.fps = info.fps
        for name, text in video_facts(info).items():
            self.facts[name].setText(text)
        self.facts["File"].setToolTip(info.path)
        self.set_deinterlaced(False)  # until the worker deinterlaces a frame of this video

    def set_deinterlaced(self, deinterlaced: bool) -> None:
        """Say that the picture is deinterlaced, once the worker's reader has deinterlaced a frame: only a tooltip
        said so, and an export with deinterlacing unticked does not look like the view."""
        self.video_form.setRowVisible(self.facts[INTERLACED], deinterlaced)

    def set_variable_rate(self, variable_fps: float | None) -> None:
        """The frame rate as the frame times tell it, once they are read (on the worker, as the video opens)."""
        self.facts["Frame rate"].setText(rate_text(self.fps, variable_fps))

    def set_metrics(self, psnr: float | None, ssim: float | None, note: str) -> None:
        self.psnr.setText(fmt.psnr(psnr))
        self.ssim.setText(fmt.ssim(ssim))
        # a screen reader read the bare figure ("35.83")
        self.psnr.setAccessibleName(f"PSNR {self.psnr.text()} dB")
        self.ssim.setAccessibleName(f"SSIM {self.ssim.text()}")
        self.metric_note.setText(note)

    def set_cards(self, left_html: str, right_html: str) -> None:
        self.cards[0].setHtml(left_html)
        self.cards[1].setHtml(right_html)
