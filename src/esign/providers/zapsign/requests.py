"""ZapSign signature requests: a document created with its signers (spec §7.1), renamed or
given a new deadline (§7.4) and signer redirect (§8.2), deleted as the document (§7.5)."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from esign.core.errors import MalformedResponseError, RejectedError, UsageError
from esign.core.http.client import encode_segment
from esign.core.models import Deletion, Document, Outcome, SignatureRequest, Signer, iso_utc
from esign.providers.zapsign import wire
from esign.providers.zapsign.client import ZapSignClient

if TYPE_CHECKING:
    import httpx

    from esign.providers.options import CreateRequestOptions, UpdateRequestOptions

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024  # the documented limit for url_pdf; same for base64
# pt-br, es, en on every page (Criar documento); fr only on the newest English page (gap 16).
LANGUAGES = ("pt-br", "es", "en", "fr")


class Requests(ZapSignClient):
    def create_request(self, opts: CreateRequestOptions) -> Outcome[SignatureRequest]:
        if opts.document_id:
            raise UsageError("ZapSign creates a new document for every request; drop --document")
        if not opts.file_path:
            raise UsageError("give the FILE to sign")
        if opts.callback_url or opts.request_id:
            raise UsageError(
                "ZapSign takes no --callback-url or --request-id",
                hint="ZapSign reports progress through webhooks registered on the account",
            )
        if not opts.signers:
            raise UsageError(
                "ZapSign needs at least one signer", hint="add --signer 'Name <email>'"
            )
        if opts.send_email:
            missing = [s.name for s in opts.signers if not s.email]
            if missing:
                raise UsageError(
                    f"--send-email needs an email for every signer; missing for {missing[0]!r}"
                )
        lang = _lang(opts.lang)
        redirect = _http_url(opts.redirect_url, "--redirect-url") if opts.redirect_url else None
        from esign.core.files.local import read_document

        local = read_document(opts.file_path, max_bytes=MAX_DOCUMENT_BYTES)
        body: dict[str, Any] = {
            "name": (opts.name or local.path.stem)[:255],
            # Raw base64: ZapSign refuses a `data:application/pdf;base64,` prefix.
            "base64_pdf": base64.b64encode(local.content).decode("ascii"),
            "signers": [
                {
                    "name": s.name,
                    # Strings are never sent as null (ZapSign's general rules).
                    "email": s.email or "",
                    "send_automatic_email": bool(opts.send_email),
                    # The signer's "Continue" link after signing (signer object, Criar
                    # documento); ZapSign has no document-wide redirect.
                    **({"redirect_link": redirect} if redirect else {}),
                }
                for s in opts.signers
            ],
        }
        if lang:
            body["lang"] = lang  # else ZapSign's own default (pt-br) applies
        if opts.external_id:
            body["external_id"] = opts.external_id
        if opts.expires_at:
            body["date_limit_to_sign"] = iso_utc(opts.expires_at)
        # Never retried once it may have reached ZapSign: there is no idempotency key, and a
        # second create is a second billable document.
        self.require_secret()
        response = self.http.request("POST", self._url("docs"), json=body, idempotent=False)
        if response.status_code >= 400:
            raise self.error_from_response(response)
        data = _json_object(response)
        document = wire.to_document(data)
        return Outcome(wire.to_request(document), raw=data)

    def update_request(
        self, request_id: str, opts: UpdateRequestOptions
    ) -> Outcome[SignatureRequest]:
        if opts.callback_url:
            raise UsageError(
                "ZapSign takes no --callback-url",
                hint="ZapSign reports progress through webhooks registered on the account",
            )
        if opts.name is None and opts.expires_at is None and opts.redirect_url is None:
            raise UsageError(
                "nothing to update", hint="give --name, --expires-at or --redirect-url"
            )
        redirect = _http_url(opts.redirect_url, "--redirect-url") if opts.redirect_url else None
        body: dict[str, Any] = {}
        if opts.name is not None:
            body["name"] = opts.name[:255]
        if opts.expires_at is not None:
            # The update page documents a plain date (YYYY-MM-DD), unlike create.
            body["date_limit_to_sign"] = opts.expires_at.date().isoformat()
        if body:
            self._put(request_id, body)
        signers = self._redirect_signers(request_id, redirect) if redirect else []
        document = self.get_document(request_id).model
        assert isinstance(document, Document)
        # The sign URLs the update-signer answers documented; the detail has none (gap 19).
        urls = {s.id: s.sign_url for s in signers}
        for signer in document.signers:
            signer.sign_url = signer.sign_url or urls.get(signer.id)
        return Outcome(wire.to_request(document), raw=None)

    def _redirect_signers(self, document_id: str, redirect: str) -> list[Signer]:
        """Set `redirect_link` on every signer who has not signed (Atualizar signatário: the
        endpoint works only before the signer signs)."""
        document = self.get_document(document_id).model
        assert isinstance(document, Document)
        waiting = [s for s in document.signers if s.status != "signed" and s.id]
        if not waiting:
            raise RejectedError(
                f"ZapSign document {document_id}: every signer has signed; no redirect to set",
                provider=self.name,
            )
        updated = []
        for signer in waiting:
            assert signer.id is not None
            data, _ = self._call(
                "POST",
                self._url("signers", encode_segment(signer.id, "signer ID")),
                json={"redirect_link": redirect},
            )
            if isinstance(data, dict):
                updated.append(wire.to_signer(data))
        return updated

    def delete_request(self, request_id: str) -> Outcome[Deletion]:
        return self.soft_delete(request_id, "request")


def _lang(value: str | None) -> str | None:
    if value is None:
        return None
    lang = value.strip().lower()
    if lang not in LANGUAGES:
        raise UsageError(f"--lang must be one of {', '.join(LANGUAGES)} for ZapSign, not {value!r}")
    return lang


def _http_url(value: str, flag: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        # ZapSign: "remember the http:// or https:// at the start" (Atualizar signatário).
        raise UsageError(f"{flag} must be an absolute http(s) URL, got {value!r}")
    return value


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        raise MalformedResponseError("ZapSign's answer is not JSON") from None
    if not isinstance(data, dict):
        raise MalformedResponseError("ZapSign's answer is not an object")
    return data
