"""The application's own log: structured (one JSON object per line), rotating, in the user log dir.

:func:`setup_logging` installs the handler on the root logger (once per file);
:func:`read_log` reads the newest entries back for the Diagnostics view (run it in a worker).
"""

from __future__ import annotations

import json
import logging
import logging.handlers
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from core.config import user_log_dir

LOG_FILE_NAME = "controldeck.log"
MAX_BYTES = 2 * 1024 * 1024
BACKUP_COUNT = 5
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
NOISY_LOGGERS = ("alembic", "asyncua", "pymodbus", "amqtt", "transitions")
"""Third-party loggers that chatter at INFO (asyncua logs every publish): WARNING and up only."""


class JsonLineFormatter(logging.Formatter):
    """``{"ts": ISO-8601 UTC, "level", "logger", "thread", "msg"[, "exc"]}`` per line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "thread": record.threadName,
            "msg": record.getMessage(),
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(
    log_dir: Path | None = None,
    level: int = logging.INFO,
    *,
    max_bytes: int = MAX_BYTES,
    backup_count: int = BACKUP_COUNT,
) -> logging.Handler:
    """Log to ``<log_dir>/controldeck.log`` (rotating); returns the handler (existing one if set)."""
    directory = log_dir or user_log_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = (directory / LOG_FILE_NAME).resolve()
    root = logging.getLogger()
    for handler in root.handlers:
        if (
            isinstance(handler, logging.handlers.RotatingFileHandler)
            and Path(handler.baseFilename) == path
        ):
            return handler
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=max_bytes, backupCount=backup_count, encoding="utf-8"
    )
    handler.setFormatter(JsonLineFormatter())
    handler.setLevel(level)
    root.addHandler(handler)
    if root.level > level or root.level == logging.NOTSET:
        root.setLevel(level)
    if level > logging.DEBUG:
        for name in NOISY_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)
    return handler


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One line of the application log."""

    ts: str
    level: str
    logger: str
    thread: str
    message: str
    exception: str = ""

    @property
    def level_rank(self) -> int:
        """0 (DEBUG) to 4 (CRITICAL); unknown levels rank as INFO."""
        return LEVELS.index(self.level) if self.level in LEVELS else 1


def parse_line(line: str) -> LogEntry:
    """A log line as an entry; lines that are not JSON are kept as INFO text."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError:
        return LogEntry("", "INFO", "", "", line.rstrip("\n"))
    if not isinstance(data, dict):
        return LogEntry("", "INFO", "", "", line.rstrip("\n"))
    return LogEntry(
        ts=str(data.get("ts", "")),
        level=str(data.get("level", "INFO")),
        logger=str(data.get("logger", "")),
        thread=str(data.get("thread", "")),
        message=str(data.get("msg", "")),
        exception=str(data.get("exc", "")),
    )


def log_files(log_dir: Path | None = None) -> list[Path]:
    """The log file and its rotated backups, oldest first."""
    directory = log_dir or user_log_dir()
    base = directory / LOG_FILE_NAME
    backups = sorted(
        directory.glob(f"{LOG_FILE_NAME}.*"),
        key=lambda p: int(p.suffix[1:]) if p.suffix[1:].isdigit() else 0,
        reverse=True,
    )
    return [*backups, base] if base.exists() else backups


def read_log(log_dir: Path | None = None, limit: int = 5000) -> list[LogEntry]:
    """The newest ``limit`` entries over the rotated files, oldest first."""
    newest: deque[LogEntry] = deque(maxlen=limit)
    for path in log_files(log_dir):
        try:
            with path.open(encoding="utf-8", errors="replace") as handle:
                for line in handle:
                    if line.strip():
                        newest.append(parse_line(line))
        except OSError as exc:
            newest.append(LogEntry("", "WARNING", __name__, "", f"cannot read {path}: {exc}"))
    return list(newest)
