"""What a hostile or careless server cannot make esign do at the HTTP layer: send a secret or a
body to another origin, trust another origin's answer, fetch a non-HTTP or plain-HTTP URL,
crash on a strange Retry-After, or blow up on a decompression bomb. Each server here is a raw
loopback server that a test scripts byte by byte."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import textwrap
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from esign.core.http.client import HttpClient, parse_retry_after
from esign.sandbox.pdf import sample_contract
from tests.conftest import Cli
from tests.rawserver import Answer, RawServer, Seen, ok

Serve = Callable[..., RawServer]
KEY = "k_" + "7" * 20


def redirect(status: int, location: str) -> Answer:
    return Answer(
        f"HTTP/1.1 {status} Moved\r\nlocation: {location}\r\ncontent-length: 0\r\n\r\n".encode()
    )


def json_answer(body: object, status: str = "200 OK") -> Answer:
    data = json.dumps(body).encode()
    head = f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {len(data)}"
    return Answer(head.encode() + b"\r\n\r\n" + data)


def okd(url: str) -> dict[str, str]:
    return {"ESIGN_PROVIDER": "okdokument", "ESIGN_BASE_URL": url + "/JSON", "ESIGN_API_KEY": KEY}


def zapsign(url: str) -> dict[str, str]:
    return {"ESIGN_PROVIDER": "zapsign", "ESIGN_BASE_URL": url + "/api/v1", "ESIGN_API_KEY": KEY}


def indexhealth(url: str) -> dict[str, str]:
    return {
        "ESIGN_PROVIDER": "indexhealth",
        "ESIGN_BASE_URL": url + "/api",
        "ESIGN_CLIENT_ID": "client-1",
        "ESIGN_CLIENT_SECRET": "ih-client-SECRET-canary",
        "ESIGN_USER_EMAIL": "a@example.com",
        "ESIGN_USER_FIRST_NAME": "A",
        "ESIGN_USER_LAST_NAME": "B",
        "ESIGN_GROUP_NAME": "g",
    }


def signed_zapsign_document(signed_file: str) -> dict[str, object]:
    return {
        "open_id": 5,
        "token": "doc-1",
        "status": "signed",
        "name": "Contract",
        "original_file": signed_file,
        "signed_file": signed_file,
        "created_at": "2024-03-01T10:00:00.000000Z",
        "last_update_at": "2024-03-01T10:05:00.000000Z",
        "signers": [
            {
                "token": "s-1",
                "status": "signed",
                "name": "Ana",
                "email": "ana@example.com",
                "signed_at": "2024-03-01T10:05:00.000000Z",
            }
        ],
    }


# -- redirects to another origin ---------------------------------------------------------


def test_cross_origin_307_of_the_token_request_sends_no_secret_there(serve: Serve) -> None:
    elsewhere = serve(lambda _r: json_answer({"access_token": "attacker-token"}))
    api = serve(lambda _r: redirect(307, elsewhere.url + "/steal"))
    result = Cli(indexhealth(api.url))("doc", "info", "d1")
    assert result.exit_code == 1, result.stderr
    assert f"to another origin, http://127.0.0.1:{elsewhere.port}" in result.stderr
    assert elsewhere.seen == []  # neither the client secret nor anything else went there


@pytest.mark.parametrize("status", [307, 308])
def test_cross_origin_redirect_of_a_create_sends_no_document_there(
    serve: Serve, tmp_path: Path, status: int
) -> None:
    elsewhere = serve(lambda _r: json_answer({"result": "x"}))
    api = serve(lambda _r: redirect(status, elsewhere.url + "/JSON/signatureRequest"))
    pdf = tmp_path / "c.pdf"
    pdf.write_bytes(sample_contract())
    result = Cli(okd(api.url))("request", "create", str(pdf))
    assert result.exit_code == 1, result.stderr
    assert "another origin" in result.stderr
    assert elsewhere.seen == []
    assert len(api.seen) == 1


def test_post_turned_into_get_by_303_is_not_trusted_from_another_origin(serve: Serve) -> None:
    elsewhere = serve(lambda _r: json_answer({"access_token": "attacker-token"}))
    api = serve(lambda _r: redirect(303, elsewhere.url + "/token"))
    result = Cli(indexhealth(api.url))("doc", "info", "d1")
    assert result.exit_code == 1, result.stderr
    assert elsewhere.seen == []


def test_cross_origin_redirect_of_an_api_read_is_refused(serve: Serve) -> None:
    elsewhere = serve(lambda _r: json_answer({"id": "forged"}))
    api = serve(lambda _r: redirect(302, elsewhere.url + "/JSON/document/metadata/abc"))
    result = Cli(okd(api.url))("doc", "info", "abc")
    assert result.exit_code == 1
    assert elsewhere.seen == []


def test_same_origin_307_keeps_method_body_and_credentials(serve: Serve, tmp_path: Path) -> None:
    def respond(seen: Seen) -> Answer:
        if seen.path == "/JSON/signatureRequest":
            return redirect(307, "/JSON/v2/signatureRequest")
        return json_answer(
            {
                "message": "msg.created",
                "result": "req-1",
                "url": "https://x/openDocument/req-1",
                "documentId": "doc-1",
            }
        )

    api = serve(respond)
    pdf = tmp_path / "c.pdf"
    pdf.write_bytes(sample_contract())
    result = Cli(okd(api.url))("request", "create", str(pdf), "--json")
    assert [s.method for s in api.seen] == ["POST", "POST"]
    assert api.seen[1].path == "/JSON/v2/signatureRequest"
    assert api.seen[1].body == api.seen[0].body != b""
    assert api.seen[1].headers["x-api-key"] == KEY
    assert result.exit_code == 0, result.stderr


def test_a_file_may_come_from_another_origin_without_the_key(serve: Serve, tmp_path: Path) -> None:
    pdf = sample_contract("moved")
    files = serve(
        lambda _r: Answer(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/pdf\r\ncontent-length: %d\r\n\r\n%b"
            % (len(pdf), pdf)
        )
    )

    def respond(seen: Seen) -> Answer:
        if "/metadata/" in seen.path:
            return json_answer(
                {
                    "filename": "c.pdf",
                    "state": "signed",
                    "modification": "2024-03-01 10:00:00",
                    "id": "abc",
                    "date": 1709283600000,
                    "number": "1",
                }
            )
        return redirect(302, files.url + "/bucket/abc.pdf?X-Amz-Signature=sig-canary")

    api = serve(respond)
    out = tmp_path / "out.pdf"
    result = Cli(okd(api.url))("doc", "download", "abc", "-o", str(out), "--debug")
    assert result.exit_code == 0, result.stderr
    assert out.read_bytes() == pdf
    assert "x-api-key" not in files.seen[0].headers  # the key stayed with its origin
    assert "sig-canary" not in result.stderr  # --debug masks the Location's signature


# -- what URLs esign will fetch ----------------------------------------------------------


@pytest.mark.parametrize(
    ("signed_file", "code", "message"),
    [
        ("http://198.51.100.7/bucket/doc.pdf", 2, "refusing plain http:// to 198.51.100.7"),
        ("ftp://198.51.100.7/doc.pdf", 1, "esign only fetches http(s) URLs"),
        ("file:///etc/passwd", 1, "esign only fetches http(s) URLs"),
    ],
)
def test_a_presigned_url_must_be_https_or_loopback(
    serve: Serve, tmp_path: Path, signed_file: str, code: int, message: str
) -> None:
    api = serve(lambda _r: json_answer(signed_zapsign_document(signed_file)))
    result = Cli(zapsign(api.url))("doc", "download", "doc-1", "-o", str(tmp_path / "x.pdf"))
    assert result.exit_code == code, result.stderr
    assert message in result.stderr
    assert "network error" not in result.stderr
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.parametrize(
    ("base_url", "message"),
    [
        ("http://api.localhost:9/JSON", "refusing plain http:// to api.localhost"),
        ("https://api.example.com/JSON?key=abc", "has a ?query or #fragment"),
        ("https://api.example.com/JSON#frag", "has a ?query or #fragment"),
        ("https://api.example.com/JSON?", "has a ?query or #fragment"),
        ("https://api.example.com/JSON\r\nX-Injected: 1", "line break, space or control"),
        ("ftp://api.example.com/JSON", "is not an http(s) URL"),
        ("https://[::1/JSON", "is not a URL esign can read"),
        ("https://api.example.com:http/JSON", "is not a URL esign can read"),
        ("https://api.example.com/JSON#key=abc", "has a ?query or #fragment"),
    ],
)
def test_bad_base_urls_are_usage_errors(base_url: str, message: str) -> None:
    result = Cli({"ESIGN_PROVIDER": "okdokument", "ESIGN_API_KEY": KEY})(
        "doc", "info", "abc", env={"ESIGN_BASE_URL": base_url}
    )
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr
    assert "key=abc" not in result.stderr  # a query value is masked where the URL is shown


@pytest.mark.parametrize(
    ("query", "shown_as"),
    [("api_token=SECRET-canary", "api_token=[REDACTED]"), ("SECRET-canary", "[REDACTED]")],
)
def test_a_profile_base_url_is_shown_with_its_query_masked(
    bare_cli: Cli, query: str, shown_as: str
) -> None:
    # A bare `?TOKEN` (no `=`) may be the key itself: masked too.
    config = Path(os.environ["ESIGN_CONFIG_DIR"]) / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        f'[profiles.p]\nprovider = "zapsign"\nbase_url = "https://api.example.com/api/v1?{query}"\n'
    )
    for args in (["profile", "show", "p"], ["profile", "list"], ["auth", "status"]):
        result = bare_cli(*args, "--json", "--profile", "p")
        assert "SECRET-canary" not in result.stdout + result.stderr, args
    shown = bare_cli("profile", "show", "p", "--json")
    assert shown.json()["base_url"] == f"https://api.example.com/api/v1?{shown_as}"


# -- strange answers ---------------------------------------------------------------------


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "1e309", "-5", "soon", ""])
def test_retry_after_that_is_not_a_delay_never_crashes(serve: Serve, value: str) -> None:
    answers = [
        Answer(f"HTTP/1.1 503 Busy\r\nretry-after: {value}\r\ncontent-length: 0\r\n\r\n".encode()),
        ok(),
    ]
    server = serve(lambda _r: answers.pop(0))
    slept: list[float] = []
    http = HttpClient(server.url, timeout=5, max_attempts=3, sleep=slept.append)
    try:
        assert http.request("GET", http.url("x")).json() == {"ok": True}
    finally:
        http.close()
    assert len(slept) == 1
    assert 0 <= slept[0] <= 60


def test_parse_retry_after_caps_and_refuses_non_delays() -> None:
    assert parse_retry_after("nan", 0) is None
    assert parse_retry_after("inf", 0) is None
    assert parse_retry_after("120", 0) == 60.0
    assert parse_retry_after("-3", 0) == 0.0


def _gzip_bomb(decoded_bytes: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip framing
    zeros = bytes(1024 * 1024)
    parts = [packer.compress(zeros) for _ in range(decoded_bytes // len(zeros))]
    return b"".join(parts) + packer.flush()


def test_a_gzip_bomb_answer_is_refused_with_flat_memory(serve: Serve, tmp_path: Path) -> None:
    bomb = _gzip_bomb(1024 * 1024 * 1024)  # 1 GiB of zeros in about 1 MB
    assert len(bomb) < 2 * 1024 * 1024
    head = (
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-encoding: gzip\r\n"
        f"content-length: {len(bomb)}\r\n\r\n"
    )
    server = serve(lambda _r: Answer(head.encode() + bomb))
    # In a child process, so that its peak memory is its own.
    code = textwrap.dedent(
        """
        import sys
        from esign.cli.main import main
        try:
            main(["doc", "info", "abc"])
        except SystemExit as stop:
            print("EXIT=" + str(stop.code), file=sys.stderr)
        # VmHWM: this process's own peak (ru_maxrss would include pytest's, inherited at fork)
        status = open("/proc/self/status").read().split("VmHWM:")[1]
        peak_mib = int(status.split()[0]) / 1024
        print("PEAK=" + str(int(peak_mib)), file=sys.stderr)
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESIGN_")}
    env.update(okd(server.url), XDG_CONFIG_HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert "grew past 64 MiB once decoded" in result.stderr
    exit_line = next(line for line in result.stderr.splitlines() if line.startswith("EXIT="))
    assert exit_line == "EXIT=1"
    peak = int(next(line for line in result.stderr.splitlines() if line.startswith("PEAK="))[5:])
    # The cap, plus one network read decoded (zlib expands 64 KiB to at most about 64 MiB),
    # plus the interpreter: bounded, and nowhere near the 1 GiB the answer decodes to.
    assert peak < 400, f"peak RSS {peak} MiB"
    assert len(server.seen) == 1  # a refused answer is not asked for again


def test_a_small_gzip_answer_is_decoded_as_before(serve: Serve) -> None:
    body = gzip.compress(json.dumps({"ok": True}).encode())
    head = f"HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\ncontent-length: {len(body)}\r\n\r\n"
    server = serve(lambda _r: Answer(head.encode() + body))
    http = HttpClient(server.url, timeout=5, max_attempts=1)
    try:
        response = http.request("GET", http.url("x"))
    finally:
        http.close()
    assert response.json() == {"ok": True}
    assert "content-encoding" not in response.headers


def test_downloads_ask_for_the_file_as_stored(serve: Serve, tmp_path: Path) -> None:
    pdf = sample_contract("plain")

    def respond(seen: Seen) -> Answer:
        if "/metadata/" in seen.path:
            return json_answer(
                {
                    "filename": "c.pdf",
                    "state": "signed",
                    "modification": "2024-03-01 10:00:00",
                    "id": "abc",
                    "date": 1709283600000,
                    "number": "1",
                }
            )
        return Answer(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/pdf\r\ncontent-length: %d\r\n\r\n%b"
            % (len(pdf), pdf)
        )

    server = serve(respond)
    out = tmp_path / "o.pdf"
    result = Cli(okd(server.url))("doc", "download", "abc", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    download = [s for s in server.seen if "/metadata/" not in s.path][-1]
    assert download.headers["accept-encoding"] == "identity"


def test_debug_trace_shows_escape_sequences_instead_of_sending_them(serve: Serve) -> None:
    # An answer that would clear the screen and write the clipboard (OSC 52) if printed raw.
    hostile = "\x1b[2J\x1b]52;c;ZXZpbA==\x07"
    body = json.dumps({"message": hostile}).encode()
    head = f"HTTP/1.1 404 Nope\r\ncontent-type: text/plain\r\nx-note: {hostile}\r\n"
    server = serve(
        lambda _r: Answer(head.encode() + f"content-length: {len(body)}\r\n\r\n".encode() + body)
    )
    result = Cli(okd(server.url))("doc", "info", "abc", "--debug")
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "\\x1b" in result.stderr


def test_a_download_compressed_against_our_ask_is_decoded_with_flat_memory(
    serve: Serve, tmp_path: Path
) -> None:
    # A server (or proxy) that gzips the file although asked for identity: 256 MiB of PDF in
    # about 256 KB. httpx's decoder would turn each network read into up to 64 MiB at once.
    size = 256 * 1024 * 1024
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    head_bytes = b"%PDF-1.7\n"
    parts = [packer.compress(head_bytes)]
    zeros = bytes(1024 * 1024)
    parts += [packer.compress(zeros) for _ in range(size // len(zeros))]
    body = b"".join(parts) + packer.flush()
    metadata = json.dumps(
        {
            "filename": "c.pdf",
            "state": "signed",
            "modification": "2024-03-01 10:00:00",
            "id": "abc",
            "date": 1709283600000,
            "number": "1",
        }
    ).encode()

    def respond(seen: Seen) -> Answer:
        if "/metadata/" in seen.path:
            return Answer(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%b"
                % (len(metadata), metadata)
            )
        return Answer(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/pdf\r\ncontent-encoding: gzip\r\n"
            b"content-length: %d\r\n\r\n%b" % (len(body), body)
        )

    server = serve(respond)
    out = tmp_path / "o.pdf"
    code = textwrap.dedent(
        f"""
        import sys
        from esign.cli.main import main
        try:
            main(["doc", "download", "abc", "-o", {str(out)!r}])
        except SystemExit as stop:
            print("EXIT=" + str(stop.code), file=sys.stderr)
        # VmHWM: this process's own peak (ru_maxrss would include pytest's, inherited at fork)
        peak = int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) // 1024
        print("PEAK=" + str(peak), file=sys.stderr)
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESIGN_")}
    env.update(okd(server.url), XDG_CONFIG_HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
    )
    lines = result.stderr.splitlines()
    assert "EXIT=0" in lines, result.stderr
    assert out.stat().st_size == len(head_bytes) + size
    peak = int(next(line for line in lines if line.startswith("PEAK="))[5:])
    assert peak < 100, f"peak RSS {peak} MiB"  # about 222 MiB with httpx's own decoding
