"""Every OKdokument command against the sandbox over loopback HTTP, piped and on a TTY."""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.conftest import Cli, SandboxAdmin


def create(cli: Cli, contract: Path, *extra: str) -> dict[str, str]:
    result = cli("request", "create", str(contract), *extra)
    assert result.exit_code == 0, result.stderr
    return dict(result.json())


# -- request create ------------------------------------------------------------------------


def test_create_prints_request_document_and_signer_url(
    cli: Cli, contract: Path, sandbox: SandboxAdmin
) -> None:
    data = create(cli, contract, "--name", "Lease")
    assert data["provider"] == "okdokument"
    assert uuid.UUID(data["request_id"])
    assert data["document_id"]
    assert "status" not in data  # the create answer carries no state (spec 6.1)
    assert data["sign_url"] == f"{sandbox.url}/okdokument/openDocument/{data['request_id']}"
    info = cli("doc", "info", data["document_id"]).json()
    assert info["name"] == "Lease"
    assert info["status"] == "pending"
    assert info["provider_status"] == "tosign"


def test_create_sends_all_options_on_the_wire(
    cli: Cli, contract: Path, sandbox: SandboxAdmin
) -> None:
    request_id = str(uuid.uuid4())
    data = create(
        cli,
        contract,
        "--request-id",
        request_id,
        "--redirect-url",
        "https://portal.example/done",
        "--callback-url",
        "http://127.0.0.1:9/cb",
        "--expires-at",
        "7d",
    )
    assert data["request_id"] == request_id
    stored = sandbox.running.sandbox.okdokument.store.requests[request_id]
    assert stored.resulturl == "https://portal.example/done"
    assert stored.send_info_url == "http://127.0.0.1:9/cb"
    assert stored.expires_ms is not None and stored.expires_ms > 0


def test_create_with_raw_prints_the_provider_body(cli: Cli, contract: Path) -> None:
    result = cli("request", "create", str(contract), "--raw")
    body = result.json()
    assert body["message"] == "msg.signature.request.id.created"
    assert {"result", "url", "documentId"} <= set(body)


def test_create_on_a_tty_renders_a_table(cli: Cli, contract: Path) -> None:
    result = cli("request", "create", str(contract), tty=True, env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.stderr
    assert "Signature request" in result.stdout
    assert "Sign URL" in result.stdout
    assert "\x1b[" not in result.stdout  # NO_COLOR: no escape sequences
    with pytest.raises(json.JSONDecodeError):
        json.loads(result.stdout)


def test_new_round_on_existing_document(cli: Cli, contract: Path, sandbox: SandboxAdmin) -> None:
    first = create(cli, contract)
    sandbox.sign(first["document_id"])
    second = cli("request", "create", "--document", first["document_id"])
    assert second.exit_code == 0, second.stderr
    data = second.json()
    assert data["document_id"] == first["document_id"]
    assert data["request_id"] != first["request_id"]
    # changeState: tosign moved the signed document back to signable.
    assert cli("doc", "info", first["document_id"]).json()["provider_status"] == "tosign"


def test_new_round_on_unknown_document_is_not_found(cli: Cli) -> None:
    result = cli("request", "create", "--document", "no-such-document", "--json")
    assert result.exit_code == 5
    assert "err.not.found" in result.stderr
    assert "no-such-document" in result.stderr
    error = json.loads(result.stderr.splitlines()[-1])["error"]
    assert error["code"] == 5 and error["http_status"] == 404 and error["provider"] == "okdokument"


def test_duplicate_request_id_is_rejected(cli: Cli, contract: Path) -> None:
    request_id = str(uuid.uuid4())
    create(cli, contract, "--request-id", request_id)
    again = cli("request", "create", str(contract), "--request-id", request_id)
    assert again.exit_code == 6
    assert "already exists" in again.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.pdf"], "no such file"),
        (["--request-id", "not-a-uuid", "{pdf}"], "must be a UUID"),
        (["--redirect-url", "ftp://x", "{pdf}"], "absolute http(s) URL"),
        (["--expires-at", "2001-01-01", "{pdf}"], "in the past"),
        (["--expires-at", "someday", "{pdf}"], "invalid --expires-at"),
        (["{pdf}", "--document", "abc"], "not both"),
        ([], "either a FILE"),
        (["{txt}"], "is not a PDF"),
        (["{big}"], "at most 10 MB"),
    ],
)
def test_create_refuses_bad_input_before_uploading(
    cli: Cli, contract: Path, tmp_path: Path, sandbox: SandboxAdmin, args: list[str], message: str
) -> None:
    text = tmp_path / "notes.pdf"
    text.write_text("just text, not a PDF")
    big = tmp_path / "big.pdf"
    big.write_bytes(b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024 + 1))
    paths = {"{pdf}": str(contract), "{txt}": str(text), "{big}": str(big)}
    sandbox.clear_requests()
    result = cli("request", "create", *[paths.get(a, a) for a in args])
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not [r for r in sandbox.requests() if r["method"] == "POST"]


def test_create_accepts_office_files(cli: Cli, tmp_path: Path, sandbox: SandboxAdmin) -> None:
    docx = tmp_path / "offer.docx"
    docx.write_bytes(b"PK\x03\x04" + b"\0" * 100)
    data = create(cli, docx, "--name", "Offer")
    info = cli("doc", "info", data["document_id"]).json()
    # The provider converts by extension, so the display name keeps it.
    assert info["name"] == "Offer.docx"


# -- request update / delete ---------------------------------------------------------------


def test_update_sends_only_given_fields_and_fixes_the_signer_url(
    cli: Cli, contract: Path, sandbox: SandboxAdmin
) -> None:
    data = create(cli, contract, "--redirect-url", "https://portal.example/a")
    result = cli(
        "request", "update", data["request_id"], "--callback-url", "http://127.0.0.1:9/new"
    )
    assert result.exit_code == 0, result.stderr
    updated = result.json()
    # The sandbox reproduces the documented url without /openDocument/ (spec gap 8);
    # esign still prints the entry point that works.
    raw = cli(
        "request", "update", data["request_id"], "--redirect-url", "https://x.example/b", "--raw"
    ).json()
    assert "/openDocument/" not in raw["url"]
    assert updated["sign_url"] == data["sign_url"]
    stored = sandbox.running.sandbox.okdokument.store.requests[data["request_id"]]
    assert stored.send_info_url == "http://127.0.0.1:9/new"
    assert stored.resulturl == "https://x.example/b"


def test_update_without_fields_is_a_usage_error(cli: Cli) -> None:
    result = cli("request", "update", str(uuid.uuid4()))
    assert result.exit_code == 2
    assert "nothing to update" in result.stderr


def test_update_unknown_request_is_not_found(cli: Cli) -> None:
    missing = str(uuid.uuid4())
    result = cli("request", "update", missing, "--redirect-url", "https://x.example/")
    assert result.exit_code == 5
    # The documented answer (spec 6.11): 400 {"message": "View ID does not exist: <id>", ...}
    assert f"View ID does not exist: {missing}" in result.stderr


def test_delete_request_needs_yes_without_a_terminal(cli: Cli, contract: Path) -> None:
    data = create(cli, contract)
    refused = cli("request", "delete", data["request_id"])
    assert refused.exit_code == 3
    assert "--yes" in refused.stderr
    done = cli("request", "delete", data["request_id"], "--yes")
    assert done.exit_code == 0, done.stderr
    assert done.json() == {
        "provider": "okdokument",
        "id": data["request_id"],
        "kind": "request",
        "deleted": True,
        "soft": False,
    }
    again = cli("request", "delete", data["request_id"], "--yes")
    assert again.exit_code == 5
    assert "err.signature.request.not.exist" in again.stderr


def test_delete_request_asks_on_a_terminal(cli: Cli, contract: Path) -> None:
    data = create(cli, contract)
    declined = cli("request", "delete", data["request_id"], tty=True, input="n\n")
    assert declined.exit_code == 3
    assert "Delete signature request" in declined.stderr
    accepted = cli("request", "delete", data["request_id"], tty=True, input="y\n")
    assert accepted.exit_code == 0, accepted.stderr
    assert "Deleted request" in accepted.stdout


def test_no_input_never_prompts(cli: Cli, contract: Path) -> None:
    data = create(cli, contract)
    result = cli("request", "delete", data["request_id"], "--no-input", tty=True, input="y\n")
    assert result.exit_code == 3


# -- doc upload / info / list / download / delete ------------------------------------------


def test_upload_then_info(cli: Cli, contract: Path) -> None:
    result = cli("doc", "upload", str(contract), "--name", "Uploaded.pdf")
    assert result.exit_code == 0, result.stderr
    doc = result.json()
    assert doc["status"] == "pending" and doc["provider_status"] == "tosign"
    info = cli("doc", "info", doc["id"]).json()
    assert info["name"] == "Uploaded.pdf"


def test_upload_with_tags_is_processing_first(cli: Cli, contract: Path) -> None:
    doc = cli("doc", "upload", str(contract), "--state", "tags").json()
    assert doc["status"] == "processing"
    info = cli("doc", "info", doc["id"]).json()
    assert info["status"] in ("processing", "pending")


def test_upload_rejects_unknown_state(cli: Cli, contract: Path) -> None:
    result = cli("doc", "upload", str(contract), "--state", "stamped")
    assert result.exit_code == 2
    assert "--state" in result.stderr


def test_info_normalizes_times_and_files(cli: Cli, contract: Path, sandbox: SandboxAdmin) -> None:
    data = create(cli, contract)
    info = cli("doc", "info", data["document_id"]).json()
    assert info["created_at"].endswith("Z") and info["updated_at"].endswith("Z")
    # The sandbox writes `modification` in Bratislava time with the tz database; the client
    # reads it back with its own EU-rule conversion. Both must land on now, in UTC.
    updated = datetime.fromisoformat(info["updated_at"].replace("Z", "+00:00"))
    assert abs(updated - datetime.now(UTC)) < timedelta(minutes=2)
    assert info["files"]["signed"] is None
    assert info["files"]["original"].endswith(f"/document/{data['document_id']}")
    assert info["signers"] == [] and info["deleted"] is False and info["parent_id"] is None
    sandbox.sign(data["document_id"])
    signed = cli("doc", "info", data["document_id"]).json()
    assert signed["status"] == "signed"
    assert signed["files"]["signed"].endswith(f"/document/{data['document_id']}")


def test_info_on_a_tty(cli: Cli, contract: Path) -> None:
    data = create(cli, contract)
    result = cli("doc", "info", data["document_id"], tty=True)
    assert result.exit_code == 0
    assert f"Document {data['document_id']}" in result.stdout
    assert "pending" in result.stdout


def test_info_not_found_names_the_key_and_value(cli: Cli) -> None:
    result = cli("doc", "info", "ghost-id")
    assert result.exit_code == 5
    assert "err.not.found" in result.stderr and "ghost-id" in result.stderr
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1


def test_list_filters_by_status(cli: Cli, contract: Path, sandbox: SandboxAdmin) -> None:
    pending = create(cli, contract)["document_id"]
    signed = create(cli, contract)["document_id"]
    sandbox.sign(signed)
    all_ids = {d["id"] for d in cli("doc", "list").json()}
    assert {pending, signed} <= all_ids
    signed_ids = {d["id"] for d in cli("doc", "list", "--status", "signed").json()}
    assert signed in signed_ids and pending not in signed_ids
    requests = [r for r in sandbox.requests() if r["raw_path"].endswith("/list/flat")]
    assert requests[-1]["query"] == "state=signed"
    limited = cli("doc", "list", "--limit", "1").json()
    assert len(limited) == 1


def test_list_status_value_is_checked(cli: Cli) -> None:
    result = cli("doc", "list", "--status", "done")
    assert result.exit_code == 2


def test_list_on_a_tty(cli: Cli, contract: Path) -> None:
    create(cli, contract)
    result = cli("doc", "list", tty=True)
    assert result.exit_code == 0
    assert "ID" in result.stdout and "Status" in result.stdout


def test_empty_list_is_success(bare_cli: Cli, sandbox: SandboxAdmin) -> None:
    # A fresh key has no documents: the sandbox's store is per key.
    store = sandbox.running.sandbox.okdokument.store
    fresh = "abcdef01_" + "1" * 64
    store.keys[fresh] = True
    env = {
        "ESIGN_PROVIDER": "okdokument",
        "ESIGN_BASE_URL": sandbox.okdokument_base,
        "ESIGN_API_KEY": fresh,
    }
    result = bare_cli("doc", "list", env=env)
    assert result.exit_code == 0
    assert result.json() == []
    on_tty = bare_cli("doc", "list", env=env, tty=True)
    assert "No documents." in on_tty.stdout


def test_download_signed_pdf(
    cli: Cli, contract: Path, sandbox: SandboxAdmin, tmp_path: Path
) -> None:
    data = create(cli, contract)
    sandbox.sign(data["document_id"])
    target = tmp_path / "signed.pdf"
    result = cli("doc", "download", data["document_id"], "-o", str(target))
    assert result.exit_code == 0, result.stderr
    info = result.json()
    body = target.read_bytes()
    assert info["path"] == str(target) and info["bytes"] == len(body)
    assert info["content_type"] == "application/pdf"
    import hashlib

    assert info["sha256"] == hashlib.sha256(body).hexdigest()
    assert body != contract.read_bytes()
    text = PdfReader(io.BytesIO(body)).pages[-1].extract_text()
    assert "SIGNED (esign sandbox)" in text
    assert not list(tmp_path.glob("*.part"))


def test_download_refuses_to_overwrite_without_force(
    cli: Cli, contract: Path, tmp_path: Path
) -> None:
    data = create(cli, contract)
    target = tmp_path / "out.pdf"
    target.write_bytes(b"keep me")
    refused = cli("doc", "download", data["document_id"], "--any-state", "-o", str(target))
    assert refused.exit_code == 2
    assert "--force" in refused.stderr
    assert target.read_bytes() == b"keep me"
    forced = cli(
        "doc", "download", data["document_id"], "--any-state", "-o", str(target), "--force"
    )
    assert forced.exit_code == 0
    assert target.read_bytes().startswith(b"%PDF-")


def test_download_to_stdout_is_byte_identical(cli: Cli, contract: Path, tmp_path: Path) -> None:
    data = create(cli, contract)
    result = cli("doc", "download", data["document_id"], "--any-state", "-o", "-")
    assert result.exit_code == 0
    assert result.stdout_bytes == contract.read_bytes()
    summary = json.loads(result.stderr.strip().splitlines()[-1])
    assert summary["path"] == "-" and summary["bytes"] == contract.stat().st_size
    quiet = cli("doc", "download", data["document_id"], "--any-state", "-o", "-", "--quiet")
    assert quiet.stdout_bytes == contract.read_bytes() and quiet.stderr == ""


def test_download_to_stdout_refuses_a_terminal(cli: Cli, contract: Path) -> None:
    data = create(cli, contract)
    result = cli("doc", "download", data["document_id"], "--any-state", "-o", "-", tty=True)
    assert result.exit_code == 2
    assert "terminal" in result.stderr


def test_download_into_directory_uses_server_name(cli: Cli, contract: Path, tmp_path: Path) -> None:
    data = create(cli, contract, "--name", "Q3 contract.pdf")
    result = cli("doc", "download", data["document_id"], "--any-state", "-o", f"{tmp_path}/")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "Q3 contract.pdf").exists()


def test_download_on_a_tty_prints_a_summary(cli: Cli, contract: Path, tmp_path: Path) -> None:
    data = create(cli, contract)
    target = tmp_path / "x.pdf"
    result = cli("doc", "download", data["document_id"], "--any-state", "-o", str(target), tty=True)
    assert result.exit_code == 0
    assert f"Saved {target}" in result.stdout


def test_download_not_found_leaves_nothing(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "never.pdf"
    result = cli("doc", "download", "missing-doc", "-o", str(target))
    assert result.exit_code == 5
    assert "err.not.found" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_download_original_only_while_nothing_is_signed(
    cli: Cli, contract: Path, sandbox: SandboxAdmin, tmp_path: Path
) -> None:
    data = create(cli, contract)
    before = cli("doc", "download", data["document_id"], "--original", "-o", "-")
    assert before.exit_code == 0, before.stderr
    assert before.stdout_bytes == contract.read_bytes()  # tosign: the current file is it
    sandbox.sign(data["document_id"])
    after = cli("doc", "download", data["document_id"], "--original", "-o", str(tmp_path / "x"))
    assert after.exit_code == 6
    assert "is signed" in after.stderr and "original is gone" in after.stderr
    assert not (tmp_path / "x").exists()


def test_delete_document(cli: Cli, contract: Path) -> None:
    doc = cli("doc", "upload", str(contract)).json()
    assert cli("doc", "delete", doc["id"]).exit_code == 3
    result = cli("doc", "delete", doc["id"], "--yes")
    assert result.exit_code == 0, result.stderr
    assert result.json()["deleted"] is True
    assert cli("doc", "info", doc["id"]).exit_code == 5
    assert cli("doc", "delete", doc["id"], "--yes").exit_code == 5


def test_presign_is_unsupported_with_a_pointer(cli: Cli) -> None:
    result = cli("doc", "presign", "any-id")
    assert result.exit_code == 2
    assert "no presigned URLs" in result.stderr
    assert "esign doc download" in result.stderr


def test_update_document_is_unsupported(cli: Cli) -> None:
    result = cli("doc", "update", "any-id", "--name", "x")
    assert result.exit_code == 2
    assert "OKdokument has no document update" in result.stderr


# -- authentication --------------------------------------------------------------------------


def test_unknown_key_is_auth_error(cli: Cli) -> None:
    result = cli("doc", "list", env={"ESIGN_API_KEY": "deadbeef_" + "0" * 64})
    assert result.exit_code == 4
    assert "401" in result.stderr


def test_forbidden_key_is_auth_error(cli: Cli, sandbox: SandboxAdmin) -> None:
    result = cli("doc", "list", env={"ESIGN_API_KEY": sandbox.okdokument_forbidden_key})
    assert result.exit_code == 4
    assert "403" in result.stderr


def test_missing_key_is_auth_error_before_any_request(bare_cli: Cli, sandbox: SandboxAdmin) -> None:
    sandbox.clear_requests()
    env = {"ESIGN_PROVIDER": "okdokument", "ESIGN_BASE_URL": sandbox.okdokument_base}
    result = bare_cli("doc", "list", env=env)
    assert result.exit_code == 4
    assert "ESIGN_API_KEY" in result.stderr
    assert sandbox.requests() == []


def test_no_provider_is_a_usage_error(bare_cli: Cli) -> None:
    result = bare_cli("doc", "info", "x")
    assert result.exit_code == 2
    assert "ESIGN_PROVIDER" in result.stderr


def test_indexhealth_without_a_host_says_so(bare_cli: Cli) -> None:
    result = bare_cli("doc", "info", "x", env={"ESIGN_PROVIDER": "indexhealth"})
    assert result.exit_code == 2
    assert "no public API host" in result.stderr


# -- flags before and after the command ------------------------------------------------------


def test_output_flags_work_before_and_after_the_command(cli: Cli, contract: Path) -> None:
    data = create(cli, contract)
    after = cli("doc", "info", data["document_id"], "--json", tty=True)
    before = cli("--json", "doc", "info", data["document_id"], tty=True)
    table = cli("doc", "info", data["document_id"], "--output", "table")
    assert after.json()["id"] == data["document_id"]
    assert before.json()["id"] == data["document_id"]
    assert f"Document {data['document_id']}" in table.stdout


def test_usage_errors_exit_2_without_traceback(cli: Cli) -> None:
    for args in (["doc", "info"], ["doc", "frobnicate"], ["doc", "list", "--limit", "zero"]):
        result = cli(*args)
        assert result.exit_code == 2, args
        assert "Traceback" not in result.stderr


def test_an_id_starting_with_a_dash_works_after_double_dash(
    cli: Cli, contract: Path, sandbox: SandboxAdmin
) -> None:
    store = sandbox.running.sandbox.okdokument.store
    document_id = cli("doc", "upload", str(contract)).json()["id"]
    dashed = "-" + document_id[1:]
    store.docs[dashed] = store.docs.pop(document_id)
    store.docs[dashed].id = dashed
    assert cli("doc", "info", dashed).exit_code == 2  # read as an option, as in any CLI
    result = cli("doc", "info", "--", dashed)
    assert result.exit_code == 0, result.stderr
    assert result.json()["id"] == dashed


def test_sandbox_document_ids_never_start_with_a_dash() -> None:
    from esign.sandbox.okdokument import new_document_id

    ids = [new_document_id() for _ in range(2000)]
    assert all(len(i) == 39 and not i.startswith("-") for i in ids)
