"""Operator commands handed from one process to the running collector, through the database.

``controldeck alarms ack`` in a terminal must act on the alarm engine of the collector that is
running, not on a copy. The command line posts a row; the collector takes pending rows every
half second, executes them and writes the result; the command line waits for it. A command
nobody took within its lifetime expires and is never executed later (rule 6: no late actions).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Engine,
    Integer,
    String,
    Table,
    Text,
    insert,
    select,
    update,
)

from core.model import NS_PER_S, now_ns
from core.store.schema import metadata

operator_commands = Table(
    "operator_commands",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_ns", BigInteger, nullable=False),
    Column("expires_ns", BigInteger, nullable=False),
    Column("username", String(128), nullable=False),
    Column("station", String(255), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", Text, nullable=False),
    Column("args", Text, nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("result", Text, nullable=False, server_default=""),
    Column("done_ns", BigInteger, nullable=True),
)


@dataclass(frozen=True, slots=True)
class Command:
    """One posted command."""

    id: int
    username: str
    station: str
    action: str
    target: str
    args: dict[str, Any]


class CommandQueue:
    """Post, take, complete and wait for operator commands."""

    def __init__(self, engine: Engine, lifetime_s: float = 15.0) -> None:
        self.engine = engine
        self.lifetime_ns = int(lifetime_s * NS_PER_S)

    def post(self, username: str, station: str, action: str, target: str, **args: Any) -> int:
        """Queue a command; returns its id."""
        now = now_ns()
        row = {
            "created_ns": now, "expires_ns": now + self.lifetime_ns, "username": username,
            "station": station, "action": action, "target": target,
            "args": json.dumps(args), "status": "pending",
        }  # fmt: skip
        with self.engine.begin() as conn:
            key = conn.execute(insert(operator_commands).values(**row)).inserted_primary_key
        assert key is not None
        return int(key[0])

    def take(self) -> list[Command]:
        """Claim every pending, unexpired command (oldest first); expired ones are marked so."""
        now = now_ns()
        pending = operator_commands.c.status == "pending"
        with self.engine.begin() as conn:
            conn.execute(
                update(operator_commands)
                .where(pending, operator_commands.c.expires_ns < now)
                .values(status="expired", done_ns=now)
            )
            rows = conn.execute(
                select(operator_commands).where(pending).order_by(operator_commands.c.id)
            ).all()
            for row in rows:
                conn.execute(
                    update(operator_commands)
                    .where(operator_commands.c.id == row.id)
                    .values(status="running")
                )
        return [
            Command(r.id, r.username, r.station, r.action, r.target, json.loads(r.args))
            for r in rows
        ]

    def complete(self, command_id: int, ok: bool, result: dict[str, Any]) -> None:
        """Record the outcome."""
        with self.engine.begin() as conn:
            conn.execute(
                update(operator_commands)
                .where(operator_commands.c.id == command_id)
                .values(
                    status="done" if ok else "failed",
                    result=json.dumps(result, default=str),
                    done_ns=now_ns(),
                )
            )

    def wait(self, command_id: int, timeout_s: float) -> tuple[str, dict[str, Any]]:
        """Poll until the command is done or failed; after ``timeout_s`` it is expired (if still pending)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            status, result = self._status(command_id)
            if status in ("done", "failed", "expired"):
                return status, result
            time.sleep(0.1)
        with self.engine.begin() as conn:
            conn.execute(
                update(operator_commands)
                .where(
                    operator_commands.c.id == command_id, operator_commands.c.status == "pending"
                )
                .values(status="expired", done_ns=now_ns())
            )
        return self._status(command_id)

    def _status(self, command_id: int) -> tuple[str, dict[str, Any]]:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(operator_commands.c.status, operator_commands.c.result).where(
                    operator_commands.c.id == command_id
                )
            ).one()
        return row.status, json.loads(row.result) if row.result else {}


Handler = Callable[[Command], dict[str, Any]]


def run_pending(queue: CommandQueue, handlers: dict[str, Handler]) -> int:
    """Execute every claimed command with its handler; returns how many ran."""
    commands = queue.take()
    for command in commands:
        handler = handlers.get(command.action)
        try:
            if handler is None:
                raise ValueError(f"unknown action {command.action!r}")
            queue.complete(command.id, True, handler(command))
        except Exception as exc:
            queue.complete(command.id, False, {"error": f"{type(exc).__name__}: {exc}"})
    return len(commands)
