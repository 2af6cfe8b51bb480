"""Secret canaries: distinctive secrets for every provider, driven through the whole CLI
surface; none may appear in stdout, stderr, the config, data or cache directories, or the
process arguments. Masked forms only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from esign.sandbox.zapsign import Account
from tests.conftest import Cli, CliResult, SandboxAdmin
from tests.keyrings import MemoryKeyring

OKD_CANARY = "c0ffee00_" + "c" * 72
ZS_CANARY = "zapsign-canary-" + "z" * 40
IH_CANARY = "indexhealth-canary-" + "q" * 40
ESIGN = str(Path(sys.executable).with_name("esign"))


@pytest.fixture
def canaries(
    sandbox: SandboxAdmin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    sb = sandbox.running.sandbox
    sb.okdokument.store.keys[OKD_CANARY] = True
    sb.zapsign.store.accounts[ZS_CANARY] = Account()
    ih = sb.credentials(sandbox.url)["indexhealth"]
    sb.indexhealth.store.clients["canary-client"] = IH_CANARY
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    envs = {
        "okdokument": {
            "ESIGN_PROVIDER": "okdokument",
            "ESIGN_BASE_URL": sandbox.okdokument_base,
            "ESIGN_API_KEY": OKD_CANARY,
        },
        "zapsign": {
            "ESIGN_PROVIDER": "zapsign",
            "ESIGN_BASE_URL": sandbox.zapsign("base_url"),
            "ESIGN_API_KEY": ZS_CANARY,
        },
        "indexhealth": {
            "ESIGN_PROVIDER": "indexhealth",
            "ESIGN_BASE_URL": ih["base_url"],
            "ESIGN_CLIENT_ID": "canary-client",
            "ESIGN_CLIENT_SECRET": IH_CANARY,
            "ESIGN_USER_EMAIL": ih["user_email"],
            "ESIGN_USER_FIRST_NAME": "Can",
            "ESIGN_USER_LAST_NAME": "Ary",
            "ESIGN_GROUP_NAME": ih["group_name"],
        },
    }
    return {"envs": envs, "ih": ih}


def surface(cli: Cli, provider: str, pdf: Path, out: Path, extra: list[str]) -> list[CliResult]:
    """The commands of one provider, successes and failures, each also with --debug."""
    runs: list[CliResult] = []

    def run(*args: str, **kwargs: Any) -> CliResult:
        for debug in ([], ["--debug"]):
            result = cli(*args, *extra, *debug, **kwargs)
            runs.append(result)
        return result

    if provider == "okdokument":
        created = run("request", "create", str(pdf), "--callback-url", "http://127.0.0.1:9/cb")
        doc = json.loads(created.stdout)["document_id"] if created.exit_code == 0 else "x"
        run("request", "create", "--document", "missing-doc", "--json")
        run("doc", "upload", str(pdf))
        run("doc", "presign", doc)
    elif provider == "zapsign":
        created = run("request", "create", str(pdf), "--signer", "Ana <a@example.com>")
        doc = json.loads(created.stdout)["document_id"] if created.exit_code == 0 else "x"
        run("request", "update", doc, "--name", "Renamed")
        run("doc", "presign", doc, "--original")
        run("doc", "download", doc, "-o", f"{out}/", "--force")  # not signed: exit 6
    else:
        created = run("doc", "upload", str(pdf), "--collection", "col-demo", "--tag", "t")
        doc = json.loads(created.stdout)["id"] if created.exit_code == 0 else "x"
        run("doc", "presign", doc)
        run("doc", "list", "--collection", "col-demo", "--raw")
    run("doc", "info", doc)
    run("doc", "info", doc, "--raw")
    run("doc", "info", "missing-document", "--json")
    run("doc", "download", doc, "-o", f"{out}/", "--force")
    run("auth", "status")
    run("auth", "status", "--check", "--json")
    # esign api: an answer, a failure, and the status line and headers (-i).
    path = {"okdokument": "/counter", "zapsign": "/docs/", "indexhealth": "/get-documents"}
    run(
        "api",
        path[provider],
        "-i",
        *(["-f", "collection_id=col-demo"] * (provider == "indexhealth")),
    )
    run("api", "/no-such-endpoint/", "-i")
    assert all(r.exit_code in (0, 2, 4, 5, 6) for r in runs), [r.stderr for r in runs]
    return runs


def scan(texts: list[str], roots: list[Path]) -> list[str]:
    found = []
    for canary in (OKD_CANARY, ZS_CANARY, IH_CANARY):
        for text in texts:
            if canary in text:
                found.append(f"{canary[:12]}… in output: {text[:200]!r}")
        for root in roots:
            for path in root.rglob("*") if root.exists() else []:
                if path.is_file() and canary in path.read_text(errors="replace"):
                    found.append(f"{canary[:12]}… in {path}")
    return found


@pytest.mark.parametrize("source", ["environment", "keyring"])
def test_no_secret_leaks_anywhere(
    canaries: dict[str, Any], contract: Path, tmp_path: Path, source: str
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    runs: list[CliResult] = []
    keyring = MemoryKeyring()
    for provider, env in canaries["envs"].items():
        if source == "environment":
            runs += surface(Cli(env), provider, contract, out, [])
            continue
        secret = env.get("ESIGN_API_KEY") or env["ESIGN_CLIENT_SECRET"]
        cli = Cli({}, keyring=keyring)
        add = [
            "profile",
            "add",
            provider,
            "--provider",
            provider,
            "--base-url",
            env["ESIGN_BASE_URL"],
        ]
        if provider == "indexhealth":
            add += [
                "--client-id",
                env["ESIGN_CLIENT_ID"],
                "--user-email",
                env["ESIGN_USER_EMAIL"],
                "--user-first-name",
                "Can",
                "--user-last-name",
                "Ary",
                "--group-name",
                env["ESIGN_GROUP_NAME"],
            ]
        runs.append(cli(*add))
        runs.append(
            cli("auth", "login", "--profile", provider, "--with-token", input=secret + "\n")
        )
        runs.append(cli("profile", "show", provider))
        runs.append(cli("profile", "list"))
        runs += surface(cli, provider, contract, out, ["--profile", provider])
        # The one command that prints a secret, by design: checked, then left out of the scan.
        token = cli("auth", "token", "--profile", provider)
        assert token.stdout.strip() == secret
    texts = [r.stdout + r.stderr for r in runs]
    roots = [
        Path(os.environ["ESIGN_CONFIG_DIR"]),
        Path(os.environ["ESIGN_DATA_DIR"]),
        tmp_path / "cache",
    ]
    assert scan(texts, roots) == []
    if source == "keyring":
        shown = "\n".join(texts)
        for canary in (OKD_CANARY, ZS_CANARY, IH_CANARY):
            assert f"{canary[:4]}…{canary[-2:]}" in shown  # auth status: the masked form


def test_secrets_never_in_process_arguments(canaries: dict[str, Any], contract: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ESIGN_")},
        **canaries["envs"]["okdokument"],
    }
    created = subprocess.run(
        [ESIGN, "request", "create", str(contract)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    document_id = json.loads(created.stdout)["document_id"]
    proc = subprocess.Popen(
        [ESIGN, "doc", "wait", document_id, "--interval", "1s", "--wait-timeout", "4s"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(1.0)
        cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes().decode(errors="replace")
        assert "doc" in cmdline and "wait" in cmdline
        assert OKD_CANARY not in cmdline
    finally:
        proc.wait(timeout=30)


@pytest.mark.parametrize(
    ("provider", "variable", "exit_code", "message"),
    [
        ("okdokument", "ESIGN_API_KEY", 2, "line break or control character"),
        ("zapsign", "ESIGN_API_KEY", 2, "line break or control character"),
        # IndexHealth sends the secret in a JSON body, where a line break is just data: the
        # server refuses the credential.
        ("indexhealth", "ESIGN_CLIENT_SECRET", 4, "refused the client credentials"),
    ],
)
@pytest.mark.parametrize("ending", ["\n", "\r\nX-Injected: 1"])
@pytest.mark.parametrize("debug", [False, True])
def test_secret_with_a_line_break_is_refused_without_showing_it(
    cli: Cli,
    canaries: dict[str, Any],
    provider: str,
    variable: str,
    exit_code: int,
    message: str,
    ending: str,
    debug: bool,
) -> None:
    """A key pasted with its line ending (or an attempt at header injection) cannot be sent;
    the error names the header, never the value, in any escaped form."""
    env = dict(canaries["envs"][provider])
    secret = env[variable] + ending
    env[variable] = secret
    result = cli("doc", "info", "abc", *(["--debug"] if debug else []), env=env, replace_env=True)
    assert result.exit_code == exit_code, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr or debug
    core = secret.strip().split("\r")[0]
    shown = result.stdout + result.stderr
    for form in (core, repr(secret)[1:-1], repr(secret.encode())[2:-1], core[8:-4]):
        assert form not in shown
