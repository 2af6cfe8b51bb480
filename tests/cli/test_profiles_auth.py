"""Profiles in config.toml and credentials in a keyring (in-process, with test backends)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from tests.conftest import Cli, SandboxAdmin
from tests.keyrings import HangingKeyring, MemoryKeyring
from tests.paths import ROOT

SECRET_CANARY = "5a4d0c1e_" + "c" * 64  # shape of an OKdokument key, never the real one


@pytest.fixture
def keyring() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def pcli(keyring: MemoryKeyring) -> Cli:
    """The CLI with no ESIGN_* credentials and an in-memory keyring."""
    return Cli({}, keyring=keyring)


def config_path() -> Path:
    return Path(os.environ["ESIGN_CONFIG_DIR"]) / "config.toml"


def add_sandbox_profile(pcli: Cli, sandbox: SandboxAdmin, name: str = "sb") -> None:
    result = pcli(
        "profile", "add", name, "--provider", "okdokument", "--base-url", sandbox.okdokument_base
    )
    assert result.exit_code == 0, result.stderr


def login(pcli: Cli, secret: str, *args: str) -> None:
    """Stored unchecked: these tests use made-up secrets (test_login_verifies_first checks)."""
    result = pcli("auth", "login", "--with-token", "--no-verify", *args, input=secret + "\n")
    assert result.exit_code == 0, result.stderr


# -- profile commands ------------------------------------------------------------------------


def test_profile_lifecycle(pcli: Cli, sandbox: SandboxAdmin) -> None:
    add_sandbox_profile(pcli, sandbox, "first")
    second = pcli("profile", "add", "second", "--provider", "zapsign")
    assert second.exit_code == 0
    shown = second.json()
    assert shown["base_url"] == "https://api.zapsign.com.br/api/v1"  # the documented default
    assert shown["default"] is False
    listed = pcli("profile", "list").json()
    assert [(p["name"], p["default"]) for p in listed] == [("first", True), ("second", False)]
    assert pcli("profile", "use", "second").json()["default"] is True
    assert pcli("profile", "show", "first").json()["default"] is False
    on_tty = pcli("profile", "list", tty=True)
    assert "Profiles" in on_tty.stdout and "second" in on_tty.stdout
    assert pcli("profile", "remove", "second").exit_code == 3  # needs --yes without a TTY
    removed = pcli("profile", "remove", "second", "--yes")
    assert removed.exit_code == 0 and removed.json()["removed"] is True
    data = tomllib.loads(config_path().read_text())
    assert set(data["profiles"]) == {"first"} and "default_profile" not in data


def test_profile_add_validation(pcli: Cli, sandbox: SandboxAdmin) -> None:
    add_sandbox_profile(pcli, sandbox, "dup")
    again = pcli("profile", "add", "dup", "--provider", "zapsign")
    assert again.exit_code == 2 and "--force" in again.stderr
    assert pcli("profile", "add", "dup", "--provider", "zapsign", "--force").exit_code == 0
    for args, message in (
        (["bad/name", "--provider", "zapsign"], "invalid profile name"),
        (["x", "--provider", "docusign"], "unknown provider"),
        (["x", "--provider", "indexhealth"], "give --base-url"),
        (["x", "--provider", "zapsign", "--base-url", "http://10.1.2.3/api/v1"], "plain http"),
    ):
        result = pcli("profile", "add", *args)
        assert result.exit_code == 2, args
        assert message in result.stderr
    insecure = pcli(
        "profile",
        "add",
        "lan",
        "--provider",
        "zapsign",
        "--base-url",
        "http://10.1.2.3/api/v1",
        "--allow-http",
    )
    assert insecure.exit_code == 0
    assert pcli("profile", "show", "nope").exit_code == 2


def test_indexhealth_profile_settings(pcli: Cli) -> None:
    result = pcli(
        "profile",
        "add",
        "ih",
        "--provider",
        "indexhealth",
        "--base-url",
        "https://ih.example/api",
        "--client-id",
        "cid-1",
        "--user-email",
        "a@b.example",
        "--user-first-name",
        "Ada",
        "--user-last-name",
        "L",
        "--group-name",
        "acme",
    )
    assert result.exit_code == 0, result.stderr
    shown = result.json()
    assert shown["client_id"] == "cid-1" and shown["group_name"] == "acme"


def test_config_file_modes_and_atomic_writes(pcli: Cli, sandbox: SandboxAdmin) -> None:
    add_sandbox_profile(pcli, sandbox)
    path = config_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_concurrent_writers_do_not_lose_profiles(tmp_path: Path) -> None:
    env = {**os.environ, "ESIGN_CONFIG_DIR": str(tmp_path / "cfg")}
    script = (
        "import sys\nfrom esign.cli.main import main\n"
        "for i in range(12):\n"
        "    try:\n"
        "        main(['profile', 'add', f'{sys.argv[1]}{i}', '--provider', 'zapsign', '-q'])\n"
        "    except SystemExit as e:\n"
        "        assert not e.code, e.code\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, prefix], env=env, stdout=subprocess.DEVNULL)
        for prefix in ("a", "b", "c")
    ]
    assert [p.wait(timeout=60) for p in procs] == [0, 0, 0]
    data = tomllib.loads((tmp_path / "cfg" / "config.toml").read_text())
    assert len(data["profiles"]) == 36


# -- auth and precedence ----------------------------------------------------------------


def test_login_then_use_the_profile(
    pcli: Cli, sandbox: SandboxAdmin, keyring: MemoryKeyring
) -> None:
    add_sandbox_profile(pcli, sandbox)
    login(pcli, sandbox.okdokument_key, "--profile", "sb")
    assert keyring.entries[("esign", "sb:api_key")] == sandbox.okdokument_key
    result = pcli("doc", "list")  # the default profile, its key from the keyring
    assert result.exit_code == 0, result.stderr
    assert pcli("auth", "token").stdout == sandbox.okdokument_key + "\n"


def test_secret_never_lands_in_the_config_dir(pcli: Cli, sandbox: SandboxAdmin) -> None:
    add_sandbox_profile(pcli, sandbox)
    login(pcli, SECRET_CANARY)
    pcli("auth", "status")
    pcli("profile", "show", "sb")
    for path in Path(os.environ["ESIGN_CONFIG_DIR"]).rglob("*"):
        if path.is_file():
            assert SECRET_CANARY not in path.read_text(errors="replace"), path


def test_explicit_profile_beats_environment_credentials(pcli: Cli, sandbox: SandboxAdmin) -> None:
    add_sandbox_profile(pcli, sandbox)
    login(pcli, sandbox.okdokument_key)
    bad = {"ESIGN_API_KEY": "deadbeef_" + "0" * 64, "ESIGN_PROVIDER": "zapsign"}
    explicit = pcli("doc", "list", "--profile", "sb", env=bad)
    assert explicit.exit_code == 0, explicit.stderr  # the ambient key and provider are ignored
    # Without the flag, ESIGN_PROFILE picks the profile and ESIGN_* override its fields.
    ambient = pcli(
        "doc", "list", env={"ESIGN_PROFILE": "sb", "ESIGN_API_KEY": bad["ESIGN_API_KEY"]}
    )
    assert ambient.exit_code == 4


def test_env_credential_skips_the_keyring_entirely(
    sandbox: SandboxAdmin, okd_env: dict[str, str]
) -> None:
    hanging = Cli(okd_env, keyring=HangingKeyring())
    started = time.monotonic()
    result = hanging("doc", "list")
    assert result.exit_code == 0, result.stderr
    assert time.monotonic() - started < 2.5


def test_status_shows_sources_and_masks(pcli: Cli, sandbox: SandboxAdmin) -> None:
    add_sandbox_profile(pcli, sandbox)
    login(pcli, sandbox.okdokument_key)
    result = pcli("auth", "status", "--check", env={"ESIGN_TIMEOUT": "7"})
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert data["profile"] == {"value": "sb", "source": "config (default)"}
    assert data["base_url"]["source"] == "config profile sb"
    assert data["timeout"] == {"value": 7.0, "source": "env ESIGN_TIMEOUT"}
    assert data["api_key"]["source"] == "keyring"
    assert (
        data["api_key"]["value"] == sandbox.okdokument_key[:4] + "…" + sandbox.okdokument_key[-2:]
    )
    assert data["check"]["value"] == "accepted"
    assert "MemoryKeyring" in data["keyring_backend"]["value"]
    assert sandbox.okdokument_key not in result.stdout + result.stderr
    on_tty = pcli("auth", "status", tty=True)
    assert "(keyring)" in on_tty.stdout


def test_status_from_environment(cli: Cli) -> None:
    data = cli("auth", "status").json()
    assert data["api_key"]["source"] == "env ESIGN_API_KEY"
    assert data["provider"]["source"] == "env ESIGN_PROVIDER"
    assert "not used" in data["keyring_backend"]["value"]


def test_status_exit_4_when_missing_or_rejected(pcli: Cli, sandbox: SandboxAdmin) -> None:
    add_sandbox_profile(pcli, sandbox)
    missing = pcli("auth", "status")
    assert missing.exit_code == 4 and "esign auth login" in missing.stderr
    assert missing.json()["api_key"]["source"] == "missing"
    login(pcli, "deadbeef_" + "1" * 64)
    rejected = pcli("auth", "status", "--check")
    assert rejected.exit_code == 4
    assert rejected.json()["check"]["value"] == "rejected"


def test_logout_removes_the_secret(
    pcli: Cli, sandbox: SandboxAdmin, keyring: MemoryKeyring
) -> None:
    add_sandbox_profile(pcli, sandbox)
    login(pcli, sandbox.okdokument_key)
    result = pcli("auth", "logout")
    assert result.exit_code == 0 and result.json()["secrets_removed"] == ["api_key"]
    assert keyring.entries == {}
    after = pcli("doc", "list")
    assert after.exit_code == 4 and "esign auth login --profile sb" in after.stderr


def test_login_without_a_terminal_needs_with_token(pcli: Cli, sandbox: SandboxAdmin) -> None:
    add_sandbox_profile(pcli, sandbox)
    result = pcli("auth", "login")
    assert result.exit_code == 3 and "--with-token" in result.stderr
    empty = pcli("auth", "login", "--with-token", input="\n")
    assert empty.exit_code == 2


def test_login_needs_a_profile(pcli: Cli) -> None:
    result = pcli("auth", "login", "--with-token", input="x\n")
    assert result.exit_code == 2 and "esign profile add" in result.stderr


def test_insecure_storage_file_warns_on_every_use(pcli: Cli, sandbox: SandboxAdmin) -> None:
    add_sandbox_profile(pcli, sandbox)
    login(pcli, sandbox.okdokument_key, "--insecure-storage")
    path = Path(os.environ["ESIGN_DATA_DIR"]) / "credentials.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sandbox.okdokument_key in path.read_text()
    for _ in range(2):
        result = pcli("doc", "list")
        assert result.exit_code == 0
        assert (
            "warning: using the api key of profile 'sb' from the unencrypted file" in result.stderr
        )
    assert pcli("auth", "status").json()["api_key"]["source"] == f"file {path}"
    pcli("profile", "remove", "sb", "--yes")
    assert "sb" not in path.read_text()


def test_no_keyring_backend_is_said_plainly(sandbox: SandboxAdmin) -> None:
    from keyring.backends.fail import Keyring as FailKeyring

    pcli = Cli({}, keyring=FailKeyring())
    add_sandbox_profile(pcli, sandbox)
    result = pcli("auth", "login", "--with-token", "--no-verify", input="secret\n")
    assert result.exit_code == 4
    assert "keyring is not usable" in result.stderr
    assert "ESIGN_API_KEY" in result.stderr and "--insecure-storage" in result.stderr


def test_hanging_keyring_answers_within_the_time_box(sandbox: SandboxAdmin) -> None:
    pcli = Cli({}, keyring=HangingKeyring())
    add_sandbox_profile(pcli, sandbox)
    started = time.monotonic()
    result = pcli("doc", "list")
    elapsed = time.monotonic() - started
    assert result.exit_code == 4
    assert "did not answer within 3 seconds" in result.stderr
    assert elapsed < 5


def test_hanging_keyring_in_a_real_process(tmp_path: Path) -> None:
    """PYTHON_KEYRING_BACKEND is respected, and the process ends within the time box."""
    root = ROOT
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ESIGN_")},
        "ESIGN_CONFIG_DIR": str(tmp_path / "cfg"),
        "PYTHON_KEYRING_BACKEND": "tests.keyrings.HangingKeyring",
        "PYTHONPATH": str(root),
    }
    esign = Path(sys.executable).with_name("esign")
    subprocess.run(
        [esign, "profile", "add", "p", "--provider", "zapsign"],
        env=env,
        check=True,
        capture_output=True,
    )
    started = time.monotonic()
    result = subprocess.run(
        [esign, "auth", "login", "--with-token", "--no-verify"],
        input="s3cret\n",
        env=env,
        text=True,
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 4
    assert "did not answer within 3 seconds" in result.stderr
    assert time.monotonic() - started < 6
