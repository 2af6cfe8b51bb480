"""The ZapSign emulator itself, over HTTP, against shared/providers/zapsign.md."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from esign.sandbox.pdf import sample_contract
from tests.conftest import SandboxAdmin

PDF_B64 = base64.b64encode(sample_contract("ZapSign emulator")).decode()


@pytest.fixture
def api(sandbox: SandboxAdmin) -> httpx.Client:
    return httpx.Client(
        base_url=sandbox.zapsign("base_url"),
        headers={"Authorization": f"Bearer {sandbox.zapsign('api_key')}"},
        timeout=10,
        trust_env=False,
    )


def create(api: httpx.Client, **extra: Any) -> dict[str, Any]:
    body = {"name": "Doc", "base64_pdf": PDF_B64, "signers": [{"name": "Ana"}], **extra}
    response = api.post("/docs/", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_create_returns_the_full_document_object(api: httpx.Client) -> None:
    doc = create(api)
    for key in (
        "sandbox",
        "external_id",
        "open_id",
        "token",
        "name",
        "folder_path",
        "status",
        "rejected_reason",
        "lang",
        "original_file",
        "signed_file",
        "extra_docs",
        "created_through",
        "deleted",
        "deleted_at",
        "created_at",
        "last_update_at",
        "signers",
        "metadata",
    ):
        assert key in doc, key
    assert doc["status"] == "pending" and doc["signed_file"] is None and doc["lang"] == "pt-br"
    assert doc["created_at"].endswith("Z") and "." in doc["created_at"]  # microseconds
    signer = doc["signers"][0]
    assert signer["status"] == "new" and signer["sign_url"].endswith(signer["token"])


def test_paths_work_with_and_without_trailing_slash_and_legacy_query_token(
    api: httpx.Client, sandbox: SandboxAdmin
) -> None:
    token = create(api)["token"]
    assert api.get(f"/docs/{token}").status_code == 200
    assert api.get(f"/docs/{token}/").status_code == 200
    with httpx.Client(base_url=sandbox.zapsign("base_url"), trust_env=False) as legacy:
        response = legacy.get(f"/docs/{token}/", params={"api_token": sandbox.zapsign("api_key")})
        assert response.status_code == 200


def test_auth_errors_have_drf_bodies(sandbox: SandboxAdmin) -> None:
    with httpx.Client(base_url=sandbox.zapsign("base_url"), trust_env=False) as anonymous:
        assert anonymous.get("/docs/").status_code == 401
        bad = anonymous.get("/docs/", headers={"Authorization": "Bearer nope"})
        assert bad.json() == {"detail": "Invalid API token."}
        other = anonymous.get(
            "/docs/",
            headers={"Authorization": f"Bearer {sandbox.zapsign('other_environment_api_key')}"},
        )
        assert other.status_code == 403 and "detail" in other.json()


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ({"name": "x", "signers": [{"name": "A"}]}, 400, "fonte de arquivo"),
        (
            {
                "name": "x",
                "base64_pdf": PDF_B64,
                "url_pdf": "http://127.0.0.1:9/x.pdf",
                "signers": [{"name": "A"}],
            },
            400,
            "fonte de arquivo",
        ),
        (
            {
                "name": "x",
                "base64_pdf": "data:application/pdf;base64," + PDF_B64,
                "signers": [{"name": "A"}],
            },
            400,
            "base64_pdf inválido",
        ),
        ({"name": "x", "base64_pdf": PDF_B64, "signers": []}, 400, "signers"),
        ({"name": "x", "base64_pdf": PDF_B64, "signers": [{"email": "a@x"}]}, 400, "name"),
        ({"name": None, "base64_pdf": PDF_B64, "signers": [{"name": "A"}]}, 400, "nulo"),
        (
            {
                "name": "x",
                "base64_pdf": PDF_B64,
                "signers": [{"name": "A"}],
                "disable_signer_emails": "true",
            },
            400,
            "boolean",
        ),
        (
            {
                "name": "x",
                "base64_pdf": PDF_B64,
                "signers": [{"name": "A", "send_automatic_email": True}],
            },
            400,
            "email",
        ),
        (
            {"name": "x", "base64_pdf": PDF_B64, "signers": [{"name": "A"}], "lang": "de"},
            400,
            "lang",
        ),
    ],
)
def test_create_validation(
    api: httpx.Client, body: dict[str, Any], status: int, fragment: str
) -> None:
    response = api.post("/docs/", json=body)
    assert response.status_code == status
    assert fragment in response.text


def test_markdown_source_makes_a_pdf(api: httpx.Client) -> None:
    response = api.post(
        "/docs/", json={"name": "md", "markdown_text": "# Title\nBody", "signers": [{"name": "A"}]}
    )
    assert response.status_code == 200
    file = httpx.get(response.json()["original_file"], trust_env=False)
    assert file.content.startswith(b"%PDF-")


def test_list_pagination_envelope(api: httpx.Client, sandbox: SandboxAdmin) -> None:
    from esign.sandbox.zapsign import Account

    token = "list-envelope-token"
    sandbox.running.sandbox.zapsign.store.accounts[token] = Account()
    headers = {"Authorization": f"Bearer {token}"}
    for i in range(26):
        api.post(
            "/docs/",
            headers=headers,
            json={"name": f"d{i}", "base64_pdf": PDF_B64, "signers": [{"name": "A"}]},
        )
    page1 = api.get("/docs/", headers=headers).json()
    assert page1["count"] == 26 and len(page1["results"]) == 25 and page1["previous"] is None
    assert page1["next"].endswith("page=2")
    assert "signers" not in page1["results"][0]  # the compact form
    page2 = api.get("/docs/", headers=headers, params={"page": 2}).json()
    assert len(page2["results"]) == 1 and page2["next"] is None and page2["previous"]
    beyond = api.get("/docs/", headers=headers, params={"page": 3})
    assert beyond.status_code == 404 and beyond.json() == {"detail": "Página inválida."}
    oldest_first = api.get("/docs/", headers=headers, params={"sort_order": "asc"}).json()
    assert oldest_first["results"][0]["name"] == "d0"


def test_update_only_while_in_progress(api: httpx.Client, sandbox: SandboxAdmin) -> None:
    token = create(api)["token"]
    ok = api.put(f"/docs/{token}/", json={"name": "New", "date_limit_to_sign": "2031-01-01"})
    assert ok.json() == {"message": "Documento atualizado corretamente"}
    bad_date = api.put(f"/docs/{token}/", json={"date_limit_to_sign": "31/01/2031"})
    assert bad_date.status_code == 400
    sandbox.sign(token)
    assert api.put(f"/docs/{token}/", json={"name": "Late"}).status_code == 403


def test_soft_delete_keeps_the_document_readable(api: httpx.Client) -> None:
    token = create(api)["token"]
    deleted = api.delete(f"/docs/{token}/").json()
    assert deleted["deleted"] is True and deleted["deleted_at"] and deleted["status"] == "pending"
    assert api.get(f"/docs/{token}/").json()["deleted"] is True
    only_deleted = api.get("/docs/", params={"deleted": "true"}).json()["results"]
    assert token in {d["token"] for d in only_deleted}


def test_refuse_endpoint_errors(api: httpx.Client, sandbox: SandboxAdmin) -> None:
    token = create(api)["token"]
    assert api.post("/refuse/", json={"rejected_reason": "x"}).json()["code"] == "missing_doc_token"
    assert api.post("/refuse/", json={"doc_token": token}).json()["code"] == (
        "missing_rejected_reason"
    )
    missing = api.post("/refuse/", json={"doc_token": "nope", "rejected_reason": "x"})
    assert missing.status_code == 404 and missing.json()["code"] == "document_not_found"
    done = api.post("/refuse/", json={"doc_token": token, "rejected_reason": "Changed mind"})
    assert done.json() == {"message": "Documento cancelado com sucesso!"}
    assert api.get(f"/docs/{token}/").json()["rejected_reason"] == "Changed mind"
    again = api.post("/refuse/", json={"doc_token": token, "rejected_reason": "x"})
    assert again.status_code == 403 and again.json()["code"] == "document_already_refused"


def test_signer_detail_and_signing_page(api: httpx.Client, sandbox: SandboxAdmin) -> None:
    doc = create(api)
    signer = doc["signers"][0]
    detail = api.get(f"/signers/{signer['token']}/").json()
    assert detail["token"] == signer["token"] and "sign_url" not in detail  # gap 19
    with httpx.Client(trust_env=False) as browser:
        page = browser.get(signer["sign_url"])
        assert page.status_code == 200 and 'value="sign">Sign</button>' in page.text
        # The page asks for the name and the read-and-agree box; the server checks both.
        unconfirmed = browser.post(signer["sign_url"], data={"action": "sign", "name": "Ana"})
        assert unconfirmed.status_code == 400 and "Confirm that you have read" in unconfirmed.text
        signed = browser.post(
            signer["sign_url"], data={"action": "sign", "name": "Ana Souza", "agree": "yes"}
        )
        assert signed.status_code == 200 and "Signed" in signed.text
    after = api.get(f"/docs/{doc['token']}/").json()
    assert after["status"] == "signed" and after["signers"][0]["times_viewed"] == 1
    assert after["signed_file"] is not None


def test_webhook_management(api: httpx.Client) -> None:
    created = api.post("/user/company/webhook/", json={"url": "http://127.0.0.1:9/h", "type": ""})
    hook_id = created.json()["id"]
    headers = api.post(
        "/user/company/webhook/header/",
        json={"id": hook_id, "headers": [{"name": "X-Token", "value": "v"}]},
    )
    assert headers.status_code == 200
    # The delete example sends the id as a string (gap 13).
    deleted = api.request("DELETE", "/user/company/webhook/delete/", json={"id": str(hook_id)})
    assert deleted.status_code == 200
    again = api.request("DELETE", "/user/company/webhook/delete/", json={"id": hook_id})
    assert again.status_code == 404
    assert api.post("/user/company/webhook/", json={"type": ""}).status_code == 400


def test_no_plan_token_gets_402(sandbox: SandboxAdmin) -> None:
    with httpx.Client(base_url=sandbox.zapsign("base_url"), trust_env=False) as client:
        response = client.post(
            "/docs/",
            headers={"Authorization": f"Bearer {sandbox.zapsign('no_plan_api_key')}"},
            json={"name": "x", "base64_pdf": PDF_B64, "signers": [{"name": "A"}]},
        )
    assert response.status_code == 402 and response.json() == {"error": "Payment Required"}
