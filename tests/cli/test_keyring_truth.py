"""What esign says about the keyring is true: a secret it could not remove is reported as not
removed, a keyring that keeps nothing is no keyring, and any backend failure is exit 4 naming
the backend. The secret typed into `auth login` is never shown, whatever fails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.conftest import Cli
from tests.keyrings import EchoingKeyring, FailingKeyring, LockedKeyring

ESIGN = str(Path(sys.executable).with_name("esign"))
SECRET = "5a4d0c1e_" + "9" * 64


def logged_in(keyring: LockedKeyring) -> Cli:
    cli = Cli({}, keyring=keyring)
    added = cli("profile", "add", "p", "--provider", "zapsign")
    assert added.exit_code == 0, added.stderr
    login = cli("auth", "login", "--profile", "p", "--with-token", "--no-verify", input=SECRET)
    assert login.exit_code == 0, login.stderr
    return cli


def test_logout_with_a_locked_keyring_says_the_secret_was_not_removed() -> None:
    keyring = LockedKeyring()
    cli = logged_in(keyring)
    keyring.locked = True
    result = cli("auth", "logout", "--profile", "p")
    assert result.exit_code == 4, result.stdout
    assert "NOT removed" in result.stderr and "locked" in result.stderr
    assert result.stdout == ""  # no `"secrets_removed": []` claiming success
    assert keyring.entries[("esign", "p:api_key")] == SECRET


def test_profile_remove_with_a_locked_keyring_keeps_the_profile_and_says_so() -> None:
    keyring = LockedKeyring()
    cli = logged_in(keyring)
    keyring.locked = True
    result = cli("profile", "remove", "p", "--yes")
    assert result.exit_code == 4
    assert "NOT removed" in result.stderr
    config = tomllib.loads((Path(os.environ["ESIGN_CONFIG_DIR"]) / "config.toml").read_text())
    assert "p" in config["profiles"]  # still there: run it again once the keyring is unlocked
    keyring.locked = False
    assert cli("profile", "remove", "p", "--yes").exit_code == 0
    assert keyring.entries == {}


def test_a_null_keyring_that_stores_nothing_is_no_usable_keyring(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ESIGN_")},
        "ESIGN_CONFIG_DIR": str(tmp_path / "config"),
        "ESIGN_DATA_DIR": str(tmp_path / "data"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    }

    def esign(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [ESIGN, *args], input=stdin, env=env, capture_output=True, text=True, check=False
        )

    assert esign("profile", "add", "p", "--provider", "zapsign").returncode == 0
    login = esign("auth", "login", "--profile", "p", "--with-token", "--no-verify", stdin=SECRET)
    assert login.returncode == 4, login.stdout
    assert "no keyring that stores secrets" in login.stderr
    assert "--insecure-storage" in login.stderr
    assert SECRET not in login.stderr + login.stdout


def test_a_backend_error_of_any_kind_is_exit_4_naming_the_backend() -> None:
    cli = Cli({}, keyring=FailingKeyring())
    assert cli("profile", "add", "p", "--provider", "zapsign").exit_code == 0
    for args in (
        ["auth", "login", "--profile", "p", "--with-token", "--no-verify"],
        ["auth", "token", "--profile", "p"],
        ["doc", "list", "--profile", "p"],
        ["auth", "logout", "--profile", "p"],
    ):
        result = cli(*args, input=SECRET)
        assert result.exit_code == 4, (args, result.stderr)
        assert "tests.keyrings.FailingKeyring" in result.stderr, result.stderr
        assert "unexpected" not in result.stderr


def test_the_secret_typed_into_auth_login_is_never_shown_even_when_the_backend_quotes_it() -> None:
    cli = Cli({}, keyring=EchoingKeyring())
    assert cli("profile", "add", "p", "--provider", "zapsign").exit_code == 0
    for extra in ([], ["--json"], ["--debug"]):
        result = cli(
            "auth",
            "login",
            "--profile",
            "p",
            "--with-token",
            "--no-verify",
            *extra,
            input=SECRET + "\n",
        )
        assert result.exit_code == 4
        assert SECRET not in result.stderr + result.stdout
        assert SECRET[:20] not in result.stderr
        assert "[REDACTED]" in result.stderr


def test_logout_where_no_keyring_is_says_the_keyring_was_not_checked(tmp_path: Path) -> None:
    # A shell without a D-Bus session: a secret stored from a desktop session may still be in
    # that keyring, so "secrets_removed: []" alone would read as "nothing was there".
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ESIGN_")},
        "ESIGN_CONFIG_DIR": str(tmp_path / "config"),
        "ESIGN_DATA_DIR": str(tmp_path / "data"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }

    def esign(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([ESIGN, *args], env=env, capture_output=True, text=True, check=False)

    assert esign("profile", "add", "p", "--provider", "zapsign").returncode == 0
    logout = esign("auth", "logout", "--profile", "p", "--json")
    assert logout.returncode == 0, logout.stderr
    assert json.loads(logout.stdout) == {
        "profile": "p",
        "secrets_removed": [],
        "keyring_checked": False,
    }
    assert "no keyring here to check" in logout.stderr
    removed = esign("profile", "remove", "p", "--yes")
    assert removed.returncode == 0 and "was not removed" in removed.stderr
