"""ZapSign API v1 client; see shared/providers/zapsign.md.

Wire field names (`base64_pdf`, `signers`, `date_limit_to_sign`, `signed_file`, ...) live only
in this module. Where the spec is unsure, both forms are accepted (noted at each place).
"""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from esign.core.errors import (
    AuthError,
    EsignError,
    MalformedResponseError,
    NotFoundError,
    RateLimitedError,
    RejectedError,
    UsageError,
    error_for_status,
)
from esign.core.http import encode_segment
from esign.core.models import (
    Attachment,
    Document,
    DocumentFiles,
    DocumentStatus,
    Outcome,
    PresignedUrl,
    SignatureRequest,
    Signer,
    SignerStatus,
    iso_utc,
    parse_iso,
)
from esign.core.presigned import presigned_expiry, storage_refusal
from esign.core.redact import excerpt, shorten
from esign.providers.base import Provider

if TYPE_CHECKING:
    import httpx

    from esign.core.download import DownloadSource
    from esign.providers.options import (
        CreateRequestOptions,
        FileChoice,
        ListOptions,
        UpdateRequestOptions,
        UploadOptions,
    )

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024  # the documented limit for url_pdf; same for base64
PAGE_SIZE = 25
# pt-br, es, en on every page (Criar documento); fr only on the newest English page (gap 16).
LANGUAGES = ("pt-br", "es", "en", "fr")
PRESIGNED_LIFETIME = timedelta(minutes=60)

# English API values and the Portuguese internal ones some payloads carry (gap 3).
DOCUMENT_STATUS: dict[str, DocumentStatus] = {
    "pending": "pending",
    "em-curso": "pending",
    "signed": "signed",
    "assinado": "signed",
    "refused": "refused",
    "recusado": "refused",
    "expired": "expired",
}
# Detail/create enum, its Portuguese twin, and the list endpoint's "stable enum" (gap 4).
SIGNER_STATUS: dict[str, SignerStatus] = {
    "new": "pending",
    "novo": "pending",
    "nao_abriu": "pending",
    "link-opened": "viewed",
    "abriu-link": "viewed",
    "abriu": "viewed",
    "signed": "signed",
    "assinou": "signed",
    "refused": "refused",
    "recusou": "refused",
}
LIST_FILTERS = ("pending", "signed", "refused")
ERROR_TEXT_KEYS = ("detail", "error", "message", "code", "error_code", "non_field_errors", "data")
# 403s that refuse an action on the document, not the credential (Cancelar documentos,
# Reprovar pelo usuário, Adicionar anexo via modelo): exit 6, with no token hint.
BUSINESS_403_CODES = frozenset(
    {"document_already_signed", "document_already_refused", "refuse_not_allowed"}
)
# What a 403 about the token, its environment or its permissions says (Status de erros:
# "check that the API token matches the environment"; DRF's permission and credential texts,
# in Portuguese and English; the bulk endpoint's `permission_denied`).
CREDENTIAL_403 = re.compile(
    r"permiss|credencia|credential|token|autentica|authenticat|api key",
    re.IGNORECASE,
)
CREDENTIAL_403_CODES = frozenset(
    {"permission_denied", "not_authenticated", "authentication_failed", "token_not_valid"}
)


class ZapSign(Provider):
    name = "zapsign"
    title = "ZapSign"
    default_base_url = "https://api.zapsign.com.br/api/v1"

    # -- transport ------------------------------------------------------------------------

    def authenticate(self, request: httpx.Request) -> None:
        request.headers["Authorization"] = f"Bearer {self.require_secret().reveal()}"

    def _url(self, *segments: str) -> str:
        # Django-style paths keep their trailing slash.
        return self.http.url(*segments) + "/"

    def _call(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        params: dict[str, str] | None = None,
        allow_empty: bool = False,
    ) -> tuple[Any, httpx.Response]:
        self.require_secret()
        response = self.http.request(method, url, json=json, params=params)
        if response.status_code >= 400:
            raise self.error_from_response(response)
        if allow_empty and not response.content.strip():
            return None, response
        try:
            return response.json(), response
        except ValueError:
            raise MalformedResponseError(
                f"ZapSign answered {response.status_code} with a body that is not JSON",
                http_status=response.status_code,
                provider=self.name,
            ) from None

    def error_from_response(self, response: httpx.Response) -> EsignError:
        refused = storage_refusal(response, self.name)
        if refused is not None:  # a presigned file URL (S3), not the API
            return refused
        status = response.status_code
        provider_message = _error_text(response)
        detail = f": {provider_message}" if provider_message else ""

        error = self.error_maker(status, provider_message)

        if status == 401:
            return error(
                AuthError,
                f"ZapSign rejected the API token (401){detail}",
                "check ESIGN_API_KEY or the profile's stored token",
            )
        if status == 402:
            return error(
                RejectedError,
                f"ZapSign requires payment (402){detail}",
                "the account has no API plan or no credits left; the sandbox host "
                "(https://sandbox.api.zapsign.com.br/api/v1) is free",
            )
        if status == 403 and not _about_the_credential(response, provider_message):
            return error(RejectedError, f"ZapSign refused the action (403){detail}")
        if status == 403:
            return error(
                AuthError,
                f"ZapSign refused access (403){detail}",
                "a production token does not work on the sandbox host and vice versa; "
                "check the token's permissions",
            )
        if status == 404:
            return error(NotFoundError, f"ZapSign: not found (404){detail}")
        if status == 429:
            return error(
                RateLimitedError,
                f"ZapSign rate limit reached (429){detail}",
                "ZapSign allows 500 requests a minute; wait for the next minute",
            )
        return error_for_status(
            status,
            f"ZapSign answered HTTP {status}{detail}",
            provider=self.name,
            provider_message=provider_message,
        )

    # -- documents as signature requests (spec 7.1, 7.4, 7.5) -------------------------------

    def create_request(self, opts: CreateRequestOptions) -> Outcome:
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
        from esign.core.files import read_document

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
        document = self._document(data)
        return Outcome(_as_request(document), raw=data)

    def update_request(self, request_id: str, opts: UpdateRequestOptions) -> Outcome:
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
        return Outcome(_as_request(document), raw=None)

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
                updated.append(self._signer(data))
        return updated

    def delete_request(self, request_id: str) -> Outcome:
        return self.delete_document(request_id)

    # -- documents (spec 7.2, 7.3, 7.4, 7.5) ------------------------------------------------

    def get_document(self, document_id: str) -> Outcome:
        data = self._detail(document_id)
        parent = data.get("parent_doc_token")
        if parent and not data.get("status"):
            # An extra document's short form (Detalhar documento) has no status: it is signed
            # with its envelope, so the main document's status is its status.
            main = self._document(self._detail(str(parent)))
            return Outcome(self._extra_document(data, main), raw=data)
        return Outcome(self._document(data), raw=data)

    def _detail(self, document_id: str) -> dict[str, Any]:
        data, _ = self._call("GET", self._url("docs", encode_segment(document_id, "document ID")))
        if not isinstance(data, dict) or not data.get("token"):
            raise MalformedResponseError("ZapSign's answer is not a document (no token)")
        return data

    def list_documents(self, opts: ListOptions) -> Outcome:
        if opts.collection:
            raise UsageError("ZapSign has no collections; drop --collection")
        params: dict[str, str] = {}
        if opts.status:
            if opts.status not in LIST_FILTERS:
                raise UsageError(
                    f"ZapSign filters by {', '.join(LIST_FILTERS)} only, not {opts.status!r}"
                )
            params["status"] = opts.status
        # Active documents unless --deleted; the list items carry no `deleted` field, so the
        # filter asked for is what says whether they are deleted.
        params["deleted"] = "true" if opts.deleted else "false"
        documents: list[Document] = []
        raw: list[Any] = []
        notes: list[str] = []
        page = 1
        seen_next: set[str] = set()
        while True:
            data, _ = self._call("GET", self._url("docs"), params={**params, "page": str(page)})
            items, next_page = _page(data)
            raw.extend(items)
            documents.extend(
                self._document(item, deleted=opts.deleted)
                for item in items
                if isinstance(item, dict)
            )
            if opts.limit is not None and len(documents) >= opts.limit:
                documents, raw = documents[: opts.limit], raw[: opts.limit]
                break
            # An empty page, or a `next` already followed (a cached or replayed page), ends
            # the list: never loop.
            if not next_page or not items or next_page in seen_next:
                break
            seen_next.add(next_page)
            if not (opts.all_pages or opts.limit is not None):
                notes.append(
                    f"showing the first {len(documents)} documents; "
                    "use --all for every page, or --limit N"
                )
                break
            page += 1
        return Outcome(documents, raw=raw, notes=notes)

    def update_document(self, document_id: str, opts: UploadOptions) -> Outcome:
        if opts.description or opts.tags or opts.url or opts.file_path or opts.doc_type:
            raise UsageError("ZapSign can change only a document's --name")
        if not opts.name:
            raise UsageError("nothing to update", hint="give --name")
        self._put(document_id, {"name": opts.name[:255]})
        return self.get_document(document_id)

    def upload_document(self, opts: UploadOptions) -> Outcome:
        raise self.unsupported(
            "upload without signers",
            instead="use `esign request create FILE --signer 'Name <email>'`",
        )

    def delete_document(self, document_id: str) -> Outcome:
        # Soft delete: the answer is the document with deleted: true; some clients have seen
        # an empty 200 body (gap 9), in which case we read the document back.
        url = self._url("docs", encode_segment(document_id, "document ID"))
        data, _ = self._call("DELETE", url, allow_empty=True)
        if not isinstance(data, dict) or "token" not in data:
            return self.get_document(document_id)
        return Outcome(self._document(data), raw=data)

    def download_source(self, document_id: str, choice: FileChoice) -> DownloadSource:
        url, _ = self._file_url(document_id, choice)
        # A presigned S3 URL: it must never carry our token.
        from esign.core.download import DownloadSource

        return DownloadSource(
            url=url, document_id=choice.attachment or document_id, authenticated=False
        )

    def presign(self, document_id: str, choice: FileChoice) -> Outcome:
        url, response = self._file_url(document_id, choice)
        expires = presigned_expiry(url) or _response_time(response) + PRESIGNED_LIFETIME
        return Outcome(PresignedUrl(url=url, expires_at=iso_utc(expires)), raw=None)

    def not_signed(self, document: Document) -> EsignError:
        what = f"ZapSign document {document.id}"
        if document.status == "pending":
            waiting = [s for s in document.signers if s.status != "signed"]
            names = ", ".join(s.name or s.email or s.id or "?" for s in waiting) or "unknown"
            return RejectedError(
                f"{what} is pending: still to sign: {names}",
                hint=f"wait with `esign doc wait {document.id}`; --any-state gives the file "
                "as signed so far",
                provider=self.name,
            )
        if document.status == "refused":
            reason = f" ({document.rejected_reason})" if document.rejected_reason else ""
            return RejectedError(
                f"{what} was refused{reason}: it will not be signed, and its PDF carries the "
                "rejected-document watermark",
                hint="--any-state downloads that PDF, --original the unsigned one",
                provider=self.name,
            )
        return super().not_signed(document)

    # -- mapping --------------------------------------------------------------------------

    def _put(self, document_id: str, body: dict[str, Any]) -> None:
        self._call("PUT", self._url("docs", encode_segment(document_id, "document ID")), json=body)

    def _file_url(self, document_id: str, choice: FileChoice) -> tuple[str, httpx.Response]:
        """The presigned URL of the file asked for. `signed_file` is filled from the first
        signature on (doc_signed fires per signer) and a cancelled document's PDF carries a
        "rejected" watermark (Cancelar documentos): only `status: signed` makes it the signed
        document, unless the user asked for the current file."""
        url = self._url("docs", encode_segment(document_id, "document ID"))
        data, response = self._call("GET", url)
        if not isinstance(data, dict) or not data.get("token"):
            raise MalformedResponseError("ZapSign's answer is not a document (no token)")
        files: dict[str, Any] = data
        if data.get("parent_doc_token") and not data.get("status"):
            # An extra document by its own token: its envelope's status decides.
            main = self._detail(str(data["parent_doc_token"]))
            document = self._extra_document(data, self._document(main))
        else:
            document = self._document(data)
        if choice.attachment:
            files = self._attachment(data, choice.attachment, document_id)
        if choice.original:
            file_url = files.get("original_file")
            if not file_url:
                raise MalformedResponseError("ZapSign's document has no original_file URL")
            return str(file_url), response
        if not choice.any_state and document.status != "signed":
            raise self.not_signed(document)
        file_url = files.get("signed_file") or (
            files.get("original_file") if choice.any_state else None
        )
        if not file_url:
            raise MalformedResponseError(
                f"ZapSign says document {document_id} is signed but gives no signed_file URL"
            )
        return str(file_url), response

    def _attachment(
        self, data: dict[str, Any], attachment: str, document_id: str
    ) -> dict[str, Any]:
        for extra in data.get("extra_docs") or []:
            if isinstance(extra, dict) and extra.get("token") == attachment:
                return extra
        raise NotFoundError(
            f"ZapSign document {document_id} has no attachment {attachment}",
            hint=f"its attachments are listed by `esign doc info {document_id}`",
            provider=self.name,
        )

    def _document(self, data: dict[str, Any], *, deleted: bool = False) -> Document:
        token = str(data.get("token") or "")
        raw_status = str(data.get("status") or "")
        parent = data.get("parent_doc_token")
        deleted = bool(data.get("deleted", deleted)) or raw_status == "lixeira"
        status: DocumentStatus = DOCUMENT_STATUS.get(raw_status.lower(), "unknown")
        signers = [self._signer(s) for s in data.get("signers") or [] if isinstance(s, dict)]
        return Document(
            provider=self.name,
            id=token,
            name=data.get("name"),
            status=status,
            provider_status=raw_status or None,
            created_at=iso_utc(parse_iso(data.get("created_at"))),
            updated_at=iso_utc(parse_iso(data.get("last_update_at"))),
            signers=signers,
            files=DocumentFiles(
                original=data.get("original_file") or None,
                signed=data.get("signed_file") or None,
            ),
            deleted=deleted,
            parent_id=str(parent) if parent else None,
            external_id=data.get("external_id") or None,
            rejected_reason=data.get("rejected_reason") or None,
            lang=data.get("lang") or None,
            attachments=[
                Attachment(
                    id=str(extra.get("token") or ""),
                    name=extra.get("name"),
                    files=DocumentFiles(
                        original=extra.get("original_file") or None,
                        signed=extra.get("signed_file") or None,
                    ),
                )
                for extra in data.get("extra_docs") or []
                if isinstance(extra, dict)
            ],
        )

    def _extra_document(self, data: dict[str, Any], main: Document) -> Document:
        """An extra document (short form) with its envelope's status and signers."""
        document = self._document(data)
        document.status = main.status
        document.provider_status = main.provider_status
        document.signers = main.signers
        document.deleted = main.deleted
        document.rejected_reason = main.rejected_reason
        document.lang = main.lang
        return document

    def _signer(self, data: dict[str, Any]) -> Signer:
        raw_status = str(data.get("status") or "")
        return Signer(
            id=data.get("token"),
            name=data.get("name") or None,
            email=data.get("email") or None,
            status=SIGNER_STATUS.get(raw_status.lower(), "unknown"),
            signed_at=iso_utc(parse_iso(data.get("signed_at"))),
            # The list endpoint's signer block says signing_url (gap 4).
            sign_url=data.get("sign_url") or data.get("signing_url") or None,
        )


def _as_request(document: Document) -> SignatureRequest:
    urls = [s.sign_url for s in document.signers if s.sign_url]
    return SignatureRequest(
        provider=document.provider,
        request_id=document.id,
        document_id=document.id,
        status=document.status,
        sign_url=urls[0] if len(urls) == 1 else None,
        sign_urls=urls,
        signers=document.signers,
    )


def _page(data: Any) -> tuple[list[Any], str | None]:
    """A DRF page `{count, next, previous, results}` or, in older docs, a bare array (gap 1);
    with the page's `next` link, if any."""
    if isinstance(data, list):
        return data, None
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        next_page = data.get("next")
        return data["results"], str(next_page) if next_page else None
    raise MalformedResponseError("ZapSign's document list is neither a page nor an array")


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


def _about_the_credential(response: httpx.Response, text: str | None) -> bool:
    """Whether a 403 is about the token (exit 4) rather than the action (exit 6)."""
    codes = set()
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        codes = {str(body.get(k)) for k in ("code", "error_code") if body.get(k)}
    if codes & BUSINESS_403_CODES:
        return False
    if codes & CREDENTIAL_403_CODES:
        return True
    # A bare 403 is what the status page describes: a token of the other environment.
    return not text or bool(CREDENTIAL_403.search(text))


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        raise MalformedResponseError("ZapSign's answer is not JSON") from None
    if not isinstance(data, dict):
        raise MalformedResponseError("ZapSign's answer is not an object")
    return data


def _error_text(response: httpx.Response) -> str | None:
    """Whichever of ZapSign's many error shapes the body has (spec §5, gap 6)."""
    try:
        body = response.json()
    except ValueError:
        return excerpt(response.text)
    if isinstance(body, str):
        return shorten(body, 200) or None
    if not isinstance(body, dict):
        return None
    parts = []
    for key in ERROR_TEXT_KEYS:
        value = body.get(key)
        if value in (None, "", [], {}):
            continue
        parts.append(_flatten(value))
    return shorten("; ".join(parts), 300) or None


def _flatten(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_flatten(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_flatten(v) for v in value)
    return str(value)


def _response_time(response: httpx.Response) -> datetime:
    from email.utils import parsedate_to_datetime

    header = response.headers.get("date")
    if header:
        try:
            return parsedate_to_datetime(header).astimezone(UTC)
        except (TypeError, ValueError):
            pass
    return datetime.now(UTC)
