"""`esign doc sync DIR`: an archive directory kept in step with the provider, fetching only what
is new or changed, resumable whatever stops it, over every provider."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from esign.sandbox.pdf import make_pdf, sample_contract
from esign.sandbox.zapsign import Account
from esign.sandbox.zapsign.store import ZDoc, new_signer, now_text
from tests.conftest import Cli, SandboxAdmin, ih_settings

ESIGN = str(Path(sys.executable).with_name("esign"))
MANIFEST = ".esign-sync.json"


@pytest.fixture
def token(sandbox: SandboxAdmin) -> str:
    """A ZapSign account of the test's own: its documents, and its rate-limit window."""
    value = f"sync-{uuid.uuid4()}"
    sandbox.running.sandbox.zapsign.store.accounts[value] = Account()
    return value


@pytest.fixture
def zsync(zs_env: dict[str, str], token: str) -> Cli:
    return Cli({**zs_env, "ESIGN_API_KEY": token})


def add(
    sandbox: SandboxAdmin, owner: str, name: str, *, signed: bool = True, when: str | None = None
) -> ZDoc:
    """A document in the emulator's store, as ZapSign would hold it (created earlier)."""
    store = sandbox.running.sandbox.zapsign.store
    original = sample_contract(name)
    moment = when or now_text()
    doc = ZDoc(
        token=str(uuid.uuid4()),
        owner=owner,
        open_id=next(store.accounts[owner].open_ids),
        name=name,
        original=original,
        lang="en",
        signers=[new_signer({"name": "Ana", "email": "ana@example.com"})],
        status="signed" if signed else "pending",
        signed=make_pdf([name, "signed by Ana"], stamp=True) if signed else None,
        created_at=moment,
        last_update_at=moment,
    )
    if signed:
        doc.signers[0].status = "signed"
    store.docs[doc.token] = doc
    store.signer_docs[doc.signers[0].token] = doc.token
    return doc


def lines(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def manifest(directory: Path) -> dict[str, Any]:
    return dict(json.loads((directory / MANIFEST).read_text()))


def file_fetches(sandbox: SandboxAdmin) -> list[str]:
    return [
        r["raw_path"] for r in sandbox.requests() if r["raw_path"].startswith("/zapsign/files/")
    ]


def sync(cli: Cli, directory: Path, *args: str, **kwargs: Any) -> Any:
    return cli("doc", "sync", str(directory), *args, **kwargs)


# -- the first run and the next ------------------------------------------------------------


def test_first_sync_downloads_every_signed_document_and_records_it(
    zsync: Cli, sandbox: SandboxAdmin, token: str, tmp_path: Path
) -> None:
    oldest = add(sandbox, token, "Contract", when="2026-01-01T10:00:00.000000Z")
    newer = add(sandbox, token, "Contract", when="2026-01-02T10:00:00.000000Z")
    invoice = add(sandbox, token, "Invoice.pdf")
    add(sandbox, token, "Still pending", signed=False)
    archive = tmp_path / "archive"
    result = sync(zsync, archive)
    assert result.exit_code == 0, result.stderr
    done = lines(result.stdout)
    assert sorted(d["action"] for d in done) == ["downloaded"] * 3
    names = {d["id"]: Path(d["path"]).name for d in done}
    # The oldest keeps the shared name; the other gets a short ID suffix; a name that ends
    # in .pdf keeps it.
    assert names[oldest.token] == "Contract.pdf"
    assert names[newer.token] == f"Contract-{newer.token[:8]}.pdf"
    assert names[invoice.token] == "Invoice.pdf"
    for doc in (oldest, newer, invoice):
        assert (archive / names[doc.token]).read_bytes() == doc.signed
    recorded = manifest(archive)
    assert recorded["provider"] == "zapsign" and recorded["format"] == 1
    entry = next(e for e in recorded["documents"] if e["id"] == invoice.token)
    assert entry["file"] == "Invoice.pdf"
    assert entry["bytes"] == len(invoice.signed or b"")
    assert entry["sha256"] == hashlib.sha256(invoice.signed or b"").hexdigest()
    assert entry["updated_at"] == next(d for d in done if d["id"] == invoice.token)["updated_at"]
    assert entry["status"] == "signed"
    assert entry["synced_at"].endswith("Z")
    assert sorted(os.listdir(archive)) == sorted([MANIFEST, *names.values()])
    # The summary: what was done, and what it cost against the rate limit.
    assert "3 downloaded" in result.stderr and "0 failed" in result.stderr
    assert "1 API request, 0 answered 429" in result.stderr


def test_the_files_come_from_the_listed_urls_so_only_list_pages_count(
    zsync: Cli, sandbox: SandboxAdmin, token: str, tmp_path: Path
) -> None:
    """60 documents: three list pages of 25, and no detail request per document."""
    for n in range(60):
        add(sandbox, token, f"Doc {n:02}")
    result = sync(zsync, tmp_path / "a", "--jobs", "8")
    assert result.exit_code == 0, result.stderr
    assert len(list((tmp_path / "a").glob("*.pdf"))) == 60
    assert "3 API requests" in result.stderr


def test_a_rerun_downloads_nothing_and_changes_nothing(
    zsync: Cli, sandbox: SandboxAdmin, token: str, tmp_path: Path
) -> None:
    for n in range(3):
        add(sandbox, token, f"Doc {n}")
    archive = tmp_path / "archive"
    assert sync(zsync, archive).exit_code == 0
    before = {p.name: (p.stat().st_mtime_ns, p.stat().st_ino) for p in archive.iterdir()}
    sandbox.clear_requests()
    again = sync(zsync, archive)
    assert again.exit_code == 0, again.stderr
    assert [d["action"] for d in lines(again.stdout)] == ["skipped"] * 3
    assert all(d["reason"] == "unchanged" for d in lines(again.stdout))
    assert file_fetches(sandbox) == []
    assert [r["raw_path"] for r in sandbox.requests()] == ["/zapsign/api/v1/docs/"]
    after = {p.name: (p.stat().st_mtime_ns, p.stat().st_ino) for p in archive.iterdir()}
    assert after == before  # not even the manifest was rewritten
    assert "0 downloaded" in again.stderr and "3 skipped" in again.stderr


def test_two_fresh_archives_get_the_same_names(
    zsync: Cli, sandbox: SandboxAdmin, token: str, tmp_path: Path
) -> None:
    for n in range(4):
        add(sandbox, token, "Same name", when=f"2026-01-0{n + 1}T00:00:00.000000Z")
    add(sandbox, token, "con/../tract: *x*")
    assert sync(zsync, tmp_path / "one", "--jobs", "4").exit_code == 0
    assert sync(zsync, tmp_path / "two", "--jobs", "1").exit_code == 0
    assert sorted(os.listdir(tmp_path / "one")) == sorted(os.listdir(tmp_path / "two"))
    assert "tract- *x*.pdf" not in os.listdir(tmp_path / "one")  # no path separator survives
    assert all("/" not in name for name in os.listdir(tmp_path / "one"))


def test_a_file_deleted_or_altered_by_hand_is_fetched_again(
    zsync: Cli, sandbox: SandboxAdmin, token: str, tmp_path: Path
) -> None:
    gone = add(sandbox, token, "Gone")
    edited = add(sandbox, token, "Edited")
    kept = add(sandbox, token, "Kept")
    archive = tmp_path / "archive"
    assert sync(zsync, archive).exit_code == 0
    (archive / "Gone.pdf").unlink()
    (archive / "Edited.pdf").write_bytes(b"%PDF-1.7 not what was signed")
    result = sync(zsync, archive)
    assert result.exit_code == 0, result.stderr
    reasons = {d["id"]: (d["action"], d.get("reason")) for d in lines(result.stdout)}
    assert reasons == {
        gone.token: ("downloaded", "missing"),
        edited.token: ("downloaded", "altered"),
        kept.token: ("skipped", "unchanged"),
    }
    assert (archive / "Gone.pdf").read_bytes() == gone.signed
    assert (archive / "Edited.pdf").read_bytes() == edited.signed


def test_an_alteration_that_keeps_size_and_time_is_found_by_verify(
    zsync: Cli, sandbox: SandboxAdmin, token: str, tmp_path: Path
) -> None:
    doc = add(sandbox, token, "Sneaky")
    archive = tmp_path / "archive"
    assert sync(zsync, archive).exit_code == 0
    path = archive / "Sneaky.pdf"
    info = path.stat()
    data = bytearray(path.read_bytes())
    data[-5] ^= 0xFF
    path.write_bytes(bytes(data))
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    quick = sync(zsync, archive)
    assert [d["action"] for d in lines(quick.stdout)] == ["skipped"]  # size and time agree
    verified = sync(zsync, archive, "--verify")
    assert [(d["action"], d["reason"]) for d in lines(verified.stdout)] == [
        ("downloaded", "altered")
    ]
    assert path.read_bytes() == doc.signed


def test_a_document_changed_at_the_provider_is_fetched_again(
    zsync: Cli, sandbox: SandboxAdmin, token: str, tmp_path: Path
) -> None:
    doc = add(sandbox, token, "Draft", signed=False, when="2026-01-01T00:00:00.000000Z")
    archive = tmp_path / "archive"
    first = sync(zsync, archive, "--status", "any")
    assert first.exit_code == 0, first.stderr
    assert (archive / "Draft.pdf").read_bytes() == doc.original
    sandbox.sign(doc.token)  # signed now: a new file, a new last_update_at
    second = sync(zsync, archive, "--status", "any")
    assert [(d["action"], d["reason"]) for d in lines(second.stdout)] == [("downloaded", "changed")]
    assert (archive / "Draft.pdf").read_bytes() == doc.signed
    assert (
        manifest(archive)["documents"][0]["sha256"] == hashlib.sha256(doc.signed or b"").hexdigest()
    )


def test_a_document_signed_within_the_second_it_was_listed_in_is_still_fetched_again(
    zsync: Cli, sandbox: SandboxAdmin, token: str, tmp_path: Path
) -> None:
    """updated_at is to the second: the status recorded beside it tells the change."""
    doc = add(sandbox, token, "Quick", signed=False, when="2026-01-01T00:00:00.100000Z")
    archive = tmp_path / "archive"
    assert sync(zsync, archive, "--status", "any").exit_code == 0
    sandbox.sign(doc.token)
    doc.last_update_at = "2026-01-01T00:00:00.900000Z"  # the same second as listed before
    again = sync(zsync, archive, "--status", "any")
    assert [(d["action"], d["reason"]) for d in lines(again.stdout)] == [("downloaded", "changed")]
    assert (archive / "Quick.pdf").read_bytes() == doc.signed


def test_since_takes_only_documents_updated_since_then(
    zsync: Cli, sandbox: SandboxAdmin, token: str, tmp_path: Path
) -> None:
    add(sandbox, token, "Old", when="2020-01-01T00:00:00.000000Z")
    recent = add(sandbox, token, "Recent")
    result = sync(zsync, tmp_path / "a", "--since", "7d")
    assert result.exit_code == 0, result.stderr
    assert [d["id"] for d in lines(result.stdout)] == [recent.token]
    dated = sync(zsync, tmp_path / "b", "--since", "2019-12-31")
    assert len(lines(dated.stdout)) == 2
    bad = sync(zsync, tmp_path / "c", "--since", "last tuesday")
    assert bad.exit_code == 2 and "--since" in bad.stderr


# -- --delete and --dry-run -------------------------------------------------------------------


def test_delete_removes_only_the_files_of_documents_deleted_at_the_provider(
    zsync: Cli, sandbox: SandboxAdmin, token: str, tmp_path: Path
) -> None:
    deleted = add(sandbox, token, "Deleted")
    kept = add(sandbox, token, "Kept")
    pending = add(sandbox, token, "Pending", signed=False)
    archive = tmp_path / "archive"
    assert sync(zsync, archive, "--status", "any").exit_code == 0
    assert zsync("doc", "delete", deleted.token, "--yes").exit_code == 0  # soft, in ZapSign

    plain = sync(zsync, archive)  # never by default
    assert plain.exit_code == 0
    assert (archive / "Deleted.pdf").exists()

    result = sync(zsync, archive, "--delete")
    assert result.exit_code == 0, result.stderr
    acted = {d["id"]: d["action"] for d in lines(result.stdout)}
    assert acted == {deleted.token: "deleted", kept.token: "skipped"}
    assert not (archive / "Deleted.pdf").exists()
    # Not listed any more under --status signed, but still there at the provider: kept.
    assert (archive / "Pending.pdf").exists()
    ids = {e["id"] for e in manifest(archive)["documents"]}
    assert ids == {kept.token, pending.token}
    assert "1 deleted" in result.stderr


def test_dry_run_writes_nothing_and_says_what_it_would_do(
    zsync: Cli, sandbox: SandboxAdmin, token: str, tmp_path: Path
) -> None:
    first = add(sandbox, token, "First")
    fresh = tmp_path / "fresh"
    sandbox.clear_requests()
    planned = sync(zsync, fresh, "--dry-run")
    assert planned.exit_code == 0, planned.stderr
    assert lines(planned.stdout) == [
        {
            "action": "would_download",
            "id": first.token,
            "provider": "zapsign",
            "path": str(fresh / "First.pdf"),
            "updated_at": lines(planned.stdout)[0]["updated_at"],
            "reason": "new",
        }
    ]
    assert not fresh.exists()
    assert file_fetches(sandbox) == []

    archive = tmp_path / "archive"
    assert sync(zsync, archive).exit_code == 0
    second = add(sandbox, token, "Second")
    assert zsync("doc", "delete", first.token, "--yes").exit_code == 0
    before = (archive / MANIFEST).read_bytes()
    table = sync(zsync, archive, "--dry-run", "--delete", "--output", "table")
    assert table.exit_code == 0, table.stderr
    assert table.stdout.splitlines() == [
        f"would download {archive / 'Second.pdf'} (new)",
        f"would delete {archive / 'First.pdf'}",
    ]
    assert (archive / "First.pdf").exists() and not (archive / "Second.pdf").exists()
    assert (archive / MANIFEST).read_bytes() == before
    assert "1 to download, 1 to delete, 0 unchanged; nothing was written" in table.stderr
    assert second.token not in (archive / MANIFEST).read_text()


# -- whatever stops it, the next run resumes --------------------------------------------------


def subprocess_env(zs_env: dict[str, str], token: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("ESIGN_")}
    return {**base, **zs_env, "ESIGN_API_KEY": token}


def wait_for_entries(archive: Path, count: int, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            if len(manifest(archive)["documents"]) >= count:
                return
        except (OSError, ValueError):
            pass
        assert proc.poll() is None, "the sync ended before it could be stopped"
        assert time.monotonic() < deadline, "the sync never got that far"
        time.sleep(0.01)


@pytest.fixture
def slow_files(sandbox: SandboxAdmin) -> Iterator[None]:
    sandbox.faults(
        {
            "kind": "latency",
            "delay": 0.15,
            "method": "GET",
            "path": "/zapsign/files/",
            "count": None,
        }
    )
    yield
    sandbox.clear_faults()


def test_killed_mid_run_the_next_run_resumes_fetching_no_finished_file_twice(
    zsync: Cli,
    sandbox: SandboxAdmin,
    token: str,
    zs_env: dict[str, str],
    tmp_path: Path,
    slow_files: None,
) -> None:
    docs = [add(sandbox, token, f"Doc {n:02}") for n in range(20)]
    archive = tmp_path / "archive"
    sandbox.clear_requests()
    proc = subprocess.Popen(
        [ESIGN, "doc", "sync", str(archive), "--jobs", "2"],
        env=subprocess_env(zs_env, token),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    wait_for_entries(archive, 6, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    recorded = {e["id"] for e in manifest(archive)["documents"]}  # a whole manifest
    assert 6 <= len(recorded) < 20
    journal = archive / ".esign-sync.journal"
    finished = recorded | {json.loads(line)["id"] for line in journal.read_text().splitlines()}
    first_fetches = file_fetches(sandbox)
    sandbox.clear_requests()

    result = sync(zsync, archive)
    assert result.exit_code == 0, result.stderr
    assert len(manifest(archive)["documents"]) == 20
    assert not list(archive.glob("*.part")) and not list(archive.glob(".*.part"))
    for doc in docs:
        name = next(e["file"] for e in manifest(archive)["documents"] if e["id"] == doc.token)
        assert (archive / name).read_bytes() == doc.signed
    again = file_fetches(sandbox)
    # Nothing the first run finished was fetched again, recorded or only journaled (done,
    # waiting for the manifest's next rewrite); at most the two in flight were.
    assert not {p for p in again if any(token_ in p for token_ in finished)}
    assert len(first_fetches) + len(again) <= 20 + 2
    assert not journal.exists()


def test_a_finished_file_the_manifest_had_not_recorded_yet_is_adopted_from_the_journal(
    zsync: Cli, sandbox: SandboxAdmin, token: str, tmp_path: Path
) -> None:
    """Killed after the download finished (journaled) but before the group commit recorded
    it: the next run hashes the temporary file against the journal and keeps it."""
    doc = add(sandbox, token, "Journaled")
    archive = tmp_path / "archive"
    assert sync(zsync, archive).exit_code == 0
    data = manifest(archive)
    [entry] = data["documents"]
    data["documents"] = []
    (archive / MANIFEST).write_text(json.dumps(data))
    os.replace(archive / "Journaled.pdf", archive / "Journaled.pdf.0123abcd.part")
    journal = archive / ".esign-sync.journal"
    scope = [data["provider"], data["base_url"], data["collection"]]
    lines = [
        {**entry, "id": "other-account", "scope": [scope[0], "https://elsewhere/api", None]},
        {**entry, "id": "someone-else", "sha256": "0" * 64, "scope": scope},  # no such file
        {**entry, "scope": scope},
    ]
    journal.write_text("".join(json.dumps(line) + "\n" for line in lines) + '{"id": "cut')
    sandbox.clear_requests()
    result = sync(zsync, archive)
    assert result.exit_code == 0, result.stderr
    assert file_fetches(sandbox) == []
    assert (archive / "Journaled.pdf").read_bytes() == doc.signed
    assert [e["id"] for e in manifest(archive)["documents"]] == [doc.token]
    assert sorted(os.listdir(archive)) == sorted([MANIFEST, "Journaled.pdf"])


def test_a_file_recorded_but_not_yet_moved_into_place_is_adopted_not_fetched(
    zsync: Cli, sandbox: SandboxAdmin, token: str, tmp_path: Path
) -> None:
    """Stopped between the manifest's rewrite and the move: the temporary file is there,
    with the recorded bytes."""
    doc = add(sandbox, token, "Caught")
    archive = tmp_path / "archive"
    assert sync(zsync, archive).exit_code == 0
    os.replace(archive / "Caught.pdf", archive / "Caught.pdf.0123abcd.part")
    (archive / "Other.pdf.cafebabe.part").write_bytes(b"%PDF-1.7 half")  # in flight then
    (archive / f"{MANIFEST}.deadbeef.part").write_text('{"format": 1, "docu')  # half written
    sandbox.clear_requests()
    result = sync(zsync, archive)
    assert result.exit_code == 0, result.stderr
    assert file_fetches(sandbox) == []
    assert (archive / "Caught.pdf").read_bytes() == doc.signed
    assert sorted(os.listdir(archive)) == sorted([MANIFEST, "Caught.pdf"])


def test_sigterm_mid_run_leaves_no_part_and_a_readable_manifest(
    zsync: Cli,
    sandbox: SandboxAdmin,
    token: str,
    zs_env: dict[str, str],
    tmp_path: Path,
    slow_files: None,
) -> None:
    for n in range(20):
        add(sandbox, token, f"Doc {n:02}")
    archive = tmp_path / "archive"
    proc = subprocess.Popen(
        [ESIGN, "doc", "sync", str(archive), "--jobs", "4"],
        env=subprocess_env(zs_env, token),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for_entries(archive, 3, proc)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=10)
    assert proc.returncode == 128 + signal.SIGTERM
    assert "Traceback" not in stderr
    assert not list(archive.glob("*.part")) and not list(archive.glob(".*.part"))
    names = {e["file"] for e in manifest(archive)["documents"]}
    assert names == {p.name for p in archive.glob("*.pdf")}  # the manifest names what is there
    result = sync(zsync, archive)
    assert result.exit_code == 0
    assert len(manifest(archive)["documents"]) == 20


# -- failures ---------------------------------------------------------------------------------


def test_a_429_pauses_then_the_sync_goes_on_and_the_summary_counts_it(
    zsync: Cli, sandbox: SandboxAdmin, token: str, tmp_path: Path
) -> None:
    add(sandbox, token, "Doc")
    sandbox.faults(
        {"kind": "status", "status": 429, "retry_after": "2", "method": "GET", "path": "/docs/$"}
    )
    result = sync(zsync, tmp_path / "a")
    assert result.exit_code == 0, result.stderr
    assert 2.0 in result.sleeps  # the whole pool waited for the Retry-After
    assert "2 API requests, 1 answered 429" in result.stderr


def test_a_list_that_fails_midway_is_the_runs_failure_and_deletes_nothing(
    zsync: Cli, sandbox: SandboxAdmin, token: str, tmp_path: Path
) -> None:
    docs = [add(sandbox, token, f"Doc {n:02}") for n in range(30)]  # two pages
    archive = tmp_path / "archive"
    assert sync(zsync, archive).exit_code == 0
    assert zsync("doc", "delete", docs[0].token, "--yes").exit_code == 0
    added = add(sandbox, token, "Added since")
    before = sorted(os.listdir(archive))
    list_path = "^/zapsign/api/v1/docs/$"
    sandbox.faults(
        {"kind": "latency", "delay": 0, "method": "GET", "path": list_path, "count": 1},
        {"kind": "status", "status": 500, "method": "GET", "path": list_path, "count": None},
    )  # the first page, then a server error on the second
    failed = sync(zsync, archive, "--delete")
    assert failed.exit_code == 1
    assert "ZapSign answered HTTP 500" in failed.stderr
    # Doc 00's file stays: a deletion is decided on a whole list only; the document added
    # since is on the page that failed.
    assert sorted(os.listdir(archive)) == before
    assert added.token not in {e["id"] for e in manifest(archive)["documents"]}


def test_an_expired_listed_url_is_replaced_by_a_fresh_one(
    zsync: Cli, sandbox: SandboxAdmin, token: str, tmp_path: Path
) -> None:
    doc = add(sandbox, token, "Cached")
    expired = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"
    )
    sandbox.faults(
        {
            "kind": "status",
            "status": 403,
            "method": "GET",
            "path": "/zapsign/files/",
            "body": expired,
            "content_type": "application/xml",
        }
    )
    sandbox.clear_requests()
    result = sync(zsync, tmp_path / "a")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "a" / "Cached.pdf").read_bytes() == doc.signed
    paths = [r["raw_path"] for r in sandbox.requests()]
    assert f"/zapsign/api/v1/docs/{doc.token}/" in paths  # the detail, for a fresh URL


def test_failures_are_reported_per_document_and_the_exit_code_is_the_worst(
    zsync: Cli, sandbox: SandboxAdmin, token: str, tmp_path: Path
) -> None:
    bad = add(sandbox, token, "Broken")
    good = add(sandbox, token, "Fine")
    sandbox.faults(
        {"kind": "status", "status": 500, "path": f"/zapsign/files/{bad.token}/", "count": None}
    )
    archive = tmp_path / "archive"
    result = sync(zsync, archive)
    assert result.exit_code == 1
    acted = {d["id"]: d for d in lines(result.stdout)}
    assert acted[good.token]["action"] == "downloaded"
    assert acted[bad.token]["action"] == "failed"
    assert acted[bad.token]["error"]["code"] == 1
    assert "error: 1 of 2 documents failed" in result.stderr
    assert [e["id"] for e in manifest(archive)["documents"]] == [good.token]
    sandbox.clear_faults()
    again = sync(zsync, archive)
    assert [(d["id"], d["action"]) for d in lines(again.stdout) if d["action"] != "skipped"] == [
        (bad.token, "downloaded")
    ]


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ('{"format": 1, "provider": "zapsign", "base_url": "BASE", "collection": null, '
         '"documents": [{"id": "x", "provider": "zapsign", "file": "../escape.pdf", '
         '"bytes": 1, "sha256": "0", "updated_at": null, "synced_at": "", "mtime_ns": 0}]}',
         "no usable file name"),
        ('{"format": 1, "provider": "okdokument", "base_url": "https://elsewhere", '
         '"collection": null, "documents": []}', "is the archive of okdokument"),
        ("{not json", "not a sync manifest"),
        ('{"format": 1, "provider": "zapsign", "base_url": "BASE", "collection": null, '
         '"documents": [{"id": 7, "provider": "zapsign", "file": "a.pdf", '
         '"bytes": 1, "sha256": "0", "updated_at": null, "synced_at": "", "mtime_ns": 0}]}',
         "wrong types"),
        ('{"format": 99, "documents": []}', "not a sync manifest"),
    ],
    ids=["traversal", "other-account", "garbage", "wrong-type", "newer-format"],
)  # fmt: skip
def test_a_manifest_esign_did_not_write_is_refused_before_anything_is_fetched(
    zsync: Cli, sandbox: SandboxAdmin, token: str, tmp_path: Path, content: str, said: str
) -> None:
    add(sandbox, token, "Doc")
    archive = tmp_path / "archive"
    archive.mkdir()
    base = sandbox.zapsign("base_url")
    (archive / MANIFEST).write_text(content.replace("BASE", base))
    sandbox.clear_requests()
    result = sync(zsync, archive)
    assert result.exit_code == 2
    assert said in result.stderr
    assert sandbox.requests() == []
    assert not (tmp_path / "escape.pdf").exists()


def test_a_symlink_planted_over_an_archived_file_is_replaced_not_written_through(
    zsync: Cli, sandbox: SandboxAdmin, token: str, tmp_path: Path
) -> None:
    doc = add(sandbox, token, "Target")
    archive = tmp_path / "archive"
    assert sync(zsync, archive).exit_code == 0
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (archive / "Target.pdf").unlink()
    (archive / "Target.pdf").symlink_to(victim)
    result = sync(zsync, archive)
    assert result.exit_code == 0, result.stderr
    assert victim.read_text() == "precious"
    assert not (archive / "Target.pdf").is_symlink()
    assert (archive / "Target.pdf").read_bytes() == doc.signed


def test_a_manifest_planted_as_a_symlink_is_replaced_not_written_through(
    zsync: Cli, sandbox: SandboxAdmin, token: str, tmp_path: Path
) -> None:
    add(sandbox, token, "Doc")
    archive = tmp_path / "archive"
    archive.mkdir()
    victim = tmp_path / "victim.json"
    victim.write_text("precious")
    (archive / MANIFEST).symlink_to(victim)
    result = sync(zsync, archive)
    assert result.exit_code == 2  # not a manifest esign can read: refused, nothing written
    assert victim.read_text() == "precious"


def test_a_planted_temporary_file_with_the_right_size_but_other_bytes_is_not_adopted(
    zsync: Cli, sandbox: SandboxAdmin, token: str, tmp_path: Path
) -> None:
    doc = add(sandbox, token, "Real")
    archive = tmp_path / "archive"
    assert sync(zsync, archive).exit_code == 0
    (archive / "Real.pdf").unlink()
    forged = b"%PDF-1.7 forged".ljust(len(doc.signed or b""), b"x")
    (archive / "Real.pdf.0badc0de.part").write_bytes(forged)
    result = sync(zsync, archive)
    assert result.exit_code == 0, result.stderr
    assert (archive / "Real.pdf").read_bytes() == doc.signed  # fetched again, not adopted
    assert not list(archive.glob("*.part"))


def test_escape_sequences_in_a_documents_name_reach_neither_the_disk_nor_the_terminal(
    zsync: Cli, sandbox: SandboxAdmin, token: str, tmp_path: Path
) -> None:
    add(sandbox, token, "Evil\x1b]52;c;aGk=\x07\x1b[2J name")
    archive = tmp_path / "archive"
    piped = sync(zsync, archive, "--dry-run")
    assert "\x1b" not in piped.stdout + piped.stderr
    table = sync(zsync, archive, "--dry-run", "--output", "table")
    assert "\x1b" not in table.stdout + table.stderr
    assert sync(zsync, archive).exit_code == 0
    assert all("\x1b" not in name and "\x07" not in name for name in os.listdir(archive))


def test_a_file_of_the_users_at_a_new_documents_name_is_left_alone(
    zsync: Cli, sandbox: SandboxAdmin, token: str, tmp_path: Path
) -> None:
    doc = add(sandbox, token, "Notes")
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "notes.PDF").write_text("mine")  # the same name on a case-insensitive disk
    result = sync(zsync, archive)
    assert result.exit_code == 0, result.stderr
    assert (archive / "notes.PDF").read_text() == "mine"
    assert (archive / f"Notes-{doc.token[:8]}.pdf").read_bytes() == doc.signed


def test_a_second_sync_into_the_same_directory_is_refused_while_one_runs(
    zsync: Cli, sandbox: SandboxAdmin, token: str, tmp_path: Path
) -> None:
    add(sandbox, token, "Doc")
    archive = tmp_path / "archive"
    archive.mkdir()
    fd = os.open(archive, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        result = sync(zsync, archive)
    finally:
        os.close(fd)
    assert result.exit_code == 2
    assert "another esign doc sync" in result.stderr
    assert os.listdir(archive) == []


def test_dir_that_is_a_file_is_a_usage_error(zsync: Cli, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    result = sync(zsync, tmp_path / "file")
    assert result.exit_code == 2
    assert "not a directory" in result.stderr


def test_status_is_checked(zsync: Cli, tmp_path: Path) -> None:
    result = sync(zsync, tmp_path / "a", "--status", "done")
    assert result.exit_code == 2
    assert "signed, final, any" in result.stderr


# -- on a terminal --------------------------------------------------------------------------


def test_on_a_terminal_a_progress_display_and_the_summary_and_no_json(
    zsync: Cli, sandbox: SandboxAdmin, token: str, tmp_path: Path
) -> None:
    for n in range(3):
        add(sandbox, token, f"Doc {n}")
    result = sync(zsync, tmp_path / "a", tty=True)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert "syncing" in result.stderr and "3/3" in result.stderr
    assert "synced" in result.stderr and "3 downloaded" in result.stderr
    quiet = sync(zsync, tmp_path / "b", "--quiet", tty=True)
    assert quiet.exit_code == 0 and quiet.stderr == ""


# -- activity reports -------------------------------------------------------------------------


def test_with_audit_keeps_each_documents_report_beside_it(
    zsync: Cli, sandbox: SandboxAdmin, token: str, tmp_path: Path
) -> None:
    doc = add(sandbox, token, "Audited")
    archive = tmp_path / "archive"
    first = sync(zsync, archive, "--with-audit")
    assert first.exit_code == 0, first.stderr
    [line] = lines(first.stdout)
    report = archive / "Audited.audit.pdf"
    assert line["audit"]["path"] == str(report)
    assert report.read_bytes().startswith(b"%PDF-")
    assert line["audit"]["sha256"] == hashlib.sha256(report.read_bytes()).hexdigest()
    assert "2 API requests" in first.stderr  # the list, and the report

    sandbox.clear_requests()
    again = sync(zsync, archive, "--with-audit")
    assert [d["action"] for d in lines(again.stdout)] == ["skipped"]
    assert [r["raw_path"] for r in sandbox.requests()] == ["/zapsign/api/v1/docs/"]

    report.unlink()  # by hand, or a run stopped between the file and its report
    sandbox.clear_requests()
    refetched = sync(zsync, archive, "--with-audit")
    [line] = lines(refetched.stdout)
    assert line["action"] == "skipped" and line["audit"]["path"] == str(report)
    assert report.exists()
    assert file_fetches(sandbox) == []  # only the report, not the document again
    assert f"/zapsign/api/v1/docs/signer-log/{doc.token}" in [
        r["raw_path"] for r in sandbox.requests()
    ]

    assert zsync("doc", "delete", doc.token, "--yes").exit_code == 0
    deleted = sync(zsync, archive, "--delete")
    assert deleted.exit_code == 0, deleted.stderr
    assert os.listdir(archive) == [MANIFEST]  # the report went with its document


def test_a_document_named_like_anothers_report_gets_another_name(
    zsync: Cli, sandbox: SandboxAdmin, token: str, tmp_path: Path
) -> None:
    add(sandbox, token, "X", when="2026-01-01T00:00:00.000000Z")
    other = add(sandbox, token, "X.audit", when="2026-01-02T00:00:00.000000Z")
    archive = tmp_path / "archive"
    result = sync(zsync, archive, "--with-audit")
    assert result.exit_code == 0, result.stderr
    names = sorted(os.listdir(archive))
    assert "X.audit.pdf" in names  # X's report
    assert f"X.audit-{other.token[:8]}.pdf" in names  # the document, beside it


def test_with_audit_is_exit_2_where_the_provider_has_no_reports(cli: Cli, tmp_path: Path) -> None:
    result = sync(cli, tmp_path / "a", "--with-audit")
    assert result.exit_code == 2
    assert "activity history" in result.stderr
    assert not (tmp_path / "a").exists()


# -- every provider -------------------------------------------------------------------------


def test_okdokument_documents_are_synced(
    sandbox: SandboxAdmin, okd_env: dict[str, str], tmp_path: Path
) -> None:
    key = "5a4d0c1e_" + uuid.uuid4().hex * 2  # an account of the test's own
    sandbox.running.sandbox.okdokument.store.keys[key] = True
    okd = Cli({**okd_env, "ESIGN_API_KEY": key})
    contract = tmp_path / "contract.pdf"
    contract.write_bytes(sample_contract("OK"))
    created = [okd("request", "create", str(contract)).json()["document_id"] for _ in range(2)]
    sandbox.sign(created[0])
    archive = tmp_path / "archive"
    result = sync(okd, archive)
    assert result.exit_code == 0, result.stderr
    assert [(d["id"], Path(d["path"]).name) for d in lines(result.stdout)] == [
        (created[0], "contract.pdf")
    ]
    everything = sync(okd, archive, "--status", "any")
    acted = sorted(d["action"] for d in lines(everything.stdout))
    assert acted == ["downloaded", "skipped"]
    assert sorted(os.listdir(archive)) == sorted(
        [MANIFEST, "contract.pdf", f"contract-{created[1][:8]}.pdf"]
    )


def test_indexhealth_documents_are_synced_by_collection(
    sandbox: SandboxAdmin, tmp_path: Path
) -> None:
    collection = f"col-{uuid.uuid4().hex[:8]}"
    sandbox.running.sandbox.indexhealth.store.collections[collection] = "Sync test"
    ih = Cli(ih_settings(sandbox))
    (tmp_path / "notes.txt").write_text("hello\n")
    contract = tmp_path / "plan.pdf"
    contract.write_bytes(sample_contract("Plan"))
    for path, name in ((tmp_path / "notes.txt", "notes.txt"), (contract, "Plan A")):
        made = ih("doc", "upload", str(path), "--collection", collection, "--name", name)
        assert made.exit_code == 0, made.stderr
    archive = tmp_path / "archive"
    deadline = time.monotonic() + 10
    while True:  # uploaded files are processed first (final = processing done)
        result = sync(ih, archive, "--collection", collection)
        assert result.exit_code == 0, result.stderr
        if len(manifest(archive)["documents"]) == 2 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    # A name without an extension takes the one of the server's file name.
    assert sorted(os.listdir(archive)) == sorted([MANIFEST, "notes.txt", "Plan A.pdf"])
    assert (archive / "notes.txt").read_text() == "hello\n"
    no_collection = sync(ih, archive)
    assert no_collection.exit_code == 2 and "collection" in no_collection.stderr
    signed = sync(ih, archive, "--collection", collection, "--status", "signed")
    assert signed.exit_code == 2 and "never signed" in signed.stderr
    other = sync(ih, archive, "--collection", "col-demo")
    assert other.exit_code == 2 and "is the archive of" in other.stderr
