"""Operator alarm actions as queued commands (see :mod:`core.commands`), for any front end."""

from __future__ import annotations

from typing import Any

from core.alarms.actions import ALL_VISIBLE
from core.alarms.engine import AlarmEngine
from core.alarms.states import Transition
from core.commands import Command, Handler


def _summary(transitions: list[Transition]) -> dict[str, Any]:
    return {
        "transitions": [
            {
                "alarm": t.alarm,
                "event": t.event.value,
                "from": t.from_state.value,
                "to": t.to_state.value,
            }
            for t in transitions
        ]
    }


def alarm_handlers(engine: AlarmEngine) -> dict[str, Handler]:
    """Handlers for ``alarm.*`` commands acting on ``engine`` (permission checks included)."""

    def ack(c: Command) -> dict[str, Any]:
        names = ALL_VISIBLE if c.target == "*" else [n for n in c.target.split(",") if n]
        return _summary(engine.acknowledge(names, c.username, c.args.get("comment", "")))

    def shelve(c: Command) -> dict[str, Any]:
        return _summary(
            engine.shelve(c.target, float(c.args["duration_s"]), c.args["reason"], c.username)
        )

    def unshelve(c: Command) -> dict[str, Any]:
        return _summary(engine.unshelve(c.target, c.username, c.args.get("comment", "")))

    def comment(c: Command) -> dict[str, Any]:
        return _summary(engine.comment(c.target, c.username, c.args["text"]))

    def remove(c: Command) -> dict[str, Any]:
        return _summary(engine.remove_from_service(c.target, c.args["reference"], c.username))

    def restore(c: Command) -> dict[str, Any]:
        return _summary(engine.return_to_service(c.target, c.username, c.args.get("comment", "")))

    return {
        "alarm.ack": ack,
        "alarm.shelve": shelve,
        "alarm.unshelve": unshelve,
        "alarm.comment": comment,
        "alarm.out_of_service": remove,
        "alarm.return_to_service": restore,
    }
