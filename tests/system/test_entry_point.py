"""The installed `esign` entry point, run as users run it: in child processes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pypdf import PdfReader

ESIGN = shutil.which("esign") or str(Path(sys.executable).with_name("esign"))


def run(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("ESIGN_")}
    full_env.update(env or {})
    return subprocess.run(
        [ESIGN, *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def served() -> Iterator[dict[str, str]]:
    """`esign sandbox serve` as its own process, as a user starts it."""
    port = free_port()
    proc = subprocess.Popen(
        [ESIGN, "sandbox", "serve", "--port", str(port), "--json", "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        banner = json.loads(proc.stdout.readline())
        deadline = time.monotonic() + 15
        while True:
            try:
                httpx.get(f"{banner['url']}/_sandbox/health", timeout=1, trust_env=False)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        okd = banner["providers"]["okdokument"]
        yield {
            "ESIGN_PROVIDER": "okdokument",
            "ESIGN_BASE_URL": okd["base_url"],
            "ESIGN_API_KEY": okd["api_key"],
            "ESIGN_SANDBOX_URL": banner["url"],
        }
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_version_and_module_entry() -> None:
    from esign import __version__

    assert run("--version").stdout == f"esign {__version__}\n"
    module = subprocess.run(
        [sys.executable, "-m", "esign", "--version"], capture_output=True, text=True, check=False
    )
    assert module.stdout == f"esign {__version__}\n"


def test_help_lists_the_command_tree() -> None:
    result = run("--help")
    assert result.returncode == 0
    for group in ("request", "doc", "auth", "profile", "sandbox", "completion"):
        assert group in result.stdout
    doc_help = run("doc", "--help").stdout
    for verb in ("info", "download", "presign", "list", "upload", "update", "delete", "wait"):
        assert verb in doc_help


@pytest.mark.parametrize(
    ("args", "suggestion"),
    [
        (["dco"], "'doc'"),  # a group, built only on first use
        (["doc", "infp", "x"], "'info'"),  # a command inside a group
        (["hlep"], "'help'"),  # one of the root's own commands
    ],
)
def test_misspelled_commands_get_a_suggestion(args: list[str], suggestion: str) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert f"Did you mean {suggestion}?" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "allowed"),
    [
        (["--help"], set()),
        (["doc", "--help"], set()),
        (["doc", "info", "--help"], set()),
        # A real command needs httpx only once it talks HTTP: this one fails on settings first.
        (["doc", "info", "x"], set()),
    ],
)
def test_commands_import_nothing_heavy_before_they_need_it(
    args: list[str], allowed: set[str]
) -> None:
    code = (
        "import sys, os\nos.environ.pop('ESIGN_PROVIDER', None)\n"
        "from esign.cli.main import main\n"
        f"try:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('httpx', 'rich', 'keyring', 'starlette', 'uvicorn', 'pypdf',"
        " 'pydantic', 'esign.sandbox') if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("ESIGN_")},
    )
    heavy = set(filter(None, result.stdout.strip().splitlines()[-1][6:].split(",")))
    assert heavy <= allowed, heavy


def test_doc_info_loads_only_what_it_uses(served: dict[str, str], tmp_path: Path) -> None:
    """A successful `doc info` over plain loopback HTTP loads no TLS trust store (truststore
    loads on the first https:// URL), no SOCKS support, and none of other commands' modules."""
    from esign.sandbox.pdf import sample_contract

    pdf = tmp_path / "contract.pdf"
    pdf.write_bytes(sample_contract())
    created = run("doc", "upload", str(pdf), env=served)
    assert created.returncode == 0, created.stderr
    document_id = json.loads(created.stdout)["id"]
    unwanted = (
        "truststore",
        "rich",
        "keyring",
        "pydantic",
        "starlette",
        "esign.sandbox",
        "esign.core.files.download",
        "esign.providers.options",
        "esign.core.files.local",
        "_strptime",
    )
    code = textwrap.dedent(
        f"""
        import gc, sys
        from esign.cli.main import main
        try:
            main(["doc", "info", {document_id!r}])
        except SystemExit as stop:
            print("EXIT=" + str(stop.code), file=sys.stderr)
        # Paused for start-up only: a command runs with the collector on.
        print("GC=" + str(gc.isenabled()), file=sys.stderr)
        print("LOADED=" + ",".join(m for m in {unwanted!r} if m in sys.modules))
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESIGN_")}
    env.update(served, XDG_CONFIG_HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert "EXIT=0" in result.stderr, result.stderr
    assert "GC=True" in result.stderr
    assert '"provider": "okdokument"' in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "LOADED="


def test_entry_point_does_not_import_heavy_modules_for_help() -> None:
    code = (
        "import sys; from esign.cli.main import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('httpx', 'rich', 'keyring', 'starlette', 'uvicorn', 'pypdf')"
        " if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "HEAVY="


def test_end_to_end_in_child_processes(served: dict[str, str], tmp_path: Path) -> None:
    from esign.sandbox.pdf import sample_contract

    pdf = tmp_path / "contract.pdf"
    pdf.write_bytes(sample_contract())
    created = run("request", "create", str(pdf), env=served)
    assert created.returncode == 0, created.stderr
    document_id = json.loads(created.stdout)["document_id"]
    signed = run("sandbox", "sign", document_id, env=served)
    assert signed.returncode == 0, signed.stderr
    assert json.loads(signed.stdout)["state"] == "signed"
    info = run("doc", "info", document_id, env=served)
    assert json.loads(info.stdout)["status"] == "signed"
    out = tmp_path / "signed.pdf"
    downloaded = run("doc", "download", document_id, "-o", str(out), env=served)
    assert downloaded.returncode == 0, downloaded.stderr
    assert "SIGNED" in PdfReader(out).pages[-1].extract_text()
    missing = run("doc", "info", "nope", env=served)
    assert missing.returncode == 5
    assert missing.stderr.startswith("error: ")
    assert "Traceback" not in missing.stderr


def test_real_retry_after_wait(served: dict[str, str], tmp_path: Path) -> None:
    from esign.sandbox.pdf import sample_contract

    pdf = tmp_path / "c.pdf"
    pdf.write_bytes(sample_contract())
    document_id = json.loads(run("doc", "upload", str(pdf), env=served).stdout)["id"]
    admin = served["ESIGN_SANDBOX_URL"]
    httpx.put(
        f"{admin}/_sandbox/faults",
        json={
            "rules": [
                {
                    "kind": "status",
                    "status": 503,
                    "retry_after": "1",
                    "method": "GET",
                    "path": "/document/metadata/",
                    "count": 1,
                }
            ]
        },
        trust_env=False,
    ).raise_for_status()
    started = time.monotonic()
    result = run("doc", "info", document_id, env=served)
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert elapsed >= 1.0  # it really waited as Retry-After asked


def test_sandbox_sign_without_a_sandbox_explains(tmp_path: Path) -> None:
    result = run(
        "sandbox", "sign", "x", env={"ESIGN_SANDBOX_URL": f"http://127.0.0.1:{free_port()}"}
    )
    assert result.returncode == 1
    assert "esign sandbox serve" in result.stderr


def test_demo_runs_end_to_end(tmp_path: Path) -> None:
    result = run("sandbox", "demo", "--out-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "$ DOC=$(esign request create" in result.stderr
    assert '$ esign sandbox sign "$DOC"' in result.stderr
    assert '$ esign doc download "$DOC"' in result.stderr
    signed = tmp_path / "signed-contract.pdf"
    assert "Signer: Demo Signer" in PdfReader(signed).pages[-1].extract_text()
    assert signed.read_bytes() != (tmp_path / "sample-contract.pdf").read_bytes()


def test_demo_with_zapsign(tmp_path: Path) -> None:
    result = run("sandbox", "demo", "--provider", "zapsign", "--out-dir", str(tmp_path), "--json")
    assert result.returncode == 0, result.stderr
    assert "--signer 'Demo Signer <demo@example.com>'" in result.stderr
    assert "$ esign signer add" in result.stderr and "--name 'Second Signer'" in result.stderr
    signed = tmp_path / "signed-contract.pdf"
    text = PdfReader(signed).pages[-1].extract_text()
    assert "Signer: Demo Signer" in text and "Signer: Second Signer" in text
