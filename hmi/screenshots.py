"""``python -m hmi.screenshots [--out DIR] [--config plant.toml] [--settle S]``: run the demo
plant (simulator in-process, store and settings in a temporary directory), let data flow, and
save a PNG of every view: the first-run dialog (create the administrator, then the first
operator), users, audit, overview, trends, alarms, devices with a faceplate, diagnostics,
maintenance, the dark theme and touch mode (overview, trends, alarms, the setpoint keypad).

``make screenshots`` runs it under Xvfb. Look at every picture before calling a view done.
"""

from __future__ import annotations

import argparse
import logging
import secrets
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

from core.config import DEMO_CONFIG, RESOURCES_DIR, load_config
from drivers.registry import build_drivers
from hmi.app import Launcher, console_gc
from hmi.context import HmiContext
from hmi.logging_setup import setup_logging
from hmi.main_window import TOUCH_PANEL_SIZE
from hmi.security.first_run import FirstRunDialog
from hmi.security.user_dialogs import AddUserDialog
from hmi.session import demo_config
from hmi.tour import Step
from hmi.views.alarms.console import AlarmConsole
from hmi.views.analytics.tour import SHOTS, AnalyticsTour
from hmi.views.audit import AuditView
from hmi.views.devices.view import DevicesView
from hmi.views.maintenance import MaintenanceView
from hmi.views.reports.tour import REPORT_SHOTS, ReportsTour
from hmi.views.trends.view import TrendView
from hmi.views.users import UsersView

log = logging.getLogger(__name__)

DEFAULT_OUT = RESOURCES_DIR / "screenshots"
TREND_TAGS = ("boiler/temperature", "boiler/setpoint", "meter1/total_power", "oven1/pv")
STEP_MS = 2500
DEMO_ACCOUNTS = (
    ("sue.park", "Sue Park", "supervisor", ()),
    ("maint.ben", "Ben Okafor", "maintenance", ("boilerhouse", "production")),
    ("eng.lee", "Lee Marsh", "engineer", ()),
    ("temp.contractor", "Temporary Contractor", "operator", ("utilities",)),
)


class Photographer:
    """Walks through the views of a running console and saves a picture of each."""

    def __init__(self, launcher: Launcher, out_dir: Path, settle_s: float) -> None:
        self.launcher = launcher
        self.window = launcher.window
        self.out_dir = out_dir
        self.settle_ms = int(settle_s * 1000)
        self.saved: list[Path] = []
        self.steps: list[Step] = []
        self.dialog: QWidget | None = None
        self.first_run: FirstRunDialog | None = None
        self.password = ""

    def begin(self, ctx: HmiContext) -> None:
        """Plant running (a fresh store: no user yet), queue the tour."""
        self.ctx = ctx
        self.password = secrets.token_urlsafe(16)
        self.steps = [
            self._first_run,
            lambda: self._snap_dialog("first-run"),
            self._create_administrator,
            self._first_operator,
            lambda: self._snap_dialog("first-run-operator"),
            self._demo_accounts,
            self._users,
            lambda: self._snap("users"),
            self._audit,
            lambda: self._snap("audit"),
            self._log_on_operator,
            lambda: self._view("overview"),
            self._trends,
            lambda: self.window.views["trends"].show_cursor(True),  # type: ignore[attr-defined]
            lambda: self._snap("trends"),
            self._alarms,
            lambda: self._snap("alarms"),
            self._devices,
            lambda: self._snap("devices-faceplate"),
            lambda: self._view("diagnostics"),
            self._maintenance,
            lambda: self._snap("maintenance"),
            *AnalyticsTour(self.window, ctx, self._snap, lambda: self.steps).steps(),
            *ReportsTour(self.window, ctx, self._snap, lambda: self.steps, self.password).steps(),
            self._dark,
            lambda: self._snap("overview-dark"),
            self._touch,
            lambda: self._snap("touch-overview"),
            lambda: self._view("trends", "touch-trends"),
            lambda: self._view("alarms", "touch-alarms"),
            self._touch_write,
            lambda: self._snap_dialog("touch-setpoint-keypad"),
        ]
        QTimer.singleShot(self.settle_ms, self._next)

    # -- first run, users and audit (the store is a fresh temporary one) ----------------------
    def _first_run(self) -> None:
        """The first-run dialog (opened by the console itself), filled in."""
        dialog = self.window.security_ui.open_first_run()
        dialog.username.setText("admin")
        dialog.full_name.setText("Ada Admin")
        dialog.passwords.password.setText(self.password)
        dialog.passwords.repeat.setText(self.password)
        self.first_run, self.dialog = dialog, dialog

    def _create_administrator(self) -> None:
        assert self.first_run is not None
        self.first_run.submit()

    def _first_operator(self) -> None:
        """The first run offers the first operator (a random password, policy checked live)."""
        assert self.first_run is not None
        dialog = self.first_run.open_add_operator()
        if dialog is not None:
            dialog.username.setText("operator")
            dialog.full_name.setText("Otto Operator")
            dialog.passwords.password.setText(self.password)
            dialog.passwords.repeat.setText(self.password)
            box = dialog.scope_picker.area_boxes.get("production")
            if box is not None:
                box.setChecked(True)
        self.dialog = dialog

    def _demo_accounts(self) -> None:
        """Add the operator (through the dialog) and a few colleagues (through the user admin)."""
        from core.security.roles import Role, Scope

        assert self.first_run is not None
        if isinstance(self.dialog, AddUserDialog):
            self.dialog.submit()
        self.first_run.accept()
        security, admin = self.ctx.security, self.first_run.administrator
        station = security.station
        if admin is None:
            return
        for name, full_name, role, areas in DEMO_ACCOUNTS:
            scope = Scope(areas=frozenset(areas))
            roles = frozenset({Role(role)})
            security.admin.add_user(
                admin, name, self.password, roles, scope, full_name=full_name, station=station
            )
        security.admin.set_enabled(
            admin, "temp.contractor", False, station=station, reason="contract ended"
        )
        try:
            security.auth.login("maint.ben", "not-the-password-of-ben", "panel-2")
        except Exception as exc:  # the refused log-on shows in the audit trail
            log.info("demo failed log-on: %s", exc)

    def _users(self) -> None:
        view = self.window.views["users"]
        assert isinstance(view, UsersView)
        self.window.show_view("users")
        view.refresh()
        QTimer.singleShot(800, lambda: view.select_user("operator"))

    def _audit(self) -> None:
        view = self.window.views["audit"]
        assert isinstance(view, AuditView)
        self.window.show_view("audit")
        view.verify()

    def _log_on_operator(self) -> None:
        """Fast user switching: the operator takes over the console for the rest of the tour."""
        self.ctx.operator.switch_user("operator", self.password)

    def _next(self) -> None:
        if not self.steps:
            QApplication.instance().quit()  # type: ignore[union-attr]
            return
        step = self.steps.pop(0)
        try:
            step()
        except Exception:
            log.exception("screenshot step failed")
        QTimer.singleShot(STEP_MS, self._next)

    def _view(self, name: str, shot: str = "") -> None:
        self.window.show_view(name)
        QTimer.singleShot(STEP_MS // 2, lambda: self._snap(shot or name))

    def _snap(self, name: str, widget: QWidget | None = None) -> None:
        path = self.out_dir / f"{name}.png"
        (widget or self.window).grab().save(str(path), "PNG")
        self.saved.append(path)
        log.info("saved %s", path)

    def _trends(self) -> None:
        view = self.window.views["trends"]
        assert isinstance(view, TrendView)
        view.add_pens([t for t in TREND_TAGS if self.ctx.tag(t) is not None])
        if len(view.pens) >= 2:
            view.set_axis([view.pens[1].tag], view.pens[0].axis)
        self.window.show_view("trends")

    def _alarms(self) -> None:
        view = self.window.views["alarms"]
        assert isinstance(view, AlarmConsole)
        self.window.show_view("alarms")
        if view.active.proxy.rowCount():
            view.active.table.selectRow(0)

    def _devices(self) -> None:
        view = self.window.views["devices"]
        assert isinstance(view, DevicesView)
        self.window.show_view("devices")
        view.show_device("boiler")

    def _maintenance(self) -> None:
        view = self.window.views["maintenance"]
        assert isinstance(view, MaintenanceView)
        self.window.show_view("maintenance")
        QTimer.singleShot(800, lambda: view.table.selectRow(0))

    def _dark(self) -> None:
        self.window.set_theme("dark")
        self.window.show_view("overview")

    def _touch(self) -> None:
        self.launcher.touch = self.window.touch = self.ctx.touch = True
        self.window.set_theme("light")  # with the touch additions (window.touch), restyled
        self.window.nav.set_touch(True)
        self.window.stack.set_touch(True)
        self.window.resize(*TOUCH_PANEL_SIZE)
        self.window.show_view("overview")

    def _touch_write(self) -> None:
        view = self.window.views["devices"]
        assert isinstance(view, DevicesView)
        self.window.show_view("devices")
        faceplate = view.open_faceplate("boiler")
        tag = self.ctx.tag("boiler/setpoint")
        if tag is not None:
            self.dialog = faceplate.open_write(tag)

    def _snap_dialog(self, name: str) -> None:
        if self.dialog is not None:
            self._snap(name, self.dialog)
            if not name.startswith("first-run"):
                self.dialog.close()


def main(out_dir: Path | str | None = None, *, argv: Sequence[str] | None = None) -> int:
    """Take the screenshots into ``out_dir`` (default ``resources/screenshots``, or ``--out``);
    0 when every picture was saved."""
    parser = argparse.ArgumentParser(prog="python -m hmi.screenshots", description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    parser.add_argument("--config", type=Path, default=None, help="plant file (default: demo)")
    parser.add_argument("--settle", type=float, default=20.0, help="seconds of data first")
    args = parser.parse_args(list(argv or []))
    if out_dir is not None:
        args.out = Path(out_dir)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="controldeck-shots-") as tmp:
        work = Path(tmp)
        setup_logging(work / "log")
        app = QApplication.instance() or QApplication(sys.argv[:1])
        assert isinstance(app, QApplication)
        demo = args.config is None
        config = demo_config(work) if demo else load_config(args.config)
        launcher = Launcher(
            app,
            config,
            build_drivers,
            simulate=demo or args.config == DEMO_CONFIG,
            settings_path=work / "settings.ini",
            log_dir=work / "log",
        )
        photographer = Photographer(launcher, args.out, args.settle)
        launcher.ready.connect(photographer.begin)
        launcher.failed.connect(lambda _m: app.quit())
        with console_gc(launcher):  # as run_gui does: the pictures show the console's behaviour
            launcher.start()
            app.exec()
            launcher.shutdown()
    expected = 14 + len(SHOTS) + len(REPORT_SHOTS)
    log.info("%d screenshot(s) in %s", len(photographer.saved), args.out)
    return 0 if len(photographer.saved) >= expected else 1


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    sys.exit(main(argv=sys.argv[1:]))
