"""Per-frame PSNR / SSIM between the two compared sides over the whole timeline; a click jumps there, and so does
Go to worst (Alt+W), to the frame of lowest PSNR, which the summary names: the plot alone was mouse-only.

Two stacked pyqtgraph plots share the x axis (frames, numbered from 1 as the player numbers them; an in-between
sits half way between its frames, and a held-out frame of interpolation's ground truth mode at its own number, every
other frame); a vertical line follows the player, and points are
added as the analysis job delivers them, so the plot fills in while it runs. Points arrive faster than a plot of
thousands can be redrawn, so the curves are redrawn at most every REDRAW_MS (a redraw per point froze the window for
seconds on a 3,000-frame video), and markers are drawn only while they can still be told apart. Save CSV… writes the
numbers measured so far, for a researcher's own plots and statistics, in `eval --csv`'s columns and numbering (its
`sequence` and `frame`, and a folder of frames' `file`, eval's `frame` there), so the two tables join.
In ground truth mode each model side is measured against the truth: a curve per side in each plot, in the side's
colour and named in a legend under the plots (over them, it hid the curves' last frames), a column pair per side in
the CSV (`psnr_y_<model>`), and each side's worst frame in the summary and in Go to worst's menu. The summary names a
frame as the player does (`timeline.timeline_name`) and says how many were scored, and why the rest were not.
Interpolation's held-out frames across a scene cut (`eval_protocol.vfi_scene_cuts`: the frames fed either side are of
two shots, and no interpolator can tell which the frame is of) are shaded in the plots, given a mean without them in
the summary, passed over by worst (on real video they were every model's worst frames, saying nothing of the model),
and marked in the CSV's `scene_cut` column, as eval vfi --csv marks them. That verdict comes a few frames after the
frame's scores (`analysis.CutVerdict`), which are drawn at once: the shading, means and worst follow it as it comes.
Beside the plots, the summary's numbers of every model analysed on the video, task and mode (`analysis_table`).
"""

from __future__ import annotations

import csv
import math
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QStandardPaths, Qt, QTimer, Signal
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QLabel, QMenu, QPushButton, QSizePolicy, QSplitter,
                               QVBoxLayout, QWidget)

from vsr_app.eval_csv import CUT_COLUMN
from vsr_app.files import atomic_write
from vsr_app.gui import colours, fmt
from vsr_app.gui.analysis import CutVerdict
from vsr_app.gui.analysis_table import AnalysisTable, SeriesNumbers
from vsr_app.gui.export_dialog import output_folder
from vsr_app.gui.timeline import timeline_name
from vsr_app.gui.view_export import save_folder
from vsr_app.gui.widgets import ElidedLabel, announce
from vsr_app.media import frame_files
from vsr_app.sequences import sequence_name
from vsr_app.devices import default_precision, resolve_device
from vsr_app.video.pipeline import breaks_text
from vsr_app.video.scenecut import break_counts

REDRAW_MS = 400
WIDEST_TICK = "0.000000"  # both value axes leave room for this (SSIM near 1 ticks in millionths), so the plots line up
MARKERS_UP_TO = 300  # points; beyond this the markers merge into a band and cost most of the drawing
MARKER_SIZE = 5  # px, of every curve's markers
# Go to worst's tooltip with one model side, and with two (a menu of each side's); held-out frames add CUTS_PASSED_OVER
WORST_TIP = "Show the frame of lowest PSNR{}, which the summary names (Alt+W)"
WORST_OF_EACH_TIP = "Show either side's frame of lowest PSNR{}, which the summary names (Alt+W)"
CUTS_PASSED_OVER = " outside scene cuts (a frame across one says nothing of a model)"
MIN_HEIGHT = 160  # two plots; more went from the video in a small window (`usable_height` where there is room)
MIN_LINES = 9  # ... and at least this many lines of its font
# each plot's values this many lines of its font tall where the window has room (`usable_height`): the plots shared
# what a 220-px panel left under the summary, at 1400x900 the PSNR plot's 45 px, at 1024x700 20 px and SSIM's none
PLOT_LEAST_LINES = 6
AXES_LINES = 7  # ... and the frame axis, its name and the legend below them
TABLE_SHARE = 0.55  # of the panel's width at most, for the table of every model's numbers beside the plots
LABEL_PITCH = 1.25  # lines of its font from one value axis label to the next, at least: closer, they ran together
CUT_SHADE = colours.MUTED + "40"  # a held-out frame across a scene cut: a band behind the curves, light enough to read


class ValueAxis(pg.AxisItem):
    """A value axis whose labels are at least LABEL_PITCH lines of their font apart, the labelled (major) step grown
    to the next 1, 2 or 5 times a power of ten where needed: pyqtgraph steps by the range alone, and the SSIM axis
    labelled 0.990 to 0.996 in 4 overlapping lines within 45 px. Only the major ticks are labelled."""

    def __init__(self, orientation: str, line_height: float):
        super().__init__(orientation)
        self.line_height = line_height
        self.setStyle(maxTextLevel=0)

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, float]]:
        levels = super().tickSpacing(minVal, maxVal, size)
        if not levels or size <= 0:
            return levels
        least = abs(maxVal - minVal) / size * LABEL_PITCH * self.line_height
        major = levels[0][0]
        if major >= least:
            return levels
        major = nice_step(least)
        return [(major, 0)] + [(step, 0) for step, _ in levels[1:] if math.isclose(major / step, round(major / step))]


class FrameAxis(pg.AxisItem):
    """The frame axis, stepped by no less than `least_step`: whole frames in Upscale, halves in Interpolate, where the
    in-betweens sit. pyqtgraph steps by the range alone: a 3-frame upscale was labelled 1.5, 2.5 and gridded by 0.1."""

    def __init__(self):
        super().__init__("bottom")
        self.least_step = 1.0

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, float]]:
        levels = super().tickSpacing(minVal, maxVal, size)
        if not levels:
            return levels
        return [level for level in levels if level[0] >= self.least_step] or [(self.least_step, 0)]


def new_curve(plot: pg.PlotItem, colour: str) -> pg.PlotDataItem:
    """An empty curve of `plot`, in `colour`, its markers as large as every other curve's (a second side's took
    pyqtgraph's default, twice as large)."""
    curve = plot.plot([], [], symbol="o", symbolSize=MARKER_SIZE)
    colour_curve(curve, colour)
    return curve


def colour_curve(curve: pg.PlotDataItem, colour: str) -> None:
    curve.setPen(pg.mkPen(colour, width=1.6))
    curve.setSymbolBrush(colour)
    curve.setSymbolPen(None)


def cut_band(plot: pg.PlotItem) -> pg.BarGraphItem:
    """`plot`'s shading of held-out frames across a scene cut, none yet: behind the curves, and left out of the
    plot's automatic range (the data alone sets it)."""
    band = pg.BarGraphItem(x0=[], x1=[], y0=[], height=[], brush=pg.mkBrush(CUT_SHADE), pen=None)
    band.setZValue(-1)
    plot.addItem(band, ignoreBounds=True)
    return band


def nice_step(least: float) -> float:
    """The smallest of 1, 2 and 5 times a power of ten that is at least `least` (> 0), as axes step."""
    power = 10.0 ** math.floor(math.log10(least))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= least)


class AnalysisPlot(QWidget):
    seekRequested = Signal(int)
    cancelRequested = Signal()
    closeRequested = Signal()
    errorRaised = Signal(str, str)  # title, message: the viewer passes it on to the window's dialog

    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        self.head = head = QHBoxLayout()
        self.title = ElidedLabel("Per-frame quality")  # "A vs B": two long model names set the window's least width
        self.title.setProperty("role", "heading")
        self.summary = QLabel()
        self.summary.setProperty("role", "muted")
        self.summary.setWordWrap(True)  # on one line it kept the window 894 px wide
        self.save = QPushButton("Save CSV\u2026")
        self.save.setToolTip("Write the per-frame PSNR and SSIM measured so far to a CSV file")
        self.save.clicked.connect(self.save_csv)
        self.worst = QPushButton("Go to &worst")  # Alt+W: a click on the plot is the only other way to a frame
        self.worst.clicked.connect(self._go_to_worst)
        self.worst_menu = QMenu(self.worst)  # ground truth mode with two model sides: each side's worst frame
        self.folder = ""  # where the last CSV went; the next is offered there rather than beside its video
        self.stop = QPushButton("Stop")
        self.stop.clicked.connect(self.cancelRequested)
        close = QPushButton("Close")
        close.clicked.connect(self.closeRequested)
        head.addWidget(self.title, 1)  # whole where there is room; cut only when the row runs short
        head.addWidget(self.worst)
        head.addWidget(self.save)
        head.addWidget(self.stop)
        head.addWidget(close)
        layout.addLayout(head)
        # a line of its own, the panel's width: beside the title it wrapped to 7 lines at 1024 px, over the plots
        layout.addWidget(self.summary)
        self.graphs = pg.GraphicsLayoutWidget()
        self.graphs.setAccessibleName("PSNR and SSIM of every frame")
        self.table = AnalysisTable()  # every model analysed on this video, beside the plots: they need the height
        self.table.hide()  # until it has numbers
        self.body = QSplitter(Qt.Horizontal)
        self.body.addWidget(self.graphs)
        self.body.addWidget(self.table)
        self.body.setStretchFactor(0, 1)
        self.body.setCollapsible(0, False)
        layout.addWidget(self.body, 1)
        self.graphs.ci.layout.setColumnStretchFactor(1, 1)  # the plots widen, not the names beside them
        for row in (0, 1):  # ... and grow taller, not the legend's row under them
            self.graphs.ci.layout.setRowStretchFactor(row, 1)
        self.curves, self.cursors = [], []
        self.series: tuple[tuple[str, str], ...] = ()  # ground truth mode: (name, colour) of each side measured
        self.cursor_position = 0  # the player's, kept to place the cursors again where `first` changes
        self.psnr_plot = self._add_plot(0, "PSNR (dB)", colours.PSNR_COLOUR)
        self.ssim_plot = self._add_plot(1, "SSIM", colours.SSIM_COLOUR, x_link=self.psnr_plot)
        self.psnr_plot.getAxis("bottom").setStyle(showValues=False)  # the frames are numbered once, below SSIM
        # frames are counted, never "x0.001"; not by enableAutoSIPrefix(False), which freezes the prefix the empty
        # plot's range (just under 1) gave: a 12-frame clip's axis read 0 to 12000 at a 20 pt font
        self.ssim_plot.setLabel("bottom", "frame", siPrefixEnableRanges=())  # (setLabel resets them otherwise)
        # each series' (PSNR, SSIM) curves: the one pair of sides, or each side against the ground truth
        self.series_curves = [tuple(self.curves),
                              tuple(new_curve(plot, colours.SIDE_B) for plot in (self.psnr_plot, self.ssim_plot))]
        self.cut_bands = [cut_band(plot) for plot in (self.psnr_plot, self.ssim_plot)]
        self.break_marks: list[tuple[pg.PlotItem, pg.InfiniteLine]] = []  # `_mark_break`'s lines, with their plots
        # in ground truth mode, under the plots (`_colour_curves`): over the PSNR plot it hid the curves' last frames;
        # as small as its names, at the left (the layout spread it over a third of the height and the whole width)
        self.legend = pg.LegendItem(colCount=3, brush=colours.BASE, labelTextColor=colours.TEXT)  # two sides, a cut
        self.legend.setSizePolicy(QSizePolicy.Fixed, QSizePolicy.Fixed)
        self.legend.layout.setContentsMargins(0, 0, 0, 0)  # (9 px around one line of names)
        self.graphs.scene().sigMouseClicked.connect(self._clicked)
        self.redraw_timer = QTimer(self, singleShot=True, interval=REDRAW_MS)
        self.redraw_timer.timeout.connect(self._redraw)
        # two plots with their tick labels and the summary above: at a 20 pt font 160 px left the SSIM plot a sliver
        self.setMinimumHeight(max(MIN_HEIGHT, MIN_LINES * self.fontMetrics().lineSpacing()))
        self.reset("")

    def usable_height(self) -> int:
        """The height at which each plot's values are PLOT_LEAST_LINES lines of its font tall, under the head and the
        summary as they wrap at this width: what the Compare tab gives the analysis where the video keeps its room."""
        layout = self.layout()
        margins = layout.contentsMargins()
        summary = self.summary.heightForWidth(self.width() - margins.left() - margins.right())
        graphs = (2 * PLOT_LEAST_LINES + AXES_LINES) * self.graphs.fontMetrics().lineSpacing()
        head = self.head.sizeHint().height() + 2 * layout.spacing()
        return margins.top() + head + summary + graphs + margins.bottom()

    def _add_plot(self, row: int, name: str, colour: str, x_link: pg.PlotItem | None = None) -> pg.PlotItem:
        """A plot with its curve and cursor, named at its top left in the curve's colour: rotated axis titles are
        longer than a plot is high in a small window, and ran into each other. Values are shown as they are (with
        pyqtgraph's automatic SI prefix, SSIM read 955-980 "x0.001")."""
        label = self.graphs.addLabel(name, row=row, col=0, color=colour, justify="right")
        label.setMaximumHeight(label.minimumHeight())
        self.graphs.ci.layout.setAlignment(label, Qt.AlignTop | Qt.AlignRight)
        plot = self.graphs.addPlot(row=row, col=1, axisItems={
            "left": ValueAxis("left", self.graphs.fontMetrics().height()), "bottom": FrameAxis()})
        plot.setXLink(x_link)  # while still empty: linking a plot with a curve turned `x_link`'s x auto-range off
        axis = plot.getAxis("left")
        axis.setSIPrefixEnableRanges(())
        axis.setStyle(autoExpandTextSpace=False,
                      tickTextWidth=self.graphs.fontMetrics().horizontalAdvance(WIDEST_TICK))
        plot.showGrid(x=True, y=True, alpha=0.15)
        plot.setMouseEnabled(x=True, y=False)
        self.curves.append(new_curve(plot, colour))
        cursor = pg.InfiniteLine(angle=90, pen=pg.mkPen(colours.TEXT, width=1, style=Qt.DashLine))
        plot.addItem(cursor)
        self.cursors.append(cursor)
        return plot

    def reset(self, title: str, first: float = 1.0, video: str = "", task: str = "",
              sides: tuple[str, str] = ("left", "right"), series: tuple[tuple[str, str], ...] = (),
              held_out: bool = False, device: str = "auto") -> None:
        """An empty plot; position k is drawn at x = k + `first`, what the player calls it (frame 1, in-between 1½),
        or `held_out` (interpolation's ground truth mode: each point a frame held out, every other frame of the
        video) at x = 2k + `first`, the held-out frames 2, 4, .... `video`, `task` and `sides` (model names, as
        --model takes them) are what a saved CSV says was measured. `series`: in ground truth mode, the (name, colour)
        of each side measured against the truth (at most two). `device`: where the models run, which the table's rows
        tell apart ('auto' as the one it picks: the same numbers); of the viewer's choices the only one besides the
        models that moves them (the precision follows it, it never self-ensembles, the video decides deinterlacing)."""
        # (position, then PSNR and SSIM of each series)
        self.points: list[tuple[float, ...]] = []
        # in-betweens where the picture breaks (position: `scenecut.break_kind`): both sides repeat a frame, no points
        self.break_gaps: dict[int, str] = {}
        self.scene_cuts: set[int] = set()  # held-out frames across a scene cut (positions), shaded
        self.judged: set[int] = set()  # held-out frames whose scene-cut verdict has come (`add_cut_verdict`)
        for plot, line in self.break_marks:
            plot.removeItem(line)
        self.break_marks.clear()
        self.first, self.held_out = first, held_out
        self.frames = 0  # the video's frames known (held-out frames: eval vfi scores no last frame of an even number)
        for plot in (self.psnr_plot, self.ssim_plot):
            plot.getAxis("bottom").least_step = 1.0 if float(first).is_integer() else 0.5
        self.set_cursor(self.cursor_position)  # at x = position + the new `first`: it stayed at 2 for in-between 2½
        self.video, self.task, self.sides, self.series = video, task, sides, series
        self.placed = resolve_device(device)  # where the sides run, which sets their precision (`default_precision`)
        # a folder's frames by name, as eval --csv names them: the CSV's `file` column, to join on
        self.files = [p.name for p in frame_files(Path(video))] if video and Path(video).is_dir() else []
        self._colour_curves()
        measured = f"each model against the ground truth ({self._fed()})" if series else "two sides against each other"
        self.table.start((video, task, bool(series), held_out, first), f"{task}: {measured} on {video}", held_out)
        if self.table.rowCount():  # the models analysed before on this video, task and mode
            self._show_table()
        else:
            self.table.hide()
        self.total = 0
        self.first_point_at = 0.0
        self.running = True  # frames still come: the summary says how long they will take
        self.redraw_timer.stop()
        self.title.setText(title or "Per-frame quality")
        self.title.setToolTip(title)
        # the first point also waits for the models to load: seconds of empty axes and no word, the status bar "Ready"
        self.summary.setText("Measuring the first frame\u2026")
        self.stop.setVisible(True)
        self.save.setEnabled(False)
        self.worst.setEnabled(False)
        self._offer_worst()

    def _colour_curves(self) -> None:
        """Empty curves, in their series' colours and named in the legend under the plots (ground truth mode: there
        only, a row the plots keep otherwise), else PSNR's and SSIM's; no scene cut shaded."""
        self.legend.clear()
        for band in self.cut_bands:
            band.setOpts(x0=[], x1=[], y0=[], height=[])
        pairs = [(colour, colour) for _, colour in self.series] or [(colours.PSNR_COLOUR, colours.SSIM_COLOUR)]
        for curves, pair in zip(self.series_curves, pairs + [(None, None)]):
            for curve, colour in zip(curves, pair):
                curve.setData([], [])
                if colour is not None:
                    colour_curve(curve, colour)
        for (name, _), (psnr_curve, _) in zip(self.series, self.series_curves):
            self.legend.addItem(psnr_curve, name)
        shown = self.legend in self.graphs.ci.items
        if self.series and not shown:
            self.graphs.addItem(self.legend, row=2, col=1)
            self.graphs.ci.layout.setAlignment(self.legend, Qt.AlignLeft)
        elif shown and not self.series:
            self.graphs.removeItem(self.legend)

    def _offer_worst(self) -> None:
        """Go to worst: the frame of lowest PSNR; with two model sides against the ground truth, a menu of each
        side's (the first side's alone was the only one it reached)."""
        self.worst_menu.clear()
        for series, (name, _) in enumerate(self.series if len(self.series) > 1 else ()):
            self.worst_menu.addAction(f"Worst frame of {name}",
                                      lambda series=series: self.seekRequested.emit(self._worst(series)[0]))
        self.worst.setMenu(self.worst_menu if self.worst_menu.actions() else None)
        tip = WORST_OF_EACH_TIP if self.worst.menu() else WORST_TIP
        self.worst.setToolTip(tip.format(CUTS_PASSED_OVER if self.held_out else ""))

    def add_truth_progress(self, *told) -> None:
        """A ground truth analysis's progress (`analysis.analyse_truth`): a position's scores (`add_scores`), or the
        `CutVerdict` of a held-out frame told before (`add_cut_verdict`)."""
        if isinstance(told[0], CutVerdict):
            self.add_cut_verdict(*told[0])
        else:
            self.add_scores(*told)

    def add_scores(self, position: int, total: int, scores: tuple[tuple[float, float | None], ...],
                   frames: int = 0) -> None:
        """Ground truth mode: each series' (PSNR, SSIM) against the truth at `position`, of `frames` known so far."""
        self.frames = frames
        self._add(position, total, scores)

    def add_cut_verdict(self, position: int, scene_cut: bool) -> None:
        """Whether the held-out frame at `position`, drawn before, lies across a scene cut
        (`eval_protocol.vfi_scene_cuts`): shaded, left out of a mean and of worst, and marked in the CSV from then
        on."""
        self.judged.add(position)
        if scene_cut:
            self.scene_cuts.add(position)
            if not self.redraw_timer.isActive():
                self.redraw_timer.start()

    def add_point(self, position: int, total: int, psnr: float | None, ssim: float | None,
                  at_break: str | None = None) -> None:
        """The two sides' PSNR and SSIM against each other at `position`. `at_break`: the `scenecut.break_kind` of an
        in-between at a scene cut, flash or pause, where no model ran and both sides repeat the frame before it; its
        100 dB is left out of the plot and the means (5 such in a clip raised a mean by 1.2 dB)."""
        if psnr is not None:
            self._add(position, total, ((psnr, ssim),), at_break)

    def _add(self, position: int, total: int, scores: tuple[tuple[float, float | None], ...],
             at_break: str | None = None) -> None:
        if not self.points and not self.break_gaps:  # the rate is timed from here: the first also waited for the models
            self.first_point_at = time.monotonic()
        if at_break:
            self.break_gaps[position] = at_break
            self._mark_break(position, at_break)
            self.total = total
            if not self.redraw_timer.isActive():  # the summary counts them too, as they come
                self.redraw_timer.start()
            return
        # psnr is finite (psnr_y caps identical frames at 100 dB); ssim is None for frames smaller than its window
        self.points.append((position, *(v for psnr, ssim in scores for v in (psnr, np.nan if ssim is None else ssim))))
        self.total = total
        self.save.setEnabled(True)
        self.worst.setEnabled(True)
        if not self.redraw_timer.isActive():
            self.redraw_timer.start()

    def _mark_break(self, position: int, kind: str) -> None:
        """A thin dashed line in both plots at an in-between left out, its `kind` ('scene cut') in its tooltip: with
        no point there the curve ran straight across the cut, unmarked. Outside the plots' automatic range."""
        for plot in (self.psnr_plot, self.ssim_plot):
            line = pg.InfiniteLine(self._x(position), angle=90, movable=False,
                                   pen=pg.mkPen(colours.MUTED, width=1, style=Qt.DashLine))
            line.setToolTip(kind)
            plot.addItem(line, ignoreBounds=True)
            self.break_marks.append((plot, line))

    def finished(self, complete: bool = False) -> None:
        """The run ended: `complete` when it measured to the video's end, whose real length is then known (a cut
        file's header promises more, and its complete analysis read "15 / 30 frames, stopped")."""
        if complete and self.points:
            self.total = len(self.points) + len(self.break_gaps)
        self.running = False
        self.stop.setVisible(False)
        self._redraw()
        if not self.points:
            gaps = len(self.break_gaps)
            if gaps and complete:
                text = f"Nothing to compare: both sides repeat a frame at all {gaps} in-betweens ({self._breaks()})."
            elif gaps:
                text = f"Stopped: both sides repeat a frame at the {gaps} in-betweens so far ({self._breaks()})."
            else:
                text = "Nothing to analyse: no frame could be measured in this view."
            self.summary.setText(text)
        if complete:  # shown only, it went unsaid; a stop (asked for, or another video opened) is not news
            announce(self.summary, "Analysis ended: " + self.summary.text())

    def _redraw(self) -> None:
        self.redraw_timer.stop()
        if not self.points:
            if self.break_gaps and self.running:  # a slideshow: every in-between so far at a cut
                self.summary.setText(self._counted())
            return
        positions, *values = np.array(self.points).T
        xs = self._x(positions)
        symbol = "o" if len(self.points) <= MARKERS_UP_TO else None
        for curves, psnrs, ssims in zip(self.series_curves, values[0::2], values[1::2]):
            for curve, ys in zip(curves, (psnrs, ssims)):
                shown = np.isfinite(ys)
                curve.setData(xs[shown], ys[shown], symbol=symbol)
        across = np.isin(positions, list(self.scene_cuts))
        self._shade_cuts(xs[across], values)
        count = len(self.points) + len(self.break_gaps)
        numbers = self._series_numbers(values, across, count)
        self.table.show_numbers(numbers)
        self._show_table()
        names = [f"{name} " for name, _ in self.series] or [""]
        psnr = ", ".join(f"{name}{row.mean_psnr:.2f} dB" for name, row in zip(names, numbers))
        if across.any():
            psnr += f" ({self._without_cuts(names, numbers, across)})"
        ssim = (f"mean SSIM {', '.join(f'{name}{row.mean_ssim:.4f}' for name, row in zip(names, numbers))}"
                if np.isfinite(values[1::2]).all() else "no SSIM (frames under its window)")
        if self.running:
            ending = fmt.eta_suffix(fmt.eta(count - 1, self.total - 1, time.monotonic() - self.first_point_at))
        else:
            ending = "   \u00b7   stopped" if count < self.total else ""
        worst = "; ".join(f"{name}{timeline_name(row.worst_frame)}, {row.worst_psnr:.2f} dB"
                          for name, row in zip(names, numbers))
        passed_over = " outside scene cuts" if len(self._worst_candidates()) < len(self.points) else ""
        unscored = (f"   \u00b7   frame {self.frames} not scored, as eval vfi leaves it: no frame after it to predict "
                    "it from" if self._last_unscored() else "")
        self.summary.setText(f"{self._counted()}   \u00b7   mean PSNR {psnr}   \u00b7   {ssim}   \u00b7   "
                             f"worst{passed_over}: {worst}{unscored}{ending}")

    def _shade_cuts(self, xs: np.ndarray, values: list[np.ndarray]) -> None:
        """Shade the held-out frames drawn at `xs` from the frame fed before each to the one after, over (and past)
        each plot's values (the bands are outside the plots' automatic range), naming them in the legend."""
        for band, columns in zip(self.cut_bands, (values[0::2], values[1::2])):
            ys = np.concatenate(columns)
            ys = ys[np.isfinite(ys)]
            low, high = (ys.min(), ys.max()) if ys.size else (0.0, 1.0)
            span = (high - low) or 1.0
            band.setOpts(x0=xs - 1, x1=xs + 1, y0=np.full(len(xs), low - span), height=np.full(len(xs), 3 * span))
        named = any(sample.item is self.cut_bands[0] for sample, _ in self.legend.items)
        if len(xs) and not named:
            self.legend.addItem(self.cut_bands[0], "scene cut")

    def _show_table(self) -> None:
        self.table.show()
        self._fit_table()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_table()

    def _fit_table(self) -> None:
        """The table beside the plots as wide as its columns, but no more than TABLE_SHARE of the row (a drag between
        the two is kept): the splitter gave it less, and its last column went out of view; in an 800-px window it
        kept its width and left the plots 90 px."""
        if self.table.isHidden():
            return
        total = sum(self.body.sizes())
        most = int(TABLE_SHARE * total)
        wanted = min(self.table.wanted_width(), most)
        if not wanted <= self.body.sizes()[1] <= most:
            self.body.setSizes([total - wanted, wanted])

    def _series_numbers(self, values: list[np.ndarray], across: np.ndarray, reached: int) -> list[SeriesNumbers]:
        """Each series' numbers, as the summary gives them and the table lists them: `values` the PSNR and SSIM
        columns of every series, `across` which points lie across a scene cut, `reached` the positions so far. A
        model on both sides is named as it is (its curves are "-left" and "-right"): the table gives it one row."""
        twice = bool(self.series) and self.sides[0] == self.sides[1]
        names = [self.sides[0] if twice else name for name, _ in self.series] or [f"{self.sides[0]} vs {self.sides[1]}"]
        partial = "" if not self.running and reached >= self.total else \
            f"{'running' if self.running else 'stopped'}: mean over the first {len(self.points)} {self._unit()}"
        numbers = []
        for series, (name, psnrs, ssims) in enumerate(zip(names, values[0::2], values[1::2])):
            position, lowest = self._worst(series)
            outside = psnrs[~across].mean() if self.held_out and not across.all() else math.nan
            numbers.append(SeriesNumbers(name, self.placed.type, len(psnrs), self.total, partial, float(psnrs.mean()),
                                         float(ssims.mean()), float(self._x(position)), float(lowest), float(outside)))
        return numbers

    def _without_cuts(self, names: list[str], numbers: list[SeriesNumbers], across: np.ndarray) -> str:
        """'without the 3 scene cuts, shaded: blend 31.90, repeat 30.12': each series' mean PSNR without its held-out
        frames across a scene cut, which say nothing of an interpolator. After the means of every series, so that
        "without" reads as of them all (after the last one's mean it read as of that one alone)."""
        cuts = int(across.sum())
        if across.all():
            return "the one frame lies across a scene cut, shaded" if cuts == 1 else \
                f"all {cuts} lie across scene cuts, shaded"
        means = ", ".join(f"{name}{row.psnr_outside_cuts:.2f}" for name, row in zip(names, numbers))
        return f"without the {'scene cut' if cuts == 1 else f'{cuts} scene cuts'}, shaded: {means}"

    def _counted(self) -> str:
        """How many positions were reached, in what they are ('12 / 40 in-betweens'), and where in-betweens at a cut
        were left out of the means, how many were scored and why not the rest: '249 / 249 frames' read as all scored
        while 5 were left out."""
        reached = len(self.points) + len(self.break_gaps)
        text = f"{reached} / {self.total} {self._unit()}"
        if self.break_gaps:
            text += (f", {len(self.points)} scored: {len(self.break_gaps)} left out, where both sides repeat a frame "
                     f"({self._breaks()})")
        return text

    def _unit(self) -> str:
        """What the positions are: frames, in-betweens, or the frames held out."""
        return "held-out frames" if self.held_out else "frames" if float(self.first).is_integer() else "in-betweens"

    def _last_unscored(self) -> bool:
        """Whether the video's last frame is left without a score: held out of an even number of frames, it has no
        frame after it to be predicted from (eval vfi leaves it out too, and says so)."""
        return self.held_out and self.frames > 0 and self.frames % 2 == 0

    def _worst(self, series: int = 0) -> tuple[int, float]:
        """The position and PSNR of `series`' lowest-PSNR point measured so far (the first of equals), outside scene
        cuts where there are others."""
        column = 1 + 2 * series  # (position, then PSNR and SSIM of each series)
        point = min(self._worst_candidates(), key=lambda point: point[column])
        return int(point[0]), point[column]

    def _worst_candidates(self) -> list[tuple[float, ...]]:
        """The points worst chooses from: those not across a scene cut, or all of them where every one is."""
        return [point for point in self.points if point[0] not in self.scene_cuts] or self.points

    def _go_to_worst(self) -> None:
        self.seekRequested.emit(self._worst()[0])

    def _breaks(self) -> str:
        """'1 scene cut, 1 flash': what the in-betweens left out are at, as an export's summary says it (a flash's two
        in-betweens are one flash)."""
        return breaks_text(*break_counts(Counter(self.break_gaps.values())))

    def _x(self, position):
        """Where a position (or an array of them) is drawn: the frame the player names, from 1."""
        return self.first + (2 if self.held_out else 1) * position

    def set_cursor(self, position: int) -> None:
        self.cursor_position = position
        for cursor in self.cursors:
            cursor.setValue(self._x(position))

    def _clicked(self, event) -> None:
        for plot in (self.psnr_plot, self.ssim_plot):
            if plot.sceneBoundingRect().contains(event.scenePos()) and self.points:
                x = plot.vb.mapSceneToView(event.scenePos()).x()
                nearest = min(self.points, key=lambda p: abs(self._x(p[0]) - x))
                self.seekRequested.emit(int(nearest[0]))
                return

    def save_csv(self) -> None:
        """Ask where, then write the points measured by then: the run goes on while the dialog is open."""
        video = Path(self.video)
        compared = f"{'-and-'.join(n for n, _ in self.series)}-vs-ground-truth" if self.series else \
            f"{self.sides[0]}-vs-{self.sides[1]}"
        name = f"{sequence_name(video) or 'analysis'}-{compared}.csv"  # a folder's whole name (calendar.x4), as eval's
        start = Path(self.folder or save_folder(self.video, output_folder(self.video),
                                                QStandardPaths.DocumentsLocation))
        path, _ = QFileDialog.getSaveFileName(self, "Save per-frame quality as", str(start / name),
                                              "CSV files (*.csv)")
        if not path:
            return
        try:
            atomic_write(Path(path), self._write_csv)  # a disk that fills halfway leaves no truncated table
        except OSError as exc:  # no such folder, not writable
            self.errorRaised.emit("Cannot save the analysis", f"cannot write {path}: {exc.strerror or exc}")
            return
        self.folder = str(Path(path).parent)

    def _write_csv(self, path: Path) -> None:
        """One row per measured frame under a comment saying what was compared (pandas reads it with
        `read_csv(path, comment="#")`): `sequence`, `frame` numbered from 0 and `psnr_y` as `eval --csv` names a
        video's (an in-between is .5), a folder's `file` as eval names its frames (none for an in-between),
        `frame_1based` as the player and the plot name it; SSIM is empty for frames smaller than its window."""
        names = [name for name, _ in self.series]
        compared = (f"{' and '.join(names)} against the ground truth ({self._fed()})" if names
                    else f"{self.sides[0]} vs {self.sides[1]}")
        scorer = "eval vfi" if self.held_out else "eval vsr"
        named = ", file as it names a folder's frames (its frame column there)" if self.files else ""
        unjudged = self.held_out and any(point[0] not in self.judged for point in self.points)
        cuts = (f"; {CUT_COLUMN} 1 where a scene cut lies between the frames fed either side, as eval vfi --csv marks "
                f"it{', empty where not known yet' if unjudged else ''}" if self.held_out else "")
        with open(path, "w", newline="", encoding="utf-8") as fh:
            fh.write(f"# {self.task}: {compared} on {self.video}, "
                     f"{len(self.points)} of {self.total} {self._unit()}; ran on {self.placed.type}, trained nets in "
                     f"{default_precision(self.placed)}; PSNR (dB) and SSIM of luma (Y, BT.601); "
                     f"frame counts from 0 as {scorer} --csv numbers a video's{named}, frame_1based as the player "
                     f"does{cuts}\n")
            if self._last_unscored():
                fh.write(f"# not scored, as eval vfi leaves it: frame {self.frames - 1} (frame_1based "
                         f"{self.frames}), the last, with no frame after it to predict it from\n")
            if self.break_gaps:
                left_out = (f"{self._frame_name(k, base=0)} ({kind})" for k, kind in self.break_gaps.items())
                fh.write(f"# frames left out (both sides repeat a frame): {', '.join(left_out)}\n")
            writer = csv.writer(fh)
            columns = (f"{kind}_{name}" if name else kind for name in names or [""] for kind in ("psnr_y", "ssim_y"))
            writer.writerow(("sequence", "frame", *["file"] * bool(self.files), "frame_1based", *columns,
                             *[CUT_COLUMN] * self.held_out))
            sequence = sequence_name(Path(self.video))
            for position, *values in self.points:
                file = [self._file(position)] if self.files else []
                writer.writerow((sequence, self._frame_name(position, base=0), *file, self._frame_name(position),
                                 *("" if np.isnan(value) else value for value in values),
                                 *[self._cut_cell(position)] * self.held_out))

    def _fed(self) -> str:
        """What a model is fed in ground truth mode, as the CSV's and the copied table's first line say."""
        return ("each held-out frame predicted from the frames either side, as eval vfi predicts it" if self.held_out
                else "fed it x4 downscaled, as eval vsr is")

    def _cut_cell(self, position: int) -> int | str:
        """The CSV's `scene_cut` of a held-out frame: 1 or 0 as eval vfi --csv writes it, empty while its verdict is
        still to come (a CSV saved as the analysis runs; a 0 there could be a cut)."""
        return int(position in self.scene_cuts) if position in self.judged else ""

    def _file(self, position: int) -> str:
        """The name of the folder's frame at `position` (an in-between, made between two, has none)."""
        frame = self._x(position) - 1
        return self.files[int(frame)] if float(frame).is_integer() else ""

    def _frame_name(self, position: int, base: int = 1) -> str:
        """As the player numbers it (`base` 1): 3, or the in-between 2.5; `base` 0 numbers as `eval vsr --csv` (a
        held-out frame as `eval vfi --csv`) does."""
        return f"{self._x(position) - 1 + base:.1f}".removesuffix(".0")
