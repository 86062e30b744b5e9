"""What the trend toolbar's buttons do beyond time and pens: axes, saved views, exports."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QMessageBox

from core.model import NS_PER_S
from hmi.settings import TrendViewStore
from hmi.views.trends.export import PenData, export_csv, save_png, span_text
from hmi.views.trends.pens import TrendSpec
from hmi.views.trends.plots import visible_rows
from hmi.views.trends.toolbar import CustomRangeDialog

if TYPE_CHECKING:
    from hmi.views.trends.view import TrendView

log = logging.getLogger(__name__)


class TrendActions(QObject):
    """Axis grouping, saved views, CSV/PNG export and the custom-range dialog of a trend view."""

    exported = Signal(str)
    """Path of a finished export."""
    export_failed = Signal(str)

    def __init__(self, view: TrendView) -> None:
        super().__init__(view)
        self.view = view
        self.store = TrendViewStore(view.ctx.settings)

    # -- axes -----------------------------------------------------------------------------------
    def selected_tags(self) -> list[str]:
        """Pens selected in the legend."""
        rows = {i.row() for i in self.view.table.selectionModel().selectedRows()}
        return [self.view.pens[r].tag for r in sorted(rows) if r < len(self.view.pens)]

    def own_axis(self) -> None:
        """Each selected pen gets a Y axis of its own."""
        for tag in self.selected_tags():
            self.view.set_axis([tag], tag)

    def share_axis(self) -> None:
        """The selected pens share the first one's Y axis."""
        tags = self.selected_tags()
        if len(tags) >= 2:
            first = next(p for p in self.view.pens if p.tag == tags[0])
            self.view.set_axis(tags, first.axis)

    def remove_selected(self) -> None:
        """Remove the selected pens."""
        tags = self.selected_tags()
        if tags:
            self.view.remove_pens(tags)

    def cursor_start(self) -> float:
        """Where the cursor appears: the middle of the visible data (of the range if none)."""
        x0, x1 = self.view.plots.x_range()
        start, end = int(x0 * NS_PER_S), int(x1 * NS_PER_S)
        spans = [ts for p in self.view.pens if len(ts := p.buffer.window(start, end)[0])]
        if not spans:
            return (x0 + x1) / 2
        first, last = min(int(ts[0]) for ts in spans), max(int(ts[-1]) for ts in spans)
        return (first + last) / 2 / NS_PER_S

    # -- time -----------------------------------------------------------------------------------
    def choose_custom_range(self) -> None:
        """Ask for a from/to range in plant time."""
        x0, x1 = self.view.plots.x_range()
        dialog = CustomRangeDialog(
            int(x0 * NS_PER_S), int(x1 * NS_PER_S), self.view.ctx.clock.name, self.view
        )
        if dialog.exec() == QDialog.DialogCode.Accepted:
            start, end = dialog.range_ns()
            if end > start:
                self.view.set_time_range(start, end)

    # -- saved views ----------------------------------------------------------------------------
    def spec(self) -> TrendSpec:
        """The current view as a document."""
        x0, x1 = self.view.plots.x_range()
        return TrendSpec(
            pens=tuple(p.spec() for p in self.view.pens),
            span_s=self.view.span_s,
            layout=self.view.layout_mode,
            live=self.view.live,
            start_ns=int(x0 * NS_PER_S),
            end_ns=int(x1 * NS_PER_S),
        )

    def save_view(self, name: str) -> None:
        """Store the current view."""
        self.store.save(name, self.spec().to_dict())
        self.view.toolbar.set_views(self.store.names())

    def ask_save_view(self) -> None:
        """Ask for a name, then store."""
        name, ok = QInputDialog.getText(self.view, "Save trend view", "Name")
        if ok and name.strip():
            self.save_view(name.strip())

    def load_view(self, name: str) -> None:
        """Replace pens, span and layout by a stored view."""
        try:
            spec = TrendSpec.from_dict(self.store.load(name))
        except (KeyError, ValueError) as exc:
            QMessageBox.warning(self.view, "Trend view", f"Cannot open {name!r}: {exc}")
            return
        view = self.view
        view.remove_pens([p.tag for p in view.pens])
        view.layout_mode = spec.layout
        view.toolbar.overlay.setChecked(spec.layout == "overlay")
        added = view.add_pens([str(p["tag"]) for p in spec.pens])
        stored = {str(p["tag"]): p for p in spec.pens}
        for pen in added:
            pen.axis = str(stored[pen.tag].get("axis") or pen.axis)
            pen.colour = str(stored[pen.tag].get("colour") or pen.colour)
        view.set_layout(spec.layout)
        if spec.live:
            view.set_live(True)
            view.set_span(spec.span_s)
        else:
            view.set_time_range(spec.start_ns, spec.end_ns)

    # -- exports --------------------------------------------------------------------------------
    def visible_data(self) -> list[PenData]:
        """Copies of every pen's points in the visible range."""
        x0, x1 = self.view.plots.x_range()
        out = []
        for pen in self.view.pens:
            ts, values, quality = visible_rows(pen, x0, x1)
            out.append(PenData(pen.tag, pen.unit, ts, values, quality))
        return out

    def export_csv(self, path: Path) -> None:
        """Write the visible data in a worker."""
        data, clock = self.visible_data(), self.view.ctx.clock
        self.view.ctx.workers.submit(
            lambda: (export_csv(path, data, clock), path)[1],
            lambda done: self.exported.emit(str(done)),
            lambda exc: self.export_failed.emit(str(exc)),
            context=self,
            name="export-csv",
        )

    def export_png(self, path: Path) -> None:
        """Grab the chart now, write it in a worker."""
        image = self.view.plots.grab().toImage()
        self.view.ctx.workers.submit(
            lambda: save_png(path, image),
            lambda done: self.exported.emit(str(done)),
            lambda exc: self.export_failed.emit(str(exc)),
            context=self,
            name="export-png",
        )

    def _default_name(self, suffix: str) -> str:
        x0, x1 = self.view.plots.x_range()
        return f"trend-{span_text(int(x0 * NS_PER_S), int(x1 * NS_PER_S))}.{suffix}"

    def ask_export_csv(self) -> None:
        """Ask for a file, then export the data."""
        path, _ = QFileDialog.getSaveFileName(
            self.view, "Export CSV", self._default_name("csv"), "CSV (*.csv)"
        )
        if path:
            self.export_csv(Path(path))

    def ask_export_png(self) -> None:
        """Ask for a file, then export the chart."""
        path, _ = QFileDialog.getSaveFileName(
            self.view, "Export PNG", self._default_name("png"), "PNG (*.png)"
        )
        if path:
            self.export_png(Path(path))
