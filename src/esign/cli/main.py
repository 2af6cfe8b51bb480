"""The `esign` entry point. Kept tiny: `esign --version` answers before Typer is imported."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args in (["--version"], ["-V"]):
        from esign import __version__

        sys.stdout.write(f"esign {__version__}\n")
        return 0
    import gc
    import os

    # Start-up imports some 250 modules and builds the command tree: nearly all of it lives
    # until exit, so the cyclic collector's passes over it (about 60) are wasted. It is paused
    # here and resumed, with everything built so far frozen out of its sight, when the
    # command starts (EsignRootGroup.invoke): `doc info` takes about 15% less time.
    gc.disable()
    if "_ESIGN_COMPLETE" in os.environ:
        # Typer registers its shell classes only when it adds its own completion options,
        # which esign replaces with `esign completion SHELL`.
        from esign.cli._typer import register_shell_classes

        register_shell_classes()
    from esign.core import signals

    signals.install()
    from esign.cli.app import root_command

    try:
        root_command().main(args=args, prog_name="esign")
    except SystemExit as done:
        # Typer turns a stop before the command ran (while parsing) into exit 130 whatever
        # the signal was.
        stopped = signals.received()
        if stopped is not None and done.code == 130:
            raise SystemExit(128 + stopped) from None
        raise
    return 0
