"""Argument parsing and dispatch for ``controldeck``; exit 0 ok, 2 bad usage/config, 1 failure."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from core.cli import (
    alarm_cmds,
    analytics_cmds,
    anomaly_cmds,
    data_cmds,
    energy_cmds,
    report_cmds,
    run_cmds,
    security_cmds,
)
from core.config import ConfigError
from core.importer import CsvImportError
from core.runtime import DriverFactory
from core.security.prompt import PasswordInputError
from core.security.secrets import install_redaction
from core.store.database import StoreError

log = logging.getLogger(__name__)
EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad command-line usage (exit 2)."""


class _Parser(argparse.ArgumentParser):
    """argparse with one clear line on stderr instead of the usage dump."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def build_parser(extra: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The full parser; ``extra`` names commands the entry point adds (help text only)."""
    parser = _Parser(prog="controldeck", description="ControlDeck HMI/SCADA")
    parser.add_argument(
        "--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"]
    )
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")
    run_cmds.add_parsers(sub)
    data_cmds.add_parsers(sub)
    alarm_cmds.add_parsers(sub)
    security_cmds.add_parsers(sub)
    energy_cmds.add_parsers(sub)
    analytics_cmds.add_parsers(sub)
    anomaly_cmds.add_parsers(sub)
    report_cmds.add_parsers(sub)
    for name in extra:
        sub.add_parser(name, help=f"see 'controldeck {name} --help'", add_help=False)
    return parser


def configure_logging(level: str) -> None:
    """Structured-enough log lines on stderr."""
    logging.basicConfig(
        level=getattr(logging, level),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        stream=sys.stderr,
        force=True,
    )
    install_redaction()
    quiet = logging.WARNING if level != "DEBUG" else logging.DEBUG
    for noisy in ("alembic", "asyncua", "pymodbus", "amqtt", "transitions"):
        logging.getLogger(noisy).setLevel(quiet)


def main(argv: Sequence[str] | None = None, *, driver_factory: DriverFactory | None = None) -> int:
    """Run one command; returns the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(args_list)
        if args.command is None:
            raise UsageError("controldeck: a command is required (see controldeck --help)")
        configure_logging(args.log_level)
        handler: Callable[..., int] = args.handler
        return handler(args, driver_factory=driver_factory)
    except UsageError as exc:
        return _fail(str(exc), EXIT_USAGE)
    except (ConfigError, CsvImportError, PasswordInputError) as exc:
        return _fail(f"controldeck: {exc}", EXIT_USAGE)
    except StoreError as exc:
        return _fail(f"controldeck: {exc}", EXIT_FAILURE)
    except KeyboardInterrupt:
        return _fail("controldeck: interrupted", EXIT_FAILURE)
    except Exception as exc:
        log.debug("command failed", exc_info=True)
        return _fail(f"controldeck: {type(exc).__name__}: {exc}", EXIT_FAILURE)


def _fail(message: str, code: int) -> int:
    sys.stderr.write(message.splitlines()[0] + "\n")
    return code
