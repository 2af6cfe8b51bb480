"""Downloads against a hostile file system and a hostile server: nothing planted, raced or
swapped is written through, names are stable and fit, and local write failures are one line
with the documented exit code."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from esign.core.files.target import Target
from tests.conftest import Cli
from tests.hostile import HostileServer, Reply, json_reply, pdf_reply

ESIGN = str(Path(sys.executable).with_name("esign"))
KEY = "5a4d0c1e_" + "f" * 64


def env_for(hostile: HostileServer) -> dict[str, str]:
    return {
        "ESIGN_PROVIDER": "okdokument",
        "ESIGN_BASE_URL": f"{hostile.url}/JSON",
        "ESIGN_API_KEY": KEY,
    }


def okd(hostile: HostileServer) -> Cli:
    return Cli(env_for(hostile))


def child_env(hostile: HostileServer) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("ESIGN_")}
    return {**base, **env_for(hostile)}


def pdf(tag: str, size: int = 4000) -> bytes:
    return (b"%PDF-1.7 " + tag.encode() + b" ").ljust(size, b"x")


def named(name: str | bytes) -> tuple[str, bytes]:
    raw = name if isinstance(name, bytes) else name.encode()
    return ("Content-Disposition", b'attachment; filename="' + raw + b'"')


def test_a_planted_part_symlink_is_never_written_through(
    hostile: HostileServer, tmp_path: Path
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    target = tmp_path / "out.pdf"
    (tmp_path / "out.pdf.part").symlink_to(victim)
    hostile.route("GET", "/JSON/document/bad$", json_reply('{"message": "boom"}', 500))
    hostile.route("GET", "/JSON/document/good$", pdf_reply(pdf("good")))
    cli = okd(hostile)
    failed = cli("doc", "download", "bad", "-o", str(target), "--max-attempts", "1")
    assert failed.exit_code == 1
    assert victim.read_text() == "precious"
    ok = cli("doc", "download", "good", "-o", str(target))
    assert ok.exit_code == 0, ok.stderr
    assert victim.read_text() == "precious"
    assert target.read_bytes() == pdf("good") and not target.is_symlink()
    assert (tmp_path / "out.pdf.part").is_symlink()  # left as the user (or attacker) made it


@pytest.mark.parametrize("force", [False, True], ids=["no-force", "force"])
def test_two_processes_writing_the_same_output_never_mix_and_never_both_claim_it(
    hostile: HostileServer, tmp_path: Path, force: bool
) -> None:
    bodies = [pdf("first", 20000), pdf("second", 20000)]
    counter = itertools.count()
    hostile.route(
        "GET",
        "/JSON/document/d$",
        lambda seen: pdf_reply(bodies[next(counter) % 2], drip=0.005, drip_size=200),
    )
    target = tmp_path / "same.pdf"
    args = [ESIGN, "doc", "download", "d", "-o", str(target), *(["--force"] if force else [])]
    procs = [
        subprocess.Popen(args, env=child_env(hostile), stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    codes = [p.wait(timeout=60) for p in procs]
    assert target.read_bytes() in bodies  # one whole document, never a mix of both
    if force:
        assert codes == [0, 0]
    else:
        assert sorted(codes) == [0, 2]  # the second finds the file there and says so
    assert [p.name for p in tmp_path.iterdir()] == ["same.pdf"]


def test_a_server_name_ending_in_part_cannot_swap_two_documents(
    hostile: HostileServer, tmp_path: Path
) -> None:
    # "x.pdf" is slow; "x.pdf.part" (what an old esign used as x.pdf's temporary file) is fast.
    hostile.route(
        "GET",
        "/JSON/document/a$",
        pdf_reply(pdf("a", 8000), named("x.pdf"), drip=0.005, drip_size=200),
    )
    hostile.route("GET", "/JSON/document/b$", pdf_reply(pdf("b"), named("x.pdf.part")))
    result = okd(hostile)("doc", "download", "a", "b", "-o", f"{tmp_path}/")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "x.pdf").read_bytes() == pdf("a", 8000)
    saved = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert saved == {"x.pdf": pdf("a", 8000), "x.pdf.part.pdf": pdf("b")}


def test_clashing_server_names_go_to_the_same_document_on_every_run(
    hostile: HostileServer, tmp_path: Path
) -> None:
    slow: dict[str, float] = {"first": 0.0, "second": 0.0}

    def answer(tag: str) -> Reply:
        return pdf_reply(pdf(tag, 6000), named("same.pdf"), hang=slow[tag])

    hostile.route("GET", "/JSON/document/first$", lambda seen: answer("first"))
    hostile.route("GET", "/JSON/document/second$", lambda seen: answer("second"))
    cli = okd(hostile)
    runs = []
    # A different document finishes first each run, and the IDs come in another order.
    for slow_one, given in (("first", ["first", "second"]), ("second", ["second", "first"])):
        slow.update({"first": 0.0, "second": 0.0, slow_one: 0.5})
        result = cli("doc", "download", *given, "-o", f"{tmp_path}/", "--force")
        assert result.exit_code == 0, result.stderr
        runs.append({p.name: p.read_bytes()[:20] for p in tmp_path.iterdir()})
    assert (
        runs[0]
        == runs[1]
        == {
            "same.pdf": pdf("first")[:20],  # the smallest ID: the name as the server gave it
            "same-second.pdf": pdf("second")[:20],  # the other: its ID before the extension
        }
    )


def test_a_name_over_255_bytes_is_shortened_by_bytes_keeping_its_extension(
    hostile: HostileServer, tmp_path: Path
) -> None:
    long_name = "é" * 200 + ".pdf"  # 200 characters, 404 bytes
    hostile.route("GET", "/JSON/document/d$", pdf_reply(pdf("long"), named(long_name)))
    result = okd(hostile)("doc", "download", "d", "-o", f"{tmp_path}/")
    assert result.exit_code == 0, result.stderr
    [saved] = tmp_path.iterdir()
    assert len(saved.name.encode()) <= 255 and saved.name.endswith("é.pdf")


def test_raw_utf8_in_a_plain_filename_is_read_as_utf8(
    hostile: HostileServer, tmp_path: Path
) -> None:
    # Another header that is not UTF-8 makes a client decode every header as Latin-1.
    latin1 = ("X-Note", "café".encode("latin-1"))
    hostile.route(
        "GET",
        "/JSON/document/d$",
        pdf_reply(pdf("utf8"), named("contrato-ação.pdf".encode()), latin1),
    )
    result = okd(hostile)("doc", "download", "d", "-o", f"{tmp_path}/")
    assert result.exit_code == 0, result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["contrato-ação.pdf"]


def test_dev_stdout_names_the_stream_and_is_never_replaced() -> None:
    for name in ("/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"):
        assert Target.parse(name).kind == "stdout"


def test_a_link_to_stdout_is_written_as_the_stream_even_with_force(
    hostile: HostileServer, tmp_path: Path
) -> None:
    hostile.route("GET", "/JSON/document/d$", pdf_reply(pdf("stream")))
    link = tmp_path / "out"
    link.symlink_to("/proc/self/fd/1")  # what /dev/stdout is
    captured = tmp_path / "captured.bin"
    with captured.open("wb") as stdout:
        code = subprocess.run(
            [ESIGN, "doc", "download", "d", "-o", str(link), "--force"],
            env=child_env(hostile),
            stdout=stdout,
            stderr=subprocess.PIPE,
            timeout=60,
            check=False,
        ).returncode
    assert code == 0
    assert captured.read_bytes() == pdf("stream")
    assert link.is_symlink() and os.readlink(link) == "/proc/self/fd/1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["captured.bin", "out"]


def test_dev_fd_n_appends_as_the_shell_opened_it(hostile: HostileServer, tmp_path: Path) -> None:
    # `-o /dev/fd/3 3>>app.log`: the shell opened the log for appending; reopening the name
    # with "wb" would truncate it (no --force asked for that).
    hostile.route("GET", "/JSON/document/d$", pdf_reply(pdf("fd3")))
    log = tmp_path / "app.log"
    log.write_bytes(b"earlier lines\n")
    code = subprocess.run(
        ["bash", "-c", 'exec "$0" doc download d -o /dev/fd/3 3>>"$1"', ESIGN, str(log)],
        env=child_env(hostile),
        capture_output=True,
        timeout=60,
        check=False,
    ).returncode
    assert code == 0
    assert log.read_bytes() == b"earlier lines\n" + pdf("fd3")
    closed = subprocess.run(
        [ESIGN, "doc", "download", "d", "-o", "/dev/fd/7"],
        env=child_env(hostile),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert closed.returncode == 2 and "descriptor 7 is not open" in closed.stderr
    read_only = subprocess.run(
        ["bash", "-c", 'exec "$0" doc download d -o /dev/fd/3 3<"$1"', ESIGN, str(log)],
        env=child_env(hostile),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert read_only.returncode == 2 and "open for reading only" in read_only.stderr
    assert log.read_bytes() == b"earlier lines\n" + pdf("fd3")


def test_dev_fd_n_never_lands_in_a_descriptor_esign_opened_itself(
    hostile: HostileServer, tmp_path: Path
) -> None:
    # Nothing open at 3 when esign starts: the check is made before esign's own sockets
    # and files could take the number (the document would go into the API connection).
    hostile.route("GET", "/JSON/document/d$", pdf_reply(pdf("leak")))
    hostile.route("GET", "/JSON/document/metadata/d$", json_reply(b'{"state": "signed"}'))
    result = subprocess.run(
        ["bash", "-c", 'exec 3>&-; exec "$0" doc download d --any-state -o /dev/fd/3', ESIGN],
        env=child_env(hostile),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "descriptor 3 is not open" in result.stderr
    assert not any(b"leak" in seen.body for seen in hostile.seen)


# -- local write failures -----------------------------------------------------------------


def test_a_file_name_too_long_for_the_file_system_is_a_usage_error(
    hostile: HostileServer, tmp_path: Path
) -> None:
    hostile.route("GET", "/JSON/document/d$", pdf_reply(pdf("x")))
    result = okd(hostile)("doc", "download", "d", "-o", str(tmp_path / ("n" * 300 + ".pdf")))
    assert result.exit_code == 2, result.stderr
    [line] = result.stderr.splitlines()
    assert "file name too long" in line and "unexpected" not in line
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_is_one_line_with_exit_1(hostile: HostileServer) -> None:
    hostile.route("GET", "/JSON/document/d$", pdf_reply(pdf("x", 200000)))
    result = okd(hostile)("doc", "download", "d", "-o", "/dev/full")
    assert result.exit_code == 1, result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    [line] = result.stderr.splitlines()
    assert "no space left" in line and "unexpected failure" not in line


def without_permission_override() -> None:
    """In the child: root loses the capabilities that let it ignore file permissions (CI
    runs as root), so a directory it may not write is one, as for any user."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if os.getuid() == 0 and libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def test_a_directory_esign_may_not_write_is_one_line_with_exit_2(
    hostile: HostileServer, tmp_path: Path
) -> None:
    hostile.route("GET", "/JSON/document/d$", pdf_reply(pdf("x")))
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    result = subprocess.run(
        [ESIGN, "doc", "download", "d", "-o", str(locked / "d.pdf")],
        env=child_env(hostile),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        preexec_fn=without_permission_override,
    )
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.splitlines()
    assert "permission denied" in line
    assert list(locked.iterdir()) == []


def test_downloads_left_unfinished_by_a_thread_are_removed_by_abandon(tmp_path: Path) -> None:
    from esign.core.files.partfiles import PartFiles

    files = PartFiles()
    sinks = []
    for n in range(3):
        sink, _ = files.create(tmp_path / f"d{n}.pdf")
        sinks.append(sink)
    files.abandon()
    for sink in sinks:
        sink.close()
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(Exception, match="interrupted"):
        files.create(tmp_path / "late.pdf")
    assert threading.active_count() >= 1
