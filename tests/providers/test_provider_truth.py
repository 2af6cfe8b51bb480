# ruff: noqa: E501  (documented samples are quoted verbatim, long lines included)
"""Issue #13, "Provider truth": each item against the sandbox answering what the providers'
documentation shows.

Where a documented body exists, the sandbox replays it through a fault rule (`status` with the
body), and the test names the file or spec section it comes from. The ZapSign samples are
quoted from its public docs (GitHub `gabernardi/zapsign-api-docs`); the OKdokument and
IndexHealth ones from `shared/providers/okdokument.md` and `indexhealth.md`.
"""

from __future__ import annotations

import base64
import io
import json
import re
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from pypdf import PdfReader

from esign.sandbox.indexhealth import IndexHealthStore
from esign.sandbox.pdf import sample_contract
from tests.conftest import CallbackReceiver, Cli, SandboxAdmin, ih_settings
from tests.providers.indexhealth.test_indexhealth_cli import profile_cli, store, upload

__all__ = ["store"]  # the fixture, used here by name

# -- documented samples -------------------------------------------------------------------

# documentos/detalhar-documento.md, tab "200 Documento encontrado." (verbatim).
ZS_DETAIL = """{
    "open_id": 5,
    "token": "eb9c367a-e62f-4992-8360-b0219deaeecc",
    "status": "pending",
    "name": "Contrato de Admissão João",
    "original_file": "https://zapsign.s3.amazonaws.com/pdf/62xxxx7-d8fc-4392-8575-f3c46c3cfc7a/df6bac91-2766-4182-8c8b-ded5287e4c0f.pdf",
    "signed_file": null,
    "created_at": "2020-04-16T03:33:46.241747Z",
    "last_update_at": "2020-04-16T03:33:46.241775Z",
    "signers": [
        {
            "token": "921c115d-4a6e-445d-bdca-03fadedbbc0b",
            "status": "new",
            "name": "João da Silva",
            "email": "",
            "phone_country": "",
            "phone_number": "",
            "times_viewed": 0,
            "last_view_at": null,
            "signed_at": null
        },
        {
            "token": "07fb0a0a-4b7d-49a5-bd7b-4958265c4e46",
            "status": "new",
            "name": "Fulano Siclano",
            "email": "",
            "phone_country": "",
            "phone_number": "",
            "times_viewed": 0,
            "last_view_at": null,
            "signed_at": null
        }
    ]
}"""

# documentos/detalhar-documento.md, "Exemplo de resposta" (with extra_docs). The docs write it
# as JavaScript: `//` comments and a trailing comma, which `_jsonish` strips; nothing else is
# changed.
ZS_DETAIL_WITH_EXTRAS = """{
    "sandbox": false,
    "external_id": "",
    "open_id": 16,
    "token": "965ea3fa-938a-4b7d-84ed-7d7598b17231",
    "name": "sample.pdf",
    "folder_path": "/",
    "status": "pending",
    "lang": "pt-br",
    "original_file": "https://zapsign.s3.amazonaws.com/aaa/aaa5e7a6-56dd-4ad9-9a1c-6e7022fbfafa/658bee7b-1dd7-442c-b426-4f111aaedffb.pdf",
    "signed_file": null,
    "extra_docs": [
        {
            "open_id": 17,
            "token": "50c7d90e-ead6-46b5-99d6-33d2d3b9a31f", //utilize esse token caso queira posicionar assinaturas no documento extra
            "name": "doc extra1.pdf",
            "original_file": "https://zapsign.s3.amazonaws.com/aaa/48025712-b429-4216-8a33-d90c575d0b7f/0e2d0a87-a0f6-4a49-a05f-7a439fd7308e.pdf",
            "signed_file": null
        },
        {
            "open_id": 18,
            "token": "c8f2a1c4-58f2-4240-bcf5-f1dc34b07a7c", //utilize esse token caso queira posicionar assinaturas no documento extra
            "name": "doc extra2.pdf",
            "original_file": "https://zapsign.s3.amazonaws.com/aaa/52d81e46-64ea-4a2d-9171-c5c8907d895c/9b1353c8-73cd-4cca-a342-ba1e7f0354a9.pdf",
            "signed_file": null
        },
        {
            "open_id": 19,
            "token": "733b7538-cd38-41c1-abe7-07d06e4f6b8d", //utilize esse token caso queira posicionar assinaturas no documento extra
            "name": "doc extra3.pdf",
            "original_file": "https://zapsign.s3.amazonaws.com/dev/2021/8/api/57a8bb75-641f-4cf6-962c-587774188dce.pdf",
            "signed_file": null
        }
    ],
    "created_through": "api",
    "deleted": false,
    "deleted_at": null,
    "signed_file_only_finished": false,
    "disable_signer_emails": false,
    "brand_logo": "",
    "brand_primary_color": "",
    "created_at": "2021-08-23T22:04:06.650460Z",
    "last_update_at": "2021-08-23T22:44:06.901255Z",
    "created_by": {
        "email": "teste@gmail.com"
    },
    "signers": [
        {
            "external_id": "",
            "token": "ca63b929-c053-4f7b-8680-8f0380ca4a57",
            "status": "new",
            "name": "João da Silva",
            "lock_name": false,
            "email": "",
            "lock_email": false,
            "phone_country": "55",
            "phone_number": "",
            "lock_phone": false,
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
            "resend_attempts": {
                "whatsapp": 0,
                "email": 0,
                "sms": 0
            },
            "send_automatic_whatsapp_signed_file": null,
        }
    ],
    "answers": [ // lista de variaveis e respostas no modelo dinamico (caso o documento tenha sido criado através de um modelo dinamico)
        {
            "variable": "NOME COMPLETO",
            "value": "Nome Teste"
        },
        {
            "variable": "NÚMERO DO CPF",
            "value": "99999999999"
        },
        {
            "variable": "ENDEREÇO COMPLETO",
            "value": "Endereço teste"
        }
    ]
}"""

# documentos/detalhar-documento.md: "a GET on an extra_doc's token answers much shorter and
# carries the main document's token" (verbatim).
ZS_EXTRA_SHORT_FORM = """{
    "open_id": 22,
    "token": "a35c3333-5c6e-4dbf-99cc-fc6345f91d8c",
    "name": "doc extra 1.pdf",
    "original_file": "https://zapsign.s3.amazonaws.com/aaa/f42c4315-ccf9-48c9-97df-ddd14ec5b865/e3a670c8-c811-45ef-a392-08b68db49a41.pdf",
    "signed_file": null,
    "parent_doc_token": "965ea3fa-938a-4b7d-84ed-7d7598b17231"
}"""

# webhooks/eventos/document/documento-recusado.md (doc_refused; the same document object as
# the detail answer, plus `event_type`). Comments stripped by `_jsonish`.
ZS_REFUSED = """{
  "event_type": "doc_refused",
  "sandbox": false,
  "external_id": "id-suaaplicacao-e32213ds-243",
  "open_id": 23,
  "rejected_reason": "Motivo da recusa do documento",
  "token": "cce11abf-abcd-abcd-a657-25b55f185f16",
  "name": "sample.pdf",
  "folder_path": "/",
  "status": "recusado",
  "lang": "pt-br",
  "original_file": "https://zapsign.s3.amazonaws.com/asddasdasdasads08e1-48f5-8972-7b4e476dec9d/c11c4f25-79c7-4eea-8dcf-5434996a4251.pdf",
  "signed_file": "https://zapsign.s3.amazonaws.com/saddas1d5as16d5asads-2b89-460e-8c30-1644fbe8f249/a5bf7fe0-05d0-4d09-bbeb-0beaa91abc56.pdf",
  "created_through": "web",
  "deleted": true, // deleted: true significa que o documento foi excluído
  "deleted_at": "2021-06-07T19:22:33.932981Z", // data e horário do delete
  "signed_file_only_finished": false,
  "disable_signer_emails": false,
  "brand_logo": "",
  "brand_primary_color": "",
  "created_at": "2021-06-07T19:21:59.609067Z",
  "last_update_at": "2021-06-07T19:22:21.838310Z",
  "signers": [
    {
      "external_id": "",
      "token": "b14f141f-abcd-abcd-8dfa-0bdac0ec806a",
      "status": "abriu-link",
      "name": "Fulano Silva",
      "lock_name": false,
      "email": "ola@zapsign.com.br",
      "lock_email": false,
      "phone_country": "55",
      "phone_number": "1155551111",
      "lock_phone": false,
      "times_viewed": 1,
      "last_view_at": "2021-06-07T19:22:12.875967Z",
      "signed_at": "2021-06-07T19:22:19.956056Z",
      "auth_mode": "assinaturaTela",
      "qualification": "",
      "require_selfie_photo": false,
      "require_document_photo": false,
      "geo_latitude": "-23.559298",
      "geo_longitude": "-46.683343",
      "resend_attempts": {
          "whatsapp": 0,
          "email": 0,
          "sms": 0
      },
      "cpf": "99999999999",
      "cnpj": "99999999999"
    }
  ],
  "answers": []
}"""

# documentos/listar-documentos.md, the `include_signers = True` example (verbatim).
ZS_LIST_PAGE = """{
    "count": 120,
    "next": "https://api.zapsign.com.br/api/v1/docs/?page=2",
    "previous": null,
    "results": [
        {
            "token": "4f9e-a1b2-c3d4",
            "name": "Contrato de Prestação de Serviços",
            "status": "pending",
            "original_file": "https://s3.amazonaws.com/...",
            "signed_file": null,
            "created_at": "2024-03-25T14:30:00Z",
            "folder_path": "/",
            "signers": [
                {
                    "name": "João Silva",
                    "email": "joao@email.com",
                    "status": "abriu",
                    "auth_mode": "assinatura_tela",
                    "signing_url": "https://zapsign.com.br/sign/...",
                    "has_certificate": false,
                    "order": 1
                }
            ]
        }
    ]
}"""

# OKdokument create answer: spec §6.1 "Response 200", with the wiki's example values (§3.1,
# the 2.3 Open document page).
OKD_CREATED = {
    "message": "msg.signature.request.id.created",
    "result": "1d58a59e-e8f7-4d07-bb99-d3fa39cb58a8",
    "url": "https://apidev.okdokument.com/openDocument/1d58a59e-e8f7-4d07-bb99-d3fa39cb58a8",
    "documentId": "y7Ki_u1mrUwijfb-o_S1JiphSsoXya8iypH380F",
}


def _jsonish(text: str) -> Any:
    """The docs' JavaScript-flavoured JSON: drop `//` comments (not the `//` of a URL, which
    follows a colon) and trailing commas, nothing else."""
    text = re.sub(r"(?<![:\"])//[^\n]*", "", text)
    text = re.sub(r",(\s*[}\]])", r"\1", text)
    return json.loads(text)


def replay(
    sandbox: SandboxAdmin,
    method: str,
    path: str,
    body: Any,
    status: int = 200,
    count: int | None = None,
    content_type: str = "application/json",
) -> None:
    """Make the sandbox answer `path` with a documented body (a fault rule of kind status)."""
    text = body if isinstance(body, str) else json.dumps(body)
    sandbox.faults(
        {
            "kind": "status",
            "status": status,
            "body": text,
            "content_type": content_type,
            "method": method,
            "path": path,
            "count": count,
        }
    )


def zs_create(
    zs: Cli, contract: Path, *signers: str, extra: tuple[str, ...] = ()
) -> dict[str, Any]:
    args = [a for s in signers or ("Ana Souza <ana@example.com>",) for a in ("--signer", s)]
    result = zs("request", "create", str(contract), *args, *extra)
    assert result.exit_code == 0, result.stderr
    return dict(result.json())


def zs_api(sandbox: SandboxAdmin) -> httpx.Client:
    return httpx.Client(
        base_url=sandbox.zapsign("base_url"),
        headers={"Authorization": f"Bearer {sandbox.zapsign('api_key')}"},
        timeout=10,
        trust_env=False,
    )


def pdf_text(body: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


# == Never file a document that is not final as "the signed one" ===========================


def test_zapsign_sandbox_fills_signed_file_per_signer_while_status_stays_pending(
    zs: Cli, contract: Path, sandbox: SandboxAdmin
) -> None:
    # doc_signed fires per signer; status stays "pending" until the last one (Documento
    # assinado: "caso nem todos assinaram, continuará como pending").
    data = zs_create(zs, contract, "Ana <ana@example.com>", "Bruno <bruno@example.com>")
    ana = data["signers"][0]["id"]
    sandbox.sign(data["document_id"], signer_token=ana)
    raw = zs("doc", "info", data["document_id"], "--raw").json()
    assert raw["status"] == "pending" and raw["signed_file"] is not None


def test_zapsign_download_of_a_partly_signed_document_names_who_is_missing(
    zs: Cli, contract: Path, sandbox: SandboxAdmin, tmp_path: Path
) -> None:
    data = zs_create(zs, contract, "Ana <ana@example.com>", "Bruno <bruno@example.com>")
    document_id = data["document_id"]
    sandbox.sign(document_id, signer_token=data["signers"][0]["id"])
    target = tmp_path / "out.pdf"
    refused = zs("doc", "download", document_id, "-o", str(target))
    assert refused.exit_code == 6
    assert "pending: still to sign: Bruno" in refused.stderr and "Ana" not in refused.stderr
    assert not target.exists() and not list(tmp_path.glob("*.part"))
    presigned = zs("doc", "presign", document_id)
    assert presigned.exit_code == 6 and "still to sign: Bruno" in presigned.stderr
    # The user may still ask for the file as it is now: Ana's signature only.
    current = zs("doc", "download", document_id, "--any-state", "-o", str(target))
    assert current.exit_code == 0, current.stderr
    text = pdf_text(target.read_bytes())
    assert "Signer: Ana" in text and "Signer: Bruno" not in text
    sandbox.sign(document_id, signer_token=data["signers"][1]["id"])
    final = zs("doc", "download", document_id, "-o", str(tmp_path / "final.pdf"))
    assert final.exit_code == 0, final.stderr
    assert "Signer: Bruno" in pdf_text((tmp_path / "final.pdf").read_bytes())


def test_zapsign_documented_pending_detail_is_not_downloaded(
    zs: Cli, sandbox: SandboxAdmin, tmp_path: Path
) -> None:
    token = "eb9c367a-e62f-4992-8360-b0219deaeecc"
    replay(sandbox, "GET", f"/zapsign/api/v1/docs/{token}/$", ZS_DETAIL)
    result = zs("doc", "download", token, "-o", str(tmp_path / "x.pdf"))
    assert result.exit_code == 6
    assert "still to sign: João da Silva, Fulano Siclano" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_zapsign_refused_document_is_not_the_signed_one(
    zs: Cli, contract: Path, sandbox: SandboxAdmin, tmp_path: Path
) -> None:
    # Cancelar documentos: status refused, a "Documento recusado" watermark on the final PDF.
    document_id = zs_create(zs, contract)["document_id"]
    sandbox.sign(document_id, action="cancel")
    raw = zs("doc", "info", document_id, "--raw").json()
    assert raw["status"] == "refused" and raw["signed_file"]  # the watermarked PDF
    refused = zs("doc", "download", document_id, "-o", str(tmp_path / "x.pdf"))
    assert refused.exit_code == 6
    assert "was refused (Cancelado no sandbox)" in refused.stderr
    assert not (tmp_path / "x.pdf").exists()
    marked = zs("doc", "download", document_id, "--any-state", "-o", "-")
    assert marked.exit_code == 0
    assert "Documento recusado" in pdf_text(marked.stdout_bytes)


def test_zapsign_documented_refused_body_is_not_downloaded(
    zs: Cli, sandbox: SandboxAdmin, tmp_path: Path
) -> None:
    token = "cce11abf-abcd-abcd-a657-25b55f185f16"
    replay(sandbox, "GET", f"/zapsign/api/v1/docs/{token}/$", _jsonish(ZS_REFUSED))
    result = zs("doc", "download", token, "-o", str(tmp_path / "x.pdf"))
    # "recusado" is the Portuguese value the sample carries (spec gap 3); its signed_file is
    # the watermarked PDF, and is never fetched (it would be the network).
    assert result.exit_code == 6
    assert "was refused (Motivo da recusa do documento)" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_zapsign_download_wait_is_not_satisfied_by_the_first_signature(
    zs: Cli, contract: Path, sandbox: SandboxAdmin, tmp_path: Path
) -> None:
    data = zs_create(zs, contract, "Ana", "Bruno")
    sandbox.sign(data["document_id"], signer_token=data["signers"][0]["id"])
    target = tmp_path / "x.pdf"
    waited = zs(
        "doc", "download", data["document_id"], "--wait", "--wait-timeout", "20s", "-o", str(target)
    )
    assert waited.exit_code == 8  # still pending, though signed_file is there
    assert not target.exists()
    sandbox.sign(data["document_id"], signer_token=data["signers"][1]["id"])
    done = zs("doc", "download", data["document_id"], "--wait", "-o", str(target))
    assert done.exit_code == 0, done.stderr
    assert "Signer: Bruno" in pdf_text(target.read_bytes())


def test_okdokument_download_checks_the_state_first(
    cli: Cli, contract: Path, sandbox: SandboxAdmin, tmp_path: Path
) -> None:
    # "once the document is signed it can be downloaded" (2.6): state from metadata (6.10).
    document_id = cli("request", "create", str(contract)).json()["document_id"]
    sandbox.clear_requests()
    target = tmp_path / "x.pdf"
    refused = cli("doc", "download", document_id, "-o", str(target))
    assert refused.exit_code == 6
    assert f"OKdokument document {document_id} is tosign: not signed yet" in refused.stderr
    assert not target.exists()
    paths = [r["raw_path"] for r in sandbox.requests()]
    assert paths == [f"/okdokument/JSON/document/metadata/{document_id}"]  # no file fetched
    current = cli("doc", "download", document_id, "--any-state", "-o", str(target))
    assert current.exit_code == 0 and target.read_bytes() == contract.read_bytes()
    sandbox.sign(document_id)
    signed = cli("doc", "download", document_id, "-o", str(tmp_path / "signed.pdf"))
    assert signed.exit_code == 0, signed.stderr
    assert "SIGNED (esign sandbox)" in pdf_text((tmp_path / "signed.pdf").read_bytes())


def test_okdokument_canceled_document_says_its_state(
    cli: Cli, contract: Path, sandbox: SandboxAdmin, tmp_path: Path
) -> None:
    document_id = cli("request", "create", str(contract)).json()["document_id"]
    sandbox.sign(document_id, action="cancel")
    result = cli("doc", "download", document_id, "-o", str(tmp_path / "x.pdf"))
    assert result.exit_code == 6
    assert "is canceled: the signer pressed Close" in result.stderr
    assert not (tmp_path / "x.pdf").exists()


# == Map every documented answer to the right exit code =====================================


def test_okdokument_update_of_an_unknown_request_is_the_documented_400(
    cli: Cli, sandbox: SandboxAdmin
) -> None:
    missing = str(uuid.uuid4())
    with httpx.Client(trust_env=False) as raw:
        answer = raw.patch(
            f"{sandbox.okdokument_base}/signatureRequest",
            headers={"x-api-key": sandbox.okdokument_key},
            json={"signatureRequestId": missing, "resulturl": "https://x.example/"},
        )
    # Spec §6.11: exactly this body, a free-text message and the ID.
    assert answer.status_code == 400
    assert answer.json() == {"message": f"View ID does not exist: {missing}", "value": missing}
    result = cli("request", "update", missing, "--redirect-url", "https://x.example/", "--json")
    assert result.exit_code == 5
    assert f"View ID does not exist: {missing}" in result.stderr
    error = json.loads(result.stderr.splitlines()[-1])["error"]
    assert error["type"] == "not_found" and error["http_status"] == 400


@pytest.fixture
def errorsendinfo_document(
    cli: Cli, contract: Path, sandbox: SandboxAdmin, callback_receiver: CallbackReceiver
) -> str:
    """A document whose signer pressed Submit, then whose sendInfo callback failed (the
    portal answered 500): OKdokument's `errorsendinfo` (1.6, 6.5)."""
    callback_receiver.status = 500
    created = cli("request", "create", str(contract), "--callback-url", callback_receiver.url)
    document_id = str(created.json()["document_id"])
    assert sandbox.sign(document_id)["state"] == "errorsendinfo"
    return document_id


def test_okdokument_errorsendinfo_in_doc_info(cli: Cli, errorsendinfo_document: str) -> None:
    result = cli("doc", "info", errorsendinfo_document)
    assert result.exit_code == 0
    info = result.json()
    assert info["status"] == "error" and info["provider_status"] == "errorsendinfo"
    # Neither "signed" nor "original" can be said of the current file.
    assert info["files"] == {"original": None, "signed": None}
    assert "could not deliver its completion callback" in result.stderr
    assert "will not be signed" not in result.stderr


def test_okdokument_errorsendinfo_in_doc_wait(cli: Cli, errorsendinfo_document: str) -> None:
    waited = cli("doc", "wait", errorsendinfo_document)
    assert waited.exit_code == 6  # the wait ends: nothing more will happen in this round
    assert "errorsendinfo" in waited.stderr and "--any-state" in waited.stderr
    assert "no longer says whether the document was signed" in waited.stderr
    assert "will not be signed" not in waited.stderr
    assert waited.json()["provider_status"] == "errorsendinfo"
    final = cli("doc", "wait", errorsendinfo_document, "--until", "final")
    assert final.exit_code == 0


def test_okdokument_errorsendinfo_in_download_wait(
    cli: Cli, errorsendinfo_document: str, tmp_path: Path
) -> None:
    target = tmp_path / "x.pdf"
    waited = cli("doc", "download", errorsendinfo_document, "--wait", "-o", str(target))
    assert waited.exit_code == 6 and not target.exists()
    assert "will not be signed" not in waited.stderr
    current = cli("doc", "download", errorsendinfo_document, "--any-state", "-o", str(target))
    assert current.exit_code == 0
    assert "SIGNED (esign sandbox)" in pdf_text(target.read_bytes())  # the PDF is still there


@pytest.mark.parametrize(
    ("body", "source"),
    [
        # signatarios/reprovar-documentos-pelo-usuario.md, tab 403 (verbatim)
        ({"error": "A reprovação deste documento não é permitida."}, "refuse by user"),
        # documentos/cancelar-documentos.md lists the codes; the JSON key is undocumented, so
        # both keys clients read are accepted.
        ({"code": "document_already_signed"}, "cancel"),
        ({"error_code": "document_already_refused"}, "cancel"),
        (
            {
                "code": "refuse_not_allowed",
                "error": "A reprovação deste documento não é permitida.",
            },
            "cancel",
        ),
        # The sandbox's answer to an update of a finished document.
        ({"detail": "Documento finalizado ou cancelado não pode ser alterado."}, "update"),
    ],
)
def test_zapsign_business_403_is_rejected_without_a_token_hint(
    zs: Cli, sandbox: SandboxAdmin, body: dict[str, str], source: str
) -> None:
    replay(sandbox, "PUT", "/zapsign/api/v1/docs/doc-1/$", body, status=403)
    result = zs("request", "update", "doc-1", "--name", "N")
    assert result.exit_code == 6, (source, result.stderr)
    assert "token" not in result.stderr.lower()
    assert next(iter(body.values())) in result.stderr


@pytest.mark.parametrize(
    "body",
    [
        # criar-conta.md, tab "403 Forbidden - Token Inválido" (verbatim)
        {"detail": "Você não tem permissão para executar essa ação."},
        # signatarios/envio-de-notificacao-em-massa.md: permission_denied, "Token
        # inválido/ausente ou documento não pertence à empresa"
        {"code": "permission_denied"},
        # status-de-erros.md: 403 = the token does not match the environment (no body shown)
        "",
    ],
)
def test_zapsign_credential_403_is_an_auth_error(zs: Cli, sandbox: SandboxAdmin, body: Any) -> None:
    replay(sandbox, "GET", "/zapsign/api/v1/docs/doc-1/$", body, status=403)
    result = zs("doc", "info", "doc-1")
    assert result.exit_code == 4
    assert "production token does not work on the sandbox host" in result.stderr


@pytest.mark.parametrize("how", ["expired", "tampered"])
def test_zapsign_refused_presigned_url_is_its_own_error(
    zs: Cli, sandbox: SandboxAdmin, tmp_path: Path, how: str
) -> None:
    presigner = sandbox.running.sandbox.zapsign.store.presigner
    lifetime = -1 if how == "expired" else 3600
    url = presigner.sign(sandbox.url, "/zapsign/files/doc-2/signed.pdf", lifetime=lifetime)
    if how == "tampered":
        url = url.replace("Signature=", "Signature=x")
    detail = {
        "token": "doc-2",
        "name": "x",
        "status": "signed",
        "signers": [],
        "original_file": url,
        "signed_file": url,
    }
    replay(sandbox, "GET", "/zapsign/api/v1/docs/doc-2/$", detail)
    result = zs("doc", "download", "doc-2", "-o", str(tmp_path / "x.pdf"), "--json")
    assert result.exit_code == 6
    code = "AccessDenied" if how == "expired" else "SignatureDoesNotMatch"
    assert f"presigned URL was refused by its storage (403 {code}" in result.stderr
    assert "run the command again" in result.stderr
    assert "API token" not in result.stderr
    error = json.loads(result.stderr.splitlines()[-1])["error"]
    assert error["type"] == "presigned_url_refused" and error["id"] == "doc-2"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("body", "content_type"), [("", "text/plain"), ("<html>Forbidden</html>", "text/html")]
)
def test_zapsign_storage_403_without_s3s_xml_is_still_not_the_tokens_fault(
    zs: Cli, contract: Path, sandbox: SandboxAdmin, tmp_path: Path, body: str, content_type: str
) -> None:
    # A CDN or proxy in front of the storage may answer its 403 with anything; no credential
    # went to that URL, so the token is not the suspect (exit 6 with the re-run hint, not 4).
    data = zs_create(zs, contract, "Ana <ana@example.com>")
    sandbox.sign(data["document_id"])
    replay(sandbox, "GET", "/zapsign/files/", body, status=403, content_type=content_type)
    out = tmp_path / "out"
    out.mkdir()
    result = zs("doc", "download", data["document_id"], "-o", str(out / "x.pdf"))
    assert result.exit_code == 6, result.stderr
    assert "presigned URL was refused by its storage (403 AccessDenied)" in result.stderr
    assert "run the command again" in result.stderr and "token" not in result.stderr
    assert list(out.iterdir()) == []


@pytest.mark.parametrize(
    ("envelope", "exit_code"),
    [
        ({"statusCode": 437, "data": {}, "message": "Document not found"}, 5),
        ({"statusCode": 435, "data": {}, "message": "Document has no file path"}, 6),
        ({"statusCode": 500, "data": {}, "message": "Failed to download document"}, 1),
    ],
)
def test_indexhealth_download_envelope_with_200_is_parsed(
    sandbox: SandboxAdmin,
    store: IndexHealthStore,
    tmp_path: Path,
    envelope: dict[str, Any],
    exit_code: int,
) -> None:
    # Spec §1: every JSON answer is the envelope, its code wins over a 200 status line;
    # §3.5: the download's errors are those of §3.4.
    replay(sandbox, "GET", "/indexhealth/download/doc-3$", envelope)
    result = Cli(ih_settings(sandbox))("doc", "download", "doc-3", "-o", str(tmp_path / "x"))
    assert result.exit_code == exit_code, result.stderr
    assert envelope["message"] in result.stderr
    assert "instead of the document" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_indexhealth_an_empty_pdf_is_refused_and_any_stored_bytes_are_kept(
    sandbox: SandboxAdmin, store: IndexHealthStore, tmp_path: Path
) -> None:
    # IndexHealth keeps several types (no one prefix), and a file stored under a PDF label
    # may be anything its uploader sent: those bytes are the document. An empty answer is
    # none: an empty "contract.pdf" with exit 0 would pass for the contract.
    cli = Cli(ih_settings(sandbox))
    replay(sandbox, "GET", "/indexhealth/download/doc-4$", "", content_type="application/pdf")
    result = cli("doc", "download", "doc-4", "-o", str(tmp_path / "x"))
    assert result.exit_code == 1, result.stderr
    assert "not a PDF (empty)" in result.stderr
    assert list(tmp_path.iterdir()) == []
    replay(sandbox, "GET", "/indexhealth/download/doc-5$", "notes", content_type="application/pdf")
    kept = cli("doc", "download", "doc-5", "-o", str(tmp_path / "n"))
    assert kept.exit_code == 0, kept.stderr
    assert (tmp_path / "n").read_bytes() == b"notes"


def test_indexhealth_download_envelope_403_renews_the_token_once(
    sandbox: SandboxAdmin, store: IndexHealthStore, contract: Path, tmp_path: Path
) -> None:
    doc = upload(Cli(ih_settings(sandbox)), contract)
    store.status_mode = "body"  # every error is a 200 carrying the envelope (spec gap 6)
    pcli, keyring = profile_cli(sandbox, "renew")
    keyring.entries[("esign", "renew:access_token")] = json.dumps(
        {"token": "stale.token.value", "expires_at": None}
    )
    before = store.tokens_issued
    result = pcli("doc", "download", doc["id"], "-o", str(tmp_path / "d.pdf"))
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "d.pdf").read_bytes() == contract.read_bytes()
    assert store.tokens_issued - before == 1


def test_indexhealth_435_shows_the_providers_own_message(
    sandbox: SandboxAdmin, store: IndexHealthStore, tmp_path: Path
) -> None:
    ih = Cli(ih_settings(sandbox))
    by_url = ih(
        "doc", "upload", "--url", "https://docs.example/a.pdf", "--collection", "col-demo"
    ).json()
    result = ih("doc", "download", by_url["id"], "-o", str(tmp_path / "x"))
    assert result.exit_code == 6
    assert "Document has no file path" in result.stderr  # its words, both causes in the hint
    assert "URL-based" in result.stderr and "not uploaded" in result.stderr
    replay(
        sandbox,
        "POST",
        "/indexhealth/download$",
        {"statusCode": 435, "data": {}, "message": "Document ID is required"},
        status=435,
    )
    presigned = ih("doc", "presign", "doc-4")
    assert presigned.exit_code == 6 and "Document ID is required" in presigned.stderr


def test_error_lines_carry_the_providers_message_and_the_id(
    zs: Cli, cli: Cli, contract: Path, tmp_path: Path
) -> None:
    missing = "00000000-0000-0000-0000-000000000000"
    one = zs("doc", "info", missing, "--json")
    assert one.stderr.splitlines()[0] == (
        f"error: {missing}: ZapSign: not found (404): Não encontrado."
    )
    assert json.loads(one.stderr.splitlines()[1])["error"]["id"] == missing
    good = cli("doc", "upload", str(contract)).json()["id"]
    several = cli(
        "doc", "download", good, "ghost-1", "ghost-2", "--any-state", "-o", f"{tmp_path}/"
    )
    assert several.exit_code == 5
    lines = [line for line in several.stderr.splitlines() if "err.not.found" in line]
    assert sorted(line.split(":")[0] for line in lines) == ["ghost-1", "ghost-2"]
    assert all(line.startswith(f"{line.split(':')[0]}: error: OKdokument") for line in lines)


# == No invented values, no silently ignored flags ==========================================


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{pdf}", "--send-email"], "OKdokument's --send-email needs --email-to"),
        (["{pdf}", "--external-id", "crm-1"], "OKdokument has no external ID"),
        (["--document", "doc-1", "--name", "New"], "OKdokument names a document when it is"),
        (["{pdf}", "--lang", "english please"], "--lang must be a language code"),
    ],
)
def test_okdokument_create_refuses_flags_it_has_no_place_for(
    cli: Cli, contract: Path, sandbox: SandboxAdmin, args: list[str], message: str
) -> None:
    sandbox.clear_requests()
    result = cli("request", "create", *[str(contract) if a == "{pdf}" else a for a in args])
    assert result.exit_code == 2
    assert message in result.stderr
    assert sandbox.requests() == []


def test_okdokument_lang_goes_into_the_rules(
    cli: Cli, contract: Path, sandbox: SandboxAdmin
) -> None:
    data = cli("request", "create", str(contract), "--lang", "SK").json()
    stored = sandbox.running.sandbox.okdokument.store.requests[data["request_id"]]
    assert stored.rules == {"lang": "sk"}  # the Rules page's `lang`, object form


def test_okdokument_sandbox_reads_both_rule_forms(sandbox: SandboxAdmin) -> None:
    # Spec §7 / gap 4: `rules` is an object in the new pages, a k-v string in the old ones.
    content = base64.b64encode(sample_contract()).decode()
    store = sandbox.running.sandbox.okdokument.store
    with httpx.Client(
        base_url=sandbox.okdokument_base,
        headers={"x-api-key": sandbox.okdokument_key},
        trust_env=False,
    ) as api:
        for rules in ({"lang": "en", "signAnywhereEnabled": False}, "lang-en_signAnywhere-false"):
            body = {"filedata": {"content": content}, "rules": rules}
            request_id = api.post("/signatureRequest", json=body).json()["result"]
            assert store.requests[request_id].rules["lang"] == "en"


def test_okdokument_create_and_update_answers_invent_no_state(
    cli: Cli, contract: Path, sandbox: SandboxAdmin
) -> None:
    replay(sandbox, "POST", "/okdokument/JSON/signatureRequest$", OKD_CREATED)
    created = cli("request", "create", str(contract))
    assert created.exit_code == 0, created.stderr
    data = created.json()
    assert "status" not in data
    assert data["document_id"] == "y7Ki_u1mrUwijfb-o_S1JiphSsoXya8iypH380F"
    assert data["sign_url"] == OKD_CREATED["url"]
    request_id = "1d58a59e-e8f7-4d07-bb99-d3fa39cb58a8"
    # Spec §6.11 "200": message, result and a url without /openDocument/.
    replay(
        sandbox,
        "PATCH",
        "/okdokument/JSON/signatureRequest$",
        {"message": "msg.updated", "result": request_id, "url": f"https://host/{request_id}"},
    )
    updated = cli("request", "update", request_id, "--redirect-url", "https://x.example/")
    assert updated.exit_code == 0, updated.stderr
    assert set(updated.json()) == {"provider", "request_id", "sign_url", "sign_urls", "signers"}


@pytest.mark.parametrize("lang", ["pt-br", "es", "en", "fr", "EN"])
def test_zapsign_lang_takes_the_documented_values(
    zs: Cli, contract: Path, sandbox: SandboxAdmin, lang: str
) -> None:
    # pt-br, es and en on every page (Criar documento); fr only on the newest English page
    # (spec gap 16): accepted.
    data = zs_create(zs, contract, extra=("--lang", lang))
    assert sandbox.running.sandbox.zapsign.store.docs[data["document_id"]].lang == lang.lower()


# Not documented for document creation. (The signer-groups page's sample sends "pt" to a
# `/api/v1/doc/` path; the create page, the endpoint esign calls, documents "pt-br".)
@pytest.mark.parametrize("lang", ["de", "it", "pt_BR"])
def test_zapsign_lang_refuses_undocumented_values(zs: Cli, contract: Path, lang: str) -> None:
    result = zs("request", "create", str(contract), "--signer", "Ana", "--lang", lang)
    assert result.exit_code == 2
    assert f"'--lang': {lang!r} is not one of pt-br, es, en, fr (ZapSign's languages)" in (
        result.stderr
    )


def test_zapsign_lang_is_not_sent_when_not_given(zs: Cli, contract: Path) -> None:
    result = zs("request", "create", str(contract), "--signer", "Ana", "--debug")
    assert result.exit_code == 0
    sent = result.stderr.split("> POST", 1)[1].split("< 200", 1)[0]
    assert '"lang"' not in sent  # ZapSign's own default applies


def test_zapsign_redirect_url_is_each_signers_redirect_link(
    zs: Cli, contract: Path, sandbox: SandboxAdmin
) -> None:
    data = zs_create(
        zs, contract, "Ana", "Bruno", extra=("--redirect-url", "https://portal.example/done")
    )
    doc = sandbox.running.sandbox.zapsign.store.docs[data["document_id"]]
    assert [s.redirect_link for s in doc.signers] == ["https://portal.example/done"] * 2
    sandbox.sign(data["document_id"], signer_token=data["signers"][0]["id"])
    updated = zs("request", "update", data["document_id"], "--redirect-url", "https://n.example/")
    assert updated.exit_code == 0, updated.stderr
    # Atualizar signatário works only before the signer signs: Bruno changes, Ana does not.
    assert [s.redirect_link for s in doc.signers] == [
        "https://portal.example/done",
        "https://n.example/",
    ]
    # Its answer documents Bruno's sign_url; the detail has none.
    bruno = updated.json()["signers"][1]
    assert bruno["sign_url"].endswith(f"/verificar/{data['signers'][1]['id']}")
    assert updated.json()["signers"][0]["sign_url"] is None


def _with_extra(zs: Cli, contract: Path, sandbox: SandboxAdmin) -> tuple[str, str]:
    document_id = zs_create(zs, contract)["document_id"]
    with zs_api(sandbox) as api:
        extra = api.post(
            f"/docs/{document_id}/upload-extra-doc/",
            json={
                "name": "Anexo I",
                "base64_pdf": base64.b64encode(sample_contract("Annex one")).decode(),
            },
        ).json()
    return document_id, str(extra["token"])


def test_zapsign_attachments_are_in_the_document_and_downloadable(
    zs: Cli, contract: Path, sandbox: SandboxAdmin, tmp_path: Path
) -> None:
    document_id, extra = _with_extra(zs, contract, sandbox)
    info = zs("doc", "info", document_id).json()
    [attachment] = info["attachments"]
    assert attachment["id"] == extra and attachment["name"] == "Anexo I"
    assert attachment["files"]["original"] and attachment["files"]["signed"] is None
    on_tty = zs("doc", "info", document_id, tty=True, env={"NO_COLOR": "1"})
    assert f"Attachment {extra}" in on_tty.stdout and "Anexo I" in on_tty.stdout
    target = tmp_path / "annex.pdf"
    early = zs("doc", "download", document_id, "--attachment", extra, "-o", str(target))
    assert early.exit_code == 6 and "still to sign: Ana Souza" in early.stderr
    sandbox.sign(document_id)
    result = zs("doc", "download", document_id, "--attachment", extra, "-o", str(target))
    assert result.exit_code == 0, result.stderr
    assert result.json()["id"] == extra
    text = pdf_text(target.read_bytes())
    assert "Annex one" in text and "Signer: Ana Souza" in text
    by_token = zs("doc", "download", extra, "-o", "-")
    assert by_token.exit_code == 0 and by_token.stdout_bytes == target.read_bytes()
    presigned = zs("doc", "presign", document_id, "--attachment", extra)
    assert presigned.exit_code == 0, presigned.stderr
    unknown = zs("doc", "download", document_id, "--attachment", "nope", "-o", str(target))
    assert unknown.exit_code == 5 and "has no attachment nope" in unknown.stderr


def test_zapsign_attachment_takes_its_status_from_the_parent(
    zs: Cli, contract: Path, sandbox: SandboxAdmin
) -> None:
    document_id, extra = _with_extra(zs, contract, sandbox)
    info = zs("doc", "info", extra).json()
    assert info["status"] == "pending" and info["parent_id"] == document_id
    assert [s["name"] for s in info["signers"]] == ["Ana Souza"]
    timed_out = zs("doc", "wait", extra, "--wait-timeout", "10s")
    assert timed_out.exit_code == 8
    sandbox.sign(document_id)
    waited = zs("doc", "wait", extra)
    assert waited.exit_code == 0, waited.stderr
    assert waited.json()["status"] == "signed"


def test_zapsign_documented_extra_docs_and_short_form(zs: Cli, sandbox: SandboxAdmin) -> None:
    parent = "965ea3fa-938a-4b7d-84ed-7d7598b17231"
    sandbox.faults(
        {
            "kind": "status",
            "status": 200,
            "body": json.dumps(_jsonish(ZS_DETAIL_WITH_EXTRAS)),
            "method": "GET",
            "path": f"/zapsign/api/v1/docs/{parent}/$",
            "count": None,
        },
        {
            "kind": "status",
            "status": 200,
            "body": ZS_EXTRA_SHORT_FORM,
            "method": "GET",
            "path": "/zapsign/api/v1/docs/a35c3333-5c6e-4dbf-99cc-fc6345f91d8c/$",
            "count": None,
        },
    )
    info = zs("doc", "info", parent).json()
    assert [(a["id"], a["name"]) for a in info["attachments"]] == [
        ("50c7d90e-ead6-46b5-99d6-33d2d3b9a31f", "doc extra1.pdf"),
        ("c8f2a1c4-58f2-4240-bcf5-f1dc34b07a7c", "doc extra2.pdf"),
        ("733b7538-cd38-41c1-abe7-07d06e4f6b8d", "doc extra3.pdf"),
    ]
    assert all(a["files"]["signed"] is None for a in info["attachments"])
    short = zs("doc", "info", "a35c3333-5c6e-4dbf-99cc-fc6345f91d8c").json()
    assert short["parent_id"] == parent and short["status"] == "pending"
    assert short["name"] == "doc extra 1.pdf"


def test_zapsign_external_id_rejected_reason_and_lang_are_normalized(
    zs: Cli, contract: Path, sandbox: SandboxAdmin
) -> None:
    data = zs_create(zs, contract, extra=("--external-id", "crm-7", "--lang", "es"))
    sandbox.sign(data["document_id"], action="cancel")
    info = zs("doc", "info", data["document_id"]).json()
    assert (info["external_id"], info["lang"]) == ("crm-7", "es")
    assert info["rejected_reason"] == "Cancelado no sandbox"
    token = "cce11abf-abcd-abcd-a657-25b55f185f16"
    replay(sandbox, "GET", f"/zapsign/api/v1/docs/{token}/$", _jsonish(ZS_REFUSED))
    documented = zs("doc", "info", token).json()
    assert documented["external_id"] == "id-suaaplicacao-e32213ds-243"
    assert documented["rejected_reason"] == "Motivo da recusa do documento"
    assert documented["lang"] == "pt-br" and documented["status"] == "refused"
    assert documented["deleted"] is True


def test_zapsign_list_says_deleted_and_lists_them_on_request(
    zs: Cli, contract: Path, sandbox: SandboxAdmin
) -> None:
    from esign.sandbox.zapsign import Account

    token = "deleted-listing-token"
    sandbox.running.sandbox.zapsign.store.accounts[token] = Account()
    env = {"ESIGN_API_KEY": token}
    kept = zs("request", "create", str(contract), "--signer", "A", env=env).json()["document_id"]
    gone = zs("request", "create", str(contract), "--signer", "A", env=env).json()["document_id"]
    assert zs("doc", "delete", gone, "--yes", env=env).exit_code == 0
    sandbox.clear_requests()
    active = zs("doc", "list", env=env).json()
    assert [(d["id"], d["deleted"]) for d in active] == [(kept, False)]
    deleted = zs("doc", "list", "--deleted", env=env).json()
    assert [(d["id"], d["deleted"]) for d in deleted] == [(gone, True)]
    queries = [parse_qs(r["query"])["deleted"] for r in sandbox.requests()]
    assert queries == [["false"], ["true"]]


def test_deleted_flag_is_refused_where_deletes_are_final(cli: Cli, sandbox: SandboxAdmin) -> None:
    okd = cli("doc", "list", "--deleted")
    assert okd.exit_code == 2 and "OKdokument deletes documents for good" in okd.stderr
    ih = Cli(ih_settings(sandbox))("doc", "list", "--collection", "col-demo", "--deleted")
    assert ih.exit_code == 2 and "IndexHealth deletes documents for good" in ih.stderr


def test_zapsign_sign_url_only_where_documented(
    zs: Cli, contract: Path, sandbox: SandboxAdmin
) -> None:
    data = zs_create(zs, contract)
    assert data["sign_url"].endswith(f"/verificar/{data['signers'][0]['id']}")  # create answer
    raw = zs("doc", "info", data["document_id"], "--raw").json()
    assert all("sign_url" not in s for s in raw["signers"])  # the detail sample has none
    info = zs("doc", "info", data["document_id"]).json()
    assert info["signers"][0]["sign_url"] is None  # and esign makes none up
    token = "eb9c367a-e62f-4992-8360-b0219deaeecc"
    replay(sandbox, "GET", f"/zapsign/api/v1/docs/{token}/$", ZS_DETAIL)
    documented = zs("doc", "info", token).json()
    assert [s["sign_url"] for s in documented["signers"]] == [None, None]
    with zs_api(sandbox) as api:
        added = api.post(f"/docs/{data['document_id']}/add-signer/", json={"name": "Caio"}).json()
    assert added["status"] == "new" and added["sign_url"].endswith(added["token"])  # 8.3


def test_zapsign_paging_stops_at_a_repeated_next(zs: Cli, sandbox: SandboxAdmin) -> None:
    # The documented page replayed for every page: its `next` comes back unchanged.
    replay(sandbox, "GET", "/zapsign/api/v1/docs/$", ZS_LIST_PAGE)
    sandbox.clear_requests()
    result = zs("doc", "list", "--all")
    assert result.exit_code == 0, result.stderr
    pages = [parse_qs(r["query"])["page"] for r in sandbox.requests()]
    assert pages == [["1"], ["2"]]
    [first, _] = result.json()
    assert first["signers"][0]["sign_url"] == "https://zapsign.com.br/sign/..."  # signing_url


def test_zapsign_paging_stops_at_an_empty_page(zs: Cli, sandbox: SandboxAdmin) -> None:
    empty = json.loads(ZS_LIST_PAGE) | {"results": []}
    replay(sandbox, "GET", "/zapsign/api/v1/docs/$", empty)
    sandbox.clear_requests()
    result = zs("doc", "list", "--all")
    assert result.exit_code == 0 and result.json() == []
    assert len(sandbox.requests()) == 1


def test_indexhealth_wait_until_signed_is_a_usage_error(
    sandbox: SandboxAdmin, store: IndexHealthStore, contract: Path, tmp_path: Path
) -> None:
    ih = Cli(ih_settings(sandbox))
    store.processing_seconds = 60
    doc = upload(ih, contract)
    signed = ih("doc", "wait", doc["id"])
    assert signed.exit_code == 2
    assert "--until final" in signed.stderr and "unknown (None)" not in signed.stderr
    downloaded = ih("doc", "download", doc["id"], "--wait", "-o", str(tmp_path / "x"))
    assert downloaded.exit_code == 2 and "drop --wait" in downloaded.stderr
    # --until final waits for processing: its progress is on the list items only (§4b).
    details = ih("doc", "info", doc["id"], "--raw").json()
    assert "avg_progress" not in details
    busy = ih("doc", "wait", doc["id"], "--until", "final", "--wait-timeout", "20s")
    assert busy.exit_code == 8 and busy.json()["status"] == "processing"
    store.processing_seconds = 0.001
    done = ih("doc", "wait", doc["id"], "--until", "final")
    assert done.exit_code == 0, done.stderr
    assert done.json()["status"] == "unknown"  # processed; no signing state exists


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["doc", "list", "--all"], "OKdokument lists every document in one answer"),
        (["doc", "list", "--collection", "col-demo", "--all"], "IndexHealth lists a collection"),
        (["doc", "download", "d", "--original"], "no signing state; drop --original"),
        (["doc", "presign", "d", "--any-state"], "no signing state; drop --any-state"),
    ],
)
def test_flags_without_effect_are_usage_errors(
    cli: Cli, sandbox: SandboxAdmin, args: list[str], message: str
) -> None:
    runner = cli if message.startswith("OKdokument") else Cli(ih_settings(sandbox))
    sandbox.clear_requests()
    result = runner(*args)
    assert result.exit_code == 2 and message in result.stderr
    assert [r for r in sandbox.requests() if "/indexhealth/download" in r["raw_path"]] == []


def test_attachment_is_refused_where_there_are_none(
    cli: Cli, sandbox: SandboxAdmin, tmp_path: Path
) -> None:
    okd = cli("doc", "download", "d", "--attachment", "a", "-o", str(tmp_path / "x"))
    assert okd.exit_code == 2 and "OKdokument documents have no attachments" in okd.stderr
    ih = Cli(ih_settings(sandbox))("doc", "presign", "d", "--attachment", "a")
    assert ih.exit_code == 2 and "IndexHealth documents have no attachments" in ih.stderr
