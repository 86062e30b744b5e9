"""Qt pieces of the Audit view: the table columns and the filter menus."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox

from core.security.events import AuditRecord
from hmi.models.records import Column
from hmi.security.access import AccessContext
from hmi.security.audit_query import change_text, outcome_text


def audit_columns(access: AccessContext) -> list[Column[AuditRecord]]:
    """Columns of the audit table."""
    when = access.clock.datetime_text
    return [
        Column("Seq", lambda r: str(r.seq), lambda r: r.seq),
        Column("Time", lambda r: when(r.ts_ns), lambda r: r.ts_ns),
        Column("User", lambda r: r.username),
        Column("Role", lambda r: r.role),
        Column("Station", lambda r: r.station),
        Column("Action", lambda r: r.action),
        Column("Target", lambda r: r.target, tooltip=lambda r: r.target),
        Column("Old → new", change_text, tooltip=change_text),
        Column("Reason", lambda r: r.reason, tooltip=lambda r: r.reason),
        Column("Outcome", lambda r: outcome_text(r.outcome)),
        Column("Detail", lambda r: r.detail, tooltip=lambda r: r.detail),
    ]


def filter_menu(name: str, everything: str, values: tuple[str, ...]) -> QComboBox:
    """A filter menu: "everything" (data '') and one entry per value."""
    combo = QComboBox()
    combo.setObjectName(name)
    combo.addItem(everything, "")
    for value in values:
        combo.addItem(value, value)
    return combo


def refill_menu(combo: QComboBox, values: tuple[str, ...]) -> None:
    """Replace a filter menu's choices, keeping the current one."""
    current = combo.currentData() or ""
    wanted = tuple(sorted({*values, current} - {""}))
    present = tuple(combo.itemData(i) for i in range(1, combo.count()))
    if present == wanted:
        return
    first = combo.itemText(0)
    combo.clear()
    combo.addItem(first, "")
    for value in wanted:
        combo.addItem(value, value)
    combo.setCurrentIndex(max(combo.findData(current), 0))
