"""`--json FIELDS` beside a plain `--json` switch.

gh's `--json id,status` selects fields, while esign's plain `--json` has always been a switch
(`esign doc --json info ID`, `esign doc info --json ID`). click cannot parse an option whose
value is optional without swallowing the next word (`info`, or the ID), so the spelling is
decided here, where the command's own options are known: the word after `--json` is FIELDS
only when it reads as field names (lowercase, comma-separated) and cannot be what the command
needs next (a group's subcommand, a command's missing argument). `--json=FIELDS` always is.
Both become `--json --json-fields=FIELDS` before click parses.
"""

from __future__ import annotations

import re
from typing import Any

FIELD_LIST = re.compile(r"[a-z_][a-z0-9_]*(?:,[a-z_][a-z0-9_]*)*\Z")


def rewrite(command: Any, ctx: Any, args: list[str], *, group: bool) -> list[str]:
    """`args` with every `--json FIELDS` / `--json=FIELDS` spelled for click."""
    if not any(arg == "--json" or arg.startswith("--json=") for arg in args):
        return args  # the common case costs one scan
    params = command.get_params(ctx)
    takes_value = {
        opt: not (getattr(param, "is_flag", False) or getattr(param, "count", False))
        for param in params
        if param.param_type_name == "option"
        for opt in (*param.opts, *param.secondary_opts)
    }
    arguments = [p for p in params if p.param_type_name == "argument"]
    needed = sum(1 for p in arguments if p.required)
    # A command that takes any number of words (`esign api [METHOD] PATH`) cannot tell a
    # field list from its own next word by looking ahead: there the word after --json is
    # FIELDS only once its required words are given (or when it is a comma list).
    open_ended = any(getattr(p, "nargs", 1) == -1 for p in arguments)
    names = set(command.list_commands(ctx)) if group else set()
    out: list[str] = []
    positionals = 0
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if arg == "--":
            out.extend(args[index - 1 :])
            break
        if arg.startswith("--json="):
            out += ["--json", "--json-fields=" + arg.removeprefix("--json=")]
            continue
        if arg == "--json":
            out.append(arg)
            following = args[index] if index < len(args) else None
            still_needed = needed - positionals
            if following is not None and _are_fields(
                following,
                group=group,
                names=names,
                # `doc info --json status ID`: the ID comes after, so `status` is fields.
                missing=still_needed > 0
                if open_ended
                else still_needed > _positionals(args[index + 1 :], takes_value),
            ):
                out.append("--json-fields=" + following)
                index += 1
            continue
        out.append(arg)
        if arg.startswith("--"):
            if "=" not in arg and takes_value.get(arg) and index < len(args):
                out.append(args[index])  # the option's value, whatever it looks like
                index += 1
        elif arg.startswith("-") and arg != "-":
            # A cluster of short options (-qo FILE): a value-taking one ends it.
            for position, letter in enumerate(arg[1:], start=2):
                if takes_value.get("-" + letter):
                    if position == len(arg) and index < len(args):
                        out.append(args[index])
                        index += 1
                    break
        elif group:
            out.extend(args[index:])  # the subcommand and everything after it are its own
            break
        else:
            positionals += 1
    return out


def _positionals(args: list[str], takes_value: dict[str, bool]) -> int:
    """How many of `args` are positional words (option values skipped)."""
    count = 0
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if arg == "--":
            return count + len(args) - index
        if arg.startswith("--"):
            if "=" not in arg and takes_value.get(arg):
                index += 1
        elif arg.startswith("-") and arg != "-":
            if takes_value.get("-" + arg[-1]):
                index += 1
        else:
            count += 1
    return count


def _are_fields(word: str, *, group: bool, names: set[str], missing: bool) -> bool:
    if not FIELD_LIST.match(word):
        return False
    if group:
        return word not in names
    # A single word where the command still needs an argument is that argument.
    return "," in word or not missing
