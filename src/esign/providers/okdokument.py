"""OKdokument (Signatus / ANASOFT) API client; see shared/providers/okdokument.md.

Wire field names (`filedata`, `resulturl`, `sendInfoURL`, `changeState`, ...) live only in
this module. Where the spec is unsure, both forms are accepted (noted at each place).
"""

from __future__ import annotations

import base64
import re
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from esign.core import bratislava
from esign.core.errors import (
    AuthError,
    EsignError,
    MalformedResponseError,
    NotFoundError,
    RejectedError,
    UsageError,
    error_for_status,
)
from esign.core.http import encode_segment
from esign.core.models import (
    Deletion,
    Document,
    DocumentFiles,
    DocumentStatus,
    Outcome,
    SignatureRequest,
    from_epoch_ms,
    iso_utc,
)
from esign.core.redact import excerpt
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

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024  # spec §3.5; we count decoded bytes (gap 20)
# The spec's `modification` is server-local time; the examples are Bratislava time (§3.4),
# converted by esign.core.bratislava.

STATUS_FROM_STATE: dict[str, DocumentStatus] = {
    "tags": "processing",
    "tostamp": "processing",
    "preprocessing_tags": "processing",
    "tosign": "pending",
    "signed": "signed",
    "canceled": "canceled",
    "cancelled": "canceled",
    # "error while calling info service" (1.6): the signer pressed Submit or Cancel, then the
    # sendInfo callback to the portal failed (6.5). The state replaced signed/canceled, so
    # OKdokument no longer says which: neither "signed" nor "will not be signed" is known.
    "errorsendinfo": "error",
}
NOT_FOUND_KEYS = frozenset({"err.not.found", "err.signature.request.not.exist"})
UPLOAD_STATES = ("tosign", "tags")
ERROR_SEND_INFO = "errorsendinfo"
# What the current file is, by state: before anything is signed it is the uploaded original.
UNSIGNED_STATES = frozenset({"tags", "tostamp", "preprocessing_tags", "tosign", "canceled"})
# A plausible language tag for the `lang` rule: the supported list (1.2) is not available.
LANG_TAG = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")


class OKdokument(Provider):
    name = "okdokument"
    title = "OKdokument"
    default_base_url = "https://api.okdokument.com/JSON"

    # -- transport ------------------------------------------------------------------------

    def authenticate(self, request: httpx.Request) -> None:
        request.headers["x-api-key"] = self.require_secret().reveal()

    def _call(
        self,
        method: str,
        *path: str,
        json: Any = None,
        params: dict[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> Any:
        self.require_secret()
        response = self.http.request(
            method, self.http.url(*path), json=json, params=params, idempotent=idempotent
        )
        if response.status_code >= 400:
            raise self.error_from_response(response)
        try:
            return response.json()
        except ValueError:
            raise MalformedResponseError(
                f"OKdokument answered {response.status_code} with a body that is not JSON",
                http_status=response.status_code,
                provider=self.name,
            ) from None

    def error_from_response(self, response: httpx.Response) -> EsignError:
        status = response.status_code
        key, value = _error_fields(response)
        provider_message = f"{key} ({value})" if key and value and value not in key else key
        said = f": {provider_message}" if provider_message else ""

        error = self.error_maker(status, provider_message)

        if key in NOT_FOUND_KEYS:
            what = "signature request" if "signature.request" in key else "document"
            subject = f"{what} {value}" if value else what
            return error(NotFoundError, f"OKdokument: {subject} not found [{key}]")
        if status == 400 and _request_method(response) == "PATCH":
            # Update signature request (6.11) answers an unknown ID with 400 and a free-text
            # message, "View ID does not exist: <id>": a 400 there is "not found".
            subject = f"signature request {value}" if value else "signature request"
            return error(NotFoundError, f"OKdokument: {subject} not found (400{said})")
        if status == 401:
            return error(
                AuthError,
                f"OKdokument rejected the API key (401){said}",
                "check ESIGN_API_KEY or the profile's stored key",
            )
        if status == 403:
            return error(
                AuthError,
                f"the OKdokument API key lacks permission for this operation (403){said}",
                "ask the account owner to activate the API for this key",
            )
        if status == 409:
            return error(
                RejectedError,
                "OKdokument refused the request: that signature request ID already exists "
                f"(409){said}",
                "each round needs a new --request-id",
            )
        detail = f": {provider_message}" if provider_message else ""
        return error_for_status(
            status,
            f"OKdokument answered HTTP {status}{detail}",
            provider=self.name,
            provider_message=provider_message,
        )

    # -- signature requests (spec 6.1, 6.11, 6.12) ------------------------------------------

    def create_request(self, opts: CreateRequestOptions) -> Outcome:
        if bool(opts.file_path) == bool(opts.document_id):
            raise UsageError("give either a FILE to upload or --document ID, not both or neither")
        _refuse_unused_create_flags(opts)
        body: dict[str, Any] = {}
        if opts.request_id:
            body["signatureRequestId"] = _uuid(opts.request_id)
        if opts.expires_at:
            # Epoch milliseconds as a JSON string, as every example sends it (§3.4).
            body["expirationTime"] = str(int(opts.expires_at.timestamp() * 1000))
        if opts.redirect_url:
            body["resulturl"] = _http_url(opts.redirect_url, "--redirect-url")
        if opts.callback_url:
            body["sendInfoURL"] = _http_url(opts.callback_url, "--callback-url")
        if opts.lang:
            # The `lang` rule: signing page and email language (Rules page, 5.9). The object
            # form of `rules` is the new pages'; the sandbox also reads the old string form.
            body["rules"] = {"lang": _lang(opts.lang)}
        if opts.document_id:
            encode_segment(opts.document_id, "document ID")
            body["id"] = opts.document_id
            body["changeState"] = "tosign"
        else:
            assert opts.file_path is not None
            from esign.core.files import read_document

            local = read_document(opts.file_path, max_bytes=MAX_DOCUMENT_BYTES, allow_office=True)
            body["filedata"] = {
                "content": base64.b64encode(local.content).decode("ascii"),
                "filename": _display_name(opts.name, local.name, local.kind),
            }
        # A create is never re-sent once it may have reached the server: a second one would
        # consume a second signature-request credit.
        data = self._call("POST", "signatureRequest", json=body, idempotent=False)
        request_id = _require(data, "result")
        sign_url = self._sign_url(data.get("url"), request_id)
        # The answer carries no state (6.1): status is left out, not guessed; `doc info`
        # reads it.
        return Outcome(
            SignatureRequest(
                provider=self.name,
                request_id=request_id,
                document_id=data.get("documentId") or opts.document_id,
                sign_url=sign_url,
                sign_urls=[sign_url],
            ),
            raw=data,
        )

    def update_request(self, request_id: str, opts: UpdateRequestOptions) -> Outcome:
        if opts.name is not None or opts.expires_at is not None:
            raise UsageError("OKdokument can change only --redirect-url and --callback-url")
        if opts.redirect_url is None and opts.callback_url is None:
            raise UsageError("nothing to update", hint="give --redirect-url or --callback-url")
        encode_segment(request_id, "signature request ID")
        body: dict[str, Any] = {"signatureRequestId": request_id}
        if opts.redirect_url is not None:
            body["resulturl"] = _http_url(opts.redirect_url, "--redirect-url")
        if opts.callback_url is not None:
            # The example bodies spell it sendInfoURL, the field table sendInfoUrl (gap 1);
            # the sandbox and, by every example, the real API accept sendInfoURL.
            body["sendInfoURL"] = _http_url(opts.callback_url, "--callback-url")
        # PATCH only sets fields, so repeating it is safe (DESIGN §6).
        data = self._call("PATCH", "signatureRequest", json=body, idempotent=True)
        result = data.get("result") or request_id
        sign_url = self._sign_url(data.get("url"), result)
        # The answer names neither the document nor a state (6.11), and no endpoint reads a
        # signature request back: both are left out rather than invented.
        return Outcome(
            SignatureRequest(
                provider=self.name,
                request_id=result,
                sign_url=sign_url,
                sign_urls=[sign_url],
            ),
            raw=data,
        )

    def delete_request(self, request_id: str) -> Outcome:
        data = self._call(
            "DELETE", "signatureRequest", encode_segment(request_id, "signature request ID")
        )
        return Outcome(
            Deletion(provider=self.name, id=data.get("result") or request_id, kind="request"),
            raw=data,
        )

    # -- documents (spec 6.3, 6.7-6.10) -----------------------------------------------------

    def upload_document(self, opts: UploadOptions) -> Outcome:
        if opts.url or opts.collection or opts.tags or opts.description or opts.doc_type:
            raise UsageError("OKdokument uploads take only FILE, --name and --state")
        if not opts.file_path:
            raise UsageError("give the FILE to upload")
        state = opts.state or "tosign"
        if state not in UPLOAD_STATES:
            raise UsageError(f"--state must be one of {', '.join(UPLOAD_STATES)}, not {state!r}")
        from esign.core.files import read_document

        local = read_document(opts.file_path, max_bytes=MAX_DOCUMENT_BYTES, allow_office=True)
        filename = _display_name(opts.name, local.name, local.kind)
        body = {
            "filename": filename,
            "state": state,
            "file": {"content": base64.b64encode(local.content).decode("ascii")},
        }
        data = self._call("POST", "document", json=body, idempotent=False)
        document_id = _require(data, "result")
        return Outcome(
            Document(
                provider=self.name,
                id=document_id,
                name=filename,
                status=STATUS_FROM_STATE.get(state, "unknown"),
                provider_status=state,
                files=DocumentFiles(original=self._file_url(document_id)),
            ),
            raw=data,
        )

    def get_document(self, document_id: str) -> Outcome:
        data = self._metadata(document_id)
        document = self._document(data, fallback_id=document_id)
        notes = []
        if document.provider_status == ERROR_SEND_INFO:
            hint = _ERROR_SEND_INFO_HINT.replace("ID", document.id)
            notes.append(f"note: {ERROR_SEND_INFO}: {_ERROR_SEND_INFO_TEXT}; {hint}")
        return Outcome(document, raw=data, notes=notes)

    def _metadata(self, document_id: str) -> dict[str, Any]:
        data = self._call("GET", "document", "metadata", encode_segment(document_id, "document ID"))
        if not isinstance(data, dict) or not (data.get("id") or data.get("filename")):
            raise MalformedResponseError("OKdokument's answer is not a document's metadata")
        return data

    def list_documents(self, opts: ListOptions) -> Outcome:
        if opts.collection:
            raise UsageError("OKdokument has no collections; drop --collection")
        if opts.deleted:
            raise UsageError("OKdokument deletes documents for good; drop --deleted")
        if opts.all_pages:
            raise UsageError("OKdokument lists every document in one answer; drop --all")
        native = [state for state, status in STATUS_FROM_STATE.items() if status == opts.status]
        # One native state: let the server filter. Several (or none): ask for all, filter here.
        state = native[0] if len(native) == 1 else "*"
        data = self._call("GET", "list", "flat", params={"state": state})
        if not isinstance(data, list):
            raise MalformedResponseError("OKdokument document list is not an array")
        documents = [self._document(item) for item in data if isinstance(item, dict)]
        if opts.status:
            documents = [d for d in documents if d.status == opts.status]
        if opts.limit is not None:
            documents = documents[: opts.limit]
            data = data[: opts.limit]
        return Outcome(documents, raw=data)

    def delete_document(self, document_id: str) -> Outcome:
        data = self._call("DELETE", "document", encode_segment(document_id, "document ID"))
        return Outcome(
            Deletion(provider=self.name, id=document_id, kind="document"),
            raw=data,
        )

    def download_source(self, document_id: str, choice: FileChoice) -> DownloadSource:
        """The current file (6.7), once the metadata (6.10) says it is the one wanted: "once
        the document is signed it can be downloaded" (2.6); OKdokument keeps one version."""
        if choice.attachment:
            raise UsageError("OKdokument documents have no attachments; drop --attachment")
        self.require_secret()
        if not choice.any_state:
            document = self._document(self._metadata(document_id), fallback_id=document_id)
            state = document.provider_status or ""
            if choice.original and state.lower() not in UNSIGNED_STATES:
                raise RejectedError(
                    f"OKdokument document {document_id} is {state or 'in an unknown state'}: "
                    "OKdokument keeps one version of a document, so the original is gone",
                    hint="drop --original for the signed file, or add --any-state for the "
                    "current one",
                    provider=self.name,
                )
            if not choice.original and document.status != "signed":
                raise self.not_signed(document)
        from esign.core.download import DownloadSource

        return DownloadSource(url=self._file_url(document_id), document_id=document_id)

    def not_signed(self, document: Document) -> EsignError:
        state = document.provider_status or "in an unknown state"
        if state == ERROR_SEND_INFO:
            return RejectedError(
                f"OKdokument document {document.id} is {ERROR_SEND_INFO}: {_ERROR_SEND_INFO_TEXT}",
                hint=_ERROR_SEND_INFO_HINT.replace("ID", document.id),
                provider=self.name,
            )
        why = {
            "tosign": "not signed yet",
            "tags": "its signature fields are still being placed; not signed yet",
            "tostamp": "its stamp is still being added; not signed yet",
            "canceled": "the signer pressed Close instead of signing",
        }.get(state.lower(), "not signed")
        hint = (
            "wait with `esign doc wait ID`, or add --any-state for the current, unsigned file"
            if document.status in ("pending", "processing")
            else "start a new round with `esign request create --document ID`, or add "
            "--any-state for the current file"
        )
        return RejectedError(
            f"OKdokument document {document.id} is {state}: {why}",
            hint=hint.replace("ID", document.id),
            provider=self.name,
        )

    def check_credentials(self) -> None:
        self._call("GET", "counter")  # the cheapest authenticated call (spec 6.13)

    def presign(self, document_id: str, choice: FileChoice) -> Outcome:
        raise self.unsupported(
            "presigned URLs: its documents are fetched with the API key",
            instead="use `esign doc download ID -o FILE`",
        )

    # -- mapping --------------------------------------------------------------------------

    def _file_url(self, document_id: str) -> str:
        return self.http.url("document", encode_segment(document_id, "document ID"))

    def _sign_url(self, url: Any, request_id: str) -> str:
        """The signer entry point. The update example's `url` lacks `/openDocument/` (gap 8):
        accept it, but always hand the user the entry point that works."""
        if isinstance(url, str) and "/openDocument/" in url:
            return url
        if isinstance(url, str) and url:
            parts = urlsplit(url)
            prefix = parts.path.rstrip("/").removesuffix("/" + request_id)
        else:
            parts = urlsplit(self.base_url)
            prefix = parts.path.rstrip("/").removesuffix("/JSON")
        path = f"{prefix}/openDocument/{encode_segment(request_id)}"
        return urlunsplit((parts.scheme, parts.netloc, path, "", ""))

    def _document(self, data: dict[str, Any], fallback_id: str | None = None) -> Document:
        document_id = str(data.get("id") or fallback_id or "")
        state = str(data.get("state") or "")
        status = STATUS_FROM_STATE.get(state.lower(), "unknown")
        url = self._file_url(document_id) if document_id else None
        # One URL serves the current file; which of the two it is follows from the state.
        # After errorsendinfo (or an unknown state) neither can be said.
        return Document(
            provider=self.name,
            id=document_id,
            name=data.get("filename"),
            status=status,
            provider_status=state or None,
            created_at=iso_utc(from_epoch_ms(data.get("date"))),
            updated_at=iso_utc(_server_local_time(data.get("modification"))),
            files=DocumentFiles(
                original=url if state.lower() in UNSIGNED_STATES else None,
                signed=url if status == "signed" else None,
            ),
        )


_ERROR_SEND_INFO_TEXT = (
    "the signer finished (Submit or Close), then OKdokument could not deliver its completion "
    "callback to the sendInfoURL; the state no longer says whether the document was signed"
)
_ERROR_SEND_INFO_HINT = "its current PDF shows it: esign doc download ID --any-state"


def _refuse_unused_create_flags(opts: CreateRequestOptions) -> None:
    """A flag OKdokument has no place for is an error, never silently dropped."""
    if opts.signers:
        raise UsageError(
            "OKdokument signers sign in the browser at the signer URL; --signer is not used",
        )
    if opts.send_email:
        raise UsageError(
            "OKdokument cannot take --send-email: its email distribution (the emailTo and "
            "emailFrom rules) needs the signer's and a sender's address, which esign does not "
            "send",
            hint="hand the signer URL out yourself",
        )
    if opts.external_id:
        raise UsageError("OKdokument has no external ID for a document; drop --external-id")
    if opts.name and opts.document_id:
        raise UsageError(
            "OKdokument names a document when it is uploaded (filedata.filename); --name "
            "cannot rename an existing --document",
        )


def _lang(value: str) -> str:
    tag = value.strip().lower()
    if not LANG_TAG.match(tag):
        raise UsageError(f"--lang must be a language code such as en or sk, not {value!r}")
    return tag


def _request_method(response: httpx.Response) -> str | None:
    try:
        return response.request.method
    except RuntimeError:  # a response built without its request
        return None


def _error_fields(response: httpx.Response) -> tuple[str | None, str | None]:
    try:
        body = response.json()
    except ValueError:
        return excerpt(response.text), None
    if not isinstance(body, dict):
        return None, None
    key = body.get("message") or body.get("code")
    value = body.get("value")
    return (str(key) if key else None), (str(value) if value not in (None, "") else None)


def _require(data: Any, key: str) -> str:
    if not isinstance(data, dict) or not data.get(key):
        raise MalformedResponseError(f"OKdokument's answer has no {key!r} field")
    return str(data[key])


def _uuid(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise UsageError(f"--request-id must be a UUID, got {value!r}") from None


def _http_url(value: str, flag: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"{flag} must be an absolute http(s) URL, got {value!r}")
    return value


def _display_name(name: str | None, file_name: str, kind: str) -> str:
    """The name OKdokument shows; Office files keep their extension, which it needs to convert."""
    if not name:
        return file_name
    if kind != "pdf" and not name.lower().endswith("." + kind):
        return f"{name}.{kind}"
    return name


def _server_local_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        # "2019-03-15 14:07:41"; fromisoformat reads it without strptime's costly first use.
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is not None:  # an explicit offset is taken at its word
        return moment.astimezone(UTC)
    return bratislava.to_utc(moment)
