"""Where a download goes, as `-o` said it (kept light: the CLI builds one while parsing)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

# /dev/stdout, /dev/fd/1, /proc/self/fd/1, /proc/<pid>/fd/1: names of the stream itself.
_FD_LINK = re.compile(r"^/(?:dev/fd|proc/(self|thread-self|\d+)/fd)/(\d+)$")


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
        if match and match.group(1) in (None, "self", "thread-self", str(os.getpid())):
            return int(match.group(2))
        # Another process's descriptor is that process's file: a path like any other.
        if not os.path.islink(path):
            return None
        try:
            link = os.readlink(path)
        except OSError:  # another process's /proc entry: the open then says what is wrong
            return None
        path = os.path.normpath(os.path.join(os.path.dirname(path), link))
    return None


def _own_copy(descriptor: int, value: str) -> int:
    """A copy of the shell's descriptor, checked to be open for writing."""
    import fcntl

    from esign.core.errors import UsageError

    try:
        copy = os.dup(descriptor)
    except OSError:
        raise UsageError(
            f"{value}: descriptor {descriptor} is not open",
            hint=f"open it in the shell (e.g. {descriptor}>>FILE) or give a file",
        ) from None
    if fcntl.fcntl(copy, fcntl.F_GETFL) & os.O_ACCMODE == os.O_RDONLY:
        os.close(copy)
        raise UsageError(
            f"{value}: descriptor {descriptor} is open for reading only",
            hint=f"open it for writing in the shell (e.g. {descriptor}>>FILE)",
        )
    return copy


@dataclass(frozen=True)
class Target:
    """What `-o` asked for: stdout, a directory (server's filename), or a file."""

    kind: str  # "stdout" | "dir" | "file" | "device"
    path: Path | None = None
    # /dev/fd/N and its kin: written to descriptor N as the shell opened it (`3>>log`
    # appends), never reopened by name (which would truncate the file behind it). This is a
    # copy made while parsing, before esign opens anything of its own: later, N could be one
    # of esign's sockets.
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
            return cls("device", Path(value), _own_copy(descriptor, value))
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
