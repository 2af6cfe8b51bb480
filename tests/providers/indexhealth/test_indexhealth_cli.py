"""Every IndexHealth command against the sandbox over loopback HTTP."""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from esign.core.config.credentials import default_fingerprint
from esign.providers.indexhealth.auth import jwt_expiry
from esign.sandbox.indexhealth import IndexHealthStore
from tests.conftest import Cli, SandboxAdmin, ih_settings
from tests.keyrings import MemoryKeyring


@pytest.fixture
def store(sandbox: SandboxAdmin) -> Iterator[IndexHealthStore]:
    ih = sandbox.running.sandbox.indexhealth.store
    knobs = (
        "status_mode",
        "legacy_token_answer",
        "token_lifetime",
        "token_has_exp",
        "processing_seconds",
        "revoked_before",
    )
    saved = {name: getattr(ih, name) for name in knobs}
    yield ih
    for name, value in saved.items():
        setattr(ih, name, value)


def profile_cli(sandbox: SandboxAdmin, name: str) -> tuple[Cli, MemoryKeyring]:
    """An IndexHealth profile for the sandbox, its secret stored in an in-memory keyring."""
    keyring = MemoryKeyring()
    env = ih_settings(sandbox)
    pcli = Cli({}, keyring=keyring)
    add = pcli(
        "profile",
        "add",
        name,
        "--provider",
        "indexhealth",
        "--base-url",
        env["ESIGN_BASE_URL"],
        "--client-id",
        env["ESIGN_CLIENT_ID"],
        "--user-email",
        env["ESIGN_USER_EMAIL"],
        "--user-first-name",
        env["ESIGN_USER_FIRST_NAME"],
        "--user-last-name",
        env["ESIGN_USER_LAST_NAME"],
        "--group-name",
        env["ESIGN_GROUP_NAME"],
    )
    assert add.exit_code == 0, add.stderr
    login = pcli(
        "auth", "login", "--profile", name, "--with-token", input=env["ESIGN_CLIENT_SECRET"] + "\n"
    )
    assert login.exit_code == 0, login.stderr
    return pcli, keyring


@pytest.fixture
def ih(sandbox: SandboxAdmin, store: IndexHealthStore) -> Cli:
    return Cli(ih_settings(sandbox))


def upload(ih: Cli, path: Path, *extra: str) -> dict[str, Any]:
    result = ih("doc", "upload", str(path), "--collection", "col-demo", *extra)
    assert result.exit_code == 0, result.stderr
    return dict(result.json())


# -- documents ----------------------------------------------------------------------------


def test_upload_info_list_update_delete(ih: Cli, contract: Path) -> None:
    doc = upload(
        ih,
        contract,
        "--name",
        "Plan brochure.pdf",
        "--description",
        "2027",
        "--tag",
        "brochure",
        "--tag",
        "2027",
    )
    assert doc["provider"] == "indexhealth" and doc["name"] == "Plan brochure.pdf"
    info = ih("doc", "info", doc["id"]).json()
    assert info["files"]["original"].endswith(f"/indexhealth/download/{doc['id']}")
    assert info["created_at"].endswith("Z")
    raw = ih("doc", "info", doc["id"], "--raw").json()
    assert raw["document_tags"] == ["brochure", "2027"] and raw["document_type"] == "PDF"
    assert raw["collection_name"] == "Demo collection" and raw["associated_plans"]
    listed = ih("doc", "list", "--collection", "col-demo").json()
    assert doc["id"] in {d["id"] for d in listed}
    updated = ih("doc", "update", doc["id"], "--name", "Renamed.pdf", "--tag", "final")
    assert updated.exit_code == 0, updated.stderr
    assert updated.json()["name"] == "Renamed.pdf"
    # Tags are sent as the new complete list and the sandbox replaces them (spec gap 4).
    assert ih("doc", "info", doc["id"], "--raw").json()["document_tags"] == ["final"]
    assert ih("doc", "delete", doc["id"]).exit_code == 3
    deleted = ih("doc", "delete", doc["id"], "--yes")
    assert deleted.exit_code == 0 and deleted.json()["deleted"] is True
    gone = ih("doc", "info", doc["id"])
    assert gone.exit_code == 5 and "Document not found" in gone.stderr


def test_processing_progress_is_the_status(
    ih: Cli, contract: Path, store: IndexHealthStore
) -> None:
    store.processing_seconds = 30
    try:
        doc = upload(ih, contract)
        [item] = [
            d for d in ih("doc", "list", "--collection", "col-demo").json() if d["id"] == doc["id"]
        ]
        assert item["status"] == "processing" and item["provider_status"].startswith("processing")
    finally:
        store.processing_seconds = 2.0


def test_upload_by_url_cannot_be_downloaded(ih: Cli, tmp_path: Path) -> None:
    result = ih(
        "doc",
        "upload",
        "--url",
        "https://docs.example/sbc.pdf",
        "--collection",
        "col-demo",
        "--type",
        "pdf",
    )
    assert result.exit_code == 0, result.stderr
    doc = result.json()
    assert doc["files"]["original"] == "https://docs.example/sbc.pdf"
    refused = ih("doc", "download", doc["id"], "-o", str(tmp_path / "x.pdf"))
    assert refused.exit_code == 6
    assert "URL-based" in refused.stderr
    assert ih("doc", "presign", doc["id"]).exit_code == 6
    assert not (tmp_path / "x.pdf").exists()


def test_direct_download_keeps_name_and_type(ih: Cli, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("member notes\n")
    doc = upload(ih, notes)
    out = tmp_path / "out"
    out.mkdir()
    result = ih("doc", "download", doc["id"], "-o", f"{out}/")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert data["path"] == str(out / "notes.txt")
    assert data["content_type"] == "text/plain"
    assert data["sha256"] == hashlib.sha256(b"member notes\n").hexdigest()


def test_presign_and_fetch_without_the_bearer_token(
    ih: Cli, contract: Path, sandbox: SandboxAdmin
) -> None:
    doc = upload(ih, contract)
    result = ih("doc", "presign", doc["id"])
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert "X-Amz-Signature=" in data["url"]
    expires = datetime.fromisoformat(data["expires_at"].replace("Z", "+00:00"))
    assert timedelta(minutes=59) < expires - datetime.now(UTC) <= timedelta(hours=1)
    sandbox.clear_requests()
    with httpx.Client(trust_env=False) as plain:
        fetched = plain.get(data["url"])
    assert fetched.status_code == 200 and fetched.content == contract.read_bytes()
    tampered = data["url"].replace("X-Amz-Expires=3600", "X-Amz-Expires=7200")
    with httpx.Client(trust_env=False) as plain:
        assert plain.get(tampered).status_code == 403
    files = [r for r in sandbox.requests() if r["raw_path"].startswith("/indexhealth/files/")]
    assert len(files) == 2 and not any(r["credentials"] for r in files)


def test_requests_are_unsupported_with_a_pointer(ih: Cli, contract: Path) -> None:
    for args in (
        ["request", "create", str(contract)],
        ["request", "delete", "x", "--yes"],
        ["request", "update", "x", "--name", "y"],
    ):
        result = ih(*args)
        assert result.exit_code == 2, args
        assert "IndexHealth has no signature requests" in result.stderr
        assert "esign doc upload" in result.stderr


def test_local_usage_errors(ih: Cli, contract: Path) -> None:
    for args, message in (
        (["doc", "list"], "--collection"),
        (["doc", "list", "--collection", "col-demo", "--status", "signed"], "no signing status"),
        (["doc", "upload", str(contract)], "--collection"),
        (["doc", "upload", "--collection", "col-demo"], "FILE or --url"),
        (["doc", "upload", str(contract), "--collection", "c", "--type", "XLS"], "--type"),
        (["doc", "update", "some-id"], "nothing to update"),
    ):
        result = ih(*args)
        assert result.exit_code == 2, args
        assert message in result.stderr, args


def test_missing_user_settings_are_named(sandbox: SandboxAdmin, store: IndexHealthStore) -> None:
    env = ih_settings(sandbox)
    del env["ESIGN_GROUP_NAME"]
    result = Cli(env)("doc", "list", "--collection", "col-demo")
    assert result.exit_code == 2
    assert "group_name" in result.stderr and "ESIGN_GROUP_NAME" in result.stderr


# -- documented error codes -----------------------------------------------------------------


@pytest.mark.parametrize("mode", ["both", "body", "http"])
def test_not_found_wherever_the_code_appears(ih: Cli, store: IndexHealthStore, mode: str) -> None:
    store.status_mode = mode  # in the status line and the body, only the body, or only HTTP
    result = ih("doc", "info", "no-such-document")
    assert result.exit_code == 5, (mode, result.stderr)
    assert "437" in result.stderr and "Document not found" in result.stderr


def test_wrong_secret_is_auth_error(ih: Cli) -> None:
    result = ih("doc", "list", "--collection", "col-demo", env={"ESIGN_CLIENT_SECRET": "wrong"})
    assert result.exit_code == 4
    assert "refused the client credentials" in result.stderr


def test_invalid_email_436_on_the_token_endpoint(ih: Cli) -> None:
    result = ih("doc", "list", "--collection", "col-demo", env={"ESIGN_USER_EMAIL": "not-an-email"})
    assert result.exit_code == 4
    assert "Invalid email format in user.email" in result.stderr


def test_unknown_collection_is_not_found(ih: Cli) -> None:
    result = ih("doc", "list", "--collection", "col-nope")
    assert result.exit_code == 5 and "Collection not found" in result.stderr


@pytest.mark.parametrize(
    ("code", "message", "exit_code"),
    [
        (407, "ACCESS_DENIED", 4),
        (435, "INSUFFICIENT_PARAMS", 6),
        (436, "1. bad field", 6),
        (500, "Failed to generate download URL", 1),
    ],
)
def test_envelope_codes_map_to_exit_codes(
    ih: Cli, sandbox: SandboxAdmin, code: int, message: str, exit_code: int
) -> None:
    body = json.dumps({"statusCode": code, "data": {}, "message": message})
    sandbox.faults(
        {
            "kind": "status",
            "status": 200,
            "body": body,
            "method": "POST",
            "path": "/indexhealth/get-documents$",
            "count": None,
        }
    )
    result = ih("doc", "list", "--collection", "col-demo")
    assert result.exit_code == exit_code
    assert message in result.stderr


# -- the access token -----------------------------------------------------------------------


def test_token_is_reused_across_commands_with_a_profile(
    sandbox: SandboxAdmin, store: IndexHealthStore
) -> None:
    pcli, keyring = profile_cli(sandbox, "ih")
    before = store.tokens_issued
    first = pcli("doc", "list", "--collection", "col-demo")
    second = pcli("doc", "list", "--collection", "col-demo", "--debug")
    assert first.exit_code == 0 and second.exit_code == 0, second.stderr
    assert store.tokens_issued - before == 1  # one token request, not two
    assert "generate-client-auth-token" not in second.stderr
    cached = json.loads(keyring.entries[("esign", "ih:access_token")])
    token = cached["token"]
    assert cached["expires_at"] == jwt_expiry(token)
    for run in (first, second):
        assert token not in run.stdout + run.stderr
    config_dir = Path(os.environ["ESIGN_CONFIG_DIR"])
    for path in config_dir.rglob("*"):
        if path.is_file():
            assert token not in path.read_text(errors="replace")
    status = pcli("auth", "status").json()
    assert status["client_id"]["source"] == "config profile ih"
    assert status["client_secret"]["source"] == "keyring"
    assert pcli("auth", "status", "--check").json()["check"]["value"] == "accepted"


def test_environment_credentials_keep_the_token_in_memory(ih: Cli, store: IndexHealthStore) -> None:
    before = store.tokens_issued
    ih("doc", "list", "--collection", "col-demo")
    ih("doc", "list", "--collection", "col-demo")
    assert store.tokens_issued - before == 2  # no keyring in CI: a token per process


def test_expired_token_is_refreshed_once(
    sandbox: SandboxAdmin, store: IndexHealthStore, contract: Path
) -> None:
    pcli, _ = profile_cli(sandbox, "exp")
    store.token_has_exp = False  # no exp claim: only the server knows it expired
    store.token_lifetime = 1.0
    before = store.tokens_issued
    assert pcli("doc", "list", "--collection", "col-demo").exit_code == 0
    time.sleep(1.2)
    result = pcli("doc", "list", "--collection", "col-demo", "--debug")
    assert result.exit_code == 0, result.stderr
    assert store.tokens_issued - before == 2
    assert result.stderr.count("< 403") == 1  # one rejected call, then the renewed token
    store.revoked_before = time.time() + 60  # every token, even a fresh one, is refused
    try:
        failing = pcli("doc", "list", "--collection", "col-demo", "--debug")
    finally:
        store.revoked_before = 0.0
    assert failing.exit_code == 4 and "UNAUTHORIZED" in failing.stderr
    assert failing.stderr.count("< 403") == 2  # renewed once, then it gives up


def test_download_refreshes_an_expired_token(
    sandbox: SandboxAdmin, store: IndexHealthStore, contract: Path, tmp_path: Path
) -> None:
    doc = upload(Cli(ih_settings(sandbox)), contract)
    store.revoked_before = time.time() + 1  # what the client holds is now rejected
    pcli, keyring = profile_cli(sandbox, "dl")
    keyring.entries[("esign", "dl:access_token")] = json.dumps(
        {"token": "stale.token.value", "expires_at": None}
    )
    time.sleep(1.1)
    store.revoked_before = 0.0
    result = pcli("doc", "download", doc["id"], "-o", str(tmp_path / "d.pdf"))
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "d.pdf").read_bytes() == contract.read_bytes()


def test_legacy_token_answer_form(ih: Cli, store: IndexHealthStore) -> None:
    store.legacy_token_answer = True  # {"status": 200, "data": {"auth_token": ...}}
    result = ih("doc", "list", "--collection", "col-demo")
    assert result.exit_code == 0, result.stderr


def test_debug_never_shows_the_secret_or_token(
    ih: Cli, contract: Path, sandbox: SandboxAdmin
) -> None:
    secret = ih_settings(sandbox)["ESIGN_CLIENT_SECRET"]
    result = ih("doc", "upload", str(contract), "--collection", "col-demo", "--debug")
    assert result.exit_code == 0
    assert secret not in result.stderr + result.stdout
    assert '"client_secret": "[REDACTED]"' in result.stderr
    assert '"access_token": "[REDACTED]"' in result.stderr
    assert "> authorization: [REDACTED]" in result.stderr


def test_default_fingerprint_is_stable_per_profile() -> None:
    assert default_fingerprint("a", "cid") == default_fingerprint("a", "cid")
    assert default_fingerprint("a", "cid") != default_fingerprint("b", "cid")
    assert default_fingerprint("a", "cid").startswith("esign-")


def test_info_on_a_tty(ih: Cli, contract: Path) -> None:
    doc = upload(ih, contract)
    result = ih("doc", "info", doc["id"], tty=True)
    assert f"Document {doc['id']}" in result.stdout
