"""The `esign` entry point. Kept tiny: `esign --version` answers before Typer is imported."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args in (["--version"], ["-V"]):
        from esign import __version__

        sys.stdout.write(f"esign {__version__}\n")
        return 0
    from esign.cli.app import app

    app(args=args, prog_name="esign")
    return 0
