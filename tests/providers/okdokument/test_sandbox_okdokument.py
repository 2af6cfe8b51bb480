"""The OKdokument emulator itself, over HTTP, against shared/providers/okdokument.md."""

from __future__ import annotations

import base64
import io
import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from pypdf import PdfReader

from esign.sandbox.pdf import sample_contract
from tests.conftest import CallbackReceiver, SandboxAdmin

PDF = sample_contract("Emulator test")
B64 = base64.b64encode(PDF).decode()


@pytest.fixture
def api(sandbox: SandboxAdmin) -> httpx.Client:
    return httpx.Client(
        base_url=sandbox.okdokument_base,
        headers={"x-api-key": sandbox.okdokument_key},
        timeout=10,
        trust_env=False,
    )


def create(api: httpx.Client, **body: Any) -> dict[str, Any]:
    response = api.post("/signatureRequest", json={"filedata": {"content": B64}, **body})
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_create_response_has_the_documented_and_connector_fields(
    api: httpx.Client, sandbox: SandboxAdmin
) -> None:
    body = create(api)
    assert body["message"] == "msg.signature.request.id.created"
    assert uuid.UUID(body["result"]).version == 4
    assert body["url"] == f"{sandbox.url}/okdokument/openDocument/{body['result']}"
    assert len(body["documentId"]) == 39
    assert body["code"] == "SUCCESS" and body["success"] is True and body["statusCode"] == 200


@pytest.mark.parametrize(
    "filedata",
    [
        {"content": B64},
        {"$content": B64},  # the alias the spec mentions without explaining (gap 3)
        B64,  # the connector's bare string (gap 3)
    ],
)
def test_create_accepts_every_documented_file_wrapper(api: httpx.Client, filedata: Any) -> None:
    response = api.post("/signatureRequest", json={"filedata": filedata})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("field", ["sendInfoURL", "sendInfoUrl"])
def test_both_callback_field_spellings_are_accepted(
    api: httpx.Client, sandbox: SandboxAdmin, field: str
) -> None:
    body = create(api, **{field: "http://127.0.0.1:9/x"})
    stored = sandbox.running.sandbox.okdokument.store.requests[body["result"]]
    assert stored.send_info_url == "http://127.0.0.1:9/x"


@pytest.mark.parametrize(
    "rules",
    [{"sendInfo": "http://127.0.0.1:9/r"}, "signAnywhere-false_sendInfo-http://127.0.0.1:9/r"],
)
def test_rules_as_object_or_string(api: httpx.Client, sandbox: SandboxAdmin, rules: Any) -> None:
    body = create(api, rules=rules)
    stored = sandbox.running.sandbox.okdokument.store.requests[body["result"]]
    assert stored.send_info_url == "http://127.0.0.1:9/r"


def test_expiration_time_as_string_or_number(api: httpx.Client, sandbox: SandboxAdmin) -> None:
    store = sandbox.running.sandbox.okdokument.store
    as_string = create(api, expirationTime="1702288000000")
    as_number = create(api, expirationTime=1702288000000)
    assert store.requests[as_string["result"]].expires_ms == 1702288000000
    assert store.requests[as_number["result"]].expires_ms == 1702288000000


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({}, 400, "err.missing.filedata.or.id"),
        ({"filedata": {"content": "!!!"}}, 400, "err.invalid.base64"),
        (
            {"filedata": {"content": base64.b64encode(b"plain text").decode()}},
            400,
            "err.file.format",
        ),
        ({"id": "unknown-doc", "changeState": "tosign"}, 404, "err.not.found"),
    ],
)
def test_create_errors(api: httpx.Client, body: dict[str, Any], status: int, message: str) -> None:
    response = api.post("/signatureRequest", json=body)
    assert response.status_code == status
    assert response.json()["message"] == message


def test_duplicate_signature_request_id_is_409(api: httpx.Client) -> None:
    request_id = str(uuid.uuid4())
    create(api, signatureRequestId=request_id)
    response = api.post(
        "/signatureRequest", json={"signatureRequestId": request_id, "filedata": {"content": B64}}
    )
    assert response.status_code == 409
    assert response.json()["value"] == request_id


def test_auth_statuses(sandbox: SandboxAdmin) -> None:
    with httpx.Client(base_url=sandbox.okdokument_base, trust_env=False) as anonymous:
        assert anonymous.get("/list/flat").status_code == 401
        forbidden = anonymous.get(
            "/list/flat", headers={"x-api-key": sandbox.okdokument_forbidden_key}
        )
        assert forbidden.status_code == 403


def test_documents_are_scoped_to_the_key(api: httpx.Client, sandbox: SandboxAdmin) -> None:
    doc_id = create(api)["documentId"]
    other_key = "12345678_" + "a" * 64
    sandbox.running.sandbox.okdokument.store.keys[other_key] = True
    other = api.get(f"/document/metadata/{doc_id}", headers={"x-api-key": other_key})
    assert other.status_code == 404
    assert other.json() == {
        "message": "err.not.found",
        "value": doc_id,
        "code": "err.not.found",
        "statusCode": 404,
        "success": False,
    }


def test_metadata_and_list_shapes(api: httpx.Client, sandbox: SandboxAdmin) -> None:
    doc_id = create(api)["documentId"]
    info = api.get(f"/document/metadata/{doc_id}").json()
    assert set(info) == {"filename", "state", "modification", "id", "date", "number"}
    assert isinstance(info["date"], int) and isinstance(info["number"], str)
    time.strptime(info["modification"], "%Y-%m-%d %H:%M:%S")
    listed = {d["id"]: d for d in api.get("/list/flat", params={"state": "*"}).json()}
    assert listed[doc_id]["url"] == f"{sandbox.url}/okdokument/rest/document/{doc_id}"
    assert listed[doc_id]["group"] == "api_user"
    # No state at all is treated as "*" (§13.8).
    assert doc_id in {d["id"] for d in api.get("/list/flat").json()}
    assert doc_id not in {d["id"] for d in api.get("/list/flat", params={"state": "signed"}).json()}


def test_json_upload_with_top_level_filename_and_state(api: httpx.Client) -> None:
    response = api.post(
        "/document", json={"filename": "x.pdf", "state": "tags", "file": {"content": B64}}
    )
    assert response.status_code == 200
    doc_id = response.json()["result"]
    assert api.get(f"/document/metadata/{doc_id}").json()["state"] == "tags"
    time.sleep(1.1)  # tag processing completes, then the document is ready to sign
    assert api.get(f"/document/metadata/{doc_id}").json()["state"] == "tosign"


def test_multipart_upload_with_signature_request_off(api: httpx.Client) -> None:
    response = api.post(
        "/upload",
        files={"file": ("TestLenso.pdf", PDF, "application/pdf")},
        data={"dataText": '{"signatureRequestId": "off"}'},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "url" not in body
    assert api.get(f"/document/metadata/{body['result']}").status_code == 200


def test_signer_flow_callback_and_result_url(
    api: httpx.Client, sandbox: SandboxAdmin, callback_receiver: CallbackReceiver
) -> None:
    body = create(
        api,
        resulturl="https://portal.example/done?arg=1",
        sendInfoURL=callback_receiver.url + "?arg=123456",
    )
    request_id, doc_id = body["result"], body["documentId"]
    browser = httpx.Client(timeout=10, trust_env=False)  # the signer: no API key
    opened = browser.get(body["url"])
    assert opened.status_code == 302
    view_url = opened.headers["location"]
    assert f"/okdokument/viewDocument?id={doc_id}" in view_url
    page = browser.get(view_url)
    assert page.status_code == 200 and "Submit" in page.text
    submitted = browser.post(
        f"{sandbox.url}/okdokument/viewDocument/submit",
        data={"request": request_id, "action": "sign", "name": "Ada Lovelace", "agree": "yes"},
    )
    assert submitted.status_code == 302
    redirect = urlsplit(submitted.headers["location"])
    params = parse_qs(redirect.query)
    assert redirect.netloc == "portal.example"
    assert params["arg"] == ["1"] and params["docid"] == [doc_id]
    assert params["result"] == ["success"] and params["lang"] == ["en"]
    assert int(params["ts"][0]) > 0
    # The sendInfo callback: POST, JSON, no authentication, query string kept.
    [hook] = callback_receiver.received
    assert hook["path"] == "/hooks/esign?arg=123456"
    assert hook["json"] == {"state": "signed", "id": doc_id, "signatureRequestId": request_id}
    assert "x-api-key" not in {k.lower() for k in hook["headers"]}
    assert api.get(f"/document/metadata/{doc_id}").json()["state"] == "signed"
    signed = api.get(f"/document/{doc_id}")
    assert signed.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(signed.content))
    assert "Signer: Ada Lovelace" in reader.pages[-1].extract_text()
    assert signed.content != PDF


def test_cancel_and_failed_callback(
    api: httpx.Client, sandbox: SandboxAdmin, callback_receiver: CallbackReceiver
) -> None:
    callback_receiver.status = 500
    body = create(api, sendInfoURL=callback_receiver.url)
    result = sandbox.sign(body["documentId"], action="cancel")
    # The portal answered 500, so the document goes to errorsendinfo (spec §6.5).
    assert result["state"] == "errorsendinfo"
    assert callback_receiver.received[0]["json"]["state"] == "canceled"
    record = sandbox.callbacks()[-1]
    assert record["status"] == 500 and record["url"] == callback_receiver.url


def test_signing_twice_is_refused(api: httpx.Client, sandbox: SandboxAdmin) -> None:
    doc_id = create(api)["documentId"]
    sandbox.sign(doc_id)
    again = sandbox.http.post("/_sandbox/sign", json={"id": doc_id})
    assert again.status_code == 409


def test_update_delete_and_open_after_delete(api: httpx.Client) -> None:
    body = create(api)
    request_id = body["result"]
    updated = api.patch(
        "/signatureRequest", json={"signatureRequestId": request_id, "resulturl": "https://x/"}
    )
    assert updated.json()["message"] == "msg.updated"
    registered = api.post(f"/signatureRequest/{request_id}", json={"sendInfoURL": "https://y/"})
    assert registered.status_code == 200
    deleted = api.delete(f"/signatureRequest/{request_id}")
    assert deleted.json() == {
        "code": "SUCCESS",
        "message": "msg.deleted",
        "result": request_id,
        "statusCode": 200,
        "success": True,
    }
    again = api.delete(f"/signatureRequest/{request_id}")
    assert again.status_code == 400
    assert again.json()["message"] == "err.signature.request.not.exist"
    with httpx.Client(trust_env=False) as browser:
        assert browser.get(body["url"]).status_code == 400


def test_expired_request_cannot_be_opened(api: httpx.Client) -> None:
    body = create(api, expirationTime=str(int(time.time() * 1000) - 1000))
    with httpx.Client(trust_env=False) as browser:
        assert browser.get(body["url"]).status_code == 400


def test_counter_moves(api: httpx.Client) -> None:
    before = api.get("/counter").json()["actual"]
    doc_id = create(api)["documentId"]
    api.get(f"/document/{doc_id}")
    api.delete(f"/document/{doc_id}")
    after = api.get("/counter").json()["actual"]

    def delta(name: str) -> int:
        return int(after[f"sandbox.{name}"]) - int(before[f"sandbox.{name}"])

    assert delta("usedSignatureRequests") == 1
    assert delta("availableSignatureRequests") == -1
    assert delta("downloaded") == 1 and delta("deleted.f") == 1 and delta("storedFiles") == 1


def test_fault_short_form_and_seeded_rate() -> None:
    from esign.sandbox.faults import FaultInjector, parse_rules

    [rule] = parse_rules("status:503@GET /okdokument/JSON/document*2")
    assert (rule.kind, rule.status, rule.method, rule.count) == ("status", 503, "GET", 2)

    def fired(seed: int) -> list[bool]:
        injector = FaultInjector(seed)
        injector.set(parse_rules([{"kind": "latency", "rate": 0.5, "count": None}]), seed=seed)
        return [injector.pick("GET", "/x") is not None for _ in range(40)]

    assert fired(7) == fired(7)  # deterministic with a seed
    assert 5 < sum(fired(7)) < 35
    with pytest.raises(ValueError, match="unknown fault kind"):
        parse_rules([{"kind": "explode"}])
