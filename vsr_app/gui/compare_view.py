"""The comparison view: two processed frames as a split with a draggable divider, side by side, a toggle
(hold T to flip) or an amplified difference map, with wheel zoom down to sharp pixels and drag panning.

Both frames are drawn onto one shared "canvas" (the output size), so a 320x180 source and a 1280x720
upscale line up pixel for pixel: the source then appears nearest-neighbour enlarged. One `ViewState`
(zoom + centre on the canvas) drives every pane, which is what keeps side-by-side panes in sync.
Pixels are drawn sharp whenever a canvas pixel covers at least one screen pixel, smooth when zoomed out.
"""

from __future__ import annotations

import cv2
import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSizeF, Qt, Signal, QObject
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QHBoxLayout, QWidget

from vsr_app.gui import colours

MODES = {"split": "Split", "side": "Side by side", "toggle": "Toggle", "diff": "Difference"}
MAX_ZOOM = 64.0  # screen pixels per canvas pixel
DIVIDER_GRAB = 8  # pixels either side of the divider that grab it instead of panning
FLIP_KEY = Qt.Key_T
# the inferno colour map as RGB, for cv2.applyColorMap (which otherwise gives BGR)
INFERNO_RGB = cv2.applyColorMap(np.arange(256, dtype=np.uint8)[:, None], cv2.COLORMAP_INFERNO)[:, :, ::-1].copy()


def to_qimage(image: np.ndarray) -> QImage:
    """HxWx3 uint8 RGB -> QImage of the same pixels, which it keeps alive (PySide holds the buffer) and nothing
    writes: a copy took 0.4 GB more a side for an x4 upscale of a 4K frame, held beside the frame the viewer keeps."""
    image = np.ascontiguousarray(image)
    h, w, _ = image.shape
    return QImage(image.data, w, h, image.strides[0], QImage.Format_RGB888)


def difference_map(difference: np.ndarray, gain: float) -> np.ndarray:
    """A luma difference (`processing.luma_difference`) x gain through the inferno colour map, as RGB: black
    where equal, bright where they differ. Cheap enough for the GUI thread on each gain change (~1.5 ms at
    1280x720, ~40 ms at 5120x2880)."""
    return cv2.applyColorMap(cv2.convertScaleAbs(difference, alpha=gain), INFERNO_RGB)


class ViewState(QObject):
    """Zoom (screen px per canvas px, vertically) and the canvas point shown at the pane's centre; shared by all
    panes. A canvas pixel is `aspect` times as wide as it is high: an anamorphic video's pixel aspect, so the
    picture has the shape its export plays at (a 16:9 DV frame showed squeezed to 11:9)."""

    changed = Signal()

    def __init__(self):
        super().__init__()
        self.canvas = QSizeF(0, 0)
        self.aspect = 1.0
        self.zoom = 1.0
        self.center = QPointF(0, 0)
        self.fitted = True  # follow the pane size until the user zooms or pans

    def set_canvas(self, width: int, height: int, viewport: QSizeF, aspect: float = 1.0) -> None:
        if (self.canvas.width(), self.canvas.height(), self.aspect) != (width, height, aspect):
            self.canvas, self.aspect = QSizeF(width, height), aspect
            self.fit(viewport)

    def fit(self, viewport: QSizeF) -> None:
        if self.canvas.isEmpty() or viewport.isEmpty():
            return
        self.zoom = self._fitting(viewport)
        self.center = QPointF(self.canvas.width() / 2, self.canvas.height() / 2)
        self.fitted = True
        self.changed.emit()

    def set_zoom(self, zoom: float, anchor: QPointF, viewport: QSizeF) -> None:
        """Zoom keeping the canvas point under `anchor` (pane coordinates) where it is."""
        fixed = self.to_canvas(anchor, viewport)
        self.zoom = min(max(zoom, self.min_zoom(viewport)), MAX_ZOOM)
        self.center = fixed - self._unscaled(anchor - _mid(viewport))
        self.fitted = False
        self._clamp()
        self.changed.emit()

    def pan(self, delta: QPointF) -> None:
        self.center -= self._unscaled(delta)
        self.fitted = False
        self._clamp()
        self.changed.emit()

    def min_zoom(self, viewport: QSizeF) -> float:
        return 0.5 * self._fitting(viewport) if not self.canvas.isEmpty() else 0.01

    def _fitting(self, viewport: QSizeF) -> float:
        """The zoom that shows the whole canvas in `viewport`."""
        return min(viewport.width() / (self.canvas.width() * self.aspect), viewport.height() / self.canvas.height())

    def _clamp(self) -> None:
        self.center = QPointF(min(max(self.center.x(), 0.0), self.canvas.width()),
                              min(max(self.center.y(), 0.0), self.canvas.height()))

    def _unscaled(self, offset: QPointF) -> QPointF:
        """An offset on the screen as one on the canvas."""
        return QPointF(offset.x() / (self.zoom * self.aspect), offset.y() / self.zoom)

    def to_pane(self, p: QPointF, viewport: QSizeF) -> QPointF:
        offset = p - self.center
        return QPointF(offset.x() * self.zoom * self.aspect, offset.y() * self.zoom) + _mid(viewport)

    def to_canvas(self, p: QPointF, viewport: QSizeF) -> QPointF:
        return self._unscaled(p - _mid(viewport)) + self.center

    def canvas_rect(self, viewport: QSizeF) -> QRectF:
        """Where the whole canvas lies in pane coordinates."""
        top_left = self.to_pane(QPointF(0, 0), viewport)
        return QRectF(top_left, QSizeF(self.canvas.width() * self.zoom * self.aspect, self.canvas.height() * self.zoom))

    def visible(self, viewport: QSizeF) -> QRectF:
        """The part of the canvas a pane of size `viewport` shows, in canvas coordinates."""
        shown = QRectF(self.to_canvas(QPointF(0, 0), viewport), self.to_canvas(_mid(viewport) * 2, viewport))
        return shown.intersected(QRectF(QPointF(0, 0), self.canvas))


def _mid(size: QSizeF) -> QPointF:
    return QPointF(size.width() / 2, size.height() / 2)


class Layer:
    """One image to draw over the canvas, with the label and colour that name it; a side still being made has a null
    image and a `note` saying so, drawn where its picture goes."""

    def __init__(self, image: QImage, label: str, colour: str, note: str = ""):
        self.image, self.label, self.colour, self.note = image, label, colour, note


BADGE_MARGIN = 12  # from the pane's edges
BADGE_GAP = 8  # between the busy badge and the zoom badge
BADGE_PADDING = 18  # a badge's width beyond its text's


def badge_boxes(width: int, height: int, metrics: QFontMetrics, busy: str,
                zoom: str) -> list[tuple[QRectF, str, bool]]:
    """The badges at the bottom of a `width` x `height` pane, as (box, text, on the left): `zoom` on the right and the
    `busy` text ("" for none) on the left, cut at its end to the room left of the zoom badge (the status bar keeps it
    whole). Drawn at its full width, a long one ran under the zoom badge at a 900 px window."""
    h = metrics.height() + 8
    top = height - h - BADGE_MARGIN
    zoom_width = metrics.horizontalAdvance(zoom) + BADGE_PADDING
    zoom_box = QRectF(width - zoom_width - BADGE_MARGIN, top, zoom_width, h)
    room = zoom_box.left() - BADGE_GAP - BADGE_MARGIN - BADGE_PADDING
    shown = metrics.elidedText(busy, Qt.ElideRight, int(room)) if room > 0 else ""
    if not shown:
        return [(zoom_box, zoom, False)]
    busy_box = QRectF(BADGE_MARGIN, top, metrics.horizontalAdvance(shown) + BADGE_PADDING, h)
    return [(busy_box, shown, True), (zoom_box, zoom, False)]


class ImagePane(QWidget):
    """Draws one layer, or two split by a vertical divider, through the shared ViewState."""

    def __init__(self, state: ViewState, parent=None):
        super().__init__(parent)
        self.state = state
        self.layers: list[Layer] = []
        self.divider = 0.5  # fraction of the pane width; used when two layers are shown
        self.placeholder = ""
        self.overlay = ""  # busy text, bottom left
        self.stale = ""  # what the picture is while another frame is on its way: the picture is dimmed under it
        self.chrome = True  # the focus frame, busy badge and stale note: the app's state, not part of the picture
        self._drag: str | None = None  # "divider" | "pan"
        self._last = QPointF()
        self.setMouseTracking(True)
        self.setMinimumSize(160, 120)
        self.setFocusPolicy(Qt.NoFocus)
        state.changed.connect(self.update)

    def viewport(self) -> QSizeF:
        return QSizeF(self.width(), self.height())

    def set_layers(self, layers: list[Layer]) -> None:
        self.layers = layers
        self.update()

    # ---- painting ----
    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        try:  # a painter left active by an exception makes every later paint fail, then Qt crashes
            self._paint(p)
            if self.chrome and self.parentWidget() is not None and self.parentWidget().hasFocus():  # where the keys go
                p.setPen(QPen(QColor(colours.FOCUS), 2))
                p.drawRect(QRectF(self.rect()).adjusted(1, 1, -1, -1))
        finally:
            p.end()

    def _paint(self, p: QPainter) -> None:
        p.fillRect(self.rect(), QColor(colours.BASE))
        if not self.layers:
            p.setPen(QColor(colours.MUTED))
            p.drawText(self.rect(), Qt.AlignCenter | Qt.TextWordWrap, self.placeholder)
            return
        full = QRectF(self.rect())
        if len(self.layers) == 1:
            self._draw_layer(p, self.layers[0], full)
            self._draw_label(p, self.layers[0], left=True)
        else:
            x = round(self.divider * self.width())
            self._draw_layer(p, self.layers[0], QRectF(0, 0, x, self.height()))
            self._draw_layer(p, self.layers[1], QRectF(x, 0, self.width() - x, self.height()))
            self._draw_divider(p, x)
            self._draw_label(p, self.layers[0], left=True)
            self._draw_label(p, self.layers[1], left=False)
        if self.stale and self.chrome:  # a saved picture is the frame shown, not dimmed under a note
            self._draw_stale(p)
        self._draw_badges(p)

    def _draw_layer(self, p: QPainter, layer: Layer, clip: QRectF) -> None:
        self._draw_image(p, layer.image, clip)
        if layer.note:
            self._draw_note(p, layer.note, clip.intersected(self.state.canvas_rect(self.viewport())))

    def _draw_note(self, p: QPainter, note: str, area: QRectF) -> None:
        """What a side still being made waits for, in the middle of where its picture goes."""
        if area.width() < 40:  # the divider dragged over it: the label still names the side
            return
        p.save()
        p.setPen(QColor(colours.ACCENT))
        p.drawText(area.adjusted(16, 16, -16, -16), Qt.AlignCenter | Qt.TextWordWrap, note)
        p.restore()

    def _draw_image(self, p: QPainter, image: QImage, clip: QRectF) -> None:
        """Draw only the visible part of `image` stretched over the canvas, sharp when magnified."""
        target = self.state.canvas_rect(self.viewport())
        visible = target.intersected(clip)
        if visible.isEmpty() or image.isNull():
            return
        sx, sy = image.width() / target.width(), image.height() / target.height()
        src = QRectF((visible.left() - target.left()) * sx, (visible.top() - target.top()) * sy,
                     visible.width() * sx, visible.height() * sy)
        # Whole source pixels only, so every pixel keeps its size at high zoom.
        x0, y0 = int(src.left()), int(src.top())
        x1 = min(image.width(), int(np.ceil(src.right())))
        y1 = min(image.height(), int(np.ceil(src.bottom())))
        src = QRectF(x0, y0, x1 - x0, y1 - y0)
        dst = QRectF(target.left() + x0 / sx, target.top() + y0 / sy, src.width() / sx, src.height() / sy)
        magnified = min(1 / sx, 1 / sy) * self.devicePixelRatioF() >= 1.0  # both ways: pixels may not be square
        p.save()
        p.setClipRect(clip)
        p.setRenderHint(QPainter.SmoothPixmapTransform, not magnified)
        p.drawImage(dst, image, src)
        p.restore()

    def _draw_divider(self, p: QPainter, x: int) -> None:
        p.save()
        p.setRenderHint(QPainter.Antialiasing)
        p.setPen(QPen(QColor(255, 255, 255, 220), 2))
        p.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        centre = QPointF(x, self.height() / 2)
        p.setBrush(QColor(20, 22, 26, 230))
        p.drawEllipse(centre, 15, 15)
        p.setPen(QPen(QColor(255, 255, 255), 2, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
        for sign in (-1, 1):
            arrow = QPainterPath(centre + QPointF(sign * 3, -5))
            arrow.lineTo(centre + QPointF(sign * 8, 0))
            arrow.lineTo(centre + QPointF(sign * 3, 5))
            p.setBrush(Qt.NoBrush)
            p.drawPath(arrow)
        p.restore()

    def _draw_label(self, p: QPainter, layer: Layer, left: bool) -> None:
        p.save()
        p.setRenderHint(QPainter.Antialiasing)
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.05)
        font.setWeight(QFont.DemiBold)
        p.setFont(font)
        metrics = p.fontMetrics()
        w = metrics.horizontalAdvance(layer.label) + 34
        h = metrics.height() + 12
        x = 12 if left else self.width() - w - 12
        box = QRectF(x, 12, w, h)
        p.setPen(Qt.NoPen)
        p.setBrush(QColor(14, 16, 20, 200))
        p.drawRoundedRect(box, h / 2, h / 2)
        p.setBrush(QColor(layer.colour))
        p.drawEllipse(QPointF(box.left() + 14, box.center().y()), 5, 5)
        p.setPen(QColor(colours.TEXT))
        p.drawText(box.adjusted(26, 0, -8, 0), Qt.AlignVCenter | Qt.AlignLeft, layer.label)
        p.restore()

    def _draw_stale(self, p: QPainter) -> None:
        """Dim the picture and say which frame it is, so it does not pass for the frame the player now names."""
        p.save()
        p.fillRect(self.rect(), QColor(14, 16, 20, 120))
        p.setRenderHint(QPainter.Antialiasing)
        metrics = p.fontMetrics()
        w, h = metrics.horizontalAdvance(self.stale) + 24, metrics.height() + 10
        box = QRectF((self.width() - w) / 2, 12, w, h)
        p.setPen(Qt.NoPen)
        p.setBrush(QColor(14, 16, 20, 220))
        p.drawRoundedRect(box, h / 2, h / 2)
        p.setPen(QColor(colours.TEXT))
        p.drawText(box, Qt.AlignCenter, self.stale)
        p.restore()

    def _draw_badges(self, p: QPainter) -> None:
        """Zoom level bottom right; what is being computed bottom left."""
        p.save()
        p.setRenderHint(QPainter.Antialiasing)
        busy = self.overlay if self.chrome else ""
        zoom = f"{self.state.zoom * self.devicePixelRatioF() * 100:.0f}%"
        for box, text, left in badge_boxes(self.width(), self.height(), p.fontMetrics(), busy, zoom):
            p.setPen(Qt.NoPen)
            p.setBrush(QColor(14, 16, 20, 190))
            p.drawRoundedRect(box, 5, 5)
            p.setPen(QColor(colours.ACCENT if left else colours.MUTED))
            p.drawText(box, Qt.AlignCenter, text)
        p.restore()

    # ---- interaction ----
    def _near_divider(self, x: float) -> bool:
        return len(self.layers) == 2 and abs(x - self.divider * self.width()) <= DIVIDER_GRAB

    def mousePressEvent(self, event) -> None:
        if event.button() != Qt.LeftButton:
            return
        pos = event.position()
        self._drag = "divider" if self._near_divider(pos.x()) else "pan"
        self._last = pos
        if self._drag == "pan":
            self.setCursor(Qt.ClosedHandCursor)

    def mouseMoveEvent(self, event) -> None:
        pos = event.position()
        if self._drag == "divider":
            self.divider = min(max(pos.x() / max(1, self.width()), 0.0), 1.0)
            self.update()
        elif self._drag == "pan":
            self.state.pan(pos - self._last)
            self._last = pos
        else:
            self.setCursor(Qt.SplitHCursor if self._near_divider(pos.x()) else Qt.OpenHandCursor)

    def mouseReleaseEvent(self, _event) -> None:
        self._drag = None
        self.unsetCursor()

    def mouseDoubleClickEvent(self, _event) -> None:
        self.state.fit(self.viewport())

    def wheelEvent(self, event) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.state.set_zoom(self.state.zoom * 1.25**steps, event.position(), self.viewport())
        event.accept()

    def resizeEvent(self, _event) -> None:
        if self.state.fitted and self.isVisible():  # a hidden pane's size says nothing about the view
            self.state.fit(self.viewport())


class CompareView(QWidget):
    """Two frames (left/right, or A/B) shown in one of MODES; the viewer flips the toggle mode while T is held."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.state = ViewState()
        self.panes = [ImagePane(self.state, self), ImagePane(self.state, self)]
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        for pane in self.panes:
            layout.addWidget(pane, 1)
        self.mode = "split"
        self.gain = 8.0
        self.flipped = False
        self.difference: np.ndarray | None = None
        self.labels = ("", "")
        self.notes = ("", "")  # what a side still being made waits for (`set_frames`)
        self._qimages: tuple[QImage, QImage] | None = None
        self._diff: QImage | None = None
        self.setFocusPolicy(Qt.StrongFocus)
        self.set_placeholder("Open a video to compare")

    def focusInEvent(self, event) -> None:
        super().focusInEvent(event)
        self._repaint_panes()  # their frame shows where keyboard focus is

    def focusOutEvent(self, event) -> None:
        super().focusOutEvent(event)
        self._repaint_panes()

    def _repaint_panes(self) -> None:
        for pane in self.panes:
            pane.update()

    @property
    def divider(self) -> float:
        return self.panes[0].divider

    def set_placeholder(self, text: str) -> None:
        self.panes[0].placeholder = text
        self.panes[0].update()

    def set_busy(self, text: str) -> None:
        self.panes[0].overlay = text
        self.panes[0].update()

    def set_stale(self, text: str) -> None:
        """Mark the picture as no longer the one asked for, saying what it is (empty: it is current)."""
        for pane in self.panes:
            pane.stale = text
            pane.update()

    def set_frames(self, a: np.ndarray | None, b: np.ndarray | None, canvas: tuple[int, int],
                   labels: tuple[str, str], difference: np.ndarray | None = None, aspect: float = 1.0,
                   notes: tuple[str, str] = ("", "")) -> None:
        """New pair of frames; `canvas` (w, h) is the size both are stretched onto, its pixels `aspect` times as wide
        as high; `difference` is their luma difference, which the difference mode needs (the viewer asks the worker
        for it in that mode). A side still being made is None, its `notes` drawn in its place."""
        self.set_stale("")
        self.difference, self.labels, self.notes = difference, labels, notes
        self._qimages = tuple(QImage() if image is None else to_qimage(image) for image in (a, b))
        self._diff = None
        self.state.set_canvas(canvas[0], canvas[1], self.panes[0].viewport(), aspect)
        self._refresh()

    def set_notes(self, notes: tuple[str, str]) -> None:
        """Say anew what the sides still being made wait for (the time it has taken goes on)."""
        self.notes = notes
        self._refresh()

    def clear(self) -> None:
        self.set_stale("")
        self.difference = self._qimages = self._diff = None
        self._refresh()

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(mode)
        if mode != self.mode:
            self.mode = mode
            self.flipped = False
            self._refresh()
            if self.state.fitted:  # the pane size changes when the second pane shows or hides
                self.layout().activate()
                self.state.fit(self.panes[0].viewport())

    def set_gain(self, gain: float) -> None:
        self.gain = gain
        self._diff = None
        if self.mode == "diff":
            self._refresh()

    def set_flipped(self, flipped: bool) -> None:
        if self.mode == "toggle" and flipped != self.flipped:
            self.flipped = flipped
            self._refresh()

    def fit(self) -> None:
        self.state.fit(self.panes[0].viewport())

    def picture(self) -> QImage:
        """What the view shows (both panes side by side, labels, zoom), at its device pixels, without the focus frame,
        busy badge or the dimming and note of a picture whose next frame is on its way."""
        for pane in self.panes:
            pane.chrome = False
        try:
            return self.grab().toImage()
        finally:
            for pane in self.panes:
                pane.chrome = True

    def visible_region(self) -> QRectF:
        """The part of the canvas on screen, in canvas pixels: the same for both sides in every mode."""
        return self.state.visible(self.panes[0].viewport())

    def actual_pixels(self) -> None:
        """One canvas pixel per device pixel, centred where the view is now (along its shorter side where pixels
        are not square, so each is drawn sharp)."""
        pane = self.panes[0]
        self.state.set_zoom(1.0 / (pane.devicePixelRatioF() * min(1.0, self.state.aspect)),
                            QPointF(pane.width() / 2, pane.height() / 2), pane.viewport())

    # the keyboard's way to what the wheel and the mouse do (a keyboard-only user had no other)
    def zoom_step(self, steps: int) -> None:
        """Zoom by a wheel notch's 1.25x a step, about the centre of the view."""
        pane = self.panes[0]
        self.state.set_zoom(self.state.zoom * 1.25**steps, QPointF(pane.width() / 2, pane.height() / 2),
                            pane.viewport())

    def pan_step(self, right: int, down: int) -> None:
        """Move the view by a tenth of its size, `right` and `down` in steps (negative: left, up)."""
        pane = self.panes[0]
        self.state.pan(QPointF(-right * pane.width() / 10, -down * pane.height() / 10))

    def move_divider(self, steps: int) -> None:
        """Move the split divider by a twentieth of the width a step (negative: left)."""
        pane = self.panes[0]
        pane.divider = min(max(pane.divider + steps / 20, 0.0), 1.0)
        pane.update()

    def _refresh(self) -> None:
        self.panes[1].setVisible(self.mode == "side")
        if self._qimages is None:
            for pane in self.panes:
                pane.set_layers([])
            return
        a = Layer(self._qimages[0], self.labels[0], colours.SIDE_A, self.notes[0])
        b = Layer(self._qimages[1], self.labels[1], colours.SIDE_B, self.notes[1])
        if self.mode == "split":
            self.panes[0].set_layers([a, b])
        elif self.mode == "side":
            self.panes[0].set_layers([a])
            self.panes[1].set_layers([b])
        elif self.mode == "toggle":
            shown = b if self.flipped else a
            hint = "release T" if self.flipped else "hold T to flip"
            self.panes[0].set_layers([Layer(shown.image, f"{shown.label}  \u00b7  {hint}", shown.colour, shown.note)])
        elif self.difference is None:
            return  # the viewer has asked the worker for it: the last picture stays until it comes
        else:
            if self._diff is None:
                self._diff = to_qimage(difference_map(self.difference, self.gain))
            label = f"|{self.labels[0]} \u2212 {self.labels[1]}| \u00d7 {self.gain:g}"
            self.panes[0].set_layers([Layer(self._diff, label, colours.ACCENT)])

    def enterEvent(self, event) -> None:
        self.setFocus(Qt.MouseFocusReason)  # so holding T works without a click first
        super().enterEvent(event)
