"""ZapSign signature requests: a document created with its signers from a file, a URL (spec
§7.1) or a template (Criar documento via modelo), optionally with a webhook bound to it
(§9.2); renamed or given a new deadline (§7.4) and signer redirect (§8.2); cancelled (§7.6);
deleted as the document (§7.5)."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from esign.core.errors import (
    EsignError,
    InvalidChoiceError,
    MalformedResponseError,
    RejectedError,
    UsageError,
)
from esign.core.http.client import USER_AGENT, encode_segment
from esign.core.models import (
    Deletion,
    Document,
    Outcome,
    SignatureRequest,
    SignatureRequestCanceled,
    Signer,
    iso_utc,
)
from esign.providers.zapsign import wire
from esign.providers.zapsign.client import ZapSignClient
from esign.providers.zapsign.signer_fields import (
    checked_signer_objects,
    create_signer,
    folder_path,
    http_url,
)

if TYPE_CHECKING:
    import httpx

    from esign.providers.options import (
        CancelOptions,
        CreateRequestOptions,
        UpdateRequestOptions,
    )

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024  # the documented limit for url_pdf; same for base64
# pt-br, es, en on every page (Criar documento); fr only on the newest English page (gap 16).
LANGUAGES = ("pt-br", "es", "en", "fr")
# Criar documento via modelo (the template create) takes one signer, by these fields.
TEMPLATE_SIGNER_HINT = "add the others after with `esign signer add DOC_ID --name ...`"


class Requests(ZapSignClient):
    def create_request(self, opts: CreateRequestOptions) -> Outcome[SignatureRequest]:
        _refuse_unused_create_flags(opts)
        callback = http_url(opts.callback_url, "--callback-url") if opts.callback_url else None
        if opts.template_id:
            path, body = "models/create-doc", _template_body(opts)
        else:
            path, body = "docs", _upload_body(opts)
        # Never retried once it may have reached ZapSign: there is no idempotency key, and a
        # second create is a second billable document.
        self.require_secret()
        url = self.http.url(*path.split("/")) + "/"
        response = self.http.request("POST", url, json=body, idempotent=False)
        if response.status_code >= 400:
            raise self.error_from_response(response)
        data = _json_object(response)
        request = wire.to_request(wire.to_document(data))
        outcome = Outcome(request, raw=data)
        if callback:
            self._bind_webhook(outcome, callback, created_by=f"POST /{path}/")
        return outcome

    def _bind_webhook(
        self, outcome: Outcome[SignatureRequest], url: str, *, created_by: str
    ) -> None:
        """ZapSign has no callback on create: a webhook bound to the new document's token
        (Criar webhook, `doc_token`), for every document event (`type: ""`), is a second call.
        If it fails the document exists all the same: the request is printed, and the
        failure after it."""
        document_id = outcome.model.request_id
        body = {"url": url, "type": "", "doc_token": document_id}
        try:
            data, _ = self._call("POST", self._url("user", "company", "webhook"), json=body)
        except EsignError as err:
            err.message = (
                f"document {document_id} was created, but binding the --callback-url webhook "
                f"to it failed: {err.message}"
            )
            err.hint = (
                "the document exists and is printed above; do not create it again: register "
                f"the webhook for doc_token {document_id} on its own"
            )
            outcome.failure = err
            outcome.notes.append(
                f"2 calls: {created_by} created document {document_id}; "
                "POST /user/company/webhook/ failed"
            )
            return
        webhook_id = data.get("id") if isinstance(data, dict) else None
        if webhook_id in (None, ""):
            outcome.failure = MalformedResponseError(
                f"document {document_id} was created, but ZapSign's answer to the webhook "
                "call carries no id",
                provider=self.name,
            )
            outcome.notes.append(
                f"2 calls: {created_by} created document {document_id}; "
                "POST /user/company/webhook/ answered without a webhook id"
            )
            return
        outcome.model.webhook_id = str(webhook_id)
        outcome.raw = {"document": outcome.raw, "webhook": data}
        outcome.notes.append(
            f"2 calls: {created_by} created document {document_id}; POST /user/company/webhook/ "
            f"bound webhook {webhook_id} to it (document events to {url})"
        )

    def update_request(
        self, request_id: str, opts: UpdateRequestOptions
    ) -> Outcome[SignatureRequest]:
        if opts.callback_url:
            raise UsageError(
                "ZapSign takes no --callback-url on an existing request",
                hint="ZapSign reports progress through webhooks; `request create "
                "--callback-url` binds one to a new document",
            )
        if opts.name is None and opts.expires_at is None and opts.redirect_url is None:
            raise UsageError(
                "nothing to update", hint="give --name, --expires-at or --redirect-url"
            )
        redirect = http_url(opts.redirect_url, "--redirect-url") if opts.redirect_url else None
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

    def cancel_request(
        self, request_id: str, opts: CancelOptions
    ) -> Outcome[SignatureRequestCanceled]:
        """Cancelar documentos (§7.6): the document is refused, stamped "Documento recusado"
        and can no longer be signed. Its errors are codes with statuses: already signed,
        already refused, not allowed (403: exit 6, the action, not the token), not found
        (404)."""
        reason = opts.reason.strip()
        if not reason:
            raise UsageError("--reason must not be empty: ZapSign requires rejected_reason")
        encode_segment(request_id, "document ID")  # refuses an empty ID, as every command
        body = {
            "doc_token": request_id,
            "rejected_reason": reason,
            "notify_signer": opts.notify_signers,
        }
        self.require_secret()
        # A POST that may have arrived is never sent again (the second would meet
        # document_already_refused at best). The User-Agent is documented as required
        # ("to avoid spam"): esign always sends its own, here said explicitly.
        response = self.http.request(
            "POST",
            self._url("refuse"),
            json=body,
            headers={"User-Agent": USER_AGENT},
            idempotent=False,
        )
        if response.status_code >= 400:
            raise self.error_from_response(response)
        data = _json_object(response)
        message = data.get("message")
        return Outcome(
            SignatureRequestCanceled(
                provider=self.name,
                request_id=request_id,
                document_id=request_id,
                reason=reason,
                signers_notified=opts.notify_signers,
                message=str(message) if message else None,
            ),
            raw=data,
            notes=[
                "ZapSign cancels asynchronously: the watermarked PDF follows in a moment "
                f"(`esign doc info {request_id}`)"
            ],
        )


def _refuse_unused_create_flags(opts: CreateRequestOptions) -> None:
    """A flag ZapSign has no place for is an error, never silently dropped."""
    if opts.document_id:
        raise UsageError("ZapSign creates a new document for every request; drop --document")
    if opts.request_id:
        raise UsageError("ZapSign picks the document's token itself; drop --request-id")
    okdokument_only = {
        "--email-to": opts.email_to,
        "--email-from": opts.email_from,
        "--otp": opts.otp,
        "--state": opts.state,
        "--fields": opts.allowed_fields,
    }
    from esign.providers.options import refuse_given

    refuse_given(
        okdokument_only,
        "ZapSign",
        why="OKdokument's rules and fields",
        hint="ZapSign emails the signers given with --signer and --send-email",
    )
    if opts.signers and opts.signer_objects:
        raise UsageError("give signers with --signer or with --signers FILE.json, not both")
    if not opts.signers and not opts.signer_objects:
        raise UsageError("ZapSign needs at least one signer", hint="add --signer 'Name <email>'")
    if opts.send_email:
        missing = [s.name for s in opts.signers if not s.email]
        if missing:
            raise UsageError(
                f"--send-email needs an email for every signer; missing for {missing[0]!r}"
            )
    if opts.reminder_days is not None:
        if opts.reminder_days < 1:
            raise UsageError("--reminder-days must be at least 1")
        emailed = opts.send_email or any(
            o.get("send_automatic_email") or o.get("send_automatic_whatsapp")
            for o in opts.signer_objects
        )
        if not emailed:
            # "only to be filled when send_automatic_whatsapp or send_automatic_email is
            # true" (Criar documento via modelo): reminders go the way the link went.
            raise UsageError(
                "--reminder-days needs --send-email: ZapSign reminds by the channel that "
                "sent the link"
            )


def _common_fields(opts: CreateRequestOptions) -> dict[str, Any]:
    body: dict[str, Any] = {}
    lang = _lang(opts.lang)
    if lang:
        body["lang"] = lang  # else ZapSign's own default (pt-br) applies
    if opts.external_id:
        body["external_id"] = opts.external_id
    if opts.folder is not None:
        body["folder_path"] = folder_path(opts.folder)
    if opts.reminder_days is not None:
        body["reminder_every_n_days"] = opts.reminder_days
    return body


def _upload_body(opts: CreateRequestOptions) -> dict[str, Any]:
    """Criar documento (§7.1): one file source, the document fields, the signers."""
    if bool(opts.file_path) == bool(opts.url):
        raise UsageError("give the FILE to sign or --url URL (one of them)")
    redirect = http_url(opts.redirect_url, "--redirect-url") if opts.redirect_url else None
    body: dict[str, Any] = {}
    if opts.url:
        url = http_url(opts.url, "--url")
        # A .docx by URL is converted by ZapSign (url_docx); anything else is a PDF URL.
        is_docx = urlsplit(url).path.lower().endswith(".docx")
        body["url_docx" if is_docx else "url_pdf"] = url
        default_name = urlsplit(url).path.rsplit("/", 1)[-1] or "document"
    else:
        assert opts.file_path is not None
        from esign.core.files.local import read_document

        local = read_document(opts.file_path, max_bytes=MAX_DOCUMENT_BYTES, allow_office=True)
        if local.kind not in ("pdf", "docx"):
            raise UsageError(
                f"{opts.file_path}: ZapSign converts .docx files only, not .{local.kind}",
                hint="save it as PDF or .docx",
            )
        # Raw base64: ZapSign refuses a `data:application/pdf;base64,` prefix.
        encoded = base64.b64encode(local.content).decode("ascii")
        body["base64_docx" if local.kind == "docx" else "base64_pdf"] = encoded
        default_name = local.path.stem
    body["name"] = (opts.name or default_name)[:255]
    if opts.signer_objects:
        if redirect or opts.send_email:
            raise UsageError(
                "with --signers, each signer object says it: redirect_link, send_automatic_email",
                hint="drop --redirect-url and --send-email",
            )
        body["signers"] = checked_signer_objects(opts.signer_objects)
    else:
        body["signers"] = [
            create_signer(
                spec,
                send_email=bool(opts.send_email),
                redirect=redirect,
                position=position if opts.ordered else None,
            )
            for position, spec in enumerate(opts.signers, start=1)
        ]
    if opts.ordered:
        body["signature_order_active"] = True
    elif any("order_group" in s for s in body["signers"]):
        raise UsageError(
            "a signer order (--signer-order, order_group) needs --order",
            hint="--order makes them sign one after the other",
        )
    if opts.expires_at:
        body["date_limit_to_sign"] = iso_utc(opts.expires_at)
    body.update(_common_fields(opts))
    return body


def _template_body(opts: CreateRequestOptions) -> dict[str, Any]:
    """Criar documento via modelo: the template, its variables as `{de, para}` pairs, and
    one signer by `signer_*` fields (the page names no document name, deadline, redirect,
    order or authentication mode: those are refused rather than dropped)."""
    if opts.file_path or opts.url:
        raise UsageError("--template creates the document from the template: drop FILE/--url")
    if opts.signer_objects:
        raise UsageError(
            "a template takes one signer given with --signer", hint=TEMPLATE_SIGNER_HINT
        )
    if len(opts.signers) != 1:
        raise UsageError(
            f"ZapSign's template create takes exactly one signer, not {len(opts.signers)}",
            hint=TEMPLATE_SIGNER_HINT,
        )
    unused = {
        "--name": opts.name,
        "--expires-at": opts.expires_at,
        "--redirect-url": opts.redirect_url,
        "--order": opts.ordered,
    }
    from esign.providers.options import refuse_given

    refuse_given(
        unused,
        "ZapSign's template create",
        hint="change the request after with `esign request update` (name, deadline, redirect)",
    )
    spec = opts.signers[0]
    if spec.auth_mode or spec.order is not None:
        raise UsageError(
            "ZapSign's template create takes no signer authentication mode or order",
            hint="set them after with `esign signer update SIGNER_ID`",
        )
    template_id = opts.template_id or ""
    encode_segment(template_id, "template ID")  # refuses an empty ID, as every command
    body: dict[str, Any] = {
        "template_id": template_id,
        "signer_name": spec.name,
        "data": [{"de": _variable(key), "para": value} for key, value in opts.template_data],
        "send_automatic_email": bool(opts.send_email),
    }
    if spec.email:
        body["signer_email"] = spec.email
    if spec.phone:
        body["signer_phone_country"] = spec.phone.country
        body["signer_phone_number"] = spec.phone.number
    body.update(_common_fields(opts))
    return body


def _variable(key: str) -> str:
    """A template variable as ZapSign writes it, `{{NOME COMPLETO}}`."""
    name = key.strip()
    if name.startswith("{{") and name.endswith("}}"):
        return name
    return "{{" + name + "}}"


def _lang(value: str | None) -> str | None:
    if value is None:
        return None
    lang = value.strip().lower()
    if lang not in LANGUAGES:
        raise InvalidChoiceError("--lang", value, LANGUAGES, where="ZapSign's languages")
    return lang


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        raise MalformedResponseError("ZapSign's answer is not JSON") from None
    if not isinstance(data, dict):
        raise MalformedResponseError("ZapSign's answer is not an object")
    return data
