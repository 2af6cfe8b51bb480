"""OKdokument signature requests: create one on an upload or an existing document (spec §6.1),
change its result and callback URLs (§6.11), delete it (§6.12); the signer's URL (§6.4)."""

from __future__ import annotations

import base64
import re
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from esign.core.errors import InvalidChoiceError, UsageError
from esign.core.http.client import encode_segment
from esign.core.models import Deletion, Outcome, SignatureRequest
from esign.providers.okdokument.client import OKdokumentClient
from esign.providers.okdokument.wire import MAX_DOCUMENT_BYTES, display_name, require

if TYPE_CHECKING:
    from esign.providers.options import CreateRequestOptions, UpdateRequestOptions

# A plausible language tag for the `lang` rule: the supported list (1.2) is not available.
LANG_TAG = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+[0-9][0-9 ()-]{5,20}$")
# filedata.state (spec §5): tostamp inserts a digital stamp before signing.
CREATE_STATES = ("tosign", "tags", "tostamp")
# allowedFields' field types (Document fields configuration, spec §8).
FIELD_TYPES = ("TEXT", "CHECKBOX", "SIGNATURE", "RADIO", "COMBOBOX")


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
        rules = _rules(opts)
        if rules:
            # The object form of `rules` is the new pages'; the sandbox also reads the old
            # string form.
            body["rules"] = rules
        if opts.allowed_fields is not None:
            body["allowedFields"] = _allowed_fields(opts.allowed_fields)
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
            if opts.state:
                body["filedata"]["state"] = _state(opts.state)
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
    if opts.signers or opts.signer_objects:
        raise UsageError(
            "OKdokument signers sign in the browser at the signer URL; --signer is not used",
            hint="--send-email --email-to ADDR --email-from ADDR has OKdokument email it",
        )
    zapsign_only = {
        "--order": opts.ordered,
        "--reminder-days": opts.reminder_days is not None,
        "--url": opts.url,
        "--folder": opts.folder is not None,
        "--template": opts.template_id,
    }
    from esign.providers.options import refuse_given

    refuse_given(
        zapsign_only,
        "OKdokument",
        why="ZapSign's options",
        hint="OKdokument signs an uploaded FILE or a stored --document",
    )
    if opts.send_email and not (opts.email_to and opts.email_from):
        raise UsageError(
            "OKdokument's --send-email needs --email-to (the signer's address) and "
            "--email-from (the sender, required with emailTo; replies go there)",
        )
    if (opts.email_to or opts.email_from) and not opts.send_email:
        raise UsageError("--email-to and --email-from go with --send-email")
    if opts.state and opts.document_id:
        raise UsageError(
            "--state is the state of an uploaded FILE; a new round on a --document starts in tosign"
        )
    if opts.external_id:
        raise UsageError("OKdokument has no external ID for a document; drop --external-id")
    if opts.name and opts.document_id:
        raise UsageError(
            "OKdokument names a document when it is uploaded (filedata.filename); --name "
            "cannot rename an existing --document",
        )


def _rules(opts: CreateRequestOptions) -> dict[str, str]:
    """The `rules` of the Rules page (spec §7) esign's flags map to."""
    rules: dict[str, str] = {}
    if opts.lang:
        rules["lang"] = _lang(opts.lang)  # signing page and email language (Rules, 5.9)
    if opts.send_email:
        assert opts.email_to is not None
        assert opts.email_from is not None
        rules["emailTo"] = _email(opts.email_to, "--email-to")
        rules["emailFrom"] = _email(opts.email_from, "--email-from")
    if opts.otp:
        # OTP for opening (5.7): a code sent by email or SMS (SMS needs an SMS package).
        otp = opts.otp.strip()
        if "@" in otp:
            rules["openOtpEmail"] = _email(otp, "--otp")
        elif PHONE.match(otp):
            rules["openOtpPhone"] = re.sub(r"[\s()-]", "", otp)
        else:
            raise UsageError(
                f"--otp must be an email address or a phone number such as +421 900 123 456, "
                f"not {opts.otp!r}"
            )
    return rules


def _email(value: str, flag: str) -> str:
    address = value.strip()
    if not EMAIL.match(address):
        raise UsageError(f"{flag} must be an email address, not {value!r}")
    return address


def _state(value: str) -> str:
    state = value.strip().lower()
    if state not in CREATE_STATES:
        raise InvalidChoiceError("--state", value, CREATE_STATES)
    return state


def _allowed_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """allowedFields (spec §8): field type -> the field names this round may use, as an
    array (new pages) or one name (old pages); sent as given once it has that shape."""
    if not fields:
        raise UsageError("--fields names no field types", hint=f"use {', '.join(FIELD_TYPES)}")
    for kind, names in fields.items():
        if kind not in FIELD_TYPES:
            raise UsageError(
                f"--fields: {kind!r} is not a field type", hint=f"use {', '.join(FIELD_TYPES)}"
            )
        is_names = isinstance(names, list) and all(isinstance(n, str) and n for n in names)
        if not (is_names or (isinstance(names, str) and names)):
            raise UsageError(
                f"--fields: {kind} must be a field name or a list of field names",
                hint='e.g. {"SIGNATURE": ["SC_signature"], "TEXT": ["TO_text"]}',
            )
    return fields


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
