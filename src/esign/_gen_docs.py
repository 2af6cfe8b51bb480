"""Generate the shell completions (completions/) and man pages (man/) from the command tree.

    python -m esign._gen_docs            # write them into the current directory
    python -m esign._gen_docs --check    # exit 1 if the committed files are out of date

The output is deterministic, so a test compares it with the committed files and a new flag
without regenerated docs fails CI.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Collection
from pathlib import Path
from typing import Any

from esign import __version__
from esign.cli.groups import GROUPS
from esign.docs.topics import ENVIRONMENT, EXIT_CODES, FILES, FORMATTING, PRECEDENCE

MANUAL_DATE = "2026-11-23"  # bump when the manual changes in substance
SHELL_FILES = {"bash": "esign.bash", "zsh": "_esign", "fish": "esign.fish"}


def roff(text: str) -> str:
    """Escape text for roff: backslashes, and control characters at a line start."""
    lines = []
    for line in text.replace("\\", "\\e").split("\n"):
        line = line.rstrip()
        if line.startswith((".", "'")):
            line = "\\&" + line
        lines.append(line)
    return "\n".join(lines)


def _clean_decl(decl: str) -> str:
    decl = re.sub(r" <[^>]+>$", "", decl)  # typer's "<list[str]>" type suffix
    return decl.replace("{", "").replace("}", "")


def _opt_decl(decl: str) -> str:
    """`-o, --out FILE` with the option names bold and the metavar italic."""
    parts = []
    for piece in decl.split(", "):
        name, _, metavar = piece.partition(" ")
        text = "\\fB" + roff(name).replace("-", "\\-") + "\\fR"
        if metavar:
            text += " \\fI" + roff(metavar) + "\\fR"
        parts.append(text)
    return ", ".join(parts)


def _paragraphs(text: str) -> tuple[list[str], list[str]]:
    """A help text's paragraphs, and its `Example:` lines apart."""
    paragraphs, examples = [], []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        plain = []
        for line in lines:
            if line.startswith("Example:"):
                examples.append(line.removeprefix("Example:").strip())
            else:
                plain.append(line)
        if plain:
            paragraphs.append(" ".join(plain))
    return paragraphs, examples


def _usage(command: Any, ctx: Any, path: str) -> str:
    pieces = [p.replace("{", "").replace("}", "") for p in command.collect_usage_pieces(ctx)]
    pieces = [re.sub(r"(\.\.\.\])\.\.\.$", r"\1", p) for p in pieces]
    return " ".join([path, *pieces])


def _records(
    command: Any,
    ctx: Any,
    kind: str,
    *,
    skip: Collection[str] = (),
    only: Collection[str] | None = None,
) -> list[tuple[str, str]]:
    records = []
    for param in command.params:
        if param.param_type_name != kind or param.name in skip:
            continue
        if only is not None and param.name not in only:
            continue
        record = param.get_help_record(ctx)
        if record is None:
            continue
        decl = record[0]
        if kind == "option" and re.search(r" <[^>]+>$", decl):
            # typer shows a type ("<str>") where a metavar belongs: name it after the option.
            decl = re.sub(r" <[^>]+>$", " " + str(param.name).upper(), decl)
        records.append((_clean_decl(decl), record[1] or ""))
    return records


def _definition_list(records: list[tuple[str, str]], *, options: bool) -> list[str]:
    out = []
    for decl, text in records:
        out.append(".TP")
        out.append(_opt_decl(decl) if options else "\\fI" + roff(decl) + "\\fR")
        out.append(roff(text) or "\\&")
    return out


def _common_sections(examples: list[str], see_also: list[str]) -> list[str]:
    out = [".SH ENVIRONMENT"]
    for name, text in ENVIRONMENT:
        out += [".TP", f"\\fB{name}\\fR", roff(text)]
    out += [".PP", roff(PRECEDENCE)]
    out.append(".SH EXIT STATUS")
    for code, text in EXIT_CODES:
        out += [".TP", f"\\fB{code}\\fR", roff(text)]
    out.append(".SH FILES")
    for path, text in FILES:
        out += [".TP", f"\\fI{roff(path)}\\fR", roff(text)]
    out.append(".SH EXAMPLES")
    for example in examples or ["esign --help"]:
        out += [".PP", ".nf", f"$ {roff(example)}", ".fi"]
    out.append(".SH SEE ALSO")
    out.append(",\n".join(f"\\fB{name}\\fR(1)" for name in see_also))
    return out


def _tidy(lines: list[str]) -> str:
    """No paragraph macro right after a heading (roff ignores it; mandoc warns)."""
    out: list[str] = []
    for line in lines:
        if line == ".PP" and out and out[-1].startswith((".SH", ".SS")):
            continue
        out.append(line)
    return "\n".join(out) + "\n"


def _header(name: str, summary: str) -> list[str]:
    return [
        f'.TH "{name.upper()}" "1" "{MANUAL_DATE}" "esign {__version__}" "esign manual"',
        ".SH NAME",
        f"{roff(name)} \\- {roff(summary)}",
    ]


def main_page(root: Any, ctx: Any, shared_skip: set[str]) -> str:
    paragraphs, examples = _paragraphs(root.help or "")
    out = _header("esign", "document e-signature operations across providers")
    out += [".SH SYNOPSIS", "\\fBesign\\fR [\\fIOPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]..."]
    out.append(".SH DESCRIPTION")
    for paragraph in paragraphs:
        out += [".PP", roff(paragraph)]
    out += [".PP", "Output formatting:"]
    for line in FORMATTING:
        out += [".IP \\(bu 2", roff(line)]
    out.append(".SH COMMANDS")
    for name in root.list_commands(ctx):
        command = root.get_command(ctx, name)
        page = f"esign-{name}" if name in GROUPS else "esign"
        summary = (command.short_help or (command.help or "").split("\n")[0]).strip()
        out += [
            ".TP",
            f"\\fBesign {name}\\fR",
            roff(summary) + (f" See \\fB{page}\\fR(1)." if page != "esign" else ""),
        ]
    out.append(".SH OPTIONS")
    out += _definition_list(_records(root, ctx, "option", skip=shared_skip), options=True)
    examples = examples or [
        "esign sandbox demo",
        "esign request create contract.pdf --signer 'Ana <ana@example.com>'",
        "esign doc wait DOC_ID --wait-timeout 30m && esign doc download DOC_ID -o signed.pdf",
    ]
    out += _common_sections(examples, [f"esign-{g}" for g in GROUPS])
    return _tidy(out)


def group_page(name: str, group: Any, ctx: Any) -> str:
    from esign.cli._typer import click

    Context = click.Context
    out = _header(f"esign-{name}", (group.help or name).split("\n")[0].rstrip("."))
    out += [
        ".SH SYNOPSIS",
        f"\\fBesign {name}\\fR \\fICOMMAND\\fR [\\fIOPTIONS\\fR] [\\fIARGS\\fR]...",
    ]
    out += [".SH DESCRIPTION", ".PP", roff(group.help or "")]
    examples: list[str] = []
    shared_records: list[tuple[str, str]] = []
    out.append(".SH OPTIONS")
    out += [
        ".PP",
        "Each command below takes its own options, and the shared options listed "
        "at the end, before or after the command name.",
    ]
    for verb in group.list_commands(ctx):
        command = group.get_command(ctx, verb)
        assert command is not None
        sub = Context(command, info_name=verb, parent=ctx)
        paragraphs, command_examples = _paragraphs(command.help or "")
        examples += command_examples
        out += [f'.SS "{roff(_usage(command, sub, f"esign {name} {verb}"))}"']
        for paragraph in paragraphs:
            out += [".PP", roff(paragraph)]
        shared = set(getattr(command, "shared_names", set()))
        out += _definition_list(_records(command, sub, "argument"), options=False)
        out += _definition_list(_records(command, sub, "option", skip=shared), options=True)
        if not shared_records:
            shared_records = _records(command, sub, "option", only=shared)
    out += [".SS Shared options"]
    out += _definition_list(shared_records, options=True)
    out += _common_sections(examples, ["esign", *(f"esign-{g}" for g in GROUPS if g != name)])
    return _tidy(out)


def generate() -> dict[str, str]:
    """Every generated file, by path relative to the repository root."""
    import typer.main

    from esign.cli._typer import click, completion_script
    from esign.cli._typer.flags import shared_names
    from esign.cli.app import app

    Context = click.Context

    root: Any = typer.main.get_command(app)
    ctx = Context(root, info_name="esign")
    files = {f"completions/{SHELL_FILES[shell]}": completion_script(shell) for shell in SHELL_FILES}
    files["man/esign.1"] = main_page(root, ctx, {"version"} - shared_names())
    for name in GROUPS:
        group = root.get_command(ctx, name)
        files[f"man/esign-{name}.1"] = group_page(
            name, group, Context(group, info_name=name, parent=ctx)
        )
    return files


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for relative, content in generate().items():
        path = Path(relative)
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == content:
            continue
        if check:
            stale.append(relative)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
            print(f"wrote {relative}")
    if stale:
        print("out of date (run python -m esign._gen_docs): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
