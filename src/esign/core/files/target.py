"""Where a download goes, as `-o` said it (kept light: the CLI builds one while parsing)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

# /dev/stdout, /dev/fd/1, /proc/self/fd/1, /proc/<pid>/fd/1: names of the stream itself.
_FD_LINK = re.compile(r"^/(?:dev/fd|proc/(?:self|thread-self|\d+)/fd)/(\d+)$")


def _through_fd_link(value: str) -> int | None:
    """The descriptor a path names when it is, or leads through symlinks to, /dev/stdout,
    /dev/fd/N or /proc/self/fd/N; else None. Such a path is a stream of this process: when
    stdout is redirected to a file it resolves to that file, and renaming a finished download
    over it would replace the link (as root, /dev/stdout itself) instead of writing to it."""
    path = os.path.abspath(value)
    for _ in range(40):  # the kernel's own limit on a chain of links
        if path in ("/dev/stdout", "/dev/stderr", "/dev/stdin"):
            return {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}[path]
        match = _FD_LINK.match(path)
        if match:
            return int(match.group(1))
        if not os.path.islink(path):
            return None
        path = os.path.normpath(os.path.join(os.path.dirname(path), os.readlink(path)))
    return None


@dataclass(frozen=True)
class Target:
    """What `-o` asked for: stdout, a directory (server's filename), or a file."""

    kind: str  # "stdout" | "dir" | "file" | "device"
    path: Path | None = None
    # /dev/fd/N and its kin: written to descriptor N as the shell opened it (`3>>log`
    # appends), never reopened by name (which would truncate the file behind it).
    descriptor: int | None = None

    @classmethod
    def parse(cls, value: str | None) -> Target:
        if value == "-":
            return cls("stdout")
        if value is None:
            return cls("dir", Path.cwd())
        descriptor = _through_fd_link(value)
        if descriptor == 1:
            return cls("stdout")  # the stream, as `-o -`; never the file behind it
        if descriptor is not None:
            return cls("device", Path(value), descriptor)
        path = Path(value)
        # os.path's checks, not Path's: a name too long or unreadable is simply "not there"
        # here, and writing it then fails with its own clear error.
        if value.endswith(("/", os.sep)) or os.path.isdir(path):
            return cls("dir", path)
        if os.path.exists(path) and not os.path.isfile(path):
            # /dev/null, a FIFO, a socket: written to as it is. A .part file renamed over it
            # would replace the device itself (as root, /dev/null).
            return cls("device", path)
        return cls("file", path)
