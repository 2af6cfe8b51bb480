"""OKdokument signature requests: create one on an upload or an existing document (spec §6.1),
change its result and callback URLs (§6.11), delete it (§6.12); the signer's URL (§6.4)."""

from __future__ import annotations

import base64
import re
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from esign.core.errors import UsageError
from esign.core.http.client import encode_segment
from esign.core.models import Deletion, Outcome, SignatureRequest
from esign.providers.okdokument.client import OKdokumentClient
from esign.providers.okdokument.wire import MAX_DOCUMENT_BYTES, display_name, require

if TYPE_CHECKING:
    from esign.providers.options import CreateRequestOptions, UpdateRequestOptions

# A plausible language tag for the `lang` rule: the supported list (1.2) is not available.
LANG_TAG = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")


class Requests(OKdokumentClient):
    def create_request(self, opts: CreateRequestOptions) -> Outcome[SignatureRequest]:
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
            from esign.core.files.local import read_document

            local = read_document(opts.file_path, max_bytes=MAX_DOCUMENT_BYTES, allow_office=True)
            body["filedata"] = {
                "content": base64.b64encode(local.content).decode("ascii"),
                "filename": display_name(opts.name, local.name, local.kind),
            }
        # A create is never re-sent once it may have reached the server: a second one would
        # consume a second signature-request credit.
        data = self._call("POST", "signatureRequest", json=body, idempotent=False)
        request_id = require(data, "result")
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

    def update_request(
        self, request_id: str, opts: UpdateRequestOptions
    ) -> Outcome[SignatureRequest]:
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
        # PATCH only sets fields, so repeating it is safe (ARCHITECTURE.md §6).
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

    def delete_request(self, request_id: str) -> Outcome[Deletion]:
        data = self._call(
            "DELETE", "signatureRequest", encode_segment(request_id, "signature request ID")
        )
        return Outcome(
            Deletion(provider=self.name, id=data.get("result") or request_id, kind="request"),
            raw=data,
        )

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
