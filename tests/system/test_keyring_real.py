"""Credentials in a real Secret Service: gnome-keyring inside dbus-run-session, driven through
the installed `esign` in child processes, checked with `secret-tool`."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

from tests.conftest import SandboxAdmin

ESIGN = str(Path(sys.executable).with_name("esign"))
TOOLS = ("dbus-run-session", "gnome-keyring-daemon", "secret-tool")


@pytest.fixture(scope="module")
def secret_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    missing = [tool for tool in TOOLS if not shutil.which(tool)]
    if missing:
        pytest.fail(
            f"{', '.join(missing)} not installed: scripts/test installs gnome-keyring, "
            "dbus and libsecret-tools"
        )
    home = tmp_path_factory.mktemp("keyring-home")
    script = (
        "printf esign-test | gnome-keyring-daemon --unlock --components=secrets "
        '>/dev/null 2>&1; echo "ADDR=$DBUS_SESSION_BUS_ADDRESS"; exec sleep 900'
    )
    proc = subprocess.Popen(
        ["dbus-run-session", "--", "bash", "-c", script],
        env={"PATH": os.environ["PATH"], "HOME": str(home)},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    assert line.startswith("ADDR="), line
    env = {"DBUS_SESSION_BUS_ADDRESS": line[5:], "HOME": str(home)}
    deadline = time.monotonic() + 30  # a loaded machine unlocks the collection slowly
    while True:  # ready once a secret round-trips
        probe = subprocess.run(
            ["secret-tool", "store", "--label", "probe", "service", "probe", "username", "p"],
            input="x",
            text=True,
            capture_output=True,
            env={**os.environ, **env},
            check=False,
        )
        if probe.returncode == 0:
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"gnome-keyring did not come up: {probe.stderr}")
        time.sleep(0.1)
    yield env
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=10)


@pytest.fixture
def env(secret_service: dict[str, str], tmp_path: Path) -> dict[str, str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("ESIGN_") and k != "PYTHON_KEYRING_BACKEND"
    }
    return {
        **base,
        **secret_service,
        "ESIGN_CONFIG_DIR": str(tmp_path / "config"),
        "ESIGN_DATA_DIR": str(tmp_path / "data"),
    }


def esign(
    env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ESIGN, *args],
        input=stdin,
        text=True,
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )


def secret_tool(env: dict[str, str], username: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["secret-tool", "lookup", "service", "esign", "username", username],
        text=True,
        capture_output=True,
        env=env,
        check=False,
    )


def test_login_store_read_back_in_a_new_process_and_logout(
    env: dict[str, str], sandbox: SandboxAdmin
) -> None:
    key = sandbox.okdokument_key
    assert (
        esign(
            env,
            "profile",
            "add",
            "kr",
            "--provider",
            "okdokument",
            "--base-url",
            sandbox.okdokument_base,
        ).returncode
        == 0
    )
    login = esign(env, "auth", "login", "--profile", "kr", "--with-token", stdin=key + "\n")
    assert login.returncode == 0, login.stderr
    assert "SecretService" in json.loads(login.stdout)["stored_in"]
    assert secret_tool(env, "kr:api_key").stdout == key  # really in the Secret Service
    token = esign(env, "auth", "token", "--profile", "kr")
    assert token.stdout == key + "\n"
    listed = esign(env, "doc", "list", "--profile", "kr")
    assert listed.returncode == 0, listed.stderr
    status = json.loads(esign(env, "auth", "status", "--profile", "kr").stdout)
    assert status["api_key"]["source"] == "keyring"
    assert "SecretService" in status["keyring_backend"]["value"]
    for path in Path(env["ESIGN_CONFIG_DIR"]).rglob("*"):
        if path.is_file():
            assert key not in path.read_text(errors="replace")
    logout = esign(env, "auth", "logout", "--profile", "kr")
    assert logout.returncode == 0, logout.stderr
    gone = secret_tool(env, "kr:api_key")
    assert gone.returncode != 0 and gone.stdout == ""
    assert esign(env, "doc", "list", "--profile", "kr").returncode == 4


def test_hidden_prompt_on_a_terminal_never_echoes(env: dict[str, str]) -> None:
    secret = "typed-secret-" + "9" * 20
    assert esign(env, "profile", "add", "tty", "--provider", "zapsign").returncode == 0
    child = pexpect.spawn(
        ESIGN, ["auth", "login", "--profile", "tty", "--no-verify"], env=env, timeout=30
    )
    seen = io.BytesIO()
    child.logfile_read = seen
    child.expect("api key for profile tty")
    child.sendline(secret)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, seen.getvalue()
    assert secret.encode() not in seen.getvalue()  # the terminal never showed it
    assert secret_tool(env, "tty:api_key").stdout == secret


def test_sandbox_serve_writes_ready_profiles(env: dict[str, str]) -> None:
    proc = subprocess.Popen(
        [ESIGN, "sandbox", "serve", "--port", "0", "--write-profiles", "--json", "-q"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        banner = json.loads(proc.stdout.readline())
        zapsign = banner["providers"]["zapsign"]
        assert secret_tool(env, "sandbox-zapsign:api_key").stdout == zapsign["api_key"]
        deadline = time.monotonic() + 15
        while True:
            listed = esign(env, "doc", "list", "--profile", "sandbox-zapsign")
            if listed.returncode == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert listed.returncode == 0, listed.stderr
        okd = esign(env, "doc", "list", "--profile", "sandbox-okdokument")
        assert okd.returncode == 0, okd.stderr
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
