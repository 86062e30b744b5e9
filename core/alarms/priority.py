"""Alarm priority (ISA-18.2 / EEMUA 191: a few levels, most alarms low)."""

from __future__ import annotations

from enum import StrEnum


class Priority(StrEnum):
    """Alarm priority; :attr:`rank` orders them (critical highest)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """1 (low) to 4 (critical)."""
        return _RANKS[self]

    @classmethod
    def rank_of(cls, text: str) -> int:
        """The rank of a priority given as text; 0 for an unknown one."""
        try:
            return cls(text).rank
        except ValueError:
            return 0


_RANKS = {Priority.LOW: 1, Priority.MEDIUM: 2, Priority.HIGH: 3, Priority.CRITICAL: 4}
