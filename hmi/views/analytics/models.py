"""Model Center: the model registry's versions per subject and kind with their metrics, author,
time and training window, the active one flagged; promote, roll back and compare.

Promote and roll back need a logged-on user with the ``configure_plant`` permission; the
authorizer audits a refusal, a change is audited as ``model_promoted``. Everything runs in a
worker (artifacts are authenticated before a promotion). Without a model key the view says how
to configure one instead of failing.
"""

from __future__ import annotations

import html
import logging
from typing import Any

from PySide6.QtCore import QItemSelectionModel
from PySide6.QtWidgets import QLabel, QSplitter, QTextBrowser, QVBoxLayout, QWidget

from core.analytics.registry import (
    MODEL_KEY_ENV,
    Comparison,
    ModelEvent,
    ModelKeyError,
    ModelVersion,
)
from hmi.background import BackgroundTask
from hmi.context import HmiContext
from hmi.icons import icon_button
from hmi.models.records import Column, TextFilterProxy
from hmi.theme import set_property
from hmi.views.analytics.common import EmphasisModel
from hmi.views.analytics.model_actions import (
    KeyLoader,
    ModelChange,
    ModelListing,
    change_model,
    compare,
    listing,
)
from hmi.views.analytics.nav import register_analytics_icons
from hmi.widgets.flow_layout import FlowBar, wrapped_height
from hmi.widgets.tables import MainColumnFit, make_table

log = logging.getLogger(__name__)

SHOWN_METRICS = ("mase", "smape")
OTHER_METRICS = 9
"""The version list's main text column (it keeps a readable share of the table)."""
NO_KEY_TEXT = (
    "No model key is configured, so the registry's sealed models cannot be opened. Set the "
    f"environment variable {MODEL_KEY_ENV} (32 random bytes, base64) or store the key in the "
    "OS keyring (service 'controldeck', user 'model-key'), then press Refresh."
)


def _metric(version: ModelVersion, name: str) -> str:
    value = version.metrics.get(name)
    return "---" if value is None else f"{value:.3f}"


def model_columns(ctx: HmiContext, key_id: str) -> list[Column[ModelVersion]]:
    """Columns of the version list (``key_id``: the key in use, to tell other keys apart)."""
    when = ctx.clock.datetime_text
    return [
        Column("Subject", lambda v: v.subject),
        Column("Kind", lambda v: v.kind),
        Column("Version", lambda v: f"v{v.version}", lambda v: (v.subject, v.kind, v.version)),
        Column("State", lambda v: "active" if v.active else ""),
        Column("Created", lambda v: when(v.created_ns), lambda v: v.created_ns),
        Column("Author", lambda v: v.author),
        Column("Trained on", lambda v: f"{when(v.train_start_ns)} to {when(v.train_end_ns)}"),
        Column("MASE", lambda v: _metric(v, "mase")),
        Column("sMAPE %", lambda v: _metric(v, "smape")),
        Column(
            "Other metrics",
            lambda v: ", ".join(
                f"{k} {x:.3g}" for k, x in sorted(v.metrics.items()) if k not in SHOWN_METRICS
            ),
        ),
        Column("Key", lambda v: "this key" if v.key_id == key_id else f"other key {v.key_id}"),
        Column("SHA-256", lambda v: v.digest[:12] + "…", tooltip=lambda v: v.digest),
    ]


def comparison_html(found: Comparison, history: list[ModelEvent], when: Any) -> str:
    """Two versions side by side, changed parameters, and the promotion history."""
    e = html.escape
    a, b = found.a.version, found.b.version
    rows = "".join(
        f"<tr><td>{e(m.name)}</td><td>{_num(m.a)}</td><td>{_num(m.b)}</td>"
        f"<td>{_num(m.delta)}</td><td>{e({'a': f'v{a}', 'b': f'v{b}'}.get(m.better, m.better))}</td></tr>"
        for m in found.metrics
    )
    params = "".join(
        f"<li>{e(k)}: {e(str(x))} → {e(str(y))}</li>" for k, (x, y) in found.changed_params.items()
    )
    events = "".join(
        f"<li>{e(when(ev.ts_ns))} {e(ev.action)} v{ev.version} by {e(ev.actor)} {e(ev.detail)}</li>"
        for ev in history
    )
    return (
        f"<h4>{e(found.a.subject)} / {e(found.a.kind)}: v{a} against v{b}</h4>"
        f"<table cellspacing='6'><tr><th>metric</th><th>v{a}</th><th>v{b}</th><th>change</th>"
        f"<th>better</th></tr>{rows}</table>"
        f"<h4>Changed parameters</h4><ul>{params or '<li>none</li>'}</ul>"
        f"<h4>History</h4><ul>{events}</ul>"
    )


def _num(value: float | None) -> str:
    return "---" if value is None else f"{value:.4g}"


class ModelCenterView(QWidget):
    """Registry versions with promote, roll back and compare."""

    def __init__(
        self, ctx: HmiContext, key_loader: KeyLoader | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        register_analytics_icons()
        self.ctx = ctx
        self.key_loader = key_loader
        self.listing: ModelListing | None = None
        self.last_change: ModelChange | None = None
        self.key_message = QLabel("")
        self.key_message.setObjectName("model_key")
        self.key_message.setWordWrap(True)
        self.model: EmphasisModel[ModelVersion] = EmphasisModel(
            model_columns(ctx, ""), lambda v: v.active
        )
        self.proxy = TextFilterProxy()
        self.proxy.setSourceModel(self.model)
        self.table = make_table(
            self.proxy,
            "model_versions",
            stretch_column=OTHER_METRICS,
            sort_column=2,
            descending=False,
        )
        self.fit = MainColumnFit(self.table, OTHER_METRICS)
        self.table.setSelectionMode(self.table.SelectionMode.ExtendedSelection)
        self.refresh_button = icon_button("refresh", "Refresh")
        self.promote_button = icon_button("promote", "Promote")
        self.rollback_button = icon_button("rollback", "Roll back")
        self.compare_button = icon_button("compare", "Compare two")
        self.detail = QTextBrowser()
        self.detail.setObjectName("model_detail")
        self.detail.setHtml(
            "<p>Select a version to promote it, or two versions of one model to compare them. "
            "Roll back returns a model to the version active before.</p>"
        )
        self.status = QLabel("")
        self.status.setProperty("role", "caption")
        self.status.setWordWrap(True)
        self.task = BackgroundTask(ctx, self, "model center", self.status)
        self._build()
        self.refresh_button.clicked.connect(self.refresh)
        self.promote_button.clicked.connect(lambda: self.act("promote"))
        self.rollback_button.clicked.connect(lambda: self.act("rollback"))
        self.compare_button.clicked.connect(self.compare_selected)
        self._set_actions(False)

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt API)
        """The minimum height with the bars' wrapped rows (a touch scroll area sizes by it)."""
        return wrapped_height(self.layout(), width)

    def _build(self) -> None:
        bar = FlowBar(
            [self.refresh_button, self.promote_button, self.rollback_button, self.compare_button]
        )
        split = QSplitter()
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setSizes([860, 340])
        layout = QVBoxLayout(self)
        layout.addWidget(self.key_message)
        layout.addWidget(bar)
        layout.addWidget(split, 1)
        layout.addWidget(self.status)

    def _keys(self) -> dict[str, KeyLoader]:
        return {} if self.key_loader is None else {"key_loader": self.key_loader}

    def _set_actions(self, enabled: bool) -> None:
        for button in (self.promote_button, self.rollback_button, self.compare_button):
            button.setEnabled(enabled)

    def showEvent(self, event: Any) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        if not self.task.busy:
            self.refresh()

    def refresh(self) -> int:
        """Read every version in a worker; returns the request's generation."""
        engine, keys = self.ctx.historian.engine, self._keys()
        return self.task.run(
            lambda: listing(engine, **keys),
            self._listed,
            "reading the model registry…",
            self._listing_failed,
        )

    def _listed(self, found: ModelListing) -> None:
        self.listing = found
        self.model.columns = model_columns(self.ctx, found.key_id)
        self.model.update_records(found.versions)
        self.key_message.setText(f"Models are sealed with key {found.key_id}.")
        set_property(self.key_message, "result", "")
        self._set_actions(True)
        subjects = len({(v.subject, v.kind) for v in found.versions})
        self.task.say(f"{len(found.versions)} version(s) of {subjects} model(s)")

    def _listing_failed(self, error: BaseException) -> None:
        self._set_actions(False)
        if isinstance(error, ModelKeyError):
            self.listing = None
            self.model.set_records([])
            self.key_message.setText(NO_KEY_TEXT)
            set_property(self.key_message, "result", "refused")
            self.task.say(str(error))

    def selected_versions(self) -> list[ModelVersion]:
        """The selected versions, in table order."""
        rows = sorted(i.row() for i in self.table.selectionModel().selectedRows())
        return [self.proxy.record(r) for r in rows]

    def select_version(self, subject: str, kind: str, version: int, add: bool = False) -> bool:
        """Select a version's row (``add`` keeps the current selection)."""
        flag = QItemSelectionModel.SelectionFlag
        flags = flag.Rows | (flag.Select if add else flag.ClearAndSelect)
        for row in range(self.proxy.rowCount()):
            v = self.proxy.record(row)
            if (v.subject, v.kind, v.version) == (subject, kind, version):
                self.table.selectionModel().select(self.proxy.index(row, 0), flags)
                return True
        return False

    def act(self, action: str) -> int:
        """Promote the selected version, or roll its model back, as the logged-on user."""
        chosen = self.selected_versions()
        if not chosen:
            self.task.say("select a version first")
            return self.task.generation
        if not self.ctx.require_login():
            self.task.say(f"{action}: log on first", failed=True)
            return self.task.generation
        security, engine, user = self.ctx.security, self.ctx.historian.engine, self.ctx.user
        target, keys = chosen[0], self._keys()
        work = lambda: change_model(security, engine, user, action, target, **keys)  # noqa: E731
        return self.task.run(work, self._changed, f"{action} {target.subject}/{target.kind}…")

    def _changed(self, change: ModelChange) -> None:
        self.last_change = change
        before = f"v{change.before}" if change.before is not None else "none"
        self.detail.setHtml(
            f"<p><b>{html.escape(change.action)}</b>: {html.escape(change.subject)} / "
            f"{html.escape(change.kind)} now uses v{change.after.version} (was {before}). "
            "Recorded in the audit trail.</p>"
        )
        self.refresh()

    def compare_selected(self) -> int:
        """Compare the two selected versions (authenticated) in a worker."""
        chosen = self.selected_versions()
        if len(chosen) != 2:
            self.task.say("select two versions of one model to compare")
            return self.task.generation
        engine, keys = self.ctx.historian.engine, self._keys()
        work = lambda: compare(engine, chosen[0], chosen[1], **keys)  # noqa: E731
        return self.task.run(work, self._compared, "comparing…")

    def _compared(self, found: tuple[Comparison, list[ModelEvent]]) -> None:
        self.detail.setHtml(comparison_html(*found, self.ctx.clock.datetime_text))
        self.task.say(f"compared v{found[0].a.version} and v{found[0].b.version}")
