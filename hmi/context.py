"""What every view is given: the running plant, the bridge, workers, clock, user and navigation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QSettings, Signal

from core.config import PlantConfig
from core.tags import TagInfo, TagRegistry
from hmi.bridge import LiveBridge
from hmi.formatting import PlantClock
from hmi.models.alarm_model import AlarmSource
from hmi.operator import OperatorSession
from hmi.theme import LIGHT, Palette
from hmi.workers import WorkerPool


class Navigator(QObject):
    """Requests any view may make of the main window (two clicks to anywhere)."""

    show_view = Signal(str)
    """Bring a view to front by name (``overview``, ``trends``, ``alarms``...)."""
    trend_tag = Signal(str)
    """"Trend this": add a pen for the tag and show the trends."""
    show_device = Signal(str)
    """Open the faceplate of a device."""
    show_area = Signal(str)
    """Show the devices of an area (level 2)."""
    alarms_acted = Signal()
    """An operator action changed alarm states (views refresh at once)."""
    login_requested = Signal()
    """An action needs a logged-on user: open the log-on dialog."""


@dataclass(slots=True)
class HmiContext:
    """The running plant as the views see it."""

    config: PlantConfig
    collector: Any
    alarms: AlarmSource
    bridge: LiveBridge
    workers: WorkerPool
    settings: QSettings
    operator: OperatorSession
    nav: Navigator = field(default_factory=Navigator)
    clock: PlantClock = field(default_factory=PlantClock)
    palette: Palette = LIGHT
    touch: bool = False

    @property
    def user(self) -> str:
        """The logged-on user ('' when nobody is)."""
        return self.operator.username

    @property
    def security(self) -> Any:
        """The plant's security services (audit, authorizer, safe writes)."""
        return self.collector.security

    def require_login(self) -> bool:
        """True when someone is logged on; otherwise asks for a log-on and returns False."""
        if self.operator.logged_on:
            return True
        self.nav.login_requested.emit()
        return False

    @property
    def registry(self) -> TagRegistry:
        """The tag registry of the historian."""
        registry: TagRegistry = self.collector.historian.registry
        return registry

    @property
    def historian(self) -> Any:
        """The historian (history queries run in workers)."""
        return self.collector.historian

    def tag(self, name_or_id: str | int) -> TagInfo | None:
        """Tag metadata by name or id."""
        return self.registry.get(name_or_id)

    def area_of(self, tag: TagInfo) -> str:
        """The area of a tag's device ('' when none is configured)."""
        return self.registry.area_of(tag)
