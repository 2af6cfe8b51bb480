"""What trips a new user, one test each (issue #16): completion and help, environment
booleans and colour, sandbox discovery and the lines it prints, the wrong-base-URL hint, the
live `doc wait` line, progress that says restarted and stalled, tables within 80 columns,
absolute paths and one timestamp form, `auth login` verifying first, and the README."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Cli, SandboxAdmin, ih_settings
from tests.keyrings import MemoryKeyring
from tests.paths import ROOT
from tests.system.test_completion_and_man import bash_complete, shell_env  # noqa: F401 - fixture

BIN = str(Path(sys.executable).parent)
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _doc(cli: Cli, contract: Path, *extra: str) -> str:
    result = cli("request", "create", str(contract), *extra)
    assert result.exit_code == 0, result.stderr
    return str(result.json()["document_id"])


# -- TAB and help ----------------------------------------------------------------------------


def test_choice_options_complete_with_their_values(shell_env: dict[str, str]) -> None:  # noqa: F811
    assert bash_complete(["esign", "doc", "list", "--status", "p"], shell_env) == [
        "processing",
        "pending",
    ]
    assert bash_complete(["esign", "doc", "wait", "X", "--until", ""], shell_env) == [
        "signed",
        "final",
    ]
    assert bash_complete(["esign", "sandbox", "demo", "--provider", "i"], shell_env) == [
        "indexhealth"
    ]
    assert bash_complete(["esign", "request", "create", "f", "--lang", "p"], shell_env) == ["pt-br"]
    assert bash_complete(["esign", "doc", "upload", "--type", "D"], shell_env) == ["DOCX"]
    assert bash_complete(["esign", "doc", "upload", "--state", "t"], shell_env) == [
        "tosign",
        "tags",
        "tostamp",
    ]
    assert bash_complete(["esign", "completion", "z"], shell_env) == ["zsh"]
    assert bash_complete(["esign", "api", "-X", "P"], shell_env) == ["POST", "PUT", "PATCH"]
    assert bash_complete(["esign", "signer", "remind", "S", "--via", "w"], shell_env) == [
        "whatsapp"
    ]
    assert "tokenSms" in bash_complete(
        ["esign", "signer", "add", "D", "--auth-mode", "tok"], shell_env
    )
    assert "tokenEmail" in bash_complete(
        ["esign", "request", "create", "f", "--signer-auth-mode", "tok"], shell_env
    )
    assert bash_complete(["esign", "webhook", "create", "U", "--event", "doc_s"], shell_env) == [
        "doc_signed"
    ]
    assert bash_complete(["esign", "sandbox", "trigger", "can"], shell_env) == ["canceled"]
    assert sorted(bash_complete(["esign", "help", "doc", "d"], shell_env)) == ["delete", "download"]
    assert "environment" in bash_complete(["esign", "help", ""], shell_env)
    assert "doc" in bash_complete(["esign", "help", "d"], shell_env)


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["doc", "list", "--status", "nope"], "'--status'"),
        (["doc", "wait", "X", "--until", "nope"], "'--until'"),
        (["sandbox", "demo", "--provider", "nope"], "'--provider'"),
        (["completion", "tcsh"], "'SHELL'"),
    ],
)
def test_bad_choice_values_are_refused_alike(bare_cli: Cli, args: list[str], flag: str) -> None:
    result = bare_cli(*args)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: invalid value for {flag}: 'nope' is not one of") or (
        flag == "'SHELL'" and "'tcsh' is not one of bash, zsh, fish" in result.stderr
    )
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("provider", "args", "flag", "command"),
    [
        ("okd", ["doc", "upload", "{pdf}", "--state", "nope"], "'--state'", "esign doc upload"),
        (
            "zs",
            ["request", "create", "{pdf}", "--signer", "A", "--lang", "nope"],
            "'--lang'",
            "esign request create",
        ),
        (
            "zs",
            ["signer", "add", "D", "--name", "B", "--auth-mode", "nope"],
            "'--auth-mode'",
            "esign signer add",
        ),
        ("zs", ["signer", "remind", "S", "--via", "nope"], "'--via'", "esign signer remind"),
        (
            "okd",
            ["webhook", "listen", "--provider", "nope"],
            "'--provider'",
            "esign webhook listen",
        ),
    ],
)
def test_choices_a_provider_checks_are_refused_like_clicks_own(
    cli: Cli, zs: Cli, contract: Path, provider: str, args: list[str], flag: str, command: str
) -> None:
    run = cli if provider == "okd" else zs
    result = run(*(str(contract) if a == "{pdf}" else a for a in args))
    assert result.exit_code == 2, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith(f"error: invalid value for {flag}: 'nope' is not one of"), line
    assert f"try '{command} --help'" in line


def test_help_alone_lists_topics_and_commands(bare_cli: Cli) -> None:
    result = bare_cli("help")
    assert result.exit_code == 0
    for name in ("doc", "request", "api", "completion"):
        assert re.search(rf"^  {name}\s", result.stdout, re.MULTILINE), name
    for topic in ("environment", "exit-codes", "formatting", "files"):
        assert re.search(rf"^  {topic}\s", result.stdout, re.MULTILINE), topic


def test_help_for_a_command_is_its_own_help(bare_cli: Cli) -> None:
    shown = bare_cli("help", "doc", "download")
    assert shown.exit_code == 0
    assert shown.stdout == bare_cli("doc", "download", "--help").stdout
    assert bare_cli("help", "doc").stdout == bare_cli("doc", "--help").stdout
    unknown = bare_cli("help", "doc", "nope")
    assert unknown.exit_code == 2 and "no topic or command 'doc nope'" in unknown.stderr


def test_completion_help_lines_work_on_a_fresh_account(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "PATH": BIN + os.pathsep + os.environ["PATH"]}
    help_text = subprocess.run(
        [f"{BIN}/esign", "completion", "--help"], capture_output=True, text=True, env=env
    ).stdout
    lines = [line.strip() for line in help_text.splitlines()]
    bash_dir = "mkdir -p ~/.local/share/bash-completion/completions"
    bash_file = "esign completion bash > ~/.local/share/bash-completion/completions/esign"
    fish = "esign completion fish > ~/.config/fish/completions/esign.fish"
    for line in (bash_dir, bash_file, "source <(esign completion bash)", fish):
        assert line in lines, line  # each on a line of its own, not rewrapped
    script = "\n".join([bash_dir, bash_file, "mkdir -p ~/.config/fish/completions", fish])
    subprocess.run(["bash", "--norc", "-c", script], env=env, check=True)
    written = tmp_path / ".local/share/bash-completion/completions/esign"
    assert written.read_text() == (ROOT / "completions" / "esign.bash").read_text()
    assert (tmp_path / ".config/fish/completions/esign.fish").is_file()
    sourced = subprocess.run(
        ["bash", "--norc", "-c", "source <(esign completion bash) && complete -p esign"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "esign" in sourced.stdout
    readme = (ROOT / "README.md").read_text()
    for line in (bash_dir, bash_file, "source <(esign completion bash)", fish):
        assert line in readme, line


# -- environment booleans and colour ---------------------------------------------------------


@pytest.mark.parametrize("word", ["1", "true", "TRUE", "Yes", "on", "ON"])
def test_env_booleans_have_one_parser(cli: Cli, contract: Path, word: str) -> None:
    doc = _doc(cli, contract)
    traced = cli("doc", "info", doc, env={"ESIGN_DEBUG": word})
    assert "> GET " in traced.stderr  # the --debug trace
    asked = cli("doc", "delete", doc, env={"ESIGN_NO_INPUT": word}, tty=True)
    assert asked.exit_code == 3  # no prompt under ESIGN_NO_INPUT
    assert "--yes" in asked.stderr


def test_env_booleans_off(cli: Cli, contract: Path) -> None:
    doc = _doc(cli, contract)
    for word in ("0", "false", "off", "no", ""):
        assert "> GET " not in cli("doc", "info", doc, env={"ESIGN_DEBUG": word}).stderr


@pytest.mark.parametrize(
    ("env", "colour"),
    [
        ({}, False),
        ({"FORCE_COLOR": "1"}, True),
        ({"CLICOLOR_FORCE": "1"}, True),
        ({"FORCE_COLOR": "0"}, False),
        ({"CLICOLOR_FORCE": "0"}, False),
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
    ],
)
def test_force_color(cli: Cli, contract: Path, env: dict[str, str], colour: bool) -> None:
    doc = _doc(cli, contract)
    shown = cli("doc", "info", doc, "--output", "table", env=env)  # piped
    assert shown.exit_code == 0
    assert ("\x1b[" in shown.stdout) is colour


# -- sandbox -----------------------------------------------------------------------------------


def test_sandbox_sign_finds_the_sandbox_from_the_base_url(
    cli: Cli, contract: Path, sandbox: SandboxAdmin
) -> None:
    doc = _doc(cli, contract)
    env = {"ESIGN_SANDBOX_URL": "http://127.0.0.1:1"}  # ESIGN_BASE_URL points at the sandbox
    signed = cli("sandbox", "sign", doc, env=env)
    assert signed.exit_code == 0, signed.stderr
    assert signed.json()["state"] == "signed"
    elsewhere = cli(
        "sandbox",
        "sign",
        doc,
        env={"ESIGN_BASE_URL": "https://api.okdokument.com/JSON", **env},
    )
    assert elsewhere.exit_code == 1
    assert "http://127.0.0.1:1" in elsewhere.stderr  # names the URL it asked
    assert "from ESIGN_SANDBOX_URL" in elsewhere.stderr  # and where it found it


def test_sandbox_sign_finds_the_sandbox_from_the_profiles_base_url(
    bare_cli: Cli, contract: Path, sandbox: SandboxAdmin
) -> None:
    added = bare_cli(
        "profile", "add", "sbx", "--provider", "okdokument", "--base-url", sandbox.okdokument_base
    )
    assert added.exit_code == 0, added.stderr
    login = bare_cli(
        "auth",
        "login",
        "--profile",
        "sbx",
        "--with-token",
        "--no-verify",
        "--insecure-storage",
        input=sandbox.okdokument_key,
    )
    assert login.exit_code == 0, login.stderr
    doc = bare_cli("request", "create", str(contract), "--profile", "sbx", "--jq", ".document_id")
    assert doc.exit_code == 0, doc.stderr
    signed = bare_cli("sandbox", "sign", doc.stdout.strip(), "--profile", "sbx", "--json")
    assert signed.exit_code == 0, signed.stderr
    assert signed.json()["state"] == "signed"


def test_serve_prints_lines_that_work_as_printed(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESIGN_")}
    env.update(PATH=BIN + os.pathsep + env["PATH"], ESIGN_CONFIG_DIR=str(tmp_path / "cfg"))
    server = subprocess.Popen(
        [f"{BIN}/esign", "sandbox", "serve", "--port", "0", "--output", "table", "-q"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        assert server.stdout is not None
        banner = []
        for line in server.stdout:
            banner.append(line)
            if "esign doc download" in line:
                break
        tried = "".join(banner).split("Try it in another shell")[1].split("\n", 1)[1]
        script = (
            "set -e\ncd " + str(tmp_path) + "\n" + tried + '\nesign doc info "$DOC" --jq .status\n'
        )
        run = subprocess.run(
            ["bash", "--norc", "-c", script], env=env, capture_output=True, text=True, timeout=60
        )
        assert run.returncode == 0, run.stderr
        assert run.stdout.strip().splitlines()[-1] == "signed"
        assert (tmp_path / "signed.pdf").read_bytes().startswith(b"%PDF-")
        sample = Path(shlex.split(tried.split("request create ", 1)[1].split(" --jq")[0])[0])
        assert sample.is_file()
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert not sample.parent.exists()  # the banner's sample goes with the server


def test_demo_prints_the_setup_for_a_served_sandbox(bare_cli: Cli, tmp_path: Path) -> None:
    result = bare_cli("sandbox", "demo", "--out-dir", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    assert "\\x0a" not in result.stderr  # narration keeps its line breaks
    assert "ESIGN_BASE_URL=http://127.0.0.1:8765/okdokument/JSON" in result.stderr
    assert 'esign sandbox sign "$DOC"' in result.stderr


def test_demo_for_indexhealth(bare_cli: Cli, tmp_path: Path) -> None:
    result = bare_cli("sandbox", "demo", "--provider", "indexhealth", "--out-dir", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    for step in ("esign doc upload", "esign doc info", "esign doc presign", "esign doc download"):
        assert step in result.stderr, step
    assert "ESIGN_CLIENT_SECRET=" in result.stderr
    saved = tmp_path / "downloaded-contract.pdf"
    assert saved.read_bytes() == (tmp_path / "sample-contract.pdf").read_bytes()


# -- errors and waiting ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "path"),
    [("okdokument", "/okdokument"), ("zapsign", "/zapsign/api/v2"), ("indexhealth", "/ih")],
)
def test_a_404_from_a_wrong_base_url_says_so(
    sandbox: SandboxAdmin, provider: str, path: str
) -> None:
    env = {**ih_settings(sandbox), "ESIGN_API_KEY": "k" * 20, "ESIGN_PROVIDER": provider}
    env["ESIGN_BASE_URL"] = sandbox.url + path
    result = Cli(env)("doc", "info", "abc")
    assert result.exit_code == 5
    assert "check the base URL (ESIGN_BASE_URL / profile)" in result.stderr
    assert sandbox.url + path in result.stderr  # the URL asked
    real = Cli({**env, "ESIGN_BASE_URL": sandbox.okdokument_base, "ESIGN_PROVIDER": "okdokument"})
    missing = real("doc", "info", "abc", env={"ESIGN_API_KEY": sandbox.okdokument_key})
    assert missing.exit_code == 5
    assert "check the base URL" not in missing.stderr  # the provider's own "not found"


def test_doc_wait_keeps_one_live_line_on_a_terminal(cli: Cli, contract: Path) -> None:
    doc = _doc(cli, contract)
    shown = cli("doc", "wait", doc, "--wait-timeout", "4s", "--interval", "2s", tty=True)
    assert shown.exit_code == 8
    assert "\r\x1b[K" in shown.stderr
    assert f"{doc}: pending" in shown.stderr
    assert "next check in" in shown.stderr and "waited" in shown.stderr
    assert "\n" not in shown.stderr.split("error:")[0]  # one line, rewritten in place
    piped = cli("doc", "wait", doc, "--wait-timeout", "4s", "--interval", "2s")
    assert piped.exit_code == 8
    assert piped.stderr.startswith("error: ")  # quiet until the end
    assert piped.stderr.count("\n") == 1


def test_progress_says_stalled_and_restarted(
    cli: Cli, contract: Path, sandbox: SandboxAdmin, tmp_path: Path
) -> None:
    doc = _doc(cli, contract)
    sandbox.sign(doc)
    sandbox.faults(
        {"kind": "stall", "delay": 30, "path": f"^/okdokument/JSON/document/{doc}$", "count": 1}
    )
    out = tmp_path / "d.pdf"
    result = cli("doc", "download", doc, "-o", str(out), "--timeout", "4.5", tty=True)
    assert result.exit_code == 0, result.stderr
    assert re.search(r"stalled [34]s", result.stderr)
    # The sandbox serves ranges (and an ETag): the second attempt asks for the rest only.
    assert re.search(r"resuming the download after [\d,]+ bytes \(attempt 2 of 3\)", result.stderr)
    assert out.read_bytes().startswith(b"%PDF-")


# -- tables, paths, timestamps -----------------------------------------------------------------


def test_tables_fit_80_columns_and_keep_ids_whole(zs: Cli, contract: Path) -> None:
    long_name = "A contract with a very long name that keeps going and going " * 2
    email = "someone.with.a.long.address@example-company.example"
    created = zs(
        "request",
        "create",
        str(contract),
        "--name",
        long_name,
        "--signer",
        f"Ana Maria de Souza Oliveira Santos <{email}>",
    )
    assert created.exit_code == 0, created.stderr
    doc = created.json()["document_id"]
    for args in (("doc", "list"), ("doc", "info", doc)):
        shown = zs(*args, tty=True)
        assert shown.exit_code == 0, shown.stderr
        lines = ANSI.sub("", shown.stdout).splitlines()
        # The tables: the list, and the detail's signers (its `key  value` lines keep the
        # whole name); URLs stay whole on lines of their own.
        start = next(
            i
            for i, ln in enumerate(lines)
            if ln.strip() in ("Signers", "1 document", "2 documents")
            or ln.strip().endswith(" documents")
        )
        table = [line for line in lines[start:] if "http" not in line]
        assert all(len(line) <= 80 for line in table), [
            (len(ln), ln) for ln in table if len(ln) > 80
        ]
        assert any(doc in line for line in lines)  # the ID whole
        assert "…" in shown.stdout  # the name cut with an ellipsis
        stamps = re.findall(r"\d{4}-\d\d-\d\dT[\d:.]+Z?", ANSI.sub("", shown.stdout))
        assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", s) for s in stamps), stamps


def test_profile_list_header(bare_cli: Cli) -> None:
    assert bare_cli("profile", "add", "p", "--provider", "zapsign").exit_code == 0
    shown = bare_cli("profile", "list", tty=True)
    assert "Base URL" in shown.stdout and "Base Url" not in shown.stdout


def test_download_path_is_absolute(
    cli: Cli, contract: Path, sandbox: SandboxAdmin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = _doc(cli, contract)
    sandbox.sign(doc)
    monkeypatch.chdir(tmp_path)
    result = cli("doc", "download", doc, "-o", "relative.pdf")
    assert result.exit_code == 0, result.stderr
    assert result.json()["path"] == str(tmp_path / "relative.pdf")


def test_one_timestamp_form(cli: Cli, contract: Path, sandbox: SandboxAdmin) -> None:
    doc = _doc(cli, contract)
    sandbox.sign(doc)
    info = cli("doc", "info", doc).json()
    for value in (info["created_at"], info["updated_at"]):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", value), value


# -- auth login --------------------------------------------------------------------------------


def test_auth_login_verifies_before_storing(sandbox: SandboxAdmin) -> None:
    keyring = MemoryKeyring()
    pcli = Cli({}, keyring=keyring)
    added = pcli(
        "profile", "add", "p", "--provider", "okdokument", "--base-url", sandbox.okdokument_base
    )
    assert added.exit_code == 0, added.stderr
    wrong = pcli("auth", "login", "--profile", "p", "--with-token", input="wrong-key-123456\n")
    assert wrong.exit_code == 4
    assert "not stored" in wrong.stderr and "--no-verify" in wrong.stderr
    assert keyring.entries == {}
    sandbox.clear_requests()
    right = pcli("auth", "login", "--profile", "p", "--with-token", input=sandbox.okdokument_key)
    assert right.exit_code == 0, right.stderr
    assert ("esign", "p:api_key") in keyring.entries
    assert [r["raw_path"] for r in sandbox.requests()] == ["/okdokument/JSON/counter"]
    unchecked = pcli(
        "auth", "login", "--profile", "p", "--with-token", "--no-verify", input="other-key-1234\n"
    )
    assert unchecked.exit_code == 0
    assert keyring.entries[("esign", "p:api_key")] == "other-key-1234"


# -- README ------------------------------------------------------------------------------------


def test_readme_command_table_and_limits() -> None:
    readme = (ROOT / "README.md").read_text()
    assert readme.count("| command | what it does |") == 1
    assert "10 MB" in readme and "100 MB" in readme
    for section in ("## esign api", "## Filtering output"):
        assert section in readme, section
