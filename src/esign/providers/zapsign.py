"""ZapSign API v1 client; see shared/providers/zapsign.md.

Wire field names (`base64_pdf`, `signers`, `date_limit_to_sign`, `signed_file`, ...) live only
in this module. Where the spec is unsure, both forms are accepted (noted at each place).
"""

from __future__ import annotations

import base64
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
from esign.core.presigned import presigned_expiry
from esign.core.redact import excerpt, shorten
from esign.providers.base import Provider

if TYPE_CHECKING:
    import httpx

    from esign.core.download import DownloadSource
    from esign.providers.options import (
        CreateRequestOptions,
        ListOptions,
        UpdateRequestOptions,
        UploadOptions,
    )

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024  # the documented limit for url_pdf; same for base64
PAGE_SIZE = 25
LANGUAGES = ("pt-br", "es", "en", "fr")  # fr only on the newest English page (gap 16)
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
        if opts.redirect_url or opts.callback_url or opts.request_id:
            raise UsageError(
                "ZapSign takes no --redirect-url, --callback-url or --request-id",
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
        lang = (opts.lang or "pt-br").lower()
        if lang not in LANGUAGES:
            raise UsageError(f"--lang must be one of {', '.join(LANGUAGES)}, not {opts.lang!r}")
        from esign.core.files import read_document

        local = read_document(opts.file_path, max_bytes=MAX_DOCUMENT_BYTES)
        body: dict[str, Any] = {
            "name": (opts.name or local.path.stem)[:255],
            # Raw base64: ZapSign refuses a `data:application/pdf;base64,` prefix.
            "base64_pdf": base64.b64encode(local.content).decode("ascii"),
            "lang": lang,
            "signers": [
                {
                    "name": s.name,
                    # Strings are never sent as null (ZapSign's general rules).
                    "email": s.email or "",
                    "send_automatic_email": bool(opts.send_email),
                }
                for s in opts.signers
            ],
        }
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
        if opts.redirect_url or opts.callback_url:
            raise UsageError("ZapSign can change only --name and --expires-at")
        if opts.name is None and opts.expires_at is None:
            raise UsageError("nothing to update", hint="give --name or --expires-at")
        body: dict[str, Any] = {}
        if opts.name is not None:
            body["name"] = opts.name[:255]
        if opts.expires_at is not None:
            # The update page documents a plain date (YYYY-MM-DD), unlike create.
            body["date_limit_to_sign"] = opts.expires_at.date().isoformat()
        self._put(request_id, body)
        document = self.get_document(request_id).model
        assert isinstance(document, Document)
        return Outcome(_as_request(document), raw=None)

    def delete_request(self, request_id: str) -> Outcome:
        return self.delete_document(request_id)

    # -- documents (spec 7.2, 7.3, 7.4, 7.5) ------------------------------------------------

    def get_document(self, document_id: str) -> Outcome:
        data, _ = self._call("GET", self._url("docs", encode_segment(document_id, "document ID")))
        if not isinstance(data, dict) or not data.get("token"):
            raise MalformedResponseError("ZapSign's answer is not a document (no token)")
        return Outcome(self._document(data), raw=data)

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
        documents: list[Document] = []
        raw: list[Any] = []
        notes: list[str] = []
        page = 1
        while True:
            data, _ = self._call("GET", self._url("docs"), params={**params, "page": str(page)})
            items, has_next = _page(data)
            raw.extend(items)
            documents.extend(self._document(item) for item in items if isinstance(item, dict))
            if opts.limit is not None and len(documents) >= opts.limit:
                documents, raw = documents[: opts.limit], raw[: opts.limit]
                break
            if not has_next:
                break
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

    def download_source(self, document_id: str, *, original: bool) -> DownloadSource:
        url, _ = self._file_url(document_id, original=original)
        # A presigned S3 URL: it must never carry our token.
        from esign.core.download import DownloadSource

        return DownloadSource(url=url, document_id=document_id, authenticated=False)

    def presign(self, document_id: str, *, original: bool) -> Outcome:
        url, response = self._file_url(document_id, original=original)
        expires = presigned_expiry(url) or _response_time(response) + PRESIGNED_LIFETIME
        return Outcome(PresignedUrl(url=url, expires_at=iso_utc(expires)), raw=None)

    # -- mapping --------------------------------------------------------------------------

    def _put(self, document_id: str, body: dict[str, Any]) -> None:
        self._call("PUT", self._url("docs", encode_segment(document_id, "document ID")), json=body)

    def _file_url(self, document_id: str, *, original: bool) -> tuple[str, httpx.Response]:
        url = self._url("docs", encode_segment(document_id, "document ID"))
        data, response = self._call("GET", url)
        if not isinstance(data, dict):
            raise MalformedResponseError("ZapSign document detail is not an object")
        key = "original_file" if original else "signed_file"
        file_url = data.get(key)
        if not file_url:
            if original:
                raise MalformedResponseError("ZapSign's document has no original_file URL")
            raise RejectedError(
                f"ZapSign document {document_id} is not signed yet",
                hint="add --original for the unsigned file, or `esign doc wait` for signatures",
                provider=self.name,
            )
        return str(file_url), response

    def _document(self, data: dict[str, Any]) -> Document:
        token = str(data.get("token") or "")
        raw_status = str(data.get("status") or "")
        parent = data.get("parent_doc_token")
        deleted = bool(data.get("deleted")) or raw_status == "lixeira"
        if parent is not None and not raw_status:
            # An extra document's short form carries no status (spec 7.2): a signed file is
            # the only evidence of its state.
            status: DocumentStatus = "signed" if data.get("signed_file") else "unknown"
        else:
            status = DOCUMENT_STATUS.get(raw_status.lower(), "unknown")
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
        )

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


def _page(data: Any) -> tuple[list[Any], bool]:
    """A DRF page `{count, next, previous, results}` or, in older docs, a bare array (gap 1)."""
    if isinstance(data, list):
        return data, False
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        return data["results"], bool(data.get("next"))
    raise MalformedResponseError("ZapSign's document list is neither a page nor an array")


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
