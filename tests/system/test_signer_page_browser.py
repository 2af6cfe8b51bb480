"""The sandbox's signer pages, used as a signer would in a real browser: headless Chromium
(Debian's `chromium`) driven by Playwright. The signer sees the document and who signs, fills
what the page asks, reaches Sign with the keyboard; esign then sees the document signed, the
signed PDF carries the stamp, and a `webhook listen` receiver got the event. Refusals too.
Screenshots land in the test's tmp_path (and, with SIGNER_PAGE_SCREENSHOTS=DIR, in DIR)."""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from tests.conftest import Cli, SandboxAdmin
from tests.listening import Listener

playwright_api = pytest.importorskip("playwright.sync_api", reason="the dev extras install it")
Page = Any

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium tries to reach Google's hosts.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.subprocess


@pytest.fixture(scope="module")
def browser_context() -> Iterator[Any]:
    assert Path(CHROMIUM).exists(), "scripts/test installs Debian's chromium"
    profile = tempfile.mkdtemp(prefix="esign-chromium-")
    with playwright_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1000, "height": 1400},
        )
        yield context
        context.close()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(browser_context: Any) -> Iterator[Page]:
    opened = browser_context.new_page()
    yield opened
    opened.close()


def shoot(page: Page, tmp_path: Path, name: str, *, pdf: bool = False) -> Path:
    if pdf:  # Chromium's PDF viewer draws inside its frame a moment after the page loads
        page.wait_for_timeout(2500)
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000  # a rendered page, not an empty image
    keep = os.environ.get("SIGNER_PAGE_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(keep) / path.name)
    return path


def check_accessible(page: Page) -> None:
    """Every control a signer uses has a label, and the sandbox says what it is."""
    unlabeled = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), textarea')]
            .filter(el => !document.querySelector(`label[for="${el.id}"]`)).length"""
    )
    assert unlabeled == 0
    assert page.locator("html").get_attribute("lang") == "en"
    banner = page.get_by_role("note").inner_text()
    assert banner.startswith("SANDBOX") and "not a real signature" in banner
    assert "nothing signed here has legal validity" in banner


def sees_the_document(page: Page) -> bytes:
    frame = page.locator("iframe")
    assert "PDF" in (frame.get_attribute("title") or "")
    link = page.get_by_role("link", name="Open the PDF")
    response = page.request.get(link.get_attribute("href"))
    assert response.ok and response.body().startswith(b"%PDF")
    assert frame.get_attribute("src") == link.get_attribute("href")
    return bytes(response.body())


def sign_with_the_keyboard(page: Page, name: str) -> None:
    field = page.get_by_label("Your full name")
    field.fill(name)
    field.focus()
    page.keyboard.press("Tab")  # to the read-and-agree box
    page.keyboard.press("Space")
    assert page.get_by_label("I have read the document and I agree to sign it").is_checked()
    page.keyboard.press("Tab")  # to the Sign button
    focused = page.evaluate("() => document.activeElement.textContent")
    assert focused.startswith("Sign")
    with page.expect_navigation():
        page.keyboard.press("Enter")


def events_until(listener: Listener, wanted: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    while True:
        event = listener.next_event(timeout=15)
        if wanted(event):
            return event


def stamp_text(pdf: bytes) -> str:
    return PdfReader(io.BytesIO(pdf)).pages[-1].extract_text()


def test_zapsign_signers_sign_in_the_browser(
    page: Page, listen: Any, zs: Cli, contract: Path, tmp_path: Path, sandbox: SandboxAdmin
) -> None:
    listener = listen()
    [hook] = zs("webhook", "create", listener.url).json()  # every document event
    try:
        created = zs(
            "request", "create", str(contract), "--name", "Contrato <b>de</b> serviço",
            "--signer", "Ana Souza <ana@example.com>", "--signer", "Bruno Lima <bruno@example.com>",
        )  # fmt: skip
        data = created.json()
        document_id, (ana_url, bruno_url) = data["document_id"], data["sign_urls"]

        page.goto(ana_url)
        check_accessible(page)
        assert page.title() == "Sign Contrato <b>de</b> serviço - ZapSign sandbox"  # as text
        original = sees_the_document(page)
        assert original == contract.read_bytes()
        signers = page.get_by_role("list").inner_text()
        assert (
            "Ana Souza (you)" in signers and "Bruno Lima — has not opened the link yet" in signers
        )
        shoot(page, tmp_path, "zapsign-sign-page", pdf=True)
        sign_with_the_keyboard(page, "Ana Souza")
        assert page.get_by_role("heading", name="Signed").is_visible()
        assert "Still to sign: Bruno Lima" in page.get_by_role("status").inner_text()
        shoot(page, tmp_path, "zapsign-signed-waiting")

        page.goto(bruno_url)
        page.get_by_label("Your full name").fill("Bruno Lima")
        page.get_by_label("I have read the document and I agree to sign it").check()
        with page.expect_navigation():
            page.get_by_role("button", name="Sign", exact=True).click()
        download = page.get_by_role("link", name="Download the signed PDF")
        signed_from_page = page.request.get(download.get_attribute("href")).body()
        shoot(page, tmp_path, "zapsign-signed-complete")

        info = zs("doc", "info", document_id).json()
        assert info["status"] == "signed"
        assert [s["status"] for s in info["signers"]] == ["signed", "signed"]
        target = tmp_path / "signed.pdf"
        assert zs("doc", "download", document_id, "-o", str(target)).exit_code == 0
        signed = target.read_bytes()
        assert signed == signed_from_page and signed != original
        assert "Signer: Bruno Lima" in stamp_text(signed)

        event = events_until(listener, lambda e: e["status"] == "signed")
        assert event["provider"] == "zapsign" and event["event"] == "doc_signed"
        assert event["document_id"] == document_id and event["signer"]["name"] == "Bruno Lima"
    finally:
        zs("webhook", "delete", hook["id"], "--yes")


def test_zapsign_signer_refuses_with_a_reason(
    page: Page, listen: Any, zs: Cli, contract: Path, tmp_path: Path
) -> None:
    listener = listen()
    [hook] = zs("webhook", "create", listener.url, "--event", "doc_refused").json()
    try:
        data = zs("request", "create", str(contract), "--signer", "Ana Souza").json()
        page.goto(data["sign_url"])
        # Refuse needs a reason: the browser itself stops an empty one.
        page.get_by_role("button", name="Refuse to sign").click()
        assert page.get_by_role("heading", name="Refuse").is_visible()
        page.get_by_label("Why do you refuse to sign? (required)").fill("Wrong amount in 3.1")
        with page.expect_navigation():
            page.get_by_role("button", name="Refuse to sign").click()
        assert page.get_by_role("heading", name="Refused").is_visible()
        assert "Wrong amount in 3.1" in page.get_by_role("status").inner_text()
        shoot(page, tmp_path, "zapsign-refused")
        info = zs("doc", "info", data["document_id"]).json()
        assert info["status"] == "refused" and info["rejected_reason"] == "Wrong amount in 3.1"
        event = listener.next_event(timeout=15)
        assert event["event"] == "doc_refused" and event["status"] == "refused"
        assert event["payload"]["rejected_reason"] == "Wrong amount in 3.1"
    finally:
        zs("webhook", "delete", hook["id"], "--yes")


def test_okdokument_signer_signs_in_the_browser(
    page: Page, listen: Any, cli: Cli, contract: Path, tmp_path: Path
) -> None:
    listener = listen()
    data = cli("request", "create", str(contract), "--callback-url", listener.url).json()
    page.goto(data["sign_url"])  # /openDocument/{id}, redirected to the viewer
    assert "/okdokument/viewDocument?" in page.url
    check_accessible(page)
    assert sees_the_document(page) == contract.read_bytes()
    shoot(page, tmp_path, "okdokument-sign-page", pdf=True)
    sign_with_the_keyboard(page, "Ada Lovelace")
    assert "/okdokument/thankYouPage.html?" in page.url and "result=success" in page.url
    assert page.get_by_role("heading", name="Signed").is_visible()
    link = page.get_by_role("link", name="Download the signed PDF").get_attribute("href")
    from_page = page.request.get(link).body()
    shoot(page, tmp_path, "okdokument-signed")

    assert cli("doc", "info", data["document_id"]).json()["status"] == "signed"
    target = tmp_path / "okd-signed.pdf"
    assert cli("doc", "download", data["document_id"], "-o", str(target)).exit_code == 0
    assert target.read_bytes() == from_page
    assert "Signer: Ada Lovelace" in stamp_text(target.read_bytes())
    event = listener.next_event(timeout=15)
    assert (event["provider"], event["event"], event["status"]) == (
        "okdokument",
        "signed",
        "signed",
    )
    assert event["document_id"] == data["document_id"]


def test_okdokument_signer_refuses_in_the_browser(
    page: Page, listen: Any, cli: Cli, contract: Path, tmp_path: Path
) -> None:
    listener = listen()
    data = cli("request", "create", str(contract), "--callback-url", listener.url).json()
    page.goto(data["sign_url"])
    with page.expect_navigation():
        page.get_by_role("button", name="Refuse to sign (Close)").click()
    assert "result=close" in page.url
    assert page.get_by_role("heading", name="Refused").is_visible()
    shoot(page, tmp_path, "okdokument-refused")
    assert cli("doc", "info", data["document_id"]).json()["status"] == "canceled"
    event = listener.next_event(timeout=15)
    assert (event["event"], event["status"]) == ("canceled", "canceled")


def test_a_signing_page_cannot_be_framed_or_run_script(zs: Cli, contract: Path) -> None:
    """The page is worth clickjacking: no other site may frame it, and no script runs."""
    created = zs(
        "request", "create", str(contract), "--name", "<script>x</script>", "--signer", "A"
    )
    url = created.json()["sign_url"]
    answer = httpx.get(url, timeout=10)
    policy = answer.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "default-src 'none'" in policy
    assert "<script" not in answer.text and "&lt;script&gt;x&lt;/script&gt;" in answer.text
