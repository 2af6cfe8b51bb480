"""`esign completion SHELL` and `esign help TOPIC`, and the values TAB completes."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from esign.cli._typer import app_context, command, completion_script
from esign.cli.params import argument

SHELLS = ("bash", "zsh", "fish")


def complete_shell(incomplete: str) -> list[str]:
    return [s for s in SHELLS if s.startswith(incomplete)]


def complete_profile(incomplete: str) -> list[str]:
    """Profile names from the config file; nothing at all if it cannot be read."""
    try:
        from esign.core.config.file import load_config

        names = load_config(os.environ).profiles
    except Exception:
        return []
    return sorted(name for name in names if name.startswith(incomplete))


def complete_provider(incomplete: str) -> list[str]:
    from esign.providers.registry import REGISTRY

    return [p for p in REGISTRY.names() if p.startswith(incomplete)]


def complete_topic(incomplete: str) -> list[str]:
    from esign.docs.topics import TOPICS

    return [t for t in TOPICS if t.startswith(incomplete)]


COMPLETION_HELP = """Print the completion script for SHELL (commands, options, values, profiles).

\b
Install it once (the lines create what a fresh account lacks):
\b
  bash, with the bash-completion package installed (apt install bash-completion):
    mkdir -p ~/.local/share/bash-completion/completions
    esign completion bash > ~/.local/share/bash-completion/completions/esign
  bash, without it: add this line to ~/.bashrc
    source <(esign completion bash)
  zsh: a directory of your own on $fpath, before compinit in ~/.zshrc
    mkdir -p ~/.zfunc && esign completion zsh > ~/.zfunc/_esign
    echo 'fpath=(~/.zfunc $fpath); autoload -Uz compinit && compinit' >> ~/.zshrc
  fish:
    mkdir -p ~/.config/fish/completions
    esign completion fish > ~/.config/fish/completions/esign.fish

Then open a new shell.
"""


def register(root: typer.Typer) -> None:
    def completion(
        shell: Annotated[
            str,
            argument(
                metavar="SHELL",
                help="bash, zsh or fish.",
                autocompletion=complete_shell,
            ),
        ],
    ) -> None:
        from esign.cli import choices

        choices.check(shell, SHELLS, "SHELL")
        app_context().streams.stdout.write(completion_script(shell))

    completion.__doc__ = COMPLETION_HELP
    command(root, "completion")(completion)

    @command(root, "help")
    def help_topic(
        words: Annotated[
            list[str] | None,
            argument(
                metavar="[TOPIC | COMMAND...]",
                help="environment, exit-codes, formatting or files; or a command: doc download.",
                autocompletion=complete_help,
            ),
        ] = None,
    ) -> None:
        """Reference topics, and any command's help: esign help doc download.

        `esign help` lists the topics and commands, `esign help TOPIC` prints a topic, and
        `esign help doc download` is `esign doc download --help`."""
        from esign.cli._typer import command_help
        from esign.docs.topics import TOPICS, topic_text

        out = app_context().streams.stdout
        if not words:
            overview = command_help([]) or ""
            out.write(overview.rstrip("\n") + "\n\nHelp topics (esign help TOPIC):\n")
            out.write("".join(f"  {name:<12}  {TOPIC_SUMMARY[name]}\n" for name in TOPICS))
            return
        text = topic_text(words[0]) if len(words) == 1 else None
        if text is None:
            text = command_help(words)
        if text is None:
            raise typer.BadParameter(
                f"no topic or command {' '.join(words)!r}; topics: {', '.join(TOPICS)}; "
                "commands: see `esign help`",
                param_hint="TOPIC",
            )
        out.write(text if text.endswith("\n") else text + "\n")


TOPIC_SUMMARY = {
    "environment": "the ESIGN_* variables and the standard ones esign reads",
    "exit-codes": "what each exit status means",
    "formatting": "tables, JSON, --json FIELDS, --jq, --raw, colour",
    "files": "where the config, secrets and partial downloads live",
    "providers": "every provider, built in or a plug-in, and the secret it uses",
}


def complete_help(ctx: typer.Context, incomplete: str) -> list[str]:
    """`esign help <TAB>`: topics and commands; `esign help doc <TAB>`: doc's commands."""
    from esign.cli._typer import subcommand_names
    from esign.docs.topics import TOPICS

    given = list(ctx.params.get("words") or ())
    names = subcommand_names(ctx, given) if given else [*TOPICS, *subcommand_names(ctx, [])]
    return [n for n in names if n.startswith(incomplete) and n != "help"]
