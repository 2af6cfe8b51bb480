"""`--jq EXPR` and `--json FIELDS` on the commands that print JSON, beside plain `--json`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Cli, SandboxAdmin
from tests.hostile import HostileServer, json_reply


def _doc(cli: Cli, contract: Path) -> str:
    result = cli("request", "create", str(contract))
    assert result.exit_code == 0, result.stderr
    return str(result.json()["document_id"])


def test_jq_prints_strings_raw(cli: Cli, contract: Path) -> None:
    doc = _doc(cli, contract)
    result = cli("doc", "info", doc, "--jq", ".status")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "pending\n"  # as gh --jq: no quotes
    on_terminal = cli("doc", "info", doc, "--jq", ".status", tty=True)
    assert on_terminal.stdout == "pending\n"  # --jq implies JSON, even on a terminal
    whole = cli("doc", "info", doc, "--jq", "{id, status}")
    assert json.loads(whole.stdout) == {"id": doc, "status": "pending"}
    assert whole.stdout.count("\n") == 1  # compact when piped
    indented = cli("doc", "info", doc, "--jq", "{id, status}", tty=True)
    assert indented.stdout.startswith("{\n  ")


def test_jq_applies_to_the_providers_body_with_raw(cli: Cli, contract: Path) -> None:
    doc = _doc(cli, contract)
    result = cli("doc", "info", doc, "--raw", "--jq", ".state")  # OKdokument's own field
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "tosign\n"


def test_jq_several_results_one_per_line(cli: Cli, contract: Path) -> None:
    docs = {_doc(cli, contract) for _ in range(3)}
    result = cli("doc", "list", "--jq", ".[].id")
    assert result.exit_code == 0, result.stderr
    assert docs <= set(result.stdout.splitlines())


def test_jq_on_each_line_of_a_bulk_download(
    cli: Cli, contract: Path, sandbox: SandboxAdmin, tmp_path: Path
) -> None:
    docs = [_doc(cli, contract) for _ in range(2)]
    for doc in docs:
        sandbox.sign(doc)
    result = cli("doc", "download", *docs, "nope", "-o", f"{tmp_path}/", "--jq", ".id")
    assert result.exit_code == 5  # the missing one
    assert sorted(result.stdout.split()) == sorted([*docs, "nope"])


def test_a_bad_expression_is_exit_2_before_anything_is_sent(
    cli: Cli, contract: Path, sandbox: SandboxAdmin
) -> None:
    sandbox.clear_requests()
    result = cli("request", "create", str(contract), "--jq", ".[")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: invalid --jq expression: syntax error")
    assert result.stderr.count("\n") == 1
    assert sandbox.journal() == [] or all(e.get("op") != "create" for e in sandbox.journal())
    assert [r for r in sandbox.requests() if not r["raw_path"].startswith("/_sandbox")] == []
    failing = cli("doc", "list", "--jq", '.[0].id | error("boom")')
    assert failing.exit_code == 1  # the command ran: not a usage error
    assert "boom" in failing.stderr


def test_a_jq_failure_after_a_create_keeps_the_created_documents_id(
    cli: Cli, contract: Path
) -> None:
    # The expression compiles, so the create is sent; it fails on the answer. A script must
    # not read that as "nothing happened" (exit 2) and create the document twice.
    result = cli("request", "create", str(contract), "--jq", ".document_id | tonumber")
    assert result.exit_code == 1, result.stderr
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert "failed on the result" in line and "the command itself ran" in line
    created = json.loads(line.split("its result without --jq: ", 1)[1].removesuffix(")"))
    assert cli("doc", "info", created["document_id"]).exit_code == 0


def test_json_fields_select_top_level_fields(cli: Cli, contract: Path) -> None:
    doc = _doc(cli, contract)
    for args in (
        ("doc", "info", doc, "--json", "id,status"),
        ("doc", "info", doc, "--json=id,status"),
        ("doc", "info", "--json", "id,status", doc),
        ("doc", "--json", "id,status", "info", doc),
        ("--json", "id,status", "doc", "info", doc),
    ):
        result = cli(*args)
        assert result.exit_code == 0, (args, result.stderr)
        assert result.json() == {"id": doc, "status": "pending"}, args
    one = cli("doc", "info", "--json", "status", doc)  # one field, the ID after it
    assert one.exit_code == 0 and one.json() == {"status": "pending"}, one.stderr
    listed = cli("doc", "list", "--json", "id")
    assert all(set(item) == {"id"} for item in listed.json())
    both = cli("doc", "info", doc, "--json", "id,status", "--jq", 'keys | join(",")')
    assert both.stdout == "id,status\n"


def test_plain_json_keeps_its_meaning(cli: Cli, contract: Path) -> None:
    doc = _doc(cli, contract)
    for args in (
        ("doc", "--json", "info", doc),  # `info` is a subcommand, not a field list
        ("doc", "info", "--json", doc),  # the ID the command still needs
        ("--json", "doc", "info", doc),
        ("doc", "info", doc, "--json"),
    ):
        result = cli(*args, tty=True)
        assert result.exit_code == 0, (args, result.stderr)
        assert result.json()["id"] == doc, args
        assert "signers" in result.json()
    auth = cli("auth", "--json", "status")  # `status` is auth's command here
    assert auth.exit_code == 0, auth.stderr
    assert "provider" in auth.json()


def test_unknown_field_names_what_the_output_has(cli: Cli, contract: Path) -> None:
    doc = _doc(cli, contract)
    result = cli("doc", "info", doc, "--json", "id,nope")
    assert result.exit_code == 2
    assert "unknown JSON field 'nope'" in result.stderr
    assert "provider_status" in result.stderr  # the hint lists the fields there are


def test_jq_is_imported_only_when_given() -> None:
    code = (
        "import sys\nfrom esign.cli.main import main\n"
        "try:\n    main(['doc', 'info', 'x'])\nexcept SystemExit:\n    pass\n"
        "print('JQ=' + str('jq' in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "JQ=False"


@pytest.mark.parametrize("expression", [".name", '.name | "\\(.)"'])
def test_jq_strings_on_a_terminal_show_escapes(
    cli: Cli, contract: Path, tmp_path: Path, expression: str
) -> None:
    evil = tmp_path / "x.pdf"
    evil.write_bytes(contract.read_bytes())
    created = cli("request", "create", str(evil), "--name", "a\x1b]52;c;AAAA\x07b")
    assert created.exit_code == 0, created.stderr
    doc = created.json()["document_id"]
    shown = cli("doc", "info", doc, "--jq", expression, tty=True)
    assert "\x1b" not in shown.stdout
    assert "\\x1b]52" in shown.stdout


@pytest.mark.parametrize("args", [["--jq", ".[0].id"], ["--json", "id"]], ids=["jq", "fields"])
def test_json_and_a_table_asked_for_at_once_is_a_usage_error(
    cli: Cli, sandbox: SandboxAdmin, args: list[str]
) -> None:
    sandbox.clear_requests()
    result = cli("doc", "list", "--output", "table", *args)
    assert result.exit_code == 2
    assert "prints JSON, and --output table asks for a table" in result.stderr
    assert [r for r in sandbox.requests() if not r["raw_path"].startswith("/_sandbox")] == []


def test_json_before_esign_apis_own_words_is_plain_json(hostile: HostileServer) -> None:
    # `esign api` takes any number of words: `put` after --json is its METHOD, not a field.
    hostile.route("PUT", "/api/v1/docs/1", json_reply('{"id": 1, "ok": true}'))
    hostile.route("GET", "/api/v1/x", json_reply('{"id": 2, "ok": true}'))
    cli = Cli(
        {
            "ESIGN_PROVIDER": "zapsign",
            "ESIGN_BASE_URL": f"{hostile.url}/api/v1",
            "ESIGN_API_KEY": "tok-12345678",
        }
    )
    put = cli("api", "--json", "put", "/docs/1", "-f", "a=b")
    assert put.exit_code == 0, put.stderr
    assert hostile.seen[-1].method == "PUT" and put.json() == {"id": 1, "ok": True}
    fields = cli("api", "/x", "--json", "id")
    assert fields.exit_code == 0, fields.stderr
    assert fields.json() == {"id": 2}
