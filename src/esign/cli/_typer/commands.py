"""Every esign command and group: the shared flags, the app context, and one error channel.

Users put output flags after the command (`esign doc info ID --json`), so each command carries
the shared flags itself (like cobra's persistent flags in gh); the root and each group take
them too, before the command name. The last one given wins. `EsignCommand.invoke` builds the
`AppContext` and turns any `EsignError` into one stderr line and its exit code (ARCHITECTURE.md §5);
`EsignRootGroup.main` does the same for click's own usage errors, so every failure a user can
meet goes through `report`.
"""

from __future__ import annotations

import gc
import inspect
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Self, TypeVar

import typer
import typer.main
from typer.core import TyperCommand, TyperGroup

from esign.cli._typer.coercion import install as install_fast_coercion
from esign.cli._typer.flags import shared_flag_params, shared_names
from esign.cli._typer.json_fields import rewrite as spell_json_fields
from esign.cli._typer.private import click, command_builder
from esign.core.config.flags import GlobalFlags

if TYPE_CHECKING:
    # At run time these load only when a command runs: `esign --help` never needs them.
    from esign.core.context import AppContext, ContextOverrides
    from esign.core.errors import EsignError

APP_KEY = "esign.app"
F = TypeVar("F", bound=Callable[..., Any])


class RootState:
    """What the root saw: flags given before the command name, and test overrides."""

    def __init__(self, flags: GlobalFlags, overrides: ContextOverrides | None) -> None:
        self.flags = flags
        self.overrides = overrides


class SharedFlagShadowed(TypeError):
    """A command declares an option a shared flag already has: one of the two would silently
    win, so the command tree refuses to build."""


class EsignCommand(TyperCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        shared = shared_flag_params()
        shared_opts = {opt for p in shared for opt in getattr(p, "opts", [])}
        for param in self.params:
            clash = set(getattr(param, "opts", [])) & shared_opts
            if clash or param.name in shared_names():
                raise SharedFlagShadowed(
                    f"`{self.name}` declares {', '.join(sorted(clash)) or param.name}, "
                    "which is a shared flag: give the command's option another name"
                )
        for param in self.params:
            # Typer 0.29 shows a value's Python type ("--limit <int range>") where click shows
            # a metavar: name it after the option, as the man pages do (`metavar` is click's
            # public attribute; one given explicitly stays).
            takes_value = not (getattr(param, "is_flag", False) or getattr(param, "count", False))
            if param.param_type_name == "option" and takes_value and param.metavar is None:
                param.metavar = str(param.name).upper()
        self.shared_names = shared_names()
        self.params.extend(shared)
        install_fast_coercion(self.params)

    def get_help_option(self, ctx: click.Context) -> Any:
        return _light(super().get_help_option(ctx))

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        parsed: list[str] = super().parse_args(ctx, spell_json_fields(self, ctx, args, group=False))
        return parsed

    def invoke(self, ctx: click.Context) -> Any:
        from esign.core.context import AppContext
        from esign.core.errors import (
            EsignError,
            ExitCode,
            FailuresReported,
            InvalidChoiceError,
            UnexpectedError,
        )

        after = _pop_shared(ctx)
        state = ctx.find_object(RootState)
        before = state.flags if state else GlobalFlags()
        overrides = state.overrides if state else _overrides(ctx.find_root().obj)
        from esign.providers.registry import REGISTRY

        app = AppContext.create(before.merge(after), overrides, REGISTRY)
        ctx.meta[APP_KEY] = app
        try:
            app.output.check()  # a bad --jq or --json FIELDS stops before anything is sent
            return super().invoke(ctx)
        except EsignError as err:
            if isinstance(err, InvalidChoiceError) and err.hint is None:
                err.hint = f"try '{ctx.command_path} --help'"  # as click's own usage errors
            report(app, err)
            raise typer.Exit(int(err.exit_code)) from None
        except FailuresReported as done:
            raise typer.Exit(int(done.code)) from None
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
    """A command group. It takes the shared flags too (`esign doc --json info ID`), with the
    same light coercion as the commands', and its subcommands are built from their Typer
    definitions on first use: building all eight of `doc` costs about 10 ms, and a run needs
    one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params[:0] = shared_flag_params()
        install_fast_coercion(self.params)
        self._order: list[str] = list(self.commands)
        self._deferred: dict[str, Any] = {}
        self._typer_settings: dict[str, Any] = {}

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        parsed: list[str] = super().parse_args(ctx, spell_json_fields(self, ctx, args, group=True))
        return parsed

    def invoke(self, ctx: click.Context) -> Any:
        given = _pop_shared(ctx)
        state = ctx.find_object(RootState)
        if state is None:
            ctx.obj = RootState(flags=given, overrides=_overrides(ctx.obj))
        else:
            state.flags = state.flags.merge(given)
        return super().invoke(ctx)

    @classmethod
    def from_typer(cls, app: typer.Typer) -> Self:
        """The group for `app`, its commands left as definitions until asked for (or, without
        Typer's one-command builder, all built at once)."""
        if command_builder() is None:
            built = typer.main.get_group(app)
            if not isinstance(built, cls):  # pragma: no cover - new_group sets the class
                raise TypeError(f"{app.info.name} is not built as a {cls.__name__}")
            return built
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
        build = command_builder()
        if info is not None and build is not None:
            self.commands[cmd_name] = build(info, **self._typer_settings)
        return self.commands.get(cmd_name)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        # Typer suggests from the commands already built; here that is not all of them, so
        # the suggestion is made again from every name.
        try:
            resolved: tuple[str | None, click.Command | None, list[str]]
            resolved = super().resolve_command(ctx, args)
            return resolved
        except click.UsageError as err:
            if args:
                from difflib import get_close_matches

                message = str(err.message).split(". Did you mean")[0].rstrip(".")
                matches = get_close_matches(args[0], self.list_commands(ctx))
                if matches:
                    names = ", ".join(repr(name) for name in matches)
                    message = f"{message}. Did you mean {names}?"
                err.message = message
            raise

    def get_help_option(self, ctx: click.Context) -> Any:
        return _light(super().get_help_option(ctx))


class EsignRootGroup(EsignGroup):
    """The root: the shared flags are its own parameters (the same objects every command
    carries), and command groups are listed from `esign.cli.groups` and imported on first
    use."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.help and "{providers}" in self.help:
            # From the registry, so that a provider added there is named here too. Plug-ins
            # are not looked up for this: that would read every package's metadata on --help.
            from esign.providers.builtin import builtin_titles

            titles = ", ".join(builtin_titles())
            self.help = self.help.replace(
                "{providers}", f"{titles}; plug-ins: esign help providers"
            )

    def invoke(self, ctx: click.Context) -> Any:
        if not gc.isenabled():  # paused for start-up by the entry point (esign.cli.main)
            # What start-up built lives until exit: out of the collector's sight from here.
            gc.freeze()
            gc.enable()
        return super().invoke(ctx)

    def main(self, args: Sequence[str] | None = None, *extra: Any, **kwargs: Any) -> Any:
        """click's main, with its own usage errors turned into esign's error contract: one
        `error:` line with a hint (and the JSON object under --json), exit 2."""
        standalone = kwargs.pop("standalone_mode", True)
        argv = list(sys.argv[1:] if args is None else args)
        kwargs["standalone_mode"] = False
        try:
            # Without standalone mode, click hands back an Exit's code instead of raising it.
            returned = super().main(argv, *extra, **kwargs)
            code = returned if isinstance(returned, int) else 0
        except click.Exit as stop:
            code = stop.exit_code
        except click.NoArgsIsHelpError as shown:
            shown.show()
            code = 0
        except click.UsageError as err:
            code = _report_usage(err, argv, kwargs.get("obj"), self)
        except click.ClickException as err:
            err.show()
            code = err.exit_code
        except click.Abort:
            sys.stderr.write("\nerror: interrupted\n")
            code = 130
        if standalone:
            sys.exit(code)
        return code

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
            deferred = self._deferred.get(name)
            if deferred is not None:  # no build either: the summary is the docstring's
                doc = inspect.getdoc(deferred.callback) or ""
                rows.append((name, doc.split("\n")[0]))
                continue
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(formatter.width)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _pop_shared(ctx: click.Context) -> GlobalFlags:
    """The shared flags given at this level, taken out of the values the function gets."""
    return GlobalFlags.from_values({name: ctx.params.pop(name, None) for name in shared_names()})


def _report_usage(err: Any, argv: list[str], obj: Any, root: Any) -> int:
    """A usage error found while parsing, before any command ran: reported like every error,
    with a hint naming the help of the command it concerns."""
    from esign.core.context import AppContext
    from esign.core.errors import UsageError

    flags = GlobalFlags(json="--json" in argv, debug="--debug" in argv)
    from esign.providers.registry import REGISTRY

    app = AppContext.create(flags, _overrides(obj), REGISTRY)
    path = err.ctx.command_path if err.ctx is not None else _path_in(root, argv)
    message = err.format_message().rstrip(".") if hasattr(err, "format_message") else str(err)
    report(app, UsageError(message[:1].lower() + message[1:], hint=f"try '{path} --help'"))
    return 2


def _path_in(root: Any, argv: list[str]) -> str:
    """The command `argv` names, for an error raised with no context (an option missing its
    value): `esign doc list`, as far as the words go."""
    ctx = click.Context(root, info_name="esign")
    command, path = root, ["esign"]
    for word in argv:
        if word == "--" or not hasattr(command, "get_command"):
            break
        if word.startswith("-"):
            continue
        found = command.get_command(ctx, word)
        if found is None:
            continue  # an option's value, most likely
        ctx = click.Context(found, info_name=word, parent=ctx)
        command, path = found, [*path, word]
    return " ".join(path)


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
        from esign.core.output.terminal import for_terminal

        # A provider's words reach the traceback through the exception's message.
        lines = scrub(traceback.format_exc(), secrets).splitlines()
        app.streams.stderr.write("".join(for_terminal(line) + "\n" for line in lines))
    err.message = scrub(err.message, secrets)
    if err.provider_message:
        err.provider_message = scrub(err.provider_message, secrets)
    app.output.error(err)


def app_context() -> AppContext:
    from esign.core.context import AppContext

    ctx = click.get_current_context()
    app = ctx.meta.get(APP_KEY)
    if not isinstance(app, AppContext):  # pragma: no cover - a command without EsignCommand
        print("internal error: command has no app context", file=sys.stderr)
        raise typer.Exit(1)
    return app


def subcommand_names(within: click.Context, words: Sequence[str]) -> list[str]:
    """The visible commands of the group `words` names (none: the root's), from any context
    of this run (TAB has no current one); [] for a command that is not a group, or no such
    thing."""
    ctx = within.find_root()
    command: Any = ctx.command
    for word in words:
        found = command.get_command(ctx, word) if hasattr(command, "get_command") else None
        if found is None:
            return []
        ctx = click.Context(found, info_name=word, parent=ctx)
        command = found
    if not hasattr(command, "list_commands"):
        return []
    return [
        name
        for name in command.list_commands(ctx)
        if not getattr(command.get_command(ctx, name), "hidden", False)
    ]


def command_help(words: Sequence[str]) -> str | None:
    """The help of the command `words` names (`["doc", "download"]`; none: the root's), as
    its own --help prints it, or None when there is no such command."""
    ctx = click.get_current_context().find_root()
    command: Any = ctx.command
    for word in words:
        if not hasattr(command, "get_command"):
            return None
        found = command.get_command(ctx, word)
        if found is None or getattr(found, "hidden", False):
            return None
        ctx = click.Context(found, info_name=word, parent=ctx)
        command = found
    text: str = command.get_help(ctx)
    return text


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
