"""Live training curves: every loss term on a log axis, validation PSNR beside it (under it when narrow and tall).

Per-step losses are noisy (one batch each), so each term is drawn faint as recorded and bold after the debiased
exponential moving average TensorBoard uses; Smoothing 0 shows the raw curve alone. Validation points are few
and exact, so they are never smoothed; those measured on other clips than the run's of now (a resume with another
validation clip) are curves of their own, named with their clips. A baseline's score on the same frames (bicubic for
upscaling, a blend for interpolation) is a dashed reference line, so a net's curve reads against it. Legends sit
under the plots, where they cannot hide a curve.
"""

from __future__ import annotations

import math
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QSizeF, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from vsr_app.distill.options import is_number
from vsr_app.distill.runs import clips_key, is_validation, measured_on, record_clips
from vsr_app.gui import colours
from vsr_app.gui.number_boxes import DecimalSpinBox

# (val_crop: what was validated; planned_params and lambda: a pruning run's size plan and sparsity weight)
NOT_LOSSES = {"step", "lr", "s_per_step", "elapsed_s", "grad_norm", "val_crop", "planned_params", "lambda"}
# the scores of a fixed baseline on the validation frames: what the net's own must beat. Drawn as plain points, a
# student below bicubic showed as a rising line, auto-scaled, with nothing to read it against
BASELINES = ("val_psnr_bicubic", "val_psnr_blend")
RAW_ALPHA = 70  # of 255: the recorded curve behind its smoothed one
# narrower than this, the plots go one above the other where the height holds both: side by side, their axes and
# titles need more (an 800-px window cut the validation plot at the right edge)
STACK_BELOW = 480
# px of a plot's data area that still reads: stacked in a 600-px window, each had ~20, its axis labels on each other
PLOT_MIN_HEIGHT = 120
LEGEND_COLUMNS = 3  # at most: fewer where a legend would be wider than its plot
LEGEND_MARGIN = 20  # px of a plot's width around its legend
# what the empty validation plot says: a run with a validation clip has not validated yet, a run without one never will
# (it said "none recorded yet" for ever), and a run whose options cannot be read may be either
NOT_YET = "none recorded yet"
NO_CLIP = "this run has\nno validation clip"
CLIPS_UNKNOWN = "none recorded;\nthe run's options\ncannot be read"
STEP_LABEL_GAP = 12  # px at least between two step labels


def smooth(values: list[float], weight: float) -> list[float]:
    """Debiased exponential moving average (TensorBoard's smoothing): the first points are not pulled to 0."""
    out, average = [], 0.0
    for i, value in enumerate(values):
        average = weight * average + (1 - weight) * value
        out.append(average / (1 - weight ** (i + 1)))
    return out


def _names(clips: list[str], parts: int) -> str:
    """The clips by the last `parts` parts of their paths (1: file names; 2: with their folders')."""
    return ", ".join(Path(*Path(str(clip)).parts[-parts:]).as_posix() for clip in clips)


class LossAxis(pg.AxisItem):
    """A log axis labelled at least twice wherever the losses lie: where the range spans too few decades for powers
    of ten alone, at 1, 2 and 5 times a power of ten (pyqtgraph then labelled all nine of each decade's ticks, which
    ran into a stack); within less, at each of those nine in view; within less again (0.011-0.019), at evenly spaced
    values (pyqtgraph left one label or none, its "%0.1g" reading 0.012 as 0.01)."""

    def logTickValues(self, minVal, maxVal, size, stdTicks):
        ticks = super().logTickValues(minVal, maxVal, size, stdTicks)
        if not ticks or ticks[0][0] is not None:  # a level of powers of ten comes first: only it is labelled
            return ticks
        steps = ticks[0][1]
        labelled = [v for v in steps if round(10 ** (v - math.floor(v))) in (1, 2, 5)]
        if len(labelled) >= 2:
            return [(None, labelled), (None, [v for v in steps if v not in labelled]), *ticks[1:]]
        return [(None, steps if len(steps) >= 2 else _even_ticks(10 ** minVal, 10 ** maxVal))]

    def logTickStrings(self, values, scale, spacing):
        return [f"{10 ** v * scale:.3g}" for v in values]

    def tickValues(self, minVal, maxVal, size):
        """None where no loss is drawn yet: the empty axis's default range read "2" and "5", which meant nothing."""
        view = self.linkedView()
        return [] if view is not None and view.childrenBounds()[1] is None else super().tickValues(minVal, maxVal, size)


class StepAxis(pg.AxisItem):
    """Steps labelled at whole numbers, 1, 2 or 5 times a power of ten apart, as far apart as the widest label needs:
    at pyqtgraph's spacing an empty plot's 0-1 in a small window read "0.20.40.60.8"."""

    def tickSpacing(self, minVal, maxVal, size):
        widest = f"{max(abs(minVal), abs(maxVal)):.0f}"
        label = QFontMetrics(self.style["tickFont"] or self.font()).horizontalAdvance(widest) + STEP_LABEL_GAP
        return [(round_step((maxVal - minVal) / max(size // label, 1)), 0)]

    def tickStrings(self, values, scale, spacing):
        return [str(round(value)) for value in values]  # pyqtgraph's read 1,000,000 "1e+06"


def round_step(least: float) -> int:
    """The smallest whole step of 1, 2 or 5 times a power of ten that is at least `least`."""
    exponent = math.floor(math.log10(max(least, 1)))
    return next(m * 10 ** e for e in (exponent, exponent + 1) for m in (1, 2, 5) if m * 10 ** e >= least)


def _even_ticks(low: float, high: float) -> list[float]:
    """log10 of 2-6 evenly spaced round values (a step of 1, 2 or 5 times a power of ten) between low and high."""
    if not high > low:  # (pyqtgraph pads a range of one value; were it not, nothing to space)
        return []
    order = math.floor(math.log10(high - low))
    for step in (m * 10.0 ** e for e in range(order - 1, order + 2) for m in (1, 2, 5)):
        first, last = math.ceil(low / step), math.floor(high / step)
        if 2 <= last - first + 1 <= 6:
            return [math.log10(k * step) for k in range(first, last + 1)]
    return []


class TrainingCurves(QWidget):
    """Two plots fed with metrics.jsonl records; `series` holds every recorded (steps, values) per key."""

    smoothingChanged = Signal(float)
    leastSizeChanged = Signal()  # least_width and least_height may have changed

    def __init__(self, smoothing: float = 0.6, parent=None):
        super().__init__(parent)
        self.series: dict[str, tuple[list, list]] = {}
        self.curves: dict[str, pg.PlotDataItem] = {}  # what the legend names: smoothed losses, validation points
        self.raw: dict[str, pg.PlotDataItem] = {}  # the faint recorded loss curves
        self.val_clips: list[str] | None = None  # see set_val_clips
        self.untagged_clips: list[str] = []

        self.smoothing = DecimalSpinBox()  # "." in every locale: 0.9 typed in German read 0,00
        self.smoothing.setAccessibleName("Curve smoothing")
        self.smoothing.setRange(0.0, 0.99)
        self.smoothing.setSingleStep(0.05)
        self.smoothing.setDecimals(2)
        self.smoothing.setValue(smoothing)
        self.smoothing.setToolTip("moving-average weight for the loss curves (0: as recorded); validation is never"
                                  " smoothed")
        self.smoothing.valueChanged.connect(self._smoothing_changed)
        header = QHBoxLayout()
        header.addStretch(1)
        label = QLabel("Smoothing (&0: off)")  # Alt+0: every letter of "Smoothing" is another control's or a menu's
        label.setBuddy(self.smoothing)
        header.addWidget(label)
        header.addWidget(self.smoothing)

        self.graphs = pg.GraphicsLayoutWidget()
        self.graphs.setAccessibleName("Training curves: loss terms and validation PSNR")
        self.loss_plot = self.graphs.addPlot(row=0, col=0, title="Loss terms",
                                             axisItems={"left": LossAxis("left"), "bottom": StepAxis("bottom")})
        self.loss_plot.setLogMode(y=True)
        # numbers on the first level only (`LossAxis`): the minor ticks' (0.009, 0.008, ...) ran into a stack
        self.loss_plot.getAxis("left").setStyle(maxTextLevel=0)
        self.val_plot = self.graphs.addPlot(row=0, col=1, title="Validation PSNR",
                                            axisItems={"bottom": StepAxis("bottom")})
        self.val_plot.setLabel("left", "dB")  # on the axis: a title "(dB)" held the plot wider than a narrow window
        # in the plot, not its title: "...: none recorded yet" there held the plot wider than a narrow window
        self.val_note = pg.TextItem(NOT_YET, color=colours.MUTED, anchor=(0.5, 0.5))
        self.val_note.setPos(0.5, 0.5)  # the middle of an empty plot's range
        self.legends = {}
        for col, plot in enumerate((self.loss_plot, self.val_plot)):
            # its tick labels widen a left axis once drawn, the plot's least width with it (queued: not from within
            # the layout pass that widens it). Never narrowed again, so the layout that follows settles: a narrower
            # axis could put the plots side by side, whose taller axes' longer labels widened it again, and round
            axis = plot.getAxis("left")
            axis.setStyle(autoReduceTextSpace=False)
            axis.widthChanged.connect(self._least_size_changed, Qt.QueuedConnection)
            plot.showGrid(x=True, y=True, alpha=0.15)
            plot.setLabel("bottom", "step")
            legend = pg.LegendItem(colCount=LEGEND_COLUMNS)
            self.graphs.addItem(legend, row=1, col=col)
            self.legends[plot] = legend
        self.stacked = False
        self.reset()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(header)
        layout.addWidget(self.graphs, 1)
        self.header = header

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def least_width(self) -> float:
        """The width below which the plots side by side are cut at the right edge (stacked they need less, but
        have no height left in a short window): what the Train tab keeps for the curves where it can."""
        return self._grid_size(stacked=False, room=0)[0]

    def least_height(self) -> float:
        """The height below which the plots side by side (the least tall way) get data areas shorter than
        PLOT_MIN_HEIGHT at this width: what the Train tab's log gives way for."""
        room = self._side_by_side_room(self.graphs.width())
        return self.header.sizeHint().height() + self.layout().spacing() + self._grid_size(False, room)[1]

    def _least_size_changed(self) -> None:
        self._fit()
        self.leastSizeChanged.emit()

    def _fit(self) -> None:
        """Lay the plots out for the view's size: one above the other where it is narrow and tall enough for both,
        or too narrow for them side by side; each legend in as many columns as its plot's width holds. Side by side,
        or with three columns of terms, they were held wider than an 800-px window's curves and cut at its right
        edge; stacked in a short window, each plot's data area was ~20 px tall."""
        width, height = self.graphs.width(), self.graphs.height()
        fits_side_by_side = self.least_width() <= width
        fits_stacked = self._grid_size(True, width - LEGEND_MARGIN)[1] <= height
        self._arrange(not fits_side_by_side or (width < STACK_BELOW and fits_stacked))
        room = width - LEGEND_MARGIN if self.stacked else self._side_by_side_room(width)
        for legend in self.legends.values():
            legend.setColumnCount(self._columns(legend, room))
        # the view was resized first, its layout held at least as wide as before: fit it to the view again
        self.graphs.ci.setGeometry(self.graphs.range)

    def _side_by_side_room(self, width: float) -> float:
        """The width each legend may take side by side: half the view's, or none (one column each) where its columns
        would hold the plots wider than `width` (one plot's column may need more than half)."""
        room = width / 2 - LEGEND_MARGIN
        return room if self._grid_size(False, room)[0] <= width else 0

    def _grid_size(self, stacked: bool, room: float) -> tuple[float, float]:
        """The least (width, height) of the plots' layout stacked or side by side, each legend in the columns `room`
        holds and each plot's data area PLOT_MIN_HEIGHT tall (a plot's own least height leaves it none)."""
        grid = self.graphs.ci.layout
        left, top, right, bottom = grid.getContentsMargins()
        plots = [plot.effectiveSizeHint(Qt.MinimumSize) for plot in self.legends]
        legends = [self._legend_sizes(legend)[self._columns(legend, room) - 1] for legend in self.legends.values()]
        widths = [max(plot.width(), legend.width()) for plot, legend in zip(plots, legends)]
        plot_heights = [plot.height() + PLOT_MIN_HEIGHT for plot in plots]
        legend_heights = [legend.height() for legend in legends]
        if stacked:  # four rows: a plot, its legend, the other plot, its legend
            return (left + right + max(widths),
                    top + bottom + sum(plot_heights) + sum(legend_heights) + 3 * grid.verticalSpacing())
        return (left + right + sum(widths) + grid.horizontalSpacing(),
                top + bottom + max(plot_heights) + max(legend_heights) + grid.verticalSpacing())

    def _columns(self, legend: pg.LegendItem, room: float) -> int:
        """How many columns of `legend` fit in `room` px (at least one)."""
        sizes = self._legend_sizes(legend)
        return max((n for n, size in enumerate(sizes, 1) if size.width() <= room), default=1)

    def _legend_sizes(self, legend: pg.LegendItem) -> list[QSizeF]:
        """The size `legend` needs in 1, 2, ... LEGEND_COLUMNS columns. Measuring lays it out in each, so it is
        done when its entries change, not on every resize (a legend set to its column count again is not relaid)."""
        if legend not in self.legend_sizes:
            sizes = []
            for columns in range(1, LEGEND_COLUMNS + 1):
                legend.setColumnCount(columns)
                sizes.append(QSizeF(legend.minimumWidth(), legend.minimumHeight()))
            self.legend_sizes[legend] = sizes
        return self.legend_sizes[legend]

    def _arrange(self, stacked: bool) -> None:
        """Put the validation plot (and its legend) beside the loss plot, or under it."""
        if stacked == self.stacked:
            return
        self.stacked = stacked
        row, col = (2, 0) if stacked else (0, 1)
        for offset, item in enumerate((self.val_plot, self.legends[self.val_plot])):
            self.graphs.removeItem(item)
            self.graphs.addItem(item, row=row + offset, col=col)

    def reset(self) -> None:
        for plot, legend in self.legends.items():
            plot.clear()
            legend.clear()
        self.series, self.curves, self.raw = {}, {}, {}
        self.trained_s = 0.0  # the run's training time in all, as its last record says (a resume's time goes on)
        self.clip_names: dict[tuple[str, ...], str] = {}  # other clips' names in their curves' (`_other_clips`)
        self.legend_sizes: dict[pg.LegendItem, list[QSizeF]] = {}  # measured by _legend_sizes
        self.val_plot.addItem(self.val_note, ignoreBounds=True)  # clear() took it out
        self.val_note.hide()

    def set_val_clips(self, clips: list[str] | None, untagged: list[str] | None = None) -> None:
        """The clips the run validates on now, whose scores are the val_* curves (None: not known, its options cannot
        be read, so every score is taken for its own; none: the run does not validate; the empty plot says which). A
        record of other clips is drawn apart, named with them: a score must not pass for one of clips it was not
        measured on. `untagged`: the clips of records that do not name theirs (the run's config.json's before a resume;
        default `clips`)."""
        self.val_clips = clips
        self.val_note.setText(CLIPS_UNKNOWN if clips is None else NO_CLIP if clips == [] else NOT_YET)
        self.untagged_clips = (clips or []) if untagged is None else untagged

    def add_records(self, records: list[dict]) -> None:
        """Append metrics records (dicts with a "step") and redraw the keys they touched."""
        touched, known = set(), len(self.curves)
        for record in records:
            touched |= self._append(record)
            if is_number(record.get("elapsed_s")):
                self.trained_s = float(record["elapsed_s"])
        for key in touched:
            self._draw(key)
        if len(self.curves) > known:  # a new legend entry may need another row
            self._least_size_changed()
        self.val_note.setVisible(bool(self.series) and "val_psnr" not in self.series)

    def last_step(self) -> int:
        return max((xs[-1] for xs, _ in self.series.values() if xs), default=0)

    def _append(self, record: dict) -> set[str]:
        keys = set()
        other = self._other_clips(record)
        for key, value in record.items():
            if key in NOT_LOSSES or not is_number(value):
                continue
            validation = key.startswith("val_")
            if not math.isfinite(value) or (not validation and value <= 0):
                continue  # a log-scale axis cannot show it; a nan or inf would stay in every later smoothed point
            baseline = key in BASELINES
            if validation and other:
                key = f"{key} ({other})"
            if key not in self.series:
                self._new_curve(key, validation, baseline)
            xs, ys = self.series[key]
            xs.append(record["step"])
            ys.append(value)
            keys.add(key)
        return keys

    def _other_clips(self, record: dict) -> str:
        """The names of the clips a validation record was measured on where they are not the run's of now; "" for
        the run's own (and for a training step's record)."""
        if self.val_clips is None or not is_validation(record) or \
                measured_on(record, self.val_clips, self.untagged_clips):
            return ""
        clips = record_clips(record, self.untagged_clips)
        key = clips_key(clips)
        if key not in self.clip_names:
            self.clip_names[key] = self._clips_name(clips)
        return self.clip_names[key]

    def _clips_name(self, clips: list[str]) -> str:
        """Other clips' file names; with their folders' names where another set of clips (or the run's of now) goes
        by those names, as two shoots' clip.mp4 were one curve; whole paths where even those are the same."""
        taken = {*self.clip_names.values(), _names(self.val_clips or [], 1)}
        for name in (_names(clips, 1), _names(clips, 2)):
            if name not in taken:
                return name or "other clips"
        return ", ".join(map(str, clips))

    def _new_curve(self, key: str, validation: bool, baseline: bool) -> None:
        colour = colours.CURVE_COLOURS[len(self.curves) % len(colours.CURVE_COLOURS)]
        plot = self.val_plot if validation else self.loss_plot
        if baseline:
            item = plot.plot([], [], pen=pg.mkPen(colour, width=1.4, style=Qt.PenStyle.DashLine), symbol="+",
                             symbolSize=8, symbolPen=colour)  # ("+": a lone first point shows, as no line yet)
        elif validation:
            item = plot.plot([], [], pen=pg.mkPen(colour, width=1.6), symbol="o", symbolSize=6, symbolBrush=colour,
                             symbolPen=None)
        else:
            faint = QColor(colour)
            faint.setAlpha(RAW_ALPHA)
            self.raw[key] = plot.plot([], [], pen=pg.mkPen(faint, width=1))
            item = plot.plot([], [], pen=pg.mkPen(colour, width=1.8))
        self.legends[plot].addItem(item, key)
        self.legend_sizes.pop(self.legends[plot], None)  # to be measured again with this entry
        self.curves[key] = item
        self.series[key] = ([], [])

    def _draw(self, key: str) -> None:
        xs, ys = self.series[key]
        weight = self.smoothing.value()
        if key in self.raw:
            self.raw[key].setData(xs, ys)
            self.raw[key].setVisible(weight > 0)
            ys = smooth(ys, weight)
        self.curves[key].setData(xs, ys)

    def _smoothing_changed(self, weight: float) -> None:
        for key in self.raw:
            self._draw(key)
        self.smoothingChanged.emit(weight)
