# ruff: noqa: E501  (documented samples are quoted verbatim, long lines included)
"""The rest of a ZapSign signing workflow against the sandbox: cancel a request, manage its
signers, archive its activity history, attach annexes. Each command's success, each documented
error, and the documented samples replayed where the docs have one (gabernardi/zapsign-api-docs;
the samples are copied from its pages, fixed only where they are not valid JSON, as noted)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CallbackReceiver, Cli, SandboxAdmin
from tests.hostile import HostileServer, json_reply, pdf_reply
from tests.providers.test_provider_truth import _jsonish, pdf_text, replay

API = "/zapsign/api/v1"


def create(zs: Cli, contract: Path, *signers: str, extra: tuple[str, ...] = ()) -> dict[str, Any]:
    args = [a for s in signers or ("Ana Souza <ana@example.com>",) for a in ("--signer", s)]
    result = zs("request", "create", str(contract), *args, *extra)
    assert result.exit_code == 0, result.stderr
    return dict(result.json())


def webhook(sandbox: SandboxAdmin, url: str, kind: str = "", doc: str | None = None) -> None:
    body: dict[str, Any] = {"url": url, "type": kind}
    if doc:
        body["doc_token"] = doc
    sandbox.http.post(
        f"{API}/user/company/webhook/",
        headers={"Authorization": f"Bearer {sandbox.zapsign('api_key')}"},
        json=body,
    ).raise_for_status()


def wait_for(predicate: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


def posts(sandbox: SandboxAdmin, path: str) -> list[dict[str, Any]]:
    return [r for r in sandbox.requests() if r["method"] == "POST" and r["raw_path"] == path]


def store(sandbox: SandboxAdmin) -> Any:
    return sandbox.running.sandbox.zapsign.store


# == request cancel (Cancelar documentos) =====================================================


def test_cancel_refuses_the_document_stamps_it_and_fires_doc_refused(
    zs: Cli, contract: Path, sandbox: SandboxAdmin, callback_receiver: CallbackReceiver
) -> None:
    data = create(zs, contract)
    document_id = data["document_id"]
    webhook(sandbox, callback_receiver.url, "doc_refused", document_id)
    result = zs(
        "request", "cancel", document_id, "--reason", "sent by mistake", "--notify", "--yes"
    )
    assert result.exit_code == 0, result.stderr
    canceled = result.json()
    assert canceled == {
        "provider": "zapsign",
        "request_id": document_id,
        "document_id": document_id,
        "canceled": True,
        "reason": "sent by mistake",
        "signers_notified": True,
        "message": "Documento cancelado com sucesso!",
    }
    assert "asynchronously" in result.stderr
    info = zs("doc", "info", document_id).json()
    assert (info["status"], info["rejected_reason"]) == ("refused", "sent by mistake")
    saved = zs("doc", "download", document_id, "--any-state", "-o", "-")
    assert "Documento recusado" in pdf_text(saved.stdout_bytes)  # the documented watermark
    wait_for(lambda: len(callback_receiver.received) >= 1)
    assert callback_receiver.received[0]["json"]["event_type"] == "doc_refused"
    notified = [e for e in sandbox.journal() if e["operation"] == "email_cancellation"]
    assert [e["id"] for e in notified][-1:] == ["ana@example.com"]


def test_cancel_sends_the_documented_body_and_a_user_agent(
    zs_env: dict[str, str], hostile: HostileServer
) -> None:
    # documentos/cancelar-documentos.md, "Exemplo de sucesso" (verbatim).
    sample = '{\n  "message": "Documento cancelado com sucesso!"\n}'
    hostile.route("POST", "/api/v1/refuse/$", json_reply(sample))
    cli = Cli({**zs_env, "ESIGN_BASE_URL": f"{hostile.url}/api/v1"})
    result = cli("request", "cancel", "bfe4e2c7-33be", "--reason", "Documento cancelado", "--yes")
    assert result.exit_code == 0, result.stderr
    [seen] = hostile.seen
    assert json.loads(seen.body) == {
        "doc_token": "bfe4e2c7-33be",
        "rejected_reason": "Documento cancelado",
        "notify_signer": False,
    }
    assert seen.headers["user-agent"].startswith("esign/")  # "Header obrigatório"
    assert result.json()["message"] == "Documento cancelado com sucesso!"


@pytest.mark.parametrize(
    ("status", "body", "code"),
    [
        # The codes are documented, the key that carries them is not: each key clients read.
        (403, {"code": "document_already_signed"}, 6),
        (403, {"error": "document_already_refused"}, 6),
        (403, {"error_code": "refuse_not_allowed", "message": "A reprovação não é permitida"}, 6),
        (404, {"code": "document_not_found"}, 5),
        (400, {"code": "missing_rejected_reason"}, 6),
        (500, {"code": "internal_error"}, 1),
    ],
)
def test_cancel_documented_errors_whatever_key_carries_the_code(
    zs: Cli, sandbox: SandboxAdmin, status: int, body: dict[str, str], code: int
) -> None:
    replay(sandbox, "POST", f"^{API}/refuse/$", body, status=status)
    result = zs("request", "cancel", "some-token", "--reason", "x", "--yes")
    assert result.exit_code == code, result.stderr
    assert next(iter(body.values())) in result.stderr


def test_cancel_errors_from_the_sandbox(zs: Cli, contract: Path, sandbox: SandboxAdmin) -> None:
    signed = create(zs, contract)["document_id"]
    zs("sandbox", "sign", signed)
    result = zs("request", "cancel", signed, "--reason", "late", "--yes")
    assert result.exit_code == 6 and "document_already_signed" in result.stderr
    assert "production token" not in result.stderr  # no credential hint: it is the action
    refused = create(zs, contract)["document_id"]
    assert zs("request", "cancel", refused, "--reason", "x", "--yes").exit_code == 0
    again = zs("request", "cancel", refused, "--reason", "x", "--yes")
    assert again.exit_code == 6 and "document_already_refused" in again.stderr
    deleted = create(zs, contract)["document_id"]
    zs("doc", "delete", deleted, "--yes")
    not_allowed = zs("request", "cancel", deleted, "--reason", "x", "--yes")
    assert not_allowed.exit_code == 6 and "refuse_not_allowed" in not_allowed.stderr
    missing = zs("request", "cancel", "0eb8f439-0000-4014", "--reason", "x", "--yes")
    assert missing.exit_code == 5 and "document_not_found" in missing.stderr


def test_cancel_is_never_retried(zs: Cli, contract: Path, sandbox: SandboxAdmin) -> None:
    document_id = create(zs, contract)["document_id"]
    sandbox.faults(
        {"kind": "status", "status": 503, "method": "POST", "path": f"^{API}/refuse/$", "count": 5}
    )
    sandbox.clear_requests()
    result = zs("request", "cancel", document_id, "--reason", "x", "--yes")
    assert result.exit_code == 1
    assert result.sleeps == []
    assert len(posts(sandbox, f"{API}/refuse/")) == 1
    sandbox.clear_faults()
    sandbox.faults(
        {"kind": "reset_after", "method": "POST", "path": f"^{API}/refuse/$", "count": 1}
    )
    sandbox.clear_requests()
    cut = zs("request", "cancel", document_id, "--reason", "x", "--yes")
    assert cut.exit_code == 1 and "not sent again" in cut.stderr
    assert len(posts(sandbox, f"{API}/refuse/")) == 1
    assert zs("doc", "info", document_id).json()["status"] == "refused"  # it had arrived


def test_cancel_asks_first_and_needs_a_reason(
    zs: Cli, contract: Path, sandbox: SandboxAdmin
) -> None:
    document_id = create(zs, contract)["document_id"]
    sandbox.clear_requests()
    piped = zs("request", "cancel", document_id, "--reason", "x")
    assert piped.exit_code == 3 and "--yes" in piped.stderr
    declined = zs("request", "cancel", document_id, "--reason", "x", tty=True, input="n\n")
    assert declined.exit_code == 3
    empty = zs("request", "cancel", document_id, "--reason", "  ", "--yes")
    assert empty.exit_code == 2 and "--reason" in empty.stderr
    missing = zs("request", "cancel", document_id, "--yes")
    assert missing.exit_code == 2 and "--reason" in missing.stderr
    assert posts(sandbox, f"{API}/refuse/") == []
    agreed = zs("request", "cancel", document_id, "--reason", "x", tty=True, input="y\n")
    assert agreed.exit_code == 0, agreed.stderr
    assert "Canceled signature request" in agreed.stdout


def test_delete_help_says_what_it_does_per_provider(zs: Cli) -> None:
    text = " ".join(zs("request", "delete", "--help").stdout.split())
    assert "does NOT stop signing" in text and "esign request cancel" in text
    assert "URL no longer opens the document" in text


# == signers (§8) ===============================================================================


def test_signer_list_add_update_and_remove(
    zs: Cli, contract: Path, sandbox: SandboxAdmin, callback_receiver: CallbackReceiver
) -> None:
    data = create(zs, contract, "Ana <ana@example.com>", "Bruno")
    document_id = data["document_id"]
    webhook(sandbox, callback_receiver.url, "created_signer")
    webhook(sandbox, callback_receiver.url, "signature_notification_sent")
    listed = zs("signer", "list", document_id).json()
    assert [s["name"] for s in listed] == ["Ana", "Bruno"]
    assert [s["id"] for s in listed] == [s["id"] for s in data["signers"]]
    added = zs(
        "signer",
        "add",
        document_id,
        "--name",
        "Carla Dias",
        "--email",
        "carla@example.com",
        "--phone",
        "+55 (11) 99999-8888",
        "--auth-mode",
        "tokensms",
        "--send-email",
        "--redirect-url",
        "https://example.com/done",
        "--order",
        "2",
    )
    assert added.exit_code == 0, added.stderr
    signer = added.json()
    assert signer["name"] == "Carla Dias" and signer["status"] == "pending"
    assert signer["sign_url"].endswith(f"/zapsign/verificar/{signer['id']}")
    assert "emailed the signing link to carla@example.com" in added.stderr
    stored = next(s for s in store(sandbox).docs[document_id].signers if s.token == signer["id"])
    assert (stored.phone_country, stored.phone_number) == ("55", "11999998888")
    assert (stored.auth_mode, stored.order_group) == ("tokenSms", 2)  # the documented spelling
    assert stored.redirect_link == "https://example.com/done" and stored.send_automatic_email
    wait_for(lambda: len(callback_receiver.received) >= 2)
    events = {r["json"]["event_type"]: r["json"] for r in callback_receiver.received}
    assert events["created_signer"]["created_signer"]["token"] == signer["id"]
    sent = events["signature_notification_sent"]["created_signer"]  # sic, as documented
    assert (sent["notification_type"], sent["notification_channel"]) == ("request", "email")

    updated = zs(
        "signer", "update", signer["id"], "--name", "Carla D. Dias", "--email", "c@example.com"
    )
    assert updated.exit_code == 0, updated.stderr
    assert (updated.json()["name"], updated.json()["email"]) == ("Carla D. Dias", "c@example.com")
    assert updated.json()["sign_url"]  # the update answer carries it

    removed = zs("signer", "remove", signer["id"], "--yes")
    assert removed.exit_code == 0, removed.stderr
    assert removed.json() == {
        "provider": "zapsign",
        "id": signer["id"],
        "kind": "signer",
        "deleted": True,
        "soft": False,
    }
    assert signer["id"] not in [s["id"] for s in zs("signer", "list", document_id).json()]
    log = [e["event"] for e in zs("doc", "audit", document_id).json()]
    assert "Signatário adicionado" in log and "Signatário removido" in log


def test_signer_list_on_a_terminal(zs: Cli, contract: Path) -> None:
    document_id = create(zs, contract, "Ana <ana@example.com>")["document_id"]
    shown = zs("signer", "list", document_id, tty=True, env={"NO_COLOR": "1"})
    assert shown.exit_code == 0
    signer_id = zs("signer", "list", document_id).json()[0]["id"]
    assert f"Signers of {document_id}" in shown.stdout and signer_id in shown.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "X", "--phone", "5511999999999"], "is not '+CC NUMBER'"),
        (["--name", "X", "--auth-mode", "retina"], "'--auth-mode': 'retina' is not one of"),
        (["--name", "X", "--send-email"], "needs the signer's --email"),
        (["--name", "X", "--redirect-url", "example.com"], "absolute http(s) URL"),
        (["--name", "   "], "needs --name"),
    ],
)
def test_signer_add_usage_errors_send_nothing(
    zs: Cli, contract: Path, sandbox: SandboxAdmin, args: list[str], message: str
) -> None:
    document_id = create(zs, contract)["document_id"]
    sandbox.clear_requests()
    result = zs("signer", "add", document_id, *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert posts(sandbox, f"{API}/docs/{document_id}/add-signer/") == []


def test_signer_errors(zs: Cli, contract: Path, sandbox: SandboxAdmin) -> None:
    data = create(zs, contract, "Ana <ana@example.com>", "Bruno")
    document_id = data["document_id"]
    ana, bruno = (s["id"] for s in data["signers"])
    assert zs("signer", "list", "0eb8f439-0000-4014").exit_code == 5
    assert zs("signer", "add", "0eb8f439-0000-4014", "--name", "X").exit_code == 5
    assert zs("signer", "update", "0eb8f439-0000-4014", "--name", "X").exit_code == 5
    assert zs("signer", "remove", "0eb8f439-0000-4014", "--yes").exit_code == 5
    nothing = zs("signer", "update", ana)
    assert nothing.exit_code == 2 and "nothing to update" in nothing.stderr
    zs("sandbox", "sign", document_id, "--signer", ana)
    signed = zs("signer", "update", ana, "--name", "Ana B")
    assert signed.exit_code == 6 and "has not signed" in signed.stderr
    # Excluir signatário: the documented plain-text 400.
    cannot = zs("signer", "remove", ana, "--yes")
    assert cannot.exit_code == 6
    assert "Não é possível remover um signatário que já assinou" in cannot.stderr
    piped = zs("signer", "remove", bruno)
    assert piped.exit_code == 3
    only = create(zs, contract, "Solo")["signers"][0]["id"]
    alone = zs("signer", "remove", only, "--yes")
    assert alone.exit_code == 6 and "only signer" in alone.stderr
    zs("sandbox", "sign", document_id)
    closed = zs("signer", "add", document_id, "--name", "Late")
    assert closed.exit_code == 6


def test_removing_the_last_unsigned_signer_signs_the_document(
    zs: Cli, contract: Path, sandbox: SandboxAdmin, callback_receiver: CallbackReceiver
) -> None:
    data = create(zs, contract, "Ana", "Bruno")
    document_id = data["document_id"]
    ana, bruno = (s["id"] for s in data["signers"])
    zs("sandbox", "sign", document_id, "--signer", ana)
    webhook(sandbox, callback_receiver.url, "doc_signed", document_id)
    assert zs("signer", "remove", bruno, "--yes").exit_code == 0
    # Excluir signatário: "doc_signed may fire after a removal: the signed_file was updated".
    wait_for(lambda: len(callback_receiver.received) >= 1)
    assert callback_receiver.received[0]["json"]["status"] == "signed"
    assert zs("doc", "info", document_id).json()["status"] == "signed"


def test_remind_sends_once_per_30_minutes(
    zs: Cli, contract: Path, sandbox: SandboxAdmin, callback_receiver: CallbackReceiver
) -> None:
    data = create(zs, contract, "Ana <ana@example.com>", "Bruno")
    ana, bruno = (s["id"] for s in data["signers"])
    webhook(sandbox, callback_receiver.url, "signature_notification_sent")
    sandbox.clear_requests()
    first = zs("signer", "remind", ana)
    assert first.exit_code == 0, first.stderr
    assert "sent the signing link again to ana@example.com" in first.stderr
    assert len(posts(sandbox, f"{API}/signers/{ana}/")) == 1
    wait_for(lambda: len(callback_receiver.received) >= 1)
    assert callback_receiver.received[0]["json"]["created_signer"]["token"] == ana
    again = zs("signer", "remind", ana)
    assert again.exit_code == 7
    assert "one reminder per signer every 30 minutes" in again.stderr
    assert again.sleeps == []  # a POST: never sent again
    no_email = zs("signer", "remind", bruno)
    assert no_email.exit_code == 6 and "30 minutes" in no_email.stderr
    whatsapp = zs("signer", "remind", bruno, "--via", "sms")
    assert whatsapp.exit_code == 2
    # 31 minutes later the next reminder goes.
    signer = next(s for s in store(sandbox).docs[data["document_id"]].signers if s.token == ana)
    assert signer.last_reminder_at is not None
    signer.last_reminder_at -= 31 * 60
    assert zs("signer", "remind", ana).exit_code == 0


# Adicionar signatário, "200 Signatário adicionado com sucesso" (verbatim).
ADD_SIGNER_SAMPLE = """{
    "external_id": "",
    "sign_url": "https://app.zapsign.com.br/verificar/b5ade7f0-8bc2-463a-8475-d67eb7f58167",
    "token": "b5ade7f0-8bc2-463a-8475-d67eb7f58167",
    "status": "new",
    "name": "John Doe",
    "lock_name": false,
    "email": "",
    "lock_email": false,
    "hide_email": false,
    "blank_email": false,
    "phone_country": "55",
    "phone_number": "",
    "lock_phone": false,
    "hide_phone": false,
    "blank_phone": false,
    "times_viewed": 0,
    "last_view_at": null,
    "signed_at": null,
    "auth_mode": "assinaturaTela",
    "qualification": "",
    "require_selfie_photo": false,
    "require_document_photo": false,
    "geo_latitude": null,
    "geo_longitude": null,
    "redirect_link": "",
    "signature_image": null,
    "visto_image": null,
    "document_photo_url": "",
    "document_verse_photo_url": "",
    "selfie_photo_url": "",
    "selfie_photo_url2": "",
    "send_via": "email",
    "send_automatic_whatsapp_signed_file": null
}
"""
# Atualizar signatário, "200 Signatário atualizado com sucesso" (a trailing comma after the
# last field in the docs: removed by _jsonish).
UPDATE_SIGNER_SAMPLE = """{
    "external_id": "",
    "sign_url": "https://app.zapsign.com.br/verificar/b5ade7f0-8bc2-463a-8475-d67eb7f58167",
    "token": "b5ade7f0-8bc2-463a-8475-d67eb7f58167",
    "status": "link-opened",
    "name": "Jane Doe",
    "email": "",
    "phone_country": "55",
    "times_viewed": 2,
    "last_view_at": "2023-07-06T05:34:37.776131Z",
    "signed_at": null,
    "auth_mode": "assinaturaTela",
    "send_via": "email",
    "send_automatic_whatsapp_signed_file": null,
}"""


def test_documented_signer_answers_replayed(zs: Cli, sandbox: SandboxAdmin) -> None:
    replay(sandbox, "POST", f"^{API}/docs/d1/add-signer/$", ADD_SIGNER_SAMPLE)
    added = zs("signer", "add", "d1", "--name", "John Doe")
    assert added.exit_code == 0, added.stderr
    assert added.json() == {
        "id": "b5ade7f0-8bc2-463a-8475-d67eb7f58167",
        "name": "John Doe",
        "email": None,
        "status": "pending",
        "signed_at": None,
        "sign_url": "https://app.zapsign.com.br/verificar/b5ade7f0-8bc2-463a-8475-d67eb7f58167",
    }
    sandbox.clear_faults()
    replay(sandbox, "POST", f"^{API}/signers/s1/$", _jsonish(UPDATE_SIGNER_SAMPLE))
    updated = zs("signer", "update", "s1", "--name", "Jane Doe")
    assert (updated.json()["status"], updated.json()["name"]) == ("viewed", "Jane Doe")
    sandbox.clear_faults()
    # Excluir signatário: "200" and "400" tabs, plain text (verbatim).
    replay(
        sandbox,
        "DELETE",
        f"^{API}/signer/s1/remove/$",
        "Signatário removido com sucesso.",
        content_type="text/plain",
    )
    removed = zs("signer", "remove", "s1", "--yes", "--raw")
    assert removed.exit_code == 0 and "Signatário removido com sucesso." in removed.stdout
    sandbox.clear_faults()
    replay(
        sandbox,
        "DELETE",
        f"^{API}/signer/s2/remove/$",
        "Erro: Não é possível remover um signatário que já assinou o documento",
        status=400,
        content_type="text/plain",
    )
    refused = zs("signer", "remove", "s2", "--yes")
    assert refused.exit_code == 6 and "já assinou" in refused.stderr


# == doc audit (Histórico de atividades) ========================================================

# documentos/historico-de-atividades-do-documento.md, "Status 200 - Formato JSON" (verbatim).
AUDIT_SAMPLE = """[
    {
        "time": "2024-11-27 17:44:32.117577+00:00",
        "user": "jose.da.silva@teste.com.br",
        "event": "Documento visualizado",
        "description": "Documento visualizado por jose.da.silva@teste.com.br"
    },
    {
        "time": "2024-11-27 17:44:34.395952+00:00",
        "user": "jose.da.silva@teste.com.br",
        "event": "Confirmação de leitura",
        "description": "Confirmação de leitura de jose.da.silva@teste.com.br"
    },
    {
        "time": "2024-11-27 17:45:29.398835+00:00",
        "user": "jose.da.silva@teste.com.br",
        "event": "Validação reconhecimento facial",
        "description": "Validação do rosto de jose.da.silva@teste.com.br com a foto do documento de identidade (anexo no relatório de assinaturas)"
    },
    {
        "time": "2024-11-27 17:45:40.904009+00:00",
        "user": "jose.da.silva@teste.com.br",
        "event": "Aceitação do processamento de dados pessoais",
        "description": "jose.da.silva@teste.com.br concordou com o processamento de dados pessoais de acordo com a Política de Privacidade"
    },
    {
        "time": "2024-11-21 05:18:45.733798+00:00",
        "user": "jose.da.silva@teste.com.br",
        "event": "Documento criado",
        "description": "O documento foi criado por jose.da.silva@teste.com.br via web"
    }
]"""


def test_documented_audit_sample_is_normalized_and_sorted(zs: Cli, sandbox: SandboxAdmin) -> None:
    replay(sandbox, "GET", f"^{API}/docs/signer-log/d1$", AUDIT_SAMPLE)
    result = zs("doc", "audit", "d1")
    assert result.exit_code == 0, result.stderr
    events = result.json()
    assert [e["time"] for e in events] == [
        "2024-11-21T05:18:45Z",
        "2024-11-27T17:44:32Z",
        "2024-11-27T17:44:34Z",
        "2024-11-27T17:45:29Z",
        "2024-11-27T17:45:40Z",
    ]
    assert events[0] == {
        "time": "2024-11-21T05:18:45Z",
        "user": "jose.da.silva@teste.com.br",
        "event": "Documento criado",
        "description": "O documento foi criado por jose.da.silva@teste.com.br via web",
    }
    raw = zs("doc", "audit", "d1", "--raw").json()
    assert raw == json.loads(AUDIT_SAMPLE)
    # The documented path has no trailing slash.
    assert any(r["raw_path"] == f"{API}/docs/signer-log/d1" for r in sandbox.requests())


def test_audit_records_what_happened(zs: Cli, contract: Path, sandbox: SandboxAdmin) -> None:
    data = create(zs, contract, "Ana <ana@example.com>")
    document_id = data["document_id"]
    sandbox.http.get(data["signers"][0]["sign_url"].replace(sandbox.url, ""))  # viewed
    zs("sandbox", "sign", document_id)
    events = zs("doc", "audit", document_id).json()
    assert [e["event"] for e in events] == [
        "Documento criado",
        "Documento visualizado",
        "Documento assinado",
    ]
    assert all(e["time"].endswith("Z") and "T" in e["time"] for e in events)
    assert events[1]["user"] == "ana@example.com"
    shown = zs("doc", "audit", document_id, tty=True, env={"NO_COLOR": "1"})
    assert f"Activity of {document_id} (3 events)" in shown.stdout
    assert f"{events[1]['time']}  Documento visualizado  ana@example.com" in shown.stdout
    assert "{" not in shown.stdout


def test_audit_report_pdf_is_written_atomically(
    zs: Cli, contract: Path, sandbox: SandboxAdmin, tmp_path: Path
) -> None:
    document_id = create(zs, contract)["document_id"]
    target = tmp_path / "history.pdf"
    result = zs("doc", "audit", document_id, "-o", str(target))
    assert result.exit_code == 0, result.stderr
    saved = result.json()
    assert saved["path"] == str(target) and saved["content_type"] == "application/pdf"
    assert "Documento criado" in pdf_text(target.read_bytes())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["contract.pdf", "history.pdf"]
    assert any(
        r["raw_path"] == f"{API}/docs/signer-log/{document_id}"
        and r["query"] == "download_pdf=true"
        for r in sandbox.requests()
    )
    exists = zs("doc", "audit", document_id, "-o", str(target))
    assert exists.exit_code == 2 and "--force" in exists.stderr
    assert zs("doc", "audit", document_id, "-o", str(target), "--force").exit_code == 0
    into = tmp_path / "out"
    into.mkdir()
    named = zs("doc", "audit", document_id, "-o", f"{into}/")
    assert named.json()["path"] == str(into / f"{document_id}-audit.pdf")
    piped = zs("doc", "audit", document_id, "-o", "-")
    assert piped.stdout_bytes.startswith(b"%PDF-")
    assert '"path": "-"' in piped.stderr


def test_audit_report_cut_short_leaves_nothing(
    zs: Cli, contract: Path, sandbox: SandboxAdmin, tmp_path: Path
) -> None:
    document_id = create(zs, contract)["document_id"]
    sandbox.faults({"kind": "truncate", "method": "GET", "path": "/docs/signer-log/", "count": 9})
    result = zs("doc", "audit", document_id, "-o", str(tmp_path / "h.pdf"))
    assert result.exit_code == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["contract.pdf"]


def test_audit_errors(zs: Cli, contract: Path, sandbox: SandboxAdmin) -> None:
    document_id = create(zs, contract)["document_id"]
    missing = zs("doc", "audit", "0eb8f439-0000-4014")
    assert missing.exit_code == 5
    # Another account's document: "the token sent may not see this document's data" (401).
    other = zs(
        "doc", "audit", document_id, env={"ESIGN_API_KEY": sandbox.zapsign("no_plan_api_key")}
    )
    assert other.exit_code == 4
    assert "activity history (401)" in other.stderr and "may not see" in other.stderr


def test_download_with_audit_saves_the_report_beside(
    zs: Cli, contract: Path, sandbox: SandboxAdmin, tmp_path: Path
) -> None:
    first = create(zs, contract)["document_id"]
    second = create(zs, contract)["document_id"]
    zs("sandbox", "sign", first)
    zs("sandbox", "sign", second)
    one = zs("doc", "download", first, "-o", str(tmp_path / "signed.pdf"), "--with-audit")
    assert one.exit_code == 0, one.stderr
    saved = one.json()
    assert saved["audit"]["path"] == str(tmp_path / "signed.audit.pdf")
    assert "Documento assinado" in pdf_text((tmp_path / "signed.audit.pdf").read_bytes())
    out = tmp_path / "archive"
    out.mkdir()
    many = zs("doc", "download", first, second, "-o", f"{out}/", "--with-audit")
    assert many.exit_code == 0, many.stderr
    lines = [json.loads(line) for line in many.stdout.splitlines()]
    assert all(Path(line["audit"]["path"]).parent == out for line in lines)
    assert len(list(out.glob("*.audit.pdf"))) == 2
    piped = zs("doc", "download", first, "-o", "-", "--with-audit")
    assert piped.exit_code == 2 and "beside" in piped.stderr


def test_without_with_audit_the_download_answer_is_unchanged(
    zs: Cli, contract: Path, tmp_path: Path
) -> None:
    document_id = create(zs, contract)["document_id"]
    zs("sandbox", "sign", document_id)
    saved = zs("doc", "download", document_id, "-o", str(tmp_path / "s.pdf")).json()
    assert "audit" not in saved


# == doc attach (Adicionar anexo / documento extra) ===========================================

# documentos/adicionar-anexo-documento-extra.md, "200 Documento extra adicionado com sucesso."
# (a `//` comment line and a trailing `,` after the object in the docs: removed).
EXTRA_SAMPLE = """{
    "open_id": 17,
    //utilize esse token caso queira posicionar assinaturas neste documento extra
    "token": "50c7d90e-ead6-46b5-99d6-33d2d3b9a31f",
    "name": "Anexo ao Contrato de Admissão João",
    "original_file": "https://zapsign.s3.amazonaws.com/aaa/48025712-b429-4216-8a33-d90c575d0b7f/0e2d0a87-a0f6-4a49-a05f-7a439fd7308e.pdf",
    "signed_file": null
}"""


def test_attach_a_file_and_a_url(
    zs: Cli, contract: Path, sandbox: SandboxAdmin, hostile: HostileServer, tmp_path: Path
) -> None:
    document_id = create(zs, contract)["document_id"]
    result = zs("doc", "attach", document_id, str(contract), "--name", "Annex A")
    assert result.exit_code == 0, result.stderr
    attachment = result.json()
    assert attachment["name"] == "Annex A" and attachment["files"]["signed"] is None
    assert "cannot be removed" in result.stderr
    annex = tmp_path / "annex.pdf"
    annex.write_bytes(contract.read_bytes().replace(b"Test contract", b"Remote annex!"))
    hostile.route("GET", "/annex.pdf$", pdf_reply(annex.read_bytes()))
    by_url = zs("doc", "attach", document_id, "--url", f"{hostile.url}/annex.pdf")
    assert by_url.exit_code == 0, by_url.stderr
    assert by_url.json()["name"] == "annex.pdf"
    info = zs("doc", "info", document_id).json()
    assert [a["name"] for a in info["attachments"]] == ["Annex A", "annex.pdf"]
    stored = store(sandbox).docs[by_url.json()["id"]]
    assert stored.original == annex.read_bytes()


def test_attach_errors(zs: Cli, contract: Path, sandbox: SandboxAdmin, tmp_path: Path) -> None:
    document_id = create(zs, contract)["document_id"]
    for _ in range(14):
        assert zs("doc", "attach", document_id, str(contract)).exit_code == 0
    fifteenth = zs("doc", "attach", document_id, str(contract))
    assert fifteenth.exit_code == 6 and "at most 14" in fifteenth.stderr
    signed = create(zs, contract)["document_id"]
    zs("sandbox", "sign", signed)
    late = zs("doc", "attach", signed, str(contract))
    assert late.exit_code == 6 and "já foi assinado" in late.stderr
    assert zs("doc", "attach", "0eb8f439-0000-4014", str(contract)).exit_code == 5
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    sandbox.clear_requests()
    assert zs("doc", "attach", document_id, str(text)).exit_code == 2
    both = zs("doc", "attach", document_id, str(contract), "--url", "https://x.example/a.pdf")
    assert both.exit_code == 2
    assert zs("doc", "attach", document_id).exit_code == 2
    assert zs("doc", "attach", document_id, "--url", "file:///etc/passwd").exit_code == 2
    assert not [r for r in sandbox.requests() if r["method"] == "POST"]


def test_documented_extra_document_answer_replayed(
    zs: Cli, sandbox: SandboxAdmin, contract: Path
) -> None:
    replay(sandbox, "POST", f"^{API}/docs/d1/upload-extra-doc/$", _jsonish(EXTRA_SAMPLE))
    result = zs("doc", "attach", "d1", str(contract))
    assert result.exit_code == 0, result.stderr
    assert result.json() == {
        "id": "50c7d90e-ead6-46b5-99d6-33d2d3b9a31f",
        "name": "Anexo ao Contrato de Admissão João",
        "files": {
            "original": "https://zapsign.s3.amazonaws.com/aaa/48025712-b429-4216-8a33-d90c575d0b7f/0e2d0a87-a0f6-4a49-a05f-7a439fd7308e.pdf",
            "signed": None,
        },
    }
    shown = zs("doc", "attach", "d1", str(contract), tty=True, env={"NO_COLOR": "1"})
    assert "Attachment 50c7d90e" in shown.stdout


def test_an_attachment_is_signed_with_its_document(zs: Cli, contract: Path) -> None:
    document_id = create(zs, contract)["document_id"]
    attachment = zs("doc", "attach", document_id, str(contract)).json()["id"]
    zs("sandbox", "sign", document_id)
    assert "SIGNED (esign sandbox)" in pdf_text(
        zs("doc", "download", attachment, "-o", "-").stdout_bytes
    )


# == the emulator's answers, straight (documented codes, both path forms) ======================


def test_sandbox_cancel_codes_and_history_paths(
    zs: Cli, contract: Path, sandbox: SandboxAdmin
) -> None:
    document_id = create(zs, contract)["document_id"]
    headers = {"Authorization": f"Bearer {sandbox.zapsign('api_key')}"}
    refuse = f"{API}/refuse/"
    bad_json = sandbox.http.post(
        refuse, headers={**headers, "Content-Type": "application/json"}, content=b"{"
    )
    assert (bad_json.status_code, bad_json.json()["code"]) == (400, "invalid_json")
    no_token = sandbox.http.post(refuse, headers=headers, json={"rejected_reason": "x"})
    assert (no_token.status_code, no_token.json()["code"]) == (400, "missing_doc_token")
    no_reason = sandbox.http.post(refuse, headers=headers, json={"doc_token": document_id})
    assert (no_reason.status_code, no_reason.json()["code"]) == (400, "missing_rejected_reason")
    not_bool = sandbox.http.post(
        refuse,
        headers=headers,
        json={"doc_token": document_id, "rejected_reason": "x", "notify_signer": "yes"},
    )
    assert not_bool.json()["code"] == "invalid_json"
    for path in (f"{API}/docs/signer-log/{document_id}", f"{API}/docs/signer-log/{document_id}/"):
        answer = sandbox.http.get(path, headers=headers)
        assert answer.status_code == 200 and answer.json()[0]["event"] == "Documento criado"
        assert " " in answer.json()[0]["time"] and answer.json()[0]["time"].endswith("+00:00")
    report = sandbox.http.get(
        f"{API}/docs/signer-log/{document_id}", headers=headers, params={"download_pdf": "true"}
    )
    assert report.headers["content-type"] == "application/pdf" and report.content.startswith(
        b"%PDF-"
    )


def test_provider_text_in_new_views_is_shown_not_obeyed(zs: Cli, sandbox: SandboxAdmin) -> None:
    hostile_text = "Contrato\x1b]52;c;ZXZpbA==\x07\x1b[2J\u202e"
    events = [
        {
            "time": "2024-11-27 17:44:32+00:00",
            "user": hostile_text,
            "event": hostile_text,
            "description": hostile_text,
        }
    ]
    replay(sandbox, "GET", f"^{API}/docs/signer-log/d1$", events)
    shown = zs("doc", "audit", "d1", tty=True)
    assert shown.exit_code == 0
    assert (
        "\x1b]52" not in shown.stdout
        and "\x1b[2J" not in shown.stdout
        and "\u202e" not in shown.stdout
    )
    assert "\\x1b]52" in shown.stdout or "\\x1b" in shown.stdout
    sandbox.clear_faults()
    templates = {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [{"token": "t1", "name": hostile_text}],
    }
    replay(sandbox, "GET", f"^{API}/templates/$", templates)
    listed = zs("template", "list", tty=True)
    assert "\x1b]52" not in listed.stdout and "\x1b[2J" not in listed.stdout
    piped = zs("template", "list")
    assert "\x1b" not in piped.stdout  # JSON escapes it
    assert piped.json()[0]["name"] == hostile_text


@pytest.mark.parametrize(
    ("method", "path", "body", "args"),
    [
        ("GET", "/docs/signer-log/d1$", {"events": []}, ["doc", "audit", "d1"]),
        (
            "POST",
            "/docs/d1/add-signer/$",
            {"name": "no token"},
            ["signer", "add", "d1", "--name", "X"],
        ),
        ("POST", "/signers/s1/$", [], ["signer", "remind", "s1"]),
        ("POST", "/docs/d1/upload-extra-doc/$", {"open_id": 1}, ["doc", "attach", "d1", "{pdf}"]),
        ("GET", "/templates/$", {"count": 1}, ["template", "list"]),
        ("GET", "/info-plan/$", ["plan"], ["account"]),
        ("POST", "/refuse/$", "not json", ["request", "cancel", "d1", "--reason", "x", "--yes"]),
    ],
)
def test_malformed_answers_are_exit_1(
    zs: Cli,
    sandbox: SandboxAdmin,
    contract: Path,
    method: str,
    path: str,
    body: Any,
    args: list[str],
) -> None:
    replay(sandbox, method, f"^{API}{path}", body)
    result = zs(*[str(contract) if a == "{pdf}" else a for a in args])
    assert result.exit_code == 1, result.stderr
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
