"""A small trend line painted directly (many tiles, no plot machinery), with the normal band."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from core.model import NS_PER_S
from hmi.series_buffer import SeriesBuffer
from hmi.theme import LIGHT, Palette

DEFAULT_SPAN_S = 600

Scale = Callable[[float], float]


class Sparkline(QWidget):
    """The last ``span_s`` seconds of a series; the normal band is shaded, bad points dashed."""

    def __init__(self, span_s: float = DEFAULT_SPAN_S, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.span_ns = int(span_s * NS_PER_S)
        self.buffer = SeriesBuffer()
        self.band: tuple[float | None, float | None] = (None, None)
        self.palette_ = LIGHT
        self.end_ns = 0
        self.setMinimumSize(120, 36)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return QSize(180, 40)

    def set_palette(self, palette: Palette) -> None:
        """Colours of the current theme."""
        self.palette_ = palette
        self.update()

    def set_band(self, low: float | None, high: float | None) -> None:
        """The normal range to shade."""
        self.band = (low, high)
        self.update()

    def add(self, ts: np.ndarray, values: np.ndarray, quality: np.ndarray, end_ns: int) -> None:
        """Append points and scroll to ``end_ns``."""
        self.buffer.append(ts, values, quality)
        self.end_ns = max(end_ns, self.end_ns)
        self.buffer.trim_before(self.end_ns - self.span_ns)
        self.update()

    def _y_range(self, values: np.ndarray) -> tuple[float, float]:
        finite = values[np.isfinite(values)]
        parts = [finite] if len(finite) else []
        parts += [np.array([b]) for b in self.band if b is not None]
        if not parts:
            return 0.0, 1.0
        joined = np.concatenate(parts)
        lo, hi = float(joined.min()), float(joined.max())
        pad = (hi - lo) * 0.1 or max(abs(hi) * 0.05, 1.0)
        return lo - pad, hi + pad

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt API)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(1, 2, -1, -2)
        ts, values, quality = self.buffer.view()
        lo, hi = self._y_range(values)
        start = self.end_ns - self.span_ns

        def x_of(t: float) -> float:
            return rect.left() + (t - start) / max(self.span_ns, 1) * rect.width()

        def y_of(v: float) -> float:
            return rect.bottom() - (v - lo) / (hi - lo) * rect.height()

        self._paint_band(painter, rect, y_of)
        if len(ts) >= 2:
            self._paint_line(painter, ts, values, quality, x_of, y_of)
        painter.end()

    def _paint_band(self, painter: QPainter, rect: QRectF, y_of: Scale) -> None:
        low, high = self.band
        if low is None and high is None:
            return
        top = y_of(high) if high is not None else rect.top()
        bottom = y_of(low) if low is not None else rect.bottom()
        band = QRectF(rect.left(), max(top, rect.top()), rect.width(), 0)
        band.setBottom(min(bottom, rect.bottom()))
        painter.fillRect(band, QColor(self.palette_.normal_band))

    def _paint_line(
        self,
        painter: QPainter,
        ts: np.ndarray,
        values: np.ndarray,
        quality: np.ndarray,
        x_of: Scale,
        y_of: Scale,
    ) -> None:
        pens = {
            True: QPen(QColor(self.palette_.text), 1.4),
            False: QPen(QColor(self.palette_.bad_quality), 1.4, Qt.PenStyle.DashLine),
        }
        step = max(1, len(ts) // max(self.width(), 1))
        points = [
            (QPointF(x_of(t), y_of(v)), q < 64)
            for t, v, q in zip(
                ts[::step].tolist(), values[::step].tolist(), quality[::step].tolist(), strict=True
            )
            if np.isfinite(v)
        ]
        if len(points) < 2:
            return
        path, run_good = QPainterPath(points[0][0]), points[0][1]
        for point, good in points[1:]:
            if good != run_good:
                path.lineTo(point)
                painter.setPen(pens[run_good])
                painter.drawPath(path)
                path, run_good = QPainterPath(point), good
            else:
                path.lineTo(point)
        painter.setPen(pens[run_good])
        painter.drawPath(path)
