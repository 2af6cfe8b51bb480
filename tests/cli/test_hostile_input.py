"""Hostile input, property-based: whatever the ID, no request to another endpoint, no
traceback, and the answer is a usage error (2) or the provider's (not found, 5)."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from esign.core.errors import UsageError
from esign.core.files.download import safe_filename
from esign.core.http.client import validate_base_url
from tests.conftest import Cli, SandboxAdmin

NASTY = st.sampled_from(
    [
        "/",
        "..",
        ".",
        "%2F",
        "%2e%2e",
        "?",
        "#",
        "\n",
        "\r",
        "\t",
        "\x00",
        "\\",
        "é",
        "中",
        "\u202e",
        "&",
        "=",
        ";",
        " ",
        "'",
        '"',
        "*",
        "~",
    ]
)
IDS = st.one_of(
    st.lists(st.one_of(NASTY, st.text(min_size=1, max_size=5)), min_size=1, max_size=12).map(
        "".join
    ),
    st.text(min_size=0, max_size=3000),
)
SETTINGS = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def check(result_exit: int, stderr: str, requests: list[dict[str, object]], prefix: str) -> None:
    assert "Traceback" not in stderr
    assert result_exit in (2, 5), (result_exit, stderr)
    if result_exit == 2:
        assert requests == []
        return
    [request] = requests
    path = str(request["raw_path"])
    assert path.startswith(prefix), path
    segment = path[len(prefix) :].removesuffix("/")
    assert "/" not in segment and segment not in ("", ".", "..")
    assert request["query"] == ""


@SETTINGS
@given(document_id=IDS)
@example(document_id="../../list/flat")
@example(document_id="x?state=*#")
@example(document_id="a" * 5000)
def test_okdokument_ids(cli: Cli, sandbox: SandboxAdmin, document_id: str) -> None:
    sandbox.clear_requests()
    result = cli("doc", "info", "--", document_id)
    check(
        result.exit_code, result.stderr, sandbox.requests(), "/okdokument/JSON/document/metadata/"
    )


@SETTINGS
@given(document_id=IDS)
@example(document_id="../signers/x")
def test_zapsign_ids(zs: Cli, sandbox: SandboxAdmin, document_id: str) -> None:
    sandbox.clear_requests()
    result = zs("doc", "info", "--", document_id)
    check(result.exit_code, result.stderr, sandbox.requests(), "/zapsign/api/v1/docs/")


@settings(max_examples=300, deadline=None)
@given(name=st.text(max_size=400))
@example(name="../../etc/passwd")
@example(name="..\\..\\boot.ini")
def test_safe_filename_never_escapes(name: str) -> None:
    safe = safe_filename(name)
    if safe is None:
        return
    assert "/" not in safe and "\\" not in safe
    assert not safe.startswith(".") and safe not in ("", ".", "..")
    assert not re.search(r"[\x00-\x1f\x7f]", safe)
    assert len(safe.encode()) <= 255


@settings(max_examples=200, deadline=None)
@given(
    user=st.text(
        alphabet=st.characters(min_codepoint=33, max_codepoint=126, blacklist_characters="@/:?#[]"),
        min_size=1,
        max_size=20,
    ),
    password=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=8, max_size=30),
)
def test_base_url_credentials_are_refused_and_never_echoed(user: str, password: str) -> None:
    with pytest.raises(UsageError) as caught:
        validate_base_url(f"https://{user}:{password}@api.example.com/JSON", allow_http=False)
    assert password not in caught.value.message + (caught.value.hint or "")


@SETTINGS
@given(document_id=IDS)
@example(document_id='"}, "is_delete": true, "x": {"')
def test_indexhealth_ids_stay_data(sandbox: SandboxAdmin, document_id: str) -> None:
    """IndexHealth takes the ID in a JSON body: it must stay one string there."""
    from tests.conftest import ih_settings

    ih = Cli(ih_settings(sandbox))
    sandbox.clear_requests()
    result = ih("doc", "info", "--", document_id)
    assert "Traceback" not in result.stderr
    assert result.exit_code in (2, 5), (result.exit_code, result.stderr)
    paths = {r["raw_path"] for r in sandbox.requests()}
    assert paths <= {"/indexhealth/generate-client-auth-token", "/indexhealth/get-document-details"}
    if result.exit_code == 2:
        assert "/indexhealth/get-document-details" not in paths
