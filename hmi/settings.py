"""Per-workstation settings (QSettings, INI in the user config directory): layout, theme, views.

The file is named after the host, so a roaming profile shared by several consoles keeps one
layout per console. Saved trend views are JSON documents under ``trend_views/``.
"""

from __future__ import annotations

import json
import logging
import socket
from pathlib import Path
from typing import Any

import platformdirs
from PySide6.QtCore import QSettings

from core.config import APP_NAME

log = logging.getLogger(__name__)

TREND_VIEWS_GROUP = "trend_views"


def settings_path() -> Path:
    """``<user config dir>/workstation-<host>.ini``."""
    directory = Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
    return directory / f"workstation-{socket.gethostname()}.ini"


def open_settings(path: Path | None = None) -> QSettings:
    """The settings of this workstation (or of ``path``)."""
    target = path or settings_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    return QSettings(str(target), QSettings.Format.IniFormat)


def read_bool(settings: QSettings, key: str, default: bool = False) -> bool:
    """A boolean setting (INI files store them as text)."""
    value = settings.value(key, default)
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return bool(value)


def read_str_list(settings: QSettings, key: str) -> list[str]:
    """A list-of-strings setting (a single item comes back as a plain string)."""
    value = settings.value(key, [])
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value] if isinstance(value, list | tuple) else []


class TrendViewStore:
    """Named trend views (pens, span, layout) kept in the workstation settings."""

    def __init__(self, settings: QSettings) -> None:
        self._settings = settings

    def names(self) -> list[str]:
        """Saved view names, sorted."""
        self._settings.beginGroup(TREND_VIEWS_GROUP)
        try:
            return sorted(self._settings.childKeys())
        finally:
            self._settings.endGroup()

    def save(self, name: str, spec: dict[str, Any]) -> None:
        """Store (or replace) a view."""
        if not name.strip():
            raise ValueError("a trend view needs a name")
        self._settings.setValue(f"{TREND_VIEWS_GROUP}/{name.strip()}", json.dumps(spec))
        self._settings.sync()

    def load(self, name: str) -> dict[str, Any]:
        """A stored view (KeyError when unknown)."""
        raw = self._settings.value(f"{TREND_VIEWS_GROUP}/{name}")
        if raw is None:
            raise KeyError(name)
        data = json.loads(str(raw))
        if not isinstance(data, dict):
            raise KeyError(name)
        return data

    def delete(self, name: str) -> None:
        """Forget a view."""
        self._settings.remove(f"{TREND_VIEWS_GROUP}/{name}")
