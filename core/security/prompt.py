"""Reading passwords for command-line tools: a TTY prompt, or lines on standard input.

Never from the command line (argv is visible to every user of the machine). With
``--password-stdin`` each password asked for is one line of standard input, in the order the
command asks (e.g. the acting administrator's password, then the new password).
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from typing import TextIO


class PasswordInputError(ValueError):
    """No password could be read (no terminal, end of input, confirmation mismatch)."""


class PasswordSource:
    """Where a command reads passwords from."""

    def __init__(
        self,
        from_stdin: bool,
        *,
        stdin: TextIO | None = None,
        prompt: Callable[[str], str] = getpass.getpass,
    ) -> None:
        self._from_stdin = from_stdin
        self._stdin = stdin if stdin is not None else sys.stdin
        self._prompt = prompt

    def read(self, label: str, *, confirm: bool = False) -> str:
        """One password; on a terminal a new one is asked twice when ``confirm``."""
        if self._from_stdin:
            line = self._stdin.readline()
            if not line:
                raise PasswordInputError(f"standard input ended before: {label}")
            return line.rstrip("\r\n")
        if not self._stdin.isatty():
            raise PasswordInputError(
                "no terminal to ask for a password; pipe it with --password-stdin"
            )
        first = self._prompt(f"{label}: ")
        if confirm and self._prompt(f"{label} (again): ") != first:
            raise PasswordInputError("the two passwords differ")
        return first
