"""The main window: alarm banner, navigation, views, status bar; detachable views and the layout
per workstation (:mod:`hmi.layout`), shortcuts and menus (:mod:`hmi.menus`). The window appears
before the plant is running: the banner and status bar exist at once, the view area shows the
start-up progress, and :meth:`MainWindow.attach` builds the views once the collector runs.
Every view is one click away in the navigation panel (sub-pages one more).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QVBoxLayout,
    QWidget,
)

from hmi.audio import Annunciator, Player
from hmi.context import HmiContext
from hmi.formatting import PlantClock
from hmi.layout import WindowLayout
from hmi.menus import install_menus
from hmi.models.alarm_model import AlarmSnapshot
from hmi.restyle import restyle
from hmi.security.console import ConsoleSecurity
from hmi.theme import apply_theme
from hmi.views.alarms.console import AlarmConsole
from hmi.views.analytics.builders import analytics_builders
from hmi.views.audit import AuditView
from hmi.views.devices.view import DevicesView
from hmi.views.diagnostics import DiagnosticsView
from hmi.views.maintenance import MaintenanceView
from hmi.views.overview import OverviewView
from hmi.views.trends.view import TrendView
from hmi.views.users import UsersView
from hmi.widgets.alarm_banner import AlarmBanner, FloodWatch
from hmi.widgets.detached import DetachedWindow
from hmi.widgets.login_dialog import LoginDialog
from hmi.widgets.nav_panel import NavPanel
from hmi.widgets.status_bar import StationStatusBar
from hmi.widgets.view_stack import ViewStack

log = logging.getLogger(__name__)

DESK_SIZE = (1366, 820)
TOUCH_PANEL_SIZE = (1280, 800)
"""The shop-floor touch panel (see ARCHITECTURE.md, "Who uses it")."""


def _reports_view(ctx: HmiContext) -> QWidget:
    """The reports view, imported when the plant is open (reportlab stays off the path to the
    first window, as the analytics views do: :mod:`hmi.views.analytics.builders`)."""
    from hmi.views.reports.view import ReportsView

    return ReportsView(ctx)


class MainWindow(QMainWindow):
    """The console's main window."""

    def __init__(
        self,
        settings: QSettings,
        clock: PlantClock,
        *,
        plant_name: str = "ControlDeck",
        touch: bool = False,
        kiosk: bool = False,
        player: Player | None = None,
        log_dir: Path | None = None,
    ) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle(f"ControlDeck — {plant_name}")
        self.settings, self.touch, self.kiosk, self.log_dir = settings, touch, kiosk, log_dir
        self.ctx: HmiContext | None = None
        self.views: dict[str, QWidget] = {}
        self.current = "overview"
        self.workstation = WindowLayout(self)
        self.detached: dict[str, DetachedWindow] = self.workstation.detached
        self.dark_action: QAction | None = None
        self.banner = AlarmBanner(clock)
        self.nav = NavPanel(plant_name, touch=touch)
        self.stack = ViewStack(touch)
        self.phase = QLabel("Connecting to the plant…")
        self.phase.setObjectName("startupPhase")
        self.phase.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.phase.setProperty("role", "heading")
        self.stack.addWidget(self.phase)
        self.status = StationStatusBar(clock)
        self.setStatusBar(self.status)
        self.annunciator = Annunciator(player, self)
        self._build()
        self.view_actions = install_menus(self)
        geometry = settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and not kiosk:
            self.restoreGeometry(geometry)
        else:
            self.resize(*TOUCH_PANEL_SIZE if touch else DESK_SIZE)

    def _build(self) -> None:
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.banner)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.nav)
        row.addWidget(self.stack, 1)
        column.addLayout(row, 1)
        self.setCentralWidget(central)
        self.nav.view_requested.connect(self.show_view)
        self.nav.detach_requested.connect(lambda: self.detach(self.current))
        self.banner.silence_requested.connect(self.annunciator.silence)
        self.banner.acknowledge_requested.connect(self.acknowledge)
        self.banner.console_requested.connect(self._open_console)
        self.annunciator.sounding_changed.connect(self.banner.set_sounding)

    # -- start-up -------------------------------------------------------------------------------
    def set_phase(self, text: str) -> None:
        """Start-up progress, in the view area and the status bar."""
        self.phase.setText(text)
        self.status.set_phase(text)

    def attach(self, ctx: HmiContext) -> None:
        """Build the views on the running plant and restore the workstation layout."""
        self.ctx = ctx
        builders: dict[str, Callable[[], QWidget]] = {
            "overview": lambda: OverviewView(ctx),
            "trends": lambda: TrendView(ctx),
            "alarms": lambda: AlarmConsole(ctx),
            "devices": lambda: DevicesView(ctx),
            "diagnostics": lambda: DiagnosticsView(ctx, self.log_dir),
            "maintenance": lambda: MaintenanceView(ctx),
            **analytics_builders(ctx, self),
            "reports": lambda: _reports_view(ctx),
            "users": lambda: UsersView(ctx),
            "audit": lambda: AuditView(ctx),
        }
        for name, build in builders.items():
            view = build()
            view.setObjectName(f"view_{name}")
            self.views[name] = view
            self.stack.addWidget(view)
        ctx.bridge.alarms_changed.connect(self.on_alarms)
        ctx.bridge.status_changed.connect(self.status.show_status)
        ctx.nav.show_view.connect(self.show_view)
        ctx.nav.trend_tag.connect(self.trend_tag)
        ctx.nav.show_device.connect(lambda _d: self.show_view("devices"))
        ctx.nav.show_area.connect(self.show_area)
        ctx.nav.login_requested.connect(self.open_login)
        ctx.operator.changed.connect(lambda name: self.status.show_user(name, ctx.operator.roles))
        self.security_ui = ConsoleSecurity(ctx, self.status, self.nav, self, self.open_login)
        self.flood_watch = FloodWatch(ctx.alarms.engine.flooding, ctx.workers, self.banner)
        self.status.show_user(ctx.user, ctx.operator.roles)
        self.nav.set_enabled(True)
        self.set_phase("running")
        self.on_alarms(ctx.alarms.snapshot)
        self.restore_layout()

    def on_alarms(self, snapshot: AlarmSnapshot) -> None:
        """Banner and horn follow the alarm snapshots."""
        self.banner.show_snapshot(snapshot)
        self.annunciator.update(snapshot)

    # -- navigation -----------------------------------------------------------------------------
    def show_view(self, name: str) -> None:
        """Bring a view to front (raising its window when detached)."""
        if name not in self.views:
            return
        window = self.detached.get(name)
        if window is not None:
            window.raise_()
            window.activateWindow()
            return
        self.current = name
        self.stack.setCurrentWidget(self.views[name])
        self.nav.mark(name)

    def trend_tag(self, tag: str) -> None:
        """ "Trend this": add the pen and show the trends."""
        view = self.views.get("trends")
        if isinstance(view, TrendView):
            view.add_pen(tag)
            self.show_view("trends")

    def show_area(self, area: str) -> None:
        """Level 2: the devices of one area."""
        view = self.views.get("devices")
        if isinstance(view, DevicesView):
            view.show_area(area)
            self.show_view("devices")

    def _open_console(self, priority: str) -> None:
        view = self.views.get("alarms")
        if isinstance(view, AlarmConsole):
            view.show_priority(priority)
            self.show_view("alarms")

    def acknowledge(self, names: list[str]) -> None:
        """Acknowledge the alarms shown in the banner (in a worker, as the logged-on user)."""
        ctx = self.ctx
        if ctx is None or not names or not ctx.require_login():
            return
        alarms, user = ctx.alarms, ctx.user
        ctx.workers.submit(
            lambda: alarms.acknowledge(names, user),
            lambda _n: ctx.nav.alarms_acted.emit(),
            lambda exc: self.status.showMessage(f"acknowledge refused: {exc}", 8000),
            context=self,
            name="banner-ack",
        )

    def open_login(self) -> LoginDialog | None:
        """Ask for user name and password (non-modal; returned for tests)."""
        if self.ctx is None:
            return None
        dialog = LoginDialog(self.ctx.operator, self)
        dialog.setModal(True)
        dialog.show()
        return dialog

    # -- detaching and layout (hmi.layout) ------------------------------------------------------
    def detach(self, name: str) -> DetachedWindow | None:
        """Move a view into its own window."""
        return self.workstation.detach(name)

    def dock(self, name: str) -> None:
        """Take a detached view back into the main window."""
        self.workstation.dock(name)

    def save_layout(self) -> None:
        """Remember geometry, current view and detached views for this workstation."""
        self.workstation.save()

    def restore_layout(self) -> None:
        """Re-open the views detached last time and show the last view."""
        self.workstation.restore()

    # -- theme ----------------------------------------------------------------------------------
    def set_theme(self, name: str) -> None:
        """Switch between the light and the dark control-room theme."""
        app = QApplication.instance()
        if isinstance(app, QApplication):
            palette = apply_theme(app, name, self.touch)
            for root in (self, *self.detached.values()):
                restyle(root, palette)
            if self.ctx is not None:
                self.ctx.palette = palette
        self.settings.setValue("theme", name)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt API)
        self.save_layout()
        self.workstation.close_all()
        super().closeEvent(event)
