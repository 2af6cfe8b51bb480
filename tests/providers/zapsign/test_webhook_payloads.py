"""Every ZapSign event the sandbox sends has the shape of ZapSign's documented sample (every
key, with its documented type), whether `esign sandbox trigger` sends it or a real change
does; OKdokument's sendInfo callback has its spec's body. The samples are the docs' own text
(tests/samples/zapsign_webhooks/, sources in its README), not the sandbox's idea of them."""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from esign.sandbox.pdf import sample_contract
from tests.conftest import CallbackReceiver, Cli, SandboxAdmin
from tests.paths import SAMPLE_DIR

SAMPLES = SAMPLE_DIR / "zapsign_webhooks"
EVENTS = sorted(p.stem for p in SAMPLES.glob("*.txt"))


def documented(event: str) -> dict[str, Any]:
    """The published sample, repaired exactly where it is not JSON (see the README)."""
    text = (SAMPLES / f"{event}.txt").read_text()
    text = re.sub(r"(?<![:\"])//[^\n]*", "", text)  # `//` comments, not URLs' `//`
    text = text.replace(
        '"geo_longitude": "-46.683343"\n    "liveness_photo_url"',
        ('"geo_longitude": "-46.683343",\n    "liveness_photo_url"'),
    )  # doc_signed: the missing comma
    text = text.replace('"name": Signatario",', '"name": "Signatario",')  # notification_sent
    return dict(json.loads(text))


def nullable_keys() -> set[str]:
    """Keys some documented sample shows as null: their type is "X or null"."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if item is None:
                    found.add(key)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for event in EVENTS:
        walk(documented(event))
    return found


NULLABLE = nullable_keys()


def kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", list: "array", dict: "object"}[type(value)]


def shape_differences(sample: Any, ours: Any, path: str = "$") -> list[str]:
    """Where `ours` lacks a documented key or has another type. A key documented as null
    somewhere may be null or its type; extra keys are allowed (ZapSign's versioning policy)."""
    key = path.rsplit(".", 1)[-1].rstrip("[]")
    if key in NULLABLE and None in (sample, ours):
        return []
    if kind(sample) != kind(ours):
        return [f"{path}: documented {kind(sample)}, sent {kind(ours)}"]
    if isinstance(sample, dict):
        found = []
        for name, value in sample.items():
            if name not in ours:
                found.append(f"{path}.{name}: missing")
            else:
                found += shape_differences(value, ours[name], f"{path}.{name}")
        return found
    if isinstance(sample, list) and sample:
        return [d for item in ours for d in shape_differences(sample[0], item, f"{path}[]")]
    return []


def wait_for(check: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.fixture
def api(sandbox: SandboxAdmin) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=sandbox.zapsign("base_url"),
        headers={"Authorization": f"Bearer {sandbox.zapsign('api_key')}"},
        timeout=10,
        trust_env=False,
    ) as client:
        yield client


def new_doc(api: httpx.Client, **extra: Any) -> dict[str, Any]:
    body = {
        "name": "Contrato",
        "base64_pdf": base64.b64encode(sample_contract("Contrato")).decode(),
        "signers": [
            {"name": "Ana Souza", "email": "ana@example.com"},
            {"name": "Bruno Lima", "email": "bruno@example.com"},
        ],
        **extra,
    }
    response = api.post("/docs/", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_the_published_samples_are_read_as_published() -> None:
    assert len(EVENTS) == 12
    assert documented("doc_refused")["status"] == "recusado"
    assert documented("doc_signed")["signer_who_signed"]["liveness_photo_url"] == ""
    assert documented("email_bounce")["event_type"] == "email_bounce"


@pytest.mark.parametrize("event", EVENTS)
def test_triggered_event_has_the_documented_shape(
    event: str,
    zs: Cli,
    api: httpx.Client,
    sandbox: SandboxAdmin,
    callback_receiver: CallbackReceiver,
) -> None:
    doc = new_doc(api, date_limit_to_sign="2030-01-31")
    token = doc["token"]
    # The state each sample shows, so that the values line up with the shape.
    if event == "doc_signed":
        sandbox.sign(token, signer_token=doc["signers"][0]["token"])
    elif event == "doc_refused":
        sandbox.sign(token, action="cancel")
    elif event == "doc_deleted":
        api.delete(f"/docs/{token}/")
    result = zs("sandbox", "trigger", event, "--document", token, "--to", callback_receiver.url)
    assert result.exit_code == 0, result.stderr
    sent = result.json()
    assert sent["event"] == event and sent["document_id"] == token
    assert sent["deliveries"] == [{"url": callback_receiver.url, "status": 200, "error": None}]
    [delivery] = callback_receiver.received
    payload = delivery["json"]
    sample = documented(event)
    assert shape_differences(sample, payload) == []
    assert payload["event_type"] == event
    if event == "email_bounce":
        assert payload["token"] == doc["signers"][0]["token"]  # the signer's token
        return
    assert payload["token"] == token
    if event == "doc_refused":
        assert payload["status"] == "recusado"  # the documented value, not "refused"
    if event == "doc_expired":
        assert payload["expiration_date"] == "2030-01-31T23:59:59.000999+00:00"


def test_deliveries_of_real_changes_have_the_documented_shape(
    zs: Cli, api: httpx.Client, sandbox: SandboxAdmin, callback_receiver: CallbackReceiver
) -> None:
    """Not only `trigger`: the events a create, a signer's page, a signature, a new signer, a
    refusal and a delete fire (lifecycle.py's delivery, which other operations use too)."""
    hooks = []
    for kind_ in ("", "doc_viewed", "created_signer"):
        hook = api.post(
            "/user/company/webhook/", json={"url": callback_receiver.url, "type": kind_}
        )
        assert hook.status_code == 200
        hooks.append(hook.json()["id"])
    try:
        fire_every_kind_of_change(api, sandbox, callback_receiver)
    finally:  # the sandbox is shared by the whole session
        for hook_id in hooks:
            api.request("DELETE", "/user/company/webhook/delete/", json={"id": hook_id})


def fire_every_kind_of_change(
    api: httpx.Client, sandbox: SandboxAdmin, callback_receiver: CallbackReceiver
) -> None:
    doc = new_doc(api)
    token = doc["token"]
    httpx.get(doc["signers"][0]["sign_url"], timeout=10)  # the signer opens the page
    sandbox.sign(token, signer_token=doc["signers"][0]["token"])
    api.post(f"/docs/{token}/add-signer/", json={"name": "Carla Dias"})
    sandbox.sign(token, action="cancel")
    api.delete(f"/docs/{token}/")
    expected = ["doc_created", "doc_viewed", "doc_signed", "created_signer", "doc_refused"]
    wait_for(lambda: len(callback_receiver.received) >= len(expected) + 2)
    by_event: dict[str, list[dict[str, Any]]] = {}
    for delivery in callback_receiver.received:
        by_event.setdefault(delivery["json"]["event_type"], []).append(delivery["json"])
    for event in [*expected, "doc_deleted"]:
        for payload in by_event[event]:
            assert shape_differences(documented(event), payload) == [], event
    assert by_event["doc_refused"][0]["status"] == "recusado"
    assert by_event["doc_deleted"][0]["deleted"] is True


def test_okdokument_trigger_sends_the_sendinfo_body(
    cli: Cli, contract: Path, callback_receiver: CallbackReceiver
) -> None:
    created = cli("request", "create", str(contract), "--callback-url", callback_receiver.url)
    data = created.json()
    result = cli("sandbox", "trigger", "canceled", "--document", data["request_id"])
    assert result.exit_code == 0, result.stderr
    [delivery] = callback_receiver.received
    # Spec §6.5: exactly these three keys, no authentication.
    assert delivery["json"] == {
        "state": "canceled",
        "id": data["document_id"],
        "signatureRequestId": data["request_id"],
    }
    # A trigger changes nothing: the document is still waiting for its signer.
    assert cli("doc", "info", data["document_id"]).json()["status"] == "pending"


def test_trigger_without_a_document_uses_a_new_sample(
    zs: Cli, sandbox: SandboxAdmin, callback_receiver: CallbackReceiver
) -> None:
    result = zs("sandbox", "trigger", "doc_created", "--to", callback_receiver.url)
    assert result.exit_code == 0, result.stderr
    token = result.json()["document_id"]
    assert zs("doc", "info", token).json()["name"] == "Sandbox trigger sample"
    assert callback_receiver.received[0]["json"]["token"] == token


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["doc_exploded"], 2, "no documented event 'doc_exploded'"),
        (["doc_viewed", "--to", "ftp://x/"], 2, "--to must be an http:// or https:// URL"),
        (["doc_viewed", "--document", "nope"], 5, "no ZapSign document or signer 'nope'"),
    ],
)
def test_trigger_refusals(zs: Cli, args: list[str], code: int, message: str) -> None:
    result = zs("sandbox", "trigger", *args)
    assert result.exit_code == code and message in result.stderr


def test_trigger_without_a_receiver_says_how_to_get_one(zs: Cli, api: httpx.Client) -> None:
    token = new_doc(api)["token"]
    result = zs("sandbox", "trigger", "doc_read_confirmation", "--document", token)
    assert result.exit_code == 6
    assert "esign webhook create URL" in result.stderr and "--to URL" in result.stderr


def test_trigger_tells_providers_apart(cli: Cli, zs: Cli, api: httpx.Client) -> None:
    token = new_doc(api)["token"]
    result = zs("sandbox", "trigger", "signed", "--document", token, "--to", "http://127.0.0.1:9/")
    assert result.exit_code != 0 and "is a ZapSign document or signer" in result.stderr


@pytest.mark.parametrize(
    ("event", "says"),
    [
        ("doc_signed", "has no signature yet"),
        ("doc_refused", "is pending"),
        ("doc_deleted", "is not deleted"),
    ],
)
def test_trigger_refuses_an_event_the_documents_state_contradicts(
    zs: Cli, api: httpx.Client, callback_receiver: CallbackReceiver, event: str, says: str
) -> None:
    # A doc_refused whose body says "pending" would teach a receiver the wrong thing.
    token = new_doc(api)["token"]
    result = zs("sandbox", "trigger", event, "--document", token, "--to", callback_receiver.url)
    assert result.exit_code == 6
    assert says in result.stderr and "without --document" in result.stderr
    assert callback_receiver.received == []


def test_trigger_without_a_document_makes_a_sample_in_the_events_state(
    zs: Cli, callback_receiver: CallbackReceiver
) -> None:
    for event in ("doc_signed", "doc_refused", "doc_deleted"):
        result = zs("sandbox", "trigger", event, "--to", callback_receiver.url)
        assert result.exit_code == 0, result.stderr
    signed, refused, deleted = (d["json"] for d in callback_receiver.received)
    assert signed["status"] == "signed" and signed["signed_file"]
    assert signed["signer_who_signed"]["status"] == "signed"
    assert signed["signer_who_signed"]["signed_at"]
    assert refused["status"] == "recusado" and refused["rejected_reason"]
    assert deleted["deleted"] is True and deleted["deleted_at"]
