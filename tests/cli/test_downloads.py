"""Downloads at scale, presign, and waiting for signatures (issue: downloads at scale)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pexpect
import pytest
from pypdf import PdfReader

from esign.sandbox.pdf import synthetic_chunks
from tests.conftest import Cli, SandboxAdmin

ESIGN = str(Path(sys.executable).with_name("esign"))


def synthetic(sandbox: SandboxAdmin, size: int, name: str = "big.pdf") -> str:
    response = sandbox.http.post(
        "/_sandbox/okdokument/synthetic",
        json={"size": size, "name": name, "api_key": sandbox.okdokument_key},
    )
    response.raise_for_status()
    return str(response.json()["id"])


def expected_sha256(size: int) -> str:
    digest = hashlib.sha256()
    for chunk in synthetic_chunks(size):
        digest.update(chunk)
    return digest.hexdigest()


def child_env(okd_env: dict[str, str]) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("ESIGN_")}
    return {**base, **okd_env}


def peak_rss_kb(args: list[str], env: dict[str, str]) -> tuple[int, int]:
    """(exit code, peak RSS in KiB) of one child process, from the kernel's accounting."""
    proc = subprocess.Popen(
        [ESIGN, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_maxrss


def test_200_mb_download_keeps_memory_flat(
    sandbox: SandboxAdmin, okd_env: dict[str, str], tmp_path: Path
) -> None:
    env = child_env(okd_env)
    small, big = 1 << 20, 200 << 20
    small_id, big_id = synthetic(sandbox, small), synthetic(sandbox, big)
    code_small, rss_small = peak_rss_kb(
        ["doc", "download", small_id, "-o", str(tmp_path / "small.pdf")], env
    )
    code_big, rss_big = peak_rss_kb(
        ["doc", "download", big_id, "-o", str(tmp_path / "big.pdf")], env
    )
    assert (code_small, code_big) == (0, 0)
    assert (tmp_path / "big.pdf").stat().st_size == big
    assert hashlib.sha256((tmp_path / "big.pdf").read_bytes()).hexdigest() == expected_sha256(big)
    growth_mb = (rss_big - rss_small) / 1024
    print(
        f"peak RSS: 1 MB download {rss_small / 1024:.1f} MB, 200 MB download "
        f"{rss_big / 1024:.1f} MB (growth {growth_mb:.1f} MB)"
    )
    assert growth_mb < 10


@pytest.mark.parametrize(
    ("disposition", "expected"),
    [
        ('attachment; filename="../../evil.pdf"', "evil.pdf"),
        ('attachment; filename="/etc/passwd"', "passwd"),
        ('attachment; filename="..\\\\..\\\\win.pdf"', "win.pdf"),
        ("attachment; filename*=UTF-8''%2E%2E%2F%2E%2E%2Fx%1B%5B31m%0A.pdf", "x[31m.pdf"),
        ('attachment; filename=".."', "{id}.pdf"),
        ('attachment; filename="..."', "{id}.pdf"),
        ("inline", "{id}.pdf"),
    ],
)
def test_hostile_file_names_stay_in_the_target_directory(
    cli: Cli, sandbox: SandboxAdmin, tmp_path: Path, disposition: str, expected: str
) -> None:
    target = tmp_path / "inbox"
    target.mkdir()
    document_id = "doc-hostile"
    sandbox.faults(
        {
            "kind": "status",
            "status": 200,
            "body": "%PDF-1.7 hostile\n",
            "content_type": "application/pdf",
            "headers": [["Content-Disposition", disposition]],
            "method": "GET",
            "path": f"/JSON/document/{document_id}$",
        }
    )
    result = cli("doc", "download", document_id, "--any-state", "-o", f"{target}/")
    assert result.exit_code == 0, result.stderr
    saved = Path(result.json()["path"])
    assert saved.parent == target
    assert saved.name == expected.format(id=document_id)
    assert sorted(p.name for p in tmp_path.rglob("*")) == sorted(["inbox", saved.name])


def test_fifty_ids_with_eight_jobs_and_some_missing(
    cli: Cli, contract: Path, sandbox: SandboxAdmin, tmp_path: Path
) -> None:
    made = [
        cli("doc", "upload", str(contract), "--name", f"c{i:02}.pdf").json()["id"]
        for i in range(45)
    ]
    missing = [f"missing-{i}" for i in range(5)]
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text(
        "# batch\n"
        + "\n".join(made[:20])
        + "\n\n"
        + "\n".join(missing)
        + "\n"
        + "\n".join(made[20:])
        + "\n"
        + made[0]
        + "\n"
    )
    out = tmp_path / "out"
    out.mkdir()
    result = cli(
        "doc", "download", "--from", str(ids_file), "-o", f"{out}/", "--jobs", "8", "--any-state"
    )
    assert result.exit_code == 5  # the worst failure: not found
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 50  # one object per document, the duplicate once
    ok = [line for line in lines if "error" not in line]
    failed = [line for line in lines if "error" in line]
    assert sorted(line["id"] for line in ok) == sorted(made)
    assert sorted(line["id"] for line in failed) == sorted(missing)
    assert all(line["error"]["code"] == 5 for line in failed)
    assert len(list(out.iterdir())) == 45
    assert not list(out.glob("*.part"))
    assert "5 of 50 downloads failed" in result.stderr


def test_worst_failure_decides_the_exit_code(
    cli: Cli, contract: Path, sandbox: SandboxAdmin, tmp_path: Path
) -> None:
    good = cli("doc", "upload", str(contract)).json()["id"]
    sandbox.faults(
        {
            "kind": "status",
            "status": 500,
            "method": "GET",
            "path": "/JSON/document/boom$",
            "count": None,
        }
    )
    result = cli(
        "doc", "download", good, "missing-one", "boom", "--any-state", "-o", f"{tmp_path}/"
    )
    assert result.exit_code == 1  # unexpected (500) outranks not found (5)
    assert (tmp_path / "contract.pdf").exists() or len(list(tmp_path.iterdir())) >= 1


def test_same_server_name_twice_in_one_run(cli: Cli, contract: Path, tmp_path: Path) -> None:
    first = cli("doc", "upload", str(contract), "--name", "same.pdf").json()["id"]
    second = cli("doc", "upload", str(contract), "--name", "same.pdf").json()["id"]
    out = tmp_path / "out"
    out.mkdir()
    result = cli("doc", "download", first, second, "--any-state", "-o", f"{out}/")
    assert result.exit_code == 0, result.stderr
    assert len(list(out.iterdir())) == 2


def test_several_ids_need_a_directory(cli: Cli, tmp_path: Path) -> None:
    for out in (str(tmp_path / "one.pdf"), "-"):
        result = cli("doc", "download", "a", "b", "-o", out)
        assert result.exit_code == 2
        assert "directory" in result.stderr
    assert cli("doc", "download").exit_code == 2


def test_ids_from_stdin(cli: Cli, contract: Path, tmp_path: Path) -> None:
    ids = [
        cli("doc", "upload", str(contract), "--name", f"s{i}.pdf").json()["id"] for i in range(3)
    ]
    result = cli(
        "doc", "download", "--from", "-", "--any-state", "-o", f"{tmp_path}/", input="\n".join(ids)
    )
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) == 3


def test_retry_after_is_honoured_across_the_pool(
    sandbox: SandboxAdmin, okd_env: dict[str, str], tmp_path: Path
) -> None:
    ids = [synthetic(sandbox, 4 << 20, f"p{i}.pdf") for i in range(12)]
    # Rules apply in order: the very first download answers 429, the others are slowed down
    # so that the pool is busy when it comes.
    sandbox.faults(
        {
            "kind": "status",
            "status": 429,
            "retry_after": "2",
            "method": "GET",
            "path": "/JSON/document/",
            "count": 1,
        },
        {
            "kind": "latency",
            "delay": 0.2,
            "method": "GET",
            "path": "/JSON/document/",
            "count": None,
        },
    )
    sandbox.clear_requests()
    result = subprocess.run(
        [ESIGN, "doc", "download", *ids, "-o", f"{tmp_path}/", "--jobs", "4"],
        env=child_env(okd_env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    times = sorted(r["at"] for r in sandbox.requests() if "/JSON/document/" in r["raw_path"])
    # The first request got the 429 at once; the three sent beside it were already under way
    # (their 0.2 s latency). Every request after those waited out the 2 s it asked for.
    first = times[0]
    after_burst = [t - first for t in times[4:]]
    assert after_burst and min(after_burst) >= 1.9, [round(t, 2) for t in after_burst[:5]]
    assert len(list(tmp_path.glob("p*.pdf"))) == 12


# -- wait ---------------------------------------------------------------------------------


def test_wait_reaches_signed_after_signing_from_another_process(
    cli: Cli, contract: Path, okd_env: dict[str, str]
) -> None:
    document_id = cli("request", "create", str(contract)).json()["document_id"]
    env = child_env(okd_env)
    waiter = subprocess.Popen(
        [ESIGN, "doc", "wait", document_id, "--interval", "1s", "--wait-timeout", "60s"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.5)
    signer = subprocess.run(
        [ESIGN, "sandbox", "sign", document_id],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert signer.returncode == 0, signer.stderr
    out, err = waiter.communicate(timeout=60)
    assert waiter.returncode == 0, err
    assert json.loads(out)["status"] == "signed"
    assert err == ""  # piped: no live status line, nothing until the end


def test_wait_times_out_with_exit_8_and_backs_off(cli: Cli, contract: Path) -> None:
    document_id = cli("request", "create", str(contract)).json()["document_id"]
    result = cli("doc", "wait", document_id, "--wait-timeout", "30s", "--interval", "5s")
    assert result.exit_code == 8
    assert result.sleeps == pytest.approx([5.0, 7.5, 11.25, 6.25], abs=0.3)  # never faster
    assert result.json()["status"] == "pending"  # the last state is still printed
    assert "still pending after 30s" in result.stderr


def test_wait_ends_refused(zs: Cli, contract: Path, sandbox: SandboxAdmin) -> None:
    data = zs("request", "create", str(contract), "--signer", "Ana").json()
    sandbox.sign(data["document_id"], action="cancel")
    refused = zs("doc", "wait", data["document_id"])
    assert refused.exit_code == 6 and "was refused" in refused.stderr
    final = zs("doc", "wait", data["document_id"], "--until", "final")
    assert final.exit_code == 0 and final.json()["status"] == "refused"


def test_wait_arguments_are_checked(cli: Cli) -> None:
    assert cli("doc", "wait", "x", "--until", "soon").exit_code == 2
    assert cli("doc", "wait", "x", "--interval", "0.1s").exit_code == 2
    assert cli("doc", "wait", "x", "--wait-timeout", "forever").exit_code == 2


def test_download_with_wait(
    cli: Cli, contract: Path, okd_env: dict[str, str], tmp_path: Path
) -> None:
    document_id = cli("request", "create", str(contract)).json()["document_id"]
    env = child_env(okd_env)
    target = tmp_path / "signed.pdf"
    waiter = subprocess.Popen(
        [ESIGN, "doc", "download", document_id, "--wait", "--interval", "1s", "-o", str(target)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.5)
    subprocess.run(
        [ESIGN, "sandbox", "sign", document_id], env=env, check=True, capture_output=True
    )
    _, err = waiter.communicate(timeout=60)
    assert waiter.returncode == 0, err
    assert "SIGNED" in PdfReader(io.BytesIO(target.read_bytes())).pages[-1].extract_text()


# -- terminal behaviour ---------------------------------------------------------------------


def test_progress_bar_on_a_terminal_never_in_a_pipe(
    sandbox: SandboxAdmin, okd_env: dict[str, str], tmp_path: Path
) -> None:
    env = child_env(okd_env)
    document_id = synthetic(sandbox, 8 << 20)
    child = pexpect.spawn(
        ESIGN,
        ["doc", "download", document_id, "-o", str(tmp_path / "t.pdf")],
        env=env,
        timeout=60,
        dimensions=(24, 120),
    )
    seen = io.BytesIO()
    child.logfile_read = seen
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    shown = seen.getvalue().decode("utf-8", "replace")
    assert "━" in shown and "MB" in shown  # rich's bar with bytes and rate
    piped = subprocess.run(
        [ESIGN, "doc", "download", document_id, "-o", str(tmp_path / "p.pdf")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert piped.returncode == 0
    assert "━" not in piped.stderr and piped.stderr == ""
    quiet = pexpect.spawn(
        ESIGN,
        ["doc", "download", document_id, "-q", "-o", str(tmp_path / "q.pdf")],
        env=env,
        timeout=60,
    )
    quiet_seen = io.BytesIO()
    quiet.logfile_read = quiet_seen
    quiet.expect(pexpect.EOF)
    assert "━" not in quiet_seen.getvalue().decode("utf-8", "replace")


@pytest.mark.parametrize("ids", [1, 3])
def test_sigint_during_download_leaves_no_part_file(
    sandbox: SandboxAdmin, okd_env: dict[str, str], tmp_path: Path, ids: int
) -> None:
    documents = [synthetic(sandbox, 2 << 30, f"huge{i}.pdf") for i in range(ids)]
    sandbox.faults({"kind": "latency", "delay": 0.0, "method": "GET", "path": "/nothing"})
    proc = subprocess.Popen(
        [ESIGN, "doc", "download", *documents, "-o", f"{tmp_path}/"],
        env=child_env(okd_env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 20
    while not list(tmp_path.glob("*.part")):
        assert time.monotonic() < deadline, "the download never started"
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert list(tmp_path.iterdir()) == []
    assert "Traceback" not in err


def test_presign_for_each_provider(cli: Cli, zs: Cli, contract: Path) -> None:
    okd = cli("doc", "presign", "x")
    assert okd.exit_code == 2  # OKdokument has none, and says so
    document_id = zs("request", "create", str(contract), "--signer", "A").json()["document_id"]
    data: dict[str, Any] = zs("doc", "presign", document_id, "--original").json()
    assert data["url"] and data["expires_at"].endswith("Z")


def test_a_body_cut_off_once_is_downloaded_again(
    cli: Cli, contract: Path, sandbox: SandboxAdmin, tmp_path: Path
) -> None:
    document_id = cli("doc", "upload", str(contract)).json()["id"]
    sandbox.faults(
        {"kind": "truncate", "method": "GET", "path": f"/JSON/document/{document_id}$", "count": 1}
    )
    result = cli(
        "doc", "download", document_id, "--any-state", "-o", str(tmp_path / "d.pdf"), "--debug"
    )
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "d.pdf").read_bytes() == contract.read_bytes()
    assert "retrying in" in result.stderr
    assert "the connection failed during the download" in result.stderr
    assert not list(tmp_path.glob("*.part"))


def test_sigint_during_wait_exits_130(cli: Cli, contract: Path, okd_env: dict[str, str]) -> None:
    document_id = cli("request", "create", str(contract)).json()["document_id"]
    proc = subprocess.Popen(
        [ESIGN, "doc", "wait", document_id, "--interval", "1s", "--wait-timeout", "60s"],
        env=child_env(okd_env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err


def test_a_device_or_fifo_target_is_written_not_replaced(
    cli: Cli, contract: Path, tmp_path: Path
) -> None:
    import stat
    import threading

    document_id = cli("doc", "upload", str(contract)).json()["id"]
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    result = cli("doc", "download", document_id, "--any-state", "-o", str(fifo))
    reader.join(timeout=30)
    assert result.exit_code == 0, result.stderr
    assert received == [contract.read_bytes()]
    assert stat.S_ISFIFO(fifo.stat().st_mode)  # still the FIFO, not a file renamed over it
    assert not list(tmp_path.glob("*.part"))
