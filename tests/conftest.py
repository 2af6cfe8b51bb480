"""Shared fixtures: a real sandbox on a loopback port, the CLI driven in-process, and a
receiver for the provider callbacks the sandbox sends."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from esign.cli.app import app
from esign.core.context import ContextOverrides
from esign.sandbox.pdf import sample_contract
from esign.sandbox.server import RunningSandbox, start_in_thread
from tests.hostile import HostileServer
from tests.listening import listen  # noqa: F401 - fixture
from tests.proxyserver import auth_proxy, http_proxy, socks_proxy  # noqa: F401 - fixtures
from tests.rawserver import certificate, serve  # noqa: F401 - fixtures


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str
    stdout_bytes: bytes
    sleeps: list[float]

    def json(self) -> Any:
        return json.loads(self.stdout)


class SandboxAdmin:
    """The sandbox's admin API, as tests use it."""

    def __init__(self, running: RunningSandbox) -> None:
        self.running = running
        self.url = running.url
        self.http = httpx.Client(base_url=running.url, timeout=10, trust_env=False)

    @property
    def okdokument_base(self) -> str:
        return f"{self.url}/okdokument/JSON"

    @property
    def okdokument_key(self) -> str:
        return str(self.running.sandbox.credentials(self.url)["okdokument"]["api_key"])

    def zapsign(self, name: str) -> str:
        return str(self.running.sandbox.credentials(self.url)["zapsign"][name])

    @property
    def okdokument_forbidden_key(self) -> str:
        return str(self.running.sandbox.credentials(self.url)["okdokument"]["forbidden_api_key"])

    def faults(self, *rules: dict[str, Any]) -> None:
        self.http.put("/_sandbox/faults", json={"rules": list(rules)}).raise_for_status()

    def clear_faults(self) -> None:
        self.http.delete("/_sandbox/faults").raise_for_status()

    def fault_state(self) -> list[dict[str, Any]]:
        return list(self.http.get("/_sandbox/faults").json()["rules"])

    def journal(self) -> list[dict[str, Any]]:
        return list(self.http.get("/_sandbox/journal").json())

    def callbacks(self) -> list[dict[str, Any]]:
        return list(self.http.get("/_sandbox/callbacks").json())

    def requests(self) -> list[dict[str, Any]]:
        return list(self.http.get("/_sandbox/requests").json())

    def clear_requests(self) -> None:
        self.http.delete("/_sandbox/requests").raise_for_status()

    def sign(
        self, some_id: str, action: str = "sign", signer_token: str | None = None
    ) -> dict[str, Any]:
        response = self.http.post(
            "/_sandbox/sign",
            json={"id": some_id, "action": action, "signer_token": signer_token},
        )
        response.raise_for_status()
        return dict(response.json())


@pytest.fixture(scope="session")
def running_sandbox() -> Iterator[RunningSandbox]:
    running = start_in_thread()
    yield running
    running.stop()


@pytest.fixture
def sandbox(running_sandbox: RunningSandbox) -> Iterator[SandboxAdmin]:
    admin = SandboxAdmin(running_sandbox)
    admin.clear_faults()
    yield admin
    admin.clear_faults()
    admin.http.close()


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the developer's ESIGN_* variables, proxies, trust settings or config."""
    for name in list(os.environ):
        if (
            name.startswith("ESIGN_")
            or name in ("NO_COLOR", "SSL_CERT_FILE", "SSL_CERT_DIR")
            or name.lower() in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
        ):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ESIGN_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("ESIGN_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    """A loopback server that answers whatever the test routes to it (tests/hostile.py)."""
    server = HostileServer()
    yield server
    server.close()


@pytest.fixture
def okd_env(sandbox: SandboxAdmin) -> dict[str, str]:
    return {
        "ESIGN_PROVIDER": "okdokument",
        "ESIGN_BASE_URL": sandbox.okdokument_base,
        "ESIGN_API_KEY": sandbox.okdokument_key,
        "ESIGN_SANDBOX_URL": sandbox.url,
    }


@pytest.fixture
def zs_env(sandbox: SandboxAdmin) -> dict[str, str]:
    return {
        "ESIGN_PROVIDER": "zapsign",
        "ESIGN_BASE_URL": sandbox.zapsign("base_url"),
        "ESIGN_API_KEY": sandbox.zapsign("api_key"),
        "ESIGN_SANDBOX_URL": sandbox.url,
    }


def ih_settings(sandbox: SandboxAdmin) -> dict[str, str]:
    creds = sandbox.running.sandbox.credentials(sandbox.url)["indexhealth"]
    return {
        "ESIGN_PROVIDER": "indexhealth",
        "ESIGN_BASE_URL": creds["base_url"],
        "ESIGN_CLIENT_ID": creds["client_id"],
        "ESIGN_CLIENT_SECRET": creds["client_secret"],
        "ESIGN_USER_EMAIL": creds["user_email"],
        "ESIGN_USER_FIRST_NAME": creds["user_first_name"],
        "ESIGN_USER_LAST_NAME": creds["user_last_name"],
        "ESIGN_GROUP_NAME": creds["group_name"],
    }


class Cli:
    """Runs the real Typer app in-process with a chosen environment and TTY mode."""

    def __init__(self, env: dict[str, str], keyring: Any = None) -> None:
        self.env = env
        self.keyring = keyring
        self.runner = CliRunner()

    def __call__(
        self,
        *args: str,
        env: dict[str, str] | None = None,
        tty: bool = False,
        input: str | None = None,
        replace_env: bool = False,
    ) -> CliResult:
        sleeps: list[float] = []
        offset = [0.0]

        def sleep(seconds: float) -> None:  # recorded, not slept: the clock jumps instead
            sleeps.append(seconds)
            offset[0] += seconds

        def clock() -> float:
            return time.time() + offset[0]

        full_env = dict(os.environ)
        full_env.update(env if replace_env and env is not None else {**self.env, **(env or {})})
        overrides = ContextOverrides(
            env=full_env, force_tty=tty, sleep=sleep, clock=clock, keyring=self.keyring
        )
        result = self.runner.invoke(
            app, list(args), input=input, obj=overrides, catch_exceptions=False
        )
        return CliResult(
            exit_code=result.exit_code,
            stdout=result.stdout,
            stderr=result.stderr,
            stdout_bytes=result.stdout_bytes,
            sleeps=sleeps,
        )


@pytest.fixture
def cli(okd_env: dict[str, str]) -> Cli:
    return Cli(okd_env)


@pytest.fixture
def zs(zs_env: dict[str, str]) -> Cli:
    """The CLI configured for the sandbox's ZapSign."""
    return Cli(zs_env)


@pytest.fixture
def bare_cli() -> Cli:
    """The CLI with no provider configured at all."""
    return Cli({})


@pytest.fixture
def contract(tmp_path: Path) -> Path:
    path = tmp_path / "contract.pdf"
    path.write_bytes(sample_contract("Test contract"))
    return path


@dataclass
class CallbackReceiver:
    url: str
    received: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200


@pytest.fixture
def callback_receiver() -> Iterator[CallbackReceiver]:
    """A portal endpoint on loopback that records the provider callbacks it receives."""
    receiver = CallbackReceiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", 0))
            body = self.rfile.read(length)
            receiver.received.append(
                {
                    "path": self.path,
                    "headers": dict(self.headers.items()),
                    "json": json.loads(body or b"null"),
                }
            )
            self.send_response(receiver.status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/esign"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The fault matrix's summary table (commands x faults), when it ran."""
    import sys

    matrix = sys.modules.get("tests.providers.test_fault_matrix")
    results = getattr(matrix, "RESULTS", None)
    if not results:
        return
    faults = [f.name for f in matrix.FAULTS]  # type: ignore[union-attr]
    width = max(len(row) for row in results)
    write = terminalreporter.write_line
    write("")
    write("fault matrix: " + ", ".join(faults))
    write(" " * (width + 2) + " ".join(f"{f[:9]:>9}" for f in faults))
    cells = passed = 0
    for row in sorted(results):
        marks = []
        for fault in faults:
            mark = results[row].get(fault, "-")
            cells += mark != "-"
            passed += mark == "pass"
            marks.append(f"{mark:>9}")
        write(f"{row:<{width}}  " + " ".join(marks))
    write(f"fault matrix: {passed} of {cells} cells passed")
