"""Line icons drawn with QPainter on a 24x24 grid, crisp at any DPI and matching the dark theme.

Why not QStyle's standard icons: Fusion's media and file icons are grey bitmaps from another era that
look out of place in a dark UI; these few shapes cost less than shipping image files.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPainterPath, QPen, QPixmap

from vsr_app.gui import colours


def _poly(p: QPainter, *points: tuple[float, float], close: bool = False, fill: bool = False) -> None:
    path = QPainterPath(QPointF(*points[0]))
    for pt in points[1:]:
        path.lineTo(QPointF(*pt))
    if close:
        path.closeSubpath()
    if fill:
        p.fillPath(path, p.pen().color())
    p.drawPath(path)


def _open(p):
    _poly(p, (3, 7), (3, 19), (21, 19), (21, 9), (11, 9), (9, 6), (3, 6), (3, 7))


def _export(p):
    _poly(p, (4, 14), (4, 20), (20, 20), (20, 14))
    _poly(p, (12, 15), (12, 4))
    _poly(p, (7.5, 8.5), (12, 4), (16.5, 8.5))


def _play(p):
    _poly(p, (7, 5), (19, 12), (7, 19), close=True, fill=True)


def _pause(p):
    p.fillRect(QRectF(6.5, 5, 3.5, 14), p.pen().color())
    p.fillRect(QRectF(14, 5, 3.5, 14), p.pen().color())


def _prev(p):
    _poly(p, (7, 6), (7, 18))
    _poly(p, (18, 6), (10, 12), (18, 18), close=True, fill=True)


def _next(p):
    _poly(p, (17, 6), (17, 18))
    _poly(p, (6, 6), (14, 12), (6, 18), close=True, fill=True)


def _first(p):
    _poly(p, (5, 6), (5, 18))
    _poly(p, (13, 6), (7, 12), (13, 18), close=True, fill=True)
    _poly(p, (20, 6), (14, 12), (20, 18), close=True, fill=True)


def _last(p):
    _poly(p, (19, 6), (19, 18))
    _poly(p, (11, 6), (17, 12), (11, 18), close=True, fill=True)
    _poly(p, (4, 6), (10, 12), (4, 18), close=True, fill=True)


def _swap(p):
    _poly(p, (4, 9), (19, 9))
    _poly(p, (15, 5), (19, 9), (15, 13))
    _poly(p, (20, 15), (5, 15))
    _poly(p, (9, 11), (5, 15), (9, 19))


def _fit(p):
    for sx, sy in ((1, 1), (-1, 1), (1, -1), (-1, -1)):
        cx, cy = 12 - sx * 8, 12 - sy * 7
        _poly(p, (cx, cy + sy * 4), (cx, cy), (cx + sx * 4, cy))


def _actual(p):
    p.drawRect(QRectF(4, 4, 16, 16))
    for i in (8, 12, 16):
        p.drawLine(QPointF(i, 4), QPointF(i, 20))
        p.drawLine(QPointF(4, i), QPointF(20, i))


def _chart(p):
    _poly(p, (4, 4), (4, 20), (20, 20))
    _poly(p, (7, 15), (11, 10), (14, 13), (19, 6))


def _dot(p):
    p.setBrush(p.pen().color())
    p.drawEllipse(QPointF(12, 12), 5, 5)


def _tick(p):
    _poly(p, (5, 13), (10, 18), (19, 7))


SHAPES = {"open": _open, "export": _export, "play": _play, "pause": _pause, "prev": _prev, "next": _next,
          "first": _first, "last": _last, "swap": _swap, "fit": _fit, "actual": _actual, "chart": _chart,
          "dot": _dot, "tick": _tick}


@cache
def icon(name: str, colour: str = colours.TEXT) -> QIcon:
    """The named icon, with pixmaps for 1x, 2x and 3x screens and a dimmed disabled state."""
    result = QIcon()
    for mode, tint in ((QIcon.Normal, colour), (QIcon.Disabled, colours.DISABLED)):
        for scale in (1, 2, 3):
            result.addPixmap(QPixmap.fromImage(drawn(name, tint, scale)), mode)
    return result


def drawn(name: str, colour: str, scale: int, line_width: float = 1.8) -> QImage:
    """The named shape in `colour`, `scale` times the 24 px grid, its lines `line_width` grid units wide: for an
    icon, or saved for the style sheet, which takes images by file name only (its check box's tick: gui/theme)."""
    image = QImage(24 * scale, 24 * scale, QImage.Format_ARGB32_Premultiplied)
    image.fill(Qt.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.Antialiasing)
    p.scale(scale, scale)
    p.setPen(QPen(QColor(colour), line_width, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
    SHAPES[name](p)
    p.end()
    return image
