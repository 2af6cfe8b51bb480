"""The sandbox's admin API cannot be driven by a web page (cross-site "simple" requests) nor,
on a non-loopback bind, by anyone without the token printed at start."""

from __future__ import annotations

import io
import json
from pathlib import Path

import httpx
import pytest

from esign.sandbox.app import Sandbox
from esign.sandbox.server import start_in_thread
from tests.conftest import Cli, SandboxAdmin

RULE = json.dumps({"rules": [{"kind": "status", "status": 503, "path": "^/okdokument/"}]})


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", None]
)
def test_a_cross_site_simple_post_cannot_install_faults_or_sign(
    sandbox: SandboxAdmin, cli: Cli, contract: object, content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    document_id = cli("request", "create", str(contract)).json()["document_id"]
    for path, body in (
        ("/_sandbox/faults", RULE),
        ("/_sandbox/sign", json.dumps({"id": document_id})),
    ):
        answer = sandbox.http.post(path, content=body, headers=headers)
        assert answer.status_code == 415, (path, answer.text)
    assert sandbox.fault_state() == []
    assert cli("doc", "info", document_id).json()["status"] == "pending"


def test_json_requests_still_work(sandbox: SandboxAdmin) -> None:
    answer = sandbox.http.put(
        "/_sandbox/faults", content=RULE, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 200
    assert len(sandbox.fault_state()) == 1


def test_with_an_admin_token_every_admin_request_needs_it(okd_env: dict[str, str]) -> None:
    sandbox = Sandbox()
    sandbox.admin_token = "s3cr3t-admin-token"  # what serve sets for a non-loopback bind
    running = start_in_thread(sandbox)
    try:
        with httpx.Client(base_url=running.url, trust_env=False) as http:
            json_headers = {"Content-Type": "application/json"}
            assert http.get("/_sandbox/journal").status_code == 401
            assert (
                http.put("/_sandbox/faults", content=RULE, headers=json_headers).status_code == 401
            )
            wrong = {**json_headers, "Authorization": "Bearer nope"}
            assert http.put("/_sandbox/faults", content=RULE, headers=wrong).status_code == 401
            right = {**json_headers, "Authorization": "Bearer s3cr3t-admin-token"}
            assert http.put("/_sandbox/faults", content=RULE, headers=right).status_code == 200
            # The provider APIs themselves are not behind the token: they have their keys.
            assert http.get("/okdokument/JSON/list/flat").status_code in (401, 403, 503)
        # ESIGN_BASE_URL names the sandbox the commands talk to: this one, with its token.
        env = {**okd_env, "ESIGN_BASE_URL": f"{running.url}/okdokument/JSON"}
        without = Cli(env)("sandbox", "sign", "x")
        assert without.exit_code == 4, without.stderr
        with_token = Cli({**env, "ESIGN_SANDBOX_TOKEN": "s3cr3t-admin-token"})(
            "sandbox", "sign", "x"
        )
        assert with_token.exit_code == 5, with_token.stderr  # let in: that ID does not exist
    finally:
        running.stop()


def test_serve_makes_and_prints_a_token_only_beyond_loopback(tmp_path: Path) -> None:
    from esign.cli.sandbox import _print_banner, admin_token_for

    assert admin_token_for("127.0.0.1") is None and admin_token_for("::1") is None
    first, second = admin_token_for("10.1.2.3"), admin_token_for("192.168.1.20")
    assert first and second and first != second and len(first) >= 32
    shown = io.StringIO()
    _print_banner(
        shown,
        "http://10.1.2.3:8765",
        Sandbox().credentials("http://x"),
        False,
        first,
        sample_dir=tmp_path,
    )
    assert f"ESIGN_SANDBOX_TOKEN={first}" in shown.getvalue()
    as_json = io.StringIO()
    _print_banner(
        as_json,
        "http://10.1.2.3:8765",
        Sandbox().credentials("http://x"),
        True,
        first,
        sample_dir=tmp_path,
    )
    assert json.loads(as_json.getvalue())["admin_token"] == first
