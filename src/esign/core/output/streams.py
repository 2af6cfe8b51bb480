"""The process's standard streams and what they are connected to (gh's IOStreams).

Commands never look at `sys.stdout` directly: tests build an `IOStreams` that claims to be a
terminal (or not) and every command is exercised in both modes.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import BinaryIO, TextIO


@dataclass(eq=False, repr=False)  # not a value: start-up skips generating both
class IOStreams:
    stdin: TextIO
    stdout: TextIO
    stderr: TextIO
    stdin_is_tty: bool
    stdout_is_tty: bool
    stderr_is_tty: bool
    color: bool

    @property
    def stdout_binary(self) -> BinaryIO:
        buffer = getattr(self.stdout, "buffer", None)
        if buffer is None:
            raise RuntimeError("stdout has no binary buffer")
        return buffer  # type: ignore[no-any-return]

    @classmethod
    def from_system(
        cls,
        env: Mapping[str, str],
        *,
        force_tty: bool | None = None,
    ) -> IOStreams:
        def is_tty(stream: TextIO) -> bool:
            if force_tty is not None:
                return force_tty
            try:
                return stream.isatty()
            except (AttributeError, ValueError):
                return False

        stdout_tty = is_tty(sys.stdout)
        stderr_tty = is_tty(sys.stderr)
        return cls(
            stdin=sys.stdin,
            stdout=sys.stdout,
            stderr=sys.stderr,
            stdin_is_tty=is_tty(sys.stdin),
            stdout_is_tty=stdout_tty,
            stderr_is_tty=stderr_tty,
            color=color_allowed(env, stdout_tty),
        )


def color_allowed(env: Mapping[str, str], is_tty: bool) -> bool:
    """Colour on a terminal; never with NO_COLOR (any value); forced off a terminal (CI logs
    that render it) by FORCE_COLOR (any value but empty or 0) or CLICOLOR_FORCE (not 0).
    NO_COLOR wins over both: a "no" is the stronger wish. TERM=dumb is no colour unless
    forced."""
    if "NO_COLOR" in env:
        return False
    if env.get("FORCE_COLOR", "") not in ("", "0") or env.get("CLICOLOR_FORCE", "0") != "0":
        return True
    if env.get("TERM") == "dumb":
        return False
    return is_tty


def environ() -> Mapping[str, str]:
    return os.environ
