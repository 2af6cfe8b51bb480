"""Every esign command: the shared flags, the app context, and error handling.

Users put output flags after the command (`esign doc info ID --json`), so each command carries
the shared flags itself (like cobra's persistent flags in gh), and the same flags before the
command name are accepted by the root. `EsignCommand.invoke` strips them before Typer calls the
function, builds the `AppContext`, and turns any `EsignError` into one stderr line and its exit
code (DESIGN §5).
"""

from __future__ import annotations

import gc
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self, TypeVar

import typer
import typer.main
from typer import _click as click  # typer 0.29 vendors click; pinned in pyproject
from typer._click.exceptions import UsageError
from typer._click.globals import get_current_context
from typer.core import TyperCommand, TyperGroup

from esign.cli.fastparams import install as install_fast_coercion
from esign.cli.shared_flags import (
    SHARED_NAMES,
    OutputFormat,
    shared_flag_params,
)

if TYPE_CHECKING:
    # At run time these load only when a command runs: `esign --help` never needs them.
    from esign.core.context import AppContext, ContextOverrides
    from esign.core.errors import EsignError
    from esign.core.settings import GlobalFlags

APP_KEY = "esign.app"
F = TypeVar("F", bound=Callable[..., Any])


def flags_from(values: dict[str, Any]) -> GlobalFlags:
    from esign.core.settings import GlobalFlags

    output = values.get("output")
    if isinstance(output, OutputFormat):
        output = output.value
    if values.get("json_output"):
        output = "json"
    return GlobalFlags(
        output=output,
        raw=bool(values.get("raw")),
        debug=bool(values.get("debug")),
        quiet=bool(values.get("quiet")),
        profile=values.get("profile"),
        no_input=bool(values.get("no_input")),
        timeout=values.get("timeout"),
        max_attempts=values.get("max_attempts"),
    )


@dataclass(eq=False, repr=False)  # not a value: start-up skips generating both
class RootState:
    """What the root saw: flags given before the command name, and test overrides."""

    flags: GlobalFlags
    overrides: ContextOverrides | None


class EsignCommand(TyperCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A command's own option wins over a shared flag of the same name (`doc wait
        # --timeout 10m` is the wait's timeout); the shared one still works before the command.
        own = {opt for param in self.params for opt in getattr(param, "opts", [])}
        own_names = {param.name for param in self.params}
        shared = [
            p
            for p in shared_flag_params()
            if not own & set(getattr(p, "opts", [])) and p.name not in own_names
        ]
        self.shared_names = {p.name for p in shared}
        self.params.extend(shared)
        install_fast_coercion(self.params)

    def get_help_option(self, ctx: click.Context) -> Any:
        return _light(super().get_help_option(ctx))

    def invoke(self, ctx: click.Context) -> Any:
        if not gc.isenabled():  # paused for start-up by the entry point (esign.cli.main)
            gc.freeze()
            gc.enable()
        from esign.core.context import AppContext
        from esign.core.errors import EsignError, ExitCode, UnexpectedError
        from esign.core.settings import GlobalFlags

        after = flags_from(
            {name: ctx.params.pop(name, None) for name in SHARED_NAMES if name in self.shared_names}
        )
        state = ctx.find_object(RootState)
        before = state.flags if state else GlobalFlags()
        overrides = state.overrides if state else _overrides(ctx.find_root().obj)
        app = AppContext.create(before.merge(after), overrides)
        ctx.meta[APP_KEY] = app
        try:
            return super().invoke(ctx)
        except EsignError as err:
            report(app, err)
            raise typer.Exit(int(err.exit_code)) from None
        except KeyboardInterrupt as stop:  # Ctrl-C, and SIGTERM/SIGHUP (esign.core.signals)
            from esign.core import signals

            app.streams.stderr.write(f"\n{signals.describe(stop)}\n")
            raise typer.Exit(signals.exit_code(stop)) from None
        except (typer.Exit, typer.Abort, click.ClickException):
            raise
        except BrokenPipeError:
            # `esign doc list | head`: the reader left; that is not our failure.
            raise typer.Exit(0) from None
        except Exception as exc:
            failure = UnexpectedError(
                f"unexpected failure: {type(exc).__name__}: {exc}",
                hint=None if app.debug else "run again with --debug for details",
            )
            report(app, failure)
            raise typer.Exit(int(ExitCode.UNEXPECTED)) from None
        finally:
            app.close()


class EsignGroup(TyperGroup):
    """A command group. Its own parameters (the root's shared flags) get the same light
    coercion as the commands', and its subcommands are built from their Typer definitions on
    first use: building all eight of `doc` costs about 10 ms, and a run needs one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        install_fast_coercion(self.params)
        self._order: list[str] = list(self.commands)
        self._deferred: dict[str, Any] = {}
        self._typer_settings: dict[str, Any] = {}

    @classmethod
    def from_typer(cls, app: typer.Typer) -> Self:
        """The group for `app`, its commands left as definitions until asked for."""
        registered = app.registered_commands
        app.registered_commands = []
        try:
            group = typer.main.get_group(app)
        finally:
            app.registered_commands = registered
        if not isinstance(group, cls):  # pragma: no cover - new_group sets the class
            raise TypeError(f"{app.info.name} is not built as a {cls.__name__}")
        for info in registered:
            name = info.name or typer.main.get_command_name(getattr(info.callback, "__name__", ""))
            group._deferred[name] = info
            group._order.append(name)
        group._typer_settings = {
            "pretty_exceptions_short": app.pretty_exceptions_short,
            "rich_markup_mode": app.rich_markup_mode,
        }
        return group

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*self._order, *(name for name in self.commands if name not in self._order)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        info = self._deferred.pop(cmd_name, None)
        if info is not None:
            self.commands[cmd_name] = typer.main.get_command_from_info(info, **self._typer_settings)
        return self.commands.get(cmd_name)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        # Typer suggests from the commands already built; here that is not all of them.
        try:
            return self._click_resolve_command(ctx, args)
        except UsageError as err:
            if args:
                from difflib import get_close_matches

                matches = get_close_matches(args[0], self.list_commands(ctx))
                if matches:
                    names = ", ".join(repr(name) for name in matches)
                    err.message = f"{err.message.rstrip('.')}. Did you mean {names}?"
            raise

    def get_help_option(self, ctx: click.Context) -> Any:
        return _light(super().get_help_option(ctx))


class EsignRootGroup(EsignGroup):
    """The root: the shared flags are its own parameters (the same objects every command
    carries), and command groups are listed from `esign.cli.groups` and imported on first
    use."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params[:0] = shared_flag_params()

    def invoke(self, ctx: click.Context) -> Any:
        # The shared flags given before the command name, kept for EsignCommand to merge with
        # those after it; the Typer callback (--version) sees only its own parameters.
        flags = flags_from({name: ctx.params.pop(name, None) for name in SHARED_NAMES})
        ctx.obj = RootState(flags=flags, overrides=_overrides(ctx.obj))
        return super().invoke(ctx)

    def list_commands(self, ctx: click.Context) -> list[str]:
        from esign.cli.groups import GROUPS

        return [*GROUPS, *(name for name in super().list_commands(ctx) if name not in GROUPS)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        from esign.cli.groups import GROUPS

        if cmd_name not in self.commands and cmd_name in GROUPS:
            import importlib

            module = importlib.import_module(GROUPS[cmd_name][0])
            self.commands[cmd_name] = EsignGroup.from_typer(module.app)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from esign.cli.groups import GROUPS

        rows = []
        for name in self.list_commands(ctx):
            if name in GROUPS and name not in self.commands:
                rows.append((name, GROUPS[name][1]))  # no import just to print a summary
                continue
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(formatter.width)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _light(option: Any) -> Any:
    """The --help option is made per context; it too skips pydantic."""
    if option is not None:
        install_fast_coercion([option])
    return option


def _overrides(obj: Any) -> ContextOverrides | None:
    from esign.core.context import ContextOverrides

    return obj if isinstance(obj, ContextOverrides) else None


def report(app: AppContext, err: EsignError) -> None:
    """One line on stderr (plus JSON with --json); a traceback only with --debug."""
    from esign.core.redact import scrub

    secrets = app.known_secrets()
    if app.debug:
        app.streams.stderr.write(scrub(traceback.format_exc(), secrets))
    err.message = scrub(err.message, secrets)
    if err.provider_message:
        err.provider_message = scrub(err.provider_message, secrets)
    app.output.error(err)


def app_context() -> AppContext:
    from esign.core.context import AppContext

    ctx = get_current_context()
    app = ctx.meta.get(APP_KEY)
    if not isinstance(app, AppContext):  # pragma: no cover - a command without EsignCommand
        print("internal error: command has no app context", file=sys.stderr)
        raise typer.Exit(1)
    return app


def new_group(name: str) -> typer.Typer:
    """A command group's Typer, with the root's settings: built on its own (lazily), it would
    otherwise format help with rich (70 ms of imports) and show locals in tracebacks."""
    from esign.cli.groups import group_help

    return typer.Typer(
        name=name,
        cls=EsignGroup,
        help=group_help(name),
        no_args_is_help=True,
        add_completion=False,
        rich_markup_mode=None,
        pretty_exceptions_show_locals=False,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    )


def command(group: typer.Typer, name: str, **kwargs: Any) -> Callable[[F], F]:
    """`@command(app, "info")`: a Typer command with esign's shared flags and error handling."""
    decorator: Callable[[F], F] = group.command(name, cls=EsignCommand, **kwargs)
    return decorator
