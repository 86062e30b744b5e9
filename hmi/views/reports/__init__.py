"""The Reports view: generate shift, energy, alarm and compliance reports for a period and
scope, preview their pages, sign them electronically, export PDF or CSV, and check the archive
of generated reports (verified / modified / missing file). Report logic is :mod:`core.reports`.
"""

from __future__ import annotations

from hmi.icons import ACTION_ICONS

REPORT_ICONS: dict[str, str] = {
    "report_generate": "mdi6.file-cog",
    "report_sign": "mdi6.draw-pen",
    "report_verify": "mdi6.file-document-check",
}
"""qtawesome glyphs of the view's actions (role name -> glyph)."""


def register_report_icons() -> None:
    """Make the report action icons known to :func:`hmi.icons.action_icon` (idempotent)."""
    for name, glyph in REPORT_ICONS.items():
        ACTION_ICONS.setdefault(name, glyph)
