"""Audible annunciation of new alarms, by priority. An operator can silence it, never disable it.

A new unacknowledged alarm starts the horn with the tone of the highest priority waiting; it
repeats (faster for higher priorities) until the operator silences it or nothing waits for
acknowledgement any more. The next new alarm sounds again. Tones play through QSoundEffect
when Qt Multimedia can be loaded (WAV tones generated once into the user cache directory),
otherwise through the system bell (``QApplication.beep``).
"""

from __future__ import annotations

import logging
import math
import struct
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

import platformdirs
from PySide6.QtCore import QObject, QTimer, QUrl, Signal
from PySide6.QtWidgets import QApplication

from core.config import APP_NAME
from hmi.models.alarm_model import AlarmSnapshot

log = logging.getLogger(__name__)

REPEAT_MS = {"critical": 1000, "high": 2000, "medium": 4000, "low": 0}
"""Repeat period of the horn per priority; 0 sounds once."""
TONES = {"critical": (1200, 3), "high": (950, 2), "medium": (750, 1), "low": (600, 1)}
"""Frequency (Hz) and number of pulses of each priority's tone."""
RANKS = {"critical": 4, "high": 3, "medium": 2, "low": 1}

Player = Callable[[str], None]


def write_tone(path: Path, frequency: float, pulses: int, rate: int = 22050) -> None:
    """A short 16-bit mono WAV: ``pulses`` beeps of 120 ms with 80 ms pauses."""
    frames = bytearray()
    for _ in range(pulses):
        for i in range(int(rate * 0.12)):
            sample = 0.4 * math.sin(2 * math.pi * frequency * i / rate)
            frames += struct.pack("<h", int(sample * 32767))
        frames += b"\x00\x00" * int(rate * 0.08)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(frames))


def default_player() -> Player:
    """QSoundEffect tones when Qt Multimedia loads, else the system bell."""
    try:
        from PySide6.QtMultimedia import QSoundEffect
    except ImportError as exc:
        log.info("Qt Multimedia unavailable (%s); alarms sound through the system bell", exc)
        return lambda _priority: QApplication.beep()
    directory = Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)) / "tones"
    directory.mkdir(parents=True, exist_ok=True)
    effects: dict[str, Any] = {}
    for priority, (frequency, pulses) in TONES.items():
        path = directory / f"alarm-{priority}.wav"
        if not path.exists():
            write_tone(path, frequency, pulses)
        effect = QSoundEffect()
        effect.setSource(QUrl.fromLocalFile(str(path)))
        effects[priority] = effect
    return lambda priority: effects[priority].play()


class Annunciator(QObject):
    """Sounds new alarms until silenced."""

    sounding_changed = Signal(bool)

    def __init__(self, player: Player | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._player = player or default_player()
        self._seen: set[tuple[str, int]] = set()
        self._priority = ""
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._sound)
        self.sounding = False
        self.played: list[str] = []
        """Priorities played so far (kept short; for the status line and tests)."""

    def update(self, snapshot: AlarmSnapshot) -> None:
        """Look for newly annunciated alarms; start, retune or stop the horn."""
        waiting = snapshot.unacked()
        keys = {(i.name, i.activated_ns or 0) for i in waiting}
        new = keys - self._seen
        self._seen = keys
        if not waiting:
            self._stop()
            return
        top = max((i.priority for i in waiting), key=lambda p: RANKS.get(p, 0))
        if new or (self.sounding and top != self._priority):
            self._start(top)

    def silence(self) -> None:
        """Stop the horn until the next new alarm (annunciation itself stays on)."""
        if self.sounding:
            log.info("alarm horn silenced")
        self._stop()

    def _start(self, priority: str) -> None:
        self._priority = priority
        self._sound()
        period = REPEAT_MS.get(priority, 0)
        if period:
            self._timer.start(period)
            self._set_sounding(True)
        else:
            self._timer.stop()
            self._set_sounding(False)

    def _stop(self) -> None:
        self._timer.stop()
        self._set_sounding(False)

    def _set_sounding(self, on: bool) -> None:
        if on != self.sounding:
            self.sounding = on
            self.sounding_changed.emit(on)

    def _sound(self) -> None:
        self.played = [*self.played[-49:], self._priority]
        try:
            self._player(self._priority)
        except Exception as exc:
            log.warning("alarm tone failed: %s", exc)
