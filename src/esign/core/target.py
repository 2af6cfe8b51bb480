"""Where a download goes, as `-o` said it (kept light: the CLI builds one while parsing)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Target:
    """What `-o` asked for: stdout, a directory (server's filename), or a file."""

    kind: str  # "stdout" | "dir" | "file" | "device"
    path: Path | None = None

    @classmethod
    def parse(cls, value: str | None) -> Target:
        if value == "-":
            return cls("stdout")
        if value is None:
            return cls("dir", Path.cwd())
        path = Path(value)
        if value.endswith(("/", os.sep)) or path.is_dir():
            return cls("dir", path)
        if path.exists() and not path.is_file():
            # /dev/null, a FIFO, a socket: written to as it is. A .part file renamed over it
            # would replace the device itself (as root, /dev/null).
            return cls("device", path)
        return cls("file", path)
