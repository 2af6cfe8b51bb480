"""Importing httpx without its command-line tool."""

from __future__ import annotations

import sys
import types
from typing import Any


def import_httpx() -> Any:
    """httpx, without its command-line tool: httpx/__init__ imports `httpx._main` whenever
    click and rich are importable (they are: uvicorn and esign need them), which costs about
    50 ms on every esign command. esign never runs httpx's CLI, so a stand-in takes its place."""
    if "httpx" not in sys.modules and "httpx._main" not in sys.modules:
        stand_in = types.ModuleType("httpx._main")

        def main() -> None:
            raise SystemExit("httpx's command-line tool is not available inside esign")

        stand_in.main = main  # type: ignore[attr-defined]
        sys.modules["httpx._main"] = stand_in
    import httpx

    return httpx
