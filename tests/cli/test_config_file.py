"""config.toml as users keep it: a symlink into a dotfiles repository, comments of their own,
a directory they chose, typos in types, and many esign processes at once."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.keyrings import MemoryKeyring

ESIGN = str(Path(sys.executable).with_name("esign"))


def config_dir() -> Path:
    return Path(os.environ["ESIGN_CONFIG_DIR"])


@pytest.fixture
def pcli() -> Cli:
    return Cli({}, keyring=MemoryKeyring())


def test_a_symlinked_config_stays_a_symlink_and_its_target_is_written(
    pcli: Cli, tmp_path: Path
) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    real = dotfiles / "esign.toml"
    real.write_text('[profiles.old]\nprovider = "zapsign"\n')
    config_dir().mkdir()
    link = config_dir() / "config.toml"
    link.symlink_to(real)
    result = pcli("profile", "add", "new", "--provider", "okdokument")
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink() and link.resolve() == real
    assert set(tomllib.loads(real.read_text())["profiles"]) == {"old", "new"}


def test_directories_the_user_chose_are_not_chmodded(pcli: Cli, tmp_path: Path) -> None:
    for name in ("ESIGN_CONFIG_DIR", "ESIGN_DATA_DIR"):
        Path(os.environ[name]).mkdir(mode=0o755)
        Path(os.environ[name]).chmod(0o755)
    assert pcli("profile", "add", "p", "--provider", "zapsign").exit_code == 0
    login = pcli(
        "auth",
        "login",
        "--profile",
        "p",
        "--with-token",
        "--insecure-storage",
        "--no-verify",
        input="k" * 20,
    )
    assert login.exit_code == 0, login.stderr
    for name in ("ESIGN_CONFIG_DIR", "ESIGN_DATA_DIR"):
        assert stat.S_IMODE(Path(os.environ[name]).stat().st_mode) == 0o755
    # The files esign writes are still private.
    assert stat.S_IMODE((config_dir() / "config.toml").stat().st_mode) == 0o600
    data_file = Path(os.environ["ESIGN_DATA_DIR"]) / "credentials.json"
    assert stat.S_IMODE(data_file.stat().st_mode) == 0o600


def test_a_directory_esign_creates_is_private(pcli: Cli) -> None:
    assert pcli("profile", "add", "p", "--provider", "zapsign").exit_code == 0
    assert stat.S_IMODE(config_dir().stat().st_mode) == 0o700


def test_user_comments_in_the_config_survive_an_edit(pcli: Cli) -> None:
    config_dir().mkdir()
    original = (
        "# my esign setup, see the wiki\n"
        'default_profile = "prod"  # the one CI uses\n'
        "\n"
        "[profiles.prod]\n"
        "# ask ops before changing\n"
        'provider = "zapsign"\n'
    )
    (config_dir() / "config.toml").write_text(original)
    assert pcli("profile", "add", "dev", "--provider", "okdokument").exit_code == 0
    assert pcli("profile", "use", "prod").exit_code == 0
    text = (config_dir() / "config.toml").read_text()
    for comment in ("# my esign setup, see the wiki", "# the one CI uses", "# ask ops before"):
        assert comment in text
    assert set(tomllib.loads(text)["profiles"]) == {"prod", "dev"}


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        (
            '[profiles.p]\nprovider = "okdokument"\nbase_url = "http://10.0.0.5/JSON"\n'
            'allow_http = "false"\n',
            "profiles.p.allow_http",
        ),
        ("profiles = 3\n", "profiles"),
        ('default_profile = 1\n[profiles.p]\nprovider = "zapsign"\n', "default_profile"),
        ('[profiles.p]\nprovider = "zapsign"\nbase_url = 5\n', "profiles.p.base_url"),
        ('[profiles.p]\nprovider = ["zapsign"]\n', "profiles.p.provider"),
        ('[profiles.p]\nprovider = "zapsign"\nclient_id = true\n', "profiles.p.client_id"),
    ],
)
def test_a_config_value_of_the_wrong_type_is_exit_2_naming_the_key(
    pcli: Cli, toml: str, key: str
) -> None:
    config_dir().mkdir()
    (config_dir() / "config.toml").write_text(toml)
    for args in (
        ["doc", "list", "--profile", "p"],
        ["profile", "list"],
        ["profile", "add", "x", "--provider", "zapsign"],
    ):
        result = pcli(*args, env={"ESIGN_API_KEY": "k" * 20})
        assert result.exit_code == 2, (args, result.stderr)
        assert f"{key} must be" in result.stderr
        assert "unexpected" not in result.stderr


def test_a_config_that_is_not_utf8_is_exit_2(pcli: Cli) -> None:
    config_dir().mkdir()
    (config_dir() / "config.toml").write_bytes(b'[profiles.p]\nprovider = "zaps\xe9gn"\n')
    for args in (["profile", "list"], ["profile", "add", "x", "--provider", "zapsign"]):
        result = pcli(*args)
        assert result.exit_code == 2, result.stderr
        assert "not UTF-8" in result.stderr


def test_twenty_concurrent_insecure_logins_keep_twenty_secrets(pcli: Cli, tmp_path: Path) -> None:
    names = [f"p{n:02}" for n in range(20)]
    for name in names:
        assert pcli("profile", "add", name, "--provider", "zapsign").exit_code == 0
    env = {
        **{k: v for k, v in os.environ.items() if k != "PYTHON_KEYRING_BACKEND"},
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    }
    procs = [
        subprocess.Popen(
            [
                ESIGN,
                "auth",
                "login",
                "--profile",
                name,
                "--with-token",
                "--insecure-storage",
                "--no-verify",
            ],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in names
    ]
    time.sleep(1.5)  # every process is up, waiting for its secret on stdin
    for name, proc in zip(names, procs, strict=True):
        assert proc.stdin is not None
        proc.stdin.write(f"secret-of-{name}-0123456789")
    for proc in procs:  # all at once: twenty read-modify-writes of one file
        assert proc.stdin is not None
        proc.stdin.close()
    for proc in procs:
        assert proc.wait(timeout=60) == 0, proc.stderr.read() if proc.stderr else ""
    import json

    stored = json.loads((Path(os.environ["ESIGN_DATA_DIR"]) / "credentials.json").read_text())
    assert {name: stored[name]["api_key"] for name in stored} == {
        name: f"secret-of-{name}-0123456789" for name in names
    }


def test_a_config_without_a_schema_is_read_and_gets_one_on_the_next_edit(
    bare_cli: Cli,
) -> None:
    config = Path(os.environ["ESIGN_CONFIG_DIR"]) / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        '# mine\ndefault_profile = "a"\n\n[profiles.a]\nprovider = "zapsign"  # keep me\n'
    )
    assert bare_cli("profile", "show", "a", "--json").json()["provider"] == "zapsign"
    assert "schema" not in config.read_text()  # reading never writes
    assert bare_cli("profile", "set", "a", "proxy", "http://proxy.corp:3128").exit_code == 0
    text = config.read_text()
    data = tomllib.loads(text)
    assert data["schema"] == 1
    assert data["profiles"]["a"]["proxy"] == "http://proxy.corp:3128"
    assert "# mine" in text and "# keep me" in text


def test_a_config_from_a_newer_esign_is_refused_not_misread(bare_cli: Cli) -> None:
    config = Path(os.environ["ESIGN_CONFIG_DIR"]) / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('schema = 99\n[profiles.a]\nprovider = "zapsign"\n')
    result = bare_cli("profile", "list")
    assert result.exit_code == 2
    assert "schema 99, written by a newer esign" in result.stderr
    edit = bare_cli("profile", "set", "a", "proxy", "http://p:1")
    assert edit.exit_code == 2
    assert "schema = 99" in config.read_text()  # untouched
