"""The Reports part of the screenshot tour (``python -m hmi.screenshots``): the supervisor of
the demo accounts takes over the console, generates last week's energy report (the tour's store
holds the meter history the analytics tour added), signs it through the signature dialog and
the view is photographed with the signed report previewed, in the light and the dark theme;
then the operator takes the console back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from hmi.context import HmiContext
from hmi.tour import Snap, Step, Tour
from hmi.views.reports.view import ReportsView

log = logging.getLogger(__name__)

SUPERVISOR = "sue.park"
OPERATOR = "operator"
REPORT_SHOTS = ("reports-sign", "reports", "reports-dark")
"""The pictures this tour takes."""


class ReportsTour(Tour):
    """Steps for the photographer; ``snap(name[, widget])`` saves a picture and ``pending()``
    is the photographer's queue of remaining steps."""

    def __init__(
        self,
        window: Any,
        ctx: HmiContext,
        snap: Snap,
        pending: Callable[[], list[Step]],
        password: str,
    ) -> None:
        super().__init__(window, ctx, snap, pending)
        self.password = password

    def steps(self) -> list[Step]:
        """Every step of the reports tour, in order."""
        return [
            lambda: self.ctx.operator.switch_user(SUPERVISOR, self.password),
            self._until(lambda: self.ctx.user == SUPERVISOR),
            self._generate,
            self._until(lambda: not self._view().busy and self._view().shown.report is not None),
            self._sign,
            lambda: self.snap("reports-sign", self._view().shown.sign_dialog),
            self._submit_signature,
            self._until(self._signed_and_checked),
            lambda: self._view().preview.go_to(2),
            lambda: self.snap("reports"),
            lambda: self.window.set_theme("dark"),
            lambda: self.snap("reports-dark"),
            lambda: self.window.set_theme("light"),
            lambda: self.ctx.operator.switch_user(OPERATOR, self.password),
            self._until(lambda: self.ctx.user == OPERATOR),
        ]

    def _view(self) -> ReportsView:
        view = self.window.views["reports"]
        assert isinstance(view, ReportsView)
        return view

    def _generate(self) -> None:
        view = self._view()
        self.window.show_view("reports")
        view.form.choose("energy", "last week")
        view.generate()

    def _sign(self) -> None:
        dialog = self._view().shown.open_sign_dialog()
        if dialog is not None:
            dialog.choose("approved")
            dialog.password.setText(self.password)

    def _submit_signature(self) -> None:
        dialog = self._view().shown.sign_dialog
        if dialog is not None:
            dialog.submit()

    def _signed_and_checked(self) -> bool:
        view = self._view()
        report = view.shown.report
        return report is not None and report.signed and not view.archive.loading
