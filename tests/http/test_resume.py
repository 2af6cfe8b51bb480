"""A body that breaks off resumes where it stopped (`Range` + `If-Range`, checked against
`Content-Range`) instead of starting over, as pip and curl do; and the sandbox's file URLs
serve byte ranges as S3 does."""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx
import pytest

from tests.conftest import Cli, SandboxAdmin
from tests.hostile import HostileServer, Reply, Seen

KEY = "5a4d0c1e_" + "5" * 64
BODY = b"%PDF-1.7\n" + bytes(range(256)) * 400  # 102,409 bytes
HALF = len(BODY) // 2
ETAG = '"v1-0123456789abcdef"'


def cli_for(hostile: HostileServer) -> Cli:
    return Cli(
        {
            "ESIGN_PROVIDER": "okdokument",
            "ESIGN_BASE_URL": f"{hostile.url}/JSON",
            "ESIGN_API_KEY": KEY,
        }
    )


def cut_short(headers: list[tuple[str | bytes, str | bytes]]) -> Reply:
    """The whole file announced, half of it sent, then the connection closed."""
    return Reply(
        headers=[("Content-Type", "application/pdf"), *headers],
        body=BODY[:HALF],
        content_length=len(BODY),
        stall_after_body=0.01,
    )


def the_rest(start: int, total: int = len(BODY), etag: str = ETAG) -> Reply:
    return Reply(
        status=206,
        headers=[
            ("Content-Type", "application/pdf"),
            ("Content-Range", f"bytes {start}-{total - 1}/{total}"),
            ("ETag", etag),
        ],
        body=BODY[start:],
    )


def whole() -> Reply:
    return Reply(headers=[("Content-Type", "application/pdf"), ("ETag", ETAG)], body=BODY)


def answers(*replies: Reply) -> tuple[list[Seen], object]:
    """A responder giving `replies` in turn to the file's GETs, and what it was asked."""
    asked: list[Seen] = []

    def respond(seen: Seen) -> Reply:
        asked.append(seen)
        return replies[min(len(asked), len(replies)) - 1]

    return asked, respond


FILE = r"/JSON/document/doc-1$"


def download(hostile: HostileServer, tmp_path: Path, *extra: str) -> tuple[int, str, Path]:
    out = tmp_path / "out.pdf"
    result = cli_for(hostile)("doc", "download", "doc-1", "-o", str(out), *extra)
    return result.exit_code, result.stderr, out


def test_a_broken_body_resumes_from_the_bytes_kept(hostile: HostileServer, tmp_path: Path) -> None:
    asked, respond = answers(
        cut_short([("ETag", ETAG), ("Accept-Ranges", "bytes")]), the_rest(HALF)
    )
    hostile.route("GET", FILE, respond)  # type: ignore[arg-type]
    code, stderr, out = download(hostile, tmp_path)
    assert code == 0, stderr
    assert out.read_bytes() == BODY
    assert len(asked) == 2
    assert "range" not in asked[0].headers
    assert asked[1].headers["range"] == f"bytes={HALF}-"
    assert asked[1].headers["if-range"] == ETAG  # only if the file is still the same one
    assert not list(tmp_path.glob("*.part"))


def test_the_printed_sha256_covers_the_kept_prefix_and_the_rest(
    hostile: HostileServer, tmp_path: Path
) -> None:
    _, respond = answers(cut_short([("ETag", ETAG)]), the_rest(HALF))
    hostile.route("GET", FILE, respond)  # type: ignore[arg-type]
    out = tmp_path / "out.pdf"
    result = cli_for(hostile)("doc", "download", "doc-1", "-o", str(out), "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["sha256"] == hashlib.sha256(BODY).hexdigest()
    assert result.json()["bytes"] == len(BODY)


def test_last_modified_is_the_validator_when_there_is_no_strong_etag(
    hostile: HostileServer, tmp_path: Path
) -> None:
    modified = "Tue, 01 Dec 2026 10:00:00 GMT"
    weak = [("ETag", 'W/"weak"'), ("Last-Modified", modified)]
    asked, respond = answers(cut_short(weak), the_rest(HALF, etag='W/"weak"'))
    hostile.route("GET", FILE, respond)  # type: ignore[arg-type]
    code, stderr, out = download(hostile, tmp_path)
    assert code == 0, stderr
    assert asked[1].headers["if-range"] == modified  # a weak ETag cannot be used (RFC 9110)
    assert out.read_bytes() == BODY


def test_without_a_validator_the_download_starts_over(
    hostile: HostileServer, tmp_path: Path
) -> None:
    """Nothing says the file is still the same one: its halves could come from two versions."""
    asked, respond = answers(cut_short([]), whole())
    hostile.route("GET", FILE, respond)  # type: ignore[arg-type]
    code, stderr, out = download(hostile, tmp_path)
    assert code == 0, stderr
    assert "range" not in asked[1].headers
    assert out.read_bytes() == BODY


def test_a_server_that_ignores_the_range_sends_the_whole_file_which_replaces_the_prefix(
    hostile: HostileServer, tmp_path: Path
) -> None:
    asked, respond = answers(cut_short([("ETag", ETAG)]), whole())
    hostile.route("GET", FILE, respond)  # type: ignore[arg-type]
    code, stderr, out = download(hostile, tmp_path)
    assert code == 0, stderr
    assert asked[1].headers["range"] == f"bytes={HALF}-"
    assert out.read_bytes() == BODY  # not the prefix twice


@pytest.mark.parametrize(
    "wrong",
    [
        the_rest(HALF - 10),  # not where the kept bytes end
        the_rest(HALF, total=len(BODY) + 5),  # another length: another file
        the_rest(HALF, etag='"v2-changed"'),  # another version
        Reply(status=206, headers=[("Content-Range", "bytes */999")], body=b""),
    ],
    ids=["start", "total", "etag", "malformed"],
)
def test_an_answer_that_is_not_the_rest_of_the_same_file_makes_it_start_over(
    hostile: HostileServer, tmp_path: Path, wrong: Reply
) -> None:
    asked, respond = answers(cut_short([("ETag", ETAG)]), wrong, whole())
    hostile.route("GET", FILE, respond)  # type: ignore[arg-type]
    code, stderr, out = download(hostile, tmp_path)
    assert code == 0, stderr
    assert len(asked) == 3
    assert "range" not in asked[2].headers  # from byte 0, the spliced prefix thrown away
    assert out.read_bytes() == BODY


def test_416_starts_over(hostile: HostileServer, tmp_path: Path) -> None:
    refused = Reply(status=416, headers=[("Content-Range", f"bytes */{HALF}")], body=b"")
    asked, respond = answers(cut_short([("ETag", ETAG)]), refused, whole())
    hostile.route("GET", FILE, respond)  # type: ignore[arg-type]
    code, stderr, out = download(hostile, tmp_path)
    assert code == 0, stderr
    assert "range" not in asked[2].headers
    assert out.read_bytes() == BODY


def test_accept_ranges_none_is_respected(hostile: HostileServer, tmp_path: Path) -> None:
    asked, respond = answers(cut_short([("ETag", ETAG), ("Accept-Ranges", "none")]), whole())
    hostile.route("GET", FILE, respond)  # type: ignore[arg-type]
    code, stderr, _ = download(hostile, tmp_path)
    assert code == 0, stderr
    assert "range" not in asked[1].headers


def test_a_body_broken_on_every_attempt_still_fails_and_leaves_nothing(
    hostile: HostileServer, tmp_path: Path
) -> None:
    asked: list[Seen] = []

    def ten_more_bytes(seen: Seen) -> Reply:
        """Each answer resumes where asked, and breaks off ten bytes later."""
        asked.append(seen)
        if "range" not in seen.headers:
            return cut_short([("ETag", ETAG)])
        start = int(seen.headers["range"].removeprefix("bytes=").rstrip("-"))
        return Reply(
            status=206,
            headers=[("Content-Range", f"bytes {start}-{len(BODY) - 1}/{len(BODY)}")],
            body=BODY[start : start + 10],
            content_length=len(BODY) - start,
            stall_after_body=0.01,
        )

    hostile.route("GET", FILE, ten_more_bytes)
    code, stderr, out = download(hostile, tmp_path)
    assert code == 1
    assert "connection failed during the download" in stderr
    assert len(asked) == 3  # --max-attempts bounds resumed attempts too
    assert asked[2].headers["range"] == f"bytes={HALF + 10}-"  # each attempt keeps its bytes
    assert not out.exists()
    assert not list(tmp_path.iterdir())


def test_stdout_is_never_resumed_nor_retried(hostile: HostileServer, tmp_path: Path) -> None:
    asked, respond = answers(cut_short([("ETag", ETAG)]), the_rest(HALF))
    hostile.route("GET", FILE, respond)  # type: ignore[arg-type]
    result = cli_for(hostile)("doc", "download", "doc-1", "-o", "-")
    assert result.exit_code == 1
    assert len(asked) == 1


# -- the sandbox serves ranges on every provider's file endpoint -----------------------------


def test_sandbox_file_urls_answer_ranges_like_s3(
    zs: Cli, sandbox: SandboxAdmin, contract: Path
) -> None:
    created = zs("request", "create", str(contract), "--signer", "Ana <ana@example.com>")
    assert created.exit_code == 0, created.stderr
    token = created.json()["document_id"]
    url = zs("doc", "presign", token, "--original").json()["url"]
    full = httpx.get(url)
    assert full.status_code == 200
    assert full.headers["accept-ranges"] == "bytes"
    etag = full.headers["etag"]
    size = len(full.content)

    part = httpx.get(url, headers={"Range": "bytes=10-19"})
    assert part.status_code == 206
    assert part.content == full.content[10:20]
    assert part.headers["content-range"] == f"bytes 10-19/{size}"

    tail = httpx.get(url, headers={"Range": "bytes=-5"})
    assert tail.content == full.content[-5:]

    same = httpx.get(url, headers={"Range": "bytes=100-", "If-Range": etag})
    assert same.status_code == 206 and same.content == full.content[100:]
    other = httpx.get(url, headers={"Range": "bytes=100-", "If-Range": '"another"'})
    assert other.status_code == 200 and other.content == full.content  # another version

    past = httpx.get(url, headers={"Range": f"bytes={size}-"})
    assert past.status_code == 416
    assert past.headers["content-range"] == f"bytes */{size}"


def test_sandbox_okdokument_download_serves_ranges_of_generated_documents(
    sandbox: SandboxAdmin,
) -> None:
    created = sandbox.http.post(
        "/_sandbox/okdokument/synthetic", json={"size": 3_000_000, "name": "big.pdf"}
    )
    document_id = created.json()["id"]
    url = f"{sandbox.okdokument_base}/document/{document_id}"
    headers = {"x-api-key": sandbox.okdokument_key}
    full = httpx.get(url, headers=headers)
    part = httpx.get(url, headers={**headers, "Range": "bytes=1048570-2097160"})
    assert part.status_code == 206
    assert part.content == full.content[1048570:2097161]
    assert part.headers["content-length"] == str(2097161 - 1048570)


def test_a_truncated_sandbox_download_resumes_and_only_the_rest_is_sent_again(
    cli: Cli, sandbox: SandboxAdmin, tmp_path: Path
) -> None:
    size = 2_000_000
    created = sandbox.http.post(
        "/_sandbox/okdokument/synthetic", json={"size": size, "name": "big.pdf"}
    )
    document_id = created.json()["id"]
    sandbox.faults(
        {"kind": "truncate", "method": "GET", "path": r"/okdokument/JSON/document/[^/]+$"}
    )
    sandbox.http.delete("/_sandbox/rate")  # the traffic counters from zero
    out = tmp_path / "big.pdf"
    result = cli("doc", "download", document_id, "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert out.stat().st_size == size
    downloads = [r for r in sandbox.requests() if r["raw_path"].endswith(document_id)]
    assert [r["raw_path"].split("/")[-2] for r in downloads] == ["metadata", "document", "document"]
    served = sandbox.http.get("/_sandbox/rate").json()["file_bytes"]["okdokument"]
    assert served == size  # half the file, then the other half: a restart would send 3 MB


def test_a_gzip_encoded_rest_is_no_range_of_the_file(
    hostile: HostileServer, tmp_path: Path
) -> None:
    # A range of the encoded bytes says nothing about the file's bytes: start over.
    import gzip

    packed = gzip.compress(BODY[HALF:])
    encoded_rest = Reply(
        status=206,
        headers=[
            ("Content-Type", "application/pdf"),
            ("Content-Encoding", "gzip"),
            ("Content-Range", f"bytes {HALF}-{len(BODY) - 1}/{len(BODY)}"),
            ("ETag", ETAG),
        ],
        body=packed,
    )
    asked, respond = answers(cut_short([("ETag", ETAG)]), encoded_rest, whole())
    hostile.route("GET", FILE, respond)  # type: ignore[arg-type]
    code, stderr, out = download(hostile, tmp_path)
    assert code == 0, stderr
    assert out.read_bytes() == BODY
    assert "range" not in asked[-1].headers


def _gzip_members(*parts: bytes) -> bytes:
    import gzip

    return b"".join(gzip.compress(part) for part in parts)


@pytest.mark.parametrize(
    ("body", "saved"),
    [
        (_gzip_members(BODY[:1000], BODY[1000:]), BODY),  # two members: both are the file
        (_gzip_members(BODY)[:-200], None),  # cut short: its length is the encoded one
        (_gzip_members(BODY) + b"trailing junk", None),  # not a member
    ],
    ids=["two-members", "truncated", "junk-after"],
)
def test_a_gzipped_download_is_whole_or_refused(
    hostile: HostileServer, tmp_path: Path, body: bytes, saved: bytes | None
) -> None:
    reply = Reply(
        headers=[("Content-Type", "application/pdf"), ("Content-Encoding", "gzip")], body=body
    )
    hostile.route("GET", FILE, lambda seen: reply)
    code, stderr, out = download(hostile, tmp_path, "--max-attempts", "1")
    if saved is None:
        assert code == 1, stderr
        assert not out.exists() and not list(tmp_path.glob("*.part"))
    else:
        assert code == 0, stderr
        assert out.read_bytes() == saved
