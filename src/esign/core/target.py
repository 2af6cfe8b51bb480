"""Where a download goes, as `-o` said it (kept light: the CLI builds one while parsing)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Target:
    """What `-o` asked for: stdout, a directory (server's filename), or a file."""

    kind: str  # "stdout" | "dir" | "file"
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
        return cls("file", path)
