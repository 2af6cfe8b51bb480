"""`esign api [METHOD] PATH`: an authenticated request to any endpoint (esign.ops.api).

No `from __future__ import annotations`: Typer reads these signatures at start-up, and real
annotation objects spare it evaluating each one from a string.
"""

from typing import Annotated

import typer

from esign.cli._typer import app_context, command
from esign.cli.params import argument, option

HELP = """Send an authenticated request to the profile's provider and print the answer.

\b
For every endpoint esign has no command for, as `gh api` does for GitHub's. PATH is
relative to the profile's base URL (an absolute URL only under it). The method is GET,
or POST when fields or --input are given (-X or a METHOD before PATH says otherwise).
Fields go in the JSON body, or in the query for GET: -f key=value sends a string;
-F key=value a number, true, false, null, or a file's text with @FILE (@- for stdin).
key[sub]=v nests an object, key[]=v appends to an array.

\b
The answer is printed as it came: JSON indented on a terminal and compact when piped,
text as text; a binary answer needs -o FILE or a pipe. The exit code follows the
status as for every command (4 auth, 5 not found, 6 rejected, 7 rate limited, 1
server), with the provider's error body on stdout.

Example: esign api /docs/DOC_TOKEN/ --jq .status

Example: esign api -X POST /refuse/ -f doc_token=DOC_TOKEN -f rejected_reason=duplicate

Example: esign api /docs/ --paginate --jq '.results[].token'

Example: esign api GET /document/DOC_ID -o signed.pdf
"""


def register(root: typer.Typer) -> None:
    def api(
        words: Annotated[
            list[str],
            argument(
                metavar="[METHOD] PATH",
                help="The endpoint's path under the base URL, after an optional HTTP method.",
            ),
        ],
        method: Annotated[
            str | None,
            option(
                "--method",
                "-X",
                metavar="METHOD",
                help="HTTP method [default: GET, or POST with fields or --input].",
                autocompletion=_complete_method,
            ),
        ] = None,
        raw_field: Annotated[
            list[str] | None,
            option(
                "--raw-field",
                "-f",
                metavar="KEY=VALUE",
                help="A string field; repeat for several.",
            ),
        ] = None,
        field: Annotated[
            list[str] | None,
            option(
                "--field",
                "-F",
                metavar="KEY=VALUE",
                help="A typed field: numbers, true, false, null, @FILE for a file's text.",
            ),
        ] = None,
        header: Annotated[
            list[str] | None,
            option(
                "--header",
                "-H",
                metavar="'NAME: VALUE'",
                help="An extra request header; repeat for several.",
            ),
        ] = None,
        input_file: Annotated[
            str | None,
            option(
                "--input",
                metavar="FILE|-",
                help="The request body, as it is, from FILE or stdin (fields then go in the "
                "query).",
            ),
        ] = None,
        include: Annotated[
            bool,
            typer.Option("--include", "-i", help="Print the status line and headers first."),
        ] = False,
        paginate: Annotated[
            bool,
            typer.Option(
                "--paginate",
                help="Follow the pages (ZapSign's next) and print them as one JSON array "
                "(with --jq, each page's results one per line).",
            ),
        ] = False,
        silent: Annotated[
            bool, typer.Option("--silent", help="Print no body; the exit code still tells.")
        ] = False,
        out: Annotated[
            str | None,
            option(
                "--out",
                "-o",
                metavar="FILE|-",
                help="Write the body to FILE (atomically), or stdout with '-', even binary.",
            ),
        ] = None,
        force: Annotated[
            bool, typer.Option("--force", help="With -o: overwrite an existing file.")
        ] = False,
    ) -> None:
        from esign.ops.api import ApiOptions, run_api

        if len(words) > 2:
            raise typer.BadParameter(
                f"expected [METHOD] PATH, got {len(words)} words", param_hint="[METHOD] PATH"
            )
        verb, path = (words[0], words[1]) if len(words) == 2 else (None, words[0])
        if verb is not None and method is not None and verb.upper() != method.upper():
            raise typer.BadParameter(
                f"METHOD {verb} and --method {method} disagree", param_hint="METHOD"
            )
        opts = ApiOptions(
            path=path,
            method=method or verb,
            raw_fields=tuple(raw_field or ()),
            typed_fields=tuple(field or ()),
            headers=tuple(header or ()),
            input=input_file,
            include=include,
            paginate=paginate,
            silent=silent,
            out=out,
            force=force,
        )
        run_api(app_context(), opts)

    api.__doc__ = HELP  # the root's command list shows its first line without building it
    command(root, "api")(api)


def _complete_method(incomplete: str) -> list[str]:
    from esign.ops.api import METHODS

    return [m for m in METHODS if m.startswith(incomplete.upper())]
