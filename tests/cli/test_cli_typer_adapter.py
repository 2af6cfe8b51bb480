"""The command layer's contract with Typer: every private touchpoint sits in one module and has
a fallback that works; the shared flags come from one definition and reach every level; a
command cannot shadow one; click's own usage errors follow esign's error contract."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import fields
from pathlib import Path
from typing import Annotated

import pytest
import typer

from esign.cli._typer import SharedFlagShadowed, command, new_group
from esign.core.config.flags import GlobalFlags
from tests.conftest import Cli, SandboxAdmin
from tests.paths import ROOT

ESIGN = str(Path(sys.executable).with_name("esign"))


def test_only_the_adapter_imports_typers_private_modules() -> None:
    private = re.compile(
        r"^\s*(from typer(\.\w+)*\._\w+|from typer import _|import typer\._)", re.M
    )
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "src").rglob("*.py")
        if private.search(path.read_text()) and path.name != "private.py"
    ]
    offenders += [
        str(path.relative_to(ROOT))
        for path in (ROOT / "tests").rglob("*.py")
        if private.search(path.read_text())
    ]
    assert offenders == []


def test_every_shared_flag_reaches_the_root_a_group_and_a_command(bare_cli: Cli) -> None:
    # Hidden ones (--json-fields, spelled --json FIELDS) are parsed everywhere, never listed.
    decls = [
        f.metadata["flag"].decls[0] for f in fields(GlobalFlags) if not f.metadata["flag"].hidden
    ]
    for args in (["--help"], ["doc", "--help"], ["doc", "info", "--help"]):
        shown = bare_cli(*args).stdout
        missing = [decl for decl in decls if decl not in shown]
        assert missing == [], args


def test_shared_flags_work_between_the_group_and_the_command(
    cli: Cli, sandbox: SandboxAdmin
) -> None:
    listed = cli("doc", "--json", "list", tty=True)
    assert listed.exit_code == 0, listed.stderr
    assert isinstance(json.loads(listed.stdout), list)
    # Given at three levels, the last one wins for values.
    result = cli("--output", "table", "doc", "--output", "table", "list", "--json", tty=True)
    assert result.stdout.lstrip().startswith("[")


def test_a_command_cannot_shadow_a_shared_flag() -> None:
    group = new_group("doc")

    @command(group, "shadowing")
    def shadowing(
        timeout: Annotated[str, typer.Option("--timeout")] = "10m",
    ) -> None:
        """A command that declares a shared flag's option."""

    with pytest.raises(SharedFlagShadowed, match="--timeout"):
        typer.main.get_command(group)


@pytest.mark.parametrize(
    ("args", "message", "hint"),
    [
        (["doc", "list", "--bogus"], "no such option: --bogus", "try 'esign doc list --help'"),
        (["doc", "info"], "missing argument 'ID'", "try 'esign doc info --help'"),
        (["dco"], "no such command 'dco'. Did you mean 'doc'?", "try 'esign --help'"),
        (["doc", "list", "--limit", "x"], "'x' is not an integer", "esign doc list --help"),
        (["--max-attempts", "99", "doc", "list"], "99 is not", "try 'esign --help'"),
    ],
)
def test_usage_errors_follow_the_error_contract(
    bare_cli: Cli, args: list[str], message: str, hint: str
) -> None:
    plain = bare_cli(*args)
    assert plain.exit_code == 2
    assert plain.stderr.startswith("error: ")
    assert message in plain.stderr and hint in plain.stderr
    assert plain.stderr.count("\n") == 1, plain.stderr
    with_json = bare_cli(*args, "--json")
    assert with_json.exit_code == 2
    error = json.loads(with_json.stderr.splitlines()[-1])["error"]
    assert error["code"] == 2 and error["type"] == "usage"
    assert message in error["message"]


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ESIGN, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def test_the_cli_works_with_every_typer_fallback_forced(
    sandbox: SandboxAdmin, okd_env: dict[str, str], tmp_path: Path
) -> None:
    """What a Typer release that moved its internals would give: slower, never broken."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("ESIGN_", "_ESIGN"))}
    base.update(okd_env, XDG_CONFIG_HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path))
    forced = {**base, "_ESIGN_TYPER_FALLBACK": "1"}
    pdf = tmp_path / "c.pdf"
    from esign.sandbox.pdf import sample_contract

    pdf.write_bytes(sample_contract())
    uploaded = _run(["doc", "upload", str(pdf)], forced)
    assert uploaded.returncode == 0, uploaded.stderr
    document_id = json.loads(uploaded.stdout)["id"]
    for args in (["--help"], ["doc", "--help"], ["doc", "info", "--help"]):
        normal, fallback = _run(args, base), _run(args, forced)
        assert fallback.returncode == 0, fallback.stderr
        assert fallback.stdout == normal.stdout, args
    info = _run(["doc", "info", document_id, "--max-attempts", "2"], forced)
    assert info.returncode == 0, info.stderr
    assert json.loads(info.stdout)["id"] == document_id
    bad = _run(["doc", "list", "--limit", "0"], forced)
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: ") and "Traceback" not in bad.stderr
    script = _run(["completion", "bash"], forced)
    assert script.returncode == 0 and "_ESIGN_COMPLETE" in script.stdout
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import esign.cli._typer.private as p; print(p.runtime_param_class(), "
            "p.command_builder(), p.shell_classes())",
        ],
        env=forced,
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip() == "None None None"


@pytest.mark.parametrize("flag", ["--status", "--jq"])
def test_an_option_missing_its_value_points_to_its_commands_help(bare_cli: Cli, flag: str) -> None:
    # click raises this one with no context: the command is read from the words given.
    result = bare_cli("--profile", "p", "doc", "list", flag)
    assert result.exit_code == 2
    assert f"option '{flag}' requires an argument" in result.stderr
    assert "try 'esign doc list --help'" in result.stderr
