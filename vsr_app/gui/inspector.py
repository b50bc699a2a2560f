"""The panel beside the comparison: this frame's PSNR/SSIM (first: in a small window the rest scrolls), the video's
facts with the ground truth mode's switch, and both models' cards."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QTextOption
from PySide6.QtWidgets import (QCheckBox, QFormLayout, QFrame, QGroupBox, QHBoxLayout, QLabel, QPushButton,
                               QScrollArea, QSizePolicy, QTextBrowser, QVBoxLayout, QWidget)

from vsr_app.eval_protocol import truth_size
from vsr_app.gui import colours, fmt
from vsr_app.gui.frame_times import Gaps
from vsr_app.gui.icons import icon
from vsr_app.gui.processing import Score
from vsr_app.gui.widgets import ElidedLabel
from vsr_app.video.carried import converted_gamut
from vsr_app.video.frame_folder import ASSUMED_FPS, CONTAINER
from vsr_app.video.probing import StreamInfo, VideoInfo

FACTS = ("File", "Size", "Frame rate", "Duration", "Frames", "Video", "Colour", "Audio", "Container")
INTERLACED = "Interlaced"  # a row shown once the Compare view has deinterlaced a frame (`set_deinterlaced`)
JOINED = "Joined"  # a row shown for recordings joined end to end, once the packets tell it (`set_restarts`)
RESTARTS_LISTED = 3  # times a join's row lists, the others counted
# the ground truth box's tooltip in each task (plain text: a tooltip shows backticks as they are)
TRUTH_TIPS = {"upscale": "Take this video as the ground truth and score the models against it, as eval vsr does: each "
                         "model side is fed its frames cropped to a multiple of 4 and downscaled x4 (MATLAB-style "
                         "bicubic), the Source side shows that x4-smaller input, the \"ground truth\" side the frame "
                         "itself; This frame and Analyse all frames measure each side against it",
              "interpolate": "Take this video as the ground truth and score the models against it, as eval vfi does: "
                             "every other frame (2, 4, 6, ...) is held out, each model side predicts it from the "
                             "frames either side (a 4-frame model from two on each side), the Source side shows the "
                             "frame before it, the \"ground truth\" side the frame itself; This frame and Analyse "
                             "all frames measure each side against it"}
SIDES = (("Left", colours.SIDE_A), ("Right", colours.SIDE_B))  # each side's name and colour, as the pickers show them


def video_facts(info: VideoInfo, cropped: bool = False) -> dict[str, str]:
    """The rows of the Video box, as a person would want to read them; in Upscale's ground truth mode (`cropped`) the
    size scored where the crop to a multiple of 4 changes it (the fact said 123 x 77 while the figures were of 120 x
    76, the crop only in a tooltip)."""
    size = f"{info.width} \u00d7 {info.height}"
    if info.sample_aspect_ratio:
        size += f" (pixel aspect {info.sample_aspect_ratio})"
    if info.rotation:
        size += f", rotated {info.rotation}\u00b0"
    if info.mirrored:
        size += ", mirrored"
    scored = truth_size(info.width, info.height)
    if cropped and scored != (info.width, info.height):
        size += f"; scored at {scored[0]} \u00d7 {scored[1]}, cropped to a multiple of 4 as eval vsr crops it"
    audio = ", ".join(track_text(s) for s in info.audio) or "none"
    if info.subtitles:
        audio += f"; subtitles: {', '.join(track_text(s) for s in info.subtitles)}"
    return {
        "File": Path(info.path).name,
        "Size": size,
        "Frame rate": (f"{ASSUMED_FPS} fps assumed: a folder of frames has no frame rate"
                       if info.container == CONTAINER else rate_text(info.fps)),
        "Duration": fmt.clock(info.duration) if info.duration is not None else "unknown",
        "Frames": str(info.estimated_frames) if info.estimated_frames else "unknown",
        "Video": f"{info.codec}, {info.pix_fmt}",
        "Colour": colour_fact(info),
        "Audio": audio,
        "Container": container_name(info),
    }


def track_text(track: StreamInfo) -> str:
    """'mp2 48000 Hz stereo (deu, Audiodeskription)': a track's codec and sound with the language and title it is
    tagged with, by which a broadcast's deu/eng/fra tracks are told apart."""
    tags = ", ".join(filter(None, (track.language, track.title)))
    return " ".join(filter(None, (track.codec, track.detail, tags and f"({tags})")))


def colour_fact(info: VideoInfo) -> str:
    """What the picture's colours are and how they are shown: HDR's picture is the reader's tone map, which nothing
    else said (its colours looked like an SDR source's), and of unknown primaries BT.2020's are assumed."""
    gamut, assumed = converted_gamut(info.hdr, info.wide_gamut)
    if info.hdr:
        return f"{info.hdr.label(f'{gamut} assumed' if assumed else gamut)}, shown tone-mapped to SDR"
    return f"SDR, {gamut} colours, shown converted to BT.709" if gamut else "SDR"


def rate_text(fps: float, variable_fps: float | None = None, gaps: Gaps | None = None) -> str:
    """'29.97 fps'; 'variable, 15.2 fps on average' where the frame times are uneven (`frame_times.uneven_rate`):
    there the header's rate is an average (15.167 for 30 fps with a 3 s pause) or the recorder's nominal one. Where
    the frames stop for a while (`frame_times.long_gaps`: a recording paused for an hour, whose average read "0.0
    fps"), the frames' own rate and the gap: '25 fps, with a gap of 59 min 57 s at 00:03.00', its length in words (a
    clock's beside the timestamp, "59:57.00", read as another moment)."""
    if variable_fps is not None:
        text = f"variable, {variable_fps:.1f} fps on average"
    else:
        text = f"{gaps.fps if gaps else fps:.3f}".rstrip("0").rstrip(".") + " fps"
    if gaps is None:
        return text
    longest = f"{fmt.duration(gaps.longest)} at {fmt.clock(gaps.at)}"
    return text + (f", with a gap of {longest}" if gaps.count == 1 else
                   f", with {gaps.count} gaps, the longest {longest}")


def joined_text(restarts: tuple[float, ...]) -> str:
    """'2 recordings (times restart at 00:03.00)': the parts of a video joined end to end and where each later one
    begins (seconds from the start, `restarts.clock_restarts`)."""
    listed = ", ".join(fmt.clock(t) for t in restarts[:RESTARTS_LISTED])
    more = len(restarts) - RESTARTS_LISTED
    return f"{len(restarts) + 1} recordings (times restart at {listed}{f' and {more} more' if more > 0 else ''})"


def container_name(info: VideoInfo) -> str:
    """FFmpeg names a demuxer by every format it reads ('mov,mp4,m4a,3gp,3g2,mj2'): the one this file's extension
    names, else the first."""
    if info.container == CONTAINER:
        return f"{CONTAINER} ({info.codec})"
    names = info.container.split(",")
    extension = Path(info.path).suffix.lower().lstrip(".")
    return extension if extension in names else names[0]


class CardView(QTextBrowser):
    """A model card that wraps to the panel's width, breaking a long path or value anywhere if it must (a QLabel
    breaks only between words, so one long path widened the panel or was cut), and is as tall as its text. A Tab stop
    (its text can be selected and read), so named and ringed when it has the focus: it was a nameless, unmarked stop."""

    def __init__(self, name: str):
        super().__init__()
        self.setAccessibleName(name)
        self.setFrameShape(QFrame.NoFrame)
        self.viewport().setAutoFillBackground(False)
        # the border always there, coloured only with the focus: the card keeps its size (its height allows for it)
        self.setStyleSheet("QTextBrowser { background: transparent; border: 1px solid transparent; padding: 0; }"
                           f"QTextBrowser:focus {{ border-color: {colours.FOCUS}; }}")
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
    truthToggled = Signal(bool)  # the ground truth mode's box ticked or unticked

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
        # a row of PSNR and SSIM; ground truth mode shows a second, a row for each side
        self.rows = [self._metric_row(layout), self._metric_row(layout)]
        self.psnr, self.ssim = self.rows[0].values
        self.metric_note = QLabel()
        self.metric_note.setProperty("role", "muted")
        self.metric_note.setWordWrap(True)
        layout.addWidget(self.metric_note)
        self.analyse = QPushButton(icon("chart"), "Analyse all frames")
        self.analyse.clicked.connect(self.analyseRequested)
        layout.addWidget(self.analyse)
        column.addWidget(box)

        box, layout = _section("Video")
        form = QFormLayout()
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(4)
        form.setLabelAlignment(Qt.AlignRight)
        self.facts: dict[str, QLabel] = {}
        for name in (*FACTS, JOINED, INTERLACED):
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
        self.facts[JOINED].setToolTip("Recordings joined end to end (cat a.ts b.ts, a camcorder's clips), each "
                                      "starting its clock again: the Compare view and an export continue each part's "
                                      "times after the part before.")
        self.video_form = form
        self.set_deinterlaced(False)
        self.set_restarts(())
        layout.addLayout(form)
        self.truth = QCheckBox("Ground truth")
        self.truth.toggled.connect(self.truthToggled)
        layout.addWidget(self.truth)
        column.addWidget(box)

        self.info: VideoInfo | None = None
        self.size_cropped = False  # Upscale's ground truth mode: the Size fact says the size scored
        self.fps = 0.0  # the open video's stated rate
        self.rate_assumed = False
        self.cards = []
        for title, colour in SIDES:
            box, layout = _section(f"{title} model")
            box.setStyleSheet(f"QGroupBox::title {{ color: {colour}; }}")
            card = CardView(f"{title} model card")
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

    def _metric_row(self, layout: QVBoxLayout) -> MetricRow:
        row = MetricRow(2 * self.fontMetrics().horizontalAdvance("M"))  # "44.69 0.9935" ran together
        layout.addWidget(row)
        return row

    def set_video(self, info: VideoInfo) -> None:
        self.info = info
        self.fps = info.fps
        self.rate_assumed = info.container == CONTAINER  # a folder of frames: its rate is said as assumed
        for name, text in video_facts(info, self.size_cropped).items():
            self.facts[name].setText(text)
        self.facts["File"].setToolTip(info.path)
        self.set_deinterlaced(False)  # until the worker deinterlaces a frame of this video
        self.set_restarts(())  # until the worker has read the packets

    def set_deinterlaced(self, deinterlaced: bool) -> None:
        """Say that the picture is deinterlaced, once the worker's reader has deinterlaced a frame: only a tooltip
        said so, and an export with deinterlacing unticked does not look like the view."""
        self.video_form.setRowVisible(self.facts[INTERLACED], deinterlaced)

    def set_restarts(self, restarts: tuple[float, ...]) -> None:
        """Say where a video joined end to end starts its clock again: nothing told of a join, and the header's
        duration is one part's."""
        self.facts[JOINED].setText(joined_text(restarts) if restarts else "")
        self.video_form.setRowVisible(self.facts[JOINED], bool(restarts))

    def set_variable_rate(self, variable_fps: float | None, gaps: Gaps | None = None) -> None:
        """The frame rate as the frame times tell it, once they are read (on the worker, as the video opens)."""
        if self.rate_assumed:
            return
        self.facts["Frame rate"].setText(rate_text(self.fps, variable_fps, gaps))

    def set_length(self, frames: int, seconds: float) -> None:
        """The frames counted and the length their own times give, together, where the header's were wrong
        (recordings joined end to end state one part's: 6 s said "00:03.00" beside 150 frames at 25 fps), each with
        the other: a file cut in half read "Duration 00:02.80" beside "Frames 60" on the timeline's 28."""
        self.facts["Frames"].setText(str(frames))
        self.facts["Duration"].setText(fmt.clock(seconds))

    def show_truth_mode(self, task: str, on: bool) -> None:
        """The ground truth mode's box and its tooltip for `task`, and the Analyse button's tooltip saying what it
        measures (`on`: the mode is on)."""
        self.truth.setToolTip(TRUTH_TIPS[task])
        self.size_cropped = on and task == "upscale"
        if self.info is not None:
            self.facts["Size"].setText(video_facts(self.info, self.size_cropped)["Size"])
        measured = {"upscale": "for every frame, from the first on as eval vsr runs",
                    "interpolate": "for every held-out frame, as eval vfi scores them"}
        self.analyse.setToolTip((f"Plot each model side's PSNR / SSIM against the ground truth {measured[task]}" if on
                                 else "Plot PSNR / SSIM between the two sides for every frame") +
                                "; a click on the plot, or Go to worst (Alt+W), shows that frame")

    def set_metrics(self, psnr: float | None, ssim: float | None, note: str) -> None:
        """One row: the two sides against each other."""
        self.rows[0].show_score(psnr, ssim)
        self.rows[0].show()  # (ground truth mode hides it where the left side has no model)
        self.rows[1].hide()
        self.metric_note.setText(note)

    def set_truth_metrics(self, scores: tuple[Score | None, Score | None], labels: tuple[str, str], note: str) -> None:
        """A row for each model side, its PSNR/SSIM against the ground truth under a heading naming the side and its
        model (`labels`): named in the captions under the figures, the second row's figures sat under the first's
        "Left PSNR (dB)" and read as its. A side with no model has no row; where neither has one, a row of dashes."""
        if not any(scores):
            self.set_metrics(None, None, note)
            return
        for row, (side, colour), label, given in zip(self.rows, SIDES, labels, scores):
            row.setVisible(given is not None)
            if given is not None:
                row.show_score(*given, heading=f"{side} \u00b7 {label}", colour=colour)
        self.metric_note.setText(note)

    def set_cards(self, left_html: str, right_html: str) -> None:
        self.cards[0].setHtml(left_html)
        self.cards[1].setHtml(right_html)


class MetricRow(QWidget):
    """A PSNR and an SSIM figure side by side, each with its caption under it, under a heading where they are of one
    side (ground truth mode)."""

    def __init__(self, spacing: int):
        super().__init__()
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        column.addWidget(self.heading)
        row = QHBoxLayout()
        row.setSpacing(spacing)
        column.addLayout(row)
        self.values, self.captions = [], []
        for _ in range(2):
            cell = QVBoxLayout()
            value = QLabel("\u2014")
            value.setProperty("role", "metric")
            caption = QLabel()
            caption.setProperty("role", "muted")
            cell.addWidget(value)
            cell.addWidget(caption)
            row.addLayout(cell, 1)
            self.values.append(value)
            self.captions.append(caption)
        self.show_score(None, None)

    def show_score(self, psnr: float | None, ssim: float | None, heading: str = "", colour: str = "") -> None:
        """The figures, under a `heading` (in the side's `colour`) naming the side they are of, or none for the pair
        against each other."""
        psnr_label, ssim_label = self.values
        psnr_label.setText(fmt.psnr(psnr))
        ssim_label.setText(fmt.ssim(ssim))
        self.heading.setText(heading)
        self.heading.setStyleSheet(f"color: {colour};" if colour else "")
        self.heading.setVisible(bool(heading))
        self.captions[0].setText("PSNR (dB)")
        self.captions[1].setText("SSIM")
        # a screen reader read the bare figure ("35.83")
        of = f"{heading}: " if heading else ""
        psnr_label.setAccessibleName(f"{of}PSNR {psnr_label.text()} dB")
        ssim_label.setAccessibleName(f"{of}SSIM {ssim_label.text()}")
