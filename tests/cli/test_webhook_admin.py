"""`esign webhook create|delete` against the sandbox's ZapSign (spec §9.2), what the other
providers offer instead, and `esign sandbox serve --webhook-url` closing the whole loop."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from esign.sandbox.zapsign import DEMO_API_TOKEN
from tests.conftest import CallbackReceiver, Cli, SandboxAdmin, ih_settings

ESIGN = str(Path(sys.executable).with_name("esign"))


def wait_for(check: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_create_one_webhook_per_event_then_delete(zs: Cli, sandbox: SandboxAdmin) -> None:
    result = zs(
        "webhook", "create", "https://app.example/hooks",
        "--event", "doc_signed", "--event", "doc_refused",
        "--document", "doc-token-1", "--header", "X-Team: billing",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    hooks = result.json()
    assert [h["event"] for h in hooks] == ["doc_signed", "doc_refused"]
    assert all(h["url"] == "https://app.example/hooks" for h in hooks)
    assert all(h["document_id"] == "doc-token-1" and h["headers"] == ["X-Team"] for h in hooks)
    stored = {h.id: h for h in sandbox.running.sandbox.zapsign.store.webhooks}
    first = stored[int(hooks[0]["id"])]
    assert (first.type, first.doc_token, first.owner) == (
        "doc_signed",
        "doc-token-1",
        DEMO_API_TOKEN,
    )
    assert first.headers == [{"name": "X-Team", "value": "billing"}]

    deleted = zs("webhook", "delete", hooks[0]["id"], "--yes")
    assert deleted.exit_code == 0, deleted.stderr
    assert deleted.json() == {
        "provider": "zapsign", "id": hooks[0]["id"], "kind": "webhook",
        "deleted": True, "soft": False,
    }  # fmt: skip
    assert int(hooks[0]["id"]) not in {h.id for h in sandbox.running.sandbox.zapsign.store.webhooks}
    # The documented answer is plain text, kept as is for --raw.
    raw = zs("webhook", "delete", hooks[1]["id"], "--yes", "--raw")
    assert raw.json() == "Webhook deletado com sucesso"
    again = zs("webhook", "delete", hooks[1]["id"], "--yes")
    assert again.exit_code == 5 and hooks[1]["id"] in again.stderr


def test_without_events_one_webhook_takes_every_document_event(zs: Cli) -> None:
    result = zs("webhook", "create", "https://app.example/all", "--output", "table", tty=True)
    assert result.exit_code == 0, result.stderr
    assert "every document event" in result.stdout and "https://app.example/all" in result.stdout


def test_delete_asks_first(zs: Cli) -> None:
    result = zs("webhook", "delete", "3")
    assert result.exit_code == 3 and "--yes" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ftp://x/"], "URL must be an http:// or https:// URL"),
        (["https://x/", "--event", "doc_viewed"], "not one ZapSign's API takes"),
        (["https://x/", "--header", "No colon"], "--header takes 'Name: value'"),
        (["https://x/", "--header", "X-A: a\x00b"], "line break or NUL"),
        (["https://x/", "--header", "X-A: @/nonexistent/file"], "cannot read /nonexistent/file"),
    ],
)
def test_create_refuses_bad_input(zs: Cli, args: list[str], message: str) -> None:
    result = zs("webhook", "create", *args)
    assert result.exit_code == 2 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_okdokument_points_to_its_callback_url(cli: Cli) -> None:
    for args in (["create", "https://x/"], ["delete", "3", "--yes"]):
        result = cli("webhook", *args)
        assert result.exit_code == 2
        assert "OKdokument has no account webhooks" in result.stderr
        assert "--callback-url" in result.stderr and "esign request update ID" in result.stderr


def test_indexhealth_says_it_sends_no_events(sandbox: SandboxAdmin) -> None:
    result = Cli(ih_settings(sandbox))("webhook", "create", "https://x/")
    assert result.exit_code == 2 and "IndexHealth sends no events" in result.stderr


@pytest.mark.subprocess
def test_serve_with_webhook_url_sends_both_providers_events(
    callback_receiver: CallbackReceiver, contract: Path, tmp_path: Path
) -> None:
    """The README's loop: a receiver, `sandbox serve --webhook-url`, `sandbox sign`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESIGN_")}
    env["ESIGN_CONFIG_DIR"] = str(tmp_path / "config")
    serve = subprocess.Popen(
        [ESIGN, "sandbox", "serve", "--port", "0", "--json", "--quiet",
         "--webhook-url", callback_receiver.url],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        assert serve.stdout is not None
        banner = json.loads(serve.stdout.readline())
        assert banner["webhook_url"] == callback_receiver.url
        wait_for(lambda: _up(banner["url"]))
        zs = Cli({
            "ESIGN_PROVIDER": "zapsign",
            "ESIGN_BASE_URL": banner["providers"]["zapsign"]["base_url"],
            "ESIGN_API_KEY": banner["providers"]["zapsign"]["api_key"],
            "ESIGN_SANDBOX_URL": banner["url"],
        })  # fmt: skip
        okd = Cli({
            "ESIGN_PROVIDER": "okdokument",
            "ESIGN_BASE_URL": banner["providers"]["okdokument"]["base_url"],
            "ESIGN_API_KEY": banner["providers"]["okdokument"]["api_key"],
            "ESIGN_SANDBOX_URL": banner["url"],
        })  # fmt: skip
        document_id = zs("request", "create", str(contract), "--signer", "Ana").json()[
            "document_id"
        ]
        assert zs("sandbox", "sign", document_id).exit_code == 0
        request_id = okd("request", "create", str(contract)).json()["request_id"]  # no callback
        assert okd("sandbox", "sign", request_id).exit_code == 0
        wait_for(lambda: len(callback_receiver.received) >= 3)
        got = [
            (r["json"].get("event_type") or r["json"].get("state"))
            for r in callback_receiver.received
        ]
        # Each delivery is its own POST: like ZapSign's, they may arrive in either order.
        assert sorted(got) == ["doc_created", "doc_signed", "signed"]
    finally:
        serve.terminate()
        serve.wait(timeout=15)


def _up(url: str) -> bool:
    try:
        return httpx.get(f"{url}/_sandbox/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
