"""`esign completion SHELL` and `esign help TOPIC`, and the values TAB completes."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from esign.cli._typer import app_context, command, completion_script

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


def register(root: typer.Typer) -> None:
    @command(root, "completion")
    def completion(
        shell: Annotated[
            str,
            typer.Argument(
                metavar="SHELL",
                help="bash, zsh or fish.",
                show_default=False,
                autocompletion=complete_shell,
            ),
        ],
    ) -> None:
        """Print the completion script for SHELL.

        bash: esign completion bash > ~/.local/share/bash-completion/completions/esign
        zsh:  esign completion zsh > "${fpath[1]}/_esign"
        fish: esign completion fish > ~/.config/fish/completions/esign.fish
        """
        if shell not in SHELLS:
            raise typer.BadParameter(f"{shell!r} is not bash, zsh or fish", param_hint="SHELL")
        app_context().streams.stdout.write(completion_script(shell))

    @command(root, "help")
    def help_topic(
        topic: Annotated[
            str,
            typer.Argument(
                metavar="TOPIC",
                help="environment, exit-codes, formatting or files.",
                show_default=False,
                autocompletion=complete_topic,
            ),
        ],
    ) -> None:
        """Reference topics: environment variables, exit codes, output formatting, files."""
        from esign.docs.topics import TOPICS, topic_text

        text = topic_text(topic)
        if text is None:
            raise typer.BadParameter(f"no topic {topic!r}; topics: {', '.join(TOPICS)}")
        app_context().streams.stdout.write(text)
