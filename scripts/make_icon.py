"""Draw the app icon: a picture split by the comparison divider, blocky on the left, smooth on the right.

The motif is the app's own split view (low-resolution source | enhanced result). Writes resources/icon.png
(512 px), resources/icon-256.png and resources/icon.ico. Run from the project root:
`QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/make_icon.py`.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (QColor, QGuiApplication, QImage, QLinearGradient, QPainter, QPainterPath, QPen,
                           QRadialGradient)

ROOT = Path(__file__).resolve().parent.parent
SIZE = 512
SCREEN = QRectF(84, 118, 344, 276)  # the picture inside the tile
BLOCK = 23  # size of one "source pixel" on the blocky half


def scene(size: QRectF) -> QImage:
    """The picture: evening sky, sun, two hills."""
    image = QImage(int(size.width()), int(size.height()), QImage.Format_ARGB32_Premultiplied)
    p = QPainter(image)
    p.setRenderHint(QPainter.Antialiasing)
    w, h = size.width(), size.height()
    sky = QLinearGradient(0, 0, 0, h)
    sky.setColorAt(0, QColor("#2f6fdc"))
    sky.setColorAt(0.65, QColor("#7fb7ff"))
    sky.setColorAt(1, QColor("#ffd29a"))
    p.fillRect(QRectF(0, 0, w, h), sky)
    sun = QRadialGradient(QPointF(w * 0.5, h * 0.3), h * 0.2)
    sun.setColorAt(0, QColor("#fff4d6"))
    sun.setColorAt(0.55, QColor("#ffb347"))
    sun.setColorAt(1, QColor(255, 179, 71, 0))
    p.setPen(Qt.NoPen)
    p.setBrush(sun)
    p.drawEllipse(QPointF(w * 0.5, h * 0.3), h * 0.2, h * 0.2)
    for colour, points in (("#1e8a7c", (0.0, 0.72, 0.35, 0.50, 0.75, 0.78, 1.0, 0.64)),
                           ("#12564f", (0.0, 0.86, 0.45, 0.70, 0.8, 0.92, 1.0, 0.84))):
        hill = QPainterPath(QPointF(0, h))
        hill.lineTo(0, h * points[1])
        hill.cubicTo(QPointF(w * points[2], h * points[3]), QPointF(w * points[4], h * points[5]),
                     QPointF(w * points[6], h * points[7]))
        hill.lineTo(w, h)
        hill.closeSubpath()
        p.setBrush(QColor(colour))
        p.drawPath(hill)
    p.end()
    return image


def draw_icon() -> QImage:
    icon = QImage(SIZE, SIZE, QImage.Format_ARGB32_Premultiplied)
    icon.fill(Qt.transparent)
    p = QPainter(icon)
    p.setRenderHint(QPainter.Antialiasing)
    p.setRenderHint(QPainter.SmoothPixmapTransform)
    tile = QRectF(16, 16, SIZE - 32, SIZE - 32)
    bg = QLinearGradient(0, tile.top(), 0, tile.bottom())
    bg.setColorAt(0, QColor("#2c3342"))
    bg.setColorAt(1, QColor("#14171d"))
    p.setPen(QPen(QColor("#3c4454"), 4))
    p.setBrush(bg)
    p.drawRoundedRect(tile, 108, 108)

    smooth = scene(SCREEN)
    small = smooth.scaled(int(SCREEN.width() / BLOCK), int(SCREEN.height() / BLOCK), Qt.IgnoreAspectRatio,
                          Qt.SmoothTransformation)
    blocky = small.scaled(smooth.width(), smooth.height(), Qt.IgnoreAspectRatio, Qt.FastTransformation)
    mid = SCREEN.center().x()
    screen_path = QPainterPath()
    screen_path.addRoundedRect(SCREEN, 26, 26)
    p.save()
    p.setClipPath(screen_path)
    p.drawImage(SCREEN, smooth)
    p.setClipRect(QRectF(SCREEN.left(), SCREEN.top(), mid - SCREEN.left(), SCREEN.height()), Qt.IntersectClip)
    p.drawImage(SCREEN, blocky)
    p.restore()

    p.setPen(QPen(QColor("white"), 11, Qt.SolidLine, Qt.RoundCap))
    p.drawLine(QPointF(mid, SCREEN.top() - 26), QPointF(mid, SCREEN.bottom() + 26))
    centre = QPointF(mid, SCREEN.center().y())
    p.setPen(QPen(QColor("white"), 9))
    p.setBrush(QColor("#14161a"))
    p.drawEllipse(centre, 38, 38)
    p.setPen(QPen(QColor("white"), 9, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
    p.setBrush(Qt.NoBrush)
    for sign in (-1, 1):
        arrow = QPainterPath(centre + QPointF(sign * 6, -13))
        arrow.lineTo(centre + QPointF(sign * 19, 0))
        arrow.lineTo(centre + QPointF(sign * 6, 13))
        p.drawPath(arrow)
    p.end()
    return icon


def main() -> None:
    app = QGuiApplication([])  # noqa: F841 - QPainter on QImage needs the app for fonts/paint engines
    icon = draw_icon()
    out = ROOT / "resources"
    out.mkdir(exist_ok=True)
    icon.save(str(out / "icon.png"))
    small = icon.scaled(256, 256, Qt.KeepAspectRatio, Qt.SmoothTransformation)
    small.save(str(out / "icon-256.png"))
    small.save(str(out / "icon.ico"))
    print("wrote", ", ".join(str(out / n) for n in ("icon.png", "icon-256.png", "icon.ico")))


if __name__ == "__main__":
    main()
