"""Whatever stops esign (Ctrl-C, SIGTERM from `timeout`/CI/`docker stop`, SIGHUP from a closed
terminal) leaves no temporary file, prints no traceback, and does not hang."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import pytest

from tests.conftest import Cli
from tests.hostile import HostileServer, Reply, json_reply, pdf_reply

ESIGN = str(Path(sys.executable).with_name("esign"))
KEY = "5a4d0c1e_" + "5" * 64


def env_for(hostile: HostileServer) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("ESIGN_")}
    return {
        **base,
        "ESIGN_PROVIDER": "okdokument",
        "ESIGN_BASE_URL": f"{hostile.url}/JSON",
        "ESIGN_API_KEY": KEY,
    }


def stalled_pdf() -> Reply:
    """Headers and the first bytes of a big PDF, then silence for a minute."""
    return pdf_reply(b"%PDF-1.7 " + b"x" * 1000, content_length=50_000_000, stall_after_body=60)


def dripping_pdf() -> Reply:
    return pdf_reply(b"%PDF-1.7 " + b"x" * 2_000_000, drip=0.01, drip_size=2000)


def start(args: list[str], hostile: HostileServer, **kwargs: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [ESIGN, *args],
        env=env_for(hostile),
        stdout=kwargs.pop("stdout", subprocess.PIPE),  # type: ignore[arg-type]
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_parts(directory: Path, count: int = 1) -> None:
    deadline = time.monotonic() + 20
    while len(list(directory.glob("*.part"))) < count:
        assert time.monotonic() < deadline, "the downloads never started"
        time.sleep(0.02)


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_sigterm_and_sighup_clean_up_like_ctrl_c(
    hostile: HostileServer, tmp_path: Path, signum: int, code: int
) -> None:
    hostile.route("GET", "/JSON/document/(?!metadata/)", dripping_pdf())
    proc = start(["doc", "download", "d1", "-o", str(tmp_path / "d.pdf")], hostile)
    wait_for_parts(tmp_path)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == code, err
    assert list(tmp_path.iterdir()) == []
    assert "Traceback" not in err
    assert signal.Signals(signum).name in err


def test_nohup_still_keeps_esign_running_when_the_terminal_hangs_up(
    hostile: HostileServer, tmp_path: Path
) -> None:
    hostile.route(
        "GET",
        "/JSON/document/(?!metadata/)",
        pdf_reply(b"%PDF-1.7 " + b"x" * 400_000, drip=0.01, drip_size=20_000),
    )
    proc = subprocess.Popen(
        [ESIGN, "doc", "download", "d1", "-o", str(tmp_path / "d.pdf")],
        env=env_for(hostile),
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN),  # what nohup does
    )
    wait_for_parts(tmp_path)
    proc.send_signal(signal.SIGHUP)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert [p.name for p in tmp_path.iterdir()] == ["d.pdf"]


def test_a_bulk_download_stalled_in_reads_stops_within_a_second_of_ctrl_c(
    hostile: HostileServer, tmp_path: Path
) -> None:
    hostile.route("GET", "/JSON/document/(?!metadata/)", stalled_pdf())
    proc = start(
        ["doc", "download", "a", "b", "c", "-o", f"{tmp_path}/", "--timeout", "30"], hostile
    )
    wait_for_parts(tmp_path, 3)
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    took = time.monotonic() - sent
    assert proc.returncode == 130, err
    assert took < 1.5, f"took {took:.1f}s to stop"
    assert list(tmp_path.iterdir()) == []
    assert "Traceback" not in err


def test_repeated_ctrl_c_never_prints_a_traceback_nor_leaves_part_files(
    hostile: HostileServer, tmp_path: Path
) -> None:
    hostile.route("GET", "/JSON/document/(?!metadata/)", stalled_pdf())
    proc = start(["doc", "download", "a", "b", "c", "d", "-o", f"{tmp_path}/"], hostile)
    wait_for_parts(tmp_path, 4)
    for _ in range(8):
        proc.send_signal(signal.SIGINT)
        time.sleep(0.03)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "Exception ignored" not in err
    assert list(tmp_path.iterdir()) == []


def test_stdout_into_a_pipe_nobody_reads_stops_on_the_first_ctrl_c(
    hostile: HostileServer,
) -> None:
    hostile.route("GET", "/JSON/document/(?!metadata/)", pdf_reply(b"%PDF-1.7 " + b"x" * 8_000_000))
    proc = start(["doc", "download", "d1", "-o", "-"], hostile)  # stdout is never read
    time.sleep(2)  # the pipe (64 KiB) is full long before that
    assert proc.poll() is None
    proc.send_signal(signal.SIGINT)
    try:
        code = proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("one Ctrl-C did not stop a download into an unread pipe")
    assert proc.stderr is not None
    err = proc.stderr.read()
    assert code == 130, err
    assert "Fatal Python error" not in err and "Traceback" not in err


def test_ctrl_c_at_a_confirmation_prompt_is_exit_130_with_the_error_line(
    hostile: HostileServer,
) -> None:
    child = pexpect.spawn(ESIGN, ["doc", "delete", "d1"], env=env_for(hostile), timeout=30)
    seen = io.BytesIO()
    child.logfile_read = seen
    child.expect(r"Delete document d1")
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    shown = seen.getvalue().decode()
    assert child.exitstatus == 130, shown
    assert "error: interrupted at the prompt; nothing was changed" in shown
    assert "Aborted!" not in shown
    assert [s for s in hostile.seen if s.method == "DELETE"] == []


def test_doc_wait_timeout_is_an_overall_deadline_even_for_a_slow_drip(
    hostile: HostileServer,
) -> None:
    document = json.dumps({"id": "d1", "filename": "x.pdf", "state": "tosign"}).encode()
    # Each byte arrives well within the per-read timeout; the whole answer takes a minute.
    hostile.route("GET", "/document/metadata/", json_reply(document.ljust(600), drip=0.1))
    cli = Cli({k: v for k, v in env_for(hostile).items() if k.startswith("ESIGN_")})
    started = time.monotonic()
    result = cli("doc", "wait", "d1", "--wait-timeout", "2s", "--interval", "1s")
    took = time.monotonic() - started
    assert result.exit_code == 8, result.stderr
    assert took < 5, f"took {took:.1f}s"
    assert "still answering" in result.stderr
